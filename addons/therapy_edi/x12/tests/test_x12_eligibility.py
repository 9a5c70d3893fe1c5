"""271 benefits summary on a hand-written response covering every kind the
summary reports (invented member data)."""
import pytest

from therapy_edi.x12 import X12Error, summary

BODY = [
    'BHT*0022*11*R1*20261130*1405',
    'HL*1**20*1',
    'NM1*PR*2*ACME HEALTH*****PI*12345',
    'HL*2*1*21*1',
    'NM1*1P*2*RIVERSIDE THERAPY GROUP*****XX*1234567893',
    # subscriber: active, with every benefit kind
    'HL*3*2*22*1',
    'TRN*2*T1*9123456789',
    'NM1*IL*1*GARCIA*ELENA****MI*ACM555',
    'DTP*346*D8*20260101',
    'DTP*347*D8*20261231',
    'EB*1*IND*30**GOLD PPO',
    'EB*B*IND*MH*HM*GOLD PPO*27*25****N*Y',
    'MSG*COPAY PER VISIT',
    'EB*A*IND*MH***27**0.2***N*Y',
    'EB*C*IND*30***23*1500****N*Y',
    'EB*C*IND*30***29*650.5****N*Y',
    'EB*G*FAM*30***23*6000****N*Y',
    'EB*G*FAM*30***29*4200****N*Y',
    'EB*F*IND*MH***23***VS*30*Y*Y',
    'EB*F*IND*A6',
    'HSD*VS*20***22',
    'DTP*292*RD8*20260101-20261231',
    'LS*2120',
    'NM1*P3*1*NGUYEN*ANNA****XX*2345678900',
    'LE*2120',
    # dependent: inactive
    'HL*4*3*23*0',
    'TRN*2*T2*9123456789',
    'NM1*03*1*GARCIA*SOFIA',
    'EB*6**30',
    # second subscriber: rejected
    'HL*5*2*22*0',
    'TRN*2*T3*9123456789',
    'NM1*IL*1*DOE*JAMES****MI*X1',
    'AAA*Y**75*C',
    ]


def text(body=BODY):
    segments = [
        'ISA*00*          *00*          *ZZ*CLEARHOUSE     *ZZ*CASELOAD    '
        '   *261130*1405*^*00501*000000009*0*T*:',
        'GS*HB*CLEARHOUSE*CASELOAD*20261130*1405*9*X*005010X279A1',
        'ST*271*0001*005010X279A1', *body,
        f'SE*{len(body) + 2}*0001', 'GE*1*9', 'IEA*1*000000009']
    return '~\n'.join(segments) + '~\n'


@pytest.fixture(scope='module')
def members():
    (transaction,) = summary(text())['transactions']
    assert transaction['subscriber_count'] == 2
    return transaction['members']


def test_subscriber(members):
    elena = members[0]
    assert (elena['level'], elena['member_id'], elena['last_name']) == (
        'subscriber', 'ACM555', 'GARCIA')
    assert elena['active'] is True
    assert elena['plan_dates'] == {
        'plan_begin': '20260101', 'plan_end': '20261231'}
    (copay,) = elena['copays']
    assert (copay['amount'], copay['network'], copay['service_types'],
            copay['authorization_required']) == ('25.00', 'in', ['MH'],
                                                 False)
    assert copay['messages'] == ['COPAY PER VISIT']
    (coinsurance,) = elena['coinsurance']
    assert (coinsurance['percent'], coinsurance['network']) == ('0.2', 'in')
    assert [(d['amount'], d['remaining']) for d in elena['deductibles']] == [
        ('1500.00', False), ('650.50', True)]
    assert [(d['amount'], d['remaining'], d['coverage_level'])
            for d in elena['out_of_pocket']] == [
        ('6000.00', False, 'FAM'), ('4200.00', True, 'FAM')]


def test_visit_limits_and_authorization(members):
    visits, therapy = members[0]['visit_limits']
    assert (visits['quantity_qualifier'], visits['quantity']) == ('VS', '30')
    assert visits['authorization_required'] is True
    assert (therapy['quantity_qualifier'], therapy['quantity']) == ('VS', '20')
    assert therapy['dates'] == {'benefit': '20260101-20261231'}
    assert members[0]['prior_authorization_required'] == ['MH']


def test_benefit_entity_loop_does_not_replace_the_member(members):
    # NM1*P3 inside LS/LE is a provider, not the subscriber
    assert members[0]['first_name'] == 'ELENA'


