# -*- coding: utf-8 -*-
# Copyright: (c) 2026, iiot.connectware contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""TLS material for the simulator: a generated CA, like Connectware's own Cybus CA."""

import os
import ssl

import trustme


class TLSMaterial(object):
    """A CA, a server certificate for ``identities`` and, optionally, mutual TLS."""

    def __init__(self, directory, identities=('localhost', '127.0.0.1', '::1'), require_client_cert=False):
        self.directory = directory
        os.makedirs(directory, exist_ok=True)
        self.ca = trustme.CA(organization_name='Simulated Cybus', organization_unit_name='CybusCA')
        self.server_cert = self.ca.issue_cert(*identities)
        self.require_client_cert = require_client_cert
        self.ca_path = os.path.join(directory, 'cybus_ca.crt')
        self.ca.cert_pem.write_to_path(self.ca_path)
        client = self.ca.issue_cert('automation@example.com')
        self.client_cert_path = os.path.join(directory, 'client.crt')
        self.client_key_path = os.path.join(directory, 'client.key')
        client.cert_chain_pems[0].write_to_path(self.client_cert_path)
        client.private_key_pem.write_to_path(self.client_key_path)
        # A CA nobody trusts, for "unknown CA" tests.
        self.other_ca_path = os.path.join(directory, 'other_ca.crt')
        trustme.CA().cert_pem.write_to_path(self.other_ca_path)
        self._context = None

    def server_context(self):
        if self._context is None:
            context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            self.server_cert.configure_cert(context)
            if self.require_client_cert:
                self.ca.configure_trust(context)
                context.verify_mode = ssl.CERT_REQUIRED
            self._context = context
        return self._context
