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
'''

from ansible_collections.iiot.connectware.plugins.module_utils._client import ConnectwareError
from ansible_collections.iiot.connectware.plugins.module_utils._license import (
    EXPIRED,
    INVALID,
    SUMMARY_FIELDS,
    UNREADABLE_EXPIRATION,
    complete_license,
    is_perpetual,
    license_file_text,
    license_identity,
    license_of,
    license_problem,
    license_summary,
    parse_expiration,
    reported_expiration,
    shown_value,
)
from ansible_collections.iiot.connectware.plugins.module_utils._module import ConnectwareModule, execute

INFO_PATH = '/api/system/info'
LICENSEFILE_PATH = '/api/system/licensefile'
REFRESH_PATH = '/api/system/refresh'
# What makes two license summaries "the same license": days_left moves with the calendar.
COMPARED_FIELDS = ('name', 'id', 'account', 'license_class', 'expiration', 'valid')
# Where the diff shows a field check mode cannot know.
UNKNOWN_UNTIL_READ = '(unknown until Connectware reads the file)'
UNKNOWN_UNTIL_REFRESH = '(unknown until Connectware asks the Cybus portal)'
# Summary field -> claim of the file that reveals it (expiration and days_left come from the file's expiration).
REVEALED_BY = (('name', 'name'), ('account', 'account'), ('license_class', 'license_class'),
               ('expiration', 'expiration'), ('days_left', 'expiration'))


def describe(summary):
    return "license %s (expires %s)" % (summary.get('id') or 'without id', summary.get('expiration') or 'never/unknown')


def failure(message, result):
    """A ConnectwareError (kind config) for a license that is not acceptable, carrying the result so far."""
    error = ConnectwareError(message, kind='config')
    error.result = result
    return error


def predicted_license(identity, today=None):
    """What the file reveals, as the ``license`` object Connectware would report: ``(license_data, unknown)``.

    ``unknown`` lists the summary fields that only Connectware can tell once it has read the
    file: what the file does not reveal, and validity (Connectware verifies the file).
    """
    file_data = dict(id=identity['id'])
    for field, key in (('expiration', 'expiration'), ('account', 'associatedAccount'),
                       ('license_class', 'connectwareLicenseClass')):
        if identity.get(field) is not None:
            file_data[key] = identity[field]
    license_data = dict(file=file_data)
    if identity.get('name') is not None:
        license_data['name'] = identity['name']
    unknown = [field for field, claim in REVEALED_BY if identity.get(claim) is None]
    summary = license_summary(license_data, today=today)
    if summary['valid'] or summary['days_left'] is None:
        # An expired file is known to be invalid; otherwise only Connectware can say.
        unknown.append('valid')
    return license_data, sorted(unknown, key=SUMMARY_FIELDS.index)


def masked(summary, unknown):
    return dict((field, None if field in unknown else value) for field, value in summary.items())


class ConnectwareLicense(object):
    """The logic of connectware_license: takes validated params and a client; raises ConnectwareError."""

    def __init__(self, connectware, today=None):
        self.connectware = connectware
        self.client = connectware.client
        self.params = connectware.params
        self.today = today
        connectware.require_not_negative('min_days_left')

    def run(self):
        try:
            if self.params['state'] == 'refreshed':
                return self.refresh()
            return self.install()
        except ConnectwareError as error:
            self.connectware.fail(error, **getattr(error, 'result', {}))

    def summary(self, license_data):
        return license_summary(license_data, today=self.today)

    def read_payload(self):
        content = self.params['content']
        if self.params['src'] is not None:
            # Only reached when the module runs without its action plugin.
            try:
                with open(self.params['src'], 'rb') as handle:
                    raw = handle.read()
            except (IOError, OSError) as error:
                raise ConnectwareError('src: cannot read license file %s: %s' % (self.params['src'], error), kind='config')
            content = license_file_text(raw, self.params['src'])
        payload = content.rstrip()
        if not payload.strip():
            raise ConnectwareError('content: the license is empty: give the text of the license file', kind='config')
        return payload

    def read_license(self):
        """The ``license`` object of ``GET /api/system/info``."""
        return license_of(self.client.get(INFO_PATH))

    def install(self):
        payload = self.read_payload()
        self.connectware.module.no_log_values.add(payload)
        self.client.add_secret(payload)
        identity = license_identity(payload)
        before = self.read_license()
        previous = self.summary(before)
        result = dict(changed=False, uploaded=False, refreshed=False, previous_license=previous, license=previous,
                      file_identity=identity, unknown=[])

        installed = identity is not None and self.matches(identity, previous)
        if installed and (not self.params['force'] or self.connectware.check_mode):
            # A forced upload of the installed license changes nothing observable: check mode says so.
            return self.finish(result, before)

        if identity is not None and not installed and not self.params['allow_downgrade']:
            self.refuse_downgrade(identity, before, previous, result)

        if self.connectware.check_mode:
            return self.predict(identity, result)

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
            error.result = dict(previous_license=previous, file_identity=identity, uploaded=False, changed=False)
            raise
        result['uploaded'] = True
        after = complete_license(answer)
        if after is None:
            # The documented answer names the license but not its identity and validity.
            try:
                after = self.read_license()
            except ConnectwareError as error:
                error.message += ('. Connectware had accepted the license file; run the task again to read the '
                                  'license it installed')
                error.result = dict(previous_license=previous, file_identity=identity, uploaded=True,
                                    changed=not installed)
                raise
        result['license'] = self.summary(after)
        result['changed'] = self.differs(previous, result['license'])
        return self.finish(result, after)

    def refuse_downgrade(self, identity, before, previous, result):
        """Fail, before any upload, when the file expires before the installed license, which is valid."""
        new_expiration = parse_expiration(identity['expiration'])
        if new_expiration is None or not previous['valid']:
            return
        installed_expiration = parse_expiration(previous['expiration'])
        if installed_expiration is not None and new_expiration < installed_expiration:
            installed = 'which expires on %s' % previous['expiration']
        elif is_perpetual(before, today=self.today):
            installed = 'which does not expire'
        else:
            return
        raise failure('The license file holds license %s, which expires on %s, earlier than the installed license %s, '
                      '%s: nothing was uploaded. Set allow_downgrade=true to install it anyway, or give a license '
                      'file that runs longer' % (identity['id'], identity['expiration'], previous['id'] or 'without id',
                                                 installed), result)

    def predict(self, identity, result):
        """Check mode: what the upload would install, as far as the file tells."""
        result['changed'] = True
        if identity is None:
            self.connectware.warn('the license file does not reveal its id, so check mode cannot tell whether it is '
                                  'installed already: reporting changed')
            result['unknown'] = list(SUMMARY_FIELDS)
            result['license'] = masked(result['license'], SUMMARY_FIELDS)
            return self.finish(result, None, check_only=True)
        license_data, unknown = predicted_license(identity, today=self.today)
        result['unknown'] = unknown
        result['license'] = masked(self.summary(license_data), unknown)
        if identity['expiration'] is None:
            return self.finish(result, license_data, check_only=True)
        return self.finish(result, license_data, prefix='Check mode: the license file is ')

    def refresh(self):
        if self.params['src'] is not None or self.params['content'] is not None:
            raise ConnectwareError('src and content are only for state=present: remove them to refresh the license '
                                   'from the Cybus portal', kind='config')
        before = self.read_license()
        previous = self.summary(before)
        result = dict(changed=False, uploaded=False, refreshed=False, previous_license=previous, license=previous,
                      unknown=[])
        if self.connectware.check_mode:
            self.connectware.warn('check mode: the license was not refreshed; whether a refresh would change it '
                                  'cannot be known before Connectware asks the Cybus portal')
            result['unknown'] = list(SUMMARY_FIELDS)
            result['license'] = masked(previous, SUMMARY_FIELDS)
            return self.finish(result, None, check_only=True, unknown_text=UNKNOWN_UNTIL_REFRESH)
        try:
            answer = self.client.get(REFRESH_PATH)
        except ConnectwareError as error:
            if error.status == 400:
                error.message += ('. Connectware refreshes its license from the Cybus portal: check that the host '
                                  'reaches it (preflight cybusPortal), or install a license file with state=present')
            error.result = dict(previous_license=previous, uploaded=False, refreshed=False, changed=False)
            raise
        result['refreshed'] = True
        after = complete_license(answer)
        if after is None:
            try:
                after = self.read_license()
            except ConnectwareError as error:
                error.message += '. Connectware had refreshed the license; run the task again to read it'
                error.result = dict(previous_license=previous, uploaded=False, refreshed=True, changed=True)
                raise
        result['license'] = self.summary(after)
        result['changed'] = self.differs(previous, result['license'])
        return self.finish(result, after)

    @staticmethod
    def matches(identity, summary):
        if identity['id'] != summary['id']:
            return False
        return identity['expiration'] is None or identity['expiration'] == summary['expiration']

    @staticmethod
    def differs(before, after):
        return any(before.get(field) != after.get(field) for field in COMPARED_FIELDS)

    def finish(self, result, license_data, check_only=False, prefix=None, unknown_text=UNKNOWN_UNTIL_READ):
        """Add the diff and, unless nothing about the outcome is known, enforce min_days_left."""
        if self.connectware.diff_mode:
            after = dict((field, unknown_text if field in result['unknown'] else value)
                         for field, value in result['license'].items())
            result['diff'] = dict(before=result['previous_license'], after=after,
                                  before_header='license before', after_header='license after')
        if not check_only:
            self.enforce(result, license_data, prefix)
        return result

    def enforce(self, result, license_data, prefix=None):
        """The shared minimum-days rule, on what Connectware reports (or, in check mode, on what the file reveals)."""
        minimum = self.params['min_days_left']
        summary, problem = license_problem(license_data, minimum, today=self.today)
        if problem is None:
            return
        if prefix is None:
            prefix = 'Connectware accepted the license file but reports ' if result['uploaded'] else 'Connectware reports '
        if problem == EXPIRED:
            message = '%s%s expired: install a valid license file' % (prefix, describe(summary))
        elif problem == INVALID:
            message = '%s%s invalid: install a valid license file' % (prefix, describe(summary))
        elif problem == UNREADABLE_EXPIRATION:
            message = ('%s%s with an expiration reported as %s, which is not a date, so min_days_left=%d cannot be '
                       'checked' % (prefix, describe(summary), shown_value(reported_expiration(license_data)), minimum))
        else:  # TOO_SHORT
            message = ('%s%s, %s days left, fewer than min_days_left=%d: install a license that runs longer'
                       % (prefix, describe(summary), summary['days_left'], minimum))
        raise failure(message, result)


def main():
    connectware = ConnectwareModule(
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
    execute(connectware, ConnectwareLicense(connectware).run)


if __name__ == '__main__':
    main()
