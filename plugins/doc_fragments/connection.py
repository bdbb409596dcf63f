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
        Credentials written into the URL are never shown in a message.
      - A token or password sent over plain C(http://) to a host other than a loopback address (C(localhost),
        C(127.0.0.1), C(::1)) gives a warning, since it travels unencrypted. Traffic to a loopback address never leaves the host.
      - If not set in the task, the environment variable E(CONNECTWARE_URL) of the host that runs the module is used.
    type: str
    required: true
  token:
    description:
      - >-
        A Connectware API token (JWT), for example a long-lived token made with C(POST /api/login) and
        C(expireTimeInHours). It is sent in the header C(Authorization: Bearer <token>), never in a query string.
      - >-
        The token is the only credential sent: an entry for the host in C(~/.netrc) (or E(NETRC)) is never used.
        A token with white space inside, control characters or characters outside Latin-1 cannot travel in an HTTP
        header and is refused before any request, without being shown.
      - Mutually exclusive with O(username) and O(password).
      - If none of O(token), O(username) and O(password) is set in the task, the environment variable
        E(CONNECTWARE_TOKEN) is used, and if that is unset too, E(CONNECTWARE_USERNAME) and E(CONNECTWARE_PASSWORD).
    type: str
    aliases: [api_key]
  username:
    description:
      - Connectware user to log in as with C(POST /api/login), once per module run; the returned token is used
        for the requests that follow.
      - When Connectware rejects that token later in the run (HTTP 401, for example because it expired during a long
        wait of M(iiot.connectware.connectware_health_check)), the module logs in again, once per expired
        token, and repeats the request once. With O(token), a rejected token fails the task at once.
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
      - V(false) gives a warning in every task that uses it, since without verification a machine in between can pose
        as Connectware and read the credentials.
      - If not set in the task, the environment variable E(CONNECTWARE_VALIDATE_CERTS) is used.
    type: bool
    default: true
  ca_path:
    description:
      - PEM file of the CA certificate(s) that signed Connectware's certificate, for example C(cybus_ca.crt)
        from Connectware's C(certs) volume.
      - If not set in the task, the environment variable E(CONNECTWARE_CA_PATH) is used.
      - May also be a directory of hashed CA certificates (as C(c_rehash) makes them).
      - When O(validate_certs) is true, a path that does not exist or cannot be read fails the task before any
        request, naming the option and the path. When O(validate_certs) is false the option is not used.
    type: path
  client_cert:
    description:
      - PEM client certificate for mutual TLS. May hold the private key too; else set O(client_key).
      - A path that does not exist or cannot be read fails the task before any request.
    type: path
  client_key:
    description:
      - PEM private key of O(client_cert), unencrypted. Requires O(client_cert).
      - A path that does not exist or cannot be read fails the task before any request.
    type: path
  timeout:
    description:
      - >-
        The deadline of one attempt of a request, in seconds: connecting, TLS, receiving the headers and the whole
        body must all be done within it, however slowly the server sends. An attempt still running at the deadline
        is ended and counts as a timeout (retried as O(retries) says).
      - Must be a finite number greater than 0.
    type: float
    default: 30
  retries:
    description:
      - How many times to retry a request after a connection error, a timeout, or an HTTP 429, 502, 503 or 504
        answer. V(0) disables retries.
      - Retries back off exponentially (0.5, 1, 2, 4 seconds... at most 8) with jitter, honour a C(Retry-After)
        header, and wait no more than 60 seconds in total for one request.
      - Other errors (401, 403, 400, TLS failures, answers that are not JSON, too large, or corrupt) are never retried.
      - When requests had to be sent again, the task says so in one warning (how many, and why) and returns the count
        as C(api_retries).
    type: int
    default: 3
  use_proxy:
    description:
      - Whether to use the proxy the environment names for the URL (E(HTTPS_PROXY), E(HTTP_PROXY), E(ALL_PROXY),
        excepting the hosts in E(NO_PROXY)), as M(ansible.builtin.uri) does.
      - V(false) connects directly, whatever the environment says.
      - When the proxy is what cannot be reached, the message names it (without credentials).
    type: bool
    default: true
notes:
  - >-
    The modules talk to Connectware over HTTP(S) from the host they run on; usually that is the controller,
    with C(delegate_to: localhost) or a C(local) connection. They need the Python library C(requests) there.
  - Use C(group/iiot.connectware.connectware) in C(module_defaults) to set the connection options once for all
    modules of this collection.
  - >-
    Answers are bounded: an answer larger than 64 MiB (counted after decompression) is refused as an invalid
    answer, never retried, with a message naming the size read and the limit. The largest real answers, commissioning
    files and metrics, are far smaller.
  - >-
    Answers must be what the API documents: JSON that is empty where content is expected, nested more than 100 levels
    deep, not JSON, or a compressed body that cannot be decompressed fails the task as an invalid answer, never retried.
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
