"""Posting the client's share invoices in bulk, below the ORM.

Why: a remittance bills the client's share of most of its claims, a
guarantor invoice each (REVENUE-CYCLE.md §3). Tryton's ``Invoice.post``
costs about 50 ms an invoice here (profile of 200 claims: 7.4 s for 153
invoices, their creation 2.5 s more), which alone is sixteen times the
3 ms a claim the 835 import has (issue 12). This writes, for an invoice of
the simplest kind only, what ``Invoice.save`` and ``Invoice.post`` write:
a customer invoice in the company currency, lines of type line with no
product, no tax and a positive amount (the share a payer named), on a
payment term's dates not in the past, no deposit. The rows are the ORM's
(``tests/test_invoice_sql.py`` compares them column by column): the
invoice numbered from its fiscal year's sequence, its address, tax
identifiers, journal, payment term and amount caches as
``on_change_party``, ``set_number`` and ``_store_cache`` set them; its move
(one per invoice, numbered by the period's sequence, posted, lines valid)
with a receivable line per payment term date and a line per invoice line
on its account, origin the billed claim line. What the ORM does around
them is done too: the access check, the "number after" check, the
models' triggers and hooks, the queued invoice report. The moves' and
lines' checks are ledger_sql's, made once for the batch."""
import re
from collections import defaultdict
from decimal import Decimal

from sql.aggregate import Max
from sql.functions import CurrentTimestamp

from trytond.i18n import gettext
from trytond.model.fields import SQL_OPERATORS
from trytond.modules.account_invoice.exceptions import InvoiceNumberError
from trytond.pool import Pool
from trytond.transaction import Transaction, without_check_access

from .batch import slices
from .exceptions import BillingError
from .ledger_sql import (
    after_bulk_create, allocated_ids, check_accounts, check_origins,
    check_rows, forget_cached, insert_rows, line_columns, update_rows)

ZERO = Decimal(0)


def handles(company, date):
    """Whether company's invoices dated date can post in bulk: dated
    today (the ORM warns of an invoice date in the future and of a payment
    term date in the past, which only a context skipping warnings
    answers), and no trigger watches invoices or moves (the ORM's
    create-then-post would fire them)"""
    pool = Pool()
    Date = pool.get('ir.date')
    Trigger = pool.get('ir.trigger')
    context = Transaction().context
    with Transaction().set_context(company=company.id):
        today = Date.today()
    if date != today and not context.get('_skip_warnings'):
        return False
    with without_check_access():
        return not any(Trigger.get_triggers(model, mode)
            for model in ['account.invoice', 'account.invoice.line',
                'account.move', 'account.move.line']
            for mode in ['create', 'write'])


