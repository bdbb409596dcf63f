# -*- coding: utf-8 -*-
# Copyright: (c) 2026, iiot.connectware contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""connectware_marketplace_app and its module_utils (_marketplace) with a mocked client: every branch."""

import base64
import hashlib
import json
import os
import stat
import sys

import pytest
from unittest import mock

from ansible.module_utils import basic

from ansible_collections.iiot.connectware.plugins.module_utils import _marketplace
from ansible_collections.iiot.connectware.plugins.module_utils._client import ConnectwareClient, ConnectwareError
from ansible_collections.iiot.connectware.plugins.module_utils._marketplace import (
    Marketplace,
    MarketplaceError,
    run_marketplace_app,
    check_app_options,
    decode_commissioning_data,
    describe_app,
    safe_file_name,
    shown,
    strict_base64_text,
)
from ansible_collections.iiot.connectware.plugins.plugin_utils._in_process import run_in_process
from ansible_collections.iiot.connectware.plugins.modules import connectware_marketplace_app
from ansible_collections.iiot.connectware.plugins.plugin_utils._controller_files import ControllerFiles

sys.path.insert(0, os.path.join(os.path.dirname(__file__), '..', '..'))
from module_runner import run_module  # noqa: E402  pylint: disable=wrong-import-position

BASE_URL = 'https://cw.example:4443'
FILE = 'description: Reads an OPC UA server.\nmetadata:\n  name: OPC UA to MQTT\n  version: 1.2.0\n' \
       'resources:\n  connection:\n    type: Cybus::Connection\n    properties:\n      host: !ref opcuaHost\n'
FILE_B64 = base64.b64encode(FILE.encode()).decode()


def entry(directory='opcua-to-mqtt', filename='opcua-to-mqtt.yml', name='OPC UA to MQTT', version='1.2.0'):
    return {'category': 'Connectivity', 'directory': directory, 'filename': filename, 'name': name,
            'version': version, 'updatedAt': '2025-09-28T04:52:24.347Z'}


def http_error(status, path):
    return ConnectwareError('Connectware at %s answered GET %s with HTTP %d' % (BASE_URL, path, status),
                            kind='http', method='GET', path=path, status=status)


class FakeServer(object):
    """What the mocked client answers, per path: a value, an exception to raise, or a callable of the query."""

    def __init__(self):
        self.calls = []
        self.answers = {
            '/api/marketplace/apps': [entry(), entry('s7', 'service.yml', 'S7', '2.0.1')],
            '/api/marketplace/app/meta': {'content': {'data': FILE},
                                          'meta': {'version': '1.2.0', 'updatedAt': '2025-09-28T04:52:24.347Z'}},
            '/api/marketplace/app': {'data': FILE},
        }

    def paths(self):
        return [path for path, _params in self.calls]


class FakeClient(object):
    def __init__(self, server):
        self.server = server
        self.base_url = BASE_URL

    def get(self, path, params=None):
        self.server.calls.append((path, params))
        answer = self.server.answers[path]
        if isinstance(answer, Exception):
            raise answer
        if callable(answer):
            return answer(params)
        return answer


@pytest.fixture
def server():
    return FakeServer()


@pytest.fixture
def warnings(monkeypatch):
    seen = []
    monkeypatch.setattr(basic.AnsibleModule, 'warn', lambda self, message: seen.append(message))
    return seen


def in_process(args, check_mode, diff, warnings):  # pylint: disable=redefined-outer-name
    """(failed, result) of the task as the action plugin runs it in the controller's worker."""
    result = run_in_process(run_marketplace_app, args, check_mode=check_mode, diff_mode=diff,
                            module_name='iiot.connectware.connectware_marketplace_app',
                            files=ControllerFiles(check_mode=check_mode), **connectware_marketplace_app.OPTIONS)
    warnings.extend(result.pop('warnings', []))
    return result.pop('failed', False), result


@pytest.fixture(params=['module', 'in-process'])
def path(request):
    """The execution path: the module (AnsibleModule's file handling) or in-process (ControllerFiles)."""
    return request.param


@pytest.fixture
def run(server, warnings, path):  # pylint: disable=redefined-outer-name
    """Run the task against ``server`` on ``path``: run(check_mode=False, diff=False, **module args) -> (failed, result).

    The task builds its real client; only the client's GET is answered by ``server``.
    """
    def get(self, path, params=None):  # pylint: disable=unused-argument,redefined-outer-name
        return FakeClient(server).get(path, params=params)

    def runner(check_mode=False, diff=False, **args):
        full = dict(url=BASE_URL, token='unit-token', retries=0)
        full.update(args)
        with mock.patch.object(ConnectwareClient, 'get', get):
            if path == 'in-process':
                return in_process(full, check_mode, diff, warnings)
            return run_module(connectware_marketplace_app.main, full, check_mode=check_mode, diff=diff)
    return runner


@pytest.fixture
def run_module_path(server, warnings):  # pylint: disable=redefined-outer-name
    """``run`` on the module path only: for what the action plugin never runs in-process (module_file_reason)."""
    def get(self, path, params=None):  # pylint: disable=unused-argument
        return FakeClient(server).get(path, params=params)

    def runner(check_mode=False, diff=False, **args):
        full = dict(url=BASE_URL, token='unit-token', retries=0)
        full.update(args)
        with mock.patch.object(ConnectwareClient, 'get', get):
            return run_module(connectware_marketplace_app.main, full, check_mode=check_mode, diff=diff)
    return runner


def marketplace(server):  # pylint: disable=redefined-outer-name
    return Marketplace(FakeClient(server))


# -- shown, describe_app, check_app_options ------------------------------------------------------


def test_shown_escapes_control_and_bidi_characters_and_cuts():
    assert shown('plain 1.2.0') == 'plain 1.2.0'
    assert shown('a\nb\x00c\x1b[31m\u202e') == 'a\\u000ab\\u0000c\\u001b[31m\\u202e'
    assert shown('x' * 200, limit=10) == 'x' * 10 + '...'
    assert shown(None) == 'None' and shown(5) == '5'


def test_describe_app_listing_entry_and_given_app():
    assert describe_app(entry()) == 'opcua-to-mqtt/opcua-to-mqtt.yml (OPC UA to MQTT, version 1.2.0)'
    assert describe_app({'directory': 'd', 'filename': 'f.yml'}) == 'd/f.yml'
    assert describe_app({'directory': 'd\n', 'filename': 'f', 'name': None}) == 'd\\u000a/f (None, version None)'


def test_check_app_options_refuses_empty_values_with_prefix():
    check_app_options({'name': 'x', 'directory': None})
    with pytest.raises(MarketplaceError) as caught:
        check_app_options({'version': '  '}, prefix='marketplace.')
    assert caught.value.msg == 'marketplace.version is empty: give the value from the marketplace listing, or leave it out'


