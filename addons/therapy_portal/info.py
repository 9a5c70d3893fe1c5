"""Client portal: My information (issue 14).

A portal user sees and changes, for each of their clients (themselves or
the minors they consent for), the phone, email, address, emergency contact
and, for each insurance coverage in effect, the member ID and photos of the
card. The changes land on the records staff use: the client's party (its
first phone or mobile, email and address, through therapy_clinical's
client_update helpers, the ones that apply intake answers), the emergency
contact's party (a new party when the name is another person's), the
coverage (a new member ID takes the verification away, coverage.py's
rule) and the card images as attachments of the coverage, as the New
Client wizard stores them (attachments, not binary fields: staff already
find cards there, several images may be kept, and attachment.py checks
their content).

Every POST that changes something leaves a `therapy.portal.change` row:
what changed, old -> new (never image bytes), pending until a front desk
member presses Reviewed on their home's *Client Updates to Review*. The
client and coverage keep their own history (`_history`).

A POST is all or nothing: a bad phone or email, a refused file, and
nothing is saved. Uploads are JPEG, PNG or PDF, recognised by their bytes
(not their name), at most `[caseload] portal_upload_max` bytes each
(default 10 MB). Clients are found from the session's user only; a client
id that is not theirs answers 404, and coverages are read from that client
(never from posted ids)."""
import os
import re

from werkzeug.exceptions import RequestEntityTooLarge

from trytond import config
from trytond.exceptions import UserError
from trytond.i18n import gettext
from trytond.model import ModelSQL, ModelView, Workflow, fields
from trytond.protocols.wrappers import (
    HTTPStatus, abort, redirect, with_pool, with_transaction)
from trytond.pyson import Eval
from trytond.transaction import Transaction
from trytond.wsgi import app

from therapy_clinical.client_update import (
    apply_changes, current_values, describe_changes)
from therapy_scheduling import clock
from therapy_scheduling.attachment import content_type
from therapy_scheduling.phi import PHIMixin
from therapy_scheduling.phone import format_phone
from therapy_scheduling.server_owned import ServerOwnedMixin

from .mfa import portal_event
from .session import COOKIE, portal_base, portal_page, requires_sign_in

UPLOAD_MAX = 10 * 1024 * 1024
# what a card image may be (by its bytes) -> the extension it is stored as
CARD_KINDS = {'image/jpeg': 'jpg', 'image/png': 'png',
    'application/pdf': 'pdf'}
NAMED = {'jpg': 'image/jpeg', 'jpeg': 'image/jpeg', 'png': 'image/png',
    'pdf': 'application/pdf'}
# the client's fields the page edits (therapy_clinical's intake keys)
CLIENT_KEYS = ['phone', 'email', 'street', 'city', 'postal_code',
    'emergency_contact_name', 'emergency_contact_phone',
    'emergency_contact_relationship']
SIDES = ['front', 'back']
# one @, a dot in the domain, no spaces: what a typo breaks (the party's
# own check, with email_validator where installed, runs on write too)
EMAIL = re.compile(r'^[^@\s]+@[^@\s]+\.[^@\s.]+$')


def upload_max():
    "The largest card image accepted, in bytes"
    return config.getint('caseload', 'portal_upload_max', default=UPLOAD_MAX)


