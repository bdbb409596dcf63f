# -*- coding: utf-8 -*-
# Copyright: (c) 2026, iiot.connectware contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The one Connectware REST API client every module of iiot.connectware uses.

FOR INTERNAL COLLECTION USE ONLY: the interfaces here may change in any release.

Everything that touches HTTP lives here: URL handling, authentication (token or
login), TLS, proxies, the deadline of each attempt, the size limit of answers, retries
with backoff, JSON decoding, redaction of secrets and the mapping of every failure to
one exception type, ConnectwareError, whose message says what to do. The words of that
message live in the client's other part, ``_request_failure`` (and, for a failed TLS
handshake, ``_tls_failure``), imported only when a request fails: a module process compiles
every module_util it imports, on every run, and a task that succeeds needs none of them.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import email.utils
import ipaddress
import json
import math
import os
import random
import re
import socket
import ssl
import threading
import time
import traceback

try:
    import requests
    import urllib3
    from requests.adapters import HTTPAdapter
    from urllib3.connection import HTTPConnection, HTTPSConnection
    from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
    from urllib3.util.ssl_ import create_urllib3_context, resolve_cert_reqs, resolve_ssl_version
except ImportError:
    requests = None
    REQUESTS_IMPORT_ERROR = traceback.format_exc()
else:
    REQUESTS_IMPORT_ERROR = None


from ansible.module_utils.six.moves.urllib.parse import urlsplit, urlencode
from ansible_collections.iiot.connectware.plugins.module_utils import _endpoints as endpoints

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

# The largest answer read, counted in decoded bytes (after gzip): far above the largest real
# answer (a commissioning file, a day of metrics), far below what would exhaust memory.
MAX_BODY_BYTES = 64 * 1024 * 1024
# An error answer is only read for its message: this much of it is enough.
ERROR_BODY_BYTES = 64 * 1024
READ_CHUNK_BYTES = 64 * 1024
# Deeper JSON than this is no Connectware answer (theirs nest a few levels) and would
# exhaust recursion further down (result serialization).
MAX_JSON_DEPTH = 100

LOGIN_PATH = endpoints.LOGIN
_DIGITS = re.compile(r'^[0-9]{1,9}$')
_CHARSET = re.compile(r'charset\s*=\s*"?([A-Za-z0-9_.:-]+)', re.IGNORECASE)
_URL_USERINFO = re.compile(r'(?i)\b([a-z][a-z0-9+.-]*://)[^/\s@]*@')
# Statuses that carry no content by definition.
NO_CONTENT_STATUSES = (204, 205)
# Requests' proxy settings that switch every environment proxy off (use_proxy: false).
NO_PROXIES = {'http': None, 'https': None, 'all': None}


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
        # Result fields known when the failure happened (for example what was there before).
        self.result = None

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
    """The one place a ConnectwareError becomes a failed result: the fields the failing code
    already knew (``error.result``), the message, and the structured ``api_error``."""
    failure = dict(error.result or {})
    failure.update(failed=True, msg=error.message, api_error=error.to_result())
    return failure


def display_url(raw):
    """``raw`` as it may be shown: any user:password@ before the host replaced by ********@."""
    text = '' if raw is None else str(raw)
    scheme, separator, rest = text.partition('://')
    if not separator:
        scheme, rest = '', text
    if '@' not in rest:
        return text
    return '%s%s%s@%s' % (scheme, separator, REDACTED, rest.rsplit('@', 1)[1])


def mask_url_credentials(text):
    """Every URL in ``text`` with its user:password@ masked (proxy URLs in library errors)."""
    return _URL_USERINFO.sub(lambda match: match.group(1) + REDACTED + '@', text) if text else text


def url_userinfo_secret(raw):
    """The password part of credentials written into a URL, or None."""
    text = '' if raw is None else str(raw)
    rest = text.split('://', 1)[-1]
    if '@' not in rest:
        return None
    userinfo = rest.rsplit('@', 1)[0]
    password = userinfo.split(':', 1)[1] if ':' in userinfo else userinfo
    return password or None


