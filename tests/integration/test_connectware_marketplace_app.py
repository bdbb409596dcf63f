# -*- coding: utf-8 -*-
# Copyright: (c) 2026, iiot.connectware contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""connectware_marketplace_app through real ansible-playbook runs against simulated hosts.

Every scenario is a play (or consecutive plays, one per step) on a simulated host of its own, with a
dest folder of its own, and all of them run in one ansible-playbook run (the ``scenarios`` fixture);
each test reads its plays back. What a test checked on disk between two steps is captured on the
controller (set_fact with a lookup or a path test: no module process) right after the step.
"""

import base64
import hashlib
import os
import stat

import pytest

from connectware_sim.state import COMMISSIONING_FILE, _app
from harness import connection_vars, run_playbook, scenario_play, scenario_playbook, write_inventory

HOSTILE = [
    ('Up', '../../up.yml'), ('Absolute', None), ('Backslashes', '..\\..\\back.yml'),
    ('Dot dot', '..'), ('Dots', '....'), ('NUL', 'x\x00.yml'), ('Newline', 'x\n.yml'), ('Hidden', '.bashrc'),
    ('Folder', 'sub/'), ('Empty', ''),
]  # None: the absolute path of absolute.yml beside the hostile scenario's dest (see hostile_paths)


def app_task(task_name='app', **args):
    task_args = connection_vars()
    task_args.update(args)
    return {'name': task_name, 'iiot.connectware.connectware_marketplace_app': task_args, 'register': 'app'}


def capture(task_name, **facts):
    """A controller-side task (no module process) that records ``facts`` (templates) in its result."""
    return {'name': task_name, 'ansible.builtin.set_fact': facts}


def content_of(path):
    return "{{ lookup('ansible.builtin.file', %r, rstrip=false) }}" % str(path)


def mode_of(path):
    return "{{ lookup('ansible.builtin.pipe', 'stat -c %%a %s') }}" % str(path)


def kind_of(path):
    return "{{ 'link' if %r is link else ('file' if %r is file else 'absent') }}" % (str(path), str(path))


def captured(run, task_name, fact):
    return run.result(task_name)['ansible_facts'][fact]


def requests_of(instance):
    return [(entry['path'], entry['query']) for entry in instance.request_log()]


def hostile_paths(dests):
    root = dests / 'hostile' / 'root'
    return root, root / 'a' / 'b' / 'dest', root / 'absolute.yml'


def symlink_paths(dests):
    folder = dests / 'symlink'
    return folder / 'outside.yml', folder / 'dest', folder / 'dest' / 'opcua-to-mqtt.yml'


@pytest.fixture(scope='module')
def dests(tmp_path_factory):
    """A folder per scenario for what it writes (dest, backups), prepared as each test found it before."""
    root = tmp_path_factory.mktemp('dests')
    for name in ('version-pin', 'check-diff-backup', 'dest-directory', 'invalid-yaml', 'truncate-meta',
                 'missing-dest', 'b64'):
        (root / name).mkdir()
    (root / 'by-name' / 'services').mkdir(parents=True)
    (root / 'check-diff-backup' / 'app.yml').write_text('description: old\n')
    (root / 'truncate-meta' / 'app.yml').write_text('precious: true\n')
    hostile_paths(root)[1].mkdir(parents=True)
    (root / 'bad-dest' / 'dest').mkdir(parents=True)
    outside, folder, link = symlink_paths(root)
    folder.mkdir(parents=True)
    outside.write_text('secret: keep me\n')
    link.symlink_to(outside)
    return root


# The hosts (scenarios) each test reads. The shared run plays only the scenarios of the tests pytest
# selected: `-m oldest` (make integration-oldest) needs one of them, not all.
TEST_HOSTS = {
    'test_by_name_writes_then_is_unchanged': ['by-name'],
    'test_by_directory_and_filename_one_request_no_write': ['by-directory'],
    'test_version_pin_mismatch_fails_and_writes_nothing': ['version-pin'],
    'test_check_mode_diff_and_backup': ['check-diff-backup'],
    'test_dest_directory_gets_the_filename': ['dest-directory'],
    'test_unknown_and_ambiguous_apps': ['unknown-apps'],
    'test_similar_names_are_suggested': ['similar-names'],
    'test_invalid_yaml_is_a_warning': ['invalid-yaml'],
    'test_meta_endpoint_not_served_falls_back': ['meta-404'],
    'test_failure_never_truncates_dest': ['truncate-meta'],
    'test_bad_input_sends_nothing': ['bad-input'],
    'test_missing_dest_folder': ['missing-dest'],
    'test_hostile_listing_names_never_write_outside_dest': ['hostile'],
    'test_bad_dest_and_owner_fail_before_any_request_and_write_nothing': ['bad-dest'],
    'test_base64_data_from_both_endpoints_is_written_decoded': ['b64-meta', 'b64-fallback'],
    'test_symlink_at_the_target_is_replaced_never_followed': ['symlink'],
}


def selected_hosts(request):
    """The hosts of the tests of this module that this session runs (all of them when none is known)."""
    tests = [item.originalname for item in request.session.items if item.module is request.module]
    unknown = sorted(set(tests) - set(TEST_HOSTS))
    assert not unknown, 'give TEST_HOSTS the hosts of %s' % ', '.join(unknown)
    chosen = [TEST_HOSTS[name] for name in tests]
    return set(host for hosts in chosen or TEST_HOSTS.values() for host in hosts)


@pytest.fixture(scope='module')
def scenarios(request, host_pool, module_workdir, dests):
    """The scenarios of this module's selected tests in one run: (fleet, run)."""
    names = [host for hosts in TEST_HOSTS.values() for host in hosts]
    fleet = host_pool.fleet([{'name': name} for name in names])
    fleet['meta-404'].set_fault('/api/marketplace/app/meta', status=404)
    fleet['truncate-meta'].set_fault('/api/marketplace/app/meta', truncate=True)
    _root, hostile_dest, absolute = hostile_paths(dests)
    fleet['hostile'].update_state({'marketplace': [
        _app(name.lower().replace(' ', '-'), str(absolute) if filename is None else filename, name, '1.0.0',
             COMMISSIONING_FILE) for name, filename in HOSTILE]})
    encoded = base64.encodebytes(COMMISSIONING_FILE.encode()).decode()  # with line breaks every 76 characters
    for name in ('b64-meta', 'b64-fallback'):
        apps = fleet[name].state['marketplace'] + [_app('b64', 'b64.yml', 'Base64 App', '3.0.0', encoded)]
        fleet[name].update_state({'marketplace': apps})
    # The fallback step of the base64 scenario: the same app, dest written by the first step, on a host
    # whose meta endpoint is not served.
    fleet['b64-fallback'].set_fault('/api/marketplace/app/meta', status=404)

    by_name = dests / 'by-name' / 'services' / 'opcua.yml'
    backup_dest, backup_absent = dests / 'check-diff-backup' / 'app.yml', dests / 'check-diff-backup' / 'new.yml'
    by_file = dict(directory='opcua-to-mqtt', filename='opcua-to-mqtt.yml')
    bad_dest = dests / 'bad-dest' / 'dest'
    _outside, symlink_dest, link = symlink_paths(dests)
    symlink_task = app_task(name='OPC UA to MQTT', dest=str(symlink_dest), backup=True)
    plays = [
        scenario_play('by-name', [
            app_task('first', name='OPC UA to MQTT', version='1.2.0', dest=str(by_name), mode='0640'),
            capture('after first', seen_content=content_of(by_name), seen_mode=mode_of(by_name)),
            app_task('second', name='OPC UA to MQTT', version='1.2.0', dest=str(by_name), mode='0640'),
            app_task('mode only', name='OPC UA to MQTT', dest=str(by_name), mode='0600'),
        ]),
        scenario_play('by-directory', [app_task(directory='s7-to-mqtt', filename='service.yml', return_content=False)]),
        scenario_play('version-pin', [dict(app_task(directory='s7-to-mqtt', filename='service.yml', version='2.0.0',
                                                    dest=str(dests / 'version-pin' / 'app.yml')), ignore_errors=True)]),
        scenario_play('check-diff-backup check', [
            app_task(dest=str(backup_dest), backup=True, **by_file),
            capture('after check', seen_content=content_of(backup_dest)),
        ], hosts='check-diff-backup', check=True, diff=True),
        scenario_play('check-diff-backup real', [app_task(dest=str(backup_dest), backup=True, **by_file)],
                      hosts='check-diff-backup', diff=True),
        scenario_play('check-diff-backup check new', [app_task(dest=str(backup_absent), mode='0644', **by_file)],
                      hosts='check-diff-backup', check=True),
        scenario_play('dest-directory', [app_task(directory='s7-to-mqtt', filename='service.yml',
                                                  dest=str(dests / 'dest-directory'))]),
        scenario_play('unknown-apps', [
            dict(app_task('unknown', name='OPC UA to Kafka'), ignore_errors=True),
            dict(app_task('nothing like it', name='Zebra'), ignore_errors=True),
            dict(app_task('ambiguous', name='Siemens S7 to MQTT'), ignore_errors=True),
            dict(app_task('unknown file', directory='nope', filename='nope.yml'), ignore_errors=True),
        ]),
        scenario_play('similar-names', [dict(app_task(name='S7'), ignore_errors=True)]),
        scenario_play('invalid-yaml', [app_task(name='Broken App', dest=str(dests / 'invalid-yaml' / 'broken.yml'))]),
        scenario_play('meta-404', [app_task(directory='s7-to-mqtt', filename='service.yml', version='2.0.1')]),
        scenario_play('truncate-meta', [dict(app_task(dest=str(dests / 'truncate-meta' / 'app.yml'), retries=1,
                                                      **by_file), ignore_errors=True)]),
        scenario_play('bad-input', [
            dict(app_task('both', name='x', directory='d', filename='f'), ignore_errors=True),
            dict(app_task('directory only', directory='d'), ignore_errors=True),
            dict(app_task('none'), ignore_errors=True),
            dict(app_task('empty name', name=' '), ignore_errors=True),
        ]),
        scenario_play('missing-dest', [dict(app_task(name='OPC UA to MQTT',
                                                     dest=str(dests / 'missing-dest' / 'missing' / 'a.yml')),
                                            ignore_errors=True)]),
        scenario_play('hostile', [dict(app_task(name, name=name, dest=str(hostile_dest), return_content=False),
                                       ignore_errors=True) for name, _filename in HOSTILE]),
        scenario_play('bad-dest', [
            dict(app_task('empty', dest='', **by_file), ignore_errors=True),
            dict(app_task('blank', dest='  ', **by_file), ignore_errors=True),
            dict(app_task('proc', dest='/proc/x.yml', **by_file), ignore_errors=True),
            dict(app_task('owner', dest=str(bad_dest / 'a.yml'), owner='no-such-user-4711', **by_file),
                 ignore_errors=True),
            dict(app_task('group', dest=str(bad_dest), group='no-such-group-4711', **by_file), ignore_errors=True),
        ]),
        scenario_play('b64-meta', [
            app_task(name='Base64 App', version='3.0.0', dest=str(dests / 'b64')),
            capture('after meta', seen_content=content_of(dests / 'b64' / 'b64.yml')),
        ]),
        # Writes the file the b64-meta play wrote just before: the same content is 'ok' (unchanged).
        scenario_play('b64-fallback', [
            app_task('fallback', directory='b64', filename='b64.yml', version='3.0.0',
                     dest=str(dests / 'b64' / 'b64.yml')),
            app_task('text', name='OPC UA to MQTT'),
        ]),
        scenario_play('symlink check', [symlink_task, capture('after check', seen_link=kind_of(link))],
                      hosts='symlink', check=True, diff=True),
        scenario_play('symlink real', [
            symlink_task, capture('after real', seen_link=kind_of(link), seen_content=content_of(link)),
        ], hosts='symlink', diff=True),
        scenario_play('symlink again', [symlink_task], hosts='symlink'),
    ]
    wanted = selected_hosts(request)
    plays = [entry for entry in plays if entry['hosts'] in wanted]
    run = run_playbook(module_workdir, scenario_playbook(plays), write_inventory(module_workdir, fleet))
    assert run.rc == 0, run
    return fleet, run


