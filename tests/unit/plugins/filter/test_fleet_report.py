# -*- coding: utf-8 -*-
# Copyright: (c) 2026, iiot.connectware contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The fleet report's filter and HTML template, rendered directly (no ansible-playbook): rows from the health
check's verdicts, one timeline mark per host, the minimum's line, sparklines whose points are the metrics;
for a demo-sized fleet and for 200 hosts."""

import datetime
import os
import re
from xml.etree import ElementTree

import jinja2
import pytest

from ansible_collections.iiot.connectware.plugins.filter import fleet_report as plugin
from ansible_collections.iiot.connectware.plugins.module_utils._client import ConnectwareError
from ansible_collections.iiot.connectware.plugins.module_utils._health import (
    judge_health, judge_license, judge_preflight, judge_vrpc)
from ansible_collections.iiot.connectware.plugins.module_utils._runner_info import traffic_of_metrics
from connectware_sim.state import build_state, iso_date, today as simulator_today

TEMPLATES = os.path.join(os.path.dirname(__file__), '..', '..', '..', '..', 'playbooks', 'templates')
TODAY = simulator_today()  # the simulator's frozen today: its expirations are relative to it
NOW = '%sT08:00:00+00:00' % TODAY.isoformat()
THRESHOLDS = dict(checks=['health', 'vrpc', 'license', 'preflight'], services=[], ignore_services=[],
                  healthy_statuses=['running'], license_min_days=14,
                  preflight_required=['dockerHub', 'cybusRegistry', 'cybusPortal'])
SVG = '{http://www.w3.org/2000/svg}'


def check_of(state, today=TODAY):
    """What connectware_health_check returns for a simulated host's state, judged by the module's own rules."""
    valid = state['license']['file']['id'] not in state['revoked_license_ids']
    info = {'version': state['version'], 'license': dict(state['license'], valid=valid)}
    checks, failures = {}, []
    for name, (details, reasons) in (
            ('health', judge_health({'system': {'status': state['services']}})),
            ('vrpc', judge_vrpc(state['vrpc'])),
            ('license', judge_license(info, 14, today=today)),
            ('preflight', judge_preflight(state['preflight']))):
        details.update(ok=not reasons, failures=reasons)
        checks[name] = details
        failures.extend(reasons)
    return dict(changed=False, healthy=not failures, failures=failures, checks=checks, version=state['version'])


def unreadable_check(kind='auth', status=401, message='Connectware at https://x rejected the token (HTTP 401)'):
    error = ConnectwareError(message, kind=kind, status=status, method='GET', path='/api/system/health')
    from ansible_collections.iiot.connectware.plugins.module_utils._cause import short_cause
    checks = dict((name, dict(ok=False, api_error=error.to_result(), cause=short_cause(error.to_result(), message),
                              failures=['x'])) for name in ('health', 'vrpc', 'license', 'preflight'))
    return dict(changed=False, healthy=False, failures=['cannot check: %s' % message], checks=checks)


def host_entry(name, preset='healthy', days=None, **overrides):
    state = build_state(name, dict({'preset': preset}, **overrides))
    if days is not None:
        state['license']['file']['expiration'] = (TODAY + datetime.timedelta(days=days)).isoformat()
    return dict(host=name, url='https://%s.plant.example:4443' % name, check=check_of(state),
                info=dict(changed=False, metrics={'hourly': state['metrics']['hourly']},
                          traffic=traffic_of_metrics({'hourly': state['metrics']['hourly']})))


def model(entries):
    return plugin.fleet_report(entries, THRESHOLDS, 'Fleet', today=TODAY.isoformat(), now=NOW,
                               command='ansible-playbook -i inventory.yml iiot.connectware.fleet_report')


def render(report):
    environment = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=False,
                                     extensions=['jinja2.ext.do'])
    return environment.get_template('fleet_report.html.j2').render(fleet_report=report)


def svgs(html):
    """Every inline <svg>...</svg> of the page, parsed as XML (so they are well formed, too)."""
    return [ElementTree.fromstring(match) for match in re.findall(r'<svg class="(?:timeline|spark)".*?</svg>', html, re.S)]


def demo_fleet():
    return [host_entry('cw-001'), host_entry('cw-002'), host_entry('cw-003', 'license_expiring'),
            host_entry('cw-004', 'service_down'), host_entry('cw-005', 'registry_unreachable'),
            host_entry('cw-006', 'traffic_stopped'), host_entry('cw-007', 'license_expired'),
            host_entry('cw-008', 'license_invalid'),
            dict(host='cw-009', url='https://user:secret@cw-009:4443/', check=unreadable_check(), info=None)]


def test_rows_take_the_verdict_from_the_health_check_worst_first():
    report = model(demo_fleet())
    rows = dict((row['host'], row) for row in report['hosts'])
    assert [row['host'] for row in report['hosts']] == [
        'cw-009', 'cw-007', 'cw-004', 'cw-008', 'cw-003', 'cw-005', 'cw-006', 'cw-001', 'cw-002']
    for row in report['hosts']:
        # The gate's verdict, unchanged: closed exactly where the health check is unhealthy.
        entry = [entry for entry in demo_fleet() if entry['host'] == row['host']][0]
        assert row['healthy'] is entry['check']['healthy']
        assert row['gate'] == ('open' if entry['check']['healthy'] else 'closed')
    assert report['summary'] == dict(hosts=9, closed=6, unreadable=1, broken=3, plan=2, open=3, quiet=1)
    assert rows['cw-009']['problems'] == ['token rejected (401)']
    assert 'rejected the token' in rows['cw-009']['error']
    assert rows['cw-009']['url'] == 'https://cw-009:4443/'
    assert rows['cw-007']['license_text'] == 'expired 5 days ago'
    assert rows['cw-007']['problems'] == ['license lic-cw-007 expired on %s, 5 days ago' % iso_date(-5)]
    assert rows['cw-008']['license_text'] == 'invalid' and rows['cw-008']['problems'] == ['license lic-cw-008 is invalid']
    assert rows['cw-003']['license_level'] == 'warn' and rows['cw-003']['license_days_left'] == 10
    assert rows['cw-005']['preflight_failed'] == ['dockerHub', 'cybusRegistry']
    assert rows['cw-006']['healthy'] is True and rows['cw-006']['problems'] == ['no messages for 5 h']
    assert rows['cw-001']['latest_version'] == '1.8.0' and rows['cw-001']['update_available'] is True
    assert rows['cw-001']['expiry'] == dict(expiration=iso_date(365), days_left=365, problem=None, level='ok',
                                            text='expires in 365 days', id='lic-cw-001')
    assert report['generated'] == NOW


def test_healthy_status_comparison_is_the_modules_not_a_case_sensitive_copy():
    state = build_state('cw-001')
    state['services'][0]['status'] = 'Running'
    entry = dict(host='cw-001', url=None, check=check_of(state), info=None)
    row = model([entry])['hosts'][0]
    assert row['healthy'] is True and row['services_down'] == []


def test_demo_page_timeline_has_one_mark_per_host_and_the_minimum_line():
    report = model(demo_fleet())
    html = render(report)
    timeline = svgs(html)[0]
    marks = timeline.findall('.//%srect[@data-host]' % SVG)
    assert sorted(mark.get('data-host') for mark in marks) == sorted('cw-%03d' % number for number in range(1, 10))
    # Drawn worst first, like the rows: the page names the hosts in one order throughout.
    assert [mark.get('data-host') for mark in marks] == [row['host'] for row in report['hosts']]
    lines = dict((line.get('class'), line) for line in timeline.findall('%sline' % SVG))
    threshold = float(lines['threshold'].get('x1'))
    today = float(lines['today'].get('x1'))
    assert threshold == report['timeline']['threshold_x'] and today < threshold
    levels = dict((mark.get('data-host'), mark.get('class')) for mark in marks)
    assert levels['cw-003'] == 'mark m-warn' and levels['cw-007'] == 'mark m-bad' and levels['cw-009'] == 'mark m-unknown'
    # The mark below the minimum lies between today and the minimum's line; the expired one left of today.
    by_host = dict((mark.get('data-host'), mark) for mark in marks)
    assert today < float(by_host['cw-003'].get('x')) < threshold
    assert float(by_host['cw-007'].get('x')) < today
    assert by_host['cw-003'].find('%stitle' % SVG).text == 'cw-003 \u00b7 lic-cw-003 \u00b7 %s \u00b7 expires in 10 days' % iso_date(10)
    # The page: thresholds, command, version, links without credentials, one line for the unreadable host.
    assert 'license at least 14 days left' in html and 'iiot.connectware.fleet_report' in html
    assert 'iiot.connectware %s' % plugin.collection_version() in html
    assert '<a href="https://cw-009:4443/"' in html and 'secret' not in html
    assert '<td colspan="8" class="bad">cannot be read: token rejected (401)</td>' in html
    assert 'rejected the token' not in html
    assert re.findall(r'<tr class="sev-\d" data-host="([^"]+)">', html) == [row['host'] for row in report['hosts']]


def test_sparkline_points_are_the_metrics():
    entries = demo_fleet()
    html = render(model(entries))
    sparks = svgs(html)[1:]
    assert len(sparks) == 8  # every host but the unreadable one
    expected = dict((entry['host'], entry['info']['metrics']['hourly']) for entry in entries if entry['info'])
    rows = re.findall(r'<tr class="sev-\d" data-host="([^"]+)">', html)
    for host, spark in zip([host for host in rows if host != 'cw-009'], sparks):
        hourly = expected[host]
        messages = spark.find('%spolyline[@class="msg"]' % SVG)
        datapoints = spark.find('%spolyline[@class="dp"]' % SVG)
        assert messages.get('data-values').split() == [str(entry['numberOfReceivedMessages']) for entry in hourly]
        assert datapoints.get('data-values').split() == [str(entry['numberOfConnectedDatapoints']) for entry in hourly]
        points = [tuple(float(number) for number in pair.split(',')) for pair in messages.get('points').split()]
        assert len(points) == len(hourly)
        top = max(entry['numberOfReceivedMessages'] for entry in hourly)
        for (x, y), entry in zip(points, hourly):
            # y falls linearly from the bottom (no messages) to the top (the most messages of the series).
            assert y == pytest.approx(28 - 26.0 * entry['numberOfReceivedMessages'] / top, abs=0.01)
        assert [x for x, _y in points] == sorted(x for x, _y in points)
    quiet = sparks[[host for host in rows if host != 'cw-009'].index('cw-006')]
    assert quiet.find('%srect[@class="quiet"]' % SVG) is not None


def test_200_hosts_stay_readable_one_mark_per_host_stacked_per_week():
    presets = ['healthy', 'license_expiring', 'license_expired', 'license_invalid', 'service_down']
    entries = [host_entry('cw-%03d' % number, presets[number % 5] if number % 7 else 'healthy', days=None
                          if number % 5 in (1, 2, 3) else 20 + (number * 13) % 340) for number in range(1, 201)]
    entries[5] = dict(host='cw-006', url=None, check=unreadable_check('connection', None, 'cannot reach (unknown host)'),
                      info=None)
    report = model(entries)
    html = render(report)
    timeline = svgs(html)[0]
    marks = timeline.findall('.//%srect[@data-host]' % SVG)
    assert len(marks) == 200
    assert sorted(mark.get('data-host') for mark in marks) == sorted(entry['host'] for entry in entries)
    assert timeline.find('%sline[@class="threshold"]' % SVG) is not None
    # Marks of one week share one column and never overlap; every stack stays within the drawing.
    columns = {}
    for mark in marks:
        columns.setdefault(mark.get('x'), []).append((float(mark.get('y')), float(mark.get('height'))))
    for stack in columns.values():
        stack.sort()
        for (y, height), (next_y, _next_height) in zip(stack, stack[1:]):
            assert y + height <= next_y + 0.011  # coordinates are rounded to 0.01
        assert stack[0][0] >= report['timeline']['top'] and stack[-1][0] + stack[-1][1] <= report['timeline']['baseline'] + 1e-6
    counts = [int(text.text) for text in timeline.findall('%stext[@class="count"]' % SVG)]
    assert sum(counts) + (len(columns) - len(counts)) == 200
    assert len(re.findall(r'<tr class="sev-', html)) == 200
    assert 'cannot be read: unknown host' in html


def test_secret_values_of_the_command_line_are_hidden():
    shown = plugin.command_line(['/venv/bin/ansible-playbook', '-i', 'inv.yml', 'iiot.connectware.fleet_report',
                                 '-e', 'fleet_report_dir=/tmp/r connectware_token=abc123', '-e',
                                 '{"connectware_password": "pw", "x": 1}', '--extra-vars=api_key=k1'])
    assert 'abc123' not in shown and 'pw"' not in shown and 'k1' not in shown
    assert shown.startswith('ansible-playbook -i inv.yml iiot.connectware.fleet_report -e')
    assert 'fleet_report_dir=/tmp/r' in shown


def test_a_task_that_failed_outright_is_one_line():
    failed = dict(failed=True, msg="url 'x' has an invalid port", api_error=dict(kind='config'))
    entry = dict(host='cw-001', url='ftp://nope', check=failed, info=None)
    row = model([entry])['hosts'][0]
    assert row['problems'] == ['configuration error'] and row['error'] == "url 'x' has an invalid port"
    assert row['url'] is None and row['severity'] == 3


def test_report_context_says_when_by_which_version_and_command():
    context = plugin.report_context({'min_days_left': 30}, now=NOW, command='ansible-playbook x')
    assert context == dict(generated=NOW, generated_text='%s 08:00 UTC' % TODAY.isoformat(), command='ansible-playbook x',
                           collection_version=plugin.collection_version(), thresholds={'min_days_left': 30})
    assert re.match(r'^\d+\.\d+\.\d+$', context['collection_version'])
    assert plugin.FilterModule().filters()['report_context'] is plugin.report_context
