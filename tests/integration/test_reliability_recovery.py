# -*- coding: utf-8 -*-
# Copyright: (c) 2026, iiot.connectware contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Nothing lost: interrupted license uploads and failed writes leave a known state, and a rerun converges."""

import pytest

from connectware_sim import make_license_jwt
from harness import connection_vars, play, run_playbook, write_inventory

NEW_LICENSE = make_license_jwt('lic-new-recovery', expiration='2099-03-31')


def license_task(name='license', **args):
    task_args = connection_vars()
    task_args.update(args)
    return {'name': name, 'iiot.connectware.connectware_license': task_args}


def info_task(name='info'):
    return {'name': name, 'iiot.connectware.connectware_info': dict(connection_vars(), gather_subset=['info'])}


@pytest.mark.parametrize('fault, applied', [
    (dict(reset=True), False),                  # reset before Connectware read the upload
    (dict(status=503), False),                  # refused while busy
    (dict(reset_after_apply=True), True),       # applied, but the answer was lost
], ids=['reset', '503', 'reset after apply'])
def test_interrupted_upload_then_rerun_converges(make_fleet, workdir, fault, applied):
    fleet = make_fleet([{}])
    instance = fleet['cw-001']
    instance.set_fault('/api/system/licensefile', count=1, **fault)
    inventory = write_inventory(workdir, fleet)
    first = run_playbook(workdir, play([dict(license_task(content=NEW_LICENSE, retries=0), ignore_errors=True),
                                        info_task()]), inventory)
    failure = first.task('license')
    assert failure['status'] == 'ignored'
    message = failure['result']['msg']
    assert 'PUT /api/system/licensefile' in message and instance.url in message
    assert message.endswith('Before the upload Connectware reported license lic-cw-001 (expires %s); run the task again '
                            'to converge' % failure['result']['previous_license']['expiration'])
    assert failure['result']['previous_license']['id'] == 'lic-cw-001'
    # What Connectware reports now is exactly what happened on its side.
    assert first.result('info')['license']['id'] == ('lic-new-recovery' if applied else 'lic-cw-001')

    rerun = run_playbook(workdir, play([license_task(content=NEW_LICENSE, retries=0)]), inventory)
    assert rerun.rc == 0, rerun
    assert rerun.task('license')['status'] == ('ok' if applied else 'changed')
    again = run_playbook(workdir, play([license_task(content=NEW_LICENSE, retries=0)]), inventory)
    assert again.task('license')['status'] == 'ok'
    assert instance.state['license']['file']['id'] == 'lic-new-recovery'


def test_lost_answer_is_retried_safely(make_fleet, workdir):
    """The upload is idempotent, so a retry after a lost answer is safe and reports the change."""
    fleet = make_fleet([{}])
    fleet['cw-001'].set_fault('/api/system/licensefile', count=1, reset_after_apply=True)
    run = run_playbook(workdir, play([license_task(content=NEW_LICENSE, retries=2)]), write_inventory(workdir, fleet))
    assert run.rc == 0, run
    assert run.task('license')['status'] == 'changed'
    assert fleet['cw-001'].count('PUT', '/api/system/licensefile') == 2


@pytest.mark.parametrize('fault', [dict(status=503), dict(reset=True), dict(malformed_json=True), dict(truncate=True)],
                         ids=['503', 'reset', 'malformed', 'truncated'])
def test_marketplace_dest_never_truncated(make_fleet, workdir, tmp_path, fault):
    fleet = make_fleet([{}])
    fleet['cw-001'].set_fault('/api/marketplace/app/meta', **fault)
    folder = tmp_path / 'apps'
    folder.mkdir()
    dest = folder / 'app.yml'
    dest.write_text('keep: me\n')
    task = dict(connection_vars(), directory='opcua-to-mqtt', filename='opcua-to-mqtt.yml', dest=str(dest), retries=1)
    run = run_playbook(workdir, play([{'name': 'app', 'iiot.connectware.connectware_marketplace_app': task}]),
                       write_inventory(workdir, fleet))
    assert run.task('app')['status'] == 'failed'
    assert dest.read_text() == 'keep: me\n'
    assert sorted(path.name for path in folder.iterdir()) == ['app.yml']
