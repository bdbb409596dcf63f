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
        # The license PUT answer carries no "valid": judge by the expiration alone.
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


def _text_or_none(value):
    if value is None:
        return None
    return value if isinstance(value, str) else str(value)


# Claim names that carry a license's identity, as the info answer names them and as JWTs do.
ID_CLAIMS = ('id', 'jti', 'licenseId')
EXPIRATION_CLAIMS = ('expiration', 'exp')


def license_identity(payload):
    """What a license file reveals of itself: ``{id, expiration}`` (expiration may be None), or None.

    Recognizes a JWT (its claims), a JSON object, and base64 of a JSON object, with the
    claims at the top level or under ``file`` / ``license``. Never raises, whatever the input.
    """
    if not isinstance(payload, str) or not payload.strip():
        return None
    for claims in (_jwt_claims(payload), _json_object(payload), _json_object(_b64_text(payload))):
        identity = _identity_from_claims(claims)
        if identity:
            return identity
    return None


def _identity_from_claims(claims):
    if not isinstance(claims, dict):
        return None
    for nested in ('file', 'license'):
        inner = claims.get(nested)
        if isinstance(inner, dict):
            found = _identity_from_claims(inner)
            if found:
                return found
    license_id = next((claims[name] for name in ID_CLAIMS
                       if isinstance(claims.get(name), (str, int)) and not isinstance(claims.get(name), bool)
                       and str(claims[name]).strip()), None)
    if license_id is None:
        return None
    expiration = None
    if isinstance(claims.get('expiration'), str):
        parsed = parse_expiration(claims['expiration'])
        expiration = parsed.isoformat() if parsed else None
    elif isinstance(claims.get('exp'), (int, float)) and not isinstance(claims.get('exp'), bool):
        try:
            expiration = datetime.datetime.fromtimestamp(claims['exp'], tz=_UTC).date().isoformat()
        except (OverflowError, OSError, ValueError):
            expiration = None
    return dict(id=str(license_id).strip(), expiration=expiration)


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
