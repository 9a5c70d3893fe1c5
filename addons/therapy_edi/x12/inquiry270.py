"""270 eligibility inquiries (005010X279A1) for one or many subscribers.

pyx12 4.0.0 ships no 005010X279A1 map, so these files are checked by the
codec's own reader (envelope, counts, HL hierarchy) rather than by pyx12.
"""
import datetime as dt
from dataclasses import dataclass

from .claim837 import Name
from .tokens import Separators, X12Error
from .write import interchange

__all__ = ['Dependent', 'Inquiry', 'write_270', 'VERSION_270']

VERSION_270 = '005010X279A1'


@dataclass
class Dependent:
    "Loop 2000D/2100D: the patient when not the subscriber."
    name: Name
    birth_date: dt.date
    sex: str = None


@dataclass
class Inquiry:
    "One subscriber (2000C/2100C) and the benefits asked about (EQ)."
    name: Name
    member_id: str
    trace: str  # TRN02: echoed back in the 271
    birth_date: dt.date = None
    sex: str = None
    date: dt.date = None  # DTP*291 plan date, defaults to today
    service_types: tuple = ('30',)  # 30 health benefit plan coverage
    dependent: Dependent = None


def write_270(envelope, st02, payer_name, payer_id, provider_name,
              provider_npi, inquiries, reference, originator_id,
              separators=Separators(), line_break=False):
    """One 270 asking ``payer`` about each inquiry.

    ``originator_id`` is TRN03: '1' or '9' followed by the provider's EIN
    (10 characters)."""
    if not inquiries:
        raise X12Error('a 270 needs at least one subscriber')
    created = envelope.created
    body = [
        ['BHT', '0022', '13', reference, created.strftime('%Y%m%d'),
         created.strftime('%H%M')],
        ['HL', '1', None, '20', '1'],
        ['NM1', 'PR', '2', payer_name, None, None, None, None, 'PI',
         payer_id],
        ['HL', '2', '1', '21', '1'],
        ['NM1', '1P', provider_name.entity_type, *provider_name.elements(),
         'XX', provider_npi],
        ]
    hl = 2
    for inquiry in inquiries:
        hl += 1
        subscriber_hl = hl
        dependent = inquiry.dependent
        date = inquiry.date or created.date()
        body.append(['HL', str(hl), '2', '22', '1' if dependent else '0'])
        if dependent is None:
            body.append(['TRN', '1', inquiry.trace, originator_id])
        body.append(['NM1', 'IL', '1', *inquiry.name.elements(), 'MI',
                     inquiry.member_id])
        if inquiry.birth_date:
            body.append(['DMG', 'D8', inquiry.birth_date, inquiry.sex])
        benefit = [['DTP', '291', 'D8', date]] + [
            ['EQ', code] for code in inquiry.service_types]
        if dependent is None:
            body += benefit
            continue
        hl += 1
        body += [
            ['HL', str(hl), str(subscriber_hl), '23', '0'],
            ['TRN', '1', inquiry.trace, originator_id],
            ['NM1', '03', '1', *dependent.name.elements()],
            ['DMG', 'D8', dependent.birth_date, dependent.sex],
            *benefit,
            ]
    return interchange(envelope, 'HS', VERSION_270, [('270', st02, body)],
                       separators, line_break)
