# -*- coding: utf-8 -*-
# Copyright: (c) 2026, iiot.connectware contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Run real ansible-playbook against simulated Connectware hosts and read back what happened."""

import datetime
import json
import os
import subprocess
import sys

import yaml
from connectware_sim.state import today as simulator_today

from repo_paths import LINKS, REPO

INTEGRATION = os.path.dirname(os.path.abspath(__file__))
BIN = os.path.dirname(sys.executable)


class _Results(object):
    """What tests read from a run, or from one play of a run."""

    rc = None
    stdout = stderr = ''
    results = ()

    @property
    def output(self):
        return self.stdout + self.stderr

    def task(self, name, host=None):
        """The result entry of the task ``name`` (for ``host``), which must exist exactly once.

        A role's task matches by its own name, without the "role : " prefix Ansible adds.
        """
        found = [entry for entry in self.results
                 if (entry['task'] == name or entry['task'].endswith(' : ' + name)) and (host is None or entry['host'] == host)]
        assert len(found) == 1, 'task %r on %r: %d results in %s' % (name, host, len(found), [
            (entry['task'], entry['host']) for entry in self.results])
        return found[0]

    def result(self, name, host=None):
        return self.task(name, host)['result']

    def __repr__(self):
        failed = ['%s on %s: %s' % (entry['task'], entry['host'], entry['result'].get('msg'))
                  for entry in self.results if entry['status'] in ('failed', 'unreachable')]
        return '<%s rc=%s>\nFAILED TASKS:\n%s\nSTDERR:\n%s\nSTDOUT:\n%s' % (
            self.__class__.__name__, self.rc, '\n'.join(failed) or 'none', self.stderr[-3000:], self.stdout[-4000:])


class PlaybookRun(_Results):
    def __init__(self, completed, results_path):
        self.finished_on = datetime.date.today()
        self.rc = completed.returncode
        self.stdout = completed.stdout
        self.stderr = completed.stderr
        self.results = []
        if os.path.exists(results_path):
            with open(results_path, encoding='utf-8') as handle:
                self.results = [json.loads(line) for line in handle if line.strip()]

    def play(self, name):
        """The play ``name`` of this run (see scenario_play): its results and its part of stdout."""
        return PlayResults(self, name)


class PlayResults(_Results):
    """One play of a run that holds many (one per scenario): its results and its section of stdout.

    ``rc`` and ``stderr`` are the whole run's: Ansible does not split them by play.
    """

    def __init__(self, run, name):
        self.run = run
        self.name = name
        self.rc = run.rc
        self.stderr = run.stderr
        self.finished_on = run.finished_on
        header = 'PLAY [%s] ' % name
        lines, inside, seen = [], False, False
        for line in run.stdout.splitlines(True):
            if line.startswith('PLAY [') or line.startswith('PLAY RECAP'):
                inside = line.startswith(header)
                seen = seen or inside
            if inside:
                lines.append(line)
        # A play that never started: an earlier play stopped the run (all its hosts failed).
        assert seen, 'play %r did not run in %r' % (name, run)
        self.stdout = ''.join(lines)
        self.results = [entry for entry in run.results if entry.get('play') == name]


def expected_days_left(days, run):
    """``days_left`` a module reports for a license the simulator made to expire in ``days`` days.

    The simulator's today is frozen (connectware_sim.state.today); a module reads the real
    date, which is that day or, when the run crossed midnight, a later one up to the run's end.
    A set with exactly one member unless the run crossed midnight.
    """
    return set(days - offset for offset in range((run.finished_on - simulator_today()).days + 1))


def write_inventory(tmp_path, fleet, host_vars=None):
    path = os.path.join(str(tmp_path), 'inventory.yml')
    fleet.write_inventory(path, host_vars)
    return path


def write_plays(folder, name, plays):
    """Write ``plays`` as the playbook ``folder/name``; return its path (for runs of several playbooks)."""
    path = os.path.join(str(folder), name)
    with open(path, 'w', encoding='utf-8') as handle:
        yaml.safe_dump(plays, handle, sort_keys=False)
    return path


