"""Local authorization: a non-admin uid may read but not change anything."""

import unittest

from hbamgr_fixture import NOBODY, DaemonTestCase


class PermissionTest(DaemonTestCase):
    def test_non_admin_reads_but_cannot_administer(self):
        code, doc, out, err = self.hbamgrd.cli("/c0", "show", uid=NOBODY)
        self.assertEqual(code, 0, out + err)
        self.assertEqual(doc["status"], "success")
        self.assertEqual(doc["data"]["controller"]["adapter"], "c0")

        for args in (["/c0", "restart"], ["/c0/e0/s1", "start", "locate"],
                     ["/c0", "passthru", "cdb=120000006000", "datain=96"],
                     ["/c0/e0/s1", "inject", "fail"]):
            code, doc, out, err = self.hbamgrd.cli(*args, uid=NOBODY)
            self.assertEqual(code, 4, f"{args}: {out}{err}")
            self.assertEqual(doc["error"]["code"], "PERMISSION_DENIED")
            self.assertEqual(doc["error"]["exit_status"], 4)

        # Nothing changed: the drive is still healthy and its LED off.
        drive = self.cli_ok("/c0/e0/s1", "show")["drive"]
        self.assertEqual(drive["state"], "online")
        self.assertFalse(drive["locate_on"])
        # root (this test) is admin.
        self.assertTrue(self.cli_ok("/c0/e0/s1", "start", "locate")["drive"]["locate_on"])


if __name__ == "__main__":
    unittest.main()
