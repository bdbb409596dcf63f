# -*- coding: utf-8 -*-
# Copyright: (c) 2026, iiot.connectware contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""playbooks/gated_deploy.yml: gate -> fetch -> install and enable with connectware_service -> gate again."""

import os

from harness import REPO, run_playbook, write_inventory

PLAYBOOK = os.path.join(REPO, 'playbooks', 'gated_deploy.yml')
SID = 'opcua-to-mqtt'


def extra_vars(apps, **more):
    values = {'gated_deploy_app_name': 'OPC UA to MQTT', 'gated_deploy_app_version': '1.2.0',
              'gated_deploy_dest_dir': str(apps), 'gated_deploy_batch_size': 2,
              'gated_deploy_max_fail_percentage': 50, 'gated_deploy_settle_timeout': 5,
              'gated_deploy_service_wait_interval': 0.05}
    values.update(more)
    return values


def services(instance):
    return instance.state.get('connectware_services', {})


def service_entries(run, host):
    return [entry for entry in run.results if entry['host'] == host
            and entry['action'] == 'iiot.connectware.connectware_service']


def test_installs_and_enables_on_open_hosts_only_then_changes_nothing(make_fleet, workdir, tmp_path):
    fleet = make_fleet([{}, {'preset': 'service_down'}])
    inventory = write_inventory(workdir, fleet)
    apps = tmp_path / 'apps'
    first = run_playbook(workdir, PLAYBOOK, inventory, extra_vars=extra_vars(apps, gated_deploy_service_parameters={
        'opcuaHost': '192.0.2.20'}))
    assert first.rc == 2, first  # cw-002's gate is closed
    entries = service_entries(first, 'cw-001')
    assert [entry['status'] for entry in entries] == ['changed']
    assert entries[0]['result']['actions'] == ['validated', 'installed', 'enabled']
    assert entries[0]['result']['service'] == {'id': SID, 'targetState': 'enabled', 'currentState': 'enabled'}
    assert services(fleet['cw-001'])[SID]['currentState'] == 'enabled'
    assert services(fleet['cw-001'])[SID]['parameters'] == {'opcuaHost': '192.0.2.20'}
    assert service_entries(first, 'cw-002') == [] and services(fleet['cw-002']) == {}
    # The second gate ran on the open host, after the install.
    checks = [entry for entry in first.results if entry['host'] == 'cw-001'
              and entry['action'] == 'iiot.connectware.connectware_health_check']
    assert len(checks) == 2 and all(entry['status'] == 'ok' for entry in checks)
    order = [entry['action'] for entry in first.results if entry['host'] == 'cw-001']
    assert order.index('iiot.connectware.connectware_service') < len(order) - 1 - order[::-1].index(
        'iiot.connectware.connectware_health_check')

    fleet['cw-001'].clear_requests()
    second = run_playbook(workdir, PLAYBOOK, inventory, extra_vars=extra_vars(apps, gated_deploy_service_parameters={
        'opcuaHost': '192.0.2.20'}), limit='cw-001')
    assert second.rc == 0, second
    assert [entry['status'] for entry in service_entries(second, 'cw-001')] == ['ok']
    service_requests = [entry for entry in fleet['cw-001'].request_log() if entry['path'].startswith('/api/services')]
    assert [(entry['method'], entry['path']) for entry in service_requests] == [('GET', '/api/services/' + SID)]


def test_own_deploy_tasks_replace_the_service_module(make_fleet, workdir, tmp_path):
    fleet = make_fleet([{}])
    tasks = tmp_path / 'deploy.yml'
    tasks.write_text('- name: Own deployment\n  ansible.builtin.debug:\n    msg: "deploy {{ gated_deploy_app.dest }}"\n')
    run = run_playbook(workdir, PLAYBOOK, write_inventory(workdir, fleet),
                       extra_vars=extra_vars(tmp_path / 'apps', gated_deploy_tasks=str(tasks)))
    assert run.rc == 0, run
    assert run.task('Own deployment', 'cw-001')['result']['msg'].endswith('opcua-to-mqtt.yml')
    assert [entry['status'] for entry in service_entries(run, 'cw-001')] == ['skipped']
    assert services(fleet['cw-001']) == {}
