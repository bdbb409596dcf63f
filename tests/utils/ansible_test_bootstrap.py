# -*- coding: utf-8 -*-
# Copyright: (c) 2026, iiot.connectware contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Let ``ansible-test sanity --venv`` bootstrap pip on machines that reach only package registries.

ansible-test seeds each virtual environment with a pip bootstrap script downloaded from a
host outside the package registries, but first looks for it in its cache
(~/.ansible/test/cache/get_pip_<version>.py). This writes a stand-in there that gets pip
with ensurepip and then installs what ansible-test asked for from the package index.
An existing real bootstrap script is never replaced.
"""

import os
import re
import sys

MARKER = '# iiot.connectware get-pip stand-in'

STAND_IN = MARKER + '''
import subprocess
import sys

# ensurepip blanks pip's configuration for its own process (losing the machine's
# certificate and index settings), so it runs in a child process of its own.
subprocess.check_call([sys.executable, '-m', 'ensurepip', '--upgrade'])
arguments = [argument for argument in sys.argv[1:] if argument not in ('--no-setuptools', '--no-wheel')]
sys.exit(subprocess.call([sys.executable, '-m', 'pip', 'install'] + arguments))
'''


def pip_version():
    import ansible_test
    source = os.path.join(os.path.dirname(ansible_test.__file__), '_internal', 'python_requirements.py')
    with open(source, encoding='utf-8') as handle:
        match = re.search(r"pip='([0-9.]+)'", handle.read())
    if not match:
        raise SystemExit('cannot find the pip version ansible-test bootstraps in %s' % source)
    return match.group(1)


def main():
    version = pip_version()
    path = os.path.expanduser('~/.ansible/test/cache/get_pip_%s.py' % version.replace('.', '_'))
    if os.path.exists(path):
        with open(path, encoding='utf-8') as handle:
            if not handle.read().startswith(MARKER):
                print('ansible-test pip bootstrap: using the real script at %s' % path)
                return 0
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, 'w', encoding='utf-8') as handle:
        handle.write(STAND_IN)
    print('ansible-test pip bootstrap: stand-in at %s' % path)
    return 0


if __name__ == '__main__':
    sys.exit(main())
