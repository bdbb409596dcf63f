# -*- coding: utf-8 -*-
# Copyright: (c) 2026, iiot.connectware contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""connectware_info in-process: argument handling and results against one simulated host; then its
runner alone, branch by branch, with a scripted client."""

import os
import sys
import threading

import pytest

from ansible_collections.iiot.connectware.plugins.module_utils._client import ConnectwareError
from ansible_collections.iiot.connectware.plugins.module_utils._runner_info import run_info
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


# -- the runner alone, with a scripted client: every branch, no simulator -----------------------------

SUBSET_PATHS = [
    ('info', '/api/system/info'),
    ('preflight', '/api/system/preflight'),
    ('health', '/api/system/health'),
    ('vrpc_health', '/api/system/vrpcHealth'),
    ('metrics', '/api/system/metrics'),
    ('agents', '/api/system/agents'),
    ('marketplace_apps', '/api/marketplace/apps'),
]
PATH_OF = dict(SUBSET_PATHS)
# A perpetual license (valid, no expiration date): its summary does not depend on today's date.
INFO_ANSWER = {'time': 't', 'version': '1.7.2', 'license': {
    'name': 'Connectware Production', 'valid': True,
    'file': {'id': 'lic-1', 'associatedAccount': 'acme', 'connectwareLicenseClass': 'Production'}}}


class FakeClient(object):
    """Answers each path with its scripted answer (once); an exception in the script is raised."""

    def __init__(self, login_error=None, **answers):
        self.answers = dict(answers)
        self.login_error = login_error
        self.base_url = 'https://cw.example'
        self.calls = []
        self.logins = 0
        self.lock = threading.Lock()

    def ensure_authenticated(self):
        with self.lock:
            self.logins += 1
        if self.login_error is not None:
            raise self.login_error

    def get(self, path, params=None):
        with self.lock:
            self.calls.append((path, params))
            assert path in self.answers, 'unexpected request GET %s' % path
            answer = self.answers.pop(path)
        if isinstance(answer, Exception):
            raise answer
        return answer


def answers_for(*subsets, **special):
    """A scripted answer for each subset's endpoint: a distinct object each, or the one given in ``special``."""
    answers = {}
    for name in subsets:
        answers[PATH_OF[name]] = special.get(name, INFO_ANSWER if name == 'info' else {'answer of': name})
    return answers


class FakeTask(object):
    """What the runner gets (a Task): the module's defaults, overridden by ``params``, and the client."""

    def __init__(self, client, **params):
        spec = connectware_info.OPTIONS['argument_spec']
        self.params = dict((name, list(option['default'])) for name, option in spec.items())
        self.params.update(params)
        self.client = client
        self.check_mode = False
        self.diff_mode = False
        self.warnings = []

    def warn(self, message):
        self.warnings.append(message)


@pytest.mark.parametrize('gather_subset, words', [
    (['info', 'licence'], "gather_subset: unknown subset 'licence'; valid subsets are all, info, preflight, health, "
                          "vrpc_health, metrics, agents, marketplace_apps (prefix ! to exclude)"),
    (['!licence'], "gather_subset: unknown subset '!licence'"),
    (['!all'], "gather_subset ['!all'] selects nothing: name at least one subset"),
    (['!all', '!info'], "gather_subset ['!all', '!info'] selects nothing: name at least one subset (info, "
                        "preflight, health, vrpc_health, metrics, agents, marketplace_apps)"),
    (['info', '!info'], "gather_subset ['info', '!info'] selects nothing"),
])
def test_runner_refuses_bad_subsets_before_any_request(gather_subset, words):
    client = FakeClient()
    with pytest.raises(ConnectwareError) as caught:
        run_info(FakeTask(client, gather_subset=gather_subset))
    assert caught.value.kind == 'config'
    assert caught.value.message.startswith(words)
    assert client.calls == [] and client.logins == 0


