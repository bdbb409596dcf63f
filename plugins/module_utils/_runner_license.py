# -*- coding: utf-8 -*-
# Copyright: (c) 2026, iiot.connectware contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The logic of connectware_license: install a license file or refresh the license, idempotently.

FOR INTERNAL COLLECTION USE ONLY.  The license rules themselves live in _license, the reading of a
license file in _license_file.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.iiot.connectware.plugins.module_utils import _endpoints as endpoints
from ansible_collections.iiot.connectware.plugins.module_utils._client import ConnectwareError
from ansible_collections.iiot.connectware.plugins.module_utils._license import (
    EXPIRED,
    INVALID,
    SUMMARY_FIELDS,
    UNREADABLE_EXPIRATION,
    complete_license,
    is_perpetual,
    license_of,
    license_problem,
    license_summary,
    parse_expiration,
    reported_expiration,
    shown_value,
)
from ansible_collections.iiot.connectware.plugins.module_utils._license_file import license_file_text, license_identity

INFO_PATH = endpoints.SYSTEM_INFO
LICENSEFILE_PATH = endpoints.LICENSE_FILE
REFRESH_PATH = endpoints.LICENSE_REFRESH
# What makes two license summaries "the same license": days_left moves with the calendar.
COMPARED_FIELDS = ('name', 'id', 'account', 'license_class', 'expiration', 'valid')
# Where the diff shows a field check mode cannot know.
UNKNOWN_UNTIL_READ = '(unknown until Connectware reads the file)'
UNKNOWN_UNTIL_REFRESH = '(unknown until Connectware asks the Cybus portal)'
# Summary field -> claim of the file that reveals it (expiration and days_left come from the file's expiration).
REVEALED_BY = (('name', 'name'), ('account', 'account'), ('license_class', 'license_class'),
               ('expiration', 'expiration'), ('days_left', 'expiration'))


def describe(summary):
    return "license %s (expires %s)" % (summary.get('id') or 'without id', summary.get('expiration') or 'never/unknown')


def failure(message, result):
    """A ConnectwareError (kind config) for a license that is not acceptable, carrying the result so far."""
    error = ConnectwareError(message, kind='config')
    error.result = result
    return error


def predicted_license(identity, today=None):
    """What the file reveals, as the ``license`` object Connectware would report: ``(license_data, unknown)``.

    ``unknown`` lists the summary fields that only Connectware can tell once it has read the
    file: what the file does not reveal, and validity (Connectware verifies the file).
    """
    file_data = dict(id=identity['id'])
    for field, key in (('expiration', 'expiration'), ('account', 'associatedAccount'),
                       ('license_class', 'connectwareLicenseClass')):
        if identity.get(field) is not None:
            file_data[key] = identity[field]
    license_data = dict(file=file_data)
    if identity.get('name') is not None:
        license_data['name'] = identity['name']
    unknown = [field for field, claim in REVEALED_BY if identity.get(claim) is None]
    summary = license_summary(license_data, today=today)
    if summary['valid'] or summary['days_left'] is None:
        # An expired file is known to be invalid; otherwise only Connectware can say.
        unknown.append('valid')
    return license_data, sorted(unknown, key=SUMMARY_FIELDS.index)


def masked(summary, unknown):
    return dict((field, None if field in unknown else value) for field, value in summary.items())


