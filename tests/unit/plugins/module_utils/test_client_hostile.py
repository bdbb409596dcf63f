# -*- coding: utf-8 -*-
# Copyright: (c) 2026, iiot.connectware contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The client against misbehaving servers over real HTTP on 127.0.0.1.

Dripping answers, gzip bombs, endless bodies, deep JSON, a ~/.netrc that wants to speak for
us, proxies. Time is only ever bounded from above, by a generous multiple of ``timeout``;
sizes by the client's own limit.
"""

import os
import socket
import sys
import time

import pytest

from ansible_collections.iiot.connectware.plugins.module_utils import _client as client_module
from ansible_collections.iiot.connectware.plugins.module_utils._client import (
    MAX_BODY_BYTES,
    MAX_JSON_DEPTH,
    ConnectwareClient,
    ConnectwareError,
)
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from hostile_server import (  # noqa: E402  pylint: disable=wrong-import-position
    HostileServer,
    answer,
    deep_json,
    drip_body,
    drip_headers,
    endless_chunked,
    gzip_bomb,
    gzip_garbage,
    routes,
)

# The deadline tests' timeout; every other client gets GENEROUS_TIMEOUT, so that a busy machine
# never turns an answer it needs into a timeout.
TIMEOUT = 1.0
GENEROUS_TIMEOUT = 30
# A deadline test may only bound time from above, generously.
CEILING = 10 * TIMEOUT
PROXY_VARIABLES = ('HTTP_PROXY', 'HTTPS_PROXY', 'ALL_PROXY', 'NO_PROXY', 'http_proxy', 'https_proxy', 'all_proxy',
                   'no_proxy', 'NETRC')


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch, tmp_path):
    """No proxy or netrc from the machine running the tests; HOME without a .netrc."""
    for name in PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv('HOME', str(tmp_path))


def client_for(server, **kwargs):
    options = dict(url=server.url, token='hostile-test-token', retries=0, timeout=GENEROUS_TIMEOUT,
                   sleep=lambda seconds: None)
    options.update(kwargs)
    return ConnectwareClient(**options)


def free_port():
    """A port on 127.0.0.1 nothing listens on."""
    probe = socket.socket()
    probe.bind(('127.0.0.1', 0))
    port = probe.getsockname()[1]
    probe.close()
    return port


# -- timeout is the deadline of one attempt -----------------------------------------------

@pytest.mark.parametrize('handler', [drip_headers(), drip_body()], ids=['drip in headers', 'drip in body'])
def test_a_dripping_server_is_cut_off_at_the_deadline(handler):
    with HostileServer(handler) as server:
        started = time.monotonic()
        with pytest.raises(ConnectwareError) as caught:
            client_for(server, timeout=TIMEOUT).get('/api/system/info')
        elapsed = time.monotonic() - started
    assert caught.value.kind == 'timeout'
    assert 'within timeout=1s' in caught.value.message
    assert 'connecting, the headers and the whole body' in caught.value.message
    assert elapsed < CEILING


def test_each_attempt_has_its_own_deadline():
    with HostileServer(drip_body()) as server:
        started = time.monotonic()
        with pytest.raises(ConnectwareError) as caught:
            client_for(server, retries=2, timeout=TIMEOUT).get('/api/system/info')
        elapsed = time.monotonic() - started
        # Each attempt connected; on a busy machine one may run out of time before the server reads
        # its request, so the connections count the attempts.
        assert connections_of(server, 3) == 3 and len(server.requests) <= 3
    assert caught.value.kind == 'timeout' and caught.value.attempts == 3
    three_attempts_ceiling = 3 * CEILING  # a generous ceiling per attempt, never a lower bound
    assert elapsed < three_attempts_ceiling


def connections_of(server, expected):
    """The server's count of accepted connections, once it is ``expected`` (or a generous while passed)."""
    deadline = time.monotonic() + 30
    while server.connections < expected and time.monotonic() < deadline:
        time.sleep(0.02)
    return server.connections


def test_connections_kept_alive_after_a_finished_attempt_stay_usable(monkeypatch):
    """A deadline ends with its attempt: its timer, even when it fires after the attempt ended, never
    shuts a connection that went back to the pool (and maybe serves another request)."""
    timers = []

    class LateTimer(object):
        """A deadline's timer that fires only when the test says, after its attempt finished."""
        daemon = False

        def __init__(self, seconds, function):
            self.seconds, self.function = seconds, function
            timers.append(self)

        def start(self):
            pass

        def cancel(self):
            pass

    real_timer = client_module.threading.Timer

    def make_timer(seconds, function):
        # Only the deadlines' timers are held back (the test server has its own).
        if isinstance(getattr(function, '__self__', None), client_module._Deadline):  # pylint: disable=protected-access
            return LateTimer(seconds, function)
        return real_timer(seconds, function)

    monkeypatch.setattr(client_module.threading, 'Timer', make_timer)
    with HostileServer(answer(200, '{"ok": true}')) as server:
        client = client_for(server, timeout=TIMEOUT)
        for _index in range(3):
            assert client.get('/api/system/info') == {'ok': True}
        assert [timer.seconds for timer in timers] == [TIMEOUT] * 3
        for timer in timers:
            timer.function()   # each attempt's deadline, arriving late
        assert client.get('/api/system/info') == {'ok': True}
        assert server.connections == 1


