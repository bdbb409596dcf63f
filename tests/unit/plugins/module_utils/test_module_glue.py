# -*- coding: utf-8 -*-
# Copyright: (c) 2026, iiot.connectware contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The glue every module shares: one check of float options, security and retry warnings, api_retries."""

import os
import sys
import threading
import warnings
from unittest import mock

import pytest
from ansible.module_utils import basic

from ansible_collections.iiot.connectware.plugins.module_utils import _module as glue
from ansible_collections.iiot.connectware.plugins.plugin_utils._in_process import run_in_process

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, '..', '..'))
sys.path.insert(0, HERE)
from module_runner import run_module  # noqa: E402  pylint: disable=wrong-import-position
from hostile_server import HostileServer, answer  # noqa: E402  pylint: disable=wrong-import-position

# A module as the collection's modules are: its own float options beside the shared ones.
OPTIONS = dict(argument_spec=dict(
    wait_timeout=dict(type='float', default=0),
    wait_interval=dict(type='float', default=5),
))


def task_runner(runner=None):
    return lambda task: (runner or (lambda client: {'changed': False}))(task.client)


EXECUTION = {'path': 'module'}


@pytest.fixture(autouse=True, params=['module', 'in-process'])
def execution_path(request):
    """Every test here runs on both execution paths: the results must be the same."""
    EXECUTION['path'] = request.param
    yield request.param
    EXECUTION['path'] = 'module'


def run(args, runner=None):
    """(failed, result, warnings) of one task, run as a module or in-process as the action plugin does."""
    if EXECUTION['path'] == 'in-process':
        result = run_in_process(task_runner(runner), args, **OPTIONS)
        return result.pop('failed', False), result, result.pop('warnings', [])
    warnings = []
    with mock.patch.object(basic.AnsibleModule, 'warn', lambda self, message: warnings.append(message)):
        failed, result = run_module(lambda: glue.run_module(task_runner(runner), **OPTIONS), args)
    return failed, result, warnings


@pytest.fixture
def server():
    with HostileServer(answer(200, '{"version": "1.7.2"}')) as instance:
        yield instance


@pytest.mark.parametrize('option', ['timeout', 'wait_timeout', 'wait_interval'])
@pytest.mark.parametrize('value', ['nan', 'inf', '-inf', 'NaN', '1e999'])
def test_non_finite_float_options_fail_before_any_request(server, option, value):
    failed, result, _warnings = run({'url': server.url, 'token': 'tok', option: value},
                                    runner=lambda client: client.get('/api/system/info'))
    assert failed
    assert result['msg'].startswith('%s must be a finite number (got ' % option)
    assert server.requests == []


@pytest.mark.parametrize('option', ['ca_path', 'client_cert', 'client_key'])
def test_missing_files_fail_before_any_request(server, tmp_path, option):
    cert = tmp_path / 'cert.pem'
    cert.write_text('PEM')
    args = {'url': server.url, 'token': 'tok', 'client_cert': str(cert), option: str(tmp_path / 'nope.pem')}
    failed, result, _warnings = run(args, runner=lambda client: client.get('/api/system/info'))
    assert failed and result['msg'].startswith('%s: %s does not exist' % (option, tmp_path / 'nope.pem'))
    assert result['api_error']['kind'] == 'config'
    assert server.requests == []


def test_validate_certs_false_warns_once():
    failed, result, warnings = run({'url': 'https://cw.example', 'token': 'tok', 'validate_certs': False})
    assert not failed
    assert len(warnings) == 1 and warnings[0].startswith('validate_certs is false')
    assert result['api_retries'] == 0


def test_a_token_over_plain_http_warns_once_and_loopback_does_not():
    # A token as long as real ones: Ansible masks a no_log value wherever it stands in a result.
    _failed, _result, warnings = run({'url': 'http://cw.example', 'token': 'tok-0123456789abcdef'})
    assert len(warnings) == 1 and 'the API token travels unencrypted' in warnings[0]
    _failed, _result, warnings = run({'url': 'http://cw.example', 'username': 'ops', 'password': 'pw'})
    assert len(warnings) == 1 and "the password of user 'ops' travels unencrypted" in warnings[0]
    _failed, _result, warnings = run({'url': 'http://127.0.0.1:9', 'token': 'tok'})
    assert warnings == []


def flaky(statuses):
    """Answers the given statuses in turn, then 200."""
    left = list(statuses)

    def handler(connection, request, server):
        status = left.pop(0) if left else 200
        return answer(status, '{"n": %d}' % len(left))(connection, request, server)
    return handler