# -- safe_file_name ------------------------------------------------------------------------------------


@pytest.mark.parametrize('name, expected, reduced', [
    ('opcua-to-mqtt.yml', 'opcua-to-mqtt.yml', False),
    ('service v2.yaml', 'service v2.yaml', False),
    ('../../x.yml', 'x.yml', True),
    ('/etc/x.yml', 'x.yml', True),
    ('..\\..\\x.yml', 'x.yml', True),
    ('a/b/c.yml', 'c.yml', True),
    (u'd\u00e9j\u00e0.yml', u'd\u00e9j\u00e0.yml', False),
    ('-rf.yml', '-rf.yml', False),
])
def test_safe_file_name_reduces_to_the_base_name(name, expected, reduced):
    assert safe_file_name(name, entry(filename=name)) == (expected, reduced)


@pytest.mark.parametrize('name, why', [
    ('', 'has no name part'),
    ('.', 'has no name part'),
    ('..', 'has no name part'),
    ('...', 'has no name part'),
    ('   ', 'has no name part'),
    ('../..', 'has no name part'),
    ('a/', 'has no name part'),
    ('/', 'has no name part'),
    ('. .', 'has no name part'),
    ('.bashrc', 'names a hidden file'),
    ('../.ssh', 'names a hidden file'),
    ('x\x00.yml', 'contains control characters'),
    ('x\n.yml', 'contains control characters'),
    ('x\u202e.yml', 'contains control characters'),
    (u'\ud800.yml', 'is not valid Unicode'),
    ('a' * 252 + '.yml', 'is longer than 255 bytes'),
    (u'\u00e9' * 128, 'is longer than 255 bytes'),
    (None, 'is not text'),
    (42, 'is not text'),
])
def test_safe_file_name_refuses_what_is_no_file_name(name, why):
    app = entry(filename=name)
    with pytest.raises(MarketplaceError) as caught:
        safe_file_name(name, app)
    message = caught.value.msg
    assert message.startswith('marketplace app opcua-to-mqtt/')
    assert why in message
    assert message.endswith('so it cannot name a file inside dest: give dest as a file path to choose the name yourself')
    assert '\x00' not in message and '\n' not in message
    assert caught.value.result == {'app': app}


# -- decoding -------------------------------------------------------------------------------------------


def test_text_mapping_is_taken_as_text():
    assert decode_commissioning_data(FILE) == (FILE, 'text', [])


@pytest.mark.parametrize('data', [
    FILE_B64,
    FILE_B64 + '\n',
    '\n'.join(FILE_B64[i:i + 76] for i in range(0, len(FILE_B64), 76)) + '\n',   # MIME line breaks
    '"%s"' % FILE_B64,                                                               # a quoted YAML string
    '|\n  %s\n' % FILE_B64,                                                          # a YAML block scalar
    '--- %s\n' % FILE_B64,
])
def test_base64_of_a_mapping_is_decoded(data):
    assert decode_commissioning_data(data) == (FILE, 'base64', [])


@pytest.mark.parametrize('data, warning', [
    (base64.b64encode(b'just a string').decode(), 'not a mapping (it is a str)'),       # base64 of a scalar
    (base64.b64encode(b'- a\n- b\n').decode(), 'not a mapping (it is a str)'),          # base64 of a list
    (base64.b64encode(b'\xff\xfe: bad utf-8').decode(), 'not a mapping (it is a str)'),  # not UTF-8 inside
    (base64.b64encode(b'a: [unclosed').decode(), 'not a mapping (it is a str)'),          # invalid YAML inside
    (FILE_B64[:-1], 'not a mapping (it is a str)'),                                      # cut: not padded right
    (FILE_B64.replace('+', '-').replace('/', '_') + 'A-_A', 'not a mapping (it is a str)'),  # urlsafe alphabet
    ('SGVsbG8=SGVsbG8=', 'not a mapping (it is a str)'),                                   # padding inside
    ('1234', 'not a mapping (it is a int)'),
    ('- a\n- b\n', 'not a mapping (it is a list)'),
    ('', 'not a mapping (it is empty)'),
    ('# only a comment\n', 'not a mapping (it is empty)'),
    ('description: [unclosed\n', 'not valid YAML'),
    ('a: !!python/object/apply:os.system ["true"]\n', 'not valid YAML'),
    ('a: *undefined\n', 'not valid YAML'),
    ('a: 1\n---\nb: 2\n', 'not valid YAML'),
    ('a: "\x07"\n', 'not valid YAML'),
])
def test_other_data_is_text_with_a_warning(data, warning):
    content, encoding, warnings = decode_commissioning_data(data)
    assert (content, encoding) == (data, 'text')
    assert len(warnings) == 1 and warning in warnings[0]
    assert warnings[0].endswith('it is returned as the marketplace serves it')


def test_connectware_tags_are_valid_yaml():
    data = 'a: !ref x\nb: !join [x, y]\nc: !sub {s: t}\n'
    assert decode_commissioning_data(data) == (data, 'text', [])


def test_alias_bomb_is_read_without_expanding():
    # 30 levels of ten references each: 10**30 leaves if it were expanded.
    lines = ['l0: &l0 [x, x, x, x, x, x, x, x, x, x]']
    for level in range(1, 30):
        lines.append('l%d: &l%d [%s]' % (level, level, ', '.join(['*l%d' % (level - 1)] * 10)))
    bomb = '\n'.join(lines) + '\n'
    assert decode_commissioning_data(bomb) == (bomb, 'text', [])
    encoded = base64.b64encode(bomb.encode()).decode()
    assert decode_commissioning_data(encoded) == (bomb, 'base64', [])


@pytest.mark.parametrize('data, problem', [
    ('[' * 200 + ']' * 200, 'nests deeper than 100 levels'),
    ('[' * 100000, 'nests deeper than 100 levels'),
    (''.join(' ' * level + 'k:\n' for level in range(150)), 'nests deeper than 100 levels'),
    (base64.b64encode(b'a: ' + b'[' * 150 + b']' * 150).decode(), 'is base64 of YAML that nests deeper than 100 levels'),
])
def test_too_deep_is_refused(data, problem):
    with pytest.raises(ValueError) as caught:
        decode_commissioning_data(data)
    assert str(caught.value) == problem


def test_nesting_at_the_limit_is_read():
    data = 'a: ' + '[' * 99 + ']' * 99 + '\n'
    assert decode_commissioning_data(data) == (data, 'text', [])


def test_recursion_error_is_refused(monkeypatch):
    def recursing(text):
        raise RecursionError()
    monkeypatch.setattr(_marketplace, 'load_yaml', recursing)
    with pytest.raises(ValueError, match='nests too deep to be read'):
        decode_commissioning_data(FILE)


