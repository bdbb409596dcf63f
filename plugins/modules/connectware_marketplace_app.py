#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, iiot.connectware contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
---
module: connectware_marketplace_app
short_description: Fetch a Connectware marketplace app's service commissioning file, pinned and idempotent
version_added: 0.1.0
description:
  - Finds a marketplace app by O(directory) and O(filename), or by its listed O(name), fetches its service
    commissioning file and, with O(dest), writes it there.
  - Content and meta come in one request (C(GET /api/marketplace/app/meta)); the listing
    (C(GET /api/marketplace/apps)) is read only when the app is given by O(name). Where the meta endpoint does
    not serve (an HTTP 400, 404 or 405 answer), C(GET /api/marketplace/app) is used and the version comes
    from the listing.
  - Writing is idempotent by content and atomic; an existing file is never truncated when something fails.
  - A commissioning file that is not valid YAML is still returned and written (it is the vendor's file), with
    a warning naming the parse error (when PyYAML is available where the module runs). Connectware's own tags
    such as C(!ref) and C(!sub) are valid.
author:
  - iiot.connectware maintainers (@iiot-connectware)
options:
  directory:
    description:
      - The app's C(directory) in the marketplace listing. Requires O(filename). Mutually exclusive with O(name).
    type: str
  filename:
    description:
      - The app's C(filename) in the marketplace listing. Requires O(directory).
    type: str
  name:
    description:
      - The app's C(name) in the marketplace listing, matched exactly. No match, or several, fails and lists the
        candidates.
    type: str
  version:
    description:
      - The marketplace version the app must have. Another version fails, naming both, and nothing is written.
    type: str
  dest:
    description:
      - Where to write the commissioning file. An existing directory gets the app's O(filename) inside it.
      - Without O(dest) nothing is written.
    type: path
  backup:
    description:
      - Keep a timestamped copy of O(dest) before replacing it.
    type: bool
    default: false
  return_content:
    description:
      - Return the commissioning file in RV(content).
    type: bool
    default: true
extends_documentation_fragment:
  - iiot.connectware.connection
  - iiot.connectware.connection.ACTION_GROUP
  - ansible.builtin.files
attributes:
  check_mode:
    description: Reads the app but writes nothing; RV(ignore:changed) tells whether O(dest) would change.
    support: full
  diff_mode:
    description: Shows O(dest) before and after.
    support: full
seealso:
  - module: iiot.connectware.connectware_info
    description: Lists the marketplace with O(iiot.connectware.connectware_info#module:gather_subset=marketplace_apps).
'''

EXAMPLES = r'''
- name: Fetch the OPC UA to MQTT app, pinned to the version we tested
  iiot.connectware.connectware_marketplace_app:
    url: "{{ connectware_url }}"
    token: "{{ connectware_token }}"
    ca_path: "{{ connectware_ca_path }}"
    name: OPC UA to MQTT
    version: "1.2.0"
    dest: "{{ example_dir }}/opcua-to-mqtt.yml"
    mode: "0644"
    backup: true
  delegate_to: localhost
  register: app

- name: Show where it came from
  ansible.builtin.debug:
    msg: "{{ app.app.directory }}/{{ app.app.filename }} {{ app.meta.version }} ({{ app.checksum }})"

- name: Read a commissioning file by directory and filename, without writing it
  iiot.connectware.connectware_marketplace_app:
    url: "{{ connectware_url }}"
    token: "{{ connectware_token }}"
    ca_path: "{{ connectware_ca_path }}"
    directory: opcua-to-mqtt
    filename: opcua-to-mqtt.yml
  delegate_to: localhost
  register: commissioning

- name: Show its version and checksum
  ansible.builtin.debug:
    msg: "{{ commissioning.meta.version }} {{ commissioning.checksum }}"
'''

RETURN = r'''
app:
  description:
    - The app's entry in the marketplace listing, unchanged, when it was looked up by O(name).
    - Otherwise only C(directory) and C(filename).
  returned: always
  type: dict
  sample: {category: Connectivity, isTemplate: true, directory: opcua-to-mqtt, filename: opcua-to-mqtt.yml,
           name: OPC UA to MQTT, version: "1.2.0", provider: cybus, availableInLicense: true, publiclyOffered: true}
meta:
  description: C(version) and C(updatedAt) of the app, as the meta endpoint reports them.
  returned: always
  type: dict
  sample: {version: "1.2.0", updatedAt: "2025-09-28T04:52:24.347Z"}
content:
  description: The service commissioning file (YAML text).
  returned: when O(return_content=true)
  type: str
  sample: "description: Reads an OPC UA server...\nmetadata:\n  name: OPC UA to MQTT\n"
checksum:
  description: SHA-1 of the content (as M(ansible.builtin.stat) and M(ansible.builtin.copy) report checksums).
  returned: always
  type: str
  sample: 6e2b2c1c9f5f4b8a8d2a0c3b1e7f9d4c2a1b0e9f
dest:
  description: The file written (or that would be written in check mode).
  returned: when O(dest) is set
  type: str
  sample: /srv/connectware/services/opcua-to-mqtt.yml
backup_file:
  description: The backup made of O(dest).
  returned: when O(backup=true) and O(dest) changed
  type: str
  sample: /srv/connectware/services/opcua-to-mqtt.yml.12345.2026-11-29@08:00:00~
'''

import hashlib
import os
import tempfile

try:
    import yaml
except ImportError:
    yaml = None
    CommissioningFileLoader = None
else:
    class CommissioningFileLoader(yaml.SafeLoader):  # pylint: disable=too-many-ancestors
        """SafeLoader that accepts Connectware's own tags (!ref, !sub, !join...) as plain values."""

    def _construct_tagged(loader, tag_suffix, node):  # pylint: disable=unused-argument
        if isinstance(node, yaml.ScalarNode):
            return loader.construct_scalar(node)
        if isinstance(node, yaml.SequenceNode):
            return loader.construct_sequence(node)
        return loader.construct_mapping(node)

    CommissioningFileLoader.add_multi_constructor('!', _construct_tagged)

from ansible.module_utils.common.text.converters import to_bytes, to_native, to_text

from ansible_collections.iiot.connectware.plugins.module_utils._client import ConnectwareError
from ansible_collections.iiot.connectware.plugins.module_utils._module import ConnectwareModule, execute

APPS_PATH = '/api/marketplace/apps'
META_PATH = '/api/marketplace/app/meta'
APP_PATH = '/api/marketplace/app'
NOT_SERVED = (400, 404, 405)


def describe_app(entry):
    return '%s/%s (%s, version %s)' % (entry.get('directory'), entry.get('filename'), entry.get('name'), entry.get('version'))


class MarketplaceApp(object):
    def __init__(self, connectware):
        self.connectware = connectware
        self.module = connectware.module
        self.client = connectware.client
        self.params = connectware.params

    def listing(self):
        """The marketplace listing's app entries; anything else in the answer is left out."""
        answer = self.client.get(APPS_PATH)
        return [entry for entry in (answer if isinstance(answer, list) else []) if isinstance(entry, dict)]

    def find_by_name(self):
        listing = self.listing()
        name = self.params['name']
        matches = [entry for entry in listing if entry.get('name') == name]
        if len(matches) == 1:
            return matches[0]
        if matches:
            self.module.fail_json(msg="name: %d marketplace apps are named '%s': %s. Give directory and filename instead"
                                      % (len(matches), name, '; '.join(describe_app(entry) for entry in matches)))
        lowered = name.lower()
        close = [entry for entry in listing if lowered in str(entry.get('name', '')).lower()]
        candidates = close or listing
        self.module.fail_json(msg="name: no marketplace app is named '%s'. %s: %s" % (
            name, 'Similar names' if close else 'Available apps',
            '; '.join(describe_app(entry) for entry in candidates[:20]) or 'none'))
        return None

    def fetch(self, app):
        """(content, meta) of the app: the meta endpoint, or the content endpoint where meta does not serve."""
        query = {'directory': app['directory'], 'filename': app['filename']}
        try:
            answer = self.client.get(META_PATH, params=query)
            answer = answer if isinstance(answer, dict) else {}
            content = (answer.get('content') or {}).get('data') if isinstance(answer.get('content'), dict) else None
            meta = answer.get('meta') if isinstance(answer.get('meta'), dict) else {}
        except ConnectwareError as error:
            if error.status not in NOT_SERVED:
                raise
            try:
                answer = self.client.get(APP_PATH, params=query)
            except ConnectwareError as second:
                if second.status in (400, 404):
                    self.module.fail_json(
                        msg='Connectware at %s has no marketplace app directory=%s filename=%s (HTTP %s): check directory '
                            'and filename, or give the app by name' % (self.client.base_url, app['directory'],
                                                                       app['filename'], second.status),
                        api_error=second.to_result())
                raise
            content = answer.get('data') if isinstance(answer, dict) else None
            meta = dict(version=app.get('version'), updatedAt=app.get('updatedAt'))
        if not isinstance(content, str):
            raise ConnectwareError('Connectware at %s answered GET %s for %s/%s without the commissioning file text'
                                   % (self.client.base_url, META_PATH, app['directory'], app['filename']),
                                   kind='invalid_response', method='GET', path=META_PATH)
        return content, dict(version=meta.get('version'), updatedAt=meta.get('updatedAt'))

    def run(self):
        params = self.params
        for option in ('name', 'directory', 'filename', 'version'):
            if params[option] is not None and not params[option].strip():
                self.module.fail_json(msg='%s is empty: give the value from the marketplace listing, or leave it out' % option)
        if params['dest'] is not None and not os.path.isdir(params['dest']):
            folder = os.path.dirname(params['dest']) or '.'
            if not os.path.isdir(folder):
                self.module.fail_json(msg='dest: the folder %s does not exist: create it first' % folder)
        if params['name'] is not None:
            app = self.find_by_name()
        else:
            app = dict(directory=params['directory'], filename=params['filename'])
        content, meta = self.fetch(app)
        if params['version'] is not None and meta['version'] != params['version']:
            if meta['version'] is None and 'version' not in app:
                # The meta endpoint did not serve and the listing was not read: read it for the version.
                listed = [entry for entry in self.listing()
                          if entry.get('directory') == app['directory'] and entry.get('filename') == app['filename']]
                meta['version'] = listed[0].get('version') if listed else None
            if meta['version'] != params['version']:
                self.module.fail_json(msg='version: marketplace app %s/%s is at version %s, not the expected %s: update '
                                          'version, or wait for the marketplace' % (app['directory'], app['filename'],
                                                                                    meta['version'], params['version']),
                                      app=app, meta=meta)
        self.warn_if_not_yaml(content)
        result = dict(changed=False, app=app, meta=meta,
                      checksum=hashlib.sha1(to_bytes(content, errors='surrogate_or_strict')).hexdigest())
        if params['return_content']:
            result['content'] = content
        if params['dest'] is not None:
            self.write(content, app, result)
        return result

    def warn_if_not_yaml(self, content):
        if yaml is None:
            return
        try:
            yaml.load(content, Loader=CommissioningFileLoader)  # nosec - a SafeLoader subclass
        except yaml.YAMLError as error:
            self.connectware.warn('the commissioning file is not valid YAML (%s); it is returned as the marketplace '
                                  'serves it' % ' '.join(to_native(error).split()))

    def write(self, content, app, result):
        dest = self.params['dest']
        if os.path.isdir(dest):
            dest = os.path.join(dest, app['filename'])
        result['dest'] = dest
        new_bytes = to_bytes(content, errors='surrogate_or_strict')
        old_bytes = None
        if os.path.exists(dest):
            if not os.path.isfile(dest):
                self.module.fail_json(msg='dest: %s exists and is not a regular file' % dest, **result)
            with open(dest, 'rb') as handle:
                old_bytes = handle.read()
        content_changed = old_bytes != new_bytes
        if self.connectware.diff_mode:
            result['diff'] = dict(before=to_text(old_bytes or b'', errors='surrogate_or_replace'), after=content,
                                  before_header=dest if old_bytes is not None else '%s (absent)' % dest,
                                  after_header=dest)
        if content_changed and not self.module.check_mode:
            if self.params['backup'] and old_bytes is not None:
                result['backup_file'] = self.module.backup_local(dest)
            self.atomic_write(dest, new_bytes)
        file_args = self.module.load_file_common_arguments(self.params, path=dest)
        if self.module.check_mode and old_bytes is None:
            # Nothing exists yet to compare attributes against.
            attributes_changed = False
        else:
            attributes_changed = self.module.set_fs_attributes_if_different(file_args, False)
        result['changed'] = content_changed or attributes_changed

    def atomic_write(self, dest, data):
        folder = os.path.dirname(dest) or '.'
        handle, temporary = tempfile.mkstemp(prefix='.%s.' % os.path.basename(dest), dir=folder)
        try:
            with os.fdopen(handle, 'wb') as stream:
                stream.write(data)
            self.module.atomic_move(temporary, dest)
        finally:
            if os.path.exists(temporary):
                os.remove(temporary)


def main():
    connectware = ConnectwareModule(
        argument_spec=dict(
            directory=dict(type='str'),
            filename=dict(type='str'),
            name=dict(type='str'),
            version=dict(type='str'),
            dest=dict(type='path'),
            backup=dict(type='bool', default=False),
            return_content=dict(type='bool', default=True),
        ),
        mutually_exclusive=[('name', 'directory'), ('name', 'filename')],
        required_together=[('directory', 'filename')],
        required_one_of=[('name', 'directory')],
        add_file_common_args=True,
    )
    execute(connectware, MarketplaceApp(connectware).run)


if __name__ == '__main__':
    main()
