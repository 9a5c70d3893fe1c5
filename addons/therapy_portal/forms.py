"""Client portal: fill in and sign the forms the practice assigned.

The practice drafts a response (intake, consent, outcome measure) for a
client; the client or their consenting guardian completes it here. Signing
records the signer, the time, the IP address and browser, and freezes the
rendered document with its SHA-256 (therapy_clinical.form). Only drafts of
the portal user's own clients are reachable; anything else answers 404.
"""
from trytond.exceptions import UserError
from trytond.i18n import gettext
from trytond.pool import Pool
from trytond.protocols.wrappers import (
    HTTPStatus, abort, redirect, with_pool, with_transaction)
from trytond.transaction import Transaction
from trytond.wsgi import app

from .exceptions import SignatureConsentError
from .mfa import portal_event
from .session import (
    COOKIE, portal_base, portal_page, requires_sign_in)


def own_response(pool, user, response_id):
    "The response if it belongs to one of user's clients, else 404"
    Client = pool.get('therapy.client')
    Response = pool.get('therapy.form.response')
    clients = Client.for_portal_party(user.party)
    responses = Response.search([
            ('id', '=', response_id),
            ('client', 'in', [c.id for c in clients]),
            ])
    if not responses:
        abort(HTTPStatus.NOT_FOUND)
    return responses[0]


def pending_forms(pool, clients):
    "{client: [draft responses]} for the portal home page"
    Response = pool.get('therapy.form.response')
    pending = {c: [] for c in clients}
    for response in Response.search([
                ('client', 'in', [c.id for c in clients]),
                ('state', '=', 'draft'),
                ], order=[('id', 'ASC')]):
        pending[response.client].append(response)
    return pending


def signer_role(user, response):
    return 'client' if user.party == response.client.party else 'guardian'


def submitted_value(form, answer):
    name = f'q{answer.id}'
    if answer.question.type == 'multi_choice':
        return form.getlist(name)
    return form.get(name, '')


def page(pool, user, response, error=None, values=None, status=HTTPStatus.OK,
        notice=None):
    values = values or {}

    def current(answer):
        "What the field shows: the value just posted, else the stored one"
        value = values.get(answer.id, answer.value or '')
        return value if isinstance(value, list) else value.split(',') if (
            answer.question.type == 'multi_choice') else value

    def chosen(answer, key):
        value = current(answer)
        return key in value if isinstance(value, list) else key == value

    role = signer_role(user, response)
    return portal_page('form.html', status, base=portal_base(pool),
        user=user, response=response, error=error, notice=notice,
        current=current,
        chosen=chosen,
        signer_label=gettext(f'therapy_portal.msg_form_signer_{role}'),
        submit_label=gettext('therapy_portal.msg_form_sign'
            if response.template.signature_required
            else 'therapy_portal.msg_form_submit'))


def save_answers(response, values):
    "Store the answers posted (values by answer id), complete or not"
    Answer = Pool().get('therapy.form.answer')
    for answer in response.answers:
        value = values[answer.id]
        answer.value = ','.join(value) if isinstance(value, list) else (
            value or None)
    Answer.save(list(response.answers))


def client_ip(request):
    return request.remote_addr


@app.route('/<database_name>/portal/forms/<int:response_id>',
    methods={'GET'})
@with_pool
@with_transaction()
@requires_sign_in
def form_page(request, pool, user, response_id):
    response = own_response(pool, user, response_id)
    portal_event('portal.view', user, 'R', request.cookies.get(COOKIE),
        model=response.__name__, ids=[response.id],
        client_ids=[response.client.id])
    return page(pool, user, response, notice=gettext(
            'therapy_portal.msg_form_saved')
        if request.args.get('saved') and response.state == 'draft' else None)


@app.route('/<database_name>/portal/forms/<int:response_id>',
    methods={'POST'})
@with_pool
@with_transaction(readonly=False)
@requires_sign_in
def submit_form(request, pool, user, response_id):
    Response = pool.get('therapy.form.response')
    response = own_response(pool, user, response_id)
    if response.state != 'draft':
        return redirect(f'{portal_base(pool)}/forms/{response.id}')
    form = request.form
    values = {a.id: submitted_value(form, a) for a in response.answers}
    finish_later = form.get('action') == 'save'
    try:
        if finish_later:
            save_answers(response, values)
            portal_event('portal.submit', user, 'U',
                request.cookies.get(COOKIE), model=response.__name__,
                ids=[response.id], client_ids=[response.client.id],
                reason='saved')
            return redirect(f'{portal_base(pool)}/forms/{response.id}'
                '?saved=1')
        if response.template.signature_required:
            if form.get('consent') != 'yes':
                raise SignatureConsentError(gettext(
                        'therapy_portal.msg_form_signature_consent'))
            Response.write([response], {
                    'signer_name': form.get('signer_name', '').strip(),
                    'signer_role': signer_role(user, response),
                    })
        save_answers(response, values)
        Response.do_complete([Response(response.id)],
            ip_address=client_ip(request),
            user_agent=request.headers.get('User-Agent'), portal=True)
    except UserError as error:
        # nothing of a refused submission is kept
        Transaction().rollback()
        return page(pool, user, Response(response_id), error=error.message,
            values=values, status=HTTPStatus.UNPROCESSABLE_ENTITY)
    portal_event('portal.submit', user, 'C', request.cookies.get(COOKIE),
        model=response.__name__, ids=[response.id],
        client_ids=[response.client.id])
    return redirect(f'{portal_base(pool)}/forms/{response.id}')
