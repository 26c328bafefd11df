"""SIGKILL of hbamgrd during an event storm, during VD creates and during a
rebuild, 10 rounds each: the kill lands at a random point found by polling
progress (never by sleeping).  After each restart the store holds every event
of the firmware log once (0 lost, 0 duplicated), and the VDs and the rebuild
are where the simulated firmware had them: it keeps its configuration, event
log and drive data in its own NVRAM (the state directory), not in the
daemon's store."""

import os
import random
import sqlite3
import struct
import threading
import time
import unittest

import grpc

from hbamgr.v1 import inventory_pb2
from hbamgr.v1 import maintenance_pb2
from hbamgr.v1 import passthrough_pb2
from hbamgr.v1 import types_pb2
from hbamgr_fixture import DaemonTestCase, wait_until

ROUNDS = 10
ROUND_DEADLINE_S = 120
BLOCK = 512
VD_CREATED, VD_DELETED = 0x0301, 0x0302
BGOP_STARTED, BGOP_PROGRESS = 0x0401, 0x0402


class Kill9Case(DaemonTestCase):
    # 16 MiB drives: a rebuild at the slowest rate takes seconds.
    DAEMON_ARGS = {"drives": 8, "slots": 8, "drive_size_mb": 16}

    def setUp(self):
        super().setUp()
        seed = int(os.environ.get("HBAMGR_TEST_SEED", random.randrange(1 << 32)))
        self.rng = random.Random(seed)
        print(f"\n{self.id()}: HBAMGR_TEST_SEED={seed}", flush=True)

    def stored_max_seq_on_disk(self):
        """The newest seq in the database file itself (after a kill)."""
        db = sqlite3.connect(f"file:{self.hbamgrd.database}?mode=ro", uri=True, timeout=10)
        try:
            return db.execute("SELECT COALESCE(MAX(seq), 0) FROM events WHERE adapter = 0"
                              ).fetchone()[0]
        finally:
            db.close()

    def kill_and_restart(self, stop=None, thread=None):
        """SIGKILL; the client thread (if any) is stopped before the daemon
        comes back.  Returns the newest seq the database had at the kill."""
        self.kill_ns = time.time_ns()
        self.hbamgrd.kill()
        if stop is not None:
            stop.set()
            thread.join(30)
            self.assertFalse(thread.is_alive(), "the client thread did not stop")
        at_kill = self.stored_max_seq_on_disk()
        self.hbamgrd.start()
        return at_kill

    def maintenance(self):
        return self.hbamgrd.maintenance()

    def inventory(self):
        return self.hbamgrd.inventory()

    def run_rounds(self, one_round):
        for n in range(ROUNDS):
            started = time.monotonic()
            one_round(n)
            took = time.monotonic() - started
            self.assertLess(took, ROUND_DEADLINE_S, f"round {n} took {took:.1f}s")


