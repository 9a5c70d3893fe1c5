"""A local stand-in of Stripe's HTTP API for the portal payment tests: never
the network.

It serves, on 127.0.0.1, the few endpoints the stripe library calls in the
portal's card payment flow, answering Stripe-shaped JSON: PaymentIntent
create, retrieve and confirm (what Stripe.js does in the browser when the
client submits the card), and Charge retrieve. Point the library at it with
`stripe.api_base = standin.url`. `event(type, intent)` builds the webhook
event Stripe would send and `signature(payload, secret)` its
`Stripe-Signature` header (the library's WebhookSignature scheme:
`t=<time>,v1=HMAC-SHA256(secret, "<time>.<payload>")`)."""
import hashlib
import hmac
import itertools
import json
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def signature(payload, secret, timestamp=None):
    "The Stripe-Signature header of payload signed with secret"
    timestamp = int(timestamp or time.time())
    digest = hmac.new(secret.encode(), f'{timestamp}.{payload}'.encode(),
        hashlib.sha256).hexdigest()
    return f't={timestamp},v1={digest}'


class StripeStandIn:
    "Start() it, use .url, read .intents and .requests, stop() it"

    def __init__(self):
        self.intents = {}
        self.charges = {}
        self.requests = []
        self._ids = itertools.count(1)
        self.server = None

    def start(self):
        standin = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                standin.handle(self, 'GET')

            def do_POST(self):
                standin.handle(self, 'POST')

        self.server = ThreadingHTTPServer(('127.0.0.1', 0), Handler)
        threading.Thread(target=self.server.serve_forever,
            daemon=True).start()
        return self

    def stop(self):
        if self.server:
            self.server.shutdown()
            self.server.server_close()

    @property
    def url(self):
        host, port = self.server.server_address
        return f'http://{host}:{port}'

    def new_id(self, prefix):
        return f'{prefix}_standin{next(self._ids)}'

    def handle(self, request, method):
        url = urllib.parse.urlsplit(request.path)
        length = int(request.headers.get('Content-Length') or 0)
        body = request.rfile.read(length).decode() if length else ''
        params = dict(urllib.parse.parse_qsl(body or url.query))
        self.requests.append((method, url.path, params,
                request.headers.get('Authorization')))
        parts = url.path.strip('/').split('/')
        status, answer = 404, error('resource_missing', "No such object")
        if not (request.headers.get('Authorization') or '').startswith(
                ('Bearer sk_', 'Bearer pk_')):
            status, answer = 401, error(None, "Invalid API Key provided")
        elif parts[:2] == ['v1', 'payment_intents']:
            status, answer = self.payment_intents(method, parts[2:], params)
        elif parts[:2] == ['v1', 'charges'] and len(parts) == 3:
            if parts[2] in self.charges:
                status, answer = 200, self.charges[parts[2]]
        data = json.dumps(answer).encode()
        request.send_response(status)
        request.send_header('Content-Type', 'application/json')
        request.send_header('Content-Length', str(len(data)))
        request.send_header('Request-Id', self.new_id('req'))
        request.end_headers()
        request.wfile.write(data)

    def payment_intents(self, method, rest, params):
        if method == 'POST' and not rest:
            id_ = self.new_id('pi')
            self.intents[id_] = {
                'id': id_, 'object': 'payment_intent',
                'amount': int(params['amount']),
                'amount_capturable': 0, 'amount_received': 0,
                'currency': params['currency'].lower(),
                'capture_method': params.get('capture_method', 'automatic'),
                'client_secret': f'{id_}_secret_standin',
                'created': int(time.time()),
                'customer': params.get('customer'),
                'description': params.get('description'),
                'latest_charge': None, 'last_payment_error': None,
                'livemode': False, 'metadata': {},
                'payment_method': None,
                'status': 'requires_payment_method',
                }
            return 200, self.intents[id_]
        if not rest or rest[0] not in self.intents:
            return 404, error('resource_missing', "No such payment_intent")
        intent = self.intents[rest[0]]
        if method == 'GET' and len(rest) == 1:
            answer = dict(intent)
            if intent['latest_charge'] and any(v == 'latest_charge'
                    for k, v in params.items() if k.startswith('expand')):
                answer['latest_charge'] = self.charges[
                    intent['latest_charge']]
            return 200, answer
        if method == 'POST' and rest[1:] == ['confirm']:
            return 200, self.confirm(intent)
        return 404, error('resource_missing', "Unknown request")

    def confirm(self, intent, card='4242'):
        "What Stripe.js's confirmPayment does with a good test card"
        charge_id = self.new_id('ch')
        self.charges[charge_id] = {
            'id': charge_id, 'object': 'charge',
            'amount': intent['amount'],
            'amount_captured': intent['amount'], 'amount_refunded': 0,
            'captured': True, 'currency': intent['currency'],
            'failure_code': None, 'failure_message': None,
            'paid': True, 'payment_intent': intent['id'],
            'payment_method_details': {'type': 'card',
                'card': {'brand': 'visa', 'last4': card}},
            'status': 'succeeded',
            }
        intent.update({
                'status': 'succeeded',
                'amount_received': intent['amount'],
                'latest_charge': charge_id,
                'payment_method': self.new_id('pm'),
                })
        return intent

    def event(self, type_, obj):
        "The webhook event Stripe sends, as JSON text"
        return json.dumps({
                'id': self.new_id('evt'), 'object': 'event',
                'api_version': '2026-03-25.dahlia',
                'created': int(time.time()), 'livemode': False,
                'type': type_, 'data': {'object': obj},
                })


def error(code, message):
    return {'error': {'type': 'invalid_request_error', 'code': code,
            'message': message}}
