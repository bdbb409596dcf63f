# -*- coding: utf-8 -*-
# Copyright: (c) 2026, iiot.connectware contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""report_files: what is written, what is left alone, and what is refused before anything is written."""

import json
import os
import stat

import pytest

from ansible_collections.iiot.connectware.plugins.plugin_utils._report_files import (
    ReportFilesError,
    write_report_files,
)


def mode_of(path):
    return stat.S_IMODE(os.lstat(path).st_mode)


def test_writes_text_as_is_and_data_as_indented_json_creating_folders(tmp_path):
    dest = tmp_path / 'report'
    result = write_report_files(str(dest), {'page.html': '<p>ü</p>', 'hosts/cw-001.json': {'b': 1, 'a': [True, None]}})
    assert result == dict(changed=True, dest=str(dest), written=['page.html', 'hosts/cw-001.json'], unchanged=[])
    assert (dest / 'page.html').read_text(encoding='utf-8') == '<p>ü</p>'
    assert (dest / 'hosts' / 'cw-001.json').read_text() == '{\n    "a": [\n        true,\n        null\n    ],\n    "b": 1\n}\n'
    assert json.loads((dest / 'hosts' / 'cw-001.json').read_text()) == {'a': [True, None], 'b': 1}
    assert mode_of(dest / 'page.html') == 0o644 and mode_of(dest / 'hosts') == 0o755


def test_second_run_changes_nothing_and_a_changed_file_or_mode_is_rewritten(tmp_path):
    files = {'a.txt': 'one', 'b.txt': 'two'}
    write_report_files(str(tmp_path), files)
    assert write_report_files(str(tmp_path), files) == dict(changed=False, dest=str(tmp_path), written=[],
                                                            unchanged=['a.txt', 'b.txt'])
    os.chmod(str(tmp_path / 'b.txt'), 0o600)
    result = write_report_files(str(tmp_path), {'a.txt': 'ONE', 'b.txt': 'two'})
    assert result['written'] == ['a.txt', 'b.txt'] and result['changed'] is True
    assert (tmp_path / 'a.txt').read_text() == 'ONE' and mode_of(tmp_path / 'b.txt') == 0o644


def test_check_mode_writes_nothing_and_names_what_would_change(tmp_path):
    write_report_files(str(tmp_path), {'a.txt': 'one'})
    result = write_report_files(str(tmp_path), {'a.txt': 'one', 'new/b.txt': 'two'}, check_mode=True)
    assert result['written'] == ['new/b.txt'] and result['unchanged'] == ['a.txt'] and result['changed'] is True
    assert not (tmp_path / 'new').exists()


def test_a_symlink_at_a_file_is_replaced_never_followed(tmp_path):
    outside = tmp_path / 'outside.txt'
    outside.write_text('keep me')
    dest = tmp_path / 'report'
    dest.mkdir()
    os.symlink(str(outside), str(dest / 'page.html'))
    result = write_report_files(str(dest), {'page.html': 'keep me'})
    assert result['written'] == ['page.html']
    assert not os.path.islink(str(dest / 'page.html')) and (dest / 'page.html').read_text() == 'keep me'
    assert outside.read_text() == 'keep me'
    assert os.listdir(str(dest)) == ['page.html']  # no temporary file left behind


@pytest.mark.parametrize('name', ['../escape.txt', '/etc/passwd', 'a//b.txt', './a.txt', 'a/../../b', '', 'a\0b',
                                  'hosts\\..\\..\\x'])
def test_names_outside_dest_are_refused_before_anything_is_written(tmp_path, name):
    with pytest.raises(ReportFilesError) as caught:
        write_report_files(str(tmp_path / 'report'), {'fine.txt': 'x', name: 'y'})
    assert 'is not a relative file name inside dest' in str(caught.value)
    assert not (tmp_path / 'report').exists()


@pytest.mark.parametrize('mode, words', [('rwx', "octal number such as '0644'"), ('17777', "between '0000' and '7777'"),
                                         (None, "octal number such as '0644'")])
def test_bad_mode_is_refused(tmp_path, mode, words):
    with pytest.raises(ReportFilesError) as caught:
        write_report_files(str(tmp_path), {'a.txt': 'x'}, mode=mode)
    assert words in str(caught.value)
    assert not (tmp_path / 'a.txt').exists()


def test_mode_as_octal_string_or_int(tmp_path):
    write_report_files(str(tmp_path), {'a.txt': 'x'}, mode='0600')
    write_report_files(str(tmp_path), {'b.txt': 'x'}, mode=0o640)
    assert mode_of(tmp_path / 'a.txt') == 0o600 and mode_of(tmp_path / 'b.txt') == 0o640


@pytest.mark.parametrize('dest_kind', ['file', 'folder at a file name'])
def test_dest_that_is_a_file_or_a_folder_in_the_way_fails_clearly(tmp_path, dest_kind):
    if dest_kind == 'file':
        (tmp_path / 'report').write_text('not a folder')
        with pytest.raises(ReportFilesError) as caught:
            write_report_files(str(tmp_path / 'report'), {'a.txt': 'x'})
        assert 'is not a folder' in str(caught.value)
    else:
        (tmp_path / 'a.txt').mkdir()
        with pytest.raises(ReportFilesError) as caught:
            write_report_files(str(tmp_path), {'a.txt': 'x'})
        assert 'is a folder, not a file' in str(caught.value)


def test_content_that_is_neither_text_nor_json_data_is_refused(tmp_path):
    with pytest.raises(ReportFilesError) as caught:
        write_report_files(str(tmp_path), {'a.json': {'when': object()}})
    assert "files['a.json'] is neither text nor data that JSON can hold" in str(caught.value)


def test_files_must_be_a_mapping_and_names_unique(tmp_path):
    with pytest.raises(ReportFilesError) as caught:
        write_report_files(str(tmp_path), ['a.txt'])
    assert 'files must be a mapping' in str(caught.value)
    with pytest.raises(ReportFilesError) as caught:
        write_report_files(str(tmp_path), {'a/b.txt': 'x', 'a\\b.txt': 'y'})
    assert 'twice' in str(caught.value)


def test_unwritable_folder_fails_with_the_path(tmp_path):
    if os.geteuid() == 0:
        # root writes anywhere: a file where the folder should be makes the write fail instead.
        (tmp_path / 'hosts').write_text('in the way')
        expected = str(tmp_path / 'hosts' / 'a.json')
    else:
        os.chmod(str(tmp_path), 0o500)
        expected = str(tmp_path / 'hosts' / 'a.json')
    try:
        with pytest.raises(ReportFilesError) as caught:
            write_report_files(str(tmp_path), {'hosts/a.json': {}})
    finally:
        os.chmod(str(tmp_path), 0o700)
    assert 'cannot write %s' % expected in str(caught.value)
