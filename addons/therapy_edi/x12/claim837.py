"""837P professional claims (005010X222A1) written from plain dataclasses.

Loop order, HL hierarchy (20 billing provider, 22 subscriber, 23 patient)
and element usage follow the implementation guide as encoded in pyx12's
``837.5010.X222.A1.xml`` map; the tests validate generated files with pyx12.
Values are taken as given (the Tryton module checks them with ir.message
errors before building the batch); the writer only refuses what would make
the file structurally wrong (a replacement without REF*F8, more than 12
diagnoses, a pointer to no diagnosis).
"""
import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from .tokens import Separators, X12Error
from .write import interchange

__all__ = [
    'Name', 'Address', 'Submitter', 'Receiver', 'BillingProvider', 'Payer',
    'Provider', 'ServiceFacility', 'Patient', 'Adjustment',
    'LineAdjudication', 'OtherPayer', 'ServiceLine', 'Claim', 'Subscriber',
    'ClaimBatch', 'VERSION', 'claim_segments', 'write_837p']

VERSION = '005010X222A1'
PATIENT_RELATIONSHIPS = {'01', '19', '20', '21', '39', '40', '53', 'G8'}
FREQUENCIES = {'1', '7', '8'}


@dataclass
class Name:
    "A person (``first`` set) or an organization (``last`` only)."
    last: str
    first: str = None
    middle: str = None
    suffix: str = None

    @property
    def entity_type(self):
        return '1' if self.first else '2'

    def elements(self):
        "NM103-NM107"
        return [self.last, self.first, self.middle, None, self.suffix]


@dataclass
class Address:
    line1: str
    city: str
    state: str
    zip: str  # 5 or 9 digits (ZIP+4 required for billing and facility)
    line2: str = None

    def segments(self):
        return [['N3', self.line1, self.line2],
                ['N4', self.city, self.state, self.zip.replace('-', '')]]


@dataclass
class Submitter:
    name: str
    id: str  # NM109: the submitter's ETIN at the receiver
    contact_name: str
    phone: str
    email: str = None


@dataclass
class Receiver:
    name: str
    id: str


@dataclass
class BillingProvider:
    name: Name
    npi: str
    tax_id: str  # EIN, 9 digits
    taxonomy: str
    address: Address
    contact_name: str = None
    contact_phone: str = None
    tax_id_qualifier: str = 'EI'  # SY for an SSN


@dataclass
class Payer:
    name: str
    payer_id: str
    address: Address = None


@dataclass
class Provider:
    "Referring, rendering or supervising provider."
    name: Name
    npi: str
    taxonomy: str = None


@dataclass
class ServiceFacility:
    name: str
    address: Address
    npi: str = None


@dataclass
class Patient:
    "Loop 2000C/2010CA: the patient when not the subscriber."
    name: Name
    relationship: str  # PAT01: 01 spouse, 19 child, 21 unknown, 53, G8...
    birth_date: dt.date
    sex: str  # M, F, U
    address: Address


@dataclass
class Adjustment:
    group: str  # CO, PR, OA, PI, CR
    reason: str  # CARC
    amount: Decimal
    quantity: Decimal = None


@dataclass
class LineAdjudication:
    "Loop 2430: what another payer did with one line."
    payer_id: str  # matches OtherPayer.payer_id
    paid: Decimal
    procedure: str
    units: Decimal
    date: dt.date
    modifiers: tuple = ()
    adjustments: list = field(default_factory=list)


@dataclass
class OtherPayer:
    "Loops 2320/2330A/2330B: another payer on a secondary claim."
    subscriber_name: Name
    member_id: str
    payer_name: str
    payer_id: str
    claim_filing: str  # SBR09
    responsibility: str = 'P'  # SBR01 of the other payer
    relationship: str = '18'  # SBR02: patient to the other subscriber
    group_number: str = None
    paid: Decimal = None  # AMT*D
    remaining_patient_liability: Decimal = None  # AMT*EAF
    adjustments: list = field(default_factory=list)  # claim-level CAS
    adjudication_date: dt.date = None  # DTP*573 when no 2430 lines


