"""Intake answers into the client record, after staff review.

describe_changes lists what applying would change (shown on the response
before staff press Apply); apply_changes writes it into the client, its
party (address, phone, email) and the emergency contact's party."""
from trytond.i18n import gettext
from trytond.model import fields
from trytond.pool import Pool, PoolMeta

from therapy_scheduling.phone import format_phone

CLIENT_TEXT_FIELDS = {
    'preferred_name': 'preferred_name',
    'pronouns': 'pronouns',
    'emergency_contact_relationship': 'emergency_contact_relationship',
    'insurance_payer': 'reported_insurance_payer',
    'insurance_member_id': 'reported_member_id',
    'insurance_group_number': 'reported_group_number',
    'insurance_subscriber': 'reported_subscriber',
    }
ADDRESS_FIELDS = {
    'street': 'street_unstructured',
    'city': 'city',
    'postal_code': 'postal_code',
    }


class Client(metaclass=PoolMeta):
    __name__ = 'therapy.client'

    reported_insurance_payer = fields.Char(
        "Insurance Payer (as reported)",
        help="As the client wrote it at intake; billing turns it into a "
        "verified coverage.")
    reported_member_id = fields.Char("Member ID (as reported)")
    reported_group_number = fields.Char("Group Number (as reported)")
    reported_subscriber = fields.Char("Subscriber (as reported)")


def current_values(client):
    "{intake key: current value in the client record}"
    address = client.party.addresses[0] if client.party.addresses else None
    emergency = client.emergency_contact
    current = {key: getattr(client, name)
        for key, name in CLIENT_TEXT_FIELDS.items()}
    current.update({key: getattr(address, name) if address else None
            for key, name in ADDRESS_FIELDS.items()})
    current['phone'] = mechanism_value(client.party, 'phone')
    current['email'] = mechanism_value(client.party, 'email')
    current['emergency_contact_name'] = emergency.name if emergency else None
    current['emergency_contact_phone'] = (
        mechanism_value(emergency, 'phone') if emergency else None)
    return current


def _normalized(key, value):
    if key in {'phone', 'emergency_contact_phone'}:
        return format_phone(value) or value
    if key == 'email':
        return value.strip().lower()
    return value.strip()


def describe_changes(client, answers):
    "Text listing each field that would change: old -> new"
    Question = Pool().get('therapy.form.question')
    current = current_values(client)
    lines = []
    for key, label in Question.client_field.selection:
        if key not in answers:
            continue
        new = _normalized(key, answers[key])
        if (current.get(key) or '') != new:
            lines.append(gettext('therapy_clinical.msg_client_change',
                    field=label, old=current.get(key) or '-', new=new))
    return '\n'.join(lines)


def apply_changes(client, answers):
    pool = Pool()
    Address = pool.get('party.address')
    Party = pool.get('party.party')
    Client = pool.get('therapy.client')
    current = current_values(client)
    changed = {k: _normalized(k, v) for k, v in answers.items()
        if (current.get(k) or '') != _normalized(k, v)}
    party = client.party
    values = {CLIENT_TEXT_FIELDS[k]: v for k, v in changed.items()
        if k in CLIENT_TEXT_FIELDS}
    address_values = {ADDRESS_FIELDS[k]: v for k, v in changed.items()
        if k in ADDRESS_FIELDS}
    if address_values:
        if party.addresses:
            Address.write([party.addresses[0]], address_values)
        else:
            Address.create([dict(address_values, party=party.id)])
    for kind in ['phone', 'email']:
        if kind in changed:
            set_mechanism(party, kind, changed[kind])
    name = changed.get('emergency_contact_name')
    phone = changed.get('emergency_contact_phone')
    emergency = client.emergency_contact
    if name and (not emergency or emergency.name != name):
        emergency, = Party.create([{'name': name}])
        values['emergency_contact'] = emergency.id
        phone = phone or answers.get('emergency_contact_phone')
    if phone and emergency:
        set_mechanism(emergency, 'phone', _normalized('phone', phone))
    if values:
        Client.write([client], values)


# a phone answer matches a landline or a mobile number alike
KINDS = {'phone': ('phone', 'mobile'), 'email': ('email',)}


def _mechanism(party, kind):
    for mechanism in party.contact_mechanisms:
        if mechanism.type in KINDS[kind]:
            return mechanism


def mechanism_value(party, kind):
    mechanism = _mechanism(party, kind)
    return mechanism.value if mechanism else None


def set_mechanism(party, kind, value):
    "Replace the party's first phone (or mobile) or email, keeping its type"
    Contact = Pool().get('party.contact_mechanism')
    if mechanism := _mechanism(party, kind):
        Contact.write([mechanism], {'value': value})
    else:
        Contact.create([{'party': party.id, 'type': kind, 'value': value}])
