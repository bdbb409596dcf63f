# -*- coding: utf-8 -*-
# Copyright: (c) 2026, iiot.connectware contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Faults on every endpoint the collection uses: each ends in a successful retry or a clear failure.

The matrix drives the shared client over real HTTPS against the simulator's fault injection;
its waits between attempts are recorded instead of slept (their sum is what is bounded). The
module-level test at the end runs the real thing, sleeping included, through ansible-playbook.
"""

import time

import pytest

from ansible_collections.iiot.connectware.plugins.module_utils._client import (
    RETRY_MAX_WAIT,
    ConnectwareClient,
    ConnectwareError,
)
from connectware_sim import Instance, make_license_jwt
from connectware_sim.tls import TLSMaterial
from harness import connection_vars, play, run_playbook, write_inventory

RETRIES = 2
# Only the latency faults need a deadline shorter than their delay: every other client gets
# GENEROUS_TIMEOUT, so that a busy machine never turns a TLS handshake or an answer into a timeout.
TIMEOUT = 0.3
TRANSIENT_LATENCY_TIMEOUT = 2.0   # half the transient latency fault's 4 s: the retry's answer has 2 s
GENEROUS_TIMEOUT = 10.0

# (method, path, params, body) for every endpoint the modules call; login is exercised through a
# username/password client.
ENDPOINTS = [
    ('GET', '/api/system/info', None, None),
    ('GET', '/api/system/preflight', None, None),
    ('GET', '/api/system/refresh', None, None),
    ('PUT', '/api/system/licensefile', None, 'LICENSE'),
    ('GET', '/api/system/health', None, None),
    ('GET', '/api/system/vrpcHealth', None, None),
    ('GET', '/api/system/metrics', {'hourly': 'true', 'daily': 'true'}, None),
    ('GET', '/api/system/agents', None, None),
    ('GET', '/api/marketplace/apps', None, None),
    ('GET', '/api/marketplace/app', {'directory': 'opcua-to-mqtt', 'filename': 'opcua-to-mqtt.yml'}, None),
    ('GET', '/api/marketplace/app/meta', {'directory': 'opcua-to-mqtt', 'filename': 'opcua-to-mqtt.yml'}, None),
    ('POST', '/api/login', None, None),
]
ENDPOINT_IDS = ['%s %s' % (method, path) for method, path, _params, _body in ENDPOINTS]

# Faults that pass: the first attempt meets the fault, a retry succeeds.
TRANSIENT = {
    'latency': dict(latency=4.0),
    '502': dict(status=502),
    '503': dict(status=503),
    '504': dict(status=504),
    '429 Retry-After': dict(status=429, retry_after=2),
    'truncated body': dict(truncate=True),
    'connection reset': dict(reset=True),
}

# Faults that stay: (fault, expected kind, words of the cause, attempts made).
PERMANENT = {
    'latency': (dict(latency=1.0), 'timeout', 'no complete answer from Connectware', RETRIES + 1),
    '500': (dict(status=500), 'http', 'answered HTTP 500', 1),
    '502': (dict(status=502), 'http', 'answered HTTP 502', RETRIES + 1),
    '503': (dict(status=503), 'http', 'answered HTTP 503', RETRIES + 1),
    '504': (dict(status=504), 'http', 'answered HTTP 504', RETRIES + 1),
    '429 Retry-After': (dict(status=429, retry_after=2), 'http', '(Retry-After: 2s)', RETRIES + 1),
    'malformed JSON': (dict(malformed_json=True), 'invalid_response', 'the body is not JSON', 1),
    'truncated body': (dict(truncate=True), 'connection', 'response body cut short', RETRIES + 1),
    'connection reset': (dict(reset=True), 'connection', 'connection reset by the server', RETRIES + 1),
}


@pytest.fixture(scope='module')
def tls(tmp_path_factory):
    return TLSMaterial(str(tmp_path_factory.mktemp('tls')))


@pytest.fixture
def host(tls):
    instance = Instance('cw-faults', tls=tls).start()
    yield instance
    instance.stop()


def client_for(instance, tls, sleeps, endpoint, **kwargs):
    options = dict(url=instance.url, ca_path=tls.ca_path, timeout=GENEROUS_TIMEOUT, retries=RETRIES, sleep=sleeps.append)
    if endpoint[1] == '/api/login':
        options.update(username='admin', password='admin')
    else:
        options.update(token=instance.admin_token)
    options.update(kwargs)
    return ConnectwareClient(**options)


def call(client, endpoint):
    method, path, params, body = endpoint
    if path == '/api/login':
        return client.get('/api/system/info')
    if body == 'LICENSE':
        return client.request(method, path, body={'payload': make_license_jwt('lic-fault-test')})
    return client.request(method, path, params=params)


def requests_to(instance, path, expected=None):
    """The logged requests to ``path``; with ``expected``, waits (a bounded while) for that many.

    A request is logged when the server is done with it: one delayed past the client's timeout
    is logged after the client's retry. The wait ends as soon as the count is there; its bound
    only keeps a broken server from hanging the test, so it is generous.
    """
    return _waited(lambda: [entry for entry in instance.request_log() if entry['path'] == path], len, expected)


def connections_to(instance, expected):
    """How many connections ``instance`` accepted, once that is ``expected`` (or a generous while passed)."""
    return _waited(instance.connection_count, lambda count: count, expected)


def _waited(read, size, expected):
    deadline = time.monotonic() + 60
    while True:
        found = read()
        if expected is None or size(found) >= expected or time.monotonic() > deadline:
            return found
        time.sleep(0.05)


@pytest.mark.parametrize('fault_name', sorted(TRANSIENT))
@pytest.mark.parametrize('endpoint', ENDPOINTS, ids=ENDPOINT_IDS)
def test_transient_fault_is_retried_to_success(host, tls, endpoint, fault_name):
    host.set_fault(endpoint[1], count=1, **TRANSIENT[fault_name])
    sleeps = []
    # timeout bounds a whole attempt (TLS handshake included): only the latency case needs it below
    # the fault's delay, and then with room for the retry on a busy machine.
    timeout = TRANSIENT_LATENCY_TIMEOUT if fault_name == 'latency' else GENEROUS_TIMEOUT
    answer = call(client_for(host, tls, sleeps, endpoint, timeout=timeout), endpoint)
    assert answer is not None
    hits = requests_to(host, endpoint[1], expected=2)
    assert len(hits) == 2, hits
    assert sorted(bool(hit['fault']) for hit in hits) == [False, True]
    assert len(sleeps) == 1
    if fault_name == '429 Retry-After':
        assert sleeps == [2.0]
    else:
        assert 0 < sleeps[0] <= 0.5


@pytest.mark.parametrize('fault_name', sorted(PERMANENT))
@pytest.mark.parametrize('endpoint', ENDPOINTS, ids=ENDPOINT_IDS)
def test_permanent_fault_fails_clearly_and_boundedly(host, tls, endpoint, fault_name):
    fault, kind, cause, attempts = PERMANENT[fault_name]
    host.set_fault(endpoint[1], **fault)
    sleeps = []
    timeout = TIMEOUT if 'latency' in fault else GENEROUS_TIMEOUT
    started = time.monotonic()
    with pytest.raises(ConnectwareError) as caught:
        call(client_for(host, tls, sleeps, endpoint, timeout=timeout), endpoint)
    elapsed = time.monotonic() - started
    error = caught.value
    method, path = endpoint[0], endpoint[1]
    assert error.kind == kind
    assert host.url in error.message, error.message
    assert '%s %s' % (method, path) in error.message, error.message
    assert cause in error.message, error.message
    if 'latency' in fault:
        # Every attempt ran out of time: on a busy machine, before the simulator had read its request
        # (in the TLS handshake, or while sending the body) as often as after. Each attempt connected,
        # though: the connections count the attempts, and every request the simulator read met the fault.
        assert connections_to(host, expected=attempts) == attempts
        logged = requests_to(host, path)
        assert len(logged) <= attempts and all(entry['fault'] for entry in logged), logged
    else:
        assert len(requests_to(host, path, expected=attempts)) == attempts
    assert error.attempts == attempts
    assert len(sleeps) == attempts - 1 and sum(sleeps) <= RETRY_MAX_WAIT
    # Each attempt is bounded by the timeout (latency faults cost it in full, sleeps are injected):
    # a generous ceiling, ten times what the attempts may take, never a lower or tight bound.
    assert elapsed < 10 * attempts * timeout + 10


@pytest.mark.parametrize('endpoint', ENDPOINTS, ids=ENDPOINT_IDS)
def test_unknown_ca_fails_clearly(host, tls, endpoint):
    with pytest.raises(ConnectwareError) as caught:
        call(client_for(host, tls, [], endpoint, ca_path=tls.other_ca_path), endpoint)
    error = caught.value
    assert error.kind == 'tls' and error.attempts == 1
    assert 'TLS handshake with %s failed' % host.url in error.message
    assert 'not signed by a trusted CA' in error.message and 'set ca_path' in error.message


@pytest.fixture(scope='module')
def mismatched(tmp_path_factory):
    material = TLSMaterial(str(tmp_path_factory.mktemp('mismatch')), identities=('connectware.plant.example',))
    instance = Instance('cw-mismatch', tls=material).start()
    yield instance, material
    instance.stop()


@pytest.mark.parametrize('endpoint', ENDPOINTS, ids=ENDPOINT_IDS)
def test_wrong_hostname_fails_clearly(mismatched, endpoint):
    instance, material = mismatched
    with pytest.raises(ConnectwareError) as caught:
        call(client_for(instance, material, [], endpoint), endpoint)
    assert caught.value.kind == 'tls'
    assert 'hostname mismatch' in caught.value.message
    assert instance.url in caught.value.message


@pytest.mark.parametrize('endpoint', ENDPOINTS, ids=ENDPOINT_IDS)
def test_invalid_token_or_login_is_a_clear_401(host, tls, endpoint):
    if endpoint[1] == '/api/login':
        client = client_for(host, tls, [], endpoint, password='wrong-password')
        expected = "refused the login of user 'admin' (HTTP 401): check username and password"
    else:
        client = client_for(host, tls, [], endpoint, token='expired-or-invalid-token')
        expected = ('rejected the API token (option token / CONNECTWARE_TOKEN) for %s %s' % (endpoint[0], endpoint[1]))
    with pytest.raises(ConnectwareError) as caught:
        call(client, endpoint)
    assert caught.value.kind == 'auth' and caught.value.status == 401
    assert expected in caught.value.message
    assert host.url in caught.value.message
    assert len(host.request_log()) == 1


@pytest.mark.parametrize('endpoint', ENDPOINTS[:-1], ids=ENDPOINT_IDS[:-1])
def test_missing_permission_is_a_clear_403(host, tls, endpoint):
    host.update_state({'users': {'nobody': {'password': 'nobody-password', 'permissions': []}}})
    client = client_for(host, tls, [], endpoint, token=None, username='nobody', password='nobody-password')
    with pytest.raises(ConnectwareError) as caught:
        call(client, endpoint)
    error = caught.value
    assert error.kind == 'permission' and error.status == 403 and error.attempts == 1
    access = 'read' if endpoint[0] == 'GET' else 'write'
    assert error.message.startswith("The login of user 'nobody' (options username/password) lacks permission for %s %s"
                                    % (endpoint[0], endpoint[1]))
    assert host.url in error.message
    if endpoint[1] == '/api/system/health':
        assert ("Grant the user's role HTTP read access to /api/system/info (which Connectware requires for "
                "/api/system/health)") in error.message
    else:
        assert "Grant the user's role HTTP %s access to %s in" % (access, endpoint[1]) in error.message


def test_faults_through_the_modules_with_real_waits(make_fleet, workdir):
    """One host per fault, connectware_info gathering every subset: the real module, real sleeps."""
    preflight_500 = 'subset preflight: Connectware at {url} answered HTTP 500 for GET /api/system/preflight: Simulated HTTP 500'
    vrpc_malformed = ('subset vrpc_health: Connectware at {url} answered GET /api/system/vrpcHealth with HTTP 200 but '
                      'the body is not JSON')
    health_504 = 'subset health: Connectware at {url} answered HTTP 504 for GET /api/system/health after 3 attempt(s)'
    info_timeout = ('subset info: no complete answer from Connectware at {url} within timeout=3s for GET '
                    '/api/system/info after 3 attempt(s)')
    faults = [
        ('/api/system/health', dict(status=503, count=1), None),
        ('/api/system/agents', dict(status=429, retry_after=1, count=1), None),
        ('/api/system/info', dict(reset=True, count=2), None),
        ('/api/system/metrics', dict(latency=10.0, count=1), None),
        ('/api/marketplace/apps', dict(truncate=True, count=1), None),
        ('/api/system/preflight', dict(status=500), preflight_500),
        ('/api/system/vrpcHealth', dict(malformed_json=True), vrpc_malformed),
        ('/api/system/health', dict(status=504), health_504),
        ('/api/system/info', dict(latency=10.0), info_timeout),
    ]
    # 9 hosts at once, 7 requests each, on a busy machine: only the hosts with a latency fault get a
    # timeout below its delay (3 s, room for their other answers); the others get 30 s, so that no
    # answer they need turns into a timeout.
    fleet = make_fleet([{}] * len(faults))
    instances = list(fleet)
    host_vars = {}
    for instance, (path, fault, _expected) in zip(instances, faults):
        instance.set_fault(path, **fault)
        host_vars[instance.name] = {'fault_timeout': 3 if 'latency' in fault else 30}
    task = dict(connection_vars(), gather_subset=['all'], timeout='{{ fault_timeout }}', retries=2)
    started = time.monotonic()
    run = run_playbook(workdir, play([{'name': 'info', 'iiot.connectware.connectware_info': task,
                                       'ignore_errors': True}]), write_inventory(workdir, fleet, host_vars),
                       forks=len(faults))
    elapsed = time.monotonic() - started
    for instance, (path, _fault, expected) in zip(instances, faults):
        entry = run.task('info', instance.name)
        if expected is None:
            assert entry['status'] == 'ok', (instance.name, path, entry['result'].get('msg'))
            assert len(entry['result']['gathered_subsets']) == 7
        else:
            assert entry['status'] == 'ignored', (instance.name, path)
            assert entry['result']['msg'].startswith(expected.format(url=instance.url)), entry['result']['msg']
    assert 'Traceback' not in run.output
    # Bounded: the slowest host (3 timed-out attempts of 3 s plus at most 1.5 s of backoff, and the
    # playbook's own start, ~15 s together) sets the pace; the ceiling is ten times that, never tight.
    assert elapsed < 150
