"""271 eligibility responses (005010X279A1): what a payer answers a 270.

The practice never sends a 271; this writer is for the tests and the demo,
which need answers that go through the real import. It writes the benefits
the summary reads (:mod:`.eligibility`): coverage active or inactive, plan
dates, copay, coinsurance, deductible and out-of-pocket with their
remaining amounts, visit limits, prior authorization, or an AAA rejection.
"""
import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from .claim837 import Name
from .inquiry270 import VERSION_270
from .tokens import Separators, X12Error
from .write import interchange

__all__ = ['Benefits', 'write_271']

YEAR = '23'  # EB06 calendar year
REMAINING = '29'
VISIT = '27'


@dataclass
class Benefits:
    "One subscriber's answer (2000C/2100C/2110C), in network."
    name: Name
    member_id: str
    trace: str = None  # TRN02 of the 270 it answers
    birth_date: dt.date = None
    active: bool = True
    plan: str = None
    plan_begin: dt.date = None
    plan_end: dt.date = None
    service_type: str = 'MH'  # EB03 of the service benefits
    copay: Decimal = None
    coinsurance: Decimal = None  # a fraction: 0.2 is 20 %
    deductible: Decimal = None
    deductible_remaining: Decimal = None
    out_of_pocket: Decimal = None
    out_of_pocket_remaining: Decimal = None
    visit_limit: int = None
    visits_remaining: int = None
    authorization_required: bool = False
    rejection: str = None  # AAA03: the payer could not answer
    follow_up: str = 'C'  # AAA04


def _member(hl, answer, originator_id):
    segments = [['HL', str(hl), '2', '22', '0']]
    if answer.trace:
        segments.append(['TRN', '2', answer.trace, originator_id])
    segments.append(['NM1', 'IL', '1', *answer.name.elements(), 'MI',
                     answer.member_id])
    if answer.rejection:
        segments.append(['AAA', 'Y', None, answer.rejection,
                         answer.follow_up])
        return segments
    if answer.birth_date:
        segments.append(['DMG', 'D8', answer.birth_date])
    if answer.plan_begin:
        segments.append(['DTP', '346', 'D8', answer.plan_begin])
    if answer.plan_end:
        segments.append(['DTP', '347', 'D8', answer.plan_end])
    segments.append(['EB', '1' if answer.active else '6', 'IND', '30',
                     None, answer.plan])
    if not answer.active:
        return segments
    service = answer.service_type
    authorization = answer.authorization_required

    def eb(code, period, amount=None, percent=None, quantity=None,
           service_type=service):
        return ['EB', code, 'IND', service_type, None, None, period,
                amount, percent, 'VS' if quantity is not None else None,
                quantity, authorization, 'Y']
    if answer.copay is not None:
        segments.append(eb('B', VISIT, amount=answer.copay))
    if answer.coinsurance is not None:
        segments.append(eb('A', VISIT, percent=answer.coinsurance))
    for code, total, remaining in [
            ('C', answer.deductible, answer.deductible_remaining),
            ('G', answer.out_of_pocket, answer.out_of_pocket_remaining)]:
        if total is not None:
            segments.append(eb(code, YEAR, amount=total, service_type='30'))
        if remaining is not None:
            segments.append(eb(code, REMAINING, amount=remaining,
                               service_type='30'))
    if answer.visit_limit is not None:
        segments.append(eb('F', YEAR, quantity=answer.visit_limit))
    if answer.visits_remaining is not None:
        segments.append(eb('F', REMAINING, quantity=answer.visits_remaining))
    return segments


def write_271(envelope, st02, payer_name, payer_id, provider_name,
              provider_npi, answers, reference, originator_id,
              separators=Separators(), line_break=False):
    "One 271 from ``payer`` answering each of ``answers`` (Benefits)"
    if not answers:
        raise X12Error('a 271 needs at least one subscriber')
    created = envelope.created
    body = [
        ['BHT', '0022', '11', reference, created.strftime('%Y%m%d'),
         created.strftime('%H%M')],
        ['HL', '1', None, '20', '1'],
        ['NM1', 'PR', '2', payer_name, None, None, None, None, 'PI',
         payer_id],
        ['HL', '2', '1', '21', '1'],
        ['NM1', '1P', provider_name.entity_type, *provider_name.elements(),
         'XX', provider_npi],
        ]
    for hl, answer in enumerate(answers, 3):
        body += _member(hl, answer, originator_id)
    return interchange(envelope, 'HB', VERSION_270, [('271', st02, body)],
                       separators, line_break)
