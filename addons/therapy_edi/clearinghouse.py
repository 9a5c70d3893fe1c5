"""Clearinghouses: where the practice's 837P files go and its 999/277CA
answers come from.

The exchange is the SFTP-drop pattern: an outbound and an inbound folder
on this server that a mounted SFTP share or a sync job serves; the module
only writes and reads local files. Each clearinghouse carries the envelope
identities (ISA05-08, GS02/03), the 1000A/1000B names, the test or
production flag (ISA15) and the separators it wants."""
import os

from trytond.i18n import gettext
from trytond.model import DeactivableMixin, ModelSQL, ModelView, Unique, fields
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Eval
from trytond.transaction import Transaction

from .exceptions import ClearinghouseValidationError

QUALIFIERS = [
    ('ZZ', "ZZ Mutually defined"),
    ('01', "01 DUNS"),
    ('14', "14 DUNS plus suffix"),
    ('20', "20 Health industry number"),
    ('27', "27 Carrier ID (HCFA)"),
    ('28', "28 Fiscal intermediary ID"),
    ('29', "29 Medicare provider ID"),
    ('30', "30 U.S. federal tax ID"),
    ('33', "33 NAIC company code"),
    ]
USAGES = [
    ('T', "Test"),
    ('P', "Production"),
    ]


class Clearinghouse(DeactivableMixin, ModelSQL, ModelView):
    "Clearinghouse"
    __name__ = 'therapy.clearinghouse'

    company = fields.Many2One('company.company', "Company", required=True)
    name = fields.Char("Name", required=True,
        help="As the payers' IDs name it (Payer IDs on the payer).")
    submitter_qualifier = fields.Selection(
        QUALIFIERS, "Submitter ID Qualifier", required=True,
        help="ISA05.")
    submitter_id = fields.Char("Submitter ID", required=True, size=15,
        help="ISA06, GS02 and the 1000A NM109: the practice's ID (ETIN) "
        "at the clearinghouse.")
    submitter_name = fields.Char("Submitter Name", required=True,
        help="1000A NM103: the practice as the clearinghouse knows it.")
    contact_name = fields.Char("EDI Contact", required=True,
        help="1000A PER02: who answers the clearinghouse's questions.")
    contact_phone = fields.Char("EDI Contact Phone", required=True,
        help="1000A PER04: ten digits.")
    contact_email = fields.Char("EDI Contact Email")
    receiver_qualifier = fields.Selection(
        QUALIFIERS, "Receiver ID Qualifier", required=True, help="ISA07.")
    receiver_id = fields.Char("Receiver ID", required=True, size=15,
        help="ISA08, GS03 and the 1000B NM109.")
    receiver_name = fields.Char("Receiver Name", required=True,
        help="1000B NM103.")
    usage = fields.Selection(USAGES, "Usage", required=True,
        help="ISA15: test files are checked by the clearinghouse, never "
        "sent to payers.")
    element_separator = fields.Char("Element Separator", size=1,
        required=True)
    component_separator = fields.Char("Component Separator", size=1,
        required=True)
    repetition_separator = fields.Char("Repetition Separator", size=1,
        required=True)
    segment_terminator = fields.Char("Segment Terminator", size=1,
        required=True)
    line_break = fields.Boolean("Line Break After Segments",
        help="Some clearinghouses want one segment per line.")
    outbound_folder = fields.Char("Outbound Folder", required=True,
        help="Where released 837P files are written (the folder the "
        "SFTP share or sync job sends).")
    inbound_folder = fields.Char("Inbound Folder", required=True,
        help="Where the clearinghouse's 999 and 277CA files arrive.")
    payers = fields.One2Many('therapy.payer', 'clearinghouse', "Payers",
        readonly=True, help="Payers that prefer this clearinghouse.")
    fallback_payers = fields.One2Many(
        'therapy.payer', 'fallback_clearinghouse', "Fallback For",
        readonly=True,
        help="Payers whose claims come here while their preferred "
        "clearinghouse cannot take them.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints += [
            ('name_unique', Unique(t, t.company, t.name),
                'therapy_edi.msg_clearinghouse_name_unique'),
            ]
        cls._order = [('name', 'ASC'), ('id', 'ASC')]
        cls._buttons.update({
                'send_claims': {
                    'invisible': ~Eval('active', False),
                    'icon': 'tryton-forward',
                    'depends': ['active'],
                    },
                'fetch_answers': {
                    'invisible': ~Eval('active', False),
                    'icon': 'tryton-import',
                    'depends': ['active'],
                    },
                })

    @classmethod
    def default_company(cls):
        return Transaction().context.get('company')

    @classmethod
    def default_submitter_qualifier(cls):
        return 'ZZ'

    default_receiver_qualifier = default_submitter_qualifier

    @classmethod
    def default_usage(cls):
        return 'T'

    @classmethod
    def default_element_separator(cls):
        return '*'

    @classmethod
    def default_component_separator(cls):
        return ':'

    @classmethod
    def default_repetition_separator(cls):
        return '^'

    @classmethod
    def default_segment_terminator(cls):
        return '~'

    @property
    def separators(self):
        from .x12 import Separators
        return Separators(self.element_separator, self.component_separator,
            self.segment_terminator, self.repetition_separator)

    @classmethod
    def validate(cls, clearinghouses):
        from .x12 import X12Error
        super().validate(clearinghouses)
        for clearinghouse in clearinghouses:
            try:
                clearinghouse.separators.check()
            except X12Error:
                raise ClearinghouseValidationError(gettext(
                        'therapy_edi.msg_clearinghouse_separators',
                        clearinghouse=clearinghouse.rec_name))
            for name in ['outbound_folder', 'inbound_folder']:
                if not os.path.isabs(getattr(clearinghouse, name)):
                    raise ClearinghouseValidationError(gettext(
                            'therapy_edi.msg_clearinghouse_folder',
                            clearinghouse=clearinghouse.rec_name,
                            folder=getattr(clearinghouse, name)))
            digits = ''.join(c for c in clearinghouse.contact_phone
                if c.isdigit())
            if len(digits) != 10:
                raise ClearinghouseValidationError(gettext(
                        'therapy_edi.msg_clearinghouse_phone',
                        clearinghouse=clearinghouse.rec_name))

    def payer_id(self, payer):
        "The payer's ID at this clearinghouse (its Payer IDs), or None"
        for identifier in payer.identifiers:
            if (identifier.clearinghouse or '').strip().lower() == (
                    self.name.strip().lower()):
                return identifier.payer_id

    @classmethod
    @ModelView.button
    def send_claims(cls, clearinghouses):
        "Send the ready claims of each clearinghouse as one 837P file"
        EdiFile = Pool().get('therapy.edi.file')
        for clearinghouse in clearinghouses:
            EdiFile.send(clearinghouse)

    @classmethod
    @ModelView.button
    def fetch_answers(cls, clearinghouses):
        """Import the answers of the inbound folders not read yet, each file
        on its own: one refused is archived as refused with its reason
        (EDI Files, Needs Attention) and the others are read"""
        EdiFile = Pool().get('therapy.edi.file')
        for clearinghouse in clearinghouses:
            EdiFile.import_folder(clearinghouse)

    @classmethod
    def send_all(cls):
        "Cron: send the ready claims through every active clearinghouse"
        EdiFile = Pool().get('therapy.edi.file')
        files = []
        for clearinghouse in cls.search([]):
            edi_file = EdiFile.send(clearinghouse)
            if edi_file:
                files.append(edi_file)
        return files

    @classmethod
    def fetch_all(cls):
        """Cron: import the answers waiting in every active clearinghouse's
        inbound folder; as with the button, a refused file is archived as
        refused with its reason and the others are read"""
        EdiFile = Pool().get('therapy.edi.file')
        files = []
        for clearinghouse in cls.search([]):
            files += EdiFile.import_folder(clearinghouse)
        return files


