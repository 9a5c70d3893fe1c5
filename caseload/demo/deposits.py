"""The payers' EFT deposits on the practice's bank statement, reassociated
with their remittances (therapy_billing/deposit.py).

The operating account's bank exports an OFX file of the payers' deposits,
the CCD+ addenda (TRN*1*trace*payer) in each memo, a day after each
remittance's payment date. It is read by account_statement_ofx's import,
as the accountant does in Banking > Import Statement; "Match Remittances",
validation and posting follow, through proteus as a client clicks them.
One remittance (the latest one the bank should have paid by now) has no
deposit, so the reassociation report lists it as overdue, and one deposit
comes from a payer whose 835 has not arrived: it waits in unapplied
insurance cash."""
import datetime as dt
from decimal import Decimal

BANK = "First Harbor Bank"
ACCOUNT_NUMBER = '4400123456'
ROUTING = '021000021'
DEPOSIT_AFTER = dt.timedelta(days=1)
# the remittance left without deposit is at least this old (overdue)
MISSING_AFTER = dt.timedelta(days=6)
NO_835 = ('EFT-NO835-1', Decimal('212.40'))


def ofx_file(account_number, start, end, transactions, balance):
    """An OFX 1.02 (SGML) bank statement as US banks export it:
    transactions are (id, date, amount, name, memo)"""
    rows = ''.join(
        '<STMTTRN>\n<TRNTYPE>CREDIT\n'
        f'<DTPOSTED>{day:%Y%m%d}\n<TRNAMT>{amount:.2f}\n<FITID>{fitid}\n'
        f'<NAME>{name[:32]}\n<MEMO>{memo}\n</STMTTRN>\n'
        for fitid, day, amount, name, memo in transactions)
    return (
        'OFXHEADER:100\nDATA:OFXSGML\nVERSION:102\nSECURITY:NONE\n'
        'ENCODING:USASCII\nCHARSET:1252\nCOMPRESSION:NONE\n'
        'OLDFILEUID:NONE\nNEWFILEUID:NONE\n'
        '<OFX>\n<BANKMSGSRSV1>\n<STMTTRNRS>\n'
        f'<TRNUID>{account_number}-{end:%Y%m%d}\n'
        '<STATUS>\n<CODE>0\n<SEVERITY>INFO\n</STATUS>\n'
        '<STMTRS>\n<CURDEF>USD\n<BANKACCTFROM>\n'
        f'<BANKID>{ROUTING}\n<ACCTID>{account_number}\n'
        '<ACCTTYPE>CHECKING\n</BANKACCTFROM>\n<BANKTRANLIST>\n'
        f'<DTSTART>{start:%Y%m%d}\n<DTEND>{end:%Y%m%d}\n'
        f'{rows}</BANKTRANLIST>\n'
        f'<LEDGERBAL>\n<BALAMT>{balance:.2f}\n<DTASOF>{end:%Y%m%d}\n'
        '</LEDGERBAL>\n</STMTRS>\n</STMTTRNRS>\n</BANKMSGSRSV1>\n</OFX>\n'
        ).encode('ascii')


def addenda(trace, payer_identifier):
    "The memo of a payer's ACH CCD+ credit: its reassociation addenda"
    return f'HCCLAIMPMT TRN*1*{trace}*{payer_identifier or ""}'


def load(config, company):
    """The operating account's statement journal, the OFX file of the
    payers' deposits imported, matched, validated and posted; the ledger
    invariants after"""
    from proteus import Model, Wizard

    from therapy_billing import ledger_invariants
    get = lambda name: Model.get(name, config=config)  # noqa: E731
    Remittance = get('therapy.remittance')
    today = dt.date.today()
    remittances = Remittance.find([
            ('company', '=', company.id),
            ('state', '=', 'posted'),
            ('payment_amount', '>', 0),
            ], order=[('payment_date', 'ASC'), ('id', 'ASC')])
    if not remittances or get('account.statement').find([]):
        return
    journal = statement_journal(get, company)
    old = [r for r in remittances if r.payment_date <= today - MISSING_AFTER]
    missing = old[-1] if old else None
    transactions = []
    for remittance in remittances:
        if remittance == missing:
            continue
        day = min(remittance.payment_date + DEPOSIT_AFTER, today)
        transactions.append((f'D{remittance.id:06d}', day,
                remittance.payment_amount,
                remittance.payer.party.name.upper(),
                addenda(remittance.trace_number,
                    remittance.payer_identifier)))
    payer = remittances[-1].payer
    trace, amount = NO_835
    transactions.append(('D-NO835', today, amount,
            payer.party.name.upper(),
            addenda(trace, remittances[-1].payer_identifier)))
    transactions.sort(key=lambda t: (t[1], t[0]))
    start = transactions[0][1]
    data = ofx_file(ACCOUNT_NUMBER, start, today, transactions,
        sum((t[2] for t in transactions), Decimal(0)))

    wizard = Wizard('account.statement.import', config=config)
    wizard.form.company = company
    wizard.form.file_ = data
    wizard.form.file_format = 'ofx'
    wizard.execute('import_')
    Statement = get('account.statement')
    statement, = Statement.find([('journal', '=', journal.id)])
    statement.click('reassociate')
    statement.click('validate_statement')
    statement.click('post')
    problems = ledger_invariants.check(
        config.database_name, company.id, config.user)
    if problems:
        raise RuntimeError("demo deposits: the ledger breaks its "
            "invariants:\n" + '\n'.join(f'- {p}' for p in problems))


def statement_journal(get, company):
    """The operating account's statement journal (payers.py makes it) with
    the account at the bank its OFX export names"""
    Party = get('party.party')
    Bank = get('bank')
    BankAccount = get('bank.account')
    Account = get('account.account')
    Journal = get('account.journal')
    StatementJournal = get('account.statement.journal')
    bank = Bank(party=Party(name=BANK))
    bank.party.save()
    bank.save()
    account = BankAccount(bank=bank, currency=company.currency)
    account.owners.append(Party(company.party.id))
    account.numbers.new(type='other', number=ACCOUNT_NUMBER)
    account.save()
    journals = StatementJournal.find([
            ('name', '=', "Operating account"),
            ('company', '=', company.id),
            ])
    if journals:
        statement_journal, = journals
    else:
        cash, = Account.find([
                ('code', '=', '1.1.1'), ('company', '=', company.id)])
        journal, = Journal.find([('type', '=', 'statement')], limit=1)
        statement_journal = StatementJournal(name="Operating account",
            company=company, journal=journal, account=cash,
            validation='balance')
    statement_journal.bank_account = account
    statement_journal.save()
    return statement_journal