def parse_base_url(url):
    """Validate ``url`` and return it without trailing slash.

    Raises ConnectwareError (kind config) naming the option and the fix.  Credentials
    written into the URL are never echoed, whichever check fails.
    """
    raw = '' if url is None else str(url).strip()
    if not raw:
        raise ConnectwareError('url is empty: set url (or CONNECTWARE_URL) to https://<host>[:port]', kind='config')
    shown = display_url(raw)
    try:
        parts = urlsplit(raw)
    except ValueError as error:
        raise ConnectwareError("url '%s' cannot be parsed (%s): write it as https://host[:port][/prefix]"
                               % (shown, mask_url_credentials(str(error)).replace(raw, shown)), kind='config')
    if parts.scheme not in ('http', 'https') or not parts.netloc:
        hint = shown.split('://', 1)[-1].lstrip('/')
        raise ConnectwareError(
            "url '%s' has no http(s) scheme and host: write it as https://%s" % (shown, hint),
            kind='config')
    if any(char.isspace() or ord(char) < 32 or ord(char) == 127 for char in raw):
        raise ConnectwareError("url %r contains white space or control characters: remove them" % shown, kind='config')
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
        raise ConnectwareError("url '%s' has an invalid port" % shown, kind='config')
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
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if moment is None:
        return None
    now = time.time() if now is None else now
    try:
        return max(0.0, moment.timestamp() - now)
    except (ValueError, OverflowError, OSError):
        return None


def backoff_delay(attempt, rand=random.random):
    """Sleep before retry number ``attempt`` (1-based): exponential, capped, with jitter.

    "Equal jitter": half the exponential step is fixed, half is random, so that a
    fleet of hosts retrying together spreads out but never hammers at once.
    """
    step = min(BACKOFF_CAP, BACKOFF_BASE * (2 ** (attempt - 1)))
    return step / 2.0 + rand() * step / 2.0


def header_value_problem(value):
    """Why ``value`` cannot travel in an HTTP header, or None."""
    if any(char.isspace() for char in value):
        return 'white space'
    if any(ord(char) < 32 or ord(char) == 127 for char in value):
        return 'control characters'
    try:
        value.encode('latin-1')
    except UnicodeEncodeError:
        return 'characters outside Latin-1'
    return None


def is_finite_number(value):
    try:
        return math.isfinite(value)
    except TypeError:
        return False


def text_excerpt(text):
    """A one-line excerpt of a text that holds no secret (a library's error text)."""
    text = ' '.join((text or '').split())
    if len(text) > BODY_EXCERPT_LENGTH:
        return text[:BODY_EXCERPT_LENGTH] + '...'
    return text


def _is_read_timeout(exc):
    """requests reports a read timeout during the body as a ConnectionError."""
    cause = exc.args[0] if exc.args else None
    return isinstance(cause, urllib3.exceptions.ReadTimeoutError) or 'read timed out' in str(exc).lower()


