# -*- coding: utf-8 -*-
# Copyright: (c) 2026, iiot.connectware contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""connectware_health_check's runner, branch by branch, with a scripted client and a fake clock.

Nothing here sleeps or reads the wall clock: the runner gets the fake clock and its sleep, and each
request the scripted client answers costs a fixed amount of fake time. The rules of each check are
tested in module_utils/test_health.py; here only how the runner uses them.
"""

import threading

import pytest

from ansible_collections.iiot.connectware.plugins.module_utils._client import ConnectwareError
from ansible_collections.iiot.connectware.plugins.module_utils._runner_health_check import (
    HealthCheck,
    run_health_check,
)
from ansible_collections.iiot.connectware.plugins.modules import connectware_health_check

BASE_URL = 'https://cw.example'
HEALTH = '/api/system/health'
VRPC = '/api/system/vrpcHealth'
INFO = '/api/system/info'
PREFLIGHT = '/api/system/preflight'


def health(**statuses):
    """An answer of GET /api/system/health."""
    return {'system': {'status': [{'name': name, 'status': status, 'uptime': '1h'}
                                  for name, status in sorted(statuses.items())]}}


def vrpc(reachable=True, agent_status='running'):
    """An answer of GET /api/system/vrpcHealth with one agent and one provider."""
    provider = {'providerName': 'service-manager', 'reachable': reachable,
                'functionalityAffectedIfFailed': ['Service deployment']}
    return {'VRPCInterServiceCommunication': [{'agentName': 'protocol-mapper', 'providers': [provider]}],
            'agentStatus': {'agentName': 'protocol-mapper', 'status': agent_status}}


def info(valid=True, version='1.7.2', expiration=None):
    """An answer of GET /api/system/info. Without an expiration the license is perpetual, so no test
    here depends on today's date."""
    file_data = {'id': 'lic-1', 'associatedAccount': 'acme', 'connectwareLicenseClass': 'Production'}
    if expiration is not None:
        file_data['expiration'] = expiration
    answer = {'time': 't', 'license': {'name': 'Connectware Production', 'valid': valid, 'file': file_data}}
    if version is not None:
        answer['version'] = version
    return answer


def preflight(**failing):
    """An answer of GET /api/system/preflight: every probe passes except those named (with their statusText)."""
    answer = {}
    for name in ('dockerHub', 'cybusRegistry', 'cybusPortal'):
        answer[name] = {'status': name not in failing, 'statusText': failing.get(name, 'ok'), 'url': 'https://x'}
    return answer


VRPC_DOWN_REASON = 'vRPC provider service-manager of agent protocol-mapper unreachable (affects: Service deployment)'


class FakeClock(object):
    """The runner's clock and sleep: time moves only when the runner sleeps or a request costs time."""

    def __init__(self, start=1000.0):
        self.now = start
        self.sleeps = []

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        assert seconds > 0, 'the runner asked to sleep %r seconds' % (seconds,)
        self.sleeps.append(seconds)
        self.now += seconds


class FakeClient(object):
    """Answers each path from its script, in order; an exception in the script is raised.

    Every answered request advances ``clock`` by ``cost`` seconds. ``login_error``, when set,
    is what ensure_authenticated raises.
    """

    def __init__(self, clock=None, cost=0.0, login_error=None, **script):
        self.script = dict((path, list(answers)) for path, answers in script.items())
        self.clock = clock
        self.cost = cost
        self.login_error = login_error
        self.base_url = BASE_URL
        self.calls = []
        self.logins = 0
        self.lock = threading.Lock()

    def ensure_authenticated(self):
        with self.lock:
            self.logins += 1
        if self.login_error is not None:
            raise self.login_error

    def get(self, path, params=None):
        with self.lock:
            self.calls.append((path, params))
            queue = self.script.get(path)
            assert queue, 'unexpected request GET %s' % path
            answer = queue.pop(0)
            if self.clock is not None:
                self.clock.now += self.cost
        if isinstance(answer, Exception):
            raise answer
        return answer

    def paths(self):
        return sorted(path for path, _params in self.calls)

    def unused(self):
        return dict((path, answers) for path, answers in self.script.items() if answers)


