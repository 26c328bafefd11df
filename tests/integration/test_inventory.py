"""Inventory: the CLI and the python client show the simulated topology."""

import re
import unittest

from hbamgr.v1 import passthrough_pb2

from hbamgr_client import HbamgrClient
from hbamgr_fixture import DaemonTestCase

ENCLOSURES = 2
SLOTS = 6
DRIVES = 10


class InventoryTest(DaemonTestCase):
    DAEMON_ARGS = {"adapters": 2, "enclosures": ENCLOSURES, "slots": SLOTS, "drives": DRIVES}

    def test_show_lists_every_adapter(self):
        data = self.cli_ok("show")
        self.assertEqual([c["adapter"] for c in data["controllers"]], ["c0", "c1"])
        for c in data["controllers"]:
            self.assertEqual(c["state"], "live")
            self.assertTrue(c["serving"])
            self.assertEqual(c["backend"], "sim")
            self.assertEqual(c["num_drives"], DRIVES)
            self.assertEqual(c["num_enclosures"], ENCLOSURES)

    def test_controller_matches_topology_and_python_client(self):
        data = self.cli_ok("/c0", "show", "all")
        self.assertEqual(len(data["enclosures"]), ENCLOSURES)
        self.assertTrue(all(e["num_slots"] == SLOTS for e in data["enclosures"]))
        drives = data["drives"]
        self.assertEqual(len(drives), DRIVES)
        # The first DRIVES slots are populated, enclosure by enclosure.
        expected_slots = [(i // SLOTS, i % SLOTS) for i in range(DRIVES)]
        self.assertEqual([(d["enclosure"], d["slot"]) for d in drives], expected_slots)
        self.assertEqual(len({d["pd_id"] for d in drives}), DRIVES)
        # default_vds = 1: a RAID1 and a RAID5.
        self.assertEqual(sorted(v["raid_level"] for v in data["virtual_drives"]), [1, 5])
        members = {pd for v in data["virtual_drives"] for pd in v["pd_ids"]}
        for d in drives:
            self.assertEqual(d["vd_id"] is not None, d["pd_id"] in members, d)

        client = HbamgrClient(self.hbamgrd.socket_path)
        try:
            inventory = client.inventory()
        finally:
            client.close()
        self.assertEqual([a["controller"]["adapter"] for a in inventory], ["c0", "c1"])
        c0 = inventory[0]
        self.assertEqual(
            [(d["pd_id"], d["enclosure"], d["slot"], d["state"]) for d in c0["drives"]],
            [(d["pd_id"], d["enclosure"], d["slot"], "DRIVE_STATE_" + d["state"].upper())
             for d in drives])
        self.assertEqual([(v["vd_id"], v["raid_level"], [int(p) for p in v["pd_ids"]])
                          for v in c0["virtual_drives"]],
                         [(v["vd_id"], v["raid_level"], v["pd_ids"])
                          for v in data["virtual_drives"]])
        self.assertEqual(c0["controller"]["serial"], data["controller"]["serial"])

    def test_identity_is_hbamgrs_own(self):
        """Every object the simulation serves says it is hbamgr's (docs/abi.md,
        "What the simulated devices say they are"), never a vendor's."""
        foreign = re.compile(r"broadcom|broadcm|avago|\blsi\b|megaraid|seagate|hgst|"
                             r"hitachi|toshiba|samsung|\bwdc\b|intel|dell", re.I)
        for adapter in ("c0", "c1"):
            data = self.cli_ok("/" + adapter, "show", "all")
            self.assertIsNone(foreign.search(str(data)), data)
            c = data["controller"]
            self.assertEqual(c["model"], "HBAMGR SIM-9460-16i")
            self.assertEqual(c["fw_version"], "HBAMGR FW 1.00")
            self.assertRegex(c["serial"], r"^HBAMGR%02dC0000[0-9A-F]{8}$" % int(adapter[1:]))
            # NAA 3 (locally assigned) under hbamgr's tag, no vendor's IEEE OUI.
            self.assertRegex(c["sas_address"], r"^0x348424d0")
            for e in data["enclosures"]:
                self.assertEqual((e["vendor"], e["product"]), ("HBAMGR", "SIM-SES"))
            for d in data["drives"]:
                self.assertEqual((d["vendor"], d["fw_revision"]), ("HBAMGR", "1.00"), d)
                self.assertRegex(d["model"], r"^SIM ", d)
                self.assertRegex(d["serial"], r"^HBAMGR\d\dD%04d[0-9A-F]{8}$" % d["pd_id"])
                self.assertRegex(d["sas_address"], r"^0x348424d1")
        # INQUIRY through the daemon, of a VD and (physical) of a drive.
        stub = self.hbamgrd.passthrough()
        for physical, product in ((False, b"SIM-9460-16i VD "), (True, b"SIM SAS HDD     ")):
            r = stub.Scsi(passthrough_pb2.ScsiRequest(
                adapter="c0", target=0, physical=physical, cdb=bytes([0x12, 0, 0, 0, 96, 0]),
                data_in_length=96), timeout=60)
            self.assertEqual(r.data[8:36], b"HBAMGR  " + product + b"1.00", r.data)

    def test_drive_views(self):
        all_drives = self.cli_ok("/c0/eall/sall", "show")["drives"]
        encl1 = self.cli_ok("/c0/e1/sall", "show")["drives"]
        self.assertEqual(encl1, [d for d in all_drives if d["enclosure"] == 1])
        one = self.cli_ok("/c0/e0/s3", "show", "all")["drive"]
        self.assertEqual(one, all_drives[3])
        self.assertEqual(self.cli_ok("/c0/e0/s3", "show", "smart")["drive"], one)
        vds = self.cli_ok("/c0/vall", "show", "all")["virtual_drives"]
        vd0 = self.cli_ok("/c0/v0", "show")
        self.assertEqual(vd0["virtual_drive"], vds[0])
        self.assertEqual([d["pd_id"] for d in vd0["drives"]], vds[0]["pd_ids"])

    def test_table_output_is_aligned(self):
        code, _, out, err = self.hbamgrd.cli("/c0/eall/sall", "show", json_output=False)
        self.assertEqual(code, 0, err)
        lines = out.splitlines()
        self.assertIn("Status = Success", lines)
        rules = [i for i, line in enumerate(lines) if line and set(line) == {"-"}]
        self.assertEqual(len(rules), 3, out)  # above and below the header, below the rows
        self.assertTrue(lines[rules[0] + 1].startswith("EID:Slt DID State"), out)
        self.assertEqual(rules[2] - rules[1] - 1, DRIVES)
        self.assertIn("64.0 MiB", out)

    def test_missing_objects_exit_2(self):
        for args in (["/c7", "show"], ["/c0/e1/s5", "show"], ["/c0/e3/s0", "show"],
                     ["/c0/v9", "show"]):
            code, doc, out, err = self.hbamgrd.cli(*args)
            self.assertEqual(code, 2, f"{args}: {out} {err}")
            self.assertEqual(doc["status"], "failure")
            self.assertEqual(doc["error"]["code"], "NOT_FOUND")
            self.assertIsNone(doc["data"])

    def test_bad_input_exit_1_with_a_hint(self):
        for args in (["/c0/x1", "show"], ["/c0", "add", "vd", "r1", "drives=0:3-1"],
                     ["/c0", "passthru"], ["/c0", "show", "bogus"]):
            code, _, out, err = self.hbamgrd.cli(*args, json_output=False)
            self.assertEqual(code, 1, f"{args}: {out} {err}")
            self.assertEqual(out, "")
            self.assertEqual(len(err.splitlines()), 2, err)
            self.assertTrue(err.startswith("hbacli: "), err)
            self.assertIn("hint:", err)

    def test_unreachable_daemon_exit_5(self):
        code, doc, _, _ = self.hbamgrd.cli("show", socket_path=self.workdir + "/nope")
        self.assertEqual(code, 5)
        self.assertEqual(doc["error"]["code"], "UNAVAILABLE")


if __name__ == "__main__":
    unittest.main()
