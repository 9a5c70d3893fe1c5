"""A real SMTP server (aiosmtpd) and a stand-in for the SMS provider's
Messages API, both on loopback, with trytond.config pointing at them."""
import email
import email.policy
import json
import re
import socket
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from aiosmtpd.controller import Controller

from trytond import config

FROM = 'reminders@harborview.example'
PUBLIC_URL = 'https://care.harborview.example'
SMS_SID, SMS_TOKEN, SMS_FROM = 'AC0123456789abcdef', 's3cret', '+12125550199'
# a link's random token: secrets.token_urlsafe(32) or token_hex(32)
TOKEN = re.compile(r'[\w-]{43,}')


def without_tokens(text):
    """text with its links' random tokens masked, for checks that no name
    shows: a token is random letters, and a three-letter name turns up in
    one now and then ('wSJAnnpM...' failed a reminder's check in CI)"""
    return TOKEN.sub('<token>', text)


def free_port():
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


class Inbox:
    "aiosmtpd handler keeping every message received"

    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(
            envelope.content, policy=email.policy.default)
        self.messages.append((envelope.rcpt_tos, message))
        return '250 Message accepted for delivery'


class SMSProvider(BaseHTTPRequestHandler):
    "Answers like Twilio's Messages API; server.status forces an error"

    def do_POST(self):
        length = int(self.headers.get('Content-Length', 0))
        form = urllib.parse.parse_qs(self.rfile.read(length).decode('utf-8'))
        status = self.server.status
        if status < 300:
            self.server.messages.append(
                {key: values[0] for key, values in form.items()})
            body = {'sid': f'SM{len(self.server.messages):04d}',
                'status': 'queued'}
        else:
            body = {'code': 20500, 'message': 'Internal error'}
        payload = json.dumps(body).encode('utf-8')
        self.send_response(status)
        self.send_header('Content-Type', 'application/json')
        self.send_header('Content-Length', str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format, *args):
        pass


class Outbox:
    OPTIONS = [('email', 'uri'), ('email', 'from'), ('web', 'public_url')]

    def start(self):
        self.inbox = Inbox()
        self.smtp = Controller(
            self.inbox, hostname='127.0.0.1', port=free_port())
        self.smtp.start()
        self.http = ThreadingHTTPServer(('127.0.0.1', 0), SMSProvider)
        self.http.messages, self.http.status = [], 201
        self.thread = threading.Thread(
            target=self.http.serve_forever, daemon=True)
        self.thread.start()
        self.sms_url = f'http://127.0.0.1:{self.http.server_port}'
        self.saved = {key: config.get(*key) for key in self.OPTIONS}
        config.set('email', 'uri', f'smtp://127.0.0.1:{self.smtp.port}')
        config.set('email', 'from', FROM)
        config.set('web', 'public_url', PUBLIC_URL)

    def stop(self):
        for (section, option), value in self.saved.items():
            config.set(section, option, value or '')
        self.smtp.stop()
        self.http.shutdown()
        self.http.server_close()
        self.thread.join()

    def clear(self):
        self.inbox.messages.clear()
        self.http.messages.clear()
        self.http.status = 201

    @property
    def emails(self):
        "[(recipients, EmailMessage)]"
        return list(self.inbox.messages)

    @property
    def sms(self):
        "[{'To':, 'From':, 'Body':}]"
        return list(self.http.messages)

    def sms_settings(self):
        "therapy.configuration values sending SMS to the stand-in"
        return {
            'reminder_sms': True,
            'sms_account_sid': SMS_SID,
            'sms_auth_token': SMS_TOKEN,
            'sms_from_number': SMS_FROM,
            'sms_base_url': self.sms_url,
            }


class OutboxMixin:
    """A test case with the SMTP server and the SMS stand-in running for the
    whole class (self.outbox), emptied before each test"""

    @classmethod
    def setUpClass(cls):
        cls.outbox = Outbox()
        cls.outbox.start()
        cls.addClassCleanup(cls.outbox.stop)
        super().setUpClass()

    def setUp(self):
        super().setUp()
        self.outbox.clear()
