# -*- coding: utf-8 -*-
# Copyright: (c) 2026, iiot.connectware contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""connectware_license through real ansible-playbook runs; every run at -vvvv is checked for leaks."""

import subprocess

import pytest

from connectware_sim import make_license_jwt
from connectware_sim.state import iso_date
from harness import BIN, assert_no_secrets, connection_vars, expected_days_left, play, run_playbook, write_inventory

PASSWORD = 'S3ntinel-Passw0rd-4711'
OPAQUE = 'OPAQUE-LICENSE-c0ffee-9f8e7d6c5b4a-sentinel'
INFO = ('GET', '/api/system/info')
PUT = ('PUT', '/api/system/licensefile')
REFRESH = ('GET', '/api/system/refresh')
LOGIN = ('POST', '/api/login')
UNKNOWN = '(unknown until Connectware reads the file)'
# How the simulator answers PUT licensefile and GET refresh: with the full info shape, or
# exactly as the API reference documents them (no id, no validity).
API_SHAPES = ('full', 'documented')


def new_license(license_id='lic-new-2027', days=400, **claims):
    claims.setdefault('account', 'acme-plant')
    claims.setdefault('license_class', 'Production')
    return make_license_jwt(license_id, expiration=iso_date(days), **claims)


def license_task(name='license', **args):
    task_args = connection_vars()
    task_args.update(args)
    return {'name': name, 'iiot.connectware.connectware_license': task_args, 'register': 'license_result'}


def secrets_of(fleet, *extra):
    instance = fleet['cw-001']
    issued = list(instance.issued_tokens)
    return [instance.admin_token, PASSWORD] + issued + list(extra)


@pytest.fixture
def api_shapes():
    """The simulator's answer shapes; tests that depend on them run in both (parametrize api_shapes)."""
    return 'full'


def read_back(api_shapes):
    """The request that reads the license after an upload or refresh whose answer lacks it."""
    return [INFO] if api_shapes == 'documented' else []


@pytest.fixture
def fleet(make_fleet, api_shapes):
    return make_fleet([{'api_shapes': api_shapes,
                        'users': {'ops': {'password': PASSWORD, 'permissions': 'all'}},
                        'opaque_licenses': {OPAQUE: {'name': 'Connectware Opaque', 'file': {
                            'id': 'lic-opaque-1', 'associatedAccount': 'acme-plant',
                            'connectwareLicenseClass': 'Production', 'expiration': '2099-01-01'}}}}])


def puts(fleet):
    return fleet['cw-001'].count('PUT', '/api/system/licensefile')


def requests_of(fleet):
    return [(entry['method'], entry['path']) for entry in fleet['cw-001'].request_log()]


@pytest.mark.parametrize('api_shapes', API_SHAPES)
def test_upload_then_idempotent_rerun(fleet, workdir, api_shapes):
    content = new_license()
    inventory = write_inventory(workdir, fleet)
    first = run_playbook(workdir, play([license_task(content=content)]), inventory, verbosity=4)
    assert first.rc == 0, first
    result = first.result('license')
    assert first.task('license')['status'] == 'changed'
    assert result['uploaded'] is True
    assert result['previous_license']['id'] == 'lic-cw-001'
    assert result['license'] == {'name': 'Connectware Production', 'id': 'lic-new-2027', 'account': 'acme-plant',
                                 'license_class': 'Production', 'expiration': iso_date(400), 'valid': True,
                                 'days_left': result['license']['days_left']}
    assert result['license']['days_left'] in expected_days_left(400, first)
    assert result['file_identity'] == {'id': 'lic-new-2027', 'expiration': iso_date(400), 'account': 'acme-plant',
                                       'license_class': 'Production', 'name': None}
    assert result['unknown'] == []
    assert requests_of(fleet) == [INFO, PUT] + read_back(api_shapes)

    fleet['cw-001'].clear_requests()
    second = run_playbook(workdir, play([license_task(content=content)]), inventory, verbosity=4)
    assert second.rc == 0, second
    assert second.task('license')['status'] == 'ok'
    assert second.result('license')['uploaded'] is False
    assert second.result('license')['license']['id'] == 'lic-new-2027'
    assert second.result('license')['license']['expiration'] == iso_date(400)
    assert requests_of(fleet) == [INFO]
    for run in (first, second):
        assert_no_secrets(run, secrets_of(fleet, content), fleet)


