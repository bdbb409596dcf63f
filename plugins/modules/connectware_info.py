#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, iiot.connectware contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
---
module: connectware_info
short_description: Gather what a Cybus Connectware host reports about itself
version_added: 0.1.0
description:
  - Reads version, license, service health, vRPC health, preflight probes, metrics, agents and the marketplace
    listing of a Connectware host in one task, so that a play can decide on them.
  - The chosen subsets are fetched concurrently, one request per endpoint, so a task costs about as much as its
    slowest endpoint.
  - Every answer is returned unchanged, as Connectware sends it; the license also comes as a normalized summary.
author:
  - iiot.connectware maintainers (@iiot-connectware)
options:
  gather_subset:
    description:
      - Which subsets to gather, following the C(gather_subset) convention of Ansible's fact gathering.
      - V(all) gathers every subset; a name prefixed with V(!) is excluded; a list of only exclusions gathers
        everything but those.
      - V(info) is C(GET /api/system/info), V(preflight) C(GET /api/system/preflight), V(health)
        C(GET /api/system/health), V(vrpc_health) C(GET /api/system/vrpcHealth), V(metrics)
        C(GET /api/system/metrics), V(agents) C(GET /api/system/agents), V(marketplace_apps)
        C(GET /api/marketplace/apps).
      - An unknown name fails the task before any request is sent.
    type: list
    elements: str
    default: [info, health, vrpc_health]
  metrics_period:
    description:
      - Which metric series to ask for when V(metrics) is gathered (the C(hourly) and C(daily) query
        parameters of C(/api/system/metrics)).
    type: list
    elements: str
    choices: [hourly, daily]
    default: [hourly, daily]
extends_documentation_fragment:
  - iiot.connectware.connection
  - iiot.connectware.connection.ACTION_GROUP
  - iiot.connectware.connection.CHECK_MODE_READ_ONLY
notes:
  - A subset whose request fails fails the task, naming the subset and the cause; no partial result is returned.
seealso:
  - module: iiot.connectware.connectware_health_check
    description: Turns the same endpoints into one healthy/unhealthy verdict with reasons.
'''

EXAMPLES = r'''
- name: Read version, license and health of every Connectware host
  iiot.connectware.connectware_info:
    url: "{{ connectware_url }}"
    token: "{{ connectware_token }}"
    ca_path: "{{ connectware_ca_path }}"
  delegate_to: localhost
  register: connectware

- name: Stop when the license runs out within 30 days
  ansible.builtin.assert:
    that:
      - connectware.license.valid
      - connectware.license.days_left >= 30
    fail_msg: "License {{ connectware.license.id }} expires {{ connectware.license.expiration }}"

- name: Everything but the marketplace, connection set once for the group
  module_defaults:
    group/iiot.connectware.connectware:
      url: "{{ connectware_url }}"
      token: "{{ connectware_token }}"
      ca_path: "{{ connectware_ca_path }}"
  block:
    - name: Gather all subsets except marketplace_apps
      iiot.connectware.connectware_info:
        gather_subset:
          - all
          - '!marketplace_apps'
        metrics_period: [daily]
      delegate_to: localhost
      register: connectware_all

- name: Log in with username and password instead of a token
  iiot.connectware.connectware_info:
    url: "{{ connectware_url }}"
    username: admin
    password: "{{ connectware_admin_password }}"
    ca_path: "{{ connectware_ca_path }}"
    gather_subset: [preflight]
  delegate_to: localhost
  register: connectware_preflight
'''

RETURN = r'''
info:
  description: The answer of C(GET /api/system/info), unchanged.
  returned: when V(info) is gathered
  type: dict
  sample:
    time: "2026-11-29T08:00:00.000Z"
    version: "1.7.2"
    license:
      name: "Connectware Production"
      valid: true
      file:
        id: "lic-0001"
        associatedAccount: "acme-plant"
        connectwareLicenseClass: "Production"
        expiration: "2027-11-29"
license:
  description: The license of O(gather_subset=info), normalized.
  returned: when V(info) is gathered
  type: dict
  contains:
    name:
      description: The license's name (C(license.name)).
      type: str
      sample: Connectware Production
    id:
      description: The license file's id (C(license.file.id)).
      type: str
      sample: lic-0001
    account:
      description: The associated account (C(license.file.associatedAccount)).
      type: str
      sample: acme-plant
    license_class:
      description: The license class (C(license.file.connectwareLicenseClass)).
      type: str
      sample: Production
    expiration:
      description: Expiration as an ISO date (C(YYYY-MM-DD)), or null when Connectware reports none.
      type: str
      sample: "2027-11-29"
    valid:
      description:
        - True when Connectware reports the license valid and it has not expired.
        - False when either is not so, or when Connectware reports neither.
      type: bool
      sample: true
    days_left:
      description: Days from today (on the host running the module) to the expiration; negative once expired, null if unknown.
      type: int
      sample: 365
