"""Writers: the generated 837P (and 999, 277CA) validate under pyx12, and a
changed element makes pyx12 report the segment; 270 reads back."""
import datetime as dt
from decimal import Decimal as D

import pytest

from therapy_edi.x12 import (
    ClaimStatus, Dependent, Inquiry, Name, SegmentError, TransactionAck,
    X12Error, parse, summary, validate, write_270, write_277ca, write_837p,
    write_999)
from x12_fixtures import DAY, batch, envelope


@pytest.fixture(scope='module')
def claim_text():
    return write_837p(batch(), envelope(), line_break=True)


def lines(text):
    return [line.rstrip('~') for line in text.splitlines()]


def number_of(text, prefix):
    return next(i for i, s in enumerate(lines(text), 1)
                if s.startswith(prefix))


def test_generated_837p_is_valid(claim_text):
    assert validate(claim_text) == (True, [])


def test_generated_837p_from_a_path(claim_text, tmp_path):
    path = tmp_path / 'claims.837'
    path.write_text(claim_text)
    assert validate(path) == (True, [])
    assert validate(str(path))[0] is True


def test_837p_structure(claim_text):
    segs = [s.split('*') for s in lines(claim_text)]
    hls = [s[1:] for s in segs if s[0] == 'HL']
    assert hls == [['1', '', '20', '1'], ['2', '1', '22', '0'],
                   ['3', '1', '22', '1'], ['4', '3', '23', '0']]
    st = next(i for i, s in enumerate(segs) if s[0] == 'ST')
    se = next(i for i, s in enumerate(segs) if s[0] == 'SE')
    assert segs[se][1] == str(se - st + 1)
    # subscriber is the patient: SBR02 18; parent of a dependent: empty
    sbrs = [s for s in segs if s[0] == 'SBR']
    assert sbrs[0][:3] == ['SBR', 'P', '18'] and sbrs[1][2] == ''
    assert ['PAT', '19'] in segs
    assert ['HI', 'ABK:F331', 'ABF:F411', 'ABF:Z630', 'ABF:F4310',
            'ABF:Z9189'] in segs
    assert ['CLM', 'CL1002', '60', '', '', '11:B:7', 'Y', 'A', 'Y',
            'Y'] in segs
    assert ['REF', 'F8', 'PAYER98765'] in segs
    assert segs[number_of(claim_text, 'NM1*DQ') - 1][3:5] == [
        'OKAFOR', 'DAVID']
    sv1 = [s for s in segs if s[0] == 'SV1']
    assert [s[1] for s in sv1[:3]] == [
        'HC:90791', 'HC:90837:HO', 'HC:90846:95:GT']
    assert sv1[2][2] == '120.5' and sv1[2][5] == '02' and sv1[2][7] == '3:5'
    assert sv1[0][5] == ''  # same place of service as the claim
    assert ['SVD', '12345', '84', 'HC:92507', '', '1'] in segs
    assert ['CAS', 'CO', '45', '36'] in segs
    assert summary(claim_text)['transactions'][0]['claim_count'] == 3


@pytest.mark.parametrize('prefix, old, new, message', [
    ('SV1*HC:90791', '*UN*', '*XX*', 'SV103'),
    ('CLM*CL1001', '*Y*A*Y*Y', '*Y*Q*Y*Y', 'CLM07'),
    ('NM1*85', '*XX*', '*ZZ*', 'NM108'),
    ])
def test_changed_element_is_reported(claim_text, prefix, old, new, message):
    number = number_of(claim_text, prefix)
    segs = lines(claim_text)
    assert old in segs[number - 1]
    segs[number - 1] = segs[number - 1].replace(old, new)
    ok, errors = validate('~\n'.join(segs) + '~\n')
    assert not ok
    assert any(e.startswith(f'segment {number} ') and message in e
               for e in errors), errors


def test_missing_service_date_is_reported(claim_text):
    number = number_of(claim_text, 'DTP*472')
    segs = lines(claim_text)
    del segs[number - 1]
    segs[number_of(claim_text, 'SE*') - 2] = 'SE*85*0001'
    ok, errors = validate('~\n'.join(segs) + '~\n')
    assert not ok
    assert any('Service Date' in e for e in errors), errors


def test_validate_names_our_own_errors():
    ok, errors = validate('ISA*00*~GS*HC~')
    assert not ok and errors[0].startswith('segment 1 (ISA)')


@pytest.mark.parametrize('change, message', [
    (lambda b: setattr(b.subscribers[0].claims[1], 'payer_claim_number',
                       None), 'REF\\*F8'),
    (lambda b: setattr(b.subscribers[0].claims[0], 'diagnoses',
                       ['F32.0'] * 13), '13 diagnoses'),
    (lambda b: setattr(b.subscribers[0].claims[0].lines[0],
                       'diagnosis_pointers', (6,)), 'pointers'),
    (lambda b: setattr(b.subscribers[0].claims[0].lines[0], 'modifiers',
                       ('1', '2', '3', '4', '5')), '4 modifiers'),
    (lambda b: setattr(b.subscribers[1].patient, 'relationship', '99'),
     'PAT01'),
    (lambda b: setattr(b.subscribers[0].claims[0], 'frequency', '2'),
     'frequency'),
    (lambda b: setattr(b.billing_provider.address, 'zip', '62701'),
     'ZIP\\+4'),
    (lambda b: setattr(b.subscribers[0].claims[0].service_facility.address,
                       'zip', '62702'), 'service facility'),
    (lambda b: setattr(b.subscribers[1].claims[0].lines[0].adjudications[0],
                       'payer_id', '99999'), '2330B'),
    ])
