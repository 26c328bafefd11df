"""Readers do not stall writers (issue 8): a heavy filtered query running in a
loop on a large event history leaves passthrough (each call writes its audit
record) and event ingestion (each batch is a write transaction) at least half
their idle rate.  The ratios are printed; nothing finer is asserted on
timing.

Before the fix one SQLite connection behind one mutex served every read and
write, held for a whole scan: a 190 ms filtered query on a 1M-event store cut
passthrough from 1442 to 24 commands/s and slowed a 1k storm from 17 to
424 ms."""

import multiprocessing
import sqlite3
import time
import unittest

import grpc

from hbamgr.v1 import events_pb2
from hbamgr.v1 import events_pb2_grpc
from hbamgr.v1 import passthrough_pb2
from hbamgr.v1 import types_pb2
from hbamgr_fixture import DaemonTestCase, wait_until

HISTORY_ROWS = 200_000
HISTORY_ADAPTER = 7  # not a live adapter: its rows only make the store big
INQUIRY = bytes([0x12, 0, 0, 0, 96, 0])
MEASURE_S = 1.5
PAIRS = 5  # idle, loaded; idle, loaded; ...: the machine's own load drifts
STORM = 1000
WAIT_S = 120  # bound on any one wait for the query loop


def heavy_query():
    """The latest 100 warnings or worse across every adapter, from a
    200k-row history where most events are: SQLite reads every matching row
    to sort them by time (a few hundred ms), the answer is small."""
    return events_pb2.QueryEventsRequest(
        filter=events_pb2.EventFilter(min_severity=types_pb2.SEVERITY_WARNING),
        limit=100, newest_first=True)


def query_loop(socket_path, run, paused, answered, stop):
    """Runs in its own process: heavy_query() back to back while `run` is
    set; sets `paused` once it is between queries with `run` clear."""
    channel = grpc.insecure_channel("unix:" + socket_path)
    stub = events_pb2_grpc.EventsStub(channel)
    request = heavy_query()
    while not stop.is_set():
        if not run.is_set():
            paused.set()
            run.wait(0.1)
            continue
        paused.clear()
        stub.QueryEvents(request, timeout=WAIT_S)
        with answered.get_lock():
            answered.value += 1
    channel.close()


class StoreContentionTest(DaemonTestCase):
    def setUp(self):
        super().setUp()
        # A large history, written straight into the database while the
        # daemon is stopped (the daemon made the schema).
        self.assertEqual(self.hbamgrd.stop(), 0)
        now_ns = time.time_ns()
        con = sqlite3.connect(self.hbamgrd.database)
        con.executemany(
            "INSERT INTO events (adapter, seq, timestamp_ns, type, class, severity, code, encl, "
            "slot, pd, vd, arg0, arg1, description) VALUES (?, ?, ?, 1, ?, ?, ?, 0, ?, ?, "
            "65535, ?, 0, ?)",
            ((HISTORY_ADAPTER, seq, now_ns - (HISTORY_ROWS - seq) * 1000, 1 + seq % 5,
              seq % 4, 0x0003 if seq % 5 == 0 else 0x0205, seq % 8, seq % 8, seq,
              "historic event") for seq in range(1, HISTORY_ROWS + 1)))
        con.commit()
        con.close()
        self.hbamgrd.start()

    def passthrough_rate(self):
        stub = self.hbamgrd.passthrough()
        request = passthrough_pb2.ScsiRequest(adapter="c0", target=0, cdb=INQUIRY,
                                              data_in_length=96)
        done, started = 0, time.monotonic()
        while time.monotonic() - started < MEASURE_S:
            self.assertEqual(stub.Scsi(request, timeout=60).status, types_pb2.COMMAND_STATUS_OK)
            done += 1
        return done / (time.monotonic() - started)

    def ingestion_rate(self):
        """Events/s from storm injection until stored, storms one after the
        other for MEASURE_S."""
        stored, started = 0, time.monotonic()
        while time.monotonic() - started < MEASURE_S:
            newest = self.hbamgrd.firmware_log("c0")["newest_seq"] + STORM
            self.hbamgrd.inject("SRB_STORM", count=STORM)
            wait_until(lambda: self.hbamgrd.daemon_info().adapters[0].last_stored_seq >= newest,
                       60, "the storm stored", interval=0.002)
            stored += STORM
        return stored / (time.monotonic() - started)

    def test_a_heavy_query_loop_leaves_writers_their_rate(self):
        ctx = multiprocessing.get_context("spawn")
        run, paused, stop = ctx.Event(), ctx.Event(), ctx.Event()
        answered = ctx.Value("l", 0)
        loop = ctx.Process(target=query_loop,
                           args=(self.hbamgrd.socket_path, run, paused, answered, stop))
        loop.start()
        self.addCleanup(loop.join, 60)
        self.addCleanup(stop.set)
        query_s = time.monotonic()
        self.assertEqual(len(self.hbamgrd.events().QueryEvents(heavy_query(), timeout=WAIT_S)
                             .events), 100)
        query_s = time.monotonic() - query_s

        def idle():
            run.clear()
            self.assertTrue(paused.wait(WAIT_S), "the query loop did not pause")

        def loaded():
            # Running once the daemon answered it a query after `run`.
            before = answered.value
            run.set()
            wait_until(lambda: answered.value > before, WAIT_S, "a query answered to the loop",
                       interval=0.01)

        pairs = []
        for _ in range(PAIRS):
            idle()
            idle_rates = (self.passthrough_rate(), self.ingestion_rate())
            loaded()
            loaded_rates = (self.passthrough_rate(), self.ingestion_rate())
            pairs.append((idle_rates, loaded_rates))
        stop.set()
        run.set()
        loop.join(60)
        self.assertEqual(loop.exitcode, 0)
        pt_ratios = sorted(l[0] / i[0] for i, l in pairs)
        ev_ratios = sorted(l[1] / i[1] for i, l in pairs)
        pt_ratio, ev_ratio = pt_ratios[PAIRS // 2], ev_ratios[PAIRS // 2]
        print(f"\nheavy query ({query_s * 1000:.0f} ms alone, {HISTORY_ROWS} rows stored) "
              f"in a loop, {PAIRS} idle/loaded pairs, median ratio loaded/idle: "
              f"passthrough {pt_ratio:.2f}, ingestion {ev_ratio:.2f}")
        for n, (i, l) in enumerate(pairs):
            print(f"  pair {n}: passthrough {i[0]:.0f} -> {l[0]:.0f} cmd/s, "
                  f"ingestion {i[1]:.0f} -> {l[1]:.0f} events/s")
        print(f"  {answered.value} heavy queries answered to the loop")
        self.assertGreaterEqual(pt_ratio, 0.5)
        self.assertGreaterEqual(ev_ratio, 0.5)


if __name__ == "__main__":
    unittest.main()
