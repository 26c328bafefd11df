"""The health service end to end: a real hbamgrd on simulated adapters with
fault injection, short intervals from [health] (never sleeps to synchronise:
every wait is for a condition, with a deadline).

- a drive heated past warn and crit raises exactly one alert each, reminders
  follow the throttle interval, cooling clears each once;
- media errors past the growth threshold raise an alert;
- a drive's SMART trip (informational exceptions ASC/ASCQ in log page 0x2F)
  and a failed self-test each reach the stream, the exec hook and the
  journal, and clear once when the drive recovers;
- a failed drive makes the VD and the adapter CRITICAL with reasons;
- scheduled patrol read, consistency check and self-test start on time, a
  VD's own schedule runs on that VD only, a drive whose short and long
  self-tests fall due together runs the long one, and a run missed while the
  daemon was down happens once after start;
- the exec hook gets the documented environment, a hung one is killed at its
  timeout;
- a restart keeps open alerts and does not re-send them;
- bad health config is refused at start and on SIGHUP naming the key, and
  the running policy stays.
"""

import os
import signal
import sqlite3
import stat
import subprocess
import tempfile
import threading
import time
import unittest

import grpc

from hbamgr.v1 import events_pb2
from hbamgr.v1 import health_pb2 as hw
from hbamgr_fixture import HBAMGRD, Daemon, DaemonTestCase, wait_until

RAISED = hw.ALERT_NOTIFICATION_KIND_RAISED
REMINDER = hw.ALERT_NOTIFICATION_KIND_REMINDER
CLEARED = hw.ALERT_NOTIFICATION_KIND_CLEARED
BGOP_STARTED = 0x0401
BGOP_CC = 3
BGOP_PATROL = 4
HOT_DRIVE = "/c0/e0/s5"  # unconfigured in the default layout
REMINDER_S = 3

# One set of temperature thresholds for both drive classes (the drive in
# slot 5 may be either), then the fast [health] section tests append to.
FAST = """
[health.ssd]
temperature_warn = 50
temperature_crit = 60

[health]
poll_interval = 1s
smart_interval = 1s
jitter = 0
alert_reminder_interval = %ds
""" % REMINDER_S


class Watcher(threading.Thread):
    """A WatchAlerts stream, notifications collected with their arrival time."""

    def __init__(self, daemon):
        super().__init__(daemon=True)
        self.call = daemon.health().WatchAlerts(hw.WatchAlertsRequest(adapter="c0"))
        self.got = []
        self.lock = threading.Lock()

    def run(self):
        try:
            for n in self.call:
                with self.lock:
                    self.got.append((time.monotonic(), n))
        except grpc.RpcError:
            pass

    def stop(self):
        self.call.cancel()
        self.join(timeout=30)

    def of(self, obj, condition=None, kind=None):
        with self.lock:
            return [(t, n) for t, n in self.got
                    if n.alert.object == obj
                    and (condition is None or n.alert.condition == condition)
                    and (kind is None or n.kind == kind)]


def make_hook(test, body):
    """An alert_exec hook in a new directory (test.hookdir, mode 0755, removed
    after the test) running the shell script `body`, in which "{dir}" stands
    for that directory.  Returns the hook's alert_exec config line."""
    test.hookdir = tempfile.mkdtemp(prefix="hbamgr-hook-")
    os.chmod(test.hookdir, 0o755)
    test.addCleanup(lambda: subprocess.run(["rm", "-rf", test.hookdir]))
    path = os.path.join(test.hookdir, "hook")
    with open(path, "w") as f:
        f.write("#!/bin/sh\n" + body.replace("{dir}", test.hookdir))
    os.chmod(path, stat.S_IRWXU | stat.S_IRGRP | stat.S_IXGRP | stat.S_IROTH | stat.S_IXOTH)
    return f"alert_exec = {test.hookdir}/hook\n"


class HealthTestCase(DaemonTestCase):
    DAEMON_ARGS = {"extra_config": FAST}

    def watch(self):
        w = Watcher(self.hbamgrd)
        w.start()
        self.addCleanup(w.stop)
        return w

    def inject(self, obj, *args):
        self.cli_ok(obj, "inject", *args)

    def reasons(self, adapter="c0"):
        a = self.hbamgrd.get_health(adapter).adapters[0]
        return {(r.object, r.condition): r for r in a.reasons}


