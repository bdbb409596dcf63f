# -*- coding: utf-8 -*-
# Copyright: (c) 2026, iiot.connectware contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""connectware_service's logic: a commissioning file installed as a Connectware service, idempotently.

FOR INTERNAL COLLECTION USE ONLY: the interfaces here may change in any release.

``run_service(task)`` reads the service (``GET /api/services/{id}``), decides what to do (install,
re-deploy, enable, disable, delete, or nothing), does it (or, in check mode, only predicts it) and
waits until Connectware reports the target state. It returns the result dict or raises
ConnectwareError, whose ``result`` holds what is known at the failure (the service, what was done).

Everything Connectware answers is untrusted: states are strings compared exactly, never taken as
success unless they are the target, and shown in messages with control characters escaped.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import base64
import copy
import math
import re
import time

try:
    import yaml
except ImportError:
    yaml = None

from ansible.module_utils.common.text.converters import to_bytes, to_text

from ansible_collections.iiot.connectware.plugins.module_utils import _endpoints as endpoints
from ansible_collections.iiot.connectware.plugins.module_utils._client import REDACTED, ConnectwareError
from ansible_collections.iiot.connectware.plugins.module_utils._marketplace import (
    MAX_DATA_CHARS,
    Marketplace,
    load_yaml,
    shown,
    strict_base64_text,
)

SERVICES_PATH = endpoints.SERVICES
VALIDATE_PATH = endpoints.SERVICE_VALIDATE

# The API reference does not say which characters a service id may have. Connectware's own
# default ids are lowercase letters and digits; this set adds what ids commonly use (upper case,
# "-" and "_") and leaves out everything a URL path or an MQTT topic would treat specially.
SERVICE_ID = re.compile(r'^[A-Za-z0-9][A-Za-z0-9_-]{0,99}$')
SERVICE_ID_RULE = '1 to 100 ASCII letters, digits, "-" and "_", starting with a letter or digit'
# A parameter whose name contains one of these (any case) holds a secret.
SECRET_NAME = re.compile(r'password|token|secret|key', re.IGNORECASE)
MAX_WAIT_TIMEOUT = 86400.0
MAX_WAIT_INTERVAL = 3600.0
# The states the reference names; any other is reported as it comes, never taken as done.
SETTLED = ('enabled', 'disabled', 'deviated')
TARGET = {'enabled': 'enabled', 'disabled': 'disabled', 'present': None, 'absent': None}
OPERATION = {'enabled': 'enable', 'disabled': 'disable'}
_MISSING = object()


def commissioning_file_text(raw, path):
    """The text of a commissioning file read from ``path`` on the controller (option ``src``)."""
    try:
        return to_text(raw, errors='strict')
    except UnicodeDecodeError:
        raise config_error('src: commissioning file %s is not UTF-8 text: give the service commissioning file (YAML) '
                           'as written' % path)


def run_service(task, clock=time.monotonic, sleep=time.sleep):
    """The result of connectware_service for ``task``; raises ConnectwareError."""
    return ServiceRunner(task, clock=clock, sleep=sleep).run()


def config_error(message):
    return ConnectwareError(message, kind='config')


def is_secret_name(name):
    return bool(SECRET_NAME.search('%s' % (name,)))


def secret_leaves(value):
    """The texts of every scalar inside a secret parameter's value (booleans and nulls hold none)."""
    if isinstance(value, dict):
        return [text for item in value.values() for text in secret_leaves(item)]
    if isinstance(value, (list, tuple)):
        return [text for item in value for text in secret_leaves(item)]
    if value is None or isinstance(value, bool):
        return []
    text = to_text(value, errors='surrogate_or_replace')
    return [text] if text.strip() else []


def masked(parameters):
    """``parameters`` with the value of every secret-named one replaced by a placeholder."""
    if not isinstance(parameters, dict):
        return parameters
    return dict((name, REDACTED if is_secret_name(name) and value is not None else copy.deepcopy(value))
                for name, value in parameters.items())


