"""Virtual drive lifecycle through hbacli: create with init, refuse a delete
while init runs, init and consistency check followed to the end, delete,
drive state changes and the locate LED."""

import unittest

from hbamgr_fixture import DaemonTestCase


class VdLifecycleTest(DaemonTestCase):
    DAEMON_ARGS = {"drives": 8, "slots": 8}

    def test_create_init_check_delete(self):
        self.cli_ok("/c0", "set", "rebuildrate=3")
        vd = self.cli_ok("/c0", "add", "vd", "r1", "drives=0:5-6", "name=life", "init")
        vd_id = vd["virtual_drive"]["vd_id"]
        self.assertEqual(vd["virtual_drive"]["name"], "life")
        inits = self.cli_ok("/c0", "show", "init")["background_ops"]
        self.assertEqual([(op["target"], op["state"]) for op in inits], [(vd_id, "running")])

        code, doc, out, err = self.hbamgrd.cli(f"/c0/v{vd_id}", "del")
        self.assertEqual(code, 3, out + err)
        self.assertIn("del force", doc["error"]["message"])

        self.cli_ok(f"/c0/v{vd_id}", "stop", "init")
        self.cli_ok("/c0", "set", "rebuildrate=100")
        done = self.cli_ok(f"/c0/v{vd_id}", "start", "init", "wait")
        self.assertEqual(done["background_op"]["state"], "done")
        self.assertEqual(done["background_op"]["progress_permille"], 1000)
        checked = self.cli_ok(f"/c0/v{vd_id}", "start", "cc", "wait")
        self.assertEqual(checked["background_op"]["state"], "done")
        self.assertEqual(checked["background_op"]["errors"], 0)

        self.assertEqual(self.cli_ok(f"/c0/v{vd_id}", "del")["vd_id"], vd_id)
        code, _, _, _ = self.hbamgrd.cli(f"/c0/v{vd_id}", "show")
        self.assertEqual(code, 2)
        for slot in (5, 6):
            drive = self.cli_ok(f"/c0/e0/s{slot}", "show")["drive"]
            self.assertIsNone(drive["vd_id"])
            self.assertEqual(drive["state"], "unconfigured_good")

    def test_create_refusals_name_the_drive(self):
        # Slots 0-1 hold the default RAID1.
        code, doc, out, err = self.hbamgrd.cli("/c0", "add", "vd", "r1", "drives=0:1,0:5")
        self.assertEqual(code, 3, out + err)
        self.assertIn("/c0/e0/s1 is online (a member of VD 0)", doc["error"]["message"])
        self.assertIn("unconfigured-good", doc["error"]["message"])
        code, doc, out, err = self.hbamgrd.cli("/c0", "add", "vd", "r1", "drives=0:5,0:5")
        self.assertNotEqual(code, 0, out + err)
        self.assertIn("listed twice", doc["error"]["message"])
        # Nothing was created.
        self.assertEqual(len(self.cli_ok("/c0/vall", "show")["virtual_drives"]), 2)

    def test_drive_state_and_locate(self):
        self.assertEqual(self.cli_ok("/c0/e0/s7", "set", "hotspare")["drive"]["state"], "hotspare")
        self.assertEqual(self.cli_ok("/c0/e0/s7", "set", "good")["drive"]["state"],
                         "unconfigured_good")
        code, doc, out, err = self.hbamgrd.cli("/c0/e0/s7", "set", "online")
        self.assertEqual(code, 3, out + err)  # not a VD member
        self.assertTrue(self.cli_ok("/c0/e0/s7", "start", "locate")["drive"]["locate_on"])
        self.assertTrue(self.cli_ok("/c0/e0/s7", "show")["drive"]["locate_on"])
        self.assertFalse(self.cli_ok("/c0/e0/s7", "stop", "locate")["drive"]["locate_on"])
        events = self.cli_ok("/c0", "show", "events", "filter=class=pd,code=0x0207")["events"]
        self.assertEqual([(e["slot"], e["arg0"]) for e in events], [(7, 1), (7, 0)])


if __name__ == "__main__":
    unittest.main()
