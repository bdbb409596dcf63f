# -*- coding: utf-8 -*-
# Copyright: (c) 2026, iiot.connectware contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The client against a real HTTPS server (the simulator): TLS on, off, custom CA, mutual TLS, and
TLS failures in words."""

import datetime
import os
import socket
import struct
import threading

import pytest
import trustme
import urllib3.connection
import urllib3.util
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding

from ansible_collections.iiot.connectware.plugins.module_utils import _client, _request_failure, _tls_failure
from ansible_collections.iiot.connectware.plugins.module_utils._client import ConnectwareClient, ConnectwareError
from connectware_sim import Instance
from connectware_sim.tls import TLSMaterial


@pytest.fixture(scope='module')
def tls(tmp_path_factory):
    return TLSMaterial(str(tmp_path_factory.mktemp('tls')))


@pytest.fixture(scope='module')
def server(tls):
    instance = Instance('cw-tls', tls=tls).start()
    yield instance
    instance.stop()


@pytest.fixture(scope='module')
def mtls_server(tmp_path_factory):
    material = TLSMaterial(str(tmp_path_factory.mktemp('mtls')), require_client_cert=True)
    instance = Instance('cw-mtls', tls=material).start()
    yield instance, material
    instance.stop()


def client_for(instance, **kwargs):
    options = dict(url=instance.url, token=instance.admin_token, retries=0, timeout=5)
    options.update(kwargs)
    return ConnectwareClient(**options)


def test_custom_ca_verifies(server, tls):
    assert client_for(server, ca_path=tls.ca_path).get('/api/system/info')['version'] == '1.7.2'


def test_default_trust_store_rejects_the_private_ca(server):
    with pytest.raises(ConnectwareError) as caught:
        client_for(server).get('/api/system/info')
    assert caught.value.kind == 'tls'
    assert 'set ca_path' in caught.value.message


def test_unknown_ca_is_rejected(server, tls):
    with pytest.raises(ConnectwareError) as caught:
        client_for(server, ca_path=tls.other_ca_path).get('/api/system/info')
    assert caught.value.kind == 'tls'
    assert 'not signed by a trusted CA' in caught.value.message


def test_validate_certs_off_connects(server):
    assert client_for(server, validate_certs=False).get('/api/system/info')['version'] == '1.7.2'


def test_hostname_mismatch(tmp_path):
    material = TLSMaterial(str(tmp_path / 'tls'), identities=('connectware.example',))
    instance = Instance('cw-mismatch', tls=material).start()
    try:
        with pytest.raises(ConnectwareError) as caught:
            client_for(instance, ca_path=material.ca_path).get('/api/system/info')
    finally:
        instance.stop()
    assert caught.value.kind == 'tls'
    assert 'hostname mismatch' in caught.value.message


def test_mutual_tls(mtls_server):
    instance, material = mtls_server
    client = client_for(instance, ca_path=material.ca_path, client_cert=material.client_cert_path,
                        client_key=material.client_key_path)
    assert client.get('/api/system/info')['version'] == '1.7.2'


def test_mutual_tls_without_client_cert_fails_clearly(mtls_server):
    instance, material = mtls_server
    with pytest.raises(ConnectwareError) as caught:
        client_for(instance, ca_path=material.ca_path).get('/api/system/info')
    assert caught.value.kind in ('tls', 'connection')
    assert instance.url in caught.value.message


def test_plain_http_and_login(tmp_path):
    instance = Instance('cw-http').start()
    try:
        client = ConnectwareClient(url=instance.url + '/', username='admin', password='admin', retries=0)
        assert client.get('/api/system/health')['system']['status']
        assert [(entry['method'], entry['path']) for entry in instance.request_log()] == [
            ('POST', '/api/login'), ('GET', '/api/system/health')]
        assert instance.request_log()[1]['auth'] == 'bearer'
    finally:
        instance.stop()


def test_connection_refused_names_the_url():
    client = ConnectwareClient(url='http://127.0.0.1:9', token='t0ken-value', retries=1, timeout=2,
                               sleep=lambda seconds: None)
    with pytest.raises(ConnectwareError) as caught:
        client.get('/api/system/info')
    assert 'cannot reach Connectware at http://127.0.0.1:9 for GET /api/system/info (connection refused) after 2' \
        in caught.value.message


# -- TLS failures in words ------------------------------------------------------------------------

SERVER_ISSUER = "'OU=CybusCA, O=Simulated Cybus'"
LIBRARY_NOISE = ('Max retries', 'Caused by', '_WatchedHTTPSPool', 'urllib3', 'SSLError(', '_ssl.c')


def tls_failure(instance, **kwargs):
    with pytest.raises(ConnectwareError) as caught:
        client_for(instance, **kwargs).get('/api/system/info')
    return caught.value


def assert_no_library_text(message):
    assert [noise for noise in LIBRARY_NOISE if noise in message] == []


def subject_of(path):
    """A CA file's subject as the client names it, read here with cryptography."""
    with open(path, 'rb') as handle:
        name = x509.load_pem_x509_certificate(handle.read()).subject
    order = {'commonName': 'CN', 'organizationalUnitName': 'OU', 'organizationName': 'O'}
    parts = []
    for attribute_name in ('commonName', 'organizationalUnitName', 'organizationName'):
        parts.extend('%s=%s' % (order[attribute_name], attribute.value) for attribute in name
                     if attribute.oid._name == attribute_name)  # pylint: disable=protected-access
    return ', '.join(parts)


