# -*- coding: utf-8 -*-
# Copyright: (c) 2026, iiot.connectware contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Property-based tests: whatever a server or a license file holds, parsing never crashes."""

import base64
import json

from hypothesis import HealthCheck, example, given, settings, strategies as st

from ansible_collections.iiot.connectware.plugins.module_utils._client import (
    ConnectwareClient,
    ConnectwareError,
    parse_base_url,
    parse_retry_after,
)
from ansible_collections.iiot.connectware.plugins.module_utils._health import (
    judge_health,
    judge_license,
    judge_preflight,
    judge_vrpc,
)
from ansible_collections.iiot.connectware.plugins.module_utils._license import license_identity, license_summary

SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4),
    max_leaves=20)

# Claims that look like a license's, with arbitrary values.
claim_dicts = st.dictionaries(
    st.sampled_from(['id', 'jti', 'licenseId', 'expiration', 'exp', 'file', 'license', 'name', 'associatedAccount']),
    json_values, max_size=6)


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b'=').decode('ascii')


def check_identity(identity):
    assert identity is None or (isinstance(identity['id'], str) and identity['id'] and
                                (identity['expiration'] is None or isinstance(identity['expiration'], str)))


@SETTINGS
@given(st.binary(max_size=400))
def test_license_identity_of_arbitrary_bytes(data):
    check_identity(license_identity(data.decode('utf-8', errors='surrogateescape')))
    check_identity(license_identity(data.decode('latin-1')))


@SETTINGS
@given(st.text(max_size=400))
def test_license_identity_of_arbitrary_text(text):
    check_identity(license_identity(text))


@SETTINGS
@given(claim_dicts, st.binary(max_size=20))
def test_license_identity_of_arbitrary_jwt_claims(claims, signature):
    token = '%s.%s.%s' % (b64url(b'{"alg":"RS256"}'), b64url(json.dumps(claims).encode()), b64url(signature))
    check_identity(license_identity(token))
    check_identity(license_identity(json.dumps(claims)))
    check_identity(license_identity(b64url(json.dumps(claims).encode())))


@SETTINGS
@given(json_values)
def test_license_summary_of_arbitrary_json(value):
    summary = license_summary(value)
    assert set(summary) == {'name', 'id', 'account', 'license_class', 'expiration', 'valid', 'days_left'}
    assert isinstance(summary['valid'], bool)
    summary = license_summary({'file': value, 'valid': value, 'name': value})
    assert isinstance(summary['valid'], bool)


@SETTINGS
@given(json_values, st.integers(min_value=0, max_value=10000))
def test_judges_of_arbitrary_answers(value, min_days):
    for details, failures in (judge_health(value), judge_vrpc(value, ['online']), judge_license(value, min_days),
                              judge_preflight(value)):
        assert isinstance(details, dict)
        assert all(isinstance(failure, str) for failure in failures)


class OneAnswer(object):
    def __init__(self, status, body, headers):
        self.status_code = status
        self.text = body
        self.headers = headers

    def request(self, method, url, **kwargs):
        return self

    headers = {}


@SETTINGS
@given(st.integers(min_value=100, max_value=599), st.text(max_size=300) | json_values.map(json.dumps),
       st.dictionaries(st.sampled_from(['Content-Type', 'Retry-After']), st.text(max_size=40), max_size=2))
def test_client_response_parsing_never_crashes(status, body, headers):
    session = OneAnswer(status, body, headers)
    session.headers = {}
    client = ConnectwareClient(url='https://cw.example', token='t0ken-value', retries=1, session=session,
                               sleep=lambda seconds: None)
    try:
        client.get('/api/system/info')
    except ConnectwareError as error:
        assert error.message and error.kind in ('http', 'auth', 'permission', 'invalid_response')
        assert 't0ken-value' not in error.message


@SETTINGS
@given(st.text(max_size=200) | st.tuples(st.sampled_from(['http://', 'https://', 'https://[', 'http://u@']),
                                         st.text(max_size=60)).map(''.join))
@example('http://[')
@example('https://[::1')
@example('https://exa mple')
def test_parse_base_url_of_arbitrary_text(text):
    try:
        url = parse_base_url(text)
    except ConnectwareError as error:
        assert error.kind == 'config'
    else:
        assert url.startswith(('http://', 'https://')) and not url.endswith('/')


@SETTINGS
@given(st.text(max_size=60))
def test_parse_retry_after_of_arbitrary_text(text):
    seconds = parse_retry_after(text)
    assert seconds is None or seconds >= 0
