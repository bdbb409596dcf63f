# -*- coding: utf-8 -*-
# Copyright: (c) 2026, iiot.connectware contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Fetch several Connectware endpoints at once, and resolve gather_subset lists.

FOR INTERNAL COLLECTION USE ONLY.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import threading

from ansible_collections.iiot.connectware.plugins.module_utils._client import ConnectwareError

MAX_WORKERS = 8


class SubsetError(ValueError):
    """A gather_subset (or similar) list names something unknown or selects nothing."""


def resolve_subsets(requested, valid, option='gather_subset'):
    """Resolve a gather_subset list the way Ansible's fact gathering does.

    ``all`` adds every subset, ``!name`` excludes one, ``!all`` starts from nothing (so only
    the named subsets count); a list of only exclusions means everything but those. Returns the chosen names in the
    order of ``valid``.
    """
    valid = list(valid)
    included, excluded = set(), set()
    exclude_all = False
    for entry in requested or []:
        name = str(entry).strip()
        exclude = name.startswith('!')
        name = name[1:] if exclude else name
        if name == 'all':
            if exclude:
                exclude_all = True
            else:
                included.update(valid)
            continue
        if name not in valid:
            raise SubsetError('%s: unknown subset %r; valid subsets are all, %s (prefix ! to exclude)'
                              % (option, str(entry), ', '.join(valid)))
        (excluded if exclude else included).add(name)
    if not included and not exclude_all:
        included = set(valid)
    chosen = [name for name in valid if name in included and name not in excluded]
    if not chosen:
        raise SubsetError('%s %s selects nothing: name at least one subset (%s)' % (option, list(requested), ', '.join(valid)))
    return chosen


def fetch_concurrently(client, calls, max_workers=MAX_WORKERS):
    """Run ``calls`` (name -> (path, params)) as concurrent GETs: one request each.

    Returns ``(results, errors)``: name -> decoded JSON, name -> ConnectwareError.
    The first request also performs the login when the client needs one; the others
    wait for it (the client serializes login).
    """
    results, errors = {}, {}
    if not calls:
        return results, errors
    # Log in before fanning out, so concurrent requests never race to log in.
    names = list(calls)
    try:
        client.ensure_authenticated()
    except ConnectwareError as error:
        return results, dict((name, error) for name in names)
    # Plain threads pulling from one list: a handful of requests needs no pool.
    pending = list(names)
    lock = threading.Lock()

    def worker():
        while True:
            with lock:
                if not pending:
                    return
                name = pending.pop(0)
            try:
                answer = client.get(calls[name][0], calls[name][1])
            except ConnectwareError as error:
                with lock:
                    errors[name] = error
            except Exception as error:  # pylint: disable=broad-except
                # A thread's exception would otherwise vanish, leaving the subset silently missing.
                with lock:
                    errors[name] = ConnectwareError('unexpected error while reading %s: %r' % (calls[name][0], error),
                                                    kind='invalid_response', method='GET', path=calls[name][0])
            else:
                with lock:
                    results[name] = answer

    threads = [threading.Thread(target=worker) for _index in range(min(max_workers, len(names)))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    errors = dict((name, errors[name]) for name in names if name in errors)
    return results, errors


# Failures that are about the host or the credentials, not the endpoint: said once for all.
SHARED_CAUSE_KINDS = ('auth', 'tls', 'connection', 'timeout', 'config')


def combined_error(errors, labels=None):
    """One ConnectwareError for several failed fetches, naming each (ordered as given).

    When every fetch failed for the same host-wide reason (a rejected token, a TLS failure,
    an unreachable host), the reason is given once, for all of them.
    """
    labels = labels or {}
    first = next(iter(errors.values()))
    causes = set((error.kind, error.status) for error in errors.values())
    if len(errors) > 1 and len(causes) == 1 and first.kind in SHARED_CAUSE_KINDS:
        message = '%s: %s' % (', '.join(labels.get(name, name) for name in errors), first.message)
    else:
        message = '; '.join('%s: %s' % (labels.get(name, name), error.message) for name, error in errors.items())
    return ConnectwareError(message, kind=first.kind, method=first.method, path=first.path, url=first.url,
                            status=first.status, body=first.body, attempts=first.attempts)