def test_retries_are_returned_and_warned_once_per_task():
    with HostileServer(flaky([503, 503])) as server:
        def runner(client):
            client.get('/api/system/info')
            client.get('/api/system/health')
            return {'changed': False}
        failed, result, warnings = run({'url': server.url, 'token': 'tok', 'retries': 3}, runner=runner)
    assert not failed
    assert result['api_retries'] == 2
    assert len(warnings) == 1
    assert warnings[0].startswith('2 requests to Connectware at %s had to be sent again (HTTP 503 (2 times))' % server.url)


def test_retries_are_returned_on_failure_too():
    with HostileServer(flaky([502] * 10)) as server:
        failed, result, warnings = run({'url': server.url, 'token': 'tok', 'retries': 1},
                                       runner=lambda client: client.get('/api/system/info'))
    assert failed and result['api_error']['status'] == 502
    assert result['api_retries'] == 1 and len(warnings) == 1


def test_no_retries_no_warning(server):
    failed, result, warnings = run({'url': server.url, 'token': 'tok'},
                                   runner=lambda client: dict(changed=False, info=client.get('/api/system/info')))
    assert not failed and result['api_retries'] == 0 and warnings == []


def test_credentials_in_the_url_are_masked_in_the_whole_result():
    """The url check never echoes them, and Ansible masks the password in the invocation it returns."""
    masked = []

    def fail_json(self, msg, **result):
        masked.extend(self.no_log_values)
        raise SystemExit(msg)

    with mock.patch.object(basic.AnsibleModule, 'fail_json', fail_json):
        from module_runner import patch_module_args
        with patch_module_args({'url': 'https://admin:pw-in-url@cw.example', 'token': 'tok'}):
            with pytest.raises(SystemExit) as caught:
                glue.run_module(task_runner(), **OPTIONS)
    assert 'must not carry credentials' in str(caught.value) and 'pw-in-url' not in str(caught.value)
    assert 'pw-in-url' in masked


def test_credentials_in_the_url_are_masked_in_process():
    result = run_in_process(task_runner(), {'url': 'https://admin:pw-in-url@cw.example', 'token': 'tok'}, **OPTIONS)
    assert result['failed'] and 'must not carry credentials' in result['msg']
    assert 'pw-in-url' not in repr(result)
    assert result['invocation']['module_args']['url'] != 'https://admin:pw-in-url@cw.example'


class GuardedStream(object):
    """Stands in for a worker's stdout or stderr under ansible-core before 2.19, which a thread other
    than the worker's main one must not write to (see _in_process.held_output): writing fails the test."""

    def __init__(self):
        self.written = []

    def write(self, text):
        self.written.append(text)
        raise AssertionError('written to the worker stream: %r' % text)

    def flush(self):
        pass


def test_in_process_a_runner_thread_writes_nothing_and_its_warnings_are_kept(monkeypatch):
    streams = {'stdout': GuardedStream(), 'stderr': GuardedStream()}
    monkeypatch.setattr(sys, 'stdout', streams['stdout'])
    monkeypatch.setattr(sys, 'stderr', streams['stderr'])
    raised = []

    def noisy(client):
        def from_a_thread():
            try:
                warnings.warn('a library warns from a thread', UserWarning)
                print('printed from a thread')
                sys.stderr.write('written to stderr from a thread\n')
            except AssertionError as error:
                raised.append(error)

        thread = threading.Thread(target=from_a_thread)
        thread.start()
        thread.join(30)
        return {'changed': False, 'version': client.base_url}

    python_warnings = []
    result = run_in_process(task_runner(noisy), {'url': 'https://cw.example', 'token': 'tok'},
                            python_warnings=python_warnings, **OPTIONS)
    assert result['changed'] is False and result['version'] == 'https://cw.example'
    assert raised == [] and streams['stdout'].written == [] and streams['stderr'].written == []
    assert python_warnings == ['UserWarning: a library warns from a thread']


def test_in_process_recorded_warnings_are_masked_as_the_result_is():
    def warns_a_secret(client):
        warnings.warn('a library repeats the token tok-3c9f1e7a and the password pw-5d2b8a', UserWarning)
        return {'changed': False}

    python_warnings = []
    run_in_process(task_runner(warns_a_secret), {'url': 'https://cw.example', 'token': 'tok-3c9f1e7a'},
                   python_warnings=python_warnings, **OPTIONS)
    run_in_process(task_runner(warns_a_secret), {'url': 'https://cw.example', 'username': 'ops', 'password': 'pw-5d2b8a'},
                   python_warnings=python_warnings, **OPTIONS)
    # Each task masks its own secrets (the first knows the token, the second the password).
    assert python_warnings == ['UserWarning: a library repeats the token ******** and the password pw-5d2b8a',
                               'UserWarning: a library repeats the token tok-3c9f1e7a and the password ********']