def test_recursion_error_inside_base64_is_refused(monkeypatch):
    real = _marketplace.load_yaml

    def recursing_inside(text):
        if text == FILE_B64:
            return real(text)
        raise RecursionError()
    monkeypatch.setattr(_marketplace, 'load_yaml', recursing_inside)
    with pytest.raises(ValueError, match='is base64 of YAML that nests too deep to be read'):
        decode_commissioning_data(FILE_B64)


def test_too_long_is_refused(monkeypatch):
    monkeypatch.setattr(_marketplace, 'MAX_DATA_CHARS', 100)
    with pytest.raises(ValueError) as caught:
        decode_commissioning_data('a: ' + 'x' * 98)
    assert str(caught.value) == 'is 101 characters long, above the 100 this module reads'
    assert decode_commissioning_data('a: ' + 'x' * 97)[1] == 'text'


def test_without_pyyaml_data_is_text(monkeypatch):
    monkeypatch.setattr(_marketplace, 'yaml', None)
    assert decode_commissioning_data(FILE) == (FILE, 'text', [])
    content, encoding, warnings = decode_commissioning_data(FILE_B64)
    assert (content, encoding) == (FILE_B64, 'text')
    assert warnings[0].startswith('the commissioning file looks base64-encoded, but PyYAML is not available')


def test_strict_base64_text():
    assert strict_base64_text(' SGVs\nbG8= ') == 'Hello'
    assert strict_base64_text('') is None
    assert strict_base64_text('SGVsbG8') is None
    assert strict_base64_text('SGVsbG8!') is None
    assert strict_base64_text(base64.b64encode(b'\xff').decode()) is None


# -- Marketplace: listing, lookup, fetch, version ----------------------------------------------------


def test_listing_keeps_only_entries(server):
    server.answers['/api/marketplace/apps'] = [entry(), 'junk', None, 3]
    assert marketplace(server).listing() == [entry()]
    server.answers['/api/marketplace/apps'] = {'apps': []}
    assert marketplace(server).listing() == []


def test_find_by_name_one_match(server):
    assert marketplace(server).find_by_name('S7') == entry('s7', 'service.yml', 'S7', '2.0.1')
    assert server.paths() == ['/api/marketplace/apps']


def test_find_by_name_ambiguous(server):
    server.answers['/api/marketplace/apps'] = [entry('a', 'a.yml', 'Twin'), entry('b', 'b.yml', 'Twin')]
    with pytest.raises(MarketplaceError) as caught:
        marketplace(server).find_by_name('Twin', prefix='marketplace.')
    assert caught.value.msg == ("marketplace.name: 2 marketplace apps are named 'Twin': a/a.yml (Twin, version 1.2.0); "
                                "b/b.yml (Twin, version 1.2.0). Give directory and filename instead")


def test_find_by_name_similar_available_and_none(server):
    with pytest.raises(MarketplaceError) as caught:
        marketplace(server).find_by_name('opc')
    assert caught.value.msg == ("name: no marketplace app is named 'opc'. Similar names: "
                                "opcua-to-mqtt/opcua-to-mqtt.yml (OPC UA to MQTT, version 1.2.0)")
    with pytest.raises(MarketplaceError) as caught:
        marketplace(server).find_by_name('Zebra')
    assert caught.value.msg.startswith("name: no marketplace app is named 'Zebra'. Available apps: opcua-to-mqtt/")
    server.answers['/api/marketplace/apps'] = []
    with pytest.raises(MarketplaceError) as caught:
        marketplace(server).find_by_name('Zebra\n| forged')
    assert caught.value.msg == "name: no marketplace app is named 'Zebra\\u000a| forged'. Available apps: none"


@pytest.mark.parametrize('broken', [{'directory': None}, {'filename': ''}, {'filename': 5}])
def test_find_by_name_entry_without_location_is_invalid(server, broken):
    bad = entry()
    bad.update(broken)
    server.answers['/api/marketplace/apps'] = [bad]
    with pytest.raises(ConnectwareError) as caught:
        marketplace(server).find_by_name('OPC UA to MQTT')
    assert caught.value.kind == 'invalid_response' and caught.value.path == '/api/marketplace/apps'
    assert 'the listing is unusable' in caught.value.message


def test_locate_by_directory_sends_nothing(server):
    assert marketplace(server).locate(directory='d', filename='f.yml') == {'directory': 'd', 'filename': 'f.yml'}
    assert server.calls == []


def test_fetch_meta(server):
    fetched = marketplace(server).fetch({'directory': 'd', 'filename': 'f.yml'})
    assert (fetched.content, fetched.encoding, fetched.warnings) == (FILE, 'text', [])
    assert fetched.meta == {'version': '1.2.0', 'updatedAt': '2025-09-28T04:52:24.347Z'}
    assert fetched.checksum == hashlib.sha1(FILE.encode()).hexdigest()
    assert server.calls == [('/api/marketplace/app/meta', {'directory': 'd', 'filename': 'f.yml'})]


def test_fetch_meta_base64(server):
    server.answers['/api/marketplace/app/meta'] = {'content': {'data': FILE_B64}, 'meta': {'version': '1.2.0'}}
    fetched = marketplace(server).fetch(entry())
    assert (fetched.content, fetched.encoding) == (FILE, 'base64')
    assert fetched.meta == {'version': '1.2.0', 'updatedAt': None}


@pytest.mark.parametrize('answer', [None, [], {'content': 'x'}, {'content': {'data': 5}}, {'meta': {}}])
def test_fetch_meta_without_text_is_invalid(server, answer):
    server.answers['/api/marketplace/app/meta'] = answer
    with pytest.raises(ConnectwareError) as caught:
        marketplace(server).fetch(entry())
    assert caught.value.kind == 'invalid_response' and caught.value.path == '/api/marketplace/app/meta'
    assert caught.value.message == ('Connectware at %s answered GET /api/marketplace/app/meta for '
                                    'opcua-to-mqtt/opcua-to-mqtt.yml without the commissioning file text' % BASE_URL)


def test_fetch_meta_with_too_deep_data_is_invalid(server):
    server.answers['/api/marketplace/app/meta'] = {'content': {'data': '[' * 500}, 'meta': {}}
    with pytest.raises(ConnectwareError) as caught:
        marketplace(server).fetch(entry())
    assert caught.value.kind == 'invalid_response'
    assert caught.value.message == ('Connectware at %s answered GET /api/marketplace/app/meta for '
                                    'opcua-to-mqtt/opcua-to-mqtt.yml with a commissioning file that nests deeper than '
                                    '100 levels: it is not used' % BASE_URL)


