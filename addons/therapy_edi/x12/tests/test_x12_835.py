"""The 835 reader: every element posting needs, read from files written
here (the public samples are read in test_x12_samples.py), and a clear
error naming the segment for what is malformed."""
import datetime as dt
from decimal import Decimal as D

import pytest

from therapy_edi.x12 import Envelope, X12Error, summary
from therapy_edi.x12.claim837 import Adjustment
from therapy_edi.x12.remittance835 import read_835
from therapy_edi.x12.write import interchange

CREATED = dt.datetime(2026, 11, 30, 9, 15)
HEADER = [
    ['BPR', 'I', '283.00', 'C', 'ACH', 'CCP', '01', '011000015', 'DA',
        '123456', '1512345678', '', '01', '021000021', 'DA', '9876543',
        '20261128'],
    ['TRN', '1', 'EFT778899', '1512345678'],
    ['REF', 'EV', 'CASELOAD'],
    ['DTM', '405', '20261127'],
    ['N1', 'PR', 'HARBOR HEALTH PLAN'],
    ['N3', 'PO BOX 1200'],
    ['N4', 'ALBANY', 'NY', '12201'],
    ['REF', '2U', 'HHP01'],
    ['PER', 'BL', 'EDI SUPPORT', 'TE', '8005550199'],
    ['N1', 'PE', 'COURT STREET THERAPY', 'XX', '1987654326'],
    ['REF', 'TJ', '123456789'],
    ]
PAID = [
    ['LX', '1'],
    ['CLP', 'CLM0042', '1', '340.00', '213.00', '40.00', '12',
        'HHP2611280001', '11', '1'],
    ['CAS', 'CO', '45', '87.00', '', '253', '0.00'],
    ['NM1', 'QC', '1', 'REYES', 'KIM', 'A', '', '', 'MI', 'HHP5521'],
    ['NM1', '82', '1', 'LIND', 'NOA', '', '', '', 'XX', '1234567893'],
    ['MOA', '', '', 'MA01'],
    ['DTM', '232', '20261102'],
    ['AMT', 'AU', '253.00'],
    ['SVC', ['HC', '90837', '95', 'HO'], '190.00', '123.00', '', '1',
        ['HC', '90837', '95']],
    ['DTM', '472', '20261102'],
    ['CAS', 'CO', '45', '47.00'],
    ['CAS', 'PR', '3', '20.00', '1'],
    ['REF', '6R', 'CLM0042-1'],
    ['AMT', 'B6', '143.00'],
    ['SVC', ['HC', '90834'], '150.00', '90.00', '', '1'],
    ['DTM', '472', '20261109'],
    ['CAS', 'CO', '45', '40.00'],
    ['CAS', 'PR', '3', '20.00'],
    ['REF', '6R', 'CLM0042-2'],
    ['LQ', 'HE', 'N130'],
    ]
DENIED_AND_REVERSED = [
    ['LX', '2'],
    ['CLP', 'CLM0043', '4', '150.00', '0', '', '12', 'HHP2611280002'],
    ['CAS', 'CO', '29', '150.00'],
    ['NM1', 'QC', '1', 'OCHS', 'BEN'],
    ['NM1', '74', '1', 'OCHS', 'BENJAMIN'],
    ['CLP', 'CLM0040', '22', '-150.00', '-90.00', '', '12',
        'HHP2610010007', '11', '8'],
    ['CAS', 'CO', '45', '-60.00'],
    ['NM1', 'QC', '1', 'GOLD', 'RUTH'],
    ['PLB', '1987654326', '20261231', ['WO', 'HHP2609'], '-50.00',
        ['L6'], '30.00'],
    ]


def file_835(*bodies, version='005010X221A1', line_break=False):
    envelope = Envelope('HHP01', 'CASELOAD', 7, 7, created=CREATED)
    return interchange(envelope, 'HP', version,
        [('835', f'{n:04d}', body) for n, body in enumerate(bodies, 1)],
        line_break=line_break, st03=False)


