"""Every X12 file the practice wrote or read, kept as it was (an audit
record: nobody edits or deletes one).

Sending: the ready claims of a clearinghouse become one 837P file, which
pyx12 validates before anything leaves. A valid file is written to the
outbound folder (a temporary name, then renamed, so a sync job never picks
up half a file), archived here, and its claims are submitted, in one
transaction. A file with any error is archived as failed with its errors,
nothing is written to the folder, and each claim stays ready with the
errors that concern it (``edi_problems`` and a history row).

Control numbers (ISA13, GS06, ST02) come from three ir.sequence records,
taken once per run whatever its outcome. They are plain (not strict)
sequences on purpose: on PostgreSQL a plain sequence is a database
sequence, outside the transaction, so a run that fails or rolls back
leaves a gap and a number is never handed out twice; X12 asks control
numbers to be unique, not gap-free. A failed validation commits its
failed file, so its numbers stay consumed on every backend.

Reading (inbound.py): 999 and 277CA files update the claims they answer,
271 files become eligibility answers. Eligibility inquiries (270) are
written by inquiry.py."""
import hashlib
import os
import re
import tempfile

from trytond.i18n import gettext
from trytond.model import ModelSQL, ModelView, Unique, fields
from trytond.model.exceptions import AccessError
from trytond.pool import Pool
from trytond.pyson import Eval
from trytond.transaction import Transaction, without_check_access

from therapy_billing.batch import browse_in_slices
from therapy_scheduling import clock

from .claim_data import BatchBuilder
from .inbound import InboundMixin
from .remittance_import import RemittanceImportMixin

DIRECTIONS = [
    ('out', "Outbound"),
    ('in', "Inbound"),
    ]
KINDS = [
    ('837P', "837P Claims"),
    ('270', "270 Eligibility Inquiry"),
    ('999', "999 Acknowledgment"),
    ('277CA', "277CA Claim Acknowledgment"),
    ('271', "271 Eligibility"),
    ('835', "835 Remittance"),
    ]
STATES = [
    ('released', "Released"),
    ('failed', "Failed Validation"),
    ('imported', "Imported"),
    ('refused', "Refused"),
    ]
SEGMENT = re.compile(r'^segment (\d+)\b')


def atomic_write(folder, name, data):
    "Write data to folder/name through a temporary file and a rename"
    os.makedirs(folder, exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=folder, prefix='.', suffix='.tmp')
    try:
        with os.fdopen(fd, 'wb') as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        path = os.path.join(folder, name)
        os.replace(temporary, path)
    except BaseException:
        if os.path.exists(temporary):
            os.unlink(temporary)
        raise
    return path