def post_invoices(company, account, date, invoices):
    """Create and post customer invoices on the receivable account, dated
    date: invoices is [(party, description, [(origin, account, amount,
    description)])]; returns the invoice ids in the same order. The
    caller has asked handles(company, date)"""
    pool = Pool()
    Invoice = pool.get('account.invoice')
    InvoiceLine = pool.get('account.invoice.line')
    Move = pool.get('account.move')
    MoveLine = pool.get('account.move.line')
    Account = pool.get('account.account')
    Period = pool.get('account.period')
    Date = pool.get('ir.date')
    User = pool.get('res.user')
    Access = pool.get('ir.model.access')
    if not invoices:
        return []
    for Model in (Invoice, InvoiceLine, Move, MoveLine):
        Access.check(Model.__name__, 'create')
    transaction = Transaction()
    with transaction.set_context(company=company.id):
        today = Date.today()
    currency = company.currency
    parties = _party_values(company, account, date,
        {p for p, _, _ in invoices})
    template = parties['template']

    period = Period.find(company, date=date, test_state=True)
    terms = {}

    def term_lines(total):
        if total not in terms:
            if template.payment_term:
                terms[total] = template.payment_term.compute(
                    total, currency, date)
            else:
                terms[total] = [(today, total)]
        return terms[total]

    accounts = _line_accounts(InvoiceLine, account, invoices)
    exponent = Decimal(10) ** -currency.digits

    def exact(amount):
        "amount with the currency's places, as the ORM stores it"
        rounded = amount.quantize(exponent)
        return rounded if rounded == amount else amount

    invoice_rows, move_lines = [], []
    for party, description, lines in invoices:
        total = exact(ZERO)
        for origin, line_account, amount, _ in lines:
            if amount <= 0:
                raise ValueError("only positive lines post in bulk")
            total += exact(amount)
        invoice_rows.append(dict(parties[party.id], description=description,
                untaxed_amount_cache=total, tax_amount_cache=exact(ZERO),
                total_amount_cache=total))
        rows = [{'account': _id(line_account), 'debit': ZERO,
                'credit': exact(amount), 'origin': str(origin),
                'description': None, 'maturity_date': None,
                'party': party.id
                if accounts[_id(line_account)].party_required else None}
            for origin, line_account, amount, _ in lines]
        for maturity, amount in term_lines(total):
            rows.append({'account': account.id, 'debit': amount,
                    'credit': ZERO, 'origin': None,
                    'description': description, 'maturity_date': maturity,
                    'party': party.id if account.party_required else None,
                    # as account_payment's Invoice._get_move_line
                    'payment_direct_debit': parties[party.id].get(
                        'payment_direct_debit')})
        check_rows(rows, currency)
        move_lines.append(rows)
    flat = [r for rows in move_lines for r in rows]
    check_accounts(Account.browse(list({r['account'] for r in flat})),
        flat, company, date)
    check_origins(MoveLine, flat)
    MoveLine.check_journal_period_modify(period, template.journal)

    sequence = _invoice_sequence(template, date, invoices[0][1])
    with transaction.set_context(date=date, company=company.id):
        numbers = sequence.get_many(len(invoices))
    for row, number in zip(invoice_rows, numbers):
        row['number'] = number
    move_numbers = period.move_sequence_used.get_many(len(invoices))

    employee = User(transaction.user).employee
    posted_by = (employee.id if employee and employee.company == company
        else None)
    invoice_ids = allocated_ids(Invoice.__table__(), len(invoices))
    if invoice_ids is not None:
        # PostgreSQL: every row written with its id, the moves first so
        # that the invoices go in holding theirs; nothing is read back,
        # and the ids are all taken before the first write (taking them
        # waits for the writes before)
        move_ids = allocated_ids(Move.__table__(), len(invoices))
        ids_of_move_lines = allocated_ids(MoveLine.__table__(), len(flat))
        ids_of_lines = allocated_ids(InvoiceLine.__table__(),
            sum(len(lines) for _, _, lines in invoices))
        _insert_moves(Move, company, template.journal, period, date,
            today, invoice_ids, move_numbers, ids=move_ids)
        move_line_ids = _insert_move_lines(MoveLine, move_ids, move_lines,
            ids=ids_of_move_lines)
        _insert_invoices(Invoice, sequence, invoice_rows, posted_by,
            ids=invoice_ids, moves=move_ids)
        line_ids = _insert_invoice_lines(InvoiceLine, company, currency,
            invoice_ids, [lines for _, _, lines in invoices],
            ids=ids_of_lines)
    else:
        invoice_ids = _insert_invoices(Invoice, sequence, invoice_rows,
            posted_by)
        line_ids = _insert_invoice_lines(InvoiceLine, company, currency,
            invoice_ids, [lines for _, _, lines in invoices])
        move_ids = _insert_moves(Move, company, template.journal, period,
            date, today, invoice_ids, move_numbers)
        move_line_ids = _insert_move_lines(MoveLine, move_ids, move_lines)
        _set_moves(Invoice, invoice_ids, move_ids)
    forget_cached(Invoice.__name__, InvoiceLine.__name__, Move.__name__,
        MoveLine.__name__)
    # posted as they are written: account_invoice's hook reads each one's
    # state to update the taxes of the drafts, which read every invoice's
    # columns again
    posted = Invoice.browse(invoice_ids)
    for invoice in posted:
        invoice.state = 'posted'
    after_bulk_create(Invoice, invoice_ids, records=posted)
    after_bulk_create(InvoiceLine, [i for ids in line_ids for i in ids])
    after_bulk_create(Move, move_ids, hooks=False)
    after_bulk_create(MoveLine, move_line_ids, hooks=False)
    _set_payment_means(Invoice, invoice_ids, parties)
    Invoice.__queue__.print_invoice(Invoice.browse(invoice_ids))
    return invoice_ids


