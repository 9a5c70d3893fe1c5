"""Asking payers about eligibility: 270 files (005010X279A1).

Check Eligibility (a wizard for the front desk, from the Schedule menu or
the appointments' actions) takes the appointments of a day, tomorrow by
default, or the selected ones, and asks about the primary coverage in
effect for each insured client: one 270 per payer, written to the outbound
folder of the payer's clearinghouse and archived as a therapy.edi.file,
control numbers from the same sequences as the 837P. The payers' 271
answers come back through the inbound folder (inbound.py).

pyx12 ships no 270 map: the codec reads each file back (envelope, counts,
hierarchy) before it is written."""
import datetime as dt
import hashlib
from collections import OrderedDict

from trytond.i18n import gettext
from trytond.model import ModelView, fields
from trytond.pool import Pool, PoolMeta
from trytond.transaction import Transaction, without_check_access
from trytond.wizard import Button, StateTransition, StateView, Wizard

from therapy_scheduling import clock

from therapy_scheduling.identifiers import is_valid_npi

from .claim_data import ein, organization_name, person_name
from .edi_file import atomic_write
from .exceptions import EDIError
from .names import ascii_text

# the states in which a session may still be checked before it happens
OPEN_STATES = ['scheduled', 'confirmed', 'arrived']


class EdiFile(metaclass=PoolMeta):
    __name__ = 'therapy.edi.file'

    @classmethod
    def ask_eligibility(cls, appointments):
        """Write the 270 files asking about the primary coverage of each
        appointment's client on its date; return (files, skipped), skipped
        being the reasons some coverages could not be asked about. Raises
        EDIError when nothing could be asked"""
        pool = Pool()
        Coverage = pool.get('therapy.coverage')
        asked = OrderedDict()  # coverage: earliest date asked about
        for appointment in sorted(appointments,
                key=lambda a: (a.start, a.id)):
            if not appointment.client:
                continue
            date = appointment.local_date
            coverages = Coverage.for_client(appointment.client, date)
            if coverages and not coverages[0].payer.self_pay:
                asked.setdefault(coverages[0], date)
        if not asked:
            raise EDIError(gettext('therapy_edi.msg_270_no_coverage'))
        skipped = []
        by_route = OrderedDict()
        for coverage, date in asked.items():
            payer = coverage.payer
            clearinghouse = payer.route()
            if not coverage.member_id:
                skipped.append(gettext('therapy_edi.msg_270_member_id',
                        coverage=coverage.rec_name,
                        client=coverage.client.rec_name))
            elif not clearinghouse or not clearinghouse.active:
                skipped.append(gettext('therapy_edi.msg_270_clearinghouse',
                        client=coverage.client.rec_name,
                        payer=payer.rec_name))
            elif not clearinghouse.payer_id(payer):
                skipped.append(gettext('therapy_edi.msg_270_payer_id',
                        client=coverage.client.rec_name,
                        payer=payer.rec_name,
                        clearinghouse=clearinghouse.rec_name))
            else:
                by_route.setdefault((clearinghouse, payer), []).append(
                    (coverage, date))
        if not by_route:
            raise EDIError(gettext('therapy_edi.msg_270_nothing',
                    reasons='\n'.join(skipped)))
        files = [cls._write_270(clearinghouse, payer, inquiries)
            for (clearinghouse, payer), inquiries in by_route.items()]
        return files, skipped

    @classmethod
    def _write_270(cls, clearinghouse, payer, inquiries):
        "One 270 asking payer about (coverage, date) inquiries"
        from .x12 import Dependent, Envelope, Inquiry, summary, write_270
        company = clearinghouse.company
        npi = company.billing_npi
        tax_id = ein(company.party)
        if not is_valid_npi(npi) or not tax_id or len(tax_id) != 9:
            raise EDIError(gettext('therapy_edi.msg_270_provider',
                    company=company.rec_name))
        isa13, gs06, st02 = cls.control_numbers()
        now = clock.now().replace(second=0)
        envelope = Envelope(
            clearinghouse.submitter_id, clearinghouse.receiver_id,
            int(isa13), int(gs06),
            sender_qualifier=clearinghouse.submitter_qualifier,
            receiver_qualifier=clearinghouse.receiver_qualifier,
            usage=clearinghouse.usage, created=now)
        x12_inquiries = []
        for coverage, date in inquiries:
            client = coverage.client
            sex = client.sex if client.sex in ('F', 'M') else None
            trace = f'{isa13}-{coverage.id}'
            if coverage.relationship == '18':
                x12_inquiries.append(Inquiry(person_name(client.party),
                        coverage.member_id.strip(), trace,
                        birth_date=client.birth_date,
                        sex=sex if client.birth_date else None, date=date))
            else:
                dependent = (Dependent(person_name(client.party),
                        client.birth_date, sex)
                    if client.birth_date else None)
                x12_inquiries.append(Inquiry(
                        person_name(coverage.subscriber),
                        coverage.member_id.strip(), trace, date=date,
                        dependent=dependent))
        text = write_270(envelope, st02, ascii_text(payer.party.name),
            clearinghouse.payer_id(payer), organization_name(company.party),
            npi, x12_inquiries, isa13, '1' + tax_id,
            clearinghouse.separators, clearinghouse.line_break)
        summary(text)  # read back: envelope, counts and hierarchy
        data = text.encode('ascii')
        name = f'{cls.slug(clearinghouse.name)}-{isa13}.270'
        path = atomic_write(clearinghouse.outbound_folder, name, data)
        log = '\n'.join(gettext('therapy_edi.msg_log_270_asked',
                client=coverage.client.rec_name, coverage=coverage.rec_name,
                date=date) for coverage, date in inquiries)
        with without_check_access():
            edi_file, = cls.create([{
                        'company': company.id,
                        'clearinghouse': clearinghouse.id,
                        'direction': 'out',
                        'kind': '270',
                        'name': name,
                        'data': data,
                        'size': len(data),
                        'sha256': hashlib.sha256(data).hexdigest(),
                        'path': path,
                        'interchange_number': isa13,
                        'group_number': gs06,
                        'transaction_number': st02,
                        'state': 'released',
                        'file_log': log,
                        }])
        return edi_file


