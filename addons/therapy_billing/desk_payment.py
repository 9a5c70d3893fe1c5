"""Money taken at the desk: a copay at check-in, or a self-pay client
paying for the session.

A desk payment posts one move in its payment method's journal: Dr cash
(or the card clearing account), Cr the guarantor's open invoices of that
visit when they exist (self-pay after billing), Cr patient deposits for
the rest. A deposit waits for the guarantor's invoice of the visit (the
self-pay session invoice, or the patient responsibility the payer's answer
names) and is applied to it as a deposit line (Tryton's account_deposit:
the invoice's total drops, revenue stays whole), then reconciled. A copay
is never revenue by itself, and each visit takes one."""
from decimal import Decimal

from sql.operators import Like

from trytond.i18n import gettext
from trytond.model import ModelSQL, ModelView, fields
from trytond.model.fields import SQL_OPERATORS
from trytond.modules.currency.fields import Monetary
from trytond.pool import Pool
from trytond.pyson import Eval
from trytond.transaction import Transaction

from .batch import slices
from .exceptions import BillingError

KINDS = [
    ('copay', "Copay"),
    ('payment', "Payment at the desk"),
    ]


class DeskPayment(ModelSQL, ModelView):
    "Desk Payment"
    __name__ = 'therapy.desk.payment'

    company = fields.Many2One(
        'company.company', "Company", required=True, readonly=True)
    number = fields.Char("Receipt", required=True, readonly=True)
    date = fields.Date("Date", required=True, readonly=True)
    client = fields.Many2One(
        'therapy.client', "Client", required=True, readonly=True,
        ondelete='RESTRICT')
    party = fields.Many2One(
        'party.party', "Paid By", required=True, readonly=True,
        ondelete='RESTRICT',
        context={'company': Eval('company', -1)}, depends={'company'},
        help="The guarantor: the deposit is theirs.")
    appointment = fields.Many2One(
        'therapy.appointment', "Visit", readonly=True, ondelete='RESTRICT')
    kind = fields.Selection(KINDS, "Kind", required=True, readonly=True)
    currency = fields.Function(
        fields.Many2One('currency.currency', "Currency"),
        'on_change_with_currency')
    amount = Monetary(
        "Amount", currency='currency', digits='currency', required=True,
        readonly=True, domain=[('amount', '>', 0)])
    payment_method = fields.Many2One(
        'account.invoice.payment.method', "Method", required=True,
        readonly=True, ondelete='RESTRICT')
    move = fields.Many2One(
        'account.move', "Move", readonly=True, ondelete='RESTRICT')
    deposited = fields.Function(
        Monetary("Held as Deposit", currency='currency', digits='currency'),
        'get_amounts')
    unapplied = fields.Function(
        Monetary("Not Applied Yet", currency='currency', digits='currency',
            help="Held as a deposit, waiting for the visit's invoice."),
        'get_amounts')
    applies_to = fields.Function(
        fields.Text("Applies To"), 'get_applies_to')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('date', 'DESC'), ('id', 'DESC')]

    @fields.depends('company')
    def on_change_with_currency(self, name=None):
        return self.company.currency if self.company else None

    def get_rec_name(self, name):
        return self.number

    @classmethod
    def search_rec_name(cls, name, clause):
        return [('number',) + tuple(clause[1:])]

    @classmethod
    def preprocess_values(cls, mode, values):
        pool = Pool()
        Configuration = pool.get('therapy.configuration')
        values = super().preprocess_values(mode, values)
        if mode == 'create' and not values.get('number'):
            sequence = Configuration(1).receipt_sequence
            if not sequence:
                raise BillingError(gettext(
                        'therapy_billing.msg_receipt_sequence_missing'))
            values['number'] = sequence.get()
        return values

    @classmethod
    def get_amounts(cls, payments, names):
        """Held as deposit: what the payment credited to patient deposits;
        not applied yet: that less the deposit lines of invoices applying
        it"""
        pool = Pool()
        MoveLine = pool.get('account.move.line')
        result = {n: {p.id: Decimal(0) for p in payments} for n in names}
        lines = MoveLine.search([
                ('origin', 'in', [str(p) for p in payments]),
                ('account.type.deposit', '=', True),
                ('move.state', '=', 'posted'),
                ])
        for line in lines:
            payment = line.origin
            amount = line.credit - line.debit
            if line.move == payment.move:
                if 'deposited' in result:
                    result['deposited'][payment.id] += amount
            if 'unapplied' in result:
                result['unapplied'][payment.id] += amount
        return result

    def get_applies_to(self, name):
        pool = Pool()
        InvoiceLine = pool.get('account.invoice.line')
        Lang = pool.get('ir.lang')
        lang = Lang.get()

        def money(amount):
            return lang.currency(amount, self.currency)
        what = []
        if self.move:
            for line in self.move.lines:
                if line.account.type.receivable and line.credit:
                    invoice = self._invoice_paid(line)
                    what.append(gettext('therapy_billing.msg_applies_invoice',
                            invoice=invoice.number if invoice else '-',
                            amount=money(line.credit)))
        for line in InvoiceLine.search([
                    ('origin', '=', str(self)),
                    ('invoice.state', 'in', ['posted', 'paid']),
                    ]):
            what.append(gettext('therapy_billing.msg_applies_invoice',
                    invoice=line.invoice.number, amount=money(-line.amount)))
        if self.unapplied:
            what.append(gettext('therapy_billing.msg_applies_deposit',
                    amount=money(self.unapplied),
                    date=(self.appointment.local_date if self.appointment
                        else self.date)))
        return '\n'.join(what)

    @staticmethod
    def _invoice_paid(line):
        Invoice = Pool().get('account.invoice')
        invoices = Invoice.search([('payment_lines', '=', line.id)], limit=1)
        return invoices[0] if invoices else None

    # --- taking money -------------------------------------------------------
    @classmethod
    def take(cls, appointment, amount, payment_method, kind):
        "Record and post money taken for a visit; returns the payment"
        pool = Pool()
        Date = pool.get('ir.date')
        date = Transaction().context.get('billing_date')
        if not date:
            with Transaction().set_context(company=appointment.company.id):
                date = Date.today()
        if payment_method.company != appointment.company:
            raise BillingError(gettext(
                    'therapy_billing.msg_desk_payment_method_company',
                    method=payment_method.rec_name))
        payment, = cls.create([{
                    'company': appointment.company.id,
                    'date': date,
                    'client': appointment.client.id,
                    'party': appointment.client.guarantor.id,
                    'appointment': appointment.id,
                    'kind': kind,
                    'amount': amount,
                    'payment_method': payment_method.id,
                    }])
        cls.post([payment])
        return payment

    @staticmethod
    def visit_invoice_lines(appointments, party, states):
        "The guarantor's invoice lines billing these visits"
        InvoiceLine = Pool().get('account.invoice.line')
        ids = [a.id for a in appointments]
        return InvoiceLine.search([
                ('invoice.type', '=', 'out'),
                ('invoice.party', '=', party.id),
                ('invoice.state', 'in', states),
                ['OR',
                    ('origin.appointment', 'in', ids, 'therapy.charge'),
                    ('origin.charge.appointment', 'in', ids,
                        'therapy.claim.line'),
                    ],
                ])

    @classmethod
    def post(cls, payments):
        """One move a payment: the visit's open invoices are paid first,
        the rest is held as the guarantor's deposit"""
        pool = Pool()
        Move = pool.get('account.move')
        MoveLine = pool.get('account.move.line')
        Period = pool.get('account.period')
        Invoice = pool.get('account.invoice')
        Configuration = pool.get('therapy.configuration')
        configuration = Configuration(1)
        moves, to_pay = [], []
        for payment in payments:
            left = payment.amount
            method = payment.payment_method
            lines = [MoveLine(account=method.debit_account, origin=payment,
                    debit=payment.amount, credit=Decimal(0),
                    party=(payment.party if method.debit_account.party_required
                        else None))]
            invoices = {l.invoice for l in cls.visit_invoice_lines(
                    [payment.appointment], payment.party, ['posted'])} \
                if payment.appointment else set()
            for invoice in sorted(invoices, key=lambda i: i.id):
                part = min(left, invoice.amount_to_pay)
                if part <= 0:
                    continue
                lines.append(MoveLine(account=invoice.account,
                        party=invoice.party, origin=payment,
                        debit=Decimal(0), credit=part))
                to_pay.append((invoice, payment, part))
                left -= part
            if left:
                lines.append(MoveLine(origin=payment, party=payment.party,
                        account=configuration.billing_account(
                            'deposit_account', payment.company),
                        debit=Decimal(0), credit=left))
            move = Move(company=payment.company, journal=method.journal,
                date=payment.date, origin=payment, lines=lines,
                period=Period.find(payment.company, date=payment.date),
                description=gettext('therapy_billing.msg_desk_payment_move',
                    kind=dict(KINDS)[payment.kind], receipt=payment.number,
                    client=payment.client.number))
            payment.move = move
            moves.append(move)
        Move.save(moves)
        Move.post(moves)
        cls.save(payments)
        for invoice, payment, part in to_pay:
            line, = [l for l in payment.move.lines
                if l.account == invoice.account and l.credit == part
                and l.party == invoice.party]
            Invoice.add_payment_lines({invoice: [line]})
            invoice.settle()

    # --- applying deposits --------------------------------------------------
    @classmethod
    def apply_deposits(cls, invoices):
        """Add to each draft guarantor invoice a deposit line per desk
        payment of its visits still held as a deposit, up to the invoice's
        total (origin: the payment)"""
        pool = Pool()
        InvoiceLine = pool.get('account.invoice.line')
        Configuration = pool.get('therapy.configuration')
        configuration = Configuration(1)
        reserved = {}
        for invoice in invoices:
            visits = set()
            for line in invoice.lines:
                origin = line.billing_origin
                charge = getattr(origin, 'charge', origin)
                if charge and getattr(charge, 'appointment', None):
                    visits.add(charge.appointment.id)
            if not visits:
                continue
            payments = cls.search([
                    ('appointment', 'in', list(visits)),
                    ('party', '=', invoice.party.id),
                    ('company', '=', invoice.company.id),
                    ], order=[('date', 'ASC'), ('id', 'ASC')])
            total = sum((l.on_change_with_amount() for l in invoice.lines),
                Decimal(0))
            account = configuration.billing_account(
                'deposit_account', invoice.company)
            deposit_lines = []
            for payment in payments:
                available = reserved.get(payment, payment.unapplied)
                amount = min(available, total)
                if amount <= 0:
                    continue
                reserved[payment] = available - amount
                total -= amount
                deposit_lines.append(InvoiceLine(invoice=invoice,
                        type='line', company=invoice.company,
                        currency=invoice.currency, origin=payment,
                        account=account, quantity=1, unit_price=-amount,
                        taxes=[], description=gettext(
                            'therapy_billing.msg_deposit_line',
                            receipt=payment.number, date=payment.date)))
            invoice.lines = list(invoice.lines) + deposit_lines

    @classmethod
    def reconcile_deposits(cls, invoices):
        """Reconcile the deposit lines of the payments these invoices used
        up: what stays open on patient deposits is what waits"""
        pool = Pool()
        MoveLine = pool.get('account.move.line')
        InvoiceLine = pool.get('account.invoice.line')
        # the lines' origins as rows: a remittance bills hundreds of
        # invoices, and their lines as records were read for a few deposits
        line = InvoiceLine.__table__()
        cursor = Transaction().connection.cursor()
        payments = set()
        for chunk in slices([i.id for i in invoices]):
            cursor.execute(*line.select(line.origin,
                    where=SQL_OPERATORS['in'](line.invoice, chunk)
                    & Like(line.origin, cls.__name__ + ',%')))
            payments.update(int(o.split(',', 1)[1]) for o, in cursor)
        for payment in cls.browse(sorted(payments)):
            if payment.unapplied:
                continue
            lines = MoveLine.search([
                    ('origin', '=', str(payment)),
                    ('account.type.deposit', '=', True),
                    ('reconciliation', '=', None),
                    ('move.state', '=', 'posted'),
                    ])
            if lines and not sum(l.debit - l.credit for l in lines):
                MoveLine.reconcile(lines)
