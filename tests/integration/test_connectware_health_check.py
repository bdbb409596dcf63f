# -*- coding: utf-8 -*-
# Copyright: (c) 2026, iiot.connectware contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""connectware_health_check through real ansible-playbook runs against simulated hosts."""

from harness import connection_vars, expected_days_left, play, run_playbook, write_inventory

HEALTH_PATHS = {'/api/system/health', '/api/system/vrpcHealth', '/api/system/info'}


def check_task(name='check', **args):
    task_args = connection_vars()
    task_args.update(args)
    return {'name': name, 'iiot.connectware.connectware_health_check': task_args, 'register': 'verdict'}


def test_healthy_host_passes_with_one_request_per_endpoint(make_fleet, workdir):
    fleet = make_fleet([{}])
    run = run_playbook(workdir, play([check_task(checks=['health', 'vrpc', 'license', 'preflight'],
                                                 license_min_days=30)]), write_inventory(workdir, fleet), check=True)
    assert run.rc == 0, run
    result = run.result('check')
    assert result['healthy'] is True and result['failures'] == [] and result['changed'] is False
    assert result['attempts'] == 1
    assert set(result['checks']) == {'health', 'vrpc', 'license', 'preflight'}
    assert all(check['ok'] for check in result['checks'].values())
    assert result['checks']['license']['license']['days_left'] in expected_days_left(365, run)
    assert result['version'] == '1.7.2'
    paths = sorted(entry['path'] for entry in fleet['cw-001'].request_log())
    assert paths == sorted(HEALTH_PATHS | {'/api/system/preflight'})


def test_each_kind_of_failure_is_reported_with_its_reason(make_fleet, workdir):
    fleet = make_fleet([{'preset': 'service_down'}, {'preset': 'vrpc_unreachable'}, {'preset': 'license_expiring'},
                        {'preset': 'registry_unreachable'}, {'preset': 'license_expired'}, {'preset': 'license_invalid'}])
    run = run_playbook(workdir, play([dict(check_task(checks=['health', 'vrpc', 'license', 'preflight'],
                                                      license_min_days=14), ignore_errors=True)]),
                       write_inventory(workdir, fleet), forks=6)

    def days_left(host, days):
        """What the module counted for a license the simulator made to expire in ``days`` days."""
        reported = run.result('check', host)['checks']['license']['license']['days_left']
        assert reported in expected_days_left(days, run), host
        return reported

    expected = {
        'cw-001': ["service broker is 'exited'"],
        'cw-002': ['vRPC provider service-manager of agent protocol-mapper unreachable (affects: Service deployment)'],
        'cw-003': ['license lic-cw-003 expires in %d days (minimum 14)' % days_left('cw-003', 10)],
        'cw-004': ['preflight dockerHub failed: connect ETIMEDOUT',
                   'preflight cybusRegistry failed: getaddrinfo ENOTFOUND registry.cybus.io'],
        'cw-005': ['license lic-cw-005 expired on %s, %d days ago' % (
            fleet['cw-005'].state['license']['file']['expiration'], -days_left('cw-005', -5))],
        'cw-006': ['license lic-cw-006 is invalid'],
    }
    for host, failures in expected.items():
        entry = run.task('check', host)
        assert entry['status'] == 'ignored', host
        assert entry['result']['healthy'] is False
        assert entry['result']['failures'] == failures, host
        assert entry['result']['msg'] == 'Connectware at %s is unhealthy: %s' % (fleet[host].url, '; '.join(failures))


def test_options_relax_the_verdict(make_fleet, workdir):
    fleet = make_fleet([{'preset': ['service_down', 'registry_unreachable']}])
    run = run_playbook(workdir, play([
        check_task('ignored broker', ignore_services=['broker']),
        check_task('required services', services=['auth-server', 'postgresql']),
        check_task('exited counts', healthy_statuses=['Running', 'EXITED']),
        check_task('air-gapped', checks=['preflight'], preflight_required=['cybusPortal']),
        check_task('report only', fail_on_unhealthy=False),
    ]), write_inventory(workdir, fleet))
    assert run.rc == 0, run
    for name in ('ignored broker', 'required services', 'exited counts', 'air-gapped'):
        assert run.result(name)['healthy'] is True, name
    report = run.result('report only')
    assert report['healthy'] is False and report['failures'] == ["service broker is 'exited'"]


def unhealthy_health_answer(instance):
    """/api/system/health as the host answers it while its broker container is down."""
    services = [dict(service, status='exited' if service['name'] == 'broker' else service['status'])
                for service in instance.state['services']]
    return {'system': {'status': services}}


def test_host_that_becomes_healthy_while_waiting(make_fleet, workdir):
    # Count-based, not timed: the first two health answers show the broker down, then it runs.
    fleet = make_fleet([{}])
    instance = fleet['cw-001']
    instance.set_fault('/api/system/health', status=200, body=unhealthy_health_answer(instance), count=2)
    run = run_playbook(workdir, play([check_task(wait_timeout=120, wait_interval=0.1)]), write_inventory(workdir, fleet))
    assert run.rc == 0, run
    result = run.result('check')
    assert result['healthy'] is True and result['failures'] == []
    assert result['attempts'] == 3
    # One request per endpoint per attempt.
    for path in HEALTH_PATHS:
        assert instance.count('GET', path) == 3


