# -*- coding: utf-8 -*-
# Copyright: (c) 2026, iiot.connectware contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The deployment_gate role and the fleet playbooks against simulated fleets.

Every scenario has hosts of its own, and the scenarios share three ansible-playbook runs. A run can
name several playbooks; Ansible runs them in order and starts the next only when the one before
ended with no failed host, so each operator playbook there still runs as its own file, from the
command line, with extra variables (and `*_hosts` picking its scenario's hosts).

- ``shared``: the fleet report and the first license rollout (operator playbooks), then every role
  scenario as a play of its own (gate_plays.yml). Closed gates fail their hosts, so the role's plays
  come after the playbooks that must end clean, and the serial rollout that stops the run is last.
- ``rerun``: the second license rollout (it must start afresh after the first, as an operator's
  second run does), then the one-host-per-batch serial rollout that stops its run.
- ``stopped_rollout``: the license rollout that stops on a failed gate, with its own batch size;
  an extra variable counts for every playbook of a run, and this run is about the stop.
"""

import datetime
import json
import os
import re

import pytest

from connectware_sim import make_license_jwt
from harness import (REPO, connection_vars, expected_days_left, run_playbook, scenario_playbook, write_inventory,
                     write_plays)

PLAYBOOKS = os.path.join(REPO, 'playbooks')
ROLE = 'iiot.connectware.deployment_gate'
CLOSE = 'Close the gate'
VERDICT = 'Record the verdict'

REPORT_HOSTS = ['report-%03d' % index for index in range(1, 6)]
ROLLOUT_HOSTS = ['rollout-%03d' % index for index in range(1, 4)]
STOP_HOSTS = ['stop-%03d' % index for index in range(1, 5)]
GATE_HOSTS = ['gate-%03d' % index for index in range(1, 4)]
FORGED_HOSTS = ['forged-001', 'forged-002']
WITHIN_HOSTS = ['within-%03d' % index for index in range(1, 5)]
BATCH_HOSTS = ['batch-%03d' % index for index in range(1, 6)]
SERIAL1_HOSTS = ['serial1-%03d' % index for index in range(1, 5)]

ROLLOUT_PLAYS = ("Check the license rollout's variables and license files", 'Roll out Connectware licenses')
REPORT_PLAYS = ("Check the fleet report's variables", 'Fleet report of Connectware hosts')
FORGED_ROW = '| forged-999 | open | 1.7.2 | 365 | <script>alert(1)</script> |'
WRONG_GROUP_TOKEN = {'group/iiot.connectware.connectware': dict(connection_vars(), token='not-the-token')}


def gate_play(name, hosts=None, role_vars=None, module_defaults=True, role_keywords=None, **keywords):
    """A scenario's play: the role with ``role_vars`` on the hosts ``hosts`` (default: the host ``name``)."""
    role = {'role': ROLE, 'vars': role_vars or {}}
    role.update(role_keywords or {})
    play = {'name': name, 'hosts': hosts or name, 'gather_facts': False, 'roles': [role]}
    if module_defaults is True:
        play['module_defaults'] = {'group/iiot.connectware.connectware': connection_vars()}
    elif module_defaults:
        play['module_defaults'] = module_defaults
    play.update(keywords)
    return play


def run_playbooks(workdir, playbooks, inventory, extra_vars, forks=5):
    """One ansible-playbook run of ``playbooks`` in order (positional, before every option)."""
    return run_playbook(workdir, playbooks[0], inventory,
                        extra_args=list(playbooks[1:]) + ['-e', json.dumps(extra_vars), '--forks', str(forks)])


def assert_no_failure(play):
    """What rc == 0 said of a scenario that had a run of its own: no task failed on any of its hosts."""
    assert play.results, play
    failed = [(entry['task'], entry['host']) for entry in play.results if entry['status'] in ('failed', 'unreachable')]
    assert not failed, play


def license_files(folder, names, days=400):
    expiration = (datetime.date.today() + datetime.timedelta(days=days)).isoformat()
    folder.mkdir(exist_ok=True)
    host_vars = {}
    for name in names:
        path = folder / ('%s.lic' % name)
        path.write_text(make_license_jwt('lic-2027-%s' % name, expiration=expiration) + '\n')
        host_vars[name] = {'connectware_license_file': str(path)}
    return host_vars


def scenarios_of(names, presets):
    return [dict({'name': name}, **({'preset': preset} if preset else {})) for name, preset in zip(names, presets)]


@pytest.fixture(scope='module')
def fleet_and_inventory(host_pool, module_workdir, tmp_path_factory):
    """Every scenario's hosts, in one inventory (each host with its license file for the rollouts)."""
    fleet = host_pool.fleet(
        scenarios_of(REPORT_HOSTS, [None, 'license_expiring', 'service_down', None, 'registry_unreachable'])
        + scenarios_of(ROLLOUT_HOSTS, ['license_expiring', None, 'license_expiring'])
        + scenarios_of(STOP_HOSTS, [None, 'vrpc_unreachable', None, None])
        + scenarios_of(GATE_HOSTS, [None, 'service_down', ['license_expiring', 'registry_unreachable']])
        + scenarios_of(FORGED_HOSTS, [None, None])
        + [{'name': name} for name in ('role-vars', 'override-token', 'group-token', 'bad-vars')]
        + scenarios_of(WITHIN_HOSTS, [None, 'service_down', None, None])
        + scenarios_of(BATCH_HOSTS, [None, None, 'service_down', None, None])
        + scenarios_of(SERIAL1_HOSTS, [None, 'service_down', None, None]))
    fleet['report-004'].set_fault('*', reset=True)
    # Strings Connectware sends (version, service names in reasons) that try to add rows, cells or HTML.
    fleet['forged-001'].update_state({'version': '1.7.2 | open |\n%s\r\n# all good' % FORGED_ROW})
    services = [dict(service) for service in fleet['forged-002'].state['services']]
    services[0] = {'name': 'broker |\n%s\n`x` [link](https://evil.example) <b>' % FORGED_ROW.replace('999', '998'),
                   'status': 'exited', 'uptime': '1 s'}
    fleet['forged-002'].update_state({'services': services})
    host_vars = license_files(tmp_path_factory.mktemp('licenses'), ROLLOUT_HOSTS + STOP_HOSTS)
    return fleet, write_inventory(module_workdir, fleet, host_vars)


@pytest.fixture(scope='module')
def shared(fleet_and_inventory, module_workdir, tmp_path_factory):
    """Run 1: fleet report, first license rollout, then the role's scenarios (the stopping one last)."""
    fleet, inventory = fleet_and_inventory
    out = tmp_path_factory.mktemp('out')
    dirs = dict((name, out / name) for name in ('fleet', 'rollout', 'gate', 'forged', 'batch'))
    plays = [
        gate_play('gate', GATE_HOSTS, {'deployment_gate_report_dir': str(dirs['gate'])}),
        gate_play('forged', FORGED_HOSTS, {'deployment_gate_report_dir': str(dirs['forged'])}),
        gate_play('role-vars', role_vars={
            'deployment_gate_url': '{{ connectware_url }}', 'deployment_gate_token': '{{ connectware_token }}',
            'deployment_gate_ca_path': '{{ connectware_ca_path }}', 'deployment_gate_checks': ['health']},
            module_defaults=False),
        # url and ca_path come from the group's defaults, the token from the role variable.
        gate_play('override-token', role_vars={'deployment_gate_token': '{{ connectware_token }}',
                                               'deployment_gate_checks': ['health']},
                  module_defaults=WRONG_GROUP_TOKEN),
        # Without the role variable, the group's token is the one sent, and Connectware refuses it: the
        # closed gate is ignored, so that the play's only host failing does not end the run.
        gate_play('group-token', role_vars={'deployment_gate_checks': ['health']}, module_defaults=WRONG_GROUP_TOKEN,
                  role_keywords={'ignore_errors': True}),
        # The role's argument spec stops the role at its first task: rescued, so the run goes on, and
        # nothing else of the role runs after the failed validation.
        {'name': 'bad-vars', 'hosts': 'bad-vars', 'gather_facts': False,
         'module_defaults': {'group/iiot.connectware.connectware': connection_vars()},
         'tasks': [{'name': 'The role with bad variables', 'block': [{
             'name': 'Gate', 'ansible.builtin.import_role': {'name': ROLE},
             'vars': {'deployment_gate_checks': ['health', 'disk'], 'deployment_gate_license_min_days': 'soon'}}],
             'rescue': [{'name': 'The role stopped', 'ansible.builtin.debug': {'msg': 'stopped'}}]}]},
        gate_play('within-threshold', WITHIN_HOSTS, serial=2, max_fail_percentage=50),
        # Last: it stops the run (no play after it would start).
        gate_play('serial-2-stop', BATCH_HOSTS, {'deployment_gate_report_dir': str(dirs['batch'])},
                  serial=2, max_fail_percentage=0),
    ]
    playbooks = ['iiot.connectware.fleet_report', os.path.join(PLAYBOOKS, 'license_rollout.yml'),
                 write_plays(module_workdir, 'gate_plays.yml', scenario_playbook(plays))]
    run = run_playbooks(module_workdir, playbooks, inventory, {
        'fleet_report_dir': str(dirs['fleet']), 'fleet_report_hosts': 'report-*',
        'license_rollout_batch_size': 2, 'license_rollout_report_dir': str(dirs['rollout']),
        'license_rollout_hosts': 'rollout-*'})
    # What the second rollout (the rerun fixture) must not change, as it was after the first one.
    after_first = {
        'licenses': dict((name, fleet[name].state['license']['file']['id']) for name in ROLLOUT_HOSTS),
        'uploads': dict((name, fleet[name].count('PUT', '/api/system/licensefile')) for name in ROLLOUT_HOSTS),
        'rollout_page': (dirs['rollout'] / 'deployment_gate.html').exists(),
    }
    return run, dirs, after_first


@pytest.fixture(scope='module')
def rerun(shared, fleet_and_inventory, module_workdir):
    """Run 2: the second license rollout (by the collection's name), then the serial rollout of one host a batch."""
    _run, dirs, _after_first = shared
    _fleet, inventory = fleet_and_inventory
    plays = [gate_play('serial-1-stop', SERIAL1_HOSTS, serial=1, max_fail_percentage=0)]
    return run_playbooks(module_workdir, ['iiot.connectware.license_rollout',
                                          write_plays(module_workdir, 'serial_1_stop.yml', scenario_playbook(plays))],
                         inventory, {'license_rollout_batch_size': 2, 'license_rollout_report_dir': str(dirs['rollout']),
                                     'license_rollout_hosts': 'rollout-*'})


@pytest.fixture(scope='module')
def stopped_rollout(fleet_and_inventory, module_workdir):
    """Run 3, of its own: the license rollout, one host a batch, stopped by a failed gate."""
    _fleet, inventory = fleet_and_inventory
    return run_playbooks(module_workdir, [os.path.join(PLAYBOOKS, 'license_rollout.yml')], inventory,
                         {'license_rollout_batch_size': 1, 'license_rollout_hosts': 'stop-*'})


def test_gate_passes_healthy_and_closes_unhealthy_with_reasons(fleet_and_inventory, shared):
    fleet, _inventory = fleet_and_inventory
    whole, dirs, _after_first = shared
    run = whole.play('gate')
    assert run.rc == 2, run
    assert run.task(CLOSE, 'gate-001')['status'] == 'skipped'
    assert run.task(CLOSE, 'gate-002')['status'] == 'failed'
    assert run.task(CLOSE, 'gate-003')['status'] == 'failed'
    assert run.result(CLOSE, 'gate-002')['msg'] == \
        "Connectware at %s is unhealthy: service broker is 'exited'" % fleet['gate-002'].url
    assert run.result(CLOSE, 'gate-003')['msg'] in set(
        'Connectware at %s is unhealthy: license lic-gate-003 expires in %d days (minimum 14); preflight dockerHub '
        'failed: connect ETIMEDOUT; preflight cybusRegistry failed: getaddrinfo ENOTFOUND registry.cybus.io'
        % (fleet['gate-003'].url, days) for days in expected_days_left(10, run))
    verdict = run.result(VERDICT, 'gate-001')['ansible_facts']['deployment_gate_result']
    assert verdict['healthy'] is True and verdict['failures'] == [] and verdict['version'] == '1.7.2'
    assert verdict['license_days_left'] in expected_days_left(365, run) and verdict['license_id'] == 'lic-gate-001'
    closed = run.result(VERDICT, 'gate-002')['ansible_facts']['deployment_gate_result']
    assert closed['healthy'] is False and closed['failures'] == ["service broker is 'exited'"]

    report = dirs['gate']
    for host in GATE_HOSTS:
        with open(report / ('%s.json' % host), encoding='utf-8') as handle:
            assert json.load(handle)['host'] == host
    markdown = (report / 'deployment_gate.md').read_text()
    rows = [line for line in markdown.splitlines() if line.startswith('| gate-')]
    assert len(rows) == 3
    # Worst first, as the HTML page sorts; every row ends with its own checked_at.
    assert [row.split(' | ')[0] for row in rows] == ['| gate-002', '| gate-003', '| gate-001']
    assert rows[0].startswith("| gate-002 | CLOSED | 1.7.2 | 365 | service broker is 'exited' | "), rows
    assert all(re.search(r' \| \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00 \|$', row) for row in rows), rows
    html = (report / 'deployment_gate.html').read_text()
    assert len(re.findall(r'<tr><td>(?:<a href="https://[^"]+">)?gate-\d+(?:</a>)?</td>', html)) == 3
    # Closed gates first.
    assert html.index('>gate-002</a></td>') < html.index('>gate-001</a></td>')


def unescaped_pipes(line):
    return len(re.findall(r'(?<!\\)\|', line))


def test_markdown_report_cannot_be_forged_by_server_strings(shared):
    """Strings Connectware sends (version, service names in reasons) cannot add rows, cells or HTML to the report."""
    whole, dirs, _after_first = shared
    run = whole.play('forged')
    assert run.rc == 2, run
    assert run.task(CLOSE, 'forged-002')['status'] == 'failed'
    verdict = run.result(VERDICT, 'forged-001')['ansible_facts']['deployment_gate_result']
    assert verdict['version'].startswith('1.7.2 | open |\n| forged-999')  # the verdict keeps what the server said

    report = dirs['forged']
    markdown = (report / 'deployment_gate.md').read_text()
    table = [line for line in markdown.splitlines() if line.startswith('|')]
    assert len(table) == 4, markdown  # header, separator, one row per host
    assert all(unescaped_pipes(line) == 8 for line in table), markdown
    assert [line.split(' | ')[0] for line in table[2:]] == ['| forged-002', '| forged-001']
    assert '<script>' not in markdown and '<b>' not in markdown
    assert not re.search(r'(?<!\\)\]\(', markdown)  # no link
    assert '&lt;script&gt;alert(1)&lt;/script&gt;' in markdown
    assert not re.search(r'^#', markdown.split('| host |')[1], re.MULTILINE)
    assert table[3].startswith('| forged-001 | open | 1.7.2 \\| open \\| \\| forged-999 \\| open \\| 1.7.2 \\| 365 \\| '
                               '&lt;script&gt;alert(1)&lt;/script&gt; \\| # all good | 365 |  |'), table[3]
    assert table[2].startswith("| forged-002 | CLOSED | 1.7.2 | 365 | service broker \\| \\| forged-998"), table[2]
    assert '\\`x\\` \\[link\\](https://evil.example) &lt;b&gt;' in table[2]

    html = (report / 'deployment_gate.html').read_text()
    assert len(re.findall(r'<tr><td>(?:<a href="https://[^"]+">)?forged-\d+(?:</a>)?</td>', html)) == 2
    assert '<script>' not in html and '&lt;script&gt;' in html


def test_connection_from_role_variables(fleet_and_inventory, shared):
    fleet, _inventory = fleet_and_inventory
    run = shared[0].play('role-vars')
    assert_no_failure(run)
    assert run.task(CLOSE, 'role-vars')['status'] == 'skipped'
    assert [entry['path'] for entry in fleet['role-vars'].request_log()] == ['/api/system/health']


def test_role_variables_override_module_defaults_one_by_one(fleet_and_inventory, shared):
    """A set connection variable wins over the group's module_defaults; unset ones leave the group's values."""
    fleet, _inventory = fleet_and_inventory
    whole = shared[0]

    # url and ca_path come from the group's defaults, the token from the role variable.
    run = whole.play('override-token')
    assert_no_failure(run)
    assert run.task(CLOSE, 'override-token')['status'] == 'skipped'
    assert [entry['path'] for entry in fleet['override-token'].request_log()] == ['/api/system/health']

    # Without the role variable, the group's token is the one sent, and Connectware refuses it.
    run = whole.play('group-token')
    closed = run.task(CLOSE, 'group-token')
    assert closed['status'] == 'ignored'  # failed, and ignore_errors kept the run going
    assert 'HTTP 401' in closed['result']['msg'], run
    # ignore_errors is on every task of the role here: closing the gate was its only failure.
    assert [entry['task'].split(' : ')[-1] for entry in run.results if entry['status'] in ('ignored', 'failed')] == \
        [CLOSE], run


def test_role_argument_spec_rejects_bad_variables(fleet_and_inventory, shared):
    fleet, _inventory = fleet_and_inventory
    run = shared[0].play('bad-vars')
    validation = run.results[0]
    assert validation['status'] == 'failed' and validation['task'].startswith(ROLE + ' : Validating arguments')
    message = validation['result']['msg']
    assert 'deployment_gate_checks' in message and 'disk' in message
    assert 'deployment_gate_license_min_days' in message
    # Nothing of the role ran after the validation: the next result is the rescue.
    assert [entry['task'] for entry in run.results[1:]] == ['The role stopped'], run
    assert fleet['bad-vars'].request_log() == []


def test_serial_rollout_stops_at_the_threshold(fleet_and_inventory, rerun):
    fleet, _inventory = fleet_and_inventory
    assert rerun.rc != 0
    run = rerun.play('serial-1-stop')  # the last play of its run
    assert run.task(CLOSE, 'serial1-002')['status'] == 'failed'
    assert fleet['serial1-001'].request_log() and fleet['serial1-002'].request_log()
    assert fleet['serial1-003'].request_log() == [] and fleet['serial1-004'].request_log() == []


def test_serial_rollout_stops_when_part_of_a_batch_fails(fleet_and_inventory, shared):
    """One closed gate in a batch of two is 50 %, above max_fail_percentage 0: no further batch starts.

    The play also writes the gate's report (test_report_of_a_serial_rollout_stopped_at_the_threshold reads
    it): a run stops after its first stopping play, so one play stands in for the rollout with and without
    the report; writing the report changes no verdict (the gate's own tests show both ways).
    """
    fleet, _inventory = fleet_and_inventory
    whole = shared[0]
    assert whole.rc != 0
    run = whole.play('serial-2-stop')  # the last play of its run
    assert run.task(CLOSE, 'batch-003')['status'] == 'failed'
    assert fleet['batch-004'].request_log()
    assert fleet['batch-005'].request_log() == []


def test_serial_rollout_within_the_threshold_continues(fleet_and_inventory, shared):
    fleet, _inventory = fleet_and_inventory
    run = shared[0].play('within-threshold')
    assert run.rc == 2
    assert run.task(CLOSE, 'within-002')['status'] == 'failed'
    assert fleet['within-004'].request_log()


def test_report_of_a_serial_rollout_stopped_at_the_threshold(shared):
    """Each batch adds its hosts' verdicts (a closed gate first in its batch included); unchecked hosts are listed."""
    whole, dirs, _after_first = shared
    assert whole.rc != 0
    assert whole.play('serial-2-stop').task(CLOSE, 'batch-003')['status'] == 'failed'
    report = dirs['batch']
    written = sorted(path.name for path in report.glob('*.json'))
    assert written == ['batch-001.json', 'batch-002.json', 'batch-003.json', 'batch-004.json']
    with open(report / 'batch-003.json', encoding='utf-8') as handle:
        assert json.load(handle)['failures'] == ["service broker is 'exited'"]
    rows = [line for line in (report / 'deployment_gate.md').read_text().splitlines() if line.startswith('| batch-')]
    assert rows[0].startswith('| batch-003 | CLOSED |') and rows[4] == '| batch-005 | not checked | | | | | |', rows


def test_license_rollout_then_no_change(fleet_and_inventory, shared, rerun):
    fleet, _inventory = fleet_and_inventory
    whole, dirs, after_first = shared
    # The first rollout ended clean: no failed task, and the run went on to the next playbook.
    for name in ROLLOUT_PLAYS:
        assert_no_failure(whole.play(name))
    whole.play('gate')
    first = whole.play('Roll out Connectware licenses')
    for name in ROLLOUT_HOSTS:
        assert first.task('Install the host\'s license file', name)['status'] == 'changed'
        assert after_first['licenses'][name] == 'lic-2027-%s' % name
        assert after_first['uploads'][name] == 1
    assert after_first['rollout_page']

    # The second rollout ended clean too (the run went on to the play after it).
    for name in ROLLOUT_PLAYS:
        assert_no_failure(rerun.play(name))
    rerun.play('serial-1-stop')
    second = [entry for entry in rerun.results if entry['play'] in ROLLOUT_PLAYS]
    assert not [entry for entry in second if entry['status'] == 'changed'
                and entry['action'] != 'ansible.builtin.copy' and entry['action'] != 'ansible.builtin.template'
                and entry['action'] != 'ansible.builtin.file'], 'second rollout changed something'
    for name in ROLLOUT_HOSTS:
        assert rerun.play('Roll out Connectware licenses').task('Install the host\'s license file', name)['status'] == 'ok'
        assert fleet[name].count('PUT', '/api/system/licensefile') == 1


def test_license_rollout_stops_on_a_failed_gate(fleet_and_inventory, stopped_rollout):
    fleet, _inventory = fleet_and_inventory
    assert stopped_rollout.rc != 0
    assert fleet['stop-001'].count('PUT', '/api/system/licensefile') == 1
    assert fleet['stop-002'].count('PUT', '/api/system/licensefile') == 0
    assert fleet['stop-003'].request_log() == [] and fleet['stop-004'].request_log() == []


def test_fleet_report_one_row_per_host_worst_first(fleet_and_inventory, shared):
    fleet, _inventory = fleet_and_inventory
    whole, dirs, _after_first = shared
    # The report ended clean: no failed task, and the run went on to the next playbook.
    for name in REPORT_PLAYS:
        assert_no_failure(whole.play(name))
    whole.play(ROLLOUT_PLAYS[0])
    report = dirs['fleet']
    with open(report / 'fleet_report.json', encoding='utf-8') as handle:
        rows = json.load(handle)['hosts']
    assert [row['host'] for row in rows] == ['report-004', 'report-003', 'report-002', 'report-005', 'report-001']
    assert [row['severity'] for row in rows] == [3, 2, 1, 1, 0]
    assert 'cannot reach Connectware' in rows[0]['error']
    assert rows[1]['services_down'] == ['broker']
    assert rows[2]['license_level'] == 'warn' and rows[2]['license_days_left'] in expected_days_left(10, whole)
    assert rows[3]['preflight_failed'] == ['dockerHub', 'cybusRegistry']
    assert rows[4]['update_available'] is True and rows[4]['latest_version'] == '1.8.0'
    html = (report / 'fleet_report.html').read_text()
    assert html.count('<tr class="sev-') == 5
    assert html.index('report-004') < html.index('report-003') < html.index('report-001')
    for name in REPORT_HOSTS:
        assert (report / 'hosts' / ('%s.json' % name)).exists()
