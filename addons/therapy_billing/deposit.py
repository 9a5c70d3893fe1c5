"""EFT reassociation: the payer's bank deposit against its remittance
(../shared/REVENUE-CYCLE.md §4).

A posted remittance debits insurance payments in transit (the payer) with
what the payer paid. The bank statement of the operating account, imported
from the bank's OFX export, has the deposit: "Match Remittances" (also run
when the statement is validated) gives each deposit whose trace number,
payer and amount fit one remittance a line on the in-transit account for
the payer, related to the remittance. Validating the statement credits
in transit and reconciles that credit with the remittance's debits;
posting it makes the remittance reconciled.

A deposit from a payer with no 835 yet goes to unapplied insurance cash
(the payer) and is listed as a deposit without remittance; when its 835
is posted (or "Match Deposit" is clicked) the money moves from unapplied
cash to in transit and both sides reconcile. A deposit whose trace names
a remittance with another amount, or that fits two, is left for a person
with a warning saying so."""
import datetime as dt
from decimal import Decimal

from trytond.i18n import gettext
from trytond.model import ModelView, fields
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Eval
from trytond.transaction import Transaction, without_check_access

from . import reassociation
from .exceptions import DepositWarning

ZERO = Decimal(0)
DEPOSIT_STATES = [
    (None, ""),
    ('awaiting', "Awaiting Deposit"),
    ('deposited', "Deposited"),
    ('reconciled', "Reconciled"),
    ]
REMITTANCE = 'therapy.remittance'


class Configuration(metaclass=PoolMeta):
    __name__ = 'therapy.configuration'

    deposit_days = fields.Integer("Deposit Expected Within (days)",
        domain=[('deposit_days', '>=', 0)],
        help="A posted remittance whose deposit is not on a bank statement "
        "after this many days is listed as awaiting its deposit.")

    @classmethod
    def default_deposit_days(cls):
        return 5


def _deposits(remittance_ids):
    """{remittance id: statement line} of the deposits on validated or
    posted statements"""
    Line = Pool().get('account.statement.line')
    lines = Line.search([
            ('related_to', 'in', [f'{REMITTANCE},{i}' for i in remittance_ids]),
            ('statement.state', 'in', ['validated', 'posted']),
            ], order=[('id', 'ASC')])
    return {l.related_to.id: l for l in lines}