def test_host_that_never_becomes_healthy_fails_after_the_timeout(make_fleet, workdir):
    fleet = make_fleet([{'preset': 'vrpc_unreachable'}])
    run = run_playbook(workdir, play([check_task(wait_timeout=1, wait_interval=0.1)]), write_inventory(workdir, fleet))
    entry = run.task('check')
    assert entry['status'] == 'failed'
    result = entry['result']
    assert result['healthy'] is False
    # How many attempts fit in the second depends on the machine's load; at least two ran.
    assert result['attempts'] >= 2
    assert fleet['cw-001'].count('GET', '/api/system/vrpcHealth') == result['attempts']
    # A generous ceiling only: wait_timeout=1 plus one attempt's timeout, many times over.
    assert result['elapsed'] < 60
    assert result['msg'].startswith('Connectware at %s is unhealthy (still, after %d attempt(s) in '
                                    % (fleet['cw-001'].url, result['attempts']))
    assert 'of wait_timeout=1s): vRPC provider service-manager of agent protocol-mapper unreachable' in result['msg']


def test_transient_api_errors_count_as_unhealthy_attempts(make_fleet, workdir):
    fleet = make_fleet([{}])
    fleet['cw-001'].set_fault('/api/system/health', status=503, count=2)
    run = run_playbook(workdir, play([check_task(retries=0, wait_timeout=20, wait_interval=0.2)]),
                       write_inventory(workdir, fleet))
    assert run.rc == 0, run
    assert run.result('check')['attempts'] == 3
    assert run.result('check')['healthy'] is True


def test_api_error_without_waiting_is_a_clear_failure(make_fleet, workdir):
    fleet = make_fleet([{}])
    fleet['cw-001'].set_fault('/api/system/vrpcHealth', status=503)
    run = run_playbook(workdir, play([check_task(retries=0)]), write_inventory(workdir, fleet))
    result = run.task('check')['result']
    assert result['healthy'] is False
    assert result['failures'] == ['cannot check vrpc: Connectware at %s answered HTTP 503 for GET /api/system/vrpcHealth after '
                                  '1 attempt(s): Simulated HTTP 503' % fleet['cw-001'].url]
    assert result['checks']['vrpc']['api_error']['status'] == 503
    assert result['checks']['health']['ok'] is True


def test_bad_token_ends_the_wait_at_once(make_fleet, workdir):
    fleet = make_fleet([{}])
    run = run_playbook(workdir, play([check_task(token='wrong-token-abcdef', wait_timeout=60)]),
                       write_inventory(workdir, fleet))
    result = run.task('check')['result']
    assert result['attempts'] == 1
    # No check could judge the host: the task says it cannot check, and why, not that the host is unhealthy.
    assert result['msg'].startswith('Cannot check Connectware at %s (waiting cannot mend this: gave up after 1 '
                                    'attempt(s)): ' % fleet['cw-001'].url)
    assert 'rejected the API token' in result['msg'] and 'unhealthy' not in result['msg']
    assert result['api_error']['kind'] == 'auth' and result['api_error']['status'] == 401
    assert 'wrong-token-abcdef' not in run.output


def test_bad_options_send_nothing(make_fleet, workdir):
    fleet = make_fleet([{}])
    run = run_playbook(workdir, play([
        dict(check_task('negative wait', wait_timeout=-1), ignore_errors=True),
        dict(check_task('zero interval', wait_interval=0), ignore_errors=True),
        dict(check_task('unknown check', checks=['health', 'disk']), ignore_errors=True),
        dict(check_task('no checks', checks=[]), ignore_errors=True),
        dict(check_task('no healthy status', healthy_statuses=[]), ignore_errors=True),
        dict(check_task('unknown probe', checks=['preflight'], preflight_required=['github']), ignore_errors=True),
        dict(check_task('not a number', license_min_days='lots'), ignore_errors=True),
    ]), write_inventory(workdir, fleet))
    assert run.result('negative wait')['msg'] == 'wait_timeout must be 0 or more (got -1.0)'
    assert run.result('zero interval')['msg'] == 'wait_interval must be greater than 0 (got 0.0)'
    assert run.result('unknown check')['msg'].startswith('value of checks must be one or more of: health, vrpc, license, '
                                                         'preflight. Got no match for: disk')
    assert run.result('no checks')['msg'].startswith('checks is empty')
    assert run.result('no healthy status')['msg'].startswith('healthy_statuses is empty')
    assert 'Got no match for: github' in run.result('unknown probe')['msg']
    assert "license_min_days" in run.result('not a number')['msg']
    assert fleet['cw-001'].request_log() == []
    assert 'Traceback' not in run.output
