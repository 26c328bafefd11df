#!/usr/bin/env python3
"""What health polling costs hbamgrd: 8 simulated adapters x 128 drives (4
enclosures x 32 slots each), CPU time of the daemon process (utime + stime
from /proc/PID/stat) over a measured window with the health service on,
against the same daemon with `[health] enabled = false` (polling off) as the
paired peer, ON OFF ON OFF.  The difference over the window is the cost, as a
fraction of one core.  Prints figures; passes or fails nothing.

Two measurements:
  time-compressed 30x: poll_interval 2 s and smart_interval 60 s (the
    defaults, 60 s and 30 min, divided by 30), jitter 0, over a window that
    is a whole number of smart_intervals and starts after the start-up poll.
    The window holds the inventory polls and drive log-page sweeps in the
    proportion the defaults give them, 30 times as often, so the cost at the
    default intervals is the measured fraction / 30.  Without jitter the
    intervals are at their shortest: this overstates the default (jitter 10%
    stretches each wait by 5% on average).
  direct: the default policy as shipped, over a window after the start-up
    poll: inventory polls only (the next log-page sweep is 30 min away), a
    small difference in the noise of the simulated adapters' own CPU.
Then the cost of a scrape: CPU per GET /metrics rendering every series of the
8 x 128 drives, as a fraction of one core at a 15 s scrape interval.

    health_poll_cost.py [--window S] [--rounds N]    (HBAMGRD: the daemon)
"""

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests",
                                "integration", "support"))
from hbamgr_fixture import Daemon, wait_until  # noqa: E402

ADAPTERS, ENCLOSURES, SLOTS = 8, 4, 32
DRIVES = ENCLOSURES * SLOTS
COMPRESSION = 30
COMPRESSED = f"""
[health]
poll_interval = {60 // COMPRESSION}s
smart_interval = {1800 // COMPRESSION}s
jitter = 0%
"""
DEFAULTS = "\n[health]\n"  # every key at its default
OFF = "\n[health]\nenabled = false\n"
SETTLE_S = 5  # after the start-up poll, before the window opens
SCRAPES = 50
SCRAPE_INTERVAL_S = 15


class Run:
    """One daemon for one measurement."""

    def __init__(self, health_config):
        self.workdir = tempfile.mkdtemp(prefix="hbamgr-bench-")
        self.daemon = Daemon(self.workdir, adapters=ADAPTERS, enclosures=ENCLOSURES, slots=SLOTS,
                             drives=DRIVES, extra_config=health_config, log_level="info")

    def __enter__(self):
        self.daemon.start()
        return self

    def __exit__(self, *exc):
        code = self.daemon.stop()
        shutil.rmtree(self.workdir, ignore_errors=True)
        if code != 0 and exc[0] is None:
            raise RuntimeError(f"hbamgrd exited with {code}")

    def poll_times(self):
        """{adapter: Unix time of its last health poll} from /metrics."""
        out = {}
        for line in self.daemon.scrape().splitlines():
            if line.startswith("hbamgr_health_last_poll_timestamp_seconds{"):
                adapter = line.split('adapter="', 1)[1].split('"', 1)[0]
                out[adapter] = float(line.rsplit(" ", 1)[1])
        return out

    def wait_first_polls(self):
        return wait_until(lambda: (lambda t: t if len(t) == ADAPTERS else None)(self.poll_times()),
                          300, "the start-up poll of every adapter", interval=0.2)

    def cpu_over(self, window_s):
        """Process CPU seconds used during the next window_s seconds."""
        before = self.daemon.cpu_seconds()
        time.sleep(window_s)
        return self.daemon.cpu_seconds() - before


