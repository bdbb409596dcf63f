# -*- coding: utf-8 -*-
# Copyright: (c) 2026, iiot.connectware contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The Services API of the simulator: install a commissioning file as a service.

Faithful to the Services section of the API reference, and deterministic for tests: a state
change never finishes on a timer, it finishes after a COUNT of reads.

Scenario keys (all optional; see also the presets in state.py):

``service_settle_polls: N`` (default 1)
    A change (install, enable, disable, re-deploy, delete) reaches its end after N reads of the
    service (``GET /api/services/{id}`` or ``.../status``); the reads before show a transitional
    state (``installing``, ``enabling``, ``disabling``, ``updating``, ``deleting``). 0 finishes at
    once: the answer of the write already shows the target.
``service_deviated_resources: [resource id, ...]``
    Enabling any service on this host ends ``deviated``, with these resources in state ``deviated``.
``service_deletions: {service id: N}``
    A deletion of that id is still running: the service is gone from ``GET`` (404), but writes to
    that id (``POST /api/services``, ``PUT``) answer 409 for the next N requests.
``service_delete_conflicts: N`` (default 0)
    Every deletion that finishes leaves such a running deletion behind for N writes.
``service_data: file | parameters_only | empty`` (default file)
    What ``commissioningData`` of ``GET /api/services/{id}`` holds: ``file`` the commissioning
    file (base64 of its bytes, as installed), its parameters and marketplace; ``parameters_only``
    the parameters without the file; ``empty`` an empty mapping. The reference does not say.
``connectware_services: {service id: record}``
    Services installed from the start: build a record with ``installed_service()``.
"""

import base64
import binascii
import copy
import re

import yaml

# Ids the simulator accepts: what the module allows, plus nothing a URL path would need to escape.
SERVICE_ID = re.compile(r'^[A-Za-z0-9][A-Za-z0-9_-]{0,99}$')
FINAL_STATES = ('enabled', 'disabled', 'deviated')
OPERATIONS = {'enable': 'enabled', 'disable': 'disabled'}

# (method, path template) -> (permission path, access), merged into server.PERMISSIONS.
PERMISSIONS = {
    ('GET', '/api/services'): ('/api/services', 'read'),
    ('POST', '/api/services'): ('/api/services', 'write'),
    ('POST', '/api/validate/service'): ('/api/validate/service', 'write'),
    ('GET', '/api/services/+'): ('/api/services/+', 'read'),
    ('PUT', '/api/services/+'): ('/api/services/+', 'write'),
    ('DELETE', '/api/services/+'): ('/api/services/+', 'write'),
    ('GET', '/api/services/+/status'): ('/api/services/+', 'read'),
    ('PUT', '/api/services/+/operation'): ('/api/services/+', 'write'),
    ('GET', '/api/v2/services'): ('/api/services', 'read'),
}

_ONE_ID = re.compile(r'^/api/services/([^/]+)(/status|/operation)?$')


class _Loader(yaml.SafeLoader):  # pylint: disable=too-many-ancestors
    """SafeLoader that takes Connectware's tags (!ref, !sub...) as plain values."""


def _tagged(loader, suffix, node):  # pylint: disable=unused-argument
    if isinstance(node, yaml.ScalarNode):
        return loader.construct_scalar(node)
    if isinstance(node, yaml.SequenceNode):
        return loader.construct_sequence(node)
    return loader.construct_mapping(node)


_Loader.add_multi_constructor('!', _tagged)


def encode_file(text):
    """A commissioning file's text as the API carries it: base64 of its UTF-8 bytes."""
    return base64.b64encode(text.encode('utf-8')).decode('ascii')


def installed_service(content, parameters=None, state='enabled', marketplace=None, resources_state=None):
    """A record for the scenario key ``connectware_services``: a service installed and settled."""
    record = {'commissioningFile': encode_file(content), 'parameters': dict(parameters or {}),
              'marketplace': marketplace, 'targetState': state, 'currentState': state, 'pending': None}
    record['resources'] = [dict(resource, currentState=resources_state or state) for resource in _resources(content)]
    return record


def _resources(text):
    try:
        data = yaml.load(text, Loader=_Loader)  # nosec - a SafeLoader subclass
    except yaml.YAMLError:
        return []
    resources = data.get('resources') if isinstance(data, dict) else None
    return [{'id': name, 'type': (value or {}).get('type') if isinstance(value, dict) else None}
            for name, value in (resources or {}).items()] if isinstance(resources, dict) else []