def _set_payment_means(Invoice, invoice_ids, parties):
    """Invoice.set_payment_means, as _post calls it, when a rule or a
    party's direct debit mandate can give one (else it adds nothing)"""
    pool = Pool()
    Rule = pool.get('account.invoice.payment.mean.rule')
    Reception = pool.get('party.party.reception_direct_debit')
    party_ids = [p for p in parties if p != 'template']
    if not Rule.search([], limit=1) and not any(
            Reception.search([('party', 'in', chunk)], limit=1)
            for chunk in slices(party_ids)):
        return
    for chunk in slices(invoice_ids):
        Invoice.set_payment_means(Invoice.browse(chunk))


def _id(value):
    return value.id if hasattr(value, 'id') else value


def _line_accounts(InvoiceLine, account, invoices):
    """{id: account} of the invoices' lines, each one a customer invoice
    line may take (its field's domain), and the receivable account one a
    customer invoice may take"""
    pool = Pool()
    Account = pool.get('account.account')
    ids = {_id(a) for _, _, lines in invoices for _, a, _, _ in lines}
    allowed = {a.id: a for a in Account.search([
                ('id', 'in', list(ids)),
                InvoiceLine._account_domain('out'),
                ])}
    for id_ in ids - set(allowed):
        raise BillingError(gettext(
                'therapy_billing.msg_bulk_invoice_line_account',
                account=Account(id_).rec_name))
    if not (account.type and account.type.receivable) or account.closed:
        raise BillingError(gettext(
                'therapy_billing.msg_bulk_invoice_account',
                account=account.rec_name))
    return allowed


def _party_values(company, account, date, parties):
    """{party id: the invoice's columns that follow from its party} as
    billing_invoice and set_number would set them, and the 'template':
    one such invoice, for what is the same for all"""
    pool = Pool()
    Invoice = pool.get('account.invoice')
    Party = pool.get('party.party')
    Address = pool.get('party.address')
    Configuration = pool.get('therapy.configuration')
    party_ids = sorted(p.id for p in parties)
    with Transaction().set_context(billing_date=date):
        template = Invoice.billing_invoice(company, Party(party_ids[0]),
            account, '')
    payment_term = Configuration(1).billing_payment_term
    tax_identifiers = {}
    values = {'template': template}
    # most guarantors have no identifier: their tax identifier (a getter
    # over the identifiers) is None without being read; the direct-debit
    # setting (a company value) read as rows
    identified = _parties_with('party.identifier', party_ids)
    direct_debits = _direct_debits(party_ids, company.id)
    addresses = _invoice_addresses(party_ids)
    for chunk in slices(party_ids):
        for party in Party.browse(chunk):
            if party.id not in addresses:
                raise BillingError(gettext(
                        'therapy_billing.msg_party_no_address',
                        party=party.rec_name))
            address, country = addresses[party.id]
            if country not in tax_identifiers:
                template.invoice_address = Address(address)
                identifier = template.get_tax_identifier()
                tax_identifiers[country] = (
                    identifier.id if identifier else None)
            if party.id in direct_debits:
                direct_debit = direct_debits[party.id]
            elif hasattr(Party, 'default_payment_direct_debit'):
                direct_debit = Party.default_payment_direct_debit(
                    company=company.id)
            else:
                direct_debit = None
            values[party.id] = {
                'company': company.id,
                'type': 'out',
                'party': party.id,
                'invoice_address': address,
                'party_tax_identifier': (party.tax_identifier.id
                    if party.id in identified and party.tax_identifier
                    else None),
                'tax_identifier': tax_identifiers[country],
                'currency': company.currency.id,
                'journal': template.journal.id,
                'account': account.id,
                'payment_term': payment_term.id if payment_term else None,
                'invoice_date': date,
                'sequence_type_cache': 'invoice',
                'state': 'posted',
                }
            if 'payment_direct_debit' in Invoice._fields:
                values[party.id]['payment_direct_debit'] = bool(
                    direct_debit)
    return values


