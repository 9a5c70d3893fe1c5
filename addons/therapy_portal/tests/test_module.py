import datetime as dt

from trytond.modules.company.tests import (
    CompanyTestMixin, create_company, set_company)
from trytond.pool import Pool
from trytond.tests.test_tryton import (
    ModuleTestCase, RouteTestCase, with_transaction)

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
            self.assertEqual(Client.for_portal_party(mom), [child])
            self.assertEqual(Client.for_portal_party(aunt), [])
            self.assertEqual(Client.for_portal_party(adult), [grown])
            self.assertEqual(child.portal_parties(), [kid, mom])


class TherapyPortalRouteTestCase(RouteTestCase):
    "Test the client portal pages"
    module = 'therapy_portal'

    @classmethod
    def setUpDatabase(cls):
        pool = Pool()
        Party = pool.get('party.party')
        Client = pool.get('therapy.client')
        WebUser = pool.get('web.user')
        company = create_company()
        with set_company(company):
            ann, parent, bob = Party.create([
                    {'name': "Ann Client"}, {'name': "Pat Parent"},
                    {'name': "Bob Other"}])
            Client.create([{
                        'party': ann.id,
                        'preferred_name': "Annie <b>",
                        'birth_date': dt.date(2015, 5, 1),
                        'guardians': [('create', [{'party': parent.id}])],
                        }, {'party': bob.id}])
            WebUser.create([{
                        'email': 'pat@example.com', 'password': PASSWORD,
                        'party': parent.id,
                        }])

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


del ModuleTestCase, RouteTestCase