class TemperatureAlertsTest(HealthTestCase):
    def test_warn_and_crit_alert_once_each_remind_on_schedule_and_clear_once(self):
        w = self.watch()
        self.inject(HOT_DRIVE, "temperature", "value=55")
        wait_until(lambda: w.of(HOT_DRIVE, "temperature_warning", RAISED), 60, "warning alert")
        self.inject(HOT_DRIVE, "temperature", "value=65")
        wait_until(lambda: w.of(HOT_DRIVE, "temperature_critical", RAISED), 60, "critical alert")
        raised_crit = w.of(HOT_DRIVE, "temperature_critical", RAISED)[0][0]
        # Two reminders of the critical condition, each a reminder interval on.
        wait_until(lambda: len(w.of(HOT_DRIVE, "temperature_critical", REMINDER)) >= 2, 60,
                   "two reminders")
        times = [raised_crit] + [t for t, _ in w.of(HOT_DRIVE, "temperature_critical", REMINDER)]
        for before, after in zip(times, times[1:]):
            self.assertGreaterEqual(after - before, REMINDER_S - 0.5)
        reminder = w.of(HOT_DRIVE, "temperature_critical", REMINDER)[0][1]
        self.assertEqual(reminder.alert.times_sent, 2)
        self.assertEqual(reminder.alert.severity, hw.HEALTH_STATE_CRITICAL)

        self.inject(HOT_DRIVE, "temperature", "value=30")
        wait_until(lambda: len(w.of(HOT_DRIVE, kind=CLEARED)) == 2, 60, "both cleared")
        self.hbamgrd.wait_polls(3)
        # Exactly one raise and one clear per condition, nothing after.
        for condition in ("temperature_warning", "temperature_critical"):
            self.assertEqual(len(w.of(HOT_DRIVE, condition, RAISED)), 1, condition)
            self.assertEqual(len(w.of(HOT_DRIVE, condition, CLEARED)), 1, condition)
        self.assertEqual(self.hbamgrd.get_health(obj=HOT_DRIVE).adapters[0].objects[0].health,
                         hw.HEALTH_STATE_OK)
        data = self.cli_ok("/c0", "show", "alerts", "all")
        states = {(a["condition"], a["state"]) for a in data["alerts"] if a["object"] == HOT_DRIVE}
        self.assertEqual(states, {("temperature_warning", "cleared"),
                                  ("temperature_critical", "cleared")})
        # The drive's temperature range is kept.
        drive = self.hbamgrd.get_health(obj=HOT_DRIVE).adapters[0].objects[0]
        self.assertEqual(drive.temperature_max_c, 65)
        self.assertLessEqual(drive.temperature_min_c, 30)

    def test_acknowledged_alert_is_not_reminded(self):
        w = self.watch()
        self.inject(HOT_DRIVE, "temperature", "value=55")
        wait_until(lambda: w.of(HOT_DRIVE, "temperature_warning", RAISED), 60, "warning alert")
        alert_id = w.of(HOT_DRIVE, "temperature_warning", RAISED)[0][1].alert.id
        code, doc, out, err = self.hbamgrd.cli("/c0", "ack", f"alert={alert_id}", uid=65534)
        self.assertEqual(code, 4, out + err)  # admin only
        data = self.cli_ok("/c0", "ack", f"alert={alert_id}")
        self.assertEqual(data["alert"]["acknowledged_by"], "uid:0")
        acked_at = time.monotonic()
        # Longer than two reminder intervals: no reminder after the ack.
        self.hbamgrd.wait_polls(2 * REMINDER_S + 2)
        late = [t for t, _ in w.of(HOT_DRIVE, "temperature_warning", REMINDER) if t > acked_at]
        self.assertEqual(late, [])
        code, _, out, _ = self.hbamgrd.cli("/c0", "ack", "alert=999")
        self.assertEqual(code, 2, out)


class MediaErrorAlertTest(HealthTestCase):
    DAEMON_ARGS = {"extra_config": FAST + "media_error_growth = 3\n"}

    def test_media_errors_past_the_growth_threshold_alert(self):
        pd_id = self.cli_ok("/c0/e0/s5", "show")["drive"]["pd_id"]
        for lba in (100, 200):
            self.inject(HOT_DRIVE, "mediaerror", f"lba={lba}")
        # Reads of the bad blocks are the drive's media errors.
        def read(lba):
            cdb = "28000000%04x000001%02x" % (lba, 0)
            code, _, out, _ = self.hbamgrd.cli("/c0", "passthru", f"cdb={cdb}", f"target={pd_id}",
                                               "phys", "datain=512")
            self.assertEqual(code, 3, out)  # MEDIUM ERROR
        read(100)
        read(200)
        self.hbamgrd.wait_polls(2)
        self.assertNotIn((HOT_DRIVE, "media_errors_growth"), self.reasons())
        read(100)
        wait_until(lambda: (HOT_DRIVE, "media_errors_growth") in self.reasons(), 60,
                   "media error growth reason")
        reason = self.reasons()[(HOT_DRIVE, "media_errors_growth")]
        self.assertIn("grew by 3", reason.text)
        alerts = self.cli_ok("/c0", "show", "alerts")["alerts"]
        self.assertEqual([a["condition"] for a in alerts if a["object"] == HOT_DRIVE],
                         ["media_errors_growth"])
        drive = self.hbamgrd.get_health(obj=HOT_DRIVE).adapters[0].objects[0]
        self.assertEqual(drive.media_errors, 3)
        self.assertEqual(drive.media_errors_growth, 3)