def test_by_name_writes_then_is_unchanged(scenarios, dests):
    fleet, run = scenarios
    dest = dests / 'by-name' / 'services' / 'opcua.yml'
    run = run.play('by-name')
    assert run.rc == 0, run
    result = run.result('first')
    assert run.task('first')['status'] == 'changed'
    assert result['app']['directory'] == 'opcua-to-mqtt' and result['app']['availableInLicense'] is True
    assert result['meta'] == {'version': '1.2.0', 'updatedAt': '2025-09-28T04:52:24.347Z'}
    assert result['content'] == COMMISSIONING_FILE
    assert result['checksum'] == hashlib.sha1(COMMISSIONING_FILE.encode()).hexdigest()
    assert result['dest'] == str(dest)
    assert captured(run, 'after first', 'seen_content') == COMMISSIONING_FILE
    assert int(captured(run, 'after first', 'seen_mode'), 8) == 0o640
    # Each of the three steps: the listing, then the app by the directory and filename found in it.
    by_name = [('/api/marketplace/apps', ''),
               ('/api/marketplace/app/meta', 'directory=opcua-to-mqtt&filename=opcua-to-mqtt.yml')]
    assert requests_of(fleet['by-name']) == by_name * 3

    assert run.task('second')['status'] == 'ok'
    assert run.task('mode only')['status'] == 'changed'
    assert stat.S_IMODE(os.stat(dest).st_mode) == 0o600