def canonical(value):
    """A parameter value as compared: "4840" equals 4840 and "true" equals true (Ansible may template to text)."""
    if isinstance(value, dict):
        return dict((to_text(key), canonical(item)) for key, item in value.items())
    if isinstance(value, (list, tuple)):
        return [canonical(item) for item in value]
    if isinstance(value, bool):
        return 'true' if value else 'false'
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        return '%d' % value
    if isinstance(value, (int, float)):
        return repr(value)
    return value


def changed_parameters(given, installed):
    """Names of the parameters in ``given`` whose value differs from ``installed``'s (given only)."""
    return sorted(name for name, value in given.items()
                  if name not in installed or canonical(value) != canonical(installed[name]))


def parse_mapping(text):
    """The commissioning file's YAML value, or _MISSING when it cannot be read here (no PyYAML, invalid, too deep)."""
    if yaml is None:
        return _MISSING
    try:
        return load_yaml(text)
    except Exception:  # pylint: disable=broad-except
        # Invalid or hostile YAML is Connectware's to judge (validation); here it only cannot be compared.
        return _MISSING


def same_file(installed, given):
    """Whether two commissioning files are the same: equal text, or equal YAML mappings."""
    if installed == given or installed.replace('\r\n', '\n').rstrip() == given.replace('\r\n', '\n').rstrip():
        return True
    left, right = parse_mapping(installed), parse_mapping(given)
    return isinstance(left, dict) and isinstance(right, dict) and left == right


def installed_file(data):
    """The commissioning file Connectware reports in ``commissioningData``, as text, or None.

    Taken from ``commissioningData.commissioningFile`` (or ``commissioningData`` itself when it is
    text): base64 of the file's bytes, as the API carries it, or the file's text.
    """
    value = data.get('commissioningFile') if isinstance(data, dict) else data
    if not isinstance(value, str) or not value.strip():
        return None
    decoded = strict_base64_text(value) if len(value) <= 2 * MAX_DATA_CHARS else None
    return decoded if decoded is not None else value


def installed_parameters(data):
    value = data.get('parameters') if isinstance(data, dict) else None
    return value if isinstance(value, dict) else None


def summary(answer, service_id):
    """``{id, targetState, currentState}`` of an answer about the service, as Connectware sent them."""
    answer = answer if isinstance(answer, dict) else {}
    return dict(id=answer.get('id', service_id), targetState=answer.get('targetState'),
                currentState=answer.get('currentState'))


def resource_states(resources):
    """``[(name, state, raw)]`` of a service's resources, whatever their shape (list or mapping)."""
    if isinstance(resources, dict):
        items = list(resources.items())
    elif isinstance(resources, list):
        items = [(None, item) for item in resources]
    else:
        return []
    found = []
    for key, item in items:
        name, state = key, None
        if isinstance(item, dict):
            name = next((item[field] for field in ('id', 'name', 'resourceId') if isinstance(item.get(field), str)), key)
            state = next((item[field] for field in ('currentState', 'state', 'status') if field in item), None)
        elif isinstance(item, str):
            state = item
        found.append((name, state, item))
    return found