def validate_file(encoded):
    """``(text, None)`` of a valid commissioning file sent as base64, else ``(None, message)``."""
    if not isinstance(encoded, str) or not encoded.strip():
        return None, 'commissioningFile is required'
    try:
        raw = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        return None, 'commissioningFile is not base64'
    try:
        text = raw.decode('utf-8')
    except UnicodeDecodeError:
        return None, 'commissioningFile is not UTF-8 text'
    try:
        data = yaml.load(text, Loader=_Loader)  # nosec - a SafeLoader subclass
    except yaml.YAMLError as error:
        return None, 'commissioning file is not valid YAML: %s' % ' '.join(str(error).split())
    if not isinstance(data, dict):
        return None, 'commissioning file must be a YAML mapping (got %s)' % type(data).__name__
    resources = data.get('resources', {})
    if not isinstance(resources, dict):
        return None, 'resources must be a mapping'
    for name, resource in resources.items():
        kind = resource.get('type') if isinstance(resource, dict) else None
        if not isinstance(kind, str) or not kind.startswith('Cybus::'):
            return None, 'resource %s: unknown resource type %r' % (name, kind)
    return text, None


# -- state ------------------------------------------------------------------------------------


def _store(state):
    store = state.setdefault('connectware_services', {})
    for service_id, record in store.items():
        record.setdefault('id', service_id)
    return store


def _deletions(state):
    return state.setdefault('service_deletions', {})


def _settle_polls(state):
    return int(state.get('service_settle_polls', 1))


def _start(state, record, transitional, target):
    """Begin a change; with no settle polls it ends at once."""
    record['pending'] = {'state': transitional, 'target': target, 'reads': _settle_polls(state)}
    record['currentState'] = transitional
    if record['pending']['reads'] <= 0:
        _finish(state, record)


def _finish(state, record):
    target = record['pending']['target']
    record['pending'] = None
    if target is None:  # a deletion
        _store(state).pop(record['id'], None)
        conflicts = int(state.get('service_delete_conflicts', 0))
        if conflicts > 0:
            _deletions(state)[record['id']] = conflicts
        return
    deviated = set(state.get('service_deviated_resources') or []) if target == 'enabled' else set()
    for resource in record['resources']:
        resource['currentState'] = 'deviated' if resource['id'] in deviated else target
    hit = any(resource['id'] in deviated for resource in record['resources'])
    record['currentState'] = 'deviated' if hit else target


def _read(state, record):
    """One read of a service: a pending change counts it, and ends on its last one."""
    pending = record['pending']
    if pending is not None:
        pending['reads'] -= 1
        if pending['reads'] <= 0:
            _finish(state, record)


def _summary(record):
    return {'id': record['id'], 'targetState': record['targetState'], 'currentState': record['currentState']}


def _commissioning_data(state, record):
    shape = state.get('service_data', 'file')
    if shape == 'empty':
        return {}
    data = {'parameters': copy.deepcopy(record['parameters'])}
    if shape == 'file':
        data['commissioningFile'] = record['commissioningFile']
        if record.get('marketplace') is not None:
            data['marketplace'] = copy.deepcopy(record['marketplace'])
    return data


# -- routing ----------------------------------------------------------------------------------


def match(path):
    """``(permission template, {method: handler(handler, query, raw_body)})`` for a Services path, else None."""
    if path == '/api/services':
        return path, {'GET': _moved, 'POST': _create}
    if path == '/api/validate/service':
        return path, {'POST': _validate}
    if path == '/api/v2/services':
        return path, {'GET': _list}
    found = _ONE_ID.match(path)
    if found is None:
        return None
    service_id, tail = found.group(1), found.group(2) or ''
    handlers = {
        '': {'GET': _get, 'PUT': _update, 'DELETE': _delete},
        '/status': {'GET': _status},
        '/operation': {'PUT': _operation},
    }[tail]
    bound = dict((method, _bind(function, service_id)) for method, function in handlers.items())
    return '/api/services/+' + tail, bound


def _bind(function, service_id):
    return lambda handler, query, raw_body: function(handler, query, raw_body, service_id)


def _conflict(handler, service_id):
    """409 while a deletion of ``service_id`` runs (counts one conflicting write); True when sent."""
    state = handler.instance.state
    left = _deletions(state).get(service_id, 0)
    record = _store(state).get(service_id)
    if left > 0:
        left -= 1
        if left > 0:
            _deletions(state)[service_id] = left
        else:
            _deletions(state).pop(service_id, None)
    elif not (record is not None and record['pending'] is not None and record['pending']['target'] is None):
        return False
    handler._send_json(409, {'message': 'Conflict: a deletion of service %s is still running' % service_id})
    return True


def _missing(handler, service_id):
    handler._send_json(404, {'message': 'Service %s not found' % service_id})


def _accepted(handler):
    """Accepted, no content (the reference: re-deploys answer without content)."""
    handler._send_raw(202, b'', 'application/json')


# -- handlers ---------------------------------------------------------------------------------


def _moved(handler, query, raw_body):
    handler._send_json(301, {'message': 'Moved Permanently'}, {'Location': '/api/v2/services'})