def _invoice_addresses(party_ids):
    """{party id: (address id, country id)} of the address
    Party.address_get(type='invoice') gives (the first of its active
    addresses in their order marked invoice, else the first), of the
    parties that have one: read as rows, the parties' addresses as
    records were a tenth of billing a remittance's client shares"""
    Address = Pool().get('party.address')
    found, first = {}, {}
    for chunk in slices(party_ids):
        for row in Address.search_read([('party', 'in', chunk)],
                fields_names=['party', 'invoice', 'country']):
            first.setdefault(row['party'], (row['id'], row['country']))
            if row['invoice']:
                found.setdefault(row['party'], (row['id'], row['country']))
    return {**first, **found}


def _parties_with(model, party_ids):
    """The ids of party_ids that have a record of model (by its party
    column; none when its module is not installed)"""
    try:
        Model = Pool().get(model)
    except KeyError:
        return set()
    table = Model.__table__()
    cursor = Transaction().connection.cursor()
    found = set()
    for chunk in slices(party_ids):
        cursor.execute(*table.select(table.party, distinct=True,
                where=SQL_OPERATORS['in'](table.party, chunk)))
        found.update(p for p, in cursor)
    return found


def _direct_debits(party_ids, company_id):
    """{party id: its payment_direct_debit in company_id} of the parties
    that have a value for it, as the MultiValue's getter picks it: the
    first of the party's values (a company's before the one of no
    company) whose company is company_id or none"""
    try:
        Value = Pool().get('party.party.payment_direct_debit')
    except KeyError:
        return {}
    table = Value.__table__()
    cursor = Transaction().connection.cursor()
    candidates = defaultdict(list)
    for chunk in slices(party_ids):
        cursor.execute(*table.select(table.party, table.company,
                table.payment_direct_debit,
                where=SQL_OPERATORS['in'](table.party, chunk),
                order_by=[table.id.asc]))
        for party, company, value in cursor:
            candidates[party].append((company, value))
    result = {}
    for party, values in candidates.items():
        for company, value in sorted(values, key=lambda v: v[0] is None):
            if company in (company_id, None):
                result[party] = bool(value)
                break
    return result


def _invoice_sequence(template, date, name):
    """The sequence set_number takes for an invoice of template's kind
    dated date; refused when an invoice of it is dated after date (its
    numbers follow their dates), the message naming the first invoice"""
    pool = Pool()
    Invoice = pool.get('account.invoice')
    Lang = pool.get('ir.lang')
    template.invoice_date = date
    template.sequence_type_cache = 'invoice'
    sequence, _ = template._number_sequence()
    after = Invoice.search([
            ('sequence', '=', sequence.id),
            ('invoice_date', '>', date),
            ], limit=1, order=[('invoice_date', 'DESC')])
    if after:
        after, = after
        raise InvoiceNumberError(gettext(
                'account_invoice.msg_invoice_number_after',
                invoice=name, sequence=sequence.rec_name,
                date=Lang.get().strftime(date), after_invoice=after.rec_name))
    return sequence


def _digits(number):
    "number_alnum and number_digit, as Invoice.compute_fields has them"
    alnum = re.sub(r'[\W_]', '', number)
    try:
        digit = int(re.sub(r'\D', '', number)[-18:])
    except ValueError:
        digit = None
    return alnum, digit


def _stamp():
    transaction = Transaction()
    return transaction.user, CurrentTimestamp()


def _insert_invoices(Invoice, sequence, rows, posted_by, ids=None,
        moves=None):
    """Insert the invoice rows; their ids in order: ids, with their moves,
    else found back by their numbers, new from the sequence (RETURNING is
    not on every backend)"""
    cursor = Transaction().connection.cursor()
    table = Invoice.__table__()
    names = sorted(rows[0])
    extra = ['number_alnum', 'number_digit', 'sequence', 'posted_by']
    user, now = _stamp()
    columns = [getattr(table, n) for n in names + extra] + [
        table.create_uid, table.create_date, table.write_uid,
        table.write_date]
    values = [[r[n] for n in names] + list(_digits(r['number']))
        + [sequence.id, posted_by, user, now, user, now] for r in rows]
    if ids is not None:
        insert_rows(table, [table.move] + columns,
            [[m] + v for m, v in zip(moves, values)], ids=ids)
        return ids
    cursor.execute(*table.select(Max(table.id)))
    newer_than = cursor.fetchone()[0] or 0
    insert_rows(table, columns, values)
    ids = []
    for chunk in slices(rows):
        cursor.execute(*table.select(table.id, table.number,
                where=(table.sequence == sequence.id)
                & SQL_OPERATORS['in'](table.number,
                    [r['number'] for r in chunk])
                & (table.id > newer_than)))
        by_number = {n: i for i, n in cursor}
        ids += [by_number[r['number']] for r in chunk]
    return ids