def material_with_server_cert(directory, **cert_options):
    """The simulator's TLS material with a server certificate issued with ``cert_options`` (validity)."""
    material = TLSMaterial(directory)
    material.server_cert = material.ca.issue_cert('localhost', '127.0.0.1', **cert_options)
    return material


def test_untrusted_ca_without_ca_path_names_the_issuer_and_says_to_set_ca_path(server):
    failure = tls_failure(server)
    assert failure.kind == 'tls'
    assert failure.message.startswith('TLS handshake with %s failed for GET /api/system/info: TLS: the certificate is '
                                      'not signed by a trusted CA. ' % server.url)
    assert "the server's certificate is issued by %s" % SERVER_ISSUER in failure.message
    assert 'set ca_path' in failure.message
    assert_no_library_text(failure.message)


def test_untrusted_with_ca_path_says_to_check_the_file_naming_issuer_and_subject(server, tls):
    failure = tls_failure(server, ca_path=tls.other_ca_path)
    assert failure.kind == 'tls'
    assert 'TLS: the certificate is not signed by a trusted CA.' in failure.message
    assert ("Check that ca_path (%s) is Connectware's CA: the server's certificate is issued by %s; the file holds "
            "'%s'. If it is not, set ca_path to Connectware's CA certificate" % (
                tls.other_ca_path, SERVER_ISSUER, subject_of(tls.other_ca_path))) in failure.message
    # Not the advice for a client that has no ca_path yet.
    assert 'If Connectware uses its own CA' not in failure.message and 'validate_certs' not in failure.message
    assert_no_library_text(failure.message)


def test_a_regenerated_ca_of_the_same_name_is_told_apart(server, tmp_path):
    # Same subject as Connectware's CA, another key: the names match, the signature does not.
    path = str(tmp_path / 'cybus_ca.crt')
    trustme.CA(organization_name='Simulated Cybus', organization_unit_name='CybusCA').cert_pem.write_to_path(path)
    failure = tls_failure(server, ca_path=path)
    assert "the file holds %s, a CA of that name but not the one that signed the certificate" % SERVER_ISSUER \
        in failure.message


# A PEM block whose content is no certificate.
NOT_A_CERTIFICATE = '-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydGlmaWNhdGU=\n-----END CERTIFICATE-----\n'