def test_by_directory_and_filename_one_request_no_write(scenarios):
    fleet, run = scenarios
    run = run.play('by-directory')
    assert run.rc == 0, run
    result = run.result('app')
    assert result['changed'] is False
    assert result['app'] == {'directory': 's7-to-mqtt', 'filename': 'service.yml'}
    assert result['meta']['version'] == '2.0.1'
    assert 'content' not in result and 'dest' not in result
    assert requests_of(fleet['by-directory']) == [('/api/marketplace/app/meta',
                                                   'directory=s7-to-mqtt&filename=service.yml')]


def test_version_pin_mismatch_fails_and_writes_nothing(scenarios, dests):
    _fleet, run = scenarios
    entry = run.play('version-pin').task('app')
    assert entry['status'] == 'ignored'  # failed, and ignore_errors kept the run going
    assert entry['result']['msg'] == ('version: marketplace app s7-to-mqtt/service.yml is at version 2.0.1, not the '
                                      'expected 2.0.0: update version, or wait for the marketplace')
    assert not (dests / 'version-pin' / 'app.yml').exists()


def test_check_mode_diff_and_backup(scenarios, dests):
    _fleet, run = scenarios
    dest = dests / 'check-diff-backup' / 'app.yml'
    check = run.play('check-diff-backup check')
    assert check.rc == 0, check
    assert check.task('app')['status'] == 'changed'
    assert captured(check, 'after check', 'seen_content') == 'description: old\n'
    assert '-description: old' in check.stdout and '+  name: OPC UA to MQTT' in check.stdout
    assert 'backup_file' not in check.result('app')

    real = run.play('check-diff-backup real')
    assert real.rc == 0, real
    backup = real.result('app')['backup_file']
    with open(backup, encoding='utf-8') as handle:
        assert handle.read() == 'description: old\n'
    assert dest.read_text() == COMMISSIONING_FILE

    absent = dests / 'check-diff-backup' / 'new.yml'
    assert run.play('check-diff-backup check new').task('app')['status'] == 'changed'
    assert not absent.exists()


