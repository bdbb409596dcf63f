#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, iiot.connectware contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
---
module: connectware_health_check
short_description: Judge whether a Cybus Connectware host is healthy, with reasons
version_added: 0.1.0
description:
  - Judges a Connectware host from C(GET /api/system/health) (services), C(GET /api/system/vrpcHealth) (vRPC
    providers), C(GET /api/system/info) (license) and C(GET /api/system/preflight) (internet probes), and
    returns one verdict with a readable reason for every problem.
  - The chosen checks' requests run concurrently, one request per endpoint per attempt.
  - With O(wait_timeout), polls until the host is healthy or the time is up. While waiting, an API error
    (timeout, 503, connection refused) counts as an unhealthy attempt. The wait ends at once when only
    failures that waiting cannot mend remain (a rejected token or login, a missing permission, TLS, a
    configuration error, or a license problem, since an expired, invalid or too short license stays so until
    another is installed), and the message says so.
  - "When no check could judge the host because its requests failed, the task fails with
    C(Cannot check Connectware at <url>: ...) and RV(api_error) of the first failed request (for example
    C(kind=auth)); a host that was judged unhealthy fails with C(Connectware at <url> is unhealthy: ...)
    and C(kind=unhealthy)."
author:
  - iiot.connectware maintainers (@iiot-connectware)
options:
  checks:
    description:
      - Which checks to run.
      - V(health) requires services to be in one of O(healthy_statuses); V(vrpc) requires every vRPC provider to be
        reachable; V(license) requires a valid license with at least O(license_min_days) left; V(preflight)
        requires the probes in O(preflight_required) to pass.
    type: list
    elements: str
    choices: [health, vrpc, license, preflight]
    default: [health, vrpc, license]
  services:
    description:
      - Services that must be reported and healthy. Other services are then not judged.
      - When empty, every service Connectware reports must be healthy.
    type: list
    elements: str
    default: []
  ignore_services:
    description:
      - Services never judged, for example one that is stopped on purpose.
    type: list
    elements: str
    default: []
  healthy_statuses:
    description:
      - Which service C(status) values count as healthy, compared case-insensitively.
      - Connectware reports the state of each service's container; its admin UI shows C(running), C(starting),
        C(stopping), C(restarting), C(exited) and C(created), of which only C(running) is healthy. The API
        reference does not list the values, hence this option.
    type: list
    elements: str
    default: [running]
  healthy_agent_statuses:
    description:
      - Values of the vRPC C(agentStatus.status) that count as healthy, compared case-insensitively.
      - The API reference does not list these values, so by default (empty list) the agent status is reported in
        RV(checks.vrpc) but not judged; the providers' C(reachable) flags are.
    type: list
    elements: str
    default: []
  license_min_days:
    description:
      - The license must be valid and expire in no fewer days than this. V(0) requires only that it has not expired.
      - A license that Connectware reports valid without any expiration date (a perpetual license) does not run
        out, so it satisfies any minimum; an expiration that Connectware reports but that is not a date fails any
        minimum above 0.
    type: int
    default: 0
  preflight_required:
    description:
      - Which preflight probes must pass when V(preflight) is in O(checks). Air-gapped sites drop V(dockerHub)
        (and V(cybusRegistry) with a registry mirror); the probes are informational, Connectware runs without
        internet.
    type: list
    elements: str
    choices: [dockerHub, cybusRegistry, cybusPortal]
    default: [dockerHub, cybusRegistry, cybusPortal]
  wait_timeout:
    description:
      - Seconds to keep checking until the host is healthy. V(0) checks once.
    type: float
    default: 0
  wait_interval:
    description:
      - Seconds between attempts while waiting. Must be greater than 0.
    type: float
    default: 5
  fail_on_unhealthy:
    description:
      - Fail the task when the host is unhealthy, with every reason in the message. With V(false) the task
        succeeds and RV(healthy) tells.
    type: bool
    default: true
extends_documentation_fragment:
  - iiot.connectware.connection
  - iiot.connectware.connection.ACTION_GROUP
  - iiot.connectware.connection.CHECK_MODE_READ_ONLY
seealso:
  - module: iiot.connectware.connectware_info
    description: The raw answers behind these checks.
'''

EXAMPLES = r'''
- name: Refuse to deploy onto a sick host
  iiot.connectware.connectware_health_check:
    url: "{{ connectware_url }}"
    token: "{{ connectware_token }}"
    ca_path: "{{ connectware_ca_path }}"
    license_min_days: 14
  delegate_to: localhost

- name: Wait up to 5 minutes for a host that is starting, all checks, air-gapped site
  iiot.connectware.connectware_health_check:
    url: "{{ connectware_url }}"
    token: "{{ connectware_token }}"
    ca_path: "{{ connectware_ca_path }}"
    checks: [health, vrpc, license, preflight]
    preflight_required: [cybusPortal]
    ignore_services: [workbench]
    wait_timeout: 300
    wait_interval: 10
  delegate_to: localhost

- name: Report without failing
  iiot.connectware.connectware_health_check:
    url: "{{ connectware_url }}"
    token: "{{ connectware_token }}"
    ca_path: "{{ connectware_ca_path }}"
    fail_on_unhealthy: false
  delegate_to: localhost
  register: verdict

- name: Show the reasons
  ansible.builtin.debug:
    msg: "{{ 'healthy' if verdict.healthy else verdict.failures | join('; ') }}"
'''

RETURN = r'''
healthy:
  description: Whether every check passed (on the last attempt).
  returned: always
  type: bool
  sample: false
