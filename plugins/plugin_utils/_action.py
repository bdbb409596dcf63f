# -*- coding: utf-8 -*-
# Copyright: (c) 2026, iiot.connectware contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The action plugin every iiot.connectware module shares: where the task's work runs.

FOR INTERNAL COLLECTION USE ONLY: the interfaces here may change in any release.

A Connectware module only talks HTTP, so when Ansible would run it on the controller anyway,
forking a module process per host buys nothing: the action plugin runs the module's runner in
the controller's worker process instead ("in-process"), with the same argument validation,
results, check mode, diff, warnings, failures and secret masking. It runs the unchanged module
whenever the module would run elsewhere or in another environment:

- the connection is not local (a jump host given with ``delegate_to``, or any remote host);
- ``become``, ``async`` or a task ``environment`` is set (they change how and where a module runs);
- ``ansible_python_interpreter`` names another Python than the controller's (set on purpose,
  for example to use other libraries);
- the controller's Python cannot import ``requests``;
- ``CONNECTWARE_EXECUTION=module`` is in the environment, or the variable
  ``connectware_execution: module`` is set (for debugging, or per-host process isolation);
- the task's arguments need what only a module has (``arguments_reason``: for example a file
  ``owner`` that only the module's file handling applies).

It also reads controller-side files named in the task (``src``; Ansible Vault encrypted files
are decrypted) and hands their text to the module.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import os
import sys

from ansible.errors import AnsibleError, AnsibleFileNotFound
from ansible.module_utils.common.text.converters import to_native
from ansible.plugins.action import ActionBase
from ansible.utils.display import Display

# The wording of failed requests: a module process imports it only when a request fails. Loaded
# with the action plugins, in Ansible's main process before it forks the workers, so in-process a
# worker whose request fails inherits it instead of importing it.
from ansible_collections.iiot.connectware.plugins.module_utils import _request_failure  # noqa: F401 pylint: disable=unused-import
from ansible_collections.iiot.connectware.plugins.module_utils._client import HAS_REQUESTS, ConnectwareError
from ansible_collections.iiot.connectware.plugins.plugin_utils._in_process import run_in_process

display = Display()

EXECUTION_ENV = 'CONNECTWARE_EXECUTION'
EXECUTION_VAR = 'connectware_execution'
EXECUTION_CHOICES = ('auto', 'module')