class PortalChange(PHIMixin, ServerOwnedMixin, Workflow, ModelSQL,
        ModelView):
    "Client Update from the Portal"
    __name__ = 'therapy.portal.change'

    client = fields.Many2One(
        'therapy.client', "Client", required=True, readonly=True,
        ondelete='CASCADE')
    submitted_at = fields.DateTime("Submitted At", required=True,
        readonly=True)
    # (a sao list has no column for a DateTime)
    submitted_date = fields.Function(
        fields.Date("Submitted"), 'get_submitted_date')
    web_user = fields.Many2One(
        'web.user', "Portal Login", readonly=True, ondelete='SET NULL',
        help="Who sent the change: the client or their guardian.")
    summary = fields.Text("Changes", readonly=True,
        help="Each field changed, old -> new, as the client sent it.")
    state = fields.Selection([
            ('pending', "To Review"),
            ('reviewed', "Reviewed"),
            ], "State", readonly=True, required=True, sort=False)
    reviewed_by = fields.Many2One('res.user', "Reviewed By", readonly=True)
    reviewed_at = fields.DateTime("Reviewed At", readonly=True)

    # the portal writes them, the Reviewed button the rest
    _server_owned = {'client', 'submitted_at', 'web_user', 'summary',
        'reviewed_by', 'reviewed_at'}

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('submitted_at', 'DESC'), ('id', 'DESC')]
        cls._transitions |= {('pending', 'reviewed')}
        cls._buttons.update({
                'review': {
                    'invisible': Eval('state') != 'pending',
                    'icon': 'tryton-ok',
                    'depends': ['state'],
                    },
                })

    @classmethod
    def default_state(cls):
        return 'pending'

    def get_rec_name(self, name):
        return f'{self.client.rec_name} ({self.submitted_date})'

    @classmethod
    def search_rec_name(cls, name, clause):
        return [('client.rec_name',) + tuple(clause[1:])]

    def get_submitted_date(self, name):
        return self.submitted_at.date() if self.submitted_at else None

    @classmethod
    @ModelView.button
    @Workflow.transition('reviewed')
    def review(cls, changes):
        "Staff checked what the client changed"
        cls.write(changes, {
                'reviewed_by': Transaction().user or None,
                'reviewed_at': clock.now(),
                })


def own_client(pool, user, client_id):
    "The user's client of id client_id, else 404"
    Client = pool.get('therapy.client')
    for client in Client.for_portal_party(user.party):
        if client.id == client_id:
            return client
    abort(HTTPStatus.NOT_FOUND)


def coverages(pool, client):
    "The client's insurance coverages in effect today (not self-pay)"
    Coverage = pool.get('therapy.coverage')
    today = pool.get('ir.date').today()
    return [c for c in Coverage.for_client(client, today)
        if not c.payer.self_pay]


def subdivisions(pool, client):
    """The states the address may be in (its country's, else the
    practice's), or [] where none are loaded"""
    Subdivision = pool.get('country.subdivision')
    address = client.party.addresses[0] if client.party.addresses else None
    country = address.country if address else None
    if not country:
        company_address = client.company.party.addresses
        country = company_address[0].country if company_address else None
    if not country:
        return []
    return Subdivision.search([
            ('country', '=', country.id),
            ('parent', '=', None),
            ], order=[('name', 'ASC')])


def cards_on_file(pool, coverage):
    "{side: True} for the card images the coverage has"
    Attachment = pool.get('ir.attachment')
    names = [a.name.lower() for a in Attachment.search([
                ('resource', '=', str(coverage))])]
    return {side: any(f'({side})' in name for name in names)
        for side in SIDES}


class Entry:
    "What the page shows of one client: stored values, or those posted"

    def __init__(self, pool, client, posted=None, errors=None):
        self.client = client
        self.errors = errors or []
        address = client.party.addresses[0] if client.party.addresses else None
        self.states = subdivisions(pool, client)
        self.coverages = coverages(pool, client)
        self.cards = {c.id: cards_on_file(pool, c) for c in self.coverages}
        values = {k: v or '' for k, v in current_values(client).items()
            if k in CLIENT_KEYS}
        values['subdivision'] = str(address.subdivision.id) if (
            address and address.subdivision) else ''
        for coverage in self.coverages:
            values[f'member_id_{coverage.id}'] = coverage.member_id or ''
        if posted is not None:
            # what was typed, else (a blank keeps it) what is on file
            values.update({k: (posted.get(k) or '').strip() or v
                    for k, v in values.items()})
        self.values = values

    @property
    def name(self):
        return self.client.preferred_name or self.client.party.name


