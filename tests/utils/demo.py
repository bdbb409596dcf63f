# -*- coding: utf-8 -*-
# Copyright: (c) 2026, iiot.connectware contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""`make demo`: the collection's main jobs against a simulated Connectware fleet.

Starts a fleet with a mix of states (healthy, license expiring, a service down, registry
unreachable), runs the gated deployment (deployment_gate role -> marketplace app -> install and
enable it with connectware_service on the hosts whose gate is open -> gate again) and the fleet
report, prints a summary of each stage per host and where the HTML pages are, and stops the fleet.
"""

import json
import os
import subprocess
import sys

from repo_paths import LINKS, REPO, SIMULATOR

sys.path.insert(0, SIMULATOR)

from connectware_sim import DEMO_MIX, Fleet  # noqa: E402  pylint: disable=wrong-import-position


def ansible_playbook(inventory, playbook, extra_vars, record=None):
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=LINKS, ANSIBLE_NOCOLOR='1', ANSIBLE_DISPLAY_SKIPPED_HOSTS='0')
    if record:
        # The test suite's callback writes every task result as a JSON line: the summary reads the stages from it.
        env.update(ANSIBLE_CALLBACK_PLUGINS=os.path.join(REPO, 'tests', 'integration', 'callback_plugins'),
                   ANSIBLE_CALLBACKS_ENABLED='record_results', RECORD_RESULTS_PATH=record)
        if os.path.exists(record):
            os.remove(record)
    command = [os.path.join(os.path.dirname(sys.executable), 'ansible-playbook'), '-i', inventory, playbook,
               '-e', json.dumps(extra_vars)]
    print('\n$ ansible-playbook -i %s %s' % (os.path.relpath(inventory, REPO), os.path.basename(playbook)))
    return subprocess.run(command, env=env, cwd=REPO, check=False).returncode


def print_table(title, header, rows):
    widths = [max(len(str(value)) for value in column) for column in zip(header, *rows)]
    print('\n' + title)
    for row in [header] + rows:
        print('  '.join(str(value).ljust(width) for value, width in zip(row, widths)).rstrip())


def recorded(path):
    with open(path, encoding='utf-8') as handle:
        return [json.loads(line) for line in handle if line.strip()]


def gate_cell(entry):
    if entry is None:
        return '-'
    return 'open' if entry['result'].get('healthy') else 'CLOSED'


def gate_reasons(entries):
    return '; '.join(reason for entry in entries for reason in (
        entry['result'].get('failures') or ([] if entry['result'].get('healthy') else [entry['result'].get('msg')])))


def service_cell(entry, installed):
    if entry is None:
        return 'not installed (gate closed)'
    result = entry['result']
    done = ', '.join(result.get('actions') or []) or 'nothing to do'
    if entry['status'] == 'failed':
        return 'FAILED (%s): %s' % (done, result.get('msg'))
    return '%s -> %s' % (done, (installed or {}).get('currentState', 'absent'))


def deployment_rows(entries, fleet, service_id):
    """Per host: the gate before, the service install, the gate after (the stages as they ran)."""
    rows = []
    for instance in fleet:
        mine = [entry for entry in entries if entry['host'] == instance.name and entry['status'] != 'skipped']
        gates = [entry for entry in mine if entry['action'] == 'iiot.connectware.connectware_health_check']
        installs = [entry for entry in mine if entry['action'] == 'iiot.connectware.connectware_service']
        installed = instance.state.get('connectware_services', {}).get(service_id)
        rows.append([instance.name, gate_cell(gates[0] if gates else None),
                     service_cell(installs[0] if installs else None, installed),
                     gate_cell(gates[1] if len(gates) > 1 else None), gate_reasons(gates)])
    return rows


def main():
    workdir = os.path.join(REPO, '.tmp', 'demo')
    gate_dir = os.path.join(workdir, 'gate')
    report_dir = os.path.join(workdir, 'report')
    record = os.path.join(workdir, 'gated_deploy.jsonl')
    service_id = 'opcua-to-mqtt'
    with Fleet.from_mix(workdir, len(DEMO_MIX), DEMO_MIX) as fleet:
        inventory = fleet.write_inventory()
        print('Simulated fleet of %d Connectware hosts: %s' % (len(fleet), ', '.join(
            '%s (%s)' % (instance.name, instance.scenario.get('preset', 'healthy')) for instance in fleet)))
        gate_rc = ansible_playbook(inventory, os.path.join(REPO, 'playbooks', 'gated_deploy.yml'), {
            'gated_deploy_app_name': 'OPC UA to MQTT', 'gated_deploy_app_version': '1.2.0',
            'gated_deploy_batch_size': len(fleet), 'gated_deploy_max_fail_percentage': 100,
            'gated_deploy_settle_timeout': 10, 'gated_deploy_report_dir': gate_dir,
            'gated_deploy_dest_dir': os.path.join(workdir, 'apps'), 'gated_deploy_service_id': service_id,
            'gated_deploy_service_wait_interval': 0.5}, record=record)
        stages = deployment_rows(recorded(record), fleet, service_id)
        report_rc = ansible_playbook(inventory, os.path.join(REPO, 'playbooks', 'fleet_report.yml'),
                                     {'fleet_report_dir': report_dir})
        if report_rc != 0:
            print('the fleet report playbook failed (exit %d)' % report_rc)
            return report_rc

    print_table('Gated deployment of OPC UA to MQTT as service %s (exit %d: hosts with a closed gate failed, as they '
                'should; only hosts with an open gate got the service)' % (service_id, gate_rc),
                ['host', 'gate before', 'connectware_service', 'gate after', 'reasons'], stages)

    with open(os.path.join(report_dir, 'fleet_report.json'), encoding='utf-8') as handle:
        report = json.load(handle)
    print_table('Fleet report, worst first', ['host', 'version', 'latest', 'license days', 'findings'], [
        [row['host'], row['version'] or '-', row['latest_version'] or '-',
         '' if row['license_days_left'] is None else row['license_days_left'], '; '.join(row['problems']) or 'OK']
        for row in report['hosts']])
    pages = [os.path.join(report_dir, 'fleet_report.html')] + [
        os.path.join(gate_dir, gate, 'deployment_gate.html') for gate in ('before', 'after')]
    print('\nHTML pages:\n  ' + '\n  '.join(pages))
    return 0


if __name__ == '__main__':
    sys.exit(main())
