# -*- coding: utf-8 -*-
# Copyright: (c) 2026, iiot.connectware contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""connectware_health_check's messages as the task shows them, against a real (simulated) Connectware:
"cannot check" when the host cannot be read (401, 403, TLS, configuration) rather than "unhealthy", and
waiting ends at once, saying so, when only failures that waiting cannot mend remain (those, or an expired
or invalid license). The runner never sleeps here: a sleep would fail the test at once."""

import datetime

import pytest

from ansible_collections.iiot.connectware.plugins.module_utils import _module
from ansible_collections.iiot.connectware.plugins.plugin_utils._in_process import run_in_process
from ansible_collections.iiot.connectware.plugins.module_utils._runner_health_check import HealthCheck
from ansible_collections.iiot.connectware.plugins.modules import connectware_health_check
from connectware_sim import Instance
from connectware_sim.state import today as simulator_today
from connectware_sim.tls import TLSMaterial

GAVE_UP = '(waiting cannot mend this: gave up after 1 attempt(s))'


def never_sleep(seconds):
    raise AssertionError('the health check waited %ss although waiting cannot mend the failure' % seconds)


def check(instance, **args):
    """The task's result, waiting up to a minute unless told otherwise (it must not wait at all)."""
    module_args = dict(url=instance.url, token=instance.admin_token, retries=0, timeout=10, wait_timeout=60,
                       wait_interval=5)
    if instance.tls is not None:
        module_args['ca_path'] = instance.tls.ca_path
    module_args.update(args)
    module_args = dict((name, value) for name, value in module_args.items() if value is not None)
    return run_in_process(lambda task: HealthCheck(task, sleep=never_sleep).run(), module_args,
                          module_name='connectware_health_check', **connectware_health_check.OPTIONS)


@pytest.fixture(scope='module')
def tls(tmp_path_factory):
    return TLSMaterial(str(tmp_path_factory.mktemp('tls')))


@pytest.fixture(scope='module')
def server(tls):
    scenario = {'users': {'nobody': {'password': 'nobody-password', 'permissions': []}}}
    instance = Instance('cw-messages', scenario, tls=tls).start()
    yield instance
    instance.stop()


def assert_cannot_check(result, instance, kind):
    assert result['failed'] is True and result['api_error']['kind'] == kind, result
    assert result['msg'].startswith('Cannot check Connectware at %s %s: ' % (instance.url, GAVE_UP)), result['msg']
    assert 'unhealthy' not in result['msg'] and 'still, after' not in result['msg']
    assert result['attempts'] == 1 and result['healthy'] is False


def test_a_rejected_token_cannot_check(server):
    result = check(server, token='not-a-valid-token')
    assert_cannot_check(result, server, 'auth')
    assert result['api_error']['status'] == 401


def test_a_missing_permission_cannot_check(server):
    result = check(server, token=None, username='nobody', password='nobody-password', checks=['vrpc'])
    assert_cannot_check(result, server, 'permission')
    assert result['api_error']['status'] == 403
    assert 'nobody-password' not in str(result)


def test_an_untrusted_certificate_cannot_check(server, tls):
    result = check(server, ca_path=tls.other_ca_path)
    assert_cannot_check(result, server, 'tls')
    assert 'TLS: the certificate is not signed by a trusted CA' in result['msg']
    assert "Check that ca_path (%s) is Connectware's CA" % tls.other_ca_path in result['msg']


def test_plain_http_against_the_https_port_cannot_check(server):
    url = server.url.replace('https://', 'http://')
    result = check(server, url=url, ca_path=None)
    assert result['failed'] is True and result['api_error']['kind'] == 'config', result
    assert result['msg'].startswith('Cannot check Connectware at %s %s: ' % (url, GAVE_UP))
    assert 'Write url as %s' % server.url in result['msg']


def test_a_configuration_error_is_neither_unhealthy_nor_waited_for(server):
    requests_before = len(server.request_log())
    result = check(server, url='cw.example:4443')
    assert result['failed'] is True and result['api_error']['kind'] == 'config'
    assert result['msg'] == "url 'cw.example:4443' has no http(s) scheme and host: write it as https://cw.example:4443"
    assert 'unhealthy' not in result['msg']
    assert len(server.request_log()) == requests_before


@pytest.mark.parametrize('preset, words', [
    ('license_expired', ', %d days ago'),
    ('license_invalid', 'invalid'),
])
def test_an_expired_or_invalid_license_ends_the_wait_at_once(preset, words):
    instance = Instance('cw-' + preset.replace('_', '-'), {'preset': preset}).start()
    try:
        result = check(instance, checks=['health', 'license'])
    finally:
        instance.stop()
    assert result['failed'] is True and result['api_error']['kind'] == 'unhealthy'
    assert result['msg'].startswith('Connectware at %s is unhealthy %s: license ' % (instance.url, GAVE_UP)), \
        result['msg']
    # The module reads the real date, the simulator's is frozen: days later when midnight passed meanwhile.
    passed = (datetime.date.today() - simulator_today()).days
    accepted = [words % (5 + days) for days in range(passed + 1)] if '%d' in words else [words]
    assert any(text in result['msg'] for text in accepted), result['msg']
    assert result['attempts'] == 1 and result['checks']['health']['ok'] is True


class Waited(Exception):
    pass


def test_a_failure_that_may_pass_is_waited_for():
    # The opposite case: a stopped service may come back, so the check wants to look again.
    instance = Instance('cw-heals', {'preset': 'service_down'}).start()
    slept = []

    def sleep(seconds):
        slept.append(seconds)
        raise Waited()

    try:
        with pytest.raises(Waited):
            run_in_process(lambda task: HealthCheck(task, sleep=sleep).run(),
                           dict(url=instance.url, token=instance.admin_token, retries=0, checks=['health', 'license'],
                                wait_timeout=60, wait_interval=5),
                           module_name='connectware_health_check', **connectware_health_check.OPTIONS)
    finally:
        instance.stop()
    assert slept == [5]


def test_the_missing_requests_message_says_how_to_use_ansibles_own_python(monkeypatch):
    failures = []

    class FakeModule(object):
        params = {}

        def __init__(self, **kwargs):
            pass

        def fail_json(self, **kwargs):
            failures.append(kwargs)
            raise SystemExit(1)

    monkeypatch.setattr(_module, 'AnsibleModule', FakeModule)
    monkeypatch.setattr(_module, 'HAS_REQUESTS', False)
    with pytest.raises(SystemExit):
        _module.run_module(lambda task: {}, **connectware_health_check.OPTIONS)
    assert len(failures) == 1
    message = failures[0]['msg']
    assert 'requests' in message
    assert 'ansible_python_interpreter: "{{ ansible_playbook_python }}"' in message
    assert 'virtualenv' in message and 'localhost' in message
