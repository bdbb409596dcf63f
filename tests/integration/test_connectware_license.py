# -*- coding: utf-8 -*-
# Copyright: (c) 2026, iiot.connectware contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""connectware_license through real ansible-playbook runs; the run, at -vvvv, is checked for leaks.

Every scenario is a play (or a few consecutive plays) on simulated hosts of its own, and all of them
run in one ansible-playbook run (the ``scenarios`` fixture); each test reads its plays back. A scenario
on both of the simulator's answer shapes (API_SHAPES) has a host per shape in the same play. Steps that
were runs one after another on one host are consecutive tasks or plays on that host; a host's request log
then holds all its steps' requests, in order.
"""

import collections

import pytest
from ansible.parsing.vault import VaultLib, VaultSecret

from connectware_sim import make_license_jwt
from connectware_sim.state import iso_date
from harness import (assert_no_secrets, connection_vars, expected_days_left, run_playbook, scenario_play,
                     scenario_playbook, write_inventory)

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
BAD_FILES = [
    (b'', 'is empty'),
    (b'  \n\t\n', 'is empty'),
    (b'\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\xff\xfe', 'is not UTF-8 text'),
]
# Not a license, and (unlike English words) sharing no text with Connectware's message, which the
# client would redact as a piece of the secret.
CORRUPTED = 'CORRUPTED-PAYLOAD-sentinel-7f3a-9b8c'
VAULT_PASSWORD = 'vault-password-for-tests'
# The simulator's host with the users and opaque file most scenarios need (the old per-test ``fleet``).
BASE = {'users': {'ops': {'password': PASSWORD, 'permissions': 'all'}},
        'opaque_licenses': {OPAQUE: {'name': 'Connectware Opaque', 'file': {
            'id': 'lic-opaque-1', 'associatedAccount': 'acme-plant',
            'connectwareLicenseClass': 'Production', 'expiration': '2099-01-01'}}}}

Scenarios = collections.namedtuple('Scenarios', 'fleet run content installed files')


def new_license(license_id='lic-new-2027', days=400, **claims):
    claims.setdefault('account', 'acme-plant')
    claims.setdefault('license_class', 'Production')
    return make_license_jwt(license_id, expiration=iso_date(days), **claims)


def license_task(name='license', **args):
    task_args = connection_vars()
    task_args.update(args)
    return {'name': name, 'iiot.connectware.connectware_license': task_args, 'register': 'license_result'}


def ignored(task):
    """A task meant to fail: ignore_errors keeps the run going (its status is then 'ignored')."""
    return dict(task, ignore_errors=True)


def shaped(prefix):
    return ['%s-%s' % (prefix, shape) for shape in API_SHAPES]


def read_back(api_shapes):
    """The request that reads the license after an upload or refresh whose answer lacks it."""
    return [INFO] if api_shapes == 'documented' else []


def build_plays(content, files):
    login_args = {'url': '{{ connectware_url }}', 'username': 'ops', 'password': PASSWORD,
                  'ca_path': '{{ connectware_ca_path }}', 'content': content['login']}
    reader_args = {'url': '{{ connectware_url }}', 'username': 'reader', 'password': 'reader-password',
                   'ca_path': '{{ connectware_ca_path }}', 'content': content['permission']}
    return [
        scenario_play('upload', [
            license_task('first', content=content['upload']),
            license_task('second', content=content['upload']),
        ], hosts=shaped('upload')),
        scenario_play('login', [
            {'name': 'unchanged', 'iiot.connectware.connectware_license': login_args},
            {'name': 'forced', 'iiot.connectware.connectware_license': dict(login_args, force=True)},
        ], hosts=shaped('login')),
        # Check mode and the real run after it: plays of their own, as each reads its own section of the output.
        scenario_play('check-diff', [license_task(content=content['check-diff'])], check=True, diff=True),
        scenario_play('check-diff real', [license_task(content=content['check-diff'])], hosts='check-diff',
                      diff=True),
        scenario_play('check-named', [license_task(content=content['check-named'])], check=True, diff=True),
        scenario_play('opaque', [
            dict(license_task('check', content=OPAQUE), check_mode=True, diff=True),
            license_task('first', content=OPAQUE + '\n\n'),
            dict(license_task('second', content=OPAQUE), diff=True),
        ], hosts=shaped('opaque')),
        scenario_play('downgrade', [
            ignored(dict(license_task('check', content=content['downgrade']), check_mode=True)),
            ignored(license_task('refused', content=content['downgrade'])),
            ignored(license_task('refused even forced', content=content['downgrade'], force=True)),
            license_task('allowed', content=content['downgrade'], allow_downgrade=True),
        ], hosts=shaped('downgrade')),
        scenario_play('spare-revoked', [license_task(content=content['spare-revoked'])]),
        scenario_play('spare-opaque', [license_task(content=OPAQUE)]),
        scenario_play('vault', [license_task(src=files['vault'])]),
        scenario_play('bad-files', [ignored(license_task(src='{{ bad_license_file }}'))],
                      hosts=['bad-file-%d' % index for index in range(len(BAD_FILES))]),
        scenario_play('conflicts', [
            ignored(license_task('missing', src=files['missing'])),
            ignored(license_task('both', src=files['missing'], content='x')),
            ignored(license_task('neither')),
            ignored(license_task('negative', content=OPAQUE, min_days_left=-3)),
            ignored(license_task('refresh with content', content=OPAQUE, state='refreshed')),
        ]),
        scenario_play('rejects', [
            ignored(license_task(content=CORRUPTED)),
            {'name': 'info', 'iiot.connectware.connectware_info': dict(connection_vars(), gather_subset=['info'])},
        ]),
        scenario_play('min-days', [
            # Both run out before the installed license, so they are downgrades: allowed here to see the verdicts
            # on what Connectware installed.
            ignored(license_task('too short', content=content['short'], min_days_left=14, allow_downgrade=True)),
            ignored(license_task('expired', content=content['expired'], allow_downgrade=True)),
            ignored(dict(license_task('check only', content=content['short'], min_days_left=14), check_mode=True)),
            dict(license_task('check ok', content=content['long'], min_days_left=14), check_mode=True),
        ], hosts=shaped('min-days')),
        scenario_play('too-short', [ignored(license_task(content=content['too-short'], min_days_left=30))]),
        scenario_play('refresh', [
            ignored(license_task('refresh', state='refreshed')),
            ignored(license_task('refresh again', state='refreshed')),
        ], hosts=shaped('refresh') + shaped('refresh-offline')),
        scenario_play('refresh check', [license_task('refresh', state='refreshed')], hosts=shaped('refresh'),
                      check=True, diff=True),
        scenario_play('permission', [ignored({'name': 'license', 'iiot.connectware.connectware_license': reader_args})]),
    ]


@pytest.fixture(scope='module')
def scenarios(host_pool, module_workdir, tmp_path_factory):
    """All scenarios of this module in one run at -vvvv: Scenarios(fleet, run, content, installed, files)."""
    files_dir = tmp_path_factory.mktemp('license-files')
    portal = {'name': 'Connectware Production', 'file': {
        'id': 'lic-portal-2', 'associatedAccount': 'acme-plant', 'connectwareLicenseClass': 'Production',
        'expiration': iso_date(200)}}
    hosts = []
    for shape in API_SHAPES:
        for prefix in ('upload', 'login', 'opaque', 'downgrade', 'min-days'):
            hosts.append(dict(BASE, name='%s-%s' % (prefix, shape), api_shapes=shape))
        hosts.append({'name': 'refresh-%s' % shape, 'portal_license': portal, 'api_shapes': shape})
        hosts.append({'name': 'refresh-offline-%s' % shape, 'preset': 'offline', 'api_shapes': shape})
    for name in ('check-diff', 'check-named', 'vault', 'conflicts', 'rejects'):
        hosts.append(dict(BASE, name=name, api_shapes='full'))
    hosts += [dict(BASE, name='bad-file-%d' % index, api_shapes='full') for index in range(len(BAD_FILES))]
    hosts += [
        {'name': 'spare-revoked', 'revoked_license_ids': ['lic-spare-revoked']},
        {'name': 'spare-opaque', 'opaque_licenses': {OPAQUE: {'name': 'Connectware Opaque', 'file': {
            'id': 'lic-opaque-short', 'expiration': iso_date(20)}}}},
        {'name': 'too-short', 'preset': 'license_expiring'},
        {'name': 'permission'},
    ]
    fleet = host_pool.fleet(hosts)
    for name in shaped('login'):
        fleet[name].update_state({'license': {'name': 'Connectware Production', 'file': {
            'id': 'lic-new-2027', 'associatedAccount': 'acme-plant', 'connectwareLicenseClass': 'Production',
            'expiration': iso_date(400)}}})
    # Each host's license before the run (the run replaces some).
    installed = dict((instance.name, dict(instance.state['license']['file'])) for instance in fleet)

    content = {
        'upload': new_license(),
        'login': new_license(),
        # What a new user's JWT reveals: id, expiration, account and class, but not Connectware's name for it.
        'check-diff': new_license(account='acme', license_class='Production'),
        'check-named': new_license('lic-named', days=500, name='Connectware Plant Floor', use_standard_claims=True),
        'downgrade': new_license('lic-stale', days=200),
        'spare-revoked': new_license('lic-stale', days=200),
        'vault': new_license('lic-vault-1'),
        'short': new_license('lic-short', days=5),
        'expired': new_license('lic-expired', days=-2),
        'long': new_license('lic-long', days=90),
        'too-short': make_license_jwt(installed['too-short']['id'], expiration=installed['too-short']['expiration']),
        'permission': new_license(),
    }

    files = {'missing': str(files_dir / 'nope.lic'), 'vault': str(files_dir / 'cw.lic')}
    vault = VaultLib([('default', VaultSecret(VAULT_PASSWORD.encode('utf-8')))])
    with open(files['vault'], 'wb') as handle:
        handle.write(vault.encrypt(content['vault'] + '\n'))
    password_file = files_dir / 'vault-pass'
    password_file.write_text(VAULT_PASSWORD + '\n')
    host_vars = {}
    for index, (file_bytes, _words) in enumerate(BAD_FILES):
        path = files_dir / ('bad-%d.lic' % index)
        path.write_bytes(file_bytes)
        files[index] = str(path)
        host_vars['bad-file-%d' % index] = {'bad_license_file': str(path)}

    run = run_playbook(module_workdir, scenario_playbook(build_plays(content, files)),
                       write_inventory(module_workdir, fleet, host_vars), verbosity=4, forks=4,
                       extra_args=['--vault-password-file', str(password_file)])
    assert run.rc == 0, run
    return Scenarios(fleet, run, content, installed, files)


def requests_of(instance):
    return [(entry['method'], entry['path']) for entry in instance.request_log()]


def assert_no_leak(scenarios, hosts, *extra):
    """No secret of ``hosts`` (their admin and login tokens, the ops password) or ``extra`` anywhere in the
    whole run's output and results, or in any host's logs."""
    secrets = [PASSWORD] + list(extra)
    for name in hosts:
        instance = scenarios.fleet[name]
        secrets += [instance.admin_token] + list(instance.issued_tokens)
    assert_no_secrets(scenarios.run, secrets, scenarios.fleet)


@pytest.mark.parametrize('api_shapes', API_SHAPES)
def test_upload_then_idempotent_rerun(scenarios, api_shapes):
    host = 'upload-%s' % api_shapes
    run = scenarios.run.play('upload')
    result = run.result('first', host)
    assert run.task('first', host)['status'] == 'changed'
    assert result['uploaded'] is True
    assert result['previous_license']['id'] == 'lic-%s' % host
    assert result['license'] == {'name': 'Connectware Production', 'id': 'lic-new-2027', 'account': 'acme-plant',
                                 'license_class': 'Production', 'expiration': iso_date(400), 'valid': True,
                                 'days_left': result['license']['days_left']}
    assert result['license']['days_left'] in expected_days_left(400, run)
    assert result['file_identity'] == {'id': 'lic-new-2027', 'expiration': iso_date(400), 'account': 'acme-plant',
                                       'license_class': 'Production', 'name': None}
    assert result['unknown'] == []

    assert run.task('second', host)['status'] == 'ok'
    assert run.result('second', host)['uploaded'] is False
    assert run.result('second', host)['license']['id'] == 'lic-new-2027'
    assert run.result('second', host)['license']['expiration'] == iso_date(400)
    # The upload's requests, then the re-run's single read.
    assert requests_of(scenarios.fleet[host]) == [INFO, PUT] + read_back(api_shapes) + [INFO]
    assert_no_leak(scenarios, [host], scenarios.content['upload'])


@pytest.mark.parametrize('api_shapes', API_SHAPES)
def test_login_budget_and_force(scenarios, api_shapes):
    host = 'login-%s' % api_shapes
    run = scenarios.run.play('login')
    assert run.task('unchanged', host)['status'] == 'ok'
    forced = run.result('forced', host)
    # Accepted, and nothing Connectware reports changed: not a change.
    assert forced['uploaded'] is True and forced['changed'] is False
    assert forced['license'] == forced['previous_license'] and forced['license']['valid'] is True
    assert requests_of(scenarios.fleet[host]) == [LOGIN, INFO, LOGIN, INFO, PUT] + read_back(api_shapes)
    assert_no_leak(scenarios, [host], scenarios.content['login'])


def test_check_mode_and_diff(scenarios):
    content = scenarios.content['check-diff']
    run = scenarios.run.play('check-diff')
    result = run.result('license')
    assert run.task('license')['status'] == 'changed'
    assert result['uploaded'] is False
    assert result['license'] == {'name': None, 'id': 'lic-new-2027', 'account': 'acme', 'license_class': 'Production',
                                 'expiration': iso_date(400), 'valid': None,
                                 'days_left': result['license']['days_left']}
    assert result['license']['days_left'] in expected_days_left(400, run)
    assert result['unknown'] == ['name', 'valid']
    assert result['diff']['before']['id'] == 'lic-check-diff'
    assert result['diff']['after'] == dict(result['license'], name=UNKNOWN, valid=UNKNOWN)
    assert '"id": "lic-check-diff"' in run.stdout and '"id": "lic-new-2027"' in run.stdout
    assert '"account": "acme"' in run.stdout and '"name": "%s"' % UNKNOWN in run.stdout
    # Never a wipe that will not happen.
    assert '"account": null' not in run.stdout and '"license_class": null' not in run.stdout

    # The real run installs what check mode predicted, and tells what it could not.
    real = scenarios.run.play('check-diff real')
    installed = real.result('license')['license']
    for field in ('id', 'account', 'license_class', 'expiration'):
        assert installed[field] == result['license'][field]
    assert installed['days_left'] in expected_days_left(400, real)
    assert installed['name'] == 'Connectware Production' and installed['valid'] is True
    assert real.result('license')['unknown'] == []
    # Check mode read the license and sent no upload; the real run uploaded once.
    assert requests_of(scenarios.fleet['check-diff']) == [INFO] + [INFO, PUT]
    assert_no_leak(scenarios, ['check-diff'], content)


def test_check_mode_with_the_name_in_the_file_knows_it(scenarios):
    run = scenarios.run.play('check-named')
    result = run.result('license')
    assert result['unknown'] == ['valid']
    assert result['license']['name'] == 'Connectware Plant Floor' and result['license']['expiration'] == iso_date(500)
    assert result['license']['account'] == 'acme-plant' and result['license']['license_class'] == 'Production'
    assert scenarios.fleet['check-named'].count(*PUT) == 0


@pytest.mark.parametrize('api_shapes', API_SHAPES)
def test_opaque_file(scenarios, api_shapes):
    host = 'opaque-%s' % api_shapes
    run = scenarios.run.play('opaque')
    check = run.result('check', host)
    assert run.task('check', host)['status'] == 'changed'
    assert any('cannot tell whether it is installed' in warning for warning in check['warnings'])
    assert check['unknown'] == ['name', 'id', 'account', 'license_class', 'expiration', 'valid', 'days_left']
    assert set(check['diff']['after'].values()) == {UNKNOWN}

    assert run.task('first', host)['status'] == 'changed'
    assert run.result('first', host)['license']['id'] == 'lic-opaque-1'
    assert run.result('first', host)['license']['valid'] is True
    assert run.result('first', host)['file_identity'] is None

    assert run.task('second', host)['status'] == 'ok'
    assert run.result('second', host)['uploaded'] is True
    assert run.result('second', host)['license']['id'] == 'lic-opaque-1'
    # Check mode: one read, no upload; then each real run reads and uploads (an opaque file cannot be compared).
    assert requests_of(scenarios.fleet[host]) == [INFO] + ([INFO, PUT] + read_back(api_shapes)) * 2
    assert_no_leak(scenarios, [host], OPAQUE)


@pytest.mark.parametrize('api_shapes', API_SHAPES)
def test_downgrade_is_refused_before_any_upload(scenarios, api_shapes):
    host = 'downgrade-%s' % api_shapes
    installed = scenarios.installed[host]
    run = scenarios.run.play('downgrade')
    message = ('The license file holds license lic-stale, which expires on %s, earlier than the installed license '
               '%s, which expires on %s: nothing was uploaded. Set allow_downgrade=true to install it anyway, or give '
               'a license file that runs longer' % (iso_date(200), installed['id'], installed['expiration']))
    for name in ('check', 'refused', 'refused even forced'):
        entry = run.task(name, host)
        assert entry['status'] == 'ignored'
        assert entry['result']['msg'] == message
        assert entry['result']['changed'] is False and entry['result']['uploaded'] is False
        assert entry['result']['license']['id'] == installed['id']

    allowed = run.task('allowed', host)
    assert allowed['status'] == 'changed'
    assert allowed['result']['license']['id'] == 'lic-stale'
    assert allowed['result']['license']['expiration'] == iso_date(200)
    # Three refusals with a read each, then the allowed upload.
    assert requests_of(scenarios.fleet[host]) == [INFO, INFO, INFO] + [INFO, PUT] + read_back(api_shapes)
    assert_no_leak(scenarios, [host], scenarios.content['downgrade'])


def test_downgrade_rule_spares_invalid_installed_and_opaque_files(scenarios):
    # Replacing a license Connectware calls invalid is no downgrade.
    revoked = scenarios.run.play('spare-revoked')
    assert revoked.task('license')['status'] == 'changed'
    assert revoked.result('license')['license']['id'] == 'lic-stale'
    # An opaque file's expiration is unknown before the upload: it is not refused.
    opaque = scenarios.run.play('spare-opaque')
    assert opaque.task('license')['status'] == 'changed'
    assert opaque.result('license')['license']['id'] == 'lic-opaque-short'
    assert opaque.result('license')['previous_license']['expiration'] == iso_date(365)
    assert scenarios.fleet['spare-revoked'].count(*PUT) == 1 and scenarios.fleet['spare-opaque'].count(*PUT) == 1


def test_vault_encrypted_src(scenarios):
    content = scenarios.content['vault']
    with open(scenarios.files['vault'], encoding='utf-8') as handle:
        assert content not in handle.read()
    run = scenarios.run.play('vault')
    assert run.result('license')['license']['id'] == 'lic-vault-1'
    assert run.task('license')['status'] == 'changed'
    assert_no_leak(scenarios, ['vault'], content)


@pytest.mark.parametrize('file_bytes, words', BAD_FILES)
def test_bad_files_send_nothing(scenarios, file_bytes, words):
    index = BAD_FILES.index((file_bytes, words))
    host = 'bad-file-%d' % index
    entry = scenarios.run.play('bad-files').task('license', host)
    assert entry['status'] == 'ignored'  # failed, and ignore_errors kept the run going
    assert entry['result']['msg'].startswith('src: license file %s %s' % (scenarios.files[index], words))
    assert scenarios.fleet[host].request_log() == []
    assert 'Traceback' not in scenarios.run.output
    assert_no_leak(scenarios, [host])


def test_missing_src_and_conflicts_send_nothing(scenarios):
    run = scenarios.run.play('conflicts')
    assert run.result('missing')['msg'].startswith('src: license file %s not found' % scenarios.files['missing'])
    assert run.result('both')['msg'] == 'parameters are mutually exclusive: src|content'
    assert run.result('neither')['msg'] == 'state is present but any of the following are missing: src, content'
    assert run.result('negative')['msg'] == 'min_days_left must be 0 or more (got -3)'
    assert run.result('refresh with content')['msg'].startswith('src and content are only for state=present')
    assert scenarios.fleet['conflicts'].request_log() == []
    assert_no_leak(scenarios, ['conflicts'], OPAQUE)


def test_server_rejects_the_file(scenarios):
    instance = scenarios.fleet['rejects']
    run = scenarios.run.play('rejects')
    entry = run.task('license')
    assert entry['status'] == 'ignored'  # failed, and ignore_errors kept the run going
    assert entry['result']['msg'] == ('Connectware at %s answered HTTP 400 for PUT /api/system/licensefile: '
                                      'Invalid request: license file could not be verified. Connectware keeps license '
                                      'lic-rejects (expires %s)' % (instance.url,
                                                                    entry['result']['previous_license']['expiration']))
    assert entry['result']['api_error']['status'] == 400
    assert run.result('info')['license']['id'] == 'lic-rejects'
    assert_no_leak(scenarios, ['rejects'], CORRUPTED)


def days_left_messages(template, days, run):
    """The message ``template`` % days_left, for each days_left a run may have seen (see expected_days_left)."""
    return set(template % left for left in expected_days_left(days, run))


@pytest.mark.parametrize('api_shapes', API_SHAPES)
def test_min_days_left_and_expired(scenarios, api_shapes):
    host = 'min-days-%s' % api_shapes
    run = scenarios.run.play('min-days')
    too_short = run.task('too short', host)
    assert too_short['status'] == 'ignored'
    expiration = iso_date(5)
    assert too_short['result']['msg'] in days_left_messages(
        'Connectware accepted the license file but reports license lic-short (expires %s), %%d days left, fewer than '
        'min_days_left=14: install a license that runs longer' % expiration, 5, run)
    assert too_short['result']['changed'] is True and too_short['result']['uploaded'] is True
    assert too_short['result']['license']['id'] == 'lic-short' and too_short['result']['license']['valid'] is True
    expired_entry = run.task('expired', host)
    assert expired_entry['result']['msg'] == ('Connectware accepted the license file but reports license lic-expired '
                                              '(expires %s) expired: install a valid license file' % iso_date(-2))
    assert expired_entry['result']['previous_license']['id'] == 'lic-short'
    assert expired_entry['result']['license']['valid'] is False
    check_only = run.task('check only', host)
    assert check_only['status'] == 'ignored'
    assert check_only['result']['msg'] in days_left_messages(
        'Check mode: the license file is license lic-short (expires %s), %%d days left, fewer than min_days_left=14: '
        'install a license that runs longer' % expiration, 5, run)
    assert run.task('check ok', host)['status'] == 'changed'
    assert requests_of(scenarios.fleet[host]) == ([INFO, PUT] + read_back(api_shapes)) * 2 + [INFO, INFO]
    assert_no_leak(scenarios, [host], scenarios.content['short'], scenarios.content['expired'])


def test_installed_license_too_short_without_upload(scenarios):
    instance = scenarios.fleet['too-short']
    installed = scenarios.installed['too-short']
    run = scenarios.run.play('too-short')
    entry = run.task('license')
    assert entry['status'] == 'ignored'  # failed, and ignore_errors kept the run going
    assert entry['result']['msg'] in days_left_messages(
        'Connectware reports license lic-too-short (expires %s), %%d days left, fewer than min_days_left=30: install a '
        'license that runs longer' % installed['expiration'], 10, run)
    assert entry['result']['changed'] is False
    assert instance.count('PUT', '/api/system/licensefile') == 0
    assert_no_leak(scenarios, ['too-short'], scenarios.content['too-short'])


@pytest.mark.parametrize('api_shapes', API_SHAPES)
def test_refreshed(scenarios, api_shapes):
    host, offline_host = 'refresh-%s' % api_shapes, 'refresh-offline-%s' % api_shapes
    run = scenarios.run.play('refresh')
    first = run.task('refresh', host)
    assert first['status'] == 'changed' and first['result']['license']['id'] == 'lic-portal-2'
    assert first['result']['license']['valid'] is True and first['result']['previous_license']['id'] == 'lic-%s' % host
    assert first['result']['refreshed'] is True
    again = run.task('refresh again', host)
    assert again['status'] == 'ok' and again['result']['refreshed'] is True
    assert again['result']['license'] == first['result']['license']
    offline = run.task('refresh', offline_host)
    assert offline['status'] == 'ignored'
    assert 'answered HTTP 400 for GET /api/system/refresh: License refresh failed: Cybus portal not reachable' \
        in offline['result']['msg']
    assert 'preflight cybusPortal' in offline['result']['msg']
    assert offline['result']['previous_license']['id'] == 'lic-%s' % offline_host
    assert offline['result']['changed'] is False

    entry = scenarios.run.play('refresh check').task('refresh', host)
    assert entry['status'] == 'ok' and entry['result']['refreshed'] is False
    assert entry['result']['unknown'] == ['name', 'id', 'account', 'license_class', 'expiration', 'valid', 'days_left']
    assert set(entry['result']['diff']['after'].values()) == {'(unknown until Connectware asks the Cybus portal)'}
    # Two refreshes, then check mode's single read.
    assert requests_of(scenarios.fleet[host]) == ([INFO, REFRESH] + read_back(api_shapes)) * 2 + [INFO]
    assert_no_leak(scenarios, [host, offline_host])


def test_permission_denied_names_what_to_grant(scenarios):
    entry = scenarios.run.play('permission').task('license')
    assert entry['status'] == 'ignored'  # failed, and ignore_errors kept the run going
    message = entry['result']['msg']
    assert message.startswith("The login of user 'reader' (options username/password) lacks permission for PUT "
                              "/api/system/licensefile")
    assert "Grant the user's role HTTP write access to /api/system/licensefile" in message
    assert_no_leak(scenarios, ['permission'], 'reader-password', scenarios.content['permission'])
