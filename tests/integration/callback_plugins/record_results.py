# -*- coding: utf-8 -*-
# Copyright: (c) 2026, iiot.connectware contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Test-only callback: append every task result (as Ansible would display it) to $RECORD_RESULTS_PATH."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
name: record_results
type: aggregate
short_description: Record task results as JSON lines for the integration tests
description:
  - Writes one JSON object per task result to the file named by the environment variable E(RECORD_RESULTS_PATH).
options: {}
'''

import json
import os

from ansible.plugins.callback import CallbackBase


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = 'aggregate'
    CALLBACK_NAME = 'record_results'
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self, *args, **kwargs):
        super(CallbackModule, self).__init__(*args, **kwargs)
        self._play_name = None

    def v2_playbook_on_play_start(self, play):
        self._play_name = play.get_name()

    def _record(self, result, status):
        path = os.environ.get('RECORD_RESULTS_PATH')
        if not path:
            return
        # _clean_results applies the same masking as the display (no_log, censoring).
        data = dict(result._result)  # pylint: disable=protected-access
        self._clean_results(data, result._task.action)  # pylint: disable=protected-access
        entry = {
            'play': self._play_name,
            'host': result._host.get_name(),  # pylint: disable=protected-access
            'task': result._task.get_name(),  # pylint: disable=protected-access
            'action': result._task.action,  # pylint: disable=protected-access
            'status': status,
            'result': data,
        }
        with open(path, 'a', encoding='utf-8') as handle:
            handle.write(json.dumps(entry, default=str) + '\n')

    def v2_runner_on_ok(self, result):
        self._record(result, 'changed' if result._result.get('changed') else 'ok')  # pylint: disable=protected-access

    def v2_runner_on_failed(self, result, ignore_errors=False):
        self._record(result, 'ignored' if ignore_errors else 'failed')

    def v2_runner_on_skipped(self, result):
        self._record(result, 'skipped')

    def v2_runner_on_unreachable(self, result):
        self._record(result, 'unreachable')
