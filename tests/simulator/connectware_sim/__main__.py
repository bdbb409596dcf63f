# -*- coding: utf-8 -*-
# Copyright: (c) 2026, iiot.connectware contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Run a simulated Connectware fleet until interrupted.

    python -m connectware_sim --workdir DIR [--hosts N] [--mix healthy,service_down] [--scenario FILE] [--no-tls]

Writes DIR/inventory.yml, DIR/fleet.json (written last: its presence means ready)
and DIR/tls/cybus_ca.crt; stops on SIGINT/SIGTERM.
"""

import argparse
import os
import signal
import sys
import threading

from .fleet import DEMO_MIX, Fleet
from .state import PRESETS


def main(argv=None):
    parser = argparse.ArgumentParser(prog='connectware_sim', description=__doc__.splitlines()[0])
    parser.add_argument('--workdir', required=True)
    parser.add_argument('--hosts', type=int, default=len(DEMO_MIX))
    parser.add_argument('--mix', default=','.join(DEMO_MIX),
                        help='comma-separated presets, cycled over the hosts (%s)' % ', '.join(sorted(PRESETS)))
    parser.add_argument('--scenario', help='YAML file with hosts and their states (overrides --hosts/--mix)')
    parser.add_argument('--no-tls', action='store_true')
    args = parser.parse_args(argv)

    fleet_json = os.path.join(args.workdir, 'fleet.json')
    if os.path.exists(fleet_json):
        os.remove(fleet_json)
    if args.scenario:
        fleet = Fleet.from_scenario_file(args.workdir, args.scenario, tls=not args.no_tls)
    else:
        fleet = Fleet.from_mix(args.workdir, args.hosts, args.mix.split(','), tls=not args.no_tls)
    fleet.start()
    fleet.write_inventory()
    fleet.write_description(fleet_json)
    print('connectware simulator: %d hosts, inventory %s' % (len(fleet), os.path.join(args.workdir, 'inventory.yml')))
    sys.stdout.flush()

    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    stop.wait()
    fleet.stop()
    os.remove(fleet_json)
    return 0


if __name__ == '__main__':
    sys.exit(main())
