# -*- coding: utf-8 -*-
# Copyright: (c) 2026, iiot.connectware contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Action plugin of connectware_marketplace_app: runs in-process when the task would run on the controller anyway.

In-process, ``dest`` is written by the controller's equivalent of a module's file handling
(atomic replacement, backups, octal ``mode``). A task that sets ``owner``, ``group``, the SELinux
options, ``attributes`` or a symbolic ``mode``, or that writes on a host with SELinux enabled,
runs the module, whose file handling applies them.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.iiot.connectware.plugins.module_utils._marketplace import run_marketplace_app
from ansible_collections.iiot.connectware.plugins.modules.connectware_marketplace_app import OPTIONS
from ansible_collections.iiot.connectware.plugins.plugin_utils._action import ConnectwareAction
from ansible_collections.iiot.connectware.plugins.plugin_utils._controller_files import ControllerFiles, module_file_reason


class ActionModule(ConnectwareAction):
    MODULE = 'iiot.connectware.connectware_marketplace_app'
    RUNNER = staticmethod(run_marketplace_app)
    OPTIONS = OPTIONS
    FILES = ControllerFiles

    def arguments_reason(self, module_args):
        return module_file_reason(module_args)
