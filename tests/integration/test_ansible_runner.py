# -*- coding: utf-8 -*-
# Copyright: (c) 2026, iiot.connectware contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The collection's playbooks run the way AWX / Automation Platform runs them: through ansible-runner.

AWX hands ansible-runner a private data directory: project/ (the project's checkout, whose playbook
imports the collection's), inventory/, env/extravars, env/cmdline and env/passwords (the answer to the
vault credential's prompt), and reads back artifacts/<job id>/job_events/*.json, which is what its job
output and host summaries show. Here the same layout runs against a simulated fleet of four hosts, in
the same process tree (process isolation off, no container), with secrets planted in every place an
operator keeps them: a token in the inventory, a password and tokens in vault-encrypted host_vars,
vault-encrypted license files in the project, and the vault password in env/passwords. None of them may
appear in any artifact. A job slice (AWX's slice 2 of 2: every second host, given as --limit) must
report on its hosts only and send no request to the others.

ansible-runner is pinned in requirements-dev.txt; where the ansible-core under test (the oldest, in
``make test-full``) has no ansible-runner of its own, the one of .venv runs that ansible-core's
ansible-playbook, which comes first in PATH.
"""

import datetime
import glob
import json
import os
import subprocess

import yaml
from ansible.parsing.vault import VaultLib, VaultSecret

from connectware_sim import make_license_jwt
from harness import BIN, INTEGRATION, expected_days_left
from repo_paths import LINKS, REPO

VAULT_ID = 'connectware'
VAULT_PASSWORD = 'SENTINEL-RUNNER-VAULT-PASSWORD-4c1d7e'
PLAIN_TOKEN = 'SENTINEL-RUNNER-PLAIN-TOKEN-8a2f6b'
PASSWORD = 'SENTINEL-RUNNER-PASSWORD-1e9c3d'
VAULTED_TOKENS = {'cw-003': 'SENTINEL-RUNNER-VAULTED-TOKEN-3-b7d2', 'cw-004': 'SENTINEL-RUNNER-VAULTED-TOKEN-4-e5a9'}
# AWX's job slicing gives slice n of m every m-th host from the n-th: slice 2 of 2 of cw-001..cw-004.
SLICE = ['cw-002', 'cw-004']
LICENSE_MODULE = 'iiot.connectware.connectware_license'
RESULT_EVENTS = ('runner_on_ok', 'runner_on_failed', 'runner_on_skipped', 'runner_on_unreachable')


def ansible_runner():
    for folder in (BIN, os.path.join(REPO, '.venv', 'bin')):
        path = os.path.join(folder, 'ansible-runner')
        if os.path.exists(path):
            return path
    raise AssertionError('ansible-runner is not installed: it is pinned in requirements-dev.txt (make venv)')


def encrypt(text):
    vault = VaultLib([(VAULT_ID, VaultSecret(VAULT_PASSWORD.encode('utf-8')))])
    return vault.encrypt(text, vault_id=VAULT_ID).decode('ascii')


def write(path, text, mode=0o600):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, 'w', encoding='utf-8') as handle:
        handle.write(text)
    os.chmod(path, mode)


def fleet_with_secrets(make_fleet):
    """Four hosts: cw-001 by a token in the inventory, cw-002 by login, cw-003 and cw-004 by vaulted tokens."""
    return make_fleet([
        {'tokens': {PLAIN_TOKEN: 'admin'}},
        {'preset': 'license_expiring', 'users': {'ops': {'password': PASSWORD, 'permissions': 'all'}}},
        {'preset': 'service_down', 'tokens': {VAULTED_TOKENS['cw-003']: 'admin'}},
        {'tokens': {VAULTED_TOKENS['cw-004']: 'admin'}},
    ])


def private_data_dir(tmp_path, fleet, playbook, extravars):
    """An AWX-style private data directory for ``playbook`` (iiot.connectware.<name>); returns (path, licenses)."""
    root = str(tmp_path / 'private_data_dir')
    # The project: a playbook that imports the collection's, and the hosts' license files, vault-encrypted.
    write(os.path.join(root, 'project', 'site.yml'),
          '- name: Run the collection playbook\n  ansible.builtin.import_playbook: %s\n' % playbook, 0o644)
    expiration = (datetime.date.today() + datetime.timedelta(days=400)).isoformat()
    licenses = {}
    for instance in fleet:
        licenses[instance.name] = make_license_jwt('lic-runner-%s' % instance.name, expiration=expiration)
        write(os.path.join(root, 'project', 'licenses', '%s.lic' % instance.name),
              encrypt(licenses[instance.name] + '\n'))
    # The inventory: connection variables in the hosts file, credentials in vault-encrypted host_vars.
    inventory = fleet.inventory({instance.name: {'connectware_license_file': 'licenses/%s.lic' % instance.name}
                                 for instance in fleet})
    hosts = inventory['all']['children']['connectware']['hosts']
    for name in hosts:
        del hosts[name]['connectware_token']
    hosts['cw-001']['connectware_token'] = PLAIN_TOKEN
    write(os.path.join(root, 'inventory', 'hosts.yml'), yaml.safe_dump(inventory, sort_keys=True))
    vaulted = {'cw-002': {'connectware_username': 'ops', 'connectware_password': PASSWORD}}
    vaulted.update((name, {'connectware_token': token}) for name, token in VAULTED_TOKENS.items())
    for name, variables in vaulted.items():
        write(os.path.join(root, 'inventory', 'host_vars', '%s.yml' % name), encrypt(yaml.safe_dump(variables)))
    # env/: what AWX writes for a job: extra variables, the vault credential's prompt and its answer,
    # the environment, and process isolation off (no container).
    write(os.path.join(root, 'env', 'extravars'), json.dumps(extravars))
    write(os.path.join(root, 'env', 'cmdline'), '--vault-id %s@prompt' % VAULT_ID)
    write(os.path.join(root, 'env', 'passwords'),
          json.dumps({r'^Vault password \(%s\):\s*?$' % VAULT_ID: VAULT_PASSWORD}))
    write(os.path.join(root, 'env', 'envvars'), json.dumps({
        'ANSIBLE_COLLECTIONS_PATH': LINKS,
        'ANSIBLE_LOCAL_TEMP': str(tmp_path / 'ansible-local'),
        'ANSIBLE_HOME': str(tmp_path / 'ansible-home'),
        'ANSIBLE_NOCOLOR': '1',
        'ANSIBLE_FORCE_COLOR': '0',
        'ANSIBLE_RETRY_FILES_ENABLED': '0',
        'ANSIBLE_DEPRECATION_WARNINGS': '0',
    }))
    write(os.path.join(root, 'env', 'settings'), json.dumps({'process_isolation': False}))
    return root, licenses


class RunnerJob(object):
    def __init__(self, root, ident, completed):
        self.finished_on = datetime.date.today()
        self.artifacts = os.path.join(root, 'artifacts', ident)
        self.rc = completed.returncode
        self.output = completed.stdout + completed.stderr
        self.events = []
        for path in glob.glob(os.path.join(self.artifacts, 'job_events', '*.json')):
            with open(path, encoding='utf-8') as handle:
                self.events.append(json.load(handle))
        self.events.sort(key=lambda event: event['counter'])

    def read(self, name):
        with open(os.path.join(self.artifacts, name), encoding='utf-8') as handle:
            return handle.read().strip()

    def host_events(self):
        return [event for event in self.events if event['event'].startswith('runner_on_')]

    def module_results(self, action=None):
        """{host: [event]} of the collection's modules' per-host results (``action``: one module only)."""
        found = {}
        for event in self.host_events():
            data = event['event_data']
            if event['event'] in RESULT_EVENTS and data.get('task_action', '').startswith('iiot.connectware.') \
                    and (action is None or data['task_action'] == action):
                found.setdefault(data['host'], []).append(event)
        return found

    def stats(self):
        found = [event['event_data'] for event in self.events if event['event'] == 'playbook_on_stats']
        assert len(found) == 1, self
        return found[0]

    def assert_no_secrets(self, secrets):
        """No secret in any artifact of the job: job events, stdout, the command, status and rc files."""
        texts = {}
        for folder, _dirs, files in os.walk(self.artifacts):
            for name in files:
                path = os.path.join(folder, name)
                with open(path, encoding='utf-8', errors='replace') as handle:
                    texts[os.path.relpath(path, self.artifacts)] = handle.read()
        texts['ansible-runner output'] = self.output
        assert any(name.startswith('job_events' + os.sep) for name in texts), self
        for secret in secrets:
            assert secret
            for place, text in texts.items():
                assert secret not in text, 'secret %r... found in %s' % (secret[:16], place)

    def __repr__(self):
        return '<RunnerJob rc=%s>\n%s' % (self.rc, self.output[-5000:])


def run_job(root, ident, limit=None):
    """``ansible-runner run`` as AWX starts it (without a container): one job, artifacts under ``ident``."""
    command = [ansible_runner(), 'run', root, '-p', 'site.yml', '--ident', ident]
    if limit:
        command += ['--limit', limit]
    env = dict((name, value) for name, value in os.environ.items() if not name.startswith(('CONNECTWARE_', 'ANSIBLE_')))
    env['PATH'] = BIN + os.pathsep + env.get('PATH', '')
    completed = subprocess.run(command, cwd=INTEGRATION, env=env, capture_output=True, text=True, timeout=600,
                               check=False, stdin=subprocess.DEVNULL)
    return RunnerJob(root, ident, completed)


def values_of(key, data):
    """Every value of ``key`` anywhere in nested dicts and lists."""
    if isinstance(data, dict):
        return [value for name, item in data.items() for value in ([item] if name == key else []) + values_of(key, item)]
    if isinstance(data, list):
        return [value for item in data for value in values_of(key, item)]
    return []


def all_secrets(fleet, licenses):
    issued = [token for instance in fleet for token in instance.issued_tokens]
    return [VAULT_PASSWORD, PLAIN_TOKEN, PASSWORD] + list(VAULTED_TOKENS.values()) + list(licenses.values()) + issued


def test_fleet_report_job_events_per_host_and_no_secret(make_fleet, tmp_path):
    fleet = fleet_with_secrets(make_fleet)
    report = tmp_path / 'report'
    root, licenses = private_data_dir(tmp_path, fleet, 'iiot.connectware.fleet_report',
                                      {'fleet_report_dir': str(report)})
    job = run_job(root, '101')
    assert job.rc == 0, job
    assert job.read('rc') == '0' and job.read('status') == 'successful', job

    # What AWX shows per host: the results of the collection's modules, each host's own.
    results = job.module_results()
    assert sorted(results) == ['cw-001', 'cw-002', 'cw-003', 'cw-004'], job
    for host, events in results.items():
        assert [event['event'] for event in events] == ['runner_on_ok'] * len(events), (host, events)
        assert all(event['event_data']['res']['changed'] is False for event in events), (host, events)
    res = dict((host, [event['event_data']['res'] for event in events]) for host, events in results.items())
    assert set(values_of('days_left', res['cw-002'])) <= expected_days_left(10, job), res['cw-002']
    assert values_of('days_left', res['cw-002']) and values_of('days_left', res['cw-001'])
    assert 10 not in values_of('days_left', res['cw-001'])
    assert 'exited' in json.dumps(res['cw-003']) and 'exited' not in json.dumps(res['cw-001']), res['cw-003']
    # The credentials from the vault-encrypted host_vars were used: cw-002 logged in with its password.
    assert fleet['cw-002'].issued_tokens and fleet['cw-002'].count('POST', '/api/login') >= 1
    stats = job.stats()
    assert sorted(stats['ok']) == ['cw-001', 'cw-002', 'cw-003', 'cw-004'], stats
    assert not stats['failures'] and not stats['dark'] and not stats['changed'], stats

    written = (report / 'fleet_report.json').read_text()
    assert all(instance.name in written for instance in fleet), written
    job.assert_no_secrets(all_secrets(fleet, licenses))


def test_license_rollout_job_slice_reports_only_its_hosts(make_fleet, tmp_path):
    fleet = fleet_with_secrets(make_fleet)
    root, licenses = private_data_dir(tmp_path, fleet, 'iiot.connectware.license_rollout', {
        'license_rollout_batch_size': 2, 'license_rollout_report_dir': str(tmp_path / 'rollout')})
    job = run_job(root, '102', limit=','.join(SLICE))
    assert job.rc == 0, job
    assert job.read('status') == 'successful', job

    assert sorted(set(event['event_data']['host'] for event in job.host_events())) == SLICE, job
    stats = job.stats()
    for kind in ('ok', 'changed', 'failures', 'dark', 'skipped', 'processed'):
        assert set(stats.get(kind) or {}) <= set(SLICE), (kind, stats)
    assert sorted(stats['processed']) == SLICE and not stats['failures'], stats
    installed = job.module_results(LICENSE_MODULE)
    assert sorted(installed) == SLICE, job
    for host in SLICE:
        assert [event['event'] for event in installed[host]] == ['runner_on_ok'], installed[host]
        result = installed[host][0]['event_data']['res']
        assert result['changed'] is True and result['uploaded'] is True, result
        assert fleet[host].state['license']['file']['id'] == 'lic-runner-%s' % host
        assert fleet[host].count('PUT', '/api/system/licensefile') == 1
    for instance in fleet:
        if instance.name not in SLICE:
            assert instance.request_log() == [], instance.name
    job.assert_no_secrets(all_secrets(fleet, licenses))
