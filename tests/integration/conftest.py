# -*- coding: utf-8 -*-
# Copyright: (c) 2026, iiot.connectware contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fixtures: simulated Connectware fleets for the integration tests."""

import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from connectware_sim import Fleet  # noqa: E402  pylint: disable=wrong-import-position


@pytest.fixture
def make_fleet(tmp_path):
    """make_fleet([scenario, ...], tls=True) -> a started Fleet, stopped after the test."""
    fleets = []

    def factory(scenarios, **kwargs):
        fleet = Fleet(str(tmp_path / ('fleet%d' % len(fleets))), scenarios, **kwargs).start()
        fleets.append(fleet)
        return fleet

    yield factory
    for fleet in fleets:
        fleet.stop()


@pytest.fixture
def workdir(tmp_path):
    path = tmp_path / 'run'
    path.mkdir()
    return path
