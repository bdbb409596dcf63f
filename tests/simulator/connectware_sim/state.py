# -*- coding: utf-8 -*-
# Copyright: (c) 2026, iiot.connectware contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""State of one simulated Connectware host, seeded from a scenario.

A scenario is a dict (from YAML/JSON or built in code). ``preset`` names one of
PRESETS; every other key overrides the preset's state, deep-merged.
"""

import base64
import copy
import datetime
import json
import secrets
import zlib

ADMIN_TOKEN_PREFIX = 'sim-admin-token-'


# The simulator's "today", frozen once per process: every expiration it makes and every
# validity it judges uses the same date, even when a test run crosses midnight. The modules
# read the real date; tests compare with `harness.expected_days_left`, which knows both.
_TODAY = [datetime.date.today()]


def today():
    return _TODAY[0]


def freeze_today(date):
    """Set the simulator's today (for tests of dates far from the real one)."""
    _TODAY[0] = date


def iso_date(days_from_today):
    return (today() + datetime.timedelta(days=days_from_today)).isoformat()


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b'=').decode('ascii')


def b64url_decode(text):
    padded = text + '=' * (-len(text) % 4)
    return base64.urlsafe_b64decode(padded.encode('ascii'))


def make_license_jwt(license_id, account='acme-plant', license_class='Production', expiration=None,
                     name=None, use_standard_claims=False):
    """A JWT-shaped license file as the simulator accepts it (claims carry id and expiration)."""
    expiration = expiration or iso_date(365)
    header = {'alg': 'RS256', 'typ': 'JWT'}
    if use_standard_claims:
        exp_date = datetime.date.fromisoformat(expiration)
        claims = {'jti': license_id, 'exp': int(datetime.datetime(exp_date.year, exp_date.month, exp_date.day,
                                                                  tzinfo=datetime.timezone.utc).timestamp()),
                  'associatedAccount': account, 'connectwareLicenseClass': license_class}
    else:
        claims = {'id': license_id, 'associatedAccount': account, 'connectwareLicenseClass': license_class,
                  'expiration': expiration}
    if name:
        claims['name'] = name
    signature = b64url(secrets.token_bytes(32))
    return '.'.join((b64url(json.dumps(header).encode()), b64url(json.dumps(claims).encode()), signature))


def decode_license_jwt(payload):
    """License fields from a JWT-shaped license file, or None if it is not one."""
    parts = payload.strip().split('.')
    if len(parts) != 3:
        return None
    try:
        claims = json.loads(b64url_decode(parts[1]))
    except (ValueError, UnicodeDecodeError):
        return None
    if not isinstance(claims, dict):
        return None
    license_id = claims.get('id') or claims.get('jti')
    expiration = claims.get('expiration')
    if not expiration and isinstance(claims.get('exp'), (int, float)):
        expiration = datetime.datetime.fromtimestamp(claims['exp'], tz=datetime.timezone.utc).date().isoformat()
    if not license_id or not expiration:
        return None
    return {
        'name': claims.get('name') or 'Connectware %s' % claims.get('connectwareLicenseClass', 'License'),
        'file': {
            'id': str(license_id),
            'associatedAccount': str(claims.get('associatedAccount', '')),
            'connectwareLicenseClass': str(claims.get('connectwareLicenseClass', '')),
            'expiration': str(expiration),
        },
    }


def license_record(license_id='lic-0001', account='acme-plant', license_class='Production', days_left=365, name=None):
    return {
        'name': name or 'Connectware %s' % license_class,
        'file': {'id': license_id, 'associatedAccount': account, 'connectwareLicenseClass': license_class,
                 'expiration': iso_date(days_left)},
    }


COMMISSIONING_FILE = """description: >
  Reads an OPC UA server and publishes its values over MQTT.
metadata:
  name: OPC UA to MQTT
  version: 1.2.0
  provider: cybus
parameters:
  opcuaHost:
    type: string
    default: 192.0.2.10
resources:
  opcuaConnection:
    type: Cybus::Connection
    properties:
      protocol: Opcua
      connection:
        host: !ref opcuaHost
        port: 4840
"""

BROKEN_COMMISSIONING_FILE = "description: [unclosed\nmetadata: {name: Broken\n"


