"""The billing tests' practice: the shared Practice (therapy_scheduling's
tests/fixtures.py) with a payer that authorizes ABA and two covered,
authorized clients."""
import datetime as dt

from trytond.pool import Pool

from therapy_scheduling.tests.fixtures import (
    Practice, create_client, create_clinician, create_service)


class BillingPractice(Practice):
    """A Medicaid-like payer that authorizes ABA, a covered client; book()
    takes Jamie, the client Riley and the ABA service"""

    def __init__(self):
        pool = Pool()
        Party = pool.get('party.party')
        Payer = pool.get('therapy.payer')
        Coverage = pool.get('therapy.coverage')
        Authorization = pool.get('therapy.authorization')
        super().__init__()
        self.aba = self.service = create_service('97153', "ABA treatment",
            60, discipline='aba', timed=True)
        self.jamie = self.clinician = create_clinician(
            "Jamie Fox", discipline='aba')
        self.alex = create_clinician("Alex Kim", discipline='aba')
        self.client = create_client("Riley Park",
            primary_clinician=self.jamie.id)
        self.other = create_client("Sam Other", primary_clinician=self.alex.id)
        party, = Party.create([{'name': "State Medicaid"}])
        self.medicaid, = Payer.create([{
                    'party': party.id, 'filing_indicator': 'MC',
                    'service_rules': [('create', [{
                                    'service': self.aba.id,
                                    'authorization_required': True}])],
                    }])
        today = dt.date.today()
        self.coverage, self.other_coverage = Coverage.create([{
                    'client': c.id, 'payer': self.medicaid.id,
                    'member_id': 'M1', 'start_date': today
                    - dt.timedelta(days=30),
                    } for c in [self.client, self.other]])
        self.authorization, self.other_authorization = Authorization.create([{
                    'client': cov.client.id, 'coverage': cov.id,
                    'number': f'PA-{i}', 'approved': 4,
                    'services': [('add', [self.aba.id])],
                    'start_date': today,
                    'end_date': today + dt.timedelta(days=20),
                    } for i, cov in enumerate(
                    [self.coverage, self.other_coverage])])