def defaults():
    """Every option's default, from the module's own argument spec."""
    spec = connectware_health_check.OPTIONS['argument_spec']
    return dict((name, list(option['default']) if isinstance(option['default'], list) else option['default'])
                for name, option in spec.items())


class FakeTask(object):
    """What the runner gets (a Task): parameters with the module's defaults, a client, mode flags, warn."""

    def __init__(self, client, check_mode=False, diff_mode=False, **params):
        self.params = defaults()
        self.params.update(params)
        self.client = client
        self.check_mode = check_mode
        self.diff_mode = diff_mode
        self.warnings = []

    def warn(self, message):
        self.warnings.append(message)


def run(client, clock=None, **params):
    clock = clock or FakeClock()
    return HealthCheck(FakeTask(client, **params), clock=clock, sleep=clock.sleep).run()


def run_failing(client, clock=None, **params):
    with pytest.raises(ConnectwareError) as caught:
        run(client, clock=clock, **params)
    return caught.value


# -- options refused before any request ---------------------------------------------------------------

@pytest.mark.parametrize('options, message', [
    (dict(wait_timeout=-1), 'wait_timeout must be 0 or more (got -1)'),
    (dict(wait_timeout=-0.5), 'wait_timeout must be 0 or more (got -0.5)'),
    (dict(license_min_days=-1), 'license_min_days must be 0 or more (got -1)'),
    (dict(wait_interval=0), 'wait_interval must be greater than 0 (got 0)'),
    (dict(wait_interval=-2.5), 'wait_interval must be greater than 0 (got -2.5)'),
    (dict(checks=[]), 'checks is empty: name at least one of health, vrpc, license, preflight'),
    (dict(healthy_statuses=[]), 'healthy_statuses is empty, so no service could be healthy: name the healthy '
                                'status values, for example [running]'),
    (dict(checks=['health'], healthy_statuses=[]), 'healthy_statuses is empty'),
])
def test_bad_options_are_config_errors_before_any_request(options, message):
    client = FakeClient()
    clock = FakeClock()
    with pytest.raises(ConnectwareError) as caught:
        HealthCheck(FakeTask(client, **options), clock=clock, sleep=clock.sleep)
    assert caught.value.kind == 'config'
    assert caught.value.message.startswith(message)
    assert caught.value.result is None
    assert client.calls == [] and client.logins == 0 and clock.sleeps == []


def test_the_module_entry_refuses_bad_options_before_any_request():
    client = FakeClient()
    with pytest.raises(ConnectwareError) as caught:
        run_health_check(FakeTask(client, wait_interval=0))
    assert caught.value.kind == 'config'
    assert client.calls == [] and client.logins == 0


def test_empty_healthy_statuses_is_fine_without_the_health_check():
    client = FakeClient(**{VRPC: [vrpc()]})
    result = run(client, checks=['vrpc'], healthy_statuses=[])
    assert result['healthy'] is True
    assert client.paths() == [VRPC]


def test_zero_wait_timeout_and_min_days_are_accepted():
    client = FakeClient(**{INFO: [info()]})
    result = run(client, checks=['license'], wait_timeout=0, license_min_days=0)
    assert result['healthy'] is True and result['attempts'] == 1


# -- one attempt -------------------------------------------------------------------------------------