# -- bounded answers ----------------------------------------------------------------------

def test_a_gzip_bomb_is_refused_at_the_limit_of_decoded_bytes():
    limit = 1024 * 1024
    with HostileServer(gzip_bomb(16 * limit)) as server:
        with pytest.raises(ConnectwareError) as caught:
            client_for(server, max_body_bytes=limit, retries=2).get('/api/system/info')
        assert len(server.requests) == 1   # not retried
    message = caught.value.message
    assert caught.value.kind == 'invalid_response'
    assert 'the limit is 1 MiB (1048576 bytes) (decoded)' in message
    read = int(message.split(' bytes) read so far')[0].rsplit('(', 1)[1])
    assert limit < read <= limit + 64 * 1024


def test_the_default_limit_holds_against_a_gzip_bomb():
    with HostileServer(gzip_bomb(MAX_BODY_BYTES + 2 * 1024 * 1024)) as server:
        with pytest.raises(ConnectwareError) as caught:
            client_for(server).get('/api/system/metrics')
    assert caught.value.kind == 'invalid_response'
    assert 'the limit is 64 MiB (%d bytes)' % MAX_BODY_BYTES in caught.value.message


def test_an_answer_at_the_limit_is_read():
    body = b'"' + b'x' * (64 * 1024 - 2) + b'"'
    with HostileServer(answer(200, body)) as server:
        assert len(client_for(server, max_body_bytes=len(body)).get('/api/x')) == len(body) - 2


def test_an_endless_chunked_body_stops_at_the_limit():
    with HostileServer(endless_chunked()) as server:
        with pytest.raises(ConnectwareError) as caught:
            client_for(server, max_body_bytes=1024 * 1024).get('/api/system/info')
    assert caught.value.kind == 'invalid_response'
    assert 'read so far, the limit is 1 MiB' in caught.value.message


def test_an_endless_chunked_body_stops_at_the_deadline_when_the_limit_is_far():
    with HostileServer(endless_chunked(b' ' * 64)) as server:
        started = time.monotonic()
        with pytest.raises(ConnectwareError) as caught:
            client_for(server, max_body_bytes=10 ** 12, timeout=TIMEOUT).get('/api/system/info')
        elapsed = time.monotonic() - started
    assert caught.value.kind == 'timeout'
    assert elapsed < CEILING


def test_an_endless_error_body_is_read_only_for_its_message():
    with HostileServer(endless_chunked(b'x' * 4096, status=400)) as server:
        with pytest.raises(ConnectwareError) as caught:
            client_for(server).get('/api/system/info')
    assert caught.value.kind == 'http' and caught.value.status == 400
    assert len(caught.value.body) <= 203


# -- answers that are no answers ------------------------------------------------------------

def test_json_nested_200000_deep_is_an_invalid_answer_not_a_crash():
    with HostileServer(deep_json(200000)) as server:
        with pytest.raises(ConnectwareError) as caught:
            client_for(server, retries=2).get('/api/system/info')
        assert len(server.requests) == 1
    assert caught.value.kind == 'invalid_response'
    assert 'nested more than %d levels deep' % MAX_JSON_DEPTH in caught.value.message


def test_json_just_too_deep_for_results_is_refused():
    with HostileServer(deep_json(MAX_JSON_DEPTH + 1)) as server:
        with pytest.raises(ConnectwareError) as caught:
            client_for(server).get('/api/system/info')
    assert caught.value.kind == 'invalid_response'
    with HostileServer(deep_json(MAX_JSON_DEPTH)) as server:
        assert client_for(server).get('/api/system/info') is not None


def test_gzip_garbage_is_an_invalid_answer_and_not_retried():
    with HostileServer(gzip_garbage()) as server:
        with pytest.raises(ConnectwareError) as caught:
            client_for(server, retries=3).get('/api/system/info')
        assert len(server.requests) == 1
    assert caught.value.kind == 'invalid_response'
    assert 'body that cannot be decoded' in caught.value.message
    assert 'cannot reach' not in caught.value.message


def test_an_empty_200_over_http_is_an_invalid_answer():
    with HostileServer(answer(200, b'')) as server:
        with pytest.raises(ConnectwareError) as caught:
            client_for(server).get('/api/system/info')
    assert caught.value.kind == 'invalid_response'
    assert 'empty body where JSON was expected' in caught.value.message


