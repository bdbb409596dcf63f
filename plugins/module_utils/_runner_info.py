# -*- coding: utf-8 -*-
# Copyright: (c) 2026, iiot.connectware contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The logic of connectware_info: every requested subset, one request each, concurrently.

FOR INTERNAL COLLECTION USE ONLY.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import math

from ansible_collections.iiot.connectware.plugins.module_utils import _endpoints as endpoints
from ansible_collections.iiot.connectware.plugins.module_utils._client import ConnectwareError
from ansible_collections.iiot.connectware.plugins.module_utils._gather import (
    SubsetError,
    combined_error,
    fetch_concurrently,
    resolve_subsets,
)
from ansible_collections.iiot.connectware.plugins.module_utils._license import license_of_answer

# Subset name -> endpoint, in the order results are documented.
SUBSET_PATHS = {
    'info': endpoints.SYSTEM_INFO,
    'preflight': endpoints.SYSTEM_PREFLIGHT,
    'health': endpoints.SYSTEM_HEALTH,
    'vrpc_health': endpoints.SYSTEM_VRPC_HEALTH,
    'metrics': endpoints.SYSTEM_METRICS,
    'agents': endpoints.SYSTEM_AGENTS,
    'marketplace_apps': endpoints.MARKETPLACE_APPS,
}


def run_info(task):
    params = task.params
    try:
        subsets = resolve_subsets(params['gather_subset'], SUBSET_PATHS)
    except SubsetError as error:
        raise ConnectwareError(str(error), kind='config')
    metrics_params = dict((period, 'true' if period in params['metrics_period'] else 'false')
                          for period in ('hourly', 'daily'))
    calls = dict((name, (SUBSET_PATHS[name], metrics_params if name == 'metrics' else None)) for name in subsets)
    results, errors = fetch_concurrently(task.client, calls)
    if errors:
        raise combined_error(errors, labels=dict((name, 'subset %s' % name) for name in errors))
    result = dict(changed=False, gathered_subsets=subsets)
    result.update(results)
    if 'info' in results:
        result['license'] = license_of_answer(results['info'])
    if 'metrics' in results:
        result['traffic'] = traffic_of_metrics(results['metrics'])
    return result


def _count(value):
    """A count as Connectware sends it (a whole number, 0 or more), else None: every server byte is untrusted."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    if not math.isfinite(value) or value < 0 or int(value) != value:
        return None
    return int(value)


def traffic_of_metrics(answer):
    """The hourly series of ``GET /api/system/metrics``, normalized, and how long it has been quiet.

    ``hourly``: ``{timestamp, messages, datapoints}`` per hour, oldest first (as sent when a timestamp is
    missing); a count that is no whole number of 0 or more is None. ``quiet_hours``: the latest hours in a
    row that received no message (0 when the latest hour had any or is unknown). ``finding``:
    "no messages for N h" when ``quiet_hours`` is 1 or more, else None.
    """
    hourly = answer.get('hourly') if isinstance(answer, dict) else None
    points = []
    for entry in hourly if isinstance(hourly, list) else []:
        if not isinstance(entry, dict):
            continue
        timestamp = entry.get('timestamp')
        points.append(dict(timestamp=timestamp if isinstance(timestamp, str) else None,
                           messages=_count(entry.get('numberOfReceivedMessages')),
                           datapoints=_count(entry.get('numberOfConnectedDatapoints'))))
    if all(point['timestamp'] is not None for point in points):
        points.sort(key=lambda point: point['timestamp'])
    quiet = 0
    for point in reversed(points):
        if point['messages'] != 0:
            break
        quiet += 1
    known = [point['messages'] for point in points if point['messages'] is not None]
    return dict(hourly=points, hours=len(points), messages_total=sum(known) if known else None,
                last_timestamp=points[-1]['timestamp'] if points else None, quiet_hours=quiet,
                finding='no messages for %d h' % quiet if quiet else None)