class FailedDriveTest(HealthTestCase):
    def test_failed_drive_makes_vd_and_adapter_critical_with_reasons(self):
        self.hbamgrd.wait_polls(1)
        self.assertEqual(self.hbamgrd.get_health().health, hw.HEALTH_STATE_OK)
        self.inject("/c0/e0/s1", "fail")
        wait_until(lambda: ("/c0/v0", "vd_degraded") in self.reasons(), 60, "VD degraded")
        health = self.hbamgrd.get_health()
        self.assertEqual(health.health, hw.HEALTH_STATE_CRITICAL)
        adapter = health.adapters[0]
        self.assertEqual(adapter.health, hw.HEALTH_STATE_CRITICAL)
        reasons = self.reasons()
        self.assertIn(("/c0/e0/s1", "drive_failed"), reasons)
        self.assertIn("/c0/e0/s1", reasons[("/c0/v0", "vd_degraded")].text)
        objects = {o.object: o for o in adapter.objects}
        self.assertEqual(objects["/c0/e0/s1"].health, hw.HEALTH_STATE_FAILED)
        self.assertEqual(objects["/c0/v0"].health, hw.HEALTH_STATE_CRITICAL)
        self.assertEqual(objects["/c0/v1"].health, hw.HEALTH_STATE_OK)
        # The CLI says the same, in both forms.
        data = self.cli_ok("/c0", "show", "health")
        self.assertEqual(data["adapters"][0]["health"], "critical")
        code, _, out, _ = self.hbamgrd.cli("/c0", "show", "health", json_output=False)
        self.assertEqual(code, 0)
        self.assertIn("drive_failed", out)
        self.assertIn("vd_degraded", out)
        self.assertEqual(self.cli_ok("show", "health")["health"], "critical")


def bgops_started(daemon, bgop_type):
    events = daemon.events().QueryEvents(events_pb2.QueryEventsRequest(
        filter=events_pb2.EventFilter(adapter="c0", code=BGOP_STARTED)), timeout=30).events
    return [e for e in events if e.arg0 == bgop_type]


class ScheduleTest(HealthTestCase):
    DAEMON_ARGS = {"extra_config": FAST + "patrol_read = @every 4s\n"
                                          "consistency_check = off\n"
                                          "selftest_short = @every 4s\n"
                                          "selftest_long = off\n"}

    def started(self, bgop_type):
        return bgops_started(self.hbamgrd, bgop_type)

    def test_patrol_read_and_selftests_start_on_time(self):
        started_ns = time.time_ns()
        wait_until(lambda: self.started(BGOP_PATROL), 60, "scheduled patrol read")
        first = self.started(BGOP_PATROL)[0].timestamp_ns
        # Due 4 s after the daemon first saw the schedule; one poll of slack.
        self.assertGreaterEqual(first - started_ns, 3 * 10**9)
        self.assertLess(first - started_ns, 12 * 10**9)
        wait_until(lambda: self.hbamgrd.get_health(obj="/c0/e0/s6").adapters[0]
                   .objects[0].last_selftest == "short passed", 60, "short self-test logged")
        self.assertIn("scheduled selftest_short started on /c0/e0/s6", self.hbamgrd.log())


