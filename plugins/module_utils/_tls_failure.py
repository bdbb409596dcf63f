# -*- coding: utf-8 -*-
# Copyright: (c) 2026, iiot.connectware contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""A failed TLS handshake in words: what went wrong, and what to check for it.

FOR INTERNAL COLLECTION USE ONLY: the interfaces here may change in any release.

The client imports this (through ``_request_failure``) only when a handshake fails: it is code
that every module process would otherwise compile for nothing. It names the certificates
involved (the server's issuer and subject, the subjects of the CA file given as ``ca_path``),
read with cryptography where it is installed and with a small DER reader of the standard
library otherwise.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import base64
import os
import re
import ssl

from ansible.module_utils.six.moves.urllib.parse import urlsplit

# OpenSSL's verify codes (X509_V_ERR_*) as ssl.SSLCertVerificationError carries them.
_VERIFY_UNTRUSTED = frozenset((2, 18, 19, 20, 21, 27, 28))
_VERIFY_EXPIRED = frozenset((10, 12))
_VERIFY_NOT_YET_VALID = frozenset((9, 11))
_VERIFY_NAME_MISMATCH = frozenset((62, 64))
# Name attributes shown for a certificate, in this order (X.500 object identifiers).
_NAME_ATTRIBUTES = (('2.5.4.3', 'CN'), ('2.5.4.11', 'OU'), ('2.5.4.10', 'O'), ('2.5.4.6', 'C'))
_NAME_OIDS = {
    b'\x55\x04\x03': '2.5.4.3', b'\x55\x04\x0b': '2.5.4.11', b'\x55\x04\x0a': '2.5.4.10', b'\x55\x04\x06': '2.5.4.6',
}
# At most this many certificates of a ca_path file are named.
MAX_NAMED_CA_CERTS = 3


def ssl_errors(exc):
    """The ssl.SSLError instances inside ``exc`` (requests and urllib3 wrap them), innermost last."""
    found, seen, queue = [], set(), [exc]
    while queue and len(seen) < 32:
        item = queue.pop(0)
        if not isinstance(item, BaseException) or id(item) in seen:
            continue
        seen.add(id(item))
        if isinstance(item, ssl.SSLError):
            found.append(item)
        queue.extend(arg for arg in getattr(item, 'args', ()) if isinstance(arg, BaseException))
        queue.extend(getattr(item, name, None) for name in ('reason', '__cause__', '__context__'))
    return found


def tls_problem(exc, excerpt):
    """What went wrong in a TLS failure: (problem, words). ``problem`` is one of untrusted, expired,
    not_yet_valid, name_mismatch, client_cert, ca_file, closed, not_tls, other. ``excerpt`` makes a library's
    text fit to show (one line, short, no credentials)."""
    code = None
    reasons = []
    for error in ssl_errors(exc):
        code = getattr(error, 'verify_code', None) if code is None else code
        reasons.append(' '.join(str(part) for part in (getattr(error, 'reason', None), getattr(error, 'verify_message', None))
                                if part))
    text = ' '.join(reasons + [str(exc)]).lower()
    if code in _VERIFY_NAME_MISMATCH or ('hostname' in text and ('mismatch' in text or "doesn't match" in text)) or \
            'ip address mismatch' in text:
        return 'name_mismatch', None
    if code in _VERIFY_EXPIRED or 'certificate has expired' in text or 'expired' in text:
        return 'expired', 'certificate expired'
    if code in _VERIFY_NOT_YET_VALID or 'not yet valid' in text:
        return 'not_yet_valid', 'certificate not yet valid'
    if code in _VERIFY_UNTRUSTED or 'unable to get local issuer' in text or 'self-signed' in text or \
            'self signed' in text or 'unknown ca' in text or 'unable to verify the first certificate' in text or \
            'certificate verify failed' in text:
        return 'untrusted', 'the certificate is not signed by a trusted CA'
    if 'certificate required' in text or 'certificate_required' in text:
        return 'client_cert', 'Connectware requires a client certificate'
    if 'wrong version number' in text or 'record layer failure' in text or 'packet length too long' in text or \
            'unknown protocol' in text:
        return 'not_tls', 'the server does not speak TLS on this port'
    if 'pem lib' in text or 'no certificate or crl found' in text or 'no start line' in text or \
            any(getattr(error, 'library', None) in ('X509', 'PEM') for error in ssl_errors(exc)):
        return 'ca_file', 'the CA file cannot be loaded'
    if 'eof occurred' in text or 'unexpected eof' in text or 'reset by peer' in text:
        return 'closed', 'Connectware closed the connection during the handshake'
    for error in reversed(ssl_errors(exc)):
        if getattr(error, 'reason', None):
            return 'other', str(error.reason).replace('_', ' ').lower()[:120]
        words = re.sub(r'\s*\([^()]*\.c:[0-9]+\)', '', str(getattr(error, 'strerror', None) or '')).strip()
        if words:
            return 'other', excerpt(words)[:120]
    return 'other', 'the handshake failed (%s)' % excerpt(str(exc))[:120]


def _clean_name_value(value):
    """A name from a certificate, as it may be shown: printable, one line, not too long."""
    text = ''.join(char if char.isprintable() else '?' for char in str(value))
    return text[:80] + '...' if len(text) > 80 else text


def format_name(attributes):
    """``[(oid, value)]`` of a certificate name as 'CN=..., OU=..., O=...' (or None when empty)."""
    parts = []
    for oid, label in _NAME_ATTRIBUTES:
        parts.extend('%s=%s' % (label, _clean_name_value(value)) for found, value in attributes if found == oid)
    return ', '.join(parts) or None


def _der_item(data, pos, end):
    """One DER element at ``pos``: (tag, start of content, end of content). ValueError when malformed."""
    if pos + 2 > end:
        raise ValueError('truncated')
    tag, length = data[pos], data[pos + 1]
    pos += 2
    if length & 0x80:
        count = length & 0x7f
        if count == 0 or count > 4 or pos + count > end:
            raise ValueError('bad length')
        length = int.from_bytes(data[pos:pos + count], 'big')
        pos += count
    if pos + length > end:
        raise ValueError('truncated')
    return tag, pos, pos + length


def _der_children(data, start, end):
    children = []
    while start < end and len(children) < 64:
        child = _der_item(data, start, end)
        children.append(child)
        start = child[2]
    return children


_DER_STRING_CODECS = {0x0c: 'utf-8', 0x13: 'ascii', 0x16: 'ascii', 0x14: 'latin-1', 0x1e: 'utf-16-be', 0x1c: 'utf-32-be'}


def _der_name(data, start, end):
    """The [(oid, value)] of an X.501 Name (a SEQUENCE of SETs of {OID, string})."""
    attributes = []
    for _set_tag, set_start, set_end in _der_children(data, start, end):
        for _tag, pair_start, pair_end in _der_children(data, set_start, set_end):
            pair = _der_children(data, pair_start, pair_end)
            if len(pair) != 2 or pair[0][0] != 0x06:
                continue
            oid = _NAME_OIDS.get(bytes(data[pair[0][1]:pair[0][2]]))
            codec = _DER_STRING_CODECS.get(pair[1][0])
            if oid and codec:
                attributes.append((oid, bytes(data[pair[1][1]:pair[1][2]]).decode(codec, 'replace')))
    return attributes


def der_certificate_names(der):
    """(issuer, subject) of a DER certificate, each as [(oid, value)]; read with the standard library only."""
    data = bytearray(der)
    _tag, start, end = _der_item(data, 0, len(data))
    _tag, start, end = _der_item(data, start, end)     # tbsCertificate
    fields = _der_children(data, start, end)
    if fields and fields[0][0] == 0xa0:                  # [0] version
        fields = fields[1:]
    # serialNumber, signature, issuer, validity, subject
    if len(fields) < 5:
        raise ValueError('not a certificate')
    return _der_name(data, fields[2][1], fields[2][2]), _der_name(data, fields[4][1], fields[4][2])


def _x509():
    """cryptography's x509 where it is installed, else None (the DER reader below does without).

    Imported only when a TLS failure names certificates: importing it costs every module
    process tens of milliseconds.
    """
    try:
        from cryptography import x509
    except ImportError:
        return None
    return x509


def certificate_names(der):
    """(issuer, subject) of a DER certificate as [(oid, value)] lists, or None when it cannot be read."""
    try:
        x509 = _x509()
        if x509 is not None:
            certificate = x509.load_der_x509_certificate(bytes(der))
            return ([(attribute.oid.dotted_string, attribute.value) for attribute in certificate.issuer],
                    [(attribute.oid.dotted_string, attribute.value) for attribute in certificate.subject])
        return der_certificate_names(der)
    except Exception:  # pylint: disable=broad-except
        return None


def ca_file_subjects(path):
    """The subjects of the certificates in a PEM file, as [(oid, value)] lists (an empty list when it
    holds none or cannot be read)."""
    try:
        with open(path, 'rb') as handle:
            text = handle.read(4 * 1024 * 1024).decode('ascii', 'replace')
    except (IOError, OSError):
        return []
    subjects = []
    for block in re.findall(r'-----BEGIN CERTIFICATE-----(.*?)-----END CERTIFICATE-----', text, re.DOTALL):
        try:
            der = base64.b64decode(''.join(block.split()))
        except (ValueError, TypeError):
            continue
        names = certificate_names(der)
        if names is not None:
            subjects.append(names[1])
    return subjects


def tls_message(exc, method, shown_path, base_url, ca_path, has_client_cert, peer_certificate, excerpt):
    """The message of a failed handshake with Connectware at ``base_url``: the cause, and what to check.

    ``ca_path``: the CA file or folder the client verifies with (None: the system's CAs);
    ``peer_certificate()``: the server's DER certificate, read without verifying it, or None;
    ``excerpt(text)``: a library's text made fit to show.
    """
    problem, words = tls_problem(exc, excerpt)
    host = urlsplit(base_url).hostname
    if problem == 'name_mismatch':
        words = "the certificate's name does not match %s (hostname mismatch)" % host
    names = None
    if problem in ('untrusted', 'expired', 'not_yet_valid', 'name_mismatch'):
        certificate = peer_certificate()
        names = certificate_names(certificate) if certificate else None
    issuer = format_name(names[0]) if names else None
    subject = format_name(names[1]) if names else None
    if problem == 'ca_file' and ca_path:
        words = 'ca_path (%s) holds no CA certificate this client can load' % ca_path
        hint = ("Give ca_path the PEM file of Connectware's CA (cybus_ca.crt in Connectware's certs volume; "
                "it starts with -----BEGIN CERTIFICATE-----)")
    elif problem == 'untrusted' and ca_path:
        hint = ca_path_hint(ca_path, names)
    elif problem == 'untrusted':
        hint = ("If Connectware uses its own CA%s, set ca_path to that CA's certificate (cybus_ca.crt in "
                "Connectware's certs volume), or set validate_certs: false to skip verification (not for "
                "production)" % (" (the server's certificate is issued by '%s')" % issuer if issuer else ''))
    elif problem == 'name_mismatch':
        hint = ('Write url with a host name the certificate names%s, or give Connectware a certificate that '
                'names %s' % (" (its subject is '%s')" % subject if subject else '', host))
    elif problem == 'expired':
        hint = ("Renew Connectware's certificate%s, or the CA's if that expired; check this host's clock too"
                % (" ('%s', issued by '%s')" % (subject, issuer) if subject and issuer else ''))
    elif problem == 'not_yet_valid':
        hint = "Check the clocks of this host and of Connectware's host"
    elif problem == 'client_cert':
        hint = ("Set client_cert and client_key to a certificate Connectware's CA signed" if not has_client_cert else
                'Check that client_cert is signed by a CA Connectware trusts and has not expired')
    elif problem == 'closed' and not has_client_cert:
        hint = ("Check that url points to Connectware's HTTPS port; if Connectware requires client certificates "
                "(mutual TLS), set client_cert and client_key")
    elif problem == 'not_tls':
        hint = ('Check the port: if Connectware serves plain HTTP there, write url as http://... (only on a '
                'trusted network), else use its HTTPS port')
    else:
        hint = ("Check that url points to Connectware's HTTPS port%s" % (
            ' and that ca_path is its CA' if ca_path else ''))
    return 'TLS handshake with %s failed for %s %s: TLS: %s. %s' % (base_url, method, shown_path, words, hint)


def ca_path_hint(ca_path, names):
    """What to check when the CA in ca_path did not sign the server's certificate."""
    issuer = format_name(names[0]) if names else None
    if os.path.isdir(ca_path):
        held = 'none of the CA certificates in that folder signed it'
    else:
        subjects = [name for name in (format_name(found) for found in ca_file_subjects(ca_path)) if name]
        if not subjects:
            held = 'the file holds no certificate this client can read'
        else:
            shown = ', '.join("'%s'" % name for name in subjects[:MAX_NAMED_CA_CERTS])
            if len(subjects) > MAX_NAMED_CA_CERTS:
                shown += ' and %d more' % (len(subjects) - MAX_NAMED_CA_CERTS)
            held = 'the file holds %s' % shown
            if issuer and issuer in subjects:
                held += (', a CA of that name but not the one that signed the certificate (was the CA '
                         'regenerated? copy the current one)')
    return ("Check that ca_path (%s) is Connectware's CA: the server's certificate is issued by %s; %s. If it is "
            "not, set ca_path to Connectware's CA certificate (cybus_ca.crt in Connectware's certs volume)"
            % (ca_path, "'%s'" % issuer if issuer else 'a CA this client could not name', held))