@dataclass
class ServiceLine:
    procedure: str  # CPT/HCPCS
    charge: Decimal
    units: Decimal
    date: dt.date
    modifiers: tuple = ()
    diagnosis_pointers: tuple = (1,)
    place_of_service: str = None  # when different from the claim's
    control_number: str = None  # REF*6R
    prior_authorization: str = None  # REF*G1
    adjudications: list = field(default_factory=list)  # LineAdjudication


@dataclass
class Claim:
    id: str  # CLM01 (patient control number)
    place_of_service: str
    diagnoses: list  # ICD-10-CM, first is principal (ABK)
    lines: list
    frequency: str = '1'  # 1 original, 7 replacement, 8 void
    payer_claim_number: str = None  # REF*F8 (required for 7 and 8)
    provider_signature: bool = True  # CLM06
    assignment: str = 'A'  # CLM07
    benefits_assigned: str = 'Y'  # CLM08
    release_of_information: str = 'Y'  # CLM09
    delay_reason: str = None  # CLM20
    referral_number: str = None  # REF*9F
    prior_authorization: str = None  # REF*G1
    onset_date: dt.date = None  # DTP*431
    initial_treatment_date: dt.date = None  # DTP*454
    patient_paid: Decimal = None  # AMT*F5
    referring: Provider = None  # 2310A
    rendering: Provider = None  # 2310B
    service_facility: ServiceFacility = None  # 2310C
    supervising: Provider = None  # 2310D
    other_payers: list = field(default_factory=list)  # OtherPayer

    @property
    def total(self):
        return sum((Decimal(line.charge) for line in self.lines),
                   Decimal(0))


@dataclass
class Subscriber:
    name: Name
    member_id: str
    payer: Payer
    claim_filing: str  # SBR09: CI commercial, MB Medicare B, MC Medicaid...
    birth_date: dt.date = None
    sex: str = None
    address: Address = None
    responsibility: str = 'P'  # SBR01: P primary, S secondary, T tertiary
    group_number: str = None
    group_name: str = None
    insurance_type: str = None  # SBR05 (Medicare secondary)
    patient: Patient = None  # None: the subscriber is the patient (18)
    claims: list = field(default_factory=list)


@dataclass
class ClaimBatch:
    "One 837P transaction: a billing provider and its subscribers."
    submitter: Submitter
    receiver: Receiver
    billing_provider: BillingProvider
    subscribers: list
    reference: str  # BHT03
    created: dt.datetime = field(default_factory=dt.datetime.now)


def _zip9(address, what):
    "Billing provider and service facility addresses need ZIP+4."
    digits = address.zip.replace('-', '')
    if len(digits) != 9 or not digits.isdigit():
        raise X12Error(f'{what}: ZIP code {address.zip!r} needs the 9 '
                       'digits of ZIP+4')


def _nm1(code, name, qualifier=None, ident=None):
    return ['NM1', code, name.entity_type, *name.elements(), qualifier,
            ident]


def _date(value):
    return ['D8', value.strftime('%Y%m%d')]


def cas_segments(adjustments):
    "CAS segments of adjustments: one a group, up to six triples each"
    by_group = {}
    for adj in adjustments:
        by_group.setdefault(adj.group, []).append(adj)
    segments = []
    for group, items in by_group.items():
        for start in range(0, len(items), 6):
            seg = ['CAS', group]
            for adj in items[start:start + 6]:
                seg += [adj.reason, Decimal(adj.amount), adj.quantity]
            segments.append(seg)
    return segments


def _diagnoses(claim):
    codes = [c.replace('.', '').strip().upper() for c in claim.diagnoses]
    if not 1 <= len(codes) <= 12:
        raise X12Error(f'claim {claim.id}: {len(codes)} diagnoses, an '
                       '837P carries 1 to 12')
    return ['HI', *[('ABK' if i == 0 else 'ABF', code)
                    for i, code in enumerate(codes)]]


def _provider(code, provider, prv=False):
    segments = [_nm1(code, provider.name, 'XX', provider.npi)]
    if prv and provider.taxonomy:
        segments.append(['PRV', 'PE', 'PXC', provider.taxonomy])
    return segments