class Remittance(metaclass=PoolMeta):
    __name__ = 'therapy.remittance'

    deposit_line = fields.Function(fields.Many2One(
            'account.statement.line', "Deposit",
            help="The bank statement line of the payer's deposit."),
        'get_deposit')
    deposit_date = fields.Function(fields.Date("Deposit Date"),
        'get_deposit')
    deposit_state = fields.Function(fields.Selection(
            DEPOSIT_STATES, "Deposit",
            help="Awaiting: no bank deposit matched yet; deposited: on a "
            "validated statement; reconciled: the statement is posted and "
            "in transit nets to zero for this payment."),
        'get_deposit', searcher='search_deposit_state')
    deposit_overdue = fields.Function(fields.Boolean("Deposit Overdue",
            help="Posted, paid, and no deposit after the days the billing "
            "configuration allows."),
        'get_deposit', searcher='search_deposit_overdue')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._buttons.update({
                'match_deposit': {
                    'invisible': ((Eval('state') != 'posted')
                        | (Eval('deposit_state') != 'awaiting')),
                    'depends': ['state', 'deposit_state'],
                    },
                })

    @classmethod
    def get_deposit(cls, remittances, names):
        pool = Pool()
        Date = pool.get('ir.date')
        Configuration = pool.get('therapy.configuration')
        days = Configuration(1).deposit_days
        days = 5 if days is None else days
        today = Date.today()
        deposits = _deposits([r.id for r in remittances])
        result = {n: {} for n in names}
        for remittance in remittances:
            line = deposits.get(remittance.id)
            expected = (remittance.state == 'posted'
                and remittance.payment_amount > 0)
            if not expected:
                state = None
            elif not line:
                state = 'awaiting'
            elif line.statement.state == 'posted':
                state = 'reconciled'
            else:
                state = 'deposited'
            values = {
                'deposit_line': line.id if line else None,
                'deposit_date': line.date if line else None,
                'deposit_state': state,
                'deposit_overdue': bool(state == 'awaiting'
                    and remittance.payment_date
                    <= today - dt.timedelta(days=days)),
                }
            for name in names:
                result[name][remittance.id] = values[name]
        return result

    @classmethod
    def _expecting_deposit(cls):
        return [('state', '=', 'posted'), ('payment_amount', '>', 0)]

    @classmethod
    @without_check_access
    def _deposit_ids(cls, states):
        "Remittance ids only: who searches needs no access to statements"
        pool = Pool()
        Line = pool.get('account.statement.line')
        lines = Line.search([
                ('related_to', 'like', f'{REMITTANCE},%'),
                ('statement.state', 'in', states),
                ])
        return [l.related_to.id for l in lines]

    @classmethod
    def search_deposit_state(cls, name, clause):
        _, operator, value = clause
        values = value if operator in {'in', 'not in'} else [value]
        domains = []
        for state in values:
            if state == 'awaiting':
                domains.append(cls._expecting_deposit() + [('id', 'not in',
                            cls._deposit_ids(['validated', 'posted']))])
            elif state == 'deposited':
                domains.append(cls._expecting_deposit() + [
                        ('id', 'in', cls._deposit_ids(['validated']))])
            elif state == 'reconciled':
                domains.append(cls._expecting_deposit() + [
                        ('id', 'in', cls._deposit_ids(['posted']))])
            elif state is None:
                domains.append(['OR', ('state', '!=', 'posted'),
                        ('payment_amount', '<=', 0)])
        domain = ['OR'] + domains if domains else [('id', '=', -1)]
        if operator in {'!=', 'not in'}:
            return ['NOT', domain]
        return domain

    @classmethod
    def search_deposit_overdue(cls, name, clause):
        pool = Pool()
        Date = pool.get('ir.date')
        Configuration = pool.get('therapy.configuration')
        days = Configuration(1).deposit_days
        days = 5 if days is None else days
        domain = [
            ('deposit_state', '=', 'awaiting'),
            ('payment_date', '<=', Date.today() - dt.timedelta(days=days)),
            ]
        _, operator, value = clause
        if (operator == '=') != bool(value):
            return ['NOT', domain]
        return domain

    @classmethod
    def post(cls, remittances):
        super().post(remittances)
        # a deposit that came before its 835 waits in unapplied cash; the
        # biller who posts may not read bank statements
        with without_check_access():
            cls.apply_deposits(remittances)

    @classmethod
    @ModelView.button
    def match_deposit(cls, remittances):
        cls.apply_deposits(remittances)

    @classmethod
    def apply_deposits(cls, remittances):
        """Move each remittance's deposit that waits in unapplied cash to
        in transit: Dr unapplied cash, Cr in transit (the payer), both
        sides reconciled and the deposit related to the remittance"""
        pool = Pool()
        Line = pool.get('account.statement.line')
        Move = pool.get('account.move')
        MoveLine = pool.get('account.move.line')
        Period = pool.get('account.period')
        Configuration = pool.get('therapy.configuration')
        configuration = Configuration(1)
        for remittance in remittances:
            if remittance.state != 'posted' or remittance.payment_amount <= 0:
                continue
            company = remittance.company
            unapplied = configuration.billing_account(
                'unapplied_cash_account', company)
            clearing = configuration.billing_account(
                'insurance_clearing_account', company)
            party = remittance.payer.party
            waiting = Line.search([
                    ('statement.company', '=', company.id),
                    ('statement.state', 'in', ['validated', 'posted']),
                    ('account', '=', unapplied.id),
                    ('party', '=', party.id),
                    ('related_to', '=', None),
                    ])
            candidate = reassociation.Candidate(remittance.id,
                remittance.trace_number, remittance.payment_amount,
                remittance.payer_identifier, party.id)
            found = [l for l in waiting
                if reassociation.match(Statement.key(l), l.amount,
                    party.id, [candidate]).matched]
            if len(found) != 1:
                continue
            line, = found
            journal = configuration.billing_journal
            move = Move(company=company, journal=journal, date=line.date,
                period=Period.find(company, date=line.date),
                origin=remittance,
                description=gettext('therapy_billing.msg_deposit_applied_move',
                    remittance=remittance.rec_name),
                lines=[
                    MoveLine(account=unapplied, party=party,
                        debit=line.amount, credit=ZERO, origin=remittance),
                    MoveLine(account=clearing, party=party,
                        debit=ZERO, credit=line.amount, origin=remittance),
                    ])
            move.save()
            Move.post([move])
            Line.write([line], {'related_to': str(remittance)})
            debit, credit = move.lines if move.lines[0].debit else reversed(
                move.lines)
            held = [m for m in (line.move.lines if line.move else [])
                if m.account == unapplied and m.party == party
                and not m.reconciliation and m.origin == line]
            if held:
                MoveLine.reconcile(held + [debit])
            _reconcile_in_transit(remittance, credit)


