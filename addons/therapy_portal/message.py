"""Secure messages between a client (or their consenting guardian, in the
portal) and the practice (staff, in the back office) (issue 14).

A thread is about one client; its messages are written once and never
changed: their fields are the server's (ServerOwnedMixin), and no staff
role may write, create or delete them over RPC (message.xml access rows).
A client writes from the portal (messages.py, which runs as the server
and derives the client from the session, never from the form); staff
answer with the thread's Reply button. Either side's message marks the
thread unread for the other; a page or form that shows the messages marks
them read.

Email says only that a message is waiting, with a link to log in: email
is no place for PHI (therapy_scheduling/notify.py refuses a name or a
client number). A client's message tells the client's care team (the
front desk when the client has none yet); a reply tells the client's
portal logins.

Attachments (PDF, PNG, JPEG) are rows of their own with the file, its
name, the content type sniffed from its first bytes, its size and its
SHA-256; a file whose bytes are not what its name says is refused."""
import hashlib
import logging

from trytond.i18n import gettext
from trytond.model import ModelSQL, ModelView, fields
from trytond.model.exceptions import AccessError
from trytond.pool import Pool
from trytond.pyson import Eval
from trytond.sendmail import send_message_transactional
from trytond.transaction import Transaction, without_check_access
from trytond.wizard import Button, StateTransition, StateView, Wizard

from therapy_scheduling import clock
from therapy_scheduling.appointment import format_local
from therapy_scheduling.notify import auto_email
from therapy_scheduling.phi import PHIMixin
from therapy_scheduling.server_owned import ServerOwnedMixin
from therapy_scheduling.web import public_url

from .exceptions import MessageError

logger = logging.getLogger(__name__)

DIRECTIONS = [
    ('client', "From Client"),
    ('practice', "From Practice"),
    ]
# what a file's first bytes must be for the types a client may send
MAGIC = [
    (b'%PDF-', 'application/pdf', {'.pdf'}),
    (b'\x89PNG\r\n\x1a\n', 'image/png', {'.png'}),
    (b'\xff\xd8\xff', 'image/jpeg', {'.jpg', '.jpeg'}),
    ]
SUBJECT_MAX = 120
BODY_MAX = 10000


def sniff(data, filename):
    """The content type of data when it is one the portal accepts and
    filename's extension says the same type, else None"""
    name = (filename or '').lower()
    extension = name[name.rfind('.'):] if '.' in name else ''
    for magic, content_type, extensions in MAGIC:
        if data.startswith(magic):
            return content_type if extension in extensions else None
    return None


def now():
    return clock.now().replace(microsecond=0)


