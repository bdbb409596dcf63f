# -*- coding: utf-8 -*-
# Copyright: (c) 2026, iiot.connectware contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Put this checkout where Ansible expects a collection: <root>/ansible_collections/iiot/connectware.

    python tests/utils/stage_collection.py link ROOT   # a symlink: for ansible-playbook, ansible-doc, pytest
    python tests/utils/stage_collection.py copy ROOT   # a real copy: ansible-test resolves symlinks and insists

The copy holds the files git tracks plus the untracked ones it does not ignore (as
ansible-test itself would see them), in a git repository of its own, so it works from
any clone path without moving it.
"""

import os
import shutil
import subprocess
import sys

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..'))
SKIP_DIRS = {'.git', '.venv', '.tmp', 'tests/output', '__pycache__', '.pytest_cache', '.hypothesis'}


def collection_dir(root):
    return os.path.join(os.path.abspath(root), 'ansible_collections', 'iiot', 'connectware')


def source_files():
    try:
        output = subprocess.run(['git', 'ls-files', '-z', '--cached', '--others', '--exclude-standard'],
                                cwd=REPO, check=True, capture_output=True).stdout
        return sorted(set(name for name in output.decode('utf-8').split('\0')
                          if name and os.path.isfile(os.path.join(REPO, name))))
    except (OSError, subprocess.CalledProcessError):
        files = []
        for folder, dirs, names in os.walk(REPO):
            relative = os.path.relpath(folder, REPO)
            dirs[:] = [d for d in dirs if os.path.normpath(os.path.join(relative, d)) not in SKIP_DIRS and d not in SKIP_DIRS]
            files.extend(os.path.normpath(os.path.join(relative, name)) for name in names)
        return sorted(files)


def link(root):
    target = collection_dir(root)
    os.makedirs(os.path.dirname(target), exist_ok=True)
    if os.path.islink(target) and os.readlink(target) == REPO:
        return target
    if os.path.lexists(target):
        if os.path.islink(target) or os.path.isfile(target):
            os.remove(target)
        else:
            shutil.rmtree(target)
    try:
        os.symlink(REPO, target)
    except FileExistsError:
        # Another test worker made it at the same moment.
        if os.readlink(target) != REPO:
            raise
    return target


def copy(root):
    target = collection_dir(root)
    if os.path.lexists(target):
        if os.path.islink(target):
            os.remove(target)
        else:
            shutil.rmtree(target)
    for name in source_files():
        destination = os.path.join(target, name)
        os.makedirs(os.path.dirname(destination), exist_ok=True)
        shutil.copy2(os.path.join(REPO, name), destination)
    # A git repository of its own: otherwise ansible-test finds the checkout's .git above
    # this folder, whose .gitignore hides it, and silently skips every target.
    subprocess.run(['git', 'init', '-q'], cwd=target, check=True)
    subprocess.run(['git', 'add', '-A'], cwd=target, check=True)
    return target


def main(argv):
    if len(argv) != 3 or argv[1] not in ('link', 'copy'):
        sys.stderr.write(__doc__)
        return 2
    print({'link': link, 'copy': copy}[argv[1]](argv[2]))
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