def run_playbook(tmp_path, playbook, inventory, extra_vars=None, check=False, diff=False, verbosity=0,
                 env=None, limit=None, forks=None, timeout=600, extra_args=()):
    """Run ``playbook`` (a path, or a list of plays to write out) and return a PlaybookRun."""
    tmp_path = str(tmp_path)
    if not isinstance(playbook, str):
        playbook = write_plays(tmp_path, 'playbook-%d.yml' % len(os.listdir(tmp_path)), playbook)
    results_path = os.path.join(tmp_path, 'results-%d.jsonl' % len(os.listdir(tmp_path)))
    command = [os.path.join(BIN, 'ansible-playbook'), '-i', inventory, playbook]
    if extra_vars:
        command += ['-e', json.dumps(extra_vars)]
    if check:
        command.append('--check')
    if diff:
        command.append('--diff')
    if verbosity:
        command.append('-' + 'v' * verbosity)
    if limit:
        command += ['--limit', limit]
    if forks:
        command += ['--forks', str(forks)]
    command += list(extra_args)
    run_env = dict(os.environ)
    for name in list(run_env):
        if name.startswith('CONNECTWARE_'):
            del run_env[name]
    run_env.update({
        'ANSIBLE_COLLECTIONS_PATH': LINKS,
        'ANSIBLE_CALLBACK_PLUGINS': os.path.join(INTEGRATION, 'callback_plugins'),
        'ANSIBLE_CALLBACKS_ENABLED': 'record_results',
        'RECORD_RESULTS_PATH': results_path,
        'ANSIBLE_LOCAL_TEMP': os.path.join(tmp_path, 'ansible-local'),
        'ANSIBLE_HOME': os.path.join(tmp_path, 'ansible-home'),
        'ANSIBLE_NOCOLOR': '1',
        'ANSIBLE_FORCE_COLOR': '0',
        'ANSIBLE_RETRY_FILES_ENABLED': '0',
        'ANSIBLE_DEPRECATION_WARNINGS': '0',
        'ANSIBLE_HOST_PATTERN_MISMATCH': 'ignore',
        'PATH': BIN + os.pathsep + run_env.get('PATH', ''),
    })
    run_env.update(env or {})
    completed = subprocess.run(command, cwd=REPO, env=run_env, capture_output=True, text=True, timeout=timeout,
                               check=False)
    return PlaybookRun(completed, results_path)


def assert_no_secrets(run, secrets, fleet=None):
    """No secret appears in the run's output, its recorded results, or the simulator's access logs."""
    recorded = json.dumps(run.results)
    places = {'stdout': run.stdout, 'stderr': run.stderr, 'results': recorded}
    if fleet is not None:
        for instance in fleet:
            if instance.access_log_path and os.path.exists(instance.access_log_path):
                with open(instance.access_log_path, encoding='utf-8') as handle:
                    places['access log of %s' % instance.name] = handle.read()
            places['request log of %s' % instance.name] = json.dumps(instance.request_log())
    for secret in secrets:
        assert secret, 'empty secret given'
        for place, text in places.items():
            if secret in text:
                at = text.index(secret)
                context = text[max(0, at - 300):at].replace(secret, '<SECRET>')
                raise AssertionError('secret %r... found in %s after: %s' % (secret[:12], place, context))


def connection_vars():
    """Task arguments that take the connection from the generated inventory's variables."""
    return {
        'url': '{{ connectware_url }}',
        'token': '{{ connectware_token }}',
        'ca_path': '{{ connectware_ca_path }}',
    }


def play(tasks, hosts='all', gather_facts=False, **extra):
    entry = {'name': 'integration', 'hosts': hosts, 'gather_facts': gather_facts, 'tasks': tasks}
    entry.update(extra)
    return [entry]


def scenario_play(name, tasks, hosts=None, check=False, diff=False, **extra):
    """One scenario of a run that holds many: a play named ``name`` on the host ``name`` (or ``hosts``).

    Many scenarios in one ansible-playbook run cost one start of Ansible instead of one each.
    ``check`` and ``diff`` become the play's check_mode and diff keywords, as --check and --diff
    would set them. Read a scenario back with ``run.play(name)``.

    Ansible stops the whole run after a play in which every host failed: give tasks that are
    meant to fail ``ignore_errors: true`` (their status is then 'ignored'), and keep a scenario
    that is about the run failing (rc, a closed gate, max_fail_percentage) last or in a run of its own.
    """
    entry = {'name': name, 'hosts': hosts or name, 'gather_facts': False, 'tasks': tasks}
    if check:
        entry['check_mode'] = True
    if diff:
        entry['diff'] = True
    entry.update(extra)
    return entry


def failing(task):
    """A task that is meant to fail: the shared run goes on (its status is then 'ignored')."""
    return dict(task, ignore_errors=True)


def scenario_playbook(plays):
    """The plays of many scenarios as one playbook; their names must differ (run.play finds them by name)."""
    names = [entry['name'] for entry in plays]
    repeated = sorted(set(name for name in names if names.count(name) > 1))
    assert not repeated, 'scenario plays share a name: %s' % repeated
    return list(plays)