def _reconcile_in_transit(remittance, credit):
    """Reconcile credit (what the bank says arrived) with the remittance's
    in-transit lines when together they are nil"""
    MoveLine = Pool().get('account.move.line')
    if not remittance.move:
        return
    lines = [l for l in remittance.move.lines
        if l.account == credit.account and l.party == credit.party
        and not l.reconciliation]
    if lines and sum((l.debit - l.credit for l in lines), ZERO) == (
            credit.credit - credit.debit):
        MoveLine.reconcile(lines + [credit])


class Statement(metaclass=PoolMeta):
    __name__ = 'account.statement'

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._buttons.update({
                'reassociate': {
                    'invisible': Eval('state') != 'draft',
                    'depends': ['state'],
                    },
                })

    @staticmethod
    def key(record):
        "The reassociation key of an origin or a statement line"
        information = getattr(record, 'information', None) or {}
        origin = getattr(record, 'origin', None)
        if origin and not information:
            information = origin.information or {}
        return reassociation.key(record.description, record.number,
            information.get('ofx_checknum'))

    @classmethod
    @ModelView.button
    def reassociate(cls, statements):
        """Each deposit (origin) not entered yet: its remittance's line
        when trace, payer and amount fit one, else unapplied insurance
        cash when only the payer is known; the doubtful left with a
        warning"""
        pool = Pool()
        Line = pool.get('account.statement.line')
        Remittance = pool.get(REMITTANCE)
        Payer = pool.get('therapy.payer')
        Configuration = pool.get('therapy.configuration')
        Warning = pool.get('res.user.warning')
        configuration = Configuration(1)
        lines, doubts = [], []
        for statement in statements:
            if statement.state != 'draft':
                continue
            company = statement.company
            clearing = unapplied = None
            for origin in statement.origins:
                if origin.lines or origin.amount <= 0:
                    continue
                key = cls.key(origin)
                remittances = Remittance.search([
                        ('company', '=', company.id),
                        ('trace_number', 'in', list(key.words)),
                        ('deposit_state', '=', 'awaiting'),
                        ])
                taken = {l.related_to for l in Line.search([
                            ('related_to', 'in', [str(r) for r in remittances]),
                            ('statement.state', '=', 'draft'),
                            ])} if remittances else set()
                remittances = [r for r in remittances if r not in taken]
                party = origin.party.id if origin.party else None
                result = reassociation.match(key, origin.amount, party, [
                        reassociation.Candidate(r.id, r.trace_number,
                            r.payment_amount, r.payer_identifier,
                            r.payer.party.id) for r in remittances])
                by_id = {r.id: r for r in remittances}
                if result.matched:
                    remittance = by_id[result.matched]
                    clearing = clearing or configuration.billing_account(
                        'insurance_clearing_account', company)
                    lines.append(cls._deposit_line(origin, clearing,
                            remittance.payer.party, remittance))
                    continue
                if result.mismatched or result.ambiguous:
                    doubts.append((origin, gettext(
                            'therapy_billing.msg_deposit_doubt',
                            deposit=origin.rec_name or origin.description,
                            amount=origin.amount,
                            remittances=', '.join(
                                f'{by_id[i].rec_name} ({by_id[i].payment_amount})'
                                for i in result.mismatched
                                + result.ambiguous))))
                    continue
                payers = Payer.search([
                        ('company', '=', company.id),
                        ('party', '=', party),
                        ]) if party else []
                if not payers and key.originator:
                    known = Remittance.search([
                            ('company', '=', company.id),
                            ('payer_identifier', '=', key.originator),
                            ], limit=1)
                    payers = [known[0].payer] if known else []
                if len(payers) == 1 and key.traces:
                    unapplied = unapplied or configuration.billing_account(
                        'unapplied_cash_account', company)
                    lines.append(cls._deposit_line(origin, unapplied,
                            payers[0].party, None))
        if doubts:
            key = Warning.format('deposit_doubt', statements)
            if Warning.check(key):
                raise DepositWarning(key, gettext(
                        'therapy_billing.msg_deposit_doubts',
                        doubts='\n'.join(d for _, d in doubts)))
            cls._note_doubts(doubts)
        Line.save(lines)

    @staticmethod
    def _note_doubts(doubts):
        """Keep why each doubtful deposit was left alone as a note on it
        (once), for whoever calls the payer about it later"""
        Note = Pool().get('ir.note')
        noted = {(n.resource, n.message) for n in Note.search([
                    ('resource', 'in', [str(o) for o, _ in doubts]),
                    ])}
        Note.create([{'resource': str(origin), 'message': doubt}
                for origin, doubt in doubts
                if (origin, doubt) not in noted])

    @staticmethod
    def _deposit_line(origin, account, party, remittance):
        Line = Pool().get('account.statement.line')
        return Line(statement=origin.statement, origin=origin,
            date=origin.date, amount=origin.amount, number=origin.number,
            description=origin.description, party=party, account=account,
            related_to=remittance)

    @classmethod
    @ModelView.button
    def validate_statement(cls, statements):
        cls.reassociate([s for s in statements if s.origins])
        super().validate_statement(statements)


