# -*- coding: utf-8 -*-
# Copyright: (c) 2026, iiot.connectware contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Every branch of the shared Connectware client: URLs, auth, retries, errors, TLS."""

import email.utils
import threading
import time

import pytest
import requests

from ansible_collections.iiot.connectware.plugins.module_utils import _client as client_module
from ansible_collections.iiot.connectware.plugins.module_utils._client import (
    RETRY_MAX_WAIT,
    ConnectwareClient,
    ConnectwareError,
    backoff_delay,
    format_failure,
    parse_base_url,
    parse_retry_after,
)


class FakeResponse(object):
    """A streamed answer: ``body`` (text or bytes) in chunks, or ``chunks`` as given (an exception raises there)."""

    def __init__(self, status=200, body='{}', headers=None, chunks=None):
        self.status_code = status
        self.body = body.encode('utf-8') if isinstance(body, str) else body
        self.chunks = chunks
        self.headers = headers or {'Content-Type': 'application/json'}
        self.closed = False

    def iter_content(self, chunk_size=1):
        if self.chunks is not None:
            for chunk in self.chunks:
                if isinstance(chunk, Exception):
                    raise chunk
                yield chunk() if callable(chunk) else chunk
            return
        for start in range(0, len(self.body), chunk_size):
            yield self.body[start:start + chunk_size]

    def close(self):
        self.closed = True


class FakeSession(object):
    """Plays back scripted answers (FakeResponse or an exception) and records every request."""

    def __init__(self, *answers):
        self.answers = list(answers)
        self.calls = []
        self.headers = {}
        self.lock = threading.Lock()

    def request(self, method, url, **kwargs):
        with self.lock:
            self.calls.append(dict(method=method, url=url, **kwargs))
            answer = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        if isinstance(answer, Exception):
            raise answer
        return answer


def make_client(*answers, **kwargs):
    sleeps = []
    options = dict(url='https://cw.example:4443/', token='secret-token', session=FakeSession(*answers),
                   sleep=sleeps.append, rand=lambda: 0.5)
    options.update(kwargs)
    client = ConnectwareClient(**options)
    client.sleeps = sleeps
    return client


# -- URL handling ------------------------------------------------------------

@pytest.mark.parametrize('url, expected', [
    ('https://cw.example', 'https://cw.example'),
    ('https://cw.example/', 'https://cw.example'),
    ('https://cw.example:4443/prefix/', 'https://cw.example:4443/prefix'),
    ('  http://10.0.0.5:8080  ', 'http://10.0.0.5:8080'),
    ('https://[::1]:443/', 'https://[::1]:443'),
])
def test_parse_base_url_accepts_and_normalizes(url, expected):
    assert parse_base_url(url) == expected


@pytest.mark.parametrize('url, words', [
    ('cw.example', "write it as https://cw.example"),
    ('cw.example:443', 'no http(s) scheme'),
    ('ftp://cw.example', 'no http(s) scheme'),
    ('', 'url is empty'),
    (None, 'url is empty'),
    ('https://admin:pw@cw.example', 'must not carry credentials'),
    ('https://cw.example/?apiToken=abc', 'must not have a query string'),
    ('https://cw.example:99999999', 'invalid port'),
    ('https://[::1', 'cannot be parsed'),
    ('https://cw example', 'contains white space or control characters'),
    ('https://cw.example\x00', 'contains white space or control characters'),
])
def test_parse_base_url_rejects_with_the_fix(url, words):
    with pytest.raises(ConnectwareError) as caught:
        parse_base_url(url)
    assert words in caught.value.message
    assert caught.value.kind == 'config'
    assert 'abc' not in caught.value.message and 'pw@' not in caught.value.message


def test_path_is_joined_to_base_and_prefix():
    client = make_client(FakeResponse(body='{"version": "1.7.2"}'), url='https://cw.example/prefix/')
    assert client.get('/api/system/info') == {'version': '1.7.2'}
    assert client._session.calls[0]['url'] == 'https://cw.example/prefix/api/system/info'


# -- options validation ---------------------------------------------------------

