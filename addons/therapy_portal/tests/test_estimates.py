"""Good Faith Estimates in the portal over HTTP: a guardian sees the
estimate issued for their child, downloads the PDF as issued and
acknowledges receipt (who and when, recorded by the server); another
family's estimate answers 404 to the page, the download and the
acknowledgment, and a draft is nobody's to see."""
import datetime as dt
from decimal import Decimal

from trytond.modules.company.tests import create_company, set_company
from trytond.pool import Pool
from trytond.tests.test_tryton import RouteTestCase, with_transaction

from therapy_scheduling.tests.fixtures import create_service

from .test_billing import PASSWORD, committed, create_families, pdf_text


class PortalEstimateRouteTestCase(RouteTestCase):
    "The portal's Good Faith Estimates"
    module = 'therapy_portal'

    @classmethod
    def setUpDatabase(cls):
        pool = Pool()
        committed(cls.build, pool.get('party.party'),
            pool.get('therapy.client'), pool.get('web.user'))

    @classmethod
    def build(cls, Party, Client, WebUser):
        pool = Pool()
        Estimate = pool.get('therapy.good_faith_estimate')
        Fee = pool.get('therapy.fee')
        with set_company(create_company()):
            annie, bobby = create_families(Party, Client, WebUser)
            service = create_service()
            Fee.create([{'service': service.id, 'amount': Decimal('140.00'),
                        'start_date': dt.date.today()}])

            def estimate(client, sessions):
                return {
                    'client': client.id,
                    'period_start': dt.date.today(),
                    'period_end': dt.date.today() + dt.timedelta(days=180),
                    'lines': [('create', [{
                                    'service': service.id,
                                    'procedure_code': service.code,
                                    'description': service.name,
                                    'frequency': "Weekly",
                                    'quantity': sessions,
                                    'unit_price': Decimal('140.00')}])],
                    }
            annies, bobs, draft = Estimate.create([estimate(annie, 26),
                    estimate(bobby, 10), estimate(bobby, 4)])
            Estimate.issue([annies, bobs])
            cls.annies, cls.bobs, cls.draft = annies.id, bobs.id, draft.id

    def login(self, email='pat@example.com'):
        client = self.client()
        response = client.post(f'/{self.db_name}/portal/login', data={
                'email': email, 'password': PASSWORD})
        self.assertEqual(response.status_code, 302)
        return client

    def url(self, path):
        return f'/{self.db_name}/portal/{path}'

    @with_transaction()
    def estimate(self, estimate_id):
        estimate = Pool().get('therapy.good_faith_estimate')(estimate_id)
        return (estimate.state, estimate.acknowledged_by,
            estimate.acknowledged_at,
            estimate.acknowledged_web_user.email
            if estimate.acknowledged_web_user else None)

    def test_guardian_reads_downloads_and_acknowledges(self):
        client = self.login()
        home = client.get(self.url('')).get_data(as_text=True)
        self.assertIn("Good Faith Estimate to acknowledge", home)
        page = client.get(self.url('estimates')).get_data(as_text=True)
        self.assertIn("Annie: estimate of", page)
        self.assertIn("<strong>$3,640.00</strong>", page)  # 26 x $140.00
        self.assertIn(f'estimates/{self.annies}.pdf', page)
        self.assertNotIn(f'estimates/{self.bobs}', page)
        self.assertNotIn("Bob", page)

        response = client.get(self.url(f'estimates/{self.annies}.pdf'))
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.mimetype, 'application/pdf')
        self.assertEqual(response.headers['Cache-Control'], 'no-store')
        text = pdf_text(response.get_data()).replace('\n', ' ')
        self.assertIn("$3,640.00", text)
        self.assertIn("www.cms.gov/nosurprises", text)

        before = dt.datetime.now().replace(microsecond=0)
        response = client.post(
            self.url(f'estimates/{self.annies}/acknowledge'))
        self.assertEqual(response.status_code, 302)
        state, by, at, login = self.estimate(self.annies)
        self.assertEqual(state, 'acknowledged')
        self.assertEqual(by, 'pat@example.com (guardian)')
        self.assertEqual(login, 'pat@example.com')
        self.assertGreaterEqual(at, before)
        page = client.get(self.url('estimates?acknowledged=1')).get_data(
            as_text=True)
        self.assertIn("Receipt acknowledged on", page)
        # again: nothing changes
        client.post(self.url(f'estimates/{self.annies}/acknowledge'))
        self.assertEqual(self.estimate(self.annies)[2], at)

    def test_another_familys_estimate_answers_404(self):
        client = self.login()
        for path in [f'estimates/{self.bobs}.pdf',
                f'estimates/{self.draft}.pdf', 'estimates/999999.pdf']:
            self.assertEqual(client.get(self.url(path)).status_code, 404,
                path)
        response = client.post(self.url(f'estimates/{self.bobs}/acknowledge'))
        self.assertEqual(response.status_code, 404)
        self.assertEqual(self.estimate(self.bobs)[:2], ('issued', None))
        # Bob sees his own, not his draft
        page = self.login('bob@example.com').get(
            self.url('estimates')).get_data(as_text=True)
        self.assertIn(f'estimates/{self.bobs}.pdf', page)
        self.assertNotIn(f'estimates/{self.draft}', page)
        self.assertNotIn("Annie", page)
        # signed out: the sign-in page
        response = self.client().get(self.url(f'estimates/{self.bobs}.pdf'))
        self.assertEqual(response.status_code, 302)


del RouteTestCase
