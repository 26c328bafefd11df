"""The database on a full filesystem (issue 8): hbamgrd fails closed.  Admin
calls, which must be audited, are refused UNAVAILABLE saying why and do
nothing; grpc.health and GetDaemonInfo say NOT_SERVING with the reason; reads
go on and GetDaemonInfo's last stored seq is what the store holds; the
firmware keeps being read (what waits in its log is reported) with bounded
memory; once space returns the daemon serves again and stores what the
firmware log still had, in seq order, and records exactly what the log had
overwritten meanwhile (one HOST_EVENTS_LOST record per range, counted in
events_lost).

Before the fix, on a full disk admin calls succeeded while their audit
records were dropped (logged only), grpc.health stayed SERVING, GetDaemonInfo
reported a last stored seq the store did not hold, and ingestion resumed only
when a new event came.

The filesystem is a small tmpfs mounted by the test (tests run as root); the
test is skipped, saying so, where mounting is impossible."""

import errno
import os
import re
import shutil
import sqlite3
import subprocess
import tempfile
import time
import unittest

import grpc

import health_pb2
import health_pb2_grpc
from hbamgr.v1 import maintenance_pb2
from hbamgr_fixture import EVENTS_LOST, Daemon, DaemonTestCase, account_events, wait_until

TMPFS_SIZE = "8m"
# A paced storm (events/s) that goes on through the fault: more events than
# the firmware log holds arrive while the database cannot take them.
STORM = 5000
STORM_RATE = 1000


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


