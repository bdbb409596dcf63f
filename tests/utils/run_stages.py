# -*- coding: utf-8 -*-
# Copyright: (c) 2026, iiot.connectware contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Run `make` stages for `make test`, then print how long each took.

Usage: run_stages.py STAGE [STAGE ...] where a STAGE may be ``a+b`` to run make targets a and b
side by side (each into its own log, printed when it ends). Stops at the first failing stage.
The last line printed is the summary line of the last pytest run, so CI reads the test counts.
"""

import os
import re
import subprocess
import sys
import time

SUMMARY = re.compile(r'^=+ .*\b(passed|failed|error|errors|no tests ran)\b.* in [0-9.]+s.* =+$')
LOGS = os.path.join('.tmp', 'stages')


def run_group(targets):
    """Run make targets side by side; return {target: (rc, seconds, output)}."""
    os.makedirs(LOGS, exist_ok=True)
    started = time.monotonic()
    running = {}
    for target in targets:
        log = open(os.path.join(LOGS, target + '.log'), 'w+', encoding='utf-8')  # pylint: disable=consider-using-with
        command = ['make', '--no-print-directory', target]
        if len(targets) == 1:
            # Alone: stream to the terminal as it comes, and keep a copy for the summary line.
            process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
            for line in process.stdout:
                sys.stdout.write(line)
                sys.stdout.flush()
                log.write(line)
        else:
            process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, text=True)
        running[target] = (process, log)
    results = {}
    for target, (process, log) in running.items():
        rc = process.wait()
        log.seek(0)
        output = log.read()
        log.close()
        if len(targets) > 1:
            sys.stdout.write('---- make %s ----\n%s' % (target, output))
            sys.stdout.flush()
        results[target] = (rc, time.monotonic() - started, output)
    return results


def main(stages):
    times = []
    summary = None
    failed = None
    for stage in stages:
        targets = stage.split('+')
        print('==== %s ====' % ' + '.join(targets), flush=True)
        for target, (rc, seconds, output) in run_group(targets).items():
            times.append((target, seconds, rc))
            lines = [line for line in output.splitlines() if SUMMARY.match(line.strip())]
            if lines:
                summary = lines[-1].strip()
            if rc != 0 and failed is None:
                failed = target
        if failed:
            break
    print('\nStage times (side-by-side stages overlap):')
    for target, seconds, rc in times:
        print('  %-20s %6.1f s%s' % (target, seconds, '' if rc == 0 else '  FAILED (rc %d)' % rc))
    if failed:
        print('make test failed in stage %s' % failed)
    if summary:
        print(summary)
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
