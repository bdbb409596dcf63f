#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, iiot.connectware contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
---
module: report_files
short_description: Write a report's files on the controller in one task
version_added: 0.2.0
description:
  - Writes several files into one folder on the Ansible controller, for reports such as the ones the
    collection's playbooks and the P(iiot.connectware.deployment_gate#role) role write.
  - Runs in the controller's worker process. Written with M(ansible.builtin.copy) or M(ansible.builtin.template),
    each file costs two module processes; a report of a fleet is hundreds of files.
  - Each file is written atomically (a temporary file in the same folder, renamed over the old one), so a reader
    never sees half a file; a symlink at a file's place is replaced, never followed. A file whose content and
    mode are already right is left alone.
  - Missing folders are created with mode C(0755).
author:
  - iiot.connectware maintainers (@iiot-connectware)
options:
  dest:
    description:
      - The report folder on the controller. A relative path is relative to the current folder.
    type: path
    required: true
  files:
    description:
      - The files to write, as a mapping of file names relative to O(dest) (such as V(report.html) or
        V(hosts/cw-001.json)) to their content.
      - Text is written as it is. Any other value (a mapping, a list, a number) is written as indented JSON with
        sorted keys and a final newline, as P(ansible.builtin.to_nice_json#filter) writes it.
      - A name that is absolute, or holds V(..) or an empty part, fails the task before anything is written.
    type: dict
    required: true
  mode:
    description:
      - The mode of the files written, as an octal string.
    type: raw
    default: '0644'
attributes:
  check_mode:
    description: Writes nothing; RV(written) names the files that would be written.
    support: full
  diff_mode:
    description: Report files are often large; the result names the files written instead.
    support: none
  platform:
    description: Writes on the controller, whatever the task's host, connection or C(delegate_to).
    support: full
    platforms: posix
notes:
  - "Use C(changed_when: false) when a report is not a change to the hosts of the play."
seealso:
  - module: ansible.builtin.copy
    description: Writes one file, on any host.
'''

EXAMPLES = r'''
- name: Write a small report of every host of the play
  iiot.connectware.report_files:
    dest: "{{ playbook_dir }}/report"
    # Keys are not templated: a name built from variables goes in an expression.
    files: >-
      {{ {'README.txt': 'Connectware hosts of this run',
          'hosts/' ~ inventory_hostname ~ '.json': {'host': inventory_hostname, 'url': connectware_url}} }}
  changed_when: false
'''

RETURN = r'''
dest:
  description: The report folder, as an absolute path.
  returned: success
  type: str
  sample: /home/ops/connectware-fleet-report
written:
  description: The names from O(files) that were written (in check mode, that would be written).
  returned: success
  type: list
  elements: str
  sample: [fleet_report.html, hosts/cw-001.json]
unchanged:
  description: The names from O(files) whose file already had that content and mode.
  returned: success
  type: list
  elements: str
  sample: [hosts/cw-002.json]
'''
