# -*- coding: utf-8 -*-
# Copyright: (c) 2026, iiot.connectware contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""playbooks/gated_deploy.yml: gate -> fetch -> install and enable with connectware_service -> gate again.

Two runs of the playbook as an operator runs it (the ``deployed`` fixture): the first on an open and a closed
host, the second on the open host again (--limit), which must change nothing. Own deploy tasks are in
test_gated_deploy_paths.py.
"""

import copy
import os

import pytest

from gated_deploy import PLAYBOOK, extra_vars, inventory_of, service_entries, services
from harness import run_playbook

SID = 'opcua-to-mqtt'


def service_vars(apps, **more):
    return extra_vars(apps, gated_deploy_batch_size=2, gated_deploy_max_fail_percentage=50,
                      gated_deploy_service_wait_interval=0.05, **more)


@pytest.fixture(scope='module')
def deployed(host_pool, module_workdir, tmp_path_factory):
    """(fleet, first run, second run, apps folder, what the first run left): cw-001 open, cw-002's gate closed."""
    fleet = host_pool.fleet([{}, {'preset': 'service_down'}])
    inventory = inventory_of(os.path.join(str(module_workdir), 'inventory'), fleet)
    apps = tmp_path_factory.mktemp('apps')
    more = service_vars(apps, gated_deploy_service_parameters={'opcuaHost': '192.0.2.20'})
    first = run_playbook(module_workdir, PLAYBOOK, inventory, extra_vars=more)
    after_first = {
        'files': sorted(os.path.relpath(os.path.join(folder, name), str(apps))
                        for folder, _dirs, names in os.walk(str(apps)) for name in names),
        'folders': sorted(os.listdir(str(apps))),
        'service': copy.deepcopy(services(fleet['cw-001']).get(SID, {})),
    }
    fleet['cw-001'].clear_requests()
    second = run_playbook(module_workdir, PLAYBOOK, inventory, extra_vars=more, limit='cw-001')
    return fleet, first, second, apps, after_first


def test_installs_and_enables_on_open_hosts_only_then_changes_nothing(deployed):
    fleet, first, second, _apps, after_first = deployed
    assert first.rc == 2, first  # cw-002's gate is closed
    entries = service_entries(first, 'cw-001')
    assert [entry['status'] for entry in entries] == ['changed']
    assert entries[0]['result']['actions'] == ['validated', 'installed', 'enabled']
    assert entries[0]['result']['service'] == {'id': SID, 'targetState': 'enabled', 'currentState': 'enabled'}
    assert after_first['service']['currentState'] == 'enabled'
    assert after_first['service']['parameters'] == {'opcuaHost': '192.0.2.20'}
    assert service_entries(first, 'cw-002') == [] and services(fleet['cw-002']) == {}
    # The second gate ran on the open host, after the install.
    checks = [entry for entry in first.results if entry['host'] == 'cw-001'
              and entry['action'] == 'iiot.connectware.connectware_health_check']
    assert len(checks) == 2 and all(entry['status'] == 'ok' for entry in checks)
    order = [entry['action'] for entry in first.results if entry['host'] == 'cw-001']
    assert order.index('iiot.connectware.connectware_service') < len(order) - 1 - order[::-1].index(
        'iiot.connectware.connectware_health_check')

    assert second.rc == 0, second
    assert [entry['status'] for entry in service_entries(second, 'cw-001')] == ['ok']
    service_requests = [entry for entry in fleet['cw-001'].request_log() if entry['path'].startswith('/api/services')]
    assert [(entry['method'], entry['path']) for entry in service_requests] == [('GET', '/api/services/' + SID)]


def test_gated_deploy_fetches_only_for_open_gates(deployed):
    _fleet, first, _second, _apps, after_first = deployed
    assert first.rc == 2, first
    assert os.path.join('cw-001', 'opcua-to-mqtt.yml') in after_first['files']
    assert 'cw-002' not in after_first['folders']
    checks = [entry for entry in first.results if entry['host'] == 'cw-001'
              and entry['action'] == 'iiot.connectware.connectware_health_check' and entry['status'] != 'skipped']
    assert len(checks) == 2
