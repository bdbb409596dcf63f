# -*- coding: utf-8 -*-
# Copyright: (c) 2026, iiot.connectware contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""connectware_license through real ansible-playbook runs; every run at -vvvv is checked for leaks."""

import subprocess

import pytest

from connectware_sim import make_license_jwt
from harness import BIN, assert_no_secrets, connection_vars, play, run_playbook, write_inventory

PASSWORD = 'S3ntinel-Passw0rd-4711'
OPAQUE = 'OPAQUE-LICENSE-c0ffee-9f8e7d6c5b4a-sentinel'


def new_license(license_id='lic-new-2027', days=400):
    import datetime
    expiration = (datetime.date.today() + datetime.timedelta(days=days)).isoformat()
    return make_license_jwt(license_id, account='acme-plant', license_class='Production', expiration=expiration)


def license_task(name='license', **args):
    task_args = connection_vars()
    task_args.update(args)
    return {'name': name, 'iiot.connectware.connectware_license': task_args, 'register': 'license_result'}


def secrets_of(fleet, *extra):
    instance = fleet['cw-001']
    issued = list(instance.issued_tokens)
    return [instance.admin_token, PASSWORD] + issued + list(extra)


@pytest.fixture
def fleet(make_fleet):
    return make_fleet([{'users': {'ops': {'password': PASSWORD, 'permissions': 'all'}},
                        'opaque_licenses': {OPAQUE: {'name': 'Connectware Opaque', 'file': {
                            'id': 'lic-opaque-1', 'associatedAccount': 'acme-plant',
                            'connectwareLicenseClass': 'Production', 'expiration': '2099-01-01'}}}}])


def puts(fleet):
    return fleet['cw-001'].count('PUT', '/api/system/licensefile')


def test_upload_then_idempotent_rerun(fleet, workdir):
    content = new_license()
    inventory = write_inventory(workdir, fleet)
    first = run_playbook(workdir, play([license_task(content=content)]), inventory, verbosity=4)
    assert first.rc == 0, first
    result = first.result('license')
    assert first.task('license')['status'] == 'changed'
    assert result['uploaded'] is True
    assert result['previous_license']['id'] == 'lic-cw-001'
    assert result['license']['id'] == 'lic-new-2027' and result['license']['days_left'] == 400
    assert result['file_identity'] == {'id': 'lic-new-2027', 'expiration': result['license']['expiration']}
    assert [(entry['method'], entry['path']) for entry in fleet['cw-001'].request_log()] == [
        ('GET', '/api/system/info'), ('PUT', '/api/system/licensefile')]

    fleet['cw-001'].clear_requests()
    second = run_playbook(workdir, play([license_task(content=content)]), inventory, verbosity=4)
    assert second.rc == 0, second
    assert second.task('license')['status'] == 'ok'
    assert second.result('license')['uploaded'] is False
    assert [(entry['method'], entry['path']) for entry in fleet['cw-001'].request_log()] == [('GET', '/api/system/info')]
    for run in (first, second):
        assert_no_secrets(run, secrets_of(fleet, content), fleet)


def test_login_budget_and_force(fleet, workdir):
    content = new_license()
    fleet['cw-001'].update_state({'license': {'file': {'id': 'lic-new-2027',
                                                       'expiration': new_license_expiration(400)}}})
    args = {'url': '{{ connectware_url }}', 'username': 'ops', 'password': PASSWORD, 'ca_path': '{{ connectware_ca_path }}',
            'content': content}
    run = run_playbook(workdir, play([
        {'name': 'unchanged', 'iiot.connectware.connectware_license': args},
        {'name': 'forced', 'iiot.connectware.connectware_license': dict(args, force=True)},
    ]), write_inventory(workdir, fleet), verbosity=4)
    assert run.rc == 0, run
    assert run.task('unchanged')['status'] == 'ok'
    forced = run.result('forced')
    assert forced['uploaded'] is True and forced['changed'] is False
    paths = [(entry['method'], entry['path']) for entry in fleet['cw-001'].request_log()]
    assert paths == [('POST', '/api/login'), ('GET', '/api/system/info'),
                     ('POST', '/api/login'), ('GET', '/api/system/info'), ('PUT', '/api/system/licensefile')]
    assert_no_secrets(run, secrets_of(fleet, content), fleet)


def new_license_expiration(days):
    import datetime
    return (datetime.date.today() + datetime.timedelta(days=days)).isoformat()


def test_check_mode_and_diff(fleet, workdir):
    content = new_license()
    run = run_playbook(workdir, play([license_task(content=content)]), write_inventory(workdir, fleet),
                       check=True, diff=True, verbosity=4)
    assert run.rc == 0, run
    result = run.result('license')
    assert run.task('license')['status'] == 'changed'
    assert result['uploaded'] is False
    assert puts(fleet) == 0
    assert result['diff']['before']['id'] == 'lic-cw-001'
    assert result['diff']['after']['id'] == 'lic-new-2027'
    assert '"id": "lic-cw-001"' in run.stdout and '"id": "lic-new-2027"' in run.stdout
    assert_no_secrets(run, secrets_of(fleet, content), fleet)


