"""Retention never holds up start-up or the main loop (issue 8): with a large
expired history, hbamgrd serves first and prunes after, on its own thread, in
small batches (store.retention_batch rows per write transaction); the expired
rows go, the others stay.

Before the fix the prune ran on the main thread (the one that answers
signals and pings the systemd watchdog) before the adapters started: 500k
expired rows delayed READY from 0.06 s to 2 s, and the hourly pass stalled
the main loop as long."""

import re
import sqlite3
import time
import unittest

from hbamgr_fixture import DaemonTestCase, wait_until

EXPIRED_ROWS = 300_000
KEPT_ROWS = 100
HISTORY_ADAPTER = 7  # not a live adapter
BATCH = 1000  # store.retention_batch's default
DAY_NS = 86_400 * 10**9


class StoreRetentionTest(DaemonTestCase):
    def count(self, sql, *args):
        con = sqlite3.connect(f"file:{self.hbamgrd.database}?mode=ro", uri=True)
        try:
            return con.execute(sql, args).fetchone()[0]
        finally:
            con.close()

    def test_start_up_serves_first_and_prunes_after_in_batches(self):
        # An expired history (older than event_retention_days = 90) and a
        # recent one, written while the daemon is stopped.
        self.assertEqual(self.hbamgrd.stop(), 0)
        now_ns = time.time_ns()
        con = sqlite3.connect(self.hbamgrd.database)
        rows = [(seq, now_ns - 400 * DAY_NS + seq) for seq in range(1, EXPIRED_ROWS + 1)]
        rows += [(EXPIRED_ROWS + n, now_ns - DAY_NS + n) for n in range(1, KEPT_ROWS + 1)]
        con.executemany(
            "INSERT INTO events (adapter, seq, timestamp_ns, type, class, severity, code, encl, "
            f"slot, pd, vd, arg0, arg1, description) VALUES ({HISTORY_ADAPTER}, ?, ?, 1, 1, 0, "
            "0x0205, 0, 0, 0, 65535, 0, 0, 'historic event')", rows)
        con.commit()
        con.close()
        log_from = len(self.hbamgrd.log())
        self.hbamgrd.start()

        def pruned():
            return re.search(r"retention applied.*", self.hbamgrd.log()[log_from:])

        line = wait_until(pruned, 120, "the retention pass to be logged").group(0)
        log = self.hbamgrd.log()[log_from:]
        ready = log.find("hbamgrd ready")
        self.assertGreaterEqual(ready, 0, log)
        self.assertLess(ready, log.find("retention applied"),
                        "the daemon pruned before it served")
        self.assertIn(f"EVENTS_DELETED={EXPIRED_ROWS}", line)
        batches = int(re.search(r"BATCHES=(\d+)", line).group(1))
        self.assertGreaterEqual(batches, EXPIRED_ROWS // BATCH, line)
        self.assertEqual(self.count("SELECT COUNT(*) FROM events WHERE adapter = ?",
                                    HISTORY_ADAPTER), KEPT_ROWS)
        print(f"\n{line.strip()}")


if __name__ == "__main__":
    unittest.main()
