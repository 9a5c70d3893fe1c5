"Unit tests of the SMS adapter and quiet hours (no Tryton, no network)."
import base64
import json
import socket
import threading
import time as time_module
import unittest
import urllib.parse
from datetime import datetime, time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from zoneinfo import ZoneInfo

from ..sms import (
    SMSError, SMSResult, TwilioCompatibleSMS, in_quiet_hours, next_allowed,
    to_e164)

NY = ZoneInfo('America/New_York')
SID, TOKEN = 'AC0123456789abcdef', 's3cret-token'


class FakeProvider(BaseHTTPRequestHandler):
    "Stands in for Twilio: records each request, answers server.reply."

    def do_POST(self):
        length = int(self.headers.get('Content-Length', 0))
        self.server.requests.append({
                'path': self.path,
                'headers': dict(self.headers),
                'form': urllib.parse.parse_qs(
                    self.rfile.read(length).decode('utf-8')),
                })
        status, content_type, body, delay = self.server.reply
        time_module.sleep(delay)
        self.send_response(status)
        self.send_header('Content-Type', content_type)
        self.send_header('Content-Length', str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format, *args):
        pass


class TwilioCompatibleSMSTestCase(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.server = ThreadingHTTPServer(('127.0.0.1', 0), FakeProvider)
        cls.thread = threading.Thread(
            target=cls.server.serve_forever, daemon=True)
        cls.thread.start()
        cls.base_url = 'http://127.0.0.1:%s' % cls.server.server_port

    @classmethod
    def tearDownClass(cls):
        cls.server.shutdown()
        cls.server.server_close()
        cls.thread.join()

    def setUp(self):
        self.server.requests = []
        self.reply(201, {'sid': 'SM123', 'status': 'queued'})
        self.sms = TwilioCompatibleSMS(
            SID, TOKEN, '(212) 555-0199', base_url=self.base_url + '/',
            timeout=5)

    def reply(self, status, body, content_type='application/json',
            delay=0):
        if not isinstance(body, bytes):
            body = json.dumps(body).encode('utf-8')
        self.server.reply = (status, content_type, body, delay)

    def test_send(self):
        result = self.sms.send('917-555-0123', "Reminder: appointment "
            "tomorrow at 10:00. Reply C to confirm.")

        self.assertEqual(result, SMSResult(provider_id='SM123',
                status='queued'))
        request, = self.server.requests
        self.assertEqual(
            request['path'], '/2010-04-01/Accounts/%s/Messages.json' % SID)
        self.assertEqual(request['headers']['Authorization'], 'Basic '
            + base64.b64encode(b'%s:%s' % (SID.encode(), TOKEN.encode())
                ).decode())
        self.assertEqual(request['headers']['Content-Type'],
            'application/x-www-form-urlencoded')
        self.assertEqual(request['form'], {
                'To': ['+19175550123'],
                'From': ['+12125550199'],
                'Body': ["Reminder: appointment tomorrow at 10:00. "
                    "Reply C to confirm."],
                })

    def test_send_unicode_body(self):
        self.sms.send('+44 7911 123456', "Rappel : rendez-vous à 10 h ✓")

        request, = self.server.requests
        self.assertEqual(request['form']['To'], ['+447911123456'])
        self.assertEqual(
            request['form']['Body'], ["Rappel : rendez-vous à 10 h ✓"])

    def test_send_unauthorized(self):
        self.reply(401, {'code': 20003, 'message': 'Authenticate',
                'more_info': 'https://www.twilio.com/docs/errors/20003',
                'status': 401})

        with self.assertRaises(SMSError) as cm:
            self.sms.send('917-555-0123', "Reminder")

        self.assertEqual(cm.exception.status, 401)
        self.assertEqual(cm.exception.code, 20003)
        message = str(cm.exception)
        self.assertIn('20003', message)
        self.assertIn('Authenticate', message)
        self.assertIn('auth token', message)
        self.assertNotIn(TOKEN, message)

    def test_send_bad_request_without_json(self):
        self.reply(400, b'<html>Bad Request</html>', content_type='text/html')

        with self.assertRaises(SMSError) as cm:
            self.sms.send('917-555-0123', "Reminder")

        self.assertEqual(cm.exception.status, 400)
        self.assertIsNone(cm.exception.code)
        self.assertIn('HTTP 400', str(cm.exception))

    def test_send_server_error(self):
        self.reply(503, {'code': 20503, 'message': 'Service Unavailable',
                'status': 503})

        with self.assertRaises(SMSError) as cm:
            self.sms.send('917-555-0123', "Reminder")

        self.assertEqual((cm.exception.status, cm.exception.code),
            (503, 20503))
        self.assertIn('try again later', str(cm.exception))

    def test_send_success_without_sid(self):
        self.reply(201, b'OK', content_type='text/plain')

        with self.assertRaises(SMSError) as cm:
            self.sms.send('917-555-0123', "Reminder")

        self.assertEqual(cm.exception.status, 201)
        self.assertIn('endpoint URL', str(cm.exception))

    def test_send_closed_port(self):
        with socket.socket() as sock:
            sock.bind(('127.0.0.1', 0))
            port = sock.getsockname()[1]
        sms = TwilioCompatibleSMS(
            SID, TOKEN, '2125550199', base_url='http://127.0.0.1:%s' % port)

        with self.assertRaises(SMSError) as cm:
            sms.send('917-555-0123', "Reminder")

        self.assertIn('could not be reached', str(cm.exception))
        self.assertIsNone(cm.exception.status)
        self.assertIsNone(cm.exception.code)

    def test_send_timeout(self):
        self.reply(201, {'sid': 'SM123', 'status': 'queued'}, delay=1)
        sms = TwilioCompatibleSMS(
            SID, TOKEN, '2125550199', base_url=self.base_url, timeout=0.2)

        with self.assertRaises(SMSError) as cm:
            sms.send('917-555-0123', "Reminder")

        self.assertIn('could not be reached', str(cm.exception))

    def test_send_invalid_to(self):
        for number in ['555', 'not a number', '', '+1 212 555 01']:
            with self.subTest(number=number):
                with self.assertRaises(SMSError) as cm:
                    self.sms.send(number, "Reminder")
                self.assertIn('not a valid mobile number', str(cm.exception))
        self.assertEqual(self.server.requests, [])

    def test_send_empty_body(self):
        for body in ['', '   \n', None]:
            with self.subTest(body=body):
                with self.assertRaises(SMSError) as cm:
                    self.sms.send('917-555-0123', body)
                self.assertIn('empty', str(cm.exception))
        self.assertEqual(self.server.requests, [])

    def test_send_body_length(self):
        self.sms.send('917-555-0123', 'x' * 1600)
        with self.assertRaises(SMSError) as cm:
            self.sms.send('917-555-0123', 'x' * 1601)

        self.assertIn('1601', str(cm.exception))
        self.assertEqual(len(self.server.requests), 1)

    def test_init_errors(self):
        for args, kwargs in [
                (('', TOKEN, '2125550199'), {}),
                ((SID, '', '2125550199'), {}),
                ((SID, TOKEN, '123'), {}),
                ((SID, TOKEN, '2125550199'), {'base_url': 'file:///etc'}),
                ]:
            with self.subTest(args=args, kwargs=kwargs):
                with self.assertRaises(SMSError):
                    TwilioCompatibleSMS(*args, **kwargs)


class PhoneTestCase(unittest.TestCase):

    def test_to_e164(self):
        for number, region, expected in [
                ('(917) 555-0123', 'US', '+19175550123'),
                ('1-917-555-0123', 'US', '+19175550123'),
                ('+1 917 555 0123', 'FR', '+19175550123'),
                ('06 12 34 56 78', 'FR', '+33612345678'),
                ]:
            with self.subTest(number=number, region=region):
                self.assertEqual(to_e164(number, region), expected)

    def test_to_e164_invalid(self):
        for number in ['555', '12345678901234567', 'abc', '', None]:
            with self.subTest(number=number):
                with self.assertRaises(SMSError) as cm:
                    to_e164(number)
                self.assertIn('not a valid mobile number', str(cm.exception))
                self.assertIsNone(cm.exception.status)


class QuietHoursTestCase(unittest.TestCase):

    def at(self, hour, minute=0, day=14):
        return datetime(2025, 3, day, hour, minute, tzinfo=NY)

    def test_in_quiet_hours_wrapping(self):
        for hour, minute, quiet in [
                (20, 59, False),
                (21, 0, True),  # start inclusive
                (23, 30, True),
                (0, 0, True),
                (3, 15, True),
                (7, 59, True),
                (8, 0, False),  # end exclusive
                (12, 0, False),
                ]:
            with self.subTest(hour=hour, minute=minute):
                self.assertEqual(
                    in_quiet_hours(self.at(hour, minute)), quiet)

    def test_in_quiet_hours_not_wrapping(self):
        lunch = dict(quiet_start=time(12, 0), quiet_end=time(13, 0))
        for hour, minute, quiet in [
                (11, 59, False),
                (12, 0, True),
                (12, 30, True),
                (13, 0, False),
                (22, 0, False),
                (3, 0, False),
                ]:
            with self.subTest(hour=hour, minute=minute):
                self.assertEqual(
                    in_quiet_hours(self.at(hour, minute), **lunch), quiet)

    def test_in_quiet_hours_equal_bounds(self):
        for hour in [0, 9, 21]:
            with self.subTest(hour=hour):
                self.assertFalse(in_quiet_hours(
                        self.at(hour), time(9, 0), time(9, 0)))

    def test_next_allowed_not_quiet(self):
        moment = self.at(14, 30)
        self.assertIs(next_allowed(moment), moment)

    def test_next_allowed_before_midnight(self):
        result = next_allowed(self.at(22, 15, day=14))

        self.assertEqual(result, self.at(8, 0, day=15))
        self.assertIs(result.tzinfo, NY)

    def test_next_allowed_after_midnight(self):
        result = next_allowed(self.at(2, 45, day=15))

        self.assertEqual(result, self.at(8, 0, day=15))
        self.assertIs(result.tzinfo, NY)

    def test_next_allowed_at_start(self):
        self.assertEqual(next_allowed(self.at(21, 0)), self.at(8, 0, day=15))

    def test_next_allowed_not_wrapping(self):
        self.assertEqual(
            next_allowed(self.at(12, 10), time(12, 0), time(13, 0)),
            self.at(13, 0))

    def test_next_allowed_across_dst_change(self):
        # clocks go forward on 2025-03-09 in New York: still 08:00 local
        result = next_allowed(datetime(2025, 3, 8, 23, 0, tzinfo=NY))

        self.assertEqual(
            (result.date().isoformat(), result.hour, result.minute),
            ('2025-03-09', 8, 0))
        self.assertEqual(result.utcoffset().total_seconds(), -4 * 3600)
