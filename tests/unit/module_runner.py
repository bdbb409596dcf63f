# -*- coding: utf-8 -*-
# Copyright: (c) 2026, iiot.connectware contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Run a module's main() in-process with given arguments and capture exit_json / fail_json."""

import contextlib
import json
from unittest import mock

from ansible.module_utils import basic
from ansible.module_utils.common.text.converters import to_bytes

try:
    from ansible.module_utils.testing import patch_module_args
except ImportError:  # ansible-core < 2.19
    @contextlib.contextmanager
    def patch_module_args(args=None):
        serialized = to_bytes(json.dumps({'ANSIBLE_MODULE_ARGS': args or {}}))
        with mock.patch.object(basic, '_ANSIBLE_ARGS', serialized):
            yield


class ModuleExit(SystemExit):
    """What exit_json and fail_json end a module with: like theirs, no ``except Exception`` catches it."""

    def __init__(self, failed, result):
        super(ModuleExit, self).__init__(result.get('msg'))
        self.failed = failed
        self.result = result


def _formatted(module, result):
    """What exit_json and fail_json add to a result naming a file: its owner, mode and size.

    (They add the masked invocation too: the integration tests compare that on both paths.)
    """
    return module.add_path_info(result)


def _exit_json(self, **result):
    raise ModuleExit(False, _formatted(self, result))


def _fail_json(self, msg, **result):
    result['msg'] = msg
    raise ModuleExit(True, _formatted(self, result))


def run_module(main, args, check_mode=False, diff=False):
    """Returns (failed, result) of one run of ``main`` with module arguments ``args``."""
    args = dict(args)
    if check_mode:
        args['_ansible_check_mode'] = True
    if diff:
        args['_ansible_diff'] = True
    with patch_module_args(args), \
            mock.patch.object(basic.AnsibleModule, 'exit_json', _exit_json), \
            mock.patch.object(basic.AnsibleModule, 'fail_json', _fail_json):
        try:
            main()
        except ModuleExit as exit_:
            return exit_.failed, exit_.result
    raise AssertionError('the module returned without exit_json or fail_json')