def test_healthy_first_attempt_costs_one_request_per_endpoint():
    clock = FakeClock()
    client = FakeClient(**{HEALTH: [health(broker='running', postgresql='Running')], VRPC: [vrpc()], INFO: [info()]})
    result = run(client, clock=clock)
    assert result == dict(
        changed=False, healthy=True, failures=[], attempts=1, elapsed=0, version='1.7.2', url=BASE_URL,
        checks=result['checks'])
    assert sorted(client.calls) == [(HEALTH, None), (INFO, None), (VRPC, None)]
    assert client.logins == 1 and clock.sleeps == []
    assert list(result['checks']) == ['health', 'vrpc', 'license']
    for name, check in result['checks'].items():
        assert check['ok'] is True and check['failures'] == [], name
    assert result['checks']['health']['judged'] == ['broker', 'postgresql']
    assert result['checks']['license']['license']['id'] == 'lic-1'
    assert result['checks']['license']['min_days'] == 0


def test_checks_run_in_the_documented_order_whatever_order_was_given():
    client = FakeClient(**{HEALTH: [health(broker='exited')], VRPC: [vrpc(reachable=False)],
                           INFO: [info(valid=False)], PREFLIGHT: [preflight(dockerHub='ENOTFOUND')]})
    result = run(client, checks=['preflight', 'license', 'vrpc', 'health'], fail_on_unhealthy=False)
    assert list(result['checks']) == ['health', 'vrpc', 'license', 'preflight']
    assert result['failures'] == ["service broker is 'exited'", VRPC_DOWN_REASON, 'license lic-1 is invalid',
                                  'preflight dockerHub failed: ENOTFOUND']
    assert [check['ok'] for check in result['checks'].values()] == [False] * 4
    assert result['checks']['preflight']['failures'] == ['preflight dockerHub failed: ENOTFOUND']
    assert client.paths() == sorted([HEALTH, VRPC, INFO, PREFLIGHT])


def test_only_the_chosen_checks_are_requested():
    client = FakeClient(**{PREFLIGHT: [preflight()]})
    result = run(client, checks=['preflight'])
    assert result['healthy'] is True and list(result['checks']) == ['preflight']
    assert client.calls == [(PREFLIGHT, None)]
    assert 'version' not in result


def test_a_check_named_twice_is_requested_once():
    client = FakeClient(**{VRPC: [vrpc()]})
    result = run(client, checks=['vrpc', 'vrpc'])
    assert result['healthy'] is True and client.calls == [(VRPC, None)]


@pytest.mark.parametrize('options, answers, failures', [
    # healthy_statuses, services and ignore_services reach the health rule
    (dict(checks=['health'], healthy_statuses=['up']), {HEALTH: health(broker='running')},
     ["service broker is 'running'"]),
    (dict(checks=['health'], healthy_statuses=['Up', 'running']), {HEALTH: health(broker='UP')}, []),
    (dict(checks=['health'], services=['broker', 'auth-server']), {HEALTH: health(broker='running', x='exited')},
     ['service auth-server is not reported by Connectware']),
    (dict(checks=['health'], ignore_services=['workbench']), {HEALTH: health(broker='running', workbench='exited')},
     []),
    # healthy_agent_statuses reaches the vRPC rule
    (dict(checks=['vrpc']), {VRPC: vrpc(agent_status='starting')}, []),
    (dict(checks=['vrpc'], healthy_agent_statuses=['running']), {VRPC: vrpc(agent_status='starting')},
     ["vRPC agent protocol-mapper is 'starting'"]),
    # license_min_days reaches the license rule (an expiration that is no date fails any minimum above 0)
    (dict(checks=['license']), {INFO: info(expiration='soon')}, []),
    (dict(checks=['license'], license_min_days=3), {INFO: info(expiration='soon')},
     ["license lic-1 has an expiration Connectware reports as 'soon', which is not a date, so the minimum of 3 days "
      "cannot be checked"]),
    # preflight_required reaches the preflight rule
    (dict(checks=['preflight']), {PREFLIGHT: preflight(dockerHub='ENOTFOUND')}, ['preflight dockerHub failed: ENOTFOUND']),
    (dict(checks=['preflight'], preflight_required=['cybusPortal']), {PREFLIGHT: preflight(dockerHub='ENOTFOUND')}, []),
])
def test_options_reach_the_rules(options, answers, failures):
    client = FakeClient(**dict((path, [answer]) for path, answer in answers.items()))
    result = run(client, fail_on_unhealthy=False, **options)
    assert result['failures'] == failures
    assert result['healthy'] is (failures == [])
    assert result['attempts'] == 1


