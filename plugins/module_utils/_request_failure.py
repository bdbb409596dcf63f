# -*- coding: utf-8 -*-
# Copyright: (c) 2026, iiot.connectware contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""A failed request in words: what went wrong, where, and what to do. Part of the client (``_client``).

FOR INTERNAL COLLECTION USE ONLY: the interfaces here may change in any release.

The client imports this module only when a request fails (``_client._failure``): a module process
compiles every module_util it imports, on every run, and a task that succeeds needs none of this.
Each function takes the ConnectwareClient whose request failed. A failed TLS handshake is put in
words by ``_tls_failure``, imported only then.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import ipaddress
import json
import re
import socket
import ssl
import threading

from ansible.module_utils.six.moves.urllib.parse import urlsplit
from ansible_collections.iiot.connectware.plugins.module_utils import _endpoints as endpoints
from ansible_collections.iiot.connectware.plugins.module_utils._client import (
    BODY_EXCERPT_LENGTH,
    REDACTED,
    display_url,
    mask_url_credentials,
    requests,
    shut_socket,
    text_excerpt,
)

# Pieces of a secret in a server's text that are redacted too: this long anywhere, or this long
# as the beginning of a secret at the very end of an excerpt.
FRAGMENT_ANYWHERE = 12
FRAGMENT_END = 4


def server_excerpt(client, text, length=BODY_EXCERPT_LENGTH):
    """A one-line excerpt of a server's text: redacted whole, then cut, then any secret's
    beginning left dangling at the end is redacted too."""
    text = client.redact(text or '')
    text = re.sub(r'\s+', ' ', text[:length * 64]).strip()
    cut = len(text) > length
    text = redact_fragments(text[:length], client._secrets)
    return text + '...' if cut else text


def server_message(client, text):
    """The error message a server put in its JSON body, if any, else the body excerpt."""
    try:
        data = json.loads(text)
    except (ValueError, RecursionError):
        return server_excerpt(client, text)
    if isinstance(data, dict):
        for key in ('message', 'error', 'msg', 'detail'):
            if isinstance(data.get(key), str) and data[key].strip():
                return server_excerpt(client, data[key])
    return server_excerpt(client, text)


def transport_error(client, exc, method, url, shown_path, attempt, error):
    """The ConnectwareError of a failed attempt; raised at once unless retrying may help."""
    if isinstance(exc, requests.exceptions.SSLError):
        raise error(tls_message(client, exc, method, url, shown_path), 'tls')
    if isinstance(exc, requests.exceptions.ContentDecodingError):
        raise error('Connectware at %s answered %s %s with a body that cannot be decoded (%s): the answer is '
                    'corrupt; check that url points to the Connectware API and no proxy alters answers'
                    % (client.base_url, method, shown_path, text_excerpt(mask_url_credentials(str(exc)))[:120]),
                    'invalid_response')
    if isinstance(exc, requests.exceptions.ProxyError):
        proxy = proxy_for(client, url) or 'the proxy'
        failure = error('cannot reach Connectware at %s for %s %s through the proxy %s (%s) after %d attempt(s): '
                        'the proxy is what cannot be reached; check it (HTTPS_PROXY / HTTP_PROXY), exempt the host '
                        'with NO_PROXY, or set use_proxy: false to connect directly'
                        % (client.base_url, method, shown_path, proxy, connection_cause(exc), attempt), 'connection')
        failure.retry_reason = 'proxy unreachable'
        return failure
    if isinstance(exc, (requests.exceptions.ConnectionError, requests.exceptions.ChunkedEncodingError)):
        cause = connection_cause(exc)
        if cause not in ('unknown host', 'connection refused', 'timed out') and https_port(client, url):
            raise error('Connectware at %s answers in TLS: that port serves HTTPS, not plain HTTP (%s for %s %s). '
                        'Write url as %s' % (client.base_url, cause, method, shown_path, _as_https(client.base_url)),
                        'config')
        failure = error('cannot reach Connectware at %s for %s %s (%s) after %d attempt(s): check url and that '
                        'Connectware is running and reachable from this host'
                        % (client.base_url, method, shown_path, cause, attempt), 'connection')
        failure.retry_reason = cause
        return failure
    if isinstance(exc, requests.exceptions.RequestException):
        raise error('request %s %s to %s failed: %s' % (method, shown_path, client.base_url,
                                                        text_excerpt(mask_url_credentials(str(exc)))), 'connection')
    # Whatever else the HTTP stack raises on a server's bytes is a failed request, not a crash.
    raise error('request %s %s to %s failed: %s: %s' % (method, shown_path, client.base_url, type(exc).__name__,
                                                        text_excerpt(mask_url_credentials(str(exc)))), 'connection')


