"""RAID create / fail / rebuild: data written through SCSI passthrough survives a
failed member and its rebuild, and the rebuild's progress climbs to 100%."""

import os
import struct
import unittest

from hbamgr.v1 import passthrough_pb2
from hbamgr.v1 import types_pb2
from hbamgr_fixture import DaemonTestCase, wait_until

BLOCK = 512
REBUILD_RATE = 3  # percent: a 64 MiB member takes seconds, so progress is visible


def write10(lba, blocks):
    return struct.pack(">BBIBHB", 0x2A, 0, lba, 0, blocks, 0)


def read10(lba, blocks):
    return struct.pack(">BBIBHB", 0x28, 0, lba, 0, blocks, 0)


class RaidRebuildTest(DaemonTestCase):
    # 8 drives: the default VDs take slots 0-4, slots 5-7 are free.
    DAEMON_ARGS = {"drives": 8, "slots": 8}

    def setUp(self):
        super().setUp()
        controller = self.cli_ok("/c0", "set", f"rebuildrate={REBUILD_RATE}")["controller"]
        self.assertEqual(controller["rebuild_rate"], REBUILD_RATE)
        self.pattern = {lba: os.urandom(blocks * BLOCK)
                        for lba, blocks in ((0, 64), (4096, 16), (100000, 8))}

    def scsi(self, vd, cdb, **data):
        resp = self.hbamgrd.passthrough().Scsi(
            passthrough_pb2.ScsiRequest(adapter="c0", target=vd, cdb=cdb, **data), timeout=60)
        self.assertEqual(resp.status, types_pb2.COMMAND_STATUS_OK,
                         f"cdb {cdb.hex()}: {resp}")
        return resp

    def write_pattern(self, vd):
        for lba, data in self.pattern.items():
            self.scsi(vd, write10(lba, len(data) // BLOCK), data_out=data)

    def check_pattern(self, vd, when):
        for lba, data in self.pattern.items():
            resp = self.scsi(vd, read10(lba, len(data) // BLOCK), data_in_length=len(data))
            self.assertEqual(resp.data, data, f"LBA {lba} differs {when}")

    def create_vd(self, level, drives):
        vd = self.cli_ok("/c0", "add", "vd", f"r{level}", f"drives={drives}", "name=it")
        vd = vd["virtual_drive"]
        self.assertEqual(vd["raid_level"], level)
        self.assertEqual(vd["state"], "optimal")
        return vd["vd_id"]

    def vd_state(self, vd):
        return self.cli_ok(f"/c0/v{vd}", "show")["virtual_drive"]["state"]

    def fail_drive(self, slot, vd):
        self.cli_ok(f"/c0/e0/s{slot}", "inject", "fail")
        self.assertEqual(self.cli_ok(f"/c0/e0/s{slot}", "show")["drive"]["state"], "failed")
        self.assertEqual(self.vd_state(vd), "degraded")

    def test_raid1_fail_and_rebuild_with_progress(self):
        vd = self.create_vd(1, "0:5-6")
        self.write_pattern(vd)
        self.check_pattern(vd, "after writing")
        self.fail_drive(5, vd)
        self.check_pattern(vd, "while degraded")

        pd_id = self.cli_ok("/c0/e0/s5", "show")["drive"]["pd_id"]
        started = self.cli_ok("/c0/e0/s5", "start", "rebuild")
        self.assertIn("background_op", started)
        progress = []

        def rebuild_finished():
            ops = [op for op in self.cli_ok("/c0", "show", "rebuild")["background_ops"]
                   if op["target"] == pd_id]
            if not ops:
                return bool(progress)  # finished and dropped from the list
            self.assertEqual(len(ops), 1, ops)
            progress.append(ops[0]["progress_permille"])
            self.assertIn(ops[0]["state"], ("running", "done"), ops)
            return ops[0]["state"] == "done"

        wait_until(rebuild_finished, 300, "the rebuild to finish", interval=0.2)
        self.assertEqual(progress, sorted(progress), "progress went backwards")
        self.assertTrue(any(0 < p < 1000 for p in progress), f"no progress seen: {progress}")
        self.assertEqual(self.cli_ok("/c0/e0/s5", "show")["drive"]["state"], "online")
        self.assertEqual(self.vd_state(vd), "optimal")
        self.check_pattern(vd, "after the rebuild")

    def test_raid5_rebuild_wait_follows_progress(self):
        vd = self.create_vd(5, "0:5-7")
        self.write_pattern(vd)
        self.fail_drive(6, vd)
        self.check_pattern(vd, "while degraded")
        code, _, out, err = self.hbamgrd.cli("/c0/e0/s6", "start", "rebuild", "wait",
                                             json_output=False, timeout=300)
        self.assertEqual(code, 0, out + err)
        bars = [line for line in out.splitlines() if line.startswith("REBUILD [")]
        self.assertGreaterEqual(len(bars), 2, out)
        self.assertTrue(bars[-1].endswith("100.0% DONE") or "completed" in out, out)
        self.assertIn("Description = Rebuild completed", out)
        self.assertEqual(self.vd_state(vd), "optimal")
        self.check_pattern(vd, "after the rebuild")

    def test_rebuild_of_a_healthy_drive_is_refused(self):
        vd = self.create_vd(1, "0:5-6")
        code, doc, out, err = self.hbamgrd.cli("/c0/e0/s5", "start", "rebuild")
        self.assertEqual(code, 3, out + err)
        self.assertEqual(doc["error"]["code"], "FAILED_PRECONDITION")
        self.assertEqual(self.vd_state(vd), "optimal")


if __name__ == "__main__":
    unittest.main()
