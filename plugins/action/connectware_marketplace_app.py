# -*- coding: utf-8 -*-
# Copyright: (c) 2026, iiot.connectware contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Action plugin of connectware_marketplace_app: always runs the module.

The module writes ``dest`` with Ansible's own file handling (owner, group, mode, SELinux
context, backup, atomic replacement), which only a module process has; so this task never
runs in-process. It still honours the shared execution switch and logs where it ran.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.iiot.connectware.plugins.plugin_utils._action import ConnectwareAction


class ActionModule(ConnectwareAction):
    MODULE = 'iiot.connectware.connectware_marketplace_app'
    RUNNER = '_marketplace.run_marketplace_app'
    ALWAYS_MODULE = 'it writes dest with the file handling of a module'