def status_error(client, status, method, shown_path, excerpt, is_login, error):
    """The ConnectwareError of an answer with an error status that retrying does not help."""
    detail = ': %s' % excerpt if excerpt else ''
    lowered = (excerpt or '').lower()
    if status in (400, 497) and client.base_url.startswith('http://') and \
            ('https port' in lowered or ('plain http' in lowered and 'https' in lowered)):
        # nginx and other front ends answer a plain HTTP request on their HTTPS port so.
        return error('Connectware at %s answered %s %s with HTTP %d%s: that port serves HTTPS, not plain HTTP. '
                     'Write url as %s' % (client.base_url, method, shown_path, status, detail,
                                          _as_https(client.base_url)), 'config', status, excerpt)
    if is_login and status in (400, 401, 403):
        return error("Connectware at %s refused the login of user '%s' (HTTP %d): check username and password "
                     '(CONNECTWARE_USERNAME / CONNECTWARE_PASSWORD)' % (client.base_url, client.username, status),
                     'auth', status)
    if status == 401:
        return error('Connectware at %s rejected %s for %s %s (HTTP 401)%s. Check that it is a valid, unexpired '
                     'Connectware token%s' % (client.base_url, client.credential_description(), method, shown_path, detail,
                                              '' if client.auth_method == 'token' else ' and that the user is active'),
                     'auth', status, excerpt)
    if status == 403:
        access = 'read' if method == 'GET' else 'write'
        path = shown_path.split('?')[0]
        grant = endpoints.PERMISSION_PATHS.get(path, path)
        where = grant if grant == path else '%s (which Connectware requires for %s)' % (grant, path)
        return error('%s lacks permission for %s %s on %s (HTTP 403)%s. Grant the user\'s role HTTP %s access to '
                     '%s in Connectware\'s user management' % (_capitalize(client.credential_description()), method,
                                                               shown_path, client.base_url, detail, access, where),
                     'permission', status, excerpt)
    if 300 <= status < 400:
        return error('Connectware at %s redirected %s %s (HTTP %d): point url at the API address itself'
                     % (client.base_url, method, shown_path, status), 'http', status, excerpt)
    return error('Connectware at %s answered HTTP %d for %s %s%s' % (client.base_url, status, method, shown_path, detail),
                 'http', status, excerpt)


def tls_message(client, exc, method, url, shown_path):
    """A TLS failure in words: the cause, and what to check for it (``_tls_failure``)."""
    # Imported here, when a handshake fails: it is only needed then.
    from ansible_collections.iiot.connectware.plugins.module_utils import _tls_failure
    return _tls_failure.tls_message(
        exc, method, shown_path, base_url=client.base_url, ca_path=client._verify if isinstance(client._verify, str) else None,
        has_client_cert=client._cert is not None, peer_certificate=lambda: peer_certificate(client, url),
        excerpt=lambda text: text_excerpt(mask_url_credentials(text)))


def https_port(client, url):
    """Whether a plain http:// url points at a port that speaks TLS."""
    return url.startswith('http://') and peer_certificate(client, url) is not None


def peer_certificate(client, url):
    """The certificate the server at ``url`` presents, unverified (to name it in a message), or None:
    never through a proxy, and not when the client was given its own session (tests)."""
    if client._peek is None or proxy_for(client, url):
        return None
    parts = urlsplit(url)
    try:
        port = parts.port or (443 if parts.scheme == 'https' else 80)
    except ValueError:
        return None
    return client._peek(parts.hostname, port, min(client.timeout, PEEK_TIMEOUT))