def test_runner_default_subsets_one_request_each_and_the_answers_unchanged():
    client = FakeClient(**answers_for('info', 'health', 'vrpc_health'))
    result = run_info(FakeTask(client))
    assert sorted(client.calls) == sorted((PATH_OF[name], None) for name in ('info', 'health', 'vrpc_health'))
    assert client.logins == 1
    assert result['changed'] is False
    assert result['gathered_subsets'] == ['info', 'health', 'vrpc_health']
    assert result['info'] == INFO_ANSWER
    assert result['health'] == {'answer of': 'health'} and result['vrpc_health'] == {'answer of': 'vrpc_health'}
    assert result['license'] == dict(name='Connectware Production', id='lic-1', account='acme',
                                     license_class='Production', expiration=None, valid=True, days_left=None)
    assert sorted(result) == ['changed', 'gathered_subsets', 'health', 'info', 'license', 'vrpc_health']


def test_runner_all_subsets_in_the_documented_order():
    names = [name for name, _path in SUBSET_PATHS]
    client = FakeClient(**answers_for(*names))
    result = run_info(FakeTask(client, gather_subset=['metrics', 'all']))
    assert result['gathered_subsets'] == names
    assert sorted(path for path, _params in client.calls) == sorted(PATH_OF.values())
    assert client.answers == {}
    for name in names[1:]:
        assert result[name] == {'answer of': name}


@pytest.mark.parametrize('metrics_period, query', [
    (['hourly', 'daily'], {'hourly': 'true', 'daily': 'true'}),
    (['daily'], {'hourly': 'false', 'daily': 'true'}),
    (['hourly'], {'hourly': 'true', 'daily': 'false'}),
    ([], {'hourly': 'false', 'daily': 'false'}),
])
def test_runner_metrics_period_becomes_the_query(metrics_period, query):
    client = FakeClient(**answers_for('metrics', 'agents'))
    result = run_info(FakeTask(client, gather_subset=['metrics', 'agents'], metrics_period=metrics_period))
    assert sorted(client.calls) == [(PATH_OF['agents'], None), (PATH_OF['metrics'], query)]
    assert result['metrics'] == {'answer of': 'metrics'}


@pytest.mark.parametrize('gather_subset', [['health'], ['!info'], ['preflight', 'marketplace_apps']])
def test_runner_license_only_when_info_is_gathered(gather_subset):
    expected = [name for name, _path in SUBSET_PATHS if name != 'info'] if gather_subset == ['!info'] else gather_subset
    client = FakeClient(**answers_for(*expected))
    result = run_info(FakeTask(client, gather_subset=gather_subset))
    assert result['gathered_subsets'] == expected
    assert 'license' not in result and 'info' not in result
    assert PATH_OF['info'] not in [path for path, _params in client.calls]


@pytest.mark.parametrize('answer', [{}, {'license': 'none'}, ['not', 'a', 'map'], None])
def test_runner_license_of_an_info_answer_without_one_is_all_unknown(answer):
    client = FakeClient(**answers_for('info', info=answer))
    result = run_info(FakeTask(client, gather_subset=['info']))
    assert result['info'] == answer
    assert result['license'] == dict(name=None, id=None, account=None, license_class=None, expiration=None,
                                     valid=False, days_left=None)


def test_runner_failing_subsets_give_one_error_naming_each():
    client = FakeClient(**answers_for(
        'info', 'metrics', 'agents',
        agents=ConnectwareError('Connectware at https://cw.example answered 400: Not able to fetch system agents',
                                kind='http', method='GET', path=PATH_OF['agents'], status=400, attempts=1),
        metrics=ConnectwareError('Connectware at https://cw.example answered 500', kind='http', method='GET',
                                 path=PATH_OF['metrics'], status=500, attempts=1)))
    with pytest.raises(ConnectwareError) as caught:
        run_info(FakeTask(client, gather_subset=['agents', 'info', 'metrics']))
    error = caught.value
    assert error.message == ('subset metrics: Connectware at https://cw.example answered 500; '
                             'subset agents: Connectware at https://cw.example answered 400: '
                             'Not able to fetch system agents')
    # The structured part is the first failing subset's, in the documented order.
    assert error.kind == 'http' and error.status == 500 and error.path == PATH_OF['metrics']
    assert error.result is None
    assert len(client.calls) == 3


def test_runner_one_failing_subset_among_good_ones():
    client = FakeClient(**answers_for('info', 'health', 'vrpc_health', health=ConnectwareError(
        'timed out', kind='timeout', method='GET', path=PATH_OF['health'])))
    with pytest.raises(ConnectwareError) as caught:
        run_info(FakeTask(client))
    assert caught.value.message == 'subset health: timed out'
    assert caught.value.kind == 'timeout'


