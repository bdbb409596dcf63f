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
short_description: Install or refresh the license of a Cybus Connectware host, idempotently
version_added: 0.1.0
description:
  - Installs a license file on a Connectware host (C(PUT /api/system/licensefile)), or makes Connectware
    re-read its license from the Cybus portal (C(GET /api/system/refresh)).
  - "Idempotent: where the license file reveals its identity (a JWT, JSON, or base64 JSON whose claims carry
    C(id) or C(jti), and C(expiration) or C(exp)), it is compared with the installed license
    (C(license.file.id) and C(license.file.expiration) of C(GET /api/system/info)); when they are equal
    nothing is sent and RV(ignore:changed) is false. An unchanged run costs one request."
  - "Where the file is opaque, it is uploaded and RV(ignore:changed) is decided by comparing the license
    summary before and after. In check mode such a file is reported as RV(ignore:changed=true) with a
    warning that the change could not be determined."
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
    type: bool
    default: false
  min_days_left:
    description:
      - Fail when the installed license (after an upload, or without one) is invalid or expires in fewer days
        than this. V(0) only requires a valid license that has not expired.
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
    description: Nothing is uploaded or refreshed; RV(ignore:changed) is predicted (see the description for opaque files).
    support: full
  diff_mode:
    description: Shows the license summary before and after.
    support: full
  action:
    description: An action plugin reads O(src) on the controller, decrypting Ansible Vault files.
    support: full
seealso:
  - module: iiot.connectware.connectware_info
    description: Reads the license (and more) without changing anything.
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