class Kill9DuringStormTest(Kill9Case):
    def test_kill9_during_storm_loses_and_duplicates_nothing(self):
        unstored_rounds = 0

        def one_round(n):
            nonlocal unstored_rounds
            start = self.hbamgrd.last_stored_seq()
            stop = threading.Event()

            def storm():
                # 100 events at a time, the next once the daemon stored the
                # one before the last: it stays within a few hundred events
                # of the firmware, far inside its 1024-record log (and the
                # last storm's tail may wait for the next one).
                stub = self.maintenance()
                try:
                    while not stop.is_set():
                        while (self.hbamgrd.last_stored_seq() < newest[-2]
                               and not stop.is_set()):
                            time.sleep(0.001)
                        stub.InjectFault(maintenance_pb2.InjectFaultRequest(
                            adapter="c0", fault=maintenance_pb2.FAULT_TYPE_SRB_STORM,
                            count=100), timeout=10)
                        newest.append(self.hbamgrd.firmware_log()["newest_seq"])
                except (grpc.RpcError, AttributeError, ValueError):
                    return  # the daemon is gone (its channel closed)

            newest = [start, start]  # the firmware's newest seq after each storm
            thread = threading.Thread(target=storm)
            thread.start()
            target = start + self.rng.randrange(50, 700)
            try:
                wait_until(lambda: self.hbamgrd.last_stored_seq() >= target, 60,
                           f"seq {target} stored", interval=0.002)
            finally:
                at_kill = self.kill_and_restart(stop, thread)
            records = self.assert_store_matches_firmware_log()
            # The firmware still has what it logged before the kill, under
            # the same seqs.  newest[-1] is the newest seq seen after a
            # storm, but the kill can fall between a storm and that look (the
            # daemon stores fast enough that the first storm can reach the
            # target): then the store's newest, a storm event too, is newer.
            newest_before = max(newest[-1], at_kill)
            logged = {r.seq: r for r in records}
            self.assertTrue(newest_before in logged,
                            f"round {n}: the firmware log lost seq {newest_before} (it holds "
                            f"{records[0].seq}..{records[-1].seq})")
            self.assertEqual(logged[newest_before].code, 0x0003,
                             f"round {n}: seq {newest_before} is not the storm's event")
            unstored = sum(1 for r in records
                           if r.seq > at_kill and r.timestamp_ns < self.kill_ns)
            unstored_rounds += unstored > 0
            print(f"round {n}: killed with {unstored} logged events not stored; all "
                  f"{len(records)} firmware records stored once", flush=True)
            # New events get new seqs.
            self.cli_ok("/c0/e0/s7", "start", "locate")
            self.cli_ok("/c0/e0/s7", "stop", "locate")
            after = self.assert_store_matches_firmware_log()
            self.assertGreater(after[-1].seq, records[-1].seq)

        self.run_rounds(one_round)
        self.assertGreater(unstored_rounds, 0,
                           "no kill found events the daemon had not stored: the test proved "
                           "nothing")