# -- the version -------------------------------------------------------------------------------------

@pytest.mark.parametrize('answer', [info(version=None), info(version=172), info(version=['1.7.2']), ['not', 'a', 'map'],
                                    None])
def test_version_only_when_info_answers_with_a_text(answer):
    client = FakeClient(**{INFO: [answer]})
    result = run(client, checks=['license'], fail_on_unhealthy=False)
    assert 'version' not in result


def test_no_version_when_info_fails():
    client = FakeClient(**{INFO: [ConnectwareError('boom', kind='http', status=500)]})
    result = run(client, checks=['license'], fail_on_unhealthy=False)
    assert 'version' not in result and result['healthy'] is False


def test_no_version_without_the_license_check():
    client = FakeClient(**{HEALTH: [health(broker='running')], VRPC: [vrpc()]})
    result = run(client, checks=['health', 'vrpc'])
    assert 'version' not in result and INFO not in client.paths()


def test_version_is_in_the_failure_result_too():
    client = FakeClient(**{INFO: [info(valid=False, version='1.8.0')]})
    error = run_failing(client, checks=['license'])
    assert error.result['version'] == '1.8.0'


# -- waiting -----------------------------------------------------------------------------------------

def test_waits_until_healthy():
    clock = FakeClock()
    client = FakeClient(clock=clock, cost=0.5, **{VRPC: [vrpc(reachable=False), vrpc(reachable=False), vrpc()]})
    result = run(client, clock=clock, checks=['vrpc'], wait_timeout=60, wait_interval=5)
    assert result['healthy'] is True and result['failures'] == []
    assert result['attempts'] == 3
    assert clock.sleeps == [5, 5]
    assert result['elapsed'] == 11.5  # three requests of 0.5 s and two sleeps of 5 s, by the fake clock
    assert client.calls == [(VRPC, None)] * 3 and client.logins == 3
    assert client.unused() == {}


def test_every_check_is_repeated_on_each_attempt_and_the_last_attempt_is_reported():
    clock = FakeClock()
    client = FakeClient(clock=clock, **{HEALTH: [health(broker='exited'), health(broker='running')],
                                        VRPC: [vrpc(), vrpc()]})
    result = run(client, clock=clock, checks=['health', 'vrpc'], wait_timeout=30, wait_interval=2)
    assert result['healthy'] is True and result['attempts'] == 2
    assert result['checks']['health']['ok'] is True and result['checks']['health']['unhealthy'] == []
    assert clock.sleeps == [2] and result['elapsed'] == 2
    assert client.paths() == [HEALTH, HEALTH, VRPC, VRPC]


def test_the_deadline_caps_the_last_sleep_and_ends_the_wait():
    # wait_timeout 12, interval 5, each attempt 0.5 s: attempts end at 0.5, 6, 11.5 (0.5 s left: the last sleep
    # is capped to it) and 12.5, which is past the deadline.
    clock = FakeClock()
    client = FakeClient(clock=clock, cost=0.5, **{VRPC: [vrpc(reachable=False)] * 4})
    result = run(client, clock=clock, checks=['vrpc'], wait_timeout=12, wait_interval=5, fail_on_unhealthy=False)
    assert result['healthy'] is False and result['failures'] == [VRPC_DOWN_REASON]
    assert result['attempts'] == 4
    assert clock.sleeps == [5, 5, 0.5]
    assert result['elapsed'] == 12.5
    assert client.unused() == {}


