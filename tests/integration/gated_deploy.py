# -*- coding: utf-8 -*-
# Copyright: (c) 2026, iiot.connectware contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the tests of playbooks/gated_deploy.yml share: the playbook, its variables, and reading what it did."""

import os

from harness import REPO, write_inventory

PLAYBOOK = os.path.join(REPO, 'playbooks', 'gated_deploy.yml')


def extra_vars(apps, **more):
    values = {'gated_deploy_app_name': 'OPC UA to MQTT', 'gated_deploy_app_version': '1.2.0',
              'gated_deploy_dest_dir': str(apps), 'gated_deploy_settle_timeout': 5}
    values.update(more)
    return values


def services(instance):
    return instance.state.get('connectware_services', {})


def service_entries(run, host):
    return [entry for entry in run.results if entry['host'] == host
            and entry['action'] == 'iiot.connectware.connectware_service']


def inventory_of(folder, fleet):
    """``fleet``'s inventory, alone in ``folder`` (a run's hosts are the inventory's connectware group)."""
    folder = str(folder)
    os.makedirs(folder, exist_ok=True)
    return write_inventory(folder, fleet)
