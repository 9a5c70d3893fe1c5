"""The 835 health care claim payment/advice (005010X221A1, and the
004010X091A1 some payers still send) read into plain dataclasses: one
:class:`Remittance` per ST/SE with its payment (BPR), trace (TRN), payer
and payee, claims (CLP) with their adjustments, people and services (SVC),
and the provider-level adjustments (PLB).

Why hand-written: the packages on PyPI that read 835s (see the package's
``__init__``) either walk every segment through an XML map (pyx12, about
59 times a plain split of the file) or build a validated model tree per
transaction; posting needs every CAS triple, every PLB pair and the
segment number of anything wrong, from a single pass over the segments
the tokenizer already split (:mod:`.tokens`).

Amounts are :class:`~decimal.Decimal`. A malformed file raises
:class:`~.tokens.X12Error` naming the segment number; nothing is returned
in part, so an import built on it is all or nothing."""
import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from .amounts import amount, money, segment_number
from .claim837 import Adjustment, cas_segments
from .tokens import Separators, X12Error, components, element, parse
from .write import interchange

__all__ = ['Entity', 'ServicePayment', 'ClaimPayment', 'ProviderAdjustment',
    'Remittance', 'read_835', 'summary_835', 'write_835']

ZERO = Decimal(0)
# NM1 entity identifiers of loop 2100
PEOPLE = {
    'QC': 'patient', 'IL': 'insured', '74': 'corrected_insured',
    '82': 'rendering', 'TT': 'crossover', 'PR': 'corrected_payer',
    'GB': 'other_subscriber',
    }


@dataclass
class Entity:
    "A party as N1 (payer, payee) or NM1 (claim people) names it."
    name: str
    first_name: str = None
    middle_name: str = None
    suffix: str = None
    id_qualifier: str = None
    id: str = None
    address: list = field(default_factory=list)  # N3 lines
    city: str = None
    state: str = None
    postal_code: str = None
    references: dict = field(default_factory=dict)  # REF qualifier: value
    contacts: list = field(default_factory=list)  # PER elements


@dataclass
class ServicePayment:
    "Loop 2110: what the payer did with one service line."
    qualifier: str  # SVC01-1: HC (HCPCS/CPT), ...
    procedure: str  # SVC01-2
    modifiers: tuple
    charge: Decimal  # SVC02
    paid: Decimal  # SVC03
    segment: int  # file segment number of SVC
    revenue_code: str = None  # SVC04
    units: Decimal = None  # SVC05 (1 when absent)
    original_procedure: str = None  # SVC06-2: what was billed, if changed
    original_modifiers: tuple = ()
    original_units: Decimal = None  # SVC07
    dates: dict = field(default_factory=dict)  # DTM qualifier: date
    adjustments: list = field(default_factory=list)  # Adjustment
    references: dict = field(default_factory=dict)  # REF*6R: control number
    amounts: dict = field(default_factory=dict)  # AMT*B6: allowed
    quantities: dict = field(default_factory=dict)
    remarks: list = field(default_factory=list)  # LQ (qualifier, code)

    @property
    def control_number(self):
        "REF*6R: the line control number the 837 sent"
        return self.references.get('6R')

    @property
    def service_date(self):
        return self.dates.get('472') or self.dates.get('150')


@dataclass
class ClaimPayment:
    "Loop 2100: one claim (CLP) as the payer adjudicated it."
    claim_id: str  # CLP01: the patient control number the 837 sent
    status: str  # CLP02: 1 primary, 2 secondary, 4 denied, 22 reversal...
    charge: Decimal  # CLP03
    paid: Decimal  # CLP04
    patient_responsibility: Decimal  # CLP05 (None when absent)
    filing_indicator: str  # CLP06
    payer_claim_number: str  # CLP07
    segment: int
    facility_type: str = None  # CLP08
    frequency: str = None  # CLP09
    header_number: str = None  # LX01 of the claim's LX
    adjustments: list = field(default_factory=list)  # claim-level CAS
    people: dict = field(default_factory=dict)  # PEOPLE value: Entity
    inpatient: list = None  # MIA elements
    outpatient: list = None  # MOA elements
    dates: dict = field(default_factory=dict)
    references: dict = field(default_factory=dict)
    amounts: dict = field(default_factory=dict)
    quantities: dict = field(default_factory=dict)
    services: list = field(default_factory=list)  # ServicePayment

    @property
    def reversal(self):
        return self.status == '22'

    @property
    def denied(self):
        return self.status == '4'