@pytest.mark.parametrize('kwargs, words', [
    (dict(timeout=0), 'timeout must be a number of seconds greater than 0'),
    (dict(timeout=-1.5), 'timeout must be a number of seconds greater than 0'),
    (dict(retries=-1), 'retries must be 0 or more'),
    (dict(client_key='/k.pem'), 'client_key needs client_cert'),
    (dict(token='  '), 'token is empty'),
    (dict(token=None), 'no credentials'),
    (dict(token=None, username='admin'), 'no credentials'),
])
def test_invalid_options_fail_before_any_request(kwargs, words):
    session = FakeSession(FakeResponse())
    options = dict(url='https://cw.example', token='t', session=session)
    options.update(kwargs)
    with pytest.raises(ConnectwareError) as caught:
        ConnectwareClient(**options)
    assert words in caught.value.message
    assert caught.value.kind == 'config'
    assert session.calls == []


# -- authentication ----------------------------------------------------------------

def authorization_of(call):
    """The Authorization header the request of ``call`` carries once requests applied its auth."""
    prepared = requests.Request(call['method'], call['url'], headers=call['headers']).prepare()
    prepared.prepare_auth(call['auth'])
    return prepared.headers.get('Authorization')


def test_token_is_sent_as_bearer_header_and_never_in_the_query():
    client = make_client(FakeResponse(body='{}'))
    client.get('/api/system/metrics', params={'hourly': 'true'})
    call = client._session.calls[0]
    assert authorization_of(call) == 'Bearer secret-token'
    assert 'secret-token' not in repr(call['auth'])
    assert 'secret-token' not in call['url']
    assert call['params'] == {'hourly': 'true'}
    assert 'secret-token' not in repr(call['params'])


def test_login_runs_once_and_its_token_is_used_and_reported_as_secret():
    learned = []
    session = FakeSession(FakeResponse(body='{"token": "jwt-from-login"}'), FakeResponse(body='{"a": 1}'))
    client = ConnectwareClient(url='https://cw.example', username='admin', password='pw', session=session,
                               on_secret=learned.append)
    assert client.get('/api/system/info') == {'a': 1}
    assert client.get('/api/system/health') == {'a': 1}
    methods = [(call['method'], call['url']) for call in session.calls]
    assert methods == [('POST', 'https://cw.example/api/login'), ('GET', 'https://cw.example/api/system/info'),
                       ('GET', 'https://cw.example/api/system/health')]
    assert session.calls[0]['json'] == {'username': 'admin', 'password': 'pw'}
    assert authorization_of(session.calls[0]) is None
    assert authorization_of(session.calls[1]) == 'Bearer jwt-from-login'
    assert learned == ['jwt-from-login']


