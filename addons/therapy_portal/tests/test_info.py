"""My information in the client portal (issue 14): a guardian changes a
child's contact details, address, emergency contact, member ID and card
images; the records change, a change row waits for the front desk's
review; bad input changes nothing; another client's id answers 404.

The tests share one committed database: each reads the state before it
acts and compares with after, so their order does not matter."""
import datetime as dt
import io
import struct
import zlib

from trytond.model.exceptions import AccessError
from trytond.modules.company.tests import create_company, set_company
from trytond.pool import Pool
from trytond.tests.test_tryton import RouteTestCase, with_transaction
from trytond.transaction import Transaction

from therapy_clinical.client_update import mechanism_value
from therapy_scheduling.tests.fixtures import as_user, create_user

PASSWORD = 'correct horse battery staple'


def png_bytes():
    "The smallest real PNG: one white pixel"
    def chunk(kind, data):
        body = kind + data
        return (struct.pack('>I', len(data)) + body
            + struct.pack('>I', zlib.crc32(body) & 0xffffffff))
    return (b'\x89PNG\r\n\x1a\n'
        + chunk(b'IHDR', struct.pack('>IIBBBBB', 1, 1, 8, 2, 0, 0, 0))
        + chunk(b'IDAT', zlib.compress(b'\x00\xff\xff\xff'))
        + chunk(b'IEND', b''))


