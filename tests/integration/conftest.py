# -*- coding: utf-8 -*-
# Copyright: (c) 2026, iiot.connectware contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fixtures: simulated Connectware fleets for the integration tests.

One set of simulated hosts (and one TLS CA) per test module: a test's ``make_fleet`` call
reuses the module's hosts by name, each reset to the test's scenario (fresh state, no
faults, tokens, logged requests or access log lines), so tests stay independent without
starting servers and making certificates for every test.
"""

import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from connectware_sim import Fleet  # noqa: E402  pylint: disable=wrong-import-position
from connectware_sim.server import Instance, safe_name  # noqa: E402  pylint: disable=wrong-import-position
from connectware_sim.tls import TLSMaterial  # noqa: E402  pylint: disable=wrong-import-position


# What also runs on the oldest supported ansible-core (make integration-oldest): every module's
# main path, check mode and diff, the role, a playbook with its templates, and the secrets test
# (test_no_secret_anywhere) on the in-process path, whose masking is the collection's own. An
# entry is a test's name (all its parameters) or one parametrization, "name[id]". The fault
# matrix, the load test, the module path's masking (AnsibleModule's) and the other playbooks add
# nothing version-specific, so they run once, on the newest, where every test runs.
OLDEST_SUBSET = {
    'test_connectware_health_check.py': ('test_healthy_host_passes_with_one_request_per_endpoint',
                                         'test_each_kind_of_failure_is_reported_with_its_reason'),
    'test_connectware_info.py': ('test_each_subset_alone_makes_exactly_one_request',
                                 'test_check_mode_and_module_defaults'),
    'test_connectware_license.py': ('test_upload_then_idempotent_rerun[documented]', 'test_check_mode_and_diff',
                                    'test_vault_encrypted_src'),
    'test_connectware_marketplace_app.py': ('test_by_name_writes_then_is_unchanged',),
    'test_connectware_service.py': ('test_new_service_is_installed_and_enabled_then_unchanged',
                                    'test_vault_encrypted_src'),
    'test_deployment_gate.py': ('test_gate_passes_healthy_and_closes_unhealthy_with_reasons',
                                'test_serial_rollout_stops_when_part_of_a_batch_fails',
                                'test_fleet_report_one_row_per_host_worst_first'),
    'test_examples.py': ('test_examples_run',),
    'test_execution_paths.py': ('test_no_secret_anywhere[in-process-check+diff]',),
}


def pytest_collection_modifyitems(items):
    modules, collected = {}, set()
    for item in items:
        name = os.path.basename(str(item.fspath))
        modules[name] = item.module
        collected.update(((name, item.originalname), (name, item.name)))
        chosen = OLDEST_SUBSET.get(name, ())
        if item.originalname in chosen or item.name in chosen:
            item.add_marker(pytest.mark.oldest)
    # A renamed test or parametrization must not silently drop out of the subset.
    missing = ['%s::%s' % (name, test) for name, module in modules.items() for test in OLDEST_SUBSET.get(name, ())
               if not hasattr(module, test.split('[')[0])
               or ('[' in test and (name, test.split('[')[0]) in collected and (name, test) not in collected)]
    if missing:
        raise pytest.UsageError('OLDEST_SUBSET in tests/integration/conftest.py names tests that do not exist: %s'
                                % ', '.join(missing))


class HostPool(object):
    """The simulated hosts of one test module, by name."""

    def __init__(self, workdir):
        self.workdir = workdir
        self.tls = TLSMaterial(os.path.join(workdir, 'tls'))
        self.instances = {}

    def fleet(self, scenarios, name_format='cw-%03d'):
        chosen = []
        for index, scenario in enumerate(scenarios, start=1):
            scenario = dict(scenario or {})
            name = safe_name(scenario.pop('name', None) or name_format % index)
            instance = self.instances.get(name)
            if instance is None:
                instance = Instance(name, scenario, tls=self.tls,
                                    access_log_path=os.path.join(self.workdir, 'access-%s.log' % name)).start()
                self.instances[name] = instance
            else:
                instance.reset_state(scenario)
            chosen.append(instance)
        return Fleet.of_instances(self.workdir, chosen, self.tls)

    def stop(self):
        for instance in self.instances.values():
            instance.stop()


@pytest.fixture(scope='module')
def host_pool(tmp_path_factory):
    pool = HostPool(str(tmp_path_factory.mktemp('fleet')))
    yield pool
    pool.stop()


@pytest.fixture
def make_fleet(host_pool, tmp_path):
    """make_fleet([scenario, ...]) -> a running Fleet of this module's hosts, reset to the scenarios.

    ``tls=False`` or other Fleet options give a fleet of its own, stopped after the test.
    """
    own = []

    def factory(scenarios, **kwargs):
        if not kwargs or kwargs == {'tls': True}:
            return host_pool.fleet(scenarios)
        fleet = Fleet(str(tmp_path / ('fleet%d' % len(own))), scenarios, **kwargs).start()
        own.append(fleet)
        return fleet

    yield factory
    for fleet in own:
        fleet.stop()


@pytest.fixture(scope='module')
def module_workdir(tmp_path_factory):
    """A folder for the run a test module's scenarios share (see harness.scenario_play)."""
    return tmp_path_factory.mktemp('run')


@pytest.fixture
def workdir(tmp_path):
    path = tmp_path / 'run'
    path.mkdir()
    return path
