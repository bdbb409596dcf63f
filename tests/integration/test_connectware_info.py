# -*- coding: utf-8 -*-
# Copyright: (c) 2026, iiot.connectware contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""connectware_info through real ansible-playbook runs against simulated hosts.

Every scenario is a play on hosts of its own, and all of them run in one ansible-playbook run
(the ``scenarios`` fixture); each test reads its play back.
"""

import pytest

from harness import connection_vars, expected_days_left, run_playbook, scenario_play, scenario_playbook, write_inventory

SUBSET_PATHS = {
    'info': '/api/system/info',
    'preflight': '/api/system/preflight',
    'health': '/api/system/health',
    'vrpc_health': '/api/system/vrpcHealth',
    'metrics': '/api/system/metrics',
    'agents': '/api/system/agents',
    'marketplace_apps': '/api/marketplace/apps',
}
SUBSETS = list(SUBSET_PATHS)
SUBSET_HOSTS = ['subset-%s' % subset for subset in SUBSETS]
WRONG_TOKEN = 'not-a-valid-token-123'


def info_task(name='gather', **args):
    task_args = connection_vars()
    task_args.update(args)
    return {'name': name, 'iiot.connectware.connectware_info': task_args, 'register': 'gathered'}


def tls_tasks():
    base = {'url': '{{ connectware_url }}', 'token': '{{ connectware_token }}', 'gather_subset': ['info']}
    return [
        {'name': 'with ca_path', 'iiot.connectware.connectware_info': dict(base, ca_path='{{ connectware_ca_path }}')},
        {'name': 'without verification', 'iiot.connectware.connectware_info': dict(base, validate_certs=False)},
        {'name': 'default trust store', 'iiot.connectware.connectware_info': dict(base, retries=0),
         'ignore_errors': True},
        {'name': 'from environment', 'iiot.connectware.connectware_info': {'gather_subset': ['info']},
         'environment': {'CONNECTWARE_URL': '{{ connectware_url }}', 'CONNECTWARE_TOKEN': '{{ connectware_token }}',
                         'CONNECTWARE_CA_PATH': '{{ connectware_ca_path }}'}},
    ]


@pytest.fixture(scope='module')
def scenarios(host_pool, module_workdir):
    """All scenarios of this module in one run: (fleet, run)."""
    fleet = host_pool.fleet([{'name': name} for name in SUBSET_HOSTS] + [
        {'name': 'login-all', 'preset': 'license_expiring'},
        {'name': 'tls'},
        {'name': 'vrpc-503'},
        {'name': 'defaults-ok'},
        {'name': 'defaults-down', 'preset': 'service_down'},
        {'name': 'wrong-token'},
    ])
    fleet['vrpc-503'].set_fault('/api/system/vrpcHealth', status=503, retry_after=0)
    login = {'url': '{{ connectware_url }}', 'username': 'admin', 'password': 'admin',
             'ca_path': '{{ connectware_ca_path }}', 'gather_subset': ['all']}
    plays = [
        scenario_play('each subset alone', [
            {'name': 'pick', 'ansible.builtin.set_fact': {
                'subset': "{{ subsets[ansible_play_hosts_all.index(inventory_hostname)] }}"}},
            info_task(gather_subset=['{{ subset }}']),
        ], hosts=SUBSET_HOSTS, vars={'subsets': SUBSETS}),
        scenario_play('login-all', [{'name': 'gather', 'iiot.connectware.connectware_info': login}]),
        scenario_play('tls', tls_tasks()),
        scenario_play('vrpc-503', [dict(info_task(retries=1), ignore_errors=True)]),
        scenario_play('check mode and module defaults', [{
            'name': 'defaults block',
            'module_defaults': {'group/iiot.connectware.connectware': connection_vars()},
            'block': [{'name': 'gather', 'iiot.connectware.connectware_info': {'gather_subset': ['health']}}],
        }], hosts=['defaults-ok', 'defaults-down'], check=True),
        scenario_play('wrong-token', [dict(info_task(token=WRONG_TOKEN), ignore_errors=True)]),
    ]
    run = run_playbook(module_workdir, scenario_playbook(plays), write_inventory(module_workdir, fleet), forks=7)
    assert run.rc == 0, run
    return fleet, run


def test_each_subset_alone_makes_exactly_one_request(scenarios):
    fleet, run = scenarios
    run = run.play('each subset alone')
    for host in SUBSET_HOSTS:
        result = run.result('gather', host)
        subset = result['gathered_subsets'][0]
        assert result['gathered_subsets'] == [subset]
        assert result['changed'] is False
        assert subset in result and result[subset]
        others = set(SUBSETS) - {subset}
        assert not others & set(result), 'host %s returned more than %s' % (host, subset)
        assert ('license' in result) == (subset == 'info')
        log = fleet[host].request_log()
        assert [(entry['method'], entry['path']) for entry in log] == [('GET', SUBSET_PATHS[subset])]
        assert log[0]['auth'] == 'bearer'
    assert sorted(run.result('gather', host)['gathered_subsets'][0] for host in SUBSET_HOSTS) == sorted(SUBSETS)


def test_all_subsets_with_login_one_request_per_endpoint(scenarios):
    fleet, run = scenarios
    run = run.play('login-all')
    result = run.result('gather')
    assert run.task('gather')['status'] == 'ok'
    assert result['gathered_subsets'] == SUBSETS
    for subset in SUBSETS:
        assert subset in result
    # API data unchanged, camelCase as Connectware sends it.
    assert result['info']['license']['file']['connectwareLicenseClass'] == 'Production'
    assert result['vrpc_health']['VRPCInterServiceCommunication'][0]['providers']
    assert result['license']['days_left'] in expected_days_left(10, run) and result['license']['valid'] is True
    assert result['license']['id'] == 'lic-login-all'
    instance = fleet['login-all']
    paths = sorted(entry['path'] for entry in instance.request_log())
    assert paths == sorted(['/api/login'] + list(SUBSET_PATHS.values()))
    assert instance.count('POST', '/api/login') == 1


def test_tls_settings(scenarios):
    fleet, run = scenarios
    run = run.play('tls')
    assert run.task('with ca_path')['status'] == 'ok'
    assert run.task('without verification')['status'] == 'ok'
    assert run.task('from environment')['status'] == 'ok'
    failure = run.task('default trust store')
    assert failure['status'] == 'ignored'
    assert 'TLS handshake with %s failed' % fleet['tls'].url in failure['result']['msg']
    assert 'set ca_path' in failure['result']['msg']
    assert failure['result']['api_error']['kind'] == 'tls'


def test_failing_endpoint_fails_the_task_with_its_subset(scenarios):
    fleet, run = scenarios
    entry = run.play('vrpc-503').task('gather')
    assert entry['status'] == 'ignored'  # failed, and ignore_errors kept the run going
    message = entry['result']['msg']
    assert message.startswith('subset vrpc_health: Connectware at %s answered HTTP 503 for GET /api/system/vrpcHealth '
                              'after 2 attempt(s)' % fleet['vrpc-503'].url)
    assert 'info' not in entry['result'] and 'health' not in entry['result']
    assert fleet['vrpc-503'].count('GET', '/api/system/vrpcHealth') == 2


def test_check_mode_and_module_defaults(scenarios):
    _fleet, run = scenarios
    run = run.play('check mode and module defaults')
    statuses = dict((service['name'], service['status'])
                    for service in run.result('gather', 'defaults-down')['health']['system']['status'])
    assert statuses['broker'] == 'exited'
    assert run.task('gather', 'defaults-ok')['status'] == 'ok'
    assert run.task('gather', 'defaults-down')['status'] == 'ok'


def test_wrong_token_is_a_clear_401(scenarios):
    _fleet, run = scenarios
    entry = run.play('wrong-token').task('gather')
    assert entry['status'] == 'ignored'  # failed, and ignore_errors kept the run going
    assert 'rejected the API token (option token / CONNECTWARE_TOKEN)' in entry['result']['msg']
    assert WRONG_TOKEN not in run.output