def test_dependent_inactive(members):
    sofia = members[1]
    assert (sofia['level'], sofia['first_name'], sofia['active']) == (
        'dependent', 'SOFIA', False)


def test_rejection(members):
    james = members[2]
    assert james['active'] is None
    assert james['rejections'] == [
        {'valid_request': True, 'reason': '75', 'follow_up': 'C'}]


def test_bad_amount_names_the_eb_segment():
    body = list(BODY)
    body[11] = 'EB*B*IND*MH*HM*GOLD PPO*27*2S'
    with pytest.raises(X12Error) as info:
        summary(text(body))
    # ISA, GS, ST then the body: BODY[11] is segment 15
    assert (info.value.segment, info.value.segment_id) == (15, 'EB')


def test_payer_trace_birth_date_and_response_date():
    (transaction,) = summary(text())['transactions']
    assert transaction['payer'] == {'name': 'ACME HEALTH', 'id': '12345'}
    assert transaction['date'] == '20261130'
    assert [m['trace'] for m in transaction['members']] == ['T1', 'T2', 'T3']


def test_rejection_text():
    from therapy_edi.x12 import rejection_text
    assert rejection_text({'reason': '75', 'follow_up': 'C'}) == (
        '75 Subscriber/insured not found (C: please correct and resubmit)')
    assert rejection_text({'reason': 'ZZ', 'follow_up': None}) == (
        'ZZ Unknown reason code')


def test_271_writer_reads_back():
    import datetime as dt
    from decimal import Decimal

    from therapy_edi.x12 import Benefits, Envelope, Name, write_271
    envelope = Envelope('HOUSE', 'CASELOAD', 12, 12,
                        created=dt.datetime(2026, 12, 1, 9, 30))
    answers = [
        Benefits(Name('REYES', 'KIM'), 'HHP5521', trace='C1',
                 birth_date=dt.date(1990, 5, 17), plan='GOLD',
                 plan_begin=dt.date(2026, 1, 1),
                 plan_end=dt.date(2026, 12, 31), copay=Decimal('25'),
                 coinsurance=Decimal('0.2'), deductible=Decimal('1500'),
                 deductible_remaining=Decimal('650.50'),
                 out_of_pocket=Decimal('6000'),
                 out_of_pocket_remaining=Decimal('4200'), visit_limit=30,
                 visits_remaining=12, authorization_required=True),
        Benefits(Name('MOSS', 'ANA'), 'HHP7000', active=False),
        Benefits(Name('DOE', 'JAMES'), 'X1', rejection='75'),
        ]
    result = summary(write_271(envelope, '0001', 'HARBOR HEALTH PLAN',
                               'HHP01', Name('COURT STREET THERAPY'),
                               '1234567893', answers, 'R1', '9123456789'))
    (transaction,) = result['transactions']
    assert transaction['payer']['id'] == 'HHP01'
    kim, ana, james = transaction['members']
    assert (kim['active'], kim['trace'], kim['birth_date']) == (
        True, 'C1', '19900517')
    assert kim['plan_dates'] == {'plan_begin': '20260101',
                                 'plan_end': '20261231'}
    assert [c['amount'] for c in kim['copays']] == ['25.00']
    assert [(d['amount'], d['remaining']) for d in kim['deductibles']] == [
        ('1500.00', False), ('650.50', True)]
    assert [v['quantity'] for v in kim['visit_limits']] == ['30', '12']
    assert kim['prior_authorization_required']
    assert ana['active'] is False
    assert james['active'] is None and james['rejections'][0]['reason'] == (
        '75')


def test_figures_quote_the_individual_in_network(members):
    from therapy_edi.x12.eligibility import figures
    elena = figures(members[0])
    assert elena == {
        'status': 'active', 'plan_begin': '20260101',
        'plan_end': '20261231', 'copay': '25.00', 'coinsurance': '20',
        'deductible': '1500.00', 'deductible_remaining': '650.50',
        'out_of_pocket': '6000.00', 'out_of_pocket_remaining': '4200.00',
        'network': 'in', 'visit_limit': 30, 'visits_remaining': None,
        'prior_authorization': True, 'rejections': []}
    assert figures(members[1])['status'] == 'inactive'
    james = figures(members[2])
    assert (james['status'], james['rejections']) == ('unknown', [
        '75 Subscriber/insured not found (C: please correct and resubmit)'])