preflight:
  description: The answer of C(GET /api/system/preflight), unchanged.
  returned: when V(preflight) is gathered
  type: dict
  sample:
    dockerHub: {status: true, statusText: OK, url: "https://registry-1.docker.io"}
    cybusRegistry: {status: true, statusText: OK, url: "https://registry.cybus.io"}
    cybusPortal: {status: true, statusText: OK, url: "https://portal.cybus.io"}
    currentVersions:
      series:
        active:
          latest: {version: "1.8.0", urlReleaseNotes: "https://docs.cybus.io/", installerUrl: "https://download.cybus.io/"}
health:
  description: The answer of C(GET /api/system/health), unchanged.
  returned: when V(health) is gathered
  type: dict
  sample:
    system:
      status:
        - {name: broker, status: running, uptime: "3 days"}
vrpc_health:
  description: The answer of C(GET /api/system/vrpcHealth), unchanged.
  returned: when V(vrpc_health) is gathered
  type: dict
  sample:
    agentStatus: {agentName: protocol-mapper, status: online}
    VRPCInterServiceCommunication:
      - agentName: protocol-mapper
        providers:
          - {providerName: service-manager, reachable: true, functionalityAffectedIfFailed: [Service deployment]}
metrics:
  description: The answer of C(GET /api/system/metrics), unchanged.
  returned: when V(metrics) is gathered
  type: dict
  sample:
    hourly: [{timestamp: "2026-11-29T08:00:00.000Z", numberOfConnectedDatapoints: 120, numberOfReceivedMessages: 4000}]
    daily: [{date: "2026-11-28", numberOfConnectedDatapoints: 120, numberOfReceivedMessages: 96000}]
traffic:
  description:
    - The hourly series of RV(metrics), normalized, and how long the host has received no message.
    - Counts that are not whole numbers of 0 or more are null.
  returned: when V(metrics) is gathered
  type: dict
  contains:
    hourly:
      description: One entry per hour, oldest first (in the order sent when an hour has no timestamp).
      type: list
      elements: dict
      sample: [{timestamp: "2026-11-29T08:00:00.000Z", messages: 4000, datapoints: 120}]
    hours:
      description: How many hours the series has.
      type: int
      sample: 24
    messages_total:
      description: The messages received over the series, or null when no hour has a count.
      type: int
      sample: 96000
    last_timestamp:
      description: The timestamp of the latest hour, as sent, or null.
      type: str
      sample: "2026-11-29T08:00:00.000Z"
    quiet_hours:
      description: The latest hours in a row that received no message; 0 when the latest hour received any or its count is unknown.
      type: int
      sample: 0
    finding:
      description: C(no messages for N h) when RV(traffic.quiet_hours) is 1 or more, else null.
      type: str
      sample: no messages for 5 h
agents:
  description: The answer of C(GET /api/system/agents), unchanged.
  returned: when V(agents) is gathered
  type: list
  elements: dict
  sample:
    - {name: edge-agent-1, version: "1.7.2", hostname: edge-1, classes: {Connection: {instances: [opcua-line-1]}}}
marketplace_apps:
  description: The answer of C(GET /api/marketplace/apps), unchanged.
  returned: when V(marketplace_apps) is gathered
  type: list
  elements: dict
  sample:
    - {directory: opcua-to-mqtt, filename: opcua-to-mqtt.yml, name: OPC UA to MQTT, version: "1.2.0"}
gathered_subsets:
  description: The subsets gathered, after resolving O(gather_subset).
  returned: always
  type: list
  elements: str
  sample: [info, health, vrpc_health]
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
from ansible_collections.iiot.connectware.plugins.module_utils._runner_info import run_info

OPTIONS = dict(
    argument_spec=dict(
        gather_subset=dict(type='list', elements='str', default=['info', 'health', 'vrpc_health']),
        metrics_period=dict(type='list', elements='str', choices=['hourly', 'daily'], default=['hourly', 'daily']),
    ),
)


def main():
    run_module(run_info, **OPTIONS)


if __name__ == '__main__':
    main()
