# -*- coding: utf-8 -*-
# Copyright: (c) 2026, iiot.connectware contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""playbooks/gated_deploy.yml with your own deploy tasks (gated_deploy_tasks): a relative task file is found next
to the inventory (then in the current folder), never in the collection; a missing one stops everything, saying
where it looked; your tasks replace the service module.

Each scenario is a run of the playbook as an operator runs it, and has one of its own:
gated_deploy_tasks is one extra variable for the whole run (relative, missing, absolute), and the missing
file stops the run.
"""

import os

import pytest

from gated_deploy import PLAYBOOK, extra_vars, inventory_of, service_entries, services
from harness import REPO, run_playbook

OWN_TASKS = '- name: Own deployment\n  ansible.builtin.debug:\n    msg: "deploy {{ gated_deploy_app.dest }}"\n'


@pytest.fixture(scope='module')
def relative_run(host_pool, module_workdir, tmp_path_factory):
    """deploy/own.yml as gated_deploy_tasks: only the inventory's folder has it (the run's folder is the repository's)."""
    fleet = host_pool.fleet([{'name': 'relative'}])
    inventory = inventory_of(os.path.join(str(module_workdir), 'relative'), fleet)
    folder = os.path.join(os.path.dirname(inventory), 'deploy')
    os.makedirs(folder)
    with open(os.path.join(folder, 'own.yml'), 'w', encoding='utf-8') as handle:
        handle.write(OWN_TASKS)
    more = extra_vars(tmp_path_factory.mktemp('apps'), gated_deploy_tasks='deploy/own.yml')
    return fleet, run_playbook(module_workdir, PLAYBOOK, inventory, extra_vars=more)


def test_a_relative_task_file_is_found_next_to_the_inventory(relative_run):
    _fleet, run = relative_run
    assert run.rc == 0, run
    assert run.task('Own deployment', 'relative')['result']['msg'].endswith('opcua-to-mqtt.yml')


def test_own_deploy_tasks_replace_the_service_module(relative_run):
    fleet, run = relative_run
    assert run.rc == 0, run
    assert run.task('Own deployment', 'relative')['result']['msg'].endswith('opcua-to-mqtt.yml')
    assert [entry['status'] for entry in service_entries(run, 'relative')] == ['skipped']
    assert services(fleet['relative']) == {}


def test_a_missing_task_file_stops_before_any_gate_and_says_where_it_looked(host_pool, module_workdir,
                                                                            tmp_path_factory):
    fleet = host_pool.fleet([{'name': 'missing'}])
    inventory = inventory_of(os.path.join(str(module_workdir), 'missing'), fleet)
    apps = tmp_path_factory.mktemp('apps') / 'missing'
    run = run_playbook(module_workdir, PLAYBOOK, inventory,
                       extra_vars=extra_vars(apps, gated_deploy_tasks='deploy/missing.yml'))
    assert run.rc != 0, run
    message = run.task('Stop unless the deploy task file is there')['result']['msg']
    searched = [os.path.normpath(os.path.join(os.path.dirname(inventory), 'deploy', 'missing.yml')),
                os.path.join(os.path.realpath(REPO), 'deploy', 'missing.yml')]
    assert message == ('Nothing was done: gated_deploy_tasks: task file deploy/missing.yml not found on the controller '
                       '(searched %s). A relative path is looked up in the folder of the inventory file, then in the '
                       'current folder.' % ', '.join(searched))
    # Nothing happened: no request to the host, no folder on the controller.
    assert fleet['missing'].request_log() == []
    assert not apps.exists()
    assert [entry for entry in run.results if entry['action'] == 'iiot.connectware.connectware_health_check'] == []


def test_an_absolute_task_file_is_used_as_it_is(host_pool, module_workdir, tmp_path_factory):
    fleet = host_pool.fleet([{'name': 'absolute'}])
    folder = tmp_path_factory.mktemp('absolute')
    tasks = folder / 'deploy.yml'
    tasks.write_text('- name: Own deployment\n  ansible.builtin.debug:\n    msg: "deployed"\n')
    run = run_playbook(module_workdir, PLAYBOOK, inventory_of(folder / 'inventory', fleet),
                       extra_vars=extra_vars(folder / 'apps', gated_deploy_tasks=str(tasks)))
    assert run.rc == 0, run
    assert run.task('Own deployment', 'absolute')['result']['msg'] == 'deployed'
