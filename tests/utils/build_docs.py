# -*- coding: utf-8 -*-
# Copyright: (c) 2026, iiot.connectware contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Build the collection's HTML docs site with antsibull-docs, as community collections publish theirs.

Usage: build_docs.py [DEST]   (default .tmp/docs; the site is DEST/build/html/index.html)

``antsibull-docs sphinx-init`` writes a Sphinx project for iiot.connectware (as installed through
ANSIBLE_COLLECTIONS_PATH: the checkout linked by stage_collection) and the project's own build.sh runs
``antsibull-docs collection`` and ``sphinx-build -W --keep-going``. The site holds every module, the role
(from meta/argument_specs.yml), the pages of docs/docsite/rst/ (docs/docsite/extra-docs.yml) and the
changelog (docs/docsite/config.yml). The build fails on any warning of antsibull-docs or Sphinx.

Offline by design: the Sphinx project's intersphinx inventories (docs.python.org, docs.ansible.com) are
not fetched, so the build talks to no other host. The few labels of the Ansible docs that antsibull-docs'
pages refer to are linked to docs.ansible.com by name (OFFLINE below); any other unresolved reference is a
warning and fails the build.
"""

import os
import re
import shutil
import subprocess
import sys
import time

from repo_paths import LINKS, REPO
import stage_collection

COLLECTION = 'iiot.connectware'
# Problems antsibull-docs and Sphinx report; Sphinx's -W turns its own into a failure as well.
PROBLEM = re.compile(r'\b(WARNING|ERROR|CRITICAL)\b|\bwarning:|\berror:', re.IGNORECASE)
OFFLINE = '''

# Added by tests/utils/build_docs.py: the site is built offline, so no intersphinx inventory is fetched.
# The pages antsibull-docs writes refer to a few pages of the Ansible docs (ansible.builtin modules, action
# plugins, common return values, configuration settings); those labels, and only those, link to
# docs.ansible.com. Any other unresolved reference stays a warning, and fails the build.
intersphinx_mapping = {}
ANSIBLE_DOCS = 'https://docs.ansible.com/projects/ansible/devel/'
ANSIBLE_PAGES = {
    'action_plugins': 'plugins/action.html',
    'common_return_values': 'reference_appendices/common_return_values.html',
    'ansible_configuration_settings': 'reference_appendices/config.html',
}


def ansible_docs_link(app, env, node, contnode):
    from docutils import nodes
    target = node.get('reftarget', '')
    if node.get('refdomain') != 'std' or node.get('reftype') != 'ref':
        return None
    if target in ANSIBLE_PAGES:
        uri = ANSIBLE_DOCS + ANSIBLE_PAGES[target]
    elif target.startswith('ansible_collections.ansible.builtin.'):
        name, _sep, anchor = target[len('ansible_collections.ansible.builtin.'):].partition('__')
        if name.rsplit('_', 1)[-1] not in ('module', 'lookup', 'filter', 'test', 'callback', 'connection'):
            return None
        uri = ANSIBLE_DOCS + 'collections/ansible/builtin/%s.html' % name + ('#%s' % anchor if anchor else '')
    else:
        return None
    reference = nodes.reference('', '', internal=False, refuri=uri)
    reference.append(contnode)
    return reference


def setup(app):
    app.connect('missing-reference', ansible_docs_link)
'''


def run(command, cwd, env, log):
    log.write('$ %s\n' % ' '.join(command))
    log.flush()
    completed = subprocess.run(command, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               stdin=subprocess.DEVNULL, text=True, check=False, timeout=600)
    log.write(completed.stdout)
    log.flush()
    return completed


def main(argv):
    started = time.monotonic()
    dest = os.path.abspath(argv[0] if argv else os.path.join(REPO, '.tmp', 'docs'))
    if os.path.exists(dest):
        shutil.rmtree(dest)
    os.makedirs(dest)
    stage_collection.link(LINKS)
    bin_dir = os.path.dirname(sys.executable)
    env = dict(os.environ)
    env.update({'ANSIBLE_COLLECTIONS_PATH': LINKS, 'PATH': bin_dir + os.pathsep + env.get('PATH', ''),
                'ANSIBLE_NOCOLOR': '1', 'ANSIBLE_HOME': os.path.join(dest, 'ansible-home')})
    log_path = os.path.join(dest, 'build.log')
    with open(log_path, 'w', encoding='utf-8') as log:
        init = run([os.path.join(bin_dir, 'antsibull-docs'), 'sphinx-init', '--use-current', '--squash-hierarchy',
                    '--fail-on-error', '--dest-dir', dest, '--project', COLLECTION,
                    '--copyright', 'iiot.connectware contributors', '--title', 'iiot.connectware collection docs',
                    '--html-short-title', COLLECTION, COLLECTION], REPO, env, log)
        build = None
        if init.returncode == 0:
            with open(os.path.join(dest, 'conf.py'), 'a', encoding='utf-8') as handle:
                handle.write(OFFLINE)
            build = run(['bash', os.path.join(dest, 'build.sh')], dest, env, log)
    with open(log_path, encoding='utf-8') as handle:
        output = handle.read()
    problems = [line for line in output.splitlines() if PROBLEM.search(line) and not line.startswith('$ ')]
    index = os.path.join(dest, 'build', 'html', 'index.html')
    failed = init.returncode != 0 or build is None or build.returncode != 0 or problems or not os.path.exists(index)
    if failed:
        sys.stdout.write(output[-8000:])
        print('\nThe docs site did not build cleanly (%s):' % log_path)
        for line in problems[:40]:
            print('  ' + line)
        return 1
    pages = sorted(os.path.relpath(os.path.join(folder, name), os.path.join(dest, 'build', 'html'))
                   for folder, _dirs, files in os.walk(os.path.join(dest, 'build', 'html')) for name in files
                   if name.endswith('.html'))
    print('Docs site: %s (%d pages, %.1f s, no warnings)' % (index, len(pages), time.monotonic() - started))
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
