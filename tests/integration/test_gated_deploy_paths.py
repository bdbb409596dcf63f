# -*- coding: utf-8 -*-
# Copyright: (c) 2026, iiot.connectware contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""playbooks/gated_deploy.yml: a relative gated_deploy_tasks is found next to the inventory (then in the
current folder), never in the collection, and a missing one stops everything, saying where it looked."""

import os

from harness import REPO, run_playbook, write_inventory

PLAYBOOK = os.path.join(REPO, 'playbooks', 'gated_deploy.yml')


def extra_vars(apps, **more):
    values = {'gated_deploy_app_name': 'OPC UA to MQTT', 'gated_deploy_app_version': '1.2.0',
              'gated_deploy_dest_dir': str(apps), 'gated_deploy_settle_timeout': 5}
    values.update(more)
    return values


def test_a_relative_task_file_is_found_next_to_the_inventory(make_fleet, workdir, tmp_path):
    fleet = make_fleet([{}])
    inventory = write_inventory(workdir, fleet)
    folder = os.path.join(os.path.dirname(inventory), 'deploy')
    os.makedirs(folder)
    with open(os.path.join(folder, 'own.yml'), 'w', encoding='utf-8') as handle:
        handle.write('- name: Own deployment\n  ansible.builtin.debug:\n    msg: "deploy {{ gated_deploy_app.dest }}"\n')
    # ansible-playbook runs in the repository's folder: only the inventory's folder has deploy/own.yml.
    more = extra_vars(tmp_path / 'apps', gated_deploy_tasks='deploy/own.yml')
    run = run_playbook(workdir, PLAYBOOK, inventory, extra_vars=more)
    assert run.rc == 0, run
    assert run.task('Own deployment', 'cw-001')['result']['msg'].endswith('opcua-to-mqtt.yml')


def test_a_missing_task_file_stops_before_any_gate_and_says_where_it_looked(make_fleet, workdir, tmp_path):
    fleet = make_fleet([{}])
    inventory = write_inventory(workdir, fleet)
    apps = tmp_path / 'apps'
    run = run_playbook(workdir, PLAYBOOK, inventory, extra_vars=extra_vars(apps, gated_deploy_tasks='deploy/missing.yml'))
    assert run.rc != 0, run
    message = run.task('Stop unless the deploy task file is there')['result']['msg']
    searched = [os.path.normpath(os.path.join(os.path.dirname(inventory), 'deploy', 'missing.yml')),
                os.path.join(os.path.realpath(REPO), 'deploy', 'missing.yml')]
    assert message == ('Nothing was done: gated_deploy_tasks: task file deploy/missing.yml not found on the controller '
                       '(searched %s). A relative path is looked up in the folder of the inventory file, then in the '
                       'current folder.' % ', '.join(searched))
    # Nothing happened: no request to the host, no folder on the controller.
    assert fleet['cw-001'].request_log() == []
    assert not apps.exists()
    assert [entry for entry in run.results if entry['action'] == 'iiot.connectware.connectware_health_check'] == []


def test_an_absolute_task_file_is_used_as_it_is(make_fleet, workdir, tmp_path):
    fleet = make_fleet([{}])
    tasks = tmp_path / 'deploy.yml'
    tasks.write_text('- name: Own deployment\n  ansible.builtin.debug:\n    msg: "deployed"\n')
    run = run_playbook(workdir, PLAYBOOK, write_inventory(workdir, fleet),
                       extra_vars=extra_vars(tmp_path / 'apps', gated_deploy_tasks=str(tasks)))
    assert run.rc == 0, run
    assert run.task('Own deployment', 'cw-001')['result']['msg'] == 'deployed'
