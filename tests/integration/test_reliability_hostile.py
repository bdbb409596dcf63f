# -*- coding: utf-8 -*-
# Copyright: (c) 2026, iiot.connectware contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Hostile servers and slips of the hand, end to end through ansible-playbook.

What the client's unit tests prove against real HTTP, proven here once more through the
modules' wiring: answers that are no answers fail every module cleanly, a ~/.netrc never
speaks for the token, use_proxy is honoured, an expiring login token is replaced, retries
are reported, and insecure settings are said out loud.

Every scenario is a play on a host of its own, and all of them run in one ansible-playbook
run (the ``scenarios`` fixture); each test reads its play back.
"""

import contextlib
import json
import os
import socket
import sys

import pytest
import yaml

from harness import connection_vars, run_playbook, scenario_play, scenario_playbook

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'unit', 'plugins', 'module_utils'))
from hostile_server import HostileServer, answer, deep_json, gzip_garbage  # noqa: E402  pylint: disable=wrong-import-position

INFO = 'iiot.connectware.connectware_info'
LICENSE = 'iiot.connectware.connectware_license'
HEALTH = 'iiot.connectware.connectware_health_check'
APP = 'iiot.connectware.connectware_marketplace_app'
PROXY_VARIABLES = ('HTTP_PROXY', 'HTTPS_PROXY', 'ALL_PROXY', 'NO_PROXY', 'http_proxy', 'https_proxy', 'all_proxy',
                   'no_proxy')
EVERY_MODULE = ('info', 'health', 'license refresh', 'license upload', 'app')

# (host and play of the case, server's handler, words every module's message must hold)
HOSTILE_CASES = [
    ('json-200000-deep', deep_json(200000), 'JSON nested more than 100 levels deep'),
    ('empty-200', answer(200, b''), 'an empty body where JSON was expected'),
    ('gzip-garbage', gzip_garbage(), 'a body that cannot be decoded'),
]


PROXY_TASKS = [{'name': 'direct', INFO: dict(connection_vars(), use_proxy=False)},
               {'name': 'through the proxy', INFO: dict(connection_vars(), retries=0), 'ignore_errors': True}]


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


def write_netrc_home(folder):
    """A HOME with a ~/.netrc, and a $NETRC file, that would speak for every host if anything read them."""
    home = folder / 'home'
    home.mkdir()
    entries = 'machine localhost login netrc-user password netrc-password\ndefault login any password any-password\n'
    for path in (home / '.netrc', folder / 'netrc'):
        path.write_text(entries)
        path.chmod(0o600)
    return {'HOME': str(home), 'NETRC': str(folder / 'netrc')}


def write_inventory(folder, fleet, servers):
    """The fleet's inventory, plus one host per hostile server (its URL as ``hostile_url``)."""
    inventory = fleet.inventory()
    inventory['all']['hosts'] = dict((host, {'hostile_url': server.url}) for host, server in servers.items())
    path = os.path.join(str(folder), 'inventory.yml')
    with open(path, 'w', encoding='utf-8') as handle:
        yaml.safe_dump(inventory, handle, default_flow_style=False, sort_keys=True)
    return path


@pytest.fixture(scope='module')
def scenarios(host_pool, module_workdir, tmp_path_factory):
    """All scenarios of this module in one run: (fleet, run, app folders, requests each hostile server got)."""
    fleet = host_pool.fleet([
        {'name': 'netrc'},
        {'name': 'proxy'},
        {'name': 'expiring-login', 'login_token_lifetime': 2},
        {'name': 'fixed-token'},
        {'name': 'retries'},
        {'name': 'no-validate-certs'},
    ])
    fleet['retries'].set_fault('/api/system/info', status=503, count=2)
    # The ~/.netrc and $NETRC are in the whole run's environment, so the netrc scenario keeps the in-process
    # path it always had (a task environment would send it to the module path); every scenario ignores them.
    netrc_env = write_netrc_home(tmp_path_factory.mktemp('netrc'))
    # A proxy environment for the whole run would send every other scenario to it: the proxy play sets it
    # with the environment keyword (so its tasks run as modules, which get it as their environment).
    dead_proxy = 'http://proxy-user:proxy-secret@127.0.0.1:%d' % free_port()
    login = {'url': '{{ connectware_url }}', 'username': 'admin', 'password': 'admin',
             'ca_path': '{{ connectware_ca_path }}'}
    folders = dict((host, tmp_path_factory.mktemp('app-%s' % host)) for host, _handler, _words in HOSTILE_CASES)
    plays = [
        scenario_play(host, every_module('{{ hostile_url }}', str(folders[host] / 'app.yml')), connection='local',
                      vars={'ansible_python_interpreter': '{{ ansible_playbook_python }}'})
        for host, _handler, _words in HOSTILE_CASES
    ] + [
        scenario_play('netrc', [{'name': 'with token', INFO: connection_vars()},
                                {'name': 'with login', INFO: login}]),
        scenario_play('proxy', PROXY_TASKS, environment={'HTTPS_PROXY': dead_proxy, 'https_proxy': dead_proxy,
                                                         'HTTP_PROXY': dead_proxy, 'http_proxy': dead_proxy}),
        scenario_play('expiring-login', [{'name': 'info', INFO: login}]),
        scenario_play('fixed-token', [{'name': 'info', INFO: dict(connection_vars(), token='not-a-valid-token'),
                                       'ignore_errors': True}]),
        scenario_play('retries', [{'name': 'info', INFO: dict(connection_vars(), gather_subset=['info'])},
                                  {'name': 'again', INFO: dict(connection_vars(), gather_subset=['info'])}]),
        scenario_play('no-validate-certs', [{'name': 'info', INFO: {
            'url': '{{ connectware_url }}', 'token': '{{ connectware_token }}', 'validate_certs': False}}]),
    ]
    # Each hostile server lives as long as the run may (run_playbook's timeout), and stops when it ends.
    with contextlib.ExitStack() as stack:
        servers = dict((host, stack.enter_context(HostileServer(handler, lifetime=600)))
                       for host, handler, _words in HOSTILE_CASES)
        run = run_playbook(module_workdir, scenario_playbook(plays), write_inventory(module_workdir, fleet, servers),
                           env=no_proxy_env(**netrc_env))
        requests_sent = dict((host, len(server.requests)) for host, server in servers.items())
    return fleet, run, folders, requests_sent