@dataclass
class ProviderAdjustment:
    "PLB: adjustments of the whole payment, not of a claim."
    provider: str  # PLB01
    fiscal_period_end: dt.date  # PLB02
    segment: int
    # (reason code, reference, amount) as the file signs them: positive
    # amounts reduce the payment (an offset), negative ones add to it
    adjustments: list = field(default_factory=list)

    @property
    def total(self):
        return sum((a for _, _, a in self.adjustments), ZERO)


@dataclass
class Remittance:
    "One 835 transaction set."
    st02: str
    implementation: str
    segment: int
    handling: str = None  # BPR01: I remittance and payment, H advice only
    payment_amount: Decimal = None  # BPR02
    credit_debit: str = None  # BPR03
    payment_method: str = None  # BPR04: ACH, CHK, BOP, FWT, NON
    payment_format: str = None  # BPR05
    payment_date: dt.date = None  # BPR16
    # BPR06-15: the payer's and the payee's bank (DFI) and account numbers
    banking: list = field(default_factory=list)
    trace_type: str = None  # TRN01
    check_number: str = None  # TRN02: the check or EFT trace number
    payer_identifier: str = None  # TRN03
    references: dict = field(default_factory=dict)  # header REF
    dates: dict = field(default_factory=dict)  # DTM*405 production date
    payer: Entity = None
    payee: Entity = None
    claims: list = field(default_factory=list)
    provider_adjustments: list = field(default_factory=list)
    # what a lenient read let pass (a bad date, a service without its code)
    problems: list = field(default_factory=list)

    @property
    def claim_paid_total(self):
        return sum((c.paid for c in self.claims), ZERO)

    @property
    def plb_total(self):
        return sum((p.total for p in self.provider_adjustments), ZERO)

    @property
    def net_payment(self):
        """BPR02 as money to the practice: negative when BPR03 is D (the
        payer debits the practice's account, its offsets being larger than
        what it paid)"""
        if self.payment_amount is None:
            return None
        return (-self.payment_amount if self.credit_debit == 'D'
            else self.payment_amount)

    @property
    def balanced(self):
        "BPR02 (signed by BPR03) is what the claims paid less the offsets"
        return self.net_payment == (
            self.claim_paid_total - self.plb_total)


