# -*- coding: utf-8 -*-
# Copyright: (c) 2026, iiot.connectware contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""connectware_info through real ansible-playbook runs against simulated hosts."""

from harness import connection_vars, play, run_playbook, write_inventory

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


def info_task(name='gather', **args):
    task_args = connection_vars()
    task_args.update(args)
    return {'name': name, 'iiot.connectware.connectware_info': task_args, 'register': 'gathered'}


def test_each_subset_alone_makes_exactly_one_request(make_fleet, workdir):
    fleet = make_fleet([{}] * len(SUBSETS))
    hosts = sorted(instance.name for instance in fleet)
    run = run_playbook(workdir, play(
        [
            {'name': 'pick', 'ansible.builtin.set_fact': {'subset': "{{ subsets[ansible_play_hosts_all.index(inventory_hostname)] }}"}},
            info_task(gather_subset=['{{ subset }}']),
        ], vars={'subsets': SUBSETS}), write_inventory(workdir, fleet), forks=7)
    assert run.rc == 0, run
    for host in hosts:
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
    assert sorted(run.result('gather', host)['gathered_subsets'][0] for host in hosts) == sorted(SUBSETS)


def test_all_subsets_with_login_one_request_per_endpoint(make_fleet, workdir):
    fleet = make_fleet([{'preset': 'license_expiring'}])
    args = {'url': '{{ connectware_url }}', 'username': 'admin', 'password': 'admin',
            'ca_path': '{{ connectware_ca_path }}', 'gather_subset': ['all']}
    run = run_playbook(workdir, play([{'name': 'gather', 'iiot.connectware.connectware_info': args}]),
                       write_inventory(workdir, fleet))
    assert run.rc == 0, run
    result = run.result('gather')
    assert result['gathered_subsets'] == SUBSETS
    for subset in SUBSETS:
        assert subset in result
    # API data unchanged, camelCase as Connectware sends it.
    assert result['info']['license']['file']['connectwareLicenseClass'] == 'Production'
    assert result['vrpc_health']['VRPCInterServiceCommunication'][0]['providers']
    assert result['license']['days_left'] == 10 and result['license']['valid'] is True
    assert result['license']['id'] == 'lic-cw-001'
    instance = fleet['cw-001']
    paths = sorted(entry['path'] for entry in instance.request_log())
    assert paths == sorted(['/api/login'] + list(SUBSET_PATHS.values()))
    assert instance.count('POST', '/api/login') == 1


def test_tls_settings(make_fleet, workdir):
    fleet = make_fleet([{}])
    base = {'url': '{{ connectware_url }}', 'token': '{{ connectware_token }}', 'gather_subset': ['info']}
    tasks = [
        {'name': 'with ca_path', 'iiot.connectware.connectware_info': dict(base, ca_path='{{ connectware_ca_path }}')},
        {'name': 'without verification', 'iiot.connectware.connectware_info': dict(base, validate_certs=False)},
        {'name': 'default trust store', 'iiot.connectware.connectware_info': dict(base, retries=0),
         'ignore_errors': True},
        {'name': 'from environment', 'iiot.connectware.connectware_info': {'gather_subset': ['info']},
         'environment': {'CONNECTWARE_URL': '{{ connectware_url }}', 'CONNECTWARE_TOKEN': '{{ connectware_token }}',
                         'CONNECTWARE_CA_PATH': '{{ connectware_ca_path }}'}},
    ]
    run = run_playbook(workdir, play(tasks), write_inventory(workdir, fleet))
    assert run.rc == 0, run
    assert run.task('with ca_path')['status'] == 'ok'
    assert run.task('without verification')['status'] == 'ok'
    assert run.task('from environment')['status'] == 'ok'
    failure = run.task('default trust store')
    assert failure['status'] == 'ignored'
    assert 'TLS handshake with %s failed' % fleet['cw-001'].url in failure['result']['msg']
    assert 'set ca_path' in failure['result']['msg']
    assert failure['result']['api_error']['kind'] == 'tls'


def test_failing_endpoint_fails_the_task_with_its_subset(make_fleet, workdir):
    fleet = make_fleet([{}])
    fleet['cw-001'].set_fault('/api/system/vrpcHealth', status=503, retry_after=0)
    run = run_playbook(workdir, play([info_task(retries=1)]), write_inventory(workdir, fleet))
    assert run.rc != 0
    entry = run.task('gather')
    assert entry['status'] == 'failed'
    message = entry['result']['msg']
    assert message.startswith('subset vrpc_health: Connectware at %s answered HTTP 503 for GET /api/system/vrpcHealth '
                              'after 2 attempt(s)' % fleet['cw-001'].url)
    assert 'info' not in entry['result'] and 'health' not in entry['result']
    assert fleet['cw-001'].count('GET', '/api/system/vrpcHealth') == 2


def test_check_mode_and_module_defaults(make_fleet, workdir):
    fleet = make_fleet([{}, {'preset': 'service_down'}])
    tasks = [{
        'name': 'defaults block',
        'module_defaults': {'group/iiot.connectware.connectware': connection_vars()},
        'block': [{'name': 'gather', 'iiot.connectware.connectware_info': {'gather_subset': ['health']}}],
    }]
    run = run_playbook(workdir, play(tasks), write_inventory(workdir, fleet), check=True)
    assert run.rc == 0, run
    statuses = dict((service['name'], service['status'])
                    for service in run.result('gather', 'cw-002')['health']['system']['status'])
    assert statuses['broker'] == 'exited'
    assert run.task('gather', 'cw-001')['status'] == 'ok'


def test_wrong_token_is_a_clear_401(make_fleet, workdir):
    fleet = make_fleet([{}])
    run = run_playbook(workdir, play([info_task(token='not-a-valid-token-123')]), write_inventory(workdir, fleet))
    entry = run.task('gather')
    assert entry['status'] == 'failed'
    assert 'rejected the API token (option token / CONNECTWARE_TOKEN)' in entry['result']['msg']
    assert 'not-a-valid-token-123' not in run.output