@pytest.mark.parametrize('host, words', [(host, words) for host, _handler, words in HOSTILE_CASES],
                         ids=['json 200000 deep', 'empty 200', 'gzip garbage'])
def test_answers_that_are_no_answers_fail_every_module_cleanly(scenarios, host, words):
    # The play ``host`` ran every module against the server of this case only (see the scenarios fixture).
    _fleet, run, folders, requests_sent = scenarios
    run = run.play(host)
    for name in EVERY_MODULE:
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
    assert requests_sent[host] <= 9
    assert not os.path.exists(str(folders[host] / 'app.yml'))


def test_a_netrc_never_replaces_the_token_or_joins_the_login(scenarios):
    fleet, run, _folders, _requests_sent = scenarios
    assert run.rc == 0, run
    log = fleet['netrc'].request_log()
    assert [entry['auth'] for entry in log if entry['path'] != '/api/login'] == ['bearer'] * 6
    assert 'netrc-password' not in run.output and 'any-password' not in run.output


@pytest.fixture(scope='module')
def proxy_env_run(host_pool, tmp_path_factory):
    """The proxy in the environment of ansible-playbook itself, as users set it: the tasks run in-process.

    (The shared run's proxy play sets it with the environment keyword, which sends its tasks to the
    module path; a proxy for the whole shared run would catch every other scenario.)
    """
    workdir = tmp_path_factory.mktemp('proxy-run')
    fleet = host_pool.fleet([{'name': 'proxy-env'}])
    dead_proxy = 'http://proxy-user:proxy-secret@127.0.0.1:%d' % free_port()
    env = no_proxy_env(HTTPS_PROXY=dead_proxy, https_proxy=dead_proxy, HTTP_PROXY=dead_proxy, http_proxy=dead_proxy)
    return run_playbook(workdir, scenario_playbook([scenario_play('proxy-env', PROXY_TASKS)]),
                        write_inventory(workdir, fleet, {}), env=env, verbosity=3)


@pytest.mark.parametrize('path', ['in-process', 'module'])
def test_use_proxy_false_ignores_the_environment_proxy_which_is_otherwise_named(scenarios, proxy_env_run, path):
    if path == 'in-process':
        whole_run = proxy_env_run
        run = whole_run.play('proxy-env')
        assert run.stdout.count("connectware_info: running in the controller's worker process") == 2, run
    else:
        whole_run = scenarios[1]
        run = whole_run.play('proxy')
    assert run.task('direct')['status'] == 'ok', run
    failed = run.result('through the proxy')
    assert run.task('through the proxy')['status'] == 'ignored'
    assert 'through the proxy http://********@127.0.0.1:' in failed['msg']
    assert 'use_proxy: false' in failed['msg']
    assert 'proxy-secret' not in whole_run.output and 'proxy-secret' not in json.dumps(whole_run.results)


def test_an_expiring_login_token_is_replaced_once(scenarios):
    # A login token serves two requests; info reads three endpoints at once: one of them meets
    # the expired token, the client logs in again once and repeats that request.
    fleet, run, _folders, _requests_sent = scenarios
    assert run.rc == 0, run
    result = run.play('expiring-login').result('info')
    assert result['api_retries'] == 1
    assert any('login token expired, logged in again' in warning for warning in result['warnings'])
    log = fleet['expiring-login'].request_log()
    assert len([entry for entry in log if entry['path'] == '/api/login']) == 2
    assert sorted(entry['status'] for entry in log if entry['path'] != '/api/login') == [200, 200, 200, 401]


def test_a_fixed_token_is_not_replaced_on_401(scenarios):
    fleet, run, _folders, _requests_sent = scenarios
    assert run.play('fixed-token').result('info')['api_error']['status'] == 401
    assert all(entry['path'] != '/api/login' for entry in fleet['fixed-token'].request_log())


def test_retries_are_warned_once_and_counted(scenarios):
    _fleet, run, _folders, _requests_sent = scenarios
    assert run.rc == 0, run
    play = run.play('retries')
    first, second = play.result('info'), play.result('again')
    assert first['api_retries'] == 2
    retried = [warning for warning in first['warnings'] if 'had to be sent again' in warning]
    assert len(retried) == 1 and '(HTTP 503 (2 times))' in retried[0]
    assert second['api_retries'] == 0
    assert not any('had to be sent again' in warning for warning in second.get('warnings', []))


def test_validate_certs_false_warns_once_per_task(scenarios):
    _fleet, run, _folders, _requests_sent = scenarios
    assert run.rc == 0, run
    warnings = [warning for warning in run.play('no-validate-certs').result('info')['warnings']
                if 'validate_certs is false' in warning]
    assert len(warnings) == 1
