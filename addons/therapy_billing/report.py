"""The client statement, the superbill and desk receipts as Tryton reports.

They gather the data from the ledger (open invoices and deposits of the
guarantor, desk payments) and from the charges, and hand it to
documents.py, which lays out the PDF."""
from decimal import Decimal

from trytond.i18n import gettext
from trytond.model.exceptions import AccessError
from trytond.pool import Pool
from trytond.report import Report
from trytond.transaction import Transaction, without_check_access

from therapy_scheduling.web import public_url

from .documents import (
    ESTIMATE_TEXT, RECEIPT_TEXT, STATEMENT_TEXT, SUPERBILL_TEXT, estimate_pdf,
    receipt_pdf, statement_pdf, superbill_pdf)
from .exceptions import BillingError

# age limit in days (None: older) and the message of its column
AGING = [(30, 'aging_30'), (60, 'aging_60'), (90, 'aging_90'),
    (None, 'aging_over')]


def document_text(document, keys):
    """{key: text} of a document's words: the ir.messages
    msg_<document>_<key>, in the user's language, their %(name)s
    placeholders left for documents.py to fill"""
    return {key: gettext(f'therapy_billing.msg_{document}_{key}')
        for key in keys}


def address_lines(party):
    address = party.address_get() if party else None
    if not address:
        return []
    return [line for line in (address.full_address or '').splitlines()
        if line.strip()]


def practice_data(company):
    party = company.party
    tax = party.tax_identifier
    return {
        'name': party.name,
        'address': address_lines(party),
        'phone': party.phone,
        'npi': company.billing_npi,
        'tax_id': tax.code if tax else None,
        }


class PDFReport(Report):
    "A report whose content is built by reportlab, not a template"
    model = 'therapy.client'

    @classmethod
    def execute(cls, ids, data):
        pool = Pool()
        Model = pool.get(cls.model)
        ActionReport = pool.get('ir.action.report')
        with without_check_access():
            action, = ActionReport.search(
                [('report_name', '=', cls.__name__)], limit=1)
        # the report's groups and read access to the record decide; the
        # ledger lines behind it are then read whatever the user's groups
        # (the front desk prints statements without owning the ledger)
        cls.check_access(action, cls.model, ids)
        Model.read(ids, ['id'])
        with without_check_access():
            records = Model.browse(ids[:1])
            content = cls.render_pdf(records[0])
        name = f'{action.name}-{cls.document_name(records[0])}'
        cls.audit_print(ids[:1])
        return 'pdf', content, False, name

    @classmethod
    def audit_print(cls, ids):
        "The print as an audit event (phi.print), naming the clients"
        pool = Pool()
        if not Transaction().user:
            return
        Model = pool.get(cls.model)
        client_ids = getattr(Model, 'audit_client_ids', None)
        pool.get('therapy.audit.event').log('phi.print', 'R',
            model=cls.model, ids=ids,
            client_ids=client_ids(ids) if client_ids else None,
            detail={'report': cls.__name__, 'format': 'pdf'})

    @classmethod
    def document_name(cls, record):
        return record.number