def _is_loopback(host):
    host = (host or '').strip('[]').lower()
    if host == 'localhost' or host.endswith('.localhost'):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _json_depth_exceeds(value, limit):
    """Whether decoded JSON nests deeper than ``limit`` (iterative: no recursion to exhaust)."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            item = list(item.values())
        elif not isinstance(item, list):
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in item if isinstance(child, (dict, list)))
    return False


def _refuse_constant(name):
    raise ValueError('%s is not a JSON number' % name)


def _size(count):
    """64 MiB, 1.5 KiB, 12 bytes: sizes as people read them."""
    for unit, factor in (('MiB', 1024 * 1024), ('KiB', 1024)):
        if count >= factor:
            return '%s %s (%d bytes)' % (_num(count / float(factor)), unit, count)
    return '%d bytes' % count


def _check_file(option, path, directory_ok=False):
    """A file named in an option must exist and be readable, before any request."""
    if not os.path.exists(path):
        raise ConnectwareError('%s: %s does not exist: give the path of an existing PEM file' % (option, path), kind='config')
    if os.path.isdir(path):
        if directory_ok and os.access(path, os.R_OK | os.X_OK):
            return
        raise ConnectwareError('%s: %s is a directory%s: give the path of a PEM file'
                               % (option, path, '' if directory_ok else ', not a file'), kind='config')
    try:
        with open(path, 'rb') as handle:
            handle.read(1)
    except (IOError, OSError) as error:
        raise ConnectwareError('%s: cannot read %s (%s): make it readable for the user that runs the module'
                               % (option, path, error.strerror or error), kind='config')


class _Deadline(object):
    """The deadline of one attempt: at its end, the attempt's connections are shut.

    A socket timeout bounds each read only, and http.client reads a status line, the
    headers and the body in many reads: a server sending a byte a second never trips it.
    This watchdog shuts the sockets the attempt uses when its time is up, which ends any
    read at once; the attempt then reports a timeout.
    """

    def __init__(self, seconds, clock):
        self._clock = clock
        self.ends = clock() + seconds
        self._lock = threading.Lock()
        self._connections = []
        self._finished = False
        self.expired = False
        self._timer = threading.Timer(seconds, self._expire)
        self._timer.daemon = True

    def start(self):
        self._timer.start()
        return self

    def passed(self):
        return self.expired or self._clock() >= self.ends

    def attach(self, connection):
        with self._lock:
            if self._finished:
                return
            if all(known is not connection for known in self._connections):
                self._connections.append(connection)
            if self.expired:
                _shut(connection)

    def _expire(self):
        # Under the lock: once finish() returned, no connection of this attempt (back in the pool
        # and maybe used by another request) is shut any more.
        with self._lock:
            if self._finished:
                return
            self.expired = True
            for connection in self._connections:
                _shut(connection)

    def finish(self):
        with self._lock:
            self._finished = True
        self._timer.cancel()
        return self.expired


def _shut(connection):
    sock = getattr(connection, 'sock', None)
    while sock is not None and not isinstance(sock, socket.socket):
        sock = getattr(sock, 'socket', None)   # urllib3's SSLTransport (TLS inside a TLS proxy)
    if sock is not None:
        shut_socket(sock)


def shut_socket(sock):
    try:
        # socket.socket's own shutdown, also for an SSLSocket: ends a blocked read in another
        # thread without touching the TLS state that thread is using.
        socket.socket.shutdown(sock, socket.SHUT_RDWR)
    except (OSError, ValueError):
        pass


_ATTEMPT = threading.local()


def _watch(connection):
    deadline = getattr(_ATTEMPT, 'deadline', None)
    if deadline is not None:
        deadline.attach(connection)


if HAS_REQUESTS:
    class _WatchedHTTPConnection(HTTPConnection):
        def connect(self):
            super(_WatchedHTTPConnection, self).connect()
            _watch(self)

        def request(self, *args, **kwargs):  # pylint: disable=arguments-differ,signature-differs
            _watch(self)
            return super(_WatchedHTTPConnection, self).request(*args, **kwargs)

    class _WatchedHTTPSConnection(HTTPSConnection):
        def connect(self):
            context = _shared_context(self)
            if context is not None:
                # urllib3 loads ca_certs into a context it is given for every connection: this one has them.
                self.ssl_context, self.ca_certs = context, None
            super(_WatchedHTTPSConnection, self).connect()
            _watch(self)

        def request(self, *args, **kwargs):  # pylint: disable=arguments-differ,signature-differs
            _watch(self)
            return super(_WatchedHTTPSConnection, self).request(*args, **kwargs)

    # Parsing a CA file is most of what a verified TLS connection costs the client (here 28 ms of CPU for
    # a bundle of about 150 CAs, such as certifi's or the system's, against 0.4 ms for the rest of the
    # context), and urllib3 parses it again for every new connection, of which a module opens up to seven
    # to one host at once. So the client makes a verifying context once per CA file (its path and what
    # os.stat says of it) and TLS settings, with urllib3's own function and the connection's settings,
    # and every connection of the process that verifies with that file shares it. Not shared: a
    # connection with a client certificate, CA data or a CA folder, one that was given a context, one
    # through an HTTPS proxy (whose TLS uses the same CA settings), and on urllib3 before 2.
    _SHARED_CONTEXTS = {}
    _SHARED_CONTEXTS_LOCK = threading.Lock()
    _URLLIB3_MAJOR = int(re.match(r'[0-9]+', urllib3.__version__).group(0))

    def _shared_context(connection):
        """The shared verifying SSLContext for ``connection``'s CA file and TLS settings, or None (urllib3 makes one)."""
        ca_certs = getattr(connection, 'ca_certs', None)
        proxy = getattr(connection, 'proxy', None)
        if (_URLLIB3_MAJOR < 2 or not ca_certs or getattr(connection, 'ca_cert_dir', None)
                or getattr(connection, 'ca_cert_data', None) or getattr(connection, 'ssl_context', None) is not None
                or getattr(connection, 'cert_file', None) or (proxy is not None and proxy.scheme == 'https')
                or getattr(connection, 'assert_hostname', None) is not None
                or getattr(connection, 'assert_fingerprint', None)):
            return None
        cert_reqs = resolve_cert_reqs(connection.cert_reqs)
        if cert_reqs != ssl.CERT_REQUIRED:
            return None
        try:
            info = os.stat(ca_certs)
        except OSError:
            return None  # urllib3 reports the missing file as it always does
        settings = (resolve_ssl_version(connection.ssl_version), connection.ssl_minimum_version,
                    connection.ssl_maximum_version)
        key = (ca_certs, info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns, info.st_ctime_ns) + settings
        with _SHARED_CONTEXTS_LOCK:
            context = _SHARED_CONTEXTS.get(key)
            if context is None:
                context = create_urllib3_context(ssl_version=settings[0], ssl_minimum_version=settings[1],
                                                 ssl_maximum_version=settings[2], cert_reqs=cert_reqs)
                try:
                    context.load_verify_locations(cafile=ca_certs)
                except (OSError, ValueError):
                    # A file that cannot be read or holds no certificate: nothing is kept, and urllib3
                    # fails on it where it always does, with the error the client puts in words.
                    return None
                _SHARED_CONTEXTS[key] = context
        return context

    class _WatchedHTTPPool(HTTPConnectionPool):
        ConnectionCls = _WatchedHTTPConnection

    class _WatchedHTTPSPool(HTTPSConnectionPool):
        ConnectionCls = _WatchedHTTPSConnection

    def _use_watched_pools(manager):
        classes = getattr(manager, 'pool_classes_by_scheme', None)
        # Plain and HTTP(S) proxy managers only: a SOCKS manager keeps its own pools.
        if classes is not None and classes.get('http') is HTTPConnectionPool:
            manager.pool_classes_by_scheme = {'http': _WatchedHTTPPool, 'https': _WatchedHTTPSPool}
        return manager

    class _DeadlineAdapter(HTTPAdapter):
        """requests' adapter with connections the deadline of an attempt can shut."""

        def init_poolmanager(self, *args, **kwargs):  # pylint: disable=arguments-differ,signature-differs
            super(_DeadlineAdapter, self).init_poolmanager(*args, **kwargs)
            _use_watched_pools(self.poolmanager)

        def proxy_manager_for(self, *args, **kwargs):  # pylint: disable=arguments-differ,signature-differs
            return _use_watched_pools(super(_DeadlineAdapter, self).proxy_manager_for(*args, **kwargs))

    class _BearerAuth(requests.auth.AuthBase):
        """Authorization: Bearer, set last: neither ~/.netrc nor anything else replaces it."""

        def __init__(self, token):
            self.token = token

        def __call__(self, prepared):
            prepared.headers['Authorization'] = 'Bearer %s' % self.token
            return prepared

        def __repr__(self):
            return '<bearer token %s>' % REDACTED

    class _NoAuth(requests.auth.AuthBase):
        """No Authorization header at all (the login): ~/.netrc is not consulted either."""

        def __call__(self, prepared):
            prepared.headers.pop('Authorization', None)
            return prepared