@pytest.mark.parametrize('api_shapes', API_SHAPES)
def test_login_budget_and_force(fleet, workdir, api_shapes):
    content = new_license()
    fleet['cw-001'].update_state({'license': {'name': 'Connectware Production', 'file': {
        'id': 'lic-new-2027', 'associatedAccount': 'acme-plant', 'connectwareLicenseClass': 'Production',
        'expiration': iso_date(400)}}})
    args = {'url': '{{ connectware_url }}', 'username': 'ops', 'password': PASSWORD, 'ca_path': '{{ connectware_ca_path }}',
            'content': content}
    run = run_playbook(workdir, play([
        {'name': 'unchanged', 'iiot.connectware.connectware_license': args},
        {'name': 'forced', 'iiot.connectware.connectware_license': dict(args, force=True)},
    ]), write_inventory(workdir, fleet), verbosity=4)
    assert run.rc == 0, run
    assert run.task('unchanged')['status'] == 'ok'
    forced = run.result('forced')
    # Accepted, and nothing Connectware reports changed: not a change.
    assert forced['uploaded'] is True and forced['changed'] is False
    assert forced['license'] == forced['previous_license'] and forced['license']['valid'] is True
    assert requests_of(fleet) == [LOGIN, INFO, LOGIN, INFO, PUT] + read_back(api_shapes)
    assert_no_secrets(run, secrets_of(fleet, content), fleet)


def test_check_mode_and_diff(fleet, workdir):
    # What a new user's JWT reveals: id, expiration, account and class, but not Connectware's name for it.
    content = new_license(account='acme', license_class='Production')
    inventory = write_inventory(workdir, fleet)
    run = run_playbook(workdir, play([license_task(content=content)]), inventory, check=True, diff=True, verbosity=4)
    assert run.rc == 0, run
    result = run.result('license')
    assert run.task('license')['status'] == 'changed'
    assert result['uploaded'] is False
    assert puts(fleet) == 0
    assert result['license'] == {'name': None, 'id': 'lic-new-2027', 'account': 'acme', 'license_class': 'Production',
                                 'expiration': iso_date(400), 'valid': None,
                                 'days_left': result['license']['days_left']}
    assert result['license']['days_left'] in expected_days_left(400, run)
    assert result['unknown'] == ['name', 'valid']
    assert result['diff']['before']['id'] == 'lic-cw-001'
    assert result['diff']['after'] == dict(result['license'], name=UNKNOWN, valid=UNKNOWN)
    assert '"id": "lic-cw-001"' in run.stdout and '"id": "lic-new-2027"' in run.stdout
    assert '"account": "acme"' in run.stdout and '"name": "%s"' % UNKNOWN in run.stdout
    # Never a wipe that will not happen.
    assert '"account": null' not in run.stdout and '"license_class": null' not in run.stdout
    assert_no_secrets(run, secrets_of(fleet, content), fleet)

    # The real run installs what check mode predicted, and tells what it could not.
    real = run_playbook(workdir, play([license_task(content=content)]), inventory, diff=True, verbosity=4)
    assert real.rc == 0, real
    installed = real.result('license')['license']
    for field in ('id', 'account', 'license_class', 'expiration'):
        assert installed[field] == result['license'][field]
    assert installed['days_left'] in expected_days_left(400, real)
    assert installed['name'] == 'Connectware Production' and installed['valid'] is True
    assert real.result('license')['unknown'] == []
    assert_no_secrets(real, secrets_of(fleet, content), fleet)


def test_check_mode_with_the_name_in_the_file_knows_it(fleet, workdir):
    content = new_license('lic-named', days=500, name='Connectware Plant Floor', use_standard_claims=True)
    run = run_playbook(workdir, play([license_task(content=content)]), write_inventory(workdir, fleet), check=True,
                       diff=True)
    assert run.rc == 0, run
    result = run.result('license')
    assert result['unknown'] == ['valid']
    assert result['license']['name'] == 'Connectware Plant Floor' and result['license']['expiration'] == iso_date(500)
    assert result['license']['account'] == 'acme-plant' and result['license']['license_class'] == 'Production'
    assert puts(fleet) == 0


@pytest.mark.parametrize('api_shapes', API_SHAPES)
def test_opaque_file(fleet, workdir, api_shapes):
    inventory = write_inventory(workdir, fleet)
    check = run_playbook(workdir, play([license_task(content=OPAQUE)]), inventory, check=True, diff=True, verbosity=4)
    assert check.rc == 0, check
    assert check.task('license')['status'] == 'changed'
    assert any('cannot tell whether it is installed' in warning for warning in check.result('license')['warnings'])
    assert check.result('license')['unknown'] == ['name', 'id', 'account', 'license_class', 'expiration', 'valid',
                                                  'days_left']
    assert set(check.result('license')['diff']['after'].values()) == {UNKNOWN}
    assert puts(fleet) == 0

    fleet['cw-001'].clear_requests()
    first = run_playbook(workdir, play([license_task(content=OPAQUE + '\n\n')]), inventory, verbosity=4)
    assert first.rc == 0, first
    assert first.task('license')['status'] == 'changed'
    assert first.result('license')['license']['id'] == 'lic-opaque-1'
    assert first.result('license')['license']['valid'] is True
    assert first.result('license')['file_identity'] is None
    assert requests_of(fleet) == [INFO, PUT] + read_back(api_shapes)

    fleet['cw-001'].clear_requests()
    second = run_playbook(workdir, play([license_task(content=OPAQUE)]), inventory, diff=True, verbosity=4)
    assert second.rc == 0, second
    assert second.task('license')['status'] == 'ok'
    assert second.result('license')['uploaded'] is True
    assert second.result('license')['license']['id'] == 'lic-opaque-1'
    assert requests_of(fleet) == [INFO, PUT] + read_back(api_shapes)
    for run in (check, first, second):
        assert_no_secrets(run, secrets_of(fleet, OPAQUE), fleet)


