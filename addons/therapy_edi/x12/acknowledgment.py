"""999 implementation acknowledgments (005010X231A1) and 277CA claim
acknowledgments (005010X214): summaries of received files and small
writers (to build the acknowledgments of generated claims in tests and
scenarios).
"""
import datetime as dt
from dataclasses import dataclass, field

from .amounts import amount, money
from .tokens import Separators, element
from .write import interchange

__all__ = [
    'summary_999', 'summary_277', 'TransactionAck', 'SegmentError',
    'write_999', 'ClaimStatus', 'write_277ca']

ACCEPTED_999 = {'A', 'E'}  # E: accepted with errors noted
# STC01-1 categories: A0 forwarded, A1 received, A2 accepted, A5 split;
# A3 returned unprocessable, A4 not found, A6/A7/A8 rejected
ACCEPTED_277 = {'A0', 'A1', 'A2', 'A5'}


def summary_999(transaction):
    references = []
    current = None
    ak9 = None
    for seg in transaction.segments:
        ident = seg[0]
        if ident == 'AK2':
            current = {'type': element(seg, 1), 'st02': element(seg, 2),
                       'code': None, 'accepted': None, 'error_codes': [],
                       'segment_errors': []}
            references.append(current)
        elif ident == 'IK3' and current is not None:
            current['segment_errors'].append({
                'segment_id': element(seg, 1),
                'position': element(seg, 2),
                'loop': element(seg, 3) or None,
                'code': element(seg, 4) or None,
                'element_errors': []})
        elif ident == 'IK4' and current and current['segment_errors']:
            current['segment_errors'][-1]['element_errors'].append({
                'position': element(seg, 1),
                'reference': element(seg, 2) or None,
                'code': element(seg, 3),
                'value': element(seg, 4) or None})
        elif ident == 'IK5' and current is not None:
            current['code'] = element(seg, 1)
            current['accepted'] = element(seg, 1) in ACCEPTED_999
            current['error_codes'] = [e for e in seg[2:] if e]
        elif ident == 'AK9':
            ak9 = seg
    if ak9 is not None and element(ak9, 3).isdigit():
        received = int(element(ak9, 3))
        accepted = int(element(ak9, 4) or 0)
        rejected = received - accepted
    else:
        accepted = sum(bool(r['accepted']) for r in references)
        rejected = len(references) - accepted
    return {
        'group_code': element(ak9, 1) if ak9 else None,
        'accepted_count': accepted,
        'rejected_count': rejected,
        'references': references,
        }


def summary_277(transaction):
    """Claim-level statuses (HL patient level, TRN*2, STC, REF*1K)."""
    separators = transaction.separators
    references = []
    claim = None
    level = None
    for index, seg in enumerate(transaction.segments):
        ident = seg[0]
        if ident == 'HL':
            level = element(seg, 3)
            claim = None
        elif level != 'PT':
            continue
        elif ident == 'TRN':
            claim = {'trn02': element(seg, 2), 'payer_claim_number': None,
                     'accepted': None, 'statuses': []}
            references.append(claim)
        elif claim is None:
            continue
        elif ident == 'STC':
            parts = element(seg, 1).split(separators.component)
            category = parts[0]
            status = {
                'category': category,
                'code': parts[1] if len(parts) > 1 else None,
                'entity': parts[2] if len(parts) > 2 else None,
                'date': element(seg, 2) or None,
                'charge': money(amount(element(seg, 4), transaction, index,
                                       'STC')) if element(seg, 4) else None,
                'text': element(seg, 12) or None,
                }
            claim['statuses'].append(status)
            if claim['accepted'] is None:
                claim['accepted'] = category in ACCEPTED_277
                claim['category'] = category
                claim['status_code'] = status['code']
                claim['text'] = status['text']
        elif ident == 'REF' and element(seg, 1) == '1K':
            claim['payer_claim_number'] = element(seg, 2)
    accepted = sum(bool(r['accepted']) for r in references)
    return {
        'accepted_count': accepted,
        'rejected_count': len(references) - accepted,
        'references': references,
        }


@dataclass
class SegmentError:
    "An IK3 (and its IK4 element errors: (position, reference, code, value))."
    segment_id: str
    position: int  # segment position in the transaction (ST = 1)
    code: str = '8'  # 8: segment has data element errors
    loop: str = None  # IK303: an LS/LE loop identifier (<= 4), not '2010BA'
    elements: list = field(default_factory=list)


@dataclass
class TransactionAck:
    "One AK2/IK5: the acknowledged transaction and its result."
    st01: str
    st02: str
    implementation: str = '005010X222A1'
    code: str = 'A'  # IK501: A accepted, E accepted with errors, R rejected
    error_codes: list = field(default_factory=list)  # IK502-06
    errors: list = field(default_factory=list)  # SegmentError


