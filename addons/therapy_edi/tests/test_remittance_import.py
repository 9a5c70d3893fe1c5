"""835 files imported and posted with no manual step (issue 12): a file
the payer could send for the practice's claim, written by the codec and
read back by the real import, then the ledger invariants; and the files
that are refused whole."""
import datetime as dt
import os
import tempfile
import unittest
from decimal import Decimal as D

from trytond.exceptions import UserError
from trytond.modules.company.tests import create_company, set_company
from trytond.pool import Pool
from trytond.tests.test_tryton import activate_module, with_transaction

from therapy_billing import ledger_invariants
from therapy_billing.tests.test_ledger import LedgerPractice
from therapy_edi.claim_data import primary_adjudications
from therapy_edi.x12 import (
    Adjustment, ClaimPayment, Entity, Envelope, ProviderAdjustment,
    Remittance, ServicePayment, write_835)

CREATED = dt.datetime(2026, 11, 30, 9, 15)


def era(practice, trace, claims, offsets=(), isa13=1, payer_id='HHP01',
        payee_npi='1234567893'):
    "The text of an 835 paying claims [ClaimPayment] with PLB offsets"
    paid = sum((c.paid for c in claims), D(0))
    plb = [ProviderAdjustment('1234567893', dt.date(2026, 12, 31), 0,
            list(offsets))] if offsets else []
    net = paid - sum((a for _, _, a in offsets), D(0))
    remittance = Remittance('0001', '005010X221A1', 0, handling='I',
        payment_amount=abs(net), credit_debit='D' if net < 0 else 'C',
        payment_method='ACH',
        payment_date=dt.date.today(), check_number=trace,
        payer_identifier='1512345678',
        payer=Entity("HARBOR HEALTH", references={'2U': payer_id}),
        payee=Entity("PRACTICE", id_qualifier='XX', id=payee_npi),
        claims=claims, provider_adjustments=plb)
    envelope = Envelope('HHP01', 'PRACTICE', isa13, isa13, created=CREATED)
    return write_835([remittance], envelope).encode('ascii')


def paid_claim(practice, paid=D(80), adjustments=None, status='1'):
    line = practice.line
    adjustments = adjustments or [Adjustment('CO', '45', D(45)),
        Adjustment('PR', '3', D(25))]
    return ClaimPayment(practice.claim.number, status, line.billed,
        paid, sum((a.amount for a in adjustments if a.group == 'PR'), D(0)),
        '12', 'HHP-ICN-1', 0, services=[ServicePayment('HC', '90834', (),
                line.billed, paid, 0, units=D(1),
                dates={'472': line.service_date}, adjustments=adjustments,
                references={'6R': line.control_number},
                amounts={'B6': line.billed - sum((a.amount
                                for a in adjustments if a.group == 'CO'),
                            D(0))})])