@pytest.mark.parametrize('api_shapes', API_SHAPES)
def test_downgrade_is_refused_before_any_upload(fleet, workdir, api_shapes):
    installed = fleet['cw-001'].state['license']['file']
    stale = new_license('lic-stale', days=200)
    run = run_playbook(workdir, play([
        dict(license_task('check', content=stale), ignore_errors=True, check_mode=True),
        dict(license_task('refused', content=stale), ignore_errors=True),
        dict(license_task('refused even forced', content=stale, force=True), ignore_errors=True),
    ]), write_inventory(workdir, fleet), verbosity=4)
    message = ('The license file holds license lic-stale, which expires on %s, earlier than the installed license '
               '%s, which expires on %s: nothing was uploaded. Set allow_downgrade=true to install it anyway, or give '
               'a license file that runs longer' % (iso_date(200), installed['id'], installed['expiration']))
    for name in ('check', 'refused', 'refused even forced'):
        entry = run.task(name)
        assert entry['status'] == 'ignored'
        assert entry['result']['msg'] == message
        assert entry['result']['changed'] is False and entry['result']['uploaded'] is False
        assert entry['result']['license']['id'] == installed['id']
    assert requests_of(fleet) == [INFO, INFO, INFO]

    fleet['cw-001'].clear_requests()
    allowed = run_playbook(workdir, play([license_task(content=stale, allow_downgrade=True)]),
                           write_inventory(workdir, fleet), verbosity=4)
    assert allowed.rc == 0, allowed
    assert allowed.task('license')['status'] == 'changed'
    assert allowed.result('license')['license']['id'] == 'lic-stale'
    assert allowed.result('license')['license']['expiration'] == iso_date(200)
    assert requests_of(fleet) == [INFO, PUT] + read_back(api_shapes)
    for each in (run, allowed):
        assert_no_secrets(each, secrets_of(fleet, stale), fleet)


def test_downgrade_rule_spares_invalid_installed_and_opaque_files(make_fleet, workdir):
    fleet = make_fleet([{'revoked_license_ids': ['lic-cw-001']},
                        {'opaque_licenses': {OPAQUE: {'name': 'Connectware Opaque', 'file': {
                            'id': 'lic-opaque-short', 'expiration': iso_date(20)}}}}])
    stale = new_license('lic-stale', days=200)
    run = run_playbook(workdir, play([license_task(content=stale)], hosts='cw-001') +
                       play([license_task(content=OPAQUE)], hosts='cw-002'), write_inventory(workdir, fleet))
    # Replacing a license Connectware calls invalid is no downgrade.
    assert run.task('license', 'cw-001')['status'] == 'changed'
    assert run.result('license', 'cw-001')['license']['id'] == 'lic-stale'
    # An opaque file's expiration is unknown before the upload: it is not refused.
    assert run.task('license', 'cw-002')['status'] == 'changed'
    assert run.result('license', 'cw-002')['license']['id'] == 'lic-opaque-short'
    assert run.result('license', 'cw-002')['previous_license']['expiration'] == iso_date(365)
    assert fleet['cw-001'].count(*PUT) == 1 and fleet['cw-002'].count(*PUT) == 1


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
    # Not a license, and (unlike English words) sharing no text with Connectware's message, which the
    # client would redact as a piece of the secret.
    content = 'CORRUPTED-PAYLOAD-sentinel-7f3a-9b8c'
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


def days_left_messages(template, days, run):
    """The message ``template`` % days_left, for each days_left a run may have seen (see expected_days_left)."""
    return set(template % left for left in expected_days_left(days, run))


