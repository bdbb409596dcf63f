# -*- coding: utf-8 -*-
# Copyright: (c) 2026, iiot.connectware contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The CPU time of one module process, this checkout against an earlier commit, side by side.

    .venv/bin/python bench/module_process_bench.py --before 'bc5ac36^' --runs 30

A playbook-level comparison of the module path (run_bench.py --rows info_module,info_before)
measures whole `ansible-playbook` runs, where the worker processes and the run's start-up
blur a difference of a few per cent. This measures only what a module process costs: the
AnsiballZ payloads of `connectware_info` (gather_subset all) as Ansible built them for this
checkout and for REVISION, and of `ansible.builtin.ping`, each run directly against one
simulated Connectware host, taking turns (A, B, C, A, B, C...). Prints the median and the
lowest CPU time of each, and the ratios.

Then the same two collections in playbooks on that one host, forced to the module path: runs
of 1 and of 21 `connectware_info` tasks, taking turns. The difference is the CPU time of 20
tasks (worker, action plugin, module process), apart from the run's fixed cost (start-up,
loading the collection's plugins).

With --instructions REPS, each payload also runs REPS times under valgrind's callgrind, which
counts the instructions the process executes: unlike CPU time, other load on the machine does
not change that count, so a difference of one per cent between two module processes shows
(PYTHONHASHSEED is fixed for these runs; the threads of a task still vary it by a few 0.1 %).
Needs `valgrind` on PATH; each run takes about 50 times as long as without it.
"""

import argparse
import glob
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile

import yaml

BENCH = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(BENCH)
sys.path[:0] = [os.path.join(REPO, 'tests', 'utils'), os.path.join(REPO, 'tests', 'simulator'), BENCH]

from connectware_sim import Fleet  # noqa: E402  pylint: disable=wrong-import-position
from repo_paths import LINKS  # noqa: E402  pylint: disable=wrong-import-position
from run_bench import Runner, before_collection  # noqa: E402  pylint: disable=wrong-import-position

# connectware_info with every subset, its connection from the simulator's inventory.
INFO_TASK = {'iiot.connectware.connectware_info': {
    'url': '{{ connectware_url }}', 'token': '{{ connectware_token }}', 'ca_path': '{{ connectware_ca_path }}',
    'gather_subset': ['all']}}
FORCED = {'CONNECTWARE_EXECUTION': 'module'}
# The payloads' ratios reported, numerator first.
COMPARED = (('today', 'before'), ('today', 'ping'), ('before', 'ping'))


def write_playbook(path, tasks):
    with open(path, 'w', encoding='utf-8') as handle:
        yaml.safe_dump([{'hosts': 'all', 'gather_facts': False, 'tasks': tasks}], handle)
    return path


def payloads(workdir, inventory, runners):
    """{label: AnsiballZ file} kept from one forced-module run per Runner, plus ping's."""
    playbook = write_playbook(os.path.join(workdir, 'payloads.yml'), [INFO_TASK, {'ansible.builtin.ping': {}}])
    found = {}
    for label, runner in runners.items():
        keep = os.path.join(workdir, 'keep-%s' % label)
        runner.run(playbook, inventory, dict(FORCED, ANSIBLE_KEEP_REMOTE_FILES='1', ANSIBLE_REMOTE_TMP=keep))
        for name, module in ((label, 'connectware_info'), ('ping', 'ping')):
            kept = glob.glob(os.path.join(keep, '*', 'AnsiballZ_%s.py' % module))
            if not kept:
                raise SystemExit('the %s run kept no %s payload in %s: did it run as a module?' % (label, module, keep))
            found[name] = kept[0]
    return found


def run_payload(payload, prefix=(), env=None):
    """One run of ``payload`` (after the command ``prefix``); fails when it or the module failed."""
    run = subprocess.run(list(prefix) + [sys.executable, payload], stdin=subprocess.DEVNULL, capture_output=True,
                         check=False, env=env)
    if run.returncode != 0 or b'"failed": true' in run.stdout:
        raise SystemExit('%s failed: %s %s' % (payload, run.stdout[-1000:], run.stderr[-1000:]))
    return run


