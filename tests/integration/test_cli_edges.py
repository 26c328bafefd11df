"""hbacli's error edges (issue 11): every error honours --json and J, every
missing object exits 2, and refusals say what was wrong instead of a bare
firmware status."""

import json
import unittest

from hbamgr_fixture import HBACLI, DaemonTestCase, run_cli


class CliEdgesTest(DaemonTestCase):
    DAEMON_ARGS = {"drives": 8, "slots": 8}

    def assert_failure(self, args, exit_status, code, *fragments):
        status, doc, out, err = self.hbamgrd.cli(*args)
        self.assertEqual(status, exit_status, f"{args}: {out} {err}")
        self.assertEqual(doc["status"], "failure", out)
        self.assertEqual(doc["error"]["code"], code, out)
        self.assertEqual(doc["error"]["exit_status"], exit_status)
        for fragment in fragments:
            self.assertIn(fragment, doc["error"]["message"])
        return doc["error"]["message"]

    def test_every_missing_object_exits_2(self):
        for args in (["/c7", "show"], ["/c7", "show", "events"], ["/c7", "inject", "storm"],
                     ["/c0/e9/sall", "show"], ["/c0/e9", "inject", "linkdown"],
                     ["/c0/e9", "inject", "linkup"],
                     ["/c0/e0/s99", "show"], ["/c0/e0/s99", "start", "locate"],
                     ["/c0/e0/s99", "set", "offline"], ["/c0/e0/s99", "start", "rebuild"],
                     ["/c0/e0/s99", "inject", "fail"], ["/c0/e9/s0", "show"],
                     ["/c0/v9", "show"], ["/c0/v9", "del", "force"], ["/c0/v9", "start", "cc"],
                     ["/c0/v9", "start", "init"], ["/c0", "passthru", "cdb=120000006000",
                                                   "datain=96", "target=9"]):
            self.assert_failure(args, 2, "NOT_FOUND")
        message = self.assert_failure(["/c0/e9", "inject", "linkdown"], 2, "NOT_FOUND")
        self.assertIn("/c0/e9", message)
        self.assertIn("/c0/e9", self.assert_failure(["/c0/e9/sall", "show"], 2, "NOT_FOUND"))

    def test_passthru_beyond_the_transfer_limit_names_it(self):
        # It ended in a bare "HBAMGR_IOC_PASSTHRU: Invalid argument (errno 22)".
        self.assert_failure(["/c0", "passthru", "cdb=120000006000", "datain=4294967295"], 1,
                            "INVALID_ARGUMENT",
                            "data_in_length = 4294967295 bytes: at most 1048576 bytes "
                            "(the adapter's max_transfer)")

    def test_option_errors_honour_json(self):
        for args in (["--timeout", "0", "--json", "/c0", "show"],
                     ["--bogus", "/c0", "show", "J"],
                     ["/c0", "show", "J", "--timeout", "soon"]):
            status, _, out, err = run_cli(["--socket", self.hbamgrd.socket_path, *args],
                                          json_output=False)
            self.assertEqual(status, 1, f"{args}: {out} {err}")
            self.assertEqual(err, "")
            doc = json.loads(out)
            self.assertEqual(doc["status"], "failure")
            self.assertEqual(doc["error"]["code"], "INVALID_ARGUMENT")
        status, _, out, _ = run_cli(["--timeout", "0", "--json", "/c0", "show"], json_output=False)
        self.assertEqual(json.loads(out)["error"]["message"],
                         "--timeout 0: must be more than 0 and at most 86400 seconds")
        # Without JSON: the plain line and a hint, on stderr.
        status, _, out, err = run_cli(["--timeout", "0", "/c0", "show"], json_output=False)
        self.assertEqual((status, out), (1, ""))
        self.assertTrue(err.startswith("hbacli: --timeout 0: must be more than 0"), err)

    def test_vd_create_refusals_say_why(self):
        # The CLI's own checks, with the firmware's limits.
        self.assert_failure(["/c0", "add", "vd", "r1", "drives=0:5-6", "strip=7"], 1,
                            "INVALID_ARGUMENT", "strip=7: the strip size in KiB is a power of two")
        self.assert_failure(["/c0", "add", "vd", "r1", "drives=0:5-6", "name=db\x07"], 1,
                            "INVALID_ARGUMENT", "name= character 3 is 0x07")
        # The firmware's reasons, through the daemon.
        self.assert_failure(["/c0", "add", "vd", "r5", "drives=0:5-6"], 1, "INVALID_ARGUMENT",
                            "RAID 5 needs at least 3 drives, got 2")
        self.assert_failure(["/c0", "add", "vd", "r10", "drives=0:5-7"], 1, "INVALID_ARGUMENT",
                            "RAID 10 needs at least 4 drives, got 3")
        self.assert_failure(["/c0", "add", "vd", "r1", "drives=0:5-7"], 1, "INVALID_ARGUMENT",
                            "RAID 1 takes at most 2 drives, got 3")
        self.assert_failure(["/c0", "add", "vd", "r1", "drives=0:1,0:5"], 3,
                            "FAILED_PRECONDITION", "/c0/e0/s1 is online (a member of VD 0)")
        # Nothing was created.
        self.assertEqual(len(self.cli_ok("/c0/vall", "show")["virtual_drives"]), 2)


if __name__ == "__main__":
    unittest.main()