@pytest.mark.parametrize('status', [400, 404, 405])
def test_fetch_falls_back_where_meta_does_not_serve(server, status):
    server.answers['/api/marketplace/app/meta'] = http_error(status, '/api/marketplace/app/meta')
    server.answers['/api/marketplace/app'] = {'data': FILE_B64}
    fetched = marketplace(server).fetch(entry(version='1.2.0'))
    assert (fetched.content, fetched.encoding) == (FILE, 'base64')
    assert fetched.meta == {'version': '1.2.0', 'updatedAt': '2025-09-28T04:52:24.347Z'}
    assert server.paths() == ['/api/marketplace/app/meta', '/api/marketplace/app']


def test_fetch_fallback_without_text_is_invalid(server):
    server.answers['/api/marketplace/app/meta'] = http_error(404, '/api/marketplace/app/meta')
    server.answers['/api/marketplace/app'] = ['data']
    with pytest.raises(ConnectwareError) as caught:
        marketplace(server).fetch(entry())
    assert caught.value.path == '/api/marketplace/app' and 'without the commissioning file text' in caught.value.message


@pytest.mark.parametrize('status', [400, 404])
def test_fetch_unknown_app(server, status):
    server.answers['/api/marketplace/app/meta'] = http_error(404, '/api/marketplace/app/meta')
    server.answers['/api/marketplace/app'] = http_error(status, '/api/marketplace/app')
    with pytest.raises(MarketplaceError) as caught:
        marketplace(server).fetch({'directory': 'nope', 'filename': 'nope.yml'})
    assert caught.value.msg == ('Connectware at %s has no marketplace app directory=nope filename=nope.yml (HTTP %d): '
                                'check directory and filename, or give the app by name' % (BASE_URL, status))
    assert caught.value.result['api_error']['status'] == status


def test_fetch_other_errors_are_raised(server):
    server.answers['/api/marketplace/app/meta'] = http_error(500, '/api/marketplace/app/meta')
    with pytest.raises(ConnectwareError) as caught:
        marketplace(server).fetch(entry())
    assert caught.value.status == 500
    server.answers['/api/marketplace/app/meta'] = http_error(404, '/api/marketplace/app/meta')
    server.answers['/api/marketplace/app'] = http_error(503, '/api/marketplace/app')
    with pytest.raises(ConnectwareError) as caught:
        marketplace(server).fetch(entry())
    assert caught.value.status == 503


def test_check_version(server):
    market = marketplace(server)
    fetched = market.fetch(entry())
    market.check_version(entry(), fetched, None)
    market.check_version(entry(), fetched, '1.2.0')
    with pytest.raises(MarketplaceError) as caught:
        market.check_version(entry(), fetched, '1.1.0', prefix='marketplace.')
    assert caught.value.msg == ('marketplace.version: marketplace app opcua-to-mqtt/opcua-to-mqtt.yml is at version '
                                '1.2.0, not the expected 1.1.0: update version, or wait for the marketplace')
    assert caught.value.result == {'app': entry(), 'meta': fetched.meta}


def test_check_version_reads_the_listing_when_meta_did_not_serve(server):
    market = marketplace(server)
    app = {'directory': 's7', 'filename': 'service.yml'}
    fetched = _marketplace.CommissioningFile(FILE, 'text', {'version': None, 'updatedAt': None}, [])
    market.check_version(app, fetched, '2.0.1')
    assert fetched.meta['version'] == '2.0.1' and server.paths() == ['/api/marketplace/apps']
    unlisted = _marketplace.CommissioningFile(FILE, 'text', {'version': None, 'updatedAt': None}, [])
    with pytest.raises(MarketplaceError, match='is at version None, not the expected 2.0.1'):
        market.check_version({'directory': 'gone', 'filename': 'x.yml'}, unlisted, '2.0.1')


def test_get_is_lookup_fetch_and_pin(server):
    app, fetched = marketplace(server).get(name='OPC UA to MQTT', version='1.2.0', prefix='marketplace.')
    assert app == entry() and fetched.content == FILE
    assert server.paths() == ['/api/marketplace/apps', '/api/marketplace/app/meta']
    with pytest.raises(MarketplaceError, match='^marketplace.name is empty'):
        marketplace(server).get(name='', prefix='marketplace.')


# -- the module: results, dest checks, writing ----------------------------------------------------------


def test_read_only(run, server):
    failed, result = run(name='OPC UA to MQTT')
    assert not failed, result
    assert result['changed'] is False and result['encoding'] == 'text' and result['content'] == FILE
    assert result['app'] == entry() and result['checksum'] == hashlib.sha1(FILE.encode()).hexdigest()
    assert 'dest' not in result
    failed, result = run(directory='d', filename='f.yml', return_content=False)
    assert not failed and 'content' not in result


def test_base64_is_written_decoded(run, server, tmp_path):
    server.answers['/api/marketplace/app/meta'] = {'content': {'data': FILE_B64}, 'meta': {'version': '1.2.0'}}
    failed, result = run(directory='d', filename='f.yml', dest=str(tmp_path))
    assert not failed, result
    assert result['encoding'] == 'base64' and result['content'] == FILE and result['changed'] is True
    assert (tmp_path / 'f.yml').read_text() == FILE
    assert result['checksum'] == hashlib.sha1(FILE.encode()).hexdigest()


def test_yaml_warnings_are_passed_on(run, server, warnings, tmp_path):
    server.answers['/api/marketplace/app/meta'] = {'content': {'data': 'a: [unclosed\n'}, 'meta': {}}
    failed, result = run(directory='d', filename='f.yml', dest=str(tmp_path / 'x.yml'))
    assert not failed and result['encoding'] == 'text'
    assert len(warnings) == 1 and warnings[0].startswith('the commissioning file is not valid YAML (')
    assert (tmp_path / 'x.yml').read_text() == 'a: [unclosed\n'


def test_too_deep_fails_and_writes_nothing(run, server, tmp_path):
    server.answers['/api/marketplace/app/meta'] = {'content': {'data': '{a: ' * 300}, 'meta': {}}
    failed, result = run(directory='d', filename='f.yml', dest=str(tmp_path))
    assert failed and 'nests deeper than 100 levels' in result['msg']
    assert result['api_error']['kind'] == 'invalid_response'
    assert os.listdir(str(tmp_path)) == []


def test_hostile_listing_name_is_reduced_inside_dest(run, server, warnings, tmp_path):
    dest = tmp_path / 'services'
    dest.mkdir()
    server.answers['/api/marketplace/apps'] = [entry(filename='../../x.yml')]
    failed, result = run(name='OPC UA to MQTT', dest=str(dest))
    assert not failed, result
    assert result['dest'] == str(dest / 'x.yml') and (dest / 'x.yml').read_text() == FILE
    assert sorted(os.listdir(str(tmp_path))) == ['services'] and os.listdir(str(dest)) == ['x.yml']
    assert warnings == ["marketplace app opcua-to-mqtt/../../x.yml (OPC UA to MQTT, version 1.2.0): its file name "
                        "'../../x.yml' has path components; only 'x.yml' is used, inside dest"]
    # Sent as the listing has it: the name is Connectware's key for the app.
    assert server.calls[-1] == ('/api/marketplace/app/meta', {'directory': 'opcua-to-mqtt', 'filename': '../../x.yml'})


