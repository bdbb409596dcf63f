# -*- coding: utf-8 -*-
# Copyright: (c) 2026, iiot.connectware contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Property-based tests: whatever a server or a license file holds, parsing never crashes."""

import base64
import datetime
import email.utils
import json

from hypothesis import HealthCheck, example, given, settings, strategies as st

from ansible_collections.iiot.connectware.plugins.module_utils._client import (
    RETRY_MAX_WAIT,
    RETRY_STATUSES,
    ConnectwareClient,
    ConnectwareError,
    backoff_delay,
    parse_base_url,
    parse_retry_after,
)
from ansible_collections.iiot.connectware.plugins.module_utils._health import (
    judge_health,
    judge_license,
    judge_preflight,
    judge_vrpc,
)
from ansible_collections.iiot.connectware.plugins.module_utils._license import license_summary
from ansible_collections.iiot.connectware.plugins.module_utils._license_file import license_identity
from ansible_collections.iiot.connectware.plugins.module_utils._request_failure import FRAGMENT_ANYWHERE, FRAGMENT_END

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


class RecordingHeaders(dict):
    """Response headers that remember which of them the client read."""

    def __init__(self, *args, **kwargs):
        super(RecordingHeaders, self).__init__(*args, **kwargs)
        self.read = set()

    def get(self, key, default=None):
        self.read.add(key)
        return super(RecordingHeaders, self).get(key, default)


class OneResponse(object):
    def __init__(self, status, body, headers):
        self.status_code = status
        self.body = body
        self.headers = RecordingHeaders(headers)

    def iter_content(self, chunk_size=1):
        for start in range(0, len(self.body), chunk_size):
            yield self.body[start:start + chunk_size]

    def close(self):
        pass


class OneAnswerSession(object):
    """A session (with headers of its own, which the client fills) that gives every request one answer."""

    def __init__(self, response):
        self.response = response
        self.headers = {}
        self.requests = 0

    def request(self, method, url, **kwargs):
        self.requests += 1
        return self.response


TOKEN = 't0ken-value-0123456789'
retry_after_values = (st.integers(min_value=0, max_value=10 ** 12).map(str) |
                      st.floats(allow_nan=True, allow_infinity=True).map(repr) |
                      st.datetimes(timezones=st.just(datetime.timezone.utc)).map(
                          lambda moment: email.utils.format_datetime(moment, usegmt=True)) |
                      st.text(max_size=40))
content_types = st.sampled_from(['application/json', 'application/json; charset=utf-8', 'text/html', 'text/plain',
                                 'application/json; charset=latin-1', 'application/json; charset=no-such-codec',
                                 'text/html; charset="utf-16"']) | st.text(max_size=40)
# Bodies: any text, any JSON, raw bytes, and texts that echo the token whole or cut off.
bodies = (st.text(max_size=300).map(lambda text: text.encode('utf-8', 'surrogatepass')) |
          json_values.map(lambda value: json.dumps(value).encode('utf-8')) |
          st.binary(max_size=300) |
          st.tuples(st.text(max_size=250), st.integers(min_value=1, max_value=len(TOKEN)), st.text(max_size=50)).map(
              lambda parts: (parts[0] + TOKEN[:parts[1]] + parts[2]).encode('utf-8', 'surrogatepass')) |
          st.tuples(st.text(max_size=250), st.text(max_size=50)).map(
              lambda parts: json.dumps({'message': parts[0] + TOKEN + parts[1]}).encode('utf-8')))


@SETTINGS
@given(st.sampled_from([200, 201, 204, 400, 401, 403, 500] + sorted(RETRY_STATUSES)) |
       st.integers(min_value=100, max_value=599), bodies,
       st.fixed_dictionaries({}, optional={'Content-Type': content_types, 'Retry-After': retry_after_values}))
def test_client_response_parsing_never_crashes(status, body, headers):
    response = OneResponse(status, body, headers)
    session = OneAnswerSession(response)
    sleeps = []
    client = ConnectwareClient(url='https://cw.example', token=TOKEN, retries=1, session=session, sleep=sleeps.append,
                               rand=lambda: 0.5)
    try:
        client.get('/api/system/info')
    except ConnectwareError as error:
        assert error.message and error.kind in ('http', 'auth', 'permission', 'invalid_response')
        for shown in (error.message, error.body or ''):
            # No piece of the token of FRAGMENT_ANYWHERE characters anywhere ...
            assert not any(TOKEN[index:index + FRAGMENT_ANYWHERE] in shown for index in range(len(TOKEN) - FRAGMENT_ANYWHERE + 1))
            # ... and no beginning of it of FRAGMENT_END characters or more where an excerpt ends.
            excerpt_end = shown[:-3] if shown.endswith('...') else shown
            assert not any(excerpt_end.endswith(TOKEN[:size]) for size in range(FRAGMENT_END, len(TOKEN) + 1))
        if 200 <= status < 300:
            assert error.kind == 'invalid_response'
            if body.strip():
                assert 'Content-Type' in response.headers.read
    else:
        assert 200 <= status < 300
    assert all(0 <= seconds <= RETRY_MAX_WAIT for seconds in sleeps)
    if status in RETRY_STATUSES:
        # The fuzzed Retry-After reached the retry decision.
        assert 'Retry-After' in response.headers.read
        waited = parse_retry_after(headers.get('Retry-After'))
        if waited is None:
            assert sleeps == [backoff_delay(1, lambda: 0.5)] and session.requests == 2
        elif waited > RETRY_MAX_WAIT:
            assert sleeps == [] and session.requests == 1
        else:
            assert sleeps == [max(waited, backoff_delay(1, lambda: 0.5))] and session.requests == 2


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