class EdiFile(RemittanceImportMixin, InboundMixin, ModelSQL, ModelView):
    "EDI File"
    __name__ = 'therapy.edi.file'

    company = fields.Many2One(
        'company.company', "Company", required=True, readonly=True)
    clearinghouse = fields.Many2One(
        'therapy.clearinghouse', "Clearinghouse", readonly=True,
        ondelete='RESTRICT')
    direction = fields.Selection(
        DIRECTIONS, "Direction", required=True, readonly=True)
    kind = fields.Selection(KINDS + [(None, "")], "Kind", readonly=True,
        states={
            # a refused file may be too malformed to tell
            'required': Eval('state') != 'refused',
            },
        depends=['state'])
    name = fields.Char("File Name", required=True, readonly=True)
    sha256 = fields.Char("SHA-256", readonly=True,
        help="The file's fingerprint: an inbound file is read only once.")
    size = fields.Integer("Size (bytes)", readonly=True)
    data = fields.Binary("File", filename='name', file_id='file_id',
        readonly=True)
    file_id = fields.Char("File ID", readonly=True)
    path = fields.Char("Written To", readonly=True,
        help="Where a released file was written.")
    interchange_number = fields.Char("Interchange Control Number",
        readonly=True, help="ISA13.")
    group_number = fields.Char("Group Control Number", readonly=True,
        help="GS06.")
    transaction_number = fields.Char("Transaction Control Number",
        readonly=True, help="ST02.")
    state = fields.Selection(STATES, "State", required=True, readonly=True)
    claims = fields.Many2Many(
        'therapy.edi.file-therapy.claim', 'edi_file', 'claim', "Claims",
        readonly=True)
    eligibilities = fields.One2Many('therapy.eligibility', 'edi_file',
        "Eligibility Answers", readonly=True)
    remittances = fields.One2Many('therapy.remittance', 'edi_file',
        "Remittances", readonly=True)
    claim_count = fields.Function(fields.Integer("Claims"), 'get_claim_count')
    # not "log": ModelStorage.log records the buttons clicked
    file_log = fields.Text("Log", readonly=True,
        help="The validation errors, or what an acknowledgment changed and "
        "the references it names that match no claim.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints += [
            ('sha256_unique',
                Unique(t, t.company, t.direction, t.sha256),
                'therapy_edi.msg_edi_file_duplicate'),
            ]
        cls._order = [('create_date', 'DESC'), ('id', 'DESC')]
        cls._buttons.update({
                'retry': {
                    'invisible': Eval('state') != 'refused',
                    'icon': 'tryton-refresh',
                    'depends': ['state'],
                    },
                })

    @classmethod
    def __register__(cls, module_name):
        table = cls.__table_handler__(module_name)
        if (table.column_exist('log')
                and not table.column_exist('file_log')):
            table.column_rename('log', 'file_log')
        super().__register__(module_name)

    def get_claim_count(self, name):
        return len(self.claims)

    @classmethod
    def create(cls, vlist):
        "Every file in and out is an audit event (edi.import, edi.transmit)"
        files = super().create(vlist)
        cls.log_files(files)
        return files

    @classmethod
    def log_files(cls, files):
        pool = Pool()
        Event = pool.get('therapy.audit.event')
        Claim = pool.get('therapy.claim')
        for edi_file in files:
            claim_ids = [c.id for c in edi_file.claims]
            inbound = edi_file.direction == 'in'
            Event.log('edi.import' if inbound else 'edi.transmit',
                'C' if inbound else 'E', model=cls.__name__,
                ids=[edi_file.id], count=len(claim_ids),
                client_ids=Claim.audit_client_ids(claim_ids)
                if claim_ids else None,
                outcome=('4' if edi_file.state in {'failed', 'refused'}
                    else '0'),
                detail={'kind': edi_file.kind, 'name': edi_file.name,
                    'sha256': edi_file.sha256, 'state': edi_file.state,
                    'isa13': edi_file.interchange_number,
                    'gs06': edi_file.group_number,
                    'st02': edi_file.transaction_number})

    @classmethod
    @ModelView.button
    def retry(cls, files):
        "Read the refused files again, once what stopped them is mended"
        cls.read_again(files)

    @classmethod
    def check_modification(cls, mode, files, values=None, external=False):
        super().check_modification(
            mode, files, values=values, external=external)
        # the archive is the audit trail: written by the server only
        if external or mode == 'delete':
            raise AccessError(gettext('therapy_edi.msg_edi_file_readonly'))

    # --- control numbers ----------------------------------------------------
    @classmethod
    def control_numbers(cls):
        "(ISA13, GS06, ST02) taken from their sequences"
        pool = Pool()
        ModelData = pool.get('ir.model.data')
        Sequence = pool.get('ir.sequence')
        with without_check_access():
            return tuple(Sequence(ModelData.get_id('therapy_edi', xml_id)
                    ).get() for xml_id in [
                    'sequence_interchange', 'sequence_group',
                    'sequence_transaction'])

    # --- sending ------------------------------------------------------------
    @classmethod
    def ready_claims(cls, clearinghouse):
        "The ready claims whose payer's route is now clearinghouse"
        pool = Pool()
        Claim = pool.get('therapy.claim')
        Payer = pool.get('therapy.payer')
        # the route is the payer's, so it is decided once a payer and the
        # claims are found by their payers (not read claim by claim); a
        # payer deactivated since still has its ready claims sent
        with Transaction().set_context(active_test=False):
            found = Payer.search([
                    ['OR',
                        ('clearinghouse', '=', clearinghouse.id),
                        ('fallback_clearinghouse', '=', clearinghouse.id),
                        ],
                    ])
        payers = [p for p in found if p.route() == clearinghouse]
        if not payers:
            return []
        query = Claim.search([
                ('company', '=', clearinghouse.company.id),
                ('state', '=', 'ready'),
                ('coverage.payer', 'in', [p.id for p in payers]),
                ], order=[('date', 'ASC'), ('id', 'ASC')], query=True)
        cursor = Transaction().connection.cursor()
        cursor.execute(*query)
        return browse_in_slices(Claim, [i for i, in cursor])

    @classmethod
    def send(cls, clearinghouse, folder=None):
        """The ready claims of clearinghouse as one 837P file: released
        (written to folder, the outbound folder by default) or failed;
        None when no claim is ready"""
        from .x12 import Envelope, X12Error, validate, write_837p
        from .x12.claim837 import claim_segments
        pool = Pool()
        Claim = pool.get('therapy.claim')
        claims = cls.ready_claims(clearinghouse)
        if not claims:
            return None
        isa13, gs06, st02 = cls.control_numbers()
        now = clock.now().replace(second=0)
        builder = BatchBuilder(clearinghouse, claims, reference=isa13)
        batch = builder.build()
        problems = builder.problems
        text, errors = None, []
        if batch is not None:
            batch.created = now
            envelope = Envelope(
                clearinghouse.submitter_id, clearinghouse.receiver_id,
                int(isa13), int(gs06),
                sender_qualifier=clearinghouse.submitter_qualifier,
                receiver_qualifier=clearinghouse.receiver_qualifier,
                usage=clearinghouse.usage, created=now)
            try:
                text = write_837p(batch, envelope, st02,
                    clearinghouse.separators, clearinghouse.line_break)
            except X12Error as error:
                errors = [str(error)]
                for claim in claims:
                    if claim.number in str(error):
                        problems[claim].append(str(error))
            else:
                valid, errors = validate(text)
                if not valid:
                    cls._assign_errors(errors, claim_segments(batch),
                        claims, problems)
        released = text is not None and not errors
        data = text.encode('ascii') if text is not None else None
        name = f'{cls.slug(clearinghouse.name)}-{isa13}.837'
        log = '\n'.join(errors + [p for found in problems.values()
                for p in found if p not in errors])
        values = {
            'company': clearinghouse.company.id,
            'clearinghouse': clearinghouse.id,
            'direction': 'out',
            'kind': '837P',
            'name': name,
            'interchange_number': isa13,
            'group_number': gs06,
            'transaction_number': st02,
            'state': 'released' if released else 'failed',
            'claims': [('add', [c.id for c in claims])],
            'file_log': log or None,
            }
        if data is not None:
            values.update(data=data, size=len(data),
                sha256=hashlib.sha256(data).hexdigest())
        if released:
            values['path'] = atomic_write(
                folder or clearinghouse.outbound_folder, name, data)
        with without_check_access():
            edi_file, = cls.create([values])
        if released:
            Claim.write(claims, {'edi_problems': None})
            Claim.submit(claims)
        else:
            cls._hold(claims, problems, errors, edi_file)
        return edi_file

    @staticmethod
    def slug(name):
        return re.sub(r'[^A-Za-z0-9]+', '-', name).strip('-').lower() or 'edi'

    @staticmethod
    def _assign_errors(errors, body, claims, problems):
        """Each pyx12 error to the claims whose segments it names: a
        segment of a claim (CLM to the next CLM or HL) to that claim, one of
        a subscriber's loops to its claims, one of the header to all"""
        by_number = {c.number: c for c in claims}
        owners = {}
        subscriber_claims, current = list(claims), None
        for index, segment in enumerate(body):
            number = index + 4  # ISA, GS and ST come first
            if segment[0] == 'HL' and segment[3] == '22':
                subscriber_claims, current = [], None
            elif segment[0] == 'HL':
                current = None
            elif segment[0] == 'CLM':
                current = by_number.get(segment[1])
                if current:
                    subscriber_claims.append(current)
            if current:
                owners[number] = [current]
            else:
                owners[number] = subscriber_claims
        for error in errors:
            match = SEGMENT.match(error)
            found = owners.get(int(match.group(1))) if match else None
            for claim in found or claims:
                problems[claim].append(error)

    @classmethod
    def _hold(cls, claims, problems, errors, edi_file):
        "The claims of a failed file stay ready, each with its errors"
        pool = Pool()
        Claim = pool.get('therapy.claim')
        for claim in claims:
            found = problems[claim] or [gettext(
                    'therapy_edi.msg_claim_held_by_file',
                    file=edi_file.name)]
            text = gettext('therapy_edi.msg_claim_not_released',
                file=edi_file.name, problems='\n'.join(
                    f'- {p}' for p in found))
            Claim.write([claim], {'edi_problems': text})
            Claim.log_events([claim], 'ready', ' '.join(text.split())[:500])


class EdiFileClaim(ModelSQL):
    "EDI File - Claim"
    __name__ = 'therapy.edi.file-therapy.claim'

    edi_file = fields.Many2One(
        'therapy.edi.file', "EDI File", required=True, ondelete='CASCADE')
    claim = fields.Many2One(
        'therapy.claim', "Claim", required=True, ondelete='RESTRICT')
