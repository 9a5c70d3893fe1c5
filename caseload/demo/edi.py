"""The demo practice's electronic claims: the clearinghouse "Availity"
(the payer IDs of payers.py name it), in test mode, with its outbound and
inbound folders under the database folder (``<path>/edi/<database>/out``
and ``/in``); the payers send through it; the practice's billing taxonomy
and the ZIP+4 of its addresses, which an 837P needs for the billing
provider and the service facilities. The history leaves claims ready
(billing.py), so ``caseload claims export`` has work right after
``init --demo``.

Eligibility: the payers answered yesterday (a 271 per payer, imported
from the inbound folder like any answer), so the coverages and the front
desk's day sheet show active/inactive and copays; one client with a
session booked has a plan that ended.

Runs inside the server, after the billed history."""
import datetime as dt
import os
import random

from trytond.config import config
from trytond.pool import Pool
from trytond.transaction import Transaction

CLEARINGHOUSE = "Availity"
# the practice's group taxonomy: multi-specialty group
BILLING_TAXONOMY = '193200000X'
ZIP4 = {'11201': '11201-4313', '80202': '80202-1718'}
SEED = 2026


def setup(database, user_id, company_id):
    "The clearinghouse, unless there; return True when loaded"
    def step():
        pool = Pool()
        Clearinghouse = pool.get('therapy.clearinghouse')
        Company = pool.get('company.company')
        Payer = pool.get('therapy.payer')
        Address = pool.get('party.address')
        if Clearinghouse.search([], limit=1):
            return False
        company = Company(company_id)
        company.billing_taxonomy = BILLING_TAXONOMY
        company.save()
        for address in company.party.addresses:
            if address.postal_code in ZIP4:
                address.postal_code = ZIP4[address.postal_code]
        Address.save(company.party.addresses)
        folder = os.path.join(
            config.get('database', 'path') or '.', 'edi', database)
        clearinghouse, = Clearinghouse.create([{
                    'company': company_id,
                    'name': CLEARINGHOUSE,
                    'submitter_id': 'HARBORVIEW01',
                    'submitter_name': company.party.name,
                    'contact_name': "Billing Office",
                    'contact_phone': '718-555-0142',
                    'contact_email': 'billing@harborview.example',
                    'receiver_id': '030240928',
                    'receiver_qualifier': 'ZZ',
                    'receiver_name': CLEARINGHOUSE,
                    'usage': 'T',
                    'outbound_folder': os.path.abspath(
                        os.path.join(folder, 'out')),
                    'inbound_folder': os.path.abspath(
                        os.path.join(folder, 'in')),
                    }])
        Payer.write([p for p in Payer.search([])
                if not p.self_pay], {'clearinghouse': clearinghouse.id})
        return True
    # its own transaction, not server.run: nothing here queues work to run
    # after the commit, and server.run's task runner found the ids the
    # writes below announce already gone (ir.queue "records that don't
    # exist")
    with Transaction().start(database, user_id, context={
                'company': company_id, 'companies': [company_id],
                }) as transaction:
        result = step()
        transaction.commit()
        transaction.tasks.clear()
    return result