def page(pool, user, entries, notice=None, status=HTTPStatus.OK):
    return portal_page('info.html', status, base=portal_base(pool),
        user=user, entries=entries, notice=notice,
        upload_mb=max(1, upload_max() // (1024 * 1024)))


class Submission:
    """A POST on one client: checked whole (errors), then applied, each
    change described for the staff's review"""

    def __init__(self, pool, client, form, files):
        self.pool = pool
        self.client = client
        self.form = form
        self.files = files
        self.errors = []
        self.lines = []
        self.answers = {}
        self.member_ids = {}
        self.cards = []
        self.subdivision = None

    def text(self, key):
        return (self.form.get(key) or '').strip()

    def check(self):
        current = current_values(self.client)
        # a blank field keeps what is on file (removing goes through the
        # practice): only what was typed over is a change
        for key in CLIENT_KEYS:
            value = self.text(key)
            if value and value != (current.get(key) or ''):
                self.answers[key] = value
        for key in ['phone', 'emergency_contact_phone']:
            if key in self.answers and not format_phone(self.answers[key]):
                self.errors.append(gettext('therapy_portal.msg_info_phone',
                        phone=self.answers[key]))
        if 'email' in self.answers and not EMAIL.match(self.answers['email']):
            self.errors.append(gettext('therapy_portal.msg_info_email',
                    email=self.answers['email']))
        if (('emergency_contact_phone' in self.answers
                    or 'emergency_contact_relationship' in self.answers)
                and not self.client.emergency_contact
                and 'emergency_contact_name' not in self.answers):
            self.errors.append(gettext(
                    'therapy_portal.msg_info_emergency_name'))
        self.check_subdivision()
        for coverage in coverages(self.pool, self.client):
            self.check_coverage(coverage)

    def check_subdivision(self):
        posted = self.text('subdivision')
        address = (self.client.party.addresses[0]
            if self.client.party.addresses else None)
        old = address.subdivision if address else None
        if not posted or (old and str(old.id) == posted):
            return
        states = {str(s.id): s for s in subdivisions(self.pool, self.client)}
        if posted not in states:
            self.errors.append(gettext('therapy_portal.msg_info_state'))
            return
        self.subdivision = states[posted]
        self.lines.append(gettext('therapy_clinical.msg_client_change',
                field=gettext('therapy_portal.msg_info_state_field'),
                old=old.name if old else '-', new=self.subdivision.name))

    def check_coverage(self, coverage):
        member_id = self.text(f'member_id_{coverage.id}')
        if member_id and member_id != (coverage.member_id or ''):
            self.member_ids[coverage] = member_id
            self.lines.append(gettext('therapy_clinical.msg_client_change',
                    field=gettext('therapy_portal.msg_info_member_id_field',
                        payer=coverage.payer.rec_name),
                    old=coverage.member_id or '-', new=member_id))
        for side in SIDES:
            upload = self.files.get(f'card_{side}_{coverage.id}')
            if not upload or not upload.filename:
                continue
            data = upload.read(upload_max() + 1)
            if len(data) > upload_max():
                self.errors.append(gettext('therapy_portal.msg_info_too_big',
                        name=upload.filename,
                        size=max(1, upload_max() // (1024 * 1024))))
                continue
            kind = content_type(data, 'upload') if data else None
            extension = os.path.splitext(upload.filename)[1].lower().lstrip(
                '.')
            # the bytes decide; a name that claims another kind is refused
            if kind not in CARD_KINDS or (
                    extension and NAMED.get(extension) != kind):
                self.errors.append(gettext('therapy_portal.msg_info_file_type',
                        name=upload.filename))
                continue
            self.cards.append((coverage, side, data, CARD_KINDS[kind]))
            self.lines.append(gettext('therapy_portal.msg_info_card_line',
                    side=side, payer=coverage.payer.rec_name,
                    name=upload.filename))

    def apply(self):
        "Write the checked changes; their text for the review row"
        pool = self.pool
        Address = pool.get('party.address')
        Coverage = pool.get('therapy.coverage')
        Attachment = pool.get('ir.attachment')
        lines = [describe_changes(self.client, self.answers)] + self.lines
        apply_changes(self.client, self.answers)
        if self.subdivision:
            # read again: apply_changes may have just added the address
            party = pool.get('party.party')(self.client.party.id)
            if party.addresses:
                Address.write([party.addresses[0]], {
                        'subdivision': self.subdivision.id,
                        'country': self.subdivision.country.id})
            else:
                Address.create([{'party': party.id,
                            'subdivision': self.subdivision.id,
                            'country': self.subdivision.country.id}])
        for coverage, member_id in self.member_ids.items():
            # coverage.py: a new member ID waits for the biller's check
            Coverage.write([coverage], {'member_id': member_id})
        today = pool.get('ir.date').today()
        Attachment.create([{
                    'resource': str(coverage),
                    'name': '%s %s.%s' % (gettext(
                            'therapy_billing.msg_card_image_name',
                            side=side), today.isoformat(), extension),
                    'type': 'data',
                    'data': data,
                    'description': gettext(
                        'therapy_portal.msg_info_card_description'),
                    } for coverage, side, data, extension in self.cards])
        return '\n'.join(filter(None, lines))


@app.route('/<database_name>/portal/info', methods={'GET'})
@with_pool
@with_transaction()
@requires_sign_in
def info_page(request, pool, user):
    Client = pool.get('therapy.client')
    clients = Client.for_portal_party(user.party)
    portal_event('portal.view', user, 'R', request.cookies.get(COOKIE),
        model='therapy.client', ids=[c.id for c in clients],
        client_ids=[c.id for c in clients], reason='my information')
    notice = None
    if request.args.get('saved') == '1':
        notice = gettext('therapy_portal.msg_info_saved')
    elif request.args.get('saved') == '0':
        notice = gettext('therapy_portal.msg_info_unchanged')
    return page(pool, user, [Entry(pool, c) for c in clients], notice=notice)


@app.route('/<database_name>/portal/info/<int:client_id>', methods={'POST'})
@with_pool
@with_transaction(readonly=False)
@requires_sign_in
def info_submit(request, pool, user, client_id):
    Client = pool.get('therapy.client')
    Change = pool.get('therapy.portal.change')
    client = own_client(pool, user, client_id)
    session = request.cookies.get(COOKIE)
    try:
        form, files = request.form, request.files
    except RequestEntityTooLarge:
        form, files = None, None
    if form is None:
        errors = [gettext('therapy_portal.msg_info_too_big', name='',
                size=max(1, upload_max() // (1024 * 1024)))]
        form = {}
    else:
        submission = Submission(pool, client, form, files)
        submission.check()
        errors = submission.errors
    if not errors:
        try:
            summary = submission.apply()
        except UserError as error:
            # nothing of a refused submission is kept
            Transaction().rollback()
            errors = [error.message]
    if errors:
        portal_event('portal.submit', user, 'U', session, outcome='4',
            model='therapy.client', ids=[client_id], client_ids=[client_id],
            reason='my information refused')
        entries = [Entry(pool, c, form if c.id == client_id else None,
                errors if c.id == client_id else None)
            for c in Client.for_portal_party(user.party)]
        return page(pool, user, entries,
            status=HTTPStatus.UNPROCESSABLE_ENTITY)
    if not summary:
        return redirect(f'{portal_base(pool)}/info?saved=0')
    Change.create([{
                'client': client.id,
                'submitted_at': clock.now(),
                'web_user': user.id,
                'summary': summary,
                }])
    portal_event('portal.submit', user, 'U', session,
        model='therapy.client', ids=[client.id], client_ids=[client.id],
        reason='my information')
    return redirect(f'{portal_base(pool)}/info?saved=1')


# the request may carry a front and a back image at their largest (trytond
# limits an anonymous request to [request] max_size, 2 MB by default)
info_submit.max_request_size = 2 * upload_max() + 256 * 1024