class StatementLine(metaclass=PoolMeta):
    __name__ = 'account.statement.line'

    awaiting_remittance = fields.Function(fields.Boolean(
            "Awaiting Remittance",
            help="A payer's deposit held as unapplied insurance cash until "
            "its 835 is posted."),
        'get_awaiting_remittance', searcher='search_awaiting_remittance')

    @classmethod
    def _get_relations(cls):
        return super()._get_relations() + [REMITTANCE]

    @property
    def remittance(self):
        Remittance = Pool().get(REMITTANCE)
        if isinstance(self.related_to, Remittance) and self.related_to.id >= 0:
            return self.related_to

    @classmethod
    def _unapplied_accounts(cls):
        pool = Pool()
        Configuration = pool.get('therapy.configuration')
        Company = pool.get('company.company')
        configuration = Configuration(1)
        company_id = Transaction().context.get('company')
        companies = [Company(company_id)] if company_id else Company.search([])
        accounts = [configuration.get_multivalue(
                'unapplied_cash_account', company=c.id) for c in companies]
        return [a.id for a in accounts if a]

    @classmethod
    def get_awaiting_remittance(cls, lines, name):
        accounts = set(cls._unapplied_accounts())
        return {l.id: bool(l.account and l.account.id in accounts
                and not l.related_to
                and l.statement.state in {'validated', 'posted'})
            for l in lines}

    @classmethod
    def search_awaiting_remittance(cls, name, clause):
        domain = [
            ('account', 'in', cls._unapplied_accounts()),
            ('related_to', '=', None),
            ('statement.state', 'in', ['validated', 'posted']),
            ]
        _, operator, value = clause
        if (operator == '=') != bool(value):
            return ['NOT', domain]
        return domain

    @classmethod
    def reconcile(cls, move_lines):
        super().reconcile(move_lines)
        for move_line, line in move_lines:
            if line and line.remittance:
                _reconcile_in_transit(line.remittance, move_line)