@pytest.mark.parametrize('name', ['..', '.', '...', ' ', 'x\x00y.yml', 'x\ny.yml', '.profile', 'sub/'])
def test_refused_listing_name_fails_before_the_content_request(run, server, tmp_path, name):
    server.answers['/api/marketplace/apps'] = [entry(filename=name)]
    failed, result = run(name='OPC UA to MQTT', dest=str(tmp_path))
    assert failed
    assert result['msg'].startswith('marketplace app opcua-to-mqtt/')
    assert 'give dest as a file path to choose the name yourself' in result['msg']
    assert result['app']['filename'] == name
    assert server.paths() == ['/api/marketplace/apps']
    assert os.listdir(str(tmp_path)) == []


def test_empty_listing_name_is_an_unusable_listing(run, server, tmp_path):
    server.answers['/api/marketplace/apps'] = [entry(filename='')]
    failed, result = run(name='OPC UA to MQTT', dest=str(tmp_path))
    assert failed and result['msg'] == ('Connectware at %s lists marketplace app opcua-to-mqtt/ (OPC UA to MQTT, version '
                                        '1.2.0) without a filename: the listing is unusable' % BASE_URL)
    assert result['api_error']['kind'] == 'invalid_response'
    assert server.paths() == ['/api/marketplace/apps'] and os.listdir(str(tmp_path)) == []


def test_path_outside_the_folder_is_never_written(run, server, tmp_path, monkeypatch):
    # The guard behind safe_file_name: whatever name comes out, the path must resolve inside dest.
    folder = tmp_path / 'dest'
    folder.mkdir()
    monkeypatch.setattr(_marketplace, 'safe_file_name', lambda name, app: ('../escaped.yml', False))
    failed, result = run(name='OPC UA to MQTT', dest=str(folder))
    assert failed and result['msg'] == ('dest: %s is not inside the folder %s: nothing is written'
                                        % (folder / '../escaped.yml', folder))
    assert os.listdir(str(tmp_path)) == ['dest'] and os.listdir(str(folder)) == []
    assert server.paths() == ['/api/marketplace/apps']


def test_hostile_name_does_not_matter_when_dest_is_a_file(run, server, tmp_path):
    server.answers['/api/marketplace/apps'] = [entry(filename='..')]
    failed, result = run(name='OPC UA to MQTT', dest=str(tmp_path / 'chosen.yml'))
    assert not failed, result
    assert os.listdir(str(tmp_path)) == ['chosen.yml']


def test_given_filename_is_made_safe_too(run, server, warnings, tmp_path):
    failed, result = run(directory='d', filename='../up.yml', dest=str(tmp_path))
    assert not failed and result['dest'] == str(tmp_path / 'up.yml')
    assert warnings[0].startswith("marketplace app d/../up.yml: its file name '../up.yml' has path components")


@pytest.mark.parametrize('dest, message', [
    ('', 'dest is empty: give the file, or an existing folder, to write the commissioning file to; leave dest out to '
         'only read the app'),
    ('   ', 'dest is empty'),
    ('a\x00b', 'dest contains a NUL character: give a file or folder path without it'),
    ('/nonexistent/folder/app.yml', 'dest: the folder /nonexistent/folder does not exist: create it first'),
])
def test_bad_dest_fails_before_any_request(run, server, dest, message):
    failed, result = run(name='OPC UA to MQTT', dest=dest)
    assert failed and result['msg'].startswith(message)
    assert server.calls == []


def test_dest_that_is_no_regular_file_fails_before_any_request(run, server, tmp_path):
    os.mkfifo(str(tmp_path / 'pipe'))
    failed, result = run(name='OPC UA to MQTT', dest=str(tmp_path / 'pipe'))
    assert failed and result['msg'] == 'dest: %s exists and is not a regular file' % (tmp_path / 'pipe')
    assert server.calls == []


def test_folder_in_the_way_fails_before_the_content_request(run, server, tmp_path):
    (tmp_path / 'opcua-to-mqtt.yml').mkdir()
    failed, result = run(name='OPC UA to MQTT', dest=str(tmp_path))
    assert failed and result['msg'] == 'dest: %s exists and is not a regular file' % (tmp_path / 'opcua-to-mqtt.yml')
    assert server.paths() == ['/api/marketplace/apps']


def test_unwritable_folder_fails_before_any_request(run, server, tmp_path, monkeypatch):
    monkeypatch.setattr(_marketplace.os, 'access', lambda path, mode: False)
    failed, result = run(name='OPC UA to MQTT', dest=str(tmp_path / 'a.yml'))
    assert failed and result['msg'] == ('dest: cannot write in the folder %s (permission denied): choose a folder this '
                                        'user can write to' % tmp_path)
    assert server.calls == []


def test_read_only_file_system_fails_before_any_request(run, server, tmp_path, monkeypatch):
    class ReadOnly(object):
        f_flag = os.ST_RDONLY
    monkeypatch.setattr(_marketplace.os, 'statvfs', lambda path: ReadOnly())
    failed, result = run(name='OPC UA to MQTT', dest=str(tmp_path / 'a.yml'))
    assert failed and '(read-only file system)' in result['msg']
    assert server.calls == []


def test_statvfs_failure_is_no_verdict(run, server, tmp_path, monkeypatch):
    def failing(path):
        raise OSError(38, 'Function not implemented')
    monkeypatch.setattr(_marketplace.os, 'statvfs', failing)
    failed, result = run(name='OPC UA to MQTT', dest=str(tmp_path / 'a.yml'))
    assert not failed, result


def test_folder_that_refuses_files_fails_before_the_content_request(run, server, tmp_path, monkeypatch):
    def refusing(**kwargs):
        raise OSError(2, 'No such file or directory')
    monkeypatch.setattr(_marketplace.tempfile, 'mkstemp', refusing)
    failed, result = run(name='OPC UA to MQTT', dest=str(tmp_path / 'a.yml'))
    assert failed and result['msg'] == ('dest: cannot write in the folder %s (No such file or directory): choose a '
                                        'folder this user can write to' % tmp_path)
    assert server.paths() == ['/api/marketplace/apps']
    assert os.listdir(str(tmp_path)) == []


@pytest.mark.parametrize('option, kind', [('owner', 'user'), ('group', 'group')])
def test_unknown_owner_or_group_fails_before_any_request(run, server, tmp_path, option, kind):
    failed, result = run(name='OPC UA to MQTT', dest=str(tmp_path / 'a.yml'), **{option: 'no-such-%s-4711' % kind})
    assert failed
    assert result['msg'] == ("%s: there is no %s named 'no-such-%s-4711' on the host that writes dest: create it first, "
                             "or give another %s" % (option, kind, kind, option))
    assert server.calls == [] and os.listdir(str(tmp_path)) == []


