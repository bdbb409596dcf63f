#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, iiot.connectware contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
---
module: connectware_service
short_description: Install, enable, disable or remove a Cybus Connectware service
version_added: 0.2.0
description:
  - Installs a service commissioning file as a Connectware service over the REST API, from the controller, and waits
    until Connectware reports the state asked for. The file comes from the controller (O(src), Ansible Vault works),
    from a variable (O(content)), or from the host's own marketplace (O(marketplace)).
  - "Idempotent: the service is read first (C(GET /api/services/{id})). A service that is not there is validated
    by Connectware (C(POST /api/validate/service)) and installed (C(POST /api/services)); a file Connectware
    rejects fails the task with Connectware's reason, and nothing is installed."
  - "An installed service is compared with what the task gives: the commissioning file and the parameters, as
    Connectware returns them in C(commissioningData). When they are equal nothing is sent and RV(ignore:changed)
    is false: an unchanged run costs one request (plus the login with O(username)), or with O(marketplace) also
    the marketplace requests that fetch the file to compare."
  - "When they differ, the file is validated and the service re-deployed (C(PUT /api/services/{id})), with a
    warning that its resources restart."
  - "Two files are equal when their text is equal (ignoring line endings and trailing white space) or when they
    are the same YAML mapping. Only the parameters given in O(parameters) are compared: Connectware may report
    the ones left out with their defaults, and those keep their installed values on a re-deploy."
  - "When Connectware's answer does not include the installed file (or, when O(parameters) is given, the
    installed parameters), the module cannot compare them: it does not re-deploy the service, says so in a
    warning, and re-deploys only with O(force=true)."
  - Then the service is enabled or disabled (C(PUT /api/services/{id}/operation)) only when its C(currentState)
    differs from the target; a service already on its way to the target (its C(targetState) is the target) is
    only waited for.
  - Every change Connectware accepts is carried out asynchronously; with O(wait), the module polls
    C(GET /api/services/{id}/status) until C(currentState) is the target. C(deviated) (some resources did not reach
    the target) or the end of O(wait_timeout) fails the task with the last state and the resources that missed it.
  - Connectware answers HTTP 409 to a write while a deletion of the same service id still runs; such writes are
    retried every O(wait_interval) seconds until O(wait_timeout), then the task fails saying so.
  - The commissioning file is checked before any request where this can be told for certain. An empty file,
    or valid YAML that is not a mapping, is refused; anything else is Connectware's to judge.
author:
  - iiot.connectware maintainers (@iiot-connectware)
options:
  service_id:
    description:
      - The service id in Connectware; it names the service in the API's paths and in its MQTT topics.
      - Connectware's API reference does not state which characters an id may hold (its own default ids are
        lowercase letters and digits). This module takes 1 to 100 ASCII letters, digits, C(-) and C(_), starting
        with a letter or digit, and refuses anything else before any request.
    type: str
    required: true
    aliases: [id]
  state:
    description:
      - V(enabled) installs the service if needed and enables it.
      - V(disabled) installs the service if needed (disabled) and disables it; its resources stop.
      - V(present) installs the service if needed, disabled, and leaves an installed one's state as it is.
      - V(absent) disables the service (unless it is disabled) and deletes it; with O(wait), until Connectware no
        longer knows it (C(GET) answers 404).
    type: str
    choices: [enabled, disabled, present, absent]
    default: enabled
  src:
    description:
      - Path of the service commissioning file on the controller, looked up like M(ansible.builtin.copy)'s C(src)
        (role C(files/), playbook C(files/)). May be Ansible Vault encrypted. Must be UTF-8 text.
      - Read by the action plugin on the controller and sent to the module as O(content).
      - With O(state) other than V(absent), exactly one of O(src), O(content) and O(marketplace) is required.
    type: path
  content:
    description:
      - The service commissioning file's text (YAML).
      - Sent to Connectware as base64 of its UTF-8 bytes, as the API requires.
    type: str
  marketplace:
    description:
      - Take the commissioning file from the host's own marketplace, found the same way as by
        M(iiot.connectware.connectware_marketplace_app).
      - Give O(marketplace.name), or O(marketplace.directory) and O(marketplace.filename).
    type: dict
    suboptions:
      name:
        description:
          - The app's name in the marketplace listing. Fails, listing similar names, when no app or more than one
            has this name.
        type: str
      version:
        description:
          - The version the app must have; the task fails, installing nothing, when the marketplace has another one.
        type: str
      directory:
        description: The app's directory, as the marketplace listing gives it.
        type: str
      filename:
        description: The app's file name, as the marketplace listing gives it.
        type: str
  parameters:
    description:
      - Values of the commissioning file's parameters.
      - "Secrets: every parameter whose name contains C(password), C(token), C(secret) or C(key) (in any case,
        anywhere in the name, for example C(brokerPassword) or C(apiKey)) is treated as no_log. Its value never
        appears in the output, the diff, the result, a message or at C(-vvvv); the diff shows C(********) in its
        place."
      - Only the parameters given are compared with the installed ones (see the description).
    type: dict
  force:
    description:
      - Re-deploy the service even when nothing differs, or when Connectware's answer does not let the module compare.
    type: bool
    default: false
  wait:
    description:
      - Wait until Connectware reports the target state (for V(absent), until the service is gone).
      - With V(false), the task ends when Connectware has accepted the change; RV(service) then shows the state at
        that moment.
    type: bool
    default: true
  wait_timeout:
    description:
      - Seconds to wait in all, for the target state and for writes that meet a running deletion (HTTP 409).
      - A finite number from 0 to 86400; V(0) checks once.
    type: float
    default: 300
  wait_interval:
    description:
      - Seconds between two polls of the service's status, and between two attempts of a write answered with 409.
      - A finite number greater than 0 and at most 3600.
    type: float
    default: 2
