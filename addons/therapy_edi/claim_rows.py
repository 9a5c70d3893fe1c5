"""A batch of claims read for the 837P and the CMS-1500: model by model
with ``read``, into plain rows linked like the records they come from.

Why not the records: a Tryton record carries the list of ids it was
browsed with, checks its own id against that list when it is made and
loads its fields for the whole list, so thousands of claims with their
lines, coverages, clients, parties and addresses cost the square of their
number in Python before any SQL runs (5,000 claims took over a minute).
``read`` answers the same fields as dicts, a few queries a model. What
is few in a batch (the company, payers, clinicians, locations, a
secondary claim's primary) stays a record; rows name a record only for the
odd message (``rec_name``)."""
from collections import defaultdict
from decimal import Decimal

from trytond import backend
from trytond.pool import Pool
from trytond.tools import grouped_slice
from trytond.transaction import Transaction, without_check_access

from therapy_billing.claim_line import LineCodes

# the parts party.address formats its street from, when they are used
STREET_PARTS = ['street_name', 'building_name', 'building_number',
    'unit_number', 'floor_number', 'room_number', 'post_box', 'private_bag',
    'post_office']
# the consent form whose signature assigns benefits and permits release
ASSIGNMENT_FORM = 'financial_policy'
LINE_FIELDS = ['claim', 'sequence', 'procedure_code', 'billed', 'units',
    'service_date', 'place_of_service', 'control_number', 'rendering',
    'charge', 'authorization.number', 'primary_line',
    'modifier_1', 'modifier_2', 'modifier_3', 'modifier_4',
    'diagnosis_1', 'diagnosis_2', 'diagnosis_3', 'diagnosis_4']
CLAIM_FIELDS = ['number', 'company', 'client', 'coverage', 'date',
    'frequency_code', 'payer_claim_number', 'delay_reason',
    'referral_number', 'onset_date', 'initial_treatment_date',
    'referring_provider', 'referring_npi', 'primary_claim']


class Row:
    "A record's fields as ``read`` gave them"

    def __init__(self, model, values):
        self.__model = model
        self.__dict__.update(values)

    def __eq__(self, other):
        return (getattr(other, '__name__', None) == self.__model
            or isinstance(other, Row) and other.__model == self.__model
            ) and other.id == self.id

    def __hash__(self):
        return hash((self.__model, self.id))

    @property
    def rec_name(self):
        "The record's name, read only when a message needs it"
        return Pool().get(self.__model)(self.id).rec_name


class PartyRow(Row):

    def address_get(self):
        "The party's first address, as party.party's address_get()"
        return self.addresses[0] if self.addresses else None


class ClaimLineRow(LineCodes, Row):

    @property
    def rec_name(self):
        return f'{self.claim.number}/{self.sequence}'


class ClaimRow(Row):

    @property
    def rec_name(self):
        return self.number


def read_rows(model, ids, names, row=Row, order=None):
    "{id: row} of the records of model, read in slices"
    Model = Pool().get(model)
    rows = {}
    ids = [i for i in dict.fromkeys(ids) if i is not None]
    for sub_ids in grouped_slice(ids, backend.MAX_QUERY_PARAMS):
        for values in Model.read(list(sub_ids), names):
            rows[values['id']] = row(model, values)
    return rows


def records(model, ids):
    "{id: record} of the few records of a batch (payers, clinicians...)"
    Model = Pool().get(model)
    ids = [i for i in dict.fromkeys(ids) if i is not None]
    return {r.id: r for r in Model.browse(ids)}


def search_ids(model, domain, key):
    """Ids of the records of model in the domain whose key field is in the
    ids, in the model's order: the query alone, no record is made"""
    Model = Pool().get(model)
    cursor = Transaction().connection.cursor()
    field, ids = key
    found = []
    for sub_ids in grouped_slice(
            list(dict.fromkeys(ids)), backend.MAX_QUERY_PARAMS):
        cursor.execute(*Model.search(
                [(field, 'in', list(sub_ids))] + domain, query=True))
        found += [i for i, in cursor]
    return found


def search_rows(model, domain, names, key, row=Row):
    "[row] of the records of model whose key is in the ids, in order"
    ids = search_ids(model, domain, key)
    rows = read_rows(model, ids, names, row=row)
    return [rows[i] for i in ids]


