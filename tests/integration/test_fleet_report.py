# -*- coding: utf-8 -*-
# Copyright: (c) 2026, iiot.connectware contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The fleet report and the deployment gate agree host by host on the demo fleet (and on hosts that cannot be
read, each shown as one line: its cause); the report costs one request per host more than the gate, for the
traffic; the page and the JSON carry the timeline, the sparklines, `expiry` and `traffic`."""

import json
import re
import socket
import ssl

import pytest

from connectware_sim import DEMO_MIX
from connectware_sim.tls import TLSMaterial
from harness import run_playbook, write_inventory, write_plays

CHECK_PATHS = ['/api/system/health', '/api/system/info', '/api/system/preflight', '/api/system/vrpcHealth']


def closed_port():
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


# Neither the report nor the gate asks for it: one request for it in each host's log marks where the report's
# requests end and the gate's begin.
MARKER = '/api/system/agents'


def gate_play(report_dir):
    return [{'name': 'Gate', 'hosts': 'connectware', 'gather_facts': False,
             'vars': {'deployment_gate_report_dir': report_dir},
             'module_defaults': {'group/iiot.connectware.connectware': {
                 'url': '{{ connectware_url }}', 'token': '{{ connectware_token }}',
                 'ca_path': '{{ connectware_ca_path | default(omit) }}'}},
             'tasks': [{'name': 'Gate', 'ansible.builtin.import_role': {'name': 'iiot.connectware.deployment_gate'}}]}]


def marker_play():
    """One request for MARKER to every host, from the controller in one task (a host that cannot be read: no request)."""
    return [{'name': 'Mark the end of the report', 'hosts': 'connectware', 'gather_facts': False, 'tasks': [{
        'name': 'Mark', 'iiot.connectware.connectware_info': {
            'url': '{{ hostvars[item].connectware_url }}', 'token': '{{ hostvars[item].connectware_token }}',
            'ca_path': '{{ hostvars[item].connectware_ca_path }}', 'gather_subset': ['agents'], 'retries': 0},
        'loop': '{{ ansible_play_hosts_all }}', 'delegate_to': 'localhost', 'run_once': True, 'ignore_errors': True}]}]


def before_marker(log):
    """The requests of a host's log before the marker (all of them when the marker never reached the host)."""
    paths = [entry['path'] for entry in log]
    return log[:paths.index(MARKER)] if MARKER in paths else log


