# -*- coding: utf-8 -*-
# Copyright: (c) 2026, iiot.connectware contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Both execution paths: in the controller's worker process, and as a module; and no secret on either.

The simulator's inventory uses the local connection, so by default every module runs
in-process (connectware_marketplace_app too, unless a file option needs the module's file
handling); CONNECTWARE_EXECUTION=module forces the module path. The same playbook run on both
paths from the same simulator state gives the same results and sends the same requests. ``-vvv``
tells which path ran, and why a task fell back to the module: the tests read those lines from
each task's section of the output.

The same runs carry sentinel secrets (token, wrong token, password, license contents, secret
service parameters) through every module and the role, succeeding and failing, with token auth
and with login, at ``-vvvv``, with ``--diff`` and with ``--check --diff``: they must appear
nowhere, not in the output, the results or diffs, nor in the simulator's access log or request
log. In-process the masking is the collection's own; as a module, AnsibleModule's.
"""

import collections
import copy
import json
import os
import re
import shutil
import socket
import stat
import sys

import certifi
import pytest
import yaml

from connectware_sim import make_license_jwt
from connectware_sim.state import COMMISSIONING_FILE, iso_date
from harness import (assert_no_secrets, connection_vars, play, run_playbook, scenario_play, scenario_playbook,
                     write_inventory)

PATHS = {'in-process': {}, 'module': {'CONNECTWARE_EXECUTION': 'module'}}
FQCN = 'iiot.connectware.%s'
IN_PROCESS = "running in the controller's worker process"
SID = 'opcua-to-mqtt'
NEW_LICENSE = make_license_jwt('lic-paths-2027', account='acme-plant', expiration=iso_date(400))
BAD_FILE = COMMISSIONING_FILE.replace('type: Cybus::Connection', 'type: Foo::Bar')

# The sentinel secrets. They reach the play as variables from a vars file, as vault variables would:
# Ansible shows the playbook's source around some failing tasks, so a literal in the playbook would
# be shown by Ansible itself.
TOKEN = 'SENTINEL-TOKEN-5b0e6c1f2a9d4e7b8c3f'
WRONG_TOKEN = 'SENTINEL-WRONG-TOKEN-a1b2c3d4e5f6'
PASSWORD = 'SENTINEL-PASSWORD-9d8c7b6a5f4e'
OPAQUE_LICENSE = 'SENTINEL-OPAQUE-LICENSE-0f1e2d3c4b5a'
LICENSE = make_license_jwt('lic-sentinel', expiration='2099-06-30')
SHORT_LICENSE = make_license_jwt('lic-sentinel-short', expiration='2026-01-01')
NOT_A_LICENSE = 'SENTINEL-NOT-A-LICENSE-3e4f5a6b'
SERVICE_PASSWORD = 'SENTINEL-OPCUA-PASSWORD-6a7b8c9d0e1f'
SERVICE_TOKEN = 'SENTINEL-SERVICE-TOKEN-2c3d4e5f6a7b'
BROKER_PASSWORD = 'SENTINEL-BROKER-PASSWORD-4d5e6f7a8b9c'
SECRET_VARS = {'sentinel_token': TOKEN, 'sentinel_wrong_token': WRONG_TOKEN, 'sentinel_password': PASSWORD,
               'sentinel_opaque_license': OPAQUE_LICENSE, 'sentinel_license': LICENSE,
               'sentinel_short_license': SHORT_LICENSE, 'sentinel_not_a_license': NOT_A_LICENSE,
               'sentinel_service_password': SERVICE_PASSWORD, 'sentinel_service_token': SERVICE_TOKEN,
               'sentinel_broker_password': BROKER_PASSWORD, 'paths_license': NEW_LICENSE}
SECRETS = list(SECRET_VARS.values())
TOKEN_AUTH = {'url': '{{ connectware_url }}', 'token': '{{ sentinel_token }}', 'ca_path': '{{ connectware_ca_path }}'}
LOGIN_AUTH = {'url': '{{ connectware_url }}', 'username': 'ops', 'password': '{{ sentinel_password }}',
              'ca_path': '{{ connectware_ca_path }}'}


def in_process_line(module):
    return '%s: %s' % (FQCN % module, IN_PROCESS)


def module_line(module, reason):
    return '%s: running as a module (%s)' % (FQCN % module, reason)


def task(module, task_name, auth=None, **args):
    """A task of ``module``: the connection options ``auth`` (default: the inventory's), then ``args``."""
    task_args = dict(auth if auth is not None else connection_vars())
    task_args.update(args)
    return {'name': task_name, FQCN % module: task_args}


def bare_task(module, task_name, **args):
    """A task without connection options: they come from module_defaults or the environment."""
    return {'name': task_name, FQCN % module: args}


def sections(run):
    """The -vvv output of each task, by task name (tasks run one after another: linear strategy)."""
    found, name = {}, None
    for line in run.stdout.splitlines():
        if line.startswith('TASK ['):
            name = line[len('TASK ['):line.index(']')]
            found[name] = []
        elif name is not None:
            found[name].append(line.strip())
    return found


def path_lines(lines):
    """The lines that say where a Connectware task ran, counted."""
    return collections.Counter(line for line in lines if line.startswith('iiot.connectware.') and (
        IN_PROCESS in line or ': running as a module (' in line))


def requests_of(host):
    """What a host (a Snapshot) was asked, without what the clock decides (time, duration) and in one order.

    connectware_info sends its requests in parallel, so their order differs from run to run.
    """
    return sorted((entry['method'], entry['path'], entry['query'], entry['status'], entry['auth'],
                   str(entry['user']), str(entry['fault'])) for entry in host.log)


# -- the cases both paths run -----------------------------------------------------------------

BAD_ARGUMENTS = ('info unknown option', 'health wrong type', 'license wrong choice', 'service mutually exclusive')
# The backup's name holds the writing process's id and the time.
_BACKUP_SUFFIX = re.compile(r'\.[0-9]+\.[0-9]{4}-[0-9]{2}-[0-9]{2}@[0-9]{2}:[0-9]{2}:[0-9]{2}~$')


def main_task(module, task_name, **args):
    """A main case: token auth with the sentinel token."""
    return task(module, task_name, auth=TOKEN_AUTH, **args)


def service(task_name, **args):
    args.setdefault('service_id', SID)
    args.setdefault('wait_interval', 0.05)
    return main_task('connectware_service', task_name, **args)


def app_cases(folder):
    """connectware_marketplace_app writing in ``folder`` (the same path on both paths' runs)."""
    def app(task_name, **args):
        if 'directory' not in args:
            args.setdefault('name', 'OPC UA to MQTT')
        return main_task('connectware_marketplace_app', task_name, **args)
    return [
        app('app new', dest='%s/app.yml' % folder, mode='0640'),
        app('app unchanged', dest='%s/app.yml' % folder, mode='0640'),
        app('app mode', dest='%s/app.yml' % folder, mode='0600', return_content=False),
        app('app backup', dest='%s/existing.yml' % folder, backup=True),
        app('app into folder', directory='opcua-to-mqtt', filename='opcua-to-mqtt.yml', dest=str(folder)),
        app('app unknown', name='No Such App'),
        app('app wrong version', version='9.9.9', dest='%s/pinned.yml' % folder),
    ]


def prepare_folder(folder, existing=False):
    """``folder`` emptied; with ``existing``, holding the file the backup case replaces."""
    shutil.rmtree(str(folder), ignore_errors=True)
    folder.mkdir(parents=True)
    if existing:
        (folder / 'existing.yml').write_text('old: content\n')
        os.chmod(str(folder / 'existing.yml'), 0o604)


def folder_files(folder):
    """{name: (content, mode, owner, group)} of what a run left in ``folder``; backups named without pid and time."""
    found = {}
    for name in os.listdir(str(folder)):
        info = os.stat(str(folder / name))
        key = _BACKUP_SUFFIX.sub('.<pid>.<time>~', name)
        found[key] = ((folder / name).read_text(), stat.S_IMODE(info.st_mode), info.st_uid, info.st_gid)
    return found


def untrusted_task():
    """A CA file that did not sign the simulator's certificate (certifi's public CAs, which requests brings)."""
    return main_task('connectware_info', 'info untrusted certificate', gather_subset=['info'], retries=0,
                     ca_path=certifi.where())


def main_cases(app_folder):
    """Success, no change, change with diff, warnings, failures with api_error, and bad arguments."""
    bad = dict(url='{{ bad_url }}')
    broker = {'opcuaHost': 'a', 'brokerPassword': '{{ sentinel_broker_password }}'}
    return app_cases(app_folder) + [
        # The first health read answers 503: a retry and its warning.
        main_task('connectware_info', 'info all', gather_subset=['all', '!agents']),
        # A request that fails: its wording, which the client imports only then (the module's payload must
        # carry it).
        main_task('connectware_info', 'info failing endpoint', gather_subset=['agents'], retries=0),
        main_task('connectware_info', 'info wrong token', token='{{ sentinel_wrong_token }}', gather_subset=['info']),
        # The TLS diagnosis, which the client imports only when a handshake fails (the module's payload
        # must carry it too).
        untrusted_task(),
        # validate_certs false: the security warning.
        main_task('connectware_health_check', 'health ok', checks=['health', 'vrpc', 'license', 'preflight'],
                  validate_certs=False),
        main_task('connectware_health_check', 'health failing', services=['no-such-service'], license_min_days=5000),
        main_task('connectware_license', 'license upload', content='{{ paths_license }}'),
        main_task('connectware_license', 'license unchanged', content='{{ paths_license }}'),
        main_task('connectware_license', 'license rejected', content='{{ sentinel_not_a_license }}'),
        service('service install', content=COMMISSIONING_FILE, parameters=broker),
        service('service unchanged', content=COMMISSIONING_FILE, parameters=broker),
        service('service re-deploy', content=COMMISSIONING_FILE, parameters=dict(broker, opcuaHost='b')),
        service('service invalid', service_id='bad', content=BAD_FILE),
        service('service absent', state='absent'),
        # Bad arguments, aimed at a host that must never be asked anything.
        main_task('connectware_info', 'info unknown option', gather_subsets=['info'], **bad),
        main_task('connectware_health_check', 'health wrong type', license_min_days='many', **bad),
        main_task('connectware_license', 'license wrong choice', state='renewed', **bad),
        service('service mutually exclusive', content=COMMISSIONING_FILE, username='ops', **bad),
        # Symbolic modes go to the module's file handling; a bad one fails there, with nothing sent.
        main_task('connectware_marketplace_app', 'app symbolic mode', name='OPC UA to MQTT', dest='{{ bad_dest }}',
                  mode='u=banana', **bad),
    ]


MAIN_NAMES = frozenset(entry['name'] for entry in main_cases('<folder>'))

# Secret-named service parameters: shown masked in the diff, never in clear.
SERVICE_PARAMETERS = {'opcuaHost': 'opcua.example', 'opcuaPassword': '{{ sentinel_service_password }}',
                      'apiToken': '{{ sentinel_service_token }}'}


def gate_block(label, auth):
    """The role, open and closed, its connection from the group's module_defaults."""
    return {
        'name': '%s gate' % label,
        'block': [
            {'name': '%s gate open' % label,
             'ansible.builtin.include_role': {'name': 'iiot.connectware.deployment_gate'},
             'vars': {'deployment_gate_checks': ['health', 'vrpc'], 'deployment_gate_report_dir': '{{ report_dir }}'}},
            {'name': '%s gate closed' % label,
             'ansible.builtin.include_role': {'name': 'iiot.connectware.deployment_gate'},
             'vars': {'deployment_gate_services': ['no-such-service']}},
        ],
        'rescue': [{'name': '%s gate closed as expected' % label, 'ansible.builtin.debug': {'msg': 'closed'}}],
        'module_defaults': {'group/iiot.connectware.connectware': auth},
    }


def login_cases():
    """Every module with login auth (the password, and the token a login returns, are secrets), succeeding and failing."""
    def login(module, task_name, **args):
        return task(module, 'login %s' % task_name, auth=LOGIN_AUTH, **args)

    return [
        login('connectware_info', 'info ok', gather_subset=['all', '!agents']),
        login('connectware_info', 'info failing', gather_subset=['agents']),
        login('connectware_license', 'license too short', content='{{ sentinel_short_license }}', min_days_left=30),
        login('connectware_license', 'license opaque', content='{{ sentinel_opaque_license }}'),
        login('connectware_license', 'license upload', content='{{ sentinel_license }}', min_days_left=10),
        login('connectware_license', 'license unchanged', content='{{ sentinel_license }}'),
        login('connectware_license', 'license rejected', content='{{ sentinel_not_a_license }}'),
        login('connectware_license', 'license refresh failing', state='refreshed'),
        login('connectware_health_check', 'health ok', checks=['health', 'vrpc', 'license']),
        login('connectware_health_check', 'health failing', services=['no-such-service']),
        login('connectware_service', 'service ok', service_id='login-service', content=COMMISSIONING_FILE,
              parameters=SERVICE_PARAMETERS, wait_interval=0.05),
        login('connectware_service', 'service unchanged', service_id='login-service', content=COMMISSIONING_FILE,
              parameters=SERVICE_PARAMETERS, wait_interval=0.05),
        login('connectware_service', 'service failing', service_id='login-bad', content=BAD_FILE,
              parameters=SERVICE_PARAMETERS),
        login('connectware_marketplace_app', 'app ok', name='OPC UA to MQTT', dest='{{ secret_apps }}/app.yml'),
        login('connectware_marketplace_app', 'app failing', name='No Such App'),
        gate_block('login', LOGIN_AUTH),
        gate_block('token', TOKEN_AUTH),
    ]


LOGIN_NAMES = frozenset(entry['name'] for entry in login_cases() if 'block' not in entry)
# The module tasks both paths run, by name (the role's tasks aside).
CASE_NAMES = MAIN_NAMES | LOGIN_NAMES

MAIN_SCENARIO = {
    'service_settle_polls': 1, 'agents_error': True,
    'tokens': {TOKEN: 'admin'},
    'users': {'ops': {'password': PASSWORD, 'permissions': 'all'}},
    'opaque_licenses': {OPAQUE_LICENSE: {'name': 'Opaque', 'file': {
        'id': 'lic-opaque', 'associatedAccount': 'acme', 'connectwareLicenseClass': 'Production',
        'expiration': '2099-01-01'}}}}
MODES = {'diff': 'diff', 'check+diff': 'check-diff'}  # the play of each mode, and the role of its host
DEFAULTS_PLAY = 'defaults and environment'


class Snapshot(object):
    """A simulated host as a run left it: its request log, access log, state and issued login tokens
    (the next path's run resets the host). ``access_log_path`` is a copy, for assert_no_secrets."""

    def __init__(self, instance, folder):
        self.name = instance.name
        self.log = instance.request_log()
        self.state = copy.deepcopy(instance.state)
        self.issued_tokens = list(instance.issued_tokens)
        self.access_log_path = str(folder / ('access-%s.log' % instance.name))
        shutil.copyfile(instance.access_log_path, self.access_log_path)

    def request_log(self):
        return self.log


class PathRun(collections.namedtuple('PathRun', 'run hosts apps app_files')):
    """One path's run: the run, its hosts (Snapshots by name), the fallbacks' app folder, and
    {mode: folder_files} of what the main cases wrote."""


def chosen_plays(request):
    """{path: set of plays} that the tests pytest selected in this file need."""
    chosen = collections.defaultdict(set)
    for item in request.session.items:
        if item.module is not request.module or not hasattr(item, 'callspec'):
            continue
        params = item.callspec.params
        if item.originalname == 'test_same_results_and_requests_on_both_paths':
            for path in PATHS:
                chosen[path].add(params['mode'])
        elif item.originalname == 'test_module_defaults_and_environment_fallbacks':
            chosen[params['path']].add(DEFAULTS_PLAY)
        elif item.originalname == 'test_no_secret_anywhere':
            chosen[params['path']].add(params['mode'])
    return chosen


@pytest.fixture(scope='module')
def path_runs(request, host_pool, tmp_path_factory):
    """One run per execution path at -vvvv, from the same simulator state: {path: PathRun}.

    Its plays: the main cases and the login cases with --diff ('diff', where the login cases run
    without it) and with --check --diff ('check+diff'), each on a host of its own whose first health read answers 503 and whose
    license refresh fails; and the module_defaults and environment fallbacks ('defaults and
    environment'). Only the plays (and paths) of the tests pytest selected run: the oldest
    ansible-core runs one of them. The bad arguments aim at a host that must never be asked.
    The environment names one host (CONNECTWARE_URL/TOKEN/CA_PATH) and module_defaults another;
    the main cases give every connection option, so the environment does not reach them. Both
    paths use the same hosts (same URLs, same license ids), reset before each run; ``hosts``
    holds each host as its path's run left it. Both paths write the marketplace apps and the
    gate's report to the same folders, emptied before each run (results name them).
    """
    found = {}
    shared = tmp_path_factory.mktemp('shared')
    secrets_file = shared / 'secrets.json'
    secrets_file.write_text(json.dumps(SECRET_VARS))
    for path, plays_wanted in sorted(chosen_plays(request).items()):
        for role in MODES.values():
            prepare_folder(shared / 'main' / role, existing=True)
            prepare_folder(shared / 'secret' / role)
            prepare_folder(shared / 'report' / role)
        workdir = tmp_path_factory.mktemp('run')
        apps = tmp_path_factory.mktemp('apps')
        fleet = host_pool.fleet([dict(MAIN_SCENARIO, name=role) for role in MODES.values()] + [
            {'name': 'never'},
            {'name': 'from-env', 'service_settle_polls': 1},
            {'name': 'from-defaults', 'service_settle_polls': 1},
        ])
        for role in MODES.values():
            fleet[role].set_fault('/api/system/health', status=503, retry_after=0, count=1)
            # A failure path for state=refreshed, as Connectware answers when it cannot reach the portal.
            fleet[role].set_fault('/api/system/refresh', status=400,
                                  body={'message': 'License refresh failed: Cybus portal not reachable'})
        from_env, from_defaults = fleet['from-env'], fleet['from-defaults']
        run_env = dict(PATHS[path], CONNECTWARE_URL=from_env.url, CONNECTWARE_TOKEN=from_env.admin_token,
                       CONNECTWARE_CA_PATH=fleet.ca_path)
        defaults = {'url': from_defaults.url, 'token': from_defaults.admin_token, 'ca_path': fleet.ca_path}
        plays = []
        for mode, role in MODES.items():
            if mode in plays_wanted:
                # Each task ignores its errors, not the play: the gate's blocks must see theirs. With
                # --diff alone, the login cases run without it: the secrets as a plain run shows them.
                no_diff = {} if mode == 'check+diff' else {'diff': False}
                tasks = [dict(entry, ignore_errors=True) for entry in main_cases(shared / 'main' / role)]
                tasks += [entry if 'block' in entry else dict(entry, ignore_errors=True, **no_diff)
                          for entry in login_cases()]
                plays.append(scenario_play(
                    mode, tasks, hosts=role, check=mode == 'check+diff', diff=True,
                    vars={'bad_url': fleet['never'].url, 'bad_dest': str(shared / 'main' / 'never.yml'),
                          'secret_apps': str(shared / 'secret' / role), 'report_dir': str(shared / 'report' / role)}))
        if DEFAULTS_PLAY in plays_wanted:
            plays.append(scenario_play(DEFAULTS_PLAY, five_tasks('env', str(apps / 'env-app.yml')) + [{
                'name': 'defaults',
                'module_defaults': {'group/iiot.connectware.connectware': defaults},
                'block': five_tasks('defaults', str(apps / 'defaults-app.yml')),
            }], hosts='from-env'))
        run = run_playbook(workdir, scenario_playbook(plays), write_inventory(workdir, fleet), verbosity=4,
                           extra_args=['-e', '@%s' % secrets_file], env=run_env)
        assert run.rc == 0, run
        found[path] = PathRun(run, dict((instance.name, Snapshot(instance, workdir)) for instance in fleet), apps,
                              dict((role, folder_files(shared / 'main' / role)) for role in MODES.values()))
    return found


def normalized(run, volatile_days):
    """Each task's status and recorded (registered) result, without what may differ between two runs.

    Ignored: ``elapsed`` (the health check's clock); ``info.time`` (Connectware's clock, returned
    unchanged); ``days_left`` only when the two runs did not end on the same day (the modules
    read the real date); the process id and time in a backup's name. The ``invocation`` is
    compared (as parsed JSON: key order does not matter). The role's tasks are left out.
    """
    tasks = {}
    for entry in run.results:
        if entry['task'] not in CASE_NAMES:
            continue
        result = copy.deepcopy(entry['result'])
        result.pop('elapsed', None)
        if 'backup_file' in result:
            result['backup_file'] = _BACKUP_SUFFIX.sub('.<pid>.<time>~', result['backup_file'])
        if isinstance(result.get('info'), dict):
            result['info'].pop('time', None)
        if volatile_days:
            for value in _mappings(result):
                value.pop('days_left', None)
        tasks[entry['task']] = (entry['status'], result)
    return tasks


def differences(one, other, where=''):
    """Where two results differ, as (place, in-process value, module value), for a readable failure."""
    if isinstance(one, dict) and isinstance(other, dict):
        found = []
        for key in sorted(set(one) | set(other), key=str):
            found += differences(one.get(key, '<absent>'), other.get(key, '<absent>'), '%s.%s' % (where, key))
        return found
    if isinstance(one, (list, tuple)) and isinstance(other, (list, tuple)) and len(one) == len(other):
        found = []
        for index, (left, right) in enumerate(zip(one, other)):
            found += differences(left, right, '%s[%d]' % (where, index))
        return found
    return [] if one == other else [(where, one, other)]


def _mappings(value):
    if isinstance(value, dict):
        yield value
        for item in value.values():
            yield from _mappings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _mappings(item)


def module_of(task_name):
    """The module a main or login case runs, from its name."""
    word = task_name.split()[1] if task_name.startswith('login ') else task_name.split()[0]
    return 'connectware_' + {'info': 'info', 'health': 'health_check', 'license': 'license',
                             'service': 'service', 'app': 'marketplace_app'}[word]


@pytest.mark.parametrize('mode', sorted(MODES))
def test_same_results_and_requests_on_both_paths(path_runs, mode):
    runs, logs, files = {}, {}, {}
    for path, (run, hosts, _apps, app_files) in path_runs.items():
        runs[path] = run.play(mode)
        files[path] = app_files[MODES[mode]]
        logs[path] = requests_of(hosts[MODES[mode]])
        assert hosts['never'].log == [], 'bad arguments sent a request (%s)' % path
        # The main cases reached their own host, not the one the run's environment names.
        assert logs[path], 'the main cases sent nothing to their host (%s)' % path
        assert not [entry for entry in hosts['from-env'].log if entry['path'].startswith('/api/services/%s' % SID)
                    and entry['method'] == 'DELETE'], 'a main case reached the host of the environment (%s)' % path

    for path, run in runs.items():
        # Which path really ran: one line per task, saying where.
        for name, lines in sections(run).items():
            if name not in CASE_NAMES or name in BAD_ARGUMENTS:
                continue
            module = module_of(name)
            expected = in_process_line(module) if path == 'in-process' else module_line(
                module, 'forced by CONNECTWARE_EXECUTION')
            if name == 'app symbolic mode' and path == 'in-process':
                expected = module_line(module, "mode is symbolic, which the module's file handling applies")
            assert path_lines(lines) == {expected: 1}, (path, name, lines)

    one = runs['in-process']
    statuses = dict((entry['task'], entry['status']) for entry in one.results if entry['task'] in MAIN_NAMES)
    check = 'check' in mode
    assert statuses == {
        'info all': 'ok', 'info failing endpoint': 'ignored', 'info wrong token': 'ignored',
        'info untrusted certificate': 'ignored',
        'health ok': 'ok', 'health failing': 'ignored',
        'license upload': 'changed', 'license unchanged': 'changed' if check else 'ok',
        'license rejected': 'changed' if check else 'ignored',
        'service install': 'changed', 'service unchanged': 'changed' if check else 'ok',
        'service re-deploy': 'changed', 'service invalid': 'ignored',
        'service absent': 'ok' if check else 'changed',
        'info unknown option': 'ignored', 'health wrong type': 'ignored', 'license wrong choice': 'ignored',
        'service mutually exclusive': 'ignored',
        'app new': 'changed', 'app unchanged': 'changed' if check else 'ok', 'app mode': 'changed',
        'app backup': 'changed', 'app into folder': 'changed', 'app unknown': 'ignored',
        'app wrong version': 'ignored', 'app symbolic mode': 'ignored'}, one
    # Each kind of result is really there to compare: warnings, api_error, diff, check mode.
    assert any('1 request to Connectware at' in warning and 'had to be sent again' in warning
               for warning in one.result('info all')['warnings'])
    assert one.result('info all')['api_retries'] == 1
    assert any('validate_certs is false' in warning for warning in one.result('health ok')['warnings'])
    assert one.result('info failing endpoint')['api_error']['status'] == 400
    assert one.result('info wrong token')['api_error']['status'] == 401
    assert one.result('info untrusted certificate')['api_error']['kind'] == 'tls'
    assert "the certificate is not signed by a trusted CA. Check that ca_path (%s) is Connectware's CA: the server's " \
        "certificate is issued by 'OU=CybusCA, O=Simulated Cybus'; the file holds '" % certifi.where() \
        in one.result('info untrusted certificate')['msg']
    assert one.result('license upload')['diff']['after']['id'] == 'lic-paths-2027'
    assert 'diff' in one.result('service install')
    if not check:
        assert one.result('license rejected')['api_error']['status'] == 400
        assert one.result('service invalid')['api_error']['status'] == 400
        assert any('re-deployed' in warning for warning in one.result('service re-deploy')['warnings'])
    assert one.result('info unknown option')['msg'].startswith(
        'Unsupported parameters for (iiot.connectware.connectware_info) module: gather_subsets.')
    assert 'license_min_days' in one.result('health wrong type')['msg']
    assert 'state' in one.result('license wrong choice')['msg']
    assert one.result('service mutually exclusive')['msg'] == 'parameters are mutually exclusive: token|username'
    folder = path_runs['in-process'].app_files[MODES[mode]]
    assert one.result('app new')['diff']['before_header'].endswith('/app.yml (absent)')
    assert one.result('app into folder')['dest'].endswith('/%s/opcua-to-mqtt.yml' % MODES[mode])
    assert one.result('app unknown')['msg'].startswith("name: no marketplace app is named 'No Such App'.")
    assert one.result('app wrong version')['msg'].startswith('version: marketplace app opcua-to-mqtt/opcua-to-mqtt.yml '
                                                             'is at version 1.2.0, not the expected 9.9.9')
    assert one.result('app symbolic mode')['msg'].startswith('mode must be in octal or symbolic form')
    # What the two paths wrote, mode by mode: the same files, contents and modes.
    assert files['in-process'] == files['module']
    me = (os.getuid(), os.getgid())
    if check:
        assert folder == {'existing.yml': ('old: content\n', 0o604) + me}
        assert 'backup_file' not in one.result('app backup')
    else:
        assert one.result('app backup')['backup_file'].startswith(one.result('app backup')['dest'] + '.')
        assert sorted(folder) == ['app.yml', 'existing.yml', 'existing.yml.<pid>.<time>~', 'opcua-to-mqtt.yml']
        assert folder['app.yml'][1:] == (0o600,) + me and folder['existing.yml'][1:] == (0o604,) + me
        assert folder['existing.yml.<pid>.<time>~'] == ('old: content\n', 0o604) + me

    # The same results, task by task (the login cases too), and the same requests.
    volatile_days = runs['in-process'].finished_on != runs['module'].finished_on
    in_process, module = normalized(runs['in-process'], volatile_days), normalized(runs['module'], volatile_days)
    assert sorted(in_process) == sorted(module) == sorted(CASE_NAMES)
    for key in in_process:
        assert in_process[key] == module[key], (key, differences(in_process[key], module[key]))
    assert logs['in-process'] == logs['module']


SECRET_CASES = [(path, mode) for path in sorted(PATHS) for mode in sorted(MODES)]


@pytest.mark.parametrize('path,mode', SECRET_CASES, ids=['%s-%s' % case for case in SECRET_CASES])
def test_no_secret_anywhere(path_runs, path, mode):
    whole_run, hosts, _apps, _app_files = path_runs[path]
    check_diff = mode == 'check+diff'
    instance = hosts[MODES[mode]]
    run = whole_run.play(mode)
    # The path the test is about really ran (-vvv and up say where each task ran).
    in_process = in_process_line('connectware_info')
    forced = module_line('connectware_info', 'forced by CONNECTWARE_EXECUTION')
    assert (in_process in run.stdout) == (path == 'in-process') and (forced in run.stdout) == (path == 'module')
    statuses = dict((entry['task'], entry['status']) for entry in run.results)
    # Both the success and the failure paths really ran, with each auth.
    assert statuses['info all'] == 'ok' and statuses['info failing endpoint'] == 'ignored'
    assert statuses['info wrong token'] == 'ignored'
    assert statuses['login info ok'] == 'ok' and statuses['login info failing'] == 'ignored'
    assert statuses['login health ok'] == 'ok' and statuses['login health failing'] == 'ignored'
    assert statuses['login license too short'] == 'ignored'
    assert statuses['login license upload'] == 'changed'
    assert statuses['login license unchanged'] == ('changed' if check_diff else 'ok')
    assert statuses['login license rejected'] == ('changed' if check_diff else 'ignored')
    assert statuses['login license refresh failing'] == ('ok' if check_diff else 'ignored')
    assert statuses['login gate closed as expected'] == statuses['token gate closed as expected'] == 'ok'
    assert statuses['login service ok'] == 'changed' and statuses['login service failing'] == 'ignored'
    assert statuses['login service unchanged'] == ('changed' if check_diff else 'ok')
    assert statuses['login app ok'] == 'changed' and statuses['login app failing'] == 'ignored'
    # The diffs showed the secret-named parameters, masked (the login cases show a diff in check+diff only).
    assert '"brokerPassword": "********"' in run.stdout
    assert ('"opcuaPassword": "********"' in run.stdout and '"apiToken": "********"' in run.stdout) == check_diff
    assert ('diff' in run.result('login service ok')) == check_diff
    if not check_diff:
        # The secrets did reach Connectware, where they belong.
        services = instance.state['connectware_services']
        assert services['login-service']['parameters']['opcuaPassword'] == SERVICE_PASSWORD
    assert 'VALUE_SPECIFIED_IN_NO_LOG_PARAMETER' in run.stdout  # -vvvv printed the invocations, masked
    assert instance.issued_tokens, 'the login tasks did not log in'
    # Nowhere in the whole run (every play's output, every result) nor in any host's logs.
    issued_anywhere = [token for other in hosts.values() for token in other.issued_tokens]
    assert_no_secrets(whole_run, SECRETS + issued_anywhere, hosts.values())
    # Nothing secret reached the server in a query string either: every request authenticated by header.
    assert set(entry['auth'] for entry in instance.request_log()) <= {'bearer', 'none'}


# -- module_defaults, environment fallbacks -------------------------------------------------


def five_tasks(label, app_dest):
    """A task of every module, without connection options."""
    return [
        bare_task('connectware_info', '%s info' % label, gather_subset=['info']),
        bare_task('connectware_health_check', '%s health' % label, checks=['health']),
        bare_task('connectware_license', '%s license' % label, content='{{ paths_license }}'),
        bare_task('connectware_service', '%s service' % label, service_id=SID, content=COMMISSIONING_FILE,
                  wait_interval=0.05),
        bare_task('connectware_marketplace_app', '%s app' % label, name='OPC UA to MQTT', dest=app_dest),
    ]


@pytest.mark.parametrize('path', sorted(PATHS))
def test_module_defaults_and_environment_fallbacks(path_runs, path):
    """The group's module_defaults reach every module, and CONNECTWARE_URL/TOKEN/CA_PATH too, on both paths.

    The environment names one host and module_defaults another: each host's request log shows
    which tasks reached it.
    """
    whole_run, hosts, apps, _app_files = path_runs[path]
    run = whole_run.play('defaults and environment')
    from_env, from_defaults = hosts['from-env'], hosts['from-defaults']
    for label, instance in (('env', from_env), ('defaults', from_defaults)):
        assert run.task('%s info' % label)['status'] == 'ok'
        assert run.result('%s info' % label)['info']['license']['file']['id'] == 'lic-%s' % instance.name
        assert run.result('%s health' % label)['healthy'] is True
        # Without --diff, no diff on either path.
        for module in ('license', 'service'):
            entry = run.task('%s %s' % (label, module))
            assert entry['status'] == 'changed' and 'diff' not in entry['result'], entry
        assert run.task('%s app' % label)['status'] == 'changed'
        assert instance.state['license']['file']['id'] == 'lic-paths-2027'
        assert SID in instance.state['connectware_services']
        paths = set(entry['path'] for entry in instance.log)
        assert {'/api/system/info', '/api/system/health', '/api/system/licensefile', '/api/services',
                '/api/marketplace/apps'} <= paths, (label, paths)
    assert (apps / 'env-app.yml').read_text() == (apps / 'defaults-app.yml').read_text() != ''
    # The path each task took.
    expected = collections.Counter()
    for module in ('connectware_info', 'connectware_health_check', 'connectware_license', 'connectware_service',
                   'connectware_marketplace_app'):
        expected[in_process_line(module) if path == 'in-process' else module_line(
            module, 'forced by CONNECTWARE_EXECUTION')] += 2
    assert path_lines(line.strip() for line in run.stdout.splitlines()) == expected


# -- which path, and why --------------------------------------------------------------------


def closed_port():
    """A port on 127.0.0.1 that nothing listens on (bound, then closed)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]
    finally:
        sock.close()


def test_each_condition_picks_its_path(make_fleet, workdir, tmp_path):
    fleet = make_fleet([{}])
    host = fleet['cw-001']
    marker = tmp_path / 'wrapper-ran'
    wrapper = tmp_path / 'wrapper' / 'python'
    wrapper.parent.mkdir()
    # Another Python, as a user would set one: it runs the controller's Python, and leaves a mark.
    wrapper.write_text('#!/bin/sh\necho ran >> %s\nexec %s "$@"\n' % (marker, sys.executable))
    wrapper.chmod(wrapper.stat().st_mode | stat.S_IXUSR)
    # A symlink to the controller's (virtualenv) Python from another folder runs the base Python,
    # without the virtualenv's libraries: another Python too.
    link = tmp_path / 'link' / 'python'
    link.parent.mkdir()
    link.symlink_to(sys.executable)
    # The same virtualenv's python under another name is the controller's.
    same = os.path.join(os.path.dirname(sys.executable), 'python3')
    if not os.path.exists(same):
        same = sys.executable

    local = {'ansible_connection': 'local', 'connectware_url': host.url, 'connectware_token': host.admin_token,
             'connectware_ca_path': fleet.ca_path}
    inventory = {'all': {'hosts': {
        'cw-001': dict(local, ansible_python_interpreter='{{ ansible_playbook_python }}'),
        'remote': dict(local, ansible_connection='ssh', ansible_host='127.0.0.1', ansible_port=closed_port(),
                       ansible_user='nobody', ansible_ssh_common_args='-o StrictHostKeyChecking=no '
                       '-o UserKnownHostsFile=/dev/null -o ConnectTimeout=5 -o BatchMode=yes'),
        'wrapper-python': dict(local, ansible_python_interpreter=str(wrapper)),
        'linked-python': dict(local, ansible_python_interpreter=str(link)),
        'same-python': dict(local, ansible_python_interpreter=same),
        'forced': dict(local, ansible_python_interpreter=sys.executable, connectware_execution='module'),
        'misspelt': dict(local, ansible_python_interpreter=sys.executable, connectware_execution='modul'),
    }}}
    inventory_path = str(workdir / 'inventory.yml')
    with open(inventory_path, 'w', encoding='utf-8') as handle:
        yaml.safe_dump(inventory, handle)

    def on(name, hostname, **extra):
        entry = task('connectware_info', name, gather_subset=['info'])
        entry.update(extra, when="inventory_hostname == '%s'" % hostname)
        return entry

    without_url = task('connectware_info', 'environment', gather_subset=['info'])
    del without_url[FQCN % 'connectware_info']['url']
    without_url.update({'environment': {'CONNECTWARE_URL': '{{ connectware_url }}'},
                        'when': "inventory_hostname == 'cw-001'"})
    tasks = [
        task('connectware_info', 'each host', gather_subset=['info']),
        on('delegated to localhost', 'remote', delegate_to='localhost'),
        on('delegated to a remote host', 'cw-001', delegate_to='remote'),
        on('become', 'cw-001', become=True),
        on('async', 'cw-001', **{'async': 60, 'poll': 1}),
        without_url,
        dict(task('connectware_marketplace_app', 'app', name='OPC UA to MQTT', dest=str(tmp_path / 'app.yml')),
             when="inventory_hostname == 'cw-001'"),
        dict(task('connectware_marketplace_app', 'app with group', name='OPC UA to MQTT',
                  dest=str(tmp_path / 'grouped.yml'), group=str(os.getgid())), when="inventory_hostname == 'cw-001'"),
    ]
    run = run_playbook(workdir, play(tasks, ignore_errors=True, ignore_unreachable=True), inventory_path,
                       verbosity=3, forks=7)
    lines = dict((name, path_lines(found)) for name, found in sections(run).items())
    info = 'connectware_info'
    interpreter = "ansible_python_interpreter is %s, not the controller's %s"
    assert lines['each host'] == {
        in_process_line(info): 2,  # cw-001 and same-python
        module_line(info, 'connection ssh is not local'): 1,
        module_line(info, interpreter % (wrapper, sys.executable)): 1,
        module_line(info, interpreter % (link, sys.executable)): 1,
        module_line(info, 'forced by connectware_execution'): 1,
    }, run
    statuses = dict((entry['host'], entry['status']) for entry in run.results if entry['task'] == 'each host')
    # A non-local host is tried over ssh, never answered in-process.
    assert statuses['remote'] == 'unreachable' and 'info' not in run.result('each host', 'remote')
    assert statuses['cw-001'] == statuses['same-python'] == statuses['forced'] == 'ok'
    assert statuses['wrapper-python'] == 'ok' and marker.read_text().count('ran') >= 1
    for name in ('cw-001', 'same-python', 'forced', 'wrapper-python'):
        assert run.result('each host', name)['info']['license']['file']['id'] == 'lic-cw-001'
    # The base Python may lack requests: run or fail, it ran as a module (above), not in-process.
    assert statuses['linked-python'] in ('ok', 'ignored')
    assert statuses['misspelt'] == 'ignored'
    assert run.result('each host', 'misspelt')['msg'] == "connectware_execution must be one of auto, module (got 'modul')"

    assert lines['delegated to localhost'] == {in_process_line(info): 1}
    assert run.task('delegated to localhost', 'remote')['status'] == 'ok'
    assert lines['delegated to a remote host'] == {module_line(info, 'connection ssh is not local'): 1}
    assert run.task('delegated to a remote host', 'cw-001')['status'] == 'unreachable'
    # become needs sudo to work here; which ever way it goes, it went as a module.
    assert lines['become'] == {module_line(info, 'become is set'): 1}
    assert run.task('become', 'cw-001')['status'] in ('ok', 'ignored')
    assert lines['async'] == {module_line(info, 'async is set'): 1}
    assert run.task('async', 'cw-001')['status'] == 'ok'
    assert run.result('async', 'cw-001')['info']['license']['file']['id'] == 'lic-cw-001'
    # The task's environment reached the module: CONNECTWARE_URL came from it.
    assert lines['environment'] == {module_line(info, 'the task sets environment'): 1}
    assert run.task('environment', 'cw-001')['status'] == 'ok'
    assert lines['app'] == {in_process_line('connectware_marketplace_app'): 1}
    assert run.task('app', 'cw-001')['status'] == 'changed'
    # A file option only the module's file handling applies (the others: unit tests).
    assert lines['app with group'] == {module_line('connectware_marketplace_app',
                                                   "group is set, which the module's file handling applies"): 1}
    assert run.task('app with group', 'cw-001')['status'] == 'changed'
    assert (tmp_path / 'grouped.yml').stat().st_gid == os.getgid()


def test_invalid_execution_setting_fails_every_module_naming_it(make_fleet, workdir, tmp_path):
    fleet = make_fleet([{}, {}])
    run = run_playbook(workdir, play([
        task('connectware_info', 'info', gather_subset=['info']),
        task('connectware_marketplace_app', 'app', name='OPC UA to MQTT',
             dest='%s/{{ inventory_hostname }}.yml' % tmp_path),
    ], ignore_errors=True), write_inventory(workdir, fleet, {'cw-002': {'connectware_execution': 'auto'}}),
        env={'CONNECTWARE_EXECUTION': 'sometimes'}, verbosity=3)
    message = "CONNECTWARE_EXECUTION must be one of auto, module (got 'sometimes')"
    for name in ('info', 'app'):
        entry = run.task(name, 'cw-001')
        assert entry['status'] == 'ignored' and entry['result']['msg'] == message, entry
    assert fleet['cw-001'].request_log() == []
    assert not (tmp_path / 'cw-001.yml').exists()
    # The host variable wins over the environment: cw-002 says auto.
    assert run.task('info', 'cw-002')['status'] == 'ok'
    assert run.task('app', 'cw-002')['status'] == 'changed' and (tmp_path / 'cw-002.yml').exists()
    assert sections(run)['info'].count(in_process_line('connectware_info')) == 1
