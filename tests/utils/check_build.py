# -*- coding: utf-8 -*-
# Copyright: (c) 2026, iiot.connectware contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Check a built collection tarball: all the content, none of the development material.

    python tests/utils/check_build.py iiot-connectware-X.Y.Z.tar.gz
"""

import sys
import tarfile

REQUIRED = [
    'MANIFEST.json', 'FILES.json', 'README.md', 'LICENSE', 'requirements.txt', 'bindep.txt', 'meta/runtime.yml',
    'meta/execution-environment.yml', 'plugins/modules/connectware_info.py', 'plugins/modules/connectware_license.py',
    'plugins/modules/connectware_health_check.py', 'plugins/modules/connectware_marketplace_app.py',
    'plugins/action/connectware_license.py', 'plugins/doc_fragments/connection.py',
    'roles/deployment_gate/meta/argument_specs.yml', 'playbooks/fleet_report.yml', 'playbooks/license_rollout.yml',
    'playbooks/gated_deploy.yml', 'docs/reliability.md',
]
FORBIDDEN_PREFIXES = ('tests/', 'bench/', '.venv', '.tmp/', '.ci/', '.git/', '.hypothesis/', '.pytest_cache/')
FORBIDDEN_NAMES = ('Makefile', 'pytest.ini', 'requirements-dev.txt', 'requirements-2.16.txt', 'requirements-demo.txt', '.ansible-lint', '.gitignore')


def main(path):
    with tarfile.open(path) as archive:
        names = [name.lstrip('./') for name in archive.getnames()]
    problems = ['missing: %s' % name for name in REQUIRED if name not in names]
    problems += ['development material shipped: %s' % name for name in names
                 if name.startswith(FORBIDDEN_PREFIXES) or name in FORBIDDEN_NAMES or '__pycache__' in name]
    for problem in problems:
        print(problem)
    print('%s: %d entries, %s' % (path, len(names), 'OK' if not problems else '%d problems' % len(problems)))
    return 1 if problems else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1]))
