"""The simulated adapter keeps its NVRAM: its configuration, event log and
drive data live in its own state directory ([sim] state_dir), not in the
daemon's store, so that after a restart (SIGTERM or SIGKILL) it comes back as
it was, and the daemon backfills every event it had not stored."""

import os
import sqlite3
import struct
import unittest

from hbamgr.v1 import inventory_pb2
from hbamgr.v1 import maintenance_pb2
from hbamgr.v1 import passthrough_pb2
from hbamgr.v1 import types_pb2
from hbamgr_fixture import Daemon, DaemonTestCase, wait_until

BLOCK = 512
STATUS_NOTIFY, VD_CREATED, BGOP_STARTED = 0x0003, 0x0301, 0x0401
# Within the firmware's 1024-record log with the start-up events around it.
STORM = 800


class SimNvramTest(DaemonTestCase):
    DAEMON_ARGS = {"drives": 8, "slots": 8, "drive_size_mb": 16}

    def restart(self, kill):
        if kill:
            self.hbamgrd.kill()
        else:
            self.assertEqual(self.hbamgrd.stop(), 0, self.hbamgrd.log())
        self.hbamgrd.start()

    def drive(self, slot):
        return self.cli_ok(f"/c0/e0/s{slot}", "show")["drive"]

    def test_state_directory_holds_the_adapter(self):
        state = os.path.join(self.hbamgrd.state_dir, "c0")
        names = set(os.listdir(state))
        self.assertTrue({"config", "evtlog", "lock"} <= names, names)
        self.assertEqual({n for n in names if n.startswith("pd-")},
                         {f"pd-{i:03d}.img" for i in range(8)})
        self.assertEqual(os.stat(state).st_mode & 0o777, 0o700)

    def test_created_vd_exists_after_kill9(self):
        vd = self.cli_ok("/c0", "add", "vd", "r1", "drives=0:5-6", "name=keep")["virtual_drive"]
        self.restart(kill=True)
        shown = self.cli_ok(f"/c0/v{vd['vd_id']}", "show")["virtual_drive"]
        self.assertEqual((shown["name"], shown["raid_level"], shown["state"]),
                         ("keep", 1, "optimal"))
        self.assertEqual(self.drive(5)["state"], "online")
        created = [e for e in self.hbamgrd.query_events()
                   if e.code == VD_CREATED and e.vd_id == vd["vd_id"]]
        self.assertEqual(len(created), 1, created)

    def test_failed_drive_stays_failed(self):
        self.cli_ok("/c0/e0/s3", "inject", "fail")  # a member of the RAID5 "data"
        for kill in (False, True):
            self.restart(kill)
            self.assertEqual(self.drive(3)["state"], "failed")
            self.assertEqual(self.cli_ok("/c0/v1", "show")["virtual_drive"]["state"],
                             "degraded")

    def test_rebuild_killed_at_a_third_resumes_with_an_event(self):
        maint = self.hbamgrd.maintenance()
        vd = self.cli_ok("/c0", "add", "vd", "r1", "drives=0:5-6", "name=rb")["virtual_drive"]
        data = os.urandom(64 * BLOCK)
        write = struct.pack(">BBIBHB", 0x2A, 0, 1000, 0, 64, 0)
        resp = self.hbamgrd.passthrough().Scsi(passthrough_pb2.ScsiRequest(
            adapter="c0", target=vd["vd_id"], cdb=write, data_out=data), timeout=60)
        self.assertEqual(resp.status, types_pb2.COMMAND_STATUS_OK)
        self.cli_ok("/c0", "set", "rebuildrate=1")
        self.cli_ok("/c0/e0/s6", "inject", "fail")
        self.cli_ok("/c0/e0/s6", "start", "rebuild")

        def progress():
            ops = self.hbamgrd.inventory().ListBackgroundOps(
                inventory_pb2.ListBackgroundOpsRequest(adapter="c0"), timeout=30).ops
            running = [op.progress_permille for op in ops
                       if op.target == 6 and op.state == types_pb2.BACKGROUND_OP_STATE_RUNNING]
            self.assertTrue(running, "the rebuild is not running")
            return running[0]

        wait_until(lambda: progress() >= 330, 60, "the rebuild at a third", interval=0.005)
        self.restart(kill=True)
        # Still rebuilding, or (on a slow machine) done since the restart.
        self.assertIn(self.drive(6)["state"], ("rebuild", "online"))
        resumed = [e for e in self.hbamgrd.query_events()
                   if e.code == BGOP_STARTED and e.pd_id == 6][-1]
        self.assertIn("resumed at", resumed.description)
        self.assertGreaterEqual(resumed.arg1, 300)
        self.cli_ok("/c0", "set", "rebuildrate=100")
        wait_until(lambda: self.drive(6)["state"] == "online", 120, "the rebuild to finish")
        self.cli_ok("/c0/e0/s5", "inject", "fail")  # the rebuilt drive alone
        read = struct.pack(">BBIBHB", 0x28, 0, 1000, 0, 64, 0)
        resp = self.hbamgrd.passthrough().Scsi(passthrough_pb2.ScsiRequest(
            adapter="c0", target=vd["vd_id"], cdb=read, data_in_length=len(data)), timeout=60)
        self.assertEqual(resp.data, data, "the resumed rebuild lost data")

    def test_events_not_stored_at_kill9_are_backfilled_under_their_seqs(self):
        """The storm's tail, logged by the firmware but not yet stored when the
        daemon dies, is stored after the restart under the seqs the firmware
        gave it; no seq is reused for another event."""
        for attempt in range(5):
            start = self.hbamgrd.last_stored_seq()
            # Killed as soon as the firmware has logged the storm (InjectFault
            # returns after it did): the daemon has had no time to store it
            # all.  What the firmware logged is read back after the restart,
            # from its NVRAM.
            self.hbamgrd.maintenance().InjectFault(maintenance_pb2.InjectFaultRequest(
                adapter="c0", fault=maintenance_pb2.FAULT_TYPE_SRB_STORM, count=STORM),
                timeout=30)
            self.hbamgrd.kill()
            db = sqlite3.connect(f"file:{self.hbamgrd.database}?mode=ro", uri=True)
            at_kill = db.execute("SELECT MAX(seq) FROM events WHERE adapter = 0").fetchone()[0]
            db.close()
            self.hbamgrd.start()
            _, logged = self.hbamgrd.firmware_records()
            storm = [r for r in logged if r.seq > start and r.code == STATUS_NOTIFY]
            self.assertEqual(len(storm), STORM)
            stored = {e.seq: e for e in self.hbamgrd.query_events()}
            for r in storm:
                self.assertIn(r.seq, stored, f"event {r.seq} lost")
                e = stored[r.seq]
                self.assertEqual((e.code, e.arg0, e.timestamp_ns), (r.code, r.arg0,
                                                                    r.timestamp_ns),
                                 f"seq {r.seq} holds another event")
            self.assert_store_matches_firmware_log()
            if at_kill < storm[-1].seq:
                print(f"attempt {attempt}: {storm[-1].seq - at_kill} events stored after "
                      "the restart", flush=True)
                return
        self.fail("the daemon stored every storm before it was killed: nothing was tested")


