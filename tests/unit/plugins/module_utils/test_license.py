# -*- coding: utf-8 -*-
# Copyright: (c) 2026, iiot.connectware contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""License normalization: dates, expiry, validity and missing fields."""

import datetime

import pytest

from ansible_collections.iiot.connectware.plugins.module_utils._license import license_summary, parse_expiration

TODAY = datetime.date(2026, 11, 29)


def info_license(expiration='2027-11-29', valid=True, **file_fields):
    file_data = {'id': 'lic-1', 'associatedAccount': 'acme', 'connectwareLicenseClass': 'Production',
                 'expiration': expiration}
    file_data.update(file_fields)
    data = {'name': 'Connectware Production', 'file': file_data}
    if valid is not None:
        data['valid'] = valid
    return data


def test_full_license():
    assert license_summary(info_license(), today=TODAY) == {
        'name': 'Connectware Production', 'id': 'lic-1', 'account': 'acme', 'license_class': 'Production',
        'expiration': '2027-11-29', 'valid': True, 'days_left': 365}


@pytest.mark.parametrize('expiration, days_left, valid', [
    ('2026-11-29', 0, True),            # last day is still valid
    ('2026-11-30', 1, True),
    ('2026-11-28', -1, False),          # expired yesterday
    ('2020-01-01', -2524, False),
    ('2027-01-15T00:00:00.000Z', 47, True),
])
def test_days_left_and_expiry(expiration, days_left, valid):
    summary = license_summary(info_license(expiration), today=TODAY)
    assert summary['days_left'] == days_left
    assert summary['valid'] is valid


def test_connectware_invalid_flag_wins():
    summary = license_summary(info_license(valid=False), today=TODAY)
    assert summary['valid'] is False
    assert summary['days_left'] == 365


def test_put_answer_without_valid_is_judged_by_expiration():
    assert license_summary(info_license(valid=None), today=TODAY)['valid'] is True
    assert license_summary(info_license('2026-01-01', valid=None), today=TODAY)['valid'] is False


@pytest.mark.parametrize('data', [None, {}, [], 'text', {'file': None}, {'name': 'x', 'file': 'y'}])
def test_missing_fields_give_none_and_invalid(data):
    summary = license_summary(data, today=TODAY)
    assert summary['id'] is None and summary['expiration'] is None and summary['days_left'] is None
    assert summary['valid'] is False


def test_unparseable_expiration():
    summary = license_summary(info_license('next year'), today=TODAY)
    assert summary['expiration'] is None and summary['days_left'] is None
    assert summary['valid'] is True  # Connectware says valid and there is no date saying otherwise


@pytest.mark.parametrize('value, expected', [
    ('2025-09-28', datetime.date(2025, 9, 28)),
    ('2025-09-28T04:52:24.347Z', datetime.date(2025, 9, 28)),
    ('2025-02-30', None),
    ('28.09.2025', None),
    (None, None),
    (20250928, None),
])
def test_parse_expiration(value, expected):
    assert parse_expiration(value) == expected


def test_non_text_fields_become_text():
    summary = license_summary(info_license(id=42), today=TODAY)
    assert summary['id'] == '42'


# -- identity of a license file -------------------------------------------------------

def b64url(data):
    import base64
    return base64.urlsafe_b64encode(data).rstrip(b'=').decode()


def jwt(claims):
    import json
    return '%s.%s.%s' % (b64url(b'{"alg":"RS256"}'), b64url(json.dumps(claims).encode()), b64url(b'sig'))


@pytest.mark.parametrize('payload, expected', [
    (jwt({'id': 'lic-1', 'expiration': '2027-01-31'}), {'id': 'lic-1', 'expiration': '2027-01-31'}),
    (jwt({'jti': 'lic-2', 'exp': 1801440000}), {'id': 'lic-2', 'expiration': '2027-02-01'}),
    (jwt({'id': 'lic-3'}), {'id': 'lic-3', 'expiration': None}),
    (jwt({'licenseId': 77, 'expiration': '2027-01-31T00:00:00Z'}), {'id': '77', 'expiration': '2027-01-31'}),
    (jwt({'license': {'file': {'id': 'lic-4', 'expiration': '2027-02-01'}}}), {'id': 'lic-4', 'expiration': '2027-02-01'}),
    ('{"id": "lic-5", "expiration": "2027-03-01"}', {'id': 'lic-5', 'expiration': '2027-03-01'}),
    (b64url(b'{"jti": "lic-6", "exp": 1801440000}'), {'id': 'lic-6', 'expiration': '2027-02-01'}),
    ('  ' + jwt({'id': 'lic-7'}) + '\n', {'id': 'lic-7', 'expiration': None}),
])
def test_license_identity_recognizes(payload, expected):
    from ansible_collections.iiot.connectware.plugins.module_utils._license import license_identity
    assert license_identity(payload) == expected


@pytest.mark.parametrize('payload', [
    None, '', '   ', 'OPAQUE-LICENSE', 'a.b.c', jwt({'name': 'no id'}), jwt({'id': ''}), jwt({'id': True}),
    jwt(['not', 'an', 'object']), '{"id": ', '[1, 2]', jwt({'id': 'x', 'exp': 10 ** 20}), 12345,
])
def test_license_identity_of_opaque_or_broken_files_is_none_or_safe(payload):
    from ansible_collections.iiot.connectware.plugins.module_utils._license import license_identity
    identity = license_identity(payload)
    assert identity is None or (identity['id'] == 'x' and identity['expiration'] is None)
