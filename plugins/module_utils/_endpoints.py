# -*- coding: utf-8 -*-
# Copyright: (c) 2026, iiot.connectware contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Every Connectware REST API path this collection uses, in one catalogue.

FOR INTERNAL COLLECTION USE ONLY.  Paths as Connectware's API reference names them.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

LOGIN = '/api/login'

SYSTEM_INFO = '/api/system/info'
SYSTEM_PREFLIGHT = '/api/system/preflight'
SYSTEM_HEALTH = '/api/system/health'
SYSTEM_VRPC_HEALTH = '/api/system/vrpcHealth'
SYSTEM_METRICS = '/api/system/metrics'
SYSTEM_AGENTS = '/api/system/agents'
LICENSE_FILE = '/api/system/licensefile'
LICENSE_REFRESH = '/api/system/refresh'

MARKETPLACE_APPS = '/api/marketplace/apps'
MARKETPLACE_APP = '/api/marketplace/app'
MARKETPLACE_APP_META = '/api/marketplace/app/meta'

SERVICES = '/api/services'
SERVICE_VALIDATE = '/api/validate/service'

# Where Connectware's permission for an endpoint lives elsewhere (API reference: reading
# /api/system/health needs HTTP read on /api/system/info).
PERMISSION_PATHS = {SYSTEM_HEALTH: SYSTEM_INFO}


def service(service_id):
    """``/api/services/{id}``: the id is validated by the caller before it gets here."""
    return '%s/%s' % (SERVICES, service_id)