failures:
  description: One readable reason per problem found on the last attempt.
  returned: always
  type: list
  elements: str
  sample:
    - "service broker is 'exited'"
    - "vRPC provider service-manager of agent protocol-mapper unreachable (affects: Service deployment)"
    - "license lic-0001 expires in 3 days (minimum 14)"
    - "preflight cybusRegistry failed: getaddrinfo ENOTFOUND registry.cybus.io"
    - "cannot check vrpc: Connectware at https://cw.example answered HTTP 503 for GET /api/system/vrpcHealth after 4 attempt(s)"
checks:
  description:
    - Per check, whether it passed and what it judged (last attempt).
    - "A check whose request failed holds C(api_error) (as the task's RV(api_error)) and C(cause) instead of what it
      judges. C(cause) says in a few words what to fix, for one line of a report, such as C(token rejected (401)),
      C(unknown host), C(connection refused) or C(TLS: not signed by a trusted CA)."
  returned: always
  type: dict
  contains:
    health:
      description: C(ok), C(failures), C(services) (as reported), C(judged), C(unhealthy) and C(missing) service names.
      returned: when V(health) is checked
      type: dict
    vrpc:
      description: C(ok), C(failures), C(agent_status) and the C(unreachable) providers (C(agent), C(provider), C(affects)).
      returned: when V(vrpc) is checked
      type: dict
    license:
      description:
        - C(ok), C(failures), the normalized C(license) summary, C(min_days), and C(problem) (null, or one of
          V(expired), V(invalid), V(too_short), V(unreadable_expiration)).
      returned: when V(license) is checked
      type: dict
    preflight:
      description:
        - C(ok), C(failures), C(probes) (C(status), C(statusText), C(url), C(required) each) and C(required).
        - C(latest_version), the latest Connectware version the preflight answer names (null when it names none).
      returned: when V(preflight) is checked
      type: dict
  sample:
    health: {ok: false, failures: ["service broker is 'exited'"], judged: [broker], unhealthy: [broker], missing: [],
             services: [{name: broker, status: exited, uptime: ""}]}
    license: {ok: true, failures: [], min_days: 14,
              license: {id: lic-0001, name: Connectware Production, account: acme-plant, license_class: Production,
                        expiration: "2027-11-29", valid: true, days_left: 365}}
version:
  description: The Connectware version from C(GET /api/system/info), read by the V(license) check.
  returned: when V(license) is checked and Connectware answered
  type: str
  sample: "1.7.2"
url:
  description:
    - The Connectware URL that was checked, as the task's O(url) resolved it (credentials written into it shown as
      C(********)), for reports that link each host.
  returned: success
  type: str
  sample: https://cw-01.plant.example:443
attempts:
  description: How many times the checks ran.
  returned: always
  type: int
  sample: 1
elapsed:
  description: Seconds spent, from the first request to the verdict.
  returned: always
  type: float
  sample: 0.12
api_retries:
  description:
    - How many requests of this task were sent again, after a connection error, a timeout or an HTTP 429, 502, 503
      or 504 answer, or after logging in again because a login token expired.
    - When it is above 0 the task also gives one warning saying how many requests and why.
  returned: always, except when the task's options are refused before any request
  type: int
  sample: 0
api_error:
  description:
    - What made the task fail, for tools that act on failures; C(msg) says it in words.
  returned: on failure
  type: dict
  contains:
    kind:
      description:
        - V(config) (an option or the given input is wrong, or refused by Connectware), V(connection), V(timeout),
          V(tls), V(auth) (credentials rejected), V(permission) (HTTP 403), V(http) (another HTTP error), or
          V(invalid_response) (an answer unlike what the API documents, such as no JSON, too large or too deeply nested).
        - V(unhealthy) when the verdict is unhealthy and O(fail_on_unhealthy=true); the API errors of single checks are in RV(checks).
      type: str
      sample: auth
    method:
      description: The HTTP method of the failed request, or null when the failure is not a request's.
      type: str
      sample: GET
    path:
      description: The API path (with its query string) of the failed request, or null.
      type: str
      sample: /api/system/info
    url:
      description: The full URL of the failed request, or null. Never carries credentials.
      type: str
      sample: https://connectware.plant.example/api/system/info
    status:
      description: The HTTP status Connectware answered, or null.
      type: int
      sample: 401
    body:
      description: The start of the server's error message, with every secret the task knows redacted, or null.
      type: str
      sample: Unauthorized
    attempts:
      description: How many times the request was sent, or null.
      type: int
      sample: 1
'''

from ansible_collections.iiot.connectware.plugins.module_utils._module import run_module
from ansible_collections.iiot.connectware.plugins.module_utils._runner_health_check import run_health_check

OPTIONS = dict(
    argument_spec=dict(
        checks=dict(type='list', elements='str', choices=['health', 'vrpc', 'license', 'preflight'],
                    default=['health', 'vrpc', 'license']),
        services=dict(type='list', elements='str', default=[]),
        ignore_services=dict(type='list', elements='str', default=[]),
        healthy_statuses=dict(type='list', elements='str', default=['running']),
        healthy_agent_statuses=dict(type='list', elements='str', default=[]),
        license_min_days=dict(type='int', default=0),
        preflight_required=dict(type='list', elements='str', choices=['dockerHub', 'cybusRegistry', 'cybusPortal'],
                                default=['dockerHub', 'cybusRegistry', 'cybusPortal']),
        wait_timeout=dict(type='float', default=0),
        wait_interval=dict(type='float', default=5),
        fail_on_unhealthy=dict(type='bool', default=True),
    ),
)


def main():
    run_module(run_health_check, **OPTIONS)


if __name__ == '__main__':
    main()
