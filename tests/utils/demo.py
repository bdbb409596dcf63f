# -*- coding: utf-8 -*-
# Copyright: (c) 2026, iiot.connectware contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""`make demo`: the collection's main jobs against a simulated Connectware fleet.

Starts a fleet with a mix of states (healthy, license expiring, a service down, registry
unreachable), runs the gated deployment (deployment_gate role -> marketplace app -> install and
enable it with connectware_service on the hosts whose gate is open -> gate again) and the fleet
report, prints a summary of each stage per host, where the HTML pages are, the command that re-runs
each playbook and how long it all took, and stops the fleet.

Each playbook's own output goes to a log file beside its report (closed gates are expected there:
they fail their hosts on purpose); the terminal shows one line per play and task while it runs.

`make demo-fleet` (``demo.py --fleet``) starts the same fleet, prints how to run the playbooks
against it, and keeps it up until Ctrl-C.
"""

import json
import os
import shlex
import subprocess
import sys
import threading
import time

from repo_paths import LINKS, REPO, SIMULATOR

sys.path.insert(0, SIMULATOR)

from connectware_sim import DEMO_MIX, Fleet  # noqa: E402  pylint: disable=wrong-import-position

STARTED = time.time()
GATED_DEPLOY = os.path.join(REPO, 'playbooks', 'gated_deploy.yml')
FLEET_REPORT = os.path.join(REPO, 'playbooks', 'fleet_report.yml')
SERVICE_ID = 'opcua-to-mqtt'


def shown(path):
    """A path as the user types it from the repository's folder."""
    relative = os.path.relpath(path, REPO)
    return path if relative.startswith('..') else relative


def playbook_command(inventory, playbook, extra_vars):
    """The exact command that runs ``playbook`` against the fleet, from the repository's folder."""
    return 'ANSIBLE_COLLECTIONS_PATH=%s %s -i %s %s -e %s' % (
        shlex.quote(shown(LINKS)), shlex.quote(shown(os.path.join(os.path.dirname(sys.executable), 'ansible-playbook'))),
        shlex.quote(shown(inventory)), shlex.quote(shown(playbook)), shlex.quote(json.dumps(extra_vars)))


def gated_deploy_vars(workdir, hosts):
    return {'gated_deploy_app_name': 'OPC UA to MQTT', 'gated_deploy_app_version': '1.2.0',
            'gated_deploy_batch_size': hosts, 'gated_deploy_max_fail_percentage': 100,
            'gated_deploy_settle_timeout': 10, 'gated_deploy_report_dir': os.path.join(workdir, 'gate'),
            'gated_deploy_dest_dir': os.path.join(workdir, 'apps'), 'gated_deploy_service_id': SERVICE_ID,
            'gated_deploy_service_wait_interval': 0.5}


def fleet_report_vars(workdir):
    return {'fleet_report_dir': os.path.join(workdir, 'report')}


def ansible_playbook(inventory, playbook, extra_vars, log, record=None):
    """Run a playbook: its output into ``log``, a line per play and task on the terminal. Returns (rc, seconds)."""
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=LINKS, ANSIBLE_NOCOLOR='1', ANSIBLE_DISPLAY_SKIPPED_HOSTS='0',
               ANSIBLE_PIPELINING='1', ANSIBLE_FORKS='10')
    if record:
        # The test suite's callback writes every task result as a JSON line: the summary reads the stages from it.
        env.update(ANSIBLE_CALLBACK_PLUGINS=os.path.join(REPO, 'tests', 'integration', 'callback_plugins'),
                   ANSIBLE_CALLBACKS_ENABLED='record_results', RECORD_RESULTS_PATH=record)
        if os.path.exists(record):
            os.remove(record)
    command = [os.path.join(os.path.dirname(sys.executable), 'ansible-playbook'), '-i', inventory, playbook,
               '-e', json.dumps(extra_vars)]
    print('\n== %s (output: %s)' % (os.path.basename(playbook), shown(log)), flush=True)
    started = time.time()
    with open(log, 'w', encoding='utf-8') as handle:
        process = subprocess.Popen(command, env=env, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                   universal_newlines=True, encoding='utf-8', errors='replace')
        for line in process.stdout:
            handle.write(line)
            if line.startswith(('PLAY [', 'TASK [')) and not line.startswith('PLAY RECAP'):
                print('   %5.1fs  %s' % (time.time() - started, line.split(' ***', 1)[0].strip()), flush=True)
        rc = process.wait()
    return rc, time.time() - started


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


def show_log_tail(log, lines=40):
    with open(log, encoding='utf-8', errors='replace') as handle:
        tail = handle.readlines()[-lines:]
    print(''.join(tail))


def start_fleet(workdir):
    fleet = Fleet.from_mix(workdir, len(DEMO_MIX), DEMO_MIX)
    fleet.start()
    print('Simulated fleet of %d Connectware hosts: %s' % (len(fleet), ', '.join(
        '%s (%s)' % (instance.name, instance.scenario.get('preset', 'healthy')) for instance in fleet)), flush=True)
    return fleet, fleet.write_inventory()


