# -*- coding: utf-8 -*-
# Copyright: (c) 2026, iiot.connectware contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""License normalization: dates, expiry, validity and missing fields."""

import datetime

import pytest

from ansible_collections.iiot.connectware.plugins.module_utils._client import ConnectwareError
from ansible_collections.iiot.connectware.plugins.module_utils._license import (
    EXPIRED,
    INVALID,
    TOO_SHORT,
    UNREADABLE_EXPIRATION,
    complete_license,
    is_perpetual,
    license_problem,
    license_summary,
    parse_expiration,
    reported_expiration,
    shown_value,
)
from ansible_collections.iiot.connectware.plugins.module_utils._license_file import (
    license_file_text,
    license_identity,
    read_license_file,
)

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


def identity(license_id, expiration=None, account=None, license_class=None, name=None):
    return {'id': license_id, 'expiration': expiration, 'account': account, 'license_class': license_class,
            'name': name}


@pytest.mark.parametrize('payload, expected', [
    (jwt({'id': 'lic-1', 'expiration': '2027-01-31'}), identity('lic-1', '2027-01-31')),
    (jwt({'jti': 'lic-2', 'exp': 1801440000}), identity('lic-2', '2027-02-01')),
    (jwt({'id': 'lic-3'}), identity('lic-3')),
    (jwt({'licenseId': 77, 'expiration': '2027-01-31T00:00:00Z'}), identity('77', '2027-01-31')),
    (jwt({'license': {'file': {'id': 'lic-4', 'expiration': '2027-02-01'}}}), identity('lic-4', '2027-02-01')),
    ('{"id": "lic-5", "expiration": "2027-03-01"}', identity('lic-5', '2027-03-01')),
    (b64url(b'{"jti": "lic-6", "exp": 1801440000}'), identity('lic-6', '2027-02-01')),
    ('  ' + jwt({'id': 'lic-7'}) + '\n', identity('lic-7')),
    # What a new user's JWT reveals beside the id: account, class, name.
    (jwt({'id': 'lic-8', 'associatedAccount': 'acme', 'connectwareLicenseClass': 'Production',
          'expiration': '2027-04-01'}), identity('lic-8', '2027-04-01', 'acme', 'Production')),
    (jwt({'jti': 'lic-9', 'exp': 1801440000, 'associatedAccount': ' acme ', 'connectwareLicenseClass': 'Test',
          'name': 'Connectware Test'}), identity('lic-9', '2027-02-01', 'acme', 'Test', 'Connectware Test')),
    # The info shape: the name beside "file", the rest inside it.
    (jwt({'license': {'name': 'Connectware Production', 'file': {
        'id': 'lic-10', 'associatedAccount': 'acme', 'connectwareLicenseClass': 'Production'}}}),
     identity('lic-10', None, 'acme', 'Production', 'Connectware Production')),
    # Claims that are not text or numbers are not revealed.
    (jwt({'id': 'lic-11', 'associatedAccount': True, 'connectwareLicenseClass': {'x': 1}, 'name': ['n'],
          'expiration': 20270101}), identity('lic-11')),
    (jwt({'id': 'lic-12', 'associatedAccount': '  ', 'name': ''}), identity('lic-12')),
])
def test_license_identity_recognizes(payload, expected):
    assert license_identity(payload) == expected


@pytest.mark.parametrize('payload', [
    None, '', '   ', 'OPAQUE-LICENSE', 'a.b.c', jwt({'name': 'no id'}), jwt({'id': ''}), jwt({'id': True}),
    jwt(['not', 'an', 'object']), '{"id": ', '[1, 2]', 12345, b'bytes', jwt({'id': None, 'jti': '  '}),
    jwt({'file': {'license': {'file': {'license': {'file': {'id': 'too deep'}}}}}}),
])
def test_license_identity_of_opaque_or_broken_files_is_none(payload):
    assert license_identity(payload) is None


@pytest.mark.parametrize('exp', [10 ** 20, -10 ** 20, float('inf'), float('nan'), 'soon', None, True])
def test_license_identity_with_unusable_expiration_keeps_the_id(exp):
    assert license_identity(jwt({'id': 'x', 'exp': exp})) == identity('x')


def test_license_identity_of_deeply_nested_claims_does_not_raise():
    claims = {'id': 'outer'}
    for _depth in range(900):
        claims = {'license': claims}
    assert license_identity(jwt(claims)) is None