class CheckEligibilityStart(ModelView):
    "Check Eligibility"
    __name__ = 'therapy.eligibility.check.start'

    date = fields.Date("Appointments On",
        help="Lists the sessions of this day; empty when the selected "
        "appointments are asked about.")
    appointments = fields.Many2Many(
        'therapy.appointment', None, None, "Appointments",
        domain=[('client', '!=', None)],
        help="Whose coverages are asked about: the day's sessions, or the "
        "ones selected in the list.")

    @fields.depends('date', 'appointments')
    def on_change_date(self):
        Appointment = Pool().get('therapy.appointment')
        if self.date:
            self.appointments = Appointment.search(
                CheckEligibility.day_domain(self.date))


class CheckEligibilityDone(ModelView):
    "Check Eligibility"
    __name__ = 'therapy.eligibility.check.done'

    result = fields.Text("Result", readonly=True)


class CheckEligibility(Wizard):
    """Check Eligibility: ask the payers about the coverages of a day's
    appointments (one 270 per payer, into the clearinghouse's outbound
    folder); their 271 answers show on the coverage and the appointment"""
    __name__ = 'therapy.eligibility.check'

    start = StateView('therapy.eligibility.check.start',
        'therapy_edi.eligibility_check_start_view_form', [
            Button("Cancel", 'end', 'tryton-cancel'),
            Button("Send Inquiries", 'send', 'tryton-ok', default=True),
            ])
    send = StateTransition()
    done = StateView('therapy.eligibility.check.done',
        'therapy_edi.eligibility_check_done_view_form', [
            Button("Close", 'end', 'tryton-close', default=True),
            ])

    @staticmethod
    def day_domain(date):
        return [
            ('local_date', '=', date),
            ('client', '!=', None),
            ('state', 'in', OPEN_STATES),
            ]

    def default_start(self, fields):
        pool = Pool()
        Appointment = pool.get('therapy.appointment')
        Date = pool.get('ir.date')
        context = Transaction().context
        if (context.get('active_model') == 'therapy.appointment'
                and context.get('active_ids')):
            selected = Appointment.browse(context['active_ids'])
            return {
                'date': None,
                'appointments': [a.id for a in selected if a.client],
                }
        tomorrow = Date.today() + dt.timedelta(days=1)
        return {
            'date': tomorrow,
            'appointments': [a.id for a in Appointment.search(
                    self.day_domain(tomorrow))],
            }

    def transition_send(self):
        EdiFile = Pool().get('therapy.edi.file')
        if not self.start.appointments:
            raise EDIError(gettext('therapy_edi.msg_270_no_appointments',
                    date=self.start.date or '-'))
        # the front desk asks; the files and the clearinghouse are the
        # biller's records, written here on the server's behalf
        with without_check_access():
            files, skipped = EdiFile.ask_eligibility(
                list(self.start.appointments))
            lines = [gettext('therapy_edi.msg_270_written', file=f.name,
                    count=len(f.file_log.splitlines()),
                    clearinghouse=f.clearinghouse.rec_name) for f in files]
        self.done.result = '\n'.join(lines + skipped)
        return 'done'

    def default_done(self, fields):
        return {'result': self.done.result}
