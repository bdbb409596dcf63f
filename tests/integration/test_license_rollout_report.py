# -*- coding: utf-8 -*-
# Copyright: (c) 2026, iiot.connectware contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""license_rollout's report: per host the license before -> after (id, expiry), uploaded or not and why not;
a second run with the report folder changes nothing and reports changed=0 for every host.

Two ansible-playbook runs, not one shared run: the test runs the collection's playbook as an operator would
(the report records that command line), and what it checks is per run -- the first run's rc (a closed gate),
the report each run writes over the last, and the second run's recap of changed=0.
"""

import datetime
import json
import re

from connectware_sim import make_license_jwt
from harness import run_playbook, write_inventory


def recap(run):
    return {match.group(1): int(match.group(2))
            for match in re.finditer(r'^(\S+)\s+: ok=\d+\s+changed=(\d+)', run.stdout, re.MULTILINE)}


def read_report(folder):
    with open(folder / 'license_rollout.json', encoding='utf-8') as handle:
        return json.load(handle)


def test_rollout_report_before_after_why_not_then_changed_0(make_fleet, workdir, tmp_path):
    fleet = make_fleet([{'preset': 'license_expiring'}, {}, {'preset': 'vrpc_unreachable'}])
    expiration = (datetime.date.today() + datetime.timedelta(days=400)).isoformat()
    host_vars = {}
    for instance in fleet:
        path = workdir / ('%s.lic' % instance.name)
        path.write_text(make_license_jwt('lic-new-%s' % instance.name, expiration=expiration) + '\n')
        host_vars[instance.name] = {'connectware_license_file': str(path)}
    inventory = write_inventory(workdir, fleet, host_vars)
    before = dict((instance.name, dict(instance.state['license']['file'])) for instance in fleet)
    folder = tmp_path / 'rollout'
    extra = {'license_rollout_batch_size': 3, 'license_rollout_max_fail_percentage': 50,
             'license_rollout_report_dir': str(folder)}

    first = run_playbook(workdir, 'iiot.connectware.license_rollout', inventory, extra_vars=extra)
    assert first.rc == 2, first  # cw-003's gate before the upload closed
    report = read_report(folder)
    rows = dict((row['host'], row) for row in report['hosts'])
    assert [row['host'] for row in report['hosts']] == ['cw-003', 'cw-001', 'cw-002']  # worst first
    for name in ('cw-001', 'cw-002'):
        assert rows[name]['uploaded'] is True and rows[name]['why_not'] is None and rows[name]['verified'] is True
        assert rows[name]['before']['id'] == before[name]['id']
        assert rows[name]['before']['expiration'] == before[name]['expiration']
        assert rows[name]['after']['id'] == 'lic-new-%s' % name and rows[name]['after']['expiration'] == expiration
    assert rows['cw-003']['uploaded'] is False and rows['cw-003']['before'] is None
    assert rows['cw-003']['why_not'].startswith('the gate before the upload closed: vRPC provider service-manager')
    assert fleet['cw-003'].count('PUT', '/api/system/licensefile') == 0
    assert re.match(r'^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00$', report['generated'])
    assert report['command'].startswith('ansible-playbook -i ') and 'iiot.connectware.license_rollout' in report['command']
    assert report['thresholds'] == {'min_days_left': 30, 'batch_size': 3, 'max_fail_percentage': 50}
    assert re.match(r'^\d+\.\d+\.\d+', report['collection_version'])
    for row in report['hosts']:
        assert row['checked_at'].endswith('+00:00')
    html = (folder / 'license_rollout.html').read_text(encoding='utf-8')
    assert re.findall(r'<tr class="sev-\d" data-host="([^"]+)">', html) == ['cw-003', 'cw-001', 'cw-002']
    assert 'lic-new-cw-001' in html and before['cw-001']['id'] in html

    fleet['cw-003'].reset_state({})  # repaired; its file is still to be installed
    second = run_playbook(workdir, 'iiot.connectware.license_rollout', inventory,
                          extra_vars=dict(extra, license_rollout_hosts='cw-001:cw-002'))
    assert second.rc == 0, second
    assert recap(second) == {'cw-001': 0, 'cw-002': 0}, second.stdout
    report = read_report(folder)
    rows = dict((row['host'], row) for row in report['hosts'])
    for name in ('cw-001', 'cw-002'):
        assert rows[name]['uploaded'] is False and rows[name]['verified'] is True
        assert rows[name]['why_not'] == "the file's license lic-new-%s is already installed" % name
        assert rows[name]['before']['id'] == rows[name]['after']['id'] == 'lic-new-%s' % name
        assert fleet[name].count('PUT', '/api/system/licensefile') == 1
    assert report['not_reached'] == []
