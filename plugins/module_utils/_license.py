# -*- coding: utf-8 -*-
# Copyright: (c) 2026, iiot.connectware contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Normalized license summary, shared by connectware_info and connectware_license.

FOR INTERNAL COLLECTION USE ONLY.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import base64
import datetime
import json
import re

from ansible_collections.iiot.connectware.plugins.module_utils._client import ConnectwareError

_DATE_PREFIX = re.compile(r'^\s*(\d{4})-(\d{2})-(\d{2})')
_UTC = datetime.timezone.utc


def parse_expiration(value):
    """A date from Connectware's ``expiration`` ("2025-09-28", or an ISO timestamp), else None."""
    if not isinstance(value, str):
        return None
    match = _DATE_PREFIX.match(value)
    if not match:
        return None
    try:
        return datetime.date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
    except ValueError:
        return None


def license_summary(license_data, today=None):
    """Summarize ``license`` of ``GET /api/system/info`` (or a license PUT/refresh answer).

    Returns ``{name, id, account, license_class, expiration, valid, days_left}``:
    ``expiration`` as an ISO date, ``days_left`` negative once expired, ``valid`` true only
    when Connectware does not call the license invalid and it has not expired. Fields the
    answer lacks are None (``valid`` is then false).
    """
    today = today or datetime.date.today()
    license_data = license_data if isinstance(license_data, dict) else {}
    file_data = license_data.get('file') if isinstance(license_data.get('file'), dict) else {}
    expiration = parse_expiration(file_data.get('expiration'))
    days_left = (expiration - today).days if expiration else None
    reported_valid = license_data.get('valid')
    if isinstance(reported_valid, bool):
        valid = reported_valid
    else:
        # No "valid" (a license predicted from its file, a sparse answer): judge by the expiration alone.
        valid = expiration is not None
    if days_left is not None and days_left < 0:
        valid = False
    return dict(
        name=_text_or_none(license_data.get('name')),
        id=_text_or_none(file_data.get('id')),
        account=_text_or_none(file_data.get('associatedAccount')),
        license_class=_text_or_none(file_data.get('connectwareLicenseClass')),
        expiration=expiration.isoformat() if expiration else None,
        valid=valid,
        days_left=days_left,
    )


def license_of_answer(answer, today=None):
    """The license summary of an answer shaped like ``GET /api/system/info`` (info, refresh, upload)."""
    return license_summary(answer.get('license') if isinstance(answer, dict) else None, today=today)


def license_of(answer):
    """The ``license`` object of an answer shaped like ``GET /api/system/info``, or None."""
    license_data = answer.get('license') if isinstance(answer, dict) else None
    return license_data if isinstance(license_data, dict) else None


def complete_license(answer):
    """The ``license`` of an upload or refresh answer when it carries identity AND validity, else None.

    Connectware documents those answers as ``{"license": {"name", "file": {}}}``: no id and
    no ``valid``. Only a server that sends the full info shape (``file.id`` and a boolean
    ``valid``) may be believed; otherwise the caller reads ``GET /api/system/info``.
    """
    license_data = license_of(answer)
    if license_data is None or not isinstance(license_data.get('valid'), bool):
        return None
    file_data = license_data.get('file')
    if not isinstance(file_data, dict) or _claim_text(file_data.get('id')) is None:
        return None
    return license_data


# The outcomes of the minimum-days rule (None: the license satisfies it).
EXPIRED = 'expired'
INVALID = 'invalid'
UNREADABLE_EXPIRATION = 'unreadable_expiration'
TOO_SHORT = 'too_short'


def reported_expiration(license_data):
    """The ``file.expiration`` Connectware reports, as sent, or None when it reports none (absent, null, empty)."""
    file_data = license_data.get('file') if isinstance(license_data, dict) else None
    value = file_data.get('expiration') if isinstance(file_data, dict) else None
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    return value


def is_perpetual(license_data, today=None):
    """Whether Connectware reports the license valid and without any expiration date: it does not run out."""
    return reported_expiration(license_data) is None and license_summary(license_data, today=today)['valid']


def license_problem(license_data, min_days=0, today=None):
    """The one rule for "valid, with at least ``min_days`` days left". Returns ``(summary, problem)``.

    ``license_data`` is the ``license`` object of an answer (or of a prediction from a file).
    ``problem`` is None when the license passes, else EXPIRED (its date has passed), INVALID
    (Connectware does not call it valid), UNREADABLE_EXPIRATION (it reports an expiration
    that is no date, so a minimum above 0 cannot be checked) or TOO_SHORT.

    A perpetual license (valid, no expiration date at all) does not run out, so it satisfies
    any minimum.
    """
    summary = license_summary(license_data, today=today)
    days = summary['days_left']
    if days is not None and days < 0:
        return summary, EXPIRED
    if not summary['valid']:
        return summary, INVALID
    if days is None:
        if min_days > 0 and reported_expiration(license_data) is not None:
            return summary, UNREADABLE_EXPIRATION
        return summary, None
    if days < min_days:
        return summary, TOO_SHORT
    return summary, None


def shown_value(value, limit=40):
    """A server value for a message: its repr, cut to ``limit`` characters."""
    text = repr(value)
    return text if len(text) <= limit else text[:limit - 3] + '...'


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


def _text_or_none(value):
    if value is None:
        return None
    return value if isinstance(value, str) else str(value)


# Claim names that carry a license's identity, as the info answer names them and as JWTs do.
ID_CLAIMS = ('id', 'jti', 'licenseId')
# The fields of a license summary, in the order they are shown.
SUMMARY_FIELDS = ('name', 'id', 'account', 'license_class', 'expiration', 'valid', 'days_left')
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
    license_id = next((_claim_text(claims.get(name)) for name in ID_CLAIMS if _claim_text(claims.get(name))), None)
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
    return next((_claim_text(scope.get(name)) for scope in scopes if _claim_text(scope.get(name))), None)


def _claim_text(value):
    """A claim's value as stripped, non-empty text: strings and numbers only (never booleans), else None."""
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        return None
    text = str(value).strip()
    return text or None


def _claim_expiration(claims):
    if isinstance(claims.get('expiration'), str):
        parsed = parse_expiration(claims['expiration'])
        return parsed.isoformat() if parsed else None
    exp = claims.get('exp')
    if isinstance(exp, (int, float)) and not isinstance(exp, bool):
        try:
            return datetime.datetime.fromtimestamp(exp, tz=_UTC).date().isoformat()
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
