"""A daemon restart on the same database keeps the event history: every
stored event is still there once, and new events continue the sequence."""

import unittest

from hbamgr_fixture import DaemonTestCase, wait_until


def key(ev):
    return (ev.seq, ev.code, ev.timestamp_ns, ev.description)


class RestartHistoryTest(DaemonTestCase):
    def test_history_survives_restart(self):
        self.cli_ok("/c0/e0/s1", "start", "locate")
        self.cli_ok("/c0/e0/s1", "stop", "locate")
        self.cli_ok("/c0", "restart")
        before = self.hbamgrd.query_events()
        self.assertGreater(len(before), 0)

        self.assertEqual(self.hbamgrd.stop(), 0, self.hbamgrd.log())
        self.hbamgrd.start()

        after = self.hbamgrd.query_events()
        seqs = [e.seq for e in after]
        self.assertEqual(len(seqs), len(set(seqs)), "duplicate sequence numbers")
        self.assertEqual(seqs, sorted(seqs))
        self.assertEqual([key(e) for e in after[:len(before)]], [key(e) for e in before])
        last_before = before[-1].seq

        self.cli_ok("/c0/e0/s2", "start", "locate")
        newest = wait_until(
            lambda: [e for e in self.hbamgrd.query_events() if e.code == 0x0207 and e.slot == 2
                     and e.seq > last_before],
            30, "the new locate event in the store")
        self.assertGreater(newest[-1].seq, last_before)
        final = [e.seq for e in self.hbamgrd.query_events()]
        # One firmware log across the restart (the simulated adapter's NVRAM
        # is in the store): the stored seqs run on without a gap or a jump.
        self.assertEqual(final, list(range(final[0], final[0] + len(final))))
        # The CLI sees the same history.
        shown = [e["seq"] for e in self.cli_ok("/c0", "show", "events")["events"]]
        self.assertEqual(shown, final)


if __name__ == "__main__":
    unittest.main()