def measure(health_config, polling, window_s):
    with Run(health_config) as run:
        if polling:
            first = run.wait_first_polls()
            # Open the window SETTLE_S after the last adapter's start-up poll.
            time.sleep(max(0.0, max(first.values()) + SETTLE_S - time.time()))
        else:
            time.sleep(SETTLE_S)
        start = run.poll_times() if polling else {}
        cpu = run.cpu_over(window_s)
        end = run.poll_times() if polling else {}
        polled = [end[a] - start[a] for a in start] if polling else []
        return cpu, polled


def paired(name, on_config, window_s, rounds, scale, interval_s):
    print(f"{name}: window {window_s:g} s, {rounds} rounds of polling ON then OFF")
    costs = []
    for r in range(1, rounds + 1):
        on, polled = measure(on_config, True, window_s)
        off, _ = measure(OFF, False, window_s)
        fraction = (on - off) / window_s
        costs.append(fraction / scale)
        polls = statistics.median(polled) / interval_s
        print(f"  round {r}: ON {on:.2f} s CPU ({polls:.0f} polls per adapter), OFF {off:.2f} s CPU"
              f" -> polling {100 * fraction:.3f}% of one core"
              + (f" -> {100 * fraction / scale:.4f}% at the default intervals" if scale != 1 else ""))
    return statistics.median(costs), costs


def percent(fraction):
    return f"{round(100 * fraction, 4) + 0.0:.4f}%"


def scrape_cost():
    with Run(COMPRESSED) as run:
        run.wait_first_polls()
        text = run.daemon.scrape()
        series = sum(1 for line in text.splitlines() if line and not line.startswith("#"))
        before = run.daemon.cpu_seconds()
        started = time.monotonic()
        for _ in range(SCRAPES):
            run.daemon.scrape()
        wall = time.monotonic() - started
        cpu = (run.daemon.cpu_seconds() - before) / SCRAPES
        return series, len(text), cpu, wall / SCRAPES


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--window", type=float, default=120,
                    help="seconds per measurement; a multiple of 60 (default 120)")
    ap.add_argument("--rounds", type=int, default=2, help="ON/OFF pairs per measurement (2)")
    ap.add_argument("--skip-direct", action="store_true",
                    help="only the time-compressed measurement and the scrape")
    args = ap.parse_args()
    if args.window % (1800 // COMPRESSION):
        ap.error("--window must be a whole number of compressed smart_intervals (60 s)")

    print(f"health polling cost: {ADAPTERS} adapters x {DRIVES} drives "
          f"({ENCLOSURES} enclosures x {SLOTS} slots), hbamgrd {os.environ.get('HBAMGRD')}, "
          f"{os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f}")
    compressed, compressed_rounds = paired(f"time-compressed {COMPRESSION}x (poll_interval 2s, smart_interval 60s, "
                        "jitter 0%)", COMPRESSED, args.window, args.rounds, COMPRESSION, 2)
    direct = None
    if not args.skip_direct:
        direct, direct_rounds = paired("direct, default policy (poll_interval 60s, smart_interval 30min, "
                        "jitter 10%)", DEFAULTS, args.window, args.rounds, 1, 60)
    series, size, cpu, wall = scrape_cost()
    print(f"scrape: {series} series ({size / 1024:.0f} KiB) in {1000 * wall:.1f} ms wall, "
          f"{1000 * cpu:.2f} ms CPU each -> {100 * cpu / SCRAPE_INTERVAL_S:.4f}% of one core "
          f"at a {SCRAPE_INTERVAL_S} s scrape interval")
    print()
    print(f"RESULT health polling of {ADAPTERS} adapters x {DRIVES} drives at the default "
          f"interval: {percent(compressed)} of one core (median of {args.rounds} paired "
          f"time-compressed rounds: {', '.join(map(percent, compressed_rounds))}; bound < 2%)")
    if direct is not None:
        print(f"RESULT direct at the default interval, inventory polls only: "
              f"{percent(direct)} of one core (median of "
              f"{', '.join(map(percent, direct_rounds))}: within the noise of the simulated "
              f"adapters' own CPU)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
