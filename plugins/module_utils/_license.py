# -*- coding: utf-8 -*-
# Copyright: (c) 2026, iiot.connectware contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Normalized license summary and the license rules, shared by the modules that read a license.

FOR INTERNAL COLLECTION USE ONLY.  A license file (its text, and what it reveals of itself)
is ``_license_file``, which only connectware_license needs.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import datetime
import re

_DATE_PREFIX = re.compile(r'^\s*(\d{4})-(\d{2})-(\d{2})')
# The fields of a license summary, in the order they are shown.
SUMMARY_FIELDS = ('name', 'id', 'account', 'license_class', 'expiration', 'valid', 'days_left')


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
    if not isinstance(file_data, dict) or claim_text(file_data.get('id')) is None:
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


def _text_or_none(value):
    if value is None:
        return None
    return value if isinstance(value, str) else str(value)


def claim_text(value):
    """A claim's value as stripped, non-empty text: strings and numbers only (never booleans), else None."""
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        return None
    text = str(value).strip()
    return text or None