class Payer(metaclass=PoolMeta):
    __name__ = 'therapy.payer'

    clearinghouse = fields.Many2One(
        'therapy.clearinghouse', "Clearinghouse", ondelete='RESTRICT',
        domain=[('company', '=', Eval('company', -1))],
        help="Where this payer's claims are sent; its payer ID there is "
        "the Payer ID named after the clearinghouse.")
    fallback_clearinghouse = fields.Many2One(
        'therapy.clearinghouse', "Fallback Clearinghouse",
        ondelete='RESTRICT',
        domain=[
            ('company', '=', Eval('company', -1)),
            ('id', '!=', Eval('clearinghouse', -1)),
            ],
        states={
            'invisible': ~Eval('clearinghouse'),
            },
        help="Used while the preferred clearinghouse is deactivated (an "
        "outage, a contract ended) or has no payer ID for this payer.")

    def route(self):
        """The clearinghouse this payer's claims and inquiries go through
        now: the preferred one while it is active and knows the payer, else
        the fallback when that one can; else the preferred, so its gap is
        what the scrubber reports"""
        for clearinghouse in [self.clearinghouse, self.fallback_clearinghouse]:
            if (clearinghouse and clearinghouse.active
                    and clearinghouse.payer_id(self)):
                return clearinghouse
        return self.clearinghouse