def test_dest_directory_gets_the_filename(scenarios, dests):
    _fleet, run = scenarios
    folder = dests / 'dest-directory'
    run = run.play('dest-directory')
    assert run.rc == 0, run
    assert run.result('app')['dest'] == str(folder / 'service.yml')
    assert (folder / 'service.yml').exists()


def test_unknown_and_ambiguous_apps(scenarios):
    fleet, run = scenarios
    run = run.play('unknown-apps')
    assert run.result('unknown')['msg'] == ("name: no marketplace app is named 'OPC UA to Kafka'. Available apps: "
                                            "opcua-to-mqtt/opcua-to-mqtt.yml (OPC UA to MQTT, version 1.2.0); "
                                            "s7-to-mqtt/service.yml (Siemens S7 to MQTT, version 2.0.1); "
                                            "s7-legacy/service.yml (Siemens S7 to MQTT, version 1.0.0); "
                                            "broken-app/broken.yml (Broken App, version 0.0.1)")
    assert run.result('nothing like it')['msg'].startswith("name: no marketplace app is named 'Zebra'. Available apps:")
    assert run.result('ambiguous')['msg'] == ("name: 2 marketplace apps are named 'Siemens S7 to MQTT': "
                                              "s7-to-mqtt/service.yml (Siemens S7 to MQTT, version 2.0.1); "
                                              "s7-legacy/service.yml (Siemens S7 to MQTT, version 1.0.0). "
                                              "Give directory and filename instead")
    assert run.result('unknown file')['msg'] == ('Connectware at %s has no marketplace app directory=nope '
                                                 'filename=nope.yml (HTTP 404): check directory and filename, or give '
                                                 'the app by name' % fleet['unknown-apps'].url)


