# -*- coding: utf-8 -*-
# Copyright: (c) 2026, iiot.connectware contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Every module's EXAMPLES run, unchanged, against a simulated host."""

import glob
import os

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
    (tmp_path / 'examples').mkdir()
    play = [{'name': 'examples of %s' % module, 'hosts': 'all', 'gather_facts': False,
             'vars': {'connectware_admin_password': 'admin', 'example_dir': str(tmp_path / 'examples'),
                      'vault_connectware_license': make_license_jwt('lic-example', expiration='2099-12-31')},
             'tasks': examples}]
    run = run_playbook(workdir, play, write_inventory(workdir, fleet))
    assert run.rc == 0, run
    assert run.results and all(entry['status'] in ('ok', 'changed') for entry in run.results), run
