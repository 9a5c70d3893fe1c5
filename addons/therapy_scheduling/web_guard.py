"""The HTTP rules every Caseload page and call goes through.

Installed around trytond's WSGI application when the module is imported
(trytond imports every module at start-up), so a server configuration
cannot forget it:

- security headers on every response (sao's static files, RPC, portal and
  link pages): CSP, frame-ancestors / X-Frame-Options, Referrer-Policy,
  X-Content-Type-Options; a page that sets its own CSP keeps it;
- the REST API (`/<db>/rest/...`, and its key requests at
  `/<db>/user/application/`) and the CSV export route (`/<db>/data/...`)
  answer 404 unless `[caseload] rest_api = True`: both read PHI outside
  the audited paths (SECURITY.md §6.5);
- a cross-origin request answers 403 (trytond raises its refusal outside
  its own error handling, which the HTTP server turned into a 500).
"""
import base64
import hashlib
import os
import re

from werkzeug.exceptions import Forbidden
from werkzeug.wrappers import Response

from trytond import config

GUARDED_ROUTES = {'rest', 'data'}

# sao needs inline styles (its widgets set style attributes), data: and
# blob: images (avatars, charts, attachments previews) and one inline
# script in index.html, allowed by its hash
CSP = ("default-src 'self'; script-src 'self'{scripts}; "
    "style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; "
    "font-src 'self' data:; connect-src 'self'; object-src 'none'; "
    "frame-src 'self' blob:; frame-ancestors 'none'; base-uri 'self'; "
    "form-action 'self'")
HEADERS = {
    'X-Frame-Options': 'DENY',
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'same-origin',
    }
INLINE_SCRIPT = re.compile(
    rb'<script(?![^>]*\bsrc=)[^>]*>(.*?)</script>', re.S)


def rest_api_enabled():
    return config.getboolean('caseload', 'rest_api', default=False)


def inline_script_hashes(root):
    "CSP hashes of the inline scripts of the web client's index.html"
    path = os.path.join(root, 'index.html') if root else None
    if not path or not os.path.isfile(path):
        return ''
    with open(path, 'rb') as file:
        scripts = INLINE_SCRIPT.findall(file.read())
    return ''.join(" 'sha256-%s'" % base64.b64encode(
            hashlib.sha256(s).digest()).decode() for s in scripts)


def guarded_route(path):
    """True for /<db>/rest/..., /<db>/data/... and the key requests of
    /<db>/user/application/"""
    parts = path.split('/')
    return len(parts) > 2 and (parts[2] in GUARDED_ROUTES
        or parts[2:4] == ['user', 'application'])


class WebGuard:
    "WSGI middleware: see the module's docstring"

    def __init__(self, app):
        self.app = app
        self.csp = CSP.format(
            scripts=inline_script_hashes(config.get('web', 'root')))

    def __call__(self, environ, start_response):
        path = environ.get('PATH_INFO', '')
        if guarded_route(path) and not rest_api_enabled():
            return self.refuse(404, "Not Found", environ, start_response)

        def start(status, headers, exc_info=None):
            present = {name.lower() for name, _ in headers}
            for name, value in HEADERS.items():
                if name.lower() not in present:
                    headers.append((name, value))
            if 'content-security-policy' not in present:
                headers.append(('Content-Security-Policy', self.csp))
            return start_response(status, headers, exc_info)
        try:
            return self.app(environ, start)
        except Forbidden:
            # trytond refuses another origin with abort(403) outside its
            # own error handling: answer it instead of letting it be a 500
            return self.refuse(403, "Forbidden", environ, start_response)

    def refuse(self, status, text, environ, start_response):
        response = Response(text, status=status, content_type='text/plain')
        for name, value in HEADERS.items():
            response.headers[name] = value
        return response(environ, start_response)


def install(app):
    "Wrap app's WSGI callable once (module imports may repeat)"
    if not isinstance(app.wsgi_app, WebGuard):
        app.wsgi_app = WebGuard(app.wsgi_app)