def test_a_deadline_reached_exactly_ends_the_wait_without_a_sleep_of_zero():
    clock = FakeClock()
    client = FakeClient(clock=clock, **{VRPC: [vrpc(reachable=False)] * 3})
    result = run(client, clock=clock, checks=['vrpc'], wait_timeout=10, wait_interval=5, fail_on_unhealthy=False)
    assert result['attempts'] == 3 and clock.sleeps == [5, 5] and result['elapsed'] == 10


def test_an_attempt_that_outlasts_the_deadline_is_the_last():
    clock = FakeClock()
    client = FakeClient(clock=clock, cost=30, **{VRPC: [vrpc(reachable=False)]})
    result = run(client, clock=clock, checks=['vrpc'], wait_timeout=10, wait_interval=1, fail_on_unhealthy=False)
    assert result['attempts'] == 1 and clock.sleeps == [] and result['elapsed'] == 30


def test_an_interval_longer_than_the_timeout_sleeps_only_the_time_left():
    clock = FakeClock()
    client = FakeClient(clock=clock, cost=1, **{VRPC: [vrpc(reachable=False), vrpc()]})
    result = run(client, clock=clock, checks=['vrpc'], wait_timeout=4, wait_interval=60)
    assert result['healthy'] is True and result['attempts'] == 2
    assert clock.sleeps == [3] and result['elapsed'] == 5


def test_without_wait_timeout_an_unhealthy_host_is_checked_once():
    clock = FakeClock()
    client = FakeClient(clock=clock, cost=0.25, **{VRPC: [vrpc(reachable=False)]})
    result = run(client, clock=clock, checks=['vrpc'], fail_on_unhealthy=False)
    assert result['attempts'] == 1 and clock.sleeps == [] and result['elapsed'] == 0.25
    assert result['healthy'] is False


def test_elapsed_is_rounded_to_milliseconds():
    clock = FakeClock()
    client = FakeClient(clock=clock, cost=0.123456, **{VRPC: [vrpc()]})
    assert run(client, clock=clock, checks=['vrpc'])['elapsed'] == 0.123


# -- API errors while checking -----------------------------------------------------------------------

@pytest.mark.parametrize('kind, status, cause', [
    ('auth', 401, 'token rejected (401)'),
    ('permission', 403, 'no permission for /api/system/health (403)'),
    ('tls', None, 'TLS handshake failed'),
    ('config', 400, 'configuration error'),
])
def test_permanent_errors_end_the_wait_at_once(kind, status, cause):
    clock = FakeClock()
    error = ConnectwareError('Connectware refused it (%s)' % kind, kind=kind, method='GET', path=HEALTH,
                             url=BASE_URL + HEALTH, status=status, attempts=1)
    client = FakeClient(clock=clock, cost=0.5, **{HEALTH: [error], VRPC: [vrpc()]})
    result = run(client, clock=clock, checks=['health', 'vrpc'], wait_timeout=60, wait_interval=5,
                 fail_on_unhealthy=False)
    assert result['attempts'] == 1 and clock.sleeps == []
    assert result['healthy'] is False
    assert result['failures'] == ['cannot check health: Connectware refused it (%s)' % kind]
    assert result['checks']['health'] == dict(ok=False, failures=result['failures'], api_error=error.to_result(),
                                              cause=cause)
    assert result['checks']['vrpc']['ok'] is True


def test_a_rejected_login_fails_every_check_once_without_requests():
    clock = FakeClock()
    error = ConnectwareError('login refused for user admin', kind='auth', method='POST', path='/api/login', status=401)
    client = FakeClient(clock=clock, login_error=error)
    failure = run_failing(client, clock=clock, wait_timeout=60)
    assert client.calls == [] and client.logins == 1 and clock.sleeps == []
    # Nothing could be judged: the failure is the login's, said once for every check.
    assert failure.kind == 'auth' and failure.status == 401
    assert failure.message == ('Cannot check Connectware at https://cw.example (waiting cannot mend this: gave up '
                               'after 1 attempt(s)): cannot check: login refused for user admin')
    assert failure.result['attempts'] == 1
    assert failure.result['failures'] == ['cannot check: login refused for user admin']
    for check in failure.result['checks'].values():
        assert check['api_error']['kind'] == 'auth' and check['api_error']['status'] == 401


