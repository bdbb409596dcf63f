# -*- coding: utf-8 -*-
# Copyright: (c) 2026, iiot.connectware contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Marketplace apps: find one, fetch its service commissioning file, write it where the user said.

FOR INTERNAL COLLECTION USE ONLY: the interfaces here may change in any release.

``Marketplace`` finds an app by name or by directory and filename, fetches its commissioning
file and decodes it (Connectware may send it as YAML text or as base64 of the file). Every
module that takes an app from the marketplace uses it; its failures are ``MarketplaceError``
(the app asked for is not there, or not at the version asked for) or the client's
``ConnectwareError``.

``Destination`` and ``MarketplaceAppRunner`` are connectware_marketplace_app's work: check
``dest`` before any request, turn the server's file name into a safe name inside ``dest``,
and write atomically.

Everything the server sends is untrusted: names are reduced or refused before they become
paths, shown in messages with control characters escaped, and YAML is read with a safe
loader, bounded in size and nesting.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import base64
import binascii
import grp
import hashlib
import os
import pwd
import re
import tempfile
import time

try:
    import yaml
except ImportError:
    yaml = None
    CommissioningFileLoader = None
else:
    class CommissioningFileLoader(yaml.SafeLoader):  # pylint: disable=too-many-ancestors
        """SafeLoader that accepts Connectware's own tags (!ref, !sub, !join...) as plain values."""

    def _construct_tagged(loader, tag_suffix, node):  # pylint: disable=unused-argument
        if isinstance(node, yaml.ScalarNode):
            return loader.construct_scalar(node)
        if isinstance(node, yaml.SequenceNode):
            return loader.construct_sequence(node)
        return loader.construct_mapping(node)

    CommissioningFileLoader.add_multi_constructor('!', _construct_tagged)

from ansible.module_utils.common.text.converters import to_bytes, to_native, to_text

from ansible_collections.iiot.connectware.plugins.module_utils import _endpoints as endpoints
from ansible_collections.iiot.connectware.plugins.module_utils._client import ConnectwareError

APPS_PATH = endpoints.MARKETPLACE_APPS
META_PATH = endpoints.MARKETPLACE_APP_META
APP_PATH = endpoints.MARKETPLACE_APP
NOT_SERVED = (400, 404, 405)

# A commissioning file is YAML of some kilobytes; these bounds are far above any real one and
# keep a hostile answer from costing minutes of parsing or a crash.
MAX_DATA_CHARS = 8 * 1024 * 1024
MAX_YAML_DEPTH = 100
# The longest file name common file systems take, in bytes.
MAX_FILE_NAME_BYTES = 255
# An existing dest larger than this is compared by size and checksum only, never shown in a diff.
MAX_DIFF_BYTES = 4 * MAX_DATA_CHARS

_BASE64 = re.compile(r'^[A-Za-z0-9+/]+={0,2}$')
# Control characters, Unicode line separators and bidirectional overrides: nothing a file name
# needs, and in a message they can fake lines or reorder what a terminal shows.
_UNPRINTABLE = re.compile(u'[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]')
_SEPARATORS = re.compile(r'[/\\]')
# A symbolic mode as AnsibleModule reads it (chmod's syntax: u=rw,g+r,o-wx...).
_MODE_OPERATOR = re.compile(r'[+=-]')
_MODE_USERS = re.compile(r'^[ugo]+$')
_MODE_PERMISSIONS = re.compile(r'^[rwxXstugo]*$')


# The mode a new file gets before the umask, as AnsibleModule gives it.
NEW_FILE_PERMISSIONS = 0o666


def backup_name(path):
    """A backup's name as AnsibleModule names it, ``path.PID.YYYY-MM-DD@HH:MM:SS~``, with a serial after the
    process id when that name is taken (a module process makes one backup; a worker may make several in a
    second, in a loop)."""
    stamp = time.strftime('%Y-%m-%d@%H:%M:%S~', time.localtime())
    name = '%s.%s.%s' % (path, os.getpid(), stamp)
    serial = 1
    while os.path.lexists(name):
        serial += 1
        name = '%s.%s-%d.%s' % (path, os.getpid(), serial, stamp)
    return name


