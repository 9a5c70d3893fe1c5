"""The front desk's money and insurance: New Client with insurance and
sliding scale in one go, coverage verification, what check-in shows, and
the late-cancellation fee with the owner's waiver."""
import datetime as dt
import unittest
from decimal import Decimal

from trytond.exceptions import UserError
from trytond.model.exceptions import AccessError
from trytond.model.modelview import AccessButtonError
from trytond.modules.company.tests import create_company, set_company
from trytond.pool import Pool
from trytond.tests.test_tryton import activate_module, with_transaction
from trytond.transaction import Transaction

from therapy_scheduling.tests.fixtures import (
    Practice, as_user, create_client, create_clinician, create_location,
    create_service, create_user, day_at, run_new_client)

from .fixtures import BillingPractice

# the smallest file the attachment allow-list takes for a picture
PNG = b'\x89PNG\r\n\x1a\n' + b'\x00' * 32

DESK = 'therapy_scheduling.group_front_desk'
BILLER = 'therapy_scheduling.group_biller'
OWNER = 'therapy_scheduling.group_owner'


def commercial_payer(name="Harbor Health"):
    pool = Pool()
    Party = pool.get('party.party')
    Payer = pool.get('therapy.payer')
    party, = Party.create([{'name': name}])
    payer, = Payer.create([{'party': party.id, 'filing_indicator': 'CI'}])
    return payer