def test_payment_trace_payer_and_payee():
    remittance, = read_835(file_835(HEADER + PAID + DENIED_AND_REVERSED))
    assert remittance.st02 == '0001'
    assert remittance.implementation == '005010X221A1'
    assert (remittance.handling, remittance.payment_amount,
        remittance.credit_debit, remittance.payment_method,
        remittance.payment_format, remittance.payment_date) == (
        'I', D('283.00'), 'C', 'ACH', 'CCP', dt.date(2026, 11, 28))
    assert (remittance.trace_type, remittance.check_number,
        remittance.payer_identifier) == ('1', 'EFT778899', '1512345678')
    assert remittance.references == {'EV': 'CASELOAD'}
    assert remittance.dates == {'405': dt.date(2026, 11, 27)}
    payer, payee = remittance.payer, remittance.payee
    assert (payer.name, payer.address, payer.city, payer.state,
        payer.postal_code, payer.references, payer.contacts) == (
        'HARBOR HEALTH PLAN', ['PO BOX 1200'], 'ALBANY', 'NY', '12201',
        {'2U': 'HHP01'}, [['BL', 'EDI SUPPORT', 'TE', '8005550199']])
    assert (payee.name, payee.id_qualifier, payee.id, payee.references) == (
        'COURT STREET THERAPY', 'XX', '1987654326', {'TJ': '123456789'})


def test_claims_services_and_adjustments():
    remittance, = read_835(file_835(HEADER + PAID + DENIED_AND_REVERSED))
    paid, denied, reversal = remittance.claims
    assert (paid.claim_id, paid.status, paid.charge, paid.paid,
        paid.patient_responsibility, paid.filing_indicator,
        paid.payer_claim_number, paid.facility_type, paid.frequency,
        paid.header_number) == ('CLM0042', '1', D('340.00'), D('213.00'),
        D('40.00'), '12', 'HHP2611280001', '11', '1', '1')
    # every reason, amount, quantity triple of a CAS
    assert paid.adjustments == [Adjustment('CO', '45', D('87.00')),
        Adjustment('CO', '253', D('0.00'))]
    patient, rendering = paid.people['patient'], paid.people['rendering']
    assert (patient.name, patient.first_name, patient.middle_name,
        patient.id_qualifier, patient.id) == (
        'REYES', 'KIM', 'A', 'MI', 'HHP5521')
    assert (rendering.name, rendering.id) == ('LIND', '1234567893')
    assert paid.outpatient == ['', '', 'MA01']
    assert paid.dates == {'232': dt.date(2026, 11, 2)}
    assert paid.amounts == {'AU': D('253.00')}

    first, second = paid.services
    assert (first.qualifier, first.procedure, first.modifiers, first.charge,
        first.paid, first.units, first.original_procedure,
        first.original_modifiers) == ('HC', '90837', ('95', 'HO'),
        D('190.00'), D('123.00'), D(1), '90837', ('95',))
    assert first.service_date == dt.date(2026, 11, 2)
    assert first.adjustments == [Adjustment('CO', '45', D('47.00')),
        Adjustment('PR', '3', D('20.00'), D(1))]
    assert first.control_number == 'CLM0042-1'
    assert first.amounts == {'B6': D('143.00')}
    assert (second.procedure, second.modifiers, second.original_procedure,
        second.remarks) == ('90834', (), None, [('HE', 'N130')])
    assert first.segment == paid.segment + 7

    assert denied.denied and not denied.services
    assert denied.patient_responsibility is None
    assert denied.people['corrected_insured'].first_name == 'BENJAMIN'
    assert reversal.reversal and reversal.paid == D('-90.00')
    assert reversal.adjustments == [Adjustment('CO', '45', D('-60.00'))]


def test_provider_adjustments_and_balance():
    remittance, = read_835(file_835(HEADER + PAID + DENIED_AND_REVERSED))
    plb, = remittance.provider_adjustments
    assert (plb.provider, plb.fiscal_period_end) == (
        '1987654326', dt.date(2026, 12, 31))
    assert plb.adjustments == [('WO', 'HHP2609', D('-50.00')),
        ('L6', None, D('30.00'))]
    assert remittance.claim_paid_total == D('123.00')  # 213 + 0 - 90
    assert remittance.plb_total == D('-20.00')
    # 283.00 == 123.00 - (-20.00) is false: the payer paid more than that
    assert not remittance.balanced


def test_a_debit_is_money_taken_from_the_practice():
    """BPR03 = D: a recoupment of 263.00 against 213.00 paid; BPR02 says
    50.00 and the payer debits it, so the transaction balances at -50"""
    debit = [['BPR', 'I', '50.00', 'D', 'ACH', 'CCP', '01', '011000015',
            'DA', '123456', '1512345678', '', '01', '021000021', 'DA',
            '9876543', '20261128']] + HEADER[1:]
    recoupment = [['PLB', '1987654326', '20261231', ['WO', 'HHP2609'],
            '263.00']]
    remittance, = read_835(file_835(debit + PAID + recoupment))
    assert (remittance.payment_amount, remittance.credit_debit,
        remittance.net_payment) == (D('50.00'), 'D', D('-50.00'))
    assert remittance.balanced
    credit = [['BPR', 'I', '50.00', 'C'] + debit[0][4:]] + HEADER[1:]
    assert not read_835(file_835(credit + PAID + recoupment))[0].balanced