# -- reading a PUT / refresh answer -----------------------------------------------------

@pytest.mark.parametrize('answer', [
    # As Connectware documents it: no identity, no validity.
    {'time': 't', 'version': '1.7', 'license': {'name': 'Connectware Production', 'file': {}}},
    {'license': {'name': 'n', 'file': {'id': 'lic-1'}}},                      # no "valid"
    {'license': {'name': 'n', 'file': {'id': 'lic-1'}, 'valid': 'true'}},     # "valid" not a boolean
    {'license': {'name': 'n', 'file': {'id': ''}, 'valid': True}},           # empty id
    {'license': {'name': 'n', 'file': {'id': True}, 'valid': True}},
    {'license': {'name': 'n', 'file': None, 'valid': True}},
    {'license': {'name': 'n', 'valid': True}},
    {'license': None}, {'license': []}, {}, [], None, 'text',
])
def test_sparse_answers_are_not_complete(answer):
    assert complete_license(answer) is None


@pytest.mark.parametrize('valid', [True, False])
def test_full_answer_is_complete(valid):
    data = info_license(valid=valid)
    assert complete_license({'time': 't', 'version': '1.7', 'license': data}) is data


# -- the minimum-days rule ----------------------------------------------------------------

@pytest.mark.parametrize('data, min_days, problem', [
    (info_license('2027-11-29'), 365, None),
    (info_license('2027-11-29'), 366, TOO_SHORT),
    (info_license('2026-11-29'), 0, None),
    (info_license('2026-11-28'), 0, EXPIRED),
    (info_license('2026-11-28', valid=True), 30, EXPIRED),
    (info_license('2027-11-29', valid=False), 0, INVALID),
    (info_license(None), 0, None),                      # perpetual
    (info_license(None), 100000, None),                 # perpetual: any minimum
    (info_license(''), 30, None),
    (info_license(None, valid=False), 0, INVALID),
    (info_license(None, valid=None), 30, INVALID),      # no validity and no date: nothing says it is valid
    (info_license('sometime'), 0, None),
    (info_license('sometime'), 1, UNREADABLE_EXPIRATION),
    (info_license(20271129), 1, UNREADABLE_EXPIRATION),
    (info_license('2027-11-29', valid=None), 30, None),  # a prediction from a file: judged by its date
    (info_license('2026-11-01', valid=None), 0, EXPIRED),
    (None, 0, INVALID),
    ({}, 30, INVALID),
])
def test_license_problem(data, min_days, problem):
    summary, found = license_problem(data, min_days, today=TODAY)
    assert found == problem
    assert summary == license_summary(data, today=TODAY)


def test_is_perpetual():
    assert is_perpetual(info_license(None), today=TODAY) is True
    assert is_perpetual(info_license(None, valid=False), today=TODAY) is False
    assert is_perpetual(info_license('2027-11-29'), today=TODAY) is False
    assert is_perpetual(info_license('unreadable'), today=TODAY) is False
    assert is_perpetual(None, today=TODAY) is False


def test_reported_expiration():
    assert reported_expiration(info_license('2027-11-29')) == '2027-11-29'
    assert reported_expiration(info_license(' ')) is None
    assert reported_expiration(info_license(None)) is None
    assert reported_expiration({'file': 'x'}) is None
    assert reported_expiration('x') is None


def test_shown_value_is_bounded():
    assert shown_value('2027') == "'2027'"
    assert shown_value('y' * 100) == "'" + 'y' * 36 + '...'


# -- the text of a license file -----------------------------------------------------------

def test_license_file_text():
    assert license_file_text(b'  LICENSE\n', '/x/cw.lic') == '  LICENSE\n'
    assert read_license_file('caf\xe9'.encode('utf-8'), 'p') == ('caf\xe9', None)


@pytest.mark.parametrize('raw, words', [
    (b'', 'is empty'),
    (b' \n\t', 'is empty'),
    (b'\x89PNG\r\n\x1a\n\x00\xff\xfe', 'is not UTF-8 text'),
    (None, 'could not be read as bytes'),
    (u'text', 'could not be read as bytes'),
])
def test_bad_license_files(raw, words):
    text, problem = read_license_file(raw, '/x/cw.lic')
    assert text is None and problem.startswith('src: license file /x/cw.lic %s' % words)
    with pytest.raises(ConnectwareError) as caught:
        license_file_text(raw, '/x/cw.lic')
    assert caught.value.kind == 'config' and caught.value.message == problem