def current_umask():
    """This process's umask, read without changing it where Linux tells it (else set and restored at once)."""
    try:
        with open('/proc/self/status') as handle:
            for line in handle:
                if line.startswith('Umask:'):
                    return int(line.split()[1], 8)
    except (IOError, OSError, ValueError, IndexError):
        pass
    umask = os.umask(0o077)
    os.umask(umask)
    return umask


class MarketplaceError(ConnectwareError):
    """The app asked for is not there or does not fit, or dest cannot take it (kind config).

    ``msg`` for the user, ``result`` for the failure's result.
    """

    def __init__(self, msg, **result):
        super(MarketplaceError, self).__init__(msg, kind='config')
        self.msg = msg
        self.result = result or None


class _TooDeep(Exception):
    pass


def shown(value, limit=120):
    """A server-given value as a message may show it: unprintable characters escaped, cut at ``limit``."""
    text = value if isinstance(value, str) else '%s' % (value,)
    text = _UNPRINTABLE.sub(lambda match: '\\u%04x' % ord(match.group()), text)
    if len(text) > limit:
        text = text[:limit] + '...'
    return text


def describe_app(entry):
    """``directory/filename (name, version version)`` of a listing entry; ``directory/filename`` of an app given so."""
    if 'name' not in entry and 'version' not in entry:
        return '%s/%s' % (shown(entry.get('directory')), shown(entry.get('filename')))
    return '%s/%s (%s, version %s)' % tuple(shown(entry.get(key)) for key in ('directory', 'filename', 'name', 'version'))


def mode_problem(mode):
    """What is wrong with ``mode`` as Ansible's file handling reads it (octal, or symbolic), or None."""
    if mode is None or (isinstance(mode, int) and not isinstance(mode, bool)):
        return None
    text = to_native(mode)
    try:
        int(text, 8)
        return None
    except ValueError:
        pass
    for clause in text.split(','):
        parts = _MODE_OPERATOR.split(clause)
        users = parts.pop(0)  # empty or 'a': everyone
        if (users not in ('', 'a') and not _MODE_USERS.match(users)) or not all(
                _MODE_PERMISSIONS.match(part) for part in parts):
            return 'bad symbolic permission for mode: %s' % clause
    return None


def check_app_options(options, prefix=''):
    """Refuse empty names before any request (``prefix`` names the option's parent, e.g. ``marketplace.``)."""
    for option in ('name', 'directory', 'filename', 'version'):
        value = options.get(option)
        if value is not None and not value.strip():
            raise MarketplaceError('%s%s is empty: give the value from the marketplace listing, or leave it out' % (prefix, option))


def safe_file_name(name, app):
    """``(base_name, reduced)``: the name to write ``app``'s commissioning file under inside dest.

    A name with path components is reduced to its last one (``reduced`` is then true); a name
    that is still no plain file name (empty, only dots or blanks, hidden, control characters
    such as NUL or newline, not UTF-8, longer than 255 bytes) raises MarketplaceError.
    """
    def refuse(why):
        raise MarketplaceError('marketplace app %s: its file name %s %s, so it cannot name a file inside dest: give dest '
                               'as a file path to choose the name yourself' % (describe_app(app), shown("'%s'" % (name,)), why),
                               app=app)

    if not isinstance(name, str):
        refuse('is not text')
    if _UNPRINTABLE.search(name):
        refuse('contains control characters')
    if '$' in name:
        # Ansible's file handling expands $VARIABLES in paths, so the file written would not be
        # the one named (and a module could fail reading it back).
        refuse("contains '$', which Ansible's file handling reads as a variable")
    base = _SEPARATORS.split(name)[-1]
    if not base.replace('.', '').strip():
        refuse('has no name part (only dots, blanks or separators)')
    if base.startswith('.'):
        refuse('names a hidden file (leading dot)')
    try:
        encoded = base.encode('utf-8')
    except UnicodeEncodeError:
        refuse('is not valid Unicode')
    if len(encoded) > MAX_FILE_NAME_BYTES:
        refuse('is longer than %d bytes' % MAX_FILE_NAME_BYTES)
    return base, base != name