def test_runner_a_rejected_login_is_said_once_for_every_subset_without_requests():
    client = FakeClient(login_error=ConnectwareError('login refused for user admin', kind='auth', status=401))
    with pytest.raises(ConnectwareError) as caught:
        run_info(FakeTask(client, gather_subset=['info', 'health']))
    assert caught.value.message == 'subset info, subset health: login refused for user admin'
    assert caught.value.kind == 'auth' and caught.value.status == 401
    assert client.calls == [] and client.logins == 1


def test_runner_changes_nothing_even_in_check_mode():
    client = FakeClient(**answers_for('agents'))
    task = FakeTask(client, gather_subset=['agents'])
    task.check_mode = True
    assert run_info(task) == dict(changed=False, gathered_subsets=['agents'], agents={'answer of': 'agents'})


def test_traffic_from_the_simulated_host_equals_its_metrics(host):
    failed, result = run_module(connectware_info.main, args_for(host, gather_subset=['metrics']))
    assert not failed, result
    hourly = host.state['metrics']['hourly']
    assert result['metrics']['hourly'] == hourly
    assert result['traffic']['hourly'] == [
        dict(timestamp=entry['timestamp'], messages=entry['numberOfReceivedMessages'],
             datapoints=entry['numberOfConnectedDatapoints']) for entry in hourly]
    assert result['traffic']['hours'] == len(hourly) == 24
    assert result['traffic']['quiet_hours'] == 0 and result['traffic']['finding'] is None
    assert result['traffic']['messages_total'] == sum(entry['numberOfReceivedMessages'] for entry in hourly)


def test_traffic_that_fell_to_zero_is_a_finding():
    stopped = Instance('cw-quiet', {'preset': 'traffic_stopped'}).start()
    try:
        failed, result = run_module(connectware_info.main, args_for(stopped, gather_subset=['metrics']))
    finally:
        stopped.stop()
    assert not failed, result
    assert [point['messages'] for point in result['traffic']['hourly']][-6:-4] != [0, 0]
    assert result['traffic']['quiet_hours'] == 5
    assert result['traffic']['finding'] == 'no messages for 5 h'


@pytest.mark.parametrize('answer, hourly, quiet', [
    (None, [], 0),
    ({'hourly': 'not a list'}, [], 0),
    # Hostile counts become None; an unknown latest count ends the quiet streak.
    ({'hourly': [{'timestamp': 'b', 'numberOfReceivedMessages': 0},
                 {'timestamp': 'a', 'numberOfReceivedMessages': -1, 'numberOfConnectedDatapoints': True},
                 'junk',
                 {'timestamp': 'c', 'numberOfReceivedMessages': 2.5, 'numberOfConnectedDatapoints': 3.0}]},
     [dict(timestamp='a', messages=None, datapoints=None), dict(timestamp='b', messages=0, datapoints=None),
      dict(timestamp='c', messages=None, datapoints=3)], 0),
    # Sorted by timestamp: the zeros sent first are the latest hours.
    ({'hourly': [{'timestamp': 'c', 'numberOfReceivedMessages': 0}, {'timestamp': 'b', 'numberOfReceivedMessages': 0},
                 {'timestamp': 'a', 'numberOfReceivedMessages': 7}]},
     [dict(timestamp='a', messages=7, datapoints=None), dict(timestamp='b', messages=0, datapoints=None),
      dict(timestamp='c', messages=0, datapoints=None)], 2),
    ({'hourly': [{'numberOfReceivedMessages': float('nan')}, {'numberOfReceivedMessages': 0}]},
     [dict(timestamp=None, messages=None, datapoints=None), dict(timestamp=None, messages=0, datapoints=None)], 1),
])
def test_traffic_of_untrusted_metrics(answer, hourly, quiet):
    from ansible_collections.iiot.connectware.plugins.module_utils._runner_info import traffic_of_metrics
    traffic = traffic_of_metrics(answer)
    assert traffic['hourly'] == hourly
    assert traffic['quiet_hours'] == quiet
    assert traffic['finding'] == ('no messages for %d h' % quiet if quiet else None)