class RemittanceImportTestCase(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        activate_module('therapy_edi')

    def practice(self):
        pool = Pool()
        Address = pool.get('party.address')
        Identifier = pool.get('therapy.payer.identifier')
        practice = LedgerPractice()
        Address.create([{'party': practice.client.guarantor.id,
                    'street': "1 Elm St", 'city': "Salem"}])
        Identifier.create([{'payer': practice.payer.id,
                    'clearinghouse': "Availity", 'payer_id': 'HHP01'}])
        return practice

    def assert_ledger(self, practice):
        self.assertEqual(ledger_invariants.problems(practice.company), [])

    def add_medicaid(self, practice):
        "State Medicaid, the client's secondary coverage (payer ID MCD01)"
        pool = Pool()
        Party = pool.get('party.party')
        Payer = pool.get('therapy.payer')
        Coverage = pool.get('therapy.coverage')
        Identifier = pool.get('therapy.payer.identifier')
        party, = Party.create([{'name': "State Medicaid",
                    'addresses': [('create', [{}])]}])
        medicaid, = Payer.create([{'party': party.id}])
        Identifier.create([{'payer': medicaid.id,
                    'clearinghouse': "Availity", 'payer_id': 'MCD01'}])
        Coverage.create([{'client': practice.client.id,
                    'payer': medicaid.id, 'member_id': 'MC1',
                    'priority': '2',
                    'start_date': practice.coverage.start_date}])
        return medicaid

    @with_transaction()
    def test_era_posts_with_no_manual_step(self):
        """A paid claim (CO-45 written off, PR-3 billed to the guarantor),
        a claim we never sent (unapplied cash) and interest"""
        pool = Pool()
        EdiFile = pool.get('therapy.edi.file')
        Claim = pool.get('therapy.claim')
        ClaimLine = pool.get('therapy.claim.line')
        with set_company(create_company()):
            practice = self.practice()
            stranger = ClaimPayment('CLM-ELSEWHERE', '1', D(100), D(60),
                D(0), '12', 'HHP-ICN-9', 0,
                adjustments=[Adjustment('CO', '45', D(40))])
            data = era(practice, 'EFT100', [paid_claim(practice), stranger],
                offsets=[('L6', None, D('-1.25'))])
            edi_file = EdiFile.import_file(data, 'harbor.835',
                company=practice.company.id)
            self.assertEqual(edi_file.kind, '835')
            remittance, = edi_file.remittances
            self.assertEqual((remittance.trace_number, remittance.payer,
                    remittance.payment_amount, remittance.claims_matched,
                    remittance.claims_unmatched, remittance.unapplied,
                    remittance.state),
                ('EFT100', practice.payer, D('141.25'), 1, 1, D(60),
                    'posted'))
            self.assertEqual(remittance.move.state, 'posted')
            self.assertIn('CLM-ELSEWHERE', edi_file.file_log)
            claim = Claim(practice.claim.id)
            self.assertEqual((claim.state, claim.payer_claim_number),
                ('paid', 'HHP-ICN-1'))
            line = ClaimLine(practice.line.id)
            self.assertEqual((line.paid, line.co, line.pr, line.allowed,
                    line.payer_balance),
                (D(80), D(45), D(25), D(105), D(0)))
            self.assertEqual(edi_file.claims, (claim,))
            # the file in is an audit event, by its fingerprint
            event, = pool.get('therapy.audit.event').search([
                    ('event_code', '=', 'edi.import')])
            self.assertEqual(event.resource_ids, str(edi_file.id))
            self.assertIn(edi_file.sha256, event.detail)
            self.assert_ledger(practice)

    @with_transaction()
    def test_changed_procedure_matches_what_was_billed(self):
        """The payer paid 90832 for our 90834 and sent no REF*6R: SVC06
        (what we billed) finds our line, which is paid, not unapplied"""
        pool = Pool()
        EdiFile = pool.get('therapy.edi.file')
        ClaimLine = pool.get('therapy.claim.line')
        with set_company(create_company()):
            practice = self.practice()
            line = practice.line
            adjustments = [Adjustment('CO', '45', line.billed - D(60))]
            changed = ClaimPayment(practice.claim.number, '1', line.billed,
                D(60), D(0), '12', 'HHP-ICN-2', 0,
                services=[ServicePayment('HC', '90832', (), line.billed,
                        D(60), 0, units=D(1), original_procedure='90834',
                        original_units=D(1),
                        dates={'472': line.service_date},
                        adjustments=adjustments)])
            edi_file = EdiFile.import_file(
                era(practice, 'EFT101', [changed]), 'changed.835',
                company=practice.company.id)
            remittance, = edi_file.remittances
            service, = remittance.claims[0].lines
            self.assertEqual((service.procedure_code,
                    service.billed_procedure_code, service.claim_line),
                ('90832', '90834', ClaimLine(line.id)))
            self.assertEqual(remittance.unapplied, D(0))
            self.assertEqual(ClaimLine(line.id).paid, D(60))
            self.assert_ledger(practice)

    @with_transaction()
    def test_secondary_claim_carries_the_primary_answer(self):
        """The secondary claim drafted when the primary's 835 posts carries
        that answer into the 837P's COB loops: per line (2430) what it paid
        and adjusted, each line's charge = paid + adjustments (the COB
        balancing rule), and no claim-level CAS (2320) repeating them"""
        pool = Pool()
        EdiFile = pool.get('therapy.edi.file')
        Claim = pool.get('therapy.claim')
        with set_company(create_company()):
            practice = self.practice()
            self.add_medicaid(practice)
            answer = paid_claim(practice, paid=D(70), adjustments=[
                    Adjustment('CO', '45', D(40)),
                    Adjustment('PR', '2', D(15)),
                    Adjustment('PR', '3', D(25))])
            EdiFile.import_file(era(practice, 'EFT150', [answer]),
                'harbor.835', company=practice.company.id)
            secondary, = Claim(practice.claim.id).secondary_claims
            claim_level, adjudications = primary_adjudications(
                secondary, 'MCD01')
            self.assertEqual(claim_level, [])
            line, = secondary.lines
            adjudication, = adjudications[line.id]
            self.assertEqual((adjudication.payer_id, adjudication.paid,
                    adjudication.procedure, adjudication.units,
                    adjudication.date),
                ('MCD01', D(70), '90834', D(1), dt.date.today()))
            self.assertEqual(sorted((a.group, a.reason, a.amount)
                    for a in adjudication.adjustments),
                [('CO', '45', D(40)), ('PR', '2', D(15)),
                    ('PR', '3', D(25))])
            self.assertEqual(adjudication.paid + sum(
                    a.amount for a in adjudication.adjustments),
                line.billed)
            self.assert_ledger(practice)

    @with_transaction()
    def test_reversal_voids_the_unsent_secondary(self):
        """The primary takes its answer back and answers again: the
        secondary claim drafted from the first answer was never sent, so
        it is voided and the correction drafts the one to send"""
        pool = Pool()
        EdiFile = pool.get('therapy.edi.file')
        Claim = pool.get('therapy.claim')
        with set_company(create_company()):
            practice = self.practice()
            self.add_medicaid(practice)
            EdiFile.import_file(era(practice, 'EFT170',
                    [paid_claim(practice)]),
                'first.835', company=practice.company.id)
            first, = Claim(practice.claim.id).secondary_claims
            self.assertEqual(first.state, 'draft')

            reversal = paid_claim(practice, paid=D(-80), status='22',
                adjustments=[Adjustment('CO', '45', D(-45)),
                    Adjustment('PR', '3', D(-25))])
            reversal.charge = -reversal.charge
            service, = reversal.services
            service.charge = -service.charge
            service.amounts = {}
            correction = paid_claim(practice, paid=D(90), adjustments=[
                    Adjustment('CO', '45', D(40)),
                    Adjustment('PR', '3', D(20))])
            EdiFile.import_file(era(practice, 'EFT171',
                    [reversal, correction], isa13=2),
                'again.835', company=practice.company.id)
            claim = Claim(practice.claim.id)
            # the client's share went to the secondary: nothing left here
            self.assertEqual(claim.state, 'closed')
            voided = Claim(first.id)
            self.assertEqual(voided.state, 'voided')
            self.assertIn('took back', voided.events[-1].reason)
            drafted, = [c for c in claim.secondary_claims if c.active]
            self.assertEqual(drafted.state, 'draft')
            self.assertNotEqual(drafted, voided)
            self.assert_ledger(practice)

    @with_transaction()
    def test_crossover_is_submitted_not_sent(self):
        """CLP02 19: the primary forwarded the claim to Medicaid itself.
        The secondary claim is billed and submitted without a file (never
        among the claims to send), and Medicaid's 835, which names our
        primary claim's number, answers it"""
        pool = Pool()
        EdiFile = pool.get('therapy.edi.file')
        Claim = pool.get('therapy.claim')
        with set_company(create_company()):
            practice = self.practice()
            medicaid = self.add_medicaid(practice)
            forwarded = paid_claim(practice, status='19')
            forwarded.people['crossover'] = Entity("STATE MEDICAID")
            EdiFile.import_file(era(practice, 'EFT160', [forwarded]),
                'harbor.835', company=practice.company.id)
            secondary, = Claim(practice.claim.id).secondary_claims
            self.assertEqual((secondary.state, secondary.crossed_over,
                    secondary.payer_invoice.state),
                ('submitted', True, 'posted'))
            self.assertTrue(any('STATE MEDICAID' in (e.reason or '')
                    for e in secondary.events))
            self.assertEqual(Claim.search([('state', '=', 'ready')]), [])
            self.assert_ledger(practice)

            line = practice.line
            medicaid_answer = ClaimPayment(practice.claim.number, '2',
                line.billed, D(25), D(0), 'MC', 'MCD-ICN-1', 0,
                services=[ServicePayment('HC', '90834', (), line.billed,
                        D(25), 0, units=D(1),
                        dates={'472': line.service_date},
                        adjustments=[Adjustment('OA', '23', D(125))])])
            edi_file = EdiFile.import_file(era(practice, 'MCD160',
                    [medicaid_answer], payer_id='MCD01', isa13=2),
                'medicaid.835', company=practice.company.id)
            remittance, = edi_file.remittances
            self.assertEqual((remittance.payer, remittance.claims_matched),
                (medicaid, 1))
            self.assertEqual(remittance.claims[0].claim, secondary)
            self.assert_ledger(practice)

    @with_transaction()
    def test_a_debit_takes_money_back(self):
        """BPR03 = D: a recoupment (PLB WO 130) larger than what the payer
        paid (80): the remittance is -50 and posts balanced"""
        EdiFile = Pool().get('therapy.edi.file')
        with set_company(create_company()):
            practice = self.practice()
            data = era(practice, 'EFT150', [paid_claim(practice)],
                offsets=[('WO', 'HHP-ICN-0', D(130))])
            self.assertIn(b'BPR*I*50*D*', data)
            edi_file = EdiFile.import_file(data, 'debit.835',
                company=practice.company.id)
            remittance, = edi_file.remittances
            self.assertEqual((remittance.payment_amount, remittance.state),
                (D(-50), 'posted'))
            self.assert_ledger(practice)

    @with_transaction()
    def test_interest_and_provider_adjustments_post_by_rule(self):
        """AMT*I interest inside a claim's payment goes to interest income,
        not onto the line; each PLB posts to its rule's account, else its
        default (FB, WO through payer credit), else waits on unapplied cash
        for review; a WO names its claim and an FB pairs with the one it
        settles in a later file"""
        pool = Pool()
        EdiFile = pool.get('therapy.edi.file')
        Configuration = pool.get('therapy.configuration')
        Rule = pool.get('therapy.plb.rule')
        Claim = pool.get('therapy.claim')
        ClaimLine = pool.get('therapy.claim.line')
        MoveLine = pool.get('account.move.line')
        with set_company(create_company()):
            practice = self.practice()
            company = practice.company
            account = lambda name: Configuration(1).billing_account(
                name, company)
            Rule.create([{'reason': '72',
                        'account': account('write_off_account').id}])
            answer = paid_claim(practice)
            answer.paid += D('2.50')
            answer.amounts['I'] = D('2.50')
            edi_file = EdiFile.import_file(era(practice, 'EFT160', [answer],
                    offsets=[('72', 'RET-9', D(10)), ('CS', None, D(5)),
                        ('FB', 'FWD-1', D(-30)),
                        ('WO', practice.claim.number, D('0.50'))]),
                'first.835', company=company.id)
            remittance, = edi_file.remittances
            self.assertEqual(remittance.claims[0].interest, D('2.50'))
            line = ClaimLine(practice.line.id)
            self.assertEqual((line.paid, line.payer_balance,
                    Claim(practice.claim.id).state),
                (D(80), D(0), 'paid'))
            interest, = MoveLine.search([('move', '=', remittance.move.id),
                    ('account', '=', account('interest_account').id)])
            self.assertEqual(interest.credit, D('2.50'))
            by_reason = {o.reason: o for o in remittance.provider_adjustments}
            self.assertEqual({r: o.account for r, o in by_reason.items()}, {
                    '72': account('write_off_account'),
                    'CS': account('unapplied_cash_account'),
                    'FB': account('payer_credit_account'),
                    'WO': account('payer_credit_account'),
                    })
            self.assertEqual(by_reason['WO'].claim, practice.claim)
            # each adjustment its own two lines (ledger_sql.merge_rows
            # keeps them apart): a forwarding balance is paired with its
            # opposite, line with line
            self.assertEqual(len([l for l in remittance.move.lines
                        if l.origin == remittance]), 8)
            self.assertIsNone(by_reason['72'].claim)
            self.assertIn('Provider adjustment CS', remittance.posting_log)
            self.assertNotIn('adjustment 72', remittance.posting_log)
            self.assertNotIn('overpaid', remittance.posting_log.lower())

            # the next file withholds the balance forwarded ahead
            edi_file = EdiFile.import_file(era(practice, 'EFT161', [],
                    offsets=[('FB', 'FWD-1', D(30)), ('L6', None, D(-40))],
                    isa13=2), 'second.835', company=company.id)
            later, = edi_file.remittances
            self.assertEqual(later.payment_amount, D(10))
            withheld = {o.reason: o for o in later.provider_adjustments}['FB']
            self.assertEqual(withheld.paired, by_reason['FB'])
            self.assertEqual(type(withheld)(by_reason['FB'].id).paired,
                withheld)
            self.assert_ledger(practice)

    @with_transaction()
    def test_refused_files_import_nothing(self):
        """The same file, the same trace number in another file, a
        truncated file, an unbalanced one and one paying another practice
        are refused whole"""
        pool = Pool()
        EdiFile = pool.get('therapy.edi.file')
        Remittance = pool.get('therapy.remittance')
        with set_company(create_company()):
            practice = self.practice()
            practice.company.billing_npi = '1234567893'
            practice.company.save()
            data = era(practice, 'EFT200', [paid_claim(practice)])
            EdiFile.import_file(data, 'first.835',
                company=practice.company.id)
            unbalanced = data.replace(b'BPR*I*80*', b'BPR*I*85*')
            self.assertNotEqual(unbalanced, data)
            for bad, message in [
                    (data, 'already'),
                    (era(practice, 'EFT200', [paid_claim(practice)],
                            isa13=2), 'trace number EFT200'),
                    (data[:len(data) // 2], 'not a readable X12 file'),
                    (unbalanced, 'does not balance'),
                    (era(practice, 'EFT201', [paid_claim(practice)],
                            isa13=3, payee_npi='1987654326'),
                        'NPI 1987654326, not this practice'),
                    ]:
                with self.subTest(message=message):
                    with self.assertRaises(UserError) as raised:
                        EdiFile.import_file(bad, 'again.835',
                            company=practice.company.id)
                    self.assertIn(message, raised.exception.message)
            self.assertEqual(len(Remittance.search([])), 1)
            self.assertEqual(len(EdiFile.search([])), 1)
            self.assert_ledger(practice)

    @with_transaction()
    def test_payer_named_by_its_claims_or_refused(self):
        """An 835 whose payer IDs we do not know is the payer of the
        claims it answers; with none of ours it is refused"""
        pool = Pool()
        EdiFile = pool.get('therapy.edi.file')
        with set_company(create_company()):
            practice = self.practice()
            edi_file = EdiFile.import_file(era(practice, 'EFT300',
                    [paid_claim(practice)], payer_id='OTHER'), 'a.835',
                company=practice.company.id)
            self.assertEqual(edi_file.remittances[0].payer, practice.payer)
            stranger = ClaimPayment('CLM-ELSEWHERE', '1', D(100), D(100),
                D(0), '12', 'X', 0)
            with self.assertRaises(UserError) as raised:
                EdiFile.import_file(era(practice, 'EFT301', [stranger],
                        payer_id='OTHER', isa13=2), 'b.835',
                    company=practice.company.id)
            self.assertIn('payer we cannot find', raised.exception.message)
            self.assert_ledger(practice)

    @with_transaction()
    def test_inbound_folder_takes_each_file_on_its_own(self):
        """A refused file in the inbound folder is archived as refused with
        its reason and changes nothing; the files after it are read; the
        next fetch skips it; Retry reads it once its cause is mended"""
        pool = Pool()
        Clearinghouse = pool.get('therapy.clearinghouse')
        EdiFile = pool.get('therapy.edi.file')
        Event = pool.get('therapy.audit.event')
        Identifier = pool.get('therapy.payer.identifier')
        Remittance = pool.get('therapy.remittance')
        with set_company(create_company()), \
                tempfile.TemporaryDirectory() as folder:
            practice = self.practice()
            house, = Clearinghouse.create([{
                        'name': "Test House", 'submitter_id': 'SUB1',
                        'submitter_name': "Practice",
                        'contact_name': "Billing",
                        'contact_phone': '212-555-0100',
                        'receiver_id': 'RCV1', 'receiver_name': "House",
                        'outbound_folder': os.path.join(folder, 'out'),
                        'inbound_folder': folder}])
            stranger = ClaimPayment('CLM-ELSEWHERE', '1', D(100), D(100),
                D(0), '12', 'X', 0)
            odd_status = paid_claim(practice, status='99')
            files = {
                # refused after its remittance was written: rolled back
                'a-status.835': era(practice, 'EFT400', [odd_status]),
                'b-payer.835': era(practice, 'EFT401', [stranger],
                    payer_id='NEWPAYER', isa13=2),
                'c-cut.835': era(practice, 'EFT402',
                    [paid_claim(practice)], isa13=3)[:200],
                'd-good.835': era(practice, 'EFT403',
                    [paid_claim(practice)], isa13=4),
                }
            for name, data in files.items():
                with open(os.path.join(folder, name), 'wb') as file:
                    file.write(data)

            read = EdiFile.import_folder(house)
            self.assertEqual([(f.name, f.state, f.kind) for f in read], [
                    ('a-status.835', 'refused', '835'),
                    ('b-payer.835', 'refused', '835'),
                    ('c-cut.835', 'refused', '835'),
                    ('d-good.835', 'imported', '835'),
                    ])
            status, payer, cut, good = read
            self.assertIn('99', status.file_log)
            self.assertIn('payer we cannot find', payer.file_log)
            self.assertIn('not a readable X12 file', cut.file_log)
            remittance, = Remittance.search([])
            self.assertEqual(remittance.trace_number, 'EFT403')
            self.assertEqual(remittance.edi_file, good)
            self.assertEqual([e.outcome for e in Event.search([
                            ('event_code', '=', 'edi.import')],
                        order=[('seq', 'ASC')])], ['4', '4', '4', '0'])
            self.assert_ledger(practice)

            self.assertEqual(EdiFile.import_folder(house), [])

            # the payer's ID was missing: added, the file is read again
            Identifier.create([{'payer': practice.payer.id,
                        'clearinghouse': "Test House",
                        'payer_id': 'NEWPAYER'}])
            EdiFile.retry([payer])
            self.assertEqual(payer.state, 'imported')
            self.assertIn('EFT401', payer.file_log)
            again, = Remittance.search([('trace_number', '=', 'EFT401')])
            self.assertEqual((again.edi_file, again.unapplied),
                (payer, D(100)))
            # still malformed: the error says so, the record stays refused
            with self.assertRaises(UserError) as raised:
                EdiFile.retry([cut])
            self.assertIn('not a readable X12 file', raised.exception.message)
            self.assertEqual(EdiFile(cut.id).state, 'refused')
            self.assertEqual(len(EdiFile.search([])), 4)
            self.assert_ledger(practice)
