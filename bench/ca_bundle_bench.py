# -*- coding: utf-8 -*-
# Copyright: (c) 2026, iiot.connectware contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What a large CA bundle costs: connectware_info (all subsets) with ca_path naming certifi's bundle plus
the fleet's CA, this checkout against an earlier commit, side by side.

    .venv/bin/python bench/ca_bundle_bench.py --before 91aab9b^ --hosts 30 --reps 5
    .venv/bin/python bench/ca_bundle_bench.py --before 91aab9b^ --hosts 30 --reps 3 --execution module

(91aab9b: the commit that parses each CA file once per process.)

The main bench (run_bench.py) verifies with the fleet's one CA, which costs next to nothing to
load. A host whose certificate a public CA signed is verified with a bundle of about 150 CAs
(certifi's, or the system's), and reading such a bundle into a TLS context is the costliest part
of a connection; connectware_info opens seven at once. The two collections take turns (A, B, A,
B...) on one simulated fleet; the report gives medians of Ansible's CPU time and of wall time, and
their ratios. With --single-ca, ca_path names the fleet's CA alone (the control).
"""

import argparse
import os
import sys

import certifi

BENCH = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, BENCH)

import run_bench  # noqa: E402  pylint: disable=wrong-import-position
from module_process_bench import write_playbook  # noqa: E402  pylint: disable=wrong-import-position


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--before', metavar='REVISION', required=True, help='the commit to compare this checkout with')
    parser.add_argument('--hosts', type=int, default=30)
    parser.add_argument('--reps', type=int, default=5)
    parser.add_argument('--forks', type=int, default=20)
    parser.add_argument('--execution', choices=('auto', 'module'), default='auto',
                        help='CONNECTWARE_EXECUTION for both (default auto: in-process on the local connection)')
    parser.add_argument('--single-ca', action='store_true', help='ca_path names the fleet\'s CA alone (the control)')
    parser.add_argument('--workdir', default=os.path.join(run_bench.REPO, '.tmp', 'bench-ca-bundle'))
    args = parser.parse_args(argv)
    if args.hosts < 1 or args.reps < 1:
        parser.error('--hosts and --reps must be 1 or more')
    os.makedirs(args.workdir, exist_ok=True)
    before_path, before_commit = run_bench.before_collection(args.workdir, args.before)
    fleet = run_bench.fleet_of(args.workdir, args.hosts)
    try:
        inventory = fleet.write_inventory(os.path.join(args.workdir, 'inventory.yml'))
        ca_path = fleet.ca_path
        if not args.single_ca:
            ca_path = os.path.join(args.workdir, 'bundle.pem')
            with open(certifi.where(), encoding='ascii') as public, open(fleet.ca_path, encoding='ascii') as own:
                bundle = public.read().rstrip('\n') + '\n' + own.read()
            with open(ca_path, 'w', encoding='ascii') as handle:
                handle.write(bundle)
        playbook = write_playbook(os.path.join(args.workdir, 'info_ca_bundle.yml'), [{
            'iiot.connectware.connectware_info': {'url': '{{ connectware_url }}', 'token': '{{ connectware_token }}',
                                                  'ca_path': ca_path, 'gather_subset': ['all']}}])
        runners = {'this checkout': run_bench.Runner(args.forks, args.workdir),
                   'before': run_bench.Runner(args.forks, args.workdir, before_path)}
        env = {run_bench.EXECUTION_ENV: args.execution}
        measured = dict((label, []) for label in runners)
        for _rep in range(args.reps):
            for label, runner in runners.items():
                measured[label].append(runner.run(playbook, inventory, env)[0])
    finally:
        fleet.stop()
    print('connectware_info, all subsets, %d hosts, forks %d, CONNECTWARE_EXECUTION=%s, ca_path: %s; before: %s'
          % (args.hosts, args.forks, args.execution, 'the fleet\'s CA alone' if args.single_ca else
             'certifi\'s bundle and the fleet\'s CA', before_commit[:10]))
    medians = {}
    for label, runs in measured.items():
        medians[label] = dict((key, run_bench.median(runs, key)) for key in ('ansible_cpu', 'wall'))
        print('  %-13s Ansible CPU %.2f s (%.0f ms per host), wall %.2f s (medians of %d)' % (
            label, medians[label]['ansible_cpu'], 1000 * medians[label]['ansible_cpu'] / args.hosts,
            medians[label]['wall'], args.reps))
    print('  this checkout / before: Ansible CPU %.3f, wall %.3f' % (
        medians['this checkout']['ansible_cpu'] / medians['before']['ansible_cpu'],
        medians['this checkout']['wall'] / medians['before']['wall']))
    return 0


if __name__ == '__main__':
    sys.exit(main())