class _Reader:
    """One pass over a transaction's segments, loop by loop. Strict, every
    fault raises; lenient (for a summary), a bad date or a service without
    its code is listed in ``problems`` and read as None, while a bad amount
    still raises (no total could be right)."""

    def __init__(self, transaction, strict=True):
        self.strict = strict
        self.transaction = transaction
        self.separators = transaction.separators
        self.remittance = Remittance(transaction.control_number,
            transaction.implementation, transaction.number)
        self.entity = None  # the N1 loop being read
        self.header_number = None
        self.claim = None
        self.service = None

    def error(self, message, index, ident):
        raise X12Error(message, segment_number(self.transaction, index),
            ident)

    def fault(self, message, index, ident):
        "An error, or in a lenient read a problem to list"
        if self.strict:
            self.error(message, index, ident)
        self.remittance.problems.append(str(X12Error(
                    message, segment_number(self.transaction, index), ident)))

    def date(self, seg, position, index):
        value = element(seg, position)
        if not value:
            return None
        # the digits taken apart: strptime was a twentieth of reading a
        # file of thousands of DTMs; date() still refuses a 13th month
        try:
            if len(value) != 8 or not value.isdigit():
                raise ValueError(value)
            return dt.date(int(value[:4]), int(value[4:6]), int(value[6:]))
        except ValueError:
            self.fault(f'{value!r} is not a date (CCYYMMDD)', index, seg[0])

    def amount(self, seg, position, index, optional=False):
        value = element(seg, position)
        if optional and not value:
            return None
        return amount(value, self.transaction, index, seg[0])

    def read(self):
        handlers = {
            'BPR': self.bpr, 'TRN': self.trn, 'N1': self.n1, 'N3': self.n3,
            'N4': self.n4, 'PER': self.per, 'REF': self.ref, 'DTM': self.dtm, 'LX': self.lx,
            'CLP': self.clp, 'CAS': self.cas, 'NM1': self.nm1,
            'MIA': self.mia, 'MOA': self.moa, 'AMT': self.amt,
            'QTY': self.qty, 'SVC': self.svc, 'LQ': self.lq, 'PLB': self.plb,
            }
        for index, seg in enumerate(self.transaction.segments):
            handler = handlers.get(seg[0])
            if handler:
                handler(seg, index)
        remittance = self.remittance
        if remittance.payment_amount is None:
            raise X12Error('the 835 has no BPR (payment)',
                self.transaction.number, 'ST')
        if remittance.check_number is None:
            raise X12Error('the 835 has no TRN (check or EFT trace number)',
                self.transaction.number, 'ST')
        return remittance

    def bpr(self, seg, index):
        remittance = self.remittance
        if remittance.payment_amount is not None:
            self.error('a second BPR in one transaction', index, 'BPR')
        remittance.handling = element(seg, 1) or None
        remittance.payment_amount = self.amount(seg, 2, index)
        remittance.credit_debit = element(seg, 3) or None
        remittance.payment_method = element(seg, 4) or None
        remittance.payment_format = element(seg, 5) or None
        remittance.banking = [element(seg, p) for p in range(6, 16)]
        remittance.payment_date = self.date(seg, 16, index)

    def trn(self, seg, index):
        remittance = self.remittance
        if remittance.check_number is None:
            remittance.trace_type = element(seg, 1) or None
            remittance.check_number = element(seg, 2) or None
            remittance.payer_identifier = element(seg, 3) or None
            if not remittance.check_number:
                self.error('TRN02 (check or trace number) is empty', index,
                    'TRN')

    def n1(self, seg, index):
        if self.claim is not None:
            self.error('N1 after the first claim', index, 'N1')
        entity = Entity(element(seg, 2) or None,
            id_qualifier=element(seg, 3) or None, id=element(seg, 4) or None)
        code = element(seg, 1)
        if code == 'PR':
            self.remittance.payer = entity
        elif code == 'PE':
            self.remittance.payee = entity
        self.entity = entity

    def n3(self, seg, index):
        if self.entity is not None:
            self.entity.address += [e for e in seg[1:3] if e]

    def n4(self, seg, index):
        if self.entity is not None:
            self.entity.city = element(seg, 1) or None
            self.entity.state = element(seg, 2) or None
            self.entity.postal_code = element(seg, 3) or None

    def per(self, seg, index):
        if self.entity is not None and self.claim is None:
            self.entity.contacts.append(seg[1:])

    def ref(self, seg, index):
        target = (self.service or self.claim or self.entity
            or self.remittance)
        target.references[element(seg, 1)] = element(seg, 2)

    def dtm(self, seg, index):
        target = self.service or self.claim or self.remittance
        target.dates[element(seg, 1)] = self.date(seg, 2, index)

    def lx(self, seg, index):
        self.header_number = element(seg, 1) or None
        self.claim = self.service = self.entity = None

    def clp(self, seg, index):
        if not element(seg, 1):
            self.error('CLP01 (the claim number sent) is empty', index,
                'CLP')
        self.entity = self.service = None
        self.claim = ClaimPayment(element(seg, 1), element(seg, 2),
            self.amount(seg, 3, index), self.amount(seg, 4, index),
            self.amount(seg, 5, index, optional=True),
            element(seg, 6) or None, element(seg, 7) or None,
            segment_number(self.transaction, index),
            facility_type=element(seg, 8) or None,
            frequency=element(seg, 9) or None,
            header_number=self.header_number)
        self.remittance.claims.append(self.claim)

    def cas(self, seg, index):
        target = self.service or self.claim
        if target is None:
            self.error('CAS outside a claim', index, 'CAS')
        group = element(seg, 1)
        if not group:
            self.error('CAS01 (group code) is empty', index, 'CAS')
        # up to six reason, amount, quantity triples
        for position in range(2, 20, 3):
            reason = element(seg, position)
            if not reason:
                continue
            target.adjustments.append(Adjustment(group, reason,
                    self.amount(seg, position + 1, index),
                    self.amount(seg, position + 2, index, optional=True)))

    def nm1(self, seg, index):
        if self.claim is None:
            return
        role = PEOPLE.get(element(seg, 1))
        if role:
            self.claim.people[role] = Entity(element(seg, 3) or None,
                first_name=element(seg, 4) or None,
                middle_name=element(seg, 5) or None,
                suffix=element(seg, 7) or None,
                id_qualifier=element(seg, 8) or None,
                id=element(seg, 9) or None)

    def mia(self, seg, index):
        self._claim(seg, index).inpatient = seg[1:]

    def moa(self, seg, index):
        self._claim(seg, index).outpatient = seg[1:]

    def _claim(self, seg, index):
        if self.claim is None:
            self.error(f'{seg[0]} outside a claim', index, seg[0])
        return self.claim

    def amt(self, seg, index):
        target = self.service or self.claim
        if target is not None:
            target.amounts[element(seg, 1)] = self.amount(seg, 2, index)

    def qty(self, seg, index):
        target = self.service or self.claim
        if target is not None:
            target.quantities[element(seg, 1)] = self.amount(seg, 2, index)

    def svc(self, seg, index):
        claim = self._claim(seg, index)
        qualifier, procedure, modifiers = self._procedure(element(seg, 1))
        if not procedure:
            self.fault('SVC01 has no procedure code', index, 'SVC')
        units = self.amount(seg, 5, index, optional=True)
        original = element(seg, 6)
        _, original_procedure, original_modifiers = self._procedure(original)
        self.service = ServicePayment(qualifier, procedure, modifiers,
            self.amount(seg, 2, index), self.amount(seg, 3, index),
            segment_number(self.transaction, index),
            revenue_code=element(seg, 4) or None,
            units=Decimal(1) if units is None else units,
            original_procedure=original_procedure,
            original_modifiers=original_modifiers,
            original_units=self.amount(seg, 7, index, optional=True))
        claim.services.append(self.service)

    def _procedure(self, composite):
        parts = components(composite, self.separators)
        if len(parts) == 1 and not composite.isalnum():
            # some payers' files separate the components with another
            # character than ISA16 says (HC>90837>HO); qualifiers, codes
            # and modifiers are letters and digits, so the first other
            # character is the separator they used
            other = next(c for c in composite if not c.isalnum())
            parts = composite.split(other)
        qualifier = parts[0] if parts else None
        procedure = parts[1] if len(parts) > 1 else None
        modifiers = tuple(m for m in parts[2:6] if m)
        return qualifier, procedure, modifiers

    def lq(self, seg, index):
        if self.service is not None:
            self.service.remarks.append((element(seg, 1), element(seg, 2)))

    def plb(self, seg, index):
        self.claim = self.service = self.entity = None
        adjustment = ProviderAdjustment(element(seg, 1),
            self.date(seg, 2, index), segment_number(self.transaction, index))
        # up to six reason:reference, amount pairs
        for position in range(3, 15, 2):
            code = element(seg, position)
            if not code:
                continue
            reason, *reference = components(code, self.separators)
            adjustment.adjustments.append((reason,
                    reference[0] if reference else None,
                    self.amount(seg, position + 1, index)))
        self.remittance.provider_adjustments.append(adjustment)