class ClientStatement(PDFReport):
    __name__ = 'therapy.client.statement'

    @classmethod
    def render_pdf(cls, client):
        return statement_pdf(cls.statement_data(client))

    @classmethod
    def statement_data(cls, client, today=None):
        pool = Pool()
        Invoice = pool.get('account.invoice')
        Date = pool.get('ir.date')
        today = today or Date.today()
        party = client.guarantor
        invoices = Invoice.search([
                ('party', '=', party.id),
                ('type', '=', 'out'),
                ('state', '=', 'posted'),
                ], order=[('invoice_date', 'ASC'), ('id', 'ASC')])
        labels = document_text('statement', [key for _, key in AGING])
        items, aging = [], {labels[key]: Decimal(0) for _, key in AGING}
        open_invoices = []
        for invoice in invoices:
            due = invoice.amount_to_pay
            if not due:
                continue
            open_invoices.append(invoice)
            items.append((invoice.invoice_date,
                    f'{invoice.number}: {invoice.description or ""}',
                    invoice.total_amount, due))
            age = (today - invoice.invoice_date).days
            for limit, key in AGING:
                if limit is None or age <= limit:
                    aging[labels[key]] += due
                    break
        company = client.company
        with Transaction().set_context(company=company.id):
            deposit = type(party)(party.id).deposit or Decimal(0)
        return {
            'practice': practice_data(company),
            'guarantor': {'name': party.name,
                'address': address_lines(party)},
            'date': today,
            'client': {'name': client.party.name, 'number': client.number},
            'items': items,
            # the records behind items: the portal's billing page lists
            # them from here, so the page and the PDF always agree
            'invoices': open_invoices,
            'aging': aging,
            'deposit': deposit,
            'total': sum(aging.values(), Decimal(0)) - deposit,
            'how_to_pay': cls.how_to_pay(company),
            'text': document_text('statement', STATEMENT_TEXT),
            }

    @classmethod
    def how_to_pay(cls, company):
        practice = company.party
        portal = f'{public_url()}/{Transaction().database.name}/portal/'
        return [
            gettext('therapy_billing.msg_statement_pay_desk_phone',
                practice=practice.name, phone=practice.phone)
            if practice.phone else
            gettext('therapy_billing.msg_statement_pay_desk',
                practice=practice.name),
            gettext('therapy_billing.msg_statement_pay_portal', url=portal),
            gettext('therapy_billing.msg_statement_pay_questions'),
            ]


class Superbill(PDFReport):
    __name__ = 'therapy.client.superbill'

    @classmethod
    def check_access(cls, action, model, ids):
        """Besides the action's groups: the superbill carries diagnoses, so
        only who may read the charges' diagnosis codes prints it, whatever
        action or data the call names"""
        pool = Pool()
        FieldAccess = pool.get('ir.model.field.access')
        super().check_access(action, model, ids)
        if Transaction().user == 0:
            return
        access = FieldAccess.get_access(['therapy.charge'])['therapy.charge']
        if not access.get('diagnosis_codes', {}).get('read', True):
            raise AccessError(gettext('therapy_billing.msg_superbill_access'))

    @classmethod
    def render_pdf(cls, client):
        return superbill_pdf(cls.superbill_data(client))

    @classmethod
    def superbill_data(cls, client, start=None, end=None):
        pool = Pool()
        Charge = pool.get('therapy.charge')
        Date = pool.get('ir.date')
        context = Transaction().context
        end = end or context.get('superbill_to') or Date.today()
        start = start or context.get('superbill_from') or end.replace(
            month=1, day=1)
        charges = Charge.search([
                ('client', '=', client.id),
                ('kind', '=', 'service'),
                ('state', '!=', 'void'),
                ('date', '>=', start),
                ('date', '<=', end),
                ], order=[('date', 'ASC'), ('id', 'ASC')])
        codes = []
        for charge in charges:
            for code in (charge.diagnosis_codes or '').split(', '):
                if code and code not in codes:
                    codes.append(code)
        ICD10 = pool.get('therapy.icd10')
        names = {c.code: c.name for c in ICD10.search(
                [('code', 'in', codes)])} if codes else {}
        paid = cls.paid(client, charges)
        provider = next((c.rendering for c in charges if c.rendering),
            client.primary_clinician)
        return {
            'practice': practice_data(client.company),
            'provider': {
                'name': provider.party.name if provider else '-',
                'npi': provider.npi if provider else None,
                'credential': (provider.credential or '').upper()
                if provider else '',
                },
            'client': {
                'name': client.party.name, 'number': client.number,
                'birth_date': client.birth_date,
                },
            'period': (start, end),
            'diagnoses': [(c, names.get(c, '')) for c in codes],
            'lines': [(c.date, c.procedure_code, c.modifiers, c.units,
                    c.amount, c.place_of_service) for c in charges],
            'total': sum((c.amount for c in charges), Decimal(0)),
            'paid': paid,
            'text': document_text('superbill', SUPERBILL_TEXT),
            }

    @classmethod
    def paid(cls, client, charges):
        """What was paid for these charges: at the desk for their visits,
        and on the guarantor's invoices billing them otherwise"""
        pool = Pool()
        DeskPayment = pool.get('therapy.desk.payment')
        appointments = [c.appointment.id for c in charges if c.appointment]
        paid = sum((p.amount for p in DeskPayment.search([
                        ('client', '=', client.id),
                        ('appointment', 'in', appointments),
                        ])), Decimal(0))
        invoices = {l.invoice for l in DeskPayment.visit_invoice_lines(
                [c.appointment for c in charges if c.appointment],
                client.guarantor, ['posted', 'paid'])}
        for invoice in invoices:
            for line in invoice.payment_lines:
                if not isinstance(line.origin, DeskPayment):
                    paid += line.credit - line.debit
        return paid


