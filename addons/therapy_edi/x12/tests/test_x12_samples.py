"""Every public sample in /work/shared/x12/samples reads (or, in the
``invalid`` folders, is refused or reported invalid). Skipped when the
folder is absent: the samples are not part of the project."""
import json
import os
import re
from decimal import Decimal

import pytest

from therapy_edi.x12 import X12Error, parse, summary, validate

SAMPLES = os.environ.get('X12_SAMPLES', '/work/shared/x12/samples')
KINDS = ['837p', '270', '271', '999', '277ca', '835']
# cut off at the source: the file ends in the middle of its transaction
TRUNCATED = {'oopf__FromBogeyone.txt'}

pytestmark = pytest.mark.skipif(
    not os.path.isdir(SAMPLES), reason=f'no X12 samples in {SAMPLES}')


def files(kind, sub=''):
    folder = os.path.join(SAMPLES, kind, sub)
    if not os.path.isdir(folder):
        return []
    return [os.path.join(kind, sub, name) for name in sorted(
        os.listdir(folder)) if os.path.isfile(os.path.join(folder, name))]


def read(path):
    with open(os.path.join(SAMPLES, path), 'rb') as file:
        return file.read().decode('utf-8-sig').lstrip()


def naive_segments(text):
    "Segments by plain string handling, without the codec."
    element, terminator = text[3], text[105]
    if terminator in '\r\n':
        terminator = '\n'
    return [s.strip().split(element) for s in text.split(terminator)
            if s.strip()]


VALID = [p for kind in KINDS for p in files(kind)]


@pytest.mark.parametrize('path', VALID)
def test_sample_reads(path):
    text = read(path)
    if os.path.basename(path) in TRUNCATED:
        with pytest.raises(X12Error, match='without SE'):
            parse(text, strict=False)
        return
    result = summary(text, strict=False)
    json.dumps(result)  # JSON-able as the CLI prints it
    kind = path.split(os.sep)[0]
    expected = {'837p': '837', '277ca': '277'}.get(kind, kind)
    assert result['transactions']
    assert {t['type'] for t in result['transactions']} == {expected}

    # SE01 checked independently: a problem is reported iff a count is off
    segments = naive_segments(text)
    wrong = []
    start = None
    for number, seg in enumerate(segments, 1):
        if seg[0] == 'ST':
            start = number
        elif seg[0] == 'SE' and seg[1] != str(number - start + 1):
            wrong.append(number)
    reported = [p for p in result.get('problems', []) if 'SE01' in p]
    assert [int(re.match(r'segment (\d+)', p).group(1))
            for p in reported] == wrong
    if result.get('problems'):
        with pytest.raises(X12Error):
            parse(text)


@pytest.mark.parametrize('path', files('837p'))
def test_837_claim_count_and_total(path):
    text = read(path)
    claims = [s for s in naive_segments(text) if s[0] == 'CLM']
    transactions = summary(text, strict=False)['transactions']
    assert sum(t['claim_count'] for t in transactions) == len(claims)
    total = sum(Decimal(t['total_charge']) for t in transactions)
    assert total == sum(Decimal(c[2]) for c in claims)


@pytest.mark.parametrize('path', files('835'))
def test_835_claims_and_payment(path):
    text = read(path)
    segments = naive_segments(text)
    (transaction,) = summary(text, strict=False)['transactions']
    assert transaction['claim_count'] == sum(s[0] == 'CLP' for s in segments)
    bpr = next(s for s in segments if s[0] == 'BPR')
    assert Decimal(transaction['payment_amount']) == Decimal(bpr[2])
    paid = sum(Decimal(s[4]) for s in segments if s[0] == 'CLP')
    assert Decimal(transaction['claim_paid_total']) == paid
    offsets = sum(Decimal(s[i]) for s in segments if s[0] == 'PLB'
        for i in range(4, len(s), 2) if s[i])
    assert Decimal(transaction['plb_total']) == offsets
    assert transaction['balanced'] == (Decimal(bpr[2]) == paid - offsets)


INVALID = [p for kind in KINDS for p in files(kind, 'invalid')] + files(
    '835', 'no_envelope')


@pytest.mark.parametrize('path', INVALID)
def test_invalid_sample_is_refused_or_reported(path):
    try:
        parse(read(path))
    except X12Error as error:
        assert re.match(r'segment \d+', str(error)), error
        return
    ok, errors = validate(os.path.join(SAMPLES, path))
    assert not ok and errors


def test_no_envelope_names_segment_one():
    paths = files('835', 'no_envelope')
    if not paths:
        pytest.skip('no 835/no_envelope samples')
    for path in paths:
        with pytest.raises(X12Error) as info:
            parse(read(path))
        assert info.value.segment == 1


def test_271_rejection_sample():
    path = os.path.join('271', 'badx12__X279-error-response-from-payer-to-'
                        'clinic-not-eligible-for-inquiries-with-payer.edi')
    if not os.path.exists(os.path.join(SAMPLES, path)):
        pytest.skip('sample absent')
    (transaction,) = summary(read(path))['transactions']
    aaa = [s for s in naive_segments(read(path)) if s[0] == 'AAA']
    assert [r['reason'] for r in transaction['rejections']] == [
        s[3] for s in aaa]


def test_271_benefits_sample():
    path = os.path.join('271', 'badx12__X279-response-to-generic-request-'
                        'by-clinic-for-patient-(subscriber)-eligibility.edi')
    if not os.path.exists(os.path.join(SAMPLES, path)):
        pytest.skip('sample absent')
    (transaction,) = summary(read(path))['transactions']
    (member,) = transaction['members']
    assert member['active'] is True
    assert member['member_id'] == '123456789'
    assert member['plan_dates'] == {'plan_begin': '20060101'}
    assert [(c['amount'], c['network']) for c in member['copays']] == [
        ('10.00', 'in'), ('30.00', 'out')]
    assert 'MH' in member['copays'][0]['service_types']


def test_999_and_277ca_samples():
    rejected = os.path.join('999', 'imsweb__x12_999_rejected.txt')
    ca = os.path.join('277ca', 'imsweb__x12_277CA_rejected.txt')
    if not all(os.path.exists(os.path.join(SAMPLES, p))
               for p in (rejected, ca)):
        pytest.skip('samples absent')
    (ack,) = summary(read(rejected))['transactions']
    assert (ack['accepted_count'], ack['rejected_count']) == (0, 1)
    (reference,) = ack['references']
    assert reference['st02'] == '0028' and reference['error_codes'] == ['5']
    assert reference['segment_errors'][0]['position'] == '17'
    (status,) = summary(read(ca))['transactions']
    (claim,) = status['references']
    assert (claim['trn02'], claim['payer_claim_number']) == (
        '3920394930203', '1107000000001120')
    assert (claim['accepted'], claim['category'], claim['status_code']) == (
        False, 'A7', '562')


def test_validate_on_samples():
    "validate() agrees with pyx12's own verdicts recorded in SOURCES.md."
    clean = os.path.join(SAMPLES, '837p', 'badx12__X222-ambulance.edi')
    flagged = os.path.join(SAMPLES, '837p', 'badx12__X222-oxygen.edi')
    if not (os.path.exists(clean) and os.path.exists(flagged)):
        pytest.skip('samples absent')
    assert validate(clean) == (True, [])
    ok, errors = validate(flagged)
    assert not ok
    numbers = [i for i, s in enumerate(naive_segments(read(flagged)), 1)
               if s[0] == 'PWK' and s[2] == 'AD']
    assert [int(re.match(r'segment (\d+)', e).group(1))
            for e in errors] == numbers
    assert all('PWK02' in e for e in errors)
