#!/usr/bin/env python
"""Prototype: "Record the verdict" once per batch (a run_once loop with delegate_facts) against once per host.

The deployment_gate role records each host's verdict with a set_fact task per host; every such task
costs each host a worker process and the main process's queueing. This measures, interleaved on one
simulated fleet, the health check alone, the check plus the role's per-host set_fact, and the check
plus one batch task, then checks that the batch task gives every host its own verdict.

    .venv/bin/python bench/record_verdict_bench.py --hosts 50 --reps 3
"""

import argparse
import os
import statistics
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import run_bench  # noqa: E402  pylint: disable=wrong-import-position

ROWS = {
    'check': 'gate_steps_check.yml',
    'per_host': 'gate_steps_record.yml',
    'per_batch': 'gate_steps_record_batch.yml',
}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--hosts', type=int, default=50)
    parser.add_argument('--reps', type=int, default=3)
    parser.add_argument('--forks', type=int, default=20)
    parser.add_argument('--workdir', default=os.path.join(run_bench.REPO, '.tmp', 'bench-record'))
    args = parser.parse_args()
    os.makedirs(args.workdir, exist_ok=True)
    runner = run_bench.Runner(args.forks, args.workdir)
    fleet = run_bench.fleet_of(args.workdir, args.hosts)
    try:
        inventory = fleet.write_inventory(os.path.join(args.workdir, 'inventory.yml'))
        runner.run(ROWS['per_batch'], inventory, extra_args=('-e', 'verify=true'))
        print('every host has its own verdict (batch task)', flush=True)
        runs = dict((row, []) for row in ROWS)
        for rep in range(args.reps):
            for row, playbook in ROWS.items():
                measured, _output = runner.run(playbook, inventory)
                runs[row].append(measured)
                print('rep %d %-9s %6.2f s wall %6.2f s Ansible CPU %5.2f s others' % (
                    rep + 1, row, measured['wall'], measured['ansible_cpu'], measured.get('others_cpu', 0)), flush=True)
    finally:
        fleet.stop()
    medians = dict((row, dict((key, statistics.median(run[key] for run in found)) for key in ('wall', 'ansible_cpu')))
                   for row, found in runs.items())
    fastest = dict((row, min(run['wall'] for run in found)) for row, found in runs.items())
    print('\nper host, ms (median wall / fastest wall / median Ansible CPU), %d hosts, forks %d, %d reps:'
          % (args.hosts, args.forks, args.reps))
    for row in ROWS:
        print('  %-9s %6.0f / %6.0f / %6.0f' % (row, 1000 * medians[row]['wall'] / args.hosts,
                                                1000 * fastest[row] / args.hosts,
                                                1000 * medians[row]['ansible_cpu'] / args.hosts))
    for row in ('per_host', 'per_batch'):
        print('  recording, %-9s adds %5.0f / %5.0f / %5.0f ms per host' % (
            row, 1000 * (medians[row]['wall'] - medians['check']['wall']) / args.hosts,
            1000 * (fastest[row] - fastest['check']) / args.hosts,
            1000 * (medians[row]['ansible_cpu'] - medians['check']['ansible_cpu']) / args.hosts))
    return 0


if __name__ == '__main__':
    sys.exit(main())
