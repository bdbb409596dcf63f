# -*- coding: utf-8 -*-
# Copyright: (c) 2026, iiot.connectware contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Each health rule: status matching, required/ignored services, license days, preflight probes, vRPC."""

import datetime

import pytest

from ansible_collections.iiot.connectware.plugins.module_utils._health import (
    judge_health,
    judge_license,
    judge_preflight,
    judge_vrpc,
)

TODAY = datetime.date(2026, 11, 29)


def health(**statuses):
    return {'system': {'status': [{'name': name, 'status': status, 'uptime': '1h'} for name, status in statuses.items()]}}


def test_all_running_is_healthy():
    details, failures = judge_health(health(broker='running', postgresql='running'))
    assert failures == []
    assert details['judged'] == ['broker', 'postgresql'] and details['unhealthy'] == []


@pytest.mark.parametrize('status', ['exited', 'starting', 'restarting', 'created', 'stopping', '', None])
def test_other_statuses_are_unhealthy(status):
    _details, failures = judge_health(health(broker=status))
    assert failures == ["service broker is '%s'" % status]


def test_status_matching_is_case_insensitive_and_configurable():
    assert judge_health(health(broker='Running'))[1] == []
    assert judge_health(health(broker=' RUNNING '))[1] == []
    assert judge_health(health(broker='up'), healthy_statuses=['Up', 'running'])[1] == []
    assert judge_health(health(broker='running'), healthy_statuses=['up'])[1] == ["service broker is 'running'"]


def test_required_services_only_are_judged_and_must_exist():
    answer = health(broker='running', workbench='exited')
    details, failures = judge_health(answer, services=['broker', 'auth-server'])
    assert failures == ['service auth-server is not reported by Connectware']
    assert details['missing'] == ['auth-server'] and details['judged'] == ['broker', 'auth-server']


def test_ignored_services():
    answer = health(broker='running', workbench='exited')
    assert judge_health(answer, ignore_services=['workbench'])[1] == []
    assert judge_health(answer, services=['workbench'], ignore_services=['workbench'])[1] == []


@pytest.mark.parametrize('answer', [None, {}, {'system': {}}, {'system': {'status': []}}, [], 'x'])
def test_no_services_reported_is_a_failure(answer):
    assert judge_health(answer)[1] == ['Connectware reports no services']


def test_malformed_service_entries_are_skipped():
    answer = {'system': {'status': ['junk', {'name': 'broker', 'status': 'running'}]}}
    assert judge_health(answer)[1] == []


def vrpc(*providers, **agent_status):
    return {'agentStatus': agent_status or {'agentName': 'protocol-mapper', 'status': 'online'},
            'VRPCInterServiceCommunication': [{'agentName': 'protocol-mapper', 'providers': list(providers)}]}


def test_vrpc_reachable_providers_pass():
    assert judge_vrpc(vrpc({'providerName': 'sm', 'reachable': True}))[1] == []


def test_vrpc_unreachable_provider_names_what_it_affects():
    details, failures = judge_vrpc(vrpc({'providerName': 'service-manager', 'reachable': False,
                                         'functionalityAffectedIfFailed': ['Service deployment', 'Agents']},
                                        {'providerName': 'x', 'reachable': None}))
    assert failures == ['vRPC provider service-manager of agent protocol-mapper unreachable (affects: Service deployment, '
                        'Agents)', 'vRPC provider x of agent protocol-mapper unreachable']
    assert details['unreachable'][0] == {'agent': 'protocol-mapper', 'provider': 'service-manager',
                                         'affects': ['Service deployment', 'Agents']}


def test_vrpc_agent_status_judged_only_when_asked():
    answer = vrpc(agentName='protocol-mapper', status='offline')
    assert judge_vrpc(answer)[1] == []
    assert judge_vrpc(answer, ['online'])[1] == ["vRPC agent protocol-mapper is 'offline'"]
    assert judge_vrpc(vrpc(agentName='pm', status='Online'), ['online'])[1] == []


