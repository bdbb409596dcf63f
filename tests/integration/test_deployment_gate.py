# -*- coding: utf-8 -*-
# Copyright: (c) 2026, iiot.connectware contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The deployment_gate role and the fleet playbooks against simulated fleets."""

import json
import os
import re

from connectware_sim import make_license_jwt
from harness import REPO, connection_vars, run_playbook, write_inventory

PLAYBOOKS = os.path.join(REPO, 'playbooks')


def gate_play(role_vars=None, serial=None, max_fail_percentage=None, module_defaults=True):
    play = {'name': 'gate', 'hosts': 'connectware', 'gather_facts': False,
            'roles': [{'role': 'iiot.connectware.deployment_gate', 'vars': role_vars or {}}]}
    if module_defaults:
        play['module_defaults'] = {'group/iiot.connectware.connectware': connection_vars()}
    if serial is not None:
        play['serial'] = serial
    if max_fail_percentage is not None:
        play['max_fail_percentage'] = max_fail_percentage
    return [play]


def test_gate_passes_healthy_and_closes_unhealthy_with_reasons(make_fleet, workdir, tmp_path):
    fleet = make_fleet([{}, {'preset': 'service_down'}, {'preset': ['license_expiring', 'registry_unreachable']}])
    report = tmp_path / 'report'
    run = run_playbook(workdir, gate_play({'deployment_gate_report_dir': str(report)}),
                       write_inventory(workdir, fleet), forks=3)
    assert run.rc == 2, run
    close = 'Close the gate'
    assert run.task(close, 'cw-001')['status'] == 'skipped'
    assert run.task(close, 'cw-002')['status'] == 'failed'
    assert run.result(close, 'cw-002')['msg'] == \
        "Connectware at %s is unhealthy: service broker is 'exited'" % fleet['cw-002'].url
    assert run.result(close, 'cw-003')['msg'] == (
        'Connectware at %s is unhealthy: license lic-cw-003 expires in 10 days (minimum 14); preflight dockerHub '
        'failed: connect ETIMEDOUT; preflight cybusRegistry failed: getaddrinfo ENOTFOUND registry.cybus.io'
        % fleet['cw-003'].url)
    verdict = run.result('Record the verdict', 'cw-001')['ansible_facts']['deployment_gate_result']
    assert verdict['healthy'] is True and verdict['failures'] == [] and verdict['version'] == '1.7.2'
    assert verdict['license_days_left'] == 365 and verdict['license_id'] == 'lic-cw-001'
    closed = run.result('Record the verdict', 'cw-002')['ansible_facts']['deployment_gate_result']
    assert closed['healthy'] is False and closed['failures'] == ["service broker is 'exited'"]

    for host in ('cw-001', 'cw-002', 'cw-003'):
        with open(report / ('%s.json' % host), encoding='utf-8') as handle:
            assert json.load(handle)['host'] == host
    markdown = (report / 'deployment_gate.md').read_text()
    rows = [line for line in markdown.splitlines() if line.startswith('| cw-')]
    assert len(rows) == 3
    # Worst first, as the HTML page sorts; every row ends with its own checked_at.
    assert [row.split(' | ')[0] for row in rows] == ['| cw-002', '| cw-003', '| cw-001']
    assert rows[0].startswith("| cw-002 | CLOSED | 1.7.2 | 365 | service broker is 'exited' | "), rows
    assert all(re.search(r' \| \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00 \|$', row) for row in rows), rows
    html = (report / 'deployment_gate.html').read_text()
    assert len(re.findall(r'<tr><td>(?:<a href="https://[^"]+">)?cw-\d+(?:</a>)?</td>', html)) == 3
    # Closed gates first.
    assert html.index('>cw-002</a></td>') < html.index('>cw-001</a></td>')


def unescaped_pipes(line):
    return len(re.findall(r'(?<!\\)\|', line))