def test_summary_of_each_transaction_in_file_order():
    balanced = [['BPR', 'I', '213.00', 'C', 'CHK', '', '', '', '', '', '',
            '', '', '', '', '', '20261128'], ['TRN', '1', '10045', '1']]
    text = file_835(HEADER + PAID + DENIED_AND_REVERSED,
        balanced + HEADER[2:] + PAID)
    first, second = summary(text)['transactions']
    assert first == {
        'type': '835', 'st02': '0001', 'implementation': '005010X221A1',
        'segment': 3, 'check_number': 'EFT778899',
        'payment_amount': '283.00', 'payment_method': 'ACH',
        'payer': 'HARBOR HEALTH PLAN', 'payee': 'COURT STREET THERAPY',
        'claim_count': 3, 'claim_paid_total': '123.00',
        'plb_total': '-20.00', 'balanced': False}
    assert (second['st02'], second['check_number'], second['payment_method'],
        second['claim_count'], second['claim_paid_total'],
        second['plb_total'], second['balanced']) == (
        '0002', '10045', 'CHK', 1, '213.00', '0.00', True)


def test_4010_and_line_breaks():
    text = file_835(HEADER + PAID, version='004010X091A1', line_break=True)
    indented = '\ufeff' + '\n'.join('   ' + line
        for line in text.splitlines())
    remittance, = read_835(indented)
    assert remittance.implementation == '004010X091A1'
    assert [s.procedure for s in remittance.claims[0].services] == [
        '90837', '90834']


@pytest.mark.parametrize('body, segment, message', [
    # segment numbers count ISA 1, GS 2, ST 3: the header is 4-14
    (HEADER + [['LX', '1'], ['CLP', 'CLM1', '1', '10,00', '5']], 16,
        "'10,00' is not an amount"),
    (HEADER + [['SVC', ['HC', '90837'], '10', '5']], 15,
        'SVC outside a claim'),
    (HEADER + [['CAS', 'CO', '45', '5']], 15, 'CAS outside a claim'),
    (HEADER[1:], 3, 'no BPR'),
    (HEADER[:1] + HEADER[2:], 3, 'no TRN'),
    (HEADER + [['LX', '1'], ['CLP', 'CLM1', '1', '10', '5'],
            ['DTM', '232', '20261341']], 17, "'20261341' is not a date"),
    (HEADER + [['LX', '1'], ['CLP', '', '1', '10', '5']], 16,
        'CLP01'),
    (HEADER + PAID + [['PLB', '1', '20261231', ['WO'], 'x']],
        4 + len(HEADER) + len(PAID), "'x' is not an amount"),
    ])
def test_malformed_names_the_segment(body, segment, message):
    with pytest.raises(X12Error, match=message) as error:
        read_835(file_835(body))
    assert error.value.segment == segment


def test_lenient_summary_lists_what_strict_refuses():
    body = HEADER + [['LX', '1'], ['CLP', 'CLM1', '1', '10', '5'],
        ['SVC', 'HC', '10', '5'], ['DTM', '472', '20261341']]
    text = file_835(body)
    with pytest.raises(X12Error, match='SVC01 has no procedure code'):
        read_835(text)
    transaction, = summary(text)['transactions']
    assert transaction['problems'] == [
        'segment 17 (SVC): SVC01 has no procedure code',
        "segment 18 (DTM): '20261341' is not a date (CCYYMMDD)"]


def without_segments(value):
    "A remittance as plain data, without where its parts were in the file"
    if isinstance(value, dict):
        return {k: without_segments(v) for k, v in value.items()
            if k != 'segment'}
    if isinstance(value, (list, tuple)):
        return type(value)(without_segments(v) for v in value)
    return value


def test_written_835_reads_back_the_same():
    from dataclasses import asdict

    from therapy_edi.x12.remittance835 import remittance_segments
    text = file_835(HEADER + PAID + DENIED_AND_REVERSED)
    remittance, = read_835(text)
    again, = read_835(file_835(remittance_segments(remittance)))
    assert without_segments(asdict(again)) == without_segments(
        asdict(remittance))


def test_written_835_is_valid_for_pyx12(tmp_path):
    from therapy_edi.x12 import validate
    from therapy_edi.x12.remittance835 import remittance_segments
    remittance, = read_835(file_835(HEADER + PAID + DENIED_AND_REVERSED))
    path = tmp_path / 'era.835'
    path.write_text(file_835(remittance_segments(remittance)))
    assert validate(str(path)) == (True, [])
