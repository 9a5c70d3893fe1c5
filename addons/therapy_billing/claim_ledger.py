"""How a claim posts to the ledger: its payer invoice, once.

A claim made ready posts the payer's invoice, a line per claim line (the
full charge; a secondary claim's lines credit the responsibility transfer,
never revenue). Made ready again after a correction, or replaced, it takes
the posted invoice over when it bills the same payer the same amounts,
else that invoice is credited and a new one posted; a void credits it. All
the claims made ready together post in one pass. The patient share a
payer names is billed to the guarantor here too, and the transfer and
payer invoices are reconciled once they net to zero."""
from collections import defaultdict
from decimal import Decimal

from sql import Null
from sql.conditionals import Coalesce

from trytond.i18n import gettext
from trytond.model.fields import SQL_OPERATORS
from trytond.pool import Pool
from trytond.transaction import Transaction

from . import invoice_sql, rows_sql
from .batch import slices
from .ledger_sql import reconcile


class ClaimLedgerMixin:
    "The ledger side of therapy.claim"
    __slots__ = ()

    def _get_invoice(self):
        "The payer's invoice for the claim: a line per claim line"
        pool = Pool()
        Invoice = pool.get('account.invoice')
        Configuration = pool.get('therapy.configuration')
        account = Configuration(1).billing_account(
            'insurance_receivable_account', self.company)
        invoice = Invoice.billing_invoice(self.company, self.payer.party,
            account, gettext('therapy_billing.msg_claim_invoice',
                claim=self.rec_name, date=self.date))
        invoice.lines = [l for l in (line.get_invoice_line(invoice)
                for line in self.lines) if l]
        return invoice

    def previous_invoice(self):
        """The posted invoice this claim supersedes: its own (made ready
        again after a correction), else its original claim's"""
        for invoice in [self.payer_invoice,
                self.original_claim.payer_invoice if self.original_claim
                else None]:
            if invoice and invoice.state in {'posted', 'paid'}:
                return invoice

    @staticmethod
    def _amounts(invoice):
        "{control number: amount} of an invoice's claim lines"
        amounts = {}
        for line in invoice.lines:
            origin = line.billing_origin
            if origin and origin.__name__ == 'therapy.claim.line':
                amounts[origin.control_number] = line.on_change_with_amount()
        return amounts

    def _same_invoice(self, previous, invoice):
        return (previous.party == invoice.party
            and previous.account == invoice.account
            and self._amounts(previous) == self._amounts(invoice))

    @classmethod
    def post_invoices(cls, claims):
        """Post the claims' payer invoices in one pass: a claim whose
        posted invoice (its own or its original's) bills the same amounts
        takes it over; else that invoice is credited and a new one posted;
        a void claim credits its original's"""
        pool = Pool()
        Invoice = pool.get('account.invoice')
        Line = pool.get('therapy.claim.line')
        to_credit, new, takeovers, replaced, voided = [], [], [], [], []
        for claim in claims:
            previous = claim.previous_invoice()
            if claim.frequency_code == '8':
                if previous:
                    to_credit.append(previous)
                voided.append(claim.original_claim)
                continue
            if claim.original_claim:
                replaced.append(claim.original_claim)
            invoice = claim._get_invoice()
            if previous and claim._same_invoice(previous, invoice):
                takeovers.append((claim, previous))
                continue
            if previous:
                to_credit.append(previous)
            if invoice.lines:
                new.append((claim, invoice))
        Invoice.credit_billing(to_credit)
        invoices = [i for _, i in new]
        Invoice.save(invoices)
        Invoice.post(invoices)
        lines = []
        for claim, invoice in new:
            claim.payer_invoice = invoice
            for invoice_line in invoice.lines:
                line = invoice_line.origin
                line.invoice_line = invoice_line
                lines.append(line)
        for claim, previous in takeovers:
            claim.payer_invoice = previous
            by_number = {l.billing_origin.control_number: l
                for l in previous.lines if l.billing_origin}
            for line in claim.lines:
                line.invoice_line = by_number.get(line.control_number)
                if line.original_line:
                    for name in ['allowed', 'paid', 'co', 'pr', 'oa', 'pi',
                            'patient_responsibility']:
                        setattr(line, name,
                            getattr(line.original_line, name))
                lines.append(line)
        cls.save(claims)
        Line.save(lines)
        if replaced:
            cls.mark_replaced(replaced)
        if voided:
            cls.mark_voided(voided)
            cls.release_charges(voided)
        cls.reconcile_transfers(
            [c for c in claims if c.primary_claim and c.active])

    @classmethod
    def bill_patient_responsibility(cls, amounts, claim_of=None, save=True):
        """Invoice the guarantor the patient responsibility {line: amount}
        a payer named: a line per claim line, crediting the responsibility
        transfer; the visit's desk payments are applied as deposits. The
        invoices with no deposit to apply post in bulk (invoice_sql).
        claim_of: {line: its claim}, when the caller read them already;
        save=False: the lines' client's share is set and the caller saves
        them (with what else it set on them)"""
        pool = Pool()
        Invoice = pool.get('account.invoice')
        InvoiceLine = pool.get('account.invoice.line')
        DeskPayment = pool.get('therapy.desk.payment')
        Configuration = pool.get('therapy.configuration')
        Line = pool.get('therapy.claim.line')
        Date = pool.get('ir.date')
        configuration = Configuration(1)
        Party = pool.get('party.party')
        Company = pool.get('company.company')
        Payer = pool.get('therapy.payer')
        by_claim = defaultdict(dict)
        claim_of = claim_of or {}
        for line, amount in amounts.items():
            by_claim[claim_of.get(line) or line.claim][line] = amount
        facts = cls._share_facts([c.id for c in by_claim])
        guarantor_of = cls._guarantors_of(
            {c: f['client'] for c, f in facts.items()})
        companies = {i: Company(i) for i in {f['company']
                for f in facts.values()}}
        payer_names = {p.id: p.rec_name for p in Payer.browse(
                list({f['payer'] for f in facts.values()}))}
        # the guarantors as records in their company's context, as the
        # client's guarantor field gives them
        guarantors, of_company = {}, defaultdict(set)
        for claim in by_claim:
            of_company[facts[claim.id]['company']].add(guarantor_of[claim.id])
        for company_id, party_ids in of_company.items():
            with Transaction().set_context(company=company_id):
                for party in Party.browse(list(party_ids)):
                    guarantors[company_id, party.id] = party
        deposits = cls._claims_with_deposits(by_claim, guarantor_of)
        described = Line.invoice_line_descriptions(
            [l.id for l in amounts])
        in_bulk = defaultdict(list)
        invoices = []
        per_company = {}
        for claim, claim_amounts in by_claim.items():
            fact = facts[claim.id]
            company = companies[fact['company']]
            if company not in per_company:
                # billing_invoice's date: the billing date, else the
                # company's today
                date = Transaction().context.get('billing_date')
                if not date:
                    with Transaction().set_context(company=company.id):
                        date = Date.today()
                per_company[company] = (date,
                    invoice_sql.handles(company, date),
                    configuration.billing_account(
                        'patient_receivable_account', company),
                    configuration.billing_account(
                        'transfer_account', company))
            date, bulk, receivable, transfer = per_company[company]
            guarantor = guarantors[company.id, guarantor_of[claim.id]]
            description = gettext('therapy_billing.msg_patient_share_invoice',
                claim=fact['number'], client=fact['client_number'],
                date=fact['date'])
            lines = [(line, transfer, amount, gettext(
                        'therapy_billing.msg_patient_share_line',
                        line=described[line.id],
                        payer=payer_names[fact['payer']]))
                for line, amount in claim_amounts.items()]
            if (bulk and claim not in deposits
                    and all(a > 0 for a in claim_amounts.values())):
                in_bulk[company, receivable, date].append(
                    (guarantor, description, lines))
                continue
            invoice = Invoice.billing_invoice(company, guarantor,
                receivable, description)
            invoice.lines = [InvoiceLine(invoice=invoice, type='line',
                    company=company, currency=invoice.currency, origin=line,
                    account=account, quantity=1, unit_price=amount,
                    taxes=[], description=text)
                for line, account, amount, text in lines]
            invoices.append(invoice)
        DeskPayment.apply_deposits(invoices)
        Invoice.save(invoices)
        Invoice.post(invoices)
        for (company, receivable, date), to_post in in_bulk.items():
            invoices += Invoice.browse(invoice_sql.post_invoices(
                    company, receivable, date, to_post))
        for line, amount in amounts.items():
            line.patient_responsibility += amount
        if amounts and save:
            # the company's: a line's currency is a Function field
            # computed for every line read with it
            rows_sql.save(Line, list(amounts),
                digits=next(iter(per_company)).currency.digits)
        DeskPayment.reconcile_deposits(invoices)
        cls.reconcile_transfers(list(by_claim))
        return invoices

    @classmethod
    def _share_facts(cls, claim_ids):
        """{claim id: what a patient share invoice of the claim says (its
        company, number, date, client and client number, payer)}, as
        rows: the claims', clients' and coverages' records of a
        remittance's thousands of shares cost more than their invoices"""
        pool = Pool()
        Client = pool.get('therapy.client')
        Coverage = pool.get('therapy.coverage')
        claim = cls.__table__()
        client = Client.__table__()
        coverage = Coverage.__table__()
        cursor = Transaction().connection.cursor()
        names = ['company', 'number', 'date', 'client', 'client_number',
            'payer']
        facts = {}
        for chunk in slices(sorted(set(claim_ids))):
            cursor.execute(*claim.join(client,
                    condition=claim.client == client.id
                    ).join(coverage,
                    condition=claim.coverage == coverage.id).select(
                    claim.id, claim.company, claim.number, claim.date,
                    claim.client, client.number, coverage.payer,
                    where=SQL_OPERATORS['in'](claim.id, chunk)))
            for claim_id, *values in cursor:
                facts[claim_id] = dict(zip(names, values))
        return facts

    @staticmethod
    def _guarantors_of(client_of):
        """{claim id: the party id of its client's guarantor}, read as rows
        for all the claims at once (Client.guarantors); client_of: {claim
        id: client id}"""
        Client = Pool().get('therapy.client')
        guarantors = Client.guarantors(set(client_of.values()))
        return {c: guarantors[client] for c, client in client_of.items()}

    @staticmethod
    def _claims_with_deposits(claims, guarantor_of):
        """The claims whose guarantor (guarantor_of: {claim id: party id})
        paid at the desk for one of their visits: the ORM's invoice applies
        those deposits. The visits are read as rows: each claim's lines,
        charges and appointments as records were a tenth of billing the
        client's shares of a remittance"""
        pool = Pool()
        DeskPayment = pool.get('therapy.desk.payment')
        ClaimLine = pool.get('therapy.claim.line')
        Charge = pool.get('therapy.charge')
        cursor = Transaction().connection.cursor()
        line = ClaimLine.__table__()
        charge = Charge.__table__()
        by_id = {c.id: c for c in claims}
        claims_of = defaultdict(set)
        for chunk in slices(list(by_id)):
            cursor.execute(*line.join(charge,
                    condition=line.charge == charge.id).select(
                    line.claim, charge.appointment,
                    where=SQL_OPERATORS['in'](line.claim, chunk)
                    & (charge.appointment != Null)))
            for claim_id, appointment in cursor:
                claims_of[appointment, guarantor_of[claim_id]].add(
                    by_id[claim_id])
        found = set()
        for chunk in slices(list({v for v, _ in claims_of})):
            for row in DeskPayment.search_read([
                        ('appointment', 'in', chunk),
                        ], fields_names=['appointment', 'party']):
                found |= claims_of.get((row['appointment'], row['party']),
                    set())
        return found

    @classmethod
    def reconcile_transfers(cls, claims):
        """Reconcile the responsibility transfer lines of each primary
        claim and its secondaries once they net to zero: what is left open
        there waits to be billed onward"""
        pool = Pool()
        MoveLine = pool.get('account.move.line')
        Move = pool.get('account.move')
        Configuration = pool.get('therapy.configuration')
        cursor = Transaction().connection.cursor()
        move_line = MoveLine.__table__()
        move = Move.__table__()
        Line = pool.get('therapy.claim.line')
        claim = cls.__table__()
        claim_line = Line.__table__()
        # rows: a remittance settles thousands of claims at once, and
        # their records' secondary claims and lines cost more to read
        # than the reconciliations
        roots = set()
        for chunk in slices([c.id for c in claims]):
            cursor.execute(*claim.select(
                    Coalesce(claim.primary_claim, claim.id),
                    where=SQL_OPERATORS['in'](claim.id, chunk)))
            roots.update(r for r, in cursor)
        # {company: {root claim: its and its secondaries' line origins}}
        by_company = defaultdict(lambda: defaultdict(list))
        for chunk in slices(sorted(roots)):
            cursor.execute(*claim_line.join(claim,
                    condition=claim_line.claim == claim.id).select(
                    claim.company, claim_line.id,
                    Coalesce(claim.primary_claim, claim.id),
                    where=SQL_OPERATORS['in'](claim.id, chunk)
                    | SQL_OPERATORS['in'](claim.primary_claim, chunk)))
            for company, line_id, root in cursor:
                by_company[company][root].append(
                    f'{Line.__name__},{line_id}')
        # one search per company and slice of roots (a root's lines net
        # to zero together), one reconcile for all
        to_reconcile = []
        for company, origins in by_company.items():
            account = Configuration(1).get_multivalue(
                'transfer_account', company=company)
            for chunk in slices(sorted(origins)):
                root_of = {o: root for root in chunk for o in origins[root]}
                # rows: thousands of ledger lines a remittance
                found = defaultdict(list)
                cursor.execute(*move_line.join(move,
                        condition=move_line.move == move.id).select(
                        move_line.id, move_line.origin, move_line.debit,
                        move_line.credit,
                        where=(move_line.account
                            == (account.id if account else -1))
                        & SQL_OPERATORS['in'](
                            move_line.origin, list(root_of))
                        & (move_line.reconciliation == Null)
                        & (move.state == 'posted')))
                for line_id, origin, debit, credit in cursor:
                    found[root_of[origin]].append((line_id, debit - credit))
                to_reconcile += [[i for i, _ in lines]
                    for lines in found.values()
                    if lines and not sum((a for _, a in lines), Decimal(0))]
        if to_reconcile:
            # numbered in the lines' order, whatever order the rows came in
            reconcile(sorted(sorted(g) for g in to_reconcile))

    @classmethod
    def unreconcile_payer_invoices(cls, claims):
        """Open the reconciled payer invoices of claims again (a reversal
        took back the payment that paid them): posted again, their lines
        reconciled anew with the correction's once nothing is left to pay"""
        Reconciliation = Pool().get('account.move.reconciliation')
        reconciliations = {line.reconciliation
            for claim in claims if claim.payer_invoice
            for line in claim.payer_invoice.lines_to_pay
            if line.reconciliation}
        if reconciliations:
            Reconciliation.delete(list(reconciliations))

    @classmethod
    def reconcile_payer_invoices(cls, claims):
        """Reconcile a payer invoice with what the ledger took off it once
        nothing is left to pay (the invoice is then paid). The lines are
        read as rows, a query a slice of invoices: a remittance settles
        thousands of claims, and a record per line cost more than the
        reconciliations themselves"""
        pool = Pool()
        Invoice = pool.get('account.invoice')
        InvoiceLine = pool.get('account.invoice.line')
        MoveLine = pool.get('account.move.line')
        Move = pool.get('account.move')
        Line = pool.get('therapy.claim.line')
        cursor = Transaction().connection.cursor()
        invoice = Invoice.__table__()
        claim = cls.__table__()
        # paid too: a reversal opened it again, and its state follows
        # the reconciliations only once the queue has processed it
        heads = {}
        for chunk in slices([c.id for c in claims]):
            cursor.execute(*claim.join(invoice,
                    condition=claim.payer_invoice == invoice.id
                    ).select(invoice.id, invoice.account, invoice.party,
                    where=SQL_OPERATORS['in'](claim.id, chunk)
                    & invoice.state.in_(['posted', 'paid'])))
            heads.update((i, (a, p)) for i, a, p in cursor)
        claim_line = Line.__table__()
        invoice_line = InvoiceLine.__table__()
        move_line = MoveLine.__table__()
        move = Move.__table__()
        to_reconcile = []
        for chunk in slices(list(heads)):
            found = defaultdict(list)
            query = Invoice._query_lines_to_pay(chunk)
            cursor.execute(*query.join(move_line,
                    condition=query.line == move_line.id).select(
                    query.invoice, move_line.id, move_line.debit,
                    move_line.credit, where=query.reconciliation == Null))
            for invoice_id, line_id, debit, credit in cursor:
                found[invoice_id].append((line_id, debit - credit))
            cursor.execute(*claim_line.join(invoice_line,
                    condition=claim_line.invoice_line == invoice_line.id
                    ).select(claim_line.id, invoice_line.invoice,
                    where=SQL_OPERATORS['in'](invoice_line.invoice, chunk)))
            invoice_of = {f'{Line.__name__},{l}': i for l, i in cursor}
            for origins in slices(list(invoice_of)):
                cursor.execute(*move_line.join(move,
                        condition=move_line.move == move.id).select(
                        move_line.id, move_line.origin, move_line.account,
                        move_line.party, move_line.debit, move_line.credit,
                        where=SQL_OPERATORS['in'](move_line.origin, origins)
                        & (move_line.reconciliation == Null)
                        & (move.state == 'posted')))
                for line_id, origin, account, party, debit, credit in cursor:
                    invoice_id = invoice_of[origin]
                    if heads[invoice_id] == (account, party):
                        found[invoice_id].append((line_id, debit - credit))
            to_reconcile += [[l for l, _ in found[i]] for i in sorted(found)
                if found[i] and not sum((a for _, a in found[i]), Decimal(0))]
        if to_reconcile:
            reconcile(to_reconcile)

    @classmethod
    def follow_client_share(cls, claims, reopen=False):
        """A paid claim is closed once the client's share is settled too
        (none was named, or its invoices are paid or credited): both the
        payer's and the patient's balances are 0 (REVENUE-CYCLE.md). With
        reopen, a claim closed so whose share invoice is open again (a
        client payment taken back) is paid again, with the payer settled
        but the client not"""
        pool = Pool()
        InvoiceLine = pool.get('account.invoice.line')
        Invoice = pool.get('account.invoice')
        Line = pool.get('therapy.claim.line')
        cursor = Transaction().connection.cursor()
        claim_line = Line.__table__()
        invoice_line = InvoiceLine.__table__()
        invoice = Invoice.__table__()
        Client = pool.get('therapy.client')
        claim_table = cls.__table__()
        # the states as rows: the claims' records were read again for it
        state_of = {}
        for chunk in slices([c.id for c in claims]):
            cursor.execute(*claim_table.select(
                    claim_table.id, claim_table.state,
                    where=SQL_OPERATORS['in'](claim_table.id, chunk)))
            state_of.update(cursor)
        claims = [c for c in claims if state_of[c.id] == 'paid'
            or (reopen and state_of[c.id] == 'closed')]
        owing = set()
        # rows: a remittance settles thousands of claims
        for chunk in slices(claims):
            by_id = {c.id: c for c in chunk}
            cursor.execute(*claim_line.join(claim_table,
                    condition=claim_line.claim == claim_table.id).select(
                    claim_line.id, claim_line.claim, claim_table.client,
                    where=SQL_OPERATORS['in'](claim_line.claim, list(by_id))))
            claim_of, client_of = {}, {}
            for line_id, claim_id, client_id in cursor:
                claim_of[f'{Line.__name__},{line_id}'] = by_id[claim_id]
                client_of[claim_id] = client_id
            guarantors = Client.guarantors(set(client_of.values()))
            for origins in slices(list(claim_of)):
                cursor.execute(*invoice_line.join(invoice,
                        condition=invoice_line.invoice == invoice.id
                        ).select(invoice_line.origin, invoice.party,
                        where=SQL_OPERATORS['in'](
                            invoice_line.origin, origins)
                        & (invoice.type == 'out')
                        & invoice.state.in_(
                            ['draft', 'validated', 'posted'])))
                for origin, party in cursor.fetchall():
                    claim = claim_of[origin]
                    if party == guarantors[client_of[claim.id]]:
                        owing.add(claim)
        settled = [c for c in claims
            if state_of[c.id] == 'paid' and c not in owing]
        if settled:
            cls.close_settled(settled)
        owed = [c for c in claims if state_of[c.id] == 'closed'
            and c in owing
            and sum(l.payer_balance for l in c.lines if l.active) <= 0]
        if owed:
            cls.write(owed, {'state': 'paid'})
            cls.log_events(owed, 'paid',
                gettext('therapy_billing.msg_claim_client_share_open'))
