# -*- coding: utf-8 -*-
# Copyright: (c) 2026, iiot.connectware contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""connectware_license's logic, branch by branch, with a scripted client and a fixed date.

A few tests at the end run the module's main() in-process against the simulator, in both of
its answer shapes.
"""

import base64
import datetime
import json
import os
import sys

import pytest

from ansible_collections.iiot.connectware.plugins.module_utils._client import ConnectwareError
from ansible_collections.iiot.connectware.plugins.module_utils._health import judge_license
from ansible_collections.iiot.connectware.plugins.modules import connectware_license
from ansible_collections.iiot.connectware.plugins.module_utils._runner_license import ConnectwareLicense
from connectware_sim import Instance, make_license_jwt
from connectware_sim.state import iso_date

sys.path.insert(0, os.path.join(os.path.dirname(__file__), '..', '..'))
from module_runner import run_module  # noqa: E402  pylint: disable=wrong-import-position

TODAY = datetime.date(2026, 11, 29)
INFO = ('GET', '/api/system/info')
PUT = ('PUT', '/api/system/licensefile')
REFRESH = ('GET', '/api/system/refresh')
ALL_FIELDS = ['name', 'id', 'account', 'license_class', 'expiration', 'valid', 'days_left']
UNKNOWN_TEXT = '(unknown until Connectware reads the file)'
OPAQUE = 'OPAQUE-LICENSE-TEXT-0815'


def day(offset):
    return (TODAY + datetime.timedelta(days=offset)).isoformat()


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b'=').decode()


def jwt(**claims):
    return '%s.%s.%s' % (b64url(b'{"alg":"RS256"}'), b64url(json.dumps(claims).encode()), b64url(b'signature'))


def license_data(license_id='lic-old', expiration=None, valid=True, name='Connectware Production', account='acme',
                 license_class='Production', days=365):
    file_data = {'id': license_id, 'associatedAccount': account, 'connectwareLicenseClass': license_class}
    if expiration is None and days is not None:
        expiration = day(days)
    if expiration is not None:
        file_data['expiration'] = expiration
    data = {'name': name, 'file': file_data}
    if valid is not None:
        data['valid'] = valid
    return data


def info(**kwargs):
    """An answer of GET /api/system/info."""
    return {'time': 't', 'version': '1.7.2', 'license': license_data(**kwargs)}


def sparse(name='Connectware Production'):
    """An answer of PUT licensefile / GET refresh exactly as the API reference documents it."""
    return {'time': 't', 'version': '1.7.2', 'license': {'name': name, 'file': {}}}


def summary(license_id='lic-old', days=365, valid=True, name='Connectware Production', account='acme',
            license_class='Production'):
    return {'name': name, 'id': license_id, 'account': account, 'license_class': license_class,
            'expiration': day(days) if days is not None else None, 'valid': valid,
            'days_left': days}


NEW_FILE = jwt(id='lic-new', expiration=day(400), associatedAccount='acme', connectwareLicenseClass='Production')


class FakeClient(object):
    """Answers each (method, path) from a script, in order; an exception in the script is raised."""

    def __init__(self, **script):
        self.script = dict((key, list(value)) for key, value in script.items())
        self.calls = []
        self.secrets = []
        self.sent = None

    def _answer(self, method, path):
        self.calls.append((method, path))
        key = {INFO: 'info', PUT: 'put', REFRESH: 'refresh'}[(method, path)]
        queue = self.script.get(key)
        assert queue, 'unexpected request %s %s' % (method, path)
        answer = queue.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    def get(self, path, params=None):
        return self._answer('GET', path)

    def put(self, path, body):
        assert set(body) == {'payload'}
        self.sent = body['payload']
        return self._answer('PUT', path)

    def add_secret(self, text):
        self.secrets.append(text)

    def unused(self):
        return dict((key, value) for key, value in self.script.items() if value)


class Failed(Exception):
    def __init__(self, error):
        super(Failed, self).__init__(error.message)
        self.error = error
        self.result = error.result or {}


class FakeTask(object):
    """What the runner gets (a Task), with its parameters and a scripted client."""

    def __init__(self, client, check_mode=False, diff_mode=False, **params):
        self.params = dict(state='present', src=None, content=None, force=False, allow_downgrade=False,
                           min_days_left=0)
        self.params.update(params)
        self.client = client
        self.check_mode = check_mode
        self.diff_mode = diff_mode
        self.warnings = []

    def warn(self, message):
        self.warnings.append(message)

    def add_secret(self, text):
        self.client.add_secret(text)


def run(client, **kwargs):
    """The result of a run that succeeds."""
    return run_with_glue(client, **kwargs)[0]


def run_with_glue(client, **kwargs):
    """The result of a run that succeeds, and the task it ran with (its warnings)."""
    task = FakeTask(client, **kwargs)
    return ConnectwareLicense(task, today=TODAY).run(), task


def run_failing(client, **kwargs):
    """The failure (error and result fields) of a run that fails."""
    task = FakeTask(client, **kwargs)
    with pytest.raises(ConnectwareError) as caught:
        ConnectwareLicense(task, today=TODAY).run()
    return Failed(caught.value)


# -- unchanged -----------------------------------------------------------------------------

def test_installed_file_sends_nothing_and_costs_one_request():
    client = FakeClient(info=[info(license_id='lic-new', days=400)])
    result, connectware = run_with_glue(client, content=NEW_FILE + '\n\n')
    assert client.calls == [INFO]
    assert result['changed'] is False and result['uploaded'] is False and result['refreshed'] is False
    assert result['license'] == result['previous_license'] == summary('lic-new', 400)
    assert result['unknown'] == []
    assert result['file_identity'] == {'id': 'lic-new', 'expiration': day(400), 'account': 'acme',
                                       'license_class': 'Production', 'name': None}
    # The text (without its trailing white space, as it would be sent) is a secret of the client and the module.
    assert client.secrets == [NEW_FILE]
    assert 'diff' not in result


def test_file_without_expiration_matches_by_id():
    client = FakeClient(info=[info(license_id='lic-new', days=400)])
    result = run(client, content=jwt(id='lic-new'))
    assert client.calls == [INFO] and result['changed'] is False


def test_same_id_other_expiration_is_uploaded():
    client = FakeClient(info=[info(license_id='lic-new', days=300)], put=[info(license_id='lic-new', days=400)])
    result = run(client, content=NEW_FILE)
    assert client.calls == [INFO, PUT]
    assert result['changed'] is True and result['license'] == summary('lic-new', 400)


# -- uploads and the answers they get ------------------------------------------------------

def test_upload_with_full_answer_reads_it():
    client = FakeClient(info=[info()], put=[info(license_id='lic-new', days=400)])
    result = run(client, content=NEW_FILE, diff_mode=True)
    assert client.calls == [INFO, PUT]
    assert client.sent == NEW_FILE
    assert result['changed'] is True and result['uploaded'] is True
    assert result['previous_license'] == summary()
    assert result['license'] == summary('lic-new', 400)
    assert result['unknown'] == []
    assert result['diff'] == {'before': summary(), 'after': summary('lic-new', 400),
                              'before_header': 'license before', 'after_header': 'license after'}


@pytest.mark.parametrize('answer', [
    sparse(),
    {'license': {'name': 'Connectware Production', 'file': {'id': 'lic-new'}}},         # no validity
    {'license': {'name': 'Connectware Production', 'file': {}, 'valid': True}},          # no identity
    {'license': {'name': 'x', 'file': {'id': 'lic-new'}, 'valid': 'yes'}},               # validity not a boolean
    {}, None, 'accepted', [],
])
def test_upload_with_sparse_answer_reads_info_once_more(answer):
    client = FakeClient(info=[info(), info(license_id='lic-new', days=400)], put=[answer])
    result = run(client, content=NEW_FILE)
    assert client.calls == [INFO, PUT, INFO]
    assert result['changed'] is True and result['uploaded'] is True
    assert result['license'] == summary('lic-new', 400)


@pytest.mark.parametrize('put_answer, calls', [
    (info(license_id='lic-new', days=400), [INFO, PUT]),
    (sparse(), [INFO, PUT, INFO]),
])
def test_forced_upload_of_the_installed_license_is_no_change(put_answer, calls):
    client = FakeClient(info=[info(license_id='lic-new', days=400), info(license_id='lic-new', days=400)],
                        put=[put_answer])
    result = run(client, content=NEW_FILE, force=True)
    assert client.calls == calls
    assert result['uploaded'] is True and result['changed'] is False


def test_forced_upload_in_check_mode_predicts_no_change():
    client = FakeClient(info=[info(license_id='lic-new', days=400)])
    result = run(client, content=NEW_FILE, force=True, check_mode=True, diff_mode=True)
    assert client.calls == [INFO]
    assert result['changed'] is False and result['uploaded'] is False and result['unknown'] == []
    assert result['diff']['after'] == result['diff']['before']


def test_upload_that_changes_validity_is_a_change():
    client = FakeClient(info=[info(license_id='lic-new', days=400, valid=False)],
                        put=[info(license_id='lic-new', days=400)])
    result = run(client, content=jwt(id='lic-new', expiration=day(400)), force=True)
    assert result['changed'] is True and result['license']['valid'] is True


@pytest.mark.parametrize('after, changed', [
    (info(license_id='lic-opaque', days=500), True),
    (info(), False),                                    # accepted, and nothing observable changed
])
def test_opaque_file_changed_is_decided_by_before_and_after(after, changed):
    client = FakeClient(info=[info(), after], put=[sparse()])
    result = run(client, content=OPAQUE)
    assert client.calls == [INFO, PUT, INFO]
    assert result['file_identity'] is None
    assert result['uploaded'] is True and result['changed'] is changed


@pytest.mark.parametrize('status, words', [
    (400, '. Connectware keeps license lic-old (expires %s)' % day(365)),
    (413, '. Connectware keeps license lic-old'),
    (503, '. Before the upload Connectware reported license lic-old (expires %s); run the task again' % day(365)),
    (None, '. Before the upload Connectware reported license lic-old'),
    (429, '. Before the upload Connectware reported license lic-old'),
])
def test_upload_failure_says_what_connectware_has(status, words):
    error = ConnectwareError('Connectware at u answered HTTP %s for PUT /api/system/licensefile' % status,
                             status=status, kind='connection' if status is None else 'http')
    client = FakeClient(info=[info()], put=[error])
    failed = run_failing(client, content=NEW_FILE)
    assert words in failed.error.message
    assert failed.result == {'previous_license': summary(), 'file_identity': failed.result['file_identity'],
                             'uploaded': False, 'changed': False}
    assert failed.result['file_identity']['id'] == 'lic-new'


@pytest.mark.parametrize('content, changed', [(NEW_FILE, True), (OPAQUE, True)])
def test_reading_the_license_after_an_accepted_upload_fails(content, changed):
    client = FakeClient(info=[info(), ConnectwareError('timed out', kind='timeout')], put=[sparse()])
    failed = run_failing(client, content=content)
    assert failed.error.message == ('timed out. Connectware had accepted the license file; run the task again to read '
                                    'the license it installed')
    assert failed.result['uploaded'] is True and failed.result['changed'] is changed
    assert 'license' not in failed.result


def test_reading_after_a_forced_upload_of_the_installed_license_fails_unchanged():
    client = FakeClient(info=[info(license_id='lic-new', days=400), ConnectwareError('timed out', kind='timeout')],
                        put=[sparse()])
    failed = run_failing(client, content=NEW_FILE, force=True)
    assert failed.result['uploaded'] is True and failed.result['changed'] is False


def test_first_read_failure_is_raised_as_is():
    client = FakeClient(info=[ConnectwareError('HTTP 401', kind='auth', status=401)])
    failed = run_failing(client, content=NEW_FILE)
    assert failed.error.kind == 'auth' and failed.result == {}
    assert client.calls == [INFO]


# -- check mode ----------------------------------------------------------------------------

def test_check_mode_predicts_what_the_file_reveals():
    client = FakeClient(info=[info()])
    result = run(client, content=NEW_FILE, check_mode=True, diff_mode=True)
    assert client.calls == [INFO]
    assert result['changed'] is True and result['uploaded'] is False
    assert result['license'] == {'name': None, 'id': 'lic-new', 'account': 'acme', 'license_class': 'Production',
                                 'expiration': day(400), 'valid': None, 'days_left': 400}
    assert result['unknown'] == ['name', 'valid']
    assert result['diff']['after'] == dict(result['license'], name=UNKNOWN_TEXT, valid=UNKNOWN_TEXT)
    assert result['diff']['before'] == summary()
    assert None not in result['diff']['after'].values()


def test_check_mode_knows_the_name_when_the_file_has_it():
    content = jwt(jti='lic-n', exp=1830297600, name='Connectware Plant', associatedAccount='acme')
    client = FakeClient(info=[info()])
    result = run(client, content=content, check_mode=True)
    assert result['license']['name'] == 'Connectware Plant' and result['license']['expiration'] == '2028-01-01'
    assert result['license']['account'] == 'acme'
    assert result['unknown'] == ['license_class', 'valid']


def test_check_mode_without_expiration_in_the_file_judges_nothing():
    client = FakeClient(info=[info()])
    result = run(client, content=jwt(id='lic-new'), check_mode=True, min_days_left=30, diff_mode=True)
    assert result['changed'] is True
    assert result['unknown'] == ['name', 'account', 'license_class', 'expiration', 'valid', 'days_left']
    assert result['license']['id'] == 'lic-new'
    assert result['diff']['after']['expiration'] == UNKNOWN_TEXT


def test_check_mode_with_an_opaque_file_knows_nothing_and_warns():
    client = FakeClient(info=[info()])
    result, connectware = run_with_glue(client, content=OPAQUE, check_mode=True, diff_mode=True, min_days_left=30)
    assert client.calls == [INFO]
    assert result['changed'] is True and result['file_identity'] is None
    assert result['unknown'] == ALL_FIELDS
    assert result['license'] == dict((field, None) for field in ALL_FIELDS)
    assert set(result['diff']['after'].values()) == {UNKNOWN_TEXT}
    assert connectware.warnings == ['the license file does not reveal its id, so check mode cannot tell whether it is '
                                    'installed already: reporting changed']


@pytest.mark.parametrize('days, minimum, message', [
    (-3, 0, 'Check mode: the license file is license lic-bad (expires %s) expired: install a valid license file'
     % day(-3)),
    (5, 14, 'Check mode: the license file is license lic-bad (expires %s), 5 days left, fewer than min_days_left=14: '
     'install a license that runs longer' % day(5)),
])
def test_check_mode_fails_as_the_real_run_would(days, minimum, message):
    client = FakeClient(info=[info(valid=False)])
    failed = run_failing(client, content=jwt(id='lic-bad', expiration=day(days)), check_mode=True,
                         min_days_left=minimum)
    assert failed.error.message == message and failed.error.kind == 'config'
    assert failed.result['changed'] is True and failed.result['uploaded'] is False
    assert client.calls == [INFO]


def test_expired_file_is_known_invalid_in_check_mode():
    client = FakeClient(info=[info(valid=False)])
    failed = run_failing(client, content=jwt(id='lic-bad', expiration=day(-3)), check_mode=True)
    assert failed.result['license']['valid'] is False and 'valid' not in failed.result['unknown']


# -- downgrades ----------------------------------------------------------------------------

STALE_FILE = jwt(id='lic-stale', expiration=day(200))


@pytest.mark.parametrize('check_mode', [False, True])
@pytest.mark.parametrize('force', [False, True])
def test_downgrade_is_refused_before_any_upload(check_mode, force):
    client = FakeClient(info=[info()])
    failed = run_failing(client, content=STALE_FILE, check_mode=check_mode, force=force)
    assert failed.error.message == (
        'The license file holds license lic-stale, which expires on %s, earlier than the installed license lic-old, '
        'which expires on %s: nothing was uploaded. Set allow_downgrade=true to install it anyway, or give a license '
        'file that runs longer' % (day(200), day(365)))
    assert failed.error.kind == 'config'
    assert client.calls == [INFO]
    assert failed.result['changed'] is False and failed.result['uploaded'] is False
    assert failed.result['license'] == summary()


def test_replacing_a_perpetual_license_by_one_that_expires_is_a_downgrade():
    client = FakeClient(info=[info(days=None)])
    failed = run_failing(client, content=STALE_FILE)
    assert 'earlier than the installed license lic-old, which does not expire: nothing was uploaded' in \
        failed.error.message
    assert client.calls == [INFO]


def test_allow_downgrade_installs_it():
    client = FakeClient(info=[info(), info(license_id='lic-stale', days=200)], put=[sparse()])
    result = run(client, content=STALE_FILE, allow_downgrade=True)
    assert client.calls == [INFO, PUT, INFO]
    assert result['changed'] is True and result['license'] == summary('lic-stale', 200)


def test_allow_downgrade_in_check_mode_predicts_it():
    client = FakeClient(info=[info()])
    result = run(client, content=STALE_FILE, allow_downgrade=True, check_mode=True)
    assert result['changed'] is True and result['license']['id'] == 'lic-stale'


@pytest.mark.parametrize('installed, content', [
    (info(valid=False), STALE_FILE),                       # the installed license is invalid: not protected
    (info(days=-10, valid=False), STALE_FILE),             # nor an expired one
    (info(), jwt(id='lic-stale')),                         # the file does not reveal its expiration
    (info(), OPAQUE),                                      # an opaque file
    (info(expiration='someday'), STALE_FILE),              # the installed expiration cannot be read
    (info(), jwt(id='lic-later', expiration=day(365))),    # the same day is no downgrade
])
def test_not_a_downgrade(installed, content):
    client = FakeClient(info=[installed, info(license_id='lic-after', days=500)], put=[sparse()])
    result = run(client, content=content)
    assert client.calls == [INFO, PUT, INFO]
    assert result['uploaded'] is True


# -- the minimum of days left, after an upload or without one --------------------------------

@pytest.mark.parametrize('after, minimum, message', [
    (info(license_id='lic-new', days=10), 30,
     'Connectware accepted the license file but reports license lic-new (expires %s), 10 days left, fewer than '
     'min_days_left=30: install a license that runs longer' % day(10)),
    (info(license_id='lic-new', days=400, valid=False), 0,
     'Connectware accepted the license file but reports license lic-new (expires %s) invalid: install a valid '
     'license file' % day(400)),
    (info(license_id='lic-new', days=-1, valid=True), 0,
     'Connectware accepted the license file but reports license lic-new (expires %s) expired: install a valid '
     'license file' % day(-1)),
    (info(license_id='lic-new', expiration='in a while'), 1,
     "Connectware accepted the license file but reports license lic-new (expires never/unknown) with an expiration "
     "reported as 'in a while', which is not a date, so min_days_left=1 cannot be checked"),
])
def test_min_days_after_an_upload(after, minimum, message):
    client = FakeClient(info=[info(valid=False), after], put=[sparse()])
    failed = run_failing(client, content=OPAQUE, min_days_left=minimum)
    assert failed.error.message == message and failed.error.kind == 'config'
    assert failed.result['uploaded'] is True and failed.result['changed'] is True


@pytest.mark.parametrize('minimum', [0, 1, 100000])
def test_perpetual_license_satisfies_any_minimum(minimum):
    client = FakeClient(info=[info(days=None), info(license_id='lic-forever', days=None)], put=[sparse()])
    result = run(client, content=OPAQUE, min_days_left=minimum)
    assert result['license']['expiration'] is None and result['license']['valid'] is True


def test_installed_license_too_short_fails_without_upload():
    client = FakeClient(info=[info(license_id='lic-new', days=10)])
    failed = run_failing(client, content=jwt(id='lic-new', expiration=day(10)), min_days_left=30)
    assert failed.error.message == ('Connectware reports license lic-new (expires %s), 10 days left, fewer than '
                                    'min_days_left=30: install a license that runs longer' % day(10))
    assert failed.result['changed'] is False and failed.result['uploaded'] is False
    assert client.calls == [INFO]


# One rule, in both modules' terms: (license object, minimum) -> passes?
RULE_CASES = [
    (license_data(days=30), 30, True),
    (license_data(days=29), 30, False),
    (license_data(days=0), 0, True),
    (license_data(days=-1), 0, False),
    (license_data(days=400, valid=False), 0, False),
    (license_data(days=None), 0, True),
    (license_data(days=None), 36500, True),
    (license_data(days=None, valid=False), 0, False),
    (license_data(expiration='soon'), 0, True),
    (license_data(expiration='soon'), 7, False),
    (license_data(expiration=''), 7, True),
]


@pytest.mark.parametrize('data, minimum, passes', RULE_CASES)
def test_one_min_days_rule_for_both_modules(data, minimum, passes):
    answer = {'time': 't', 'version': '1.7.2', 'license': data}
    assert (judge_license(answer, minimum, today=TODAY)[1] == []) is passes
    identity_file = jwt(id=data['file']['id'])          # installed already: no upload, the rule alone decides
    client = FakeClient(info=[answer])
    runner = ConnectwareLicense(FakeTask(client, content=identity_file, min_days_left=minimum), today=TODAY)
    if passes:
        assert runner.run()['changed'] is False
    else:
        with pytest.raises(ConnectwareError):
            runner.run()


# -- refresh -------------------------------------------------------------------------------

@pytest.mark.parametrize('answer, calls', [
    (info(license_id='lic-portal', days=500), [INFO, REFRESH]),
    (sparse(), [INFO, REFRESH, INFO]),
])
def test_refresh(answer, calls):
    client = FakeClient(info=[info(), info(license_id='lic-portal', days=500)], refresh=[answer])
    result = run(client, state='refreshed', diff_mode=True)
    assert client.calls == calls
    assert result['refreshed'] is True and result['changed'] is True and result['uploaded'] is False
    assert result['license'] == summary('lic-portal', 500)
    assert result['diff']['after'] == summary('lic-portal', 500)
    assert 'file_identity' not in result


@pytest.mark.parametrize('answer', [info(), sparse()])
def test_refresh_without_change(answer):
    client = FakeClient(info=[info(), info()], refresh=[answer])
    result = run(client, state='refreshed')
    assert result['refreshed'] is True and result['changed'] is False


def test_refresh_in_check_mode_knows_nothing():
    client = FakeClient(info=[info()])
    result, connectware = run_with_glue(client, state='refreshed', check_mode=True, diff_mode=True, min_days_left=10000)
    assert client.calls == [INFO]
    assert result['changed'] is False and result['refreshed'] is False
    assert result['unknown'] == ALL_FIELDS
    assert set(result['diff']['after'].values()) == {'(unknown until Connectware asks the Cybus portal)'}
    assert connectware.warnings and 'cannot be known' in connectware.warnings[0]


def test_refresh_failure_names_the_portal():
    client = FakeClient(info=[info()], refresh=[ConnectwareError('HTTP 400', status=400)])
    failed = run_failing(client, state='refreshed')
    assert failed.error.message.startswith('HTTP 400. Connectware refreshes its license from the Cybus portal')
    assert failed.result == {'previous_license': summary(), 'uploaded': False, 'refreshed': False, 'changed': False}


def test_refresh_then_reading_fails():
    client = FakeClient(info=[info(), ConnectwareError('HTTP 503', status=503)], refresh=[sparse()])
    failed = run_failing(client, state='refreshed')
    assert failed.error.message == 'HTTP 503. Connectware had refreshed the license; run the task again to read it'
    assert failed.result['refreshed'] is True


def test_refreshed_license_too_short_fails():
    client = FakeClient(info=[info(), info(days=3)], refresh=[sparse()])
    failed = run_failing(client, state='refreshed', min_days_left=7)
    assert failed.error.message.startswith('Connectware reports license lic-old (expires %s), 3 days left' % day(3))
    assert failed.result['refreshed'] is True and failed.result['changed'] is True


@pytest.mark.parametrize('extra', [{'content': OPAQUE}, {'src': '/nowhere.lic'}])
def test_refresh_with_a_file_fails_before_any_request(extra):
    client = FakeClient()
    failed = run_failing(client, state='refreshed', **extra)
    assert failed.error.message.startswith('src and content are only for state=present')
    assert client.calls == []


# -- the license text ----------------------------------------------------------------------

@pytest.mark.parametrize('content', ['', '   ', '\n\t\n'])
def test_empty_content_fails_before_any_request(content):
    client = FakeClient()
    failed = run_failing(client, content=content)
    assert failed.error.message == 'content: the license is empty: give the text of the license file'
    assert client.calls == [] and client.secrets == []


def test_src_without_the_action_plugin(tmp_path):
    path = tmp_path / 'cw.lic'
    path.write_bytes(NEW_FILE.encode() + b'\r\n')
    client = FakeClient(info=[info(license_id='lic-new', days=400)])
    result = run(client, src=str(path))
    assert result['changed'] is False and client.secrets == [NEW_FILE]


@pytest.mark.parametrize('data, words', [
    (None, 'src: cannot read license file'),
    (b'', 'src: license file %s is empty'),
    (b'\xff\xfe\x00binary', 'src: license file %s is not UTF-8 text'),
])
def test_bad_src_without_the_action_plugin(tmp_path, data, words):
    path = tmp_path / 'cw.lic'
    if data is not None:
        path.write_bytes(data)
    client = FakeClient()
    failed = run_failing(client, src=str(path))
    assert failed.error.message.startswith(words.replace('%s', str(path)))
    assert failed.error.kind == 'config'
    assert client.calls == []


# -- main() in-process, against the simulator in both answer shapes ------------------------

@pytest.fixture(params=['full', 'documented'])
def host(request):
    instance = Instance('cw-unit', {'api_shapes': request.param}).start()
    yield instance
    instance.stop()


def module_args(host, **extra):
    args = dict(url=host.url, token=host.admin_token, retries=0)
    args.update(extra)
    return args


def test_main_upload_then_unchanged(host):
    content = make_license_jwt('lic-main', expiration=iso_date(500))
    failed, result = run_module(connectware_license.main, module_args(host, content=content))
    assert not failed, result
    assert result['changed'] is True and result['license']['id'] == 'lic-main' and result['license']['valid'] is True
    read_back = [('GET', '/api/system/info')] if host.state['api_shapes'] == 'documented' else []
    assert [(entry['method'], entry['path']) for entry in host.request_log()] == [INFO, PUT] + read_back
    assert content not in json.dumps(result)

    host.clear_requests()
    failed, result = run_module(connectware_license.main, module_args(host, content=content))
    assert not failed and result['changed'] is False
    assert host.count() == 1


def test_main_refuses_a_downgrade_and_allows_it(host):
    content = make_license_jwt('lic-stale', expiration=iso_date(100))
    failed, result = run_module(connectware_license.main, module_args(host, content=content), check_mode=True)
    assert failed and 'Set allow_downgrade=true' in result['msg']
    failed, result = run_module(connectware_license.main, module_args(host, content=content))
    assert failed and 'Set allow_downgrade=true' in result['msg']
    assert host.count('PUT', '/api/system/licensefile') == 0
    failed, result = run_module(connectware_license.main, module_args(host, content=content, allow_downgrade=True))
    assert not failed and result['changed'] is True and result['license']['id'] == 'lic-stale'
    assert host.count('PUT', '/api/system/licensefile') == 1


def test_main_allow_downgrade_must_be_a_boolean(host):
    failed, result = run_module(connectware_license.main, module_args(host, content=OPAQUE, allow_downgrade='perhaps'))
    assert failed and 'allow_downgrade' in result['msg']
    assert host.request_log() == []
