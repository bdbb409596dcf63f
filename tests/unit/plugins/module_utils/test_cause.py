# -*- coding: utf-8 -*-
# Copyright: (c) 2026, iiot.connectware contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""short_cause: one line per failure, from the structured api_error (the message only refines connection and TLS)."""

import pytest

from ansible_collections.iiot.connectware.plugins.module_utils._cause import short_cause
from ansible_collections.iiot.connectware.plugins.module_utils._client import ConnectwareError


def api_error(kind, status=None, path='/api/system/info', method='GET'):
    return ConnectwareError('x', kind=kind, status=status, path=path, method=method).to_result()


@pytest.mark.parametrize('error, message, cause', [
    (api_error('auth', 401), 'Connectware at https://cw rejected the token for GET /api/system/info (HTTP 401)',
     'token rejected (401)'),
    (api_error('auth', 401, path='/api/login', method='POST'), "refused the login of user 'admin' (HTTP 401)",
     'login refused (401)'),
    (api_error('permission', 403, path='/api/system/metrics?daily=true&hourly=true'), 'lacks permission',
     'no permission for /api/system/metrics (403)'),
    (api_error('connection'), 'cannot reach Connectware at https://nowhere.invalid for GET /api/system/info '
     '(unknown host) after 1 attempt(s)', 'unknown host'),
    (api_error('connection'), "HTTPSConnectionPool(host='x'): Failed to resolve 'x' ([Errno -2] Name or service not known)",
     'unknown host'),
    (api_error('connection'), 'cannot reach Connectware at https://127.0.0.1:9 for GET /api/system/info (connection '
     'refused) after 4 attempt(s)', 'connection refused'),
    (api_error('connection'), 'cannot reach Connectware at https://cw for GET /api/system/info through the proxy '
     'http://proxy:3128 (connection refused) after 1 attempt(s)', 'proxy unreachable'),
    (api_error('connection'), 'something new and unforeseen', 'cannot connect'),
    (api_error('tls'), 'TLS handshake with https://cw failed for GET /api/system/info: the certificate is not signed '
     'by a trusted CA ([SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: unable to get local issuer',
     'TLS: not signed by a trusted CA'),
    (api_error('tls'), 'TLS: self-signed certificate in certificate chain', 'TLS: not signed by a trusted CA'),
    (api_error('tls'), 'TLS handshake failed: the certificate does not name this host (hostname mismatch)',
     'TLS: certificate names another host'),
    (api_error('tls'), 'TLS handshake failed: the certificate has expired', 'TLS: certificate expired'),
    (api_error('tls'), '[SSL: WRONG_VERSION_NUMBER] wrong version number', 'TLS: the port does not speak TLS'),
    (api_error('tls'), 'TLS: certificate not yet valid. Check the clock', 'TLS: certificate not yet valid'),
    (api_error('tls'), 'TLS: Connectware requires a client certificate.', 'TLS: client certificate required'),
    (api_error('tls'), 'TLS: ca_path (/etc/cw.pem) holds no CA certificate this client can load.',
     'TLS: ca_path holds no usable CA certificate'),
    (api_error('tls'), 'TLS: Connectware closed the connection during the handshake.',
     'TLS: connection closed during the handshake'),
    (api_error('tls'), 'TLS: the server does not speak TLS on this port.', 'TLS: the port does not speak TLS'),
    (api_error('tls'), 'reworded beyond recognition', 'TLS handshake failed'),
    (api_error('timeout'), 'no complete answer within timeout=10s', 'no answer within the timeout'),
    (api_error('http', 503), 'answered HTTP 503', 'HTTP 503 on /api/system/info'),
    (api_error('http', 302), 'redirected', 'redirected (302): url is not the API'),
    (api_error('invalid_response', 200), 'the body is not JSON', 'not a Connectware answer (HTTP 200)'),
    (api_error('config', path=None, method=None), 'url is empty: set url', 'configuration error'),
    (api_error('config'), 'Connectware at http://cw:443 answers in TLS: that port serves HTTPS, not plain HTTP '
     '(connection reset by the server for GET /api/system/info). Write url as https://cw:443',
     'http:// to an HTTPS port: use https://'),
])
def test_short_cause(error, message, cause):
    assert short_cause(error, message) == cause


def test_kind_decides_before_the_message():
    """A 401 whose server message mentions a refused connection is still a rejected token."""
    assert short_cause(api_error('auth', 401), 'upstream said: connection refused') == 'token rejected (401)'


@pytest.mark.parametrize('error, message, cause', [
    (None, None, None),
    ('not a dict', '', None),
    ({}, 'Failed: a plain task failure', 'Failed'),
    ({'kind': 'something_new'}, 'message', 'something_new'),
    ({'kind': 'auth', 'status': True}, None, 'token rejected'),
    ({'kind': 'http', 'status': '500'}, None, 'HTTP error'),
])
def test_untrusted_or_missing_fields(error, message, cause):
    assert short_cause(error, message) == cause