class PerVdScheduleTest(HealthTestCase):
    # No VD is checked by [health]; /c0/v1 has its own schedule, /c0/v7 does
    # not exist.  Both self-tests fall due together on every drive.
    DAEMON_ARGS = {"extra_config": FAST + "consistency_check = off\n"
                                          "selftest_short = @every 4s\n"
                                          "selftest_long = @every 4s\n"
                                          "[health.c0.v1]\nconsistency_check = @every 4s\n"
                                          "[health.c0.v7]\nconsistency_check = @daily\n"}

    def test_a_vd_section_schedules_that_vd_only(self):
        wait_until(lambda: bgops_started(self.hbamgrd, BGOP_CC), 60, "scheduled check of /c0/v1")
        self.hbamgrd.wait_polls(6)
        self.assertEqual({e.vd_id for e in bgops_started(self.hbamgrd, BGOP_CC)}, {1})
        log = self.hbamgrd.log()
        self.assertIn("scheduled consistency_check started on /c0/v1", log)
        self.assertNotIn("scheduled consistency_check started on /c0/v0", log)
        # Said once, not at every poll.
        self.assertEqual(log.count("health.c0.v7.consistency_check: c0 has no VD 7"), 1, log)

    def test_a_drive_runs_the_long_self_test_when_both_fall_due(self):
        wait_until(lambda: "scheduled selftest_long started on /c0/e0/s6" in self.hbamgrd.log(),
                   60, "scheduled extended self-test")
        log = self.hbamgrd.log()
        self.assertIn("scheduled selftest_short on /c0/e0/s6 skipped: an extended self-test "
                      "starts now", log)
        self.assertNotIn("scheduled selftest_short started", log)


class MissedScheduleTest(unittest.TestCase):
    def test_a_run_missed_while_down_happens_once_after_start(self):
        workdir = tempfile.mkdtemp(prefix="hbamgr-it-")
        self.addCleanup(lambda: subprocess.run(["rm", "-rf", workdir]))
        d = Daemon(workdir, extra_config=FAST + "consistency_check = @every 1h\n"
                                               "selftest_short = off\nselftest_long = off\n")
        d.start()
        d.wait_polls(2)
        self.assertEqual(d.stop(), 0)
        # The daemon was "down" for two hours: both VDs missed their check.
        db = sqlite3.connect(d.database)
        two_hours_ago = time.time_ns() - 2 * 3600 * 10**9
        n = db.execute("UPDATE schedule_runs SET last_run_ns = ? WHERE job = 'consistency_check'",
                       (two_hours_ago,)).rowcount
        db.commit()
        db.close()
        self.assertEqual(n, 2)
        d.start()
        self.addCleanup(d.stop)

        def cc_started():
            return bgops_started(d, BGOP_CC)
        wait_until(lambda: len(cc_started()) == 2, 60, "missed checks run after start")
        d.wait_polls(3)
        self.assertEqual(sorted(e.vd_id for e in cc_started()), [0, 1])
        # Once each, not once per missed hour: a second try would show in the
        # log even when the firmware refuses it (a check already runs).
        log = d.log()
        for vd in ("/c0/v0", "/c0/v1"):
            tries = (log.count(f"scheduled consistency_check started on {vd} ")
                     + log.count(f"scheduled consistency_check on {vd} not started"))
            self.assertEqual(tries, 1, vd)