# -- the commissioning file as sent -----------------------------------------------------------


def load_yaml(text):
    """``text`` as YAML (Connectware's tags allowed); _TooDeep above MAX_YAML_DEPTH, yaml.YAMLError when invalid.

    The nesting is measured on the parser's events first, which takes no recursion; the
    loader builds each node once (an alias is a reference, never a copy), so neither deep
    nesting nor an alias bomb costs more than the text's own size.
    """
    depth = 0
    for event in yaml.parse(text, Loader=yaml.SafeLoader):
        if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
            depth += 1
            if depth > MAX_YAML_DEPTH:
                raise _TooDeep()
        elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
            depth -= 1
    return yaml.load(text, Loader=CommissioningFileLoader)  # nosec - a SafeLoader subclass


def strict_base64_text(value):
    """The UTF-8 text ``value`` is base64 of (white space ignored, standard alphabet, padded), else None."""
    candidate = ''.join(value.split())
    if not candidate or len(candidate) % 4 or not _BASE64.match(candidate):
        return None
    try:
        return base64.b64decode(candidate, validate=True).decode('utf-8')
    except (binascii.Error, ValueError):
        return None


def decode_commissioning_data(data):
    """``(content, encoding, warnings)`` of the commissioning file Connectware sent as ``data``.

    ``encoding`` is ``base64`` when ``data`` is a YAML string that is, strictly, base64 of a YAML
    mapping (the decoded text is the content), else ``text`` (``data`` itself). Raises ValueError
    naming the problem when ``data`` is beyond the bounds (size, nesting).
    """
    if len(data) > MAX_DATA_CHARS:
        raise ValueError('is %d characters long, above the %d this module reads' % (len(data), MAX_DATA_CHARS))
    if yaml is None:
        if strict_base64_text(data) is not None:
            return data, 'text', ['the commissioning file looks base64-encoded, but PyYAML is not available where the '
                                  'module runs to confirm it; it is returned as the marketplace serves it']
        return data, 'text', []
    try:
        value = load_yaml(data)
    except _TooDeep:
        raise ValueError('nests deeper than %d levels' % MAX_YAML_DEPTH)
    except RecursionError:
        raise ValueError('nests too deep to be read')
    except yaml.YAMLError as error:
        return data, 'text', ['the commissioning file is not valid YAML (%s); it is returned as the marketplace '
                              'serves it' % shown(' '.join(to_native(error).split()), limit=400)]
    if isinstance(value, str):
        decoded = strict_base64_text(value)
        if decoded is not None:
            try:
                inner = load_yaml(decoded)
            except _TooDeep:
                raise ValueError('is base64 of YAML that nests deeper than %d levels' % MAX_YAML_DEPTH)
            except RecursionError:
                raise ValueError('is base64 of YAML that nests too deep to be read')
            except yaml.YAMLError:
                inner = None
            if isinstance(inner, dict):
                return decoded, 'base64', []
    if not isinstance(value, dict):
        return data, 'text', ['the commissioning file is valid YAML but not a mapping (it is %s); it is returned as '
                              'the marketplace serves it' % ('empty' if value is None else 'a %s' % type(value).__name__)]
    return data, 'text', []


class CommissioningFile(object):
    """A fetched commissioning file: ``content`` (text, decoded), ``encoding`` as sent, ``meta``, ``warnings``."""

    def __init__(self, content, encoding, meta, warnings):
        self.content = content
        self.encoding = encoding
        self.meta = meta
        self.warnings = warnings

    @property
    def checksum(self):
        """SHA-1 of the content, as ansible.builtin.stat and ansible.builtin.copy report checksums."""
        return hashlib.sha1(to_bytes(self.content, errors='surrogate_or_strict')).hexdigest()  # nosec - a file checksum


