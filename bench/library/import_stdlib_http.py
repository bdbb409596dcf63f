# -*- coding: utf-8 -*-
# Copyright: (c) 2026, iiot.connectware contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Benchmark control, not part of the collection: a module that only imports the standard library's http.client and ssl.

Its cost over ansible.builtin.ping is the least any module built on that library can add.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import http.client  # noqa: F401  pylint: disable=unused-import
import ssl  # noqa: F401  pylint: disable=unused-import

from ansible.module_utils.basic import AnsibleModule


def main():
    AnsibleModule(argument_spec={}, supports_check_mode=True).exit_json(changed=False)


if __name__ == '__main__':
    main()
