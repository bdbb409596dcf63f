# -*- coding: utf-8 -*-
# Copyright: (c) 2026, iiot.connectware contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The client against a real HTTPS server (the simulator): TLS on, off, custom CA, mutual TLS."""

import pytest

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
