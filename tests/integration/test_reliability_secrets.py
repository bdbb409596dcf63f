# -*- coding: utf-8 -*-
# Copyright: (c) 2026, iiot.connectware contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Sentinel secrets through every module and the role, at -vvvv, in check and diff mode, success and failure.

They must appear nowhere: not in stdout or stderr, not in returned values or diffs, not in the
simulator's access log or request log (query strings included). The suite runs on both execution
paths: in the controller's worker process (the default for the local connection), where the
masking is the collection's own, and as a module (CONNECTWARE_EXECUTION=module), where
AnsibleModule masks. One run per path; in it, one host runs normally and one in check and diff mode.
"""

import json

import pytest

from connectware_sim import make_license_jwt
from connectware_sim.state import COMMISSIONING_FILE
from harness import assert_no_secrets, run_playbook, scenario_play, scenario_playbook, write_inventory

TOKEN = 'SENTINEL-TOKEN-5b0e6c1f2a9d4e7b8c3f'
WRONG_TOKEN = 'SENTINEL-WRONG-TOKEN-a1b2c3d4e5f6'
PASSWORD = 'SENTINEL-PASSWORD-9d8c7b6a5f4e'
OPAQUE_LICENSE = 'SENTINEL-OPAQUE-LICENSE-0f1e2d3c4b5a'
LICENSE = make_license_jwt('lic-sentinel', expiration='2099-06-30')
SHORT_LICENSE = make_license_jwt('lic-sentinel-short', expiration='2026-01-01')
SERVICE_PASSWORD = 'SENTINEL-OPCUA-PASSWORD-6a7b8c9d0e1f'
SERVICE_TOKEN = 'SENTINEL-SERVICE-TOKEN-2c3d4e5f6a7b'
BAD_COMMISSIONING_FILE = COMMISSIONING_FILE.replace('type: Cybus::Connection', 'type: Foo::Bar')
PATHS = {'in-process': {}, 'module': {'CONNECTWARE_EXECUTION': 'module'}}

# Secrets reach the play as variables from a vars file, as vault variables would: Ansible shows the
# playbook's source around a failing task, so a literal in the playbook would be shown by Ansible itself.
SECRET_VARS = {'sentinel_token': TOKEN, 'sentinel_wrong_token': WRONG_TOKEN, 'sentinel_password': PASSWORD,
               'sentinel_opaque_license': OPAQUE_LICENSE, 'sentinel_license': LICENSE,
               'sentinel_short_license': SHORT_LICENSE, 'sentinel_not_a_license': 'SENTINEL-NOT-A-LICENSE-3e4f5a6b',
               'sentinel_service_password': SERVICE_PASSWORD, 'sentinel_service_token': SERVICE_TOKEN}
# Service parameters whose names say they are secret: shown masked in the diff, never in clear.
SERVICE_PARAMETERS = {'opcuaHost': 'opcua.example', 'opcuaPassword': '{{ sentinel_service_password }}',
                      'apiToken': '{{ sentinel_service_token }}'}
TOKEN_AUTH = {'url': '{{ connectware_url }}', 'token': '{{ sentinel_token }}', 'ca_path': '{{ connectware_ca_path }}'}
LOGIN_AUTH = {'url': '{{ connectware_url }}', 'username': 'ops', 'password': '{{ sentinel_password }}',
              'ca_path': '{{ connectware_ca_path }}'}


def tasks_for(label, auth):
    def task(task_name, module, **args):
        merged = dict(auth)
        merged.update(args)
        return {'name': '%s %s' % (label, task_name), 'iiot.connectware.' + module: merged, 'ignore_errors': True}

    return [
        task('info ok', 'connectware_info', gather_subset=['all', '!agents']),
        task('info failing', 'connectware_info', gather_subset=['agents']),
        task('license too short', 'connectware_license', content='{{ sentinel_short_license }}', min_days_left=30),
        task('license opaque', 'connectware_license', content='{{ sentinel_opaque_license }}'),
        task('license upload', 'connectware_license', content='{{ sentinel_license }}', min_days_left=10),
        task('license unchanged', 'connectware_license', content='{{ sentinel_license }}'),
        task('license rejected', 'connectware_license', content='{{ sentinel_not_a_license }}'),
        task('license refresh failing', 'connectware_license', state='refreshed'),
        task('health ok', 'connectware_health_check', checks=['health', 'vrpc', 'license']),
        task('health failing', 'connectware_health_check', services=['no-such-service']),
        task('service ok', 'connectware_service', service_id='%s-service' % label, content=COMMISSIONING_FILE,
             parameters=SERVICE_PARAMETERS, wait_interval=0.05),
        task('service unchanged', 'connectware_service', service_id='%s-service' % label, content=COMMISSIONING_FILE,
             parameters=SERVICE_PARAMETERS, wait_interval=0.05),
        task('service failing', 'connectware_service', service_id='%s-bad' % label, content=BAD_COMMISSIONING_FILE,
             parameters=SERVICE_PARAMETERS),
        task('app ok', 'connectware_marketplace_app', name='OPC UA to MQTT', dest='{{ app_dir }}/app.yml'),
        task('app failing', 'connectware_marketplace_app', name='No Such App'),
        {
            'name': '%s gate' % label,
            'block': [
                {'name': '%s gate open' % label,
                 'ansible.builtin.include_role': {'name': 'iiot.connectware.deployment_gate'},
                 'vars': {'deployment_gate_checks': ['health', 'vrpc'], 'deployment_gate_report_dir': '{{ report_dir }}'}},
                {'name': '%s gate closed' % label,
                 'ansible.builtin.include_role': {'name': 'iiot.connectware.deployment_gate'},
                 'vars': {'deployment_gate_services': ['no-such-service']}},
            ],
            'rescue': [{'name': '%s gate closed as expected' % label, 'ansible.builtin.debug': {'msg': 'closed'}}],
            'module_defaults': {'group/iiot.connectware.connectware': auth},
        },
    ]


SCENARIO = {'preset': 'offline',  # refresh fails: a failure path for state=refreshed
            'service_settle_polls': 1,
            'tokens': {TOKEN: 'admin'},
            'users': {'ops': {'password': PASSWORD, 'permissions': 'all'}},
            'agents_error': True,
            'opaque_licenses': {OPAQUE_LICENSE: {'name': 'Opaque', 'file': {
                'id': 'lic-opaque', 'associatedAccount': 'acme', 'connectwareLicenseClass': 'Production',
                'expiration': '2099-01-01'}}}}
MODES = {'normal': False, 'check+diff': True}


def host_name(path, mode):
    return '%s-%s' % (path, 'check-diff' if MODES[mode] else 'normal')


@pytest.fixture(scope='module', params=sorted(PATHS))
def path_run(request, host_pool, tmp_path_factory):
    """One run per execution path at -vvvv: a host run normally and a host run in check and diff mode.

    Returns (path, fleet, run); the run's plays are named after the modes. Only the modes of the
    tests pytest selected run (the oldest ansible-core runs one of them).
    """
    path = request.param
    chosen = set(item.callspec.params['mode'] for item in request.session.items
                 if item.module is request.module and item.callspec.params.get('path_run') == path)
    workdir = tmp_path_factory.mktemp('run')
    files = tmp_path_factory.mktemp('files')
    fleet = host_pool.fleet([dict(SCENARIO, name=host_name(path, mode)) for mode in MODES if mode in chosen])
    tasks = tasks_for('token', TOKEN_AUTH) + tasks_for('login', LOGIN_AUTH) + [
        {'name': 'wrong token', 'iiot.connectware.connectware_info': dict(TOKEN_AUTH, token='{{ sentinel_wrong_token }}'),
         'ignore_errors': True}]
    for folder in fleet.instances:
        (files / folder / 'apps').mkdir(parents=True)
    secrets_file = files / 'secrets.json'
    secrets_file.write_text(json.dumps(SECRET_VARS))
    plays = [scenario_play(mode, tasks, hosts=host_name(path, mode), check=check, diff=check,
                           vars={'app_dir': '%s/{{ inventory_hostname }}/apps' % files,
                                 'report_dir': '%s/{{ inventory_hostname }}/report' % files})
             for mode, check in MODES.items() if mode in chosen]
    run = run_playbook(workdir, scenario_playbook(plays), write_inventory(workdir, fleet), verbosity=4,
                       extra_args=['-e', '@%s' % secrets_file], env=PATHS[path])
    return path, fleet, run


@pytest.mark.parametrize('mode', sorted(MODES))
def test_no_secret_anywhere(path_run, mode):
    path, fleet, whole_run = path_run
    check_diff = MODES[mode]
    instance = fleet[host_name(path, mode)]
    run = whole_run.play(mode)
    # The path the suite is about really ran (-vvv and up say where each task ran).
    in_process = "connectware_info: running in the controller's worker process"
    forced = 'connectware_info: running as a module (forced by CONNECTWARE_EXECUTION)'
    assert (in_process in run.stdout) == (path == 'in-process') and (forced in run.stdout) == (path == 'module')
    statuses = dict((entry['task'], entry['status']) for entry in run.results)
    # Both the success and the failure paths really ran.
    assert statuses['token info ok'] == 'ok' and statuses['token info failing'] == 'ignored'
    assert statuses['login health ok'] == 'ok' and statuses['login health failing'] == 'ignored'
    assert statuses['token license too short'] == 'ignored' and statuses['wrong token'] == 'ignored'
    assert statuses['token license unchanged'] == ('changed' if check_diff else 'ok')
    assert statuses['login license upload'] == 'changed'
    assert statuses['token license rejected'] == ('changed' if check_diff else 'ignored')
    assert statuses['login license refresh failing'] == ('ok' if check_diff else 'ignored')
    assert statuses['login gate closed as expected'] == 'ok'
    assert statuses['token service ok'] == 'changed' and statuses['login service failing'] == 'ignored'
    assert statuses['login service unchanged'] == ('changed' if check_diff else 'ok')
    if check_diff:
        # The diff showed the secret-named parameters, masked.
        assert '"opcuaPassword": "********"' in run.stdout and '"apiToken": "********"' in run.stdout
    else:
        # The secrets did reach Connectware, where they belong.
        assert instance.state['connectware_services']['token-service']['parameters']['opcuaPassword'] == \
            SERVICE_PASSWORD
    assert 'VALUE_SPECIFIED_IN_NO_LOG_PARAMETER' in run.stdout  # -vvvv printed the invocations, masked
    issued = list(instance.issued_tokens)
    assert issued, 'the login tasks did not log in'
    # Nowhere in the whole run (both modes' output, every result) nor in any host's logs.
    issued_anywhere = [token for other in fleet for token in other.issued_tokens]
    assert_no_secrets(whole_run, [TOKEN, WRONG_TOKEN, PASSWORD, OPAQUE_LICENSE, LICENSE, SHORT_LICENSE,
                                  'SENTINEL-NOT-A-LICENSE-3e4f5a6b', SERVICE_PASSWORD, SERVICE_TOKEN] + issued_anywhere,
                      fleet)
    # Nothing secret reached the server in a query string either: every request authenticated by header.
    assert set(entry['auth'] for entry in instance.request_log()) <= {'bearer', 'none'}