def test_numeric_and_existing_owner_pass(run_module_path, server, tmp_path):
    failed, result = run_module_path(name='OPC UA to MQTT', dest=str(tmp_path / 'a.yml'), owner=str(os.getuid()), group=str(os.getgid()))
    assert not failed, result


def test_bad_mode_fails_with_dest_untouched(run_module_path, server, tmp_path):
    dest = tmp_path / 'a.yml'
    dest.write_text('keep: me\n')
    failed, result = run_module_path(name='OPC UA to MQTT', dest=str(dest), mode='u=banana')
    assert failed and 'mode must be in octal or symbolic form' in result['msg']
    assert dest.read_text() == 'keep: me\n' and os.listdir(str(tmp_path)) == ['a.yml']


def test_new_file_then_unchanged_then_mode(run, server, tmp_path):
    dest = tmp_path / 'a.yml'
    failed, result = run(name='OPC UA to MQTT', dest=str(dest), mode='0640')
    assert not failed and result['changed'] is True and dest.read_text() == FILE
    assert stat.S_IMODE(os.stat(str(dest)).st_mode) == 0o640
    failed, result = run(name='OPC UA to MQTT', dest=str(dest), mode='0640')
    assert not failed and result['changed'] is False
    failed, result = run(name='OPC UA to MQTT', dest=str(dest), mode='0600')
    assert not failed and result['changed'] is True and stat.S_IMODE(os.stat(str(dest)).st_mode) == 0o600
    assert os.listdir(str(tmp_path)) == ['a.yml']


def test_check_mode_and_diff(run, server, tmp_path):
    dest = tmp_path / 'a.yml'
    dest.write_text('old: 1\n')
    failed, result = run(check_mode=True, diff=True, name='OPC UA to MQTT', dest=str(dest))
    assert not failed and result['changed'] is True and dest.read_text() == 'old: 1\n'
    assert result['diff'] == {'before': 'old: 1\n', 'after': FILE, 'before_header': str(dest), 'after_header': str(dest)}
    failed, result = run(check_mode=True, diff=True, name='OPC UA to MQTT', dest=str(tmp_path / 'new.yml'), mode='0600')
    assert not failed and result['changed'] is True
    assert result['diff']['before_header'] == '%s (absent)' % (tmp_path / 'new.yml')
    assert os.listdir(str(tmp_path)) == ['a.yml']


def test_large_existing_file_is_compared_by_checksum(run, server, tmp_path, monkeypatch):
    monkeypatch.setattr(_marketplace, 'MAX_DIFF_BYTES', 10)
    dest = tmp_path / 'a.yml'
    dest.write_text(FILE)
    failed, result = run(diff=True, name='OPC UA to MQTT', dest=str(dest))
    assert not failed and result['changed'] is False
    assert result['diff']['before_header'] == '%s (%d bytes, too large to show)' % (dest, len(FILE))
    dest.write_text(FILE.replace('OPC', 'CPO'))
    failed, result = run(name='OPC UA to MQTT', dest=str(dest))
    assert not failed and result['changed'] is True and dest.read_text() == FILE


def test_unreadable_existing_file_fails_cleanly(run, server, tmp_path, monkeypatch):
    dest = tmp_path / 'a.yml'
    dest.write_text('keep: me\n')

    def refusing(path, mode='r'):
        raise IOError(13, 'Permission denied')
    monkeypatch.setattr(_marketplace, 'open', refusing, raising=False)
    failed, result = run(name='OPC UA to MQTT', dest=str(dest))
    assert failed and result['msg'] == 'dest: cannot read %s to compare it (Permission denied): nothing is written' % dest
    assert os.listdir(str(tmp_path)) == ['a.yml']


def test_backup_of_a_file(run, server, tmp_path):
    dest = tmp_path / 'a.yml'
    dest.write_text('old: 1\n')
    failed, result = run(name='OPC UA to MQTT', dest=str(dest), backup=True)
    assert not failed and dest.read_text() == FILE
    with open(result['backup_file']) as handle:
        assert handle.read() == 'old: 1\n'


def test_symlink_is_replaced_and_its_target_untouched(run, server, tmp_path):
    outside = tmp_path / 'outside.yml'
    outside.write_text('secret: do not touch\n')
    os.chmod(str(outside), 0o600)
    folder = tmp_path / 'dest'
    folder.mkdir()
    link = folder / 'opcua-to-mqtt.yml'
    link.symlink_to(outside)
    failed, result = run(check_mode=True, diff=True, name='OPC UA to MQTT', dest=str(folder))
    assert not failed and result['changed'] is True and link.is_symlink()
    assert result['diff']['before'] == '' and 'do not touch' not in str(result)
    assert result['diff']['before_header'] == '%s (symlink to %s, replaced by a file)' % (link, outside)

    failed, result = run(diff=True, name='OPC UA to MQTT', dest=str(folder), backup=True)
    assert not failed and result['changed'] is True and 'do not touch' not in str(result)
    assert not link.is_symlink() and link.read_text() == FILE
    assert outside.read_text() == 'secret: do not touch\n'
    assert os.readlink(result['backup_file']) == str(outside)
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE(os.stat(str(link)).st_mode) == 0o666 & ~umask

    failed, result = run(name='OPC UA to MQTT', dest=str(folder))
    assert not failed and result['changed'] is False


def test_symlink_given_as_dest_is_replaced_with_mode(run, server, tmp_path):
    outside = tmp_path / 'outside.yml'
    outside.write_text('x: 1\n')
    link = tmp_path / 'link.yml'
    link.symlink_to(tmp_path / 'missing-target.yml')
    failed, result = run(name='OPC UA to MQTT', dest=str(link), mode='0640')
    assert not failed and result['changed'] is True
    assert not link.is_symlink() and link.read_text() == FILE and stat.S_IMODE(os.stat(str(link)).st_mode) == 0o640
    assert not (tmp_path / 'missing-target.yml').exists()


def test_symlinked_folder_is_followed(run, server, tmp_path):
    real = tmp_path / 'real'
    real.mkdir()
    (tmp_path / 'alias').symlink_to(real)
    failed, result = run(name='OPC UA to MQTT', dest=str(tmp_path / 'alias'))
    assert not failed and result['dest'] == str(tmp_path / 'alias' / 'opcua-to-mqtt.yml')
    assert (real / 'opcua-to-mqtt.yml').read_text() == FILE


def test_symlink_replacement_failure(run, server, tmp_path, monkeypatch):
    link = tmp_path / 'a.yml'
    link.symlink_to(tmp_path / 'target.yml')

    def refusing(source, target):
        raise OSError(16, 'Device or resource busy')
    monkeypatch.setattr(_marketplace.os, 'rename', refusing)
    failed, result = run(name='OPC UA to MQTT', dest=str(link))
    assert failed and result['msg'] == ('dest: could not replace the symlink %s ([Errno 16] Device or resource busy): '
                                        'nothing is written' % link)
    assert link.is_symlink() and os.listdir(str(tmp_path)) == ['a.yml']