class FrontDeskTestCase(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        activate_module('therapy_billing')

    @with_transaction()
    def test_new_client_with_insurance_in_one_go(self):
        pool = Pool()
        Attachment = pool.get('ir.attachment')
        with set_company(create_company()):
            create_location()
            payer = commercial_payer()
            desk = create_user('fd_desk', [DESK])
            with as_user(desk):
                client = run_new_client({
                        'first_name': "Noor", 'last_name': "Haddad",
                        'birth_date': dt.date(1988, 2, 14),
                        'phone': "718 555 0101",
                        'payer': payer.id, 'member_id': " HH123 ",
                        'group_number': "G-9", 'copay': Decimal(25),
                        'card_front': PNG,
                        'card_front_name': 'card.png',
                        'household_size': 3,
                        'annual_income': Decimal(41000),
                        })
                coverage, = client.coverages if hasattr(
                    client, 'coverages') else pool.get(
                    'therapy.coverage').search([('client', '=', client.id)])
                self.assertEqual(
                    (coverage.payer, coverage.member_id,
                        coverage.group_number, coverage.copay,
                        coverage.relationship, coverage.verified),
                    (payer, "HH123", "G-9", Decimal(25), '18', False))
                scale, = pool.get('therapy.sliding.scale').search(
                    [('client', '=', client.id)])
                self.assertEqual(
                    (scale.household_size, scale.annual_income),
                    (3, Decimal(41000)))
            attachment, = Attachment.search([])
            self.assertEqual(
                (attachment.resource, attachment.name, attachment.data),
                (coverage, 'card.png', PNG))

    @with_transaction()
    def test_insurance_errors_create_nothing(self):
        pool = Pool()
        Client = pool.get('therapy.client')
        Party = pool.get('party.party')
        Coverage = pool.get('therapy.coverage')
        with set_company(create_company()):
            payer = commercial_payer()

            def counts():
                return (Party.search([], count=True),
                    Client.search([], count=True),
                    Coverage.search([], count=True))
            before = counts()
            adult = {'first_name': "Jo", 'last_name': "Doe",
                'birth_date': dt.date(1990, 1, 1), 'payer': payer.id}
            for values, message in [
                    ({}, "member ID"),
                    ({'member_id': "X1", 'relationship': '19'},
                        "subscriber"),
                    ({'member_id': "X1", 'household_size': 2,
                            'annual_income': None}, "household income"),
                    ]:
                with self.subTest(message=message):
                    with self.assertRaisesRegex(UserError, message):
                        run_new_client({**adult, **values})
            self.assertEqual(counts(), before)

    @with_transaction()
    def test_biller_verifies_coverage(self):
        pool = Pool()
        Coverage = pool.get('therapy.coverage')
        with set_company(create_company()):
            practice = BillingPractice()
            desk = create_user('fd_desk', [DESK])
            biller = create_user('fd_biller', [BILLER])
            coverage = practice.coverage
            self.assertFalse(coverage.verified)
            with as_user(desk):
                with self.assertRaises(AccessButtonError):
                    Coverage.verify([coverage])
                with self.assertRaisesRegex(AccessError, "Verify button"):
                    Coverage.write([coverage], {
                            'verified_at': dt.datetime.now()})
            with as_user(biller):
                Coverage.verify([coverage])
            coverage = Coverage(coverage.id)
            self.assertEqual(
                (coverage.verified, coverage.verified_by), (True, biller))
            self.assertEqual(
                Coverage.search([('verified', '=', True)]), [coverage])
            # a new member ID must be checked again
            with as_user(desk):
                Coverage.write([coverage], {'copay': Decimal(10)})
                self.assertTrue(Coverage(coverage.id).verified)
                Coverage.write([coverage], {'member_id': "M2"})
            coverage = Coverage(coverage.id)
            self.assertEqual(
                (coverage.verified, coverage.verified_by), (False, None))

    @with_transaction()
    def test_check_in_shows_what_is_due(self):
        pool = Pool()
        Appointment = pool.get('therapy.appointment')
        Coverage = pool.get('therapy.coverage')
        CheckIn = pool.get('therapy.appointment.check_in', type='wizard')
        with set_company(create_company()):
            practice = BillingPractice()
            payer = commercial_payer()
            talk = create_service()
            dana = create_clinician("Dana")
            insured = create_client("Ivy Insured")
            uncovered = create_client("Uma Uncovered")
            Coverage.create([{
                        'client': insured.id, 'payer': payer.id,
                        'member_id': 'C1', 'copay': Decimal(30),
                        'start_date': dt.date.today()
                        - dt.timedelta(days=10)}])
            Coverage.verify(Coverage.search([('client', '=', insured.id)]))
            sessions = [practice.book(day_at(2, 15 + i), c, dana, talk)
                for i, c in enumerate([insured, uncovered])]
            aba = practice.book(day_at(3))
            # booked under the authorization, which was then cut short
            late_aba = practice.book(day_at(10))
            pool.get('therapy.authorization').write(
                [practice.authorization],
                {'end_date': dt.date.today() + dt.timedelta(days=5)})
            rows = Appointment.read(
                [a.id for a in sessions + [aba, late_aba]],
                ['copay_due', 'eligibility', 'eligibility_problem'])
            self.assertEqual(
                [(r['copay_due'], r['eligibility'], r['eligibility_problem'])
                    for r in rows], [
                    (Decimal(30), "Harbor Health: verified", False),
                    (Decimal(0), "No coverage in effect", True),
                    (Decimal(0), "State Medicaid: not verified", True),
                    (Decimal(0), "State Medicaid: not verified, "
                        "no authorization", True),
                    ])

            session_id, _, _ = CheckIn.create()
            insured_session = sessions[0]
            with Transaction().set_context(
                    active_model='therapy.appointment',
                    active_id=insured_session.id,
                    active_ids=[insured_session.id]):
                result = CheckIn.execute(session_id, {}, 'start')
                shown = result['view']['defaults']
                self.assertEqual(
                    (shown['copay_due'], shown['eligibility']),
                    (Decimal(30), "Harbor Health: verified"))
                result = CheckIn.execute(session_id, {'start': {
                            k: v for k, v in shown.items()
                            if not k.endswith('.')}}, 'arrive_collect')
            CheckIn.delete(session_id)
            self.assertEqual(insured_session.state, 'arrived')
            # on to the Collect Copay wizard for this appointment
            (action, data), = result['actions']
            self.assertEqual(
                (action['wiz_name'], data['ids']),
                ('therapy.appointment.collect_copay', [insured_session.id]))

    @with_transaction()
    def test_day_sheet_self_pay_fees(self):
        "A list's copay column is each visit's own, read for all at once"
        pool = Pool()
        Appointment = pool.get('therapy.appointment')
        Fee = pool.get('therapy.fee')
        Tier = pool.get('therapy.sliding.tier')
        Scale = pool.get('therapy.sliding.scale')
        with set_company(create_company()):
            practice = Practice()
            practice.clinician = create_clinician("Dana")
            talk, walk = create_service(), create_service('90837', "Long")
            today = dt.date.today()
            Fee.create([{'service': s.id, 'amount': Decimal(a),
                        'start_date': today - dt.timedelta(days=365)}
                    for s, a in [(talk, 150), (walk, 180)]])
            Tier.create([{'name': n, 'max_percent': m, 'fee': Decimal(f)}
                    for n, m, f in [("Low", Decimal(150), 40),
                        ("Middle", Decimal(250), 200),
                        ("High", None, 150)]])
            low, high, lapsed, none = clients = [create_client(n)
                for n in ["Lia Low", "Max Middle", "Lou Lapsed", "Nia None"]]
            Scale.create([{'client': c.id, 'household_size': 3,
                        'annual_income': Decimal(i),
                        'evidence_date': today - dt.timedelta(days=d),
                        'review_due': today + dt.timedelta(days=r)}
                    for c, i, d, r in [(low, 30000, 20, 300),
                        (high, 50000, 20, 300), (lapsed, 30000, 60, -5)]])
            visits = [practice.book(day_at(1, 9 + i), c, service=s)
                for i, (c, s) in enumerate([(low, talk), (high, talk),
                        (lapsed, talk), (none, talk), (low, walk)])]
            rows = Appointment.read([v.id for v in visits], ['copay_due'])
            expected = [Decimal(40), Decimal(150), Decimal(150),
                Decimal(150), Decimal(40)]
            self.assertEqual([r['copay_due'] for r in rows], expected)
            self.assertEqual(
                [Appointment(v.id).expected_at_desk() for v in visits],
                expected)
            self.assertEqual(
                [Scale.latest(c, today) for c in clients],
                [*Scale.search([('client', 'in', [c.id for c in clients])],
                        order=[('client', 'ASC')]), None])

    @with_transaction()
    def test_late_cancel_fee_and_waiver(self):
        pool = Pool()
        Appointment = pool.get('therapy.appointment')
        Charge = pool.get('therapy.charge')
        Configuration = pool.get('therapy.configuration')
        Cancel = pool.get('therapy.appointment.cancel', type='wizard')
        with set_company(create_company()):
            Configuration.write([Configuration(1)], {
                    'late_cancel_fee': Decimal(50)})
            location = create_location()
            dana = create_clinician("Dana")
            talk = create_service()
            desk = create_user('fd_desk', [DESK])
            owner = create_user('fd_owner', [OWNER])
            soon = dt.datetime.now().replace(microsecond=0) + dt.timedelta(
                hours=3)
            first, second = Appointment.create([{
                        'client': create_client(name).id,
                        'clinician': dana.id, 'location': location.id,
                        'service': talk.id,
                        'start': soon + i * dt.timedelta(hours=1),
                        'end': soon + i * dt.timedelta(hours=1)
                        + talk.duration,
                        } for i, name in enumerate(["Al Late", "Bo Late"])])

            def cancel(appointment, user, **values):
                session_id, _, _ = Cancel.create()
                company = Transaction().context['company']
                try:
                    with as_user(user), Transaction().set_context(
                            company=company, companies=[company],
                            active_model='therapy.appointment',
                            active_id=appointment.id,
                            active_ids=[appointment.id]):
                        shown = Cancel.execute(
                            session_id, {}, 'start')['view']['defaults']
                        form = {'cancelled_by': 'client',
                            'reason': 'illness', 'note': None,
                            'late': shown['late'], 'fee': shown['fee'],
                            'may_waive': shown['may_waive'],
                            'waive': False, 'waiver_reason': None,
                            **values}
                        Cancel.execute(session_id, {'start': form}, 'cancel')
                finally:
                    Cancel.delete(session_id)
                return shown

            # the front desk sees the fee, may not waive it
            with self.assertRaisesRegex(AccessError, "Only the practice owner"):
                cancel(first, desk, waive=True, waiver_reason="Flu")
            self.assertEqual(first.state, 'scheduled')
            shown = cancel(first, desk)
            self.assertEqual(
                (shown['late'], shown['fee'], shown['may_waive']),
                (True, Decimal(50), False))
            charge, = Charge.search([('appointment', '=', first.id)])
            self.assertEqual((charge.kind, charge.amount),
                ('late_cancel', Decimal(50)))

            # the owner waives it, with who and why kept
            with self.assertRaisesRegex(UserError, "Say why"):
                cancel(second, owner, waive=True, waiver_reason=" ")
            shown = cancel(second, owner, waive=True,
                waiver_reason="Hospitalized")
            self.assertTrue(shown['may_waive'])
            second = Appointment(second.id)
            self.assertEqual(
                (second.state, second.late_cancellation,
                    second.late_fee_waived_by,
                    second.late_fee_waiver_reason),
                ('cancelled', True, owner, "Hospitalized"))
            self.assertEqual(
                Charge.search([('appointment', '=', second.id)]), [])
            # and nobody types a waiver over RPC
            with as_user(owner):
                with self.assertRaisesRegex(AccessError, "not typed"):
                    Appointment.write([first], {
                            'late_fee_waiver_reason': "later"})