def test_markdown_report_cannot_be_forged_by_server_strings(make_fleet, workdir, tmp_path):
    """Strings Connectware sends (version, service names in reasons) cannot add rows, cells or HTML to the report."""
    fleet = make_fleet([{}, {}])
    forged_row = '| cw-999 | open | 1.7.2 | 365 | <script>alert(1)</script> |'
    fleet['cw-001'].update_state({'version': '1.7.2 | open |\n%s\r\n# all good' % forged_row})
    services = [dict(service) for service in fleet['cw-002'].state['services']]
    services[0] = {'name': 'broker |\n%s\n`x` [link](https://evil.example) <b>' % forged_row.replace('999', '998'),
                   'status': 'exited', 'uptime': '1 s'}
    fleet['cw-002'].update_state({'services': services})
    report = tmp_path / 'report'
    run = run_playbook(workdir, gate_play({'deployment_gate_report_dir': str(report)}), write_inventory(workdir, fleet),
                       forks=2)
    assert run.rc == 2, run
    verdict = run.result('Record the verdict', 'cw-001')['ansible_facts']['deployment_gate_result']
    assert verdict['version'].startswith('1.7.2 | open |\n| cw-999')  # the verdict keeps what the server said

    markdown = (report / 'deployment_gate.md').read_text()
    table = [line for line in markdown.splitlines() if line.startswith('|')]
    assert len(table) == 4, markdown  # header, separator, one row per host
    assert all(unescaped_pipes(line) == 8 for line in table), markdown
    assert [line.split(' | ')[0] for line in table[2:]] == ['| cw-002', '| cw-001']
    assert '<script>' not in markdown and '<b>' not in markdown
    assert not re.search(r'(?<!\\)\]\(', markdown)  # no link
    assert '&lt;script&gt;alert(1)&lt;/script&gt;' in markdown
    assert not re.search(r'^#', markdown.split('| host |')[1], re.MULTILINE)
    assert table[3].startswith('| cw-001 | open | 1.7.2 \\| open \\| \\| cw-999 \\| open \\| 1.7.2 \\| 365 \\| '
                               '&lt;script&gt;alert(1)&lt;/script&gt; \\| # all good | 365 |  |'), table[3]
    assert table[2].startswith("| cw-002 | CLOSED | 1.7.2 | 365 | service broker \\| \\| cw-998"), table[2]
    assert '\\`x\\` \\[link\\](https://evil.example) &lt;b&gt;' in table[2]

    html = (report / 'deployment_gate.html').read_text()
    assert len(re.findall(r'<tr><td>(?:<a href="https://[^"]+">)?cw-\d+(?:</a>)?</td>', html)) == 2
    assert '<script>' not in html and '&lt;script&gt;' in html


def test_connection_from_role_variables(make_fleet, workdir):
    fleet = make_fleet([{}])
    role_vars = {'deployment_gate_url': '{{ connectware_url }}', 'deployment_gate_token': '{{ connectware_token }}',
                 'deployment_gate_ca_path': '{{ connectware_ca_path }}', 'deployment_gate_checks': ['health']}
    run = run_playbook(workdir, gate_play(role_vars, module_defaults=False), write_inventory(workdir, fleet))
    assert run.rc == 0, run
    assert [entry['path'] for entry in fleet['cw-001'].request_log()] == ['/api/system/health']


def test_role_variables_override_module_defaults_one_by_one(make_fleet, workdir):
    """A set connection variable wins over the group's module_defaults; unset ones leave the group's values."""
    fleet = make_fleet([{}])
    inventory = write_inventory(workdir, fleet)

    def play_with_wrong_group_token(role_vars):
        play = gate_play(dict(role_vars, deployment_gate_checks=['health']))
        play[0]['module_defaults']['group/iiot.connectware.connectware']['token'] = 'not-the-token'
        return play

    # url and ca_path come from the group's defaults, the token from the role variable.
    run = run_playbook(workdir, play_with_wrong_group_token({'deployment_gate_token': '{{ connectware_token }}'}),
                       inventory)
    assert run.rc == 0, run
    assert [entry['path'] for entry in fleet['cw-001'].request_log()] == ['/api/system/health']

    # Without the role variable, the group's token is the one sent, and Connectware refuses it.
    run = run_playbook(workdir, play_with_wrong_group_token({}), inventory)
    assert run.rc == 2, run
    assert 'HTTP 401' in run.result('Close the gate', 'cw-001')['msg'], run