METRIC_HOURS = 24


def hourly_and_daily_metrics(name):
    """Deterministic metrics of one host: the last METRIC_HOURS whole hours of yesterday (by the frozen
    today), oldest first, and the last 3 days. Each host has its own level (from its name) and a day curve,
    so sparklines differ; nothing depends on the clock."""
    level = 3000 + zlib.crc32(name.encode('utf-8')) % 2000
    curve = (0, 2, 5, 9, 14, 18, 20, 19, 17, 15, 13, 12, 12, 13, 15, 17, 19, 20, 18, 14, 10, 6, 3, 1)
    yesterday = iso_date(-1)
    hourly = [{'timestamp': '%sT%02d:00:00.000Z' % (yesterday, hour), 'numberOfConnectedDatapoints': 120,
               'numberOfReceivedMessages': level + 50 * curve[hour % len(curve)]}
              for hour in range(24 - METRIC_HOURS, 24)]
    daily = [{'date': iso_date(-day), 'numberOfConnectedDatapoints': 120,
              'numberOfReceivedMessages': 96000 + day} for day in range(3)]
    return {'hourly': hourly, 'daily': daily}


def base_state(name='cw-001'):
    """A healthy Connectware host."""
    return {
        'name': name,
        'version': '1.7.2',
        'license': license_record(license_id='lic-%s' % name, days_left=365),
        'revoked_license_ids': [],
        'opaque_licenses': {},
        'portal_license': None,
        'services': [
            {'name': name_, 'status': 'running', 'uptime': '3 days'}
            for name_ in ('admin-web-app', 'auth-server', 'broker', 'connectware', 'ingress', 'postgresql',
                          'protocol-mapper', 'service-manager', 'system-control-server', 'workbench')
        ],
        'vrpc': {
            'agentStatus': {'agentName': 'protocol-mapper', 'status': 'online'},
            'VRPCInterServiceCommunication': [
                {'agentName': 'protocol-mapper', 'providers': [
                    {'providerName': 'service-manager', 'reachable': True,
                     'functionalityAffectedIfFailed': ['Service deployment']},
                    {'providerName': 'system-control-server', 'reachable': True,
                     'functionalityAffectedIfFailed': ['User management', 'Agent management']},
                ]},
            ],
        },
        'preflight': {
            'dockerHub': {'status': True, 'statusText': 'OK', 'url': 'https://registry-1.docker.io'},
            'cybusRegistry': {'status': True, 'statusText': 'OK', 'url': 'https://registry.cybus.io'},
            'cybusPortal': {'status': True, 'statusText': 'OK', 'url': 'https://portal.cybus.io'},
            'currentVersions': {'series': {'active': {'latest': {
                'version': '1.8.0', 'urlReleaseNotes': 'https://docs.cybus.io/releases/1.8.0',
                'installerUrl': 'https://download.cybus.io/1.8.0/connectware-online-installer.sh'}}}},
        },
        'metrics': hourly_and_daily_metrics(name),
        'agents': [
            {'name': 'edge-agent-1', 'version': '1.7.2', 'hostname': 'edge-1',
             'classes': {'Connection': {'instances': ['opcua-line-1']}}},
        ],
        'agents_error': False,
        'marketplace': [
            _app('opcua-to-mqtt', 'opcua-to-mqtt.yml', 'OPC UA to MQTT', '1.2.0', COMMISSIONING_FILE),
            _app('s7-to-mqtt', 'service.yml', 'Siemens S7 to MQTT', '2.0.1', COMMISSIONING_FILE.replace(
                'OPC UA to MQTT', 'Siemens S7 to MQTT')),
            _app('s7-legacy', 'service.yml', 'Siemens S7 to MQTT', '1.0.0', COMMISSIONING_FILE),
            _app('broken-app', 'broken.yml', 'Broken App', '0.0.1', BROKEN_COMMISSIONING_FILE),
        ],
        'users': {
            'admin': {'password': 'admin', 'permissions': 'all'},
            'reader': {'password': 'reader-password', 'permissions': [
                {'path': '/api/system/info', 'access': 'read'},
                {'path': '/api/system/preflight', 'access': 'read'},
                {'path': '/api/system/vrpcHealth', 'access': 'read'},
            ]},
        },
        # Static long-lived tokens, as an operator would create with POST /api/login.
        'tokens': {ADMIN_TOKEN_PREFIX + name: 'admin'},
    }