class DriveAlertTestCase(HealthTestCase):
    """An alert of one drive reaching all three ways: the WatchAlerts stream,
    the exec hook (its environment, one file per alert and state) and the
    journal (the daemon's structured log line)."""

    EXTRA = ""
    DRIVE_SIZE_MB = 64

    def setUp(self):
        hook = make_hook(self, 'env > "{dir}/env.$HBAMGR_ALERT_ID.$HBAMGR_ALERT_STATE"\n')
        self.DAEMON_ARGS = {"extra_config": FAST + hook + self.EXTRA,
                            "drive_size_mb": self.DRIVE_SIZE_MB}
        super().setUp()
        self.pd_id = self.cli_ok(HOT_DRIVE, "show")["drive"]["pd_id"]

    def passthru(self, cdb, *args):
        """A CDB to the drive itself (not a VD); returns hbacli's exit status."""
        code, _, out, err = self.hbamgrd.cli("/c0", "passthru", f"cdb={cdb}",
                                             f"target={self.pd_id}", "phys", *args)
        return code, out + err

    def hook_env(self, alert_id, state):
        path = os.path.join(self.hookdir, f"env.{alert_id}.{state}")
        wait_until(lambda: os.path.exists(path), 60, f"hook run for alert {alert_id} {state}")
        # The hook writes the file as it runs: wait until env has finished.
        def read():
            with open(path) as f:
                return f.read()
        wait_until(lambda: read().endswith("\n"), 30, "hook output complete")
        return dict(line.split("=", 1) for line in read().splitlines() if "=" in line)

    def journal_lines(self, condition, state):
        return [line for line in self.hbamgrd.log().splitlines()
                if f"HBAMGR_ALERT_STATE={state}" in line
                and f"HBAMGR_OBJECT={HOT_DRIVE}" in line
                and f"HBAMGR_CONDITION={condition}" in line]

    def expect_delivered(self, w, condition, severity, says):
        """The alert was raised once on all three ways; returns its id."""
        wait_until(lambda: w.of(HOT_DRIVE, condition, RAISED), 60, f"{condition} raised")
        alert = w.of(HOT_DRIVE, condition, RAISED)[0][1].alert
        self.assertEqual(alert.severity, severity)
        self.assertIn(says, alert.message)
        env = self.hook_env(alert.id, "raised")
        self.assertEqual(env["HBAMGR_CONDITION"], condition)
        self.assertEqual(env["HBAMGR_OBJECT"], HOT_DRIVE)
        self.assertEqual(env["HBAMGR_SEVERITY"], hw.HealthState.Name(severity)[len("HEALTH_STATE_"):])
        self.assertIn(says, env["HBAMGR_MESSAGE"])
        wait_until(lambda: self.journal_lines(condition, "raised"), 30, "journal entry")
        self.assertEqual(len(self.journal_lines(condition, "raised")), 1)
        reasons = self.reasons()
        self.assertIn((HOT_DRIVE, condition), reasons)
        self.assertIn(says, reasons[(HOT_DRIVE, condition)].text)
        return alert.id

    def expect_cleared(self, w, condition, alert_id):
        """The alert cleared once on all three ways, and stays cleared."""
        wait_until(lambda: w.of(HOT_DRIVE, condition, CLEARED), 60, f"{condition} cleared")
        env = self.hook_env(alert_id, "cleared")
        self.assertEqual(env["HBAMGR_CONDITION"], condition)
        wait_until(lambda: self.journal_lines(condition, "cleared"), 30, "journal entry")
        self.hbamgrd.wait_polls(3)
        self.assertEqual(len(w.of(HOT_DRIVE, condition, RAISED)), 1)
        self.assertEqual(len(w.of(HOT_DRIVE, condition, CLEARED)), 1)
        self.assertEqual(len(self.journal_lines(condition, "cleared")), 1)
        self.assertNotIn((HOT_DRIVE, condition), self.reasons())
        alerts = self.cli_ok("/c0", "show", "alerts", "all")["alerts"]
        self.assertEqual([a["state"] for a in alerts
                          if a["object"] == HOT_DRIVE and a["condition"] == condition],
                         ["cleared"])


# MODE SELECT(6) of the informational exceptions control page (MRIE 6),
# zeroed 4-byte header, with the TEST bit set or clear.
IEC_SELECT_CDB = "151000001000"
IEC_PAGE = "00000000" + "1c0a%02x06000000000000" + "0001"


class SmartTripTest(DriveAlertTestCase):
    def test_informational_exception_raises_predictive_failure_and_clears(self):
        w = self.watch()
        self.hbamgrd.wait_polls(2)
        self.assertNotIn((HOT_DRIVE, "predictive_failure"), self.reasons())
        # The drive's SMART trips: SPC's TEST bit makes it report a failure
        # prediction (ASC 0x5d, ASCQ 0xff) in log page 0x2f; the drive's
        # predictive-failure counter stays 0, so only the page tells.
        code, out = self.passthru(IEC_SELECT_CDB, "dataout=" + IEC_PAGE % 0x04)
        self.assertEqual(code, 0, out)
        alert_id = self.expect_delivered(w, "predictive_failure", hw.HEALTH_STATE_CRITICAL,
                                         "SMART informational exception ASC 0x5d ASCQ 0xff")
        drive = self.hbamgrd.get_health(obj=HOT_DRIVE).adapters[0].objects[0]
        self.assertEqual(drive.health, hw.HEALTH_STATE_CRITICAL)
        self.assertEqual(drive.predictive_failures, 0)
        # The prediction is withdrawn: the alert clears, once.
        code, out = self.passthru(IEC_SELECT_CDB, "dataout=" + IEC_PAGE % 0x00)
        self.assertEqual(code, 0, out)
        self.expect_cleared(w, "predictive_failure", alert_id)
        self.assertEqual(self.hbamgrd.get_health(obj=HOT_DRIVE).adapters[0].objects[0].health,
                         hw.HEALTH_STATE_OK)

    def test_media_errors_trip_smart(self):
        # The drive's own trip: its 8th media error is a predictive failure
        # (ASC 0x5d ASCQ 0x10, "hardware impending failure").  Such a drive
        # stays tripped until it is replaced: the alert stays open.
        w = self.watch()
        self.inject(HOT_DRIVE, "mediaerror", "lba=100")
        for _ in range(8):
            code, out = self.passthru("28000000006400000100", "datain=512")
            self.assertEqual(code, 3, out)  # MEDIUM ERROR
        # The firmware's count (inventory) or the log page, whichever the
        # daemon reads first, raises it; the reason then carries both.
        self.expect_delivered(w, "predictive_failure", hw.HEALTH_STATE_CRITICAL,
                              "predictive failure: the drive expects to fail")
        wait_until(lambda: "(SMART informational exception ASC 0x5d ASCQ 0x10)"
                   in self.reasons()[(HOT_DRIVE, "predictive_failure")].text, 60,
                   "the trip in the reason")
        self.assertIn("(1 predictive failure reported)",
                      self.reasons()[(HOT_DRIVE, "predictive_failure")].text)
        self.assertEqual(
            self.hbamgrd.get_health(obj=HOT_DRIVE).adapters[0].objects[0].predictive_failures, 1)
        self.assertEqual(len(w.of(HOT_DRIVE, "predictive_failure", RAISED)), 1)


