# -*- coding: utf-8 -*-
# Copyright: (c) 2026, iiot.connectware contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Facts stated in more than one place of the collection agree with their one source."""

import os

import yaml

from ansible_collections.iiot.connectware.plugins.module_utils import _client

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..'))


def galaxy():
    with open(os.path.join(REPO, 'galaxy.yml'), encoding='utf-8') as handle:
        return yaml.safe_load(handle)


def test_user_agent_carries_the_version_of_galaxy_yml():
    # Modules run from an AnsiballZ zip without galaxy.yml, so the client states the version
    # itself; this keeps the copy from going stale at a release.
    assert _client.COLLECTION_VERSION == galaxy()['version']
    assert _client.USER_AGENT == 'iiot.connectware/%s' % galaxy()['version']


MODULES = ('connectware_info', 'connectware_health_check', 'connectware_license', 'connectware_marketplace_app',
           'connectware_service')


def return_docs(module):
    imported = __import__('ansible_collections.iiot.connectware.plugins.modules.%s' % module, fromlist=['RETURN'])
    return yaml.safe_load(imported.RETURN)


def test_shared_return_values_are_documented_alike_in_every_module():
    # ansible-doc takes no doc fragments for RETURN, so each module states them: they must not drift.
    reference = return_docs(MODULES[0])
    for module in MODULES[1:]:
        docs = return_docs(module)
        assert docs['api_retries'] == reference['api_retries'], module
        own_kinds = docs['api_error']['contains']['kind']['description'][1:]
        assert docs['api_error']['contains']['kind']['description'][:1] == \
            reference['api_error']['contains']['kind']['description'], module
        for field in ('method', 'path', 'url', 'status', 'body', 'attempts'):
            assert docs['api_error']['contains'][field] == reference['api_error']['contains'][field], (module, field)
        assert all('V(' in kind for kind in own_kinds), module
