# -*- coding: utf-8 -*-
# Copyright: (c) 2026, iiot.connectware contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""`make demo`: run the collection's main job against a simulated Connectware fleet.

Starts a fleet with a mix of states (healthy, license expiring, a service down, registry
unreachable), runs playbooks/fleet_report.yml against it, prints a summary and stops.
"""

import json
import os
import subprocess
import sys

from repo_paths import LINKS, REPO, SIMULATOR

sys.path.insert(0, SIMULATOR)

from connectware_sim import DEMO_MIX, Fleet  # noqa: E402  pylint: disable=wrong-import-position


def summarize(report_dir, fleet):
    rows = []
    for instance in fleet:
        with open(os.path.join(report_dir, instance.name + '.json'), encoding='utf-8') as handle:
            data = json.load(handle)
        if data.get('failed'):
            rows.append((instance.name, instance.scenario.get('preset', ''), '-', 'FAILED: ' + data.get('msg', '')[:60]))
            continue
        license_ = data['license']
        services = data['health']['system']['status']
        down = [service['name'] for service in services if service['status'] != 'running']
        probes = [name for name in ('dockerHub', 'cybusRegistry', 'cybusPortal') if not data['preflight'][name]['status']]
        unreachable = [provider['providerName'] for agent in data['vrpc_health']['VRPCInterServiceCommunication']
                       for provider in agent['providers'] if not provider['reachable']]
        problems = []
        if not license_['valid'] or license_['days_left'] < 30:
            problems.append('license %s days left' % license_['days_left'])
        problems += ['service %s down' % name for name in down]
        problems += ['preflight %s failed' % name for name in probes]
        problems += ['vRPC %s unreachable' % name for name in unreachable]
        rows.append((instance.name, instance.scenario.get('preset', 'healthy'), data['info']['version'],
                     '; '.join(problems) or 'OK'))
    width = max(len(row[0]) for row in rows)
    print('\nConnectware fleet report (%d hosts)' % len(rows))
    print('%-*s  %-21s  %-8s  %s' % (width, 'host', 'scenario', 'version', 'findings'))
    for row in rows:
        print('%-*s  %-21s  %-8s  %s' % (width, row[0], row[1], row[2], row[3]))


def main():
    workdir = os.path.join(REPO, '.tmp', 'demo')
    report_dir = os.path.join(workdir, 'report')
    with Fleet.from_mix(workdir, len(DEMO_MIX), DEMO_MIX) as fleet:
        inventory = fleet.write_inventory()
        print('Simulated fleet of %d Connectware hosts, inventory %s' % (len(fleet), inventory))
        env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=LINKS, ANSIBLE_NOCOLOR='1')
        command = [os.path.join(os.path.dirname(sys.executable), 'ansible-playbook'), '-i', inventory,
                   os.path.join(REPO, 'playbooks', 'fleet_report.yml'), '-e', 'fleet_report_dir=%s' % report_dir]
        completed = subprocess.run(command, env=env, cwd=REPO, check=False)
        if completed.returncode != 0:
            print('the fleet report playbook failed (exit %d)' % completed.returncode)
            return completed.returncode
        summarize(report_dir, fleet)
        print('\nPer-host JSON: %s' % report_dir)
    return 0


if __name__ == '__main__':
    sys.exit(main())
