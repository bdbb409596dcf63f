# -*- coding: utf-8 -*-
# Copyright: (c) 2026, iiot.connectware contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""`make demo`: the collection's main jobs against a simulated Connectware fleet.

Starts a fleet with a mix of states (healthy, license expiring, a service down, registry
unreachable), runs the gated deployment (deployment_gate role -> marketplace app -> gate) and the
fleet report, prints a summary and where the HTML pages are, and stops the fleet.
"""

import json
import os
import subprocess
import sys

from repo_paths import LINKS, REPO, SIMULATOR

sys.path.insert(0, SIMULATOR)

from connectware_sim import DEMO_MIX, Fleet  # noqa: E402  pylint: disable=wrong-import-position


def ansible_playbook(inventory, playbook, extra_vars):
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=LINKS, ANSIBLE_NOCOLOR='1', ANSIBLE_DISPLAY_SKIPPED_HOSTS='0')
    command = [os.path.join(os.path.dirname(sys.executable), 'ansible-playbook'), '-i', inventory, playbook,
               '-e', json.dumps(extra_vars)]
    print('\n$ ansible-playbook -i %s %s' % (os.path.relpath(inventory, REPO), os.path.basename(playbook)))
    return subprocess.run(command, env=env, cwd=REPO, check=False).returncode


def print_table(title, header, rows):
    widths = [max(len(str(value)) for value in column) for column in zip(header, *rows)]
    print('\n' + title)
    for row in [header] + rows:
        print('  '.join(str(value).ljust(width) for value, width in zip(row, widths)).rstrip())


def main():
    workdir = os.path.join(REPO, '.tmp', 'demo')
    gate_dir = os.path.join(workdir, 'gate')
    report_dir = os.path.join(workdir, 'report')
    with Fleet.from_mix(workdir, len(DEMO_MIX), DEMO_MIX) as fleet:
        inventory = fleet.write_inventory()
        print('Simulated fleet of %d Connectware hosts: %s' % (len(fleet), ', '.join(
            '%s (%s)' % (instance.name, instance.scenario.get('preset', 'healthy')) for instance in fleet)))
        gate_rc = ansible_playbook(inventory, os.path.join(REPO, 'playbooks', 'gated_deploy.yml'), {
            'gated_deploy_app_name': 'OPC UA to MQTT', 'gated_deploy_app_version': '1.2.0',
            'gated_deploy_batch_size': len(fleet), 'gated_deploy_max_fail_percentage': 100,
            'gated_deploy_settle_timeout': 10, 'gated_deploy_report_dir': gate_dir,
            'gated_deploy_dest_dir': os.path.join(workdir, 'apps')})
        report_rc = ansible_playbook(inventory, os.path.join(REPO, 'playbooks', 'fleet_report.yml'),
                                     {'fleet_report_dir': report_dir})
        if report_rc != 0:
            print('the fleet report playbook failed (exit %d)' % report_rc)
            return report_rc

    gate_rows = []
    for instance in fleet:
        with open(os.path.join(gate_dir, instance.name + '.json'), encoding='utf-8') as handle:
            verdict = json.load(handle)
        gate_rows.append([instance.name, 'open' if verdict['healthy'] else 'CLOSED', '; '.join(verdict['failures'])])
    print_table('Deployment gate (exit %d: hosts with a closed gate failed, as they should)' % gate_rc,
                ['host', 'gate', 'reasons'], gate_rows)

    with open(os.path.join(report_dir, 'fleet_report.json'), encoding='utf-8') as handle:
        report = json.load(handle)
    print_table('Fleet report, worst first', ['host', 'version', 'latest', 'license days', 'findings'], [
        [row['host'], row['version'] or '-', row['latest_version'] or '-',
         '' if row['license_days_left'] is None else row['license_days_left'], '; '.join(row['problems']) or 'OK']
        for row in report['hosts']])
    pages = [os.path.join(report_dir, 'fleet_report.html'), os.path.join(gate_dir, 'deployment_gate.html')]
    print('\nHTML pages:\n  ' + '\n  '.join(pages))
    return 0


if __name__ == '__main__':
    sys.exit(main())