def parties(ids):
    "{id: PartyRow} with each party's active addresses in their order"
    rows = read_rows('party.party', ids, ['name'], row=PartyRow)
    addresses = defaultdict(list)
    for address in search_rows('party.address', [],
            ['party', 'street_unstructured', 'city', 'postal_code',
                'subdivision.code'] + STREET_PARTS,
            ('party', list(rows))):
        # party.address's street is a function field formatted from the
        # parts when there are any (a getter per address): the typed street
        # otherwise
        if any(getattr(address, p) for p in STREET_PARTS):
            address.street = Pool().get('party.address')(address.id).street
        else:
            address.street = address.street_unstructured
        subdivision = address.__dict__.pop('subdivision.', None)
        address.subdivision = (Row('country.subdivision', subdivision)
            if subdivision else None)
        addresses[address.party].append(address)
    for party in rows.values():
        party.addresses = addresses[party.id]
    return rows


def load_claims(claims):
    "The ClaimRows of claims, in their order, linked to what they bill"
    with without_check_access():
        return _load([c.id for c in claims])


def _load(claim_ids):
    claims = read_rows('therapy.claim', claim_ids, CLAIM_FIELDS,
        row=ClaimRow)
    # the claims' One2Many, searched rather than read (read browses them)
    lines = search_rows('therapy.claim.line', [], LINE_FIELDS,
        ('claim', list(claims)), row=ClaimLineRow)
    diagnoses = search_rows('therapy.claim.diagnosis', [],
        ['claim', 'sequence', 'code.code'], ('claim', list(claims)))
    coverages = read_rows('therapy.coverage',
        [c.coverage for c in claims.values()],
        ['payer', 'member_id', 'priority', 'group_number', 'relationship',
            'subscriber'])
    clients = read_rows('therapy.client',
        [c.client for c in claims.values()], ['party', 'birth_date', 'sex'])
    charges = read_rows('therapy.charge',
        [l.charge for l in lines], ['appointment', 'kind'])
    appointments = read_rows('therapy.appointment',
        [c.appointment for c in charges.values()], ['location'])
    people = parties([c.party for c in clients.values()]
        + [c.subscriber for c in coverages.values()]
        + [c.referring_provider for c in claims.values()])
    payers = records('therapy.payer', [c.payer for c in coverages.values()])
    clinicians = records('company.employee',
        [l.rendering for l in lines])
    locations = records('therapy.location',
        [a.location for a in appointments.values()])
    companies = records('company.company',
        [c.company for c in claims.values()])
    primaries = records('therapy.claim',
        [c.primary_claim for c in claims.values()])

    for appointment in appointments.values():
        appointment.location = locations.get(appointment.location)
    for charge in charges.values():
        charge.appointment = appointments.get(charge.appointment)
    for client in clients.values():
        client.party = people[client.party]
    for coverage in coverages.values():
        coverage.payer = payers[coverage.payer]
        coverage.subscriber = people.get(coverage.subscriber)
    for claim in claims.values():
        claim.lines, claim.diagnoses = [], []
    for diagnosis in diagnoses:
        diagnosis.code = Row('therapy.diagnosis.code',
            diagnosis.__dict__.pop('code.'))
        claims[diagnosis.claim].diagnoses.append(diagnosis)
    for line in lines:
        line.claim = claims[line.claim]
        line.claim.lines.append(line)
        line.charge = charges[line.charge]
        line.rendering = clinicians.get(line.rendering)
        authorization = line.__dict__.pop('authorization.', None)
        line.authorization = (Row('therapy.authorization', authorization)
            if authorization else None)
    visits = {}
    for claim in claims.values():
        claim.company = companies[claim.company]
        claim.client = clients[claim.client]
        claim.coverage = coverages[claim.coverage]
        claim.referring_provider = people.get(claim.referring_provider)
        claim.primary_claim = primaries.get(claim.primary_claim)
        # Claim.visits: the appointments of the sessions billed
        visits[claim.id] = list(dict.fromkeys(
                l.charge.appointment.id for l in claim.lines
                if l.charge.appointment and l.charge.kind == 'service'))
    copays = desk_copays(visits)
    assigned = assigning_clients(list(clients))
    for claim in claims.values():
        claim.collected_at_desk = copays[claim.id]
        claim.assigned = claim.client.id in assigned
    return [claims[i] for i in claim_ids]


def desk_copays(visits):
    "{claim id: the copays taken at the desk for its visits}"
    taken = defaultdict(Decimal)
    for payment in search_rows('therapy.desk.payment',
            [('kind', '=', 'copay')], ['appointment', 'amount'],
            ('appointment', [a for found in visits.values() for a in found])):
        taken[payment.appointment] += payment.amount
    return {claim: sum((taken[a] for a in found), Decimal(0))
        for claim, found in visits.items()}


def assigning_clients(client_ids):
    "Ids of the clients who signed the financial policy"
    return {r.client for r in search_rows('therapy.form.response', [
                ('template.code', '=', ASSIGNMENT_FORM),
                ('state', '=', 'completed'),
                ], ['client'], ('client', client_ids))}
