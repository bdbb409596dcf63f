# -*- coding: utf-8 -*-
# Copyright: (c) 2026, iiot.connectware contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The glue between a module's runner and Ansible, for both execution paths.

FOR INTERNAL COLLECTION USE ONLY.

A module's ``main()`` is ``run_module(runner, **options)``: AnsibleModule validates the
arguments and the task runs as a module process. An action plugin calls
``run_in_process(runner, args, ...)`` with the same options: the same spec validates the
arguments in the controller's worker. Both then go through ``execute``: the checks every
module shares before any request, a ready client, the runner, and the one place where a
ConnectwareError becomes a failed result (``format_failure``). Every result carries
``api_retries`` and, when requests had to be sent again, one warning saying how many and why.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import contextlib
import io
import warnings

from ansible.module_utils.basic import FILE_COMMON_ARGUMENTS, AnsibleModule, missing_required_lib
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible.module_utils.common.parameters import remove_values
from ansible.module_utils.errors import UnsupportedError
from ansible.module_utils.six import text_type
from ansible.module_utils.six.moves.collections_abc import Mapping

from ansible_collections.iiot.connectware.plugins.module_utils._client import (
    ConnectwareClient,
    ConnectwareError,
    HAS_REQUESTS,
    REQUESTS_IMPORT_ERROR,
    format_failure,
    is_finite_number,
    url_userinfo_secret,
)
from ansible_collections.iiot.connectware.plugins.module_utils._connection_options import (
    client_kwargs,
    module_kwargs,
    resolve_credentials,
)
from ansible_collections.iiot.connectware.plugins.module_utils._task import Task

# The result key that counts the requests sent again in this task.
RETRIES_RESULT_KEY = 'api_retries'


def non_finite_float_options(argument_spec, params):
    """Names (and values) of the float options set to nan or an infinity."""
    return [(name, params[name]) for name, spec in argument_spec.items()
            if spec.get('type') == 'float' and params.get(name) is not None and not is_finite_number(params[name])]


def connect(params, argument_spec, remember_secret):
    """The checks every module shares, before any request, then a ready client.

    ``remember_secret`` is called with every secret learned on the way (credentials from the
    environment or the url, login tokens, contents a runner declares secret).
    Raises ConnectwareError (kind config) naming the option and the fix.
    """
    # Credentials written into the url are refused, and never shown (not even in the invocation).
    userinfo = url_userinfo_secret(params.get('url'))
    if userinfo:
        remember_secret(userinfo)
    # nan and inf pass Ansible's float check; no option of this collection means them.
    for name, value in non_finite_float_options(argument_spec, params):
        raise ConnectwareError('%s must be a finite number (got %s): give a number such as 30' % (name, value),
                               kind='config')
    for secret in resolve_credentials(params):
        remember_secret(secret)
    return ConnectwareClient(on_secret=remember_secret, **client_kwargs(params))


def execute(runner, params, argument_spec, remember_secret, check_mode=False, diff_mode=False, files=None):
    """Run ``runner`` on validated ``params``: its result, or its failure as a result.

    The result holds ``warnings`` (a list) for the caller to hand to Ansible its own way.
    ``files`` is Ansible's file handling for runners that write files: the AnsibleModule on the
    module path, the action plugin's controller equivalent in-process (``Task.files``).
    """
    try:
        client = connect(params, argument_spec, remember_secret)
    except ConnectwareError as error:
        return dict(format_failure(error), warnings=[])
    task = Task(params, client, check_mode=check_mode, diff_mode=diff_mode, files=files)
    for message in client.security_warnings():
        task.warn(message)
    try:
        result = runner(task)
    except ConnectwareError as error:
        result = format_failure(error)
    result.setdefault(RETRIES_RESULT_KEY, client.retry_count)
    summary = client.retry_summary()
    if summary:
        task.warn(summary)
    result['warnings'] = list(task.warnings)
    return result


def run_module(runner, argument_spec=None, **options):
    """The ``main()`` of every module: validate with AnsibleModule, execute, exit or fail."""
    module = AnsibleModule(**module_kwargs(argument_spec, **options))
    if not HAS_REQUESTS:
        module.fail_json(msg=missing_required_lib('requests') + '. When Ansible runs in a virtualenv, set '
                         'ansible_python_interpreter: "{{ ansible_playbook_python }}" for the host that runs this '
                         'module (usually localhost)', exception=REQUESTS_IMPORT_ERROR)
    result = execute(runner, module.params, module.argument_spec, module.no_log_values.add,
                     check_mode=module.check_mode, diff_mode=module._diff,  # pylint: disable=protected-access
                     files=module)
    for message in result.pop('warnings'):
        module.warn(message)
    if result.pop('failed', False):
        module.fail_json(**result)
    module.exit_json(**result)


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