class Thread(PHIMixin, ModelSQL, ModelView):
    "Secure Message Thread"
    __name__ = 'therapy.portal.thread'
    _rec_name = 'subject'

    company = fields.Many2One(
        'company.company', "Company", required=True, readonly=True)
    client = fields.Many2One(
        'therapy.client', "Client", required=True, readonly=True,
        ondelete='RESTRICT')
    subject = fields.Char("Subject", required=True, readonly=True)
    state = fields.Selection([
            ('open', "Open"),
            ('closed', "Closed"),
            ], "State", required=True, readonly=True,
        help="A closed conversation takes no reply; the client starts a "
        "new one.")
    last_message_at = fields.Timestamp("Last Message At", readonly=True)
    # sao lists have no column for a Timestamp: the list shows this
    last_message = fields.Function(
        fields.Char("Last Message"), 'get_last_message')
    last_from = fields.Selection(
        [(None, '')] + DIRECTIONS, "Last From", readonly=True,
        help="Who wrote last: a thread whose last message is from the "
        "client waits for the practice.")
    unread_by_practice = fields.Boolean("Unread by Practice", readonly=True,
        help="The client wrote and no staff member has opened it since.")
    unread_by_client = fields.Boolean("Unread by Client", readonly=True,
        help="The practice wrote and the client has not seen it yet.")
    messages = fields.One2Many(
        'therapy.portal.message', 'thread', "Messages", readonly=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [
            ('unread_by_practice', 'DESC'),
            ('last_message_at', 'DESC'),
            ('id', 'DESC'),
            ]
        cls._buttons.update({
                'reply': {
                    'invisible': Eval('state') != 'open',
                    'depends': ['state'],
                    },
                'close': {
                    'invisible': Eval('state') != 'open',
                    'depends': ['state'],
                    },
                })

    @classmethod
    def default_state(cls):
        return 'open'

    @classmethod
    def default_unread_by_practice(cls):
        return False

    @classmethod
    def default_unread_by_client(cls):
        return False

    def get_last_message(self, name):
        return format_local(self.last_message_at, self.company.timezone)

    @classmethod
    def check_modification(cls, mode, records, values=None, external=False):
        super().check_modification(
            mode, records, values=values, external=external)
        # the server opens, answers and closes threads; nobody else does
        if external and mode in {'create', 'write', 'delete'}:
            raise AccessError(gettext('therapy_portal.msg_thread_server_owned'))

    @classmethod
    def read(cls, ids, fields_names):
        result = super().read(ids, fields_names)
        transaction = Transaction()
        # a staff member opening a thread's form (the one record with its
        # messages) has read what the client wrote
        if (transaction.user and transaction.check_access
                and len(ids) == 1 and 'messages' in fields_names):
            cls.mark_read_by_practice(cls.browse(ids))
        return result

    @classmethod
    def mark_read_by_practice(cls, threads):
        "Record that staff read the client's messages of threads"
        Message = Pool().get('therapy.portal.message')
        transaction = Transaction()
        user = transaction.user or None
        ids = [t.id for t in threads]
        with without_check_access():
            if not Message.search([
                        ('thread', 'in', ids),
                        ('direction', '=', 'client'),
                        ('read_at', '=', None),
                        ], limit=1):
                return
        # a page's read runs read-only: the mark is a write of its own
        writer = (transaction.new_transaction() if transaction.readonly
            else None)
        try:
            with (writer or transaction.set_context()), \
                    without_check_access():
                pool = Pool()
                Thread = pool.get(cls.__name__)
                Msg = pool.get('therapy.portal.message')
                unread = Msg.search([
                        ('thread', 'in', ids),
                        ('direction', '=', 'client'),
                        ('read_at', '=', None),
                        ])
                Msg.write(unread, {'read_at': now(), 'read_by': user})
                Thread.write(Thread.browse(ids),
                    {'unread_by_practice': False})
                if writer:
                    writer.commit()
        except Exception:
            # (another tab marked it at the same moment) a mark is no
            # reason to refuse the page
            logger.warning("threads %s not marked read", ids, exc_info=True)

    @classmethod
    def mark_read_by_client(cls, threads):
        """Record that the client saw the practice's messages of threads
        (the portal's page; the caller's transaction writes)"""
        Message = Pool().get('therapy.portal.message')
        ids = [t.id for t in threads]
        unread = Message.search([
                ('thread', 'in', ids),
                ('direction', '=', 'practice'),
                ('read_at', '=', None),
                ])
        if unread:
            Message.write(unread, {'read_at': now()})
        cls.write(cls.browse(ids), {'unread_by_client': False})

    @classmethod
    @ModelView.button_action('therapy_portal.wizard_thread_reply')
    def reply(cls, threads):
        pass

    @classmethod
    @ModelView.button
    def close(cls, threads):
        with without_check_access():
            cls.write(list(threads), {'state': 'closed'})

    @classmethod
    def start(cls, client, subject, body, web_user, files=()):
        "A new thread of client with web_user's first message"
        with without_check_access():
            thread, = cls.create([{
                        'company': client.company.id,
                        'client': client.id,
                        'subject': subject,
                        }])
            thread.post_from_client(body, web_user, files)
        return thread

    def post_from_client(self, body, web_user, files=()):
        """web_user's message (and files: [(name, data)]) on this thread;
        the care team is told"""
        self._post('client', body, files, web_user=web_user.id)
        self.notify_practice()

    def post_from_practice(self, body, user):
        "Staff user's answer; the client's portal logins are told"
        self._post('practice', body, (), staff_user=user)
        self.__class__.mark_read_by_practice([self])
        self.notify_client()

    def _post(self, direction, body, files, **author):
        pool = Pool()
        Message = pool.get('therapy.portal.message')
        Attachment = pool.get('therapy.portal.message.attachment')
        body = (body or '').strip()
        if not body:
            raise MessageError(gettext('therapy_portal.msg_message_empty'))
        if len(body) > BODY_MAX:
            raise MessageError(gettext('therapy_portal.msg_message_too_long',
                    maximum=BODY_MAX))
        if self.state != 'open':
            raise MessageError(gettext('therapy_portal.msg_thread_closed'))
        sent_at = now()
        with without_check_access():
            message, = Message.create([{
                        'thread': self.id,
                        'client': self.client.id,
                        'direction': direction,
                        'body': body,
                        'sent_at': sent_at,
                        **author,
                        }])
            if files:
                Attachment.create([
                        Attachment.values_of(message, name, data)
                        for name, data in files])
            self.__class__.write([self], {
                    'last_message_at': sent_at,
                    'last_from': direction,
                    'unread_by_practice': direction == 'client',
                    'unread_by_client': direction == 'practice',
                    })
        return message

    def notify_practice(self):
        "Email the client's care team (else the front desk): no PHI"
        pool = Pool()
        User = pool.get('res.user')
        Group = pool.get('res.group')
        ModelData = pool.get('ir.model.data')
        with without_check_access():
            client = self.client
            team = list(client.care_team)
            users = User.search([('employees', 'in', [e.id for e in team])]) \
                if team else []
            if not [u for u in users if u.email]:
                desk = Group(ModelData.get_id(
                        'therapy_scheduling', 'group_front_desk'))
                users = list(desk.users)
            to = sorted({u.email for u in users if u.email})
            practice = self.company.party.name
        if not to:
            logger.warning("secure message %s: no staff address to tell",
                self.id)
            return
        database = Transaction().database.name
        link = (f'{public_url()}/#{database}/model/'
            f'{self.__class__.__name__}')
        # not strict: a mail server down must not lose the client's message
        send_message_transactional(auto_email(to,
                gettext('therapy_portal.msg_message_staff_email_subject'),
                gettext('therapy_portal.msg_message_staff_email_body',
                    practice=practice, link=link),
                about=[client]), strict=False)

    def notify_client(self):
        "Email the client's portal logins that a message waits: no PHI"
        with without_check_access():
            client = self.client
            to = sorted({u.email for u in client.portal_users if u.email})
            practice = self.company.party.name
        if not to:
            return
        database = Transaction().database.name
        link = f'{public_url()}/{database}/portal/login'
        send_message_transactional(auto_email(to,
                gettext('therapy_portal.msg_message_client_email_subject',
                    practice=practice),
                gettext('therapy_portal.msg_message_client_email_body',
                    practice=practice, link=link),
                about=[client]), strict=False)


class Message(PHIMixin, ServerOwnedMixin, ModelSQL, ModelView):
    "Secure Message"
    __name__ = 'therapy.portal.message'
    _rec_name = 'body'

    thread = fields.Many2One('therapy.portal.thread', "Thread",
        required=True, readonly=True, ondelete='CASCADE')
    client = fields.Many2One('therapy.client', "Client", required=True,
        readonly=True, ondelete='RESTRICT')
    direction = fields.Selection(
        DIRECTIONS, "Direction", required=True, readonly=True)
    web_user = fields.Many2One('web.user', "Portal Author", readonly=True,
        ondelete='RESTRICT',
        states={'invisible': Eval('direction') != 'client'})
    staff_user = fields.Many2One('res.user', "Staff Author", readonly=True,
        ondelete='RESTRICT',
        states={'invisible': Eval('direction') != 'practice'})
    author = fields.Function(fields.Char("From"), 'get_author')
    body = fields.Text("Message", required=True, readonly=True)
    sent_at = fields.Timestamp("Sent At", required=True, readonly=True)
    # sao lists have no column for a Timestamp: the list shows this
    sent = fields.Function(fields.Char("Sent"), 'get_sent')
    read_at = fields.Timestamp("Read At", readonly=True,
        help="When the other side first saw it.")
    read_by = fields.Many2One('res.user', "Read By", readonly=True,
        ondelete='RESTRICT',
        states={'invisible': Eval('direction') != 'client'})
    attachments = fields.One2Many(
        'therapy.portal.message.attachment', 'message', "Attachments",
        readonly=True)

    _server_owned = {'thread', 'client', 'direction', 'web_user',
        'staff_user', 'body', 'sent_at', 'read_at', 'read_by'}

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.__access__.add('thread')
        cls._order = [('sent_at', 'ASC'), ('id', 'ASC')]

    @classmethod
    def check_modification(cls, mode, records, values=None, external=False):
        super().check_modification(
            mode, records, values=values, external=external)
        # sent is sent: neither side may change or take back a message
        if external and mode in {'write', 'delete'}:
            raise AccessError(gettext('therapy_portal.msg_message_immutable'))

    def get_sent(self, name):
        return format_local(self.sent_at, self.thread.company.timezone)

    def get_rec_name(self, name):
        # who and when, not the text
        return f'{self.author} · {self.sent}'

    def get_author(self, name):
        if self.direction == 'client':
            user = self.web_user
            return (user.party.name if user and user.party
                else gettext('therapy_portal.msg_message_author_client'))
        return self.staff_user.name if self.staff_user else ''


class MessageAttachment(PHIMixin, ServerOwnedMixin, ModelSQL, ModelView):
    "Secure Message Attachment"
    __name__ = 'therapy.portal.message.attachment'

    message = fields.Many2One('therapy.portal.message', "Message",
        required=True, readonly=True, ondelete='CASCADE')
    client = fields.Many2One('therapy.client', "Client", required=True,
        readonly=True, ondelete='RESTRICT')
    name = fields.Char("File Name", required=True, readonly=True)
    data = fields.Binary("File", filename='name', readonly=True)
    content_type = fields.Char("Content Type", readonly=True,
        help="Sniffed from the file's first bytes, not taken from the "
        "browser.")
    size = fields.Integer("Size (bytes)", readonly=True)
    sha256 = fields.Char("SHA-256", readonly=True)

    _server_owned = {'message', 'client', 'name', 'data', 'content_type',
        'size', 'sha256'}

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.__access__.add('message')

    @classmethod
    def check_modification(cls, mode, records, values=None, external=False):
        super().check_modification(
            mode, records, values=values, external=external)
        if external and mode in {'write', 'delete'}:
            raise AccessError(gettext('therapy_portal.msg_message_immutable'))

    @classmethod
    def values_of(cls, message, name, data):
        "The create values of file data named name on message (checked)"
        content_type = sniff(data, name)
        if not content_type:
            raise MessageError(gettext(
                    'therapy_portal.msg_attachment_type', name=name))
        return {
            'message': message.id,
            'client': message.client.id,
            'name': name,
            'data': data,
            'content_type': content_type,
            'size': len(data),
            'sha256': hashlib.sha256(data).hexdigest(),
            }


class ReplyStart(ModelView):
    "Reply to a Secure Message"
    __name__ = 'therapy.portal.thread.reply.start'
    body = fields.Text("Message", required=True,
        help="The client reads it in the portal; their email only says "
        "that a message is waiting.")


class Reply(Wizard):
    "Reply to a Secure Message"
    __name__ = 'therapy.portal.thread.reply'
    start = StateView('therapy.portal.thread.reply.start',
        'therapy_portal.thread_reply_start_view_form', [
            Button("Cancel", 'end', 'tryton-cancel'),
            Button("Send", 'send', 'tryton-ok', default=True),
            ])
    send = StateTransition()

    def transition_send(self):
        self.record.post_from_practice(self.start.body, Transaction().user)
        return 'end'
