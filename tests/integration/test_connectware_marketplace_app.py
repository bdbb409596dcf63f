# -*- coding: utf-8 -*-
# Copyright: (c) 2026, iiot.connectware contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""connectware_marketplace_app through real ansible-playbook runs against a simulated host."""

import base64
import hashlib
import os
import stat

import pytest

from connectware_sim.state import COMMISSIONING_FILE, _app
from harness import connection_vars, play, run_playbook, write_inventory


def app_task(task_name='app', **args):
    task_args = connection_vars()
    task_args.update(args)
    return {'name': task_name, 'iiot.connectware.connectware_marketplace_app': task_args, 'register': 'app'}


@pytest.fixture
def fleet(make_fleet):
    return make_fleet([{}])


def requests_of(fleet):
    return [(entry['path'], entry['query']) for entry in fleet['cw-001'].request_log()]


def test_by_name_writes_then_is_unchanged(fleet, workdir, tmp_path):
    dest = tmp_path / 'services' / 'opcua.yml'
    dest.parent.mkdir()
    inventory = write_inventory(workdir, fleet)
    first = run_playbook(workdir, play([app_task(name='OPC UA to MQTT', version='1.2.0', dest=str(dest), mode='0640')]),
                         inventory)
    assert first.rc == 0, first
    result = first.result('app')
    assert first.task('app')['status'] == 'changed'
    assert result['app']['directory'] == 'opcua-to-mqtt' and result['app']['availableInLicense'] is True
    assert result['meta'] == {'version': '1.2.0', 'updatedAt': '2025-09-28T04:52:24.347Z'}
    assert result['content'] == COMMISSIONING_FILE
    assert result['checksum'] == hashlib.sha1(COMMISSIONING_FILE.encode()).hexdigest()
    assert result['dest'] == str(dest)
    assert dest.read_text() == COMMISSIONING_FILE
    assert stat.S_IMODE(os.stat(dest).st_mode) == 0o640
    assert requests_of(fleet) == [('/api/marketplace/apps', ''),
                                  ('/api/marketplace/app/meta', 'directory=opcua-to-mqtt&filename=opcua-to-mqtt.yml')]

    second = run_playbook(workdir, play([app_task(name='OPC UA to MQTT', version='1.2.0', dest=str(dest), mode='0640')]),
                          inventory)
    assert second.rc == 0, second
    assert second.task('app')['status'] == 'ok'
    mode_only = run_playbook(workdir, play([app_task(name='OPC UA to MQTT', dest=str(dest), mode='0600')]), inventory)
    assert mode_only.task('app')['status'] == 'changed'
    assert stat.S_IMODE(os.stat(dest).st_mode) == 0o600


def test_by_directory_and_filename_one_request_no_write(fleet, workdir):
    run = run_playbook(workdir, play([app_task(directory='s7-to-mqtt', filename='service.yml', return_content=False)]),
                       write_inventory(workdir, fleet))
    assert run.rc == 0, run
    result = run.result('app')
    assert result['changed'] is False
    assert result['app'] == {'directory': 's7-to-mqtt', 'filename': 'service.yml'}
    assert result['meta']['version'] == '2.0.1'
    assert 'content' not in result and 'dest' not in result
    assert requests_of(fleet) == [('/api/marketplace/app/meta', 'directory=s7-to-mqtt&filename=service.yml')]


def test_version_pin_mismatch_fails_and_writes_nothing(fleet, workdir, tmp_path):
    dest = tmp_path / 'app.yml'
    run = run_playbook(workdir, play([app_task(directory='s7-to-mqtt', filename='service.yml', version='2.0.0',
                                               dest=str(dest))]), write_inventory(workdir, fleet))
    entry = run.task('app')
    assert entry['status'] == 'failed'
    assert entry['result']['msg'] == ('version: marketplace app s7-to-mqtt/service.yml is at version 2.0.1, not the '
                                      'expected 2.0.0: update version, or wait for the marketplace')
    assert not dest.exists()