class SimNvramStateDirTest(DaemonTestCase):
    DAEMON_ARGS = {"drives": 8, "slots": 8, "drive_size_mb": 16}

    def second_daemon(self, **kwargs):
        workdir = os.path.join(self.workdir, "second")
        os.mkdir(workdir)
        os.chmod(workdir, 0o755)
        return Daemon(workdir, drives=8, slots=8, drive_size_mb=16, **kwargs)

    def test_second_daemon_on_the_same_state_dir_is_refused(self):
        # Another database and socket, the same simulated adapter.
        other = self.second_daemon(extra_sim=f"state_dir = {self.hbamgrd.state_dir}")
        config = os.path.join(self.hbamgrd.state_dir, "c0", "config")
        with open(config, "rb") as f:
            before = f.read()
        with self.assertRaises(AssertionError) as failed:
            other.start()
        self.assertIn("in use by process", str(failed.exception))
        self.assertIn(os.path.join(self.hbamgrd.state_dir, "c0"), str(failed.exception))
        self.assertEqual(other.exit_code, 1)
        with open(config, "rb") as f:
            self.assertEqual(f.read(), before)
        self.cli_ok("/c0", "show")  # the first one is unharmed

    def test_damaged_or_foreign_state_is_refused_with_the_reason(self):
        self.assertEqual(self.hbamgrd.stop(), 0)
        config = os.path.join(self.hbamgrd.state_dir, "c0", "config")
        with open(config, "rb") as f:
            good = f.read()
        with open(config, "wb") as f:
            f.write(good[:-9])
        with self.assertRaises(AssertionError) as failed:
            self.hbamgrd.start()
        message = str(failed.exception)
        self.assertIn("truncated", message)
        self.assertIn("move the directory away", message)
        with open(config, "wb") as f:
            f.write(good)

        # Another topology: refused unless adopted.
        other = Daemon(self.workdir, drives=6, slots=8, drive_size_mb=16)
        with self.assertRaises(AssertionError) as failed:
            other.start()
        self.assertIn("made for 1 enclosure(s) x 8 slots, 8 drives", str(failed.exception))
        adopting = Daemon(self.workdir, drives=6, slots=8, drive_size_mb=16,
                          extra_sim="adopt_topology = true")
        adopting.start()
        try:
            drives = adopting.inventory().ListDrives(
                inventory_pb2.ListDrivesRequest(adapter="c0"), timeout=30).drives
            self.assertEqual(len(drives), 8)
        finally:
            self.assertEqual(adopting.stop(), 0)


if __name__ == "__main__":
    unittest.main()