class ConnectwareAction(ActionBase):
    """Runs a Connectware module's runner in-process when the module would run on the controller."""

    TRANSFERS_FILES = False
    # async runs the module (see module_path_reason), so the plugin must let Ansible accept it.
    _supports_async = True
    # Set by each plugin: the module's FQCN, its runner (a staticmethod) and the module's OPTIONS (its
    # argument spec and rules, from the module file: their one place). The plugin imports the runner
    # and the module file at its own import, which Ansible's main process does before it forks the
    # task's workers (the strategy loads the action class), so every worker inherits them (and the
    # client, and requests) instead of importing them once per host.
    MODULE = None
    RUNNER = None
    OPTIONS = None
    # Option naming a controller file -> (what the file is, in words; option that carries its text;
    # options it excludes; function(bytes, path) -> text, raising ConnectwareError).
    CONTROLLER_FILES = {}
    # For a module that writes files: a class like AnsibleModule's file handling, made with
    # check_mode, that its runner uses in-process (Task.files).
    FILES = None

    def run(self, tmp=None, task_vars=None):
        result = super(ConnectwareAction, self).run(tmp, task_vars)
        del tmp
        task_vars = task_vars or {}
        module_args = dict(self._task.args)
        try:
            self._read_controller_files(module_args)
            reason = self.module_path_reason(task_vars, module_args)
        except (AnsibleError, ConnectwareError) as error:
            result.update(failed=True, msg=to_native(error))
            return result
        if reason is None:
            display.vvv('%s: running in the controller\'s worker process' % self.MODULE)
            check_mode = bool(self._task.check_mode)
            files = self.FILES(check_mode=check_mode) if self.FILES is not None else None
            python_warnings = []
            result.update(run_in_process(self.RUNNER, module_args, check_mode=check_mode, diff_mode=bool(self._task.diff),
                                         module_name=self.MODULE, files=files, python_warnings=python_warnings,
                                         **self.OPTIONS))
            for text in python_warnings:
                display.vvvv('%s: a library warned while it ran: %s' % (self.MODULE, text))
        else:
            display.vvv('%s: running as a module (%s)' % (self.MODULE, reason))
            wrap_async = bool(self._task.async_val) and not self._connection.has_native_async
            result.update(self._execute_module(module_name=self.MODULE, module_args=module_args, task_vars=task_vars,
                                               wrap_async=wrap_async))
        return result

    # -- where to run -------------------------------------------------------

    def module_path_reason(self, task_vars, module_args):
        """Why the task must run as a module, or None when it can run in-process."""
        # Read (and check) the switch first: a wrong value fails every module alike.
        forced = self._execution_setting(task_vars)
        if forced is not None:
            return 'forced by %s' % forced
        transport = getattr(self._connection, 'transport', None)
        if transport != 'local':
            return 'connection %s is not local' % transport
        if self._play_context.become or self._task.become:
            return 'become is set'
        if self._task.async_val:
            return 'async is set'
        if self._environment():
            return 'the task sets environment'
        interpreter = self._interpreter(task_vars)
        if interpreter is not None:
            return 'ansible_python_interpreter is %s, not the controller\'s %s' % (interpreter, sys.executable)
        if not HAS_REQUESTS:
            return 'the controller\'s Python cannot import requests'
        return self.arguments_reason(module_args)

    def arguments_reason(self, module_args):  # pylint: disable=unused-argument
        """Why these task arguments need the module, or None: a module's own plugin may say."""
        return None

    def _environment(self):
        """The task's environment (its own, its block's and play's), templated as a module would get it.

        ``self._task.environment`` is the raw list of those levels (``[{}]`` when none sets one).
        """
        environment = {}
        self._compute_environment_string(raw_environment_out=environment)
        return environment

    def _execution_setting(self, task_vars):
        value = os.environ.get(EXECUTION_ENV)
        source = EXECUTION_ENV
        host_value = self._host_vars(task_vars).get(EXECUTION_VAR)
        if host_value is not None:
            value = self._templar.template(host_value)
            source = EXECUTION_VAR
        if value is None or value == '':
            return None
        value = to_native(value).strip().lower()
        if value not in EXECUTION_CHOICES:
            raise AnsibleError('%s must be one of %s (got %r)' % (source, ', '.join(EXECUTION_CHOICES), value))
        return source if value == 'module' else None

    def _host_vars(self, task_vars):
        if self._task.delegate_to:
            return (task_vars.get('ansible_delegated_vars') or {}).get(self._task.delegate_to) or {}
        return task_vars

    def _interpreter(self, task_vars):
        """The Python the user set on purpose for this host, when it is not the controller's; else None.

        The controller's Python is the same program in the same folder (``python`` and ``python3``
        of one virtualenv, or its folder reached through a symlink). A virtualenv's python is a
        symlink to the base Python, but it is another environment: the base Python, or a symlink
        to the virtualenv's python from another folder, runs without the virtualenv's libraries,
        so comparing resolved programs alone would wrongly take them for the controller's.
        """
        value = self._host_vars(task_vars).get('ansible_python_interpreter')
        if value is None:
            return None
        path = to_native(self._templar.template(value)).strip()
        if not path or path.startswith('auto'):
            return None
        if _same_python(path, sys.executable):
            return None
        return path

    # -- controller files -----------------------------------------------------

    def _read_controller_files(self, module_args):
        for option, (noun, into, excluded, decode) in self.CONTROLLER_FILES.items():
            source = module_args.pop(option, None)
            if source is None:
                continue
            if any(module_args.get(name) is not None for name in excluded):
                raise AnsibleError('parameters are mutually exclusive: %s' % '|'.join((option,) + tuple(excluded)))
            path, raw = self._read_file(option, noun, source)
            module_args[into] = decode(raw, path)

    def _read_file(self, option, noun, source):
        try:
            path = self._find_needle('files', source)
        except AnsibleFileNotFound as error:
            searched = ', '.join(to_native(folder) for folder in (error.paths or ()))
            where = ' (searched %s)' % searched if searched else ''
            raise AnsibleError('%s: %s %s not found on the controller%s: give a path relative to the playbook\'s '
                               'files/ folder or an absolute path' % (option, noun, source, where))
        real_path = self._loader.get_real_file(path, decrypt=True)
        try:
            with open(real_path, 'rb') as handle:
                return path, handle.read()
        except (IOError, OSError) as error:
            raise AnsibleError('%s: cannot read %s %s: %s' % (option, noun, path, to_native(error)))
        finally:
            self._loader.cleanup_tmp_file(real_path)


def _same_python(path, executable):
    """Whether ``path`` runs the same Python, in the same environment, as ``executable``."""
    if not os.path.isabs(path):
        return False
    real = os.path.realpath
    return real(path) == real(executable) and real(os.path.dirname(path)) == real(os.path.dirname(executable))