@pytest.mark.parametrize('error', [
    ConnectwareError('HTTP 503', kind='http', status=503),
    ConnectwareError('HTTP 500', kind='http', status=500),
    ConnectwareError('timed out', kind='timeout'),
    ConnectwareError('connection refused', kind='connection'),
    ConnectwareError('not JSON', kind='invalid_response', status=200),
])
def test_transient_api_errors_count_as_unhealthy_attempts(error):
    clock = FakeClock()
    client = FakeClient(clock=clock, cost=0.5, **{VRPC: [error, error, vrpc()]})
    result = run(client, clock=clock, checks=['vrpc'], wait_timeout=60, wait_interval=5)
    assert result['healthy'] is True and result['attempts'] == 3
    assert clock.sleeps == [5, 5] and result['elapsed'] == 11.5


def test_a_transient_error_on_the_last_attempt_is_reported_with_its_api_error():
    clock = FakeClock()
    error = ConnectwareError('HTTP 503 from Connectware', kind='http', method='GET', path=VRPC, status=503, attempts=3)
    client = FakeClient(clock=clock, cost=1, **{VRPC: [vrpc(reachable=False), error]})
    result = run(client, clock=clock, checks=['vrpc'], wait_timeout=3, wait_interval=2, fail_on_unhealthy=False)
    assert result['attempts'] == 2 and clock.sleeps == [2]
    assert result['failures'] == ['cannot check vrpc: HTTP 503 from Connectware']
    assert result['checks']['vrpc']['api_error'] == error.to_result()


def test_an_unexpected_exception_of_the_client_is_an_unhealthy_check_not_a_crash():
    client = FakeClient(**{VRPC: [ValueError('surprise')]})
    result = run(client, checks=['vrpc'], fail_on_unhealthy=False)
    assert result['healthy'] is False
    assert result['checks']['vrpc']['api_error']['kind'] == 'invalid_response'
    assert result['failures'][0].startswith('cannot check vrpc: unexpected error while reading /api/system/vrpcHealth')


# -- the verdict -------------------------------------------------------------------------------------

def test_fail_on_unhealthy_raises_with_the_whole_result_and_no_wait_part_without_waiting():
    client = FakeClient(**{HEALTH: [health(broker='exited', postgresql='running')], VRPC: [vrpc(reachable=False)],
                           INFO: [info()]})
    error = run_failing(client)
    assert error.kind == 'unhealthy'
    assert error.message == ("Connectware at https://cw.example is unhealthy: service broker is 'exited'; "
                             + VRPC_DOWN_REASON)
    assert sorted(error.result) == ['attempts', 'changed', 'checks', 'elapsed', 'failures', 'healthy', 'url', 'version']
    assert error.result['url'] == BASE_URL
    assert error.result['changed'] is False and error.result['healthy'] is False
    assert error.result['failures'] == ["service broker is 'exited'", VRPC_DOWN_REASON]
    assert error.result['attempts'] == 1 and error.result['elapsed'] == 0
    assert error.result['checks']['license']['ok'] is True
    assert error.result['version'] == '1.7.2'


@pytest.mark.parametrize('wait_timeout, shown', [(12, '12'), (12.0, '12'), (11.75, '11.75')])
def test_fail_on_unhealthy_after_waiting_says_how_long(wait_timeout, shown):
    clock = FakeClock()
    client = FakeClient(clock=clock, cost=0.5, **{VRPC: [vrpc(reachable=False)] * 4})
    error = run_failing(client, clock=clock, checks=['vrpc'], wait_timeout=wait_timeout, wait_interval=5)
    attempts = error.result['attempts']
    assert attempts == 4
    assert error.message == ('Connectware at https://cw.example is unhealthy (still, after 4 attempt(s) in %.1fs of '
                             'wait_timeout=%ss): %s' % (error.result['elapsed'], shown, VRPC_DOWN_REASON))
    assert error.result['elapsed'] == wait_timeout + 0.5
    assert 'version' not in error.result


