# -*- coding: utf-8 -*-
# Copyright: (c) 2026, iiot.connectware contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""connectware_health_check through real ansible-playbook runs against simulated hosts.

Every scenario is a play on simulated hosts of its own, and all of them run in one
ansible-playbook run (the ``scenarios`` fixture); each test reads its play back. Tasks meant
to fail carry ``ignore_errors`` so that the run goes on (their status is then 'ignored').
The waiting scenarios are count-based: the simulator answers unhealthy for a counted number
of requests, and the module's wait_interval is short.
"""

import pytest

from harness import (connection_vars, expected_days_left, failing, run_playbook, scenario_play, scenario_playbook,
                     write_inventory)

HEALTH_PATHS = {'/api/system/health', '/api/system/vrpcHealth', '/api/system/info'}
ALL_CHECKS = ['health', 'vrpc', 'license', 'preflight']
# test_each_kind_of_failure_is_reported_with_its_reason: a host per preset.
FAILURE_HOSTS = {
    'fail-service-down': 'service_down',
    'fail-vrpc-unreachable': 'vrpc_unreachable',
    'fail-license-expiring': 'license_expiring',
    'fail-registry-unreachable': 'registry_unreachable',
    'fail-license-expired': 'license_expired',
    'fail-license-invalid': 'license_invalid',
}
BAD_OPTIONS = [
    ('negative wait', {'wait_timeout': -1}),
    ('zero interval', {'wait_interval': 0}),
    ('unknown check', {'checks': ['health', 'disk']}),
    ('no checks', {'checks': []}),
    ('no healthy status', {'healthy_statuses': []}),
    ('unknown probe', {'checks': ['preflight'], 'preflight_required': ['github']}),
    ('not a number', {'license_min_days': 'lots'}),
]
WRONG_TOKEN = 'wrong-token-abcdef'


def check_task(name='check', **args):
    task_args = connection_vars()
    task_args.update(args)
    return {'name': name, 'iiot.connectware.connectware_health_check': task_args, 'register': 'verdict'}


def unhealthy_health_answer(instance):
    """/api/system/health as the host answers it while its broker container is down."""
    services = [dict(service, status='exited' if service['name'] == 'broker' else service['status'])
                for service in instance.state['services']]
    return {'system': {'status': services}}


@pytest.fixture(scope='module')
def scenarios(host_pool, module_workdir):
    """All scenarios of this module in one run: (fleet, run)."""
    fleet = host_pool.fleet([{'name': 'healthy'}] + [
        {'name': name, 'preset': preset} for name, preset in FAILURE_HOSTS.items()] + [
        {'name': 'relaxed', 'preset': ['service_down', 'registry_unreachable']},
        {'name': 'becomes-healthy'},
        {'name': 'never-healthy', 'preset': 'vrpc_unreachable'},
        {'name': 'transient-errors'},
        {'name': 'api-error'},
        {'name': 'bad-token'},
        {'name': 'bad-options'},
    ])
    # Count-based, not timed: the first two health answers show the broker down, then it runs.
    fleet['becomes-healthy'].set_fault('/api/system/health', status=200,
                                       body=unhealthy_health_answer(fleet['becomes-healthy']), count=2)
    fleet['transient-errors'].set_fault('/api/system/health', status=503, count=2)
    fleet['api-error'].set_fault('/api/system/vrpcHealth', status=503)
    plays = [
        scenario_play('healthy', [check_task(checks=ALL_CHECKS, license_min_days=30)], check=True),
        scenario_play('each kind of failure', [failing(check_task(checks=ALL_CHECKS, license_min_days=14))],
                      hosts=list(FAILURE_HOSTS)),
        scenario_play('relaxed', [
            check_task('ignored broker', ignore_services=['broker']),
            check_task('required services', services=['auth-server', 'postgresql']),
            check_task('exited counts', healthy_statuses=['Running', 'EXITED']),
            check_task('air-gapped', checks=['preflight'], preflight_required=['cybusPortal']),
            check_task('report only', fail_on_unhealthy=False),
        ]),
        scenario_play('becomes-healthy', [check_task(wait_timeout=120, wait_interval=0.1)]),
        scenario_play('never-healthy', [failing(check_task(wait_timeout=1, wait_interval=0.1))]),
        scenario_play('transient-errors', [check_task(retries=0, wait_timeout=20, wait_interval=0.2)]),
        scenario_play('api-error', [failing(check_task(retries=0))]),
        scenario_play('bad-token', [failing(check_task(token=WRONG_TOKEN, wait_timeout=60))]),
        scenario_play('bad-options', [failing(check_task(name, **args)) for name, args in BAD_OPTIONS]),
    ]
    run = run_playbook(module_workdir, scenario_playbook(plays), write_inventory(module_workdir, fleet),
                       forks=len(FAILURE_HOSTS))
    assert run.rc == 0, run
    return fleet, run


def test_healthy_host_passes_with_one_request_per_endpoint(scenarios):
    fleet, run = scenarios
    run = run.play('healthy')
    result = run.result('check')
    assert result['healthy'] is True and result['failures'] == [] and result['changed'] is False
    assert result['attempts'] == 1
    assert set(result['checks']) == {'health', 'vrpc', 'license', 'preflight'}
    assert all(check['ok'] for check in result['checks'].values())
    assert result['checks']['license']['license']['days_left'] in expected_days_left(365, run)
    assert result['version'] == '1.7.2'
    paths = sorted(entry['path'] for entry in fleet['healthy'].request_log())
    assert paths == sorted(HEALTH_PATHS | {'/api/system/preflight'})


def test_each_kind_of_failure_is_reported_with_its_reason(scenarios):
    fleet, run = scenarios
    run = run.play('each kind of failure')

    def days_left(host, days):
        """What the module counted for a license the simulator made to expire in ``days`` days."""
        reported = run.result('check', host)['checks']['license']['license']['days_left']
        assert reported in expected_days_left(days, run), host
        return reported

    expected = {
        'fail-service-down': ["service broker is 'exited'"],
        'fail-vrpc-unreachable': ['vRPC provider service-manager of agent protocol-mapper unreachable '
                                  '(affects: Service deployment)'],
        # The simulator names a host's license lic-<host>.
        'fail-license-expiring': ['license lic-fail-license-expiring expires in %d days (minimum 14)'
                                  % days_left('fail-license-expiring', 10)],
        'fail-registry-unreachable': ['preflight dockerHub failed: connect ETIMEDOUT',
                                      'preflight cybusRegistry failed: getaddrinfo ENOTFOUND registry.cybus.io'],
        'fail-license-expired': ['license lic-fail-license-expired expired on %s, %d days ago' % (
            fleet['fail-license-expired'].state['license']['file']['expiration'],
            -days_left('fail-license-expired', -5))],
        'fail-license-invalid': ['license lic-fail-license-invalid is invalid'],
    }
    assert set(expected) == set(FAILURE_HOSTS)
    for host, failures in expected.items():
        entry = run.task('check', host)
        assert entry['status'] == 'ignored', host
        assert entry['result']['healthy'] is False
        assert entry['result']['failures'] == failures, host
        assert entry['result']['msg'] == 'Connectware at %s is unhealthy: %s' % (fleet[host].url, '; '.join(failures))


def test_options_relax_the_verdict(scenarios):
    _fleet, run = scenarios
    run = run.play('relaxed')
    for name in ('ignored broker', 'required services', 'exited counts', 'air-gapped'):
        assert run.task(name)['status'] == 'ok', name
        assert run.result(name)['healthy'] is True, name
    assert run.task('report only')['status'] == 'ok'
    report = run.result('report only')
    assert report['healthy'] is False and report['failures'] == ["service broker is 'exited'"]


def test_host_that_becomes_healthy_while_waiting(scenarios):
    # Count-based, not timed: the first two health answers show the broker down, then it runs.
    fleet, run = scenarios
    instance = fleet['becomes-healthy']
    run = run.play('becomes-healthy')
    assert run.task('check')['status'] == 'ok'
    result = run.result('check')
    assert result['healthy'] is True and result['failures'] == []
    assert result['attempts'] == 3
    # One request per endpoint per attempt.
    for path in HEALTH_PATHS:
        assert instance.count('GET', path) == 3


def test_host_that_never_becomes_healthy_fails_after_the_timeout(scenarios):
    fleet, run = scenarios
    entry = run.play('never-healthy').task('check')
    assert entry['status'] == 'ignored'  # failed, and ignore_errors kept the run going
    result = entry['result']
    assert result['healthy'] is False
    # How many attempts fit in the second depends on the machine's load, so only the count is checked
    # against the server's; waiting through several attempts is shown count-based (becomes-healthy).
    assert result['attempts'] >= 1
    assert fleet['never-healthy'].count('GET', '/api/system/vrpcHealth') == result['attempts']
    # A generous ceiling only: wait_timeout=1 plus one attempt's timeout, many times over.
    assert result['elapsed'] < 60
    assert result['msg'].startswith('Connectware at %s is unhealthy (still, after %d attempt(s) in '
                                    % (fleet['never-healthy'].url, result['attempts']))
    assert 'of wait_timeout=1s): vRPC provider service-manager of agent protocol-mapper unreachable' in result['msg']


def test_transient_api_errors_count_as_unhealthy_attempts(scenarios):
    _fleet, run = scenarios
    run = run.play('transient-errors')
    assert run.task('check')['status'] == 'ok'
    assert run.result('check')['attempts'] == 3
    assert run.result('check')['healthy'] is True


def test_api_error_without_waiting_is_a_clear_failure(scenarios):
    fleet, run = scenarios
    entry = run.play('api-error').task('check')
    assert entry['status'] == 'ignored'  # failed, and ignore_errors kept the run going
    result = entry['result']
    assert result['healthy'] is False
    assert result['failures'] == ['cannot check vrpc: Connectware at %s answered HTTP 503 for GET /api/system/vrpcHealth after '
                                  '1 attempt(s): Simulated HTTP 503' % fleet['api-error'].url]
    assert result['checks']['vrpc']['api_error']['status'] == 503
    assert result['checks']['health']['ok'] is True


def test_bad_token_ends_the_wait_at_once(scenarios):
    fleet, whole_run = scenarios
    entry = whole_run.play('bad-token').task('check')
    assert entry['status'] == 'ignored'  # failed, and ignore_errors kept the run going
    result = entry['result']
    assert result['attempts'] == 1
    # No check could judge the host: the task says it cannot check, and why, not that the host is unhealthy.
    assert result['msg'].startswith('Cannot check Connectware at %s (waiting cannot mend this: gave up after 1 '
                                    'attempt(s)): ' % fleet['bad-token'].url)
    assert 'rejected the API token' in result['msg'] and 'unhealthy' not in result['msg']
    assert result['api_error']['kind'] == 'auth' and result['api_error']['status'] == 401
    assert WRONG_TOKEN not in whole_run.output  # anywhere in the run


def test_bad_options_send_nothing(scenarios):
    fleet, whole_run = scenarios
    run = whole_run.play('bad-options')
    for name, _args in BAD_OPTIONS:
        assert run.task(name)['status'] == 'ignored', name  # failed, and ignore_errors kept the run going
    assert run.result('negative wait')['msg'] == 'wait_timeout must be 0 or more (got -1.0)'
    assert run.result('zero interval')['msg'] == 'wait_interval must be greater than 0 (got 0.0)'
    assert run.result('unknown check')['msg'].startswith('value of checks must be one or more of: health, vrpc, license, '
                                                         'preflight. Got no match for: disk')
    assert run.result('no checks')['msg'].startswith('checks is empty')
    assert run.result('no healthy status')['msg'].startswith('healthy_statuses is empty')
    assert 'Got no match for: github' in run.result('unknown probe')['msg']
    assert "license_min_days" in run.result('not a number')['msg']
    assert fleet['bad-options'].request_log() == []
    assert 'Traceback' not in whole_run.output  # anywhere in the run
