# -*- coding: utf-8 -*-
# Copyright: (c) 2026, iiot.connectware contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Run `make` stages for `make test`, then print how long each took.

Usage: run_stages.py [--slots N] STAGE [STAGE ...]

Without --slots, stages run one after another, and a STAGE may be ``a+b`` to run make targets
a and b side by side. With --slots N, the stages form a queue: up to N run at a time, the next
starting as soon as one ends, so no core idles while one stage of a pair finishes (every
stage is CPU-bound; put the longest first). A stage run beside others writes into its own
log, printed when it ends; a stage run alone streams to the terminal. After a failure no
further stage starts; those running finish. The last line printed is the summary line of the
stage named pytest (else of the last pytest run to end), so CI reads the test counts.
"""

import os
import re
import subprocess
import sys
import time

SUMMARY = re.compile(r'^=+ .*\b(passed|failed|error|errors|no tests ran)\b.* in [0-9.]+s.* =+$')
LOGS = os.path.join('.tmp', 'stages')


class Stage(object):
    def __init__(self, target, stream):
        self.target = target
        self.started = time.monotonic()
        self.log = open(os.path.join(LOGS, target + '.log'), 'w+', encoding='utf-8')  # pylint: disable=consider-using-with
        command = ['make', '--no-print-directory', target]
        self.stream = stream
        if stream:
            self.process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        else:
            self.process = subprocess.Popen(command, stdout=self.log, stderr=subprocess.STDOUT, text=True)
        self.rc = None
        self.seconds = None
        self.cpu_seconds = None
        self.output = ''

    def poll(self):
        """Whether the stage has ended; reaps it with wait4, which gives the CPU time of the stage and of what it waited for."""
        if self.rc is None:
            pid, status, usage = os.wait4(self.process.pid, os.WNOHANG)
            if pid == 0:
                return False
            self.rc = os.waitstatus_to_exitcode(status)
            self.process.returncode = self.rc
            # wait4 reports the stage's own CPU plus that of every process it waited for.
            self.cpu_seconds = usage.ru_utime + usage.ru_stime
        return True

    def finish(self):
        """Wait for the stage (streaming its output when it runs alone) and keep its output."""
        if self.stream:
            for line in self.process.stdout:
                sys.stdout.write(line)
                sys.stdout.flush()
                self.log.write(line)
        while not self.poll():
            time.sleep(0.1)
        self.seconds = time.monotonic() - self.started
        self.log.seek(0)
        self.output = self.log.read()
        self.log.close()
        if not self.stream:
            sys.stdout.write('---- make %s (%.0f s) ----\n%s' % (self.target, self.seconds, self.output))
            sys.stdout.flush()
        return self


def run_group(targets):
    """Run make targets side by side; return their finished Stages."""
    stages = [Stage(target, stream=len(targets) == 1) for target in targets]
    return [stage.finish() for stage in stages]


def run_pool(targets, slots):
    """Run make targets from a queue, up to ``slots`` at a time; return the finished Stages in the order they ended."""
    queue = list(targets)
    running, done = [], []
    while queue or running:
        while queue and len(running) < slots and not any(stage.rc for stage in done):
            target = queue.pop(0)
            print('==== %s (started, %d running) ====' % (target, len(running) + 1), flush=True)
            running.append(Stage(target, stream=False))
        if not running:
            break
        while True:
            ended = [stage for stage in running if stage.poll()]
            if ended:
                break
            time.sleep(0.5)
        for stage in ended:
            running.remove(stage)
            done.append(stage.finish())
    return done, queue


def summary_of(stage):
    lines = [line for line in stage.output.splitlines() if SUMMARY.match(line.strip())]
    return lines[-1].strip() if lines else None


def report(stages, not_started):
    summary = None
    failed = [stage.target for stage in stages if stage.rc != 0]
    print('\nStage times (stages that ran side by side overlap) and CPU times (of each stage\'s processes that it waited for):')
    for stage in stages:
        failure = '' if stage.rc == 0 else '  FAILED (rc %d)' % stage.rc
        print('  %-20s %6.1f s %7.1f CPU-s%s' % (stage.target, stage.seconds, stage.cpu_seconds, failure))
    print('  %-20s %8s %7.1f CPU-s' % ('all', '', sum(stage.cpu_seconds for stage in stages)))
    # The main pytest stage's summary if it ran, else the last one printed.
    for stage in sorted(stages, key=lambda stage: stage.target == 'pytest'):
        summary = summary_of(stage) or summary
    if not_started:
        print('not started after the failure: %s' % ' '.join(not_started))
    if failed:
        print('make test failed in stage %s' % ', '.join(failed))
    if summary:
        print(summary)
    return 1 if failed else 0


def main(argv):
    os.makedirs(LOGS, exist_ok=True)
    if argv[:1] == ['--slots']:
        stages, not_started = run_pool(argv[2:], int(argv[1]))
        return report(stages, not_started)
    stages = []
    for index, group in enumerate(argv):
        targets = group.split('+')
        print('==== %s ====' % ' + '.join(targets), flush=True)
        stages += run_group(targets)
        if any(stage.rc != 0 for stage in stages):
            return report(stages, argv[index + 1:])
    return report(stages, [])


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