class DeskPaymentReceipt(PDFReport):
    "Receipt for money taken at the desk"
    __name__ = 'therapy.desk.payment.receipt'
    model = 'therapy.desk.payment'

    @classmethod
    def render_pdf(cls, payment):
        return receipt_pdf(cls.receipt_data(payment))

    @classmethod
    def receipt_data(cls, payment):
        kinds = dict(payment.fields_get(['kind'])['kind']['selection'])
        return {
            'practice': practice_data(payment.company),
            'number': payment.number,
            'date': payment.date,
            'client_number': payment.client.number,
            'received_from': payment.party.name,
            'kind': kinds[payment.kind],
            'visit': (payment.appointment.local_date
                if payment.appointment else None),
            'amount': payment.amount,
            'method': payment.payment_method.name,
            'applies_to': (payment.applies_to or '').splitlines(),
            'text': document_text('receipt', RECEIPT_TEXT),
            }


class AppointmentReceipt(DeskPaymentReceipt):
    "Receipt of the visit's desk payment, printed from the appointment"
    __name__ = 'therapy.appointment.receipt'
    model = 'therapy.appointment'

    @classmethod
    def render_pdf(cls, appointment):
        if not appointment.desk_payments:
            raise BillingError(gettext(
                    'therapy_billing.msg_receipt_nothing_taken',
                    appointment=appointment.rec_name))
        return super().render_pdf(appointment.desk_payments[0])

    @classmethod
    def document_name(cls, appointment):
        return appointment.desk_payments[0].number


class GoodFaithEstimateReport(PDFReport):
    """The Good Faith Estimate: as issued (the PDF kept on the estimate,
    the client's copy), or a draft rendered now, marked as one"""
    __name__ = 'therapy.good_faith_estimate.report'
    model = 'therapy.good_faith_estimate'

    @classmethod
    def check_access(cls, action, model, ids):
        """An estimate may carry diagnoses: only who may read an
        estimate's diagnosis codes prints one that has some (the front
        desk prints those without)"""
        pool = Pool()
        FieldAccess = pool.get('ir.model.field.access')
        Estimate = pool.get(cls.model)
        super().check_access(action, model, ids)
        if Transaction().user == 0:
            return
        access = FieldAccess.get_access([cls.model])[cls.model]
        if access.get('diagnosis_codes', {}).get('read', True):
            return
        with without_check_access():
            coded = [e for e in Estimate.browse(ids) if e.diagnosis_codes]
        if coded:
            raise AccessError(gettext(
                    'therapy_billing.msg_gfe_print_access',
                    estimate=coded[0].rec_name))

    @classmethod
    def render_pdf(cls, estimate):
        if estimate.document:
            return bytes(estimate.document)
        return estimate_pdf(cls.estimate_data(estimate))

    @classmethod
    def estimate_data(cls, estimate):
        client = estimate.client
        return {
            'practice': practice_data(estimate.company),
            'client': {
                'name': client.party.name, 'number': client.number,
                'birth_date': client.birth_date,
                },
            'issued': estimate.issue_date,
            'period': (estimate.period_start, estimate.period_end),
            'lines': [(l.description, l.procedure_code, l.frequency,
                    l.quantity, l.unit_price, l.amount,
                    l.sliding_tier.name if l.sliding_tier else None)
                for l in estimate.lines],
            'total': estimate.total,
            'diagnoses': [c.strip() for c in (
                    estimate.diagnosis_codes or '').split(',') if c.strip()],
            'text': document_text('gfe', ESTIMATE_TEXT),
            }

    @classmethod
    def document_name(cls, estimate):
        return f'{estimate.client.number}-{estimate.issue_date or "draft"}'
