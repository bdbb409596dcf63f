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
