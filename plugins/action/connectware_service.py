# -*- coding: utf-8 -*-
# Copyright: (c) 2026, iiot.connectware contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Action plugin of connectware_service: reads ``src`` on the controller (vault-aware).

The commissioning file's text goes to the module as ``content``, so the file never has to
exist where the module runs, and Ansible Vault files decrypt as with copy.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible.errors import AnsibleError
from ansible.module_utils.common.text.converters import to_native
from ansible.plugins.action import ActionBase

MODULE = 'iiot.connectware.connectware_service'


class ActionModule(ActionBase):
    TRANSFERS_FILES = False

    def run(self, tmp=None, task_vars=None):
        result = super(ActionModule, self).run(tmp, task_vars)
        del tmp
        module_args = dict(self._task.args)
        src = module_args.pop('src', None)
        if src is not None:
            if module_args.get('content') is not None or module_args.get('marketplace') is not None:
                return dict(result, failed=True, msg='parameters are mutually exclusive: src|content|marketplace')
            try:
                module_args['content'] = self._read_file(src)
            except AnsibleError as error:
                return dict(result, failed=True, msg=to_native(error))
        result.update(self._execute_module(module_name=MODULE, module_args=module_args, task_vars=task_vars))
        return result

    def _read_file(self, src):
        try:
            path = self._find_needle('files', src)
        except AnsibleError as error:
            raise AnsibleError('src: commissioning file %s not found: %s' % (src, to_native(error)))
        real_path = self._loader.get_real_file(path, decrypt=True)
        try:
            with open(real_path, 'rb') as handle:
                raw = handle.read()
        except (IOError, OSError) as error:
            raise AnsibleError('src: cannot read commissioning file %s: %s' % (path, to_native(error)))
        finally:
            self._loader.cleanup_tmp_file(real_path)
        try:
            return raw.decode('utf-8')
        except UnicodeDecodeError:
            raise AnsibleError('src: commissioning file %s is not UTF-8 text: give the service commissioning file '
                               '(YAML) as written' % path)
