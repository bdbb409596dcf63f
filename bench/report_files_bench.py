# -*- coding: utf-8 -*-
# Copyright: (c) 2026, iiot.connectware contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Writing a report's files: ansible.builtin.copy per file against one iiot.connectware.report_files task.

    .venv/bin/python bench/report_files_bench.py                 # 10 and 50 files, 3 repetitions
    .venv/bin/python bench/report_files_bench.py --files 200 --reps 5

Both playbooks write the same files (one JSON file per host of an inventory of local hosts, as the
fleet report and the deployment_gate role do) into a fresh folder; the two are run interleaved and
compared as medians of the CPU time of ansible-playbook and everything it starts, and of wall time.
"""

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

BENCH = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(BENCH)
sys.path[:0] = [os.path.join(REPO, 'tests', 'utils')]

from repo_paths import LINKS  # noqa: E402  pylint: disable=wrong-import-position

BIN = os.path.dirname(sys.executable)
# Both write the same text per host: {"host": "<name>", "verdict": "open"}.
PLAYBOOKS = {
    'copy': '''
- hosts: localhost
  gather_facts: false
  tasks:
    - name: Create the report folder
      ansible.builtin.file:
        path: "{{ report_dir }}"
        state: directory
        mode: "0755"
    - name: Write one file per host with ansible.builtin.copy
      ansible.builtin.copy:
        dest: "{{ report_dir }}/{{ item }}.json"
        content: '{"host": "{{ item }}", "verdict": "open"}'
        mode: "0644"
      loop: "{{ report_hosts }}"
''',
    'report_files': '''
- hosts: localhost
  gather_facts: false
  tasks:
    - name: Write every host's file with iiot.connectware.report_files
      iiot.connectware.report_files:
        dest: "{{ report_dir }}"
        files: >-
          {{ dict(report_hosts | map('regex_replace', '$', '.json')
                  | zip(report_hosts | map('regex_replace', '^(.*)$', '{"host": "\\1", "verdict": "open"}'))) }}
''',
}


def run(playbook, folder, files):
    report_dir = os.path.join(folder, 'report')
    shutil.rmtree(report_dir, ignore_errors=True)
    hosts = ['cw-%03d' % number for number in range(1, files + 1)]
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=LINKS, ANSIBLE_LOCALHOST_WARNING='0',
               ANSIBLE_INVENTORY_UNPARSED_WARNING='0')
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.monotonic()
    subprocess.run([os.path.join(BIN, 'ansible-playbook'), playbook, '-e',
                    '{"report_dir": "%s", "report_hosts": %s}' % (report_dir, str(hosts).replace("'", '"'))],
                   env=env, check=True, stdout=subprocess.DEVNULL)
    wall = time.monotonic() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    written = sorted(os.listdir(report_dir))
    assert written == sorted('%s.json' % host for host in hosts), written
    with open(os.path.join(report_dir, written[-1]), encoding='utf-8') as handle:
        assert handle.read() == '{"host": "%s", "verdict": "open"}' % hosts[-1]
    return after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime, wall


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--files', default='10,50', help='numbers of files, comma-separated')
    parser.add_argument('--reps', type=int, default=3)
    options = parser.parse_args()
    folder = tempfile.mkdtemp(prefix='report-files-bench-')
    paths = {}
    for name, text in PLAYBOOKS.items():
        paths[name] = os.path.join(folder, name + '.yml')
        with open(paths[name], 'w', encoding='utf-8') as handle:
            handle.write(text)
    print('| files | copy CPU s | report_files CPU s | CPU ratio | copy wall s | report_files wall s | wall ratio |')
    print('|---:|---:|---:|---:|---:|---:|---:|')
    for files in [int(value) for value in options.files.split(',')]:
        samples = {name: [] for name in PLAYBOOKS}
        for _rep in range(options.reps):
            for name in PLAYBOOKS:  # interleaved: the machine's load hits both alike
                samples[name].append(run(paths[name], folder, files))
        cpu = {name: statistics.median(sample[0] for sample in samples[name]) for name in samples}
        wall = {name: statistics.median(sample[1] for sample in samples[name]) for name in samples}
        print('| %d | %.1f | %.1f | %.2f | %.1f | %.1f | %.2f |' % (
            files, cpu['copy'], cpu['report_files'], cpu['report_files'] / cpu['copy'],
            wall['copy'], wall['report_files'], wall['report_files'] / wall['copy']))
    shutil.rmtree(folder, ignore_errors=True)


if __name__ == '__main__':
    main()
