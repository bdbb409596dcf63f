# -*- coding: utf-8 -*-
# Copyright: (c) 2026, iiot.connectware contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Every module's EXAMPLES run, unchanged, against a simulated host."""

import glob
import os
import re

import pytest
import yaml

from connectware_sim import make_license_jwt
from repo_paths import REPO
from harness import run_playbook, write_inventory

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


@pytest.mark.parametrize('module', MODULES)
def test_examples_run(module, make_fleet, workdir, tmp_path):
    examples = module_examples(module)
    assert examples, 'no EXAMPLES in %s' % module
    fleet = make_fleet([{}])
    # What an inventory and a vault would hold; the examples themselves use no variable of their own.
    license_file = tmp_path / 'cw-001.lic'
    license_file.write_text(make_license_jwt('lic-file', expiration='2100-01-01') + '\n')
    play = [{'name': 'examples of %s' % module, 'hosts': 'all', 'gather_facts': False,
             'vars': {'connectware_admin_password': 'admin',
                      'vault_connectware_license': make_license_jwt('lic-example', expiration='2099-12-31')},
             'tasks': examples}]
    run = run_playbook(workdir, play, write_inventory(workdir, fleet, {'cw-001': {
        'connectware_license_file': str(license_file)}}))
    assert run.rc == 0, run
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