def test_check_mode_diff_and_backup(fleet, workdir, tmp_path):
    dest = tmp_path / 'app.yml'
    dest.write_text('description: old\n')
    inventory = write_inventory(workdir, fleet)
    check = run_playbook(workdir, play([app_task(directory='opcua-to-mqtt', filename='opcua-to-mqtt.yml',
                                                 dest=str(dest), backup=True)]), inventory, check=True, diff=True)
    assert check.rc == 0, check
    assert check.task('app')['status'] == 'changed'
    assert dest.read_text() == 'description: old\n'
    assert '-description: old' in check.stdout and '+  name: OPC UA to MQTT' in check.stdout
    assert 'backup_file' not in check.result('app')

    real = run_playbook(workdir, play([app_task(directory='opcua-to-mqtt', filename='opcua-to-mqtt.yml',
                                                dest=str(dest), backup=True)]), inventory, diff=True)
    assert real.rc == 0, real
    backup = real.result('app')['backup_file']
    with open(backup, encoding='utf-8') as handle:
        assert handle.read() == 'description: old\n'
    assert dest.read_text() == COMMISSIONING_FILE

    absent = tmp_path / 'new.yml'
    check_new = run_playbook(workdir, play([app_task(directory='opcua-to-mqtt', filename='opcua-to-mqtt.yml',
                                                     dest=str(absent), mode='0644')]), inventory, check=True)
    assert check_new.task('app')['status'] == 'changed'
    assert not absent.exists()


def test_dest_directory_gets_the_filename(fleet, workdir, tmp_path):
    run = run_playbook(workdir, play([app_task(directory='s7-to-mqtt', filename='service.yml', dest=str(tmp_path))]),
                       write_inventory(workdir, fleet))
    assert run.rc == 0, run
    assert run.result('app')['dest'] == str(tmp_path / 'service.yml')
    assert (tmp_path / 'service.yml').exists()


def test_unknown_and_ambiguous_apps(fleet, workdir):
    run = run_playbook(workdir, play([
        dict(app_task('unknown', name='OPC UA to Kafka'), ignore_errors=True),
        dict(app_task('nothing like it', name='Zebra'), ignore_errors=True),
        dict(app_task('ambiguous', name='Siemens S7 to MQTT'), ignore_errors=True),
        dict(app_task('unknown file', directory='nope', filename='nope.yml'), ignore_errors=True),
    ]), write_inventory(workdir, fleet))
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
                                                 'the app by name' % fleet['cw-001'].url)


def test_similar_names_are_suggested(fleet, workdir):
    run = run_playbook(workdir, play([dict(app_task(name='S7'), ignore_errors=True)]), write_inventory(workdir, fleet))
    assert run.result('app')['msg'].startswith("name: no marketplace app is named 'S7'. Similar names: "
                                               "s7-to-mqtt/service.yml")


def test_invalid_yaml_is_a_warning(fleet, workdir, tmp_path):
    run = run_playbook(workdir, play([app_task(name='Broken App', dest=str(tmp_path / 'broken.yml'))]),
                       write_inventory(workdir, fleet))
    assert run.rc == 0, run
    warnings = run.result('app')['warnings']
    assert len(warnings) == 1 and warnings[0].startswith('the commissioning file is not valid YAML (')
    assert (tmp_path / 'broken.yml').exists()


def test_meta_endpoint_not_served_falls_back(fleet, workdir):
    fleet['cw-001'].set_fault('/api/marketplace/app/meta', status=404)
    run = run_playbook(workdir, play([app_task(directory='s7-to-mqtt', filename='service.yml', version='2.0.1')]),
                       write_inventory(workdir, fleet))
    assert run.rc == 0, run
    assert run.result('app')['meta']['version'] == '2.0.1'
    paths = [path for path, _query in requests_of(fleet)]
    assert paths == ['/api/marketplace/app/meta', '/api/marketplace/app', '/api/marketplace/apps']


def test_failure_never_truncates_dest(fleet, workdir, tmp_path):
    (tmp_path / 'dest').mkdir()
    dest = tmp_path / 'dest' / 'app.yml'
    dest.write_text('precious: true\n')
    fleet['cw-001'].set_fault('/api/marketplace/app/meta', truncate=True)
    run = run_playbook(workdir, play([app_task(directory='opcua-to-mqtt', filename='opcua-to-mqtt.yml', dest=str(dest),
                                               retries=1)]), write_inventory(workdir, fleet))
    entry = run.task('app')
    assert entry['status'] == 'failed'
    assert 'response body cut short' in entry['result']['msg']
    assert dest.read_text() == 'precious: true\n'
    assert os.listdir(tmp_path / 'dest') == ['app.yml']


