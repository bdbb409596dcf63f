# -*- coding: utf-8 -*-
# Copyright: (c) 2026, iiot.connectware contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""connectware_info in-process: argument handling and results against one simulated host."""

import os
import sys

import pytest

from ansible_collections.iiot.connectware.plugins.modules import connectware_info
from connectware_sim import Instance

sys.path.insert(0, os.path.join(os.path.dirname(__file__), '..', '..'))
from module_runner import run_module  # noqa: E402  pylint: disable=wrong-import-position


@pytest.fixture
def host():
    instance = Instance('cw-unit').start()
    yield instance
    instance.stop()


def args_for(host, **extra):
    args = dict(url=host.url, token=host.admin_token, retries=0)
    args.update(extra)
    return args


def test_default_subsets(host):
    failed, result = run_module(connectware_info.main, args_for(host))
    assert not failed and result['changed'] is False
    assert result['gathered_subsets'] == ['info', 'health', 'vrpc_health']
    assert set(result) >= {'info', 'health', 'vrpc_health', 'license'}
    assert 'preflight' not in result
    assert result['license']['id'] == 'lic-cw-unit' and result['license']['valid'] is True
    assert sorted(entry['path'] for entry in host.request_log()) == [
        '/api/system/health', '/api/system/info', '/api/system/vrpcHealth']


def test_unknown_subset_fails_before_any_request(host):
    failed, result = run_module(connectware_info.main, args_for(host, gather_subset=['info', 'licence']))
    assert failed
    assert "unknown subset 'licence'" in result['msg']
    assert host.request_log() == []


def test_url_without_scheme_fails_before_any_request(host):
    failed, result = run_module(connectware_info.main, args_for(host, url='localhost:%d' % host.port))
    assert failed
    assert result['msg'] == "url 'localhost:%d' has no http(s) scheme and host: write it as https://localhost:%d" % (
        host.port, host.port)
    assert host.request_log() == []


def test_token_and_username_conflict(host):
    failed, result = run_module(connectware_info.main, args_for(host, username='admin', password='admin'))
    assert failed and 'mutually exclusive' in result['msg']
    assert host.request_log() == []


def test_metrics_period_becomes_query(host):
    failed, result = run_module(connectware_info.main, args_for(host, gather_subset=['metrics'], metrics_period=['daily']))
    assert not failed
    assert list(result['metrics']) == ['daily']
    assert host.request_log()[0]['query'] == 'hourly=false&daily=true'


def test_failing_subset_fails_the_task_naming_it(host):
    host.update_state({'agents_error': True})
    failed, result = run_module(connectware_info.main, args_for(host, gather_subset=['info', 'agents']))
    assert failed
    assert result['msg'].startswith('subset agents: Connectware at ')
    assert 'Not able to fetch system agents' in result['msg']
    assert result['api_error']['status'] == 400 and result['api_error']['path'] == '/api/system/agents'
    assert 'info' not in result


def test_credentials_from_environment(host, monkeypatch):
    monkeypatch.setenv('CONNECTWARE_URL', host.url)
    monkeypatch.setenv('CONNECTWARE_USERNAME', 'admin')
    monkeypatch.setenv('CONNECTWARE_PASSWORD', 'admin')
    failed, result = run_module(connectware_info.main, {'gather_subset': ['info']})
    assert not failed, result
    assert [entry['path'] for entry in host.request_log()] == ['/api/login', '/api/system/info']


def test_task_credentials_win_over_environment(host, monkeypatch):
    monkeypatch.setenv('CONNECTWARE_TOKEN', 'stale-token-from-env')
    failed, result = run_module(connectware_info.main, {'url': host.url, 'username': 'admin', 'password': 'admin',
                                                        'gather_subset': ['info']})
    assert not failed, result
    assert host.request_log()[0]['path'] == '/api/login'


def test_no_credentials_at_all(host, monkeypatch):
    for name in ('CONNECTWARE_TOKEN', 'CONNECTWARE_USERNAME', 'CONNECTWARE_PASSWORD'):
        monkeypatch.delenv(name, raising=False)
    failed, result = run_module(connectware_info.main, {'url': host.url})
    assert failed and result['msg'].startswith('no credentials: set token (CONNECTWARE_TOKEN)')


def test_validate_certs_from_environment(monkeypatch, tmp_path):
    from connectware_sim.tls import TLSMaterial
    instance = Instance('cw-env-tls', tls=TLSMaterial(str(tmp_path))).start()
    try:
        monkeypatch.setenv('CONNECTWARE_VALIDATE_CERTS', 'false')
        failed, result = run_module(connectware_info.main, {'url': instance.url, 'token': instance.admin_token,
                                                            'gather_subset': ['info']})
    finally:
        instance.stop()
    assert not failed, result
