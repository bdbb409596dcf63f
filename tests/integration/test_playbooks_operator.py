# -*- coding: utf-8 -*-
# Copyright: (c) 2026, iiot.connectware contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The playbooks and the deployment_gate role as an operator meets them: variables checked before anything
happens, typos named, license files found where the inventory is, reports that keep every gate's verdict,
and a run that changes nothing reports changed=0."""

import datetime
import json
import os
import re

import yaml

from connectware_sim import make_license_jwt
from harness import REPO, run_playbook, write_inventory

PLAYBOOKS = os.path.join(REPO, 'playbooks')
TYPO_WARNING = ('deployment_gate_licence_min_days is not a variable of the role iiot.connectware.deployment_gate and '
                'has no effect; did you mean deployment_gate_license_min_days?')


def recap(run):
    """{host: changed count} from the PLAY RECAP."""
    return {match.group(1): int(match.group(2))
            for match in re.finditer(r'^(\S+)\s+: ok=\d+\s+changed=(\d+)', run.stdout, re.MULTILINE)}


def markdown_rows(path):
    return [line for line in path.read_text(encoding='utf-8').splitlines() if line.startswith('| cw-')]


def html_hosts(path):
    return re.findall(r'<tr><td>(?:<a href="[^"]*">)?(cw-\d+)(?:</a>)?</td>', path.read_text(encoding='utf-8'))


def assert_utc_timestamp(value):
    parsed = datetime.datetime.strptime(value, '%Y-%m-%dT%H:%M:%S%z')
    assert parsed.utcoffset() == datetime.timedelta(0), value


def gated_deploy_vars(tmp_path, **more):
    values = {'gated_deploy_app_name': 'OPC UA to MQTT', 'gated_deploy_app_version': '1.2.0',
              'gated_deploy_dest_dir': str(tmp_path / 'apps'), 'gated_deploy_report_dir': str(tmp_path / 'gate'),
              'gated_deploy_batch_size': 2, 'gated_deploy_max_fail_percentage': 50,
              'gated_deploy_settle_timeout': 5, 'gated_deploy_service_wait_interval': 0.05}
    values.update(more)
    return values


def test_gated_deploy_keeps_both_reports_warns_once_about_a_typo_then_changes_nothing(make_fleet, workdir, tmp_path):
    """Three hosts in two batches: cw-002's first gate closes. The role runs twice per batch, the typo is warned
    about once. before/ and after/ each hold their own gate's verdicts, worst first in Markdown and HTML alike."""
    fleet = make_fleet([{}, {'preset': 'service_down'}, {}])
    inventory = write_inventory(workdir, fleet)
    extra = gated_deploy_vars(tmp_path, deployment_gate_licence_min_days=400)
    first = run_playbook(workdir, os.path.join(PLAYBOOKS, 'gated_deploy.yml'), inventory, extra_vars=extra)
    assert first.rc == 2, first
    # ansible-core 2.16 wraps warnings at the terminal's width.
    assert ' '.join(first.output.split()).count(TYPO_WARNING) == 1, first.output
    # The typo left the default in force: 365 days of license pass the default minimum of 14.
    closes = [entry['status'] for entry in first.results
              if entry['host'] == 'cw-001' and entry['task'].endswith(' : Close the gate')]
    assert closes == ['skipped', 'skipped'], closes

    before, after = tmp_path / 'gate' / 'before', tmp_path / 'gate' / 'after'
    assert markdown_rows(before / 'deployment_gate.md')[0].startswith("| cw-002 | CLOSED | 1.7.2 | 365 | service broker")
    assert [row.split(' | ')[:2] for row in markdown_rows(before / 'deployment_gate.md')] == [
        ['| cw-002', 'CLOSED'], ['| cw-001', 'open'], ['| cw-003', 'open']]
    # cw-002 never reached the second gate: "not checked" there, not its first verdict again.
    assert [row.split(' | ')[:2] for row in markdown_rows(after / 'deployment_gate.md')] == [
        ['| cw-001', 'open'], ['| cw-003', 'open'], ['| cw-002', 'not checked']]
    for folder in (before, after):
        rows = markdown_rows(folder / 'deployment_gate.md')
        assert html_hosts(folder / 'deployment_gate.html') == [row.split(' | ')[0][2:] for row in rows]
        for row in rows:
            cells = row.split(' | ')
            if cells[1] != 'not checked':
                assert_utc_timestamp(cells[-1].rstrip(' |'))
    assert sorted(path.name for path in before.glob('*.json')) == ['cw-001.json', 'cw-002.json', 'cw-003.json']
    assert sorted(path.name for path in after.glob('*.json')) == ['cw-001.json', 'cw-003.json']
    verdicts = {}
    for folder in (before, after):
        with open(folder / 'cw-001.json', encoding='utf-8') as handle:
            verdicts[folder.name] = json.load(handle)
        assert_utc_timestamp(verdicts[folder.name]['checked_at'])
    assert verdicts['before']['checked_at'] <= verdicts['after']['checked_at']
    with open(before / 'cw-002.json', encoding='utf-8') as handle:
        assert json.load(handle)['failures'] == ["service broker is 'exited'"]
    # Every checked row links its host's Connectware; the pages say when, by which version and command,
    # with which of the gate's options.
    html = (before / 'deployment_gate.html').read_text(encoding='utf-8')
    markdown = (before / 'deployment_gate.md').read_text(encoding='utf-8')
    for instance in fleet:
        assert '<a href="%s">%s</a>' % (instance.url, instance.name) in html
        assert '| <%s> |' % instance.url in markdown
    assert verdicts['before']['url'] == fleet['cw-001'].url
    with open(os.path.join(REPO, 'galaxy.yml'), encoding='utf-8') as handle:
        version = yaml.safe_load(handle)['version']
    for page, playbook in ((html, 'gated_deploy.yml'), (markdown, 'gated\\_deploy.yml')):
        assert 'iiot.connectware %s' % version in page
        assert playbook in page and 'license_min_days 400' not in page and 'license_min_days' in page

    second = run_playbook(workdir, os.path.join(PLAYBOOKS, 'gated_deploy.yml'), inventory, extra_vars=extra,
                          limit='cw-001,cw-003')
    assert second.rc == 0, second
    assert recap(second) == {'cw-001': 0, 'cw-003': 0}, second.stdout


