# -*- coding: utf-8 -*-
# Copyright: (c) 2026, iiot.connectware contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Every branch of the shared Connectware client: URLs, auth, retries, errors, TLS."""

import email.utils
import os
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


class CountingLock(object):
    """A lock that counts the threads that have asked for it, and lets a holder wait for a count."""

    def __init__(self):
        self._lock = threading.Lock()
        self._asked = threading.Condition()
        self.asked = 0

    def __enter__(self):
        with self._asked:
            self.asked += 1
            self._asked.notify_all()
        self._lock.acquire()
        return self

    def __exit__(self, *exc_info):
        self._lock.release()

    def wait_for(self, count, timeout=30):
        with self._asked:
            return self._asked.wait_for(lambda: self.asked >= count, timeout)


def test_concurrent_requests_log_in_once():
    """Six requests that all need the login at once: the first logs in, the five it kept waiting use its token.

    The login answers only when all six threads have asked for the login lock, so every one of
    them found no token (no sleep decides whether they overlap).
    """
    threads_count = 6
    login_lock = CountingLock()
    everyone_waited = []

    class LoginWhenAllWait(FakeSession):
        def request(self, method, url, **kwargs):
            if method == 'POST':
                everyone_waited.append(login_lock.wait_for(threads_count))
                with self.lock:
                    self.calls.append(dict(method=method, url=url))
                return FakeResponse(body='{"token": "t1"}')
            with self.lock:
                self.calls.append(dict(method=method, url=url, token=authorization_of(dict(kwargs, method=method, url=url))))
            return FakeResponse(body='{}')

    session = LoginWhenAllWait()
    client = ConnectwareClient(url='https://cw.example', username='u', password='p', session=session)
    client._login_lock = login_lock  # pylint: disable=protected-access
    threads = [threading.Thread(target=client.get, args=('/api/system/info',)) for _index in range(threads_count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert everyone_waited == [True], 'the requests did not all wait for the login at once'
    assert [call['method'] for call in session.calls].count('POST') == 1
    assert [call.get('token') for call in session.calls if call['method'] == 'GET'] == ['Bearer t1'] * threads_count


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
    assert make_client(FakeResponse(204, '')).request('POST', '/api/validate/service', body={'commissioningFile': 'eA=='}) is None


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
    assert format_failure(error) == {'failed': True, 'msg': 'boom', 'api_error': {
        'kind': 'http', 'method': 'GET', 'path': '/p', 'url': 'https://h/p', 'status': 503, 'body': 'b', 'attempts': 4}}


def test_format_failure_keeps_what_the_failing_code_knew():
    error = ConnectwareError('refused', kind='config')
    error.result = {'changed': False, 'previous_license': {'id': 'lic-1'}, 'msg': 'not this one'}
    failure = format_failure(error)
    assert failure['previous_license'] == {'id': 'lic-1'} and failure['changed'] is False
    # The message and api_error are the error's own, whatever the result fields say.
    assert failure['msg'] == 'refused' and failure['failed'] is True and failure['api_error']['kind'] == 'config'


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


# -- non-finite numbers, files named in options, tokens headers cannot carry ------------------------

@pytest.mark.parametrize('timeout', [float('nan'), float('inf'), float('-inf'), True, 'soon'])
def test_a_timeout_that_is_no_finite_number_is_refused(timeout):
    session = FakeSession(FakeResponse())
    with pytest.raises(ConnectwareError) as caught:
        ConnectwareClient(url='https://cw.example', token='t0ken', timeout=timeout, session=session)
    assert 'timeout must be a finite number of seconds greater than 0' in caught.value.message
    assert caught.value.kind == 'config' and session.calls == []


@pytest.mark.parametrize('token, problem', [
    ('abc def', 'white space'),
    ('abc\ndef', 'white space'),
    ('abc\tdef', 'white space'),
    ('abc\x00def', 'control characters'),
    ('abc\x7fdef', 'control characters'),
    ('abc\u20acdef', 'characters outside Latin-1'),
    ('abc\U0001f600def', 'characters outside Latin-1'),
])
def test_a_token_headers_cannot_carry_is_refused_without_being_shown(token, problem):
    session = FakeSession(FakeResponse())
    with pytest.raises(ConnectwareError) as caught:
        ConnectwareClient(url='https://cw.example', token=token, session=session)
    message = caught.value.message
    assert message.startswith('token contains %s, which an HTTP Authorization header cannot carry' % problem)
    assert 'abc' not in message and 'def' not in message and 'abc' not in str(caught.value)
    assert caught.value.kind == 'config' and session.calls == []


def test_surrounding_white_space_of_a_token_is_dropped():
    client = make_client(FakeResponse(body='{}'), token='  secret-token\n')
    client.get('/api/system/info')
    assert authorization_of(client._session.calls[0]) == 'Bearer secret-token'


@pytest.mark.parametrize('password', ['pass word\nwith lines', 'p\u20ac\U0001f600\x00', 12345, '\udcff-surrogate'])
def test_any_password_is_sent_in_json_and_never_shown(password):
    client = make_client(FakeResponse(401, '{"message": "bad password %s"}' % str(password).replace('\n', '\\n')
                                      .replace('\x00', '\\u0000').encode('utf-8', 'surrogateescape').decode('utf-8', 'replace')),
                         token=None, username='admin', password=password)
    with pytest.raises(ConnectwareError) as caught:
        client.get('/api/system/info')
    assert caught.value.kind == 'auth'
    assert client._session.calls[0]['json'] == {'username': 'admin', 'password': str(password)}
    assert str(password) not in caught.value.message


def test_a_login_token_headers_cannot_carry_is_an_invalid_answer():
    client = make_client(FakeResponse(body='{"token": "two words"}'), token=None, username='u', password='p')
    with pytest.raises(ConnectwareError) as caught:
        client.get('/api/system/info')
    assert caught.value.kind == 'invalid_response'
    assert 'a token that contains white space' in caught.value.message
    assert 'two words' not in caught.value.message


@pytest.mark.parametrize('option', ['ca_path', 'client_cert', 'client_key'])
def test_a_file_option_that_does_not_exist_is_a_config_error(option, tmp_path):
    (tmp_path / 'cert.pem').write_text('PEM')
    options = dict(client_cert=str(tmp_path / 'cert.pem'))
    options[option] = str(tmp_path / 'missing.pem')
    session = FakeSession(FakeResponse())
    with pytest.raises(ConnectwareError) as caught:
        ConnectwareClient(url='https://cw.example', token='t0ken', session=session, **options)
    assert caught.value.message.startswith('%s: %s does not exist' % (option, tmp_path / 'missing.pem'))
    assert caught.value.kind == 'config' and session.calls == []


def test_a_file_option_that_is_a_directory_is_a_config_error(tmp_path):
    with pytest.raises(ConnectwareError) as caught:
        ConnectwareClient(url='https://cw.example', token='t0ken', client_cert=str(tmp_path), session=FakeSession())
    assert caught.value.message.startswith('client_cert: %s is a directory, not a file' % tmp_path)


@pytest.mark.skipif(os.geteuid() == 0, reason='root reads every file')
def test_a_file_option_that_cannot_be_read_is_a_config_error(tmp_path):
    path = tmp_path / 'ca.pem'
    path.write_text('PEM')
    path.chmod(0)
    with pytest.raises(ConnectwareError) as caught:
        ConnectwareClient(url='https://cw.example', token='t0ken', ca_path=str(path), session=FakeSession())
    assert caught.value.message.startswith('ca_path: cannot read %s' % path)


def test_ca_path_may_be_a_directory_and_is_not_checked_when_unused(tmp_path):
    make_client(FakeResponse(), ca_path=str(tmp_path))
    make_client(FakeResponse(), ca_path=str(tmp_path / 'missing.pem'), validate_certs=False)


@pytest.mark.parametrize('url', [
    'https://admin:pw-secret@[::1',                 # cannot be parsed
    'admin:pw-secret@cw.example',                   # no scheme
    'https://admin:pw-secret@cw example',           # white space
    'https://admin:pw-secret@cw.example:99999999',  # invalid port
    'https://admin:pw-secret@cw.example/?a=b',      # query
    'ftp://admin:pw-secret@cw.example',             # scheme
    'https://admin:pw/secret@cw.example',           # a slash in the password
])
def test_credentials_in_a_url_are_never_echoed(url):
    with pytest.raises(ConnectwareError) as caught:
        parse_base_url(url)
    assert 'secret' not in caught.value.message and 'pw-' not in caught.value.message
    assert caught.value.kind == 'config'


def test_display_url_and_userinfo():
    assert client_module.display_url('https://u:p@h:1/x') == 'https://********@h:1/x'
    assert client_module.display_url('u:p@h') == '********@h'
    assert client_module.display_url('https://h/x') == 'https://h/x'
    assert client_module.url_userinfo_secret('https://u:p@h') == 'p'
    assert client_module.url_userinfo_secret('https://h') is None
    assert client_module.mask_url_credentials("Cannot connect to proxy http://u:p@h:3 ('x')") == \
        "Cannot connect to proxy http://********@h:3 ('x')"


# -- secrets in a server's words ------------------------------------------------------------------

TOKEN = 'tok-0123456789abcdefghij'


@pytest.mark.parametrize('offset', range(160, 205, 3))
def test_a_token_echoed_near_the_excerpt_cut_never_leaks_in_part(offset):
    client = make_client(FakeResponse(400, '{"message": "%s%s tail"}' % ('x' * offset, TOKEN)), token=TOKEN)
    with pytest.raises(ConnectwareError) as caught:
        client.get('/api/system/info')
    for shown in (caught.value.message, caught.value.body):
        assert 'tok-' not in shown and '0123' not in shown


@pytest.mark.parametrize('size', [4, 10, len(TOKEN) - 1])
def test_the_beginning_of_a_token_at_the_end_of_a_server_text_is_redacted(size):
    client = make_client(FakeResponse(400, '{"message": "token was %s"}' % TOKEN[:size]), token=TOKEN)
    with pytest.raises(ConnectwareError) as caught:
        client.get('/api/system/info')
    assert caught.value.body == 'token was ********'


def test_a_piece_of_a_token_anywhere_is_redacted():
    client = make_client(FakeResponse(400, 'see %s, truly' % TOKEN[3:20], {'Content-Type': 'text/plain'}), token=TOKEN)
    with pytest.raises(ConnectwareError) as caught:
        client.get('/api/system/info')
    assert caught.value.body == 'see ********, truly'


def test_add_secret_redacts_a_license_text_echoed_raw_or_json_escaped():
    license_text = 'LICENSE-HEADER-0123456789\nLICENSE-BODY-abcdefghijklmnop\n'
    learned = []
    for body in ('{"message": "invalid: %s"}' % license_text.replace('\n', '\\n'),
                 '{"detail": {"payload": "%s"}}' % license_text.replace('\n', '\\n'),
                 'invalid license file:\n' + license_text):
        client = make_client(FakeResponse(400, body, {'Content-Type': 'text/plain'}), on_secret=learned.append)
        client.add_secret(license_text)
        client.add_secret(None)
        client.add_secret('   ')
        with pytest.raises(ConnectwareError) as caught:
            client.put('/api/system/licensefile', {'payload': license_text})
        for shown in (caught.value.message, caught.value.body):
            assert 'LICENSE-' not in shown and '0123456789' not in shown, shown
    assert learned == [license_text] * 3


# -- answers: size, deadline between reads, decoding ----------------------------------------------

def test_an_answer_larger_than_the_limit_is_refused_and_not_retried():
    client = make_client(FakeResponse(200, '[' + ' ' * 99 + ']'), max_body_bytes=50)
    with pytest.raises(ConnectwareError) as caught:
        client.get('/api/system/metrics')
    message = caught.value.message
    assert 'with a body larger than this client reads: 101 bytes read so far, the limit is 50 bytes (decoded)' in message
    assert caught.value.kind == 'invalid_response' and len(client._session.calls) == 1
    assert client._session.answers[0].closed


def test_an_error_answer_is_read_only_up_to_its_excerpt_budget():
    body = '{"message": "' + 'x' * (client_module.ERROR_BODY_BYTES * 2) + '"}'
    client = make_client(FakeResponse(400, body), max_body_bytes=100)
    with pytest.raises(ConnectwareError) as caught:
        client.get('/api/system/info')
    assert caught.value.kind == 'http' and caught.value.body.startswith('{"message": "xxx')


def test_the_deadline_also_ends_an_attempt_between_reads():
    now = [0.0]

    def tick():
        now[0] += 0.4
        return b' '

    client = make_client(FakeResponse(200, chunks=[b'['] + [tick] * 10 + [b']']), timeout=1, retries=1,
                         clock=lambda: now[0])
    with pytest.raises(ConnectwareError) as caught:
        client.get('/api/system/info')
    assert caught.value.kind == 'timeout' and caught.value.attempts == 2
    assert 'within timeout=1s' in caught.value.message


def test_a_read_timeout_inside_the_body_is_a_timeout():
    error = requests.exceptions.ConnectionError("HTTPConnectionPool(host='h', port=1): Read timed out.")
    client = make_client(FakeResponse(200, chunks=[b'[', error]), retries=0)
    with pytest.raises(ConnectwareError) as caught:
        client.get('/api/system/info')
    assert caught.value.kind == 'timeout'


def test_a_body_that_cannot_be_decompressed_is_an_invalid_answer_and_not_retried():
    error = requests.exceptions.ContentDecodingError("('Received response with content-encoding: gzip, but failed to "
                                                     "decode it.', error('Error -3 while decompressing data'))")
    client = make_client(FakeResponse(200, chunks=[error]), retries=3)
    with pytest.raises(ConnectwareError) as caught:
        client.get('/api/system/info')
    assert caught.value.kind == 'invalid_response'
    assert 'with a body that cannot be decoded' in caught.value.message
    assert len(client._session.calls) == 1


@pytest.mark.parametrize('body', ['[' * 200000 + ']' * 200000, '{"a": ' * 5000 + '1' + '}' * 5000])
def test_deeply_nested_json_is_an_invalid_answer_not_a_crash(body):
    client = make_client(FakeResponse(200, body), retries=2)
    with pytest.raises(ConnectwareError) as caught:
        client.get('/api/system/info')
    assert caught.value.kind == 'invalid_response'
    assert 'JSON nested more than %d levels deep' % client_module.MAX_JSON_DEPTH in caught.value.message
    assert len(client._session.calls) == 1


def test_deeply_nested_json_in_an_error_body_is_only_an_excerpt():
    client = make_client(FakeResponse(400, '[' * 200000))
    with pytest.raises(ConnectwareError) as caught:
        client.get('/api/system/info')
    assert caught.value.kind == 'http' and caught.value.body.startswith('[[[')


@pytest.mark.parametrize('body', ['NaN', '[Infinity]', '{"a": -Infinity}'])
def test_json_with_non_finite_numbers_is_an_invalid_answer(body):
    with pytest.raises(ConnectwareError) as caught:
        make_client(FakeResponse(200, body)).get('/api/system/info')
    assert caught.value.kind == 'invalid_response' and 'is not a JSON number' in caught.value.message


def test_the_charset_of_the_answer_is_honoured():
    client = make_client(FakeResponse(200, '{"name": "Müller"}'.encode('latin-1'),
                                      {'Content-Type': 'application/json; charset=ISO-8859-1'}))
    assert client.get('/api/x') == {'name': 'Müller'}
    client = make_client(FakeResponse(200, '{"name": "Müller"}', {'Content-Type': 'application/json; charset=nonsense'}))
    assert client.get('/api/x') == {'name': 'Müller'}


def test_anything_else_the_http_stack_raises_is_a_failed_request_not_a_crash():
    client = make_client(ValueError('Invalid header value'))
    with pytest.raises(ConnectwareError) as caught:
        client.get('/api/system/info')
    assert caught.value.kind == 'connection'
    assert 'failed: ValueError: Invalid header value' in caught.value.message


def test_a_proxy_that_cannot_be_reached_is_named_without_credentials(monkeypatch):
    for name in ('NO_PROXY', 'no_proxy', 'HTTPS_PROXY', 'https_proxy', 'ALL_PROXY', 'all_proxy'):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv('HTTPS_PROXY', 'http://proxy-user:proxy-pass@proxy.example:3128')
    error = requests.exceptions.ProxyError("HTTPSConnectionPool(host='cw.example', port=4443): Max retries exceeded "
                                           "(Caused by ProxyError('Unable to connect to proxy http://proxy-user:"
                                           "proxy-pass@proxy.example:3128', ConnectionRefusedError(111)))")
    client = make_client(error, retries=1)
    with pytest.raises(ConnectwareError) as caught:
        client.get('/api/system/info')
    message = caught.value.message
    assert 'through the proxy http://********@proxy.example:3128' in message
    assert 'proxy-pass' not in message and 'proxy-user' not in message
    assert len(client._session.calls) == 2
    assert client.retry_summary().startswith('1 request to Connectware at https://cw.example:4443 had to be sent again '
                                             '(proxy unreachable)')


@pytest.mark.parametrize('use_proxy, proxies', [(True, None), (False, client_module.NO_PROXIES)])
def test_use_proxy_reaches_requests(use_proxy, proxies):
    client = make_client(FakeResponse(), use_proxy=use_proxy)
    client.get('/api/system/info')
    assert client._session.calls[0]['proxies'] == proxies
    assert client._session.calls[0]['stream'] is True


# -- retries made visible ------------------------------------------------------------------------

def test_retries_are_counted_with_their_reasons():
    client = make_client(FakeResponse(503, '{}'), FakeResponse(503, '{}'),
                         requests.exceptions.ConnectionError('Connection reset by peer'), FakeResponse(200, '{}'),
                         retries=5)
    assert client.retry_count == 0 and client.retry_summary() is None
    client.get('/api/system/info')
    assert client.retry_count == 3
    assert client.retry_summary().startswith('3 requests to Connectware at https://cw.example:4443 had to be sent '
                                             'again (HTTP 503 (2 times), connection reset by the server)')


def test_a_request_that_failed_after_its_retries_counts_them_too():
    client = make_client(FakeResponse(502, '{}'), retries=2)
    with pytest.raises(ConnectwareError):
        client.get('/api/system/info')
    assert client.retry_count == 2


# -- security warnings -------------------------------------------------------------------------------

@pytest.mark.parametrize('url, kwargs, words', [
    ('https://cw.example', dict(validate_certs=False), ['validate_certs is false', 'Set ca_path']),
    ('http://cw.example', dict(), ['url http://cw.example is plain http://: the API token travels unencrypted']),
    ('http://cw.example', dict(token=None, username='ops', password='pw'), ["the password of user 'ops' travels"]),
    ('http://cw.example', dict(validate_certs=False), ['is plain http://']),
    ('https://cw.example', dict(), []),
    ('http://127.0.0.1:8080', dict(), []),
    ('http://localhost', dict(), []),
    ('http://[::1]:80', dict(), []),
])
def test_security_warnings(url, kwargs, words):
    warnings = make_client(FakeResponse(), url=url, **kwargs).security_warnings()
    assert len(warnings) == (1 if words else 0)
    for word in words:
        assert word in warnings[0]


# -- login tokens that expire ----------------------------------------------------------------------------

def test_an_expired_login_token_is_replaced_once_and_the_request_repeated():
    learned = []
    client = make_client(FakeResponse(body='{"token": "jwt-1-aaaaaaaaaaaa"}'), FakeResponse(body='{"n": 1}'),
                         FakeResponse(401, '{"message": "jwt expired"}'),
                         FakeResponse(body='{"token": "jwt-2-bbbbbbbbbbbb"}'), FakeResponse(body='{"n": 2}'),
                         token=None, username='ops', password='ops-password', on_secret=learned.append)
    assert client.get('/api/system/info') == {'n': 1}
    assert client.get('/api/system/info') == {'n': 2}
    calls = client._session.calls
    assert [call['method'] for call in calls] == ['POST', 'GET', 'GET', 'POST', 'GET']
    assert [authorization_of(call) for call in calls] == [
        None, 'Bearer jwt-1-aaaaaaaaaaaa', 'Bearer jwt-1-aaaaaaaaaaaa', None, 'Bearer jwt-2-bbbbbbbbbbbb']
    assert learned == ['jwt-1-aaaaaaaaaaaa', 'jwt-2-bbbbbbbbbbbb']
    assert client.retry_count == 1 and 'login token expired' in client.retry_summary()


def test_a_failed_login_again_is_the_answer():
    client = make_client(FakeResponse(body='{"token": "jwt-1"}'), FakeResponse(401, '{}'),
                         FakeResponse(401, '{"message": "user disabled"}'), token=None, username='ops', password='pw')
    with pytest.raises(ConnectwareError) as caught:
        client.get('/api/system/info')
    assert "refused the login of user 'ops'" in caught.value.message


def test_a_fixed_token_is_never_replaced():
    client = make_client(FakeResponse(401, '{}'), FakeResponse(200, '{}'))
    with pytest.raises(ConnectwareError):
        client.get('/api/system/info')
    assert [call['method'] for call in client._session.calls] == ['GET']


def test_concurrent_requests_with_an_expired_token_log_in_again_once():
    threads_count = 6
    barrier = threading.Barrier(threads_count, timeout=10)

    class ExpiringSession(FakeSession):
        logins = 0

        def request(self, method, url, **kwargs):
            with self.lock:
                self.calls.append(dict(method=method, url=url, **kwargs))
            if method == 'POST':
                with self.lock:
                    self.logins += 1
                    return FakeResponse(body='{"token": "jwt-%d"}' % self.logins)
            if authorization_of(self.calls[-1]) == 'Bearer jwt-1':
                barrier.wait()   # every thread holds the old token before any learns it expired
                return FakeResponse(401, '{}')
            return FakeResponse(body='{"ok": true}')

    session = ExpiringSession()
    client = ConnectwareClient(url='https://cw.example', username='u', password='p', session=session)
    client.ensure_authenticated()
    results = []
    threads = [threading.Thread(target=lambda: results.append(client.get('/api/system/info')))
               for _index in range(threads_count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert results == [{'ok': True}] * threads_count
    assert session.logins == 2
    assert client.retry_count == threads_count
