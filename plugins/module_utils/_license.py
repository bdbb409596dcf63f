# -*- coding: utf-8 -*-
# Copyright: (c) 2026, iiot.connectware contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Normalized license summary, shared by connectware_info and connectware_license.

FOR INTERNAL COLLECTION USE ONLY.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import datetime
import re

_DATE_PREFIX = re.compile(r'^\s*(\d{4})-(\d{2})-(\d{2})')


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


def _text_or_none(value):
    if value is None:
        return None
    return value if isinstance(value, str) else str(value)