def test_similar_names_are_suggested(scenarios):
    _fleet, run = scenarios
    run = run.play('similar-names')
    assert run.result('app')['msg'].startswith("name: no marketplace app is named 'S7'. Similar names: "
                                               "s7-to-mqtt/service.yml")


def test_invalid_yaml_is_a_warning(scenarios, dests):
    _fleet, run = scenarios
    run = run.play('invalid-yaml')
    assert run.rc == 0, run
    warnings = run.result('app')['warnings']
    assert len(warnings) == 1 and warnings[0].startswith('the commissioning file is not valid YAML (')
    assert (dests / 'invalid-yaml' / 'broken.yml').exists()


def test_meta_endpoint_not_served_falls_back(scenarios):
    fleet, run = scenarios
    run = run.play('meta-404')
    assert run.rc == 0, run
    assert run.result('app')['meta']['version'] == '2.0.1'
    paths = [path for path, _query in requests_of(fleet['meta-404'])]
    assert paths == ['/api/marketplace/app/meta', '/api/marketplace/app', '/api/marketplace/apps']


def test_failure_never_truncates_dest(scenarios, dests):
    _fleet, run = scenarios
    folder = dests / 'truncate-meta'
    entry = run.play('truncate-meta').task('app')
    assert entry['status'] == 'ignored'  # failed, and ignore_errors kept the run going
    assert 'response body cut short' in entry['result']['msg']
    assert (folder / 'app.yml').read_text() == 'precious: true\n'
    assert os.listdir(str(folder)) == ['app.yml']


def test_bad_input_sends_nothing(scenarios):
    fleet, run = scenarios
    run = run.play('bad-input')
    assert run.result('both')['msg'].startswith('parameters are mutually exclusive: name|directory')
    assert run.result('directory only')['msg'] == 'parameters are required together: directory, filename'
    assert run.result('none')['msg'] == 'one of the following is required: name, directory'
    assert run.result('empty name')['msg'].startswith('name is empty')
    assert fleet['bad-input'].request_log() == []


def test_missing_dest_folder(scenarios, dests):
    fleet, run = scenarios
    run = run.play('missing-dest')
    assert run.task('app')['status'] == 'ignored'  # failed, and ignore_errors kept the run going
    assert run.result('app')['msg'] == 'dest: the folder %s does not exist: create it first' % (
        dests / 'missing-dest' / 'missing')
    assert fleet['missing-dest'].request_log() == []


def files_under(folder):
    """Every file and symlink under ``folder``, as paths relative to it."""
    found = []
    for parent, folders, files in os.walk(str(folder)):
        for name in files + [entry for entry in folders if os.path.islink(os.path.join(parent, entry))]:
            found.append(os.path.relpath(os.path.join(parent, name), str(folder)))
    return sorted(found)


def test_hostile_listing_names_never_write_outside_dest(scenarios, dests):
    fleet, run = scenarios
    root, dest, absolute = hostile_paths(dests)
    run = run.play('hostile')
    for name, written in (('Up', 'up.yml'), ('Absolute', 'absolute.yml'), ('Backslashes', 'back.yml')):
        assert run.task(name)['status'] == 'changed', run
        result = run.result(name)
        assert result['dest'] == str(dest / written)
        assert len(result['warnings']) == 1 and "has path components; only '%s' is used, inside dest" % written \
            in result['warnings'][0]
    for name, why in (('Dot dot', 'has no name part'), ('Dots', 'has no name part'),
                      ('NUL', 'contains control characters'), ('Newline', 'contains control characters'),
                      ('Hidden', 'names a hidden file'), ('Folder', 'has no name part')):
        assert run.task(name)['status'] == 'ignored'
        message = run.result(name)['msg']
        assert message.startswith('marketplace app %s/' % name.lower().replace(' ', '-')) and why in message, message
        assert message.endswith('give dest as a file path to choose the name yourself')
    assert run.result('Empty')['msg'].endswith('without a filename: the listing is unusable')
    # Nothing outside dest, and only the three reduced names inside it.
    assert files_under(root) == ['a/b/dest/absolute.yml', 'a/b/dest/back.yml', 'a/b/dest/up.yml']
    assert not absolute.exists()
    # The refused apps' commissioning files were never fetched.
    fetched = sorted(query for path, query in requests_of(fleet['hostile']) if path == '/api/marketplace/app/meta')
    assert [query.split('&')[0] for query in fetched] == ['directory=absolute', 'directory=backslashes', 'directory=up']