def test_role_argument_spec_rejects_bad_variables(make_fleet, workdir):
    fleet = make_fleet([{}])
    run = run_playbook(workdir, gate_play({'deployment_gate_checks': ['health', 'disk'],
                                           'deployment_gate_license_min_days': 'soon'}),
                       write_inventory(workdir, fleet))
    assert run.rc != 0
    message = run.results[0]['result']['msg']
    assert 'deployment_gate_checks' in message and 'disk' in message
    assert 'deployment_gate_license_min_days' in message
    assert fleet['cw-001'].request_log() == []


def test_serial_rollout_stops_at_the_threshold(make_fleet, workdir):
    fleet = make_fleet([{}, {'preset': 'service_down'}, {}, {}])
    run = run_playbook(workdir, gate_play(serial=1, max_fail_percentage=0), write_inventory(workdir, fleet))
    assert run.rc != 0
    assert fleet['cw-001'].request_log() and fleet['cw-002'].request_log()
    assert fleet['cw-003'].request_log() == [] and fleet['cw-004'].request_log() == []


def test_serial_rollout_stops_when_part_of_a_batch_fails(make_fleet, workdir):
    """One closed gate in a batch of two is 50 %, above max_fail_percentage 0: no further batch starts."""
    fleet = make_fleet([{}, {}, {'preset': 'service_down'}, {}, {}])
    run = run_playbook(workdir, gate_play(serial=2, max_fail_percentage=0), write_inventory(workdir, fleet))
    assert run.rc != 0
    assert fleet['cw-004'].request_log()
    assert fleet['cw-005'].request_log() == []


def test_serial_rollout_within_the_threshold_continues(make_fleet, workdir):
    fleet = make_fleet([{}, {'preset': 'service_down'}, {}, {}])
    run = run_playbook(workdir, gate_play(serial=2, max_fail_percentage=50), write_inventory(workdir, fleet))
    assert run.rc == 2
    assert fleet['cw-004'].request_log()


def test_report_of_a_serial_rollout_stopped_at_the_threshold(make_fleet, workdir, tmp_path):
    """Each batch adds its hosts' verdicts (a closed gate first in its batch included); unchecked hosts are listed."""
    fleet = make_fleet([{}, {}, {'preset': 'service_down'}, {}, {}])
    report = tmp_path / 'report'
    run = run_playbook(workdir, gate_play({'deployment_gate_report_dir': str(report)}, serial=2, max_fail_percentage=0),
                       write_inventory(workdir, fleet))
    assert run.rc != 0
    written = sorted(path.name for path in report.glob('*.json'))
    assert written == ['cw-001.json', 'cw-002.json', 'cw-003.json', 'cw-004.json']
    with open(report / 'cw-003.json', encoding='utf-8') as handle:
        assert json.load(handle)['failures'] == ["service broker is 'exited'"]
    rows = [line for line in (report / 'deployment_gate.md').read_text().splitlines() if line.startswith('| cw-')]
    assert rows[0].startswith('| cw-003 | CLOSED |') and rows[4] == '| cw-005 | not checked | | | | | |', rows


def license_files(tmp_path, fleet, days=400):
    import datetime
    expiration = (datetime.date.today() + datetime.timedelta(days=days)).isoformat()
    folder = tmp_path / 'licenses'
    folder.mkdir(exist_ok=True)
    host_vars = {}
    for instance in fleet:
        path = folder / ('%s.lic' % instance.name)
        path.write_text(make_license_jwt('lic-2027-%s' % instance.name, expiration=expiration) + '\n')
        host_vars[instance.name] = {'connectware_license_file': str(path)}
    return host_vars


