# -*- coding: utf-8 -*-
# Copyright: (c) 2026, iiot.connectware contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Every module's EXAMPLES run, unchanged, against a simulated host.

Each module's examples are a play on a simulated host of their own, and all of them run in one
ansible-playbook run (the ``examples_run`` fixture); each test reads its module's play back.
"""

import glob
import os
import re

import pytest
import yaml

from connectware_sim import make_license_jwt
from repo_paths import REPO
from harness import run_playbook, scenario_play, scenario_playbook, write_inventory

MODULES = sorted(os.path.splitext(os.path.basename(path))[0]
                 for path in glob.glob(os.path.join(REPO, 'plugins', 'modules', '*.py')))


def module_examples(name):
    namespace = {}
    with open(os.path.join(REPO, 'plugins', 'modules', name + '.py'), encoding='utf-8') as handle:
        source = handle.read()
    # The documentation strings are plain assignments at module level: read them without importing.
    start = source.index("EXAMPLES = r'''")
    end = source.index("'''", start + 15)
    exec(source[start:end + 3], namespace)  # pylint: disable=exec-used
    return yaml.safe_load(namespace['EXAMPLES'])


def example_host(module):
    return 'ex-%s' % module


def examples_play(module):
    return 'examples of %s' % module


@pytest.fixture(scope='module')
def examples_run(host_pool, module_workdir, tmp_path_factory):
    """Every module's examples (those that have some), a play each on its own host, in one run: (fleet, run)."""
    examples = dict((module, module_examples(module)) for module in MODULES)
    fleet = host_pool.fleet([{'name': example_host(module)} for module in MODULES])
    # What an inventory and a vault would hold; the examples themselves use no variable of their own.
    licenses = tmp_path_factory.mktemp('licenses')
    host_vars = {}
    for module in MODULES:
        license_file = licenses / ('%s.lic' % example_host(module))
        license_file.write_text(make_license_jwt('lic-file', expiration='2100-01-01') + '\n')
        host_vars[example_host(module)] = {'connectware_license_file': str(license_file)}
    plays = [scenario_play(examples_play(module), examples[module], hosts=example_host(module),
                           vars={'connectware_admin_password': 'admin',
                                 'vault_connectware_license': make_license_jwt('lic-example', expiration='2099-12-31')})
             for module in MODULES if examples[module]]
    return fleet, run_playbook(module_workdir, scenario_playbook(plays),
                               write_inventory(module_workdir, fleet, host_vars))


@pytest.mark.parametrize('module', MODULES)
def test_examples_run(module, examples_run):
    examples = module_examples(module)
    assert examples, 'no EXAMPLES in %s' % module
    _fleet, run = examples_run
    assert run.rc == 0, run
    run = run.play(examples_play(module))
    assert run.results and all(entry['status'] in ('ok', 'changed') for entry in run.results), run


# The variables an example may use: the inventory's connection and license file (as the playbooks and the
# README name them), vault variables, and Ansible's own.
ALLOWED_VARIABLES = re.compile(r'^(connectware_(url|token|ca_path|username|password|admin_password|license_file)|vault_\w+|'
                               r'playbook_dir|inventory_hostname|item)$')


@pytest.mark.parametrize('module', MODULES)
def test_examples_use_no_made_up_variables_and_no_made_up_license(module):
    examples = yaml.safe_dump(module_examples(module))
    names = set(re.findall(r'{{\s*([A-Za-z_][A-Za-z0-9_]*)', examples))
    registered = set(re.findall(r'register:\s*([A-Za-z_][A-Za-z0-9_]*)', examples))
    assert sorted(name for name in names - registered if not ALLOWED_VARIABLES.match(name)) == []
    # No example writes a license of its own (a JWT or any .lic file).
    assert 'eyJ' not in examples and not re.search(r'\.lic\b', examples)
