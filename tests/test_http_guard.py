"""The HTTP surface as an outsider and as a logged-in user meet it, over
real HTTP against `caseload serve`: security headers on every page, the
REST API and CSV export routes closed, other origins refused with 403,
no list of databases."""
import base64
import http.client
import json
import urllib.error
import urllib.request

import pytest

PASSWORD = 'caseload-demo'


def call(url, path, body=None, headers=None, method=None):
    "(status, headers, body bytes) of one request"
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url + path, data=data,
        headers={'Content-Type': 'application/json', **(headers or {})},
        method=method)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


def rpc(url, database, method, params, session=None):
    headers = {}
    if session:
        token = base64.b64encode(':'.join(map(str, session)).encode())
        headers['Authorization'] = 'Session ' + token.decode()
    status, _, body = call(url, f'/{database}/rpc/',
        {'id': 1, 'method': method, 'params': params}, headers)
    assert status == 200, body
    return json.loads(body)


@pytest.fixture(scope='module')
def frontdesk(demo_server, demo_database):
    answer = rpc(demo_server, demo_database, 'common.db.login',
        ['frontdesk', {'password': PASSWORD}])
    user_id, key = answer['result'][:2]
    return ('frontdesk', user_id, key)


def test_security_headers_on_every_page(demo_server, demo_database):
    for path in ['/', '/index.html', '/dist/tryton-sao.js',
            f'/{demo_database}/portal/login']:
        status, headers, _ = call(demo_server, path, method='GET')
        assert status == 200, path
        assert headers['X-Content-Type-Options'] == 'nosniff', path
        assert headers['X-Frame-Options'] == 'DENY', path
        assert 'frame-ancestors' in headers['Content-Security-Policy'], path
        assert headers['Referrer-Policy'], path
    _, headers, _ = call(demo_server, '/', method='GET')
    csp = headers['Content-Security-Policy']
    # sao's one inline script by its hash, nothing inline otherwise
    assert "'sha256-" in csp and "'unsafe-inline'" not in csp.split(
        'script-src')[1].split(';')[0]


def test_rpc_answers_carry_the_headers(demo_server, demo_database):
    status, headers, _ = call(demo_server, f'/{demo_database}/rpc/',
        {'id': 1, 'method': 'common.db.login',
            'params': ['frontdesk', {'password': PASSWORD}]})
    assert status == 200
    assert headers['X-Content-Type-Options'] == 'nosniff'


def test_no_database_list(demo_server, demo_database):
    status, _, body = call(demo_server, '/rpc/',
        {'id': 1, 'method': 'common.db.list', 'params': []})
    assert demo_database.encode() not in body
    assert status != 200 or 'error' in json.loads(body)


def test_rest_and_data_routes_are_closed(
        demo_server, demo_database, frontdesk):
    login, user_id, key = frontdesk
    basic = base64.b64encode(f'frontdesk:{PASSWORD}'.encode()).decode()
    for path, headers in [
            (f'/{demo_database}/data/party.party?f=name', {
                    'Authorization': f'Basic {basic}'}),
            (f'/{demo_database}/rest/model/party.party', {
                    'Authorization': f'Basic {basic}'}),
            ]:
        status, _, body = call(demo_server, path, headers=headers,
            method='GET')
        assert status == 404, (path, status, body[:200])
    # nobody can request a REST key either
    status, _, _ = call(demo_server, f'/{demo_database}/user/application/',
        {'user': 'frontdesk', 'application': 'rest'}, method='POST')
    assert status == 404


def test_other_origins_get_403(demo_server, demo_database, frontdesk):
    login = {'id': 1, 'method': 'common.db.login',
        'params': ['frontdesk', {'password': PASSWORD}]}
    for path, body in [
            ('/rpc/', {'id': 1, 'method': 'common.server.version',
                    'params': []}),
            (f'/{demo_database}/rpc/', login)]:
        status, _, _ = call(demo_server, path, body,
            headers={'Origin': 'https://evil.example'})
        assert status == 403, path
    # the same call from the server's own origin works
    status, _, _ = call(demo_server, f'/{demo_database}/rpc/', login,
        headers={'Origin': demo_server})
    assert status == 200


def test_oversized_request_refused(demo_server, demo_database, frontdesk):
    """An authenticated 40 MiB request is refused unread (the limit is
    20 MiB, Tryton's default 2 GiB); 10 MiB still goes through"""
    login, user_id, key = frontdesk
    token = base64.b64encode(f'{login}:{user_id}:{key}'.encode()).decode()

    def search(size):
        body = {'id': 1, 'method': 'model.party.party.search_count',
            'params': [[('name', '=', 'x' * size)], {}]}
        return call(demo_server, f'/{demo_database}/rpc/', body,
            headers={'Authorization': f'Session {token}'})
    status, _, body = search(10 * 1024 * 1024)
    assert status == 200 and json.loads(body)['result'] == 0
    # a server that refuses unread answers before the body is sent (and
    # may close the connection on a client still sending)
    host, port = demo_server.rsplit('/', 1)[1].split(':')
    connection = http.client.HTTPConnection(host, int(port), timeout=30)
    connection.putrequest('POST', f'/{demo_database}/rpc/')
    connection.putheader('Content-Type', 'application/json')
    connection.putheader('Authorization', f'Session {token}')
    connection.putheader('Content-Length', str(40 * 1024 * 1024))
    connection.endheaders()
    response = connection.getresponse()
    assert response.status in {400, 413}, response.status
    assert b'"result"' not in response.read()
    connection.close()
