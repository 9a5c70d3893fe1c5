"""Tokenizer tolerances, malformed files and envelope checks."""
import pytest

from therapy_edi.x12 import (
    Separators, X12Error, interchange, parse, summary, tokenize,
    write_837p)
from x12_fixtures import batch, envelope


@pytest.fixture(scope='module')
def claim_text():
    return write_837p(batch(), envelope())


def raw_segments(text, terminator='~'):
    "Segments counted without the codec: split on the terminator."
    return [s.strip() for s in text.split(terminator) if s.strip()]


def number_of(text, prefix):
    "1-based number of the first segment starting with ``prefix``."
    return next(i for i, s in enumerate(raw_segments(text), 1)
                if s.startswith(prefix))


def replace_segment(text, prefix, new):
    segs = raw_segments(text)
    index = number_of(text, prefix) - 1
    segs[index] = new
    return '~'.join(segs) + '~'


def test_plain(claim_text):
    result = summary(claim_text)
    (transaction,) = result['transactions']
    assert transaction['type'] == '837'
    assert transaction['claim_count'] == 3
    assert transaction['total_charge'] == '750.50'
    assert 'problems' not in result


@pytest.mark.parametrize('variant', [
    'bom', 'crlf', 'lf', 'indented', 'leading_space', 'bytes_bom'])
def test_layout_tolerance(claim_text, variant):
    segs = raw_segments(claim_text)
    text = {
        'bom': '\ufeff' + claim_text,
        'crlf': '~\r\n'.join(segs) + '~\r\n',
        'lf': '~\n'.join(segs) + '~\n',
        'indented': ''.join(
            '  ' * (i % 4) + s + '~\r\n' for i, s in enumerate(segs)),
        'leading_space': '\r\n\n   ' + claim_text,
        'bytes_bom': b'\xef\xbb\xbf' + claim_text.encode(),
        }[variant]
    assert summary(text) == summary(claim_text)


@pytest.mark.parametrize('separators', [
    Separators('|', '>', '\n', '^'),
    Separators('!', '^', "'", '{'),
    Separators('*', ':', '~', '`'),
    ])
def test_other_separators(separators):
    text = write_837p(batch(), envelope(), separators=separators)
    assert text[3] == separators.element
    found, segments = tokenize(text)
    assert found == separators
    assert summary(text)['transactions'][0]['claim_count'] == 3
    hi = next(s for s in segments if s[0] == 'HI')
    assert hi[1] == separators.component.join(['ABK', 'F331'])


def test_no_line_breaks_and_line_breaks_give_same_segments():
    flat = write_837p(batch(), envelope())
    broken = write_837p(batch(), envelope(), line_break=True)
    assert '\n' not in flat and broken.count('\n') == flat.count('~')
    assert tokenize(flat)[1] == tokenize(broken)[1]


def test_two_interchanges(claim_text):
    second = write_837p(batch(), envelope(2), transaction_control_number='7')
    document = parse(claim_text + '\r\n' + second)
    assert len(document.interchanges) == 2
    assert [t.control_number for t in document.transactions] == ['0001', '7']
    assert summary(claim_text + second)['transactions'][1]['st02'] == '7'


def test_two_transactions_in_a_group():
    body = [['BHT', '0019', '00', 'X', '20260101', '1200', 'CH'],
            ['CLM', 'A', '10', '', '', ('11', 'B', '1')]]
    text = interchange(envelope(), 'HC', '005010X222A1',
                       [('837', '0001', body), ('837', '0002', body[:1])])
    document = parse(text)
    assert [t.control_number for t in document.transactions] == [
        '0001', '0002']
    assert document.transactions[0].se[1] == '4'
    assert [t['claim_count'] for t in summary(text)['transactions']] == [
        1, 0]


def test_not_x12():
    with pytest.raises(X12Error) as info:
        parse('GS*HC*A*B~ST*837*1~')
    assert info.value.segment == 1
    assert 'segment 1' in str(info.value) and 'ISA' in str(info.value)


def test_truncated_isa():
    with pytest.raises(X12Error, match=r'segment 1 \(ISA\).*16 elements'):
        parse('ISA*00*          *00*~')


def test_bad_segment_id_names_its_number(claim_text):
    number = number_of(claim_text, 'DMG')
    text = replace_segment(claim_text, 'DMG', 'D#G*D8*19850412*F')
    with pytest.raises(X12Error) as info:
        parse(text)
    assert info.value.segment == number
    assert f'segment {number}' in str(info.value)


