# -*- coding: utf-8 -*-
# Copyright: (c) 2026, iiot.connectware contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The logic of connectware_info: every requested subset, one request each, concurrently.

FOR INTERNAL COLLECTION USE ONLY.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

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
    return result
