"""Portal booking, requests, rescheduling and the waitlist (issue 14).

One committing route test class: its tests share the database, so each
books its own times (the first free one left) and its own clients."""
import datetime as dt
import re
from decimal import Decimal

from trytond.modules.company.tests import create_company, set_company
from trytond.pool import Pool
from trytond.tests.test_tryton import RouteTestCase, with_transaction
from trytond.transaction import Transaction

from therapy_scheduling.tests.fixtures import (
    Practice, as_user, create_availability, create_clinician, create_client,
    create_service, create_user, day_at)

from therapy_scheduling.tests.outbox import OutboxMixin

from .test_module import PASSWORD

SLOT = re.compile(r'name="slot" id="slot-[^"]*" value="([^"]+)"')


class PortalBookingRouteTestCase(OutboxMixin, RouteTestCase):
    "Book, request, move and wait for a session in the client portal"
    module = 'therapy_portal'

    @classmethod
    def setUpDatabase(cls):
        pool = Pool()
        Party = pool.get('party.party')
        Client = pool.get('therapy.client')
        WebUser = pool.get('web.user')
        cls.set_cancellation_policy()
        company = create_company()
        cls.company_id = company.id
        with set_company(company):
            practice = Practice("Harbor Street")
            dana = create_clinician(
                "Dana Lopez", therapy_locations=[practice.location])
            # every day 9 to 5 at the location: free times whatever today is
            for weekday in range(7):
                create_availability(dana, practice.location, weekday,
                    dt.time(9), dt.time(17))
            instant = create_service(portal_booking='instant')
            asked = create_service('90837', "Psychotherapy, 60 minutes", 60,
                portal_booking='request')
            create_service('90832', "Psychotherapy, 30 minutes", 30)
            parent, bob_party = Party.create([
                    {'name': "Pat Parent"}, {'name': "Bob Other"}])
            annie = create_client("Ann Client", primary_clinician=dana.id,
                birth_date=dt.date(2015, 5, 1),
                guardians=[('create', [{'party': parent.id}])])
            bobby, = Client.create([{'party': bob_party.id,
                        'primary_clinician': dana.id}])
            WebUser.create([
                    {'email': 'pat@example.com', 'password': PASSWORD,
                        'party': parent.id},
                    {'email': 'bob@example.com', 'password': PASSWORD,
                        'party': bob_party.id}])
            practice.clinician = dana
            practice.service = instant
            # inside the late window; later on; Bob's
            practice.book(day_at(1, 15), annie)
            practice.book(day_at(6, 15), annie)
            practice.book(day_at(2, 15), bobby)
            create_user('desk', ['therapy_scheduling.group_front_desk'])
            riley, aba = cls.uncovered_aba(practice)
            cls.ids = {'annie': annie.id, 'bobby': bobby.id,
                'instant': instant.id, 'request': asked.id,
                'riley': riley.id, 'aba': aba.id}

    @classmethod
    def uncovered_aba(cls, practice):
        """Riley (riley@example.com), whose payer requires an authorization
        for ABA, and has none"""
        pool = Pool()
        Party = pool.get('party.party')
        Payer = pool.get('therapy.payer')
        Coverage = pool.get('therapy.coverage')
        WebUser = pool.get('web.user')
        jamie = create_clinician("Jamie Fox", discipline='aba',
            therapy_locations=[practice.location])
        for weekday in range(7):
            create_availability(jamie, practice.location, weekday,
                dt.time(9), dt.time(17))
        aba = create_service('97153', "ABA treatment", 60, discipline='aba',
            timed=True, portal_booking='instant')
        riley = create_client("Riley Park", primary_clinician=jamie.id)
        WebUser.create([{'email': 'riley@example.com',
                    'password': PASSWORD, 'party': riley.party.id}])
        party, = Party.create([{'name': "State Medicaid"}])
        payer, = Payer.create([{
                    'party': party.id, 'filing_indicator': 'MC',
                    'service_rules': [('create', [{
                                    'service': aba.id,
                                    'authorization_required': True}])],
                    }])
        Coverage.create([{'client': riley.id, 'payer': payer.id,
                    'member_id': 'M1',
                    'start_date': dt.date.today() - dt.timedelta(days=30)}])
        return riley, aba

    @classmethod
    def set_cancellation_policy(cls):
        """A 72-hour window and a $50 late fee, written before the company
        exists, in a transaction of its own (see test_module.py)"""
        Configuration = Pool().get('therapy.configuration')
        with Transaction().new_transaction(
                _lock_tables=[Configuration._table]) as transaction:
            Configuration.write([Configuration(1)], {
                    'cancellation_window': dt.timedelta(hours=72),
                    'late_cancel_fee': Decimal('50.00'),
                    })
            transaction.commit()

    def login(self, email='pat@example.com'):
        client = self.client()
        response = client.post(f'/{self.db_name}/portal/login', data={
                'email': email, 'password': PASSWORD})
        self.assertEqual(response.status_code, 302)
        return client

    @property
    def base(self):
        return f'/{self.db_name}/portal'

    @with_transaction()
    def named(self, model, **domain):
        "Ids of the records of model matching domain"
        Model = Pool().get(model)
        return [r.id for r in Model.search(
                [(k, '=', v) for k, v in domain.items()])]

    @with_transaction()
    def appointments(self, client_key):
        "[(start, state, cancel reason)] of the client's appointments"
        Appointment = Pool().get('therapy.appointment')
        return sorted((a.start, a.state, a.cancel_reason)
            for a in Appointment.search(
                [('client', '=', self.ids[client_key])]))

    @with_transaction()
    def service_id(self, code):
        Service = Pool().get('therapy.service')
        service, = Service.search([('code', '=', code)])
        return service.id

    def first_slot(self, client, service, client_key='annie'):
        page = client.get(f'{self.base}/appointments/book', query_string={
                'client': self.ids[client_key], 'service': service})
        self.assertEqual(page.status_code, 200)
        keys = SLOT.findall(page.get_data(as_text=True))
        self.assertTrue(keys, "no free time offered")
        return keys[0]

    def book(self, client, service, slot, client_id=None):
        return client.post(f'{self.base}/appointments/book', data={
                'client': client_id or self.ids['annie'],
                'service': service, 'slot': slot})

    def test_instant_booking_once(self):
        """Instant: one appointment, scheduled; the same time again is
        refused; booking for someone else's client is not found"""
        client = self.login()
        service = self.ids['instant']
        slot = self.first_slot(client, service)
        before = self.appointments('annie')
        response = self.book(client, service, slot)
        self.assertEqual(response.status_code, 302)
        self.assertIn('booked=1', response.location)
        after = self.appointments('annie')
        self.assertEqual(len(after), len(before) + 1)
        new, = set(after) - set(before)
        self.assertEqual(new[0].isoformat(), slot.split(':', 2)[2])
        self.assertEqual(new[1], 'scheduled')
        again = self.book(client, service, slot)
        self.assertEqual(again.status_code, 409)
        self.assertIn("no longer free", again.get_data(as_text=True))
        self.assertEqual(self.appointments('annie'), after)
        page = client.get(f'{self.base}/appointments?booked=1')
        self.assertIn("Your appointment is booked", page.get_data(True))
        # IDOR: Bob is not Pat's: not found, nothing written
        bobs = self.appointments('bobby')
        other = self.first_slot(client, service)
        self.assertEqual(self.book(client, service, other,
                client_id=self.ids['bobby']).status_code, 404)
        self.assertEqual(client.get(f'{self.base}/appointments/book',
                query_string={'client': self.ids['bobby']}).status_code, 404)
        self.assertEqual(self.appointments('bobby'), bobs)

    def test_authorization_problem_refused_online(self):
        """A booking the back office would let only an overriding user
        make (no authorization) is refused, saying why; nothing booked"""
        client = self.login('riley@example.com')
        slot = self.first_slot(client, self.ids['aba'], 'riley')
        response = self.book(client, self.ids['aba'], slot,
            client_id=self.ids['riley'])
        self.assertEqual(response.status_code, 409)
        page = response.get_data(as_text=True)
        self.assertIn("cannot be booked online", page)
        self.assertIn("authorization", page.lower())
        self.assertEqual(self.appointments('riley'), [])

    def test_service_not_bookable_online(self):
        "A service without portal booking is neither offered nor booked"
        client = self.login()
        closed = self.service_id('90832')
        page = client.get(f'{self.base}/appointments/book',
            query_string={'client': self.ids['annie']})
        self.assertEqual(page.status_code, 200)
        self.assertIn("60 minutes", page.get_data(True))
        self.assertNotIn("30 minutes", page.get_data(True))
        self.assertEqual(client.get(f'{self.base}/appointments/book',
                query_string={'client': self.ids['annie'],
                    'service': closed}).status_code, 404)
        before = self.appointments('annie')
        slot = self.first_slot(client, self.ids['instant'])
        self.assertEqual(self.book(client, closed, slot).status_code, 404)
        self.assertEqual(self.appointments('annie'), before)

    def test_request_then_front_desk_approves(self):
        """Request: nothing booked until the front desk approves, then a
        scheduled appointment"""
        client = self.login()
        service = self.ids['request']
        slot = self.first_slot(client, service)
        before = self.appointments('annie')
        response = self.book(client, service, slot)
        self.assertEqual(response.status_code, 302)
        self.assertIn('requested=1', response.location)
        self.assertEqual(self.appointments('annie'), before)
        page = client.get(f'{self.base}/appointments?requested=1')
        self.assertIn("Requested, awaiting the practice", page.get_data(True))
        # asked twice: refused
        self.assertEqual(self.book(client, service, slot).status_code, 409)
        self.approve_as_front_desk(slot)

    def test_request_declined_or_withdrawn(self):
        """The front desk's Decline books nothing; the client may withdraw
        a request (theirs only) until it is answered"""
        pat = self.login()
        service = self.ids['request']
        first = self.first_slot(pat, service)
        self.assertEqual(self.book(pat, service, first).status_code, 302)
        self.decline_as_front_desk(first)
        self.assertNotIn("Requested, awaiting",
            pat.get(f'{self.base}/appointments').get_data(True))
        second = self.first_slot(pat, service)
        self.assertEqual(self.book(pat, service, second).status_code, 302)
        asked, = self.named('therapy.appointment.request', state='pending')
        url = f'{self.base}/appointments/requests/{asked}/withdraw'
        bob = self.login('bob@example.com')
        self.assertEqual(bob.post(url).status_code, 404)
        self.assertEqual(pat.post(url).status_code, 302)
        self.assertEqual(self.named('therapy.appointment.request',
                id=asked, state='withdrawn'), [asked])

    @with_transaction()
    def decline_as_front_desk(self, slot):
        pool = Pool()
        Request = pool.get('therapy.appointment.request')
        User = pool.get('res.user')
        start = dt.datetime.fromisoformat(slot.split(':', 2)[2])
        desk, = User.search([('login', '=', 'desk')])
        with Transaction().set_context(company=self.company_id), \
                as_user(desk):
            asked, = Request.search(
                [('start', '=', start), ('state', '=', 'pending')])
            Request.decline([asked])
        asked = Request(asked.id)
        self.assertEqual(asked.state, 'declined')
        self.assertIsNone(asked.appointment)
        Transaction().commit()

    @with_transaction()
    def approve_as_front_desk(self, slot):
        pool = Pool()
        Request = pool.get('therapy.appointment.request')
        User = pool.get('res.user')
        start = dt.datetime.fromisoformat(slot.split(':', 2)[2])
        request, = Request.search(
            [('start', '=', start), ('state', '=', 'pending')])
        self.assertIsNone(request.appointment)
        desk, = User.search([('login', '=', 'desk')])
        with Transaction().set_context(company=self.company_id), \
                as_user(desk):
            pending, = Request.search([('state', '=', 'pending')])
            Request.approve([pending])
        request = Request(request.id)
        self.assertEqual(request.state, 'approved')
        self.assertEqual(request.appointment.state, 'scheduled')
        self.assertEqual(request.appointment.start, start)
        self.assertEqual(request.appointment.client.id, self.ids['annie'])

    def test_reschedule(self):
        """Moving a session inside the late window states the fee first;
        another client's answers 404; a move cancels and rebooks, linked"""
        client = self.login()
        booked = {a[0]: a for a in self.appointments('annie')}
        near = self.named('therapy.appointment', start=day_at(1, 15))[0]
        page = client.get(f'{self.base}/appointments/{near}/reschedule')
        self.assertEqual(page.status_code, 200)
        text = page.get_data(as_text=True)
        self.assertIn("late cancellation", text)
        self.assertIn("$50.00", text)
        bobs = self.named('therapy.appointment', start=day_at(2, 15))[0]
        url = f'{self.base}/appointments/{bobs}/reschedule'
        self.assertEqual(client.get(url).status_code, 404)
        slot = SLOT.findall(text)[0]
        self.assertEqual(client.post(url, data={'slot': slot}).status_code,
            404)
        self.assertEqual(self.appointments('bobby')[0][1], 'scheduled')
        # the far one moves: cancelled as rescheduled, a new one booked
        far = self.named('therapy.appointment', start=day_at(6, 15))[0]
        page = client.get(f'{self.base}/appointments/{far}/reschedule')
        self.assertIn("no fee", page.get_data(True))
        slot = SLOT.findall(page.get_data(as_text=True))[0]
        response = client.post(
            f'{self.base}/appointments/{far}/reschedule', data={'slot': slot})
        self.assertEqual(response.status_code, 302)
        after = {a[0]: a for a in self.appointments('annie')}
        self.assertEqual(after[day_at(6, 15)][1:],
            ('cancelled', 'rescheduled'))
        start = dt.datetime.fromisoformat(slot.split(':', 2)[2])
        self.assertEqual(after[start][1], 'scheduled')
        self.assertNotIn(start, booked)

    @with_transaction()
    def offer_slot(self, start):
        """A freed slot of Dana's at start offered to both waiting
        entries (as the front desk's Offer would, without the emails)"""
        pool = Pool()
        Entry = pool.get('therapy.waitlist.entry')
        Slot = pool.get('therapy.waitlist.slot')
        Offer = pool.get('therapy.waitlist.offer')
        Service = pool.get('therapy.service')
        service = Service(self.ids['instant'])
        entries = Entry.search([('state', '=', 'waiting')])
        self.assertEqual(len(entries), 2)
        annie = [e for e in entries if e.client.id == self.ids['annie']][0]
        slot, = Slot.create([{
                    'company': self.company_id,
                    'clinician': annie.client.primary_clinician.id,
                    'location': annie.client.primary_clinician
                    .therapy_locations[0].id,
                    'service': service.id, 'modality': 'in_person',
                    'start': start, 'end': start + service.duration,
                    }])
        offers = Offer.create([{
                    'slot': slot.id, 'entry': e.id,
                    'email': f'waiting-{e.client.id}@example.com',
                    'token_hash': str(e.id),
                    'expires_at': dt.datetime.now() + dt.timedelta(hours=24),
                    } for e in entries])
        Transaction().commit()
        return {o.entry.client.id: o.id for o in offers}

    def test_waitlist_join_accept_first_wins(self):
        """Join with preferences, see and leave it; an offer shows on the
        appointments page, the first to accept gets the slot, the second
        reads it is taken"""
        pat = self.login()
        bob = self.login('bob@example.com')
        service = self.ids['instant']
        response = pat.post(f'{self.base}/waitlist', data={
                'choice': f"{self.ids['annie']}:{service}",
                'weekday': ['0', '2'], 'time_of_day': 'morning'})
        self.assertEqual(response.status_code, 302)
        entry, = self.named('therapy.waitlist.entry',
            client=self.ids['annie'])
        self.assertIn("Psychotherapy, 45 minutes",
            pat.get(f'{self.base}/waitlist').get_data(True))
        # not Pat's to put on the list
        self.assertEqual(pat.post(f'{self.base}/waitlist', data={
                    'choice': f"{self.ids['bobby']}:{service}"}).status_code,
            404)
        self.assertEqual(bob.post(f'{self.base}/waitlist', data={
                    'choice': f"{self.ids['bobby']}:{service}"}).status_code,
            302)
        offers = self.offer_slot(day_at(12, 16))
        page = pat.get(f'{self.base}/appointments').get_data(as_text=True)
        self.assertIn("Accept this time", page)
        # Bob's offer is not Pat's to take
        self.assertEqual(pat.post(f"{self.base}/waitlist/offers/"
                f"{offers[self.ids['bobby']]}/accept").status_code, 404)
        response = pat.post(f"{self.base}/waitlist/offers/"
            f"{offers[self.ids['annie']]}/accept")
        self.assertEqual(response.status_code, 302, response.get_data(True))
        self.assertIn('booked=1', response.location)
        self.assertIn((day_at(12, 16), 'scheduled', None),
            self.appointments('annie'))
        bobs = self.appointments('bobby')
        response = bob.post(f"{self.base}/waitlist/offers/"
            f"{offers[self.ids['bobby']]}/accept")
        self.assertIn('taken=1', response.location)
        self.assertIn("taken by someone",
            bob.get(f'{self.base}/appointments?taken=1').get_data(True))
        self.assertEqual(self.appointments('bobby'), bobs)
        # told by email too, as the link's losers are
        self.assertEqual([to for to, _ in self.outbox.emails],
            [[f"waiting-{self.ids['bobby']}@example.com"]])
        # Bob leaves the waitlist
        bob_entry, = self.named('therapy.waitlist.entry',
            client=self.ids['bobby'], state='waiting')
        self.assertEqual(pat.post(
                f'{self.base}/waitlist/{bob_entry}/leave').status_code, 404)
        self.assertEqual(bob.post(
                f'{self.base}/waitlist/{bob_entry}/leave').status_code, 302)
        self.assertFalse(self.named('therapy.waitlist.entry',
                client=self.ids['bobby'], state='waiting'))


del RouteTestCase
