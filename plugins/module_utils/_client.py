# -*- coding: utf-8 -*-
# Copyright: (c) 2026, iiot.connectware contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The one Connectware REST API client every module of iiot.connectware uses.

FOR INTERNAL COLLECTION USE ONLY: the interfaces here may change in any release.

Everything that touches HTTP lives here: URL handling, authentication (token or
login), TLS, timeouts, retries with backoff, JSON decoding and the mapping of every
failure to one exception type, ConnectwareError, whose message says what to do.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import email.utils
import json
import random
import re
import threading
import time
import traceback

try:
    import requests
except ImportError:
    requests = None
    REQUESTS_IMPORT_ERROR = traceback.format_exc()
else:
    REQUESTS_IMPORT_ERROR = None

from ansible.module_utils.six.moves.urllib.parse import urlsplit, urlencode

HAS_REQUESTS = requests is not None

COLLECTION_VERSION = '0.1.0'
USER_AGENT = 'iiot.connectware/%s' % COLLECTION_VERSION

# Statuses worth another attempt: overload and gateway trouble, which pass by themselves.
RETRY_STATUSES = frozenset((429, 502, 503, 504))
BACKOFF_BASE = 0.5      # seconds before the first retry, doubled each attempt
BACKOFF_CAP = 8.0       # no single backoff sleep is longer than this
RETRY_MAX_WAIT = 60.0   # seconds slept between attempts of one request, all together
BODY_EXCERPT_LENGTH = 200
REDACTED = '********'

LOGIN_PATH = '/api/login'
_DIGITS = re.compile(r'^[0-9]{1,9}$')
# Where Connectware's permission for an endpoint lives elsewhere (API reference: reading
# /api/system/health needs HTTP read on /api/system/info).
PERMISSION_PATHS = {'/api/system/health': '/api/system/info'}


class ConnectwareError(Exception):
    """Every failure of the client, carrying what a user needs to act on it.

    ``kind`` is one of: config, connection, timeout, tls, auth, permission,
    http, invalid_response.  ``path`` never carries a secret (tokens are only
    ever sent in a header).
    """

    def __init__(self, message, kind='http', method=None, path=None, url=None, status=None, body=None, attempts=None):
        super(ConnectwareError, self).__init__(message)
        self.message = message
        self.kind = kind
        self.method = method
        self.path = path
        self.url = url
        self.status = status
        self.body = body
        self.attempts = attempts

    def to_result(self):
        """The structured part of a failure result (``api_error``)."""
        return dict(
            kind=self.kind,
            method=self.method,
            path=self.path,
            url=self.url,
            status=self.status,
            body=self.body,
            attempts=self.attempts,
        )


def format_failure(error):
    """The one place a ConnectwareError becomes the keyword arguments of fail_json."""
    return dict(msg=error.message, api_error=error.to_result())


def parse_base_url(url):
    """Validate ``url`` and return it without trailing slash.

    Raises ConnectwareError (kind config) naming the option and the fix.
    """
    raw = (url or '').strip()
    if not raw:
        raise ConnectwareError('url is empty: set url (or CONNECTWARE_URL) to https://<host>[:port]', kind='config')
    try:
        parts = urlsplit(raw)
    except ValueError as error:
        raise ConnectwareError("url '%s' cannot be parsed (%s): write it as https://host[:port][/prefix]" % (raw, error),
                               kind='config')
    if parts.scheme not in ('http', 'https') or not parts.netloc:
        hint = raw.split('://', 1)[-1].lstrip('/')
        raise ConnectwareError(
            "url '%s' has no http(s) scheme and host: write it as https://%s" % (raw, hint),
            kind='config')
    if any(char.isspace() or ord(char) < 32 or ord(char) == 127 for char in raw):
        raise ConnectwareError("url %r contains white space or control characters: remove them" % raw, kind='config')
    if '@' in parts.netloc:
        raise ConnectwareError(
            'url must not carry credentials (user:password@host): they would end up in logs. '
            'Use token, or username and password, instead', kind='config')
    if parts.query or parts.fragment:
        raise ConnectwareError(
            'url must not have a query string or fragment (got %s://%s%s?...): give only '
            'https://host[:port][/prefix]; tokens go in the token option, never in the URL'
            % (parts.scheme, parts.netloc, parts.path), kind='config')
    try:
        parts.port  # pylint: disable=pointless-statement
    except ValueError:
        raise ConnectwareError("url '%s' has an invalid port" % raw, kind='config')
    return '%s://%s%s' % (parts.scheme, parts.netloc, parts.path.rstrip('/'))