def test_bad_input_sends_nothing(fleet, workdir, tmp_path):
    run = run_playbook(workdir, play([
        dict(app_task('both', name='x', directory='d', filename='f'), ignore_errors=True),
        dict(app_task('directory only', directory='d'), ignore_errors=True),
        dict(app_task('none'), ignore_errors=True),
        dict(app_task('empty name', name=' '), ignore_errors=True),
    ]), write_inventory(workdir, fleet))
    assert run.result('both')['msg'].startswith('parameters are mutually exclusive: name|directory')
    assert run.result('directory only')['msg'] == 'parameters are required together: directory, filename'
    assert run.result('none')['msg'] == 'one of the following is required: name, directory'
    assert run.result('empty name')['msg'].startswith('name is empty')
    assert fleet['cw-001'].request_log() == []


def test_missing_dest_folder(fleet, workdir, tmp_path):
    run = run_playbook(workdir, play([app_task(name='OPC UA to MQTT', dest=str(tmp_path / 'missing' / 'a.yml'))]),
                       write_inventory(workdir, fleet))
    assert run.result('app')['msg'] == 'dest: the folder %s does not exist: create it first' % (tmp_path / 'missing')
    assert fleet['cw-001'].request_log() == []


def files_under(folder):
    """Every file and symlink under ``folder``, as paths relative to it."""
    found = []
    for parent, folders, files in os.walk(str(folder)):
        for name in files + [entry for entry in folders if os.path.islink(os.path.join(parent, entry))]:
            found.append(os.path.relpath(os.path.join(parent, name), str(folder)))
    return sorted(found)


def test_hostile_listing_names_never_write_outside_dest(fleet, workdir, tmp_path):
    root = tmp_path / 'root'
    dest = root / 'a' / 'b' / 'dest'
    dest.mkdir(parents=True)
    absolute = root / 'absolute.yml'
    hostile = [
        ('Up', '../../up.yml'), ('Absolute', str(absolute)), ('Backslashes', '..\\..\\back.yml'),
        ('Dot dot', '..'), ('Dots', '....'), ('NUL', 'x\x00.yml'), ('Newline', 'x\n.yml'), ('Hidden', '.bashrc'),
        ('Folder', 'sub/'), ('Empty', ''),
    ]
    fleet['cw-001'].update_state({'marketplace': [
        _app(name.lower().replace(' ', '-'), filename, name, '1.0.0', COMMISSIONING_FILE) for name, filename in hostile]})
    run = run_playbook(workdir, play([dict(app_task(name, name=name, dest=str(dest), return_content=False),
                                           ignore_errors=True) for name, _filename in hostile]),
                       write_inventory(workdir, fleet))
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
    fetched = sorted(query for path, query in requests_of(fleet) if path == '/api/marketplace/app/meta')
    assert [query.split('&')[0] for query in fetched] == ['directory=absolute', 'directory=backslashes', 'directory=up']


def test_bad_dest_and_owner_fail_before_any_request_and_write_nothing(fleet, workdir, tmp_path):
    folder = tmp_path / 'dest'
    folder.mkdir()
    by_file = dict(directory='opcua-to-mqtt', filename='opcua-to-mqtt.yml')
    run = run_playbook(workdir, play([
        dict(app_task('empty', dest='', **by_file), ignore_errors=True),
        dict(app_task('blank', dest='  ', **by_file), ignore_errors=True),
        dict(app_task('proc', dest='/proc/x.yml', **by_file), ignore_errors=True),
        dict(app_task('owner', dest=str(folder / 'a.yml'), owner='no-such-user-4711', **by_file), ignore_errors=True),
        dict(app_task('group', dest=str(folder), group='no-such-group-4711', **by_file), ignore_errors=True),
    ]), write_inventory(workdir, fleet))
    assert run.result('empty')['msg'].startswith('dest is empty: give the file, or an existing folder')
    assert run.result('blank')['msg'].startswith('dest is empty')
    assert run.result('proc')['msg'].startswith('dest: cannot write in the folder /proc (')
    assert run.result('owner')['msg'] == ("owner: there is no user named 'no-such-user-4711' on the host that writes "
                                          "dest: create it first, or give another owner")
    assert run.result('group')['msg'].startswith("group: there is no group named 'no-such-group-4711'")
    for name in ('empty', 'blank', 'proc', 'owner', 'group'):
        assert run.task(name)['status'] == 'ignored'
        assert 'Traceback' not in str(run.result(name)) and 'module_stderr' not in run.result(name)
    assert fleet['cw-001'].request_log() == []
    assert os.listdir(str(folder)) == [] and not os.path.exists('/proc/x.yml')


