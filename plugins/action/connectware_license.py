# -*- coding: utf-8 -*-
# Copyright: (c) 2026, iiot.connectware contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Action plugin of connectware_license: reads ``src`` on the controller (vault-aware).

The file's text goes to the module as ``content`` (no_log there), so the license file never
has to exist where the module runs, and Ansible Vault files decrypt as with copy. The task
runs in-process when it would run on the controller anyway.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.iiot.connectware.plugins.module_utils._license_file import license_file_text
from ansible_collections.iiot.connectware.plugins.module_utils._runner_license import run_license
from ansible_collections.iiot.connectware.plugins.modules.connectware_license import OPTIONS
from ansible_collections.iiot.connectware.plugins.plugin_utils._action import ConnectwareAction


class ActionModule(ConnectwareAction):
    MODULE = 'iiot.connectware.connectware_license'
    RUNNER = staticmethod(run_license)
    OPTIONS = OPTIONS
    CONTROLLER_FILES = {'src': ('license file', 'content', ('content',), license_file_text)}