def test_symlink_backup_failure(run, server, tmp_path, monkeypatch):
    link = tmp_path / 'a.yml'
    link.symlink_to(tmp_path / 'target.yml')

    def refusing(source, target):
        raise OSError(28, 'No space left on device')
    monkeypatch.setattr(_marketplace.os, 'symlink', refusing)
    failed, result = run(name='OPC UA to MQTT', dest=str(link), backup=True)
    assert failed and result['msg'].startswith('dest: could not back up the symlink %s as %s.' % (link, link))
    assert link.is_symlink() and os.listdir(str(tmp_path)) == ['a.yml']


@pytest.mark.parametrize('failure', ['fetch', 'version'])
def test_failure_after_the_folder_was_tried_leaves_nothing(run, server, tmp_path, failure):
    if failure == 'fetch':
        server.answers['/api/marketplace/app/meta'] = http_error(503, '/api/marketplace/app/meta')
    failed, result = run(name='OPC UA to MQTT', dest=str(tmp_path), version='9.9.9' if failure == 'version' else None)
    assert failed
    assert os.listdir(str(tmp_path)) == []


def test_failed_move_leaves_dest_and_no_temporary_file(run_module_path, server, tmp_path, monkeypatch):
    dest = tmp_path / 'a.yml'
    dest.write_text('keep: me\n')

    def failing(self, src, dest, unsafe_writes=False, **kwargs):  # pylint: disable=unused-argument
        self.fail_json(msg='Could not replace file')
    monkeypatch.setattr(basic.AnsibleModule, 'atomic_move', failing)
    failed, result = run_module_path(name='OPC UA to MQTT', dest=str(dest))
    assert failed and result['msg'] == 'Could not replace file'
    assert dest.read_text() == 'keep: me\n' and os.listdir(str(tmp_path)) == ['a.yml']


def test_move_that_raises_fails_naming_dest(run_module_path, server, tmp_path, monkeypatch):
    """ansible-core 2.19's atomic_move raises where older versions call fail_json: the same clear failure."""
    dest = tmp_path / 'a.yml'
    dest.write_text('keep: me\n')

    def raising(self, src, dest, unsafe_writes=False, **kwargs):  # pylint: disable=unused-argument
        raise Exception('Could not replace file')  # pylint: disable=broad-exception-raised
    monkeypatch.setattr(basic.AnsibleModule, 'atomic_move', raising)
    failed, result = run_module_path(name='OPC UA to MQTT', dest=str(dest))
    assert failed and result['msg'] == 'dest: could not replace %s (Could not replace file): nothing is written' % dest
    assert dest.read_text() == 'keep: me\n' and os.listdir(str(tmp_path)) == ['a.yml']


@pytest.mark.parametrize('unsafe_writes', [False, True])
def test_refused_rename_in_process(server, warnings, tmp_path, monkeypatch, unsafe_writes):
    """In-process, a refused rename fails with dest untouched, or with unsafe_writes writes in place."""
    dest = tmp_path / 'a.yml'
    dest.write_text('keep: me\n')
    os.chmod(str(dest), 0o640)

    def refusing(source, target):
        raise OSError(16, 'Device or resource busy')
    monkeypatch.setattr(os, 'rename', refusing)
    with mock.patch.object(ConnectwareClient, 'get', lambda self, path, params=None: FakeClient(server).get(path, params)):
        failed, result = in_process(dict(url=BASE_URL, token='unit-token', retries=0, name='OPC UA to MQTT',
                                         dest=str(dest), unsafe_writes=unsafe_writes), False, False, warnings)
    assert os.listdir(str(tmp_path)) == ['a.yml']
    if unsafe_writes:
        assert not failed and result['changed'] is True and dest.read_text() == FILE
    else:
        assert failed and result['msg'] == ('dest: could not replace %s ([Errno 16] Device or resource busy): nothing '
                                            'is written' % dest)
        assert result['api_error']['kind'] == 'config' and dest.read_text() == 'keep: me\n'
    assert stat.S_IMODE(os.stat(str(dest)).st_mode) == 0o640


def test_existing_file_keeps_its_mode_and_a_new_one_gets_the_umask(run, server, tmp_path):
    """Without mode, a replaced file keeps its mode, and a new file gets 0666 less the umask, on both paths."""
    dest = tmp_path / 'a.yml'
    dest.write_text('old: 1\n')
    os.chmod(str(dest), 0o604)
    failed, result = run(name='OPC UA to MQTT', dest=str(dest))
    assert not failed and result['changed'] is True and dest.read_text() == FILE
    assert stat.S_IMODE(os.stat(str(dest)).st_mode) == 0o604
    umask = os.umask(0o027)
    try:
        failed, result = run(name='OPC UA to MQTT', dest=str(tmp_path / 'new.yml'))
    finally:
        os.umask(umask)
    assert not failed and stat.S_IMODE(os.stat(str(tmp_path / 'new.yml')).st_mode) == 0o640


def test_backup_keeps_mode_and_time(run, server, tmp_path):
    dest = tmp_path / 'a.yml'
    dest.write_text('old: 1\n')
    os.chmod(str(dest), 0o600)
    os.utime(str(dest), (1700000000, 1700000000))
    failed, result = run(name='OPC UA to MQTT', dest=str(dest), backup=True)
    assert not failed, result
    backup = result['backup_file']
    assert backup.startswith('%s.%d.' % (dest, os.getpid())) and backup.endswith('~')
    assert stat.S_IMODE(os.stat(backup).st_mode) == 0o600 and os.stat(backup).st_mtime == 1700000000


def test_bad_option_values_send_nothing(run, server):
    failed, result = run(name=' ')
    assert failed and result['msg'].startswith('name is empty') and server.calls == []


@pytest.mark.parametrize('mode, problem', [
    (None, None), (0o640, None), ('0640', None), ('640', None), ('u=rw,g=r,o=', None), ('a+X', None), ('=r', None),
    ('u+rwx-w', None), ('g=u', None),
    ('u=banana', 'bad symbolic permission for mode: u=banana'), ('banana', 'bad symbolic permission for mode: banana'),
    ('u=rw,k=r', 'bad symbolic permission for mode: k=r'), ('0689', 'bad symbolic permission for mode: 0689'),
])
def test_mode_problem_reads_modes_as_ansible_does(mode, problem):
    assert _marketplace.mode_problem(mode) == problem