extends_documentation_fragment:
  - iiot.connectware.connection
  - iiot.connectware.connection.ACTION_GROUP
attributes:
  check_mode:
    description:
      - Nothing is installed, changed or deleted; RV(actions), RV(service) and RV(ignore:changed) tell what would
        happen. The file is still validated by Connectware (validation changes nothing), so a file it would reject
        fails in check mode too.
    support: full
  diff_mode:
    description:
      - Shows the state and the parameters (secrets masked) before and after, and the commissioning file before
        (as Connectware returns it) and after.
    support: full
  action:
    description: An action plugin reads O(src) on the controller, decrypting Ansible Vault files.
    support: full
notes:
  - "O(marketplace) and the playbook C(iiot.connectware.gated_deploy): the commissioning file is fetched with the same
    lookup as M(iiot.connectware.connectware_marketplace_app) uses."
  - A child service whose parent is not installed yet can only be installed with O(state=disabled) or
    O(state=present) (a Connectware rule).
seealso:
  - module: iiot.connectware.connectware_marketplace_app
    description: Fetches a marketplace app's commissioning file to the controller.
  - module: iiot.connectware.connectware_health_check
    description: Judges the host's health before and after a deployment.
'''

EXAMPLES = r'''
- name: Install and enable the OPC UA to MQTT app from the host's marketplace, pinned to a version
  iiot.connectware.connectware_service:
    url: "{{ connectware_url }}"
    token: "{{ connectware_token }}"
    ca_path: "{{ connectware_ca_path }}"
    service_id: opcuatomqtt
    marketplace:
      name: OPC UA to MQTT
      version: "1.2.0"
    parameters:
      opcuaHost: 192.0.2.10
  delegate_to: localhost
  register: service

- name: Show what was done
  ansible.builtin.debug:
    msg: "{{ service.service.id }} is {{ service.service.currentState }} after {{ service.actions | join(', ') or 'nothing' }}"

- name: Services from files on the controller, connection set once
  module_defaults:
    group/iiot.connectware.connectware:
      url: "{{ connectware_url }}"
      token: "{{ connectware_token }}"
      ca_path: "{{ connectware_ca_path }}"
  block:
    - name: Write an example commissioning file (in real use, keep it with the playbook; it may be vault-encrypted)
      ansible.builtin.copy:
        dest: "{{ playbook_dir }}/mqtt-bridge.yml"
        content: |
          description: Bridges the plant broker
          metadata:
            name: MQTT bridge
            version: 1.0.0
          parameters:
            brokerPassword:
              type: string
          resources:
            plantBroker:
              type: Cybus::Connection
              properties:
                protocol: Mqtt
                connection:
                  host: broker.example.com
                  password: !ref brokerPassword
        mode: "0644"
      delegate_to: localhost

    - name: Install it disabled; the password parameter never shows in output or diff
      iiot.connectware.connectware_service:
        id: mqttbridge
        src: "{{ playbook_dir }}/mqtt-bridge.yml"
        state: disabled
        parameters:
          brokerPassword: "{{ vault_broker_password | default('example-only-password') }}"
      delegate_to: localhost

    - name: See what enabling it would do, without doing it
      iiot.connectware.connectware_service:
        id: mqttbridge
        src: "{{ playbook_dir }}/mqtt-bridge.yml"
        parameters:
          brokerPassword: "{{ vault_broker_password | default('example-only-password') }}"
      check_mode: true
      delegate_to: localhost
      register: planned

    - name: Remove it (disabled first), waiting until Connectware no longer knows it
      iiot.connectware.connectware_service:
        id: mqttbridge
        state: absent
      delegate_to: localhost
