# -*- coding: utf-8 -*-
# Copyright: (c) 2026, iiot.connectware contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Make ``ansible_collections.iiot.connectware`` and the simulator importable for pytest."""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), 'utils'))

import stage_collection  # noqa: E402  pylint: disable=wrong-import-position
from repo_paths import LINKS, SIMULATOR  # noqa: E402  pylint: disable=wrong-import-position

stage_collection.link(LINKS)
for path in (SIMULATOR, LINKS):
    if path not in sys.path:
        sys.path.insert(0, path)
