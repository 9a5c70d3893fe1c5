"""The disclosure log: releases of a client's PHI outside the practice
(HIPAA 164.528, the accounting of disclosures; SECURITY.md §5, phi.disclose).

A client may ask who received their information over the last six years,
other than for treatment, payment and operations or with their own
request: a records request from a court, a subpoena, public health,
law enforcement, an authorization to a third party. Each release is a
row here, kept (never deleted, history of every change) and an audit
event. The privacy auditors and the owner record and read them (Privacy
Audit › Disclosures, or Disclosures from the client)."""
from dateutil.relativedelta import relativedelta

from trytond.i18n import gettext
from trytond.model import ModelSQL, ModelView, fields
from trytond.model.exceptions import AccessError, ValidationError
from trytond.pool import Pool
from trytond.pyson import Eval
from trytond.transaction import Transaction

from .phi import PHIMixin

# 164.528(a): the accounting covers the six years before the request
LOOK_BACK = relativedelta(years=6)

PURPOSES = [
    ('authorization', "With the Client's Authorization"),
    ('legal', "Court Order or Subpoena"),
    ('law_enforcement', "Law Enforcement"),
    ('public_health', "Public Health"),
    ('health_oversight', "Health Oversight Agency"),
    ('abuse_report', "Report of Abuse or Neglect"),
    ('research', "Research"),
    ('other', "Other Required by Law"),
    ]
METHODS = [
    ('mail', "Mail"),
    ('fax', "Fax"),
    ('email', "Secure Email"),
    ('in_person', "In Person"),
    ('electronic', "Electronic Exchange"),
    ]


class Disclosure(PHIMixin, ModelSQL, ModelView):
    "Disclosure"
    __name__ = 'therapy.disclosure'
    _history = True
    client = fields.Many2One('therapy.client', "Client", required=True,
        ondelete='RESTRICT')
    disclosed_on = fields.Date("Disclosed On", required=True)
    recipient = fields.Char("Recipient", required=True,
        help="Who received it: a person and their organization.")
    recipient_address = fields.Text("Recipient's Address",
        help="Where it was sent, when it was sent.")
    purpose = fields.Selection(PURPOSES, "Purpose", required=True)
    purpose_note = fields.Char("Purpose in Brief",
        help="A brief statement of the purpose, as the client will read "
        "it in the accounting (or a copy of the request).")
    authorization = fields.Char("Authorization or Request",
        states={'required': Eval('purpose') == 'authorization'},
        help="The reference of the client's signed authorization, the "
        "court order or the written request.")
    description = fields.Text("What Was Disclosed", required=True,
        help="The records or information released (e.g. intake and the "
        "notes of March to May).")
    method = fields.Selection(METHODS, "Method", required=True)
    recorded_by = fields.Many2One('res.user', "Recorded By", readonly=True)
    within_look_back = fields.Function(fields.Boolean(
            "In the Six-Year Accounting"),
        'get_within_look_back', searcher='search_within_look_back')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('disclosed_on', 'DESC'), ('id', 'DESC')]

    @staticmethod
    def default_disclosed_on():
        return Pool().get('ir.date').today()

    @staticmethod
    def default_method():
        return 'mail'

    @classmethod
    def look_back_start(cls):
        return Pool().get('ir.date').today() - LOOK_BACK

    def get_within_look_back(self, name):
        return self.disclosed_on >= self.look_back_start()

    @classmethod
    def search_within_look_back(cls, name, clause):
        _, operator, value = clause[:3]
        inside = (operator == '=') == bool(value)
        return [('disclosed_on', '>=' if inside else '<',
                cls.look_back_start())]

    @classmethod
    def validate_fields(cls, disclosures, field_names):
        super().validate_fields(disclosures, field_names)
        today = Pool().get('ir.date').today()
        for disclosure in disclosures:
            if disclosure.disclosed_on > today:
                raise ValidationError(gettext(
                        'therapy_scheduling.msg_disclosure_future',
                        date=disclosure.disclosed_on))

    @classmethod
    def create(cls, vlist):
        user = Transaction().user
        vlist = [{**v, 'recorded_by': user} for v in vlist]
        disclosures = super().create(vlist)
        Event = Pool().get('therapy.audit.event')
        for disclosure in disclosures:
            Event.log('phi.disclose', 'C', model=cls.__name__,
                ids=[disclosure.id], client_ids=[disclosure.client.id],
                reason=disclosure.purpose,
                detail={'method': disclosure.method,
                    'authorization': bool(disclosure.authorization),
                    'disclosed_on': disclosure.disclosed_on.isoformat()})
        return disclosures

    @classmethod
    def write(cls, *args):
        actions = iter(args)
        for disclosures, values in zip(actions, actions):
            if 'recorded_by' in values and Transaction().check_access:
                raise AccessError(gettext(
                        'therapy_scheduling.msg_disclosure_recorded_by'))
        super().write(*args)

    @classmethod
    def delete(cls, disclosures):
        # the accounting must answer for six years: correct, never remove
        raise AccessError(gettext('therapy_scheduling.msg_disclosure_kept'))
