"""Events across an adapter reset: a subscriber from seq 1 (python) and
`hbacli watch events from=1` each receive every event exactly once, in
sequence order, before and after the reset, CTRL_RESET_DONE included, and
what they received equals the store's history."""

import json
import signal
import subprocess
import threading
import unittest

from hbamgr_client import HbamgrClient
from hbamgr_fixture import HBACLI, DaemonTestCase, wait_until

CTRL_RESET_DONE = 0x0001


class Subscriber(threading.Thread):
    def __init__(self, socket_path):
        super().__init__(daemon=True)
        self.client = HbamgrClient(socket_path)
        self.call = self.client.subscribe("c0", from_seq=1)
        self.events = []
        self.lock = threading.Lock()
        self.error = None

    def run(self):
        try:
            for resp in self.call:
                with self.lock:
                    self.events.append(resp.event)
        except Exception as err:  # grpc.RpcError CANCELLED when stopped
            self.error = err

    def snapshot(self):
        with self.lock:
            return list(self.events)

    def stop(self):
        self.call.cancel()
        self.join(timeout=30)
        self.client.close()


class CliWatcher(threading.Thread):
    """hbacli /c0 watch events from=1 --json, its JSON lines collected."""

    def __init__(self, socket_path):
        super().__init__(daemon=True)
        self.proc = subprocess.Popen(
            [HBACLI, "--socket", socket_path, "/c0", "watch", "events", "from=1", "--json"],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.lines = []
        self.lock = threading.Lock()

    def run(self):
        for line in self.proc.stdout:
            with self.lock:
                self.lines.append(line)

    def close(self):
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()
        self.join(timeout=30)
        self.proc.stdout.close()
        self.proc.stderr.close()

    def events(self):
        with self.lock:
            docs = [json.loads(line) for line in self.lines if line.startswith("{")]
        return [d["data"]["event"] for d in docs if "event" in (d["data"] or {})]


class EventsAcrossResetTest(DaemonTestCase):
    def test_every_event_exactly_once_across_reset(self):
        sub = Subscriber(self.hbamgrd.socket_path)
        sub.start()
        self.addCleanup(sub.stop)
        watcher = CliWatcher(self.hbamgrd.socket_path)
        watcher.start()
        self.addCleanup(watcher.close)
        # Power-on events are in the store already; make some before the reset.
        self.cli_ok("/c0/e0/s1", "start", "locate")
        self.cli_ok("/c0/e0/s1", "stop", "locate")
        before = self.hbamgrd.query_events()[-1].seq
        wait_until(lambda: len(sub.snapshot()) >= before, 30, "the replay and live events")

        reset = self.cli_ok("/c0", "restart")
        self.assertEqual(reset["state"], "live")

        def reset_done_seen(events):
            return any(e.code == CTRL_RESET_DONE and e.seq > before for e in events)

        # The firmware logs CTRL_RESET_DONE while no status-read buffer is
        # posted; the daemon reads it from the log once the adapter is live,
        # without a later event pointing at the gap.
        wait_until(lambda: reset_done_seen(self.hbamgrd.query_events()), 60,
                   "CTRL_RESET_DONE in the store")
        self.cli_ok("/c0/e0/s2", "start", "locate")  # an event after recovery

        def caught_up():
            stored = self.hbamgrd.query_events()
            if not reset_done_seen(stored):
                return False
            last = stored[-1].seq
            return (sub.snapshot() and sub.snapshot()[-1].seq >= last and watcher.events()
                    and watcher.events()[-1]["seq"] >= last)

        wait_until(caught_up, 60, "subscribers to see the reset and what followed")
        stored = self.hbamgrd.query_events()
        watcher.proc.send_signal(signal.SIGINT)
        self.assertEqual(watcher.proc.wait(timeout=30), 0, watcher.proc.stderr.read())
        watcher.join(timeout=30)

        stored_seqs = [e.seq for e in stored]
        self.assertEqual(stored_seqs, list(range(1, len(stored) + 1)),
                         "the store has gaps or duplicates")
        got = sub.snapshot()
        got_seqs = [e.seq for e in got]
        self.assertEqual(got_seqs[:len(stored_seqs)], stored_seqs)
        self.assertEqual(len(got_seqs), len(set(got_seqs)), "duplicate events")
        self.assertTrue(reset_done_seen(got))
        for mine, theirs in zip(got, stored):
            self.assertEqual((mine.code, mine.timestamp_ns, mine.description),
                             (theirs.code, theirs.timestamp_ns, theirs.description))

        cli_seqs = [e["seq"] for e in watcher.events()]
        self.assertEqual(cli_seqs[:len(stored_seqs)], stored_seqs)
        self.assertEqual(len(cli_seqs), len(set(cli_seqs)))
        self.assertIn("CTRL_RESET_DONE", [e["code_name"] for e in watcher.events()])

        # The CLI's stored view agrees too.
        shown = self.cli_ok("/c0", "show", "events")["events"]
        self.assertEqual([e["seq"] for e in shown][:len(stored_seqs)], stored_seqs)
        latest = self.cli_ok("/c0", "show", "events", "latest=3")["events"]
        self.assertEqual([e["seq"] for e in latest], [e["seq"] for e in shown[-3:]])


if __name__ == "__main__":
    unittest.main()
