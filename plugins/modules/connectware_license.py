#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, iiot.connectware contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
---
module: connectware_license
short_description: Install or refresh a Cybus Connectware license, idempotently
version_added: 0.1.0
description:
  - Installs a license file on a Connectware host (C(PUT /api/system/licensefile)), or makes Connectware
    re-read its license from the Cybus portal (C(GET /api/system/refresh)).
  - "Idempotent: where the license file reveals its identity (a JWT, JSON, or base64 JSON whose claims carry
    C(id), C(jti) or C(licenseId), and C(expiration) or C(exp)), it is compared with the installed license
    (C(license.file.id) and C(license.file.expiration) of C(GET /api/system/info)); when they are equal
    nothing is sent and RV(ignore:changed) is false. An unchanged run costs one request."
  - "Where the file is opaque (it reveals no id), it is uploaded and RV(ignore:changed) is decided by comparing
    the license before and after. In check mode such a file is reported as RV(ignore:changed=true) with a
    warning that the change could not be determined."
  - "After an upload or a refresh, the license is read from Connectware's answer only when that answer carries
    the license's id and validity. Connectware documents these answers without them, so then the module reads
    C(GET /api/system/info) once more: an upload costs two requests, or three with such an answer."
  - "RV(ignore:changed) is true when the license Connectware reports afterwards differs from the one before in
    name, id, account, class, expiration or validity. An upload Connectware accepted that changed none of these
    (the installed file uploaded again with O(force), or an opaque file that is installed already) reports
    RV(ignore:changed=false) and RV(uploaded=true)."
  - O(src) is read on the controller by the action plugin, so an Ansible Vault encrypted license file works
    as it does with M(ansible.builtin.copy).
  - The license content, token and password never appear in output, diff, return values or logs.
author:
  - iiot.connectware maintainers (@iiot-connectware)
options:
  state:
    description:
      - V(present) makes sure the license file given by O(src) or O(content) is installed.
      - V(refreshed) makes Connectware re-read its license from the Cybus portal; this needs the portal to be
        reachable (preflight C(cybusPortal)). It is not done in check mode, which cannot predict its outcome.
    type: str
    choices: [present, refreshed]
    default: present
  src:
    description:
      - Path of the license file on the controller, looked up like M(ansible.builtin.copy)'s C(src)
        (role C(files/), playbook C(files/)). May be Ansible Vault encrypted.
      - The file must be non-empty UTF-8 text; its trailing whitespace is not sent.
      - With O(state=present), exactly one of O(src) and O(content) is required.
    type: path
  content:
    description:
      - The license file's text, for example from a vault variable. Trailing whitespace is not sent.
      - With O(state=present), exactly one of O(src) and O(content) is required.
    type: str
  force:
    description:
      - Upload even when the file's identity shows it is already installed.
      - It does not imply O(allow_downgrade).
    type: bool
    default: false
  allow_downgrade:
    description:
      - "By default, a license file that expires earlier than the installed license is refused before anything is
        sent (and in check mode), naming both licenses and their expiration dates: a stale file must not replace a
        license that runs longer. V(true) installs it."
      - "The installed license counts only when Connectware reports it valid; one without an expiration date
        does not run out, so any file with an expiration date would replace it by a shorter one."
      - "An opaque license file, whose expiration cannot be known before Connectware reads it, is never refused:
        use O(min_days_left) to fail on a short license after the upload."
    type: bool
    default: false
  min_days_left:
    description:
      - Fail when the installed license (after an upload, or without one) is invalid or expires in fewer days
        than this. V(0) only requires a valid license that has not expired.
      - A license that Connectware reports valid without any expiration date (a perpetual license) does not run
        out, so it satisfies any minimum; an expiration that Connectware reports but that is not a date fails any
        minimum above 0.
      - The task still reports RV(ignore:changed=true) when it uploaded before failing.
      - In check mode, a license file that reveals its expiration is judged by it, so a rollout that would fail
        fails in check mode too.
    type: int
    default: 0
extends_documentation_fragment:
  - iiot.connectware.connection
  - iiot.connectware.connection.ACTION_GROUP
attributes:
  check_mode:
    description:
      - Nothing is uploaded or refreshed. RV(ignore:changed) and RV(license) are predicted from what the license
        file reveals; fields it cannot reveal are null in RV(license) and listed in RV(unknown).
      - An opaque file is reported as RV(ignore:changed=true) with a warning, every field unknown.
    support: full
  diff_mode:
    description:
      - Shows the license summary before and after. In check mode, a field that cannot be known before Connectware
        has read the file shows as C((unknown until Connectware reads the file)), never as an empty value.
    support: full
  action:
    description: An action plugin reads O(src) on the controller, decrypting Ansible Vault files.
    support: full
