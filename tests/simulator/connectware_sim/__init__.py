# -*- coding: utf-8 -*-
# Copyright: (c) 2026, iiot.connectware contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Connectware simulator: a test instrument and demo backend, never shipped in the collection."""

from .fleet import DEMO_MIX, Fleet
from .server import ENDPOINTS, Instance
from .state import PRESETS, make_license_jwt

__all__ = ['DEMO_MIX', 'ENDPOINTS', 'Fleet', 'Instance', 'PRESETS', 'make_license_jwt']