def test_204_over_http_is_none():
    with HostileServer(answer(204, b'', {'Content-Length': '0'})) as server:
        assert client_for(server).request('POST', '/api/validate/service', body={'commissioningFile': 'eA=='}) is None


# -- the token is the only credential --------------------------------------------------------

def login_app(tokens=('login-token',)):
    issued = list(tokens)
    return routes({
        ('POST', '/api/login'): lambda request: (200, {'token': issued[0]}),
        ('GET', '/api/system/info'): lambda request: (200, {'version': '1.7.2'}),
    })


@pytest.fixture
def netrc(tmp_path, monkeypatch):
    path = tmp_path / 'netrc'
    path.write_text('machine 127.0.0.1 login netrc-user password netrc-password\n'
                    'default login default-user password default-password\n')
    path.chmod(0o600)
    monkeypatch.setenv('NETRC', str(path))
    (tmp_path / '.netrc').write_text(path.read_text())
    (tmp_path / '.netrc').chmod(0o600)
    return path


def test_netrc_never_replaces_the_bearer_token(netrc):
    with HostileServer(login_app()) as server:
        assert client_for(server).get('/api/system/info') == {'version': '1.7.2'}
        assert [request.headers.get('authorization') for request in server.requests] == ['Bearer hostile-test-token']


def test_netrc_adds_nothing_to_the_login(netrc):
    with HostileServer(login_app()) as server:
        client = client_for(server, token=None, username='admin', password='admin-password')
        assert client.get('/api/system/info') == {'version': '1.7.2'}
        assert [(request.method, request.headers.get('authorization')) for request in server.requests] == [
            ('POST', None), ('GET', 'Bearer login-token')]


# -- proxies -------------------------------------------------------------------------------------

def test_an_environment_proxy_is_used(monkeypatch):
    with HostileServer(answer(200, '{"via": "proxy"}')) as proxy:
        monkeypatch.setenv('HTTP_PROXY', proxy.url)
        target = 'http://127.0.0.1:%d' % free_port()   # nothing listens there: only the proxy can answer
        client = ConnectwareClient(url=target, token='tok', retries=0, timeout=GENEROUS_TIMEOUT)
        assert client.get('/api/system/info') == {'via': 'proxy'}
        assert proxy.requests[0].target == target + '/api/system/info'


def test_no_proxy_and_use_proxy_false_connect_directly(monkeypatch):
    dead_proxy = 'http://proxy-user:proxy-secret@127.0.0.1:%d' % free_port()
    monkeypatch.setenv('HTTP_PROXY', dead_proxy)
    with HostileServer(answer(200, '{"direct": true}')) as server:
        assert client_for(server, use_proxy=False).get('/api/system/info') == {'direct': True}
        monkeypatch.setenv('NO_PROXY', '127.0.0.1')
        assert client_for(server).get('/api/system/info') == {'direct': True}


def test_an_unreachable_proxy_is_named_without_its_credentials(monkeypatch):
    port = free_port()
    monkeypatch.setenv('HTTP_PROXY', 'http://proxy-user:proxy-secret@127.0.0.1:%d' % port)
    with HostileServer(answer(200, '{}')) as server:
        with pytest.raises(ConnectwareError) as caught:
            client_for(server, retries=1).get('/api/system/info')
        assert server.requests == []
    message = caught.value.message
    assert 'through the proxy http://********@127.0.0.1:%d' % port in message
    assert 'use_proxy: false' in message
    assert 'proxy-secret' not in message and 'proxy-user' not in message
    assert caught.value.kind == 'connection' and caught.value.attempts == 2


# -- secrets in a server's words --------------------------------------------------------------------

def test_a_token_echoed_across_the_excerpt_cut_does_not_leak():
    token = 'echoed-token-0123456789abcdef'
    for offset in (150, 170, 190, 199):
        body = '{"message": "%s%s and more"}' % ('x' * offset, token)
        with HostileServer(answer(400, body)) as server:
            with pytest.raises(ConnectwareError) as caught:
                client_for(server, token=token).get('/api/system/info')
        for shown in (caught.value.message, caught.value.body):
            assert 'echoed-t' not in shown, (offset, shown)


def test_a_secret_added_later_is_redacted():
    license_text = 'LICENSE-TEXT-THAT-IS-SECRET-0123456789'
    with HostileServer(answer(400, '{"message": "invalid license %s"}' % license_text)) as server:
        client = client_for(server)
        client.add_secret(license_text)
        with pytest.raises(ConnectwareError) as caught:
            client.put('/api/system/licensefile', {'payload': license_text})
    assert license_text[:12] not in caught.value.message and license_text[:12] not in caught.value.body
    assert 'invalid license ********' in caught.value.message