# -- finding and fetching -----------------------------------------------------------------------


class Marketplace(object):
    """Lookup and fetch of marketplace apps through a ConnectwareClient."""

    def __init__(self, client):
        self.client = client

    def listing(self):
        """The marketplace listing's app entries; anything else in the answer is left out."""
        answer = self.client.get(APPS_PATH)
        return [entry for entry in (answer if isinstance(answer, list) else []) if isinstance(entry, dict)]

    def find_by_name(self, name, prefix=''):
        """The one listing entry named ``name``, else MarketplaceError listing the candidates."""
        listing = self.listing()
        matches = [entry for entry in listing if entry.get('name') == name]
        if len(matches) == 1:
            entry = matches[0]
            for key in ('directory', 'filename'):
                if not isinstance(entry.get(key), str) or not entry[key]:
                    raise ConnectwareError('Connectware at %s lists marketplace app %s without a %s: the listing is '
                                           'unusable' % (self.client.base_url, describe_app(entry), key),
                                           kind='invalid_response', method='GET', path=APPS_PATH)
            return entry
        if matches:
            raise MarketplaceError("%sname: %d marketplace apps are named '%s': %s. Give directory and filename instead"
                                   % (prefix, len(matches), shown(name), '; '.join(describe_app(entry) for entry in matches)))
        lowered = name.lower()
        close = [entry for entry in listing if lowered in str(entry.get('name', '')).lower()]
        candidates = close or listing
        raise MarketplaceError("%sname: no marketplace app is named '%s'. %s: %s" % (
            prefix, shown(name), 'Similar names' if close else 'Available apps',
            '; '.join(describe_app(entry) for entry in candidates[:20]) or 'none'))

    def locate(self, name=None, directory=None, filename=None, prefix=''):
        """The app: its listing entry when given by ``name``, else ``{directory, filename}`` (no request)."""
        if name is not None:
            return self.find_by_name(name, prefix=prefix)
        return dict(directory=directory, filename=filename)

    def fetch(self, app):
        """The app's CommissioningFile: the meta endpoint, or the content endpoint where meta does not serve."""
        query = {'directory': app['directory'], 'filename': app['filename']}
        path = META_PATH
        try:
            answer = self.client.get(META_PATH, params=query)
            answer = answer if isinstance(answer, dict) else {}
            data = answer['content'].get('data') if isinstance(answer.get('content'), dict) else None
            meta = answer.get('meta') if isinstance(answer.get('meta'), dict) else {}
        except ConnectwareError as error:
            if error.status not in NOT_SERVED:
                raise
            path = APP_PATH
            try:
                answer = self.client.get(APP_PATH, params=query)
            except ConnectwareError as second:
                if second.status in (400, 404):
                    raise MarketplaceError(
                        'Connectware at %s has no marketplace app directory=%s filename=%s (HTTP %s): check directory '
                        'and filename, or give the app by name' % (self.client.base_url, shown(app['directory']),
                                                                   shown(app['filename']), second.status),
                        api_error=second.to_result())
                raise
            data = answer.get('data') if isinstance(answer, dict) else None
            meta = dict(version=app.get('version'), updatedAt=app.get('updatedAt'))
        where = 'GET %s for %s/%s' % (path, shown(app['directory']), shown(app['filename']))
        if not isinstance(data, str):
            raise ConnectwareError('Connectware at %s answered %s without the commissioning file text'
                                   % (self.client.base_url, where), kind='invalid_response', method='GET', path=path)
        try:
            content, encoding, warnings = decode_commissioning_data(data)
        except ValueError as error:
            raise ConnectwareError('Connectware at %s answered %s with a commissioning file that %s: it is not used'
                                   % (self.client.base_url, where, error), kind='invalid_response', method='GET', path=path)
        return CommissioningFile(content, encoding, dict(version=meta.get('version'), updatedAt=meta.get('updatedAt')),
                                 warnings)

    def check_version(self, app, commissioning, version, prefix=''):
        """MarketplaceError when ``version`` is given and the app is at another one (reads the listing only if needed)."""
        meta = commissioning.meta
        if version is None or meta['version'] == version:
            return
        if meta['version'] is None and 'version' not in app:
            # The meta endpoint did not serve and the listing was not read: read it for the version.
            listed = [entry for entry in self.listing()
                      if entry.get('directory') == app['directory'] and entry.get('filename') == app['filename']]
            meta['version'] = listed[0].get('version') if listed else None
        if meta['version'] != version:
            raise MarketplaceError('%sversion: marketplace app %s/%s is at version %s, not the expected %s: update '
                                   'version, or wait for the marketplace' % (prefix, shown(app['directory']),
                                                                             shown(app['filename']),
                                                                             shown(meta['version']), shown(version)),
                                   app=app, meta=meta)

    def get(self, name=None, directory=None, filename=None, version=None, prefix=''):
        """``(app, CommissioningFile)`` of an app given by name or by directory and filename, pinned to ``version``."""
        check_app_options(dict(name=name, directory=directory, filename=filename, version=version), prefix=prefix)
        app = self.locate(name=name, directory=directory, filename=filename, prefix=prefix)
        commissioning = self.fetch(app)
        self.check_version(app, commissioning, version, prefix=prefix)
        return app, commissioning


