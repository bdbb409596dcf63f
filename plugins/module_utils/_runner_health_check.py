# -*- coding: utf-8 -*-
# Copyright: (c) 2026, iiot.connectware contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The logic of connectware_health_check: one verdict with reasons, optionally waiting until healthy.

FOR INTERNAL COLLECTION USE ONLY.  The rules of each check live in _health.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import time

from ansible_collections.iiot.connectware.plugins.module_utils._cause import short_cause
from ansible_collections.iiot.connectware.plugins.module_utils._client import ConnectwareError, display_url
from ansible_collections.iiot.connectware.plugins.module_utils._gather import fetch_concurrently
from ansible_collections.iiot.connectware.plugins.module_utils._license import (
    EXPIRED,
    INVALID,
    TOO_SHORT,
    UNREADABLE_EXPIRATION,
)
from ansible_collections.iiot.connectware.plugins.module_utils._health import (
    CHECK_PATHS,
    judge_health,
    judge_license,
    judge_preflight,
    judge_vrpc,
)

# Errors that waiting cannot mend: stop polling at once.
PERMANENT_ERROR_KINDS = ('auth', 'permission', 'tls', 'config')
# License problems that waiting cannot mend either: days left never grow by themselves, and an
# expired or invalid license stays so until someone installs another.
LASTING_LICENSE_PROBLEMS = (EXPIRED, INVALID, TOO_SHORT, UNREADABLE_EXPIRATION)


def config_error(message):
    return ConnectwareError(message, kind='config')


class HealthCheck(object):
    def __init__(self, task, clock=time.monotonic, sleep=time.sleep):
        self.task = task
        self.params = task.params
        self.clock = clock
        self.sleep = sleep
        self.version = None
        for option in ('wait_timeout', 'license_min_days'):
            if self.params[option] < 0:
                raise config_error('%s must be 0 or more (got %s)' % (option, self.params[option]))
        if self.params['wait_interval'] <= 0:
            raise config_error('wait_interval must be greater than 0 (got %s)' % self.params['wait_interval'])
        if not self.params['checks']:
            raise config_error('checks is empty: name at least one of health, vrpc, license, preflight')
        if 'health' in self.params['checks'] and not self.params['healthy_statuses']:
            raise config_error('healthy_statuses is empty, so no service could be healthy: name the healthy status '
                               'values, for example [running]')
        # Keep the documented order whatever order the user wrote.
        self.checks = [name for name in CHECK_PATHS if name in self.params['checks']]

    def judge(self, name, answer):
        params = self.params
        if name == 'health':
            return judge_health(answer, params['healthy_statuses'], params['services'], params['ignore_services'])
        if name == 'vrpc':
            return judge_vrpc(answer, params['healthy_agent_statuses'])
        if name == 'license':
            return judge_license(answer, params['license_min_days'])
        return judge_preflight(answer, params['preflight_required'])

    def attempt(self):
        """One round of every check: an Attempt."""
        answers, errors = fetch_concurrently(self.task.client,
                                             dict((name, (CHECK_PATHS[name], None)) for name in self.checks))
        info = answers.get('license')
        if isinstance(info, dict) and isinstance(info.get('version'), str):
            self.version = info['version']
        return Attempt(self.checks, answers, errors, self.judge)

    def run(self):
        started = self.clock()
        deadline = started + self.params['wait_timeout']
        attempts = 0
        while True:
            attempts += 1
            attempt = self.attempt()
            remaining = deadline - self.clock()
            if not attempt.failures or attempt.lasting or remaining <= 0:
                break
            self.sleep(min(self.params['wait_interval'], remaining))
        elapsed = round(self.clock() - started, 3)
        result = dict(changed=False, healthy=not attempt.failures, failures=attempt.failures, checks=attempt.checks,
                      attempts=attempts, elapsed=elapsed, url=display_url(self.task.client.base_url))
        if self.version is not None:
            result['version'] = self.version
        if attempt.failures and self.params['fail_on_unhealthy']:
            raise self.failure(attempt, attempts, elapsed, result)
        return result

    def failure(self, attempt, attempts, elapsed, result):
        """The task's failure: "cannot check" when no check could judge the host, else "unhealthy"."""
        waited = ''
        if self.params['wait_timeout'] > 0:
            if attempt.lasting:
                waited = ' (waiting cannot mend this: gave up after %d attempt(s))' % attempts
            else:
                waited = ' (still, after %d attempt(s) in %.1fs of wait_timeout=%ss)' % (
                    attempts, elapsed, '%g' % self.params['wait_timeout'])
        base_url = self.task.client.base_url
        if attempt.judged_failures:
            error = ConnectwareError('Connectware at %s is unhealthy%s: %s' % (base_url, waited, '; '.join(attempt.failures)),
                                     kind='unhealthy')
        else:
            # Nothing could be judged: the failure is the API's, and says so.
            first = attempt.errors[0]
            error = ConnectwareError('Cannot check Connectware at %s%s: %s' % (base_url, waited, '; '.join(attempt.failures)),
                                     kind=first.kind, method=first.method, path=first.path, url=first.url,
                                     status=first.status, body=first.body, attempts=first.attempts)
        error.result = result
        return error


class Attempt(object):
    """One round of checks: details per check, the reasons in words, and whether waiting could help."""

    def __init__(self, checks, answers, errors, judge):
        self.checks = {}
        self.failures = []
        self.judged_failures = []
        self.errors = [errors[name] for name in checks if name in errors]
        mendable = False
        # One cause behind every failed request (a refused login, say) is said once.
        shared = len(set(error.message for error in self.errors)) == 1 and len(self.errors) > 1
        if shared:
            self.failures.append('cannot check: %s' % self.errors[0].message)
        for name in checks:
            if name in errors:
                error = errors[name]
                reasons = ['cannot check %s: %s' % (name, error.message)]
                details = dict(api_error=error.to_result())
                details['cause'] = short_cause(details['api_error'], error.message)
                mendable = mendable or error.kind not in PERMANENT_ERROR_KINDS
                if not shared:
                    self.failures.extend(reasons)
            else:
                details, reasons = judge(name, answers[name])
                if reasons and details.get('problem') not in LASTING_LICENSE_PROBLEMS:
                    mendable = True
                self.failures.extend(reasons)
                self.judged_failures.extend(reasons)
            details.update(ok=not reasons, failures=reasons)
            self.checks[name] = details
        self.lasting = bool(self.failures) and not mendable


def run_health_check(task):
    return HealthCheck(task).run()