def test_fleet_report_and_gate_agree_host_by_host(make_fleet, workdir, tmp_path):
    fleet = make_fleet([{'preset': preset} for preset in DEMO_MIX] + [{}, {}, {}])
    names = [instance.name for instance in fleet]
    wrong_token, refused, untrusted = names[-3:]
    other_ca = TLSMaterial(str(tmp_path / 'other-ca'))
    host_vars = {wrong_token: {'connectware_token': 'not-the-token'},
                 refused: {'connectware_url': 'https://127.0.0.1:%d' % closed_port()},
                 untrusted: {'connectware_ca_path': other_ca.ca_path}}
    inventory = write_inventory(workdir, fleet, host_vars)

    # One run of three playbooks: the fleet report as an operator runs it, a marker in every host's request
    # log, the gate. ansible-playbook starts a playbook only when the one before ended with no failed host.
    report_dir = tmp_path / 'report'
    run = run_playbook(workdir, 'iiot.connectware.fleet_report', inventory, extra_args=[
        write_plays(workdir, 'marker.yml', marker_play()),
        write_plays(workdir, 'gate.yml', gate_play(str(tmp_path / 'gate'))),
        '-e', json.dumps({'fleet_report_dir': str(report_dir)}), '--forks', '10'])
    # The report ended clean (rc 0 of a run of its own): no failed task, and the run went on to the next playbook.
    for play in ("Check the fleet report's variables", 'Fleet report of Connectware hosts'):
        report = run.play(play)
        failed = [entry for entry in report.results if entry['status'] in ('failed', 'unreachable')]
        assert report.results and not failed, report
    marked = run.play('Mark the end of the report')
    run.play('Gate')
    assert run.rc == 2, run  # the gate's run: closed gates
    for name in names:
        if name not in (refused, untrusted):
            assert MARKER in [entry['path'] for entry in fleet[name].request_log()], (name, marked)
    requests = dict((instance.name, sorted(entry['path'] for entry in before_marker(instance.request_log())))
                    for instance in fleet)

    verdicts = {}
    for name in names:
        with open(tmp_path / 'gate' / ('%s.json' % name), encoding='utf-8') as handle:
            verdicts[name] = json.load(handle)

    with open(report_dir / 'fleet_report.json', encoding='utf-8') as handle:
        data = json.load(handle)
    rows = dict((row['host'], row) for row in data['hosts'])
    assert sorted(rows) == sorted(names)
    # Host by host: the same verdict, and the same reasons where the host could be read.
    assert dict((name, rows[name]['healthy']) for name in names) == dict(
        (name, verdicts[name]['healthy']) for name in names)
    assert [name for name in names if not rows[name]['healthy']] == [
        'cw-003', 'cw-004', 'cw-005', wrong_token, refused, untrusted]
    for name in ('cw-003', 'cw-004', 'cw-005'):
        assert rows[name]['failures'] == verdicts[name]['failures']
    assert data['summary']['closed'] == 6 and data['summary']['unreadable'] == 3

    # One line per unreadable host: its cause; the full message in the JSON.
    assert rows[wrong_token]['problems'] == ['token rejected (401)']
    assert rows[refused]['problems'] == ['connection refused']
    assert rows[untrusted]['problems'] == ['TLS: not signed by a trusted CA']
    assert 'HTTP 401' in rows[wrong_token]['error']
    html = (report_dir / 'fleet_report.html').read_text(encoding='utf-8')
    for name, cause in ((wrong_token, 'token rejected (401)'), (refused, 'connection refused'),
                        (untrusted, 'TLS: not signed by a trusted CA')):
        row_html = re.search(r'<tr class="sev-3" data-host="%s">.*?</tr>' % name, html, re.S).group(0)
        assert '>cannot be read: %s</td>' % cause in row_html
        assert 'cannot reach' not in row_html and 'HTTP 401' not in row_html and 'TLS handshake' not in row_html

    # Worst first; the page's order is the JSON's.
    assert [row['host'] for row in data['hosts']][:3] == sorted([refused, untrusted, wrong_token])
    assert re.findall(r'<tr class="sev-\d" data-host="([^"]+)">', html) == [row['host'] for row in data['hosts']]
    assert [row['host'] for row in data['hosts'] if row['healthy']][0] == 'cw-006'  # open, but its traffic stopped

    # expiry and traffic per host; the finding for the host whose traffic fell to zero.
    assert rows['cw-003']['expiry']['level'] == 'warn' and rows['cw-003']['expiry']['problem'] == 'too_short'
    assert rows['cw-006']['problems'] == ['no messages for 5 h']
    assert rows['cw-006']['traffic']['quiet_hours'] == 5
    assert [point['messages'] for point in rows['cw-001']['traffic']['hourly']] == [
        entry['numberOfReceivedMessages'] for entry in fleet['cw-001'].state['metrics']['hourly']]
    assert rows[refused]['traffic'] is None
    assert data['generated'].endswith('+00:00') and data['thresholds']['license_min_days'] == 14
    assert html.count('data-host=') == 2 * len(names)  # one timeline mark and one row per host

    # Requests: the gate's four, and one for the metrics; nothing for a host no check could read but the checks.
    for name in names[:len(DEMO_MIX)]:
        assert requests[name] == sorted(CHECK_PATHS + ['/api/system/metrics']), requests[name]
    assert requests[wrong_token] == sorted(CHECK_PATHS)
    assert requests[untrusted] == []  # the TLS handshake failed before any request
    assert fleet[untrusted].request_log() == []  # nor any later one: no marker, and the whole log is the report's
    for name in names:
        assert (report_dir / 'hosts' / ('%s.json' % name)).exists()
    assert fleet[wrong_token].admin_token not in html


@pytest.mark.parametrize('error, shown', [
    (ssl.SSLEOFError(8, 'EOF occurred in violation of protocol'), False),
    (ssl.SSLError(1, 'bad record mac'), False),
    (ConnectionResetError(104, 'Connection reset by peer'), False),
    (BrokenPipeError(32, 'Broken pipe'), False),
    (ValueError('a bug in the simulator'), True),
])
def test_simulator_is_quiet_when_a_client_hangs_up(make_fleet, capfd, error, shown):
    """A client that hangs up mid-answer (over TLS: SSLEOFError) is not the simulator's error: no traceback in
    the test log, as for a broken pipe. Anything else still shows its traceback."""
    server = make_fleet([{}])['cw-001'].server
    try:
        raise error
    except Exception:  # pylint: disable=broad-except
        server.handle_error(None, ('127.0.0.1', 0))
    assert ('Traceback' in capfd.readouterr().err) is shown