def write_license(path, name, days=400):
    expiration = (datetime.date.today() + datetime.timedelta(days=days)).isoformat()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(make_license_jwt('lic-2027-%s' % name, expiration=expiration) + '\n')


def test_license_rollout_relative_files_from_the_inventory_folder_then_changed_0(make_fleet, workdir, tmp_path):
    """Relative license paths are found next to the inventory; the second run reports changed=0 for every host."""
    fleet = make_fleet([{'preset': 'license_expiring'}, {}])
    for instance in fleet:
        write_license(workdir / 'licenses' / ('%s.lic' % instance.name), instance.name)
    inventory = write_inventory(workdir, fleet, {instance.name: {'connectware_license_file': 'licenses/%s.lic'
                                                                 % instance.name} for instance in fleet})
    extra = {'license_rollout_batch_size': 1, 'license_rollout_report_dir': str(tmp_path / 'rollout')}
    first = run_playbook(workdir, 'iiot.connectware.license_rollout', inventory, extra_vars=extra)
    assert first.rc == 0, first
    for instance in fleet:
        assert first.task("Install the host's license file", instance.name)['status'] == 'changed'
        assert instance.state['license']['file']['id'] == 'lic-2027-%s' % instance.name
    assert recap(first) == {'cw-001': 1, 'cw-002': 1}, first.stdout
    assert [row.split(' | ')[:2] for row in markdown_rows(tmp_path / 'rollout' / 'deployment_gate.md')] == [
        ['| cw-001', 'open'], ['| cw-002', 'open']]

    second = run_playbook(workdir, 'iiot.connectware.license_rollout', inventory, extra_vars=extra)
    assert second.rc == 0, second
    assert recap(second) == {'cw-001': 0, 'cw-002': 0}, second.stdout
    for instance in fleet:
        assert instance.count('PUT', '/api/system/licensefile') == 1


def test_license_rollout_says_where_it_looked_and_starts_nothing(make_fleet, workdir, tmp_path):
    fleet = make_fleet([{}, {}])
    write_license(workdir / 'licenses' / 'cw-001.lic', 'cw-001')
    inventory = write_inventory(workdir, fleet, {'cw-001': {'connectware_license_file': 'licenses/cw-001.lic'},
                                                 'cw-002': {'connectware_license_file': 'licenses/cw-002.lic'}})
    report = tmp_path / 'rollout'
    run = run_playbook(workdir, 'iiot.connectware.license_rollout', inventory,
                       extra_vars={'license_rollout_report_dir': str(report)})
    assert run.rc == 2, run
    message = run.result("Stop unless every host's license file is there")['msg']
    assert ('connectware_license_file of cw-002: license file licenses/cw-002.lic not found on the controller '
            '(searched %s, %s)' % (workdir / 'licenses' / 'cw-002.lic', os.path.join(REPO, 'licenses', 'cw-002.lic'))
            in message), message
    assert 'cw-001' not in message
    assert [instance.request_log() for instance in fleet] == [[], []]
    assert not report.exists()


def test_required_variables_are_checked_before_anything(make_fleet, workdir, tmp_path):
    """No app name, one host without a URL, one without a credential: one message names them all; no gate ran,
    no folder was made."""
    fleet = make_fleet([{}, {}, {}])
    inventory = write_inventory(workdir, fleet, {'cw-002': {'connectware_url': None},
                                                 'cw-003': {'connectware_token': ''}})
    extra = gated_deploy_vars(tmp_path)
    del extra['gated_deploy_app_name']
    run = run_playbook(workdir, os.path.join(PLAYBOOKS, 'gated_deploy.yml'), inventory, extra_vars=extra)
    assert run.rc == 2, run
    message = run.result('Check the required variables before anything runs')['msg']
    assert message.startswith('Nothing was done, required variables are missing.'), message
    assert "gated_deploy_app_name is not set: set it to the marketplace app's name" in message
    assert 'connectware_url is not set for cw-002: set it in the inventory' in message
    assert 'no credential for cw-003: set connectware_token, or connectware_username and connectware_password' in message
    assert fleet['cw-001'].admin_token not in run.output
    assert [entry['task'] for entry in run.results] == ['Check the required variables before anything runs']
    assert [instance.request_log() for instance in fleet] == [[], [], []]
    assert not (tmp_path / 'apps').exists() and not (tmp_path / 'gate').exists()


def test_fleet_report_changes_nothing(make_fleet, workdir, tmp_path):
    """Writing the report is not a change to the hosts, on the first run already."""
    fleet = make_fleet([{}, {'preset': 'service_down'}])
    run = run_playbook(workdir, 'iiot.connectware.fleet_report', write_inventory(workdir, fleet),
                       extra_vars={'fleet_report_dir': str(tmp_path / 'report')})
    assert run.rc == 0, run
    assert recap(run) == {'cw-001': 0, 'cw-002': 0}, run.stdout
    assert (tmp_path / 'report' / 'fleet_report.html').exists()