def took(seconds):
    return '%.0f s' % seconds if seconds >= 10 else '%.1f s' % seconds


def demo():
    workdir = os.path.join(REPO, '.tmp', 'demo')
    gate_dir = os.path.join(workdir, 'gate')
    report_dir = os.path.join(workdir, 'report')
    record = os.path.join(workdir, 'gated_deploy.jsonl')
    fleet, inventory = start_fleet(workdir)
    try:
        gate_vars = gated_deploy_vars(workdir, len(fleet))
        gate_rc, gate_seconds = ansible_playbook(inventory, GATED_DEPLOY, gate_vars,
                                                 os.path.join(workdir, 'gated_deploy.log'), record=record)
        stages = deployment_rows(recorded(record), fleet, SERVICE_ID)
        report_log = os.path.join(workdir, 'fleet_report.log')
        report_rc, report_seconds = ansible_playbook(inventory, FLEET_REPORT, fleet_report_vars(workdir), report_log)
        if report_rc != 0:
            show_log_tail(report_log)
            print('the fleet report playbook failed (exit %d): %s' % (report_rc, shown(report_log)))
            return report_rc
    finally:
        fleet.stop()
    if gate_rc not in (0, 2) or not any(row[1] == 'open' for row in stages):
        show_log_tail(os.path.join(workdir, 'gated_deploy.log'))
        print('the gated deployment playbook failed unexpectedly (exit %d)' % gate_rc)
        return gate_rc or 1

    print_table('Gated deployment of OPC UA to MQTT as service %s (%s; exit %d: the hosts whose gate closed failed, '
                'as they should, and only the hosts whose gate was open got the service)'
                % (SERVICE_ID, took(gate_seconds), gate_rc),
                ['host', 'gate before', 'connectware_service', 'gate after', 'reasons'], stages)

    with open(os.path.join(report_dir, 'fleet_report.json'), encoding='utf-8') as handle:
        report = json.load(handle)
    print_table('Fleet report, worst first (%s)' % took(report_seconds),
                ['host', 'version', 'latest', 'license days', 'findings'], [
                    [row['host'], row['version'] or '-', row['latest_version'] or '-',
                     '' if row['license_days_left'] is None else row['license_days_left'],
                     '; '.join(row['problems']) or 'OK']
                    for row in report['hosts']])
    pages = [os.path.join(report_dir, 'fleet_report.html')] + [
        os.path.join(gate_dir, gate, 'deployment_gate.html') for gate in ('before', 'after')]
    print('\nHTML pages:\n  ' + '\n  '.join(shown(page) for page in pages))
    fleet_inventory = os.path.join(REPO, '.tmp', 'demo-fleet', 'inventory.yml')
    print('\nRun the playbooks yourself: start the fleet with `make demo-fleet` (it stays up until Ctrl-C), then, in '
          'another terminal in %s:\n  %s\n  %s' % (REPO, playbook_command(fleet_inventory, GATED_DEPLOY, gated_deploy_vars(
              os.path.dirname(fleet_inventory), len(fleet))), playbook_command(
                  fleet_inventory, FLEET_REPORT, fleet_report_vars(os.path.dirname(fleet_inventory)))))
    started = float(os.environ.get('DEMO_STARTED') or STARTED)
    print('\nmake demo took %s (the playbooks %s)' % (took(time.time() - started), took(gate_seconds + report_seconds)))
    return 0


def demo_fleet():
    """Keep the demo fleet up until Ctrl-C, and say how to run the playbooks against it."""
    workdir = os.path.join(REPO, '.tmp', 'demo-fleet')
    fleet, inventory = start_fleet(workdir)
    try:
        print('\nInventory: %s (CA: %s)' % (shown(inventory), shown(fleet.ca_path)))
        print('From %s, run for example:\n  %s\n  %s\n  %s' % (
            REPO, playbook_command(inventory, FLEET_REPORT, fleet_report_vars(workdir)),
            playbook_command(inventory, GATED_DEPLOY, gated_deploy_vars(workdir, len(fleet))),
            'ANSIBLE_COLLECTIONS_PATH=%s %s -i %s localhost -m iiot.connectware.connectware_info -a '
            '"url=%s token=%s ca_path=%s gather_subset=info"' % (
                shlex.quote(shown(LINKS)), shown(os.path.join(os.path.dirname(sys.executable), 'ansible')),
                shlex.quote(shown(inventory)), fleet['cw-001'].url, fleet['cw-001'].admin_token,
                shown(fleet.ca_path))))
        print('The hosts keep what the playbooks change until the fleet stops. Ctrl-C stops it.', flush=True)
        try:
            threading.Event().wait()
        except KeyboardInterrupt:
            print('\nstopping the fleet')
    finally:
        fleet.stop()
    return 0


def main(argv):
    return demo_fleet() if '--fleet' in argv else demo()


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