class Kill9DuringVdCreateTest(Kill9Case):
    def create_request(self, name):
        return maintenance_pb2.CreateVirtualDriveRequest(
            adapter="c0", raid_level=1, name=name,
            drives=[types_pb2.DriveRef(pd_id=5), types_pb2.DriveRef(pd_id=6)])

    def test_kill9_during_vd_create_keeps_what_the_firmware_had(self):
        def one_round(n):
            # Even rounds: killed while the last create is in flight (it may
            # or may not have happened); odd rounds: right after it returned
            # OK, nothing in flight (it must exist).
            in_flight_kill = n % 2 == 0
            creates = self.rng.randrange(1, 8)
            done = []  # (op, vd_id, name) completed, in order
            inflight = []  # the op in flight when the daemon died
            idle = threading.Event()
            stop = threading.Event()

            def churn():
                stub = self.maintenance()
                for i in range(creates):
                    name = f"k{n}-{i}"
                    inflight[:] = [("create", None, name)]
                    try:
                        vd = stub.CreateVirtualDrive(self.create_request(name), timeout=10)
                    except (grpc.RpcError, ValueError):
                        return
                    done.append(("create", vd.vd_id, name))
                    inflight[:] = []
                    if i == creates - 1:
                        break  # the last one stays
                    inflight[:] = [("delete", vd.vd_id, name)]
                    try:
                        stub.DeleteVirtualDrive(maintenance_pb2.DeleteVirtualDriveRequest(
                            adapter="c0", vd_id=vd.vd_id), timeout=10)
                    except (grpc.RpcError, ValueError):
                        return
                    done.append(("delete", vd.vd_id, name))
                    inflight[:] = []
                idle.set()

            thread = threading.Thread(target=churn)
            thread.start()
            last = f"k{n}-{creates - 1}"
            try:
                if in_flight_kill:
                    wait_until(lambda: inflight == [("create", None, last)] or idle.is_set(),
                               60, "the last create in flight", interval=0.0005)
                    # Somewhere inside the call (a create takes milliseconds):
                    # a random point, spun, not slept.
                    until = time.perf_counter() + self.rng.uniform(0, 0.006)
                    while time.perf_counter() < until:
                        pass
                else:
                    wait_until(idle.is_set, 60, "the last create to return")
            finally:
                self.kill_and_restart(stop, thread)

            # What the client saw succeed, with or without the call in flight
            # (one VD at a time: each create is deleted before the next).
            def after(op):
                kind, _, name = op
                return {name} if kind == "create" else set()

            acked = after(done[-1]) if done else set()
            allowed = [acked] + ([after(inflight[0])] if inflight else [])
            vds = self.inventory().ListVirtualDrives(
                inventory_pb2.ListVirtualDrivesRequest(adapter="c0"), timeout=30).virtual_drives
            mine = {vd.name for vd in vds if vd.name.startswith("k")}
            self.assertIn(mine, allowed,
                          f"round {n}: completed {done[-2:]}, in flight {inflight}")
            drives = self.inventory().ListDrives(
                inventory_pb2.ListDrivesRequest(adapter="c0"), timeout=30).drives
            member_state = (types_pb2.DRIVE_STATE_ONLINE if mine
                            else types_pb2.DRIVE_STATE_UNCONFIGURED_GOOD)
            self.assertEqual([d.state for d in drives if d.pd_id in (5, 6)], [member_state] * 2)
            records = self.assert_store_matches_firmware_log()
            # The firmware's log and its configuration agree: the last word on
            # a VD id is a create exactly when the VD exists.
            last_word = {}
            for r in records:
                if r.code in (VD_CREATED, VD_DELETED):
                    last_word[r.vd_id] = r.code
            ids = {vd.vd_id for vd in vds if vd.name.startswith("k")}
            for vd_id, code in last_word.items():
                if vd_id > 1:
                    self.assertEqual(code == VD_CREATED, vd_id in ids,
                                     f"round {n}: VD {vd_id} exists={vd_id in ids}, log says "
                                     f"{'created' if code == VD_CREATED else 'deleted'}")
            for vd in vds:
                if vd.name.startswith("k"):
                    self.maintenance().DeleteVirtualDrive(maintenance_pb2.DeleteVirtualDriveRequest(
                        adapter="c0", vd_id=vd.vd_id), timeout=30)
            print(f"round {n}: killed after {len(done)} operations "
                  f"(in flight: {inflight[0][0] if inflight else 'none'}); "
                  f"VDs after restart {sorted(mine)}", flush=True)

        self.run_rounds(one_round)


