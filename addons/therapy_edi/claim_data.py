"""From therapy.claim records to the codec's 837P dataclasses.

What the models keep and the 837P needs, and where it comes from:
- billing provider (2010AA): the company's party name, address (ZIP+4),
  U.S. EIN identifier, ``billing_npi`` and ``billing_taxonomy``;
- subscriber (2010BA) and patient (2010CA): the coverage (member ID,
  group, relationship, subscriber party) and the client (birth date, sex,
  address); person names are split from the party's one-line name
  (names.py);
- payer (2010BB): the payer's party and its Payer ID named after the
  clearinghouse;
- claim (2300): the claim number (CLM01), frequency and payer claim number
  (REF*F8), the diagnoses in order; rendering (2310B) the lines'
  clinician; service facility (2310C) the session's location when it is
  not the billing address and the visit was not telehealth;
- a secondary claim: the primary payer (2320/2330B) with what it paid
  (AMT*D) and left to the patient (AMT*EAF), dated by the primary's
  answer; its claim-level adjustments (CAS in 2320) and, per line, what
  it paid and adjusted (SVD/CAS/DTP*573 in 2430), from the primary's
  posted remittances, netted over reversals and corrections so that each
  line's charge = paid + its adjustments, as the COB balancing rules ask.

Every gap is a message naming the claim and what to fix; the writer only
runs on a batch without gaps."""
from collections import OrderedDict, defaultdict
from decimal import Decimal

from trytond.i18n import gettext
from trytond.pool import Pool

from therapy_scheduling.identifiers import is_valid_npi, is_valid_taxonomy

from .claim_rows import load_claims
from .names import ascii_text, digits, name_parts
from .x12 import (
    Address, Adjustment, BillingProvider, Claim as X12Claim, ClaimBatch, Name,
    LineAdjudication, OtherPayer, Patient, Payer, Provider, Receiver, ServiceFacility,
    ServiceLine, Submitter, Subscriber)

TELEHEALTH = {'02', '10'}
RESPONSIBILITY = {'1': 'P', '2': 'S', '3': 'T'}


def net_adjustments(adjustments):
    "The codec's CAS triples of remittance adjustments, netted by reason"
    amounts = defaultdict(Decimal)
    quantities = defaultdict(Decimal)
    for adj in adjustments:
        amounts[adj.group, adj.reason] += adj.amount
        quantities[adj.group, adj.reason] += adj.quantity or 0
    return [Adjustment(group, reason, amount,
            quantities[group, reason] or None)
        for (group, reason), amount in amounts.items() if amount]


def primary_adjudications(claim, payer_id):
    """A secondary claim's 2320 CAS and, by its line id, the 2430 of the
    primary payer's posted answers, each (group, reason) netted over
    reversals and corrections. The claim is a record or a claim_rows row
    (whose primary_line is an id)"""
    pool = Pool()
    RemittanceLine = pool.get('therapy.remittance.line')
    RemittanceAdjustment = pool.get('therapy.remittance.adjustment')
    posted = ('remittance_claim.remittance.state', '=', 'posted')
    primaries = {l.id: getattr(l.primary_line, 'id', l.primary_line)
        for l in claim.lines}
    answers = defaultdict(list)
    for answer in RemittanceLine.search([
                ('claim_line', 'in', [p for p in primaries.values() if p]),
                posted]):
        answers[answer.claim_line.id].append(answer)
    adjudications = {}
    for line in claim.lines:
        answered = answers.get(primaries[line.id])
        if not answered:
            continue
        adjudications[line.id] = [LineAdjudication(payer_id,
                sum((a.paid or 0 for a in answered), Decimal(0)),
                line.procedure_code, Decimal(line.units),
                max(a.remittance_claim.remittance.payment_date
                    for a in answered),
                modifiers=tuple(line.modifiers),
                adjustments=net_adjustments(
                    adj for a in answered for adj in a.adjustments))]
    claim_level = RemittanceAdjustment.search([
            ('remittance_claim.claim', '=', claim.primary_claim.id),
            ('line', '=', None),
            posted])
    return net_adjustments(claim_level), adjudications


def person_name(party):
    last, first, middle, suffix = name_parts(party.name)
    return Name(last, first, middle, suffix)


def organization_name(party):
    return Name(ascii_text(party.name))


def x12_address(address, zip4=False):
    "The codec's Address of a party.address, or None when incomplete"
    if not address:
        return None
    lines = [ascii_text(l) for l in (address.street or '').splitlines()
        if l.strip()]
    state = (address.subdivision.code.split('-')[-1]
        if address.subdivision else None)
    zip_ = digits(address.postal_code)
    if not lines or not address.city or not state or len(zip_) not in (
            5, 9) or (zip4 and len(zip_) != 9):
        return None
    return Address(lines[0], ascii_text(address.city), state, zip_,
        line2=lines[1] if len(lines) > 1 else None)


def ein(party):
    for identifier in party.identifiers:
        if identifier.type == 'us_ein':
            return digits(identifier.code)