def _other_payer(other):
    segments = [['SBR', other.responsibility, other.relationship,
                 other.group_number, None, None, None, None, None,
                 other.claim_filing]]
    segments += cas_segments(other.adjustments)
    if other.paid is not None:
        segments.append(['AMT', 'D', Decimal(other.paid)])
    if other.remaining_patient_liability is not None:
        segments.append(['AMT', 'EAF',
                         Decimal(other.remaining_patient_liability)])
    segments.append(['OI', None, None, 'Y', None, None, 'Y'])
    segments.append(_nm1('IL', other.subscriber_name, 'MI',
                         other.member_id))
    segments.append(['NM1', 'PR', '2', other.payer_name, None, None, None,
                     None, 'PI', other.payer_id])
    if other.adjudication_date:
        segments.append(['DTP', '573', *_date(other.adjudication_date)])
    return segments


def _line(number, line, claim):
    modifiers = tuple(line.modifiers)
    if len(modifiers) > 4:
        raise X12Error(f'claim {claim.id} line {number}: at most 4 '
                       'modifiers')
    pointers = tuple(int(p) for p in line.diagnosis_pointers)
    if not 1 <= len(pointers) <= 4 or not all(
            1 <= p <= len(claim.diagnoses) for p in pointers):
        raise X12Error(f'claim {claim.id} line {number}: diagnosis '
                       f'pointers {pointers} must be 1-4 of the claim\'s '
                       f'{len(claim.diagnoses)} diagnoses')
    pos = line.place_of_service
    if pos == claim.place_of_service:
        pos = None
    segments = [
        ['LX', str(number)],
        ['SV1', ('HC', line.procedure, *modifiers), Decimal(line.charge),
         'UN', Decimal(line.units), pos, None,
         tuple(str(p) for p in pointers)],
        ['DTP', '472', *_date(line.date)],
        ]
    if line.prior_authorization:
        segments.append(['REF', 'G1', line.prior_authorization])
    if line.control_number:
        segments.append(['REF', '6R', line.control_number])
    for adj in line.adjudications:
        segments.append(['SVD', adj.payer_id, Decimal(adj.paid),
                         ('HC', adj.procedure, *adj.modifiers), None,
                         Decimal(adj.units)])
        segments += cas_segments(adj.adjustments)
        segments.append(['DTP', '573', *_date(adj.date)])
    return segments


def _claim(claim):
    if claim.frequency not in FREQUENCIES:
        raise X12Error(f'claim {claim.id}: frequency code '
                       f'{claim.frequency!r} is not 1, 7 or 8')
    if claim.frequency in ('7', '8') and not claim.payer_claim_number:
        raise X12Error(f'claim {claim.id}: a replacement (7) or void (8) '
                       'needs the payer claim control number (REF*F8)')
    if not claim.lines or len(claim.lines) > 50:
        raise X12Error(f'claim {claim.id}: 1 to 50 service lines')
    payer_ids = {other.payer_id for other in claim.other_payers}
    for number, line in enumerate(claim.lines, 1):
        for adjudication in line.adjudications:
            if adjudication.payer_id not in payer_ids:
                raise X12Error(
                    f'claim {claim.id} line {number}: adjudicated by payer '
                    f'{adjudication.payer_id!r}, which is not one of the '
                    'claim\'s other payers (2330B)')
    clm = ['CLM', claim.id, claim.total, None, None,
           (claim.place_of_service, 'B', claim.frequency),
           claim.provider_signature, claim.assignment,
           claim.benefits_assigned, claim.release_of_information]
    if claim.delay_reason:
        clm += [None] * 10 + [claim.delay_reason]
    segments = [clm]
    if claim.onset_date:
        segments.append(['DTP', '431', *_date(claim.onset_date)])
    if claim.initial_treatment_date:
        segments.append(['DTP', '454', *_date(claim.initial_treatment_date)])
    if claim.patient_paid:
        segments.append(['AMT', 'F5', Decimal(claim.patient_paid)])
    if claim.referral_number:
        segments.append(['REF', '9F', claim.referral_number])
    if claim.prior_authorization:
        segments.append(['REF', 'G1', claim.prior_authorization])
    if claim.frequency in ('7', '8'):
        segments.append(['REF', 'F8', claim.payer_claim_number])
    segments.append(_diagnoses(claim))
    if claim.referring:
        segments += _provider('DN', claim.referring)
    if claim.rendering:
        segments += _provider('82', claim.rendering, prv=True)
    if claim.service_facility:
        facility = claim.service_facility
        _zip9(facility.address, f'claim {claim.id} service facility')
        segments.append(['NM1', '77', '2', facility.name, None, None, None,
                         None, 'XX' if facility.npi else None, facility.npi])
        segments += facility.address.segments()
    if claim.supervising:
        segments += _provider('DQ', claim.supervising)
    for other in claim.other_payers:
        segments += _other_payer(other)
    for number, line in enumerate(claim.lines, 1):
        segments += _line(number, line, claim)
    return segments


