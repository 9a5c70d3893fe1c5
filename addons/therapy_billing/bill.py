"""Billing charges: payer charges onto draft claims, client charges onto
the guarantor's invoice (self-pay sessions, late-cancellation and no-show
fees), posted at once with the visit's desk payments applied.

The Bill wizard says what it made and opens it; billed charges leave the
"To Bill" list."""
from collections import defaultdict

from trytond.i18n import gettext
from trytond.model import ModelView, fields
from trytond.model.exceptions import AccessError
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Eval, PYSONEncoder
from trytond.wizard import (
    Button, StateAction, StateTransition, StateView, Wizard)

from .exceptions import BillingError

# a claim line bills the payer now unless its claim was corrected away or
# is itself a void, or bills a secondary payer
ACTIVE_PRIMARY_LINE = [
    ('claim.state', 'not in', ['replaced', 'voided']),
    ('claim.frequency_code', '!=', '8'),
    ('claim.primary_claim', '=', None),
    ]


class Charge(metaclass=PoolMeta):
    __name__ = 'therapy.charge'

    claim_lines = fields.One2Many(
        'therapy.claim.line', 'charge', "Claim Lines", readonly=True)
    claim = fields.Function(
        fields.Many2One('therapy.claim', "Claim",
            help="The primary payer's claim that bills this charge now."),
        'get_claim', searcher='search_claim')
    client_invoice = fields.Many2One(
        'account.invoice', "Client Invoice", readonly=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._buttons.update({
                'bill': {
                    'invisible': Eval('state') != 'pending',
                    'depends': ['state'],
                    },
                })

    @classmethod
    def check_modification(cls, mode, charges, values=None, external=False):
        super().check_modification(
            mode, charges, values=values, external=external)
        if (external and mode == 'write'
                and values.keys() & {'state', 'client_invoice'}):
            raise AccessError(gettext(
                    'therapy_billing.msg_charge_server_owned'))

    def get_claim(self, name):
        claims = [l.claim for l in self.claim_lines
            if l.claim.active and not l.claim.primary_claim]
        return max(claims, key=lambda c: c.id).id if claims else None

    @classmethod
    def search_claim(cls, name, clause):
        field, operator, value = clause[:3]
        if value is None and operator in {'=', '!='}:
            return [('claim_lines', 'not where' if operator == '='
                    else 'where', ACTIVE_PRIMARY_LINE)]
        nested = field[len(name):]
        return [('claim_lines', 'where', ACTIVE_PRIMARY_LINE + [
                    ('claim' + nested, operator, value) + tuple(clause[3:])])]

    @property
    def diagnosis_code_list(self):
        "The ICD-10-CM codes, primary first"
        return [c.strip() for c in (self.diagnosis_codes or '').split(',')
            if c.strip()]

    def revenue_account(self):
        """Sessions: the service product's revenue account, else the
        billing configuration's; fees: missed-appointment fee income"""
        pool = Pool()
        Configuration = pool.get('therapy.configuration')
        configuration = Configuration(1)
        if self.kind != 'service':
            return configuration.billing_account(
                'missed_fee_account', self.company)
        product = self.service.product if self.service else None
        if product and product.account_revenue_used:
            return product.account_revenue_used
        return configuration.billing_account(
            'service_revenue_account', self.company)

    def get_invoice_line(self, invoice):
        "The guarantor invoice's line billing this client charge"
        InvoiceLine = Pool().get('account.invoice.line')
        line = InvoiceLine(invoice=invoice, type='line',
            company=invoice.company, currency=invoice.currency, origin=self)
        product = self.service.product if (
            self.service and self.kind == 'service') else None
        if product:
            line.product = product
            line.on_change_product()
        line.taxes = []
        line.account = self.revenue_account()
        line.quantity = self.units
        line.unit_price = self.unit_price
        kinds = dict(self.fields_get(['kind'])['kind']['selection'])
        what = self.procedure_code if self.kind == 'service' else (
            kinds[self.kind])
        line.description = (
            f'{self.date} {what} x{self.units} ({self.client.number})')
        return line

    @classmethod
    @ModelView.button_action('therapy_billing.wizard_charge_bill')
    def bill(cls, charges):
        pass

    @classmethod
    def bill_charges(cls, charges):
        """Payer charges into draft claims, client charges onto posted
        invoices; returns (claims, invoices)"""
        Claim = Pool().get('therapy.claim')
        pending = [c for c in charges if c.state == 'pending']
        claims = Claim.from_charges(pending)
        cls.write([l.charge for c in claims for l in c.lines],
            {'state': 'billed'})
        invoices = cls.invoice_clients(pending)
        return claims, invoices

    @classmethod
    def invoice_clients(cls, charges):
        """Invoice the client charges to each guarantor, one invoice per
        guarantor and date, the visits' desk payments applied; returns the
        invoices"""
        pool = Pool()
        Invoice = pool.get('account.invoice')
        Configuration = pool.get('therapy.configuration')
        DeskPayment = pool.get('therapy.desk.payment')
        groups = defaultdict(list)
        for charge in charges:
            if charge.state == 'pending' and charge.responsibility == 'client':
                groups[(charge.client.guarantor, charge.date,
                        charge.company)].append(charge)
        invoices = []
        for (party, date, company), charges_ in sorted(
                groups.items(), key=lambda g: (g[0][1], g[0][0].id)):
            account = Configuration(1).billing_account(
                'patient_receivable_account', company)
            invoice = Invoice.billing_invoice(company, party, account,
                gettext('therapy_billing.msg_client_invoice', date=date))
            invoice.lines = [c.get_invoice_line(invoice) for c in charges_]
            invoices.append((invoice, charges_))
        DeskPayment.apply_deposits([i for i, _ in invoices])
        Invoice.save([i for i, _ in invoices])
        Invoice.post([i for i, _ in invoices])
        DeskPayment.reconcile_deposits([i for i, _ in invoices])
        for invoice, charges_ in invoices:
            cls.write(charges_, {'state': 'billed',
                    'client_invoice': invoice.id})
        return [i for i, _ in invoices]


class BillResult(ModelView):
    "Bill Charges"
    __name__ = 'therapy.charge.bill.result'

    summary = fields.Text("What Was Made", readonly=True)
    claims = fields.Many2Many(
        'therapy.claim', None, None, "Claims Drafted", readonly=True,
        states={'invisible': ~Eval('claims')})
    invoices = fields.Many2Many(
        'account.invoice', None, None, "Client Invoices Posted",
        readonly=True, states={'invisible': ~Eval('invoices')})


class Bill(Wizard):
    "Bill Charges"
    __name__ = 'therapy.charge.bill'

    start = StateTransition()
    result = StateView('therapy.charge.bill.result',
        'therapy_billing.charge_bill_result_view_form', [
            Button("Close", 'end', 'tryton-close'),
            Button("Open Invoices", 'open_invoices', 'tryton-forward',
                states={'invisible': ~Eval('invoices')}),
            Button("Open Claims", 'open_claims', 'tryton-forward',
                default=True, states={'invisible': ~Eval('claims')}),
            ])
    open_claims = StateAction('therapy_billing.act_claim')
    open_invoices = StateAction('account_invoice.act_invoice_out_form')

    def transition_start(self):
        Charge = Pool().get('therapy.charge')
        if not any(c.state == 'pending' for c in self.records):
            raise BillingError(gettext('therapy_billing.msg_bill_nothing'))
        claims, invoices = Charge.bill_charges(list(self.records))
        self.result.claims = claims
        self.result.invoices = invoices
        return 'result'

    def default_result(self, fields):
        claims, invoices = self.result.claims, self.result.invoices
        lines = []
        if claims:
            lines.append(gettext('therapy_billing.msg_bill_claims',
                    count=len(claims),
                    numbers=', '.join(c.rec_name for c in claims)))
        if invoices:
            lines.append(gettext('therapy_billing.msg_bill_invoices',
                    count=len(invoices),
                    numbers=', '.join(i.number for i in invoices)))
        return {
            'summary': '\n'.join(lines),
            'claims': [c.id for c in claims],
            'invoices': [i.id for i in invoices],
            }

    def _open(self, action, records):
        action['pyson_domain'] = PYSONEncoder().encode(
            [('id', 'in', [r.id for r in records])])
        return action, {}

    def do_open_claims(self, action):
        return self._open(action, self.result.claims)

    def do_open_invoices(self, action):
        return self._open(action, self.result.invoices)
