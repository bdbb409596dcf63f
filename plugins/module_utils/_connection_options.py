# -*- coding: utf-8 -*-
# Copyright: (c) 2026, iiot.connectware contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The connection options every module shares, defined once.

FOR INTERNAL COLLECTION USE ONLY.  Documented by the doc fragment
iiot.connectware.connection; keep the two in step (ansible-test sanity checks it).
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import os

from ansible.module_utils.basic import env_fallback

# Credentials are bound late from the environment: an operator who exports
# CONNECTWARE_TOKEN and passes username/password in a task means the task's values.
CREDENTIAL_ENV = dict(token='CONNECTWARE_TOKEN', username='CONNECTWARE_USERNAME', password='CONNECTWARE_PASSWORD')


def connection_argument_spec():
    """The argument spec of the shared connection options."""
    return dict(
        url=dict(type='str', required=True, fallback=(env_fallback, ['CONNECTWARE_URL'])),
        token=dict(type='str', no_log=True, aliases=['api_key']),
        username=dict(type='str'),
        password=dict(type='str', no_log=True),
        validate_certs=dict(type='bool', default=True, fallback=(env_fallback, ['CONNECTWARE_VALIDATE_CERTS'])),
        ca_path=dict(type='path', fallback=(env_fallback, ['CONNECTWARE_CA_PATH'])),
        client_cert=dict(type='path'),
        client_key=dict(type='path'),
        timeout=dict(type='float', default=30.0),
        retries=dict(type='int', default=3),
        use_proxy=dict(type='bool', default=True),
    )


# Rules about the connection options, next to the options themselves.
CONNECTION_MUTUALLY_EXCLUSIVE = [('token', 'username'), ('token', 'password')]
CONNECTION_REQUIRED_TOGETHER = [('username', 'password')]
CONNECTION_REQUIRED_BY = {'client_key': 'client_cert'}


def module_kwargs(argument_spec=None, mutually_exclusive=None, required_together=None, required_one_of=None,
                  required_if=None, required_by=None, supports_check_mode=True, add_file_common_args=False):
    """Keyword arguments for AnsibleModule: a module's own options merged with the shared ones."""
    spec = connection_argument_spec()
    spec.update(argument_spec or {})
    merged_required_by = dict(CONNECTION_REQUIRED_BY)
    merged_required_by.update(required_by or {})
    return dict(
        argument_spec=spec,
        mutually_exclusive=CONNECTION_MUTUALLY_EXCLUSIVE + list(mutually_exclusive or []),
        required_together=CONNECTION_REQUIRED_TOGETHER + list(required_together or []),
        required_one_of=list(required_one_of or []),
        required_if=list(required_if or []),
        required_by=merged_required_by,
        supports_check_mode=supports_check_mode,
        add_file_common_args=add_file_common_args,
    )


def resolve_credentials(params, environ=None):
    """Fill token or username/password from the environment when the task set none of them.

    Returns the secrets read from the environment, so the caller can mask them.
    """
    environ = os.environ if environ is None else environ
    if any(params.get(name) for name in CREDENTIAL_ENV):
        return []
    learned = []
    token = environ.get(CREDENTIAL_ENV['token'])
    if token:
        params['token'] = token
        learned.append(token)
    else:
        params['username'] = environ.get(CREDENTIAL_ENV['username']) or None
        params['password'] = environ.get(CREDENTIAL_ENV['password']) or None
        if params['password']:
            learned.append(params['password'])
    return learned


def client_kwargs(params):
    """ConnectwareClient keyword arguments from validated module parameters."""
    return dict((name, params.get(name)) for name in (
        'url', 'token', 'username', 'password', 'validate_certs', 'ca_path', 'client_cert', 'client_key',
        'timeout', 'retries', 'use_proxy'))
