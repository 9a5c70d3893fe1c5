"""A local stand-in of Stripe's HTTP API for the portal payment tests: never
the network.

It serves, on 127.0.0.1, the few endpoints the stripe library calls in the
portal's card payment flow, answering Stripe-shaped JSON: PaymentIntent
create, retrieve and confirm (what Stripe.js does in the browser when the
client submits the card), and Charge retrieve; for a card on file,
SetupIntent create, retrieve and confirm, Customer create, PaymentMethod
list, retrieve and attach, and PaymentIntent create confirmed off-session
with a saved card. A card saved with the last four digits 0341 (Stripe's
test card that attaches but is declined when charged) is declined. Point the library at it with
`stripe.api_base = standin.url`. `event(type, intent)` builds the webhook
event Stripe would send and `signature(payload, secret)` its
`Stripe-Signature` header (the library's WebhookSignature scheme:
`t=<time>,v1=HMAC-SHA256(secret, "<time>.<payload>")`)."""
import hashlib
import hmac
import itertools
import json
import os
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
        self.setup_intents = {}
        self.customers = {}
        self.payment_methods = {}
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

            def do_OPTIONS(self):
                # the browser's preflight: stripe_standin.js calls from the
                # portal's origin, as Stripe.js does from the merchant's
                self.send_response(204)
                cors(self)
                self.send_header('Content-Length', '0')
                self.end_headers()

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
        elif parts[:2] == ['v1', 'setup_intents']:
            status, answer = self.setup_intent(method, parts[2:], params)
        elif parts[:2] == ['v1', 'customers']:
            status, answer = self.customer(method, parts[2:], params)
        elif parts[:2] == ['v1', 'payment_methods']:
            status, answer = self.payment_method(method, parts[2:], params)
        elif parts[:2] == ['v1', 'charges'] and len(parts) == 3:
            if parts[2] in self.charges:
                status, answer = 200, self.charges[parts[2]]
        data = json.dumps(answer).encode()
        request.send_response(status)
        request.send_header('Content-Type', 'application/json')
        request.send_header('Content-Length', str(len(data)))
        request.send_header('Request-Id', self.new_id('req'))
        cors(request)
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
            if params.get('confirm') == 'true':
                return self.charge_saved_card(self.intents[id_], params)
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
            return 200, self.confirm(intent, params.get('card', '4242'))
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

    def charge_saved_card(self, intent, params):
        "A PaymentIntent confirmed at once with a saved card (off-session)"
        method = self.payment_methods.get(params.get('payment_method'))
        if method is None or method['customer'] != params.get('customer'):
            return 400, error('resource_missing', "No such PaymentMethod")
        if method['card']['last4'] == '0341':
            failure = {'type': 'card_error', 'code': 'card_declined',
                'decline_code': 'generic_decline',
                'message': "Your card was declined."}
            intent.update({'status': 'requires_payment_method',
                    'last_payment_error': failure})
            return 402, {'error': dict(failure, payment_intent=intent)}
        self.confirm(intent, method['card']['last4'])
        intent['payment_method'] = method['id']
        return 200, intent

    def setup_intent(self, method, rest, params):
        if method == 'POST' and not rest:
            id_ = self.new_id('seti')
            self.setup_intents[id_] = {
                'id': id_, 'object': 'setup_intent',
                'client_secret': f'{id_}_secret_standin',
                'created': int(time.time()), 'customer': None,
                'last_setup_error': None, 'livemode': False,
                'payment_method': None, 'usage': 'off_session',
                'status': 'requires_payment_method',
                }
            return 200, self.setup_intents[id_]
        if not rest or rest[0] not in self.setup_intents:
            return 404, error('resource_missing', "No such setupintent")
        intent = self.setup_intents[rest[0]]
        if method == 'GET' and len(rest) == 1:
            return 200, intent
        if method == 'POST' and rest[1:] == ['confirm']:
            return 200, self.confirm_setup(intent, params.get('card', '4242'))
        return 404, error('resource_missing', "Unknown request")

    def confirm_setup(self, intent, last4):
        "What Stripe.js's confirmSetup does with a test card ending in last4"
        method = self.new_payment_method(last4)
        intent.update({'status': 'succeeded', 'payment_method': method})
        return intent

    def new_payment_method(self, last4):
        id_ = self.new_id('pm')
        self.payment_methods[id_] = {
            'id': id_, 'object': 'payment_method', 'type': 'card',
            'customer': None, 'livemode': False, 'metadata': {},
            'card': {'brand': 'visa', 'last4': last4,
                'exp_month': 12, 'exp_year': 2030},
            }
        return id_

    def customer(self, method, rest, params):
        if method == 'POST' and not rest:
            id_ = self.new_id('cus')
            self.customers[id_] = {'id': id_, 'object': 'customer',
                'email': params.get('email'), 'name': params.get('name'),
                'livemode': False, 'metadata': {},
                # the legacy sources API: never any with PaymentMethods
                'sources': {'object': 'list', 'data': [], 'has_more': False,
                    'url': f'/v1/customers/{id_}/sources'}}
            if params.get('payment_method') in self.payment_methods:
                self.payment_methods[params['payment_method']][
                    'customer'] = id_
            return 200, self.customers[id_]
        if rest[0] in self.customers and len(rest) == 1:
            return 200, self.customers[rest[0]]
        return 404, error('resource_missing', "No such customer")

    def payment_method(self, method, rest, params):
        if method == 'GET' and not rest:
            data = [m for m in self.payment_methods.values()
                if m['customer'] and m['customer'] == params.get('customer')]
            return 200, {'object': 'list', 'data': data, 'has_more': False,
                'url': '/v1/payment_methods'}
        if not rest or rest[0] not in self.payment_methods:
            return 404, error('resource_missing', "No such PaymentMethod")
        payment_method = self.payment_methods[rest[0]]
        if method == 'POST' and rest[1:] == ['attach']:
            payment_method['customer'] = params.get('customer')
        return 200, payment_method

    def event(self, type_, obj):
        "The webhook event Stripe sends, as JSON text"
        return json.dumps({
                'id': self.new_id('evt'), 'object': 'event',
                'api_version': '2026-03-25.dahlia',
                'created': int(time.time()), 'livemode': False,
                'type': type_, 'data': {'object': obj},
                })


def cors(request):
    request.send_header('Access-Control-Allow-Origin', '*')
    request.send_header('Access-Control-Allow-Headers',
        'Authorization, Content-Type')
    request.send_header('Access-Control-Allow-Methods', 'GET, POST')


def script(url):
    """stripe_standin.js, calling the stand-in at url: what a browser test
    serves in place of https://js.stripe.com/v3/"""
    path = os.path.join(os.path.dirname(__file__), 'stripe_standin.js')
    with open(path) as file:
        return file.read().replace('STANDIN_URL', url)


def error(code, message):
    return {'error': {'type': 'invalid_request_error', 'code': code,
            'message': message}}