class ServiceRunner(object):
    """One run of connectware_service: decide, act (or predict), wait."""

    def __init__(self, task, clock=time.monotonic, sleep=time.sleep):
        self.task = task
        self.client = task.client
        self.params = task.params
        self.clock = clock
        self.sleep = sleep
        self.service_id = self.params.get('service_id')
        self.path = endpoints.service(self.service_id)
        self.actions = []
        self.service = None
        self.previous = None
        self.marketplace = None
        self.ends = None

    # -- entry ---------------------------------------------------------------------------------

    def run(self):
        self.check_params()
        self.protect_secrets()
        text = self.local_file()
        self.ends = self.clock() + float(self.params['wait_timeout'])
        current = self.read()
        self.previous = summary(current, self.service_id) if current is not None else None
        self.service = copy.deepcopy(self.previous)
        before_file = installed_file(current.get('commissioningData')) if current is not None else None
        try:
            if self.params['state'] == 'absent':
                self.remove(current)
            else:
                if self.params.get('marketplace'):
                    text = self.marketplace_file()
                self.check_mapping(text)
                self.deploy(current, text, before_file)
                self.operate(current is None)
        except ConnectwareError as error:
            known = self.result()
            known.update(getattr(error, 'result', None) or {})
            error.result = known
            raise
        result = self.result()
        if self.task.diff_mode:
            result['diff'] = self.diff(current, text, before_file)
        return result

    def result(self):
        # Validation changes nothing: only the actions after it do.
        result = dict(changed=any(action != 'validated' for action in self.actions), actions=list(self.actions),
                      service=self.service, previous=self.previous)
        if self.marketplace is not None:
            result['marketplace'] = self.marketplace
        return result

    # -- input, before any request -------------------------------------------------------------

    def check_params(self):
        params = self.params
        service_id = params.get('service_id')
        if not isinstance(service_id, str) or not SERVICE_ID.match(service_id):
            raise config_error("service_id '%s' is not a service id this module sends: use %s (Connectware's own "
                               "default ids are lowercase letters and digits)" % (shown(service_id, limit=60), SERVICE_ID_RULE))
        for option, low, high, low_ok in (('wait_timeout', 0.0, MAX_WAIT_TIMEOUT, True),
                                          ('wait_interval', 0.0, MAX_WAIT_INTERVAL, False)):
            value = params.get(option)
            try:
                number = float(value)
            except (TypeError, ValueError):
                number = float('nan')
            if not math.isfinite(number) or number < low or (number == low and not low_ok) or number > high:
                raise config_error('%s must be a finite number of seconds, %s %s and at most %s (got %s)'
                                   % (option, 'at least' if low_ok else 'more than', '%g' % low, '%g' % high, value))
        parameters = params.get('parameters')
        if parameters is not None and not isinstance(parameters, dict):
            raise config_error('parameters must be a mapping of the commissioning file\'s parameter names to values')
        if params['state'] == 'absent':
            return
        sources = [name for name in ('content', 'marketplace') if params.get(name) is not None]
        if not sources:
            if params.get('src') is not None:
                raise config_error('src is read on the controller by the action plugin of iiot.connectware.connectware_service, '
                                   'which passes its text as content: call the module by that name, or give content')
            raise config_error('state=%s needs the commissioning file: give src, content or marketplace' % params['state'])
        if len(sources) > 1:
            raise config_error('parameters are mutually exclusive: src|content|marketplace')

    def protect_secrets(self):
        for name, value in (self.params.get('parameters') or {}).items():
            if is_secret_name(name):
                for text in secret_leaves(value):
                    self.task.add_secret(text)

    def local_file(self):
        """The text of ``content`` (None for marketplace or absent), checked before any request."""
        content = self.params.get('content')
        if content is None or self.params['state'] == 'absent':
            return None
        if not content.strip():
            raise config_error('content (or the file src names) is empty: give a service commissioning file')
        if len(content) > MAX_DATA_CHARS:
            raise config_error('content (or the file src names) is %d characters long, above the %d this module sends: '
                               'give a service commissioning file' % (len(content), MAX_DATA_CHARS))
        self.check_mapping(content)
        return content

    def check_mapping(self, text):
        """A commissioning file is a YAML mapping; anything else is refused before it is sent."""
        value = parse_mapping(text)
        if value is _MISSING or isinstance(value, dict):
            return
        origin = ('marketplace app %s' % self.marketplace_name() if self.params.get('marketplace')
                  else 'content (or the file src names)')
        raise config_error('%s: the commissioning file is valid YAML but not a mapping (it is %s): a service '
                           'commissioning file has keys such as description, metadata, parameters and resources'
                           % (origin, 'empty' if value is None else 'a %s' % type(value).__name__))

    def marketplace_name(self):
        app = self.params.get('marketplace') or {}
        if app.get('name') is not None:
            return "'%s'" % shown(app['name'])
        return '%s/%s' % (shown(app.get('directory')), shown(app.get('filename')))

    # -- requests --------------------------------------------------------------------------------

    def read(self):
        """The service as ``GET /api/services/{id}`` answers, or None when there is none (404)."""
        try:
            answer = self.client.get(self.path)
        except ConnectwareError as error:
            if error.status == 404:
                return None
            raise
        if not isinstance(answer, dict):
            raise ConnectwareError('Connectware at %s answered GET %s with %s, not a service object: check that url '
                                   'points to the Connectware API' % (self.client.base_url, self.path, type(answer).__name__),
                                   kind='invalid_response', method='GET', path=self.path)
        return answer

    def write(self, method, path, body=None):
        """Send a write; HTTP 409 (a deletion of this id still running) is retried within wait_timeout."""
        while True:
            try:
                answer = self.client.request(method, path, body=body, allow_empty=True)
            except ConnectwareError as error:
                if error.status != 409:
                    raise
                remaining = self.ends - self.clock()
                if remaining <= 0:
                    error.message = ('%s. Connectware still answered 409 (conflict) for service %s when '
                                     'wait_timeout=%ss ran out: a deletion of that id is probably still running; wait '
                                     'for it to finish, or raise wait_timeout'
                                     % (error.message.rstrip('.'), self.service_id, _num(self.params['wait_timeout'])))
                    error.args = (error.message,)
                    raise
                self.sleep(min(float(self.params['wait_interval']), remaining))
                continue
            return answer

    def validate(self, encoded, origin):
        """``POST /api/validate/service``: Connectware's reason fails the task, with nothing installed."""
        try:
            self.client.request('POST', VALIDATE_PATH, body=dict(commissioningFile=encoded), allow_empty=True)
        except ConnectwareError as error:
            if error.status != 400:
                raise
            reason = error.body or 'no reason given'
            error.message = ('Connectware rejected the commissioning file of service %s (%s) as invalid (HTTP 400): %s. '
                             'Nothing was %s: fix the file' % (self.service_id, origin, reason,
                                                               'changed' if self.previous else 'installed'))
            error.args = (error.message,)
            raise
        self.actions.append('validated')

    def marketplace_file(self):
        app_options = self.params['marketplace']
        # A MarketplaceError is a ConnectwareError (kind config) naming the option and the candidates.
        app, commissioning = Marketplace(self.client).get(
            name=app_options.get('name'), directory=app_options.get('directory'),
            filename=app_options.get('filename'), version=app_options.get('version'), prefix='marketplace.')
        for warning in commissioning.warnings:
            self.task.warn(warning)
        self.marketplace = dict(name=app.get('name'), directory=app.get('directory'), filename=app.get('filename'),
                                version=commissioning.meta.get('version'), updatedAt=commissioning.meta.get('updatedAt'))
        return commissioning.content

    # -- install, re-deploy ----------------------------------------------------------------------

    def origin(self):
        return 'marketplace app %s' % self.marketplace_name() if self.marketplace is not None else 'content'

    def body(self, encoded, parameters):
        body = dict(commissioningFile=encoded)
        if parameters is not None:
            body['parameters'] = parameters
        if self.marketplace is not None:
            body['marketplace'] = dict((key, self.marketplace[key]) for key in ('directory', 'filename', 'version')
                                       if self.marketplace.get(key) is not None)
        return body

    def deploy(self, current, text, before_file):
        """Install, or re-deploy when the parameters or the file (``before_file``: as installed, if known) differ."""
        encoded = base64.b64encode(to_bytes(text, errors='surrogate_or_strict')).decode('ascii')
        parameters = self.params.get('parameters')
        if current is None:
            target = 'enabled' if self.params['state'] == 'enabled' else 'disabled'
            self.validate(encoded, self.origin())
            body = self.body(encoded, parameters if parameters is not None else {})
            body.update(id=self.service_id, targetState=target)
            if self.task.check_mode:
                self.service = dict(id=self.service_id, targetState=target, currentState=target)
            else:
                answer = self.write('POST', SERVICES_PATH, body)
                self.service = summary(answer, self.service_id)
                self.service['targetState'] = self.service['targetState'] or target
            self.actions.append('installed')
            if target == 'enabled':
                self.actions.append('enabled')
            return

        before_parameters = installed_parameters(current.get('commissioningData'))
        differences, unknown = [], []
        if before_file is None:
            unknown.append('commissioning file')
        elif not same_file(before_file, text):
            differences.append('commissioning file')
        if parameters is not None:
            if before_parameters is None:
                unknown.append('parameters')
            else:
                names = changed_parameters(parameters, before_parameters)
                if names:
                    differences.append('parameters (%s)' % ', '.join(shown(name, limit=60) for name in names))
        if not differences and not self.params['force']:
            if unknown:
                self.task.warn("Connectware's answer for service %s does not include its %s, so this module cannot "
                               'compare it with the one given and does not re-deploy the service. Set force: true to '
                               're-deploy it anyway' % (self.service_id, ' and '.join(unknown)))
            return
        self.validate(encoded, self.origin())
        sent = parameters if parameters is not None else before_parameters
        if not self.task.check_mode:
            self.write('PUT', self.path, self.body(encoded, sent))
            # Accepted, not done: the state is read again before it is judged.
            self.service = dict(id=self.service_id, targetState=self.service.get('targetState'), currentState=None)
        self.actions.append('updated')
        self.task.warn('service %s %s re-deployed (%s): its resources restart' % (
            self.service_id, 'would be' if self.task.check_mode else 'is',
            '; '.join(differences) or 'force: true'))
        if not self.task.check_mode and self.params['wait'] and self.service['targetState'] in ('enabled', 'disabled'):
            self.wait_for(self.service['targetState'])

    # -- enable, disable -------------------------------------------------------------------------

    def operate(self, new):
        """Enable or disable when the current state differs from the target; wait for it."""
        target = TARGET[self.params['state']]
        if target is None:
            if new and not self.task.check_mode and self.params['wait']:
                self.wait_for(self.service['targetState'] or 'disabled')
            return
        current, planned = self.service.get('currentState'), self.service.get('targetState')
        on_its_way = planned == target and current not in SETTLED
        if current != target and not on_its_way:
            if self.task.check_mode:
                self.service = dict(self.service, targetState=target, currentState=target)
            else:
                answer = self.write('PUT', self.path + '/operation', dict(operation=OPERATION[target]))
                self.service = summary(answer, self.service_id) if isinstance(answer, dict) else dict(
                    id=self.service_id, targetState=target, currentState=None)
                self.service['targetState'] = self.service['targetState'] or target
            self.actions.append(target)
        elif self.task.check_mode and current != target:
            self.service = dict(self.service, currentState=target)
        if not self.task.check_mode and self.params['wait'] and self.service.get('currentState') != target:
            self.wait_for(target)

    def status(self):
        return summary(self.client.get(self.path + '/status'), self.service_id)

    def wait_for(self, expected):
        """Poll the status until ``expected``; ``deviated`` or the deadline fails, naming the resources."""
        while True:
            current = self.service.get('currentState')
            if current == expected:
                return
            if current == 'deviated':
                raise self.state_failure(expected, 'is deviated: some of its resources did not reach %s' % expected)
            remaining = self.ends - self.clock()
            if remaining <= 0:
                raise self.state_failure(expected, 'did not reach %s within wait_timeout=%ss; its last state is %s'
                                         % (expected, _num(self.params['wait_timeout']), _state(current)), kind='timeout')
            self.sleep(min(float(self.params['wait_interval']), remaining))
            self.service = self.status()

    def state_failure(self, expected, what, kind='service_state'):
        """The failure of a service that missed ``expected``, naming the resources that missed it."""
        resources = []
        detail = ''
        try:
            answer = self.read()
        except ConnectwareError as error:
            detail = ' (its resources could not be read: %s)' % error.message
            answer = None
        if answer is not None:
            states = resource_states(answer.get('resources'))
            resources = [raw for _name, state, raw in states if state != expected]
            named = ['%s (%s)' % (shown(name, limit=80), _state(state)) for name, state, _raw in states if state != expected]
            if named:
                more = ' and %d more' % (len(named) - 20) if len(named) > 20 else ''
                detail = '. Resources not %s: %s%s' % (expected, ', '.join(named[:20]), more)
            elif states:
                detail = '. Connectware reports all %d of its resources as %s' % (len(states), expected)
            else:
                detail = '. Connectware reported no resources for it'
        error = ConnectwareError('service %s %s%s' % (self.service_id, what, detail), kind=kind, method='GET',
                                 path=self.path + '/status', url=self.client.base_url + self.path + '/status')
        error.result = dict(resources=resources)
        return error

    # -- absent ----------------------------------------------------------------------------------

    def remove(self, current):
        """Disable (unless disabled), delete, and wait until GET answers 404."""
        if current is None:
            return
        state, planned = self.service.get('currentState'), self.service.get('targetState')
        if state != 'disabled':
            if not (planned == 'disabled' and state not in SETTLED):
                if not self.task.check_mode:
                    self.write('PUT', self.path + '/operation', dict(operation='disable'))
                    self.service = dict(self.service, targetState='disabled', currentState=None)
                self.actions.append('disabled')
            if not self.task.check_mode and self.params['wait']:
                self.wait_for('disabled')
        if not self.task.check_mode:
            self.write('DELETE', self.path)
        self.actions.append('deleted')
        self.service = None
        if self.task.check_mode or not self.params['wait']:
            return
        while True:
            remaining = self.ends - self.clock()
            if remaining <= 0:
                raise ConnectwareError('service %s was still there when wait_timeout=%ss ran out (its deletion was '
                                       'accepted; GET %s did not answer 404 yet): raise wait_timeout, or look at the '
                                       'service in Connectware' % (self.service_id, _num(self.params['wait_timeout']),
                                                                   self.path),
                                       kind='timeout', method='GET', path=self.path, url=self.client.base_url + self.path)
            self.sleep(min(float(self.params['wait_interval']), remaining))
            if self.read() is None:
                return

    # -- diff ------------------------------------------------------------------------------------

    def diff(self, current, text, before_file):
        """Before and after: the state and parameters (secrets masked), and the commissioning file."""
        header = 'service %s' % self.service_id
        text = None if self.params['state'] == 'absent' else text
        before_state = dict(state=self.previous['currentState'], parameters=masked(
            installed_parameters(current.get('commissioningData')))) if current is not None else {}
        if self.service is None:
            after_state = {}
        else:
            parameters = self.params.get('parameters')
            if parameters is None:
                parameters = before_state.get('parameters')
            after_state = dict(state=TARGET[self.params['state']] or self.service.get('currentState'),
                               parameters=masked(parameters if parameters is not None else {}))
        if current is None:
            file_header = '%s: commissioning file (absent)' % header
        elif before_file is None and text is not None:
            file_header = '%s: commissioning file (Connectware did not return it)' % header
        else:
            file_header = '%s: commissioning file' % header
        return [
            dict(before_header=header if current is not None else '%s (absent)' % header, before=before_state,
                 after_header=header if self.service is not None else '%s (absent)' % header, after=after_state),
            dict(before_header=file_header, before=before_file or '',
                 after_header='%s: commissioning file%s' % (header, '' if text is not None else ' (absent)'),
                 after=text if text is not None else ''),
        ]


def _state(value):
    return "'%s'" % shown(value) if value is not None else 'unknown'


def _num(value):
    return ('%.3f' % float(value)).rstrip('0').rstrip('.')