def _list(handler, query, raw_body):
    state = handler.instance.state
    try:
        size = int((query.get('pageSize') or ['25'])[0])
    except ValueError:
        return handler._send_json(400, {'message': 'Invalid request: pageSize must be a number'})
    rows = [{'serviceId': record['id'], 'currentState': record['currentState'], 'targetState': record['targetState']}
            for record in _store(state).values()]
    return handler._send_json(200, {'data': rows[:max(size, 0)], 'meta': {'pagination': {'totalRows': len(rows)}}})


def _validate(handler, query, raw_body):
    body = handler._json_body(raw_body) or {}
    _text, problem = validate_file(body.get('commissioningFile'))
    if problem:
        return handler._send_json(400, {'message': 'Invalid service commissioning file: %s' % problem})
    return handler._send_raw(204, b'', 'application/json')


def _create(handler, query, raw_body):
    state = handler.instance.state
    body = handler._json_body(raw_body)
    if body is None:
        return handler._send_json(400, {'message': 'Invalid request: a JSON object is required'})
    service_id = body.get('id')
    if not isinstance(service_id, str) or not SERVICE_ID.match(service_id):
        return handler._send_json(400, {'message': 'Invalid request: id must be letters, digits, - or _'})
    if _conflict(handler, service_id):
        return None
    if service_id in _store(state):
        return handler._send_json(409, {'message': 'Conflict: service %s already exists' % service_id})
    text, problem = validate_file(body.get('commissioningFile'))
    if problem:
        return handler._send_json(400, {'message': 'Invalid service commissioning file: %s' % problem})
    parameters = body.get('parameters', {})
    target = body.get('targetState', 'disabled')
    if not isinstance(parameters, dict) or target not in ('enabled', 'disabled'):
        return handler._send_json(400, {'message': 'Invalid request: parameters must be a mapping, targetState '
                                                   'enabled or disabled'})
    record = {'id': service_id, 'commissioningFile': body['commissioningFile'], 'parameters': parameters,
              'marketplace': body.get('marketplace'), 'targetState': target, 'currentState': 'installing',
              'pending': None, 'resources': [dict(resource, currentState='disabled') for resource in _resources(text)]}
    _store(state)[service_id] = record
    _start(state, record, 'installing' if target == 'disabled' else 'enabling', target)
    return handler._send_json(201, _summary(record))


def _get(handler, query, raw_body, service_id):
    state = handler.instance.state
    record = _store(state).get(service_id)
    if record is None:
        return _missing(handler, service_id)
    _read(state, record)
    if _store(state).get(service_id) is None:
        return _missing(handler, service_id)
    answer = _summary(record)
    answer['commissioningData'] = _commissioning_data(state, record)
    answer['resources'] = copy.deepcopy(record['resources'])
    return handler._send_json(200, answer)


def _status(handler, query, raw_body, service_id):
    state = handler.instance.state
    record = _store(state).get(service_id)
    if record is None:
        return _missing(handler, service_id)
    _read(state, record)
    if _store(state).get(service_id) is None:
        return _missing(handler, service_id)
    return handler._send_json(200, _summary(record))


def _update(handler, query, raw_body, service_id):
    state = handler.instance.state
    if _conflict(handler, service_id):
        return None
    record = _store(state).get(service_id)
    if record is None:
        return _missing(handler, service_id)
    body = handler._json_body(raw_body)
    if body is None:
        return handler._send_json(400, {'message': 'Invalid request: a JSON object is required'})
    encoded = body.get('commissioningFile', record['commissioningFile'])
    text, problem = validate_file(encoded)
    if problem:
        return handler._send_json(400, {'message': 'Invalid service commissioning file: %s' % problem})
    parameters = body.get('parameters', {})
    if not isinstance(parameters, dict):
        return handler._send_json(400, {'message': 'Invalid request: parameters must be a mapping'})
    record.update(commissioningFile=encoded, parameters=parameters, marketplace=body.get('marketplace'))
    states = dict((resource['id'], resource['currentState']) for resource in record['resources'])
    record['resources'] = [dict(resource, currentState=states.get(resource['id'], 'disabled'))
                           for resource in _resources(text)]
    _start(state, record, 'updating', record['targetState'])
    return _accepted(handler)


def _operation(handler, query, raw_body, service_id):
    state = handler.instance.state
    if _conflict(handler, service_id):
        return None
    record = _store(state).get(service_id)
    if record is None:
        return _missing(handler, service_id)
    body = handler._json_body(raw_body) or {}
    target = OPERATIONS.get(body.get('operation'))
    if target is None:
        return handler._send_json(400, {'message': 'Invalid request: operation must be enable or disable'})
    record['targetState'] = target
    _start(state, record, 'enabling' if target == 'enabled' else 'disabling', target)
    return _accepted(handler)


def _delete(handler, query, raw_body, service_id):
    state = handler.instance.state
    record = _store(state).get(service_id)
    if record is None:
        return _missing(handler, service_id)
    if record['pending'] is None or record['pending']['target'] is not None:
        _start(state, record, 'deleting', None)
    return _accepted(handler)
