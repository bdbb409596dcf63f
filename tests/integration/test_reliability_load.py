# -*- coding: utf-8 -*-
# Copyright: (c) 2026, iiot.connectware contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Health check across a 200-host fleet with 10% of the hosts faulty."""

import json
import os
import time

import pytest

from harness import connection_vars, play, run_playbook, write_inventory
from repo_paths import REPO

HOSTS = 200
FORKS = 20

# Every tenth host is faulty, in turn one of these ways: (scenario or fault, words of the reason).
FAULTY = [
    ({'preset': 'service_down'}, None, "service broker is 'exited'"),
    ({'preset': 'vrpc_unreachable'}, None, 'vRPC provider service-manager of agent protocol-mapper unreachable'),
    ({'preset': 'license_expired'}, None, 'expired on'),
    ({'preset': 'license_invalid'}, None, 'is invalid'),
    ({}, ('/api/system/health', dict(status=503)), 'answered HTTP 503 for GET /api/system/health'),
    ({}, ('*', dict(reset=True)), 'connection reset by the server'),
    ({}, ('/api/system/vrpcHealth', dict(malformed_json=True)), 'the body is not JSON'),
    ({}, ('/api/system/info', dict(status=401)), 'rejected the API token'),
]


@pytest.mark.slow
def test_health_check_across_200_hosts_with_10_percent_faulty(make_fleet, workdir):
    scenarios, expected = [], {}
    for index in range(HOSTS):
        if index % 10 == 9:
            scenario, fault, reason = FAULTY[(index // 10) % len(FAULTY)]
            scenarios.append(dict(scenario))
            expected[index] = (fault, reason)
        else:
            scenarios.append({})
    fleet = make_fleet(scenarios)
    instances = list(fleet)
    for index, (fault, _reason) in expected.items():
        if fault:
            instances[index].set_fault(fault[0], **fault[1])
    task = dict(connection_vars(), retries=1, timeout=10)
    started = time.monotonic()
    run = run_playbook(workdir, play([{'name': 'check', 'iiot.connectware.connectware_health_check': task,
                                       'ignore_errors': True}]), write_inventory(workdir, fleet), forks=FORKS,
                       timeout=1200)
    elapsed = time.monotonic() - started
    assert 'Traceback' not in run.output
    passed = failed = 0
    for index, instance in enumerate(instances):
        entry = run.task('check', instance.name)
        if index in expected:
            assert entry['status'] == 'ignored', instance.name
            assert expected[index][1] in entry['result']['msg'], (instance.name, entry['result']['msg'])
            assert entry['result']['healthy'] is False
            failed += 1
        else:
            assert entry['status'] == 'ok', (instance.name, entry['result'].get('msg'))
            assert entry['result']['healthy'] is True
            passed += 1
    assert (passed, failed) == (180, 20)
    figures = {'hosts': HOSTS, 'faulty': failed, 'healthy_passed': passed, 'forks': FORKS,
               'seconds': round(elapsed, 1), 'ms_per_host': round(1000 * elapsed / HOSTS, 1)}
    print('load figures: %s' % json.dumps(figures))
    output = os.path.join(REPO, '.tmp', 'figures')
    os.makedirs(output, exist_ok=True)
    with open(os.path.join(output, 'load.json'), 'w', encoding='utf-8') as handle:
        json.dump(figures, handle)