def test_bad_dest_and_owner_fail_before_any_request_and_write_nothing(scenarios, dests):
    fleet, run = scenarios
    folder = dests / 'bad-dest' / 'dest'
    run = run.play('bad-dest')
    assert run.result('empty')['msg'].startswith('dest is empty: give the file, or an existing folder')
    assert run.result('blank')['msg'].startswith('dest is empty')
    assert run.result('proc')['msg'].startswith('dest: cannot write in the folder /proc (')
    assert run.result('owner')['msg'] == ("owner: there is no user named 'no-such-user-4711' on the host that writes "
                                          "dest: create it first, or give another owner")
    assert run.result('group')['msg'].startswith("group: there is no group named 'no-such-group-4711'")
    for name in ('empty', 'blank', 'proc', 'owner', 'group'):
        assert run.task(name)['status'] == 'ignored'
        assert 'Traceback' not in str(run.result(name)) and 'module_stderr' not in run.result(name)
    assert fleet['bad-dest'].request_log() == []
    assert os.listdir(str(folder)) == [] and not os.path.exists('/proc/x.yml')


def test_base64_data_from_both_endpoints_is_written_decoded(scenarios, dests):
    fleet, run = scenarios
    folder = dests / 'b64'
    expected = hashlib.sha1(COMMISSIONING_FILE.encode()).hexdigest()

    meta = run.play('b64-meta')
    assert meta.rc == 0, meta
    result = meta.result('app')
    assert result['encoding'] == 'base64' and result['content'] == COMMISSIONING_FILE
    assert result['checksum'] == expected and 'warnings' not in result
    assert captured(meta, 'after meta', 'seen_content') == COMMISSIONING_FILE

    # The same app on a host whose meta endpoint is not served, into the file the first step wrote.
    fallback = run.play('b64-fallback')
    assert fallback.rc == 0, fallback
    assert fallback.task('fallback')['status'] == 'ok'
    result = fallback.result('fallback')
    assert result['encoding'] == 'base64' and result['content'] == COMMISSIONING_FILE and result['checksum'] == expected
    assert ('/api/marketplace/app', 'directory=b64&filename=b64.yml') in requests_of(fleet['b64-fallback'])
    assert (folder / 'b64.yml').read_text() == COMMISSIONING_FILE

    # The documented text form is untouched.
    assert fallback.result('text')['encoding'] == 'text' and fallback.result('text')['content'] == COMMISSIONING_FILE


def test_symlink_at_the_target_is_replaced_never_followed(scenarios, dests):
    _fleet, run = scenarios
    outside, _dest, link = symlink_paths(dests)

    check = run.play('symlink check')
    assert check.rc == 0, check
    assert check.task('app')['status'] == 'changed'
    assert captured(check, 'after check', 'seen_link') == 'link' and 'keep me' not in check.stdout
    assert '(symlink to %s, replaced by a file)' % outside in check.stdout

    real = run.play('symlink real')
    assert real.rc == 0, real
    assert real.task('app')['status'] == 'changed' and 'keep me' not in real.stdout
    assert captured(real, 'after real', 'seen_link') == 'file'
    assert captured(real, 'after real', 'seen_content') == COMMISSIONING_FILE
    assert not link.is_symlink() and link.read_text() == COMMISSIONING_FILE
    assert outside.read_text() == 'secret: keep me\n'
    backup = real.result('app')['backup_file']
    assert os.path.islink(backup) and os.readlink(backup) == str(outside)

    assert run.play('symlink again').task('app')['status'] == 'ok'