def test_concurrent_requests_log_in_once():
    class SlowLogin(FakeSession):
        def request(self, method, url, **kwargs):
            if method == 'POST':
                time.sleep(0.05)
                with self.lock:
                    self.calls.append(dict(method=method, url=url))
                return FakeResponse(body='{"token": "t1"}')
            with self.lock:
                self.calls.append(dict(method=method, url=url))
            return FakeResponse(body='{}')

    session = SlowLogin()
    client = ConnectwareClient(url='https://cw.example', username='u', password='p', session=session)
    threads = [threading.Thread(target=client.get, args=('/api/system/info',)) for _index in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [call['method'] for call in session.calls].count('POST') == 1
    assert len(session.calls) == 7


def test_login_refused_names_the_user_not_the_password():
    client = make_client(FakeResponse(401, '{"message": "Invalid credentials"}'), token=None, username='admin',
                         password='hunter2-password')
    with pytest.raises(ConnectwareError) as caught:
        client.get('/api/system/info')
    message = caught.value.message
    assert "refused the login of user 'admin' (HTTP 401)" in message
    assert 'check username and password' in message
    assert 'hunter2-password' not in message and caught.value.body is None
    assert caught.value.kind == 'auth'


def test_login_answer_without_token_is_a_clear_error():
    client = make_client(FakeResponse(200, '{"user": "admin"}'), token=None, username='admin', password='pw')
    with pytest.raises(ConnectwareError) as caught:
        client.get('/api/system/info')
    assert 'without a token property' in caught.value.message
    assert caught.value.kind == 'invalid_response'


# -- status errors ----------------------------------------------------------------------

def test_401_with_token_names_the_token_option():
    client = make_client(FakeResponse(401, '{"message": "Unauthorized"}'))
    with pytest.raises(ConnectwareError) as caught:
        client.get('/api/system/info')
    error = caught.value
    assert 'rejected the API token (option token / CONNECTWARE_TOKEN) for GET /api/system/info (HTTP 401)' in error.message
    assert 'valid, unexpired' in error.message
    assert (error.kind, error.status, error.method, error.path) == ('auth', 401, 'GET', '/api/system/info')
    assert len(client._session.calls) == 1


def test_401_after_login_names_the_user():
    # Rejected again after logging in again: the second 401 is the answer.
    client = make_client(FakeResponse(body='{"token": "jwt-token-value"}'), FakeResponse(401, '{}'),
                         FakeResponse(body='{"token": "jwt-token-value-2"}'), FakeResponse(401, '{}'), token=None,
                         username='ops', password='ops-password')
    with pytest.raises(ConnectwareError) as caught:
        client.get('/api/system/info')
    assert "the login of user 'ops'" in caught.value.message
    assert 'user is active' in caught.value.message
    assert [call['method'] for call in client._session.calls] == ['POST', 'GET', 'POST', 'GET']


@pytest.mark.parametrize('method, access', [('GET', 'read'), ('PUT', 'write')])
def test_403_says_which_permission_to_grant(method, access):
    client = make_client(FakeResponse(403, '{"message": "Forbidden"}'))
    with pytest.raises(ConnectwareError) as caught:
        client.request(method, '/api/system/licensefile', body={'payload': 'x'} if method == 'PUT' else None)
    message = caught.value.message
    assert message.startswith('The API token (option token / CONNECTWARE_TOKEN) lacks permission for %s' % method)
    assert "Grant the user's role HTTP %s access to /api/system/licensefile" % access in message
    assert caught.value.kind == 'permission'


def test_400_carries_the_server_message_and_is_not_retried():
    client = make_client(FakeResponse(400, '{"message": "Invalid request: payload is required"}'))
    with pytest.raises(ConnectwareError) as caught:
        client.put('/api/system/licensefile', {'payload': ''})
    assert caught.value.message.endswith('answered HTTP 400 for PUT /api/system/licensefile: Invalid request: payload is required')
    assert caught.value.body == 'Invalid request: payload is required'
    assert len(client._session.calls) == 1


def test_500_is_not_retried():
    client = make_client(FakeResponse(500, 'Internal Server Error', {'Content-Type': 'text/plain'}))
    with pytest.raises(ConnectwareError) as caught:
        client.get('/api/system/health')
    assert 'answered HTTP 500 for GET /api/system/health: Internal Server Error' in caught.value.message
    assert len(client._session.calls) == 1


def test_redirect_is_reported_not_followed():
    client = make_client(FakeResponse(302, '', {'Location': '/login'}))
    with pytest.raises(ConnectwareError) as caught:
        client.get('/api/system/info')
    assert 'redirected GET /api/system/info (HTTP 302)' in caught.value.message
    assert client._session.calls[0]['allow_redirects'] is False


def test_non_json_answer_says_so():
    client = make_client(FakeResponse(200, '<html><body>Login</body></html>', {'Content-Type': 'text/html'}))
    with pytest.raises(ConnectwareError) as caught:
        client.get('/api/system/info')
    message = caught.value.message
    assert 'the body is not JSON (Content-Type: text/html' in message
    assert 'not to a proxy or web page' in message
    assert caught.value.kind == 'invalid_response'
    assert len(client._session.calls) == 1


@pytest.mark.parametrize('body', ['', '  \n '])
def test_empty_body_where_json_is_expected_is_an_invalid_answer(body):
    client = make_client(FakeResponse(200, body))
    with pytest.raises(ConnectwareError) as caught:
        client.get('/api/system/info')
    assert 'answered GET /api/system/info with HTTP 200 and an empty body where JSON was expected' in caught.value.message
    assert caught.value.kind == 'invalid_response'
    assert len(client._session.calls) == 1


def test_empty_body_is_none_where_the_endpoint_may_answer_without_content():
    assert make_client(FakeResponse(200, '')).put('/api/services/x', {}, allow_empty=True) is None
    assert make_client(FakeResponse(202, '')).request('PUT', '/api/services/x', body={}, allow_empty=True) is None
    # Content where content may be missing is still JSON.
    assert make_client(FakeResponse(200, '{"a": 1}')).get('/api/x', allow_empty=True) == {'a': 1}


def test_204_is_none():
    assert make_client(FakeResponse(204, '')).post('/api/validate/service', {'commissioningFile': 'eA=='}) is None


def test_secrets_are_redacted_from_messages_and_bodies():
    client = make_client(FakeResponse(400, '{"message": "bad token secret-token given"}'))
    with pytest.raises(ConnectwareError) as caught:
        client.get('/api/system/info')
    assert 'secret-token' not in caught.value.message
    assert 'secret-token' not in caught.value.body
    assert '********' in caught.value.body


def test_long_bodies_are_cut_to_an_excerpt():
    client = make_client(FakeResponse(400, 'x' * 5000, {'Content-Type': 'text/plain'}))
    with pytest.raises(ConnectwareError) as caught:
        client.get('/api/system/info')
    assert len(caught.value.body) == 203


def test_format_failure_is_msg_plus_api_error():
    error = ConnectwareError('boom', kind='http', method='GET', path='/p', url='https://h/p', status=503, body='b',
                             attempts=4)
    assert format_failure(error) == {'msg': 'boom', 'api_error': {
        'kind': 'http', 'method': 'GET', 'path': '/p', 'url': 'https://h/p', 'status': 503, 'body': 'b', 'attempts': 4}}


# -- retries -------------------------------------------------------------------------------

@pytest.mark.parametrize('status', [429, 502, 503, 504])
def test_retriable_statuses_are_retried_then_succeed(status):
    client = make_client(FakeResponse(status, '{}'), FakeResponse(status, '{}'), FakeResponse(200, '{"ok": true}'))
    assert client.get('/api/system/info') == {'ok': True}
    assert len(client._session.calls) == 3
    assert client.sleeps == [backoff_delay(1, lambda: 0.5), backoff_delay(2, lambda: 0.5)]


def test_retries_stop_after_the_configured_count():
    client = make_client(FakeResponse(503, '{"message": "maintenance"}'), retries=2)
    with pytest.raises(ConnectwareError) as caught:
        client.get('/api/system/info')
    assert len(client._session.calls) == 3
    assert 'answered HTTP 503 for GET /api/system/info after 3 attempt(s): maintenance' in caught.value.message
    assert caught.value.attempts == 3


def test_retries_zero_sends_once():
    client = make_client(FakeResponse(503, '{}'), retries=0)
    with pytest.raises(ConnectwareError):
        client.get('/api/system/info')
    assert len(client._session.calls) == 1
    assert client.sleeps == []


def test_retry_after_is_honoured():
    client = make_client(FakeResponse(429, '{}', {'Retry-After': '7'}), FakeResponse(200, '{}'))
    client.get('/api/system/info')
    assert client.sleeps == [7.0]


def test_retry_after_beyond_the_budget_fails_at_once():
    client = make_client(FakeResponse(503, '{}', {'Retry-After': '3600'}), FakeResponse(200, '{}'))
    with pytest.raises(ConnectwareError) as caught:
        client.get('/api/system/info')
    assert 'asked to retry after 3600s, beyond the 60s this client waits in total' in caught.value.message
    assert '(Retry-After: 3600s)' in caught.value.message
    assert len(client._session.calls) == 1 and client.sleeps == []


def test_total_wait_is_bounded():
    client = make_client(FakeResponse(503, '{}', {'Retry-After': '25'}), retries=20)
    with pytest.raises(ConnectwareError):
        client.get('/api/system/info')
    assert sum(client.sleeps) <= RETRY_MAX_WAIT
    assert len(client._session.calls) <= 4


def test_backoff_bounds():
    for attempt in range(1, 12):
        low, high = backoff_delay(attempt, lambda: 0.0), backoff_delay(attempt, lambda: 0.999999)
        step = min(client_module.BACKOFF_CAP, client_module.BACKOFF_BASE * 2 ** (attempt - 1))
        assert low == pytest.approx(step / 2)
        assert step / 2 <= high <= step
    assert backoff_delay(1, lambda: 0.0) == 0.25
    assert backoff_delay(30, lambda: 0.999999) <= client_module.BACKOFF_CAP


def test_parse_retry_after():
    assert parse_retry_after(None) is None
    assert parse_retry_after('12') == 12.0
    assert parse_retry_after('soon') is None
    now = time.time()
    future = email.utils.formatdate(now + 30, usegmt=True)
    assert 28 <= parse_retry_after(future, now=now) <= 31
    assert parse_retry_after(email.utils.formatdate(now - 300, usegmt=True), now=now) == 0.0


def test_timeout_is_retried_then_reported():
    client = make_client(requests.exceptions.ReadTimeout('read timed out'), retries=1, timeout=2.5)
    with pytest.raises(ConnectwareError) as caught:
        client.get('/api/system/health')
    assert 'no complete answer from Connectware at https://cw.example:4443 within timeout=2.5s for GET ' \
           '/api/system/health after 2 attempt(s) (timeout bounds each attempt: connecting, the headers and the ' \
           'whole body)' in caught.value.message
    assert caught.value.kind == 'timeout'
    assert client._session.calls[0]['timeout'] == 2.5
    assert len(client._session.calls) == 2


@pytest.mark.parametrize('exception, cause', [
    (requests.exceptions.ConnectionError('Failed to establish a new connection: [Errno 111] Connection refused'),
     'connection refused'),
    (requests.exceptions.ConnectionError('Failed to resolve host: [Errno -2] Name or service not known'),
     'unknown host'),
    (requests.exceptions.ConnectionError("('Connection aborted.', ConnectionResetError(104, 'Connection reset by peer'))"),
     'connection reset by the server'),
    (requests.exceptions.ChunkedEncodingError('IncompleteRead(10 bytes read, 90 more expected)'),
     'response body cut short'),
])
def test_connection_errors_are_retried_and_named(exception, cause):
    client = make_client(exception, retries=2)
    with pytest.raises(ConnectwareError) as caught:
        client.get('/api/system/info')
    assert 'cannot reach Connectware at https://cw.example:4443 for GET /api/system/info (%s) after 3 attempt(s)' % cause \
        in caught.value.message
    assert 'check url' in caught.value.message
    assert len(client._session.calls) == 3


def test_connection_error_then_success():
    client = make_client(requests.exceptions.ConnectionError('Connection refused'), FakeResponse(200, '{"x": 1}'))
    assert client.get('/api/system/info') == {'x': 1}


def test_tls_errors_are_not_retried_and_point_at_ca_path():
    error = requests.exceptions.SSLError('[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: unable to get '
                                         'local issuer certificate')
    client = make_client(error)
    with pytest.raises(ConnectwareError) as caught:
        client.get('/api/system/info')
    message = caught.value.message
    assert 'TLS handshake with https://cw.example:4443 failed' in message
    assert 'not signed by a trusted CA' in message
    assert 'set ca_path' in message and 'validate_certs: false' in message
    assert len(client._session.calls) == 1


def test_tls_hostname_mismatch_is_named():
    error = requests.exceptions.SSLError("certificate verify failed: Hostname mismatch, certificate is not valid for "
                                         "'127.0.0.1'")
    with pytest.raises(ConnectwareError) as caught:
        make_client(error).get('/api/system/info')
    assert 'hostname mismatch' in caught.value.message


@pytest.mark.parametrize('kwargs, verify, cert', [
    (dict(), True, None),
    (dict(validate_certs=False), False, None),
    (dict(ca_path='{tmp}/cybus_ca.crt'), '{tmp}/cybus_ca.crt', None),
    (dict(validate_certs=False, ca_path='{tmp}/cybus_ca.crt'), False, None),
    (dict(client_cert='{tmp}/c.pem'), True, '{tmp}/c.pem'),
    (dict(client_cert='{tmp}/c.pem', client_key='{tmp}/k.pem'), True, ('{tmp}/c.pem', '{tmp}/k.pem')),
])
def test_tls_options_reach_requests(kwargs, verify, cert, tmp_path):
    for name in ('cybus_ca.crt', 'c.pem', 'k.pem'):
        (tmp_path / name).write_text('PEM')

    def real(value):
        if isinstance(value, tuple):
            return tuple(real(item) for item in value)
        return value.format(tmp=tmp_path) if isinstance(value, str) else value

    kwargs, verify, cert = dict((key, real(value)) for key, value in kwargs.items()), real(verify), real(cert)
    client = make_client(FakeResponse(200, '{}'), **kwargs)
    client.get('/api/system/info')
    assert client._session.calls[0]['verify'] == verify
    assert client._session.calls[0]['cert'] == cert


def test_user_agent_and_accept_headers():
    client = make_client(FakeResponse(200, '{}'))
    assert client._session.headers['User-Agent'].startswith('iiot.connectware/')
    assert client._session.headers['Accept'] == 'application/json'


def test_request_count():
    client = make_client(FakeResponse(503, '{}'), FakeResponse(200, '{}'))
    client.get('/api/system/info')
    assert client.request_count == 2