class SelfTestFailureTest(DriveAlertTestCase):
    EXTRA = "selftest_short = @every 3s\nselftest_long = off\n"

    def test_failed_self_test_raises_and_a_passing_one_clears(self):
        w = self.watch()
        self.hbamgrd.wait_polls(2)
        self.assertNotIn((HOT_DRIVE, "selftest_failed"), self.reasons())
        # An unreadable block: the next scheduled short self-test's read scan
        # fails there (result 7, read element).
        self.inject(HOT_DRIVE, "mediaerror", "lba=1000")
        alert_id = self.expect_delivered(w, "selftest_failed", hw.HEALTH_STATE_WARNING,
                                         "first failing LBA 1000")
        self.assertIn("short self-test failed (result 7)",
                      self.reasons()[(HOT_DRIVE, "selftest_failed")].text)
        # Rewriting the block reallocates it; the next self-test passes.
        code, out = self.passthru("2a00000003e800000100", "dataout=" + "00" * 512)
        self.assertEqual(code, 0, out)
        self.expect_cleared(w, "selftest_failed", alert_id)
        wait_until(lambda: self.hbamgrd.get_health(obj=HOT_DRIVE).adapters[0].objects[0]
                   .last_selftest == "short passed", 60, "a passed self-test")


class SelfTestProgressTest(DriveAlertTestCase):
    """A background self-test takes time in the simulated drive, as on a real
    one: the self-test log (page 0x10) says in progress, REQUEST SENSE gives
    its progress, a second one is refused, SEND DIAGNOSTIC code 4 aborts it
    (an aborted test is no failure)."""

    # Nominal 64 GiB drives (memory is used on write only): the extended
    # test, a read of the whole medium at 1 GiB/s, takes about a minute.
    DRIVE_SIZE_MB = 65536

    def request_sense(self):
        code, _, out, err = self.hbamgrd.cli("/c0", "passthru", "cdb=030000001200",
                                             f"target={self.pd_id}", "phys", "datain=18",
                                             json_output=False)
        self.assertEqual(code, 0, out + err)
        return out

    def last_selftest(self):
        return self.hbamgrd.get_health(obj=HOT_DRIVE).adapters[0].objects[0].last_selftest

    def test_extended_self_test_runs_reports_progress_and_aborts(self):
        self.hbamgrd.wait_polls(1)
        code, out = self.passthru("1d4000000000")  # background extended
        self.assertEqual(code, 0, out)
        wait_until(lambda: self.last_selftest().endswith("extended in progress"), 60,
                   "self-test in progress in the health")
        # Sense key 0, ASC/ASCQ 04/09 (self-test in progress), SKSV set.
        sense = self.request_sense()
        self.assertRegex(sense, r"00000000  70 00 00 00 00 00 00 0a  00 00 00 00 04 09 00 80")
        code, out = self.passthru("1d4000000000")
        self.assertEqual(code, 3, out)  # NOT READY: one at a time
        code, out = self.passthru("1d8000000000")  # abort
        self.assertEqual(code, 0, out)
        wait_until(lambda: self.last_selftest() == "extended aborted (result 1)", 60,
                   "aborted self-test in the health")
        self.hbamgrd.wait_polls(2)
        self.assertNotIn((HOT_DRIVE, "selftest_failed"), self.reasons())
        self.assertNotIn("skipped: a self-test is in progress", self.hbamgrd.log())
        # The next one runs to its end and passes.
        code, out = self.passthru("1d2000000000")  # background short
        self.assertEqual(code, 0, out)
        wait_until(lambda: self.last_selftest() == "short passed", 60, "short self-test passed")