'''

RETURN = r'''
actions:
  description:
    - What was done, in order (in check mode, what would be done), of V(validated) (Connectware accepted the file),
      V(installed), V(updated) (re-deployed), V(enabled), V(disabled) and V(deleted). Empty when nothing was needed.
    - RV(ignore:changed) is true when it holds anything but V(validated).
  returned: always
  type: list
  elements: str
  sample: [validated, installed, enabled]
service:
  description:
    - The service after the task, as Connectware reports it (C(GET /api/services/{id}/status)); in check mode,
      predicted. Null after O(state=absent).
    - On failure (C(deviated), a timeout), the last state read.
  returned: always
  type: dict
  contains:
    id: {description: The service id., type: str, sample: opcuatomqtt}
    targetState: {description: The state Connectware works towards., type: str, sample: enabled}
    currentState:
      description:
        - The state Connectware reports; C(enabled), C(disabled) and C(deviated) are the documented ones, others
          (a transition) are returned as they come. Null when not read since the last change (O(wait=false)).
      type: str
      sample: enabled
previous:
  description: The service before the task, same shape as RV(service), or null when it was not installed.
  returned: always
  type: dict
  sample: {id: opcuatomqtt, targetState: disabled, currentState: disabled}
marketplace:
  description: The marketplace app whose commissioning file was used.
  returned: when O(marketplace) is given and the app was found
  type: dict
  sample: {name: OPC UA to MQTT, directory: opcua-to-mqtt, filename: opcua-to-mqtt.yml, version: 1.2.0,
           updatedAt: "2025-09-28T04:52:24.347Z"}
resources:
  description:
    - On a failure because the service is C(deviated) or did not reach its target in time, its resources that are
      not in the target state, as Connectware returns them in C(GET /api/services/{id}).
  returned: on such a failure
  type: list
  elements: dict
  sample: [{id: opcuaConnection, type: "Cybus::Connection", currentState: deviated}]
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
        - V(service_state) when the service ends in another state than the target (for example V(deviated)).
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
from ansible_collections.iiot.connectware.plugins.module_utils._service import run_service

ARGUMENT_SPEC = dict(
    service_id=dict(type='str', required=True, aliases=['id']),
    state=dict(type='str', choices=['enabled', 'disabled', 'present', 'absent'], default='enabled'),
    src=dict(type='path'),
    content=dict(type='str'),
    marketplace=dict(type='dict', options=dict(
        name=dict(type='str'),
        version=dict(type='str'),
        directory=dict(type='str'),
        filename=dict(type='str'),
    ), mutually_exclusive=[('name', 'directory'), ('name', 'filename')], required_together=[('directory', 'filename')],
        required_one_of=[('name', 'directory')]),
    parameters=dict(type='dict'),
    force=dict(type='bool', default=False),
    wait=dict(type='bool', default=True),
    wait_timeout=dict(type='float', default=300.0),
    wait_interval=dict(type='float', default=2.0),
)
MUTUALLY_EXCLUSIVE = [('src', 'content', 'marketplace')]
REQUIRED_IF = [(state, value, ('src', 'content', 'marketplace'), True)
               for state, value in (('state', 'enabled'), ('state', 'disabled'), ('state', 'present'))]


OPTIONS = dict(argument_spec=ARGUMENT_SPEC, mutually_exclusive=MUTUALLY_EXCLUSIVE, required_if=REQUIRED_IF)


def main():
    run_module(run_service, **OPTIONS)


if __name__ == '__main__':
    main()