def _insert_invoice_lines(InvoiceLine, company, currency, invoice_ids,
        lines, ids=None):
    "Insert each invoice's lines (with ids, when given); [[line id]]"
    cursor = Transaction().connection.cursor()
    table = InvoiceLine.__table__()
    user, now = _stamp()
    defaults = InvoiceLine.default_get(['taxes_deductible_rate'],
        with_rec_name=False)
    rate = InvoiceLine.taxes_deductible_rate.sql_format(
        defaults.get('taxes_deductible_rate'))
    columns = [table.invoice, table.type, table.company, table.currency,
        table.account, table.quantity, table.unit_price, table.description,
        table.origin, table.taxes_deductible_rate, table.create_uid,
        table.create_date]
    values = [[invoice, 'line', company.id, currency.id, _id(account), 1.0,
            amount, description, str(origin), rate, user, now]
        for invoice, invoice_lines in zip(invoice_ids, lines)
        for origin, account, amount, description in invoice_lines]
    if ids is not None:
        insert_rows(table, columns, values, ids=ids)
        ids = iter(ids)
        return [[next(ids) for _ in invoice_lines] for invoice_lines in lines]
    insert_rows(table, columns, values)
    by_invoice = defaultdict(list)
    for chunk in slices(invoice_ids):
        cursor.execute(*table.select(table.invoice, table.id,
                where=SQL_OPERATORS['in'](table.invoice, chunk),
                order_by=[table.id.asc]))
        for invoice, id_ in cursor:
            by_invoice[invoice].append(id_)
    return [by_invoice[i] for i in invoice_ids]


def _insert_moves(Move, company, journal, period, date, today, invoice_ids,
        numbers, ids=None):
    "Insert the invoices' posted moves (with ids, when given); their ids"
    cursor = Transaction().connection.cursor()
    table = Move.__table__()
    user, now = _stamp()
    columns = [table.company, table.journal, table.period, table.date,
        table.origin, table.number, table.post_date, table.state,
        table.create_uid, table.create_date, table.write_uid,
        table.write_date]
    rows = list(zip(invoice_ids, numbers))
    values = [[company.id, journal.id, period.id, date,
            f'account.invoice,{invoice}', number, today, 'posted', user,
            now, user, now]
        for invoice, number in rows]
    if ids is not None:
        insert_rows(table, columns, values, ids=ids)
        return ids
    cursor.execute(*table.select(Max(table.id)))
    newer_than = cursor.fetchone()[0] or 0
    insert_rows(table, columns, values)
    ids = []
    for chunk in slices(rows):
        cursor.execute(*table.select(table.id, table.number,
                where=(table.period == period.id)
                & SQL_OPERATORS['in'](table.number, [n for _, n in chunk])
                & (table.id > newer_than)))
        by_number = {n: i for i, n in cursor}
        ids += [by_number[n] for _, n in chunk]
    return ids


def _insert_move_lines(MoveLine, move_ids, lines, ids=None):
    """Insert each move's lines (with ids, when given), an invoice line's
    origin the claim line it bills (as the ORM's get_move_lines does
    here); their ids"""
    cursor = Transaction().connection.cursor()
    table, columns, values = line_columns(MoveLine)
    rows = [values(move, r) for move, rows in zip(move_ids, lines)
        for r in rows]
    if ids is not None:
        insert_rows(table, columns, rows, ids=ids)
        return ids
    insert_rows(table, columns, rows)
    ids = []
    for chunk in slices(move_ids):
        cursor.execute(*table.select(table.id,
                where=SQL_OPERATORS['in'](table.move, chunk)))
        ids += [i for i, in cursor]
    return ids


def _set_moves(Invoice, invoice_ids, move_ids):
    "Each invoice's move"
    table = Invoice.__table__()
    update_rows(table, [table.move],
        [[m, i] for i, m in zip(invoice_ids, move_ids)])
