"""/metrics of a real hbamgrd on two simulated adapters, scraped over HTTP the
way Prometheus does: the exposition passes promtool's lint and
prometheus_client's parser; a failed drive, the VD it degrades, a hot drive
and a deleted VD show in the right series with the right labels; and
Prometheus itself, scraping the daemon with hbamgr.rules.yml loaded, fires the
drive-failed and VD-degraded alerts.

Faults are injected through hbacli (`inject fail`, `inject temperature`).
Every wait is a deadline on a condition read from /metrics; the health service
polls at once after an event and every 5 s here otherwise.
"""

import json
import os
import shutil
import subprocess
import tempfile
import urllib.parse
import urllib.request

from prometheus_client.parser import text_string_to_metric_families

from hbamgr_fixture import DaemonTestCase, free_tcp_port, wait_until

RULES = os.path.join(os.path.dirname(__file__), "..", "..", "packaging", "prometheus",
                     "hbamgr.rules.yml")
DEADLINE_S = 120
DRIVE_STATES = {"unconfigured_good", "unconfigured_bad", "hotspare", "online", "offline",
                "failed", "rebuild", "missing"}
VD_STATES = {"optimal", "partially_degraded", "degraded", "offline"}


def parse(text):
    """[(name, labels dict, value)] of every sample, through prometheus_client."""
    return [(s.name, s.labels, s.value)
            for family in text_string_to_metric_families(text) for s in family.samples]


