"""Every model our modules define ships a deny-all access row plus grants.

Tryton allows everything on a model with no ir.model.access row (reading, for
an SQL view), so a model
added without one would be open to every user, PHI included. This walks the
models of the four therapy modules after activating them all.
"""
import unittest

from trytond.model import ModelSQL
from trytond.pool import Pool
from trytond.tests.test_tryton import activate_module, with_transaction

MODULES = ['therapy_audit', 'therapy_scheduling', 'therapy_clinical',
    'therapy_billing', 'therapy_portal', 'therapy_reporting', 'therapy_edi']
# the server's alone: authenticator keys, recovery code hashes, half-done
# logins; no group reads them (the server does, without access checks)
SERVER_ONLY = {'therapy.mfa.enrollment', 'therapy.mfa.recovery',
    'therapy.portal.mfa', 'therapy.portal.mfa.recovery',
    'therapy.portal.mfa.challenge'}
PERMS = ['perm_read', 'perm_write', 'perm_create', 'perm_delete']


def access_parents(Model):
    "Models whose access Model inherits, through __access__ chains"
    parents, todo = [], [Model]
    while todo:
        current = todo.pop()
        for name in current.__access__:
            target = getattr(current, name).get_target()
            if target.__name__ not in parents:
                parents.append(target.__name__)
                todo.append(target)
    return parents


class AccessRowsTestCase(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        activate_module(MODULES)

    @with_transaction()
    def test_every_model_denies_by_default_and_grants_explicitly(self):
        pool = Pool()
        IrModel = pool.get('ir.model')
        Access = pool.get('ir.model.access')
        models = IrModel.search([('module', 'in', MODULES)])
        self.assertTrue(models, "no model found for our modules")
        checked = []
        for ir_model in models:
            Model = pool.get(ir_model.name)
            # SQL views (table_query) are readable by all when no row
            # exists, and they show stored PHI: they need rows too
            if not issubclass(Model, ModelSQL):
                continue
            rows = Access.search([('model', '=', ir_model.name)])
            defaults = [r for r in rows if not r.group]
            with self.subTest(model=ir_model.name):
                self.assertEqual(
                    len(defaults), 1,
                    f"{ir_model.name} needs exactly one group-less "
                    "(default) ir.model.access row")
                self.assertFalse(
                    any(getattr(defaults[0], p) for p in PERMS),
                    f"the default access row of {ir_model.name} must "
                    "deny everything")
                grants = [r for r in rows if r.group
                    and any(getattr(r, p) for p in PERMS)]
                parents = access_parents(Model)
                parent_grants = Access.search([
                        ('model', 'in', parents),
                        ('group', '!=', None),
                        ]) if parents else []
                if ir_model.name in SERVER_ONLY:
                    self.assertFalse(grants or parent_grants, ir_model.name)
                    continue
                self.assertTrue(
                    grants or parent_grants,
                    f"{ir_model.name} grants no group any access, directly "
                    "or through its __access__ parent")
            checked.append(ir_model.name)
        self.assertIn('therapy.client', checked)
        self.assertIn('therapy.client.guardian', checked)
        self.assertIn('therapy.note.debt', checked)
