# -*- coding: utf-8 -*-
# Copyright: (c) 2026, iiot.connectware contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The glue between AnsibleModule and the Connectware client.

FOR INTERNAL COLLECTION USE ONLY.  A module builds a ConnectwareModule, does its
work with ``.client`` and hands a runner to ``execute``, which turns every
ConnectwareError into fail_json, in this one place.
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
)
from ansible_collections.iiot.connectware.plugins.module_utils._connection_options import (
    client_kwargs,
    module_kwargs,
    resolve_credentials,
)


class ConnectwareModule(object):
    """An AnsibleModule with the shared connection options and a ready client.

    The client is built (and its options validated) before any request, so bad
    connection input fails without touching the host.
    """

    def __init__(self, argument_spec=None, **kwargs):
        self.module = AnsibleModule(**module_kwargs(argument_spec, **kwargs))
        self.params = self.module.params
        if not HAS_REQUESTS:
            self.module.fail_json(msg=missing_required_lib('requests'), exception=REQUESTS_IMPORT_ERROR)
        for secret in resolve_credentials(self.params):
            self.module.no_log_values.add(secret)
        try:
            self.client = ConnectwareClient(on_secret=self.module.no_log_values.add, **client_kwargs(self.params))
        except ConnectwareError as error:
            self.fail(error)

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


def execute(connectware_module, runner):
    """Run ``runner()`` and exit: its dict result with exit_json, a ConnectwareError with fail_json."""
    try:
        result = runner()
    except ConnectwareError as error:
        connectware_module.fail(error)
    connectware_module.module.exit_json(**result)
