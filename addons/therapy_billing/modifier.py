"""Modifiers a payer wants on its claim lines: a rule table, not code.

Medicare wants the therapy discipline on every PT, OT and speech line (GP,
GO, GN) and CQ or CO when an assistant furnished the service; some payers
want GT instead of 95 for telehealth; Medicaid plans ask for the
clinician's licensure level (HO master's, HN bachelor's, AH psychologist,
AJ social worker, ...). Each row of a payer says when it applies (every
condition it sets holds) and the modifier it adds, or puts in place of
another. A charge to the payer gets its modifiers when it is created, so
the fee looked up is the fee of the modifiers billed."""
import re

from trytond.i18n import gettext
from trytond.model import ModelSQL, ModelView, fields, sequence_ordered
from trytond.pyson import Bool, Eval, If

from therapy_scheduling.disciplines import CREDENTIALS, DISCIPLINES, MODALITIES

from .exceptions import ModifierRuleError

# what the 837P (SV101-3..6) and box 24D hold
MAX_MODIFIERS = 4
MODIFIER = re.compile(r'^[A-Z0-9]{2}$')


class PayerModifier(sequence_ordered(), ModelSQL, ModelView):
    "Payer Modifier Rule"
    __name__ = 'therapy.payer.modifier'

    payer = fields.Many2One(
        'therapy.payer', "Payer", required=True, ondelete='CASCADE')
    discipline = fields.Selection(DISCIPLINES, "Discipline",
        help="Only services of this discipline; empty: any.")
    service = fields.Many2One(
        'therapy.service', "Service", ondelete='CASCADE',
        domain=[If(Bool(Eval('discipline')),
                ('discipline', '=', Eval('discipline')),
                ())],
        help="Only this service; empty: any.")
    modality = fields.Selection([(None, "")] + MODALITIES, "Modality",
        help="Only sessions held this way; empty: any.")
    credentials = fields.MultiSelection(
        [c for c in CREDENTIALS if c[0]], "Credentials",
        help="Only when the clinician who saw the client holds one of "
        "these credentials (e.g. PTA for CQ, COTA for CO, a licensure "
        "level); empty: any.")
    modifier = fields.Char("Modifier", required=True, size=2,
        help="Two letters or digits, e.g. GP, GT, CQ, HO.")
    replaces = fields.Char("Replaces", size=2,
        help="A modifier this one takes the place of (GT for 95); "
        "empty: it is added.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.__access__.add('payer')

    def pre_validate(self):
        super().pre_validate()
        self.check_codes()

    @classmethod
    def validate(cls, rules):
        super().validate(rules)
        for rule in rules:
            rule.check_codes()

    def check_codes(self):
        for code in filter(None, [self.modifier, self.replaces]):
            if not MODIFIER.match(code):
                raise ModifierRuleError(gettext(
                        'therapy_billing.msg_modifier_code',
                        code=code, payer=self.payer.rec_name
                        if self.payer else ''))

    @classmethod
    def create(cls, vlist):
        return super().create([cls._upper(v) for v in vlist])

    @classmethod
    def write(cls, *args):
        actions = iter(args)
        args = []
        for rules, values in zip(actions, actions):
            args.extend((rules, cls._upper(values)))
        super().write(*args)

    @staticmethod
    def _upper(values):
        values = values.copy()
        for name in ['modifier', 'replaces']:
            if values.get(name):
                values[name] = values[name].strip().upper()
        return values

    def applies(self, service, modality, clinician):
        if self.discipline and (
                not service or service.discipline != self.discipline):
            return False
        if self.service and self.service != service:
            return False
        if self.modality and self.modality != modality:
            return False
        if self.credentials and (not clinician
                or clinician.credential not in self.credentials):
            return False
        return True


def apply_rules(rules, modifiers):
    """modifiers (a list) with rules (the applying ones, in order): a rule
    takes the place of the modifier it replaces, else adds its own; no
    modifier twice"""
    modifiers = list(modifiers)
    for rule in rules:
        if rule.modifier in modifiers:
            continue
        if rule.replaces and rule.replaces in modifiers:
            modifiers[modifiers.index(rule.replaces)] = rule.modifier
        else:
            modifiers.append(rule.modifier)
    return modifiers