class ConnectwareLicense(object):
    """The logic of connectware_license: takes validated params and a client; raises ConnectwareError."""

    def __init__(self, task, today=None):
        self.task = task
        self.client = task.client
        self.params = task.params
        self.today = today
        if self.params['min_days_left'] < 0:
            raise ConnectwareError('min_days_left must be 0 or more (got %s)' % self.params['min_days_left'],
                                   kind='config')

    def run(self):
        if self.params['state'] == 'refreshed':
            return self.refresh()
        return self.install()

    def summary(self, license_data):
        return license_summary(license_data, today=self.today)

    def read_payload(self):
        content = self.params['content']
        if self.params['src'] is not None:
            # Only reached when the module runs without its action plugin.
            try:
                with open(self.params['src'], 'rb') as handle:
                    raw = handle.read()
            except (IOError, OSError) as error:
                raise ConnectwareError('src: cannot read license file %s: %s' % (self.params['src'], error), kind='config')
            content = license_file_text(raw, self.params['src'])
        payload = content.rstrip()
        if not payload.strip():
            raise ConnectwareError('content: the license is empty: give the text of the license file', kind='config')
        return payload

    def read_license(self):
        """The ``license`` object of ``GET /api/system/info``."""
        return license_of(self.client.get(INFO_PATH))

    def install(self):
        payload = self.read_payload()
        self.task.add_secret(payload)
        identity = license_identity(payload)
        before = self.read_license()
        previous = self.summary(before)
        result = dict(changed=False, uploaded=False, refreshed=False, previous_license=previous, license=previous,
                      file_identity=identity, unknown=[])

        installed = identity is not None and self.matches(identity, previous)
        if installed and (not self.params['force'] or self.task.check_mode):
            # A forced upload of the installed license changes nothing observable: check mode says so.
            return self.finish(result, before)

        if identity is not None and not installed and not self.params['allow_downgrade']:
            self.refuse_downgrade(identity, before, previous, result)

        if self.task.check_mode:
            return self.predict(identity, result)

        try:
            answer = self.client.put(LICENSEFILE_PATH, {'payload': payload})
        except ConnectwareError as error:
            if error.status is not None and 400 <= error.status < 500 and error.status != 429:
                # Refused: nothing changed on Connectware.
                error.message += '. Connectware keeps %s' % describe(previous)
            else:
                # Whether Connectware applied an upload whose answer was lost is unknown: say what was
                # there before; a rerun reads the license again and converges.
                error.message += ('. Before the upload Connectware reported %s; run the task again to converge'
                                  % describe(previous))
            error.result = dict(previous_license=previous, file_identity=identity, uploaded=False, changed=False)
            raise
        result['uploaded'] = True
        after = complete_license(answer)
        if after is None:
            # The documented answer names the license but not its identity and validity.
            try:
                after = self.read_license()
            except ConnectwareError as error:
                error.message += ('. Connectware had accepted the license file; run the task again to read the '
                                  'license it installed')
                error.result = dict(previous_license=previous, file_identity=identity, uploaded=True,
                                    changed=not installed)
                raise
        result['license'] = self.summary(after)
        result['changed'] = self.differs(previous, result['license'])
        return self.finish(result, after)

    def refuse_downgrade(self, identity, before, previous, result):
        """Fail, before any upload, when the file expires before the installed license, which is valid."""
        new_expiration = parse_expiration(identity['expiration'])
        if new_expiration is None or not previous['valid']:
            return
        installed_expiration = parse_expiration(previous['expiration'])
        if installed_expiration is not None and new_expiration < installed_expiration:
            installed = 'which expires on %s' % previous['expiration']
        elif is_perpetual(before, today=self.today):
            installed = 'which does not expire'
        else:
            return
        raise failure('The license file holds license %s, which expires on %s, earlier than the installed license %s, '
                      '%s: nothing was uploaded. Set allow_downgrade=true to install it anyway, or give a license '
                      'file that runs longer' % (identity['id'], identity['expiration'], previous['id'] or 'without id',
                                                 installed), result)

    def predict(self, identity, result):
        """Check mode: what the upload would install, as far as the file tells."""
        result['changed'] = True
        if identity is None:
            self.task.warn('the license file does not reveal its id, so check mode cannot tell whether it is '
                           'installed already: reporting changed')
            result['unknown'] = list(SUMMARY_FIELDS)
            result['license'] = masked(result['license'], SUMMARY_FIELDS)
            return self.finish(result, None, check_only=True)
        license_data, unknown = predicted_license(identity, today=self.today)
        result['unknown'] = unknown
        result['license'] = masked(self.summary(license_data), unknown)
        if identity['expiration'] is None:
            return self.finish(result, license_data, check_only=True)
        return self.finish(result, license_data, prefix='Check mode: the license file is ')

    def refresh(self):
        if self.params['src'] is not None or self.params['content'] is not None:
            raise ConnectwareError('src and content are only for state=present: remove them to refresh the license '
                                   'from the Cybus portal', kind='config')
        before = self.read_license()
        previous = self.summary(before)
        result = dict(changed=False, uploaded=False, refreshed=False, previous_license=previous, license=previous,
                      unknown=[])
        if self.task.check_mode:
            self.task.warn('check mode: the license was not refreshed; whether a refresh would change it '
                           'cannot be known before Connectware asks the Cybus portal')
            result['unknown'] = list(SUMMARY_FIELDS)
            result['license'] = masked(previous, SUMMARY_FIELDS)
            return self.finish(result, None, check_only=True, unknown_text=UNKNOWN_UNTIL_REFRESH)
        try:
            answer = self.client.get(REFRESH_PATH)
        except ConnectwareError as error:
            if error.status == 400:
                error.message += ('. Connectware refreshes its license from the Cybus portal: check that the host '
                                  'reaches it (preflight cybusPortal), or install a license file with state=present')
            error.result = dict(previous_license=previous, uploaded=False, refreshed=False, changed=False)
            raise
        result['refreshed'] = True
        after = complete_license(answer)
        if after is None:
            try:
                after = self.read_license()
            except ConnectwareError as error:
                error.message += '. Connectware had refreshed the license; run the task again to read it'
                error.result = dict(previous_license=previous, uploaded=False, refreshed=True, changed=True)
                raise
        result['license'] = self.summary(after)
        result['changed'] = self.differs(previous, result['license'])
        return self.finish(result, after)

    @staticmethod
    def matches(identity, summary):
        if identity['id'] != summary['id']:
            return False
        return identity['expiration'] is None or identity['expiration'] == summary['expiration']

    @staticmethod
    def differs(before, after):
        return any(before.get(field) != after.get(field) for field in COMPARED_FIELDS)

    def finish(self, result, license_data, check_only=False, prefix=None, unknown_text=UNKNOWN_UNTIL_READ):
        """Add the diff and, unless nothing about the outcome is known, enforce min_days_left."""
        if self.task.diff_mode:
            after = dict((field, unknown_text if field in result['unknown'] else value)
                         for field, value in result['license'].items())
            result['diff'] = dict(before=result['previous_license'], after=after,
                                  before_header='license before', after_header='license after')
        if not check_only:
            self.enforce(result, license_data, prefix)
        return result

    def enforce(self, result, license_data, prefix=None):
        """The shared minimum-days rule, on what Connectware reports (or, in check mode, on what the file reveals)."""
        minimum = self.params['min_days_left']
        summary, problem = license_problem(license_data, minimum, today=self.today)
        if problem is None:
            return
        if prefix is None:
            prefix = 'Connectware accepted the license file but reports ' if result['uploaded'] else 'Connectware reports '
        if problem == EXPIRED:
            message = '%s%s expired: install a valid license file' % (prefix, describe(summary))
        elif problem == INVALID:
            message = '%s%s invalid: install a valid license file' % (prefix, describe(summary))
        elif problem == UNREADABLE_EXPIRATION:
            message = ('%s%s with an expiration reported as %s, which is not a date, so min_days_left=%d cannot be '
                       'checked' % (prefix, describe(summary), shown_value(reported_expiration(license_data)), minimum))
        else:  # TOO_SHORT
            message = ('%s%s, %s days left, fewer than min_days_left=%d: install a license that runs longer'
                       % (prefix, describe(summary), summary['days_left'], minimum))
        raise failure(message, result)


def run_license(task):
    return ConnectwareLicense(task).run()