class SelfTestScheduleWhileTestingTest(DriveAlertTestCase):
    """A scheduled self-test that falls due while the drive runs one is
    skipped (smartd does the same), not sent to be refused."""

    EXTRA = "selftest_short = @every 2s\nselftest_long = off\n"
    DRIVE_SIZE_MB = 65536  # an extended test of about a minute

    def test_a_self_test_due_while_one_runs_is_skipped(self):
        code, out = self.passthru("1d4000000000")  # background extended
        self.assertEqual(code, 0, out)
        # From when the daemon has read that the drive is testing, every
        # short test that falls due is skipped (before, one may have been
        # sent and refused).
        wait_until(lambda: self.hbamgrd.get_health(obj=HOT_DRIVE).adapters[0].objects[0]
                   .last_selftest.endswith("extended in progress"), 60, "test in progress")
        known = len(self.hbamgrd.log())
        skipped = f"scheduled selftest_short on {HOT_DRIVE} skipped: a self-test is in progress"
        wait_until(lambda: self.hbamgrd.log().count(skipped, known) >= 2, 60,
                   "two skipped self-tests")
        self.assertNotIn(f"scheduled selftest_short on {HOT_DRIVE} not started",
                         self.hbamgrd.log()[known:])
        # Other drives went on with their schedule.
        self.assertIn("scheduled selftest_short started on /c0/e0/s6", self.hbamgrd.log())