@pytest.mark.parametrize('api_shapes', API_SHAPES)
def test_min_days_left_and_expired(fleet, workdir, api_shapes):
    short = new_license('lic-short', days=5)
    expired = new_license('lic-expired', days=-2)
    run = run_playbook(workdir, play([
        # Both run out before the installed license, so they are downgrades: allowed here to see the verdicts
        # on what Connectware installed.
        dict(license_task('too short', content=short, min_days_left=14, allow_downgrade=True), ignore_errors=True),
        dict(license_task('expired', content=expired, allow_downgrade=True), ignore_errors=True),
        dict(license_task('check only', content=short, min_days_left=14), ignore_errors=True, check_mode=True),
        dict(license_task('check ok', content=new_license('lic-long', days=90), min_days_left=14), check_mode=True),
    ]), write_inventory(workdir, fleet), verbosity=4)
    too_short = run.task('too short')
    assert too_short['status'] == 'ignored'
    expiration = iso_date(5)
    assert too_short['result']['msg'] in days_left_messages(
        'Connectware accepted the license file but reports license lic-short (expires %s), %%d days left, fewer than '
        'min_days_left=14: install a license that runs longer' % expiration, 5, run)
    assert too_short['result']['changed'] is True and too_short['result']['uploaded'] is True
    assert too_short['result']['license']['id'] == 'lic-short' and too_short['result']['license']['valid'] is True
    expired_entry = run.task('expired')
    assert expired_entry['result']['msg'] == ('Connectware accepted the license file but reports license lic-expired '
                                              '(expires %s) expired: install a valid license file' % iso_date(-2))
    assert expired_entry['result']['previous_license']['id'] == 'lic-short'
    assert expired_entry['result']['license']['valid'] is False
    check_only = run.task('check only')
    assert check_only['status'] == 'ignored'
    assert check_only['result']['msg'] in days_left_messages(
        'Check mode: the license file is license lic-short (expires %s), %%d days left, fewer than min_days_left=14: '
        'install a license that runs longer' % expiration, 5, run)
    assert run.task('check ok')['status'] == 'changed'
    assert requests_of(fleet) == ([INFO, PUT] + read_back(api_shapes)) * 2 + [INFO, INFO]
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
    assert entry['result']['msg'] in days_left_messages(
        'Connectware reports license lic-cw-001 (expires %s), %%d days left, fewer than min_days_left=30: install a '
        'license that runs longer' % instance.state['license']['file']['expiration'], 10, run)
    assert entry['result']['changed'] is False
    assert instance.count('PUT', '/api/system/licensefile') == 0
    assert_no_secrets(run, secrets_of(fleet, current), fleet)


@pytest.mark.parametrize('api_shapes', API_SHAPES)
def test_refreshed(make_fleet, workdir, api_shapes):
    portal = {'name': 'Connectware Production', 'file': {
        'id': 'lic-portal-2', 'associatedAccount': 'acme-plant', 'connectwareLicenseClass': 'Production',
        'expiration': iso_date(200)}}
    fleet = make_fleet([{'portal_license': portal, 'api_shapes': api_shapes},
                        {'preset': 'offline', 'api_shapes': api_shapes}])
    inventory = write_inventory(workdir, fleet)
    run = run_playbook(workdir, play([
        dict(license_task('refresh', state='refreshed'), ignore_errors=True),
        dict(license_task('refresh again', state='refreshed'), ignore_errors=True),
    ]), inventory, verbosity=4)
    first = run.task('refresh', 'cw-001')
    assert first['status'] == 'changed' and first['result']['license']['id'] == 'lic-portal-2'
    assert first['result']['license']['valid'] is True and first['result']['previous_license']['id'] == 'lic-cw-001'
    assert first['result']['refreshed'] is True
    again = run.task('refresh again', 'cw-001')
    assert again['status'] == 'ok' and again['result']['refreshed'] is True
    assert again['result']['license'] == first['result']['license']
    offline = run.task('refresh', 'cw-002')
    assert offline['status'] == 'ignored'
    assert 'answered HTTP 400 for GET /api/system/refresh: License refresh failed: Cybus portal not reachable' \
        in offline['result']['msg']
    assert 'preflight cybusPortal' in offline['result']['msg']
    assert offline['result']['previous_license']['id'] == 'lic-cw-002' and offline['result']['changed'] is False
    assert requests_of(fleet) == ([INFO, REFRESH] + read_back(api_shapes)) * 2

    fleet['cw-001'].clear_requests()
    check = run_playbook(workdir, play([license_task('refresh', state='refreshed')]), inventory, check=True, diff=True)
    entry = check.task('refresh', 'cw-001')
    assert entry['status'] == 'ok' and entry['result']['refreshed'] is False
    assert entry['result']['unknown'] == ['name', 'id', 'account', 'license_class', 'expiration', 'valid', 'days_left']
    assert set(entry['result']['diff']['after'].values()) == {'(unknown until Connectware asks the Cybus portal)'}
    assert requests_of(fleet) == [INFO]
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
