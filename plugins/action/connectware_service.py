# -*- coding: utf-8 -*-
# Copyright: (c) 2026, iiot.connectware contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Action plugin of connectware_service: reads ``src`` on the controller (vault-aware).

The commissioning file's text goes to the module as ``content``, and the task runs in-process
when it would run on the controller anyway.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.iiot.connectware.plugins.module_utils._service import commissioning_file_text, run_service
from ansible_collections.iiot.connectware.plugins.modules.connectware_service import OPTIONS
from ansible_collections.iiot.connectware.plugins.plugin_utils._action import ConnectwareAction


class ActionModule(ConnectwareAction):
    MODULE = 'iiot.connectware.connectware_service'
    RUNNER = staticmethod(run_service)
    OPTIONS = OPTIONS
    CONTROLLER_FILES = {'src': ('commissioning file', 'content', ('content', 'marketplace'),
                                commissioning_file_text)}