def read_transaction(transaction, strict=True):
    "The :class:`Remittance` of one 835 transaction set"
    return _Reader(transaction, strict=strict).read()


def read_835(text, strict=True):
    """[:class:`Remittance`] of every 835 transaction set in an X12 text,
    in file order; X12Error naming the segment on anything malformed"""
    document = parse(text, strict=strict)
    return [read_transaction(t) for t in document.transactions
        if t.type == '835']


def summary_835(transaction):
    "The summary ``caseload x12 parse`` prints for one 835"
    remittance = read_transaction(transaction, strict=False)
    result = {
        'check_number': remittance.check_number,
        'payment_amount': money(remittance.payment_amount),
        'payment_method': remittance.payment_method,
        'payer': remittance.payer.name if remittance.payer else None,
        'payee': remittance.payee.name if remittance.payee else None,
        'claim_count': len(remittance.claims),
        'claim_paid_total': money(remittance.claim_paid_total),
        'plb_total': money(remittance.plb_total),
        'balanced': remittance.balanced,
        }
    if remittance.problems:
        result['problems'] = remittance.problems
    return result


def _entity_segments(code, entity):
    segments = [['N1', code, entity.name, entity.id_qualifier, entity.id]]
    if entity.address:
        segments.append(['N3', *entity.address[:2]])
    if entity.city or entity.state or entity.postal_code:
        segments.append(['N4', entity.city, entity.state,
                entity.postal_code])
    segments += [['REF', q, v] for q, v in entity.references.items()]
    segments += [['PER', *contact] for contact in entity.contacts]
    return segments