- name: Install a license file from the controller, set the connection once
  module_defaults:
    group/iiot.connectware.connectware:
      url: "{{ connectware_url }}"
      token: "{{ connectware_token }}"
      ca_path: "{{ connectware_ca_path }}"
  block:
    - name: Write an example license file
      ansible.builtin.copy:
        dest: "{{ example_dir }}/connectware.lic"
        content: "eyJhbGciOiJSUzI1NiJ9.eyJqdGkiOiJsaWMtZmlsZSIsImV4cCI6NDEwMjQ0NDgwMH0.c2ln\n"
        mode: "0600"
      delegate_to: localhost

    - name: Install it (a second run changes nothing and sends no upload)
      iiot.connectware.connectware_license:
        src: "{{ example_dir }}/connectware.lic"
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
    - The license summary after the task (predicted in check mode, where known).
    - Same shape as RV(iiot.connectware.connectware_info#module:license).
  returned: always
  type: dict
  contains:
    name: {description: License name., type: str, sample: Connectware Production}
    id: {description: License file id., type: str, sample: lic-0001}
    account: {description: Associated account., type: str, sample: acme-plant}
    license_class: {description: License class., type: str, sample: Production}
    expiration: {description: Expiration date (ISO)., type: str, sample: "2027-11-29"}
    valid: {description: Valid and not expired., type: bool, sample: true}
    days_left: {description: Days until expiration; negative once expired., type: int, sample: 365}
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
    - What the license file reveals of itself, or null for an opaque file. Never the file's content.
  returned: when O(state=present)
  type: dict
  sample: {id: lic-0001, expiration: "2027-11-29"}
'''

from ansible_collections.iiot.connectware.plugins.module_utils._client import ConnectwareError
from ansible_collections.iiot.connectware.plugins.module_utils._license import (
    license_identity,
    license_of_answer,
    license_summary,
)
from ansible_collections.iiot.connectware.plugins.module_utils._module import ConnectwareModule, execute

INFO_PATH = '/api/system/info'
LICENSEFILE_PATH = '/api/system/licensefile'
REFRESH_PATH = '/api/system/refresh'
# What makes two license summaries "the same license" (days_left moves with the calendar; the
# upload answer carries no "valid", so validity is compared only where both sides report it).
IDENTITY_FIELDS = ('name', 'id', 'account', 'license_class', 'expiration')


class LicenseFailure(Exception):
    """The license is not acceptable; carries the result gathered so far."""

    def __init__(self, message, result):
        super(LicenseFailure, self).__init__(message)
        self.result = result


def describe(summary):
    return "license %s (expires %s)" % (summary.get('id') or 'without id', summary.get('expiration') or 'never/unknown')


class ConnectwareLicense(object):
    def __init__(self, connectware):
        self.connectware = connectware
        self.client = connectware.client
        self.params = connectware.params
        connectware.require_not_negative('min_days_left')

    def run(self):
        try:
            if self.params['state'] == 'refreshed':
                return self.refresh()
            return self.install()
        except LicenseFailure as failure:
            self.connectware.module.fail_json(msg=str(failure), **failure.result)

    def read_payload(self):
        content = self.params['content']
        if self.params['src'] is not None:
            # Only reached when the module runs without its action plugin.
            try:
                with open(self.params['src'], 'rb') as handle:
                    raw = handle.read()
            except (IOError, OSError) as error:
                self.connectware.module.fail_json(msg='src: cannot read license file %s: %s' % (self.params['src'], error))
            try:
                content = raw.decode('utf-8')
            except UnicodeDecodeError:
                self.connectware.module.fail_json(msg='src: license file %s is not UTF-8 text: give the license file '
                                                      'as Connectware issued it' % self.params['src'])
        payload = content.rstrip()
        if not payload.strip():
            self.connectware.module.fail_json(msg='content: the license is empty: give the text of the license file')
        return payload

    def install(self):
        payload = self.read_payload()
        self.connectware.module.no_log_values.add(payload)
        identity = license_identity(payload)
        previous = self.current_license()
        result = dict(changed=False, uploaded=False, refreshed=False, previous_license=previous, license=previous,
                      file_identity=identity)

        if identity and not self.params['force'] and self.matches(identity, previous):
            return self.finish(result)

        if self.connectware.check_mode:
            result['changed'] = True
            if identity:
                # Only what the file reveals is known before Connectware has read it.
                result['license'] = license_summary({'file': {'id': identity['id'], 'expiration': identity['expiration']}})
                if identity['expiration']:
                    return self.finish(result, prefix='Check mode: the license file is ')
            else:
                self.connectware.warn('the license file does not reveal its id, so check mode cannot tell whether it is '
                                      'installed already: reporting changed')
            return self.finish(result, check_only=True)

        try:
            answer = self.client.put(LICENSEFILE_PATH, {'payload': payload})
        except ConnectwareError as error:
            if error.status is not None and 400 <= error.status < 500 and error.status != 429:
                # Refused: nothing changed on Connectware.
                error.message += '. Connectware keeps %s' % describe(previous)
            else:
                # Whether Connectware applied an upload whose answer was lost is unknown: say what was
                # there before; a rerun reads the license again and converges.
                error.message += ('. Before the upload Connectware reported %s; run the task again to converge'
                                  % describe(previous))
            self.connectware.fail(error, previous_license=previous, file_identity=identity, uploaded=False,
                                  changed=False)
        result['uploaded'] = True
        after = license_of_answer(answer)
        result['license'] = after
        result['changed'] = self.differs(previous, after)
        return self.finish(result)

    def refresh(self):
        if self.params['src'] is not None or self.params['content'] is not None:
            self.connectware.module.fail_json(msg='src and content are only for state=present: remove them to refresh '
                                                  'the license from the Cybus portal')
        previous = self.current_license()
        result = dict(changed=False, uploaded=False, refreshed=False, previous_license=previous, license=previous)
        if self.connectware.check_mode:
            self.connectware.warn('check mode: the license was not refreshed; whether a refresh would change it '
                                  'cannot be known before Connectware asks the Cybus portal')
            return self.finish(result, check_only=True)
        try:
            answer = self.client.get(REFRESH_PATH)
        except ConnectwareError as error:
            if error.status == 400:
                error.message += ('. Connectware refreshes its license from the Cybus portal: check that the host '
                                  'reaches it (preflight cybusPortal), or install a license file with state=present')
            raise
        result['refreshed'] = True
        result['license'] = license_of_answer(answer)
        result['changed'] = self.differs(previous, result['license'], IDENTITY_FIELDS + ('valid',))
        return self.finish(result)

    def current_license(self):
        return license_of_answer(self.client.get(INFO_PATH))

    @staticmethod
    def matches(identity, summary):
        if identity['id'] != summary['id']:
            return False
        return identity['expiration'] is None or identity['expiration'] == summary['expiration']

    @staticmethod
    def differs(before, after, fields=IDENTITY_FIELDS):
        return any(before.get(field) != after.get(field) for field in fields)

    def finish(self, result, check_only=False, prefix=None):
        """Add the diff and, unless nothing about the outcome is known, enforce min_days_left."""
        if self.connectware.diff_mode:
            result['diff'] = dict(before=result['previous_license'], after=result['license'],
                                  before_header='license before', after_header='license after')
        if not check_only:
            self.enforce(result, prefix)
        return result

    def enforce(self, result, prefix=None):
        summary = result['license']
        minimum = self.params['min_days_left']
        if prefix is None:
            prefix = 'Connectware accepted the license file but reports ' if result['uploaded'] else 'Connectware reports '
        if not summary['valid']:
            state = 'expired' if summary['days_left'] is not None and summary['days_left'] < 0 else 'invalid'
            raise LicenseFailure('%s%s %s: install a valid license file' % (prefix, describe(summary), state), result)
        if summary['days_left'] is not None and summary['days_left'] < minimum:
            raise LicenseFailure('%s%s, %d days left, fewer than min_days_left=%d: install a license that runs longer'
                                 % (prefix, describe(summary), summary['days_left'], minimum), result)


def main():
    connectware = ConnectwareModule(
        argument_spec=dict(
            state=dict(type='str', choices=['present', 'refreshed'], default='present'),
            src=dict(type='path'),
            content=dict(type='str', no_log=True),
            force=dict(type='bool', default=False),
            min_days_left=dict(type='int', default=0),
        ),
        mutually_exclusive=[('src', 'content')],
        required_if=[('state', 'present', ('src', 'content'), True)],
    )
    execute(connectware, ConnectwareLicense(connectware).run)


if __name__ == '__main__':
    main()
