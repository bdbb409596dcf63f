# -*- coding: utf-8 -*-
# Copyright: (c) 2026, iiot.connectware contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The fleet report's model: rows from the modules' verdicts, worst first, and the geometry of its pictures.

Every verdict comes from connectware_health_check (the gate's rules in module_utils/_health), every
short cause from module_utils/_cause, every traffic finding from connectware_info's ``traffic``: this
file only arranges them. The documentation is in fleet_report.yml beside it.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import datetime
import json
import os
import re
import shlex
import sys

from ansible.errors import AnsibleFilterError
from ansible_collections.iiot.connectware.plugins.module_utils._cause import short_cause
from ansible_collections.iiot.connectware.plugins.module_utils._health import PREFLIGHT_PROBES
from ansible_collections.iiot.connectware.plugins.module_utils._license import (
    EXPIRED,
    INVALID,
    TOO_SHORT,
    UNREADABLE_EXPIRATION,
)

from urllib.parse import urlsplit, urlunsplit

CHECK_ORDER = ('health', 'vrpc', 'license', 'preflight')
# Severity: 3 cannot be read, 2 gate closed by something broken, 1 gate closed by something to plan for
# (a license running short, a preflight probe), 0 gate open.
PLANNABLE_LICENSE_PROBLEMS = (TOO_SHORT, UNREADABLE_EXPIRATION)
LICENSE_LEVELS = {None: 'ok', TOO_SHORT: 'warn', UNREADABLE_EXPIRATION: 'warn', EXPIRED: 'bad', INVALID: 'bad'}
SECRET_NAME = re.compile(r'token|passw|secret|key|credential|vault', re.IGNORECASE)
REDACTED = '********'


def _dict(value):
    return value if isinstance(value, dict) else {}


def _list(value):
    return value if isinstance(value, list) else []


def _plural(count, word):
    return '%d %s%s' % (count, word, '' if count == 1 else 's')


# -- the rows ------------------------------------------------------------------------------------------


def _link(url):
    """The host's Connectware URL to link: http(s) only, without any user:password@."""
    if not isinstance(url, str):
        return None
    try:
        parts = urlsplit(url.strip())
        host = parts.hostname
        port = parts.port
    except ValueError:
        return None
    if parts.scheme not in ('http', 'https') or not host:
        return None
    netloc = ('[%s]' % host if ':' in host else host) + (':%d' % port if port else '')
    return urlunsplit((parts.scheme, netloc, parts.path or '/', '', ''))


def _license_text(summary, problem):
    days = summary.get('days_left')
    if problem == EXPIRED:
        ago = abs(days) if isinstance(days, int) else None
        return 'expired %s ago' % _plural(ago, 'day') if ago is not None else 'expired'
    if problem == INVALID:
        return 'invalid'
    if problem == UNREADABLE_EXPIRATION:
        return 'expiration not a date'
    if isinstance(days, int):
        return 'expires in %s' % _plural(days, 'day')
    if summary.get('valid'):
        return 'no expiration date'
    return 'unknown'


def _unreadable_row(row, check):
    """A host no check could read: one line, its cause; the full message in ``error``."""
    checks = _dict(check.get('checks'))
    errors = [(name, _dict(checks[name])) for name in CHECK_ORDER if name in checks]
    if check.get('failed') or not errors:
        cause = short_cause(check.get('api_error'), check.get('msg')) or 'not checked'
        message = check.get('msg') or cause
    else:
        cause = errors[0][1].get('cause') or short_cause(errors[0][1].get('api_error'), None) or 'cannot check'
        message = '; '.join(str(item) for item in _list(check.get('failures'))) or cause
    row.update(severity=3, error=message, cause=cause, problems=[cause], license_level='unknown', sort_days=-1)
    return row


def host_row(entry):
    """One host's row from its health check (the verdict) and connectware_info (metrics)."""
    entry = _dict(entry)
    host = str(entry.get('host'))
    check = _dict(entry.get('check')) or dict(failed=True, msg='not checked')
    info = _dict(entry.get('info'))
    row = dict(host=host, url=_link(entry.get('url')), gate='closed', healthy=False, severity=3, error=None, cause=None,
               version=None, latest_version=None, update_available=False, license_class=None, license_id=None,
               license_expiration=None, license_days_left=None, license_valid=None, license_problem=None,
               license_level='unknown', license_text=None, sort_days=-1, services_total=0, services_down=[],
               vrpc_unreachable=[], preflight_failed=[], problems=[],
               failures=[str(item) for item in _list(check.get('failures'))], expiry=None, traffic=None)
    checks = _dict(check.get('checks'))
    judged = [name for name in CHECK_ORDER if name in checks and 'api_error' not in _dict(checks[name])]
    if check.get('failed') or not judged:
        row = _unreadable_row(row, check)
        row['expiry'] = dict(expiration=None, days_left=None, problem=None, level='unknown', text='not read')
        return row

    row.update(healthy=check.get('healthy') is True, version=check.get('version'))
    row['gate'] = 'open' if row['healthy'] else 'closed'
    severity = 0 if row['healthy'] else 1
    problems = []
    for name in CHECK_ORDER:
        if name not in checks:
            continue
        details = _dict(checks[name])
        if 'api_error' in details:
            severity = 2
            problems.append('cannot check %s: %s' % (name, details.get('cause') or short_cause(details['api_error'], None)))
            continue
        failures = [str(item) for item in _list(details.get('failures'))]
        problems.extend(failures)
        broken = name in ('health', 'vrpc') or (name == 'license' and details.get('problem') not in PLANNABLE_LICENSE_PROBLEMS)
        if failures and broken:
            severity = 2
    if not row['healthy'] and not problems:
        problems.append('gate closed')  # a verdict without reasons: never hide that it is closed
    row.update(severity=severity, problems=problems)

    health = _dict(checks.get('health'))
    row['services_total'] = len(_list(health.get('services')))
    row['services_down'] = [str(name) for name in _list(health.get('unhealthy')) + _list(health.get('missing'))]
    row['vrpc_unreachable'] = ['%s (%s)' % (item.get('provider'), item.get('agent'))
                               for item in map(_dict, _list(_dict(checks.get('vrpc')).get('unreachable')))]
    preflight = _dict(checks.get('preflight'))
    probes = _dict(preflight.get('probes'))
    row['preflight_failed'] = [name for name in PREFLIGHT_PROBES
                               if _dict(probes.get(name)).get('required') and _dict(probes.get(name)).get('status') is not True]
    latest = preflight.get('latest_version')
    row.update(latest_version=latest, update_available=bool(latest and row['version'] and latest != row['version']))

    license_check = _dict(checks.get('license'))
    if 'license' in judged:
        summary = _dict(license_check.get('license'))
        problem = license_check.get('problem')
        days = summary.get('days_left') if isinstance(summary.get('days_left'), int) else None
        row.update(license_class=summary.get('license_class'), license_id=summary.get('id'),
                   license_expiration=summary.get('expiration'), license_days_left=days,
                   license_valid=summary.get('valid'), license_problem=problem,
                   license_level=LICENSE_LEVELS.get(problem, 'warn'), license_text=_license_text(summary, problem),
                   sort_days=-1 if days is None else days)
        row['expiry'] = dict(expiration=row['license_expiration'], days_left=days, problem=problem,
                             level=row['license_level'], text=row['license_text'], id=row['license_id'])
    else:
        row['expiry'] = dict(expiration=None, days_left=None, problem=None, level='unknown',
                             text='license not checked' if 'license' not in checks else 'not read')

    if info.get('failed'):
        row['traffic'] = dict(error=info.get('msg'), cause=short_cause(info.get('api_error'), info.get('msg')))
        problems.append('traffic not read: %s' % row['traffic']['cause'])
    elif isinstance(info.get('traffic'), dict):
        row['traffic'] = info['traffic']
        if info['traffic'].get('finding'):
            problems.append(info['traffic']['finding'])
    return row


def sort_rows(rows):
    """Worst first: severity, then rows with findings (an open gate's stopped traffic), then fewest license days
    (unknown first), then host name."""
    return sorted(rows, key=lambda row: (-row['severity'], not row['problems'], row['sort_days'], row['host']))


# -- the expiry timeline ---------------------------------------------------------------------------

WIDTH = 1000
HEIGHT = 245
BASELINE = 185
STACK = 118                  # the tallest stack of marks, in SVG units
AXIS_X0 = 190
AXIS_X1 = 850
LANES = (  # (key, centre x, label)
    ('expired', 45, 'expired'),
    ('invalid', 120, 'invalid'),
    ('perpetual', 905, 'no expiry'),
    ('unknown', 965, 'not read'),
)
TICK_CHAR = 7.0             # the width of a tick label's character, in SVG units (12px font)
MONTHS = ('Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec')


def _lane(row):
    expiry = _dict(row.get('expiry'))
    if expiry.get('problem') == EXPIRED:
        return 'expired'
    if expiry.get('problem') == INVALID:
        return 'invalid'
    if isinstance(expiry.get('days_left'), int):
        return None
    return 'perpetual' if expiry.get('level') == 'ok' else 'unknown'


def _mark_title(row):
    expiry = _dict(row.get('expiry'))
    parts = [row['host']]
    if expiry.get('id'):
        parts.append(str(expiry['id']))
    if row['severity'] == 3:
        parts.append('not read: %s' % row.get('cause'))
    else:
        if expiry.get('expiration'):
            parts.append(str(expiry['expiration']))
        parts.append(str(expiry.get('text')))
    return ' \u00b7 '.join(parts)


def _stack(members, centre, width, level_of):
    """Marks of one cluster, bottom up (soonest first), every host one mark; and the count above them."""
    count = len(members)
    gap = 1.0
    height = min(8.0, (STACK - gap * (count - 1)) / count)
    if height < 3:
        gap, height = 0.0, STACK / float(count)
    marks = []
    for index, row in enumerate(members):
        y = BASELINE - (index + 1) * height - index * gap
        marks.append(dict(host=row['host'], x=round(centre - width / 2.0, 2), y=round(y, 2), width=round(width, 2),
                          height=round(height, 2), level=level_of(row), title=_mark_title(row)))
    top = BASELINE - count * height - (count - 1) * gap
    label = dict(x=round(centre, 2), y=round(top - 4, 2), text=str(count)) if count > 1 else None
    return marks, label


def _ticks(today, span_days, x_of):
    """The first of each month (each quarter, each year on long spans) within the axis."""
    step = 1 if span_days <= 400 else (3 if span_days <= 1200 else 12)
    ticks = []
    year, month = today.year, today.month
    while True:
        month += 1
        if month > 12:
            month, year = 1, year + 1
        offset = (datetime.date(year, month, 1) - today).days
        if offset > span_days:
            return ticks
        if (month - 1) % step:
            continue
        x = round(x_of(offset), 2)
        labelled = [tick for tick in ticks if tick['label']]
        label = '%s %d' % (MONTHS[month - 1], year) if month == 1 or not labelled else MONTHS[month - 1]
        # A label that would touch today's line or the previous label is left out; its tick stays.
        left = labelled[-1]['x'] + TICK_CHAR * len(labelled[-1]['label']) / 2.0 if labelled else AXIS_X0 + 12
        if x - TICK_CHAR * len(label) / 2.0 < left + 6:
            label = ''
        ticks.append(dict(x=x, label=label))


def _stagger(counts):
    """Counts of neighbouring stacks whose labels would touch: every other one a line higher."""
    counts.sort(key=lambda label: label['x'])
    previous = None
    for label in counts:
        if previous is not None and abs(previous['y'] - label['y']) < 12 and \
                label['x'] - previous['x'] < TICK_CHAR * (len(previous['text']) + len(label['text'])) / 2.0 + 2:
            label['y'] = round(previous['y'] - 11, 2)
        previous = label


def expiry_timeline(rows, min_days, today=None):
    """Geometry of the expiry timeline: one mark per host, stacked per week; lines for today and the minimum."""
    today = today or datetime.date.today()
    dated = [row for row in rows if _lane(row) is None]
    latest = max([row['expiry']['days_left'] for row in dated] or [0])
    span = max(latest + 7, min_days * 2, 28)
    span = int((span + 6) // 7 * 7)

    def x_of(days):
        return AXIS_X0 + (AXIS_X1 - AXIS_X0) * float(days) / span

    week_width = max(2.0, min(14.0, x_of(7) - x_of(0) - 1.5))
    marks, counts = [], []
    clusters = {}
    for row in dated:
        clusters.setdefault(row['expiry']['days_left'] // 7, []).append(row)
    for week in sorted(clusters):
        members = sorted(clusters[week], key=lambda row: (row['expiry']['days_left'], row['host']))
        centre = x_of(week * 7 + 3.5)
        made, label = _stack(members, centre, week_width, lambda row: row['expiry']['level'])
        marks.extend(made)
        if label:
            counts.append(label)
    lanes = []
    for key, centre, title in LANES:
        members = sorted([row for row in rows if _lane(row) == key], key=lambda row: row['host'])
        lanes.append(dict(key=key, x=centre, label=title, count=len(members)))
        if members:
            level = 'bad' if key in ('expired', 'invalid') else ('ok' if key == 'perpetual' else 'unknown')
            made, label = _stack(members, centre, 26, lambda row, level=level: level)
            marks.extend(made)
            if label:
                counts.append(label)
    _stagger(counts)
    # Drawn in the rows' order (worst first), so that the page names the hosts in one order throughout,
    # for screen readers too; the marks do not overlap, so the order changes nothing on screen.
    order = dict((row['host'], index) for index, row in enumerate(rows))
    marks.sort(key=lambda mark: order[mark['host']])
    return dict(width=WIDTH, height=HEIGHT, baseline=BASELINE, top=BASELINE - STACK - 30, axis_x0=AXIS_X0,
                axis_x1=AXIS_X1, span_days=span, today=today.isoformat(),
                end=(today + datetime.timedelta(days=span)).isoformat(), today_x=AXIS_X0,
                threshold_x=round(x_of(min_days), 2), min_days=min_days, ticks=_ticks(today, span, x_of),
                lanes=lanes, marks=marks, counts=counts, hosts=len(rows))


# -- the sparklines --------------------------------------------------------------------------------

SPARK_WIDTH = 120.0
SPARK_HEIGHT = 30.0
SPARK_PAD = 2.0


def _line(values, count):
    known = [value for value in values if isinstance(value, int)]
    top = max(known) if known else 0
    step = (SPARK_WIDTH - 2 * SPARK_PAD) / max(count - 1, 1)
    points = []
    for index, value in enumerate(values):
        if not isinstance(value, int):
            continue
        share = float(value) / top if top else 0.0
        points.append([round(SPARK_PAD + index * step, 2), round(SPARK_HEIGHT - SPARK_PAD - share * (SPARK_HEIGHT - 2 * SPARK_PAD), 2)])
    return dict(values=values, max=top, points=points, svg_points=' '.join('%s,%s' % (x, y) for x, y in points))


def traffic_sparkline(traffic):
    """Geometry of one host's sparkline: received messages (and connected datapoints) per hour, own scale each."""
    traffic = _dict(traffic)
    hourly = [_dict(point) for point in _list(traffic.get('hourly'))]
    if not hourly:
        return None
    count = len(hourly)
    messages = _line([point.get('messages') for point in hourly], count)
    datapoints = _line([point.get('datapoints') for point in hourly], count)
    quiet = traffic.get('quiet_hours') if isinstance(traffic.get('quiet_hours'), int) else 0
    step = (SPARK_WIDTH - 2 * SPARK_PAD) / max(count - 1, 1)
    quiet_x = round(SPARK_PAD + (count - quiet) * step - step / 2.0, 2) if quiet else None
    last = hourly[-1]
    title = '%d h: %s messages in all, latest hour %s messages, %s datapoints connected' % (
        count, traffic.get('messages_total'), last.get('messages'), last.get('datapoints'))
    return dict(width=SPARK_WIDTH, height=SPARK_HEIGHT, messages=messages, datapoints=datapoints,
                quiet_hours=quiet, quiet_x=quiet_x, first=hourly[0].get('timestamp'), last=last.get('timestamp'),
                title=title)


# -- the page's context ------------------------------------------------------------------------------


def collection_version():
    """The version of this collection: MANIFEST.json when installed, galaxy.yml in a checkout."""
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    try:
        with open(os.path.join(root, 'MANIFEST.json')) as handle:
            return str(json.load(handle)['collection_info']['version'])
    except (IOError, OSError, ValueError, KeyError, TypeError):
        pass
    try:
        with open(os.path.join(root, 'galaxy.yml')) as handle:
            match = re.search(r'^version:\s*["\']?([^"\'\s]+)', handle.read(), re.MULTILINE)
        return match.group(1) if match else 'unknown'
    except (IOError, OSError):
        return 'unknown'


def _redact_assignment(text):
    name, equals, value = text.partition('=')
    return '%s=%s' % (name, REDACTED) if equals and SECRET_NAME.search(name) else text


def _redact_extra_vars(value):
    if value.startswith('@'):
        return value
    try:
        data = json.loads(value)
    except ValueError:
        data = None
    if isinstance(data, dict):
        return json.dumps(dict((key, REDACTED if SECRET_NAME.search(str(key)) else item) for key, item in data.items()))
    try:
        return ' '.join(_redact_assignment(part) for part in shlex.split(value))
    except ValueError:
        return REDACTED


def command_line(argv=None):
    """The command that made the page, as a shell would take it, with the value of every secret-named variable hidden."""
    argv = list(sys.argv if argv is None else argv)
    if not argv:
        return None
    shown, expect_vars = [os.path.basename(str(argv[0]))], False
    for arg in argv[1:]:
        arg = str(arg)
        if expect_vars:
            arg, expect_vars = _redact_extra_vars(arg), False
        elif arg in ('-e', '--extra-vars'):
            expect_vars = True
        elif arg.startswith('--extra-vars='):
            arg = '--extra-vars=' + _redact_extra_vars(arg[len('--extra-vars='):])
        elif arg.startswith('-e') and len(arg) > 2:
            arg = '-e' + _redact_extra_vars(arg[2:])
        shown.append(shlex.quote(arg))
    return ' '.join(shown)


def _now(now=None):
    now = now or datetime.datetime.now(datetime.timezone.utc)
    if isinstance(now, str):
        now = datetime.datetime.strptime(now, '%Y-%m-%dT%H:%M:%S%z')
    return now


def report_context(thresholds, now=None, command=None):
    """What every report page says about itself: when, by which version, with which command and options."""
    now = _now(now)
    return dict(generated=now.isoformat(timespec='seconds'), generated_text=now.strftime('%Y-%m-%d %H:%M %Z'),
                command=command if command is not None else command_line(), collection_version=collection_version(),
                thresholds=dict(_dict(thresholds)))


def fleet_report(hosts, thresholds=None, title='Connectware fleet report', today=None, now=None, command=None):
    """The whole model of the fleet report (see fleet_report.yml)."""
    if not isinstance(hosts, list):
        raise AnsibleFilterError('fleet_report expects a list of {host, url, check, info}, got %s' % type(hosts).__name__)
    thresholds = dict(_dict(thresholds))
    min_days = thresholds.get('license_min_days', 14)
    try:
        min_days = int(min_days)
    except (TypeError, ValueError):
        raise AnsibleFilterError('fleet_report: thresholds.license_min_days must be a whole number of days (got %r)'
                                 % (min_days,))
    thresholds['license_min_days'] = min_days
    if isinstance(today, str):
        today = datetime.date(*[int(part) for part in today.split('-')])
    today = today or datetime.date.today()
    rows = sort_rows([host_row(entry) for entry in hosts])
    summary = dict(
        hosts=len(rows),
        closed=len([row for row in rows if not row['healthy']]),
        unreadable=len([row for row in rows if row['severity'] == 3]),
        broken=len([row for row in rows if row['severity'] == 2]),
        plan=len([row for row in rows if row['severity'] == 1]),
        open=len([row for row in rows if row['healthy']]),
        quiet=len([row for row in rows if _dict(row['traffic']).get('finding')]),
    )
    report = report_context(thresholds, now, command)
    report.update(title=title, summary=summary, hosts=rows, timeline=expiry_timeline(rows, min_days, today),
                  sparklines=dict((row['host'], traffic_sparkline(row['traffic'])) for row in rows))
    return report


class FilterModule(object):
    def filters(self):
        return {'fleet_report': fleet_report, 'report_context': report_context}
