# -*- coding: utf-8 -*-
# Copyright: (c) 2026, iiot.connectware contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A Connectware host simulator: a real HTTP(S) server faithful to the API reference.

One ``Instance`` is one Connectware host on its own port. It keeps a request log
(tests assert request counts from it), an access log file in the format web
servers write (query strings included, as a real server logs them), and a fault
table for injecting latency, error statuses, malformed or truncated bodies and
connection resets per endpoint.
"""

import copy
import datetime
import functools
import json
import re
import secrets
import selectors
import socket
import ssl
import sys
import struct
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from . import services
from .state import b64url, build_state, decode_license_jwt, today

# Which permission each endpoint needs: (method, path) -> (permission path, access).
# The reference: reading /api/system/health needs HTTP read on /api/system/info.
PERMISSIONS = {
    ('GET', '/api/system/info'): ('/api/system/info', 'read'),
    ('GET', '/api/system/preflight'): ('/api/system/preflight', 'read'),
    ('GET', '/api/system/refresh'): ('/api/system/refresh', 'read'),
    ('PUT', '/api/system/licensefile'): ('/api/system/licensefile', 'write'),
    ('GET', '/api/system/health'): ('/api/system/info', 'read'),
    ('GET', '/api/system/vrpcHealth'): ('/api/system/vrpcHealth', 'read'),
    ('GET', '/api/system/metrics'): ('/api/system/metrics', 'read'),
    ('GET', '/api/system/agents'): ('/api/system/agents', 'read'),
    ('GET', '/api/marketplace/apps'): ('/api/marketplace/apps', 'read'),
    ('GET', '/api/marketplace/app'): ('/api/marketplace/app', 'read'),
    ('GET', '/api/marketplace/app/meta'): ('/api/marketplace/app/meta', 'read'),
}
# The Services API (services.py); a path with a service id is matched by its template, /api/services/+.
PERMISSIONS.update(services.PERMISSIONS)
ENDPOINTS = sorted(set(path for _method, path in PERMISSIONS)) + ['/api/login']


class Fault(object):
    """What to do wrong on the next ``count`` requests to an endpoint (None: every request)."""

    def __init__(self, latency=0.0, status=None, retry_after=None, malformed_json=False, truncate=False,
                 reset=False, count=None, body=None, reset_after_apply=False):
        self.latency = float(latency or 0)
        self.status = status
        self.retry_after = retry_after
        self.malformed_json = malformed_json
        self.truncate = truncate
        self.reset = reset
        self.count = count
        self.body = body
        # Carry the request out, then reset the connection instead of answering: the change
        # happened but the client never hears of it.
        self.reset_after_apply = reset_after_apply

    def describe(self):
        parts = []
        if self.latency:
            parts.append('latency=%s' % self.latency)
        for name in ('status', 'malformed_json', 'truncate', 'reset', 'reset_after_apply'):
            if getattr(self, name):
                parts.append('%s=%s' % (name, getattr(self, name)))
        return ','.join(parts)


# How a write fails when the client has gone: BrokenPipeError and ConnectionResetError are ConnectionErrors;
# over TLS the same hang-up surfaces as an ssl.SSLError (SSLEOFError, or a bad record on a half-closed socket).
HANGUP_ERRORS = (ConnectionError, ssl.SSLError)


class SimServer(ThreadingHTTPServer):
    """A threading HTTP server whose TLS handshake runs in the request's thread, not the accept loop."""

    daemon_threads = True
    request_queue_size = 128
    ssl_context = None

    def server_activate(self):
        super(SimServer, self).server_activate()
        self._wake_reader, self._wake_writer = socket.socketpair()

    def serve_until_stopped(self):
        """Serve until ``wake()``: no polling, so stopping takes no poll interval."""
        with selectors.DefaultSelector() as selector:
            selector.register(self, selectors.EVENT_READ)
            selector.register(self._wake_reader, selectors.EVENT_READ)
            while True:
                ready = [key.fileobj for key, _events in selector.select()]
                if self._wake_reader in ready:
                    return
                self._handle_request_noblock()

    def wake(self):
        self._wake_writer.send(b'x')

    def server_close(self):
        super(SimServer, self).server_close()
        self._wake_reader.close()
        self._wake_writer.close()

    def get_request(self):
        """Accept a connection and count it (Instance.connection_count): a client that gives up before
        its request is read, or even before the TLS handshake, did connect."""
        request, client_address = super(SimServer, self).get_request()
        self.RequestHandlerClass.instance.count_connection()
        return request, client_address

    def finish_request(self, request, client_address):
        if self.ssl_context is not None:
            try:
                request = self.ssl_context.wrap_socket(request, server_side=True)
            except (ssl.SSLError, OSError):
                # A client that does not trust us aborts the handshake: nothing to serve.
                return
        self.RequestHandlerClass(request, client_address, self)

    def handle_error(self, request, client_address):
        """A client that hangs up mid-answer (a closed pipe, a reset, a TLS connection closed without its
        close_notify) is not the simulator's error: no traceback in the test log. Anything else is shown."""
        if isinstance(sys.exc_info()[1], HANGUP_ERRORS):
            return
        super(SimServer, self).handle_error(request, client_address)


