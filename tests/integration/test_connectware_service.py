# -*- coding: utf-8 -*-
# Copyright: (c) 2026, iiot.connectware contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""connectware_service through real ansible-playbook runs against the simulator's Services API.

State changes in the simulator settle after a count of status reads (service_settle_polls), never
on a timer; the module's wait_interval is short so the polls cost little time.
"""

import base64
import json
import subprocess

import pytest

from connectware_sim.services import installed_service
from connectware_sim.state import COMMISSIONING_FILE
from harness import BIN, assert_no_secrets, connection_vars, play, run_playbook, write_inventory

SID = 'opcua-to-mqtt'
PATH = '/api/services/' + SID
SECRET = 'Sentinel-Broker-Pa55word-9c1d'
SECRET_TOKEN = 'Sentinel-Api-Token-77e0a1'
BAD_FILE = COMMISSIONING_FILE.replace('type: Cybus::Connection', 'type: Foo::Bar')


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


@pytest.fixture
def fleet(make_fleet):
    return make_fleet([{'service_settle_polls': 2}])


@pytest.fixture
def host(fleet):
    return fleet['cw-001']


@pytest.fixture
def inventory(fleet, workdir):
    return write_inventory(workdir, fleet)


def one_host(make_fleet, workdir, scenario):
    fleet = make_fleet([scenario])
    return fleet['cw-001'], write_inventory(workdir, fleet)


def test_new_service_is_installed_and_enabled_then_unchanged(host, inventory, workdir):
    first = run_playbook(workdir, play([service_task(content=COMMISSIONING_FILE, parameters={'opcuaHost': '192.0.2.7'})]),
                         inventory, verbosity=4)
    assert first.rc == 0, first
    assert first.task('service')['status'] == 'changed'
    result = first.result('service')
    assert result['actions'] == ['validated', 'installed', 'enabled']
    assert result['service'] == {'id': SID, 'targetState': 'enabled', 'currentState': 'enabled'}
    assert result['previous'] is None
    assert requests_of(host) == [('GET', PATH), ('POST', '/api/validate/service'), ('POST', '/api/services'),
                                 ('GET', PATH + '/status'), ('GET', PATH + '/status')]
    assert installed(host)[SID]['parameters'] == {'opcuaHost': '192.0.2.7'}

    host.clear_requests()
    second = run_playbook(workdir, play([service_task(content=COMMISSIONING_FILE, parameters={'opcuaHost': '192.0.2.7'})]),
                          inventory, verbosity=4)
    assert second.rc == 0, second
    assert second.task('service')['status'] == 'ok'
    assert second.result('service')['actions'] == [] and second.result('service').get('warnings') is None
    assert requests_of(host) == [('GET', PATH)]


def test_parameter_change_re_deploys_with_a_warning(host, inventory, workdir):
    host.update_state({'connectware_services': {SID: installed_service(COMMISSIONING_FILE, {'opcuaHost': 'a'})}})
    run = run_playbook(workdir, play([service_task(content=COMMISSIONING_FILE, parameters={'opcuaHost': 'b'})]),
                       inventory)
    assert run.rc == 0, run
    assert run.task('service')['status'] == 'changed'
    result = run.result('service')
    assert result['actions'] == ['validated', 'updated']
    assert any('re-deployed (parameters (opcuaHost)): its resources restart' in warning for warning in result['warnings'])
    assert writes_of(host) == [('PUT', PATH)]
    assert installed(host)[SID]['parameters'] == {'opcuaHost': 'b'}
    assert result['service']['currentState'] == 'enabled'


def test_disabled_then_absent_then_absent_again(host, inventory, workdir):
    host.update_state({'connectware_services': {SID: installed_service(COMMISSIONING_FILE)}})
    run = run_playbook(workdir, play([
        service_task('disable', content=COMMISSIONING_FILE, state='disabled'),
        service_task('remove', state='absent'),
        service_task('remove again', state='absent'),
    ]), inventory)
    assert run.rc == 0, run
    assert run.result('disable')['actions'] == ['disabled']
    assert run.result('disable')['service']['currentState'] == 'disabled'
    assert run.result('remove')['actions'] == ['deleted'] and run.result('remove')['service'] is None
    assert run.task('remove again')['status'] == 'ok' and run.result('remove again')['actions'] == []
    assert SID not in installed(host)
    assert writes_of(host) == [('PUT', PATH + '/operation'), ('DELETE', PATH)]
    # The last task: one GET answered 404.
    assert requests_of(host)[-1] == ('GET', PATH) and host.request_log()[-1]['status'] == 404


def test_absent_of_an_enabled_service_disables_first(host, inventory, workdir):
    host.update_state({'connectware_services': {SID: installed_service(COMMISSIONING_FILE)}})
    run = run_playbook(workdir, play([service_task('remove', state='absent')]), inventory)
    assert run.rc == 0, run
    assert run.result('remove')['actions'] == ['disabled', 'deleted']
    assert writes_of(host) == [('PUT', PATH + '/operation'), ('DELETE', PATH)]
    assert SID not in installed(host)


def test_deviated_fails_naming_the_resources(make_fleet, workdir):
    host, inventory = one_host(make_fleet, workdir, {'preset': 'service_deviated', 'service_settle_polls': 1})
    run = run_playbook(workdir, play([service_task(content=COMMISSIONING_FILE)]), inventory)
    assert run.rc == 2, run
    entry = run.task('service')
    assert entry['status'] == 'failed'
    result = entry['result']
    assert "service opcua-to-mqtt is deviated" in result['msg'] and "opcuaConnection ('deviated')" in result['msg']
    assert result['resources'] == [{'id': 'opcuaConnection', 'type': 'Cybus::Connection', 'currentState': 'deviated'}]
    assert result['changed'] is True and result['actions'] == ['validated', 'installed', 'enabled']
    assert result['service']['currentState'] == 'deviated'


def test_validation_failure_installs_nothing(host, inventory, workdir):
    run = run_playbook(workdir, play([service_task(content=BAD_FILE)]), inventory)
    assert run.rc == 2, run
    result = run.result('service')
    assert "unknown resource type 'Foo::Bar'" in result['msg'] and 'Nothing was installed' in result['msg']
    assert result['changed'] is False and result['actions'] == []
    assert writes_of(host) == [] and installed(host) == {}


def test_not_a_mapping_is_refused_before_any_request(host, inventory, workdir):
    run = run_playbook(workdir, play([service_task(content='- just\n- a list\n')]), inventory)
    assert run.rc == 2, run
    assert 'not a mapping (it is a list)' in run.result('service')['msg']
    assert host.request_log() == []


def test_writes_meeting_a_running_deletion_are_retried(make_fleet, workdir):
    host, inventory = one_host(make_fleet, workdir, {'preset': 'service_deleting', 'service_settle_polls': 0})
    run = run_playbook(workdir, play([service_task(content=COMMISSIONING_FILE)]), inventory)
    assert run.rc == 0, run
    assert run.result('service')['actions'] == ['validated', 'installed', 'enabled']
    posts = [entry['status'] for entry in host.request_log() if entry['path'] == '/api/services']
    assert posts == [409, 409, 409, 201]


def test_a_deletion_that_does_not_end_fails_clearly(make_fleet, workdir):
    host, inventory = one_host(make_fleet, workdir, {'service_deletions': {SID: 100000}})
    run = run_playbook(workdir, play([service_task(content=COMMISSIONING_FILE, wait_timeout=0.5, wait_interval=0.1)]),
                       inventory)
    assert run.rc == 2, run
    result = run.result('service')
    assert 'still answered 409 (conflict)' in result['msg'] and 'wait_timeout=0.5s' in result['msg']
    assert result['api_error']['status'] == 409 and result['changed'] is False
    assert installed(host) == {}


@pytest.mark.parametrize('setup,args,actions', [
    (None, {'content': COMMISSIONING_FILE}, ['validated', 'installed', 'enabled']),
    ('enabled', {'content': COMMISSIONING_FILE, 'parameters': {'opcuaHost': 'other'}}, ['validated', 'updated']),
    ('enabled', {'content': COMMISSIONING_FILE, 'state': 'disabled'}, ['disabled']),
    ('disabled', {'content': COMMISSIONING_FILE}, ['enabled']),
    ('enabled', {'state': 'absent'}, ['disabled', 'deleted']),
    ('enabled', {'content': COMMISSIONING_FILE}, []),
])
def test_check_mode_predicts_and_writes_nothing(host, inventory, workdir, setup, args, actions):
    if setup:
        host.update_state({'connectware_services': {SID: installed_service(COMMISSIONING_FILE, state=setup)}})
    before = snapshot(host)
    run = run_playbook(workdir, play([service_task(**args)]), inventory, check=True, diff=True)
    assert run.rc == 0, run
    assert run.result('service')['actions'] == actions
    assert run.task('service')['status'] == ('changed' if [a for a in actions if a != 'validated'] else 'ok')
    assert writes_of(host) == []
    assert snapshot(host) == before


def test_diff_shows_parameters_masked_and_the_file(fleet, host, inventory, workdir):
    old_file = COMMISSIONING_FILE.replace('port: 4840', 'port: 4841')
    old_parameters = {'opcuaHost': 'a', 'brokerPassword': SECRET}
    host.update_state({'connectware_services': {SID: installed_service(old_file, old_parameters)}})
    run = run_playbook(workdir, play([service_task(content=COMMISSIONING_FILE, parameters={
        'opcuaHost': 'b', 'brokerPassword': SECRET})]), inventory, diff=True, verbosity=4)
    assert run.rc == 0, run
    assert '-        port: 4841' in run.stdout and '+        port: 4840' in run.stdout
    assert '"opcuaHost": "b"' in run.stdout and '"brokerPassword": "********"' in run.stdout
    assert run.result('service')['actions'] == ['validated', 'updated']
    assert_no_secrets(run, [SECRET, host.admin_token], fleet)


def test_commissioning_data_without_the_file_is_not_re_deployed(make_fleet, workdir):
    host, inventory = one_host(make_fleet, workdir, {'service_data': 'parameters_only'})
    host.update_state({'connectware_services': {SID: installed_service(COMMISSIONING_FILE)}})
    run = run_playbook(workdir, play([service_task('plain', content=COMMISSIONING_FILE),
                                      service_task('forced', content=COMMISSIONING_FILE, force=True)]), inventory)
    assert run.rc == 0, run
    assert run.task('plain')['status'] == 'ok'
    assert any('does not include its commissioning file' in warning and 'force: true' in warning
               for warning in run.result('plain')['warnings'])
    assert run.result('forced')['actions'] == ['validated', 'updated']
    assert writes_of(host) == [('PUT', PATH)]


def test_vault_encrypted_src(host, inventory, workdir, tmp_path):
    source = tmp_path / 'files' / 'opcua.yml'
    source.parent.mkdir()
    source.write_text(COMMISSIONING_FILE)
    password_file = tmp_path / 'vault-pass'
    password_file.write_text('vault-password-for-tests\n')
    subprocess.run([BIN + '/ansible-vault', 'encrypt', '--vault-password-file', str(password_file), str(source)],
                   check=True, capture_output=True)
    assert 'opcuaConnection' not in source.read_text()
    run = run_playbook(workdir, play([service_task(src=str(source)), service_task('again', src=str(source))]),
                       inventory, extra_args=['--vault-password-file', str(password_file)])
    assert run.rc == 0, run
    assert run.result('service')['actions'] == ['validated', 'installed', 'enabled']
    assert run.task('again')['status'] == 'ok'
    assert installed(host)[SID]['commissioningFile'] == base64.b64encode(COMMISSIONING_FILE.encode()).decode()


def test_marketplace_by_name_with_a_version_pin(host, inventory, workdir):
    app = {'name': 'OPC UA to MQTT', 'version': '1.2.0'}
    run = run_playbook(workdir, play([
        service_task('wrong version', marketplace=dict(app, version='9.9.9')),
        service_task('install', marketplace=app),
        service_task('again', marketplace=app),
    ], ignore_errors=True), inventory)
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


@pytest.mark.parametrize('check_diff', [False, True], ids=['run', 'check-diff'])
def test_secret_parameters_never_appear(fleet, host, inventory, workdir, check_diff):
    parameters = {'opcuaHost': 'h', 'brokerPassword': SECRET, 'apiToken': SECRET_TOKEN}
    host.update_state({'connectware_services': {'other': installed_service(COMMISSIONING_FILE, {
        'brokerPassword': 'old-' + SECRET})}})
    run = run_playbook(workdir, play([
        service_task('install', content=COMMISSIONING_FILE, parameters=parameters),
        service_task('update', service_id='other', content=COMMISSIONING_FILE, parameters=parameters),
        service_task('fail', content=BAD_FILE, service_id='bad', parameters=parameters),
    ], ignore_errors=True), inventory, verbosity=4, check=check_diff, diff=check_diff)
    statuses = dict((entry['task'], entry['status']) for entry in run.results)
    assert statuses == {'install': 'changed', 'update': 'changed', 'fail': 'ignored'}, run
    assert_no_secrets(run, [SECRET, SECRET_TOKEN, 'old-' + SECRET, host.admin_token], fleet)
    if not check_diff:
        assert installed(host)[SID]['parameters'] == parameters  # the secrets did reach Connectware
