# -*- coding: utf-8 -*-
# Copyright: (c) 2026, iiot.connectware contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Action plugin of connectware_health_check: runs it in-process when it would run on the controller anyway."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.iiot.connectware.plugins.module_utils._runner_health_check import run_health_check
from ansible_collections.iiot.connectware.plugins.modules.connectware_health_check import OPTIONS
from ansible_collections.iiot.connectware.plugins.plugin_utils._action import ConnectwareAction


class ActionModule(ConnectwareAction):
    MODULE = 'iiot.connectware.connectware_health_check'
    RUNNER = staticmethod(run_health_check)
    OPTIONS = OPTIONS
