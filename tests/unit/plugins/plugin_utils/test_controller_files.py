# -*- coding: utf-8 -*-
# Copyright: (c) 2026, iiot.connectware contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The in-process file handling, and which file options send a task to the module instead.

Writing through a runner is tested on both paths in tests/unit/plugins/modules/
test_connectware_marketplace_app.py; these are the branches of its own.
"""

import errno
import hashlib
import os
import stat

import pytest

from ansible_collections.iiot.connectware.plugins.module_utils import _marketplace
from ansible_collections.iiot.connectware.plugins.module_utils._client import ConnectwareError
from ansible_collections.iiot.connectware.plugins.plugin_utils import _controller_files
from ansible_collections.iiot.connectware.plugins.plugin_utils._controller_files import (
    ControllerFiles,
    module_file_reason,
    octal_mode,
)


@pytest.mark.parametrize('value, expected', [
    (0o640, 0o640), ('0640', 0o640), ('640', 0o640), ('0o640', 0o640), (' 0644 ', 0o644),
    ('u=rw,g=r', None), ('a+x', None), ('preserve', None), ('', None), ('0689', None), (True, None), ([1], None),
])
def test_octal_mode_is_what_ansible_module_reads_as_a_number(value, expected):
    assert octal_mode(value) == expected


@pytest.fixture
def no_selinux(monkeypatch):
    monkeypatch.setattr(_controller_files, 'selinux_enabled', lambda: False)


@pytest.mark.parametrize('args', [
    {},
    {'dest': None, 'owner': 'root'},  # nothing is written, so no file option applies
    {'dest': '/tmp/x.yml'},
    {'dest': '/tmp/x.yml', 'mode': '0640', 'backup': True, 'unsafe_writes': True},
    {'dest': '/tmp/x.yml', 'mode': 0o600},
])
def test_what_runs_in_process(no_selinux, args):  # pylint: disable=redefined-outer-name,unused-argument
    assert module_file_reason(args) is None


@pytest.mark.parametrize('option', ['owner', 'group', 'seuser', 'serole', 'selevel', 'setype', 'attributes', 'attr'])
def test_module_only_options_name_themselves(no_selinux, option):  # pylint: disable=redefined-outer-name,unused-argument
    assert module_file_reason({'dest': 'x.yml', option: 'v'}) == (
        "%s is set, which the module's file handling applies" % option)


def test_symbolic_mode_and_selinux_go_to_the_module(monkeypatch):
    monkeypatch.setattr(_controller_files, 'selinux_enabled', lambda: False)
    assert module_file_reason({'dest': 'x.yml', 'mode': 'u=rw'}) == (
        "mode is symbolic, which the module's file handling applies")
    monkeypatch.setattr(_controller_files, 'selinux_enabled', lambda: True)
    assert module_file_reason({'dest': 'x.yml'}) == (
        "SELinux is enabled, and the module's file handling sets file contexts")
    assert module_file_reason({'name': 'read only'}) is None


def test_selinux_without_bindings_is_judged_by_the_kernel(monkeypatch):
    import builtins
    real_import = builtins.__import__

    def no_bindings(name, *args, **kwargs):
        if name == 'ansible.module_utils.compat':
            raise ImportError('no libselinux')
        return real_import(name, *args, **kwargs)
    seen = []
    monkeypatch.setattr(builtins, '__import__', no_bindings)
    monkeypatch.setattr(_controller_files.os.path, 'exists', lambda path: seen.append(path) or True)
    assert _controller_files.selinux_enabled() is True
    assert seen == ['/sys/fs/selinux/enforce']


def test_sha1_reads_in_blocks(tmp_path):
    data = os.urandom(200 * 1024)
    (tmp_path / 'f').write_bytes(data)
    assert ControllerFiles.sha1(str(tmp_path / 'f')) == hashlib.sha1(data).hexdigest()


@pytest.mark.parametrize('check_mode', [False, True])
def test_mode_applied_where_different_and_never_in_check_mode(tmp_path, check_mode):
    path = tmp_path / 'f'
    path.write_text('x')
    os.chmod(str(path), 0o644)
    files = ControllerFiles(check_mode=check_mode)
    args = files.load_file_common_arguments({'mode': '0600', 'owner': None}, path=str(path))
    assert args == {'path': str(path), 'mode': '0600'}
    assert files.set_fs_attributes_if_different(args, False) is True
    assert stat.S_IMODE(os.stat(str(path)).st_mode) == (0o644 if check_mode else 0o600)
    if not check_mode:
        assert files.set_fs_attributes_if_different(args, False) is False
    assert files.set_fs_attributes_if_different(dict(args, mode=None), 'as before') == 'as before'


@pytest.mark.parametrize('option', ['owner', 'group', 'setype', 'attributes'])
def test_module_only_option_is_never_left_out(option):
    with pytest.raises(ConnectwareError) as raised:
        ControllerFiles.load_file_common_arguments({'mode': None, option: 'x'}, path='/x')
    assert raised.value.message == '%s: only the module path applies it' % option


def test_mode_beyond_the_permission_bits_changes_nothing_twice(tmp_path):
    """As AnsibleModule: the change is what the file's mode became, not what was asked."""
    path = tmp_path / 'f'
    path.write_text('x')
    os.chmod(str(path), 0o644)
    files = ControllerFiles()
    args = {'path': str(path), 'mode': '01000644'}
    assert files.set_fs_attributes_if_different(args, False) is False
    assert stat.S_IMODE(os.stat(str(path)).st_mode) == 0o644


