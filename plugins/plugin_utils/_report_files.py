# -*- coding: utf-8 -*-
# Copyright: (c) 2026, iiot.connectware contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Writing report files on the controller, for the report_files action.

FOR INTERNAL COLLECTION USE ONLY: the interfaces here may change in any release.

A report is many small files in one folder. Written with ansible.builtin.copy or template, each
file costs two module processes (stat, then copy) on the controller; here they are written by
the worker that runs the task, each atomically (a temporary file in the same folder, renamed
over the old one), so a reader never sees half a file and a symlink at a file's place is
replaced, never followed.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json
import os
import tempfile

from ansible.module_utils.common.text.converters import to_bytes, to_text


class ReportFilesError(Exception):
    """A problem with the task's options or the folder, worded for the user."""


def parse_mode(mode):
    """The file mode as an int, from an octal string such as '0644' or an int."""
    if isinstance(mode, int) and not isinstance(mode, bool):
        value = mode
    else:
        try:
            value = int(to_text(mode), 8)
        except (TypeError, ValueError):
            raise ReportFilesError("mode must be an octal number such as '0644', not %r" % (mode,))
    if not 0 <= value <= 0o7777:
        raise ReportFilesError("mode must be an octal number between '0000' and '7777', not %r" % (mode,))
    return value


def file_bytes(name, content):
    """What is written for one entry of files: text as it is, any other value as indented JSON."""
    if isinstance(content, bytes):
        return content
    if isinstance(content, str):
        return to_bytes(content, errors='surrogate_or_strict')
    try:
        # As ansible.builtin.to_nice_json writes it, with the final newline a text file has.
        return to_bytes(json.dumps(content, indent=4, sort_keys=True, separators=(',', ': ')) + '\n')
    except (TypeError, ValueError) as error:
        raise ReportFilesError('files[%r] is neither text nor data that JSON can hold (%s): give it as a string'
                               % (name, error))


def relative_parts(name):
    """The folders and file name of one entry of files, refused unless it stays inside dest."""
    text = to_text(name, errors='surrogate_or_strict') if not isinstance(name, str) else name
    parts = text.replace('\\', '/').split('/')
    if (not text or '\0' in text or text.startswith('/') or any(part in ('', '.', '..') for part in parts)):
        raise ReportFilesError('files: %r is not a relative file name inside dest: use names such as '
                               "'report.html' or 'hosts/cw-001.json', without '..', empty parts or a leading '/'"
                               % (name,))
    return parts


def plan(dest, files):
    """[(name, path, bytes)] for every entry of files, each checked before anything is written."""
    if not isinstance(files, dict):
        raise ReportFilesError('files must be a mapping of file names (relative to dest) to their content')
    planned, seen = [], set()
    for name, content in files.items():
        parts = relative_parts(name)
        path = os.path.join(dest, *parts)
        if path in seen:
            raise ReportFilesError('files names %r twice (after normalizing its slashes)' % (name,))
        seen.add(path)
        # A plain str: a name taken from the task's arguments must not be templated again downstream.
        planned.append((str(to_text(name)), path, file_bytes(name, content)))
    return planned


def is_current(path, data, mode):
    """True when path is a regular file (not a symlink) with exactly data and mode."""
    try:
        info = os.lstat(path)
    except (FileNotFoundError, NotADirectoryError):
        return False
    except OSError as error:
        raise ReportFilesError('cannot read %s: %s' % (path, error.strerror or error))
    if os.path.isdir(path) and not os.path.islink(path):
        raise ReportFilesError('%s is a folder, not a file: remove it or name another file in files' % path)
    if not os.path.isfile(path) or os.path.islink(path) or (info.st_mode & 0o7777) != mode or info.st_size != len(data):
        return False
    try:
        with open(path, 'rb') as handle:
            return handle.read() == data
    except OSError as error:
        raise ReportFilesError('cannot read %s: %s' % (path, error.strerror or error))


def write_atomically(path, data, mode):
    folder = os.path.dirname(path)
    handle, temporary = tempfile.mkstemp(dir=folder, prefix='.%s.' % os.path.basename(path), suffix='.tmp')
    try:
        with os.fdopen(handle, 'wb') as stream:
            stream.write(data)
        os.chmod(temporary, mode)
        os.replace(temporary, path)
    except BaseException:
        if os.path.exists(temporary):
            os.unlink(temporary)
        raise


def write_report_files(dest, files, mode='0644', check_mode=False):
    """Write files (name -> content) under dest; returns the result of the report_files task."""
    if not dest:
        raise ReportFilesError('dest must name the report folder')
    dest = os.path.abspath(os.path.expanduser(to_text(dest)))
    file_mode = parse_mode(mode)
    planned = plan(dest, files)
    if os.path.exists(dest) and not os.path.isdir(dest):
        raise ReportFilesError('dest %s exists and is not a folder: name a folder for the report' % dest)
    written, unchanged = [], []
    for name, path, data in planned:
        if is_current(path, data, file_mode):
            unchanged.append(name)
            continue
        written.append(name)
        if not check_mode:
            try:
                os.makedirs(os.path.dirname(path), mode=0o755, exist_ok=True)
                write_atomically(path, data, file_mode)
            except OSError as error:
                raise ReportFilesError('cannot write %s: %s' % (path, error.strerror or error))
    return dict(changed=bool(written), dest=dest, written=written, unchanged=unchanged)