def test_opaque_file(fleet, workdir):
    inventory = write_inventory(workdir, fleet)
    check = run_playbook(workdir, play([license_task(content=OPAQUE)]), inventory, check=True, verbosity=4)
    assert check.rc == 0, check
    assert check.task('license')['status'] == 'changed'
    assert any('cannot tell whether it is installed' in warning for warning in check.result('license')['warnings'])
    assert puts(fleet) == 0

    first = run_playbook(workdir, play([license_task(content=OPAQUE + '\n\n')]), inventory, verbosity=4)
    assert first.rc == 0, first
    assert first.task('license')['status'] == 'changed'
    assert first.result('license')['license']['id'] == 'lic-opaque-1'
    assert first.result('license')['file_identity'] is None

    second = run_playbook(workdir, play([license_task(content=OPAQUE)]), inventory, diff=True, verbosity=4)
    assert second.rc == 0, second
    assert second.task('license')['status'] == 'ok'
    assert second.result('license')['uploaded'] is True
    assert puts(fleet) == 2
    for run in (check, first, second):
        assert_no_secrets(run, secrets_of(fleet, OPAQUE), fleet)


def test_vault_encrypted_src(fleet, workdir, tmp_path):
    content = new_license('lic-vault-1')
    license_path = tmp_path / 'files' / 'cw.lic'
    license_path.parent.mkdir()
    license_path.write_text(content + '\n')
    password_file = tmp_path / 'vault-pass'
    password_file.write_text('vault-password-for-tests\n')
    subprocess.run([BIN + '/ansible-vault', 'encrypt', '--vault-password-file', str(password_file), str(license_path)],
                   check=True, capture_output=True)
    assert content not in license_path.read_text()
    run = run_playbook(workdir, play([license_task(src=str(license_path))]), write_inventory(workdir, fleet),
                       verbosity=4, extra_args=['--vault-password-file', str(password_file)])
    assert run.rc == 0, run
    assert run.result('license')['license']['id'] == 'lic-vault-1'
    assert run.task('license')['status'] == 'changed'
    assert_no_secrets(run, secrets_of(fleet, content), fleet)


@pytest.mark.parametrize('file_bytes, words', [
    (b'', 'is empty'),
    (b'  \n\t\n', 'is empty'),
    (b'\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\xff\xfe', 'is not UTF-8 text'),
])
def test_bad_files_send_nothing(fleet, workdir, tmp_path, file_bytes, words):
    path = tmp_path / 'bad.lic'
    path.write_bytes(file_bytes)
    run = run_playbook(workdir, play([license_task(src=str(path))]), write_inventory(workdir, fleet), verbosity=4)
    entry = run.task('license')
    assert entry['status'] == 'failed'
    assert entry['result']['msg'].startswith('src: license file %s %s' % (path, words))
    assert fleet['cw-001'].request_log() == []
    assert 'Traceback' not in run.output
    assert_no_secrets(run, secrets_of(fleet), fleet)


def test_missing_src_and_conflicts_send_nothing(fleet, workdir, tmp_path):
    run = run_playbook(workdir, play([
        dict(license_task('missing', src=str(tmp_path / 'nope.lic')), ignore_errors=True),
        dict(license_task('both', src=str(tmp_path / 'nope.lic'), content='x'), ignore_errors=True),
        dict(license_task('neither'), ignore_errors=True),
        dict(license_task('negative', content=OPAQUE, min_days_left=-3), ignore_errors=True),
        dict(license_task('refresh with content', content=OPAQUE, state='refreshed'), ignore_errors=True),
    ]), write_inventory(workdir, fleet), verbosity=4)
    assert run.result('missing')['msg'].startswith('src: license file %s not found' % (tmp_path / 'nope.lic'))
    assert run.result('both')['msg'] == 'parameters are mutually exclusive: src|content'
    assert run.result('neither')['msg'] == 'state is present but any of the following are missing: src, content'
    assert run.result('negative')['msg'] == 'min_days_left must be 0 or more (got -3)'
    assert run.result('refresh with content')['msg'].startswith('src and content are only for state=present')
    assert fleet['cw-001'].request_log() == []
    assert_no_secrets(run, secrets_of(fleet, OPAQUE), fleet)


def test_server_rejects_the_file(fleet, workdir):
    content = 'this is not a license file at all, sentinel-7f3a'
    run = run_playbook(workdir, play([license_task(content=content)]), write_inventory(workdir, fleet), verbosity=4)
    entry = run.task('license')
    assert entry['status'] == 'failed'
    assert entry['result']['msg'] == ('Connectware at %s answered HTTP 400 for PUT /api/system/licensefile: '
                                      'Invalid request: license file could not be verified. Connectware keeps license '
                                      'lic-cw-001 (expires %s)' % (fleet['cw-001'].url,
                                                                   entry['result']['previous_license']['expiration']))
    assert entry['result']['api_error']['status'] == 400
    info = run_playbook(workdir, play([{'name': 'info', 'iiot.connectware.connectware_info': dict(
        connection_vars(), gather_subset=['info'])}]), write_inventory(workdir, fleet))
    assert info.result('info')['license']['id'] == 'lic-cw-001'
    assert_no_secrets(run, secrets_of(fleet, content), fleet)