def test_a_ca_path_folder_and_a_file_without_certificates(server, tmp_path):
    failure = tls_failure(server, ca_path=str(tmp_path))
    assert "Check that ca_path (%s) is Connectware's CA" % tmp_path in failure.message
    assert 'none of the CA certificates in that folder signed it' in failure.message
    junk = tmp_path / 'junk.crt'
    junk.write_text(NOT_A_CERTIFICATE)
    failure = tls_failure(server, ca_path=str(junk))
    assert 'TLS: ca_path (%s) holds no CA certificate this client can load. Give ca_path the PEM file' % junk \
        in failure.message
    assert_no_library_text(failure.message)


def test_names_are_read_without_cryptography_too(server, tls, monkeypatch):
    monkeypatch.setattr(_tls_failure, '_x509', lambda: None)
    failure = tls_failure(server, ca_path=tls.other_ca_path)
    assert "issued by %s; the file holds '%s'" % (SERVER_ISSUER, subject_of(tls.other_ca_path)) in failure.message


def test_the_standard_library_reader_survives_any_bytes(tls):
    with open(tls.ca_path, 'rb') as handle:
        der = x509.load_pem_x509_certificate(handle.read()).public_bytes(Encoding.DER)
    issuer, subject = _tls_failure.der_certificate_names(der)
    assert _tls_failure.format_name(subject) == 'OU=CybusCA, O=Simulated Cybus'
    assert issuer == subject
    for cut in range(0, len(der), 7):
        broken = der[:cut] + b'\xff' * 3 + der[cut + 3:]
        for data in (der[:cut], broken):
            try:
                _tls_failure.der_certificate_names(data)
            except ValueError:
                pass
    assert _tls_failure.certificate_names(b'\x30\x84\xff\xff\xff\xff') is None


def test_hostname_mismatch_names_the_host(tmp_path):
    material = TLSMaterial(str(tmp_path / 'tls'), identities=('connectware.example',))
    instance = Instance('cw-mismatch-words', tls=material).start()
    try:
        failure = tls_failure(instance, ca_path=material.ca_path)
    finally:
        instance.stop()
    assert failure.kind == 'tls'
    assert "TLS: the certificate's name does not match localhost" in failure.message
    assert 'Write url with a host name the certificate names' in failure.message
    assert_no_library_text(failure.message)


def test_an_expired_certificate(tmp_path):
    now = datetime.datetime.now(datetime.timezone.utc)
    material = material_with_server_cert(str(tmp_path / 'tls'), not_before=now - datetime.timedelta(days=400),
                                         not_after=now - datetime.timedelta(days=30))
    instance = Instance('cw-expired', tls=material).start()
    try:
        failure = tls_failure(instance, ca_path=material.ca_path)
    finally:
        instance.stop()
    assert failure.kind == 'tls'
    assert 'TLS: certificate expired. Renew Connectware' in failure.message
    assert "issued by %s" % SERVER_ISSUER in failure.message
    assert 'set ca_path' not in failure.message
    assert_no_library_text(failure.message)


def test_a_certificate_not_yet_valid(tmp_path):
    now = datetime.datetime.now(datetime.timezone.utc)
    material = material_with_server_cert(str(tmp_path / 'tls'), not_before=now + datetime.timedelta(days=30),
                                         not_after=now + datetime.timedelta(days=400))
    instance = Instance('cw-future', tls=material).start()
    try:
        failure = tls_failure(instance, ca_path=material.ca_path)
    finally:
        instance.stop()
    assert 'TLS: certificate not yet valid. Check the clocks' in failure.message


def test_mutual_tls_without_client_cert_says_to_set_it(mtls_server):
    instance, material = mtls_server
    failure = tls_failure(instance, ca_path=material.ca_path)
    if failure.kind == 'tls':
        assert 'client_cert and client_key' in failure.message
        assert_no_library_text(failure.message)


