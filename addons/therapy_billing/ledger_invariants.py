"""What must hold in the ledger after every billing path, as an accountant
would check it. The scenarios and tests call it after each money movement,
and the demo build runs it last and fails when it finds anything.

- The trial balance is zero.
- Each session's (gross) revenue equals its charge exactly once, whatever
  path it took (corrected, replaced, voided, primary then secondary, copay before
  or after billing, self-pay at the desk, monthly claims): the charge's
  amount once it is billed and posted, nothing otherwise.
- Payers are invoiced the full charge: a primary claim line's receivable is
  its billed amount, which is its charge's.
- Each claim line: receivable = paid + adjustments + payer balance (the
  roll-ups agree with what the ledger took off the line).
- The responsibility transfer nets to zero per claim once billed onward,
  and never goes below zero.
- Patient deposits never go negative, per guarantor and per desk payment.
- No charge sits on two active claim lines of the same payer.
- Each posted remittance brings into the clearing account exactly what the
  payer sent (BPR02), so its deposit can be reconciled.

problems(company) runs inside a transaction and returns the violations as
sentences; check(database, company_id) opens its own transaction;
assert_ledger(...) raises LedgerInvariantError listing them."""
from collections import defaultdict
from decimal import Decimal

from trytond.pool import Pool
from trytond.transaction import Transaction

ZERO = Decimal(0)


class LedgerInvariantError(AssertionError):
    pass


def problems(company):
    found = []
    for check_ in [trial_balance, revenue_once, payers_billed_in_full,
            claim_lines_balance, transfers_net_to_zero, deposits_positive,
            one_active_line_per_payer, remittances_clear_their_payment]:
        found += check_(company)
    return found


def check(database, company_id=None, user=0):
    "problems() of the company (else the first) in a transaction of its own"
    with Transaction().start(database, user, readonly=True):
        Company = Pool().get('company.company')
        company = Company(company_id) if company_id else Company.search(
            [], limit=1)[0]
        with Transaction().set_context(company=company.id):
            return problems(company)


def assert_ledger(company):
    found = problems(company)
    if found:
        raise LedgerInvariantError(
            "The ledger breaks its invariants:\n"
            + '\n'.join(f'- {p}' for p in found))


def _posted_lines(company, domain):
    MoveLine = Pool().get('account.move.line')
    return MoveLine.search([
            ('move.company', '=', company.id),
            ('move.state', '=', 'posted'),
            ] + domain)


def trial_balance(company):
    lines = _posted_lines(company, [])
    debit = sum((l.debit for l in lines), ZERO)
    credit = sum((l.credit for l in lines), ZERO)
    if debit != credit:
        return [f"the trial balance is off: debits {debit}, credits "
            f"{credit}"]
    return []


def _charge_of(origin):
    if origin is None:
        return None
    if origin.__name__ == 'therapy.claim.line':
        return origin.charge
    if origin.__name__ == 'therapy.charge':
        return origin


def revenue_once(company):
    """Gross revenue: the revenue accounts less the contractual and
    write-off adjustments (contra-revenue, which the remittance posts)"""
    pool = Pool()
    Charge = pool.get('therapy.charge')
    Configuration = pool.get('therapy.configuration')
    adjustments = [a.id for a in (Configuration(1).get_multivalue(
                name, company=company.id)
            for name in ['contractual_account', 'write_off_account']) if a]
    revenue = defaultdict(lambda: ZERO)
    for line in _posted_lines(company, [
                ('account.type.revenue', '=', True),
                ('account', 'not in', adjustments),
                ]):
        charge = _charge_of(line.origin)
        if charge:
            revenue[charge] += line.credit - line.debit
    found = []
    for charge in Charge.search([('company', '=', company.id)]):
        expected = charge.amount if _posted(charge) else ZERO
        if revenue[charge] != expected:
            found.append(f"charge {charge.rec_name} of {charge.client.number}"
                f" ({charge.amount}) has {revenue[charge]} of revenue, "
                f"expected {expected}")
    return found


def _posted(charge):
    "Is the charge billed on a posted invoice (its claim's or its own)?"
    if charge.state == 'void':
        return False
    if charge.client_invoice:
        return charge.client_invoice.state in {'posted', 'paid'}
    claim = charge.claim
    if not claim:
        return False
    return any(l.invoice_line and l.invoice_line.invoice.state in {
                'posted', 'paid'}
        for l in claim.lines if l.charge == charge)