class Instance(object):
    """One simulated Connectware host."""

    def __init__(self, name, scenario=None, tls=None, host='127.0.0.1', port=0, access_log_path=None):
        self.name = name
        self.scenario = copy.deepcopy(scenario or {})
        self.state = build_state(name, self.scenario)
        self.lock = threading.RLock()
        self.requests = []
        self.connections = 0
        self.faults = {}
        self.issued_tokens = {}
        self.access_log_path = access_log_path
        self._access_log = open(access_log_path, 'a', encoding='utf-8') if access_log_path else None  # noqa
        self.tls = tls
        handler = type('Handler', (Handler,), {'instance': self})
        self.server = SimServer((host, port), handler)
        self.server.ssl_context = tls.server_context() if tls is not None else None
        self.port = self.server.server_address[1]
        scheme = 'https' if tls is not None else 'http'
        self.url = '%s://%s:%d' % (scheme, 'localhost' if tls is not None else host, self.port)
        self.thread = threading.Thread(target=self.server.serve_until_stopped, name='connectware-sim-%s' % name,
                                       daemon=True)

    @property
    def admin_token(self):
        return next(token for token, user in self.state['tokens'].items() if user == 'admin')

    def start(self):
        self.thread.start()
        return self

    def stop(self):
        if self.thread.is_alive():
            self.server.wake()
            self.thread.join()
        self.server.server_close()
        # A handler thread may still be answering a late request: it must find no log, not a closed one.
        with self.lock:
            access_log, self._access_log = self._access_log, None
        if access_log:
            access_log.close()

    # -- control ------------------------------------------------------------

    def reset_state(self, scenario=None):
        """Start over as a new host: state from ``scenario``, no faults, tokens, logged requests or counted connections."""
        with self.lock:
            if scenario is not None:
                self.scenario = copy.deepcopy(scenario)
            self.state = build_state(self.name, self.scenario)
            self.faults = {}
            self.requests = []
            self.connections = 0
            self.issued_tokens = {}
            if self._access_log:
                self._access_log.seek(0)
                self._access_log.truncate()

    def update_state(self, changes):
        from .state import deep_merge
        with self.lock:
            deep_merge(self.state, changes)

    def set_fault(self, path, **kwargs):
        """Inject a fault on ``path`` (an endpoint path, or '*' for every endpoint)."""
        with self.lock:
            self.faults[path] = Fault(**kwargs)

    def clear_faults(self):
        with self.lock:
            self.faults = {}

    def clear_requests(self):
        with self.lock:
            self.requests = []
            self.connections = 0

    def request_log(self):
        with self.lock:
            return list(self.requests)

    def count_connection(self):
        with self.lock:
            self.connections += 1

    def connection_count(self):
        """Connections accepted. A request is logged once the simulator has read it; a client whose
        time ran out before that (while connecting, in the TLS handshake, or while sending) made an
        attempt the request log cannot show, and this count does."""
        with self.lock:
            return self.connections

    def count(self, method=None, path=None):
        return sum(1 for entry in self.request_log()
                   if (method is None or entry['method'] == method) and (path is None or entry['path'] == path))

    def issue_token(self, token, user):
        """Remember a token made by POST /api/login.

        Scenario key ``login_token_lifetime: N``: such a token is accepted for N authenticated
        requests, then answers 401 like an expired JWT (counted, not timed, so tests are exact).
        """
        with self.lock:
            self.issued_tokens[token] = {'user': user, 'uses_left': self.state.get('login_token_lifetime')}

    def use_issued_token(self, token):
        """The user of a login token, or None when unknown or expired; counts one use."""
        with self.lock:
            issued = self.issued_tokens.get(token)
            if issued is None:
                return None
            if issued['uses_left'] is not None:
                if issued['uses_left'] <= 0:
                    return None
                issued['uses_left'] -= 1
            return issued['user']

    def take_fault(self, path):
        with self.lock:
            key = path if path in self.faults else ('*' if '*' in self.faults else None)
            if key is None:
                return None
            fault = self.faults[key]
            if fault.count is not None:
                fault.count -= 1
                if fault.count <= 0:
                    del self.faults[key]
            return fault

    def record(self, entry, raw_line, client, user):
        with self.lock:
            self.requests.append(entry)
            if self._access_log:
                stamp = datetime.datetime.now(datetime.timezone.utc).strftime('%d/%b/%Y:%H:%M:%S +0000')
                self._access_log.write('%s - %s [%s] "%s" %s %s\n' % (
                    client, user or '-', stamp, raw_line, entry['status'], entry['bytes']))
                self._access_log.flush()


