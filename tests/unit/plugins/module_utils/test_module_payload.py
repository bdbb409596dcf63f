# -*- coding: utf-8 -*-
# Copyright: (c) 2026, iiot.connectware contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What a module process gets: Ansible packs into a module's payload (AnsiballZ) the module_utils
that its finder sees imported. Some are imported inside a function, only when needed (the wording
of a failed request, and the TLS diagnosis when a handshake fails), because a module process
compiles every file it imports, on every run; the finder takes those as optional and leaves them
out, without a word, if it cannot find them. A module process would then fail exactly when it has
to explain a failure."""

import ast
import os
import subprocess
import sys

import pytest
from ansible.executor.module_common import ModuleDepFinder

MODULE_UTILS = os.path.join(os.path.dirname(__file__), '..', '..', '..', '..', 'plugins', 'module_utils')
PACKAGE = ('ansible_collections', 'iiot', 'connectware', 'plugins', 'module_utils')


def sources():
    return sorted(name for name in os.listdir(MODULE_UTILS) if name.endswith('.py') and name != '__init__.py')


def imported_inside_functions(tree):
    """The collection's module_utils a file imports inside a function: {name}."""
    found = set()
    for function in ast.walk(tree):
        if not isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        for node in ast.walk(function):
            if isinstance(node, ast.ImportFrom) and node.module == '.'.join(PACKAGE):
                found.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and (node.module or '').startswith('.'.join(PACKAGE) + '.'):
                found.add(node.module.rsplit('.', 1)[1])
    return found


def test_the_failure_wording_is_imported_on_demand():
    with open(os.path.join(MODULE_UTILS, '_client.py'), encoding='utf-8') as handle:
        assert imported_inside_functions(ast.parse(handle.read())) == {'_request_failure'}
    with open(os.path.join(MODULE_UTILS, '_request_failure.py'), encoding='utf-8') as handle:
        assert imported_inside_functions(ast.parse(handle.read())) == {'_tls_failure'}


def test_a_module_imports_no_failure_wording_and_no_controller_code():
    """Importing a module loads neither the failure wording (imported when a request fails) nor
    controller code, and only connectware_license loads the reading of license files."""
    names = sorted(name[:-3] for name in os.listdir(os.path.join(MODULE_UTILS, '..', 'modules')) if name.endswith('.py'))
    assert 'connectware_license' in names and len(names) >= 5
    # One interpreter, connectware_license last: what each import adds is printed after it.
    names.remove('connectware_license')
    code = 'import importlib, sys\nfor name in %r:\n' \
           '    importlib.import_module("ansible_collections.iiot.connectware.plugins.modules." + name)\n' \
           '    print(name, sorted(loaded for loaded in sys.modules if ".connectware.plugins." in loaded))\n' \
           % (names + ['connectware_license'])
    output = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True, check=True,
                            env=dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))).stdout
    loaded = dict(line.split(' ', 1) for line in output.splitlines())
    assert sorted(loaded) == sorted(names + ['connectware_license'])
    for name, modules in loaded.items():
        assert '.plugins.module_utils._client' in modules, (name, modules)
        for absent in ('module_utils._request_failure', 'module_utils._tls_failure', 'plugin_utils', 'action'):
            assert '.plugins.%s' % absent not in modules, (name, modules)
        assert ('.plugins.module_utils._license_file' in modules) == (name == 'connectware_license'), (name, modules)


@pytest.mark.parametrize('source', sources())
def test_every_module_utils_imported_on_demand_is_packed(source):
    with open(os.path.join(MODULE_UTILS, source), encoding='utf-8') as handle:
        tree = ast.parse(handle.read())
    finder = ModuleDepFinder('.'.join(PACKAGE + (source[:-3],)), tree)
    for name in imported_inside_functions(tree):
        assert PACKAGE + (name,) in finder.submodules, (source, name)
        assert os.path.isfile(os.path.join(MODULE_UTILS, name + '.py')), (source, name)