def test_fail_on_unhealthy_after_a_permanent_error_while_waiting():
    error = ConnectwareError('token rejected', kind='auth', status=401)
    client = FakeClient(**{VRPC: [error]})
    failure = run_failing(client, checks=['vrpc'], wait_timeout=60)
    assert failure.message == ('Cannot check Connectware at https://cw.example (waiting cannot mend this: gave up '
                               'after 1 attempt(s)): cannot check vrpc: token rejected')
    assert failure.kind == 'auth' and failure.status == 401
    assert failure.result['checks']['vrpc']['api_error']['kind'] == 'auth'


def test_a_license_problem_ends_the_wait_at_once_and_says_why():
    clock = FakeClock()
    client = FakeClient(clock=clock, cost=0.5, **{INFO: [info(valid=False)]})
    failure = run_failing(client, clock=clock, checks=['license'], wait_timeout=60, wait_interval=5)
    assert clock.sleeps == [] and failure.result['attempts'] == 1
    assert failure.kind == 'unhealthy'
    assert failure.message.startswith('Connectware at https://cw.example is unhealthy (waiting cannot mend this: gave '
                                      'up after 1 attempt(s)): license ')
    assert failure.result['checks']['license']['problem'] == 'invalid'


def test_a_lasting_problem_beside_a_passing_one_still_waits():
    clock = FakeClock()
    script = {INFO: [info(valid=False)] * 2, VRPC: [vrpc(reachable=False), vrpc()]}
    client = FakeClient(clock=clock, cost=0.5, **script)
    result = run(client, clock=clock, checks=['vrpc', 'license'], wait_timeout=60, wait_interval=5,
                 fail_on_unhealthy=False)
    # The vRPC problem may pass; once only the license is left, waiting stops.
    assert result['attempts'] == 2 and clock.sleeps == [5]
    assert [reason.startswith('license ') for reason in result['failures']] == [True]


def test_unhealthy_beside_a_failed_request_is_unhealthy():
    error = ConnectwareError('HTTP 503', kind='http', status=503)
    client = FakeClient(**{HEALTH: [health(broker='exited', postgresql='running')], VRPC: [error]})
    failure = run_failing(client, checks=['health', 'vrpc'])
    assert failure.kind == 'unhealthy'
    assert failure.message == ("Connectware at https://cw.example is unhealthy: service broker is 'exited'; "
                               'cannot check vrpc: HTTP 503')


def test_fail_on_unhealthy_false_returns_the_verdict():
    client = FakeClient(**{HEALTH: [health(broker='exited')], VRPC: [vrpc()], INFO: [info()]})
    result = run(client, fail_on_unhealthy=False)
    assert result['changed'] is False and result['healthy'] is False
    assert result['failures'] == ["service broker is 'exited'"]
    assert result['attempts'] == 1 and result['version'] == '1.7.2'
    assert result['checks']['health']['unhealthy'] == ['broker']


def test_a_healthy_host_never_fails_even_with_fail_on_unhealthy():
    client = FakeClient(**{VRPC: [vrpc()]})
    result = run(client, checks=['vrpc'], fail_on_unhealthy=True, wait_timeout=60)
    assert result['healthy'] is True and result['attempts'] == 1


def test_check_mode_changes_nothing_in_what_is_read():
    clock = FakeClock()
    client = FakeClient(**{VRPC: [vrpc()]})
    result = HealthCheck(FakeTask(client, check_mode=True, checks=['vrpc']), clock=clock, sleep=clock.sleep).run()
    assert result['changed'] is False and result['healthy'] is True
    assert client.calls == [(VRPC, None)]
