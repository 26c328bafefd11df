"""Local authorization: a non-admin uid may read but not change anything."""

import unittest

import grpc

from hbamgr.v1 import daemon_pb2
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

        # Each refusal is in the audit trail with what it was aimed at.
        records = self.hbamgrd.daemon().ListAudit(
            daemon_pb2.ListAuditRequest(peer=f"uid:{NOBODY}"), timeout=30).records
        by_method = {r.method.rsplit("/", 1)[1]: r for r in records}
        self.assertEqual(sorted(by_method), ["InjectFault", "ResetAdapter", "Scsi", "SetLocate"])
        for record in records:
            self.assertEqual(record.result_code, grpc.StatusCode.PERMISSION_DENIED.value[0])
            self.assertIn("administrative calls need root", record.result_message)
            self.assertTrue(record.arguments, record)
        self.assertEqual(by_method["ResetAdapter"].target, "/c0")
        self.assertEqual(by_method["SetLocate"].target, "/c0/e0/s1")
        self.assertIn("on: true", by_method["SetLocate"].arguments)
        self.assertEqual(by_method["Scsi"].target, "/c0/v0")
        self.assertIn("cdb: 120000006000", by_method["Scsi"].arguments)
        self.assertIn("data_in_length: 96", by_method["Scsi"].arguments)
        self.assertIn("fault: FAULT_TYPE_DRIVE_FAIL", by_method["InjectFault"].arguments)

        # Nothing changed: the drive is still healthy and its LED off.
        drive = self.cli_ok("/c0/e0/s1", "show")["drive"]
        self.assertEqual(drive["state"], "online")
        self.assertFalse(drive["locate_on"])
        # root (this test) is admin.
        self.assertTrue(self.cli_ok("/c0/e0/s1", "start", "locate")["drive"]["locate_on"])


if __name__ == "__main__":
    unittest.main()