class BatchBuilder:
    """Builds one ClaimBatch of claims for a clearinghouse; ``problems``
    maps each claim to what keeps it from the file"""

    def __init__(self, clearinghouse, claims, reference):
        self.clearinghouse = clearinghouse
        self.claims = claims
        self.reference = reference
        self.problems = OrderedDict((c, []) for c in claims)
        self.records = {c.id: c for c in claims}

    def problem(self, claim, message_id, **kwargs):
        self.problems[self.records[claim.id]].append(gettext(
                f'therapy_edi.{message_id}', claim=claim.rec_name, **kwargs))

    def rows(self):
        "The claims as rows, in their order (claim_rows.py says why)"
        return load_claims(self.claims)

    @property
    def clean(self):
        return not any(self.problems.values())

    def build(self):
        "The ClaimBatch, or None when a claim has a problem"
        clearinghouse = self.clearinghouse
        company = clearinghouse.company
        billing = self.billing_provider(company)
        subscribers = OrderedDict()
        for claim in self.rows():
            coverage = claim.coverage
            if coverage not in subscribers:
                subscribers[coverage] = self.subscriber(claim)
            x12_claim = self.claim(claim, billing)
            if subscribers[coverage] and x12_claim:
                subscribers[coverage].claims.append(x12_claim)
        if not self.clean:
            return None
        return ClaimBatch(
            Submitter(ascii_text(clearinghouse.submitter_name),
                clearinghouse.submitter_id,
                ascii_text(clearinghouse.contact_name),
                digits(clearinghouse.contact_phone),
                clearinghouse.contact_email or None),
            Receiver(ascii_text(clearinghouse.receiver_name),
                clearinghouse.receiver_id),
            billing, list(subscribers.values()), self.reference)

    def billing_provider(self, company):
        party = company.party
        address = x12_address(party.address_get(), zip4=True)
        tax_id = ein(party)
        problems = []
        if not is_valid_npi(company.billing_npi):
            problems.append(('msg_billing_npi', {
                        'npi': company.billing_npi or '-'}))
        if not is_valid_taxonomy(company.billing_taxonomy):
            problems.append(('msg_billing_taxonomy', {}))
        if not address:
            problems.append(('msg_billing_address', {
                        'party': party.rec_name}))
        if not tax_id or len(tax_id) != 9:
            problems.append(('msg_billing_ein', {'party': party.rec_name}))
        for claim in self.claims:
            for message_id, kwargs in problems:
                self.problem(claim, message_id, **kwargs)
        if problems:
            return None
        return BillingProvider(organization_name(party), company.billing_npi,
            tax_id, company.billing_taxonomy.upper(), address)

    def payer_id(self, claim, payer):
        "The payer's ID at the clearinghouse; its absence is a problem"
        payer_id = self.clearinghouse.payer_id(payer)
        if not payer_id:
            self.problem(claim, 'msg_claim_payer_id',
                payer=payer.rec_name,
                clearinghouse=self.clearinghouse.rec_name)
        return payer_id or None

    def subscriber(self, claim):
        coverage = claim.coverage
        client = claim.client
        payer = coverage.payer
        payer_id = self.payer_id(claim, payer)
        client_address = x12_address(client.party.address_get())
        if not client_address:
            self.problem(claim, 'msg_claim_client_address',
                client=client.rec_name)
        if not client.birth_date:
            self.problem(claim, 'msg_claim_birth_date',
                client=client.rec_name)
        if not coverage.member_id:
            self.problem(claim, 'msg_claim_member_id',
                coverage=coverage.rec_name)
        if not (payer_id is not None and client_address
                and client.birth_date and coverage.member_id):
            return None
        sex = client.sex or 'U'
        x12_payer = Payer(ascii_text(payer.party.name), payer_id)
        common = dict(
            member_id=coverage.member_id, payer=x12_payer,
            claim_filing=payer.filing_indicator,
            responsibility=RESPONSIBILITY.get(coverage.priority, 'P'),
            group_number=coverage.group_number or None)
        if coverage.relationship == '18':
            return Subscriber(person_name(client.party),
                birth_date=client.birth_date, sex=sex,
                address=client_address, **common)
        subscriber = coverage.subscriber
        return Subscriber(person_name(subscriber),
            address=x12_address(subscriber.address_get()),
            patient=Patient(person_name(client.party),
                coverage.relationship, client.birth_date, sex,
                client_address),
            **common)

    def claim(self, claim, billing):
        lines = list(claim.lines)
        if not lines:
            self.problem(claim, 'msg_claim_no_lines')
            return None
        diagnoses = [d.code.code for d in sorted(claim.diagnoses,
                key=lambda d: d.sequence)]
        if not diagnoses:
            self.problem(claim, 'msg_claim_no_diagnosis')
        place = lines[0].place_of_service or '11'
        x12_lines = []
        for line in lines:
            if not line.pointers:
                self.problem(claim, 'msg_claim_line_pointers',
                    line=line.rec_name)
            x12_lines.append(ServiceLine(
                    line.procedure_code, line.billed, Decimal(line.units),
                    line.service_date, modifiers=tuple(line.modifiers),
                    diagnosis_pointers=tuple(line.pointers) or (1,),
                    place_of_service=line.place_of_service,
                    control_number=line.control_number,
                    prior_authorization=(line.authorization.number
                        if line.authorization else None)))
        rendering = self.rendering(claim, lines)
        facility = self.facility(claim, lines, place)
        other_payers = self.other_payers(claim)
        if other_payers:
            other_payers[0].adjustments, adjudications = (
                primary_adjudications(claim, other_payers[0].payer_id))
            for x12_line, line in zip(x12_lines, lines):
                x12_line.adjudications = adjudications.get(line.id, [])
        if claim.frequency_code in ('7', '8') and not (
                claim.payer_claim_number):
            self.problem(claim, 'msg_claim_payer_claim_number')
        if self.problems[self.records[claim.id]]:
            return None
        assigned = claim.assigned
        paid = claim.collected_at_desk
        return X12Claim(claim.number, place, diagnoses, x12_lines,
            frequency=claim.frequency_code,
            payer_claim_number=claim.payer_claim_number or None,
            # CLM08/CLM09: the client's signed financial policy assigns the
            # benefits and permits the release; without it, the practice
            # releases on informed consent and is not assigned benefits
            benefits_assigned='Y' if assigned else 'N',
            release_of_information='Y' if assigned else 'I',
            delay_reason=claim.delay_reason or None,
            referral_number=claim.referral_number or None,
            onset_date=claim.onset_date,
            initial_treatment_date=claim.initial_treatment_date,
            patient_paid=paid if paid else None,
            referring=self.referring(claim),
            rendering=rendering, service_facility=facility,
            supervising=self.supervising(claim, lines),
            other_payers=other_payers)

    def referring(self, claim):
        "2310A: the referring provider, with the NPI the scrubber checked"
        party = claim.referring_provider
        if not party:
            return None
        if not is_valid_npi(claim.referring_npi):
            # the scrubber keeps such a claim from being ready
            self.problem(claim, 'msg_claim_referring_npi',
                provider=party.rec_name, npi=claim.referring_npi or '-')
            return None
        return Provider(person_name(party), claim.referring_npi)

    def supervising(self, claim, lines):
        """2310D: the supervisor of an associate billed as rendering (a
        payer that bills under the supervisor names the supervisor as
        rendering instead, and the associate nowhere)"""
        clinicians = {l.rendering for l in lines if l.rendering}
        if (len(clinicians) != 1
                or claim.coverage.payer.associates != 'rendering'):
            return None
        clinician, = clinicians
        supervisor = clinician.supervisor
        if not supervisor:
            return None
        if not is_valid_npi(supervisor.npi):
            self.problem(claim, 'msg_claim_supervisor_npi',
                clinician=clinician.rec_name,
                supervisor=supervisor.rec_name, npi=supervisor.npi or '-')
            return None
        return Provider(person_name(supervisor.party), supervisor.npi)

    def rendering(self, claim, lines):
        "2310B: the clinician of the lines (one per claim in this slice)"
        clinicians = {l.rendering for l in lines if l.rendering}
        if len(clinicians) > 1:
            self.problem(claim, 'msg_claim_several_rendering')
            return None
        if not clinicians:
            return None
        clinician, = clinicians
        if not is_valid_npi(clinician.npi):
            self.problem(claim, 'msg_claim_rendering_npi',
                clinician=clinician.rec_name, npi=clinician.npi or '-')
            return None
        taxonomy = clinician.taxonomy_code
        return Provider(person_name(clinician.party), clinician.npi,
            taxonomy.upper() if is_valid_taxonomy(taxonomy) else None)

    def facility(self, claim, lines, place):
        "2310C: where the session was, unless the billing address or remote"
        if place in TELEHEALTH:
            return None
        appointment = lines[0].charge.appointment
        location = appointment.location if appointment else None
        if not location or not location.address:
            return None
        if location.address == claim.company.party.address_get():
            return None
        address = x12_address(location.address, zip4=True)
        if not address:
            self.problem(claim, 'msg_claim_facility_address',
                location=location.rec_name)
            return None
        return ServiceFacility(ascii_text(location.name), address)

    def other_payers(self, claim):
        "2320/2330: the primary payer's answer on a secondary claim"
        primary = claim.primary_claim
        if not primary:
            return []
        coverage = primary.coverage
        payer_id = self.payer_id(claim, coverage.payer)
        if payer_id is None:
            return []
        answered = [e.at.date() for e in primary.events
            if e.state in {'paid', 'partial', 'denied'} and e.at]
        subscriber = (claim.client.party if coverage.relationship == '18'
            else coverage.subscriber)
        return [OtherPayer(person_name(subscriber), coverage.member_id,
                ascii_text(coverage.payer.party.name), payer_id,
                coverage.payer.filing_indicator,
                relationship=coverage.relationship,
                group_number=coverage.group_number or None,
                paid=sum((l.paid for l in primary.lines), Decimal(0)),
                remaining_patient_liability=sum(
                    (l.pr for l in primary.lines), Decimal(0)),
                adjudication_date=max(answered) if answered else primary.date)]