def test_mode_is_never_applied_through_a_link(tmp_path):
    target = tmp_path / 'target'
    target.write_text('x')
    os.chmod(str(target), 0o644)
    (tmp_path / 'link').symlink_to(target)
    with pytest.raises(ConnectwareError) as raised:
        ControllerFiles().set_fs_attributes_if_different({'path': str(tmp_path / 'link'), 'mode': '0600'}, False)
    assert raised.value.message == 'mode: chmod failed on %s: [Errno 40] it is a symbolic link' % (tmp_path / 'link')
    assert stat.S_IMODE(os.stat(str(target)).st_mode) == 0o644


def test_backups_in_the_same_second_get_their_own_names(tmp_path, monkeypatch):
    monkeypatch.setattr(_marketplace.time, 'strftime', lambda fmt, when: '2026-11-30@01:02:03~')
    path = tmp_path / 'f'
    names = []
    for content in ('one', 'two', 'three'):
        path.write_text(content)
        names.append(ControllerFiles().backup_local(str(path)))
    assert names == ['%s.%d.2026-11-30@01:02:03~' % (path, os.getpid()),
                     '%s.%d-2.2026-11-30@01:02:03~' % (path, os.getpid()),
                     '%s.%d-3.2026-11-30@01:02:03~' % (path, os.getpid())]
    assert [open(name).read() for name in names] == ['one', 'two', 'three']


def test_mode_failures_are_config_errors(tmp_path, monkeypatch):
    path = tmp_path / 'f'
    path.write_text('x')
    files = ControllerFiles()
    with pytest.raises(ConnectwareError) as symbolic:
        files.set_fs_attributes_if_different({'path': str(path), 'mode': 'u=rw'}, False)
    assert symbolic.value.kind == 'config' and 'symbolic' in symbolic.value.message

    def refusing(target, mode):
        raise OSError(errno.EPERM, 'Operation not permitted')
    monkeypatch.setattr(_controller_files.os, 'chmod', refusing)
    with pytest.raises(ConnectwareError) as refused:
        files.set_fs_attributes_if_different({'path': str(path), 'mode': '0600'}, False)
    assert refused.value.message == 'mode: chmod failed on %s: [Errno 1] Operation not permitted' % path


def test_backup_of_nothing_and_in_check_mode(tmp_path):
    assert ControllerFiles().backup_local(str(tmp_path / 'absent')) == ''
    path = tmp_path / 'f'
    path.write_text('x')
    name = ControllerFiles(check_mode=True).backup_local(str(path))
    assert name.startswith('%s.%d.' % (path, os.getpid())) and os.listdir(str(tmp_path)) == ['f']


def test_backup_failure_names_both_files(tmp_path, monkeypatch):
    path = tmp_path / 'f'
    path.write_text('x')

    def full(source, target):
        raise OSError(errno.ENOSPC, 'No space left on device')
    monkeypatch.setattr(_controller_files.shutil, 'copy2', full)
    with pytest.raises(ConnectwareError) as raised:
        ControllerFiles().backup_local(str(path))
    assert raised.value.message.startswith('dest: could not back up %s as %s.%d.' % (path, path, os.getpid()))
    assert raised.value.message.endswith('~ ([Errno 28] No space left on device): nothing is written')
    assert raised.value.kind == 'config' and os.listdir(str(tmp_path)) == ['f']


def test_move_of_a_new_file_and_over_an_existing_one(tmp_path):
    source = tmp_path / 'tmp1'
    source.write_text('new')
    os.chmod(str(source), 0o600)
    umask = os.umask(0o022)
    try:
        ControllerFiles.atomic_move(str(source), str(tmp_path / 'new'))
    finally:
        os.umask(umask)
    assert (tmp_path / 'new').read_text() == 'new' and stat.S_IMODE(os.stat(str(tmp_path / 'new')).st_mode) == 0o644
    existing = tmp_path / 'existing'
    existing.write_text('old')
    os.chmod(str(existing), 0o604)
    os.utime(str(existing), (1700000000, 1700000000))
    source = tmp_path / 'tmp2'
    source.write_text('replaced')
    ControllerFiles.atomic_move(str(source), str(existing))
    assert existing.read_text() == 'replaced' and stat.S_IMODE(os.stat(str(existing)).st_mode) == 0o604
    # New content, new times (the old file's are not copied over).
    assert os.stat(str(existing)).st_mtime > 1700000000
    assert sorted(os.listdir(str(tmp_path))) == ['existing', 'new']


