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
short_description: Fetch a Connectware marketplace app's commissioning file
version_added: 0.1.0
description:
  - Finds a marketplace app by O(directory) and O(filename), or by its listed O(name), fetches its service
    commissioning file and, with O(dest), writes it there.
  - Content and meta come in one request (C(GET /api/marketplace/app/meta)); the listing
    (C(GET /api/marketplace/apps)) is read only when the app is given by O(name). Where the meta endpoint does
    not serve (an HTTP 400, 404 or 405 answer), C(GET /api/marketplace/app) is used and the version comes
    from the listing.
  - Writing is idempotent by content and atomic (a temporary file in the same folder, renamed over the target);
    an existing file is never truncated or half written when something fails.
  - O(dest) is checked before any request; see O(dest) for what is checked and what is refused.
  - Where the task runs on the controller anyway (a local connection), its action plugin runs it in the
    controller's worker process and writes O(dest) the way the module does, with the same results. Besides
    the conditions under which every module of this collection runs as a module (the README's "What runs
    where"), O(owner), O(group), O(seuser), O(serole), O(setype), O(selevel), O(attributes), a symbolic
    O(mode), or SELinux enabled on the controller make it run as a module, whose file handling applies them.
  - Connectware documents the commissioning file only as text. It is usually YAML text and is taken as it is;
    when it is a YAML string that is, strictly, base64 of a YAML mapping (standard alphabet, padded, UTF-8
    inside; line breaks ignored), the decoded file is returned and written instead, and RV(encoding) says
    V(base64). The same holds for the answers of both the meta and the content endpoint.
  - A commissioning file that is not valid YAML, or valid YAML but not a mapping, is still returned and written
    (it is the vendor's file), with a warning naming the problem (when PyYAML is available where the module
    runs). Connectware's own tags such as C(!ref) and C(!sub) are valid.
  - The commissioning file is untrusted input. It is read with a safe YAML loader (no object construction;
    an alias is a reference, never a copy, so alias bombs cost nothing), and refused with a clear error,
    nothing written, when it is longer than 8 MiB characters or nests deeper than 100 levels.
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
      - Where to write the commissioning file, a file path in an existing folder or an existing folder. Without
        O(dest) nothing is written.
      - An existing folder gets the app's file name inside it (the C(filename) of the marketplace listing when
        the app is given by O(name), else O(filename)). That name comes from the server and is made safe
        first, so the file is always written inside the folder. A name with path components (such as
        C(../../x.yml) or C(/etc/x.yml)) is reduced to its last component, with a warning. A name that is
        then still no plain file name is refused, with an error naming the app, before the commissioning
        file is fetched. That is a name that is empty, only dots or blanks (C(.), C(..)), hidden (a leading
        dot), has control characters (NUL, newline) or C($) (which Ansible's file handling would expand), or
        is longer than 255 bytes. To choose the name yourself, give O(dest) as a file path.
      - Checked before any request, each failing the task with nothing written - an empty O(dest), a folder that
        does not exist or that this user cannot write to, and an O(owner) or O(group) that does not exist on the
        host that writes the file. For a new file, the folder is tried (its temporary file created) before the
        commissioning file is fetched. Permission bits do not bind root, so for root some unwritable places
        (such as C(/proc)) are found only then, or, when the file exists, only when it is replaced; the task
        fails the same way and nothing is written.
      - O(mode), O(owner) and O(group) are applied to the temporary file before it is renamed, so a value
        that cannot be applied fails the task with the target untouched.
      - A symlink at the target path is replaced by a regular file, as M(ansible.builtin.copy) does by default
        (with O(ansible.builtin.copy#module:follow=false)). What the link points to is never read, compared,
        shown in a diff or written. The change is reported as C(changed), and with O(backup=true) the link is
        kept as a link. A symlinked folder given as O(dest) is followed, because it is the folder you named.
    type: path
  backup:
    description:
      - Keep a timestamped copy of O(dest) before replacing it (of a symlink, a copy of the link).
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
    dest: "{{ playbook_dir }}/opcua-to-mqtt.yml"
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
  description: The service commissioning file (YAML text), decoded when Connectware sent it base64-encoded.
  returned: when O(return_content=true)
  type: str
  sample: "description: Reads an OPC UA server...\nmetadata:\n  name: OPC UA to MQTT\n"
encoding:
  description:
    - How Connectware sent the commissioning file. V(text) when taken as sent, V(base64) when it was base64
      of the file and RV(content), RV(checksum) and the file written are the decoded file.
  returned: always
  type: str
  choices: [text, base64]
  sample: text
checksum:
  description:
    - SHA-1 of the content as written, after decoding (as M(ansible.builtin.stat) and M(ansible.builtin.copy)
      report checksums).
  returned: always
  type: str
  sample: 6e2b2c1c9f5f4b8a8d2a0c3b1e7f9d4c2a1b0e9f
dest:
  description:
    - The file written (or that would be written in check mode). When O(dest) is a folder, the safe file
      name inside it.
  returned: when O(dest) is set
  type: str
  sample: /srv/connectware/services/opcua-to-mqtt.yml
backup_file:
  description: The backup made of O(dest).
  returned: when O(backup=true) and O(dest) changed
  type: str
  sample: /srv/connectware/services/opcua-to-mqtt.yml.12345.2026-11-29@08:00:00~
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

from ansible_collections.iiot.connectware.plugins.module_utils._marketplace import run_marketplace_app
from ansible_collections.iiot.connectware.plugins.module_utils._module import run_module

OPTIONS = dict(
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


def main():
    run_module(run_marketplace_app, **OPTIONS)


if __name__ == '__main__':
    main()