def eligibility(database, user_id, company_id):
    """The payers' 271 answers of yesterday for the coverages in effect,
    dropped in the inbound folder and read by the real import: most are
    active with their plan's benefits, one client with a session booked
    has a plan that ended (the front desk sees it on the day sheet).
    Unless answers are there already; return True when loaded"""
    from therapy_edi.claim_data import ein, person_name
    from therapy_edi.names import ascii_text
    from therapy_edi.edi_file import atomic_write
    from therapy_edi.x12 import Benefits, Envelope, Name, write_271

    def step():
        pool = Pool()
        Appointment = pool.get('therapy.appointment')
        Clearinghouse = pool.get('therapy.clearinghouse')
        Coverage = pool.get('therapy.coverage')
        Eligibility = pool.get('therapy.eligibility')
        EdiFile = pool.get('therapy.edi.file')
        Company = pool.get('company.company')
        if Eligibility.search([], limit=1):
            return False
        clearinghouses = Clearinghouse.search(
            [('name', '=', CLEARINGHOUSE)], limit=1)
        if not clearinghouses:
            return False
        clearinghouse, = clearinghouses
        company = Company(company_id)
        today = dt.date.today()
        coverages = [c for c in Coverage.search([
                    ('client.company', '=', company_id),
                    ('member_id', '!=', None),
                    ] + Coverage.in_effect_domain(today),
                order=[('id', 'ASC')])
            if not c.payer.self_pay
            and c.payer.clearinghouse == clearinghouse
            and clearinghouse.payer_id(c.payer)]
        booked = {a.client for a in Appointment.search([
                    ('state', 'in', ['scheduled', 'confirmed']),
                    ('start', '>', dt.datetime.now()),
                    ('client', '!=', None),
                    ], order=[('start', 'ASC'), ('id', 'ASC')])}
        ended = next((c for c in coverages if c.priority == '1'
                and c.client in booked and c.relationship == '18'), None)
        by_payer = {}
        for coverage in coverages:
            by_payer.setdefault(coverage.payer, []).append(coverage)
        answered = dt.datetime.combine(
            today - dt.timedelta(days=1), dt.time(17, 5))
        for number, (payer, insured) in enumerate(by_payer.items(), 1):
            answers = [benefits(c, today, c == ended, Benefits, person_name)
                for c in insured]
            envelope = Envelope(clearinghouse.receiver_id,
                clearinghouse.submitter_id, 7000 + number, 7000 + number,
                sender_qualifier=clearinghouse.receiver_qualifier,
                receiver_qualifier=clearinghouse.submitter_qualifier,
                usage=clearinghouse.usage, created=answered)
            text = write_271(envelope, '0001',
                ascii_text(payer.party.name).upper(),
                clearinghouse.payer_id(payer),
                Name(ascii_text(company.party.name).upper()),
                company.billing_npi,
                answers, f'DEMO{number}',
                '1' + (ein(company.party) or '000000000'))
            atomic_write(clearinghouse.inbound_folder,
                f'{EdiFile.slug(payer.party.name)}-'
                f'{answered:%Y%m%d}.271', text.encode('ascii'))
        EdiFile.import_folder(clearinghouse)
        return True
    with Transaction().start(database, user_id, context={
                'company': company_id, 'companies': [company_id],
                }) as transaction:
        result = step()
        transaction.commit()
        transaction.tasks.clear()
    return result


def benefits(coverage, today, ended, Benefits, person_name):
    "What the payer answers about coverage (seeded by its id)"
    from decimal import Decimal

    from therapy_edi.names import ascii_text
    rng = random.Random(SEED + coverage.id)
    client = coverage.client
    holder = (client.party if coverage.relationship == '18'
        else coverage.subscriber)
    common = dict(name=person_name(holder), member_id=coverage.member_id,
        birth_date=(client.birth_date if coverage.relationship == '18'
            else None),
        plan=ascii_text(coverage.plan_name) or None)
    year_start = dt.date(today.year, 1, 1)
    if ended:
        return Benefits(active=False, plan_begin=year_start,
            plan_end=today - dt.timedelta(days=3), **common)

    def left(total):
        if total is None:
            return None
        share = Decimal(rng.randint(0, 100)) / 100
        return (total * share).quantize(Decimal('0.01'))
    deductible = coverage.deductible
    oop = coverage.out_of_pocket_max
    medicaid = coverage.payer.filing_indicator == 'MC'
    return Benefits(plan_begin=year_start,
        plan_end=dt.date(today.year, 12, 31), copay=coverage.copay,
        coinsurance=(coverage.coinsurance / 100
            if coverage.coinsurance else None),
        deductible=deductible, deductible_remaining=left(deductible),
        out_of_pocket=oop, out_of_pocket_remaining=left(oop),
        visit_limit=None if medicaid else 30,
        visits_remaining=None if medicaid else rng.randint(8, 28),
        authorization_required=medicaid, **common)
