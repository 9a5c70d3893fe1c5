import datetime as dt

from trytond.modules.company.tests import (
    CompanyTestMixin, create_company, set_company)
from trytond.model.exceptions import AccessError
from trytond.pool import Pool
from trytond.tests.test_tryton import (
    ModuleTestCase, RouteTestCase, with_transaction)

from therapy_scheduling.tests.fixtures import as_user, create_user

PASSWORD = 'correct horse battery staple'


class TherapyPortalTestCase(CompanyTestMixin, ModuleTestCase):
    "Test Therapy Portal module"
    module = 'therapy_portal'

    @with_transaction()
    def test_guardian_sees_child(self):
        "A consenting guardian's login reaches the child, others do not"
        pool = Pool()
        Party = pool.get('party.party')
        Client = pool.get('therapy.client')
        Guardian = pool.get('therapy.client.guardian')
        company = create_company()
        with set_company(company):
            kid, mom, aunt, adult = Party.create([
                    {'name': "Kid"}, {'name': "Mom"}, {'name': "Aunt"},
                    {'name': "Adult"}])
            child, grown = Client.create([{
                        'party': kid.id,
                        'guardians': [('create', [
                                    {'party': mom.id},
                                    {'party': aunt.id,
                                        'legal_guardian': False},
                                    ])],
                        }, {'party': adult.id}])
            Client.write([child], {
                    'birth_date': dt.date.today() - dt.timedelta(days=3650)})
            self.assertEqual(Client.for_portal_party(mom), [child])
            self.assertEqual(Client.for_portal_party(aunt), [])
            self.assertEqual(Client.for_portal_party(adult), [grown])
            self.assertEqual(child.portal_parties(), [kid, mom])

            # the child turns 18 today: the parent's access ends ...
            eighteen = dt.date.today().replace(
                year=dt.date.today().year - 18)
            Client.write([child], {'birth_date': eighteen})
            self.assertEqual(Client.for_portal_party(mom), [])
            self.assertEqual(Client(child.id).portal_parties(), [kid])
            # ... unless the adult client lets them keep it
            mom_row, = [g for g in child.guardians if g.party == mom]
            Guardian.write([mom_row], {'portal_after_majority': True})
            self.assertEqual(Client.for_portal_party(mom), [child])
            self.assertEqual(Client(child.id).portal_parties(), [kid, mom])

    @with_transaction()
    def test_portal_secrets_unreadable_by_staff(self):
        "Hashes, tokens and session keys: refused to every staff role"
        pool = Pool()
        Party = pool.get('party.party')
        WebUser = pool.get('web.user')
        Session = pool.get('web.user.session')
        company = create_company()
        with set_company(company):
            party, = Party.create([{'name': "Pat Parent"}])
            web_user, = WebUser.create([{
                        'email': 'pat@example.com', 'password': PASSWORD,
                        'party': party.id}])
            web_user.new_session()
            owner = create_user('owner', ['therapy_scheduling.group_owner'])
        with set_company(company), as_user(owner):
            # the login itself stays visible to the owner
            self.assertEqual(
                WebUser.read([web_user.id], ['email'])[0]['email'],
                'pat@example.com')
            for field in ['password_hash', 'reset_password_token',
                    'email_token']:
                with self.assertRaises(AccessError, msg=field):
                    WebUser.read([web_user.id], [field])
            with self.assertRaises(AccessError):
                WebUser.search([('password_hash', '!=', None)])
            with self.assertRaises(AccessError):
                Session.search([])


