# -*- coding: utf-8 -*-
# Copyright: (c) 2026, iiot.connectware contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Ansible's file handling for a module's runner that runs in the controller's worker process.

FOR INTERNAL COLLECTION USE ONLY: the interfaces here may change in any release.

A runner that writes a file (connectware_marketplace_app's ``dest``) uses the file handling of
AnsibleModule on the module path. ``ControllerFiles`` has the same methods, with the same
behaviour, for what the in-process path takes on: the content written atomically (a temporary
file in the same folder renamed over the target; ``unsafe_writes`` writes in place only where
that rename is refused), an existing file's mode and owner kept, a new file's mode from the
umask, an octal ``mode``, and backups that keep mode and times.

Everything else Ansible's file handling does stays with the module: ``owner``, ``group``, the
SELinux options and ``attributes`` (chown and chattr semantics, user and group lookups), a
symbolic ``mode``, and any host where SELinux is enabled (file contexts). ``module_file_reason``
names the option that sends a task to the module path, and the action plugin runs the module.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import errno
import grp
import hashlib
import os
import pwd
import shutil
import stat

from ansible.module_utils.common.text.converters import to_native

from ansible_collections.iiot.connectware.plugins.module_utils._client import ConnectwareError
from ansible_collections.iiot.connectware.plugins.module_utils._marketplace import (
    NEW_FILE_PERMISSIONS,
    backup_name,
    current_umask,
)

# File options only the module's file handling applies (attr is the alias of attributes).
MODULE_FILE_OPTIONS = ('owner', 'group', 'seuser', 'serole', 'selevel', 'setype', 'attributes', 'attr')
# Errors of a rename that unsafe_writes may work around by writing in place, as AnsibleModule does.
_RENAME_REFUSED = (errno.EPERM, errno.EXDEV, errno.EACCES, errno.ETXTBSY, errno.EBUSY)


def octal_mode(value):
    """``mode`` as the number AnsibleModule makes of it (an int, or octal text), else None (symbolic)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    try:
        return int(to_native(value), 8)
    except (TypeError, ValueError):
        return None


def selinux_enabled():
    """Whether SELinux may be enabled here (then the module's file handling sets file contexts)."""
    try:
        from ansible.module_utils.compat import selinux
    except ImportError:
        # Without the bindings the module refuses to write on an SELinux host; it should say so.
        return os.path.exists('/sys/fs/selinux/enforce')
    return bool(selinux.is_selinux_enabled())


def module_file_reason(args):
    """Why a task that writes ``dest`` needs the module's file handling, or None (``args`` as given)."""
    if args.get('dest') is None:
        return None
    for option in MODULE_FILE_OPTIONS:
        if args.get(option) is not None:
            return '%s is set, which the module\'s file handling applies' % option
    if args.get('mode') is not None and octal_mode(args['mode']) is None:
        return 'mode is symbolic, which the module\'s file handling applies'
    if selinux_enabled():
        return 'SELinux is enabled, and the module\'s file handling sets file contexts'
    return None


class ControllerFiles(object):
    """The methods of AnsibleModule's file handling a runner uses, for the in-process path.

    Failures raise ConnectwareError (kind config) naming the file and the cause.
    """

    def __init__(self, check_mode=False):
        self.check_mode = check_mode

    @staticmethod
    def add_path_info(result):
        """What AnsibleModule adds to every result naming a file (``path``, else ``dest``) that exists.

        ``uid``, ``gid``, ``owner``, ``group``, ``mode``, ``state`` and ``size``; no ``secontext``:
        with SELinux enabled the task runs as a module (``module_file_reason``).
        """
        path = result.get('path', result.get('dest'))
        if path is None or not os.path.exists(path):
            return result
        info = os.lstat(path)
        result.update(uid=info.st_uid, gid=info.st_gid, owner=_name(pwd.getpwuid, info.st_uid),
                      group=_name(grp.getgrgid, info.st_gid), mode='0%03o' % stat.S_IMODE(info.st_mode),
                      size=info.st_size)
        if stat.S_ISLNK(info.st_mode):
            result['state'] = 'link'
        elif os.path.isdir(path):
            result['state'] = 'directory'
        elif os.stat(path).st_nlink > 1:
            result['state'] = 'hard'
        else:
            result['state'] = 'file'
        return result

    @staticmethod
    def sha1(path):
        digest = hashlib.sha1()  # nosec - a file checksum, as ansible.builtin.stat reports it
        with open(path, 'rb') as handle:
            for block in iter(lambda: handle.read(64 * 1024), b''):
                digest.update(block)
        return digest.hexdigest()

    @staticmethod
    def load_file_common_arguments(params, path=None):
        """The file arguments this path applies: the path and its mode.

        The action plugin sends every other file option to the module (``module_file_reason``);
        one that got here anyway fails rather than being left out.
        """
        for option in MODULE_FILE_OPTIONS:
            if params.get(option) is not None:
                raise ConnectwareError('%s: only the module path applies it' % option, kind='config')
        return dict(path=path, mode=params.get('mode'))

    def set_fs_attributes_if_different(self, file_args, changed, diff=None, expand=True):  # pylint: disable=unused-argument
        """Apply ``mode`` where it differs (not in check mode); ``changed`` or whether the mode changed.

        The path is taken as it is (``expand`` is accepted for AnsibleModule's signature).
        """
        if file_args.get('mode') is None:
            return changed
        path = file_args['path']
        mode = octal_mode(file_args['mode'])
        if mode is None:
            # The action plugin sends symbolic modes to the module; nothing else calls this with one.
            raise ConnectwareError('mode %s is symbolic: only the module path applies it' % file_args['mode'],
                                   kind='config')
        try:
            before = os.lstat(path)
            if stat.S_ISLNK(before.st_mode):
                # Someone put a link here: chmod would change what it points to.
                raise OSError(errno.ELOOP, 'it is a symbolic link')
            if stat.S_IMODE(before.st_mode) == mode:
                return changed
            if self.check_mode:
                return True
            os.chmod(path, mode)
            # As AnsibleModule: what counts is the mode the file has now (bits beyond 07777, or bits
            # the kernel drops, change nothing).
            return changed or stat.S_IMODE(os.lstat(path).st_mode) != stat.S_IMODE(before.st_mode)
        except (OSError, OverflowError) as error:
            raise ConnectwareError('mode: chmod failed on %s: %s' % (path, to_native(error)), kind='config')

    def backup_local(self, path):
        """A copy of ``path`` keeping mode and times, named as AnsibleModule names backups; its name."""
        if not os.path.exists(path):
            return ''
        backup = backup_name(path)
        if not self.check_mode:
            try:
                shutil.copy2(path, backup)
                _keep_owner(path, backup)
            except (shutil.Error, IOError, OSError) as error:
                raise ConnectwareError('dest: could not back up %s as %s (%s): nothing is written'
                                       % (path, backup, to_native(error)), kind='config')
        return backup

    @staticmethod
    def atomic_move(src, dest, unsafe_writes=False):
        """Rename ``src`` over ``dest``, keeping an existing file's owner, mode and extended attributes;
        a new file's mode from the umask. The file's times are now, as the content is new.

        As ansible-core 2.19: the owner first (a chown clears setuid and setgid bits), then the
        mode. ``src`` is a temporary file in ``dest``'s folder, so the rename never crosses file
        systems; where the file system refuses it anyway, ``unsafe_writes`` writes the content in place.
        """
        creating = not os.path.exists(dest)
        try:
            if not creating:
                _keep_owner(dest, src)
                shutil.copystat(dest, src)
                os.utime(src, None)
            try:
                os.rename(src, dest)
            except (IOError, OSError) as error:
                if not (unsafe_writes and getattr(error, 'errno', None) in _RENAME_REFUSED):
                    raise
                _write_in_place(src, dest)
            if creating:
                os.chmod(dest, NEW_FILE_PERMISSIONS & ~current_umask())
        except (IOError, OSError) as error:
            raise ConnectwareError('dest: could not replace %s (%s): nothing is written' % (dest, to_native(error)),
                                   kind='config')


def _name(lookup, number):
    try:
        return lookup(number)[0]
    except KeyError:
        return str(number)


def _keep_owner(source, target):
    """Give ``target`` the owner and group of ``source`` where this user may (root; else they already match)."""
    wanted = os.stat(source)
    found = os.stat(target)
    if (found.st_uid, found.st_gid) != (wanted.st_uid, wanted.st_gid):
        try:
            os.chown(target, wanted.st_uid, wanted.st_gid)
        except OSError as error:
            if error.errno != errno.EPERM:
                raise


def _write_in_place(src, dest):
    try:
        flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, 'O_NOFOLLOW', 0)
        with open(src, 'rb') as source, os.fdopen(os.open(dest, flags, NEW_FILE_PERMISSIONS), 'wb') as target:
            shutil.copyfileobj(source, target)
            target.flush()
            os.fsync(target.fileno())
    except (IOError, OSError) as error:
        raise ConnectwareError('dest: could not write %s in place (unsafe_writes) (%s)' % (dest, to_native(error)),
                               kind='config')
    finally:
        if os.path.lexists(src):
            os.remove(src)