def test_plain_http_against_the_https_port_hints_at_https(server):
    sleeps = []
    url = server.url.replace('https://', 'http://')
    with pytest.raises(ConnectwareError) as caught:
        ConnectwareClient(url=url, token=server.admin_token, retries=3, timeout=5,
                          sleep=sleeps.append).get('/api/system/info')
    # The url is wrong: no retry can mend it.
    assert sleeps == [] and caught.value.kind == 'config'
    assert caught.value.message.startswith('Connectware at %s answers in TLS: that port serves HTTPS, not plain '
                                           'HTTP' % url)
    assert caught.value.message.endswith('Write url as %s' % server.url)


def test_a_front_end_answering_plain_http_on_its_https_port_hints_at_https():
    instance = Instance('cw-nginx-400').start()
    try:
        page = '<html><head><title>400 The plain HTTP request was sent to HTTPS port</title></head></html>'
        instance.set_fault('/api/system/info', status=400, body=page)
        with pytest.raises(ConnectwareError) as caught:
            client_for(instance).get('/api/system/info')
    finally:
        instance.stop()
    assert caught.value.kind == 'config' and caught.value.status == 400
    assert caught.value.message.endswith('that port serves HTTPS, not plain HTTP. Write url as %s'
                                         % instance.url.replace('http://', 'https://'))


def test_https_against_a_plain_http_port():
    instance = Instance('cw-plain').start()
    try:
        with pytest.raises(ConnectwareError) as caught:
            client_for(instance, url=instance.url.replace('http://', 'https://')).get('/api/system/info')
    finally:
        instance.stop()
    assert caught.value.kind == 'tls'
    assert 'TLS: the server does not speak TLS on this port' in caught.value.message
    assert_no_library_text(caught.value.message)


def test_a_plain_http_reset_is_still_a_connection_error_when_the_port_speaks_no_tls():
    # A port that accepts each connection and resets it at once: no TLS there (the look at its
    # certificate finds none), so the usual connection error and its retry, and no advice to use https.
    listener = socket.socket()
    listener.bind(('127.0.0.1', 0))
    listener.listen(8)
    port = listener.getsockname()[1]
    accepted = []

    def reset_each():
        while True:
            try:
                connection, _address = listener.accept()
            except OSError:  # the listener was closed: the test is over
                return
            accepted.append(connection)
            connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack('ii', 1, 0))
            connection.close()

    resetter = threading.Thread(target=reset_each, daemon=True)
    resetter.start()
    try:
        sleeps = []
        client = ConnectwareClient(url='http://127.0.0.1:%d' % port, token='t0ken-value', retries=1, timeout=30,
                                   sleep=sleeps.append, peek=lambda host, port, timeout: None)
        with pytest.raises(ConnectwareError) as caught:
            client.get('/api/system/info')
    finally:
        listener.shutdown(socket.SHUT_RDWR)  # wakes the accept (closing alone does not, on Linux)
        listener.close()
        resetter.join(10)
    assert caught.value.kind == 'connection', caught.value.message
    assert caught.value.attempts == 2 and len(sleeps) == 1 and len(accepted) == 2
    assert 'https://' not in caught.value.message


def test_the_look_at_a_certificate_is_bounded_by_its_timeout():
    # A server that accepts the connection and never answers the handshake.
    listener = socket.socket()
    listener.bind(('127.0.0.1', 0))
    listener.listen(1)
    try:
        assert _request_failure.peek_certificate('127.0.0.1', listener.getsockname()[1], 0.2) is None
    finally:
        listener.close()


# -- one parse of a CA file per process -------------------------------------------------------