class MetricsTest(DaemonTestCase):
    # default_vds = 1: /cN/v0 RAID 1 "sys" on slots 0-1, /cN/v1 RAID 5 "data" on 2-4.
    DAEMON_ARGS = {"adapters": 2, "extra_config": "\n[health]\npoll_interval = 5s\n"}

    def samples(self, metric, /, **labels):
        """Samples of `metric` whose labels include `labels`, from a fresh scrape."""
        return [(l, v) for n, l, v in parse(self.hbamgrd.scrape())
                if n == metric and all(l.get(k) == v for k, v in labels.items())]

    def value(self, metric, /, **labels):
        found = self.samples(metric, **labels)
        self.assertEqual(len(found), 1, f"{metric}{labels}: {found}")
        return found[0][1]

    def wait_for_value(self, metric, expected, /, **labels):
        def matches():
            found = self.samples(metric, **labels)
            return len(found) == 1 and found[0][1] == expected
        wait_until(matches, DEADLINE_S, f"{metric}{labels} == {expected}", interval=0.2)

    def wait_polled(self):
        wait_until(lambda: len(self.samples("hbamgr_health_last_poll_timestamp_seconds")) == 2,
                   DEADLINE_S, "the first health poll of both adapters", interval=0.2)

    def test_exposition_passes_promtool_and_the_client_parser(self):
        self.wait_polled()
        text = self.hbamgrd.scrape()
        lint = subprocess.run(["promtool", "check", "metrics"], input=text, capture_output=True,
                              text=True, timeout=60)
        self.assertEqual((lint.returncode, lint.stdout + lint.stderr), (0, ""))
        samples = parse(text)
        # Every series appears once.
        keys = [(n, tuple(sorted(l.items()))) for n, l, _ in samples]
        self.assertEqual(len(keys), len(set(keys)))
        for adapter in ("c0", "c1"):
            drives = [l for n, l, _ in samples
                      if n == "hbamgr_drive_info" and l["adapter"] == adapter]
            self.assertEqual(sorted(int(l["slot"]) for l in drives), list(range(8)))
            vds = {l["vd"]: (l["name"], l["raid_level"]) for n, l, _ in samples
                   if n == "hbamgr_vd_info" and l["adapter"] == adapter}
            self.assertEqual(vds, {"0": ("sys", "raid1"), "1": ("data", "raid5")})
            self.assertEqual(self.value("hbamgr_adapter_health", adapter=adapter), 0)
            self.assertEqual(self.value("hbamgr_adapter_state", adapter=adapter, state="live"), 1)

    def test_failed_drive_and_degraded_vd(self):
        self.wait_polled()
        drive = self.cli_ok("/c0/e0/s1", "show")["drive"]
        self.cli_ok("/c0/e0/s1", "inject", "fail")
        self.wait_for_value("hbamgr_drive_state", 1, adapter="c0", enclosure="0", slot="1",
                            state="failed")

        slot1 = {"adapter": "c0", "enclosure": "0", "slot": "1"}
        states = {l["state"]: v for l, v in self.samples("hbamgr_drive_state", **slot1)}
        self.assertEqual(set(states), DRIVE_STATES)
        self.assertEqual({s for s, v in states.items() if v == 1}, {"failed"})
        self.assertEqual(self.value("hbamgr_drive_health", **slot1), 3)  # FAILED
        self.assertEqual(self.value("hbamgr_drive_alerts_open", **slot1), 1)
        (info, _), = self.samples("hbamgr_drive_info", **slot1)
        self.assertEqual((info["serial"], info["model"], info["vendor"], info["media"]),
                         (drive["serial"], drive["model"], drive["vendor"], drive["media"]))

        v0 = {"adapter": "c0", "vd": "0"}
        states = {l["state"]: v for l, v in self.samples("hbamgr_vd_state", **v0)}
        self.assertEqual(set(states), VD_STATES)
        self.assertEqual({s for s, v in states.items() if v == 1}, {"degraded"})
        self.assertEqual(self.value("hbamgr_vd_health", **v0), 2)  # CRITICAL
        self.assertEqual(self.value("hbamgr_vd_alerts_open", **v0), 1)
        self.assertEqual(self.value("hbamgr_vd_info", **v0, name="sys", raid_level="raid1"), 1)
        members = sorted(l["slot"] for l, _ in self.samples("hbamgr_vd_member_info", **v0))
        self.assertEqual(members, ["0", "1"])
        self.assertEqual(self.value("hbamgr_vd_state", adapter="c0", vd="1", state="optimal"), 1)

        # The adapter rolls it up (a FAILED drive makes it CRITICAL); c1 is untouched.
        self.assertEqual(self.value("hbamgr_adapter_health", adapter="c0"), 2)
        self.assertGreaterEqual(self.value("hbamgr_adapter_alerts_open", adapter="c0",
                                           severity="failed"), 1)
        self.assertEqual(self.value("hbamgr_adapter_health", adapter="c1"), 0)
        self.assertEqual(self.value("hbamgr_drive_state", adapter="c1", enclosure="0", slot="1",
                                    state="online"), 1)
        self.assertEqual(self.value("hbamgr_vd_state", adapter="c1", vd="0", state="optimal"), 1)

    def test_hot_drive(self):
        self.wait_polled()
        slot2 = {"adapter": "c0", "enclosure": "0", "slot": "2"}
        self.cli_ok("/c0/e0/s2", "inject", "temperature", "value=65")
        self.wait_for_value("hbamgr_drive_temperature_celsius", 65, **slot2)
        # An HDD: the default thresholds are 50 and 60 degrees.
        self.assertEqual(self.value("hbamgr_drive_temperature_warning_celsius", **slot2), 50)
        self.assertEqual(self.value("hbamgr_drive_temperature_critical_celsius", **slot2), 60)
        self.assertEqual(self.value("hbamgr_drive_temperature_highest_celsius", **slot2), 65)
        self.assertEqual(self.value("hbamgr_drive_health", **slot2), 2)  # CRITICAL

    def test_deleted_vd_disappears(self):
        self.wait_polled()
        self.assertTrue(self.samples("hbamgr_vd_info", adapter="c0", vd="1"))
        self.cli_ok("/c0/v1", "del", "force")

        def gone():
            return not [l for n, l, _ in parse(self.hbamgrd.scrape())
                        if l.get("adapter") == "c0" and l.get("vd") == "1"]
        wait_until(gone, DEADLINE_S, "every series of /c0/v1 to go", interval=0.2)
        # Its members are unconfigured now; c1's v1 is still there.
        for slot in ("2", "3", "4"):
            self.assertEqual(self.value("hbamgr_drive_state", adapter="c0", enclosure="0",
                                        slot=slot, state="unconfigured_good"), 1)
        self.assertEqual(self.value("hbamgr_vd_info", adapter="c1", vd="1", name="data",
                                    raid_level="raid5"), 1)

    def test_prometheus_fires_the_alerts(self):
        """A real Prometheus scrapes the daemon every second with
        hbamgr.rules.yml loaded: a failed drive fires HbamgrDriveFailed with
        the drive's serial, its VD fires HbamgrVdDegraded."""
        self.wait_polled()
        serial = self.cli_ok("/c0/e0/s1", "show")["drive"]["serial"]
        prometheus = Prometheus(self.hbamgrd.metrics_port)
        self.addCleanup(prometheus.stop)
        prometheus.start()
        wait_until(lambda: prometheus.target_up(), DEADLINE_S, "Prometheus to scrape hbamgrd",
                   interval=0.2)
        self.assertEqual(prometheus.firing(), {})
        self.cli_ok("/c0/e0/s1", "inject", "fail")

        def fired():
            alerts = prometheus.firing()
            return alerts if {"HbamgrDriveFailed", "HbamgrVdDegraded"} <= set(alerts) else None
        alerts = wait_until(fired, DEADLINE_S, "the alerts to fire", interval=0.5)
        drive = alerts["HbamgrDriveFailed"]
        self.assertEqual(len(drive), 1, drive)
        self.assertEqual({k: drive[0][k] for k in ("adapter", "enclosure", "slot", "serial",
                                                   "severity", "job")},
                         {"adapter": "c0", "enclosure": "0", "slot": "1", "serial": serial,
                          "severity": "critical", "job": "hbamgr"})
        vd = alerts["HbamgrVdDegraded"]
        self.assertEqual([(a["adapter"], a["vd"], a["name"]) for a in vd], [("c0", "0", "sys")])
        # The only other alerts a failed member raises: none about c1.
        self.assertFalse([a for group in alerts.values() for a in group if a["adapter"] == "c1"])