def old_and_new(tmp_path):
    """An existing file, and the temporary file meant to replace it."""
    existing, source = tmp_path / 'existing', tmp_path / 'tmp'
    existing.write_text('old')
    source.write_text('new')
    return existing, source


def refuse_renames(monkeypatch, number, text):
    def refusing(source_path, target_path):
        raise OSError(number, text)
    monkeypatch.setattr(_controller_files.os, 'rename', refusing)


def test_unsafe_writes_only_for_a_refused_rename(tmp_path, monkeypatch):
    existing, source = old_and_new(tmp_path)
    refuse_renames(monkeypatch, errno.ENOENT, 'No such file or directory')
    # Not a refusal that writing in place works around: the failure stands, dest untouched.
    with pytest.raises(ConnectwareError) as raised:
        ControllerFiles.atomic_move(str(source), str(existing), unsafe_writes=True)
    assert raised.value.message.startswith('dest: could not replace %s ([Errno 2]' % existing)
    assert existing.read_text() == 'old'


def test_unsafe_write_failure_cleans_up(tmp_path, monkeypatch):
    existing, source = old_and_new(tmp_path)
    refuse_renames(monkeypatch, errno.EBUSY, 'Device or resource busy')

    def no_fsync(descriptor):
        raise OSError(errno.EIO, 'Input/output error')
    monkeypatch.setattr(_controller_files.os, 'fsync', no_fsync)
    with pytest.raises(ConnectwareError) as raised:
        ControllerFiles.atomic_move(str(source), str(existing), unsafe_writes=True)
    assert raised.value.message == ('dest: could not write %s in place (unsafe_writes) ([Errno 5] Input/output error)'
                                    % existing)
    assert os.listdir(str(tmp_path)) == ['existing']


def test_path_info_as_ansible_module_adds_it(tmp_path):
    from ansible.module_utils import basic
    module = basic.AnsibleModule.__new__(basic.AnsibleModule)
    module._selinux_enabled = False  # pylint: disable=protected-access
    module.selinux_enabled = lambda: False
    file_path = tmp_path / 'f'
    file_path.write_text('12345')
    (tmp_path / 'hard').hardlink_to(file_path)
    (tmp_path / 'link').symlink_to(file_path)
    (tmp_path / 'dir').mkdir()
    for name in ('f', 'link', 'dir', 'absent'):
        for key in ('path', 'dest'):
            expected = module.add_path_info({key: str(tmp_path / name), 'changed': True})
            assert ControllerFiles.add_path_info({key: str(tmp_path / name), 'changed': True}) == expected, name
    assert ControllerFiles.add_path_info({'dest': str(tmp_path / 'f')})['state'] == 'hard'
    assert ControllerFiles.add_path_info({'dest': str(tmp_path / 'dir')})['state'] == 'directory'
    assert ControllerFiles.add_path_info({'changed': False}) == {'changed': False}


@pytest.mark.skipif(os.geteuid() != 0, reason='only root can give a file to another user')
def test_setuid_file_of_another_user_keeps_owner_and_bits(tmp_path):
    """The owner first, then the mode: a chown after the mode would clear setuid and setgid."""
    existing = tmp_path / 'existing'
    existing.write_text('old')
    os.chown(str(existing), 4711, 4712)
    os.chmod(str(existing), 0o6755)
    source = tmp_path / 'tmp'
    source.write_text('new')
    ControllerFiles.atomic_move(str(source), str(existing))
    info = os.stat(str(existing))
    assert (info.st_uid, info.st_gid, stat.S_IMODE(info.st_mode)) == (4711, 4712, 0o6755)


def test_unsafe_writes_create_a_new_file_in_place(tmp_path, monkeypatch):
    source = tmp_path / 'tmp'
    source.write_text('new')
    refuse_renames(monkeypatch, errno.EBUSY, 'Device or resource busy')
    umask = os.umask(0o022)
    try:
        ControllerFiles.atomic_move(str(source), str(tmp_path / 'new'), unsafe_writes=True)
    finally:
        os.umask(umask)
    assert os.listdir(str(tmp_path)) == ['new'] and (tmp_path / 'new').read_text() == 'new'
    assert stat.S_IMODE(os.stat(str(tmp_path / 'new')).st_mode) == 0o644
