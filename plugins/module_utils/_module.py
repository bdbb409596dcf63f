# -*- coding: utf-8 -*-
# Copyright: (c) 2026, iiot.connectware contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The glue between a module's runner and Ansible, for both execution paths.

FOR INTERNAL COLLECTION USE ONLY.

A module's ``main()`` is ``run_module(runner, **options)``: AnsibleModule validates the
arguments and the task runs as a module process. An action plugin calls
``run_in_process(runner, args, ...)`` (``plugin_utils._in_process``) with the same options: the
same spec validates the arguments in the controller's worker. Both then go through ``execute``:
the checks every module shares before any request, a ready client, the runner, and the one place
where a ConnectwareError becomes a failed result (``format_failure``). Every result carries
``api_retries`` and, when requests had to be sent again, one warning saying how many and why.

Only what a module process needs lives here: it compiles every module_util it imports on each
run, so the in-process glue is in ``plugin_utils``, which only the controller loads.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

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
