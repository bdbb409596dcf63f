# -*- coding: utf-8 -*-
# Copyright: (c) 2026, iiot.connectware contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The rules that turn Connectware's status answers into a verdict with reasons.

FOR INTERNAL COLLECTION USE ONLY.  Each ``judge_*`` takes an API answer (as sent) and
returns ``(details, failures)``: what it judged, and one readable reason per problem.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.iiot.connectware.plugins.module_utils import _endpoints as endpoints
from ansible_collections.iiot.connectware.plugins.module_utils._license import (
    EXPIRED,
    INVALID,
    TOO_SHORT,
    UNREADABLE_EXPIRATION,
    license_of,
    license_problem,
    reported_expiration,
    shown_value,
)

# The admin UI's container states; "running" is the healthy one.
DEFAULT_HEALTHY_STATUSES = ('running',)
PREFLIGHT_PROBES = ('dockerHub', 'cybusRegistry', 'cybusPortal')

# Check name -> endpoint it reads.
CHECK_PATHS = {
    'health': endpoints.SYSTEM_HEALTH,
    'vrpc': endpoints.SYSTEM_VRPC_HEALTH,
    'license': endpoints.SYSTEM_INFO,
    'preflight': endpoints.SYSTEM_PREFLIGHT,
}


def _as_list(value):
    return value if isinstance(value, list) else []


def _as_dict(value):
    return value if isinstance(value, dict) else {}


def judge_health(answer, healthy_statuses=DEFAULT_HEALTHY_STATUSES, services=None, ignore_services=None):
    """Services of ``GET /api/system/health``: required ones present, judged ones healthy."""
    healthy = set(str(status).strip().lower() for status in healthy_statuses)
    ignored = set(ignore_services or [])
    reported = [entry for entry in _as_list(_as_dict(_as_dict(answer).get('system')).get('status'))
                if isinstance(entry, dict)]
    by_name = dict((str(entry.get('name')), entry) for entry in reported)
    judged = [name for name in (services or list(by_name)) if name not in ignored]
    failures, unhealthy, missing = [], [], []
    for name in judged:
        entry = by_name.get(name)
        if entry is None:
            missing.append(name)
            failures.append('service %s is not reported by Connectware' % name)
            continue
        status = entry.get('status')
        if str(status).strip().lower() not in healthy:
            unhealthy.append(name)
            failures.append("service %s is '%s'" % (name, status))
    if not reported and not services:
        failures.append('Connectware reports no services')
    details = dict(services=reported, judged=judged, unhealthy=unhealthy, missing=missing)
    return details, failures


def judge_vrpc(answer, healthy_agent_statuses=None):
    """Providers of ``GET /api/system/vrpcHealth`` must be reachable; the agent status is judged if asked."""
    answer = _as_dict(answer)
    failures, unreachable = [], []
    for agent in _as_list(answer.get('VRPCInterServiceCommunication')):
        agent = _as_dict(agent)
        for provider in _as_list(agent.get('providers')):
            provider = _as_dict(provider)
            if provider.get('reachable') is not True:
                affected = [str(item) for item in _as_list(provider.get('functionalityAffectedIfFailed'))]
                unreachable.append(dict(agent=agent.get('agentName'), provider=provider.get('providerName'),
                                        affects=affected))
                failures.append('vRPC provider %s of agent %s unreachable%s' % (
                    provider.get('providerName'), agent.get('agentName'),
                    ' (affects: %s)' % ', '.join(affected) if affected else ''))
    agent_status = _as_dict(answer.get('agentStatus'))
    if healthy_agent_statuses:
        accepted = set(str(status).strip().lower() for status in healthy_agent_statuses)
        if str(agent_status.get('status')).strip().lower() not in accepted:
            failures.append("vRPC agent %s is '%s'" % (agent_status.get('agentName'), agent_status.get('status')))
    details = dict(agent_status=agent_status, unreachable=unreachable)
    return details, failures


def judge_license(answer, min_days=0, today=None):
    """The license of ``GET /api/system/info``: valid, and not expiring within ``min_days`` (the shared rule)."""
    license_data = license_of(answer)
    summary, problem = license_problem(license_data, min_days, today=today)
    failures = []
    days = summary['days_left']
    label = 'license %s' % summary['id'] if summary['id'] else 'license'
    if problem == EXPIRED:
        ago = abs(days)  # days_left is below 0 for an expired license
        failures.append('%s expired on %s, %d day%s ago' % (label, summary['expiration'], ago, '' if ago == 1 else 's'))
    elif problem == INVALID:
        failures.append('%s is invalid' % label)
    elif problem == UNREADABLE_EXPIRATION:
        failures.append('%s has an expiration Connectware reports as %s, which is not a date, so the minimum of %d days '
                        'cannot be checked' % (label, shown_value(reported_expiration(license_data)), min_days))
    elif problem == TOO_SHORT:
        failures.append('%s expires in %s day%s (minimum %d)' % (label, days, '' if days == 1 else 's', min_days))
    return dict(license=summary, min_days=min_days, problem=problem), failures


def judge_preflight(answer, required=PREFLIGHT_PROBES):
    """The required probes of ``GET /api/system/preflight`` must report ``status: true``."""
    answer = _as_dict(answer)
    failures, probes = [], {}
    for name in PREFLIGHT_PROBES:
        probe = _as_dict(answer.get(name))
        probes[name] = dict(status=probe.get('status'), statusText=probe.get('statusText'), url=probe.get('url'),
                            required=name in required)
        if name in required and probe.get('status') is not True:
            failures.append('preflight %s failed: %s' % (name, probe.get('statusText') or 'no status reported'))
    return dict(probes=probes, required=list(required), latest_version=latest_version(answer)), failures


def latest_version(answer):
    """The latest Connectware version the preflight answer names (``currentVersions.series.active.latest``), or None."""
    latest = _as_dict(answer)
    for key in ('currentVersions', 'series', 'active', 'latest'):
        latest = _as_dict(latest.get(key))
    version = latest.get('version')
    return version if isinstance(version, str) and version.strip() else None