class TherapyPortalRouteTestCase(RouteTestCase):
    "Test the client portal pages"
    module = 'therapy_portal'

    @classmethod
    def setUpDatabase(cls):
        pool = Pool()
        Party = pool.get('party.party')
        Client = pool.get('therapy.client')
        WebUser = pool.get('web.user')
        Template = pool.get('therapy.form.template')
        Response = pool.get('therapy.form.response')
        company = create_company()
        with set_company(company):
            ann, parent, bob = Party.create([
                    {'name': "Ann Client"}, {'name': "Pat Parent"},
                    {'name': "Bob Other"}])
            annie, bobby = Client.create([{
                        'party': ann.id,
                        'preferred_name': "Annie <b>",
                        'birth_date': dt.date(2015, 5, 1),
                        'guardians': [('create', [{'party': parent.id}])],
                        }, {'party': bob.id}])
            WebUser.create([{
                        'email': 'pat@example.com', 'password': PASSWORD,
                        'party': parent.id,
                        }])
            npp, = Template.search([('code', '=', 'hipaa_npp')])
            Response.create([
                    {'client': annie.id, 'template': npp.id},
                    {'client': bobby.id, 'template': npp.id},
                    ])

    def login(self, client, password=PASSWORD):
        return client.post(f'/{self.db_name}/portal/login', data={
                'email': 'pat@example.com', 'password': password})

    def test_login_required(self):
        response = self.client().get(f'/{self.db_name}/portal/')
        self.assertEqual(response.status_code, 302)
        self.assertTrue(response.location.endswith('/portal/login'))

    def test_wrong_password(self):
        response = self.login(self.client(), password='wrong')
        self.assertEqual(response.status_code, 401)
        self.assertIn("Wrong email or password", response.get_data(True))
        self.assertNotIn('caseload_portal', response.headers.get(
                'Set-Cookie', ''))

    def test_guardian_home_and_logout(self):
        client = self.client()
        response = self.login(client)
        self.assertEqual(response.status_code, 302)
        cookie = response.headers['Set-Cookie']
        self.assertIn('HttpOnly', cookie)
        self.assertIn('SameSite=Strict', cookie)
        response = client.get(f'/{self.db_name}/portal/')
        self.assertEqual(response.status_code, 200)
        page = response.get_data(as_text=True)
        self.assertIn("Annie &lt;b&gt;", page)  # escaped, not markup
        self.assertNotIn("Bob Other", page)
        self.assertEqual(response.headers['Cache-Control'], 'no-store')
        self.assertIn("frame-ancestors 'none'",
            response.headers['Content-Security-Policy'])
        client.post(f'/{self.db_name}/portal/logout')
        response = client.get(f'/{self.db_name}/portal/')
        self.assertEqual(response.status_code, 302)

    def test_forged_cookie(self):
        client = self.client()
        client.set_cookie('caseload_portal', 'f' * 64,
            path=f'/{self.db_name}/portal')
        response = client.get(f'/{self.db_name}/portal/')
        self.assertEqual(response.status_code, 302)

    @with_transaction()
    def responses(self):
        "{client name: response values} read in a transaction of its own"
        Response = Pool().get('therapy.form.response')
        fields = ['id', 'state', 'signer_name', 'signer_role', 'signer_ip',
            'signer_user_agent', 'completed_by', 'hash_valid', 'document']
        values = {}
        for response in Response.search([]):
            values[response.client.party.name] = type('Values', (), {
                    **{f: getattr(response, f) for f in fields},
                    'answer_ids': [a.id for a in response.answers]})
        return values

    def test_guardian_signs_consent(self):
        "Signed with name, role, IP and browser; nothing kept when refused"
        client = self.client()
        self.login(client)
        ann = self.responses()["Ann Client"]
        home = client.get(f'/{self.db_name}/portal/').get_data(as_text=True)
        self.assertIn(f'/portal/forms/{ann.id}', home)
        url = f'/{self.db_name}/portal/forms/{ann.id}'
        page = client.get(url).get_data(as_text=True)
        self.assertIn("Notice of Privacy Practices", page)
        self.assertIn("parent or guardian", page)
        answer_id, = ann.answer_ids
        field = f'q{answer_id}'

        response = client.post(url, data={
                field: 'yes', 'signer_name': "Pat Parent"})
        self.assertEqual(response.status_code, 422)
        self.assertIn("Tick the box", response.get_data(as_text=True))
        response = client.post(url, data={
                'signer_name': "Pat Parent", 'consent': 'yes'})
        self.assertEqual(response.status_code, 422)
        self.assertIn("needs an answer", response.get_data(as_text=True))
        self.assertEqual(self.responses()["Ann Client"].state, 'draft')

        response = client.post(url, data={
                field: 'yes', 'signer_name': "Pat Parent", 'consent': 'yes'},
            headers={'User-Agent': 'PortalTest/1.0'},
            environ_base={'REMOTE_ADDR': '203.0.113.7'})
        self.assertEqual(response.status_code, 302)
        signed = self.responses()["Ann Client"]
        self.assertEqual((signed.state, signed.signer_name,
                signed.signer_role, signed.signer_ip,
                signed.signer_user_agent, signed.completed_by),
            ('completed', "Pat Parent", 'guardian', '203.0.113.7',
                'PortalTest/1.0', None))
        self.assertTrue(signed.hash_valid)
        page = client.get(url).get_data(as_text=True)
        self.assertIn("Signed electronically by Pat Parent", page)
        self.assertEqual(client.post(url, data={
                    field: 'no', 'signer_name': "X", 'consent': 'yes'}
                ).status_code, 302)
        self.assertEqual(self.responses()["Ann Client"].document,
            signed.document)

    def test_other_clients_form_is_not_found(self):
        client = self.client()
        self.login(client)
        bob = self.responses()["Bob Other"]
        url = f'/{self.db_name}/portal/forms/{bob.id}'
        self.assertEqual(client.get(url).status_code, 404)
        self.assertEqual(client.post(url, data={
                    'signer_name': "Pat", 'consent': 'yes'}).status_code, 404)
        self.assertEqual(self.responses()["Bob Other"].state, 'draft')
        self.assertEqual(client.get(
                f'/{self.db_name}/portal/forms/999999').status_code, 404)


del ModuleTestCase, RouteTestCase