class Kill9DuringRebuildTest(Kill9Case):
    def scsi(self, cdb, **data):
        resp = self.hbamgrd.passthrough().Scsi(
            passthrough_pb2.ScsiRequest(adapter="c0", target=self.vd, cdb=cdb, **data),
            timeout=60)
        self.assertEqual(resp.status, types_pb2.COMMAND_STATUS_OK, f"cdb {cdb.hex()}: {resp}")
        return resp

    def check_pattern(self, when):
        for lba, data in self.pattern.items():
            cdb = struct.pack(">BBIBHB", 0x28, 0, lba, 0, len(data) // BLOCK, 0)
            self.assertEqual(self.scsi(cdb, data_in_length=len(data)).data, data,
                             f"LBA {lba} differs {when}")

    def rebuild_progress(self, pd_id):
        ops = self.inventory().ListBackgroundOps(
            inventory_pb2.ListBackgroundOpsRequest(adapter="c0"), timeout=30).ops
        ops = [op for op in ops if op.type == types_pb2.BACKGROUND_OP_TYPE_REBUILD
               and op.target == pd_id and op.state == types_pb2.BACKGROUND_OP_STATE_RUNNING]
        return ops[0].progress_permille if ops else None

    def drive_state(self, pd_id):
        return self.inventory().GetDrive(inventory_pb2.GetDriveRequest(
            adapter="c0", drive=types_pb2.DriveRef(pd_id=pd_id)), timeout=30).state

    def set_rate(self, percent):
        self.maintenance().SetControllerProperties(maintenance_pb2.SetControllerPropertiesRequest(
            adapter="c0", rebuild_rate=percent), timeout=30)

    def test_kill9_during_rebuild_resumes_where_the_firmware_had_it(self):
        self.vd = self.cli_ok("/c0", "add", "vd", "r1", "drives=0:5-6",
                              "name=rb")["virtual_drive"]["vd_id"]
        blocks = self.inventory().GetVirtualDrive(inventory_pb2.GetVirtualDriveRequest(
            adapter="c0", vd_id=self.vd), timeout=30).num_blocks
        self.pattern = {lba: os.urandom(n * BLOCK) for lba, n in
                        ((0, 64), (blocks // 3, 16), (blocks - 8, 8))}
        for lba, data in self.pattern.items():
            cdb = struct.pack(">BBIBHB", 0x2A, 0, lba, 0, len(data) // BLOCK, 0)
            self.scsi(cdb, data_out=data)

        def one_round(n):
            # The members take turns: the one rebuilt last round is the only
            # copy of the data while this round's victim is away.
            victim = (6, 5)[n % 2]
            self.set_rate(1)  # the slowest: seconds for a 16 MiB member
            self.cli_ok(f"/c0/e0/s{victim}", "inject", "fail")
            self.check_pattern(f"round {n}, from the drive rebuilt before")
            self.maintenance().StartBackgroundOp(maintenance_pb2.BackgroundOpRequest(
                adapter="c0", type=types_pb2.BACKGROUND_OP_TYPE_REBUILD,
                drive=types_pb2.DriveRef(pd_id=victim)), timeout=30)
            target = self.rng.randrange(100, 800)
            seen = []

            def reached():
                progress = self.rebuild_progress(victim)
                self.assertIsNotNone(progress, "the rebuild ended before the kill")
                seen.append(progress)
                return progress >= target

            wait_until(reached, 60, f"rebuild progress {target}", interval=0.005)
            self.kill_and_restart()
            polled = seen[-1]

            _, records = self.hbamgrd.firmware_records()
            starts = [i for i, r in enumerate(records)
                      if r.code == BGOP_STARTED and r.pd_id == victim]
            self.assertTrue(starts, "no BGOP_STARTED for the rebuild")
            resumed = records[starts[-1]]
            self.assertIn("resumed at", resumed.description,
                          f"round {n}: the rebuild neither resumed nor was reported aborted")
            progress_before = [r.arg1 for r in records[:starts[-1]]
                               if r.code == BGOP_PROGRESS and r.pd_id == victim]
            # The firmware saves its progress at each 10% event: it resumes
            # there or later, never before, and never past the end.
            self.assertGreaterEqual(resumed.arg1, polled - polled % 100, f"round {n}")
            if progress_before:
                self.assertGreaterEqual(resumed.arg1, progress_before[-1], f"round {n}")
            self.assertLess(resumed.arg1, 1000)
            self.assertIn(self.drive_state(victim), (types_pb2.DRIVE_STATE_REBUILD,
                                                     types_pb2.DRIVE_STATE_ONLINE))
            self.assert_store_matches_firmware_log()
            self.set_rate(100)
            wait_until(lambda: self.drive_state(victim) == types_pb2.DRIVE_STATE_ONLINE, 120,
                       "the resumed rebuild to finish")
            self.assertEqual(self.cli_ok(f"/c0/v{self.vd}", "show")["virtual_drive"]["state"],
                             "optimal")
            print(f"round {n}: killed at {polled} per-mille, resumed at {resumed.arg1}",
                  flush=True)

        self.run_rounds(one_round)
        # The drive rebuilt last, alone.
        self.cli_ok(f"/c0/e0/s{(6, 5)[ROUNDS % 2]}", "inject", "fail")
        self.check_pattern("from the drive rebuilt last")


if __name__ == "__main__":
    unittest.main()