def proxy_for(client, url):
    """The proxy the environment names for ``url`` (credentials masked), or None."""
    if not client.use_proxy:
        return None
    try:
        proxy = requests.utils.select_proxy(url, requests.utils.get_environ_proxies(url))
    except Exception:  # pylint: disable=broad-except
        return None
    return display_url(proxy) if proxy else None


def connection_cause(exc):
    """A short, human cause for a requests ConnectionError."""
    text = str(exc)
    lowered = text.lower()
    if 'name or service not known' in lowered or 'failed to resolve' in lowered or \
            'nodename nor servname' in lowered or 'temporary failure in name resolution' in lowered or \
            'no address associated' in lowered:
        return 'unknown host'
    if 'connection refused' in lowered:
        return 'connection refused'
    if 'reset by peer' in lowered or 'connection aborted' in lowered or 'remotedisconnected' in lowered or \
            'remote end closed' in lowered:
        return 'connection reset by the server'
    if 'incompleteread' in lowered or 'prematurely' in lowered or 'incomplete' in lowered:
        return 'response body cut short'
    if 'timed out' in lowered:
        return 'timed out'
    return text_excerpt(mask_url_credentials(text))


def redact_fragments(text, secrets):
    """Redact the pieces of secrets a text holds only in part.

    The end of an excerpt may fall inside a secret (our cut, or the server's): a beginning of
    a secret of FRAGMENT_END characters or more there is redacted. Anywhere in the text, a
    piece of FRAGMENT_ANYWHERE characters or more of a secret is redacted.
    """
    hidden = [False] * len(text)
    for secret in secrets:
        if len(secret) > FRAGMENT_ANYWHERE:
            pieces = set(secret[index:index + FRAGMENT_ANYWHERE] for index in range(len(secret) - FRAGMENT_ANYWHERE + 1))
            for index in range(len(text) - FRAGMENT_ANYWHERE + 1):
                if text[index:index + FRAGMENT_ANYWHERE] in pieces:
                    hidden[index:index + FRAGMENT_ANYWHERE] = [True] * FRAGMENT_ANYWHERE
        for size in range(min(len(secret) - 1, len(text)), max(1, min(FRAGMENT_END, len(secret) - 1)) - 1, -1):
            if text.endswith(secret[:size]):
                hidden[len(text) - size:] = [True] * size
                break
    if not any(hidden):
        return text
    shown, index = [], 0
    while index < len(text):
        if hidden[index]:
            while index < len(text) and hidden[index]:
                index += 1
            shown.append(REDACTED)
        else:
            shown.append(text[index])
            index += 1
    return ''.join(shown)


# How long the look at a failing server's certificate may take (it only names the issuer).
PEEK_TIMEOUT = 5.0


def peek_certificate(host, port, timeout):
    """The DER certificate a TLS server presents, read without verifying it (only to name it in a
    message), or None. ``timeout`` bounds the whole look, however slowly the server answers."""
    try:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        sock = socket.create_connection((host, port), timeout=timeout)
    except Exception:  # pylint: disable=broad-except
        return None
    timer = threading.Timer(timeout, shut_socket, (sock,))
    timer.daemon = True
    timer.start()
    try:
        with context.wrap_socket(sock, server_hostname=None if _is_ip(host) else host) as tls_sock:
            return tls_sock.getpeercert(binary_form=True)
    except Exception:  # pylint: disable=broad-except
        return None
    finally:
        timer.cancel()
        sock.close()


def _as_https(base_url):
    """``base_url`` with https:// instead of http://."""
    return 'https://' + base_url.split('://', 1)[-1]


def _is_ip(host):
    try:
        ipaddress.ip_address((host or '').strip('[]'))
        return True
    except ValueError:
        return False


def _capitalize(text):
    return text[:1].upper() + text[1:]
