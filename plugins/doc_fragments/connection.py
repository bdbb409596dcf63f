# -*- coding: utf-8 -*-
# Copyright: (c) 2026, iiot.connectware contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function
__metaclass__ = type


class ModuleDocFragment(object):
    """The connection options shared by every iiot.connectware module."""

    DOCUMENTATION = r'''
options:
  url:
    description:
      - Base URL of the Connectware host, C(https://host[:port][/prefix]). A trailing slash is ignored.
      - A URL without C(http://) or C(https://), or with a query string or credentials in it, is refused before any request.
      - If not set in the task, the environment variable E(CONNECTWARE_URL) of the host that runs the module is used.
    type: str
    required: true
  token:
    description:
      - >-
        A Connectware API token (JWT), for example a long-lived token made with C(POST /api/login) and
        C(expireTimeInHours). It is sent in the header C(Authorization: Bearer <token>), never in a query string.
      - Mutually exclusive with O(username) and O(password).
      - If none of O(token), O(username) and O(password) is set in the task, the environment variable
        E(CONNECTWARE_TOKEN) is used, and if that is unset too, E(CONNECTWARE_USERNAME) and E(CONNECTWARE_PASSWORD).
    type: str
    aliases: [api_key]
  username:
    description:
      - Connectware user to log in as with C(POST /api/login), once per module run; the returned token is used
        for the requests that follow.
      - Requires O(password). See O(token) for the environment variables used when no credential is set in the task.
    type: str
  password:
    description:
      - Password of O(username). Never logged.
    type: str
  validate_certs:
    description:
      - Whether to verify Connectware's TLS certificate.
      - Connectware serves a certificate of its own Cybus CA unless replaced; prefer O(ca_path) to turning this off.
      - If not set in the task, the environment variable E(CONNECTWARE_VALIDATE_CERTS) is used.
    type: bool
    default: true
  ca_path:
    description:
      - PEM file of the CA certificate(s) that signed Connectware's certificate, for example C(cybus_ca.crt)
        from Connectware's C(certs) volume.
      - If not set in the task, the environment variable E(CONNECTWARE_CA_PATH) is used.
    type: path
  client_cert:
    description:
      - PEM client certificate for mutual TLS. May hold the private key too; else set O(client_key).
    type: path
  client_key:
    description:
      - PEM private key of O(client_cert), unencrypted. Requires O(client_cert).
    type: path
  timeout:
    description:
      - Seconds to wait for the connection and for each answer, per attempt. Must be greater than 0.
    type: float
    default: 30
  retries:
    description:
      - How many times to retry a request after a connection error, a timeout, or an HTTP 429, 502, 503 or 504
        answer. V(0) disables retries.
      - Retries back off exponentially (0.5, 1, 2, 4 seconds... at most 8) with jitter, honour a C(Retry-After)
        header, and wait no more than 60 seconds in total for one request.
      - Other errors (401, 403, 400, TLS failures, answers that are not JSON) are never retried.
    type: int
    default: 3
notes:
  - >-
    The modules talk to Connectware over HTTP(S) from the host they run on; usually that is the controller,
    with C(delegate_to: localhost) or a C(local) connection. They need the Python library C(requests) there.
  - Use C(group/iiot.connectware.connectware) in C(module_defaults) to set the connection options once for all
    modules of this collection.
requirements:
  - requests
'''

    ACTION_GROUP = r'''
options: {}
attributes:
  action_group:
    description: Use C(group/iiot.connectware.connectware) in C(module_defaults) to set defaults for this module.
    support: full
    membership:
      - iiot.connectware.connectware
'''

    CHECK_MODE_READ_ONLY = r'''
options: {}
attributes:
  check_mode:
    description: The module only reads; it acts the same in check mode.
    support: full
  diff_mode:
    description: The module changes nothing, so there is no diff.
    support: none
'''