class Prometheus:
    """A Prometheus server (Debian's /usr/bin/prometheus) in a temp dir that
    scrapes one hbamgrd as job "hbamgr" and evaluates hbamgr.rules.yml."""

    def __init__(self, metrics_port):
        self.dir = tempfile.mkdtemp(prefix="hbamgr-prometheus-")
        self.port = free_tcp_port()
        self.proc = None
        self.log_path = os.path.join(self.dir, "prometheus.log")
        with open(os.path.join(self.dir, "prometheus.yml"), "w") as f:
            f.write(f"""global:
  scrape_interval: 1s
  evaluation_interval: 1s
rule_files:
  - {os.path.abspath(RULES)}
scrape_configs:
  - job_name: hbamgr
    static_configs:
      - targets: ["127.0.0.1:{metrics_port}"]
""")

    def start(self):
        log = open(self.log_path, "w")
        self.proc = subprocess.Popen(
            ["prometheus", f"--config.file={self.dir}/prometheus.yml",
             f"--storage.tsdb.path={self.dir}/data", f"--web.listen-address=127.0.0.1:{self.port}",
             "--log.level=warn"],
            stdout=log, stderr=log, stdin=subprocess.DEVNULL)
        log.close()

    def api(self, path, **params):
        if self.proc.poll() is not None:
            with open(self.log_path) as f:
                raise AssertionError(f"prometheus exited with {self.proc.returncode}:\n{f.read()}")
        url = f"http://127.0.0.1:{self.port}/api/v1/{path}"
        if params:
            url += "?" + urllib.parse.urlencode(params)
        try:
            with urllib.request.urlopen(url, timeout=10) as resp:
                return json.load(resp)["data"]
        except OSError:
            return None  # not listening yet

    def target_up(self):
        result = self.api("query", query='up{job="hbamgr"}')
        return bool(result and result["result"] and result["result"][0]["value"][1] == "1")

    def firing(self):
        """{alertname: [labels of each firing alert]}."""
        data = self.api("alerts") or {"alerts": []}
        out = {}
        for alert in data["alerts"]:
            if alert["state"] == "firing":
                out.setdefault(alert["labels"]["alertname"], []).append(alert["labels"])
        return out

    def stop(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        shutil.rmtree(self.dir, ignore_errors=True)