def test_vrpc_malformed_answer_does_not_crash():
    assert judge_vrpc(None)[1] == []
    assert judge_vrpc({'VRPCInterServiceCommunication': ['x', {'providers': 'y'}]})[1] == []


def info(expiration, valid=True, license_id='lic-1'):
    return {'license': {'name': 'L', 'valid': valid, 'file': {'id': license_id, 'expiration': expiration}}}


@pytest.mark.parametrize('expiration, valid, min_days, failures', [
    ('2027-11-29', True, 0, []),
    ('2026-12-13', True, 14, []),                                              # exactly 14 days
    ('2026-12-12', True, 14, ['license lic-1 expires in 13 days (minimum 14)']),
    ('2026-11-30', True, 14, ['license lic-1 expires in 1 day (minimum 14)']),
    ('2026-11-29', True, 0, []),                                               # last day
    ('2026-11-29', True, 1, ['license lic-1 expires in 0 days (minimum 1)']),
    ('2026-11-20', True, 0, ['license lic-1 expired on 2026-11-20, 9 days ago']),
    ('2026-11-20', False, 30, ['license lic-1 expired on 2026-11-20, 9 days ago']),
    ('2027-11-29', False, 0, ['license lic-1 is invalid']),
    (None, True, 0, []),
    (None, True, 7, []),                                                       # perpetual: never runs out
    ('', True, 10000, []),                                                     # empty is no expiration either
    (None, False, 7, ['license lic-1 is invalid']),                            # not valid: no perpetual pass
    ('next year', True, 0, []),                                                # valid, no minimum to check
    ('next year', True, 7, ["license lic-1 has an expiration Connectware reports as 'next year', which is not a "
                            "date, so the minimum of 7 days cannot be checked"]),
])
def test_license_rule(expiration, valid, min_days, failures):
    details, found = judge_license(info(expiration, valid), min_days, today=TODAY)
    assert found == failures
    assert details['min_days'] == min_days and details['license']['id'] == 'lic-1'


def test_license_missing_entirely():
    assert judge_license({}, 0, today=TODAY)[1] == ['license is invalid']


def test_license_without_valid_flag_and_expiration_is_not_perpetual():
    answer = {'license': {'name': 'L', 'file': {'id': 'lic-1'}}}
    assert judge_license(answer, 7, today=TODAY)[1] == ['license lic-1 is invalid']


def test_unreadable_expiration_is_cut_in_the_message():
    details, found = judge_license(info('x' * 500), 1, today=TODAY)
    assert len(found) == 1 and 'x' * 36 + '...' in found[0] and 'x' * 41 not in found[0]
    assert details['license']['days_left'] is None


def preflight(**statuses):
    answer = {}
    for name in ('dockerHub', 'cybusRegistry', 'cybusPortal'):
        ok = statuses.get(name, True)
        answer[name] = {'status': ok, 'statusText': 'OK' if ok else '%s unreachable' % name, 'url': 'https://%s' % name}
    return answer


@pytest.mark.parametrize('probe', ['dockerHub', 'cybusRegistry', 'cybusPortal'])
def test_each_preflight_probe(probe):
    details, failures = judge_preflight(preflight(**{probe: False}))
    assert failures == ['preflight %s failed: %s unreachable' % (probe, probe)]
    assert details['probes'][probe]['status'] is False


@pytest.mark.parametrize('probe', ['dockerHub', 'cybusRegistry', 'cybusPortal'])
def test_preflight_probe_not_required(probe):
    required = [name for name in ('dockerHub', 'cybusRegistry', 'cybusPortal') if name != probe]
    details, failures = judge_preflight(preflight(**{probe: False}), required)
    assert failures == []
    assert details['probes'][probe]['required'] is False


def test_preflight_probe_missing_from_answer():
    assert judge_preflight({}, ['cybusPortal'])[1] == ['preflight cybusPortal failed: no status reported']