class ExecHookTest(HealthTestCase):
    def setUp(self):
        hook = make_hook(self, 'env > "{dir}/env.$HBAMGR_ALERT_ID.$HBAMGR_ALERT_STATE"\n'
                               'echo "paged about $HBAMGR_OBJECT"\n')
        self.DAEMON_ARGS = {"extra_config": FAST + hook}
        super().setUp()

    def test_hook_gets_the_documented_environment(self):
        self.inject(HOT_DRIVE, "temperature", "value=65")
        files = lambda: [f for f in os.listdir(self.hookdir) if f.endswith(".raised")]
        wait_until(lambda: len(files()) == 2, 60, "hook runs for both alerts")
        alerts = {a["condition"]: a for a in self.cli_ok("/c0", "show", "alerts")["alerts"]}
        crit = alerts["temperature_critical"]
        with open(os.path.join(self.hookdir, f"env.{crit['id']}.raised")) as f:
            env = dict(line.rstrip("\n").split("=", 1) for line in f if "=" in line)
        expect = {
            "HBAMGR_ALERT_ID": str(crit["id"]),
            "HBAMGR_ALERT_STATE": "raised",
            "HBAMGR_OBJECT": HOT_DRIVE,
            "HBAMGR_ADAPTER": "c0",
            "HBAMGR_SEVERITY": "CRITICAL",
            "HBAMGR_CONDITION": "temperature_critical",
            "HBAMGR_MESSAGE": crit["message"],
            "HBAMGR_SERIAL": crit["serial"],
            "HBAMGR_PREVCNT": "0",
            "HBAMGR_TFIRSTEPOCH": str(crit["first_seen_ns"] // 10**9),
        }
        for key, value in expect.items():
            self.assertEqual(env.get(key), value, key)
        for key in ("HBAMGR_FULLMESSAGE", "HBAMGR_MODEL", "HBAMGR_TFIRST", "HBAMGR_NEXTDAYS",
                    "HBAMGR_HOST", "PATH"):
            self.assertIn(key, env)
        self.assertTrue(env["HBAMGR_FULLMESSAGE"].startswith(HOT_DRIVE + " CRITICAL: "))
        # Nothing of the daemon's own environment leaks into the hook.
        self.assertNotIn("PYTHONPATH", env)
        wait_until(lambda: "alert hook: paged about " + HOT_DRIVE in self.hbamgrd.log(), 30,
                   "hook output in the log")
        # The test alert runs the hook too and reports how it ended.
        data = self.cli_ok("/c0", "alert", "test")["test_alert"]
        self.assertTrue(data["hook_ok"])
        self.assertEqual(data["hook_result"], "exit status 0")
        self.assertTrue(any(f.endswith(".test") for f in os.listdir(self.hookdir)))


class HungHookTest(HealthTestCase):
    def setUp(self):
        hook = make_hook(self, 'echo $$ > "{dir}/pid"\nexec sleep 600\n')
        self.DAEMON_ARGS = {"extra_config": FAST + hook + "alert_exec_timeout = 1s\n"}
        super().setUp()

    def test_hung_hook_is_killed_at_its_timeout(self):
        start = time.monotonic()
        code, doc, out, _ = self.hbamgrd.cli("/c0", "alert", "test")
        took = time.monotonic() - start
        self.assertEqual(code, 3, out)
        self.assertEqual(doc["data"]["test_alert"]["hook_result"], "killed at its timeout")
        self.assertGreaterEqual(took, 1.0)
        self.assertLess(took, 30)
        with open(os.path.join(self.hookdir, "pid")) as f:
            pid = int(f.read())
        # SIGKILLed and reaped: the pid is gone.
        wait_until(lambda: not os.path.exists(f"/proc/{pid}"), 30, "hung hook gone")
        # Alerts keep flowing after a hung hook (it runs off the poll path).
        self.inject(HOT_DRIVE, "temperature", "value=55")
        wait_until(lambda: "killed at its timeout" in self.hbamgrd.log()
                   and (HOT_DRIVE, "temperature_warning") in self.reasons(), 60,
                   "alert despite the hung hook")


class RestartTest(HealthTestCase):
    # Every drive is past this warning threshold at its power-on temperature,
    # so the alerts' condition holds before and after the restart; once: no
    # reminders either.
    COOL = "temperature_warn = 20\ntemperature_crit = 100\n"
    DAEMON_ARGS = {"extra_config": FAST.replace("temperature_warn = 50\ntemperature_crit = 60\n",
                                                COOL)
                   + "alert_throttle = once\n[health.hdd]\n" + COOL}

    def test_restart_keeps_open_alerts_and_does_not_resend(self):
        wait_until(lambda: len(self.cli_ok("/c0", "show", "alerts")["alerts"]) == 8, 60,
                   "an alert per drive")
        self.hbamgrd.wait_polls(2)
        before = {a["id"]: a for a in self.cli_ok("/c0", "show", "alerts")["alerts"]}
        self.assertEqual(self.hbamgrd.stop(), 0)
        self.assertEqual(self.hbamgrd.log().count("HBAMGR_ALERT_STATE=raised"), 8)
        self.hbamgrd.start()
        w = self.watch()
        self.hbamgrd.wait_polls(3)
        after = {a["id"]: a for a in self.cli_ok("/c0", "show", "alerts", "all")["alerts"]}
        self.assertEqual(set(after), set(before))
        for alert_id, a in after.items():
            self.assertEqual(a["state"], "open")
            self.assertEqual(a["first_seen_ns"], before[alert_id]["first_seen_ns"])
            self.assertEqual(a["times_sent"], 1)
            self.assertGreater(a["last_seen_ns"], before[alert_id]["last_seen_ns"])
        with w.lock:
            self.assertEqual(w.got, [])
        self.assertEqual(self.hbamgrd.log().count("HBAMGR_ALERT_STATE=raised"), 8)


class BadConfigTest(HealthTestCase):
    def test_bad_health_config_is_refused_naming_the_key(self):
        bad = os.path.join(self.workdir, "bad.conf")
        with open(self.hbamgrd.config_path) as f:
            good = f.read()
        for line, key in (("consistency_check = 0 25 * * *", "health.consistency_check"),
                          ("alert_exec = /etc/passwd", "health.alert_exec"),
                          ("poll_intervall = 5m", "health.poll_intervall")):
            with open(bad, "w") as f:
                f.write(good + line + "\n")
            proc = subprocess.run([HBAMGRD, "--foreground", "--config", bad],
                                  capture_output=True, text=True, timeout=60)
            self.assertEqual(proc.returncode, 1, proc.stderr)
            self.assertIn(key, proc.stderr)

        # On SIGHUP the bad file is refused and the running policy stays.
        with open(self.hbamgrd.config_path, "a") as f:
            f.write("[health.hdd]\ntemperature_warn = 500\n")
        self.hbamgrd.proc.send_signal(signal.SIGHUP)
        wait_until(lambda: "reload failed" in self.hbamgrd.log(), 30, "reload refused")
        self.assertIn("health.hdd.temperature_warn", self.hbamgrd.log())
        w = self.watch()
        self.inject(HOT_DRIVE, "temperature", "value=55")
        wait_until(lambda: w.of(HOT_DRIVE, "temperature_warning", RAISED), 60,
                   "alert under the running policy")


if __name__ == "__main__":
    unittest.main()
