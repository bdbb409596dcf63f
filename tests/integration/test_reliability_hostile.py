# -*- coding: utf-8 -*-
# Copyright: (c) 2026, iiot.connectware contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Hostile servers and slips of the hand, end to end through ansible-playbook.

What the client's unit tests prove against real HTTP, proven here once more through the
modules' wiring: answers that are no answers fail every module cleanly, a ~/.netrc never
speaks for the token, use_proxy is honoured, an expiring login token is replaced, retries
are reported, and insecure settings are said out loud.
"""

import json
import os
import socket
import sys

import pytest

from harness import connection_vars, play, run_playbook, write_inventory

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'unit', 'plugins', 'module_utils'))
from hostile_server import HostileServer, answer, deep_json, gzip_garbage  # noqa: E402  pylint: disable=wrong-import-position

INFO = 'iiot.connectware.connectware_info'
LICENSE = 'iiot.connectware.connectware_license'
HEALTH = 'iiot.connectware.connectware_health_check'
APP = 'iiot.connectware.connectware_marketplace_app'
PROXY_VARIABLES = ('HTTP_PROXY', 'HTTPS_PROXY', 'ALL_PROXY', 'NO_PROXY', 'http_proxy', 'https_proxy', 'all_proxy',
                   'no_proxy')


def no_proxy_env(**extra):
    env = dict((name, '') for name in PROXY_VARIABLES)
    env.update(extra)
    return env


def free_port():
    probe = socket.socket()
    probe.bind(('127.0.0.1', 0))
    port = probe.getsockname()[1]
    probe.close()
    return port


def every_module(url, dest):
    """One task per module, each reading from ``url`` with a plain token."""
    connection = {'url': url, 'token': 'hostile-token', 'retries': 2, 'timeout': 5}
    tasks = []
    for name, module, args in (('info', INFO, {}),
                               ('health', HEALTH, {}),
                               ('license refresh', LICENSE, {'state': 'refreshed'}),
                               ('license upload', LICENSE, {'content': 'LICENSE-TEXT'}),
                               ('app', APP, {'name': 'OPC UA to MQTT', 'dest': dest})):
        task_args = dict(connection)
        task_args.update(args)
        tasks.append({'name': name, module: task_args, 'ignore_errors': True})
    return tasks


@pytest.mark.parametrize('handler, words', [
    (deep_json(200000), 'JSON nested more than 100 levels deep'),
    (answer(200, b''), 'an empty body where JSON was expected'),
    (gzip_garbage(), 'a body that cannot be decoded'),
], ids=['json 200000 deep', 'empty 200', 'gzip garbage'])
def test_answers_that_are_no_answers_fail_every_module_cleanly(workdir, tmp_path, handler, words):
    with HostileServer(handler, lifetime=300) as server:
        plays = play(every_module(server.url, str(tmp_path / 'app.yml')), hosts='localhost', connection='local',
                     vars={'ansible_python_interpreter': '{{ ansible_playbook_python }}'})
        run = run_playbook(workdir, plays, 'localhost,', env=no_proxy_env())
        requests_sent = len(server.requests)
    for name in ('info', 'health', 'license refresh', 'license upload', 'app'):
        entry = run.task(name)
        assert entry['status'] == 'ignored', (name, entry['result'])
        result = entry['result']
        assert words in result['msg'], (name, result['msg'])
        # The health check fails on its verdict (kind unhealthy) and reports each check's error beside it.
        if result['api_error']['kind'] == 'unhealthy':
            errors = [check['api_error'] for check in result['checks'].values() if 'api_error' in check]
        else:
            errors = [result['api_error']]
        assert errors, (name, result)
        for error in errors:
            assert error['kind'] == 'invalid_response' and error['attempts'] == 1, (name, error)   # never retried
        assert result['api_retries'] == 0, name
        assert 'module_stderr' not in result and 'Traceback' not in json.dumps(result), name
    assert 'Traceback' not in run.output
    # At most one request per endpoint a task reads: nothing was sent again.
    assert requests_sent <= 9
    assert not os.path.exists(str(tmp_path / 'app.yml'))


@pytest.fixture
def netrc_home(tmp_path):
    home = tmp_path / 'home'
    home.mkdir()
    entries = 'machine localhost login netrc-user password netrc-password\ndefault login any password any-password\n'
    for path in (home / '.netrc', tmp_path / 'netrc'):
        path.write_text(entries)
        path.chmod(0o600)
    return {'HOME': str(home), 'NETRC': str(tmp_path / 'netrc')}


def test_a_netrc_never_replaces_the_token_or_joins_the_login(make_fleet, workdir, netrc_home):
    fleet = make_fleet([{}])
    login = {'url': '{{ connectware_url }}', 'username': 'admin', 'password': 'admin', 'ca_path': '{{ connectware_ca_path }}'}
    tasks = [{'name': 'with token', INFO: connection_vars()},
             {'name': 'with login', INFO: login}]
    run = run_playbook(workdir, play(tasks), write_inventory(workdir, fleet), env=no_proxy_env(**netrc_home))
    assert run.rc == 0, run
    log = fleet['cw-001'].request_log()
    assert [entry['auth'] for entry in log if entry['path'] != '/api/login'] == ['bearer'] * 6
    assert 'netrc-password' not in run.output and 'any-password' not in run.output


def test_use_proxy_false_ignores_the_environment_proxy_which_is_otherwise_named(make_fleet, workdir):
    fleet = make_fleet([{}])
    dead_proxy = 'http://proxy-user:proxy-secret@127.0.0.1:%d' % free_port()
    direct = dict(connection_vars(), use_proxy=False)
    proxied = dict(connection_vars(), retries=0)
    tasks = [{'name': 'direct', INFO: direct},
             {'name': 'through the proxy', INFO: proxied, 'ignore_errors': True}]
    run = run_playbook(workdir, play(tasks), write_inventory(workdir, fleet),
                       env=no_proxy_env(HTTPS_PROXY=dead_proxy, https_proxy=dead_proxy, HTTP_PROXY=dead_proxy,
                                        http_proxy=dead_proxy))
    assert run.task('direct')['status'] == 'ok', run
    failed = run.result('through the proxy')
    assert 'through the proxy http://********@127.0.0.1:' in failed['msg']
    assert 'use_proxy: false' in failed['msg']
    assert 'proxy-secret' not in run.output and 'proxy-secret' not in json.dumps(run.results)


def test_an_expiring_login_token_is_replaced_once(make_fleet, workdir):
    # A login token serves two requests; info reads three endpoints at once: one of them meets
    # the expired token, the client logs in again once and repeats that request.
    fleet = make_fleet([{'login_token_lifetime': 2}])
    login = {'url': '{{ connectware_url }}', 'username': 'admin', 'password': 'admin', 'ca_path': '{{ connectware_ca_path }}'}
    run = run_playbook(workdir, play([{'name': 'info', INFO: login}]), write_inventory(workdir, fleet))
    assert run.rc == 0, run
    result = run.result('info')
    assert result['api_retries'] == 1
    assert any('login token expired, logged in again' in warning for warning in result['warnings'])
    log = fleet['cw-001'].request_log()
    assert len([entry for entry in log if entry['path'] == '/api/login']) == 2
    assert sorted(entry['status'] for entry in log if entry['path'] != '/api/login') == [200, 200, 200, 401]


def test_a_fixed_token_is_not_replaced_on_401(make_fleet, workdir):
    fleet = make_fleet([{}])
    args = dict(connection_vars(), token='not-a-valid-token')
    run = run_playbook(workdir, play([{'name': 'info', INFO: args, 'ignore_errors': True}]), write_inventory(workdir, fleet))
    assert run.result('info')['api_error']['status'] == 401
    assert all(entry['path'] != '/api/login' for entry in fleet['cw-001'].request_log())


def test_retries_are_warned_once_and_counted(make_fleet, workdir):
    fleet = make_fleet([{}])
    fleet['cw-001'].set_fault('/api/system/info', status=503, count=2)
    args = dict(connection_vars(), gather_subset=['info'])
    run = run_playbook(workdir, play([{'name': 'info', INFO: args}, {'name': 'again', INFO: args}]),
                       write_inventory(workdir, fleet))
    assert run.rc == 0, run
    first, second = run.result('info'), run.result('again')
    assert first['api_retries'] == 2
    retried = [warning for warning in first['warnings'] if 'had to be sent again' in warning]
    assert len(retried) == 1 and '(HTTP 503 (2 times))' in retried[0]
    assert second['api_retries'] == 0
    assert not any('had to be sent again' in warning for warning in second.get('warnings', []))


def test_validate_certs_false_warns_once_per_task(make_fleet, workdir):
    fleet = make_fleet([{}])
    args = {'url': '{{ connectware_url }}', 'token': '{{ connectware_token }}', 'validate_certs': False}
    run = run_playbook(workdir, play([{'name': 'info', INFO: args}]), write_inventory(workdir, fleet))
    assert run.rc == 0, run
    warnings = [warning for warning in run.result('info')['warnings'] if 'validate_certs is false' in warning]
    assert len(warnings) == 1
