# -*- coding: utf-8 -*-
# Copyright: (c) 2026, iiot.connectware contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""connectware_service: the comparison and the state machine with a scripted client and a fake clock,
and main() in-process against one simulated host."""

import base64
import copy
import json
import math
import os
import sys

import pytest

from ansible_collections.iiot.connectware.plugins.module_utils import _service
from ansible_collections.iiot.connectware.plugins.module_utils._client import REDACTED, ConnectwareError
from ansible_collections.iiot.connectware.plugins.module_utils._task import Task
from ansible_collections.iiot.connectware.plugins.modules import connectware_service
from connectware_sim import Instance
from connectware_sim.services import installed_service

sys.path.insert(0, os.path.join(os.path.dirname(__file__), '..', '..'))
from module_runner import run_module  # noqa: E402  pylint: disable=wrong-import-position

FILE = """description: test service
metadata:
  name: Test
parameters:
  host:
    type: string
resources:
  conn:
    type: Cybus::Connection
    properties:
      host: !ref host
"""
SID = 'svc-1'
PATH = '/api/services/' + SID
STATUS = PATH + '/status'
OPERATION = PATH + '/operation'
SECRET = 'Sentinel-Secret-Value-31337'


def b64(text):
    return base64.b64encode(text.encode('utf-8')).decode('ascii')


def http(status, body=None):
    return ConnectwareError('Connectware answered HTTP %d' % status, kind='http', status=status, body=body)


def service(current='enabled', target=None, parameters=None, data='file', content=FILE, resources=None):
    answer = {'id': SID, 'targetState': target or current, 'currentState': current,
              'resources': resources if resources is not None else [{'id': 'conn', 'currentState': current}]}
    if data == 'file':
        answer['commissioningData'] = {'commissioningFile': b64(content), 'parameters': dict(parameters or {})}
    elif data == 'text':
        answer['commissioningData'] = {'commissioningFile': content, 'parameters': dict(parameters or {})}
    elif data == 'parameters_only':
        answer['commissioningData'] = {'parameters': dict(parameters or {})}
    else:
        answer['commissioningData'] = data
    return answer


def status(current, target=None):
    return {'id': SID, 'targetState': target or current, 'currentState': current}


class FakeClient(object):
    """Answers from a script: (method, path) -> answers in order, the last one repeated."""

    base_url = 'https://cw.example'

    def __init__(self, script):
        self.script = dict((key, list(value)) for key, value in script.items())
        self.calls = []
        self.secrets = []

    def request(self, method, path, params=None, body=None, allow_empty=False):
        self.calls.append((method, path, copy.deepcopy(body)))
        queue = self.script.get((method, path))
        assert queue, 'unexpected request %s %s' % (method, path)
        answer = queue.pop(0) if len(queue) > 1 else queue[0]
        if isinstance(answer, Exception):
            raise copy.copy(answer)
        return copy.deepcopy(answer)

    def get(self, path, params=None):
        return self.request('GET', path, params=params)

    def add_secret(self, text):
        self.secrets.append(text)

    def paths(self):
        return [(method, path) for method, path, _body in self.calls]

    def writes(self):
        return [(method, path) for method, path, _body in self.calls
                if method != 'GET' and path != _service.VALIDATE_PATH]

    def body(self, method, path):
        found = [body for call_method, call_path, body in self.calls if (call_method, call_path) == (method, path)]
        assert len(found) == 1, found
        return found[0]


class FakeClock(object):
    def __init__(self):
        self.now = 1000.0
        self.sleeps = []

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        assert seconds > 0
        self.sleeps.append(seconds)
        self.now += seconds


def params(**overrides):
    values = dict(service_id=SID, state='enabled', src=None, content=FILE, marketplace=None, parameters=None,
                  force=False, wait=True, wait_timeout=60.0, wait_interval=5.0)
    values.update(overrides)
    return values


def run(script, check_mode=False, diff_mode=False, **overrides):
    client = FakeClient(script)
    clock = FakeClock()
    task = Task(params(**overrides), client, check_mode=check_mode, diff_mode=diff_mode)
    try:
        result = _service.run_service(task, clock=clock, sleep=clock.sleep)
    except ConnectwareError as error:
        return client, clock, task, error
    return client, clock, task, result


NEW = {('GET', PATH): [http(404)], ('POST', _service.VALIDATE_PATH): [None]}


def merged(base, more):
    script = dict(base)
    script.update(more)
    return script


# -- input refused before any request -----------------------------------------------------------


@pytest.mark.parametrize('service_id', ['', 'a/b', '../x', 'a b', 'x?y', 'x#y', 'é', '-lead', '_lead', 'a' * 101,
                                        'a%2Fb', 'a.b', 'line\nbreak'])
def test_service_id_outside_the_documented_set_is_refused_before_any_request(service_id):
    client, _clock, _task, error = run({}, service_id=service_id)
    assert isinstance(error, ConnectwareError) and error.kind == 'config'
    assert 'service_id' in error.message and 'letters, digits' in error.message
    assert '\n' not in error.message
    assert client.calls == []


@pytest.mark.parametrize('service_id', ['a', 'opcuatomqtt', 'Plant_1-line-2', '9lives', 'a' * 100])
def test_service_ids_in_the_set_are_sent(service_id):
    client, _clock, _task, result = run({('GET', '/api/services/' + service_id): [service()]},
                                        service_id=service_id)
    assert client.paths()[0] == ('GET', '/api/services/' + service_id)


@pytest.mark.parametrize('option,value', [('wait_timeout', float('nan')), ('wait_timeout', float('inf')),
                                          ('wait_timeout', -1.0), ('wait_timeout', 86401.0),
                                          ('wait_interval', 0.0), ('wait_interval', -0.5),
                                          ('wait_interval', float('inf')), ('wait_interval', 3601.0)])
def test_wait_options_must_be_finite_and_sensible(option, value):
    client, _clock, _task, error = run({}, **{option: value})
    assert isinstance(error, ConnectwareError) and error.kind == 'config'
    assert error.message.startswith(option + ' must be a finite number')
    assert client.calls == []


@pytest.mark.parametrize('content,what', [('- a\n- b\n', 'a list'), ('just text', 'a str'), ('', 'empty'),
                                          ('   \n', 'empty'), ('~\n', 'empty')])
def test_a_file_that_is_no_mapping_is_refused_before_any_request(content, what):
    client, _clock, _task, error = run({}, content=content)
    assert isinstance(error, ConnectwareError) and error.kind == 'config'
    assert what in error.message
    assert client.calls == []


def test_src_that_did_not_pass_the_action_plugin_is_explained():
    client, _clock, _task, error = run({}, content=None, src='/tmp/service.yml')
    assert 'action plugin' in error.message and client.calls == []


def test_invalid_yaml_is_left_to_connectware_to_judge():
    bad = 'description: [unclosed\n'
    client, _clock, _task, error = run(merged(NEW, {('POST', _service.VALIDATE_PATH): [
        http(400, 'Invalid service commissioning file: not valid YAML')]}), content=bad)
    assert error.status == 400
    assert 'not valid YAML' in error.message and 'Nothing was installed' in error.message
    assert client.writes() == []


# -- install ----------------------------------------------------------------------------------------


def test_new_enabled_service_is_validated_installed_and_waited_for():
    script = merged(NEW, {('POST', '/api/services'): [status('enabling', 'enabled')],
                          ('GET', STATUS): [status('enabling', 'enabled'), status('enabled')]})
    client, clock, task, result = run(script, parameters={'host': '192.0.2.1'})
    assert result['changed'] is True
    assert result['actions'] == ['validated', 'installed', 'enabled']
    assert result['service'] == status('enabled') and result['previous'] is None
    assert client.paths() == [('GET', PATH), ('POST', _service.VALIDATE_PATH), ('POST', '/api/services'),
                              ('GET', STATUS), ('GET', STATUS)]
    assert client.body('POST', _service.VALIDATE_PATH) == {'commissioningFile': b64(FILE)}
    assert client.body('POST', '/api/services') == {'id': SID, 'commissioningFile': b64(FILE),
                                                    'parameters': {'host': '192.0.2.1'}, 'targetState': 'enabled'}
    assert base64.b64decode(client.body('POST', '/api/services')['commissioningFile']) == FILE.encode('utf-8')
    assert clock.sleeps == [5.0, 5.0]
    assert task.warnings == []


def test_new_service_settled_at_once_needs_no_poll():
    client, clock, _task, result = run(merged(NEW, {('POST', '/api/services'): [status('enabled')]}))
    assert result['actions'] == ['validated', 'installed', 'enabled']
    assert client.paths() == [('GET', PATH), ('POST', _service.VALIDATE_PATH), ('POST', '/api/services')]
    assert clock.sleeps == []


@pytest.mark.parametrize('state', ['present', 'disabled'])
def test_new_present_or_disabled_service_is_installed_disabled(state):
    script = merged(NEW, {('POST', '/api/services'): [status('installing', 'disabled')],
                          ('GET', STATUS): [status('disabled')]})
    client, _clock, _task, result = run(script, state=state)
    assert result['actions'] == ['validated', 'installed']
    assert client.body('POST', '/api/services')['targetState'] == 'disabled'
    assert client.body('POST', '/api/services')['parameters'] == {}
    assert result['service'] == status('disabled')


def test_validation_failure_installs_nothing_and_gives_connectwares_reason():
    reason = "Invalid service commissioning file: resource conn: unknown resource type 'Foo::Bar'"
    client, _clock, _task, error = run(merged(NEW, {('POST', _service.VALIDATE_PATH): [http(400, reason)]}))
    assert reason in error.message and 'Nothing was installed' in error.message
    assert error.result['changed'] is False and error.result['actions'] == []
    assert client.writes() == []


def test_wait_false_returns_when_accepted():
    client, clock, _task, result = run(merged(NEW, {('POST', '/api/services'): [status('enabling', 'enabled')]}),
                                       wait=False)
    assert result['service'] == status('enabling', 'enabled')
    assert ('GET', STATUS) not in client.paths() and clock.sleeps == []


def test_conflict_while_a_deletion_runs_is_retried_within_wait_timeout():
    conflict = http(409, 'deletion running')
    script = merged(NEW, {('POST', '/api/services'): [conflict, conflict, status('enabled')]})
    client, clock, _task, result = run(script, wait_interval=2.0)
    assert result['actions'] == ['validated', 'installed', 'enabled']
    assert client.paths().count(('POST', '/api/services')) == 3
    assert clock.sleeps == [2.0, 2.0]


def test_conflict_until_wait_timeout_fails_clearly():
    script = merged(NEW, {('POST', '/api/services'): [http(409, 'deletion running')]})
    client, clock, _task, error = run(script, wait_timeout=10.0, wait_interval=3.0)
    assert error.status == 409
    assert 'wait_timeout=10s' in error.message and 'deletion' in error.message
    assert sum(clock.sleeps) == 10.0 and clock.sleeps[-1] == 1.0
    assert error.result['changed'] is False and error.result['actions'] == ['validated']
    assert client.paths().count(('POST', '/api/services')) == 5


def test_other_write_errors_are_not_retried():
    client, _clock, _task, error = run(merged(NEW, {('POST', '/api/services'): [http(500)]}))
    assert error.status == 500 and client.paths().count(('POST', '/api/services')) == 1


# -- an installed service -------------------------------------------------------------------------


def test_unchanged_service_costs_one_get_and_changes_nothing():
    client, clock, task, result = run({('GET', PATH): [service(parameters={'host': 'h1'})]}, parameters={'host': 'h1'})
    assert result['changed'] is False and result['actions'] == []
    assert client.paths() == [('GET', PATH)]
    assert result['service'] == result['previous'] == status('enabled')
    assert clock.sleeps == [] and task.warnings == []


@pytest.mark.parametrize('installed', [
    FILE.replace('\n', '\r\n'),
    FILE + '\n\n',
    json.dumps({'description': 'test service', 'metadata': {'name': 'Test'}, 'parameters': {'host': {'type': 'string'}},
                'resources': {'conn': {'type': 'Cybus::Connection', 'properties': {'host': 'host'}}}}),
])
def test_the_same_file_in_another_form_is_equal(installed):
    client, _clock, _task, result = run({('GET', PATH): [service(content=installed)]})
    assert result['changed'] is False and client.paths() == [('GET', PATH)]


def test_the_file_as_text_instead_of_base64_is_compared_too():
    client, _clock, _task, result = run({('GET', PATH): [service(data='text')]})
    assert result['changed'] is False
    client, _clock, _task, result = run({('GET', PATH): [service(data='text', content=FILE + 'x: 1\n')],
                                         ('POST', _service.VALIDATE_PATH): [None], ('PUT', PATH): [None]}, wait=False)
    assert result['actions'] == ['validated', 'updated']
    assert result['service'] == {'id': SID, 'targetState': 'enabled', 'currentState': None}


@pytest.mark.parametrize('given,installed,equal', [
    ({'port': '4840'}, {'port': 4840}, True),
    ({'port': 4840}, {'port': 4840.0}, True),
    ({'tls': 'true'}, {'tls': True}, True),
    ({'tls': True}, {'tls': 1}, False),
    ({'host': 'a'}, {'host': 'a', 'other': 'default'}, True),
    ({}, {'host': 'a'}, True),
    ({'host': 'a'}, {}, False),
    ({'host': 'a'}, {'host': 'b'}, False),
    ({'list': [1, 'x']}, {'list': ['1', 'x']}, True),
    ({'host': None}, {'host': None}, True),
    ({'host': None}, {'host': ''}, False),
])
def test_parameter_comparison(given, installed, equal):
    assert (_service.changed_parameters(given, installed) == []) is equal


def test_a_changed_parameter_re_deploys_with_a_warning():
    script = {('GET', PATH): [service(parameters={'host': 'h1', 'port': 1})], ('POST', _service.VALIDATE_PATH): [None],
              ('PUT', PATH): [None], ('GET', STATUS): [status('updating', 'enabled'), status('enabled')]}
    client, clock, task, result = run(script, parameters={'host': 'h2'})
    assert result['changed'] is True and result['actions'] == ['validated', 'updated']
    assert client.body('PUT', PATH) == {'commissioningFile': b64(FILE), 'parameters': {'host': 'h2'}}
    assert task.warnings == ['service svc-1 is re-deployed (parameters (host)): its resources restart']
    assert result['service'] == status('enabled') and len(clock.sleeps) == 2


def test_a_changed_file_re_deploys_and_keeps_the_installed_parameters():
    script = {('GET', PATH): [service(parameters={'host': 'h1'}, content=FILE + 'extra: 1\n')],
              ('POST', _service.VALIDATE_PATH): [None], ('PUT', PATH): [None], ('GET', STATUS): [status('enabled')]}
    client, _clock, task, result = run(script)
    assert result['actions'] == ['validated', 'updated']
    assert client.body('PUT', PATH) == {'commissioningFile': b64(FILE), 'parameters': {'host': 'h1'}}
    assert 'commissioning file' in task.warnings[0]


def test_a_re_deploy_that_connectware_rejects_changes_nothing():
    script = {('GET', PATH): [service(content=FILE + 'extra: 1\n')],
              ('POST', _service.VALIDATE_PATH): [http(400, 'resources must be a mapping')]}
    client, _clock, _task, error = run(script)
    assert 'resources must be a mapping' in error.message and 'Nothing was changed' in error.message
    assert client.writes() == [] and error.result['changed'] is False


@pytest.mark.parametrize('data,given,missing', [
    ('parameters_only', None, 'commissioning file'),
    ({}, {'host': 'h1'}, 'commissioning file and parameters'),
    (None, None, 'commissioning file'),
    ('garbage', None, None),
])
def test_an_answer_without_the_file_is_not_re_deployed_but_warned_about(data, given, missing):
    client, _clock, task, result = run({('GET', PATH): [service(data=data)], ('POST', _service.VALIDATE_PATH): [None],
                                        ('PUT', PATH): [None]}, parameters=given, wait=False)
    if missing is None:
        # Text that is neither base64 nor this file: a different file, so a re-deploy is due.
        assert client.paths()[1] == ('POST', _service.VALIDATE_PATH)
        return
    assert result['changed'] is False and client.paths() == [('GET', PATH)]
    assert len(task.warnings) == 1
    assert 'does not include its %s' % missing in task.warnings[0] and 'force: true' in task.warnings[0]


def test_force_re_deploys_what_cannot_be_compared():
    script = {('GET', PATH): [service(data='parameters_only')], ('POST', _service.VALIDATE_PATH): [None],
              ('PUT', PATH): [None], ('GET', STATUS): [status('enabled')]}
    client, _clock, task, result = run(script, force=True)
    assert result['actions'] == ['validated', 'updated']
    assert task.warnings == ['service svc-1 is re-deployed (force: true): its resources restart']


def test_force_re_deploys_an_equal_service():
    script = {('GET', PATH): [service()], ('POST', _service.VALIDATE_PATH): [None], ('PUT', PATH): [None],
              ('GET', STATUS): [status('enabled')]}
    _client, _clock, _task, result = run(script, force=True)
    assert result['changed'] is True and result['actions'] == ['validated', 'updated']


# -- enable, disable ----------------------------------------------------------------------------------


def test_disable_an_enabled_service():
    script = {('GET', PATH): [service()], ('PUT', OPERATION): [None],
              ('GET', STATUS): [status('disabling', 'disabled'), status('disabled')]}
    client, _clock, _task, result = run(script, state='disabled')
    assert result['actions'] == ['disabled'] and result['service'] == status('disabled')
    assert client.body('PUT', OPERATION) == {'operation': 'disable'}


def test_enable_a_disabled_service():
    script = {('GET', PATH): [service('disabled')], ('PUT', OPERATION): [None], ('GET', STATUS): [status('enabled')]}
    client, _clock, _task, result = run(script)
    assert result['actions'] == ['enabled'] and client.body('PUT', OPERATION) == {'operation': 'enable'}


def test_present_leaves_the_state_alone():
    client, _clock, _task, result = run({('GET', PATH): [service('disabled')]}, state='present')
    assert result['changed'] is False and client.paths() == [('GET', PATH)]


def test_a_service_on_its_way_is_waited_for_not_sent_again():
    script = {('GET', PATH): [service('enabling', 'enabled')], ('GET', STATUS): [status('enabled')]}
    client, _clock, _task, result = run(script)
    assert result['changed'] is False and result['actions'] == []
    assert client.paths() == [('GET', PATH), ('GET', STATUS)]


def test_a_deviated_service_is_enabled_again():
    script = {('GET', PATH): [service('deviated', 'enabled')], ('PUT', OPERATION): [None],
              ('GET', STATUS): [status('enabled')]}
    _client, _clock, _task, result = run(script)
    assert result['actions'] == ['enabled'] and result['service'] == status('enabled')


def test_deviated_fails_naming_the_resources_that_missed_the_target():
    resources = [{'id': 'conn', 'type': 'Cybus::Connection', 'currentState': 'deviated'},
                 {'id': 'endpoint', 'type': 'Cybus::Endpoint', 'currentState': 'enabled'},
                 {'id': 'mapping', 'type': 'Cybus::Mapping', 'currentState': 'disabled'}]
    script = merged(NEW, {('POST', '/api/services'): [status('enabling', 'enabled')],
                          ('GET', STATUS): [status('deviated', 'enabled')]})
    script[('GET', PATH)] = [http(404), service('deviated', 'enabled', resources=resources)]
    _client, _clock, _task, error = run(script)
    assert error.kind == 'service_state'
    assert "service svc-1 is deviated" in error.message
    assert "conn ('deviated'), mapping ('disabled')" in error.message and 'endpoint' not in error.message
    assert error.result['resources'] == [resources[0], resources[2]]
    assert error.result['changed'] is True and error.result['actions'] == ['validated', 'installed', 'enabled']
    assert error.result['service'] == status('deviated', 'enabled')


def test_timeout_fails_with_the_last_state_and_the_resources():
    resources = {'conn': {'state': 'enabling'}, 'other': 'enabled'}
    script = {('GET', PATH): [service('disabled'), service('enabling', 'enabled', resources=resources)],
              ('PUT', OPERATION): [None], ('GET', STATUS): [status('enabling', 'enabled')]}
    client, clock, _task, error = run(script, wait_timeout=12.0, wait_interval=5.0)
    assert error.kind == 'timeout'
    assert "did not reach enabled within wait_timeout=12s; its last state is 'enabling'" in error.message
    assert "conn ('enabling')" in error.message and 'other' not in error.message
    assert clock.sleeps == [5.0, 5.0, 2.0]
    assert error.result['changed'] is True and error.result['resources'] == [{'state': 'enabling'}]


def test_an_undocumented_state_is_never_success():
    script = {('GET', PATH): [service('disabled'), service('starting', 'enabled')], ('PUT', OPERATION): [None],
              ('GET', STATUS): [status('starting', 'enabled')]}
    _client, _clock, _task, error = run(script, wait_timeout=4.0, wait_interval=2.0)
    assert error.kind == 'timeout' and "'starting'" in error.message


@pytest.mark.parametrize('resources,expected', [
    ([{'name': 'a', 'status': 'x'}], [('a', 'x')]),
    ({'a': 'x', 'b': {'currentState': 'y'}}, [('a', 'x'), ('b', 'y')]),
    ([{'resourceId': 'r'}], [('r', None)]),
    ('nonsense', []),
    (None, []),
    ([1, None], [(None, None), (None, None)]),
])
def test_resource_shapes(resources, expected):
    assert [(name, state) for name, state, _raw in _service.resource_states(resources)] == expected


# -- absent --------------------------------------------------------------------------------------------


def test_absent_disables_deletes_and_waits_for_404():
    script = {('GET', PATH): [service(), service('deleting', 'disabled'), http(404)], ('PUT', OPERATION): [None],
              ('GET', STATUS): [status('disabled')], ('DELETE', PATH): [None]}
    client, _clock, _task, result = run(script, state='absent', content=None)
    assert result['actions'] == ['disabled', 'deleted'] and result['service'] is None
    assert result['previous'] == status('enabled')
    assert client.paths() == [('GET', PATH), ('PUT', OPERATION), ('GET', STATUS), ('DELETE', PATH),
                              ('GET', PATH), ('GET', PATH)]


def test_absent_of_a_disabled_service_only_deletes():
    script = {('GET', PATH): [service('disabled'), http(404)], ('DELETE', PATH): [None]}
    _client, _clock, _task, result = run(script, state='absent', content=None)
    assert result['actions'] == ['deleted']


def test_absent_when_not_installed_costs_one_get():
    client, _clock, _task, result = run({('GET', PATH): [http(404)]}, state='absent', content=None)
    assert result == {'changed': False, 'actions': [], 'service': None, 'previous': None}
    assert client.paths() == [('GET', PATH)]


def test_absent_that_does_not_finish_in_time_fails():
    script = {('GET', PATH): [service('disabled'), service('deleting', 'disabled')], ('DELETE', PATH): [None]}
    _client, _clock, _task, error = run(script, state='absent', content=None, wait_timeout=6.0)
    assert error.kind == 'timeout' and 'still there when wait_timeout=6s ran out' in error.message
    assert error.result['changed'] is True and error.result['actions'] == ['deleted']


def test_delete_meeting_a_conflict_is_retried():
    script = {('GET', PATH): [service('disabled'), http(404)], ('DELETE', PATH): [http(409), None]}
    client, _clock, _task, result = run(script, state='absent', content=None)
    assert result['actions'] == ['deleted'] and client.paths().count(('DELETE', PATH)) == 2


# -- check mode: every action predicted, no write --------------------------------------------------------


@pytest.mark.parametrize('state,installed,given,actions,after', [
    ('enabled', None, None, ['validated', 'installed', 'enabled'], status('enabled')),
    ('present', None, None, ['validated', 'installed'], status('disabled')),
    ('disabled', None, None, ['validated', 'installed'], status('disabled')),
    ('enabled', service('disabled'), None, ['enabled'], status('enabled')),
    ('disabled', service(), None, ['disabled'], status('disabled')),
    ('enabled', service(content=FILE + 'x: 1\n'), None, ['validated', 'updated'], status('enabled')),
    ('disabled', service(parameters={'host': 'a'}), {'host': 'b'}, ['validated', 'updated', 'disabled'],
     status('disabled')),
    ('enabled', service(), None, [], status('enabled')),
    ('enabled', service('enabling', 'enabled'), None, [], status('enabled')),
    ('absent', service(), None, ['disabled', 'deleted'], None),
    ('absent', service('disabled'), None, ['deleted'], None),
    ('absent', None, None, [], None),
])
def test_check_mode_predicts_and_writes_nothing(state, installed, given, actions, after):
    script = {('GET', PATH): [installed if installed is not None else http(404)],
              ('POST', _service.VALIDATE_PATH): [None]}
    client, clock, task, result = run(script, check_mode=True, state=state, parameters=given)
    assert result['actions'] == actions
    assert result['changed'] is bool([action for action in actions if action != 'validated'])
    assert result['service'] == after
    assert client.writes() == [] and clock.sleeps == []
    if 'updated' in actions:
        assert task.warnings[0].startswith('service svc-1 would be re-deployed')


# -- diff and secrets ----------------------------------------------------------------------------------


def test_diff_shows_parameters_masked_and_the_file():
    installed = service(parameters={'host': 'h1', 'brokerPassword': 'old-' + SECRET}, content=FILE + 'x: 1\n')
    script = {('GET', PATH): [installed], ('POST', _service.VALIDATE_PATH): [None]}
    client, _clock, _task, result = run(script, check_mode=True, diff_mode=True,
                                        parameters={'host': 'h2', 'brokerPassword': SECRET, 'apiKEY': 'k-' + SECRET,
                                                    'tokens': [SECRET + '-1', {'nested': SECRET + '-2'}], 'port': 1})
    parameters_diff, file_diff = result['diff']
    assert parameters_diff['before'] == {'state': 'enabled', 'parameters': {'host': 'h1', 'brokerPassword': REDACTED}}
    assert parameters_diff['after'] == {'state': 'enabled', 'parameters': {
        'host': 'h2', 'brokerPassword': REDACTED, 'apiKEY': REDACTED, 'tokens': REDACTED, 'port': 1}}
    assert file_diff['before'] == FILE + 'x: 1\n' and file_diff['after'] == FILE
    assert SECRET not in json.dumps(result)
    assert sorted(client.secrets) == sorted([SECRET, 'k-' + SECRET, SECRET + '-1', SECRET + '-2'])


def test_diff_of_a_new_and_of_a_removed_service():
    _client, _clock, _task, result = run({('GET', PATH): [http(404)], ('POST', _service.VALIDATE_PATH): [None]},
                                         check_mode=True, diff_mode=True)
    assert result['diff'][0]['before'] == {} and result['diff'][0]['before_header'].endswith('(absent)')
    assert result['diff'][1]['before'] == '' and result['diff'][1]['after'] == FILE
    _client, _clock, _task, result = run({('GET', PATH): [service()]}, check_mode=True, diff_mode=True,
                                         state='absent', content=None)
    assert result['diff'][0]['after'] == {} and result['diff'][1]['before'] == FILE
    assert result['diff'][1]['after'] == ''


def test_diff_says_when_connectware_did_not_return_the_file():
    _client, _clock, _task, result = run({('GET', PATH): [service(data='parameters_only')]}, diff_mode=True)
    assert 'did not return it' in result['diff'][1]['before_header']


@pytest.mark.parametrize('name,secret', [('password', True), ('brokerPassword', True), ('API_TOKEN', True),
                                         ('clientSecret', True), ('privateKey', True), ('keyboardLayout', True),
                                         ('host', False), ('port', False), ('pass', False)])
def test_secret_names(name, secret):
    assert _service.is_secret_name(name) is secret


def test_secret_values_of_every_kind_are_registered():
    assert _service.secret_leaves({'a': ['x', 1, 2.5, None, True, ' ']}) == ['x', '1', '2.5']


def test_canonical_handles_non_finite_floats():
    assert _service.canonical(float('inf')) == 'inf' and _service.canonical(float('nan')) == 'nan'
    assert math.isnan(float(_service.canonical(float('nan'))))


# -- main() in-process against the simulator -----------------------------------------------------------


@pytest.fixture
def host():
    instance = Instance('cw-unit', {'service_settle_polls': 1}).start()
    yield instance
    instance.stop()


def module_args(host, **extra):
    args = dict(url=host.url, token=host.admin_token, retries=0, service_id='unit', content=FILE,
                wait_interval=0.01)
    args.update(extra)
    return args


def test_main_installs_then_is_unchanged(host):
    failed, result = run_module(connectware_service.main, module_args(host, parameters={'host': 'h', 'password': SECRET}))
    assert not failed, result
    assert result['changed'] is True and result['actions'] == ['validated', 'installed', 'enabled']
    assert result['service'] == {'id': 'unit', 'targetState': 'enabled', 'currentState': 'enabled'}
    assert SECRET not in json.dumps(result)
    host.clear_requests()
    failed, result = run_module(connectware_service.main, module_args(host, parameters={'host': 'h', 'password': SECRET}))
    assert not failed and result['changed'] is False
    assert [(entry['method'], entry['path']) for entry in host.request_log()] == [('GET', '/api/services/unit')]


def test_main_fails_with_the_known_result(host):
    host.update_state({'service_deviated_resources': ['conn']})
    failed, result = run_module(connectware_service.main, module_args(host))
    assert failed and result['changed'] is True
    assert 'conn' in result['msg'] and result['resources'][0]['id'] == 'conn'
    assert result['api_error']['kind'] == 'service_state'


def test_main_refuses_bad_input_before_any_request(host):
    failed, result = run_module(connectware_service.main, module_args(host, service_id='../admin'))
    assert failed and 'service_id' in result['msg']
    failed, result = run_module(connectware_service.main, module_args(host, marketplace={'name': 'x'}))
    assert failed and 'mutually exclusive' in result['msg']
    failed, result = run_module(connectware_service.main, module_args(host, content=None))
    assert failed and 'needs the commissioning file: give src, content or marketplace' in result['msg']
    failed, result = run_module(connectware_service.main, module_args(host, wait_timeout=float('nan')))
    assert failed and 'wait_timeout' in result['msg']
    assert host.request_log() == []


def test_main_with_a_preinstalled_service(host):
    host.update_state({'connectware_services': {'unit': installed_service(FILE, {'host': 'h'}, state='disabled')}})
    failed, result = run_module(connectware_service.main, module_args(host, state='present', parameters={'host': 'h'}))
    assert not failed and result['changed'] is False
    assert result['previous'] == {'id': 'unit', 'targetState': 'disabled', 'currentState': 'disabled'}


# -- marketplace --------------------------------------------------------------------------------------------

LISTING = [{'name': 'Test App', 'directory': 'test-app', 'filename': 'test.yml', 'version': '1.0.0'}]
META = {'content': {'data': FILE}, 'meta': {'version': '1.0.0', 'updatedAt': '2025-01-01T00:00:00Z'}}


def test_marketplace_app_by_name_is_installed_with_its_origin():
    script = merged(NEW, {('GET', '/api/marketplace/apps'): [LISTING], ('GET', '/api/marketplace/app/meta'): [META],
                          ('POST', '/api/services'): [status('enabled')]})
    client, _clock, _task, result = run(script, content=None, marketplace={'name': 'Test App', 'version': '1.0.0'})
    assert result['actions'] == ['validated', 'installed', 'enabled']
    assert result['marketplace'] == {'name': 'Test App', 'directory': 'test-app', 'filename': 'test.yml',
                                     'version': '1.0.0', 'updatedAt': '2025-01-01T00:00:00Z'}
    body = client.body('POST', '/api/services')
    assert body['commissioningFile'] == b64(FILE)
    assert body['marketplace'] == {'directory': 'test-app', 'filename': 'test.yml', 'version': '1.0.0'}
    # The service is read first, then the app is looked up.
    assert client.paths()[:3] == [('GET', PATH), ('GET', '/api/marketplace/apps'), ('GET', '/api/marketplace/app/meta')]


def test_marketplace_app_at_another_version_installs_nothing():
    script = merged(NEW, {('GET', '/api/marketplace/apps'): [LISTING], ('GET', '/api/marketplace/app/meta'): [META]})
    client, _clock, _task, error = run(script, content=None, marketplace={'name': 'Test App', 'version': '2.0.0'})
    assert error.kind == 'config' and error.message.startswith('marketplace.version:')
    assert error.result['changed'] is False and client.writes() == []
    assert ('POST', _service.VALIDATE_PATH) not in client.paths()


def test_unknown_marketplace_app_names_the_candidates():
    script = merged(NEW, {('GET', '/api/marketplace/apps'): [LISTING]})
    client, _clock, _task, error = run(script, content=None, marketplace={'name': 'Test'})
    assert "marketplace.name: no marketplace app is named 'Test'" in error.message and 'test-app' in error.message
    assert client.writes() == []


def test_marketplace_file_that_is_no_mapping_is_refused():
    meta = {'content': {'data': '- a\n- b\n'}, 'meta': {'version': '1.0.0'}}
    script = merged(NEW, {('GET', '/api/marketplace/app/meta'): [meta]})
    client, _clock, _task, error = run(script, content=None, marketplace={'directory': 'test-app', 'filename': 'test.yml'})
    assert error.kind == 'config' and 'marketplace app test-app/test.yml' in error.message and 'a list' in error.message
    assert client.writes() == [] and ('POST', _service.VALIDATE_PATH) not in client.paths()
