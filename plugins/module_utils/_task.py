# -*- coding: utf-8 -*-
# Copyright: (c) 2026, iiot.connectware contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""What a module's runner works with, whichever path runs it.

FOR INTERNAL COLLECTION USE ONLY: the interfaces here may change in any release.

A runner is a function ``run(task)`` in module_utils holding one module's logic. It returns
the result dict, or raises ConnectwareError (whose ``result`` attribute, when set, holds
result fields known at the time of the failure). It never calls exit_json or fail_json and
never formats a failure for the user: the glue does that, in one place, for the module path
(AnsibleModule) and for the in-process path (the action plugin) alike.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type


class Task(object):
    """Validated parameters, a ready client, the mode flags, and a way to warn.

    ``files`` is Ansible's file handling, for a runner that writes files: the AnsibleModule on
    the module path; in-process, an object with the same methods that the action plugin gives.
    """

    def __init__(self, params, client, check_mode=False, diff_mode=False, files=None):
        self.params = params
        self.client = client
        self.check_mode = check_mode
        self.diff_mode = diff_mode
        self.files = files
        self.warnings = []

    def warn(self, message):
        """Warn once per task, however often the same thing is said."""
        if message not in self.warnings:
            self.warnings.append(message)

    def add_secret(self, text):
        """Keep ``text`` out of every message, result and log of this task."""
        self.client.add_secret(text)
