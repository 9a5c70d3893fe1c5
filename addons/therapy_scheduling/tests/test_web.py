"""The shared helpers of the public pages (web.py), without a database."""
import hashlib
import unittest

from trytond.protocols.wrappers import HTTPStatus

from ..web import (
    CSP, hash_token, public_url, render_page)

LINK_PAGE = 'therapy_scheduling/templates/appointment_link.html'


class HashTokenTestCase(unittest.TestCase):

    def test_sha256_hex_of_the_utf8_token(self):
        self.assertEqual(hash_token('abc'),
            'ba7816bf8f01cfea414140de5dae2223'
            'b00361a396177a9cb410ff61f20015ad')

    def test_token_is_not_in_its_hash(self):
        token = 'Zk3n_secret-token'
        digest = hash_token(token)
        self.assertNotIn(token, digest)
        self.assertEqual(len(digest), 64)

    def test_different_tokens_different_hashes(self):
        self.assertNotEqual(hash_token('a'), hash_token('b'))

    def test_non_ascii_token_hashed_as_utf8(self):
        self.assertEqual(hash_token('é'),
            hashlib.sha256('é'.encode('utf-8')).hexdigest())


class PublicURLTestCase(unittest.TestCase):

    def test_trailing_slashes_dropped(self):
        self.assertEqual(public_url('https://care.example/'),
            'https://care.example')
        self.assertEqual(public_url('https://care.example/caseload//'),
            'https://care.example/caseload')

    def test_unset_falls_back_to_localhost(self):
        self.assertEqual(public_url(''), 'http://localhost:8000')

    def test_kept_as_configured(self):
        self.assertEqual(public_url('https://care.example:8443'),
            'https://care.example:8443')


class RenderPageTestCase(unittest.TestCase):

    def render(self, **kwargs):
        return render_page(LINK_PAGE, title="Title <1>", message="Message",
            appointment=None, button=None, **kwargs)

    def test_security_headers(self):
        response = self.render()
        headers = response.headers
        self.assertEqual(response.status_code, HTTPStatus.OK)
        self.assertEqual(headers['Content-Security-Policy'], CSP)
        self.assertIn("default-src 'none'", CSP)
        self.assertIn("frame-ancestors 'none'", CSP)
        self.assertEqual(headers['X-Frame-Options'], 'DENY')
        self.assertEqual(headers['X-Content-Type-Options'], 'nosniff')
        self.assertEqual(headers['Cache-Control'], 'no-store')
        self.assertEqual(headers['X-Robots-Tag'], 'noindex, nofollow')
        self.assertEqual(headers['Referrer-Policy'], 'same-origin')
        self.assertEqual(
            headers['Content-Type'], 'text/html; charset=utf-8')

    def test_status_and_escaped_context(self):
        response = render_page(LINK_PAGE, HTTPStatus.GONE, title="<b>",
            message="m", appointment=None, button=None)
        self.assertEqual(response.status_code, HTTPStatus.GONE)
        page = response.get_data(as_text=True)
        self.assertIn('&lt;b&gt;', page)
        self.assertNotIn('<b>', page)