def parse_retry_after(value, now=None):
    """Seconds to wait from a Retry-After header (delta-seconds or HTTP-date), or None."""
    if value is None:
        return None
    value = value.strip()
    if _DIGITS.match(value):
        return float(value)
    try:
        moment = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if moment is None:
        return None
    now = time.time() if now is None else now
    return max(0.0, moment.timestamp() - now)


def backoff_delay(attempt, rand=random.random):
    """Sleep before retry number ``attempt`` (1-based): exponential, capped, with jitter.

    "Equal jitter": half the exponential step is fixed, half is random, so that a
    fleet of hosts retrying together spreads out but never hammers at once.
    """
    step = min(BACKOFF_CAP, BACKOFF_BASE * (2 ** (attempt - 1)))
    return step / 2.0 + rand() * step / 2.0


def _body_excerpt(text):
    text = ' '.join((text or '').split())
    if len(text) > BODY_EXCERPT_LENGTH:
        return text[:BODY_EXCERPT_LENGTH] + '...'
    return text


def _server_message(response_text):
    """The error message a server put in its JSON body, if any, else the body excerpt."""
    try:
        data = json.loads(response_text)
    except ValueError:
        return _body_excerpt(response_text)
    if isinstance(data, dict):
        for key in ('message', 'error', 'msg', 'detail'):
            if isinstance(data.get(key), str) and data[key].strip():
                return _body_excerpt(data[key])
    return _body_excerpt(response_text)


def _connection_cause(exc):
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
    return _body_excerpt(text)


