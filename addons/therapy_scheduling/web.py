"""What the public pages of Caseload share (reminder and waitlist links,
the client portal): rendering a page with its security headers, the URL
clients reach the server at, token hashing, and the 404 of a database
where a module is not activated.

The pages carry no script, no image and no frame; styles are inline or
from the page's own site, and forms post back to the site only. The CSP
below says exactly that, for every page (web_guard.py adds a looser one,
for sao, only where a response has none)."""
import hashlib

from genshi.template import MarkupTemplate

from trytond import config
from trytond.protocols.wrappers import HTTPStatus, Response, abort
from trytond.tools import file_open

from .appointment import local_time

CSP = ("default-src 'none'; style-src 'self' 'unsafe-inline'; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
HEADERS = {
    'Cache-Control': 'no-store',
    'X-Frame-Options': 'DENY',
    'X-Content-Type-Options': 'nosniff',
    'X-Robots-Tag': 'noindex, nofollow',
    'Content-Security-Policy': CSP,
    }
# 'same-origin' everywhere: a page whose URL holds a token never sends it
# to another site, and its form still posts with the site's Origin.
# 'no-referrer' would make browsers post "Origin: null" (Fetch standard),
# which trytond refuses with 403: the link's buttons would never work.
REFERRER_POLICY = 'same-origin'
DEFAULT_PUBLIC_URL = 'http://localhost:8000'


def render_page(template, status=HTTPStatus.OK, **context):
    """The Genshi template at path template (relative to the modules, e.g.
    'therapy_portal/templates/home.html') rendered with context, as an
    HTML response with the security headers"""
    with file_open(template, mode='rb') as fp:
        body = MarkupTemplate(fp).generate(**context).render(
            'html', doctype='html5')
    response = Response(
        body, status=status, content_type='text/html; charset=utf-8')
    response.headers.update(HEADERS)
    response.headers['Referrer-Policy'] = REFERRER_POLICY
    return response


def public_url(configured=None):
    """Base URL clients reach the server at ([web] public_url), without a
    trailing slash"""
    if configured is None:
        configured = config.get('web', 'public_url')
    return (configured or DEFAULT_PUBLIC_URL).rstrip('/')


def hash_token(token):
    """The SHA-256 (hex) of a link's token: only this is stored, so a copy
    of the database gives nobody a working link"""
    return hashlib.sha256(token.encode('utf-8')).hexdigest()


def require_model(pool, *names):
    """The models of pool named names (one model alone, else a tuple);
    404 where their module is not activated (routes exist for every
    database)"""
    try:
        models = tuple(pool.get(name) for name in names)
    except KeyError:
        abort(HTTPStatus.NOT_FOUND)
    return models[0] if len(models) == 1 else models


def format_when(start, timezone):
    "'Tue Dec 1 at 10:00 AM EST' in the location's time zone"
    local = local_time(start, timezone)
    hour = local.strftime('%I:%M %p').lstrip('0')
    return f"{local:%a %b} {local.day} at {hour} {local:%Z}".strip()


def visit_details(company, start, location):
    """What a public page may show of a visit (an appointment, a freed
    slot): practice, date, time and place, no PHI"""
    return {
        'practice': company.party.name,
        'when': format_when(start, location.timezone),
        'place': location.name,
        'phone': location.phone or company.party.phone,
        }