def test_base64_data_from_both_endpoints_is_written_decoded(fleet, workdir, tmp_path):
    encoded = base64.encodebytes(COMMISSIONING_FILE.encode()).decode()  # with line breaks every 76 characters
    apps = fleet['cw-001'].state['marketplace'] + [_app('b64', 'b64.yml', 'Base64 App', '3.0.0', encoded)]
    fleet['cw-001'].update_state({'marketplace': apps})
    inventory = write_inventory(workdir, fleet)
    expected = hashlib.sha1(COMMISSIONING_FILE.encode()).hexdigest()

    meta = run_playbook(workdir, play([app_task(name='Base64 App', version='3.0.0', dest=str(tmp_path))]), inventory)
    assert meta.rc == 0, meta
    result = meta.result('app')
    assert result['encoding'] == 'base64' and result['content'] == COMMISSIONING_FILE
    assert result['checksum'] == expected and 'warnings' not in result
    assert (tmp_path / 'b64.yml').read_text() == COMMISSIONING_FILE

    fleet['cw-001'].set_fault('/api/marketplace/app/meta', status=404)
    fallback = run_playbook(workdir, play([app_task(directory='b64', filename='b64.yml', version='3.0.0',
                                                    dest=str(tmp_path / 'b64.yml'))]), inventory)
    assert fallback.rc == 0, fallback
    assert fallback.task('app')['status'] == 'ok'
    result = fallback.result('app')
    assert result['encoding'] == 'base64' and result['content'] == COMMISSIONING_FILE and result['checksum'] == expected
    assert ('/api/marketplace/app', 'directory=b64&filename=b64.yml') in requests_of(fleet)

    # The documented text form is untouched.
    text = run_playbook(workdir, play([app_task(name='OPC UA to MQTT')]), inventory)
    assert text.rc == 0, text
    assert text.result('app')['encoding'] == 'text' and text.result('app')['content'] == COMMISSIONING_FILE


def test_symlink_at_the_target_is_replaced_never_followed(fleet, workdir, tmp_path):
    outside = tmp_path / 'outside.yml'
    outside.write_text('secret: keep me\n')
    dest = tmp_path / 'dest'
    dest.mkdir()
    link = dest / 'opcua-to-mqtt.yml'
    link.symlink_to(outside)
    inventory = write_inventory(workdir, fleet)
    task = app_task(name='OPC UA to MQTT', dest=str(dest), backup=True)

    check = run_playbook(workdir, play([task]), inventory, check=True, diff=True)
    assert check.rc == 0, check
    assert check.task('app')['status'] == 'changed'
    assert link.is_symlink() and 'keep me' not in check.stdout
    assert '(symlink to %s, replaced by a file)' % outside in check.stdout

    real = run_playbook(workdir, play([task]), inventory, diff=True)
    assert real.rc == 0, real
    assert real.task('app')['status'] == 'changed' and 'keep me' not in real.stdout
    assert not link.is_symlink() and link.read_text() == COMMISSIONING_FILE
    assert outside.read_text() == 'secret: keep me\n'
    backup = real.result('app')['backup_file']
    assert os.path.islink(backup) and os.readlink(backup) == str(outside)

    again = run_playbook(workdir, play([task]), inventory)
    assert again.task('app')['status'] == 'ok'
