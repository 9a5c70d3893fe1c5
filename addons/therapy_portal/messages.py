"""Client portal: secure messages with the practice (issue 14).

The portal user's threads (of themselves, or of the minors they consent
for), a new one, a thread's page with its reply form, and an attached
file's download. The client of a new thread is one of the user's own,
checked against the session: a posted id that is not theirs answers 404
and nothing is written, as does another client's thread or file.

A file (PDF, PNG or JPEG, `[caseload] portal_attachment_max` bytes at
most, 10 MB by default) is checked by its first bytes against its name
(message.py `sniff`); a refused file refuses the whole post, with a
message, and nothing is kept. A download is an attachment, never shown
inline, with `X-Content-Type-Options: nosniff`.

A login sends at most `[caseload] portal_messages_per_hour` messages (20
by default) in an hour: more answer 429 with a message (SECURITY.md §4,
14: a flood of posts and files).

GET never changes anything but the read marks: the thread's page marks
the practice's messages read (in a transaction of its own, the page's
being read-only)."""
import datetime as dt

from trytond import config
from trytond.exceptions import UserError
from trytond.i18n import gettext
from trytond.protocols.wrappers import (
    HTTPStatus, Response, abort, redirect, set_max_request_size, with_pool,
    with_transaction)
from trytond.transaction import Transaction
from trytond.wsgi import app

from .exceptions import MessageError
from .message import SUBJECT_MAX
from .mfa import portal_event
from .session import COOKIE, portal_base, portal_page, requires_sign_in

DEFAULT_ATTACHMENT_MAX = 10 * 1024 * 1024
# a post is its file and some text: the request may be this much bigger
# than the file before werkzeug refuses it (413) unread
FORM_SLACK = 256 * 1024


def attachment_max():
    "The largest file a client may attach, in bytes"
    return config.getint('caseload', 'portal_attachment_max',
        default=DEFAULT_ATTACHMENT_MAX)


# read at start-up: trytond reads an endpoint's limit before the request
REQUEST_MAX = attachment_max() + FORM_SLACK


def hourly_limit():
    return config.getint('caseload', 'portal_messages_per_hour', default=20)


def flooding(pool, user):
    "Whether user sent their hour's share of messages already"
    Message = pool.get('therapy.portal.message')
    since = dt.datetime.now() - dt.timedelta(hours=1)
    return Message.search([
            ('web_user', '=', user.id),
            ('sent_at', '>=', since),
            ], count=True) >= hourly_limit()


def own_clients(pool, user):
    return pool.get('therapy.client').for_portal_party(user.party)


def own_thread(pool, user, thread_id):
    "The thread if it is of one of user's clients, else 404"
    Thread = pool.get('therapy.portal.thread')
    threads = Thread.search([
            ('id', '=', thread_id),
            ('client', 'in', [c.id for c in own_clients(pool, user)]),
            ])
    if not threads:
        abort(HTTPStatus.NOT_FOUND)
    return threads[0]


def posted_files(request):
    """[(name, data)] of the post's attachment (none when no file was
    chosen); MessageError for a file over the limit (read no further)"""
    files = []
    for upload in request.files.getlist('attachment'):
        if not upload or not upload.filename:
            continue
        maximum = attachment_max()
        data = upload.stream.read(maximum + 1)
        if len(data) > maximum:
            raise MessageError(gettext('therapy_portal.msg_attachment_too_big',
                    name=upload.filename,
                    maximum=round(maximum / (1024 * 1024), 1)))
        files.append((upload.filename, data))
    return files


def client_name(client):
    return client.preferred_name or client.party.name


def list_page(request, pool, user, error=None, values=None,
        status=HTTPStatus.OK):
    Thread = pool.get('therapy.portal.thread')
    clients = own_clients(pool, user)
    threads = Thread.search([('client', 'in', [c.id for c in clients])],
        order=[('unread_by_client', 'DESC'), ('last_message_at', 'DESC'),
            ('id', 'DESC')])
    portal_event('portal.view', user, 'R', request.cookies.get(COOKIE),
        model=Thread.__name__, ids=[t.id for t in threads],
        client_ids=[c.id for c in clients])
    return portal_page('messages.html', status, base=portal_base(pool),
        user=user, clients=clients, threads=threads, client_name=client_name,
        error=error, values=values or {}, subject_max=SUBJECT_MAX,
        attachment_mb=round(attachment_max() / (1024 * 1024), 1),
        notice=request.args.get('sent') and gettext(
            'therapy_portal.msg_message_sent'))


def thread_page(request, pool, user, thread, error=None, body='',
        status=HTTPStatus.OK):
    portal_event('portal.view', user, 'R', request.cookies.get(COOKIE),
        model=thread.__name__, ids=[thread.id],
        client_ids=[thread.client.id])
    return portal_page('thread.html', status, base=portal_base(pool),
        user=user, thread=thread, client_name=client_name, error=error,
        body=body, practice=thread.company.party.name,
        attachment_mb=round(attachment_max() / (1024 * 1024), 1),
        notice=request.args.get('sent') and gettext(
            'therapy_portal.msg_message_sent'))


