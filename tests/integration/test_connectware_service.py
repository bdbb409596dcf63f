# -*- coding: utf-8 -*-
# Copyright: (c) 2026, iiot.connectware contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""connectware_service through real ansible-playbook runs against the simulator's Services API.

Every scenario is a play on a simulated host of its own, and all of them run in one
ansible-playbook run (the ``scenarios`` fixture), at -vvvv because the secret tests read
everything that verbosity shows; each test reads its play back. Tasks meant to fail carry
``ignore_errors`` so that the run goes on (their status is then 'ignored').

State changes in the simulator settle after a count of status reads (service_settle_polls), never
on a timer; the module's wait_interval is short so the polls cost little time.
"""

import base64
import json
import subprocess

import pytest

from connectware_sim.services import installed_service
from connectware_sim.state import COMMISSIONING_FILE
from harness import (BIN, assert_no_secrets, connection_vars, failing, run_playbook, scenario_play, scenario_playbook,
                     write_inventory)

SID = 'opcua-to-mqtt'
PATH = '/api/services/' + SID
SECRET = 'Sentinel-Broker-Pa55word-9c1d'
SECRET_TOKEN = 'Sentinel-Api-Token-77e0a1'
BAD_FILE = COMMISSIONING_FILE.replace('type: Cybus::Connection', 'type: Foo::Bar')
VAULT_PASSWORD = 'vault-password-for-tests'
OLD_FILE = COMMISSIONING_FILE.replace('port: 4840', 'port: 4841')
SECRET_PARAMETERS = {'opcuaHost': 'h', 'brokerPassword': SECRET, 'apiToken': SECRET_TOKEN}

# test_check_mode_predicts_and_writes_nothing: (id, installed state before, task arguments, predicted actions).
CHECK_CASES = [
    ('install', None, {'content': COMMISSIONING_FILE}, ['validated', 'installed', 'enabled']),
    ('update', 'enabled', {'content': COMMISSIONING_FILE, 'parameters': {'opcuaHost': 'other'}}, ['validated', 'updated']),
    ('disable', 'enabled', {'content': COMMISSIONING_FILE, 'state': 'disabled'}, ['disabled']),
    ('enable', 'disabled', {'content': COMMISSIONING_FILE}, ['enabled']),
    ('remove', 'enabled', {'state': 'absent'}, ['disabled', 'deleted']),
    ('unchanged', 'enabled', {'content': COMMISSIONING_FILE}, []),
]
SECRET_CASES = {'run': False, 'check-diff': True}


def service_task(name='service', register=None, **args):
    task_args = connection_vars()
    task_args.update(service_id=SID, wait_interval=0.05)
    task_args.update(args)
    task = {'name': name, 'iiot.connectware.connectware_service': task_args}
    if register:
        task['register'] = register
    return task


def requests_of(instance):
    return [(entry['method'], entry['path']) for entry in instance.request_log()]


def writes_of(instance):
    return [(method, path) for method, path in requests_of(instance)
            if method != 'GET' and path != '/api/validate/service']


def installed(instance):
    return instance.state.get('connectware_services', {})


def snapshot(instance):
    """The installed services as JSON (the simulator adds each record's id when it first reads it)."""
    return json.dumps(dict((key, dict(record, id=key)) for key, record in installed(instance).items()), sort_keys=True)


def vault_encrypted_source(folder):
    """The commissioning file encrypted with ansible-vault, and the password file that opens it."""
    source = folder / 'files' / 'opcua.yml'
    source.parent.mkdir()
    source.write_text(COMMISSIONING_FILE)
    password_file = folder / 'vault-pass'
    password_file.write_text(VAULT_PASSWORD + '\n')
    subprocess.run([BIN + '/ansible-vault', 'encrypt', '--vault-password-file', str(password_file), str(source)],
                   check=True, capture_output=True)
    return source, password_file


@pytest.fixture(scope='module')
def scenarios(host_pool, module_workdir, tmp_path_factory):
    """All scenarios of this module in one run: (fleet, run, what the tests need from before the run)."""
    settle = {'service_settle_polls': 2}
    names = ['new', 'param-change', 'disable-remove', 'absent-enabled', 'validation-failure', 'not-a-mapping', 'diff',
             'vault', 'marketplace']
    names += ['check-' + case[0] for case in CHECK_CASES] + ['secrets-' + case for case in SECRET_CASES]
    fleet = host_pool.fleet([dict(settle, name=name) for name in names] + [
        {'name': 'deviated', 'preset': 'service_deviated', 'service_settle_polls': 1},
        {'name': 'deleting', 'preset': 'service_deleting', 'service_settle_polls': 0},
        {'name': 'deletion-stuck', 'service_deletions': {SID: 100000}},
        {'name': 'parameters-only', 'service_data': 'parameters_only'},
    ])

    def install(host, record, service_id=SID):
        fleet[host].update_state({'connectware_services': {service_id: record}})

    install('param-change', installed_service(COMMISSIONING_FILE, {'opcuaHost': 'a'}))
    install('disable-remove', installed_service(COMMISSIONING_FILE))
    install('absent-enabled', installed_service(COMMISSIONING_FILE))
    install('diff', installed_service(OLD_FILE, {'opcuaHost': 'a', 'brokerPassword': SECRET}))
    install('parameters-only', installed_service(COMMISSIONING_FILE))
    for case in SECRET_CASES:
        install('secrets-' + case, installed_service(COMMISSIONING_FILE, {'brokerPassword': 'old-' + SECRET}), 'other')
    before = {}
    for case_id, setup, _args, _actions in CHECK_CASES:
        if setup:
            install('check-' + case_id, installed_service(COMMISSIONING_FILE, state=setup))
        before[case_id] = snapshot(fleet['check-' + case_id])

    source, password_file = vault_encrypted_source(tmp_path_factory.mktemp('vault'))
    vault_text = source.read_text()
    app = {'name': 'OPC UA to MQTT', 'version': '1.2.0'}
    deploy = dict(content=COMMISSIONING_FILE, parameters={'opcuaHost': '192.0.2.7'})
    plays = [
        # The first run of a new service, then the same task again (a second run as a second play).
        scenario_play('new', [service_task(**deploy)]),
        scenario_play('new again', [service_task(**deploy)], hosts='new'),
        scenario_play('param-change', [service_task(content=COMMISSIONING_FILE, parameters={'opcuaHost': 'b'})]),
        scenario_play('disable-remove', [
            service_task('disable', content=COMMISSIONING_FILE, state='disabled'),
            service_task('remove', state='absent'),
            service_task('remove again', state='absent'),
        ]),
        scenario_play('absent-enabled', [service_task('remove', state='absent')]),
        scenario_play('deviated', [failing(service_task(content=COMMISSIONING_FILE))]),
        scenario_play('validation-failure', [failing(service_task(content=BAD_FILE))]),
        scenario_play('not-a-mapping', [failing(service_task(content='- just\n- a list\n'))]),
        scenario_play('deleting', [service_task(content=COMMISSIONING_FILE)]),
        scenario_play('deletion-stuck', [failing(service_task(content=COMMISSIONING_FILE, wait_timeout=0.5,
                                                              wait_interval=0.1))]),
    ] + [
        scenario_play('check-' + case_id, [service_task(**args)], check=True, diff=True)
        for case_id, _setup, args, _actions in CHECK_CASES
    ] + [
        scenario_play('diff', [service_task(content=COMMISSIONING_FILE, parameters={
            'opcuaHost': 'b', 'brokerPassword': SECRET})], diff=True),
        scenario_play('parameters-only', [service_task('plain', content=COMMISSIONING_FILE),
                                          service_task('forced', content=COMMISSIONING_FILE, force=True)]),
        scenario_play('vault', [service_task(src=str(source)), service_task('again', src=str(source))]),
        scenario_play('marketplace', [
            service_task('wrong version', marketplace=dict(app, version='9.9.9')),
            service_task('install', marketplace=app),
            service_task('again', marketplace=app),
        ], ignore_errors=True),
    ] + [
        scenario_play('secrets-' + case, [
            service_task('install', content=COMMISSIONING_FILE, parameters=SECRET_PARAMETERS),
            service_task('update', service_id='other', content=COMMISSIONING_FILE, parameters=SECRET_PARAMETERS),
            service_task('fail', content=BAD_FILE, service_id='bad', parameters=SECRET_PARAMETERS),
        ], ignore_errors=True, check=check_diff, diff=check_diff)
        for case, check_diff in SECRET_CASES.items()
    ]
    run = run_playbook(module_workdir, scenario_playbook(plays), write_inventory(module_workdir, fleet), verbosity=4,
                       extra_args=['--vault-password-file', str(password_file)])
    assert run.rc == 0, run
    return fleet, run, {'snapshots': before, 'vault_text': vault_text}


def test_new_service_is_installed_and_enabled_then_unchanged(scenarios):
    fleet, run, _prepared = scenarios
    host = fleet['new']
    first = run.play('new')
    assert first.task('service')['status'] == 'changed'
    result = first.result('service')
    assert result['actions'] == ['validated', 'installed', 'enabled']
    assert result['service'] == {'id': SID, 'targetState': 'enabled', 'currentState': 'enabled'}
    assert result['previous'] is None
    first_requests = [('GET', PATH), ('POST', '/api/validate/service'), ('POST', '/api/services'),
                      ('GET', PATH + '/status'), ('GET', PATH + '/status')]
    assert requests_of(host)[:len(first_requests)] == first_requests
    assert installed(host)[SID]['parameters'] == {'opcuaHost': '192.0.2.7'}

    second = run.play('new again')
    assert second.task('service')['status'] == 'ok'
    assert second.result('service')['actions'] == [] and second.result('service').get('warnings') is None
    # The second play's requests: what follows the first play's.
    assert requests_of(host)[len(first_requests):] == [('GET', PATH)]


def test_parameter_change_re_deploys_with_a_warning(scenarios):
    fleet, run, _prepared = scenarios
    host = fleet['param-change']
    run = run.play('param-change')
    assert run.task('service')['status'] == 'changed'
    result = run.result('service')
    assert result['actions'] == ['validated', 'updated']
    assert any('re-deployed (parameters (opcuaHost)): its resources restart' in warning for warning in result['warnings'])
    assert writes_of(host) == [('PUT', PATH)]
    assert installed(host)[SID]['parameters'] == {'opcuaHost': 'b'}
    assert result['service']['currentState'] == 'enabled'


def test_disabled_then_absent_then_absent_again(scenarios):
    fleet, run, _prepared = scenarios
    host = fleet['disable-remove']
    run = run.play('disable-remove')
    assert run.result('disable')['actions'] == ['disabled']
    assert run.result('disable')['service']['currentState'] == 'disabled'
    assert run.result('remove')['actions'] == ['deleted'] and run.result('remove')['service'] is None
    assert run.task('remove again')['status'] == 'ok' and run.result('remove again')['actions'] == []
    assert SID not in installed(host)
    assert writes_of(host) == [('PUT', PATH + '/operation'), ('DELETE', PATH)]
    # The last task: one GET answered 404.
    assert requests_of(host)[-1] == ('GET', PATH) and host.request_log()[-1]['status'] == 404


def test_absent_of_an_enabled_service_disables_first(scenarios):
    fleet, run, _prepared = scenarios
    host = fleet['absent-enabled']
    run = run.play('absent-enabled')
    assert run.result('remove')['actions'] == ['disabled', 'deleted']
    assert writes_of(host) == [('PUT', PATH + '/operation'), ('DELETE', PATH)]
    assert SID not in installed(host)


def test_deviated_fails_naming_the_resources(scenarios):
    _fleet, run, _prepared = scenarios
    entry = run.play('deviated').task('service')
    assert entry['status'] == 'ignored'  # failed, and ignore_errors kept the run going
    result = entry['result']
    assert "service opcua-to-mqtt is deviated" in result['msg'] and "opcuaConnection ('deviated')" in result['msg']
    assert result['resources'] == [{'id': 'opcuaConnection', 'type': 'Cybus::Connection', 'currentState': 'deviated'}]
    assert result['changed'] is True and result['actions'] == ['validated', 'installed', 'enabled']
    assert result['service']['currentState'] == 'deviated'


def test_validation_failure_installs_nothing(scenarios):
    fleet, run, _prepared = scenarios
    host = fleet['validation-failure']
    entry = run.play('validation-failure').task('service')
    assert entry['status'] == 'ignored'  # failed, and ignore_errors kept the run going
    result = entry['result']
    assert "unknown resource type 'Foo::Bar'" in result['msg'] and 'Nothing was installed' in result['msg']
    assert result['changed'] is False and result['actions'] == []
    assert writes_of(host) == [] and installed(host) == {}


def test_not_a_mapping_is_refused_before_any_request(scenarios):
    fleet, run, _prepared = scenarios
    entry = run.play('not-a-mapping').task('service')
    assert entry['status'] == 'ignored'  # failed, and ignore_errors kept the run going
    assert 'not a mapping (it is a list)' in entry['result']['msg']
    assert fleet['not-a-mapping'].request_log() == []


def test_writes_meeting_a_running_deletion_are_retried(scenarios):
    fleet, run, _prepared = scenarios
    run = run.play('deleting')
    assert run.task('service')['status'] == 'changed'  # succeeded
    assert run.result('service')['actions'] == ['validated', 'installed', 'enabled']
    posts = [entry['status'] for entry in fleet['deleting'].request_log() if entry['path'] == '/api/services']
    assert posts == [409, 409, 409, 201]


def test_a_deletion_that_does_not_end_fails_clearly(scenarios):
    fleet, run, _prepared = scenarios
    entry = run.play('deletion-stuck').task('service')
    assert entry['status'] == 'ignored'  # failed, and ignore_errors kept the run going
    result = entry['result']
    assert 'still answered 409 (conflict)' in result['msg'] and 'wait_timeout=0.5s' in result['msg']
    assert result['api_error']['status'] == 409 and result['changed'] is False
    assert installed(fleet['deletion-stuck']) == {}


@pytest.mark.parametrize('case_id,actions', [(case[0], case[3]) for case in CHECK_CASES],
                         ids=[case[0] for case in CHECK_CASES])
def test_check_mode_predicts_and_writes_nothing(scenarios, case_id, actions):
    fleet, run, prepared = scenarios
    host = fleet['check-' + case_id]
    run = run.play('check-' + case_id)
    assert run.result('service')['actions'] == actions
    assert run.task('service')['status'] == ('changed' if [a for a in actions if a != 'validated'] else 'ok')
    assert writes_of(host) == []
    assert snapshot(host) == prepared['snapshots'][case_id]


def test_diff_shows_parameters_masked_and_the_file(scenarios):
    fleet, whole_run, _prepared = scenarios
    host = fleet['diff']
    run = whole_run.play('diff')
    assert '-        port: 4841' in run.stdout and '+        port: 4840' in run.stdout
    assert '"opcuaHost": "b"' in run.stdout and '"brokerPassword": "********"' in run.stdout
    assert run.result('service')['actions'] == ['validated', 'updated']
    # The whole run and every host's logs: more than this scenario's, so nothing escapes.
    assert_no_secrets(whole_run, [SECRET, host.admin_token], fleet)


def test_commissioning_data_without_the_file_is_not_re_deployed(scenarios):
    fleet, run, _prepared = scenarios
    run = run.play('parameters-only')
    assert run.task('plain')['status'] == 'ok'
    assert any('does not include its commissioning file' in warning and 'force: true' in warning
               for warning in run.result('plain')['warnings'])
    assert run.result('forced')['actions'] == ['validated', 'updated']
    assert writes_of(fleet['parameters-only']) == [('PUT', PATH)]


def test_vault_encrypted_src(scenarios):
    fleet, run, prepared = scenarios
    # The source as the run found it (the run was given --vault-password-file).
    assert 'opcuaConnection' not in prepared['vault_text']
    run = run.play('vault')
    assert run.result('service')['actions'] == ['validated', 'installed', 'enabled']
    assert run.task('again')['status'] == 'ok'
    assert installed(fleet['vault'])[SID]['commissioningFile'] == base64.b64encode(COMMISSIONING_FILE.encode()).decode()


def test_marketplace_by_name_with_a_version_pin(scenarios):
    fleet, run, _prepared = scenarios
    host = fleet['marketplace']
    run = run.play('marketplace')
    assert run.task('wrong version')['status'] == 'ignored'
    assert 'marketplace.version' in run.result('wrong version')['msg']
    assert run.result('wrong version')['changed'] is False
    result = run.result('install')
    assert result['actions'] == ['validated', 'installed', 'enabled']
    assert result['marketplace']['directory'] == 'opcua-to-mqtt' and result['marketplace']['version'] == '1.2.0'
    assert run.task('again')['status'] == 'ok'
    record = installed(host)[SID]
    assert record['marketplace'] == {'directory': 'opcua-to-mqtt', 'filename': 'opcua-to-mqtt.yml', 'version': '1.2.0'}
    assert writes_of(host) == [('POST', '/api/services')]


@pytest.mark.parametrize('case', list(SECRET_CASES), ids=list(SECRET_CASES))
def test_secret_parameters_never_appear(scenarios, case):
    fleet, whole_run, _prepared = scenarios
    host = fleet['secrets-' + case]
    run = whole_run.play('secrets-' + case)
    statuses = dict((entry['task'], entry['status']) for entry in run.results)
    assert statuses == {'install': 'changed', 'update': 'changed', 'fail': 'ignored'}, run
    # The whole run (every scenario's output, -vvvv) and every host's logs: more than this scenario's.
    assert_no_secrets(whole_run, [SECRET, SECRET_TOKEN, 'old-' + SECRET, host.admin_token], fleet)
    if not SECRET_CASES[case]:
        assert installed(host)[SID]['parameters'] == SECRET_PARAMETERS  # the secrets did reach Connectware