class _Oversized(Exception):
    def __init__(self, size):
        super(_Oversized, self).__init__(size)
        self.size = size


class _DeadlinePassed(Exception):
    pass


def _failure():
    """The wording of failed requests (``_request_failure``), imported when a request fails."""
    from ansible_collections.iiot.connectware.plugins.module_utils import _request_failure
    return _request_failure


def _peek_directly(host, port, timeout):
    """The certificate a server presents, read directly and unverified (``_request_failure.peek_certificate``)."""
    return _failure().peek_certificate(host, port, timeout)


class ConnectwareClient(object):
    """Talks to one Connectware host.  Thread-safe: modules may run requests concurrently.

    Authentication is either a ready ``token`` or ``username`` + ``password``, in
    which case ``POST /api/login`` runs once, on the first request, and its token is
    used from then on; when Connectware rejects that token later (it expired), the
    client logs in again, once per expired token, and repeats the request.
    ``on_secret`` is called with every secret the client learns (login tokens, and
    what ``add_secret`` is given), so the caller can keep it out of logs.

    ``timeout`` is the deadline of one attempt: connecting, the headers and the whole
    body.  An answer larger than ``max_body_bytes`` (decoded) is refused.  ``peek(host, port,
    timeout)`` returns the certificate a server presents, unverified, to name it when TLS fails
    (default: a direct look, only when the client makes its own session).
    """

    def __init__(self, url, token=None, username=None, password=None, validate_certs=True, ca_path=None,
                 client_cert=None, client_key=None, timeout=30.0, retries=3, on_secret=None,
                 session=None, sleep=time.sleep, rand=random.random, use_proxy=True,
                 max_body_bytes=MAX_BODY_BYTES, clock=time.monotonic, peek=None):
        self.base_url = parse_base_url(url)
        if token is not None:
            token = str(token).strip()
            if not token:
                raise ConnectwareError('token is empty: set token (or CONNECTWARE_TOKEN) to a Connectware API token',
                                       kind='config')
            problem = header_value_problem(token)
            if problem:
                raise ConnectwareError(
                    'token contains %s, which an HTTP Authorization header cannot carry: give the token exactly as '
                    'Connectware issued it (option token or CONNECTWARE_TOKEN; a Connectware token is one line of '
                    'letters, digits and ._-)' % problem, kind='config')
        if token is None and not (username and password):
            raise ConnectwareError(
                'no credentials: set token (CONNECTWARE_TOKEN), or username and password '
                '(CONNECTWARE_USERNAME / CONNECTWARE_PASSWORD)', kind='config')
        if isinstance(timeout, bool) or not is_finite_number(timeout):
            raise ConnectwareError('timeout must be a finite number of seconds greater than 0 (got %s)' % (timeout,),
                                   kind='config')
        if timeout <= 0:
            raise ConnectwareError('timeout must be a number of seconds greater than 0 (got %s)' % (timeout,), kind='config')
        if retries is None or retries < 0:
            raise ConnectwareError('retries must be 0 or more (got %s)' % (retries,), kind='config')
        if client_key and not client_cert:
            raise ConnectwareError('client_key needs client_cert: set client_cert to the certificate that goes with the key', kind='config')
        if validate_certs and ca_path:
            _check_file('ca_path', ca_path, directory_ok=True)
        if client_cert:
            _check_file('client_cert', client_cert)
        if client_key:
            _check_file('client_key', client_key)

        self._token = token
        self.username = username
        self._password = None if password is None else str(password)
        self.auth_method = 'token' if token is not None else 'login'
        self.timeout = float(timeout)
        self.retries = int(retries)
        self.validate_certs = bool(validate_certs)
        self.use_proxy = bool(use_proxy)
        self.max_body_bytes = int(max_body_bytes)
        self._on_secret = on_secret
        self._sleep = sleep
        self._rand = rand
        self._clock = clock
        self._login_lock = threading.Lock()
        self._retry_lock = threading.Lock()
        self._retry_reasons = []

        own_session = session is None
        if session is None:
            if not HAS_REQUESTS:
                raise ConnectwareError('the Python library requests is required', kind='config')
            session = requests.Session()
            # Room for the concurrent requests a module makes (info fetches subsets in parallel).
            adapter = _DeadlineAdapter(pool_connections=2, pool_maxsize=16, max_retries=0)
            session.mount('https://', adapter)
            session.mount('http://', adapter)
        self._session = session
        # A look at a failing server's certificate, to name it in the message: direct, so only with the
        # client's own session (an injected one is a test's, which must not reach the network).
        self._peek = peek if peek is not None else (_peek_directly if own_session else None)
        self._session.headers['User-Agent'] = USER_AGENT
        self._session.headers['Accept'] = 'application/json'
        # Environment proxies (HTTPS_PROXY, NO_PROXY) apply unless use_proxy is false. ~/.netrc
        # never does: every request carries its own auth.
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
        self._secrets = []
        for secret in (self._token, self._password):
            if secret:
                self._add_variants(secret)

    # -- public API --------------------------------------------------------

    def get(self, path, params=None, allow_empty=False):
        return self.request('GET', path, params=params, allow_empty=allow_empty)

    def put(self, path, body, allow_empty=False):
        return self.request('PUT', path, body=body, allow_empty=allow_empty)

    def request(self, method, path, params=None, body=None, allow_empty=False):
        """Send an authenticated request and return the decoded JSON answer.

        An answer without content (HTTP 204, or an empty body when ``allow_empty`` is true,
        for endpoints documented to answer without content) is None; an empty body
        where JSON is expected is an error.
        """
        token = self._ensure_token()
        try:
            return self._request_json(method, path, params=params, body=body, auth=_BearerAuth(token),
                                      allow_empty=allow_empty)
        except ConnectwareError as error:
            if self.auth_method != 'login' or error.kind != 'auth' or error.status != 401:
                raise
        # The login token expired while the task ran: log in again (once for all requests
        # that held that token) and repeat the request once.
        token = self._login(expired=token)
        self._note_retry('login token expired, logged in again')
        return self._request_json(method, path, params=params, body=body, auth=_BearerAuth(token),
                                  allow_empty=allow_empty)

    def ensure_authenticated(self):
        """Log in now if the client uses username/password and has no token yet."""
        self._ensure_token()

    def credential_description(self):
        """Which credential is in use, in words, without the secret itself."""
        if self.auth_method == 'token':
            return 'the API token (option token / CONNECTWARE_TOKEN)'
        return "the login of user '%s' (options username/password)" % self.username

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

    @property
    def retry_count(self):
        """How many times a request of this client was sent again (retries and re-logins)."""
        return len(self._retry_reasons)

    def retry_summary(self):
        """The retries of this client in words, or None when there were none."""
        reasons = list(self._retry_reasons)
        if not reasons:
            return None
        counted = []
        for reason in reasons:
            if reason not in counted:
                counted.append(reason)
        causes = ', '.join('%s%s' % (reason, ' (%d times)' % reasons.count(reason) if reasons.count(reason) > 1 else '')
                           for reason in counted)
        return ('%d request%s to Connectware at %s had to be sent again (%s): the task succeeded or failed only after '
                'that; check the host and the network if this repeats' % (
                    len(reasons), '' if len(reasons) == 1 else 's', self.base_url, causes))

    def security_warnings(self):
        """What the connection options switch off, each in one sentence for the user."""
        warnings = []
        parts = urlsplit(self.base_url)
        if parts.scheme == 'http':
            if not _is_loopback(parts.hostname):
                sent = 'the API token' if self.auth_method == 'token' else "the password of user '%s'" % self.username
                warnings.append('url %s is plain http://: %s travels unencrypted, readable by anyone on the network '
                                'path. Use https://' % (self.base_url, sent))
        elif not self.validate_certs:
            warnings.append('validate_certs is false: the certificate of Connectware at %s is not verified, so a '
                            'machine in between can pose as Connectware and read the credentials. Set ca_path to '
                            "Connectware's CA certificate instead" % self.base_url)
        return warnings

    # -- internals ---------------------------------------------------------

    @staticmethod
    def _silence_insecure_warning():
        try:
            urllib3.disable_warnings(urllib3.exceptions.InsecureRequestWarning)
        except (NameError, AttributeError):
            pass

    def _add_variants(self, secret):
        """The secret and the forms a server may echo it in (JSON-escaped, whitespace collapsed, per line)."""
        variants = [secret, json.dumps(secret)[1:-1], ' '.join(secret.split())]
        variants.extend(line.strip() for line in secret.splitlines() if len(line.strip()) >= 16)
        for variant in variants:
            if variant and variant not in self._secrets:
                self._secrets.append(variant)
        # Longest first: a secret that contains another is replaced whole.
        self._secrets.sort(key=len, reverse=True)

    def _remember_secret(self, secret):
        self._add_variants(secret)
        if self._on_secret is not None:
            self._on_secret(secret)

    def _ensure_token(self):
        if self._token is not None:
            return self._token
        return self._login(expired=None)

    def _login(self, expired):
        """Log in unless another thread already replaced the token ``expired``; return the token."""
        with self._login_lock:
            if self._token is None or self._token == expired:
                answer = self._request_json('POST', LOGIN_PATH, body={'username': self.username, 'password': self._password},
                                            auth=_NoAuth(), is_login=True)
                token = answer.get('token') if isinstance(answer, dict) else None
                if not isinstance(token, str) or not token.strip():
                    raise ConnectwareError(
                        'Connectware at %s answered POST %s without a token property: check that url points to '
                        'Connectware' % (self.base_url, LOGIN_PATH), kind='invalid_response', method='POST',
                        path=LOGIN_PATH, url=self.base_url + LOGIN_PATH)
                token = token.strip()
                problem = header_value_problem(token)
                if problem:
                    self._remember_secret(token)
                    raise ConnectwareError(
                        'Connectware at %s answered POST %s with a token that contains %s, which an HTTP header cannot '
                        'carry: check that url points to Connectware' % (self.base_url, LOGIN_PATH, problem),
                        kind='invalid_response', method='POST', path=LOGIN_PATH, url=self.base_url + LOGIN_PATH)
                self._remember_secret(token)
                self._token = token
            return self._token

    def _note_retry(self, reason):
        with self._retry_lock:
            self._retry_reasons.append(reason)

    def _read_body(self, response, deadline, limit, refuse_beyond):
        """The decoded body, at most ``limit`` bytes: beyond it, refused or cut."""
        chunks, size = [], 0
        for chunk in response.iter_content(READ_CHUNK_BYTES):
            size += len(chunk)
            if size > limit:
                if refuse_beyond:
                    raise _Oversized(size)
                chunks.append(chunk[:len(chunk) - (size - limit)])
                break
            chunks.append(chunk)
            if deadline.passed():
                raise _DeadlinePassed()
        content = b''.join(chunks)
        match = _CHARSET.search(response.headers.get('Content-Type') or '')
        try:
            return content.decode(match.group(1) if match else 'utf-8', 'replace')
        except LookupError:
            return content.decode('utf-8', 'replace')

    def _request_json(self, method, path, params=None, body=None, auth=None, is_login=False, allow_empty=False):
        url = self.base_url + path
        shown_path = path + ('?' + urlencode(sorted(params.items())) if params else '')
        wait_budget = RETRY_MAX_WAIT  # seconds of sleeping left for this request
        attempt = 0

        def error(message, kind, status=None, body_text=None):
            return ConnectwareError(mask_url_credentials(self.redact(message)), kind=kind, method=method, path=shown_path,
                                    url=self.base_url + shown_path, status=status,
                                    body=self.redact(body_text) if body_text is not None else None,
                                    attempts=attempt)

        while True:
            attempt += 1
            retry_after = None
            response = None
            deadline = _Deadline(self.timeout, self._clock)
            _ATTEMPT.deadline = deadline.start()
            try:
                try:
                    response = self._session.request(
                        method, url, params=params, json=body, headers={}, auth=auth, timeout=self.timeout,
                        verify=self._verify, cert=self._cert, allow_redirects=False, stream=True,
                        proxies=None if self.use_proxy else dict(NO_PROXIES))
                    status = response.status_code
                    success = 200 <= status < 300
                    # Reading the body inside the try: a truncated body raises here.
                    text = self._read_body(response, deadline, self.max_body_bytes if success else ERROR_BODY_BYTES,
                                           refuse_beyond=success)
                    if deadline.passed():
                        raise _DeadlinePassed()
                finally:
                    _ATTEMPT.deadline = None
                    expired = deadline.finish()
                    if response is not None:
                        response.close()
            except _Oversized as exc:
                raise error('Connectware at %s answered %s %s with a body larger than this client reads: %s read so far, '
                            'the limit is %s (decoded). No Connectware answer is that large: check that url points to '
                            'the Connectware API' % (self.base_url, method, shown_path, _size(exc.size),
                                                     _size(self.max_body_bytes)),
                            'invalid_response', status)
            except Exception as exc:  # pylint: disable=broad-except
                if not (expired or isinstance(exc, (_DeadlinePassed, requests.exceptions.Timeout)) or
                        (isinstance(exc, requests.exceptions.ConnectionError) and _is_read_timeout(exc))):
                    failure = _failure().transport_error(self, exc, method, url, shown_path, attempt, error)
                else:
                    failure = error('no complete answer from Connectware at %s within timeout=%ss for %s %s after %d '
                                    'attempt(s) (timeout bounds each attempt: connecting, the headers and the whole '
                                    'body): raise timeout or check the host'
                                    % (self.base_url, _num(self.timeout), method, shown_path, attempt), 'timeout')
                    failure.retry_reason = 'timeout'
            else:
                if success:
                    return self._decode(status, response.headers, text, method, shown_path, error, allow_empty)
                excerpt = None if is_login else _failure().server_message(self, text)
                if status in RETRY_STATUSES:
                    retry_after = parse_retry_after(response.headers.get('Retry-After'))
                    failure = error('Connectware at %s answered HTTP %d for %s %s after %d attempt(s)%s%s'
                                    % (self.base_url, status, method, shown_path, attempt,
                                       ': %s' % excerpt if excerpt else '',
                                       ' (Retry-After: %ss)' % _num(retry_after) if retry_after is not None else ''),
                                    'http', status, excerpt)
                    failure.retry_reason = 'HTTP %d' % status
                else:
                    raise _failure().status_error(self, status, method, shown_path, excerpt, is_login, error)

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
            self._note_retry(failure.retry_reason)
            self._sleep(delay)

    def _decode(self, status, headers, text, method, shown_path, error, allow_empty):
        if status in NO_CONTENT_STATUSES:
            return None
        if not text.strip():
            if allow_empty:
                return None
            raise error('Connectware at %s answered %s %s with HTTP %d and an empty body where JSON was expected: '
                        'check that url points to the Connectware API, not to a proxy or web page'
                        % (self.base_url, method, shown_path, status), 'invalid_response', status, '')
        try:
            data = json.loads(text, parse_constant=_refuse_constant)
            too_deep = _json_depth_exceeds(data, MAX_JSON_DEPTH)
        except RecursionError:
            too_deep = True
        except ValueError as exc:
            content_type = headers.get('Content-Type', 'none')
            server_excerpt = _failure().server_excerpt
            raise error('Connectware at %s answered %s %s with HTTP %d but the body is not JSON (Content-Type: %s; '
                        'starts with: %r; %s): check that url points to the Connectware API, not to a proxy or web page'
                        % (self.base_url, method, shown_path, status, content_type, server_excerpt(self, text, 80),
                           text_excerpt(str(exc))[:80]), 'invalid_response', status, server_excerpt(self, text))
        if too_deep:
            server_excerpt = _failure().server_excerpt
            raise error('Connectware at %s answered %s %s with HTTP %d and JSON nested more than %d levels deep: no '
                        'Connectware answer is; check that url points to the Connectware API'
                        % (self.base_url, method, shown_path, status, MAX_JSON_DEPTH), 'invalid_response', status,
                        server_excerpt(self, text, 80))
        return data


def _num(value):
    """12.0 -> '12', 0.5 -> '0.5': seconds as people write them."""
    return ('%.3f' % value).rstrip('0').rstrip('.') if value is not None else 'None'