def test_min_days_left_and_expired(fleet, workdir):
    short = new_license('lic-short', days=5)
    expired = new_license('lic-expired', days=-2)
    run = run_playbook(workdir, play([
        dict(license_task('too short', content=short, min_days_left=14), ignore_errors=True),
        dict(license_task('expired', content=expired), ignore_errors=True),
        dict(license_task('check only', content=short, min_days_left=14), ignore_errors=True, check_mode=True),
        dict(license_task('check ok', content=new_license('lic-long', days=90), min_days_left=14), check_mode=True),
    ]), write_inventory(workdir, fleet), verbosity=4)
    too_short = run.task('too short')
    assert too_short['status'] == 'ignored'
    expiration = new_license_expiration(5)
    assert too_short['result']['msg'] == ('Connectware accepted the license file but reports license lic-short '
                                          '(expires %s), 5 days left, fewer than min_days_left=14: install a license '
                                          'that runs longer' % expiration)
    assert too_short['result']['changed'] is True and too_short['result']['uploaded'] is True
    expired_entry = run.task('expired')
    assert expired_entry['result']['msg'].startswith('Connectware accepted the license file but reports license '
                                                     'lic-expired (expires %s) expired' % new_license_expiration(-2))
    assert expired_entry['result']['previous_license']['id'] == 'lic-short'
    check_only = run.task('check only')
    assert check_only['status'] == 'ignored'
    assert check_only['result']['msg'] == ('Check mode: the license file is license lic-short (expires %s), 5 days '
                                           'left, fewer than min_days_left=14: install a license that runs longer'
                                           % expiration)
    assert run.task('check ok')['status'] == 'changed'
    assert fleet['cw-001'].count('PUT', '/api/system/licensefile') == 2
    assert_no_secrets(run, secrets_of(fleet, short, expired), fleet)


def test_installed_license_too_short_without_upload(make_fleet, workdir):
    fleet = make_fleet([{'preset': 'license_expiring'}])
    instance = fleet['cw-001']
    current = make_license_jwt(instance.state['license']['file']['id'],
                               expiration=instance.state['license']['file']['expiration'])
    run = run_playbook(workdir, play([license_task(content=current, min_days_left=30)]), write_inventory(workdir, fleet),
                       verbosity=4)
    entry = run.task('license')
    assert entry['status'] == 'failed'
    assert entry['result']['msg'].startswith('Connectware reports license lic-cw-001 (expires ')
    assert '10 days left, fewer than min_days_left=30' in entry['result']['msg']
    assert entry['result']['changed'] is False
    assert instance.count('PUT', '/api/system/licensefile') == 0
    assert_no_secrets(run, secrets_of(fleet, current), fleet)


def test_refreshed(make_fleet, workdir):
    portal = {'name': 'Connectware Production', 'file': {
        'id': 'lic-portal-2', 'associatedAccount': 'acme-plant', 'connectwareLicenseClass': 'Production',
        'expiration': new_license_expiration(200)}}
    fleet = make_fleet([{'portal_license': portal}, {'preset': 'offline'}])
    inventory = write_inventory(workdir, fleet)
    run = run_playbook(workdir, play([
        dict(license_task('refresh', state='refreshed'), ignore_errors=True),
        dict(license_task('refresh again', state='refreshed'), ignore_errors=True),
    ]), inventory, verbosity=4)
    first = run.task('refresh', 'cw-001')
    assert first['status'] == 'changed' and first['result']['license']['id'] == 'lic-portal-2'
    assert first['result']['refreshed'] is True
    assert run.task('refresh again', 'cw-001')['status'] == 'ok'
    offline = run.task('refresh', 'cw-002')
    assert offline['status'] == 'ignored'
    assert 'answered HTTP 400 for GET /api/system/refresh: License refresh failed: Cybus portal not reachable' \
        in offline['result']['msg']
    assert 'preflight cybusPortal' in offline['result']['msg']
    check = run_playbook(workdir, play([license_task('refresh', state='refreshed')]), inventory, check=True)
    assert check.task('refresh', 'cw-001')['status'] == 'ok'
    assert fleet['cw-001'].count('GET', '/api/system/refresh') == 2
    assert_no_secrets(run, secrets_of(fleet), fleet)


def test_permission_denied_names_what_to_grant(make_fleet, workdir):
    fleet = make_fleet([{}])
    args = {'url': '{{ connectware_url }}', 'username': 'reader', 'password': 'reader-password',
            'ca_path': '{{ connectware_ca_path }}', 'content': new_license()}
    run = run_playbook(workdir, play([{'name': 'license', 'iiot.connectware.connectware_license': args}]),
                       write_inventory(workdir, fleet), verbosity=4)
    message = run.result('license')['msg']
    assert message.startswith("The login of user 'reader' (options username/password) lacks permission for PUT "
                              "/api/system/licensefile")
    assert "Grant the user's role HTTP write access to /api/system/licensefile" in message
    assert_no_secrets(run, ['reader-password', args['content']] + list(fleet['cw-001'].issued_tokens), fleet)
