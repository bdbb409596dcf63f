# -*- coding: utf-8 -*-
# Copyright: (c) 2026, iiot.connectware contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The glue between AnsibleModule and the Connectware client.

FOR INTERNAL COLLECTION USE ONLY.  A module builds a ConnectwareModule, does its
work with ``.client`` and hands a runner to ``execute``, which turns every
ConnectwareError into fail_json, in this one place.

Whatever way a module ends (exit_json or fail_json), its result carries ``api_retries``
and, when requests had to be sent again, one warning saying how many and why.
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

# The result key that counts the requests sent again in this task.
RETRIES_RESULT_KEY = 'api_retries'


class _ReportingModule(AnsibleModule):
    """An AnsibleModule that lets the glue complete every result before it leaves."""

    before_exit = None

    def exit_json(self, **kwargs):
        if self.before_exit is not None:
            self.before_exit(kwargs)
        super(_ReportingModule, self).exit_json(**kwargs)

    def fail_json(self, msg, **kwargs):
        if self.before_exit is not None:
            self.before_exit(kwargs)
        super(_ReportingModule, self).fail_json(msg, **kwargs)


def non_finite_float_options(argument_spec, params):
    """Names (and values) of the float options set to nan or an infinity."""
    return [(name, params[name]) for name, spec in argument_spec.items()
            if spec.get('type') == 'float' and params.get(name) is not None and not is_finite_number(params[name])]


class ConnectwareModule(object):
    """An AnsibleModule with the shared connection options and a ready client.

    The client is built (and its options validated) before any request, so bad
    connection input fails without touching the host.
    """

    def __init__(self, argument_spec=None, **kwargs):
        self.client = None
        self._reported = False
        self.module = _ReportingModule(**module_kwargs(argument_spec, **kwargs))
        self.module.before_exit = self._complete_result
        self.params = self.module.params
        if not HAS_REQUESTS:
            self.module.fail_json(msg=missing_required_lib('requests'), exception=REQUESTS_IMPORT_ERROR)
        # Credentials written into the url are refused, and never shown (not even in the invocation).
        userinfo = url_userinfo_secret(self.params.get('url'))
        if userinfo:
            self.module.no_log_values.add(userinfo)
        # nan and inf pass Ansible's float check; no option of this collection means them.
        for name, value in non_finite_float_options(self.module.argument_spec, self.params):
            self.module.fail_json(msg='%s must be a finite number (got %s): give a number such as 30' % (name, value))
        for secret in resolve_credentials(self.params):
            self.module.no_log_values.add(secret)
        try:
            self.client = ConnectwareClient(on_secret=self.module.no_log_values.add, **client_kwargs(self.params))
        except ConnectwareError as error:
            self.fail(error)
        for message in self.client.security_warnings():
            self.warn(message)

    @property
    def check_mode(self):
        return self.module.check_mode

    @property
    def diff_mode(self):
        return self.module._diff  # pylint: disable=protected-access

    def require_not_negative(self, *options):
        """Fail, before any request, when a numeric option is below 0."""
        for option in options:
            if self.params[option] < 0:
                self.module.fail_json(msg='%s must be 0 or more (got %s)' % (option, self.params[option]))

    def fail(self, error, **result):
        """Fail the task from a ConnectwareError, keeping whatever result is already known."""
        failure = format_failure(error)
        failure.update(result)
        self.module.fail_json(**failure)

    def warn(self, message):
        self.module.warn(message)

    def _complete_result(self, result):
        """Add the retry count (and, once, the warning about retries) to the result that leaves."""
        if self.client is None:
            return
        result.setdefault(RETRIES_RESULT_KEY, self.client.retry_count)
        summary = self.client.retry_summary()
        if summary and not self._reported:
            self._reported = True
            self.warn(summary)


def execute(connectware_module, runner):
    """Run ``runner()`` and exit: its dict result with exit_json, a ConnectwareError with fail_json."""
    try:
        result = runner()
    except ConnectwareError as error:
        connectware_module.fail(error)
    connectware_module.module.exit_json(**result)
