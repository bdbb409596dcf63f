# -*- coding: utf-8 -*-
# Copyright: (c) 2026, iiot.connectware contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""gather_subset resolution and concurrent fetching."""

import threading
import time

import pytest

from ansible_collections.iiot.connectware.plugins.module_utils._client import ConnectwareError
from ansible_collections.iiot.connectware.plugins.module_utils._gather import (
    SubsetError,
    combined_error,
    fetch_concurrently,
    resolve_subsets,
)

VALID = ['info', 'preflight', 'health', 'vrpc_health', 'metrics', 'agents', 'marketplace_apps']


@pytest.mark.parametrize('requested, expected', [
    (['info', 'health', 'vrpc_health'], ['info', 'health', 'vrpc_health']),
    (['health', 'info'], ['info', 'health']),
    (['all'], VALID),
    (['all', '!metrics', '!agents'], ['info', 'preflight', 'health', 'vrpc_health', 'marketplace_apps']),
    (['!marketplace_apps'], VALID[:-1]),
    (['!all', 'preflight'], ['preflight']),
    (['info', 'info'], ['info']),
    ([' info '], ['info']),
    ([], VALID),
])
def test_resolve_subsets(requested, expected):
    assert resolve_subsets(requested, VALID) == expected


def test_unknown_subset_names_the_option_and_the_valid_ones():
    with pytest.raises(SubsetError) as caught:
        resolve_subsets(['info', 'helth'], VALID)
    assert str(caught.value) == ("gather_subset: unknown subset 'helth'; valid subsets are all, info, preflight, health, "
                                 "vrpc_health, metrics, agents, marketplace_apps (prefix ! to exclude)")


def test_unknown_exclusion_is_also_an_error():
    with pytest.raises(SubsetError, match="unknown subset '!nope'"):
        resolve_subsets(['!nope'], VALID)


def test_selecting_nothing_is_an_error():
    with pytest.raises(SubsetError, match='selects nothing'):
        resolve_subsets(['!all'], VALID)
    with pytest.raises(SubsetError, match='checks'):
        resolve_subsets(['info', '!info'], VALID, option='checks')


class SlowClient(object):
    def __init__(self, delay=0.2, failing=()):
        self.delay = delay
        self.failing = failing
        self.calls = []
        self.logins = 0
        self.lock = threading.Lock()

    def ensure_authenticated(self):
        self.logins += 1

    def get(self, path, params=None):
        with self.lock:
            self.calls.append((path, params))
        time.sleep(self.delay)
        if path in self.failing:
            raise ConnectwareError('HTTP 503 for %s' % path, method='GET', path=path, status=503)
        return {'path': path}


class BarrierClient(SlowClient):
    """Every GET waits until all ``parties`` GETs are in flight at once: only concurrency passes."""

    def __init__(self, parties):
        super(BarrierClient, self).__init__(delay=0)
        self.barrier = threading.Barrier(parties, timeout=30)

    def get(self, path, params=None):
        self.barrier.wait()  # BrokenBarrierError when the calls do not overlap
        return super(BarrierClient, self).get(path, params)


def test_fetch_concurrently_runs_every_call_at_the_same_time():
    client = BarrierClient(parties=6)
    calls = dict(('s%d' % index, ('/p%d' % index, None)) for index in range(6))
    results, errors = fetch_concurrently(client, calls)
    assert errors == {}
    assert results == dict(('s%d' % index, {'path': '/p%d' % index}) for index in range(6))
    assert len(client.calls) == 6 and client.logins == 1


def test_fetch_concurrently_reports_each_failure():
    client = SlowClient(delay=0, failing=('/b',))
    results, errors = fetch_concurrently(client, {'a': ('/a', None), 'b': ('/b', {'x': '1'})})
    assert results == {'a': {'path': '/a'}}
    assert list(errors) == ['b'] and errors['b'].status == 503
    assert ('/b', {'x': '1'}) in client.calls


def test_login_failure_fails_every_call_without_requests():
    class NoLogin(SlowClient):
        def ensure_authenticated(self):
            raise ConnectwareError('login refused', kind='auth', status=401)

    client = NoLogin()
    results, errors = fetch_concurrently(client, {'a': ('/a', None), 'b': ('/b', None)})
    assert results == {} and set(errors) == {'a', 'b'} and client.calls == []


def test_fetch_nothing():
    assert fetch_concurrently(SlowClient(), {}) == ({}, {})


def test_combined_error_names_each_subset():
    errors = {'health': ConnectwareError('HTTP 503 for /h', status=503, path='/h'),
              'agents': ConnectwareError('HTTP 400 for /a', status=400, path='/a')}
    combined = combined_error(errors, labels={'health': 'subset health', 'agents': 'subset agents'})
    assert combined.message == 'subset health: HTTP 503 for /h; subset agents: HTTP 400 for /a'
    assert combined.status == 503 and combined.path == '/h'


def test_combined_error_says_a_shared_cause_once():
    errors = dict((name, ConnectwareError('rejected the API token for GET /%s (HTTP 401)' % name, kind='auth', status=401,
                                          path='/' + name)) for name in ('info', 'health'))
    combined = combined_error(errors, labels={'info': 'subset info', 'health': 'subset health'})
    assert combined.message == 'subset info, subset health: rejected the API token for GET /info (HTTP 401)'
    assert combined.kind == 'auth'


def test_combined_error_keeps_different_http_failures_apart():
    errors = {'a': ConnectwareError('HTTP 503 for /a', kind='http', status=503),
              'b': ConnectwareError('HTTP 503 for /b', kind='http', status=503)}
    assert combined_error(errors).message == 'a: HTTP 503 for /a; b: HTTP 503 for /b'


def test_unexpected_exception_in_a_worker_becomes_an_error():
    class Broken(SlowClient):
        def get(self, path, params=None):
            if path == '/b':
                raise KeyError('boom')
            return {'path': path}

    results, errors = fetch_concurrently(Broken(), {'a': ('/a', None), 'b': ('/b', None)})
    assert results == {'a': {'path': '/a'}}
    assert errors['b'].message == "unexpected error while reading /b: KeyError('boom')"