class ConnectwareClient(object):
    """Talks to one Connectware host.  Thread-safe: modules may run requests concurrently.

    Authentication is either a ready ``token`` or ``username`` + ``password``, in
    which case ``POST /api/login`` runs once, on the first request, and its token is
    used from then on.  ``on_secret`` is called with every secret the client learns
    (the login token), so the caller can keep it out of logs.
    """

    def __init__(self, url, token=None, username=None, password=None, validate_certs=True, ca_path=None,
                 client_cert=None, client_key=None, timeout=30.0, retries=3, on_secret=None,
                 session=None, sleep=time.sleep, rand=random.random):
        self.base_url = parse_base_url(url)
        if token is not None and not str(token).strip():
            raise ConnectwareError('token is empty: set token (or CONNECTWARE_TOKEN) to a Connectware API token', kind='config')
        if token is None and not (username and password):
            raise ConnectwareError(
                'no credentials: set token (CONNECTWARE_TOKEN), or username and password '
                '(CONNECTWARE_USERNAME / CONNECTWARE_PASSWORD)', kind='config')
        if timeout is None or timeout <= 0:
            raise ConnectwareError('timeout must be a number of seconds greater than 0 (got %s)' % (timeout,), kind='config')
        if retries is None or retries < 0:
            raise ConnectwareError('retries must be 0 or more (got %s)' % (retries,), kind='config')
        if client_key and not client_cert:
            raise ConnectwareError('client_key needs client_cert: set client_cert to the certificate that goes with the key', kind='config')

        self._token = str(token).strip() if token is not None else None
        self.username = username
        self._password = password
        self.auth_method = 'token' if token is not None else 'login'
        self.timeout = float(timeout)
        self.retries = int(retries)
        self._on_secret = on_secret
        self._sleep = sleep
        self._rand = rand
        self._login_lock = threading.Lock()
        self.request_count = 0
        self._count_lock = threading.Lock()

        if session is None:
            if not HAS_REQUESTS:
                raise ConnectwareError('the Python library requests is required', kind='config')
            session = requests.Session()
            # Room for the concurrent requests a module makes (info fetches subsets in parallel).
            adapter = requests.adapters.HTTPAdapter(pool_connections=2, pool_maxsize=16, max_retries=0)
            session.mount('https://', adapter)
            session.mount('http://', adapter)
        self._session = session
        self._session.headers['User-Agent'] = USER_AGENT
        self._session.headers['Accept'] = 'application/json'
        self._session.trust_env = True
        if not validate_certs:
            self._verify = False
            self._silence_insecure_warning()
        elif ca_path:
            self._verify = ca_path
        else:
            self._verify = True
        self._cert = None
        if client_cert:
            self._cert = (client_cert, client_key) if client_key else client_cert
        self._secrets = [s for s in (self._token, password) if s]

    # -- public API --------------------------------------------------------

    def get(self, path, params=None):
        return self.request('GET', path, params=params)

    def put(self, path, body):
        return self.request('PUT', path, body=body)

    def post(self, path, body):
        return self.request('POST', path, body=body)

    def request(self, method, path, params=None, body=None):
        """Send an authenticated request and return the decoded JSON answer."""
        token = self._ensure_token()
        return self._request_json(method, path, params=params, body=body,
                                  headers={'Authorization': 'Bearer %s' % token})

    def ensure_authenticated(self):
        """Log in now if the client uses username/password and has no token yet."""
        self._ensure_token()

    def credential_description(self):
        """Which credential is in use, in words, without the secret itself."""
        if self.auth_method == 'token':
            return 'the API token (option token / CONNECTWARE_TOKEN)'
        return "the login of user '%s' (options username/password)" % self.username

    # -- internals ---------------------------------------------------------

    @staticmethod
    def _silence_insecure_warning():
        try:
            import urllib3
            urllib3.disable_warnings(urllib3.exceptions.InsecureRequestWarning)
        except (ImportError, AttributeError):
            pass

    def _remember_secret(self, secret):
        self._secrets.append(secret)
        if self._on_secret is not None:
            self._on_secret(secret)

    def add_secret(self, text):
        """Treat ``text`` (for example a license file's content) as a secret: never shown in any message."""
        if text is None:
            return
        text = str(text)
        if text.strip() and text not in self._secrets:
            self._remember_secret(text)

    def redact(self, text):
        """Replace every secret this client knows with a placeholder."""
        if not text:
            return text
        for secret in self._secrets:
            if secret:
                text = text.replace(secret, REDACTED)
        return text

    def _ensure_token(self):
        if self._token is not None:
            return self._token
        with self._login_lock:
            if self._token is None:
                answer = self._request_json('POST', LOGIN_PATH, body={'username': self.username, 'password': self._password},
                                            headers={}, is_login=True)
                token = answer.get('token') if isinstance(answer, dict) else None
                if not isinstance(token, str) or not token:
                    raise ConnectwareError(
                        'Connectware at %s answered POST %s without a token property: check that url points to '
                        'Connectware' % (self.base_url, LOGIN_PATH), kind='invalid_response', method='POST',
                        path=LOGIN_PATH, url=self.base_url + LOGIN_PATH)
                self._remember_secret(token)
                self._token = token
        return self._token

    def _count(self):
        with self._count_lock:
            self.request_count += 1

    def _request_json(self, method, path, params=None, body=None, headers=None, is_login=False):
        url = self.base_url + path
        shown_path = path + ('?' + urlencode(sorted(params.items())) if params else '')
        wait_budget = RETRY_MAX_WAIT  # seconds of sleeping left for this request
        attempt = 0

        def error(message, kind, status=None, body_text=None):
            return ConnectwareError(self.redact(message), kind=kind, method=method, path=shown_path,
                                    url=self.base_url + shown_path, status=status,
                                    body=self.redact(body_text) if body_text is not None else None,
                                    attempts=attempt)

        while True:
            attempt += 1
            self._count()
            retry_after = None
            try:
                response = self._session.request(
                    method, url, params=params, json=body, headers=headers or {}, timeout=self.timeout,
                    verify=self._verify, cert=self._cert, allow_redirects=False)
                # Reading the body inside the try: a truncated body raises here.
                text = response.text
            except requests.exceptions.SSLError as exc:
                raise error(
                    'TLS handshake with %s failed for %s %s: %s. If Connectware uses its own CA, set ca_path to '
                    "that CA's certificate (cybus_ca.crt in Connectware's certs volume), or set validate_certs: false "
                    'to skip verification (not for production)' % (self.base_url, method, shown_path, _tls_cause(exc)),
                    'tls')
            except requests.exceptions.Timeout:
                failure = error('no answer from Connectware at %s within timeout=%ss for %s %s after %d attempt(s): '
                                'raise timeout or check the host' % (self.base_url, _num(self.timeout), method, shown_path, attempt),
                                'timeout')
            except (requests.exceptions.ConnectionError, requests.exceptions.ChunkedEncodingError,
                    requests.exceptions.ContentDecodingError) as exc:
                failure = error('cannot reach Connectware at %s for %s %s (%s) after %d attempt(s): check url and that '
                                'Connectware is running and reachable from this host'
                                % (self.base_url, method, shown_path, _connection_cause(exc), attempt), 'connection')
            except requests.exceptions.RequestException as exc:
                raise error('request %s %s to %s failed: %s' % (method, shown_path, self.base_url, _body_excerpt(str(exc))),
                            'connection')
            else:
                status = response.status_code
                if 200 <= status < 300:
                    return self._decode(response, text, method, shown_path, error)
                excerpt = None if is_login else _server_message(text)
                if status in RETRY_STATUSES:
                    retry_after = parse_retry_after(response.headers.get('Retry-After'))
                    failure = error('Connectware at %s answered HTTP %d for %s %s after %d attempt(s)%s%s'
                                    % (self.base_url, status, method, shown_path, attempt,
                                       ': %s' % excerpt if excerpt else '',
                                       ' (Retry-After: %ss)' % _num(retry_after) if retry_after is not None else ''),
                                    'http', status, excerpt)
                else:
                    raise self._status_error(status, method, shown_path, excerpt, is_login, error)

            # Only retriable failures get here.
            if attempt > self.retries:
                raise failure
            delay = backoff_delay(attempt, self._rand)
            if retry_after is not None:
                if retry_after > wait_budget:
                    failure.message += ('; the server asked to retry after %ss, beyond the %ss this client waits '
                                        'in total' % (_num(retry_after), _num(RETRY_MAX_WAIT)))
                    failure.args = (failure.message,)
                    raise failure
                delay = max(delay, retry_after)
            delay = min(delay, wait_budget)
            if delay <= 0 and wait_budget <= 0:
                raise failure
            wait_budget -= delay
            self._sleep(delay)

    def _decode(self, response, text, method, shown_path, error):
        if not text.strip():
            return None
        try:
            return json.loads(text)
        except ValueError:
            content_type = response.headers.get('Content-Type', 'none')
            raise error('Connectware at %s answered %s %s with HTTP %d but the body is not JSON (Content-Type: %s; '
                        'starts with: %r): check that url points to the Connectware API, not to a proxy or web page'
                        % (self.base_url, method, shown_path, response.status_code, content_type,
                           _body_excerpt(text)[:80]), 'invalid_response', response.status_code, _body_excerpt(text))

    def _status_error(self, status, method, shown_path, excerpt, is_login, error):
        detail = ': %s' % excerpt if excerpt else ''
        if is_login and status in (400, 401, 403):
            return error("Connectware at %s refused the login of user '%s' (HTTP %d): check username and password "
                         '(CONNECTWARE_USERNAME / CONNECTWARE_PASSWORD)' % (self.base_url, self.username, status),
                         'auth', status)
        if status == 401:
            return error('Connectware at %s rejected %s for %s %s (HTTP 401)%s. Check that it is a valid, unexpired '
                         'Connectware token%s' % (self.base_url, self.credential_description(), method, shown_path, detail,
                                                  '' if self.auth_method == 'token' else ' and that the user is active'),
                         'auth', status, excerpt)
        if status == 403:
            access = 'read' if method == 'GET' else 'write'
            path = shown_path.split('?')[0]
            grant = PERMISSION_PATHS.get(path, path)
            where = grant if grant == path else '%s (which Connectware requires for %s)' % (grant, path)
            return error('%s lacks permission for %s %s on %s (HTTP 403)%s. Grant the user\'s role HTTP %s access to '
                         '%s in Connectware\'s user management' % (_capitalize(self.credential_description()), method,
                                                                   shown_path, self.base_url, detail, access, where),
                         'permission', status, excerpt)
        if 300 <= status < 400:
            return error('Connectware at %s redirected %s %s (HTTP %d): point url at the API address itself'
                         % (self.base_url, method, shown_path, status), 'http', status, excerpt)
        return error('Connectware at %s answered HTTP %d for %s %s%s' % (self.base_url, status, method, shown_path, detail),
                     'http', status, excerpt)


def _tls_cause(exc):
    text = str(exc)
    lowered = text.lower()
    if "hostname" in lowered and ("mismatch" in lowered or "doesn't match" in lowered or 'not valid for' in lowered):
        return "the certificate does not name this host (hostname mismatch): use the host name the certificate was issued for"
    if 'unable to get local issuer' in lowered or 'self-signed' in lowered or 'self signed' in lowered or \
            'unknown ca' in lowered or 'certificate verify failed' in lowered:
        return 'the certificate is not signed by a trusted CA (%s)' % _body_excerpt(text)[:120]
    if 'expired' in lowered:
        return 'the certificate has expired'
    return _body_excerpt(text)


def _capitalize(text):
    return text[:1].upper() + text[1:]


def _num(value):
    """12.0 -> '12', 0.5 -> '0.5': seconds as people write them."""
    return ('%.3f' % value).rstrip('0').rstrip('.') if value is not None else 'None'