def unread_count(pool, clients):
    "How many threads of clients have a message the client has not seen"
    Thread = pool.get('therapy.portal.thread')
    return Thread.search([
            ('client', 'in', [c.id for c in clients]),
            ('unread_by_client', '=', True),
            ], count=True)


@app.route('/<database_name>/portal/messages', methods={'GET'})
@with_pool
@with_transaction()
@requires_sign_in
def messages_page(request, pool, user):
    return list_page(request, pool, user)


@app.route('/<database_name>/portal/messages', methods={'POST'})
@set_max_request_size(REQUEST_MAX)
@with_pool
@with_transaction(readonly=False)
@requires_sign_in
def new_thread(request, pool, user):
    Thread = pool.get('therapy.portal.thread')
    form = request.form
    clients = {c.id: c for c in own_clients(pool, user)}
    try:
        client_id = int(form.get('client') or 0)
    except ValueError:
        client_id = 0
    if not client_id and len(clients) == 1:
        client_id, = clients
    # never trust the posted client: it must be one of this login's
    client = clients.get(client_id)
    if not client:
        abort(HTTPStatus.NOT_FOUND)
    subject = (form.get('subject') or '').strip()[:SUBJECT_MAX]
    body = form.get('body') or ''
    if flooding(pool, user):
        return list_page(request, pool, user,
            error=gettext('therapy_portal.msg_message_flood'),
            values={'client': client_id, 'subject': subject, 'body': body},
            status=HTTPStatus.TOO_MANY_REQUESTS)
    try:
        if not subject:
            raise MessageError(gettext(
                    'therapy_portal.msg_message_subject_required'))
        thread = Thread.start(client, subject, body, user,
            posted_files(request))
    except UserError as error:
        # nothing of a refused message is kept
        Transaction().rollback()
        return list_page(request, pool, user, error=error.message,
            values={'client': client_id, 'subject': subject, 'body': body},
            status=HTTPStatus.UNPROCESSABLE_ENTITY)
    portal_event('portal.submit', user, 'C', request.cookies.get(COOKIE),
        model=thread.__name__, ids=[thread.id], client_ids=[client.id])
    return redirect(f'{portal_base(pool)}/messages/{thread.id}?sent=1')


@app.route('/<database_name>/portal/messages/<int:thread_id>',
    methods={'GET'})
@with_pool
@with_transaction()
@requires_sign_in
def thread_view(request, pool, user, thread_id):
    thread = own_thread(pool, user, thread_id)
    if thread.unread_by_client:
        # the page's transaction is read-only: the mark is a write of its
        # own (the only change a GET makes)
        with Transaction().new_transaction() as transaction:
            Thread = pool.get('therapy.portal.thread')
            Thread.mark_read_by_client([Thread(thread.id)])
            transaction.commit()
    return thread_page(request, pool, user, thread)


@app.route('/<database_name>/portal/messages/<int:thread_id>',
    methods={'POST'})
@set_max_request_size(REQUEST_MAX)
@with_pool
@with_transaction(readonly=False)
@requires_sign_in
def reply(request, pool, user, thread_id):
    thread = own_thread(pool, user, thread_id)
    body = request.form.get('body') or ''
    if flooding(pool, user):
        return thread_page(request, pool, user, thread,
            error=gettext('therapy_portal.msg_message_flood'), body=body,
            status=HTTPStatus.TOO_MANY_REQUESTS)
    try:
        thread.post_from_client(body, user, posted_files(request))
    except UserError as error:
        Transaction().rollback()
        Thread = pool.get('therapy.portal.thread')
        return thread_page(request, pool, user, Thread(thread_id),
            error=error.message, body=body,
            status=HTTPStatus.UNPROCESSABLE_ENTITY)
    portal_event('portal.submit', user, 'C', request.cookies.get(COOKIE),
        model=thread.__name__, ids=[thread.id],
        client_ids=[thread.client.id])
    return redirect(f'{portal_base(pool)}/messages/{thread.id}?sent=1')


@app.route('/<database_name>/portal/messages/<int:thread_id>'
    '/attachments/<int:attachment_id>', methods={'GET'})
@with_pool
@with_transaction()
@requires_sign_in
def download(request, pool, user, thread_id, attachment_id):
    Attachment = pool.get('therapy.portal.message.attachment')
    thread = own_thread(pool, user, thread_id)
    attachments = Attachment.search([
            ('id', '=', attachment_id),
            ('message.thread', '=', thread.id),
            ])
    if not attachments:
        abort(HTTPStatus.NOT_FOUND)
    attachment, = attachments
    portal_event('portal.view', user, 'R', request.cookies.get(COOKIE),
        model=Attachment.__name__, ids=[attachment.id],
        client_ids=[thread.client.id])
    # the name is the client's: only safe characters reach the header
    safe = ''.join(c if c.isalnum() or c in '._-' else '_'
        for c in attachment.name)[:100] or 'attachment'
    return Response(bytes(attachment.data), HTTPStatus.OK, headers={
            'Content-Disposition': f'attachment; filename="{safe}"',
            'X-Content-Type-Options': 'nosniff',
            'Content-Security-Policy': "default-src 'none'; sandbox",
            'Cache-Control': 'no-store',
            }, content_type=attachment.content_type)