seealso:
  - module: iiot.connectware.connectware_info
    description: Reads the license (and more) without changing anything.
  - module: iiot.connectware.connectware_health_check
    description: Judges the license by the same minimum-days rule.
'''

EXAMPLES = r'''
- name: Install each host's license from a vault-encrypted variable
  iiot.connectware.connectware_license:
    url: "{{ connectware_url }}"
    token: "{{ connectware_token }}"
    ca_path: "{{ connectware_ca_path }}"
    content: "{{ vault_connectware_license }}"
    min_days_left: 30
  delegate_to: localhost
  register: license_result

- name: Show what changed
  ansible.builtin.debug:
    msg: "{{ license_result.previous_license.id }} -> {{ license_result.license.id }}, {{ license_result.license.days_left }} days left"

- name: Install the host's license file from the controller (a second run changes nothing and sends no upload)
  iiot.connectware.connectware_license:
    url: "{{ connectware_url }}"
    token: "{{ connectware_token }}"
    ca_path: "{{ connectware_ca_path }}"
    # The inventory variable the license_rollout playbook uses too: a path on the controller, Vault works.
    src: "{{ connectware_license_file }}"
  delegate_to: localhost

- name: Go back to the vault license on purpose; it expires earlier, so without allow_downgrade it is refused
  iiot.connectware.connectware_license:
    url: "{{ connectware_url }}"
    token: "{{ connectware_token }}"
    ca_path: "{{ connectware_ca_path }}"
    content: "{{ vault_connectware_license }}"
    allow_downgrade: true
  delegate_to: localhost

- name: Re-read the license from the Cybus portal
  iiot.connectware.connectware_license:
    url: "{{ connectware_url }}"
    token: "{{ connectware_token }}"
    ca_path: "{{ connectware_ca_path }}"
    state: refreshed
  delegate_to: localhost
'''

RETURN = r'''
license:
  description:
    - The license summary after the task, as Connectware reports it.
    - In check mode, predicted from what the license file reveals; fields it cannot reveal are null and listed in
      RV(unknown).
    - Same shape as RV(iiot.connectware.connectware_info#module:license).
  returned: always
  type: dict
  contains:
    name: {description: License name., type: str, sample: Connectware Production}
    id: {description: License file id., type: str, sample: lic-0001}
    account: {description: Associated account., type: str, sample: acme-plant}
    license_class: {description: License class., type: str, sample: Production}
    expiration: {description: Expiration date (ISO); null for a license without one., type: str, sample: "2027-11-29"}
    valid: {description: Valid and not expired., type: bool, sample: true}
    days_left: {description: Days until expiration; negative once expired., type: int, sample: 365}
unknown:
  description:
    - The fields of RV(license) that are not known yet, and null there for that reason, never because Connectware
      would report them empty.
    - Set only in check mode, and empty there when nothing would be uploaded. For an upload, the fields the license
      file does not reveal (of C(name), C(account), C(license_class), C(expiration) and C(days_left)), and
      C(valid), which only Connectware can judge; every field for an opaque file and for O(state=refreshed).
    - The diff shows these fields as C((unknown until Connectware reads the file)), or for O(state=refreshed) as
      C((unknown until Connectware asks the Cybus portal)).
  returned: always
  type: list
  elements: str
  sample: [name, valid]
previous_license:
  description: The license summary before the task, same shape as RV(license).
  returned: always
  type: dict
  sample: {name: Connectware Production, id: lic-0000, account: acme-plant, license_class: Production,
           expiration: "2026-12-01", valid: true, days_left: 2}
uploaded:
  description: Whether the license file was sent to Connectware (never in check mode).
  returned: always
  type: bool
  sample: true
refreshed:
  description: Whether Connectware re-read its license (O(state=refreshed), never in check mode).
  returned: always
  type: bool
  sample: false
file_identity:
  description:
    - What the license file reveals of itself, or null for an opaque file (one that reveals no id). Never the
      file's content.
    - C(id) is always set; C(expiration) (ISO date), C(account), C(license_class) and C(name) are null where the
      file does not reveal them.
  returned: when O(state=present)
  type: dict
  sample: {id: lic-0001, expiration: "2027-11-29", account: acme-plant, license_class: Production, name: null}
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
from ansible_collections.iiot.connectware.plugins.module_utils._runner_license import run_license

OPTIONS = dict(
    argument_spec=dict(
        state=dict(type='str', choices=['present', 'refreshed'], default='present'),
        src=dict(type='path'),
        content=dict(type='str', no_log=True),
        force=dict(type='bool', default=False),
        allow_downgrade=dict(type='bool', default=False),
        min_days_left=dict(type='int', default=0),
    ),
    mutually_exclusive=[('src', 'content')],
    required_if=[('state', 'present', ('src', 'content'), True)],
)


def main():
    run_module(run_license, **OPTIONS)


if __name__ == '__main__':
    main()