def _person(code, entity):
    return ['NM1', code, '1' if entity.first_name else '2', entity.name,
        entity.first_name, entity.middle_name, None, entity.suffix,
        entity.id_qualifier, entity.id]


def _claim_segments(claim):
    segments = [['CLP', claim.claim_id, claim.status, claim.charge,
            claim.paid, claim.patient_responsibility,
            claim.filing_indicator, claim.payer_claim_number,
            claim.facility_type, claim.frequency]]
    segments += cas_segments(claim.adjustments)
    codes = {role: code for code, role in PEOPLE.items()}
    segments += [_person(codes[role], entity)
        for role, entity in claim.people.items()]
    if claim.inpatient:
        segments.append(['MIA', *claim.inpatient])
    if claim.outpatient:
        segments.append(['MOA', *claim.outpatient])
    segments += [['REF', q, v] for q, v in claim.references.items()]
    segments += [['DTM', q, d] for q, d in claim.dates.items()]
    segments += [['AMT', q, a] for q, a in claim.amounts.items()]
    segments += [['QTY', q, a] for q, a in claim.quantities.items()]
    for service in claim.services:
        original = ((service.qualifier, service.original_procedure,
                *service.original_modifiers)
            if service.original_procedure else None)
        segments.append(['SVC',
                (service.qualifier, service.procedure, *service.modifiers),
                service.charge, service.paid, service.revenue_code,
                service.units, original, service.original_units])
        segments += [['DTM', q, d] for q, d in service.dates.items()]
        segments += cas_segments(service.adjustments)
        segments += [['REF', q, v] for q, v in service.references.items()]
        segments += [['AMT', q, a] for q, a in service.amounts.items()]
        segments += [['QTY', q, a] for q, a in service.quantities.items()]
        segments += [['LQ', q, c] for q, c in service.remarks]
    return segments


def remittance_segments(remittance):
    """The body (between ST and SE) of one 835 from a :class:`Remittance`:
    the demo's and the tests' payers answer through the real reader"""
    segments = [
        ['BPR', remittance.handling or 'I', remittance.payment_amount,
            remittance.credit_debit or 'C', remittance.payment_method,
            remittance.payment_format,
            *(remittance.banking or [None] * 10), remittance.payment_date],
        ['TRN', remittance.trace_type or '1', remittance.check_number,
            remittance.payer_identifier],
        ]
    segments += [['REF', q, v] for q, v in remittance.references.items()]
    segments += [['DTM', q, d] for q, d in remittance.dates.items()]
    segments += _entity_segments('PR', remittance.payer)
    segments += _entity_segments('PE', remittance.payee)
    header = object()
    for claim in remittance.claims:
        if claim.header_number != header:
            header = claim.header_number
            segments.append(['LX', header or '1'])
        segments += _claim_segments(claim)
    for plb in remittance.provider_adjustments:
        seg = ['PLB', plb.provider, plb.fiscal_period_end]
        for reason, reference, amount_ in plb.adjustments:
            seg += [(reason, reference), amount_]
        segments.append(seg)
    return segments


def write_835(remittances, envelope, separators=Separators(),
        line_break=False, version='005010X221A1'):
    """Text of an 835 interchange holding one transaction set per
    :class:`Remittance` (ST02 from each ``st02``): how the demo's and the
    tests' payers answer our claims through the real import"""
    return interchange(envelope, 'HP', version,
        [('835', r.st02, remittance_segments(r)) for r in remittances],
        separators, line_break, st03=False)
