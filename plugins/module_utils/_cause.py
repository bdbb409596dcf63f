# -*- coding: utf-8 -*-
# Copyright: (c) 2026, iiot.connectware contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The cause of a failed request in a few words, for one line of a report.

FOR INTERNAL COLLECTION USE ONLY.  ``short_cause`` reads the structured ``api_error`` a task returns
(``kind``, ``status``, ``method``, ``path``) and says what an operator has to fix: ``token rejected (401)``,
``unknown host``, ``connection refused``, ``TLS: not signed by a trusted CA``. The full message stays
where it was (the task's ``msg``); this is the line a page shows for it.

``kind`` and ``status`` decide. Only two kinds need a finer word than they carry, and take it from the
message: ``connection`` (which part of connecting failed) and ``tls`` (why the certificate was refused).
For those the message is searched for the words of the operating system and of OpenSSL as well as the
client's own, so a rewording of the client's sentences leaves the cause at worst less precise
(``TLS handshake failed``, ``cannot connect``), never wrong.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

LOGIN_PATH = '/api/login'

# (words that may appear in the message, lower case) -> the cause; the first match wins.
CONNECTION_CAUSES = (
    (('unknown host', 'name or service not known', 'failed to resolve', 'nodename nor servname',
      'temporary failure in name resolution', 'no address associated', 'getaddrinfo'), 'unknown host'),
    (('through the proxy', 'proxyerror', 'unable to connect to proxy'), 'proxy unreachable'),
    (('connection refused', 'econnrefused'), 'connection refused'),
    (('network is unreachable', 'no route to host', 'host is unreachable'), 'network unreachable'),
    (('reset by peer', 'connection reset', 'connection aborted', 'remote end closed', 'remotedisconnected'),
     'connection reset by the server'),
    (('body cut short', 'incompleteread', 'prematurely'), 'answer cut short'),
    (('timed out',), 'timed out'),
)
TLS_CAUSES = (
    (('hostname mismatch', 'does not name this host', "doesn't match", 'not valid for'),
     'TLS: certificate names another host'),
    (('not signed by a trusted ca', 'unable to get local issuer', 'self-signed', 'self signed', 'unknown ca',
      'unable to get issuer', 'not trusted', 'untrusted'), 'TLS: not signed by a trusted CA'),
    (('certificate has expired', 'certificate expired', 'has expired'), 'TLS: certificate expired'),
    (('not yet valid',), 'TLS: certificate not yet valid'),
    (('requires a client certificate',), 'TLS: client certificate required'),
    (('holds no ca certificate',), 'TLS: ca_path holds no usable CA certificate'),
    (('during the handshake',), 'TLS: connection closed during the handshake'),
    (('does not speak tls', 'wrong version number', 'http request', 'plain http', 'record layer failure',
      'packet length too long'), 'TLS: the port does not speak TLS'),
)
# Configuration errors worth naming apart from "configuration error".
CONFIG_CAUSES = (
    (('serves https, not plain http',), 'http:// to an HTTPS port: use https://'),
)
KIND_CAUSES = {
    'timeout': 'no answer within the timeout',
    'invalid_response': 'not a Connectware answer',
    'config': 'configuration error',
}


def _text(value):
    return value if isinstance(value, str) else ''


def _first_match(message, causes):
    lowered = message.lower()
    for words, cause in causes:
        if any(word in lowered for word in words):
            return cause
    return None


def short_cause(api_error, message=None):
    """A few words for a failure: from ``api_error`` (a task result's dict), ``message`` (its ``msg``) for detail.

    Returns None when ``api_error`` is no dict and there is no message either (nothing failed that says why).
    """
    error = api_error if isinstance(api_error, dict) else {}
    message = _text(message)
    kind = _text(error.get('kind'))
    status = error.get('status') if isinstance(error.get('status'), int) and not isinstance(error.get('status'), bool) else None
    path = _text(error.get('path')).split('?')[0]
    if kind == 'auth':
        if path == LOGIN_PATH:
            return 'login refused%s' % (' (%d)' % status if status else '')
        return 'token rejected%s' % (' (%d)' % status if status else '')
    if kind == 'permission':
        return 'no permission for %s (%d)' % (path, status or 403) if path else 'no permission (%d)' % (status or 403)
    if kind == 'tls':
        return _first_match(message, TLS_CAUSES) or 'TLS handshake failed'
    if kind == 'connection':
        return _first_match(message, CONNECTION_CAUSES) or 'cannot connect'
    if kind == 'http':
        if status is not None and 300 <= status < 400:
            return 'redirected (%d): url is not the API' % status
        return 'HTTP %d%s' % (status, ' on %s' % path if path else '') if status else 'HTTP error'
    if kind == 'config' and _first_match(message, CONFIG_CAUSES):
        return _first_match(message, CONFIG_CAUSES)
    if kind in KIND_CAUSES:
        if kind == 'invalid_response' and status:
            return '%s (HTTP %d)' % (KIND_CAUSES[kind], status)
        return KIND_CAUSES[kind]
    if kind == 'unhealthy':
        return 'unhealthy'
    if not error and not message:
        return None
    # An unknown kind: its name, or the message's first clause.
    return kind or message.split(':')[0][:80] or 'failed'
