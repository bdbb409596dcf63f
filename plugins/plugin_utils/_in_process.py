# -*- coding: utf-8 -*-
# Copyright: (c) 2026, iiot.connectware contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""A module's task run in the controller's worker process: the in-process path of the action plugins.

FOR INTERNAL COLLECTION USE ONLY: the interfaces here may change in any release.

``run_in_process`` validates a task's arguments with the module's own spec, as AnsibleModule
does, and runs the module's runner through the same ``execute`` as the module path
(``module_utils._module``); it masks every no_log value and learned secret in the result, as
AnsibleModule does for a module. It lives in ``plugin_utils`` because only the controller uses it:
a module process compiles every module_util it imports, on every run.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import contextlib
import io
import warnings

from ansible.module_utils.basic import FILE_COMMON_ARGUMENTS
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible.module_utils.common.parameters import remove_values
from ansible.module_utils.errors import UnsupportedError
from ansible.module_utils.six import text_type
from ansible.module_utils.six.moves.collections_abc import Mapping

from ansible_collections.iiot.connectware.plugins.module_utils._connection_options import module_kwargs
from ansible_collections.iiot.connectware.plugins.module_utils._module import execute


def plain(value):
    """``value`` in the types a module process receives (its arguments travel as JSON).

    Task arguments in the controller are str subclasses (for example AnsibleUnicode on older
    ansible-core); validation messages name the type, so they would differ from the module's.
    """
    if isinstance(value, Mapping):
        return dict((plain(key), plain(item)) for key, item in value.items())
    if isinstance(value, (list, tuple)):
        return [plain(item) for item in value]
    if isinstance(value, text_type):
        return text_type.__str__(value)  # an exact str, even where a subclass returns itself from str()
    return value


@contextlib.contextmanager
def held_output(python_warnings):
    """While a runner runs in the controller's worker: Python warnings are recorded (their text added
    to the list ``python_warnings``) and whatever is printed is held and dropped, not written.

    A runner's threads (concurrent reads, deadline timers) must not write to the worker's stdout or
    stderr: ansible-core before 2.19 forks each worker while holding the lock that guards those
    streams, so there a thread other than the main one waits for it forever (a library's warning
    from such a thread hung the task). On the module path the same output goes to the module's
    stderr, which Ansible does not show for a module that answered.
    """
    with warnings.catch_warnings(record=True) as caught:
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            try:
                yield
            finally:
                python_warnings.extend('%s: %s' % (warning.category.__name__, warning.message) for warning in caught)


def run_in_process(runner, module_args, check_mode=False, diff_mode=False, module_name='module', argument_spec=None,
                   files=None, python_warnings=None, **options):
    """The same task as ``run_module``, in the calling (controller's) process: returns the result.

    Validation uses the module's own spec (types, defaults, env fallbacks, no_log, aliases,
    mutually exclusive and required sets, and the file options where the module takes them),
    and every no_log value and learned secret is masked in the whole result, as AnsibleModule
    does on the module path. ``files`` is the file handling a runner that writes files uses; it
    also adds the file's owner, mode and size to a result naming one, as AnsibleModule does.
    While the runner runs, nothing is written to stdout or stderr (``held_output``); the Python
    warnings it raised are added to the list ``python_warnings`` when one is given, masked as the
    result is. The hold is process-wide: one task at a time per process, as Ansible's workers run.
    """
    kwargs = module_kwargs(argument_spec, **options)
    spec = kwargs['argument_spec']
    if kwargs['add_file_common_args']:
        # As AnsibleModule adds them: a module's own option of the same name wins.
        for name, option in FILE_COMMON_ARGUMENTS.items():
            spec.setdefault(name, option)
    validator = ArgumentSpecValidator(spec, mutually_exclusive=kwargs['mutually_exclusive'],
                                      required_together=kwargs['required_together'],
                                      required_one_of=kwargs['required_one_of'], required_if=kwargs['required_if'],
                                      required_by=kwargs['required_by'])
    validation = validator.validate(plain(module_args))
    no_log_values = set(validation._no_log_values)  # pylint: disable=protected-access
    params = validation.validated_parameters
    if validation.error_messages:
        message = validation.errors.msg
        if isinstance(validation.errors[0], UnsupportedError):
            message = 'Unsupported parameters for (%s) module: %s' % (module_name, message)
        # As AnsibleModule fails: with the invocation (the parameters as far as validated, masked).
        return remove_values(dict(failed=True, msg=message, invocation=dict(module_args=params)), no_log_values)
    recorded = []
    with held_output(recorded):
        result = execute(runner, params, spec, no_log_values.add, check_mode=check_mode, diff_mode=diff_mode,
                         files=files)
    if python_warnings is not None:
        python_warnings.extend(remove_values(recorded, no_log_values))
    alias_warnings = ['Both option %s and its alias %s are set.' % (warning['option'], warning['alias'])
                      for warning in validation._warnings]  # pylint: disable=protected-access
    result['warnings'] = alias_warnings + result['warnings']
    if not result['warnings']:
        del result['warnings']
    result['invocation'] = dict(module_args=params)
    if files is not None:
        files.add_path_info(result)
    return remove_values(result, no_log_values)