def write_999(envelope, st02, functional_id, group_control_number,
              group_version, acks, separators=Separators(),
              line_break=False):
    "A 999 acknowledging one functional group (AK1) of ``acks``."
    body = [['AK1', functional_id, str(group_control_number),
             group_version]]
    for ack in acks:
        body.append(['AK2', ack.st01, ack.st02, ack.implementation])
        for error in ack.errors:
            body.append(['IK3', error.segment_id, str(error.position),
                         error.loop, error.code])
            for position, reference, code, value in error.elements:
                body.append(['IK4', str(position), reference, code, value])
        if ack.code != 'A' and not ack.error_codes:
            raise ValueError('a rejected transaction needs IK5 error codes')
        body.append(['IK5', ack.code, *ack.error_codes[:5]])
    accepted = sum(ack.code in ACCEPTED_999 for ack in acks)
    if accepted == len(acks):
        code = 'A' if all(a.code == 'A' for a in acks) else 'E'
    else:
        code = 'P' if accepted else 'R'
    body.append(['AK9', code, str(len(acks)), str(len(acks)),
                 str(accepted)])
    return interchange(envelope, 'FA', '005010X231A1',
                       [('999', st02, body)], separators, line_break)


@dataclass
class ClaimStatus:
    "One claim's 277CA status (2000D/2200D)."
    claim_id: str  # TRN02: the CLM01 of the claim acknowledged
    patient_last: str
    patient_first: str
    member_id: str
    charge: object  # Decimal
    service_from: dt.date
    service_to: dt.date = None
    category: str = 'A2'  # A1/A2 accepted, A3/A6/A7/A8 rejected
    status: str = '20'  # claim status code (508)
    entity: str = None
    payer_claim_number: str = None  # REF*1K
    text: str = None  # STC12


def write_277ca(envelope, st02, payer_name, payer_id, receiver_name,
                receiver_id, provider_name, provider_npi, claims,
                reference, received=None, separators=Separators(),
                line_break=False):
    "A 277CA with one billing provider and a status per claim."
    received = received or envelope.created.date()
    accepted = [c for c in claims if c.category in ACCEPTED_277]
    rejected = [c for c in claims if c.category not in ACCEPTED_277]
    total = sum((c.charge for c in accepted), 0)
    total_rejected = sum((c.charge for c in rejected), 0)
    created = envelope.created
    body = [
        ['BHT', '0085', '08', reference, created.strftime('%Y%m%d'),
         created.strftime('%H%M'), 'TH'],
        ['HL', '1', '', '20', '1'],
        ['NM1', 'PR', '2', payer_name, '', '', '', '', 'PI', payer_id],
        ['TRN', '1', reference],
        ['DTP', '050', 'D8', received],
        ['DTP', '009', 'D8', created.date()],
        ['HL', '2', '1', '21', '1'],
        ['NM1', '41', '2', receiver_name, '', '', '', '', '46', receiver_id],
        ['TRN', '2', reference],
        ['STC', ('A1', '19', 'PR'), created.date(), 'WQ',
         total + total_rejected],
        ['QTY', '90', str(len(accepted))],
        ['QTY', 'AA', str(len(rejected))],
        ['AMT', 'YU', total],
        ['AMT', 'YY', total_rejected],
        ['HL', '3', '2', '19', '1'],
        ['NM1', '85', '2', provider_name, '', '', '', '', 'XX',
         provider_npi],
        ['TRN', '1', reference],
        # STC02 is not used at the billing provider level (2200C)
        ['STC', ('A1', '19', 'PR'), None, 'WQ', total + total_rejected],
        ['QTY', 'QA', str(len(accepted))],
        ['QTY', 'QC', str(len(rejected))],
        ['AMT', 'YU', total],
        ['AMT', 'YY', total_rejected],
        ]
    for number, claim in enumerate(claims, 4):
        body += [
            ['HL', str(number), '3', 'PT'],
            ['NM1', 'QC', '1', claim.patient_last, claim.patient_first,
             '', '', '', 'MI', claim.member_id],
            ['TRN', '2', claim.claim_id],
            ['STC', (claim.category, claim.status, claim.entity),
             created.date(), 'WQ', claim.charge,
             '', '', '', '', '', '', '', claim.text],
            ]
        if claim.payer_claim_number:
            body.append(['REF', '1K', claim.payer_claim_number])
        if claim.service_to and claim.service_to != claim.service_from:
            body.append(['DTP', '472', 'RD8',
                         f'{claim.service_from:%Y%m%d}-'
                         f'{claim.service_to:%Y%m%d}'])
        else:
            body.append(['DTP', '472', 'D8', claim.service_from])
    return interchange(envelope, 'HN', '005010X214', [('277', st02, body)],
                       separators, line_break)
