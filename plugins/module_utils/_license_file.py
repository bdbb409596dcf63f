# -*- coding: utf-8 -*-
# Copyright: (c) 2026, iiot.connectware contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""A license file: its text, and what it reveals of itself (id, expiration, account), for connectware_license.

FOR INTERNAL COLLECTION USE ONLY.  Only connectware_license reads license files, so this is a file of
its own: the other modules' processes do not import it (a module process compiles what it imports).
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import base64
import datetime
import json

from ansible_collections.iiot.connectware.plugins.module_utils._client import ConnectwareError
from ansible_collections.iiot.connectware.plugins.module_utils._license import claim_text, parse_expiration


def read_license_file(raw, path):
    """The text of a license file: ``raw`` (bytes) read from ``path``, which names it in messages.

    Returns ``(text, None)`` when it is non-empty UTF-8 text, else ``(None, message)`` with a
    message naming the option ``src``, the path and the fix (never the content). Both execution
    paths use it through license_file_text.
    """
    if not isinstance(raw, bytes):
        return None, 'src: license file %s could not be read as bytes: give the path of the license file' % path
    try:
        text = raw.decode('utf-8')
    except UnicodeDecodeError:
        return None, ('src: license file %s is not UTF-8 text (is it a binary or an archive?): give the license file '
                      'as Connectware issued it' % path)
    if not text.strip():
        return None, 'src: license file %s is empty: give the license file as Connectware issued it' % path
    return text, None


def license_file_text(raw, path):
    """read_license_file, raising ConnectwareError (kind config) when the file is not a license's text."""
    text, problem = read_license_file(raw, path)
    if problem is not None:
        raise ConnectwareError(problem, kind='config')
    return text


# Claim names that carry a license's identity, as the info answer names them and as JWTs do.
ID_CLAIMS = ('id', 'jti', 'licenseId')
# How deep license_identity looks for claims nested under "license" / "file".
_MAX_NESTING = 4


def license_identity(payload):
    """What a license file reveals of itself, or None when it does not reveal an id.

    Returns ``{id, expiration, account, license_class, name}``: ``id`` is always text, the
    others are None where the file does not reveal them (``expiration`` as an ISO date).
    Recognizes a JWT (its claims), a JSON object, and base64 of a JSON object, with the
    claims at the top level or under ``license`` / ``file`` (named as in the info answer:
    ``associatedAccount``, ``connectwareLicenseClass``, ``name``). Never raises, whatever
    the input.
    """
    if not isinstance(payload, str) or not payload.strip():
        return None
    for claims in (_jwt_claims(payload), _json_object(payload), _json_object(_b64_text(payload))):
        identity = _identity_from_claims(claims, ())
        if identity:
            return identity
    return None


def _identity_from_claims(claims, outer):
    """The identity in ``claims`` (a dict) or in its ``license`` / ``file``; ``outer`` are the enclosing dicts."""
    if not isinstance(claims, dict):
        return None
    if len(outer) < _MAX_NESTING:
        for nested in ('license', 'file'):
            found = _identity_from_claims(claims.get(nested), (claims,) + outer)
            if found:
                return found
    license_id = next((claim_text(claims.get(name)) for name in ID_CLAIMS if claim_text(claims.get(name))), None)
    if license_id is None:
        return None
    # A claim next to the id wins over one of an enclosing object (the info shape has the
    # name beside "file", the rest inside it).
    scopes = (claims,) + outer
    return dict(
        id=license_id,
        expiration=_claim_expiration(claims),
        account=_first_claim(scopes, 'associatedAccount'),
        license_class=_first_claim(scopes, 'connectwareLicenseClass'),
        name=_first_claim(scopes, 'name'),
    )


def _first_claim(scopes, name):
    return next((claim_text(scope.get(name)) for scope in scopes if claim_text(scope.get(name))), None)


def _claim_expiration(claims):
    if isinstance(claims.get('expiration'), str):
        parsed = parse_expiration(claims['expiration'])
        return parsed.isoformat() if parsed else None
    exp = claims.get('exp')
    if isinstance(exp, (int, float)) and not isinstance(exp, bool):
        try:
            return datetime.datetime.fromtimestamp(exp, tz=datetime.timezone.utc).date().isoformat()
        except (OverflowError, OSError, ValueError):
            return None
    return None


def _jwt_claims(payload):
    parts = payload.strip().split('.')
    if len(parts) != 3:
        return None
    return _json_object(_b64_text(parts[1]))


def _b64_text(text):
    if not isinstance(text, str):
        return None
    compact = ''.join(text.split())
    if not compact or len(compact) > 1024 * 1024:
        return None
    try:
        raw = base64.urlsafe_b64decode((compact.replace('+', '-').replace('/', '_') + '=' * (-len(compact) % 4))
                                       .encode('ascii'))
        return raw.decode('utf-8')
    except (ValueError, UnicodeError, TypeError):
        return None


def _json_object(text):
    if not isinstance(text, str) or not text.strip().startswith('{'):
        return None
    try:
        value = json.loads(text)
    except (ValueError, RecursionError):
        return None
    return value if isinstance(value, dict) else None
