# -*- coding: utf-8 -*-
# Copyright: (c) 2026, iiot.connectware contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Action plugin of report_files: writes a report's files on the controller, in the worker itself."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible.errors import AnsibleActionFail
from ansible.plugins.action import ActionBase

from ansible_collections.iiot.connectware.plugins.plugin_utils._report_files import ReportFilesError, write_report_files

ARGUMENT_SPEC = dict(
    dest=dict(type='path', required=True),
    files=dict(type='dict', required=True),
    mode=dict(type='raw', default='0644'),
)


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _requires_connection = False

    def run(self, tmp=None, task_vars=None):
        result = super(ActionModule, self).run(tmp, task_vars)
        del tmp
        try:
            _validation, args = self.validate_argument_spec(argument_spec=ARGUMENT_SPEC)
        except AnsibleActionFail as error:
            result.update(failed=True, msg='report_files: %s' % error.message)
            return result
        try:
            result.update(write_report_files(args['dest'], args['files'], args['mode'],
                                             check_mode=bool(self._task.check_mode)))
        except ReportFilesError as error:
            result.update(failed=True, changed=False, msg='report_files: %s' % error)
        return result