class Handler(BaseHTTPRequestHandler):
    """Serves the Connectware API for ``self.instance``."""

    protocol_version = 'HTTP/1.1'
    server_version = 'ConnectwareSimulator/1.0'
    instance = None  # set per instance by a subclass

    def setup(self):
        super(Handler, self).setup()
        # Like Node.js servers (Connectware's), no Nagle delay: headers and body go out at once
        # instead of the body waiting ~40 ms for the client's delayed ACK.
        try:
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        except OSError:
            pass

    def log_message(self, format, *args):  # pylint: disable=redefined-builtin
        """Silence the default stderr log: every request goes to the instance's log instead."""

    def do_GET(self):
        self._serve('GET')

    def do_PUT(self):
        self._serve('PUT')

    def do_POST(self):
        self._serve('POST')

    def do_DELETE(self):
        self._serve('DELETE')

    def do_PATCH(self):
        self._serve('PATCH')

    # -- plumbing -------------------------------------------------------------

    def _serve(self, method):
        started = time.monotonic()
        parts = urlsplit(self.path)
        path = parts.path
        query = parse_qs(parts.query, keep_blank_values=True)
        self._user = None
        self._auth_kind = 'none'
        self._fault_name = None
        self._sent_status = None
        self._sent_bytes = 0
        self._drop_response = False
        self._recorded = False
        self._method, self._parts, self._started = method, parts, started
        length = int(self.headers.get('Content-Length') or 0)
        raw_body = self.rfile.read(length) if length else b''
        try:
            fault = self.instance.take_fault(path)
            if fault is not None:
                self._fault_name = fault.describe()
                if fault.latency:
                    time.sleep(fault.latency)
                if fault.reset:
                    self._reset_connection()
                    return
                if fault.status:
                    headers = {'Retry-After': str(fault.retry_after)} if fault.retry_after is not None else {}
                    self._send_json(fault.status, fault.body or {'message': 'Simulated HTTP %d' % fault.status}, headers)
                    return
                if fault.malformed_json:
                    self._send_raw(200, b'{"time": "2025-09-28T04:52:24Z", "version": ', 'application/json')
                    return
                if fault.truncate:
                    self._send_truncated()
                    return
                self._drop_response = fault.reset_after_apply
            self._dispatch(method, path, query, raw_body)
        except HANGUP_ERRORS:
            # The client hung up while we answered: nothing left to tell it.
            self.close_connection = True
        finally:
            if self._sent_status is not None or self._fault_name:
                self._record()

    def _record(self):
        """Log this request once, before the client can see the answer (tests read the log right after)."""
        if self._recorded:
            return
        self._recorded = True
        entry = {
            'time': time.time(), 'method': self._method, 'path': self._parts.path, 'query': self._parts.query,
            'status': self._sent_status, 'bytes': self._sent_bytes, 'auth': self._auth_kind,
            'user': self._user, 'fault': self._fault_name,
            'duration': round(time.monotonic() - self._started, 4),
        }
        self.instance.record(entry, self.requestline, self.client_address[0], self._user)

    def _reset_connection(self):
        self._sent_status = 'reset'
        self._record()
        try:
            # SO_LINGER 0: close() sends a TCP RST instead of a FIN.
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack('ii', 1, 0))
        except OSError:
            pass
        self.close_connection = True
        try:
            self.connection.close()
        except OSError:
            pass

    def _send_truncated(self):
        body = json.dumps(self._info_body()).encode()
        self._sent_status = 200
        self._sent_bytes = len(body) // 2
        self._record()
        self.send_response(200)
        self.send_header('Content-Type', 'application/json')
        self.send_header('Content-Length', str(len(body) + 100))
        self.end_headers()
        self.wfile.write(body[: len(body) // 2])
        self.wfile.flush()
        self.close_connection = True

    def _send_raw(self, status, body, content_type, headers=None):
        if self._drop_response:
            self._reset_connection()
            return
        self._sent_status = status
        self._sent_bytes = len(body)
        self._record()
        self.send_response(status)
        self.send_header('Content-Type', content_type)
        self.send_header('Content-Length', str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def _send_json(self, status, data, headers=None):
        self._send_raw(status, json.dumps(data).encode('utf-8'), 'application/json; charset=utf-8', headers)

    # -- authentication ---------------------------------------------------

    def _authenticate(self, query):
        header = self.headers.get('Authorization')
        token = None
        if header:
            token = header[7:].strip() if header.startswith('Bearer ') else header.strip()
            self._auth_kind = 'bearer' if header.startswith('Bearer ') else 'raw'
        elif 'apiToken' in query:
            # Documented by the reference; this collection never uses it.
            token = query['apiToken'][0]
            self._auth_kind = 'query'
        if not token:
            return None
        state = self.instance.state
        user = state['tokens'].get(token)
        if user is None:
            user = self.instance.use_issued_token(token)
        self._user = user
        return user

    def _allowed(self, user, method, path):
        needed = PERMISSIONS.get((method, path))
        permissions = self.instance.state['users'].get(user, {}).get('permissions', [])
        if permissions == 'all' or needed is None:
            return True
        needed_path, needed_access = needed
        for grant in permissions:
            if grant.get('path') == needed_path and (grant.get('access') == needed_access or grant.get('access') == 'write'):
                return True
        return False

    # -- routing -------------------------------------------------------------

    def _dispatch(self, method, path, query, raw_body):
        if path == '/api/login':
            if method != 'POST':
                return self._send_json(405, {'message': 'Method not allowed'})
            return self._login(raw_body)
        routes = {
            ('GET', '/api/system/info'): self._info,
            ('GET', '/api/system/preflight'): self._preflight,
            ('GET', '/api/system/refresh'): self._refresh,
            ('PUT', '/api/system/licensefile'): self._licensefile,
            ('GET', '/api/system/health'): self._health,
            ('GET', '/api/system/vrpcHealth'): self._vrpc_health,
            ('GET', '/api/system/metrics'): self._metrics,
            ('GET', '/api/system/agents'): self._agents,
            ('GET', '/api/marketplace/apps'): self._apps,
            ('GET', '/api/marketplace/app'): self._app,
            ('GET', '/api/marketplace/app/meta'): self._app_meta,
        }
        template, handlers = path, dict((known_method, handler) for (known_method, known_path), handler in routes.items()
                                        if known_path == path)
        if not handlers:
            template, handlers = services.match(path) or (path, {})
            handlers = dict((known_method, functools.partial(handler, self)) for known_method, handler in handlers.items())
        if not handlers:
            return self._send_json(404, {'message': 'Not found: %s' % path})
        user = self._authenticate(query)
        if user is None:
            return self._send_json(401, {'message': 'Unauthorized'})
        handler = handlers.get(method)
        if handler is None:
            return self._send_json(405, {'message': 'Method not allowed'})
        if not self._allowed(user, method, template):
            return self._send_json(403, {'message': 'Forbidden: missing permission for %s' % path})
        with self.instance.lock:
            return handler(query, raw_body)

    def _json_body(self, raw_body):
        try:
            body = json.loads(raw_body.decode('utf-8'))
        except (ValueError, UnicodeDecodeError):
            return None
        return body if isinstance(body, dict) else None

    def _login(self, raw_body):
        body = self._json_body(raw_body)
        if body is None or not isinstance(body.get('username'), str) or not isinstance(body.get('password'), str):
            return self._send_json(400, {'message': 'username and password are required'})
        user = self.instance.state['users'].get(body['username'])
        if user is None or not secrets.compare_digest(user['password'], body['password']):
            return self._send_json(401, {'message': 'Invalid credentials'})
        claims = {'sub': body['username'], 'jti': secrets.token_hex(8), 'iat': int(time.time())}
        token = '.'.join((b64url(b'{"alg":"HS256","typ":"JWT"}'), b64url(json.dumps(claims).encode()),
                          b64url(secrets.token_bytes(32))))
        self.instance.issue_token(token, body['username'])
        self._user = body['username']
        return self._send_json(200, {'token': token})

    # -- system ----------------------------------------------------------------

    def _license_valid(self):
        state = self.instance.state
        file_data = state['license'].get('file', {})
        if file_data.get('id') in state['revoked_license_ids']:
            return False
        try:
            return datetime.date.fromisoformat(file_data.get('expiration', '')[:10]) >= today()
        except ValueError:
            return False

    def _info_body(self, with_valid=True):
        state = self.instance.state
        license_data = copy.deepcopy(state['license'])
        if with_valid:
            license_data['valid'] = self._license_valid()
        return {'time': datetime.datetime.now(datetime.timezone.utc).isoformat().replace('+00:00', 'Z'),
                'version': state['version'], 'license': license_data}

    def _info(self, query, raw_body):
        self._send_json(200, self._info_body())

    def _preflight(self, query, raw_body):
        self._send_json(200, self.instance.state['preflight'])

    def _license_answer(self):
        """The answer of PUT licensefile and GET refresh.

        ``api_shapes: documented`` answers exactly as the API reference shows it: name and an
        EMPTY ``file``, no ``valid``. The default (``full``) answers with the whole shape of
        GET /api/system/info, as a server may; clients must handle both.
        """
        body = self._info_body(with_valid=self.instance.state.get('api_shapes') != 'documented')
        if self.instance.state.get('api_shapes') == 'documented':
            body['license'] = {'name': body['license'].get('name', ''), 'file': {}}
        return body

    def _refresh(self, query, raw_body):
        state = self.instance.state
        if not state['preflight']['cybusPortal']['status']:
            return self._send_json(400, {'message': 'License refresh failed: Cybus portal not reachable'})
        if state.get('portal_license'):
            state['license'] = copy.deepcopy(state['portal_license'])
        return self._send_json(200, self._license_answer())

    def _licensefile(self, query, raw_body):
        body = self._json_body(raw_body)
        if body is None or not isinstance(body.get('payload'), str) or not body['payload'].strip():
            return self._send_json(400, {'message': 'Invalid request: payload is required'})
        payload = body['payload']
        state = self.instance.state
        license_data = state['opaque_licenses'].get(payload.strip()) or decode_license_jwt(payload)
        if license_data is None:
            return self._send_json(400, {'message': 'Invalid request: license file could not be verified'})
        state['license'] = copy.deepcopy(license_data)
        return self._send_json(200, self._license_answer())

    def _health(self, query, raw_body):
        self._send_json(200, {'system': {'status': self.instance.state['services']}})

    def _vrpc_health(self, query, raw_body):
        self._send_json(200, self.instance.state['vrpc'])

    def _metrics(self, query, raw_body):
        answer = {}
        for period in ('hourly', 'daily'):
            values = query.get(period)
            if values is None:
                answer[period] = self.instance.state['metrics'][period]
                continue
            if values[0] not in ('true', 'false'):
                return self._send_json(400, {'message': 'Invalid request: %s must be true or false' % period})
            if values[0] == 'true':
                answer[period] = self.instance.state['metrics'][period]
        return self._send_json(200, answer)

    def _agents(self, query, raw_body):
        if self.instance.state.get('agents_error'):
            return self._send_json(400, {'message': 'Not able to fetch system agents'})
        return self._send_json(200, self.instance.state['agents'])

    # -- marketplace -----------------------------------------------------------

    def _apps(self, query, raw_body):
        self._send_json(200, [app['listing'] for app in self.instance.state['marketplace']])

    def _find_app(self, query):
        directory = (query.get('directory') or [''])[0]
        filename = (query.get('filename') or [''])[0]
        if not directory or not filename:
            self._send_json(400, {'message': 'Invalid request: directory and filename are required'})
            return None
        for app in self.instance.state['marketplace']:
            if app['listing']['directory'] == directory and app['listing']['filename'] == filename:
                return app
        self._send_json(404, {'message': 'App not found: %s/%s' % (directory, filename)})
        return None

    def _app(self, query, raw_body):
        app = self._find_app(query)
        if app is not None:
            self._send_json(200, {'data': app['content']})

    def _app_meta(self, query, raw_body):
        app = self._find_app(query)
        if app is not None:
            self._send_json(200, {'content': {'data': app['content']}, 'meta': app['meta']})


_SAFE_NAME = re.compile(r'^[A-Za-z0-9_.-]+$')


def safe_name(name):
    if not _SAFE_NAME.match(name):
        raise ValueError('host name %r: use letters, digits, dot, dash, underscore' % name)
    return name
