# -*- coding: utf-8 -*-
# Copyright: (c) 2026, iiot.connectware contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Bad input across every module and the role: a clear error naming the option, no traceback, no request.

The modules' cases and the role's are two plays, on hosts of their own, of one ansible-playbook run
(the ``scenarios`` fixture); each test reads its play back.
"""

import json

import pytest

from harness import connection_vars, run_playbook, scenario_play, scenario_playbook, write_inventory

INFO = 'iiot.connectware.connectware_info'
LICENSE = 'iiot.connectware.connectware_license'
HEALTH = 'iiot.connectware.connectware_health_check'
APP = 'iiot.connectware.connectware_marketplace_app'

# (module, arguments replacing or adding to the connection, expected words of the message)
CASES = [
    (INFO, {'url': 'cw.example'}, "url 'cw.example' has no http(s) scheme and host: write it as https://cw.example"),
    (INFO, {'url': 'ftp://cw.example'}, 'has no http(s) scheme'),
    (INFO, {'url': 'https://cw.example/?apiToken=abc'}, 'url must not have a query string'),
    (INFO, {'url': 'https://admin:secret@cw.example'}, 'url must not carry credentials'),
    (INFO, {'url': ''}, 'url is empty'),
    (INFO, {'url': 'https://cw.example:70000'}, 'has an invalid port'),
    (INFO, {'timeout': -5}, 'timeout must be a number of seconds greater than 0 (got -5.0)'),
    (INFO, {'timeout': 0}, 'timeout must be a number of seconds greater than 0'),
    (INFO, {'timeout': 'soon'}, "argument 'timeout' is of type"),
    (INFO, {'retries': -1}, 'retries must be 0 or more (got -1)'),
    (INFO, {'retries': 'many'}, "argument 'retries' is of type"),
    (INFO, {'username': 'admin', 'password': 'admin'}, 'parameters are mutually exclusive: token|username'),
    (INFO, {'token': None, 'username': 'admin'}, 'parameters are required together: username, password'),
    (INFO, {'token': None, 'password': 'x'}, 'parameters are required together: username, password'),
    (INFO, {'token': '   '}, 'token is empty'),
    (INFO, {'client_key': '/tmp/key.pem'}, "missing parameter(s) required by 'client_key': client_cert"),
    (INFO, {'validate_certs': 'maybe'}, "argument 'validate_certs' is of type"),
    (INFO, {'gather_subset': ['info', 'licence']}, "gather_subset: unknown subset 'licence'"),
    (INFO, {'gather_subset': ['!all']}, 'selects nothing'),
    (INFO, {'gather_subset': ['!disk']}, "unknown subset '!disk'"),
    (INFO, {'metrics_period': ['weekly']}, 'value of metrics_period must be one or more of: hourly, daily'),
    (INFO, {'colour': 'blue'}, 'Unsupported parameters for (iiot.connectware.connectware_info) module: colour'),
    (LICENSE, {'src': '/nonexistent/license.lic'}, 'src: license file /nonexistent/license.lic not found'),
    (LICENSE, {'src': '{{ bad_dir }}/empty.lic'}, 'is empty'),
    (LICENSE, {'src': '{{ bad_dir }}/binary.lic'}, 'is not UTF-8 text'),
    (LICENSE, {'src': '{{ bad_dir }}/empty.lic', 'content': 'x'}, 'parameters are mutually exclusive: src|content'),
    (LICENSE, {}, 'state is present but any of the following are missing: src, content'),
    (LICENSE, {'content': '  \n '}, 'content: the license is empty'),
    (LICENSE, {'content': 'x', 'min_days_left': -1}, 'min_days_left must be 0 or more (got -1)'),
    (LICENSE, {'content': 'x', 'min_days_left': 'ten'}, "argument 'min_days_left' is of type"),
    (LICENSE, {'content': 'x', 'state': 'absent'}, 'value of state must be one of: present, refreshed, got: absent'),
    (LICENSE, {'content': 'x', 'state': 'refreshed'}, 'src and content are only for state=present'),
    (LICENSE, {'content': 'x', 'force': 'yes please'}, "argument 'force' is of type"),
    (LICENSE, {'content': 'x', 'url': 'cw.example'}, 'has no http(s) scheme'),
    (HEALTH, {'checks': ['disk']}, 'value of checks must be one or more of: health, vrpc, license, preflight'),
    (HEALTH, {'checks': []}, 'checks is empty'),
    (HEALTH, {'wait_timeout': -5}, 'wait_timeout must be 0 or more (got -5.0)'),
    (HEALTH, {'wait_timeout': 'long'}, "argument 'wait_timeout' is of type"),
    (HEALTH, {'wait_interval': 0}, 'wait_interval must be greater than 0 (got 0.0)'),
    (HEALTH, {'license_min_days': -1}, 'license_min_days must be 0 or more (got -1)'),
    (HEALTH, {'preflight_required': ['github']}, 'value of preflight_required must be one or more of'),
    (HEALTH, {'healthy_statuses': []}, 'healthy_statuses is empty'),
    (HEALTH, {'services': 'broker,auth'}, None),  # a comma string is a valid list: must not fail
    (APP, {'name': 'x', 'directory': 'd', 'filename': 'f'}, 'parameters are mutually exclusive: name|directory'),
    (APP, {'directory': 'd'}, 'parameters are required together: directory, filename'),
    (APP, {}, 'one of the following is required: name, directory'),
    (APP, {'name': ''}, 'name is empty'),
    (APP, {'directory': 'd', 'filename': 'f', 'version': ' '}, 'version is empty'),
    (APP, {'name': 'OPC UA to MQTT', 'dest': '/nonexistent/folder/app.yml'},
     'dest: the folder /nonexistent/folder does not exist: create it first'),
    (APP, {'name': 'OPC UA to MQTT', 'backup': 'perhaps'}, "argument 'backup' is of type"),
    # Numbers that are no numbers: one shared check of every float option, before any request.
    (INFO, {'timeout': 'nan'}, 'timeout must be a finite number (got nan)'),
    (INFO, {'timeout': 'inf'}, 'timeout must be a finite number (got inf)'),
    (HEALTH, {'wait_timeout': 'nan'}, 'wait_timeout must be a finite number (got nan)'),
    (HEALTH, {'wait_timeout': '1e999'}, 'wait_timeout must be a finite number (got inf)'),
    (HEALTH, {'wait_interval': 'nan'}, 'wait_interval must be a finite number (got nan)'),
    (LICENSE, {'content': 'x', 'timeout': '-inf'}, 'timeout must be a finite number (got -inf)'),
    # Files named in options exist and can be read, before any request.
    (INFO, {'ca_path': '/nonexistent/cybus_ca.crt'}, 'ca_path: /nonexistent/cybus_ca.crt does not exist'),
    (HEALTH, {'ca_path': '/nonexistent/cybus_ca.crt'}, 'ca_path: /nonexistent/cybus_ca.crt does not exist'),
    (INFO, {'client_cert': '/nonexistent/client.pem'}, 'client_cert: /nonexistent/client.pem does not exist'),
    (INFO, {'client_cert': '{{ bad_dir }}/empty.lic', 'client_key': '/nonexistent/key.pem'},
     'client_key: /nonexistent/key.pem does not exist'),
    (INFO, {'client_cert': '{{ bad_dir }}'}, 'is a directory, not a file'),
    # Tokens an HTTP header cannot carry, refused without being shown.
    (INFO, {'token': 'SECRETPW with spaces'}, 'token contains white space, which an HTTP Authorization header cannot carry'),
    (INFO, {'token': 'SECRETPW\nline'}, 'token contains white space'),
    (INFO, {'token': 'SECRETPW\u20ac'}, 'token contains characters outside Latin-1'),
    (INFO, {'token': 'SECRETPW\u0001'}, 'token contains control characters'),
    # Credentials in a url are never echoed, whichever check fails.
    (INFO, {'url': 'https://admin:SECRETPW@[::1'}, 'cannot be parsed'),
    (INFO, {'url': 'https://admin:SECRETPW@cw example'}, 'contains white space or control characters'),
    (INFO, {'url': 'admin:SECRETPW@cw.example'}, 'has no http(s) scheme'),
]


ROLE_CASES = [
    ({'deployment_gate_checks': ['health', 'disk']}, 'deployment_gate_checks'),
    ({'deployment_gate_license_min_days': 'soon'}, 'deployment_gate_license_min_days'),
    ({'deployment_gate_wait_timeout': 'later'}, 'deployment_gate_wait_timeout'),
    ({'deployment_gate_preflight_required': ['github']}, 'deployment_gate_preflight_required'),
    ({'deployment_gate_services': {'broker': 1}}, 'deployment_gate_services'),
]


def write_bad_files(folder):
    (folder / 'empty.lic').write_bytes(b'')
    (folder / 'binary.lic').write_bytes(b'\x00\xff\xfe\x89PNG\r\n')
    return folder


def module_tasks():
    tasks = []
    for index, (module, args, _expected) in enumerate(CASES):
        task_args = connection_vars()
        task_args.update(args)
        task_args = dict((key, value) for key, value in task_args.items() if value is not None)
        if module == HEALTH and args == {'services': 'broker,auth'}:
            task_args['fail_on_unhealthy'] = False
        tasks.append({'name': 'case %d' % index, module: task_args, 'ignore_errors': True})
    return tasks


def role_tasks():
    tasks = []
    for index, (role_vars, _option) in enumerate(ROLE_CASES):
        tasks.append({'name': 'role case %d' % index, 'block': [
            {'name': 'gate %d' % index, 'ansible.builtin.include_role': {'name': 'iiot.connectware.deployment_gate'},
             'vars': role_vars}],
            'rescue': [{'name': 'record %d' % index,
                        'ansible.builtin.set_fact': {'role_error_%d' % index: '{{ ansible_failed_result.msg }}'}}]})
    return tasks


@pytest.fixture(scope='module')
def scenarios(host_pool, module_workdir, tmp_path_factory):
    """Both scenarios of this module in one run: (fleet, run)."""
    fleet = host_pool.fleet([{'name': 'modules'}, {'name': 'role'}])
    plays = [
        scenario_play('modules', module_tasks(), vars={'bad_dir': str(write_bad_files(tmp_path_factory.mktemp('bad')))}),
        scenario_play('role', role_tasks(), module_defaults={'group/iiot.connectware.connectware': connection_vars()}),
    ]
    # -v, as the modules' cases always ran; the role's play shows a little more output for it.
    return fleet, run_playbook(module_workdir, scenario_playbook(plays), write_inventory(module_workdir, fleet),
                               verbosity=1)


def test_bad_input_gives_a_clear_error_and_sends_nothing(scenarios):
    fleet, whole_run = scenarios
    run = whole_run.play('modules')
    for index, (module, args, expected) in enumerate(CASES):
        entry = run.task('case %d' % index)
        if expected is None:
            assert entry['status'] == 'ok', (module, args, entry['result'].get('msg'))
            continue
        assert entry['status'] == 'ignored', (module, args)
        assert expected in entry['result']['msg'], (module, args, entry['result']['msg'])
        # ansible-core 2.19 adds exception: "(traceback unavailable)" to failures itself: no traceback text.
        assert 'Traceback (most recent call last)' not in json.dumps(entry['result']), (module, args)
        assert 'module_stderr' not in entry['result'], (module, args)
        assert 'SECRETPW' not in json.dumps(entry['result']), (module, args)
    assert 'Traceback' not in whole_run.output
    assert 'SECRETPW' not in whole_run.output
    # Only the valid case (services as a comma string) talked to Connectware.
    assert sorted(set(entry['path'] for entry in fleet['modules'].request_log())) == [
        '/api/system/health', '/api/system/info', '/api/system/vrpcHealth']


def test_role_bad_variables_fail_before_any_request(scenarios):
    fleet, whole_run = scenarios
    assert whole_run.rc == 0, whole_run
    run = whole_run.play('role')
    for index, (_role_vars, option) in enumerate(ROLE_CASES):
        message = run.result('record %d' % index)['ansible_facts']['role_error_%d' % index]
        assert option in message, message
    assert fleet['role'].request_log() == []
    assert 'Traceback' not in whole_run.output