@pytest.fixture
def contexts_made(monkeypatch):
    """Counts the verifying contexts the client makes and those urllib3 makes itself, from an empty cache."""
    made = {'client': 0, 'urllib3': 0}

    def counting(where, real):
        def make(*args, **kwargs):
            made[where] += 1
            return real(*args, **kwargs)
        return make

    monkeypatch.setattr(_client, '_SHARED_CONTEXTS', {})
    monkeypatch.setattr(_client, 'create_urllib3_context', counting('client', _client.create_urllib3_context))
    monkeypatch.setattr(urllib3.connection, 'create_urllib3_context',
                        counting('urllib3', urllib3.connection.create_urllib3_context))
    return made


def test_connections_that_verify_with_one_ca_file_share_one_parse_of_it(server, tls, contexts_made):
    # Six clients at once (each with its own session and connection), then three more one by one.
    errors = []

    def fetch():
        try:
            assert client_for(server, ca_path=tls.ca_path).get('/api/system/info')['version'] == '1.7.2'
        except Exception as error:  # pylint: disable=broad-except
            errors.append(error)

    threads = [threading.Thread(target=fetch) for _index in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    for _index in range(3):
        fetch()
    assert errors == []
    assert contexts_made == {'client': 1, 'urllib3': 0}


def test_a_shared_context_still_checks_the_host_name(tmp_path, contexts_made):
    material = TLSMaterial(str(tmp_path / 'tls'), identities=('localhost',))
    instance = Instance('cw-localhost-only', tls=material).start()
    try:
        assert client_for(instance, ca_path=material.ca_path).get('/api/system/info')['version'] == '1.7.2'
        with pytest.raises(ConnectwareError) as caught:
            client_for(instance, url=instance.url.replace('localhost', '127.0.0.1'),
                       ca_path=material.ca_path).get('/api/system/info')
        assert client_for(instance, ca_path=material.ca_path).get('/api/system/info')['version'] == '1.7.2'
    finally:
        instance.stop()
    assert caught.value.kind == 'tls' and 'hostname mismatch' in caught.value.message
    assert contexts_made == {'client': 1, 'urllib3': 0}


def test_a_ca_file_replaced_at_the_same_path_is_read_again(server, tls, tmp_path, contexts_made):
    ca_path = str(tmp_path / 'ca.pem')
    for source, trusted in ((tls.ca_path, True), (tls.other_ca_path, False), (tls.ca_path, True)):
        staged = str(tmp_path / 'staged.pem')
        with open(source, 'rb') as handle, open(staged, 'wb') as out:
            out.write(handle.read())
        os.replace(staged, ca_path)
        client = client_for(server, ca_path=ca_path)
        if trusted:
            assert client.get('/api/system/info')['version'] == '1.7.2'
        else:
            with pytest.raises(ConnectwareError) as caught:
                client.get('/api/system/info')
            assert caught.value.kind == 'tls' and 'not signed by a trusted CA' in caught.value.message
    assert contexts_made == {'client': 3, 'urllib3': 0}


def test_no_shared_context_without_verification_or_with_a_client_certificate(server, mtls_server, contexts_made):
    instance, material = mtls_server
    assert client_for(server, validate_certs=False).get('/api/system/info')['version'] == '1.7.2'
    assert client_for(instance, ca_path=material.ca_path, client_cert=material.client_cert_path,
                      client_key=material.client_key_path).get('/api/system/info')['version'] == '1.7.2'
    assert contexts_made == {'client': 0, 'urllib3': 2}


class ConnectProxy(object):
    """An HTTP proxy that answers CONNECT with a tunnel to the host asked for, and counts the tunnels."""

    def __init__(self):
        self.listener = socket.socket()
        self.listener.bind(('127.0.0.1', 0))
        self.listener.listen(16)
        self.url = 'http://127.0.0.1:%d' % self.listener.getsockname()[1]
        self.tunnels = []
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        while True:
            try:
                client, _address = self.listener.accept()
            except OSError:  # closed: the test is over
                return
            threading.Thread(target=self._tunnel, args=(client,), daemon=True).start()

    def _tunnel(self, client):
        head = b''
        while b'\r\n\r\n' not in head:
            chunk = client.recv(4096)
            if not chunk:
                client.close()
                return
            head += chunk
        method, target = head.split(b' ')[:2]
        if method != b'CONNECT':
            client.sendall(b'HTTP/1.1 405 Method Not Allowed\r\nContent-Length: 0\r\n\r\n')
            client.close()
            return
        host, port = target.decode('ascii').rsplit(':', 1)
        self.tunnels.append(target.decode('ascii'))
        upstream = socket.create_connection((host, int(port)), timeout=30)
        client.sendall(b'HTTP/1.1 200 Connection established\r\n\r\n')
        for source, sink in ((client, upstream), (upstream, client)):
            threading.Thread(target=self._pipe, args=(source, sink), daemon=True).start()

    @staticmethod
    def _pipe(source, sink):
        try:
            while True:
                data = source.recv(65536)
                if not data:
                    break
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for end in (source, sink):
                try:
                    end.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def close(self):
        self.listener.shutdown(socket.SHUT_RDWR)
        self.listener.close()
        self.thread.join(10)


@pytest.fixture
def tunnelling_proxy(monkeypatch):
    """A ConnectProxy that HTTPS_PROXY names for every host."""
    proxy = ConnectProxy()
    monkeypatch.setenv('HTTPS_PROXY', proxy.url)
    monkeypatch.delenv('NO_PROXY', raising=False)
    monkeypatch.delenv('no_proxy', raising=False)
    yield proxy
    proxy.close()


def test_through_a_tunnelling_proxy_the_shared_context_verifies_the_server(
        server, tls, tunnelling_proxy, contexts_made):
    assert client_for(server, ca_path=tls.ca_path).get('/api/system/info')['version'] == '1.7.2'
    with pytest.raises(ConnectwareError) as caught:
        client_for(server, ca_path=tls.other_ca_path).get('/api/system/info')
    assert caught.value.kind == 'tls' and 'not signed by a trusted CA' in caught.value.message
    assert tunnelling_proxy.tunnels == ['localhost:%d' % server.port] * 2
    assert contexts_made == {'client': 2, 'urllib3': 0}


def test_through_a_tunnelling_proxy_a_ca_file_without_certificates_is_named_as_without_one(
        server, tmp_path, tunnelling_proxy, contexts_made):
    # The CA file fails to load where urllib3 loads it, so the error is the TLS one, not the proxy's.
    junk = tmp_path / 'junk.crt'
    junk.write_text(NOT_A_CERTIFICATE)
    failure = tls_failure(server, ca_path=str(junk))
    assert tunnelling_proxy.tunnels == ['localhost:%d' % server.port]
    assert 'TLS: ca_path (%s) holds no CA certificate this client can load. Give ca_path the PEM file' % junk \
        in failure.message
    assert 'proxy' not in failure.message.lower()
    assert contexts_made['client'] == 1 and _client._SHARED_CONTEXTS == {}  # pylint: disable=protected-access


@pytest.mark.parametrize('setting', [
    {'proxy': urllib3.util.parse_url('https://proxy.example:3129')},
    {'assert_hostname': 'other.example'},
    {'assert_fingerprint': 'AA:BB'},
    {'cert_reqs': 'CERT_NONE'},
    {'ca_cert_dir': '/etc/ssl/certs'},
])
def test_connections_with_their_own_tls_rules_make_their_own_context(tls, setting):
    # An HTTPS proxy's TLS uses the connection's CA settings, which sharing would take away; a
    # host name or fingerprint to assert would switch the shared context's own host name check off.
    connection = urllib3.connection.HTTPSConnection('localhost', 443, ca_certs=tls.ca_path, cert_reqs='CERT_REQUIRED')
    assert _client._shared_context(connection) is not None  # pylint: disable=protected-access
    for name, value in setting.items():
        setattr(connection, name, value)
    assert _client._shared_context(connection) is None  # pylint: disable=protected-access