def test_bad_mode_fails_before_any_request(run_module_path, server, tmp_path):
    failed, result = run_module_path(name='OPC UA to MQTT', dest=str(tmp_path / 'a.yml'), mode='u=rw,k=r')
    assert failed and result['msg'] == ("mode must be in octal or symbolic form (bad symbolic permission for mode: k=r): "
                                        "give it as '0644' or as 'u=rw,g=r,o=r'")
    assert server.calls == [] and os.listdir(str(tmp_path)) == []


SCENARIOS = {
    # name: (what is at dest's place first: None, text or ('link', target); module args; listing filename)
    'replace with mode': ('old: 1\n', dict(mode='0640'), None),
    'replace keeping mode, backup': ('old: 1\n', dict(backup=True), None),
    'new file': (None, dict(), None),
    'unchanged': (FILE, dict(mode='0604'), None),
    'symlink replaced': (('link', 'outside.yml'), dict(backup=True), None),
    'folder, name reduced': ('folder', dict(), 'sub/../x.yml'),
    'mode beyond the bits': (FILE, dict(mode='01000604'), None),
}


def prepare(folder, first):
    """``folder`` with what is at the target's place first; the dest to give."""
    folder.mkdir()
    (folder / 'outside.yml').write_text('outside: untouched\n')
    target = folder / 'app.yml'
    if first == 'folder':
        (folder / 'apps').mkdir()
        return str(folder / 'apps')
    if isinstance(first, tuple):
        target.symlink_to(folder / first[1])
    elif first is not None:
        target.write_text(first)
        os.chmod(str(target), 0o604)
        os.utime(str(target), (1700000000, 1700000000))
    return str(target)


def written(folder):
    """{name: (content, mode, uid, gid, new times)} under ``folder``; backups without pid and time."""
    found = {}
    for root, _dirs, names in os.walk(str(folder)):
        for name in names:
            path = os.path.join(root, name)
            info = os.lstat(path)
            key = os.path.relpath(path, str(folder)).split('.%d' % os.getpid())[0]
            content = os.readlink(path) if stat.S_ISLNK(info.st_mode) else open(path).read()
            found[key] = (content.replace(str(folder), '<folder>'), stat.S_IMODE(info.st_mode), info.st_uid,
                          info.st_gid, info.st_mtime > 1700000000)
    return found


def normalized(result, folder):
    """The result as sorted JSON, with the folder and the process id (in backup names) left out."""
    return json.dumps(result, sort_keys=True).replace(str(folder), '<folder>').replace('.%d.' % os.getpid(), '.<pid>.')


@pytest.mark.parametrize('check_mode', [False, True])
@pytest.mark.parametrize('scenario', sorted(SCENARIOS))
def test_both_paths_give_the_same_result_and_files(server, tmp_path, monkeypatch, check_mode, scenario):
    """Key for key (with the file's owner, mode and size that AnsibleModule adds to a result naming
    a file), warning for warning, and file for file: content, mode, owner, group, new times."""
    first, options, filename = SCENARIOS[scenario]
    if filename:
        server.answers['/api/marketplace/apps'] = [entry(filename=filename)]
    monkeypatch.setattr(_marketplace.time, 'strftime', lambda fmt, when=None: '2026-11-30@01:02:03~')
    monkeypatch.setattr(basic.time, 'strftime', lambda fmt, when=None: '2026-11-30@01:02:03~')

    def get(self, path, params=None):  # pylint: disable=unused-argument,redefined-outer-name
        return FakeClient(server).get(path, params=params)
    outcome = {}
    for path in ('module', 'in-process'):
        folder = tmp_path / ('m' if path == 'module' else 'i')  # same length: a link's size is its target's
        args = dict(url=BASE_URL, token='unit-token', retries=0, name='OPC UA to MQTT', dest=prepare(folder, first),
                    **options)
        seen = []
        monkeypatch.setattr(basic.AnsibleModule, 'warn', lambda self, message: seen.append(message))
        with mock.patch.object(ConnectwareClient, 'get', get):
            if path == 'in-process':
                failed, result = in_process(args, check_mode, True, seen)
            else:
                failed, result = run_module(connectware_marketplace_app.main, args, check_mode=check_mode, diff=True)
        assert not failed, result
        result.pop('invocation', None)  # the module's comes from exit_json (compared in the integration tests)
        outcome[path] = (normalized(result, folder), seen, written(folder))
    assert outcome['in-process'][0] == outcome['module'][0]
    assert outcome['in-process'][1] == outcome['module'][1]
    assert outcome['in-process'][2] == outcome['module'][2]
    files = outcome['module'][2]
    assert files['outside.yml'] == ('outside: untouched\n', 0o644, os.getuid(), os.getgid(), True)
    if scenario == 'folder, name reduced':
        assert outcome['module'][1] and "only 'x.yml' is used" in outcome['module'][1][0]


def test_server_name_with_a_variable_is_refused(run, server, tmp_path):
    server.answers['/api/marketplace/apps'] = [entry(filename='$HOME.yml')]
    failed, result = run(name='OPC UA to MQTT', dest=str(tmp_path), mode='0600')
    assert failed and "its file name '$HOME.yml' contains '$', which Ansible's file handling reads as a variable" \
        in result['msg']
    assert os.listdir(str(tmp_path)) == []


def test_failed_backup_fails_naming_dest(run_module_path, server, tmp_path, monkeypatch):
    """ansible-core 2.19's backup_local raises where older versions call fail_json: the same clear failure."""
    dest = tmp_path / 'a.yml'
    dest.write_text('keep: me\n')

    def raising(self, path):  # pylint: disable=unused-argument
        raise Exception('Could not make backup')  # pylint: disable=broad-exception-raised
    monkeypatch.setattr(basic.AnsibleModule, 'backup_local', raising)
    failed, result = run_module_path(name='OPC UA to MQTT', dest=str(dest), backup=True)
    assert failed and result['msg'] == 'dest: could not back up %s (Could not make backup): nothing is written' % dest
    assert dest.read_text() == 'keep: me\n' and os.listdir(str(tmp_path)) == ['a.yml']


def test_symlink_backups_in_the_same_second_get_their_own_names(run, server, tmp_path, monkeypatch):
    """A loop in one worker (in-process) backs up twice within a second: the second link backup
    gets a name of its own instead of failing on the first one's."""
    monkeypatch.setattr(_marketplace.time, 'strftime', lambda fmt, when=None: '2026-11-30@01:02:03~')
    link = tmp_path / 'a.yml'
    names = []
    for target in ('one.yml', 'two.yml'):
        if link.exists() or link.is_symlink():
            link.unlink()
        link.symlink_to(tmp_path / target)
        failed, result = run(name='OPC UA to MQTT', dest=str(link), backup=True)
        assert not failed, result
        names.append(result['backup_file'])
    assert len(set(names)) == 2
    assert [os.readlink(name) for name in names] == [str(tmp_path / 'one.yml'), str(tmp_path / 'two.yml')]
