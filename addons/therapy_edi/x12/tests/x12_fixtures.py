"""A realistic 837P batch written for the tests (no real person or
provider: names are invented, NPIs pass the Luhn check by construction)."""
import datetime as dt
from decimal import Decimal as D

from therapy_edi.x12.claim837 import (
    Address, Adjustment, BillingProvider, Claim, ClaimBatch,
    LineAdjudication, Name, OtherPayer, Patient, Payer, Provider, Receiver,
    ServiceFacility, ServiceLine, Submitter, Subscriber)
from therapy_edi.x12.write import Envelope

CREATED = dt.datetime(2026, 11, 30, 14, 5)
DAY = dt.date(2026, 11, 2)


def npi(base):
    "A 10-digit NPI with its Luhn check digit (prefix 80840)."
    digits = [int(c) for c in '80840' + base]
    total = 0
    for i, d in enumerate(reversed(digits)):
        if i % 2 == 0:
            d *= 2
            d = d - 9 if d > 9 else d
        total += d
    return base + str((10 - total % 10) % 10)


def envelope(number=1):
    return Envelope('CASELOAD', 'CLEARHOUSE', number, number,
                    created=CREATED, usage='T')


def batch():
    billing = BillingProvider(
        Name('RIVERSIDE THERAPY GROUP'), npi('123456789'), '123456789',
        '101YM0800X',
        Address('100 MAIN ST', 'SPRINGFIELD', 'IL', '627011234',
                line2='SUITE 200'),
        contact_name='BILLING OFFICE', contact_phone='2175550100')
    clinician = Provider(Name('NGUYEN', 'ANNA', 'M'), npi('234567890'),
                         '101YM0800X')
    supervisor = Provider(Name('OKAFOR', 'DAVID'), npi('345678901'))
    referring = Provider(Name('SMITH', 'JOHN', suffix='JR'),
                         npi('456789012'))
    facility = ServiceFacility(
        'RIVERSIDE EAST OFFICE',
        Address('200 OAK AVE', 'SPRINGFIELD', 'IL', '627021234'),
        npi('567890123'))
    acme = Payer('ACME HEALTH', '12345')
    state = Payer('STATE MEDICAID', '77027')
    home = Address('5 ELM ST', 'SPRINGFIELD', 'IL', '62704')

    first_claim = Claim(
        'CL1001', '11', ['F33.1', 'F41.1', 'Z63.0', 'F43.10', 'Z91.89'],
        [ServiceLine('90791', D('250.00'), D(1), DAY,
                     diagnosis_pointers=(1, 2), control_number='L1'),
         ServiceLine('90837', D('180.00'), D(1), DAY + dt.timedelta(7),
                     modifiers=('HO',), diagnosis_pointers=(1, 2, 3, 4),
                     control_number='L2', prior_authorization='PA778'),
         ServiceLine('90846', D('120.50'), D(1), DAY + dt.timedelta(14),
                     modifiers=('95', 'GT'), place_of_service='02',
                     diagnosis_pointers=(3, 5), control_number='L3')],
        onset_date=dt.date(2026, 9, 15),
        initial_treatment_date=DAY, patient_paid=D('25.00'),
        referral_number='REF55', referring=referring, rendering=clinician,
        service_facility=facility)
    replacement = Claim(
        'CL1002', '11', ['F84.0'],
        [ServiceLine('97153', D('60.00'), D(4), DAY,
                     control_number='L4')],
        frequency='7', payer_claim_number='PAYER98765',
        rendering=Provider(Name('LEE', 'MARIA'), npi('678901234'),
                           '103K00000X'),
        supervising=supervisor)
    secondary = Claim(
        'CL1003', '11', ['F90.2', 'F81.0'],
        [ServiceLine('92507', D('140.00'), D(1), DAY, control_number='L5',
                     adjudications=[LineAdjudication(
                         '12345', D('84.00'), '92507', D(1),
                         dt.date(2026, 11, 20),
                         adjustments=[Adjustment('CO', '45', D('36.00')),
                                      Adjustment('PR', '2', D('20.00'))])])],
        rendering=clinician,
        other_payers=[OtherPayer(
            Name('GARCIA', 'ELENA'), 'ACM555', 'ACME HEALTH', '12345',
            'CI', relationship='01', paid=D('84.00'),
            remaining_patient_liability=D('20.00'))])
    subscribers = [
        Subscriber(Name('GARCIA', 'ELENA', 'R'), 'ACM555', acme, 'CI',
                   dt.date(1985, 4, 12), 'F', home, group_number='GRP01',
                   claims=[first_claim, replacement]),
        Subscriber(Name('GARCIA', 'MARCO'), 'MCD777', state, 'MC',
                   dt.date(1983, 1, 30), 'M', home, responsibility='S',
                   patient=Patient(Name('GARCIA', 'SOFIA'), '19',
                                   dt.date(2016, 6, 1), 'F', home),
                   claims=[secondary]),
        ]
    return ClaimBatch(
        Submitter('RIVERSIDE THERAPY GROUP', 'SUB001', 'BILLING OFFICE',
                  '2175550100', 'billing@example.org'),
        Receiver('CLEARHOUSE', 'CH001'), billing, subscribers, 'BATCH0001',
        CREATED)
