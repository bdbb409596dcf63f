# -*- coding: utf-8 -*-
# Copyright: (c) 2026, iiot.connectware contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Nothing lost: interrupted license uploads and failed writes leave a known state, and a rerun converges.

Every scenario is a play on simulated hosts of its own (each fault is count-based or permanent on its own
host), and all of them run in one ansible-playbook run (the ``scenarios`` fixture); each test reads its play back.
"""

import pytest

from connectware_sim import make_license_jwt
from harness import connection_vars, run_playbook, scenario_play, scenario_playbook, write_inventory

NEW_LICENSE = make_license_jwt('lic-new-recovery', expiration='2099-03-31')

# Interrupted uploads: (test id, host, fault on the first PUT /api/system/licensefile, applied on Connectware).
UPLOAD_FAULTS = [
    ('reset', 'upload-reset', dict(reset=True), False),                  # reset before Connectware read the upload
    ('503', 'upload-503', dict(status=503), False),                      # refused while busy
    ('reset after apply', 'upload-reset-after-apply', dict(reset_after_apply=True), True),  # applied, answer lost
]
UPLOAD_HOSTS = [host for _id, host, _fault, _applied in UPLOAD_FAULTS]

# Marketplace writes that fail: (test id, host, fault on every GET /api/marketplace/app/meta).
MARKETPLACE_FAULTS = [
    ('503', 'app-503', dict(status=503)),
    ('reset', 'app-reset', dict(reset=True)),
    ('malformed', 'app-malformed', dict(malformed_json=True)),
    ('truncated', 'app-truncated', dict(truncate=True)),
]
MARKETPLACE_HOSTS = [host for _id, host, _fault in MARKETPLACE_FAULTS]


def license_task(name='license', **args):
    task_args = connection_vars()
    task_args.update(args)
    return {'name': name, 'iiot.connectware.connectware_license': task_args}


def info_task(name='info'):
    return {'name': name, 'iiot.connectware.connectware_info': dict(connection_vars(), gather_subset=['info'])}


@pytest.fixture(scope='module')
def app_folders(tmp_path_factory):
    """host -> the folder of that marketplace scenario's dest, holding app.yml with 'keep: me'."""
    root = tmp_path_factory.mktemp('apps')
    folders = {}
    for host in MARKETPLACE_HOSTS:
        folder = root / host
        folder.mkdir()
        (folder / 'app.yml').write_text('keep: me\n')
        folders[host] = folder
    return folders


@pytest.fixture(scope='module')
def scenarios(host_pool, module_workdir, app_folders):
    """All scenarios of this module in one run: (fleet, run)."""
    fleet = host_pool.fleet([{'name': host} for host in UPLOAD_HOSTS + ['lost-answer'] + MARKETPLACE_HOSTS])
    for _id, host, fault, _applied in UPLOAD_FAULTS:
        fleet[host].set_fault('/api/system/licensefile', count=1, **fault)
    fleet['lost-answer'].set_fault('/api/system/licensefile', count=1, reset_after_apply=True)
    for _id, host, fault in MARKETPLACE_FAULTS:
        fleet[host].set_fault('/api/marketplace/app/meta', **fault)
    app = dict(connection_vars(), directory='opcua-to-mqtt', filename='opcua-to-mqtt.yml', dest='{{ app_dest }}',
               retries=1)
    plays = [
        # First run (the interrupted upload, then what Connectware reports), the rerun and one more run,
        # as consecutive tasks on each host.
        scenario_play('interrupted upload', [
            dict(license_task(content=NEW_LICENSE, retries=0), ignore_errors=True),
            info_task(),
            license_task('rerun', content=NEW_LICENSE, retries=0),
            license_task('again', content=NEW_LICENSE, retries=0),
        ], hosts=UPLOAD_HOSTS),
        scenario_play('lost-answer', [license_task(content=NEW_LICENSE, retries=2)]),
        scenario_play('marketplace dest', [
            {'name': 'app', 'iiot.connectware.connectware_marketplace_app': app, 'ignore_errors': True},
        ], hosts=MARKETPLACE_HOSTS),
    ]
    host_vars = dict((host, {'app_dest': str(folder / 'app.yml')}) for host, folder in app_folders.items())
    run = run_playbook(module_workdir, scenario_playbook(plays), write_inventory(module_workdir, fleet, host_vars),
                       forks=len(MARKETPLACE_HOSTS))
    assert run.rc == 0, run
    return fleet, run


@pytest.mark.parametrize('host, applied', [(host, applied) for _id, host, _fault, applied in UPLOAD_FAULTS],
                         ids=[test_id for test_id, _host, _fault, _applied in UPLOAD_FAULTS])
def test_interrupted_upload_then_rerun_converges(scenarios, host, applied):
    fleet, run = scenarios
    run = run.play('interrupted upload')
    instance = fleet[host]
    failure = run.task('license', host)
    assert failure['status'] == 'ignored'
    message = failure['result']['msg']
    assert 'PUT /api/system/licensefile' in message and instance.url in message
    assert message.endswith('Before the upload Connectware reported license lic-%s (expires %s); run the task again '
                            'to converge' % (host, failure['result']['previous_license']['expiration']))
    assert failure['result']['previous_license']['id'] == 'lic-%s' % host
    # What Connectware reports now is exactly what happened on its side.
    assert run.result('info', host)['license']['id'] == ('lic-new-recovery' if applied else 'lic-%s' % host)

    assert run.rc == 0, run
    assert run.task('rerun', host)['status'] == ('ok' if applied else 'changed')
    assert run.task('again', host)['status'] == 'ok'
    assert instance.state['license']['file']['id'] == 'lic-new-recovery'


def test_lost_answer_is_retried_safely(scenarios):
    """The upload is idempotent, so a retry after a lost answer is safe and reports the change."""
    fleet, run = scenarios
    run = run.play('lost-answer')
    assert run.rc == 0, run
    assert run.task('license')['status'] == 'changed'
    assert fleet['lost-answer'].count('PUT', '/api/system/licensefile') == 2


@pytest.mark.parametrize('host', MARKETPLACE_HOSTS, ids=[test_id for test_id, _host, _fault in MARKETPLACE_FAULTS])
def test_marketplace_dest_never_truncated(scenarios, app_folders, host):
    _fleet, run = scenarios
    folder = app_folders[host]
    assert run.play('marketplace dest').task('app', host)['status'] == 'ignored'  # failed; ignore_errors went on
    assert (folder / 'app.yml').read_text() == 'keep: me\n'
    assert sorted(path.name for path in folder.iterdir()) == ['app.yml']