def test_segment_outside_a_transaction(claim_text):
    segs = raw_segments(claim_text)
    segs.insert(2, 'NM1*41*2*STRAY')  # between GS and ST
    with pytest.raises(X12Error, match=r'segment 3 \(NM1\)'):
        parse('~'.join(segs) + '~')


def test_missing_se(claim_text):
    segs = [s for s in raw_segments(claim_text) if not s.startswith('SE*')]
    with pytest.raises(X12Error) as info:
        parse('~'.join(segs) + '~')
    assert info.value.segment_id == 'GE'
    assert 'SE' in info.value.reason


def test_file_ends_inside_a_transaction(claim_text):
    segs = raw_segments(claim_text)[:20]
    with pytest.raises(X12Error, match='without SE'):
        parse('~'.join(segs) + '~')


@pytest.mark.parametrize('prefix, new, message', [
    ('SE*', 'SE*85*0001', "SE01 says '85' segments but the transaction "
     'has 86'),
    ('SE*', 'SE*86*0002', "SE02 '0002' does not match ST02 '0001'"),
    ('GE*', 'GE*2*1', "GE01 says '2' transactions but the group has 1"),
    ('GE*', 'GE*1*9', "GE02 '9' does not match GS06 '1'"),
    ('IEA*', 'IEA*3*000000001', "IEA01 says '3' groups"),
    ('IEA*', 'IEA*1*000000002', "IEA02 '000000002' does not match ISA13"),
    ])
def test_envelope_mismatch(claim_text, prefix, new, message):
    number = number_of(claim_text, prefix)
    text = replace_segment(claim_text, prefix, new)
    with pytest.raises(X12Error) as info:
        parse(text)
    assert info.value.segment == number
    assert message in str(info.value)
    # tolerant reading reports the same problem instead of raising
    result = summary(text, strict=False)
    assert result['transactions'][0]['claim_count'] == 3
    assert any(message in p for p in result['problems'])


def test_isa_fixed_width(claim_text):
    text = claim_text.replace('*ZZ*CASELOAD       *', '*ZZ*CASELOAD*', 1)
    with pytest.raises(X12Error, match=r'segment 1 \(ISA\): ISA06 is 8'):
        parse(text)


def test_bad_amount_names_the_claim(claim_text):
    number = number_of(claim_text, 'CLM*CL1002')
    text = claim_text.replace('CLM*CL1002*60*', 'CLM*CL1002*6O*')
    with pytest.raises(X12Error) as info:
        summary(text)
    assert (info.value.segment, info.value.segment_id) == (number, 'CLM')


def test_writer_refuses_a_separator_in_a_value():
    claims = batch()
    claims.subscribers[0].name.last = 'O*BRIEN'
    with pytest.raises(X12Error, match='separator'):
        write_837p(claims, envelope())


def test_separators_must_differ():
    with pytest.raises(X12Error):
        write_837p(batch(), envelope(),
                   separators=Separators('*', '*', '~', '^'))


def test_interchanges_with_their_own_separators(claim_text):
    other = Separators('|', '>', '\n', '^')
    second = write_837p(batch(), envelope(2), separators=other)
    document = parse(claim_text + second)
    first, last = document.transactions
    assert first.separators == Separators()
    assert last.separators == other
    assert [t['claim_count'] for t in summary(
        claim_text + second)['transactions']] == [3, 3]


def test_text_after_the_last_interchange(claim_text):
    count = len(raw_segments(claim_text))
    with pytest.raises(X12Error) as info:
        parse(claim_text + 'GARBAGE~')
    assert info.value.segment == count + 1


def test_non_ascii_is_reported_by_validate(claim_text):
    from therapy_edi.x12 import validate
    number = number_of(claim_text, 'NM1*QC')
    ok, errors = validate(claim_text.replace('SOFIA', 'SOFÍA'))
    assert not ok
    assert errors == [f'segment {number} (NM1): non-ASCII characters are '
                      'not allowed in X12']


def test_missing_segment_terminator(claim_text):
    isa, rest = claim_text.split('~', 1)
    with pytest.raises(X12Error, match=r'segment 1 \(ISA\).*terminator'):
        parse(isa + rest)
