"""One hbamgrd per database and per socket (issue 8): a second daemon on the
live one's database (same or another socket), or on its socket (another
database), exits non-zero with a clear message before it writes anything, and
the live daemon's events table stays byte for byte what it was; the live
daemon goes on storing its own events (a PD_LOCATE made afterwards is
stored).

Before the fix the second daemon opened the store and started its adapters
before it found the socket taken: 7 phantom start-up events per adapter under
the live daemon's next seqs, whose real events were then dropped as
duplicates; with another socket both ran on one database."""

import os
import sqlite3
import unittest

from hbamgr_fixture import Daemon, DaemonTestCase, account_events, wait_until

PD_LOCATE = 0x0207


class OneDaemonTest(DaemonTestCase):
    DAEMON_ARGS = {"adapters": 2}

    def events_table(self, database=None):
        """Every row and column of the events table, as SQLite has them."""
        con = sqlite3.connect(f"file:{database or self.hbamgrd.database}?mode=ro", uri=True)
        try:
            return con.execute("SELECT * FROM events ORDER BY adapter, seq").fetchall()
        finally:
            con.close()

    def second_daemon(self, before, name, **kwargs):
        """Runs a second daemon to its exit; the events table must not have
        changed.  Returns (exit status, its log)."""
        second = Daemon(self.workdir, adapters=2, name=name, **kwargs)
        code, log = second.run_to_exit()
        self.assertEqual(self.events_table(), before, f"the events table changed:\n{log}")
        return code, log

    def check_live_daemon_unharmed(self, before):
        # It still stores its own events, under its own seqs.
        self.cli_ok("/c0/e0/s1", "start", "locate")

        def locate_stored():
            events = self.hbamgrd.query_events("c0")
            return [e for e in events if e.code == PD_LOCATE and e.seq > before[-1][1]]

        wait_until(locate_stored, 30, "the PD_LOCATE event in the store")
        newest = self.hbamgrd.firmware_log("c0")["newest_seq"]
        wait_until(lambda: self.hbamgrd.daemon_info().adapters[0].last_stored_seq >= newest, 30,
                   "c0 to store everything")
        account_events(self.hbamgrd.all_events("c0"), newest)

    def test_same_database_same_socket(self):
        before = self.events_table()
        code, log = self.second_daemon(before, "second")
        self.assertNotEqual(code, 0, log)
        self.assertIn("is in use by another hbamgrd", log)
        self.assertIn(f"(pid {self.hbamgrd.proc.pid})", log)
        self.check_live_daemon_unharmed(before)

    def test_same_database_other_socket(self):
        before = self.events_table()
        other_socket = os.path.join(self.workdir, "other.sock")
        code, log = self.second_daemon(before, "second", socket_path=other_socket)
        self.assertNotEqual(code, 0, log)
        self.assertIn("is in use by another hbamgrd", log)
        self.assertFalse(os.path.exists(other_socket), "the second daemon bound its socket")
        self.check_live_daemon_unharmed(before)

    def test_other_database_same_socket(self):
        before = self.events_table()
        other_db = os.path.join(self.workdir, "other.db")
        code, log = self.second_daemon(before, "second", database=other_db)
        self.assertNotEqual(code, 0, log)
        self.assertIn(f"{self.hbamgrd.socket_path} is served by another process", log)
        self.assertFalse(os.path.exists(other_db), "the second daemon created its database")
        self.check_live_daemon_unharmed(before)


if __name__ == "__main__":
    unittest.main()
