"""The disclosure log (164.528) and the auditor's report: who may record
and read releases, what is refused, the accounting's six years, and the
report's filters and CSV download, itself audited."""
import csv
import datetime as dt
import io
import unittest

from dateutil.relativedelta import relativedelta

from trytond.exceptions import UserError
from trytond.model.exceptions import AccessError
from trytond.modules.company.tests import create_company, set_company
from trytond.pool import Pool
from trytond.tests.test_tryton import activate_module, with_transaction
from trytond.transaction import Transaction

from .fixtures import as_user, create_client, create_user
from .test_phi_audit import rpc

AUDITOR = 'therapy_audit.group_auditor'
DESK = 'therapy_scheduling.group_front_desk'
SENTINEL = 'zz-sentinel-d15c'


class DisclosureTestCase(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        activate_module('therapy_scheduling')

    def disclosure(self, client, **values):
        return {'client': client.id, 'recipient': "County Court",
            'purpose': 'legal', 'method': 'mail',
            'authorization': "Subpoena 2026-114",
            'description': f"Intake and attendance {SENTINEL}", **values}

    @with_transaction()
    def test_disclosure_log(self):
        pool = Pool()
        Disclosure = pool.get('therapy.disclosure')
        Event = pool.get('therapy.audit.event')
        with set_company(create_company()):
            client = create_client("Jordan Lee")
            other = create_client("Sam Rivera")
            # a name in another client's email is not that client's name
            pool.get('party.contact_mechanism').create([{
                        'party': other.party.id, 'type': 'email',
                        'value': 'jordan.parent@example.com'}])
            auditor = create_user('privacy', [AUDITOR])
            desk = create_user('desk', [DESK])
            with as_user(desk):
                with self.assertRaises(AccessError):
                    rpc(Disclosure, 'create', [self.disclosure(client)])
                with self.assertRaises(AccessError):
                    rpc(Disclosure, 'search', [], 0, None, None)
            today = pool.get('ir.date').today()
            with as_user(auditor):
                ids = rpc(Disclosure, 'create', [
                        self.disclosure(client, recorded_by=desk.id),
                        self.disclosure(client, disclosed_on=today
                            - relativedelta(years=6, days=1)),
                        self.disclosure(other, purpose='public_health',
                            authorization=None)])
                ids = [d.id for d in ids]
                recent, old, _ = Disclosure.browse(ids)
                self.assertEqual(recent.recorded_by, auditor)
                with self.assertRaises(AccessError):
                    rpc(Disclosure, 'write', [recent],
                        {'recorded_by': desk.id})
                with self.assertRaises(AccessError):
                    rpc(Disclosure, 'delete', [recent])
                rpc(Disclosure, 'write', [recent],
                    {'recipient': "County Court, Clerk"})
                accounting = Disclosure.search([('client', '=', client.id),
                        ('within_look_back', '=', True)])
                self.assertEqual(accounting, [recent])
                # (last: a refused create is rolled back with its request,
                # not inside this test's transaction)
                for values in [{'purpose': 'authorization',
                            'authorization': None},
                        {'disclosed_on': today + dt.timedelta(days=1)}]:
                    with self.subTest(values=values), \
                            self.assertRaises(UserError):
                        rpc(Disclosure, 'create',
                            [self.disclosure(client, **values)])
            disclosed = Event.search([('event_code', '=', 'phi.disclose')],
                order=[('seq', 'ASC')])
            self.assertEqual([(e.resource_ids, e.client_ids, e.reason)
                    for e in disclosed], [
                    (str(ids[0]), f',{client.id},', 'legal'),
                    (str(ids[1]), f',{client.id},', 'legal'),
                    (str(ids[2]), f',{other.id},', 'public_health')])
            cursor = Transaction().connection.cursor()
            cursor.execute('SELECT * FROM therapy_audit_event')
            self.assertNotIn(SENTINEL, repr(cursor.fetchall()))

    @with_transaction()
    def test_auditor_report(self):
        pool = Pool()
        Disclosure = pool.get('therapy.disclosure')
        Event = pool.get('therapy.audit.event')
        Report = pool.get('therapy.audit.report', type='wizard')
        self.assertTrue(Report.__rpc__['execute'].fresh_session)
        with set_company(create_company()):
            client = create_client("Jordan Lee")
            other = create_client("Sam Rivera")
            # a name in another client's email is not that client's name
            pool.get('party.contact_mechanism').create([{
                        'party': other.party.id, 'type': 'email',
                        'value': 'jordan.parent@example.com'}])
            auditor = create_user('privacy', [AUDITOR])
            with as_user(auditor):
                rpc(Disclosure, 'create', [self.disclosure(client),
                        self.disclosure(other)])
                rpc(Disclosure, 'read', [d.id for d in Disclosure.search(
                            [('client', '=', other.id)])], ['recipient'])

                def run(state, **filters):
                    session, _, _ = Report.create()
                    result = Report.execute(session,
                        {'start': {'client': None, 'user': None,
                                'from_date': None, 'to_date': None,
                                'event': None, 'emergency_only': False,
                                'failures_only': False, **filters}},
                        state)
                    Report.delete(session)
                    return result
                result = run('download', client="Jordan",
                    event='phi.disclose')
                values = result['view']['defaults']
                rows = list(csv.reader(io.StringIO(
                            values['file'].decode('utf-8'))))
                self.assertEqual(rows[0][:3],
                    ["Occurred At (UTC)", "Position", "Event"])
                self.assertEqual([(r[2], r[14].split(' [')[0])
                        for r in rows[1:]], [('phi.disclose', 'Jordan Lee')])
                self.assertEqual(values['rows'], 1)
                self.assertNotIn(SENTINEL, values['file'].decode('utf-8'))
                shown = run('show', client="Sam")
                self.assertIn('Sam', shown['actions'][0][0]['pyson_domain'])
            export, = Event.search([('event_code', '=', 'audit.export')])
            self.assertEqual((export.actor_user, export.record_count),
                (auditor, 1))
