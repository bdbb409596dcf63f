# -*- coding: utf-8 -*-
# Copyright: (c) 2026, iiot.connectware contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Misbehaving HTTP servers on 127.0.0.1 for the client's tests: they drip, bomb, never end, lie.

Each server serves raw bytes from a handler, so it can do what no well-behaved server
library would. Every server stops by itself: when its ``with`` block ends, when the client
goes away, and at the latest after ``lifetime`` seconds, so no test can hang on one.
"""

import json
import socket
import threading
import zlib


class Request(object):
    def __init__(self, method, target, headers, body):
        self.method = method
        self.target = target
        self.headers = headers
        self.body = body

    @property
    def path(self):
        return self.target.split('?', 1)[0]


def read_request(connection):
    """One HTTP/1.1 request from ``connection``, or None when the client closed it."""
    data = b''
    while b'\r\n\r\n' not in data:
        chunk = connection.recv(65536)
        if not chunk:
            return None
        data += chunk
    head, _separator, rest = data.partition(b'\r\n\r\n')
    lines = head.decode('latin-1').split('\r\n')
    method, target = lines[0].split(' ')[:2]
    headers = {}
    for line in lines[1:]:
        name, _colon, value = line.partition(':')
        headers[name.strip().lower()] = value.strip()
    length = int(headers.get('content-length') or 0)
    while len(rest) < length:
        chunk = connection.recv(65536)
        if not chunk:
            break
        rest += chunk
    return Request(method, target, headers, rest[:length])


def response_head(status=200, headers=None, reason='OK'):
    lines = ['HTTP/1.1 %d %s' % (status, reason)]
    lines.extend('%s: %s' % (name, value) for name, value in (headers or {}).items())
    return ('\r\n'.join(lines) + '\r\n\r\n').encode('latin-1')


class HostileServer(object):
    """A threaded server on 127.0.0.1: ``handler(connection, request, server)`` answers each request.

    The handler writes raw bytes to ``connection``. A handler that drips or streams forever
    waits with ``server.pause(seconds)``, which returns False once the server stops.
    """

    def __init__(self, handler, lifetime=30.0):
        self.handler = handler
        self.requests = []
        self.connections = 0
        self.lock = threading.Lock()
        self.stopped = threading.Event()
        self.listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(('127.0.0.1', 0))
        self.listener.listen(16)
        self.listener.settimeout(lifetime)
        self.port = self.listener.getsockname()[1]
        self.url = 'http://127.0.0.1:%d' % self.port
        self.threads = []
        self.sockets = []
        self.lifetime = threading.Timer(lifetime, self.stop)
        self.lifetime.daemon = True

    def __enter__(self):
        self.lifetime.start()
        thread = threading.Thread(target=self._accept, daemon=True)
        thread.start()
        self.threads.append(thread)
        return self

    def __exit__(self, *exc_info):
        self.stop()
        for thread in list(self.threads):
            thread.join(5)

    def stop(self):
        self.stopped.set()
        self.lifetime.cancel()
        try:
            self.listener.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.listener.close()
        with self.lock:
            sockets = list(self.sockets)
        for connection in sockets:   # ends handlers waiting for a next request on a kept-alive connection
            try:
                connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def pause(self, seconds):
        """Wait ``seconds``; False when the server stopped meanwhile."""
        return not self.stopped.wait(seconds)

    def _accept(self):
        while not self.stopped.is_set():
            try:
                connection, _address = self.listener.accept()
            except OSError:
                return
            with self.lock:
                self.connections += 1
                self.sockets.append(connection)
            thread = threading.Thread(target=self._serve, args=(connection,), daemon=True)
            thread.start()
            self.threads.append(thread)

    def _serve(self, connection):
        connection.settimeout(10)
        try:
            while not self.stopped.is_set():
                request = read_request(connection)
                if request is None:
                    return
                with self.lock:
                    self.requests.append(request)
                if self.handler(connection, request, self) is False:
                    return
        except OSError:
            return   # the client went away (or its deadline shut the connection)
        finally:
            connection.close()


# -- handlers ------------------------------------------------------------------------------

def answer(status=200, body=b'{}', headers=None):
    """A fixed answer (kept alive): ``body`` as given, with a Content-Length."""
    body = body.encode('utf-8') if isinstance(body, str) else body
    all_headers = {'Content-Type': 'application/json', 'Content-Length': str(len(body))}
    all_headers.update(headers or {})

    def handler(connection, request, server):
        connection.sendall(response_head(status, all_headers) + body)
    return handler


def routes(table, default=None):
    """Answers by (method, path): ``table[(method, path)](request) -> (status, json_value)``."""
    def handler(connection, request, server):
        route = table.get((request.method, request.path))
        status, value = route(request) if route else (default or (404, {'message': 'not found'}))
        return answer(status, json.dumps(value))(connection, request, server)
    return handler


def drip_headers(interval=0.05):
    """A status line, then one byte of an endless header every ``interval`` seconds."""
    def handler(connection, request, server):
        connection.sendall(b'HTTP/1.1 200 OK\r\nX-Drip: ')
        while server.pause(interval):
            connection.sendall(b'a')
        return False
    return handler


def drip_body(interval=0.05, length=10 ** 6):
    """Headers at once, then one byte of a ``length`` byte JSON body every ``interval`` seconds."""
    def handler(connection, request, server):
        connection.sendall(response_head(200, {'Content-Type': 'application/json', 'Content-Length': str(length)}))
        connection.sendall(b'[')
        while server.pause(interval):
            connection.sendall(b' ')
        return False
    return handler


def endless_chunked(chunk=b' ' * 65536, status=200):
    """A chunked body that never ends: chunks as fast as the client takes them."""
    def handler(connection, request, server):
        connection.sendall(response_head(status, {'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked'}))
        connection.sendall(b'1\r\n[\r\n')
        framed = b'%x\r\n%s\r\n' % (len(chunk), chunk)
        while not server.stopped.is_set():
            connection.sendall(framed)
        return False
    return handler


def gzip_bomb(decoded_size, piece=b'0' * (1024 * 1024)):
    """A gzip body (Content-Length of the compressed bytes) that unpacks to ``decoded_size`` bytes of JSON."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    parts, left = [compressor.compress(b'[')], decoded_size - 1
    while left > 0:
        parts.append(compressor.compress(piece[:left]))
        left -= len(piece)
    parts.append(compressor.flush())
    return answer(200, b''.join(parts), {'Content-Encoding': 'gzip'})


def gzip_garbage():
    """Content-Encoding: gzip over bytes that are no gzip at all."""
    return answer(200, b'\x1f\x8b\x08\x00garbage, not deflate data' * 4, {'Content-Encoding': 'gzip'})


def deep_json(depth=200000):
    return answer(200, '[' * depth + ']' * depth)