def _app(directory, filename, name, version, content):
    return {
        'listing': {
            'category': 'Connectivity', 'isTemplate': True, 'directory': directory, 'filename': filename,
            'name': name, 'description': 'Marketplace app %s' % name, 'homepage': 'https://www.cybus.io',
            'icon': 'https://www.cybus.io/icon.png', 'version': version, 'provider': 'cybus',
            'availableInLicense': True, 'publiclyOffered': True,
            'createdAt': '2025-01-10T08:00:00.000Z', 'updatedAt': '2025-09-28T04:52:24.347Z',
        },
        'content': content,
        'meta': {'updatedAt': '2025-09-28T04:52:24.347Z', 'version': version},
    }


def _service_down(state):
    for service in state['services']:
        if service['name'] == 'broker':
            service['status'] = 'exited'
            service['uptime'] = ''


def _registry_unreachable(state):
    state['preflight']['cybusRegistry'] = {'status': False, 'statusText': 'getaddrinfo ENOTFOUND registry.cybus.io',
                                           'url': 'https://registry.cybus.io'}
    state['preflight']['dockerHub'] = {'status': False, 'statusText': 'connect ETIMEDOUT',
                                       'url': 'https://registry-1.docker.io'}


def _vrpc_unreachable(state):
    provider = state['vrpc']['VRPCInterServiceCommunication'][0]['providers'][0]
    provider['reachable'] = False


def _license_expiring(state):
    state['license']['file']['expiration'] = iso_date(10)


def _license_expired(state):
    state['license']['file']['expiration'] = iso_date(-5)


def _license_invalid(state):
    state['revoked_license_ids'].append(state['license']['file']['id'])


def _offline(state):
    for probe in ('dockerHub', 'cybusRegistry', 'cybusPortal'):
        state['preflight'][probe] = {'status': False, 'statusText': 'getaddrinfo EAI_AGAIN',
                                     'url': state['preflight'][probe]['url']}


def _traffic_stopped(state, quiet_hours=5):
    # The machines behind this host stopped sending: the last hours received no message, and the
    # datapoints dropped to zero with them (their connection is down).
    for entry in state['metrics']['hourly'][-quiet_hours:]:
        entry['numberOfReceivedMessages'] = 0
        entry['numberOfConnectedDatapoints'] = 0


def _service_deviated(state):
    # Enabling a service ends deviated: the OPC UA connection of the demo app misses its target.
    state['service_deviated_resources'] = ['opcuaConnection']


def _service_deleting(state):
    # A deletion of the service opcua-to-mqtt still runs: writes to that id answer 409 three times,
    # and so do writes after every deletion that finishes.
    state['service_deletions'] = {'opcua-to-mqtt': 3}
    state['service_delete_conflicts'] = 3


PRESETS = {
    'healthy': [],
    'service_down': [_service_down],
    'registry_unreachable': [_registry_unreachable],
    'vrpc_unreachable': [_vrpc_unreachable],
    'license_expiring': [_license_expiring],
    'license_expired': [_license_expired],
    'license_invalid': [_license_invalid],
    'offline': [_offline],
    'traffic_stopped': [_traffic_stopped],
    'service_deviated': [_service_deviated],
    'service_deleting': [_service_deleting],
}


def deep_merge(target, overrides):
    for key, value in overrides.items():
        if isinstance(value, dict) and isinstance(target.get(key), dict):
            deep_merge(target[key], value)
        else:
            target[key] = copy.deepcopy(value)
    return target


def build_state(name, scenario=None):
    """The state of host ``name`` from a scenario dict: ``preset`` (a name or list) + overrides."""
    scenario = dict(scenario or {})
    presets = scenario.pop('preset', 'healthy')
    if isinstance(presets, str):
        presets = [presets]
    state = base_state(name)
    for preset in presets:
        if preset not in PRESETS:
            raise ValueError('unknown preset %r; known: %s' % (preset, ', '.join(sorted(PRESETS))))
        for change in PRESETS[preset]:
            change(state)
    return deep_merge(state, scenario)