# -- writing ----------------------------------------------------------------------------------------


class Destination(object):
    """Where connectware_marketplace_app writes: checked before any request, written atomically.

    ``dest`` is an existing folder (the app's file name inside it, made safe) or a file path in
    an existing folder. An existing file at that path is replaced by an atomic rename; a
    symlink there is replaced by a regular file (what it points to is never read or written),
    as ansible.builtin.copy does by default (``follow: false``). A symlinked folder given as
    ``dest`` is followed: it is the folder the user named.
    """

    def __init__(self, task):
        self.task = task
        # Ansible's file handling: the AnsibleModule, or its in-process equivalent (Task.files).
        self.files = task.files
        self.params = task.params
        self.dest = self.params['dest']
        self.folder = None
        self.is_folder = False
        self.path = None
        self.temporary = None

    @staticmethod
    def fail(msg, **result):
        raise MarketplaceError(msg, **result)

    def check(self):
        """Before any request: a usable dest, owner and group that exist, a folder that can be written."""
        dest = self.dest
        if not dest.strip():
            self.fail('dest is empty: give the file, or an existing folder, to write the commissioning file to; leave '
                      'dest out to only read the app')
        if '\x00' in dest:
            self.fail('dest contains a NUL character: give a file or folder path without it')
        self.is_folder = os.path.isdir(dest)
        folder = dest if self.is_folder else (os.path.dirname(dest) or '.')
        if not os.path.isdir(folder):
            self.fail('dest: the folder %s does not exist: create it first' % folder)
        self.folder = folder
        if not self.is_folder:
            self.path = dest
            self.check_target()
        self.check_owner()
        problem = mode_problem(self.params.get('mode'))
        if problem:
            self.fail("mode must be in octal or symbolic form (%s): give it as '0644' or as 'u=rw,g=r,o=r'" % problem)
        if not os.access(folder, os.W_OK | os.X_OK) or self.read_only(folder):
            self.fail_unwritable(folder, 'permission denied' if not os.access(folder, os.W_OK | os.X_OK) else
                                 'read-only file system')

    @staticmethod
    def read_only(folder):
        try:
            return bool(os.statvfs(folder).f_flag & os.ST_RDONLY)
        except (OSError, AttributeError):
            return False

    def fail_unwritable(self, folder, why):
        self.fail('dest: cannot write in the folder %s (%s): choose a folder this user can write to' % (folder, why))

    def check_owner(self):
        for option, lookup, kind in (('owner', pwd.getpwnam, 'user'), ('group', grp.getgrnam, 'group')):
            value = self.params.get(option)
            if value is None:
                continue
            try:
                int(value)
            except ValueError:
                try:
                    lookup(value)
                except KeyError:
                    self.fail("%s: there is no %s named '%s' on the host that writes dest: create it first, or give "
                              "another %s" % (option, kind, value, option))

    def check_target(self):
        """The target path is a regular file, a symlink (replaced) or absent; inside dest when dest is a folder."""
        path = self.path
        if self.is_folder and os.path.realpath(os.path.dirname(path)) != os.path.realpath(self.folder):
            self.fail('dest: %s is not inside the folder %s: nothing is written' % (path, self.folder))
        if os.path.lexists(path) and not os.path.islink(path) and not os.path.isfile(path):
            self.fail('dest: %s exists and is not a regular file' % path)

    def resolve(self, app):
        """After the lookup, before the content request: the path written, and its temporary file when it is new."""
        if self.is_folder:
            name, reduced = safe_file_name(app.get('filename'), app)
            self.path = os.path.join(self.folder, name)
            if reduced:
                self.task.warn("marketplace app %s: its file name '%s' has path components; only '%s' is used, inside "
                               "dest" % (describe_app(app), shown(app.get('filename')), name))
            self.check_target()
        if not os.path.lexists(self.path) and not self.task.check_mode:
            # A new file: the folder is tried now, before the commissioning file is fetched.
            self.reserve()
        return self.path

    def reserve(self):
        try:
            handle, self.temporary = tempfile.mkstemp(prefix='.%s.' % os.path.basename(self.path), dir=self.folder)
        except OSError as error:
            self.fail_unwritable(self.folder, error.strerror or error)
        os.close(handle)

    def cleanup(self):
        if self.temporary is not None and os.path.lexists(self.temporary):
            os.remove(self.temporary)
        self.temporary = None

    def current(self):
        """``(kind, bytes or None)`` of what is at the path now: absent, link, or file (bytes only when small)."""
        path = self.path
        if os.path.islink(path):
            return 'link', None
        if not os.path.lexists(path):
            return 'absent', None
        try:
            if os.path.getsize(path) > MAX_DIFF_BYTES:
                return 'file', None
            with open(path, 'rb') as handle:
                return 'file', handle.read()
        except (IOError, OSError) as error:
            self.fail('dest: cannot read %s to compare it (%s): nothing is written' % (path, error.strerror or error))
        return 'file', None  # not reached: fail exits

    def write(self, content, result):
        """Write ``content`` when it differs, set the file attributes; fills ``changed``, ``dest``, ``diff``, ``backup_file``."""
        path = self.path
        result['dest'] = path
        new_bytes = to_bytes(content, errors='surrogate_or_strict')
        kind, old_bytes = self.current()
        if kind == 'file' and old_bytes is None:
            content_changed = os.path.getsize(path) != len(new_bytes) or self.files.sha1(path) != result['checksum']
        else:
            content_changed = kind != 'file' or old_bytes != new_bytes
        if self.task.diff_mode:
            result['diff'] = self.diff(kind, old_bytes, content)
        if content_changed and not self.task.check_mode:
            if self.params['backup'] and kind != 'absent':
                result['backup_file'] = self.backup(kind)
            self.replace(new_bytes, is_link=kind == 'link')
        if self.task.check_mode and kind != 'file':
            # Nothing (or a link that will be replaced) to compare attributes against.
            attributes_changed = False
        else:
            attributes_changed = self.apply_attributes(path)
        result['changed'] = content_changed or attributes_changed

    def diff(self, kind, old_bytes, content):
        path = self.path
        if kind == 'link':
            before = ''
            before_header = '%s (symlink to %s, replaced by a file)' % (path, shown(os.readlink(path), limit=400))
        elif kind == 'absent':
            before, before_header = '', '%s (absent)' % path
        elif old_bytes is None:
            before, before_header = '', '%s (%d bytes, too large to show)' % (path, os.path.getsize(path))
        else:
            before, before_header = to_text(old_bytes, errors='surrogate_or_replace'), path
        return dict(before=before, after=content, before_header=before_header, after_header=path)

    def apply_attributes(self, path, with_attributes=True):
        """Apply mode, owner, group (and the rest of the file options) to ``path``; whether any changed.

        The path is used as it is: Ansible's file handling would expand $VARIABLES and ~ in it again.
        """
        file_args = self.files.load_file_common_arguments(self.params, path=path)
        file_args['path'] = path
        if not with_attributes:
            file_args['attributes'] = None
        return self.files.set_fs_attributes_if_different(file_args, False, expand=False)

    def file_step(self, what, step, *args, **kwargs):
        """``step(*args, **kwargs)``, one of Ansible's file-handling steps; its failure names dest.

        ansible-core 2.19 raises a plain Exception where older versions called fail_json.
        """
        try:
            return step(*args, **kwargs)
        except ConnectwareError:
            raise
        except Exception as error:  # pylint: disable=broad-except
            self.fail('dest: could not %s %s (%s): nothing is written' % (what, self.path, to_native(error)))
        return None  # not reached: fail raises

    def backup(self, kind):
        if kind != 'link':
            return self.file_step('back up', self.files.backup_local, self.path)
        # A link is kept as a link: what it points to is neither read nor copied.
        backup = backup_name(self.path)
        try:
            os.symlink(os.readlink(self.path), backup)
        except OSError as error:
            self.fail('dest: could not back up the symlink %s as %s (%s): nothing is written' % (self.path, backup, error))
        return backup

    def replace(self, data, is_link=False):
        """Write ``data`` to a temporary file in the folder, give it the file attributes, rename it over the path."""
        if self.temporary is None:
            self.reserve()
        temporary = self.temporary
        # O_NOFOLLOW: should someone who can write in the folder put a link in its place, the
        # write fails rather than following it.
        with os.fdopen(os.open(temporary, os.O_WRONLY | os.O_TRUNC | getattr(os, 'O_NOFOLLOW', 0)), 'wb') as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        # mode, owner and group are tried on the temporary file first: a bad one fails here, before
        # the path is touched (they are applied again to the path below).
        self.apply_attributes(temporary, with_attributes=False)
        if is_link:
            # atomic_move would copy the attributes of what the link points to; a plain rename
            # replaces the link itself, as atomically, with a file that has the new file's mode.
            if self.params.get('mode') is None:
                os.chmod(temporary, NEW_FILE_PERMISSIONS & ~current_umask())
            try:
                os.rename(temporary, self.path)
            except OSError as error:
                self.fail('dest: could not replace the symlink %s (%s): nothing is written' % (self.path, error))
        else:
            self.file_step('replace', self.files.atomic_move, temporary, self.path,
                           unsafe_writes=self.params['unsafe_writes'])
        self.temporary = None


class MarketplaceAppRunner(object):
    """connectware_marketplace_app: check dest, find the app, fetch its commissioning file, write it."""

    def __init__(self, task):
        self.task = task
        self.params = task.params
        self.marketplace = Marketplace(task.client)

    def run(self):
        destination = None
        if self.params['dest'] is not None:
            destination = Destination(self.task)
        try:
            return self._run(destination)
        finally:
            if destination is not None:
                destination.cleanup()

    def _run(self, destination):
        params = self.params
        check_app_options(params)
        if destination is not None:
            destination.check()
        app = self.marketplace.locate(name=params['name'], directory=params['directory'], filename=params['filename'])
        if destination is not None:
            destination.resolve(app)
        commissioning = self.marketplace.fetch(app)
        self.marketplace.check_version(app, commissioning, params['version'])
        for warning in commissioning.warnings:
            self.task.warn(warning)
        result = dict(changed=False, app=app, meta=commissioning.meta, encoding=commissioning.encoding,
                      checksum=commissioning.checksum)
        if params['return_content']:
            result['content'] = commissioning.content
        if destination is not None:
            destination.write(commissioning.content, result)
        return result


def run_marketplace_app(task):
    return MarketplaceAppRunner(task).run()