class PortalInfoRouteTestCase(RouteTestCase):
    "Test the portal's My information page"
    module = 'therapy_portal'

    @classmethod
    def setUpDatabase(cls):
        pool = Pool()
        Party = pool.get('party.party')
        Client = pool.get('therapy.client')
        WebUser = pool.get('web.user')
        Payer = pool.get('therapy.payer')
        Coverage = pool.get('therapy.coverage')
        Country = pool.get('country.country')
        Subdivision = pool.get('country.subdivision')
        company = create_company()
        with set_company(company):
            us, = Country.create([{'name': "United States", 'code': 'US'}])
            new_york, _ = Subdivision.create([{
                        'country': us.id, 'code': f'US-{code}', 'name': name,
                        'type': 'state'} for code, name in [
                        ('NY', "New York"), ('CO', "Colorado")]])
            ann, parent, bob, insurer = Party.create([
                    {'name': "Ann Client", 'contact_mechanisms': [
                            ('create', [{'type': 'phone',
                                        'value': '+1 212-555-0100'}])],
                        'addresses': [('create', [{
                                        'street': "1 Old Road",
                                        'city': "Brooklyn",
                                        'postal_code': '11201',
                                        'country': us.id,
                                        'subdivision': new_york.id}])]},
                    {'name': "Pat Parent"},
                    {'name': "Bob Other", 'contact_mechanisms': [
                            ('create', [{'type': 'phone',
                                        'value': '+1 212-555-0199'}])]},
                    {'name': "Acme Health"}])
            annie, bobby = Client.create([{
                        'party': ann.id,
                        'birth_date': dt.date(2015, 5, 1),
                        'guardians': [('create', [{'party': parent.id}])],
                        }, {'party': bob.id}])
            WebUser.create([{
                        'email': 'pat@example.com', 'password': PASSWORD,
                        'party': parent.id,
                        }])
            payer, = Payer.create([{
                        'party': insurer.id, 'filing_indicator': 'CI'}])
            coverages = Coverage.create([{
                        'client': c.id, 'payer': payer.id,
                        'member_id': member_id,
                        'start_date': dt.date.today() - dt.timedelta(days=30),
                        } for c, member_id in [
                        (annie, 'OLD123'), (bobby, 'BOB999')]])
            Coverage.verify(coverages)
            create_user('desk', ['therapy_scheduling.group_front_desk'])
            create_user('clinician', ['therapy_scheduling.group_clinician'])

    def login(self, client):
        response = client.post(f'/{self.db_name}/portal/login', data={
                'email': 'pat@example.com', 'password': PASSWORD})
        self.assertEqual(response.status_code, 302)
        return client

    @with_transaction()
    def state(self, name="Ann Client"):
        """What is on file for the client named name: contact, address,
        emergency contact, coverage, card images, change rows"""
        pool = Pool()
        Client = pool.get('therapy.client')
        Coverage = pool.get('therapy.coverage')
        Attachment = pool.get('ir.attachment')
        Change = pool.get('therapy.portal.change')
        client, = Client.search([('party.name', '=', name)])
        party = client.party
        address = party.addresses[0] if party.addresses else None
        emergency = client.emergency_contact
        coverage, = Coverage.search([('client', '=', client.id)])
        return {
            'id': client.id,
            'coverage': coverage.id,
            'phone': mechanism_value(party, 'phone'),
            'email': mechanism_value(party, 'email'),
            'street': address.street if address else None,
            'city': address.city if address else None,
            'postal_code': address.postal_code if address else None,
            'state': address.subdivision.name if (
                address and address.subdivision) else None,
            'emergency': (emergency.name, mechanism_value(emergency, 'phone'),
                client.emergency_contact_relationship) if emergency else None,
            'member_id': coverage.member_id,
            'verified': coverage.verified,
            'cards': sorted(a.name for a in Attachment.search([
                        ('resource', '=', str(coverage))])),
            'changes': [(c.id, c.state, c.summary, c.web_user.email
                    if c.web_user else None) for c in Change.search(
                    [('client', '=', client.id)], order=[('id', 'ASC')])],
            }

    @with_transaction()
    def subdivision_id(self, name):
        Subdivision = Pool().get('country.subdivision')
        subdivision, = Subdivision.search([('name', '=', name)])
        return subdivision.id

    def url(self, client_id):
        return f'/{self.db_name}/portal/info/{client_id}'

    def test_guardian_changes_contact_address_emergency(self):
        client = self.login(self.client())
        before = self.state()
        page = client.get(f'/{self.db_name}/portal/info')
        self.assertEqual(page.status_code, 200)
        text = page.get_data(as_text=True)
        self.assertIn("Ann Client", text)
        self.assertNotIn("Bob Other", text)
        self.assertIn('<label>Phone', text)
        self.assertIn('name="member_id_%s"' % before['coverage'], text)
        # a GET changes nothing
        self.assertEqual(self.state(), before)
        home = client.get(f'/{self.db_name}/portal/').get_data(as_text=True)
        self.assertIn(f'/{self.db_name}/portal/info"', home)

        response = client.post(self.url(before['id']), data={
                'phone': '(212) 555-0142',
                'street': "22 New Street", 'city': "Queens",
                'postal_code': '11101',
                'subdivision': str(self.subdivision_id("Colorado")),
                'emergency_contact_name': "Grandma Rose",
                'emergency_contact_phone': '212 555 0177',
                'emergency_contact_relationship': "grandmother",
                })
        self.assertEqual(response.status_code, 302)
        self.assertTrue(response.location.endswith('/portal/info?saved=1'))
        after = self.state()
        self.assertEqual((after['phone'], after['street'], after['city'],
                after['postal_code'], after['state'], after['emergency']),
            ('+1 212-555-0142', "22 New Street", "Queens", '11101',
                "Colorado",
                ("Grandma Rose", '+1 212-555-0177', "grandmother")))
        old_name, _, old_relation = before['emergency'] or ('-', '', '-')
        new_rows = after['changes'][len(before['changes']):]
        self.assertEqual(len(new_rows), 1)
        _, state, summary, email = new_rows[0]
        self.assertEqual((state, email), ('pending', 'pat@example.com'))
        for line in [f"Phone: {before['phone']} -> +1 212-555-0142",
                f"Address: street: {before['street']} -> 22 New Street",
                f"Emergency contact: name: {old_name} -> Grandma Rose",
                f"Address: state: {before['state']} -> Colorado",
                "Emergency contact: relationship: "
                f"{old_relation or '-'} -> grandmother"]:
            self.assertIn(line, summary)
        page = client.get(response.location).get_data(as_text=True)
        self.assertIn("your changes are saved", page)
        self.assertIn('value="Grandma Rose"', page)

        # the same values again: nothing to review
        response = client.post(self.url(before['id']), data={
                'phone': '+1 212-555-0142', 'city': "Queens"})
        self.assertTrue(response.location.endswith('?saved=0'))
        self.assertEqual(len(self.state()['changes']), len(after['changes']))

    def test_invalid_phone_or_email_changes_nothing(self):
        client = self.login(self.client())
        before = self.state()
        response = client.post(self.url(before['id']), data={
                'phone': '12', 'city': "Elsewhere"})
        self.assertEqual(response.status_code, 422)
        text = response.get_data(as_text=True)
        self.assertIn('role="alert"', text)
        self.assertIn("is not a phone number", text)
        # what was typed stays in the form
        self.assertIn('value="Elsewhere"', text)
        response = client.post(self.url(before['id']), data={
                'subdivision': '999999', 'city': "Elsewhere"})
        self.assertEqual(response.status_code, 422)
        self.assertIn("Choose the state", response.get_data(as_text=True))
        response = client.post(self.url(before['id']), data={
                'email': 'not-an-email', 'city': "Elsewhere"})
        self.assertEqual(response.status_code, 422)
        self.assertIn("is not an email address",
            response.get_data(as_text=True))
        self.assertEqual(self.state(), before)

    def test_member_id_change_unverifies_coverage(self):
        client = self.login(self.client())
        self.verify()
        before = self.state()
        self.assertTrue(before['verified'])
        new = f"NEW{len(before['changes'])}"
        response = client.post(self.url(before['id']), data={
                f"member_id_{before['coverage']}": new})
        self.assertEqual(response.status_code, 302)
        after = self.state()
        self.assertEqual((after['member_id'], after['verified']),
            (new, False))
        summary = after['changes'][-1][2]
        self.assertIn("Insurance Acme Health: member ID (verification "
            f"needed): {before['member_id']} -> {new}", summary)
        # the other client's coverage is untouched
        self.assertEqual(self.state("Bob Other")['member_id'], 'BOB999')

    def test_card_images_checked_by_content_and_size(self):
        client = self.login(self.client())
        before = self.state()
        front = f"card_front_{before['coverage']}"
        back = f"card_back_{before['coverage']}"
        # text named .png, and a real PNG named .jpg: refused, nothing saved
        for name, data in [('card.png', b'just some text, not a picture'),
                ('card.jpg', png_bytes())]:
            response = client.post(self.url(before['id']), data={
                    'city': "Refused City",
                    front: (io_file(data), name)},
                content_type='multipart/form-data')
            self.assertEqual(response.status_code, 422, name)
            self.assertIn("is not a JPEG or PNG photo",
                response.get_data(as_text=True))
        big = b'%PDF-1.4\n' + b'0' * (10 * 1024 * 1024)
        response = client.post(self.url(before['id']), data={
                'city': "Refused City", back: (io_file(big), 'card.pdf')},
            content_type='multipart/form-data')
        self.assertEqual(response.status_code, 422)
        self.assertIn("is too large", response.get_data(as_text=True))
        self.assertEqual(self.state(), before)

        response = client.post(self.url(before['id']), data={
                front: (io_file(png_bytes()), 'IMG_0001.PNG'),
                back: (io_file(b'%PDF-1.4\n%%EOF\n'), 'back.pdf')},
            content_type='multipart/form-data')
        self.assertEqual(response.status_code, 302)
        after = self.state()
        today = dt.date.today().isoformat()
        self.assertEqual(
            sorted(set(after['cards']) - set(before['cards'])), [
                f"Insurance card (back) {today}.pdf",
                f"Insurance card (front) {today}.png"])
        summary = after['changes'][-1][2]
        self.assertIn('new card image (front), file "IMG_0001.PNG"', summary)
        self.assertNotIn('PNG\r\n', summary)
        page = client.get(f'/{self.db_name}/portal/info').get_data(
            as_text=True)
        self.assertIn("(one is on file)", page)

    def test_other_clients_id_is_not_found(self):
        client = self.login(self.client())
        bob = self.state("Bob Other")
        response = client.post(self.url(bob['id']), data={
                'phone': '(212) 555-0111',
                f"member_id_{bob['coverage']}": 'STOLEN'})
        self.assertEqual(response.status_code, 404)
        self.assertEqual(client.post(self.url(999999), data={
                    'phone': '(212) 555-0111'}).status_code, 404)
        # a coverage id of another client posted on one's own: ignored
        ann = self.state()
        client.post(self.url(ann['id']), data={
                f"member_id_{bob['coverage']}": 'STOLEN'})
        self.assertEqual(self.state("Bob Other"), bob)
        self.assertEqual(self.state()['member_id'], ann['member_id'])

    @with_transaction()
    def verify(self):
        "The biller checked Ann's coverage"
        Coverage = Pool().get('therapy.coverage')
        Coverage.verify(Coverage.search([('client.party.name', '=',
                        "Ann Client")]))
        Transaction().commit()

    @with_transaction()
    def review_as(self, login):
        """The oldest pending change reviewed by the user login through
        the button; (state, reviewer's login) after"""
        pool = Pool()
        User = pool.get('res.user')
        Change = pool.get('therapy.portal.change')
        user, = User.search([('login', '=', login)])
        with set_company(user.company), as_user(user):
            pending = Change.search([('state', '=', 'pending')],
                order=[('id', 'ASC')], limit=1)
            self.assertTrue(pending)
            Change.review(pending)
            change, = Change.browse(pending)
            result = (change.state, change.reviewed_by.login,
                bool(change.reviewed_at))
            # the rows are written by the button only
            with self.assertRaises(AccessError):
                Change.write([change], {'summary': "edited"})
        Transaction().commit()
        return result

    @with_transaction()
    def pending_ids(self):
        Change = Pool().get('therapy.portal.change')
        return [c.id for c in Change.search([('state', '=', 'pending')])]

    @with_transaction()
    def clinician_sees(self):
        pool = Pool()
        User = pool.get('res.user')
        Change = pool.get('therapy.portal.change')
        user, = User.search([('login', '=', 'clinician')])
        with set_company(user.company), as_user(user):
            try:
                return Change.search([])
            except AccessError:
                return None

    def test_front_desk_reviews(self):
        client = self.login(self.client())
        ann = self.state()
        client.post(self.url(ann['id']), data={
                'emergency_contact_relationship': f"aunt {len(ann['changes'])}",
                'emergency_contact_name': "Aunt May"})
        self.assertTrue(self.pending_ids())
        self.assertEqual(self.review_as('desk'), ('reviewed', 'desk', True))
        self.assertIsNone(self.clinician_sees())


def io_file(data):
    return io.BytesIO(data)


del RouteTestCase