def test_license_rollout_then_no_change(make_fleet, workdir, tmp_path):
    fleet = make_fleet([{'preset': 'license_expiring'}, {}, {'preset': 'license_expiring'}])
    inventory = write_inventory(workdir, fleet, license_files(tmp_path, fleet))
    extra = {'license_rollout_batch_size': 2, 'license_rollout_report_dir': str(tmp_path / 'rollout')}
    first = run_playbook(workdir, os.path.join(PLAYBOOKS, 'license_rollout.yml'), inventory, extra_vars=extra)
    assert first.rc == 0, first
    for instance in fleet:
        assert first.task('Install the host\'s license file', instance.name)['status'] == 'changed'
        assert instance.state['license']['file']['id'] == 'lic-2027-%s' % instance.name
        assert instance.count('PUT', '/api/system/licensefile') == 1
    assert (tmp_path / 'rollout' / 'deployment_gate.html').exists()

    second = run_playbook(workdir, 'iiot.connectware.license_rollout', inventory, extra_vars=extra)
    assert second.rc == 0, second
    assert not [entry for entry in second.results if entry['status'] == 'changed'
                and entry['action'] != 'ansible.builtin.copy' and entry['action'] != 'ansible.builtin.template'
                and entry['action'] != 'ansible.builtin.file'], 'second rollout changed something'
    for instance in fleet:
        assert second.task('Install the host\'s license file', instance.name)['status'] == 'ok'
        assert instance.count('PUT', '/api/system/licensefile') == 1


def test_license_rollout_stops_on_a_failed_gate(make_fleet, workdir, tmp_path):
    fleet = make_fleet([{}, {'preset': 'vrpc_unreachable'}, {}, {}])
    inventory = write_inventory(workdir, fleet, license_files(tmp_path, fleet))
    run = run_playbook(workdir, os.path.join(PLAYBOOKS, 'license_rollout.yml'), inventory,
                       extra_vars={'license_rollout_batch_size': 1})
    assert run.rc != 0
    assert fleet['cw-001'].count('PUT', '/api/system/licensefile') == 1
    assert fleet['cw-002'].count('PUT', '/api/system/licensefile') == 0
    assert fleet['cw-003'].request_log() == [] and fleet['cw-004'].request_log() == []


def test_fleet_report_one_row_per_host_worst_first(make_fleet, workdir, tmp_path):
    fleet = make_fleet([{}, {'preset': 'license_expiring'}, {'preset': 'service_down'}, {},
                        {'preset': 'registry_unreachable'}])
    fleet['cw-004'].set_fault('*', reset=True)
    report = tmp_path / 'report'
    run = run_playbook(workdir, 'iiot.connectware.fleet_report', write_inventory(workdir, fleet),
                       extra_vars={'fleet_report_dir': str(report)}, forks=5)
    assert run.rc == 0, run
    with open(report / 'fleet_report.json', encoding='utf-8') as handle:
        rows = json.load(handle)['hosts']
    assert [row['host'] for row in rows] == ['cw-004', 'cw-003', 'cw-002', 'cw-005', 'cw-001']
    assert [row['severity'] for row in rows] == [3, 2, 1, 1, 0]
    assert 'cannot reach Connectware' in rows[0]['error']
    assert rows[1]['services_down'] == ['broker']
    assert rows[2]['license_level'] == 'warn' and rows[2]['license_days_left'] == 10
    assert rows[3]['preflight_failed'] == ['dockerHub', 'cybusRegistry']
    assert rows[4]['update_available'] is True and rows[4]['latest_version'] == '1.8.0'
    html = (report / 'fleet_report.html').read_text()
    assert html.count('<tr class="sev-') == 5
    assert html.index('cw-004') < html.index('cw-003') < html.index('cw-001')
    for instance in fleet:
        assert (report / 'hosts' / ('%s.json' % instance.name)).exists()


def test_gated_deploy_fetches_only_for_open_gates(make_fleet, workdir, tmp_path):
    fleet = make_fleet([{}, {'preset': 'service_down'}])
    apps = tmp_path / 'apps'
    run = run_playbook(workdir, os.path.join(PLAYBOOKS, 'gated_deploy.yml'), write_inventory(workdir, fleet),
                       extra_vars={'gated_deploy_app_name': 'OPC UA to MQTT', 'gated_deploy_app_version': '1.2.0',
                                   'gated_deploy_dest_dir': str(apps), 'gated_deploy_batch_size': 2,
                                   'gated_deploy_max_fail_percentage': 50, 'gated_deploy_settle_timeout': 5})
    assert run.rc == 2, run
    assert (apps / 'cw-001' / 'opcua-to-mqtt.yml').exists()
    assert not (apps / 'cw-002').exists()
    checks = [entry for entry in run.results if entry['host'] == 'cw-001'
              and entry['action'] == 'iiot.connectware.connectware_health_check' and entry['status'] != 'skipped']
    assert len(checks) == 2