def cpu_of(payload):
    """CPU seconds of one run of ``payload``."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    run_payload(payload)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)


def instructions_of(payload):
    """Instructions one run of ``payload`` executes, counted by callgrind."""
    run = run_payload(payload, prefix=('valgrind', '--tool=callgrind', '--callgrind-out-file=/dev/null'),
                      env=dict(os.environ, PYTHONHASHSEED='0'))
    counted = re.search(rb'Collected : ([0-9]+)', run.stderr)
    if counted is None:
        raise SystemExit('callgrind reported no instruction count for %s: %s' % (payload, run.stderr[-1000:]))
    return int(counted.group(1))


def playbook_costs(workdir, inventory, runners, reps):
    """{label: (CPU per task, fixed CPU per run)} from runs of 1 and 21 forced-module tasks, medians of ``reps``."""
    cpu = {}
    for count in (1, 21):
        playbook = write_playbook(os.path.join(workdir, 'tasks-%d.yml' % count), [INFO_TASK] * count)
        for _rep in range(reps):
            for label, runner in runners.items():
                measured, _output = runner.run(playbook, inventory, FORCED)
                cpu.setdefault((label, count), []).append(measured['ansible_cpu'])
    found = {}
    for label in runners:
        one, many = statistics.median(cpu[(label, 1)]), statistics.median(cpu[(label, 21)])
        found[label] = ((many - one) / 20, one)
    return found


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--before', metavar='REVISION', required=True,
                        help='the commit whose connectware_info module process this checkout is compared with')
    parser.add_argument('--runs', type=int, default=30, help='runs of each payload (default 30)')
    parser.add_argument('--playbook-reps', type=int, default=4,
                        help='repetitions of the playbook runs of 1 and 21 tasks (default 4; 0 skips them)')
    parser.add_argument('--instructions', type=int, default=0, metavar='REPS',
                        help='also count the instructions of REPS runs of each payload under valgrind (default 0: skip)')
    args = parser.parse_args(argv)
    if args.runs < 5:
        parser.error('--runs must be 5 or more: the report gives medians')
    if args.playbook_reps < 0:
        parser.error('--playbook-reps must be 0 (skip) or more')
    if args.instructions < 0:
        parser.error('--instructions must be 0 (skip) or more')
    if args.instructions and shutil.which('valgrind') is None:
        parser.error('--instructions needs valgrind on PATH (for example: apt-get install valgrind)')
    # The kept payloads hold the simulated host's token: the folder goes when the bench ends.
    workdir = tempfile.mkdtemp(prefix='module-process-bench-')
    try:
        return measure(args, workdir)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def measure(args, workdir):
    before_path, before_commit = before_collection(workdir, args.before)
    fleet = Fleet(os.path.join(workdir, 'fleet'), [{}], access_log=False).start()
    try:
        inventory = fleet.write_inventory(os.path.join(workdir, 'inventory.yml'))
        runners = {'today': Runner(1, workdir, LINKS), 'before': Runner(1, workdir, before_path)}
        found = payloads(workdir, inventory, runners)
        cpu = dict((label, []) for label in found)
        for _run in range(args.runs):
            for label, payload in found.items():
                cpu[label].append(cpu_of(payload))
        counts = dict((label, []) for label in found)
        for _run in range(args.instructions):
            for label, payload in found.items():
                counts[label].append(instructions_of(payload))
        costs = playbook_costs(workdir, inventory, runners, args.playbook_reps) if args.playbook_reps else None
    finally:
        fleet.stop()
    print('CPU seconds of one module process, %d runs each, taking turns (before: %s)' % (args.runs, before_commit[:10]))
    for label, values in cpu.items():
        print('  %-7s median %.3f  lowest %.3f' % (label, statistics.median(values), min(values)))
    for one, other in COMPARED:
        print('  %s / %s: median %.3f, lowest %.3f' % (
            one, other, statistics.median(cpu[one]) / statistics.median(cpu[other]), min(cpu[one]) / min(cpu[other])))
    if args.instructions:
        print('Instructions of one module process (callgrind), %d runs each' % args.instructions)
        for label, values in counts.items():
            print('  %-7s median %d  lowest %d  highest %d' % (label, statistics.median(values), min(values), max(values)))
        for one, other in COMPARED:
            print('  %s / %s: median %.4f' % (one, other, statistics.median(counts[one]) / statistics.median(counts[other])))
    if costs:
        print('CPU seconds in playbooks on one host, forced to the module path (medians of %d repetitions)'
              % args.playbook_reps)
        for label, (per_task, fixed) in costs.items():
            print('  %-7s per task %.3f, fixed per run %.2f' % (label, per_task, fixed))
        print('  today / before: per task %.3f, fixed per run %.3f' % (
            costs['today'][0] / costs['before'][0], costs['today'][1] / costs['before'][1]))
    return 0


if __name__ == '__main__':
    sys.exit(main())