def claim_segments(batch):
    "The segments between ST and SE of an 837P for ``batch``."
    submitter, provider = batch.submitter, batch.billing_provider
    _zip9(provider.address, 'billing provider')
    created = batch.created
    per = ['PER', 'IC', submitter.contact_name, 'TE', submitter.phone]
    if submitter.email:
        per += ['EM', submitter.email]
    segments = [
        ['BHT', '0019', '00', batch.reference, created.strftime('%Y%m%d'),
         created.strftime('%H%M'), 'CH'],
        ['NM1', '41', '2', submitter.name, None, None, None, None, '46',
         submitter.id],
        per,
        ['NM1', '40', '2', batch.receiver.name, None, None, None, None,
         '46', batch.receiver.id],
        ['HL', '1', None, '20', '1'],
        ['PRV', 'BI', 'PXC', provider.taxonomy],
        _nm1('85', provider.name, 'XX', provider.npi),
        *provider.address.segments(),
        ['REF', provider.tax_id_qualifier, provider.tax_id.replace('-', '')],
        ]
    if provider.contact_name and provider.contact_phone:
        segments.append(['PER', 'IC', provider.contact_name, 'TE',
                         provider.contact_phone])
    hl = 1
    for subscriber in batch.subscribers:
        hl += 1
        subscriber_hl = hl
        patient = subscriber.patient
        if patient is not None and \
                patient.relationship not in PATIENT_RELATIONSHIPS:
            raise X12Error(f'patient relationship {patient.relationship!r} '
                           'is not a 5010 PAT01 code')
        segments += [
            ['HL', str(hl), '1', '22', '1' if patient else '0'],
            ['SBR', subscriber.responsibility, None if patient else '18',
             subscriber.group_number, subscriber.group_name,
             subscriber.insurance_type, None, None, None,
             subscriber.claim_filing],
            _nm1('IL', subscriber.name, 'MI', subscriber.member_id),
            ]
        if subscriber.address:
            segments += subscriber.address.segments()
        if subscriber.birth_date:
            segments.append(['DMG', *_date(subscriber.birth_date),
                             subscriber.sex])
        payer = subscriber.payer
        segments.append(['NM1', 'PR', '2', payer.name, None, None, None,
                         None, 'PI', payer.payer_id])
        if payer.address:
            segments += payer.address.segments()
        if patient is not None:
            hl += 1
            segments += [
                ['HL', str(hl), str(subscriber_hl), '23', '0'],
                ['PAT', patient.relationship],
                _nm1('QC', patient.name),
                *patient.address.segments(),
                ['DMG', *_date(patient.birth_date), patient.sex],
                ]
        if not subscriber.claims:
            raise X12Error(f'subscriber {subscriber.member_id} has no claim')
        if len(subscriber.claims) > 100:
            raise X12Error(f'subscriber {subscriber.member_id}: at most '
                           '100 claims per HL')
        for claim in subscriber.claims:
            segments += _claim(claim)
    return segments


def write_837p(batch, envelope, transaction_control_number='0001',
               separators=Separators(), line_break=False):
    "Text of an interchange holding ``batch`` as one 837P transaction."
    return interchange(
        envelope, 'HC', VERSION,
        [('837', transaction_control_number, claim_segments(batch))],
        separators, line_break)
