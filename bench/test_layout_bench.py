# -*- coding: utf-8 -*-
# Copyright: (c) 2026, iiot.connectware contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""How integration tests could be laid out: one ansible-playbook run per scenario, or one run for all.

    .venv/bin/python bench/test_layout_bench.py                  # 8 scenarios, 3 repetitions
    .venv/bin/python bench/test_layout_bench.py --scenarios 16 --reps 2

Today each integration test starts ansible-playbook for its scenario (a license upload in normal,
check or diff mode, say). The alternative runs every scenario as a host of ONE play: a simulated
Connectware per scenario, check_mode and diff set per host from host variables. Both layouts run
the same tasks against the same simulated hosts; they are run interleaved and compared as medians
of the CPU time of ansible-playbook and everything it starts, and of wall time. Both the in-process
path and the forced module path are measured.
"""

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time

import yaml

BENCH = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(BENCH)
sys.path[:0] = [os.path.join(REPO, 'tests', 'utils'), os.path.join(REPO, 'tests', 'simulator')]

from connectware_sim import Fleet, make_license_jwt  # noqa: E402  pylint: disable=wrong-import-position
from repo_paths import LINKS  # noqa: E402  pylint: disable=wrong-import-position

BIN = os.path.dirname(sys.executable)
MODES = [(False, False), (True, True), (False, True)]   # (check, diff) by scenario, in turn


def play(per_host_modes):
    task = {'iiot.connectware.connectware_license': {
        'url': '{{ connectware_url }}', 'token': '{{ connectware_token }}', 'ca_path': '{{ connectware_ca_path }}',
        'content': '{{ scenario_license }}'}}
    if per_host_modes:
        task.update(check_mode='{{ scenario_check }}', diff='{{ scenario_diff }}')
    return [{'name': 'scenarios', 'hosts': 'all', 'gather_facts': False,
             'tasks': [dict(task, name='upload'), dict(task, name='again'),
                       {'name': 'read back', 'iiot.connectware.connectware_info': {
                           'url': '{{ connectware_url }}', 'token': '{{ connectware_token }}',
                           'ca_path': '{{ connectware_ca_path }}', 'gather_subset': ['info']}}]}]


def run(command, env):
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.monotonic()
    completed = subprocess.run(command, env=env, check=False, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    wall = time.monotonic() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if completed.returncode != 0:
        raise SystemExit('%s failed:\n%s' % (' '.join(command), completed.stdout[-3000:]))
    return after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime, wall


def check_same_outcome(fleet, layout):
    """Both layouts did the same: one upload per scenario in normal mode, none in check mode."""
    for number, instance in enumerate(fleet):
        check = MODES[number % len(MODES)][0]
        uploads = instance.count('PUT', '/api/system/licensefile')
        if uploads != (0 if check else 1):
            mode = 'check' if check else 'normal'
            raise SystemExit('%s: %s uploaded %d times in %s mode' % (layout, instance.name, uploads, mode))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--scenarios', type=int, default=8)
    parser.add_argument('--reps', type=int, default=3)
    options = parser.parse_args()
    folder = tempfile.mkdtemp(prefix='test-layout-bench-')
    fleet = Fleet(os.path.join(folder, 'fleet'), [{}] * options.scenarios).start()
    try:
        host_vars = {}
        for number, instance in enumerate(fleet):
            check, diff = MODES[number % len(MODES)]
            host_vars[instance.name] = {'scenario_license': make_license_jwt('lic-%s' % instance.name, expiration='2099-01-01'),
                                        'scenario_check': check, 'scenario_diff': diff}
        inventory = fleet.write_inventory(os.path.join(folder, 'inventory.yml'), host_vars)
        paths = {}
        for name, per_host in (('one run per scenario', False), ('one run for all scenarios', True)):
            paths[name] = os.path.join(folder, '%s.yml' % per_host)
            with open(paths[name], 'w', encoding='utf-8') as handle:
                yaml.safe_dump(play(per_host), handle, sort_keys=False)
        base_env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=LINKS, ANSIBLE_HOST_KEY_CHECKING='0')
        playbook = os.path.join(BIN, 'ansible-playbook')
        print('%d scenarios (3 tasks each), %d repetitions, medians\n' % (options.scenarios, options.reps))
        print('| path | layout | CPU s | wall s | CPU ratio |')
        print('|---|---|---:|---:|---:|')
        for path_name, extra_env in (('in-process', {}), ('module', {'CONNECTWARE_EXECUTION': 'module'})):
            env = dict(base_env, **extra_env)
            samples = {name: [] for name in paths}
            for _rep in range(options.reps):
                for instance in fleet:
                    instance.reset_state()
                per_scenario = [0.0, 0.0]
                for number, instance in enumerate(fleet):
                    check, diff = MODES[number % len(MODES)]
                    command = [playbook, '-i', inventory, paths['one run per scenario'], '--limit', instance.name]
                    command += (['--check'] if check else []) + (['--diff'] if diff else [])
                    cpu, wall = run(command, env)
                    per_scenario[0] += cpu
                    per_scenario[1] += wall
                samples['one run per scenario'].append(tuple(per_scenario))
                check_same_outcome(fleet, 'one run per scenario')
                for instance in fleet:
                    instance.reset_state()
                samples['one run for all scenarios'].append(run([playbook, '-i', inventory,
                                                                 paths['one run for all scenarios']], env))
                check_same_outcome(fleet, 'one run for all scenarios')
            cpu = dict((name, statistics.median(sample[0] for sample in values)) for name, values in samples.items())
            wall = dict((name, statistics.median(sample[1] for sample in values)) for name, values in samples.items())
            reference = cpu['one run per scenario']
            for name in paths:
                print('| %s | %s | %.1f | %.1f | %.2f |' % (path_name, name, cpu[name], wall[name], cpu[name] / reference))
    finally:
        fleet.stop()


if __name__ == '__main__':
    main()