def test_writer_refuses_a_structurally_wrong_claim(change, message):
    claims = batch()
    change(claims)
    with pytest.raises(X12Error, match=message):
        write_837p(claims, envelope())


def test_delay_reason_is_clm20():
    claims = batch()
    claims.subscribers[0].claims[0].delay_reason = '1'
    text = write_837p(claims, envelope(), line_break=True)
    clm = lines(text)[number_of(text, 'CLM*CL1001') - 1].split('*')
    assert clm[20] == '1' and len(clm) == 21


def test_999_writer():
    text = write_999(
        envelope(5), '0005', 'HC', 1, '005010X222A1',
        [TransactionAck('837', '0001'),
         TransactionAck('837', '0002', code='R', error_codes=['5'],
                        errors=[SegmentError('NM1', 17, '8', None,
                                             [(9, '67', '7', 'X')])])])
    assert validate(text) == (True, [])
    (ack,) = summary(text)['transactions']
    assert (ack['accepted_count'], ack['rejected_count']) == (1, 1)
    assert ack['group_code'] == 'P'
    rejected = ack['references'][1]
    assert (rejected['st02'], rejected['code']) == ('0002', 'R')
    assert rejected['segment_errors'][0]['element_errors'][0]['code'] == '7'


def test_277ca_writer():
    text = write_277ca(
        envelope(6), '0006', 'ACME HEALTH', '12345', 'RIVERSIDE', 'SUB001',
        'RIVERSIDE THERAPY GROUP', '1234567893',
        [ClaimStatus('CL1001', 'GARCIA', 'ELENA', 'ACM555', D('550.50'), DAY,
                     DAY + dt.timedelta(14), payer_claim_number='P1'),
         ClaimStatus('CL1003', 'GARCIA', 'SOFIA', 'MCD777', D('140'), DAY,
                     category='A7', status='562', entity='85',
                     text='NPI INVALID')],
        'R277')
    assert validate(text) == (True, [])
    (status,) = summary(text)['transactions']
    assert (status['accepted_count'], status['rejected_count']) == (1, 1)
    first, second = status['references']
    assert (first['trn02'], first['payer_claim_number'],
            first['accepted']) == ('CL1001', 'P1', True)
    assert (second['category'], second['status_code'], second['text']) == (
        'A7', '562', 'NPI INVALID')


def test_270_writer():
    text = write_270(
        envelope(3), '0003', 'ACME HEALTH', '12345',
        Name('RIVERSIDE THERAPY GROUP'), '1234567893',
        [Inquiry(Name('GARCIA', 'ELENA'), 'ACM555', 'T1',
                 dt.date(1985, 4, 12), 'F'),
         Inquiry(Name('GARCIA', 'MARCO'), 'MCD777', 'T2',
                 service_types=('30', 'MH'),
                 dependent=Dependent(Name('GARCIA', 'SOFIA'),
                                     dt.date(2016, 6, 1), 'F'))],
        'REF1', '9123456789')
    document = parse(text)
    (transaction,) = document.transactions
    assert transaction.implementation == '005010X279A1'
    hls = [s[1:] for s in transaction.segments if s[0] == 'HL']
    assert hls == [['1', '', '20', '1'], ['2', '1', '21', '1'],
                   ['3', '2', '22', '0'], ['4', '2', '22', '1'],
                   ['5', '4', '23', '0']]
    assert [s for s in transaction.segments if s[0] == 'EQ'] == [
        ['EQ', '30'], ['EQ', '30'], ['EQ', 'MH']]
    assert summary(text)['transactions'][0]['subscriber_count'] == 2
    # pyx12 4.0.0 ships no 5010 270 map: said so, not a crash
    ok, errors = validate(text)
    assert not ok and 'Map not found' in errors[0]


@pytest.mark.parametrize('value, text', [
    (D('250.00'), '250'), (D('120.50'), '120.5'), (D('1E+2'), '100'),
    (D('0.00'), '0'), (D('-36.10'), '-36.1'), (D('0.2'), '0.2')])
def test_amounts_in_x12_notation(value, text):
    from therapy_edi.x12.tokens import Separators
    from therapy_edi.x12.write import format_element
    assert format_element(value, Separators()) == text


def test_envelope_ids_cannot_hold_a_separator():
    bad = envelope()
    bad.sender_id = 'CASE*LOAD'
    with pytest.raises(X12Error, match='separator'):
        write_837p(batch(), bad)