class FullFilesystemTest(DaemonTestCase):
    def setUp(self):
        self.workdir = tempfile.mkdtemp(prefix="hbamgr-it-")
        os.chmod(self.workdir, 0o755)
        self.mount = os.path.join(self.workdir, "db")
        os.mkdir(self.mount)
        mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={TMPFS_SIZE},mode=0700",
                                  "tmpfs", self.mount], capture_output=True, text=True)
        if mounted.returncode != 0:
            shutil.rmtree(self.workdir, ignore_errors=True)
            self.skipTest(f"cannot mount a tmpfs for the full-filesystem test (needs root): "
                          f"{mounted.stderr.strip()}")
        self.addCleanup(self._unmount)
        # Only the database is on the small filesystem: the simulated
        # adapters' NVRAM ([sim] state_dir) stays outside it.
        self.hbamgrd = Daemon(self.workdir, database=os.path.join(self.mount, "hbamgrd.db"),
                              state_dir=os.path.join(self.workdir, "sim"))
        self.addCleanup(self._cleanup)
        self.hbamgrd.start()
        self.filler = os.path.join(self.mount, "filler")

    def _unmount(self):
        subprocess.run(["umount", self.mount], check=False)
        shutil.rmtree(self.workdir, ignore_errors=True)

    def fill_filesystem(self):
        # Unbuffered: nothing is left to flush (and fail) at close.
        with open(self.filler, "wb", buffering=0) as f:
            chunk = b"\0" * 65536
            while True:
                try:
                    f.write(chunk)
                except OSError as err:
                    self.assertEqual(err.errno, errno.ENOSPC)
                    return

    def health(self, service=""):
        stub = health_pb2_grpc.HealthStub(self.hbamgrd.channel)
        return stub.Check(health_pb2.HealthCheckRequest(service=service), timeout=10).status

    def store_writable(self):
        match = re.search(r"^hbamgr_store_writable (\S+)$", self.hbamgrd.scrape(), re.M)
        self.assertIsNotNone(match, "no hbamgr_store_writable in /metrics")
        return float(match.group(1))

    def locate_states(self, drive):
        """Every "locate_on" in `hbacli <drive> show all --json`."""
        found = []

        def walk(node):
            if isinstance(node, dict):
                for key, value in node.items():
                    if key == "locate_on":
                        found.append(value)
                    walk(value)
            elif isinstance(node, list):
                for value in node:
                    walk(value)

        walk(self.cli_ok(drive, "show", "all"))
        return found

    def stored_max_seq(self, adapter=0):
        con = sqlite3.connect(f"file:{self.hbamgrd.database}?mode=ro", uri=True)
        try:
            return con.execute("SELECT COALESCE(MAX(seq), 0) FROM events WHERE adapter = ?",
                               (adapter,)).fetchone()[0]
        finally:
            con.close()

    def test_a_full_filesystem_fails_closed_and_recovers(self):
        # Events the firmware logs on its own through the fault (no admin
        # call is possible then): a paced storm injected just before.
        capacity = self.hbamgrd.firmware_log("c0")["capacity"]
        storm_end = self.hbamgrd.firmware_log("c0")["newest_seq"] + STORM
        self.hbamgrd.inject("SRB_STORM", count=STORM, arg=STORM_RATE)
        self.fill_filesystem()
        NOT_SERVING = health_pb2.HealthCheckResponse.NOT_SERVING
        wait_until(lambda: self.health("") == NOT_SERVING, 30, "grpc.health to say NOT_SERVING")
        self.assertEqual(self.health("hbamgr.v1.Maintenance"), NOT_SERVING)
        info = self.hbamgrd.daemon_info()
        self.assertFalse(info.serving)
        self.assertIn(self.hbamgrd.database, info.not_serving_reason)
        self.assertIn("cannot be written", info.not_serving_reason)
        self.assertIn("full", info.not_serving_reason)
        # Prometheus sees it too (the gauge is refreshed every second).
        wait_until(lambda: self.store_writable() == 0, 30, "hbamgr_store_writable 0")

        # An admin call is refused, says why, and does nothing.
        code, doc, out, err = self.hbamgrd.cli("/c0/e0/s2", "start", "locate")
        self.assertNotEqual(code, 0, out)
        self.assertEqual(doc["error"]["code"], "UNAVAILABLE", out)
        self.assertIn("refused", doc["error"]["message"])
        self.assertIn("nothing was done", doc["error"]["message"])
        self.assertIn("full", doc["error"]["message"])
        with self.assertRaises(grpc.RpcError) as refused:
            self.hbamgrd.inject("SRB_STORM", count=10)
        self.assertEqual(refused.exception.code(), grpc.StatusCode.UNAVAILABLE)
        self.assertEqual(self.locate_states("/c0/e0/s2"), [False])
        self.assertIn("refused", self.hbamgrd.log())

        # Reads work; the last stored seq is the store's.
        self.assertEqual(self.hbamgrd.daemon_info().adapters[0].last_stored_seq,
                         self.stored_max_seq())
        self.assertTrue(self.hbamgrd.query_events())
        # The firmware keeps being read: what waits in its log is reported
        # (more than the log holds, so some is lost), and it is not held in
        # memory.
        rss_before = rss_kib(self.hbamgrd.proc.pid)
        pending = wait_until(
            lambda: self.hbamgrd.daemon_info().adapters[0].events_pending > capacity and
            self.hbamgrd.daemon_info().adapters[0].events_pending, 60,
            f"more than {capacity} events waiting in the firmware log")
        self.assertEqual(self.hbamgrd.daemon_info().adapters[0].last_stored_seq,
                         self.stored_max_seq())
        self.assertLess(rss_kib(self.hbamgrd.proc.pid) - rss_before, 64 * 1024)
        print(f"\nwhile full: {pending} events waiting in the firmware log (it holds "
              f"{capacity}); reason: {info.not_serving_reason}")

        # Space returns: serving again, and the store catches up.
        os.unlink(self.filler)
        wait_until(lambda: self.hbamgrd.daemon_info().serving, 30, "serving again")
        self.assertEqual(self.health(""), health_pb2.HealthCheckResponse.SERVING)
        wait_until(lambda: self.store_writable() == 1, 30, "hbamgr_store_writable 1")
        wait_until(lambda: self.hbamgrd.firmware_log("c0")["newest_seq"] >= storm_end, 60,
                   "the storm to end")
        wait_until(lambda: self.hbamgrd.daemon_info().adapters[0].last_stored_seq >= storm_end,
                   30, "the storm's events to be stored")
        oldest_in_log = self.hbamgrd.firmware_log("c0")["oldest_seq"]
        events = self.hbamgrd.all_events("c0")
        stored, lost, ranges = account_events(events, storm_end)
        # What the log had overwritten is recorded exactly (account_events
        # checked every seq is its event or inside one loss record), and
        # counted; what it still held is stored.
        self.assertGreater(lost, 0, "more than the log holds arrived: some must be lost")
        self.assertEqual(self.hbamgrd.daemon_info().adapters[0].events_lost, lost)
        self.assertTrue(all(last < oldest_in_log for _, last in ranges), ranges)
        self.assertTrue(any(e.code == EVENTS_LOST for e in events))
        self.assertEqual(self.hbamgrd.daemon_info().adapters[0].events_pending, 0)
        print(f"after: {stored} events stored, {lost} recorded lost in {ranges}")
        # Admin calls work and are audited again.
        self.cli_ok("/c0/e0/s2", "start", "locate")
        self.assertEqual(self.locate_states("/c0/e0/s2"), [True])


if __name__ == "__main__":
    unittest.main()