def _active_lines(company):
    ClaimLine = Pool().get('therapy.claim.line')
    return [l for l in ClaimLine.search([
                ('claim.company', '=', company.id),
                ('claim.state', 'not in', ['replaced', 'voided']),
                ('claim.frequency_code', '!=', '8'),
                ])]


def payers_billed_in_full(company):
    found = []
    for line in _active_lines(company):
        if line.primary_line:
            continue
        if line.billed != line.charge.amount:
            found.append(f"claim line {line.rec_name} bills {line.billed}, "
                f"its charge is {line.charge.amount}")
        if line.invoice_line and line.receivable not in {ZERO, line.billed}:
            found.append(f"claim line {line.rec_name} is invoiced "
                f"{line.receivable} to the payer, not the {line.billed} "
                "billed")
    return found


def claim_lines_balance(company):
    found = []
    for line in _active_lines(company):
        adjusted = line.paid + line.co + line.pr + line.oa + line.pi
        if line.receivable != adjusted + line.payer_balance:
            found.append(f"claim line {line.rec_name}: receivable "
                f"{line.receivable} is not paid + adjustments ({adjusted}) "
                f"+ payer balance ({line.payer_balance})")
    return found


def transfers_net_to_zero(company):
    pool = Pool()
    Configuration = pool.get('therapy.configuration')
    Claim = pool.get('therapy.claim')
    account = Configuration(1).get_multivalue(
        'transfer_account', company=company.id)
    if not account:
        return []
    balances = defaultdict(lambda: ZERO)
    for line in _posted_lines(company, [('account', '=', account.id)]):
        origin = line.origin
        if origin is None or origin.__name__ != 'therapy.claim.line':
            return [f"a responsibility transfer line ({line.rec_name}) "
                "names no claim line"]
        claim = origin.claim.primary_claim or origin.claim
        balances[claim] += line.debit - line.credit
    found = []
    for claim, balance in balances.items():
        waiting = any(c.state == 'draft' for c in Claim.search([
                    ('primary_claim', '=', claim.id)]))
        if balance < 0 or (balance and not waiting):
            found.append(f"the responsibility transfer of claim "
                f"{claim.rec_name} does not net to zero ({balance})")
    return found


def deposits_positive(company):
    pool = Pool()
    DeskPayment = pool.get('therapy.desk.payment')
    balances = defaultdict(lambda: ZERO)
    for line in _posted_lines(company, [('account.type.deposit', '=', True)]):
        balances[line.party] += line.credit - line.debit
    found = [f"the patient deposits of {party.rec_name} are negative "
        f"({balance})" for party, balance in balances.items() if balance < 0]
    for payment in DeskPayment.search([('company', '=', company.id)]):
        if not ZERO <= payment.unapplied <= payment.amount:
            found.append(f"desk payment {payment.number} has "
                f"{payment.unapplied} left of {payment.amount}")
        if not payment.move or payment.move.state != 'posted':
            found.append(f"desk payment {payment.number} is not posted")
    return found


def one_active_line_per_payer(company):
    lines = defaultdict(list)
    for line in _active_lines(company):
        lines[(line.charge, line.claim.payer)].append(line)
    return [f"charge {charge.rec_name} sits on {len(found)} active claim "
        f"lines of {payer.rec_name}: "
        + ', '.join(l.rec_name for l in found)
        for (charge, payer), found in lines.items() if len(found) > 1]


def remittances_clear_their_payment(company):
    pool = Pool()
    Configuration = pool.get('therapy.configuration')
    Remittance = pool.get('therapy.remittance')
    remittances = Remittance.search([
            ('company', '=', company.id), ('state', '=', 'posted')])
    if not remittances:
        return []
    clearing = Configuration(1).billing_account(
        'insurance_clearing_account', company)
    found = []
    for remittance in remittances:
        cleared = sum((l.debit - l.credit for l in remittance.move.lines
                if l.account == clearing), ZERO) if remittance.move else ZERO
        if cleared != remittance.payment_amount:
            found.append(f"remittance {remittance.rec_name} brought "
                f"{cleared} into the clearing account for a payment of "
                f"{remittance.payment_amount}")
    return found
