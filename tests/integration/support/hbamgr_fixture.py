"""Integration test fixture: a real hbamgrd on simulated adapters in a temp dir.

The daemon is started in the foreground with its own config, unix socket and
SQLite database under a temporary directory.  Readiness is polled with a
deadline (socket accepts, grpc.health SERVING), never slept for.  stop() sends
SIGTERM and checks the exit status is 0.

Environment (set by tests/integration/CMakeLists.txt):
  HBAMGRD  path of the hbamgrd binary
  HBACLI   path of the hbacli binary
  PYTHONPATH  the generated hbamgr.v1 / grpc.health.v1 stubs and examples/python
"""

import json
import os
import re
import shutil
import signal
import socket
import struct
import subprocess
import tempfile
import time
import unittest
import urllib.request

import grpc

import health_pb2
import health_pb2_grpc
from hbamgr.v1 import daemon_pb2
from hbamgr.v1 import daemon_pb2_grpc
from hbamgr.v1 import events_pb2
from hbamgr.v1 import events_pb2_grpc
from hbamgr.v1 import health_pb2 as hw_health_pb2
from hbamgr.v1 import health_pb2_grpc as hw_health_pb2_grpc
from hbamgr.v1 import inventory_pb2_grpc
from hbamgr.v1 import maintenance_pb2
from hbamgr.v1 import maintenance_pb2_grpc
from hbamgr.v1 import passthrough_pb2
from hbamgr.v1 import passthrough_pb2_grpc
from hbamgr.v1 import types_pb2

HBAMGRD = os.environ.get("HBAMGRD", "hbamgrd")
HBACLI = os.environ.get("HBACLI", "hbacli")
NOBODY = 65534
# What Prometheus 2.42 sends when it scrapes a target.
PROMETHEUS_ACCEPT = ("application/openmetrics-text;version=1.0.0,application/openmetrics-text;"
                     "version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1")
START_DEADLINE_S = 60
STOP_DEADLINE_S = 30
# hbamgrd finishes a SIGTERM within this (kShutdownDeadline in daemon.cc).
SHUTDOWN_GRACE_S = 10

MGMT_EVTLOG_INFO = 0x0600
MGMT_EVTLOG_GET = 0x0601
MGMT_EVTLOG_BATCH = 256  # records asked for per EVTLOG_GET
EVENTS_LOST = types_pb2.EVENT_CODE_HOST_EVENTS_LOST


class FirmwareEvent:
    """One struct hbamgr_event of the firmware log (104 bytes)."""
    FORMAT = "<QQHBBIHHHHII64s"
    SIZE = struct.calcsize(FORMAT)

    def __init__(self, fields):
        (self.seq, self.timestamp_ns, self.type, self.event_class, self.severity, self.code,
         self.encl_id, self.slot, self.pd_id, self.vd_id, self.arg0, self.arg1,
         description) = fields
        self.description = description.split(b"\0", 1)[0].decode(errors="replace")

    @classmethod
    def parse(cls, data):
        return cls(struct.unpack(cls.FORMAT, data))

    def key(self):
        """What the store must hold for this record."""
        return (self.seq, self.timestamp_ns, self.code, self.arg0, self.arg1, self.description)


def wait_until(predicate, timeout, what, interval=0.05):
    """Polls predicate() until it returns a true value; fails after timeout."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(interval)


def free_tcp_port():
    """A port the kernel just handed out on 127.0.0.1 (the daemon does not log
    the port it bound for tcp = host:0, so the test picks one)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Daemon:
    """One hbamgrd process.  Usable across restarts on the same directory."""

    def __init__(self, workdir, adapters=1, enclosures=1, slots=8, drives=8, default_vds=1,
                 tcp=None, tls=None, extra_daemon="", extra_config="", log_level="debug",
                 name="hbamgrd", database=None, socket_path=None, drive_size_mb=64,
                 extra_sim="", state_dir=None):
        """`name` names its config and log files (two daemons may share a
        directory); `database` and `socket_path` default to files in it;
        `state_dir` ([sim] state_dir) to "sim" beside the database."""
        self.workdir = workdir
        self.socket_path = socket_path or os.path.join(workdir, "hbamgrd.sock")
        self.database = database or os.path.join(workdir, "hbamgrd.db")
        # The simulated adapters' NVRAM and drives: [sim] state_dir's default,
        # "sim" beside the database, one directory cN per adapter.
        self.state_dir = state_dir or os.path.join(os.path.dirname(self.database), "sim")
        if state_dir:
            extra_sim = f"state_dir = {state_dir}\n{extra_sim}"
        self.config_path = os.path.join(workdir, f"{name}.conf")
        self.log_path = os.path.join(workdir, f"{name}.log")
        self.tcp = tcp
        self.proc = None
        self.exit_code = None  # of a start that failed
        self.channel = None
        self.metrics_port = None
        config = f"""[daemon]
backend = sim
log_level = {log_level}
watchdog = false
{extra_daemon}
[sim]
adapters = {adapters}
enclosures = {enclosures}
slots_per_enclosure = {slots}
drives = {drives}
drive_size_mb = {drive_size_mb}
sector_size = 512
default_vds = {default_vds}
fault_injection = true
{extra_sim}

[listen]
unix_socket = {self.socket_path}
socket_mode = 0666
admin_group =
"""
        if tcp:
            config += f"tcp = {tcp}\n\n[tls]\ncert = {tls['cert']}\nkey = {tls['key']}\n" \
                      f"client_ca = {tls['client_ca']}\n"
        config += f"""
[store]
database = {self.database}

[metrics]
listen = 127.0.0.1:0
"""
        # Whole sections of its own ("[health]\npoll_interval = 2s\n").
        config += extra_config
        with open(self.config_path, "w") as f:
            f.write(config)

    def start(self):
        log = open(self.log_path, "a")
        self.proc = subprocess.Popen([HBAMGRD, "--foreground", "--config", self.config_path],
                                     stdout=log, stderr=log, stdin=subprocess.DEVNULL)
        log.close()

        def serving():
            if self.proc.poll() is not None:
                self.exit_code = self.proc.returncode
                self.proc = None
                raise AssertionError(
                    f"hbamgrd exited with {self.exit_code} while starting:\n{self.log()}")
            if not os.path.exists(self.socket_path):
                return False
            # A channel per attempt: after kill() the old socket file is
            # still there, and a channel whose first connection raced the
            # new daemon's start can wait seconds for HTTP/2 SETTINGS.
            probe = grpc.insecure_channel("unix:" + self.socket_path,
                                          options=[("grpc.use_local_subchannel_pool", 1)])
            try:
                resp = health_pb2_grpc.HealthStub(probe).Check(
                    health_pb2.HealthCheckRequest(service=""), timeout=1)
            except grpc.RpcError:
                return False
            finally:
                probe.close()
            return resp.status == health_pb2.HealthCheckResponse.SERVING

        wait_until(serving, START_DEADLINE_S, "hbamgrd to serve")
        self.channel = grpc.insecure_channel("unix:" + self.socket_path)
        match = None
        for line in self.log().splitlines():
            match = re.search(r"METRICS_PORT=(\d+)", line) or match
        self.metrics_port = int(match.group(1)) if match else None
        return self

    def run_to_exit(self, timeout=START_DEADLINE_S):
        """Runs hbamgrd expecting it to exit by itself (a start-up that must
        fail): returns (exit status, its log)."""
        with open(self.log_path, "a") as log:
            proc = subprocess.run([HBAMGRD, "--foreground", "--config", self.config_path],
                                  stdout=log, stderr=log, stdin=subprocess.DEVNULL,
                                  timeout=timeout)
        return proc.returncode, self.log()

    def stop(self, timeout=STOP_DEADLINE_S):
        """SIGTERM; returns the exit status (the caller checks it) after at most
        `timeout` seconds, else kills the daemon and fails."""
        if self.channel is not None:
            self.channel.close()
            self.channel = None
        if self.proc is None:
            return 0
        self.proc.send_signal(signal.SIGTERM)
        try:
            code = self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            self.proc = None
            raise AssertionError(f"hbamgrd ignored SIGTERM for {timeout}s:\n{self.log()}")
        self.proc = None
        return code

    def timed_stop(self):
        """SIGTERM: (exit status, seconds it took)."""
        started = time.monotonic()
        code = self.stop(timeout=SHUTDOWN_GRACE_S + 20)
        return code, time.monotonic() - started

    def cpu_seconds(self):
        """User + system CPU time the daemon has used so far."""
        with open(f"/proc/{self.proc.pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def kill(self):
        """SIGKILL: the daemon gets no chance to save or flush anything."""
        if self.channel is not None:
            self.channel.close()
            self.channel = None
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait()
            self.proc = None

    def log(self):
        try:
            with open(self.log_path, errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    # gRPC stubs on the unix socket.
    def inventory(self):
        return inventory_pb2_grpc.InventoryStub(self.channel)

    def events(self):
        return events_pb2_grpc.EventsStub(self.channel)

    def maintenance(self):
        return maintenance_pb2_grpc.MaintenanceStub(self.channel)

    def passthrough(self):
        return passthrough_pb2_grpc.PassthroughStub(self.channel)

    def daemon(self):
        return daemon_pb2_grpc.DaemonStub(self.channel)

    def health(self):
        """hbamgr.v1.Health (the hardware's health, not grpc.health.v1)."""
        return hw_health_pb2_grpc.HealthStub(self.channel)

    def get_health(self, adapter="c0", obj=""):
        return self.health().GetHealth(
            hw_health_pb2.GetHealthRequest(adapter=adapter, object=obj), timeout=30)

    def wait_polls(self, n=2, adapter="c0", timeout=60):
        """Waits until the health monitor has completed `n` more polls of
        `adapter` (its polled time moved n times): whatever was true before
        the call has been seen and acted on."""
        def polled():
            try:
                return self.get_health(adapter).adapters[0].polled_ns
            except grpc.RpcError:
                return 0
        seen = [polled()]

        def moved():
            now = polled()
            if now != seen[-1]:
                seen.append(now)
            return len(seen) > n
        wait_until(moved, timeout, f"{n} health polls of {adapter}")

    def query_events(self, adapter="c0"):
        resp = self.events().QueryEvents(
            events_pb2.QueryEventsRequest(filter=events_pb2.EventFilter(adapter=adapter)),
            timeout=30)
        return list(resp.events)

    def all_events(self, adapter="c0"):
        """Every stored event of `adapter` in seq order (QueryEvents pages of
        at most 10000)."""
        events = []
        while True:
            flt = events_pb2.EventFilter(adapter=adapter)
            if events:
                flt.min_seq = events[-1].seq + 1
            page = self.events().QueryEvents(events_pb2.QueryEventsRequest(filter=flt),
                                             timeout=60).events
            events.extend(page)
            if len(page) < 10000:
                return events

    def inject(self, fault, adapter="c0", timeout=60, **fields):
        """Maintenance.InjectFault with maintenance_pb2.FAULT_TYPE_<fault>."""
        request = maintenance_pb2.InjectFaultRequest(
            adapter=adapter, fault=maintenance_pb2.FaultType.Value("FAULT_TYPE_" + fault), **fields)
        return self.maintenance().InjectFault(request, timeout=timeout)

    def firmware_log(self, adapter="c0"):
        """The firmware's own EVTLOG_INFO, read through raw passthrough:
        {oldest_seq, newest_seq, capacity, log_id}."""
        resp = self.firmware(MGMT_EVTLOG_INFO, data_in_length=32, adapter=adapter)
        if resp.status != types_pb2.COMMAND_STATUS_OK:
            raise AssertionError(f"EVTLOG_INFO: {resp}")
        oldest, newest, capacity, _, log_id = struct.unpack("<QQIIQ", resp.data[:32])
        return {"oldest_seq": oldest, "newest_seq": newest, "capacity": capacity,
                "log_id": log_id}

    def daemon_info(self):
        return self.daemon().GetDaemonInfo(daemon_pb2.GetDaemonInfoRequest(), timeout=30)

    def last_stored_seq(self, adapter="c0"):
        for summary in self.daemon_info().adapters:
            if summary.adapter == adapter:
                return summary.last_stored_seq
        raise AssertionError(f"no adapter {adapter} in the daemon info")

    def firmware(self, opcode, mbox=b"", data_in_length=0, adapter="c0"):
        """A firmware management frame through passthrough; the response."""
        return self.passthrough().Firmware(
            passthrough_pb2.FirmwareRequest(adapter=adapter, opcode=opcode, mbox=mbox,
                                            data_in_length=data_in_length), timeout=60)

    def firmware_records(self, adapter="c0"):
        """The firmware's own event log, read with EVTLOG_INFO/EVTLOG_GET:
        (log_id, [FirmwareEvent ...]) from the oldest record kept."""
        info = self.firmware_log(adapter)
        oldest, newest, log_id = info["oldest_seq"], info["newest_seq"], info["log_id"]
        records = []
        seq = oldest
        while oldest and seq <= newest:
            resp = self.firmware(MGMT_EVTLOG_GET,
                                 mbox=struct.pack("<QI20x", seq, MGMT_EVTLOG_BATCH),
                                 data_in_length=MGMT_EVTLOG_BATCH * FirmwareEvent.SIZE,
                                 adapter=adapter)
            batch = [FirmwareEvent.parse(resp.data[i:i + FirmwareEvent.SIZE])
                     for i in range(0, len(resp.data), FirmwareEvent.SIZE)]
            if not batch:
                raise AssertionError(f"EVTLOG_GET from {seq} returned nothing (newest {newest})")
            records.extend(batch)
            seq = batch[-1].seq + 1
        return log_id, records

    def metrics(self):
        """The /metrics text, or None when the port is unknown."""
        if self.metrics_port is None:
            return None
        with socket.create_connection(("127.0.0.1", self.metrics_port), timeout=10) as s:
            s.sendall(b"GET /metrics HTTP/1.0\r\nHost: localhost\r\n\r\n")
            chunks = []
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    break
                chunks.append(chunk)
        return b"".join(chunks).decode(errors="replace")

    def scrape(self):
        """GET /metrics the way Prometheus does (its Accept header); asserts 200
        and the text format 0.0.4; returns the exposition text."""
        request = urllib.request.Request(
            f"http://127.0.0.1:{self.metrics_port}/metrics",
            headers={"Accept": PROMETHEUS_ACCEPT, "User-Agent": "Prometheus/2.42.0"})
        with urllib.request.urlopen(request, timeout=10) as resp:
            if resp.status != 200:
                raise AssertionError(f"GET /metrics: HTTP {resp.status}")
            content_type = resp.headers.get("Content-Type", "")
            if not content_type.startswith("text/plain; version=0.0.4"):
                raise AssertionError(f"GET /metrics: Content-Type {content_type!r}")
            return resp.read().decode()

    def cli(self, *args, uid=None, json_output=True, socket_path=None, timeout=120):
        """Runs hbacli against this daemon: (exit status, parsed JSON or None, stdout,
        stderr)."""
        return run_cli(["--socket", socket_path or self.socket_path, *args], uid=uid,
                       json_output=json_output, timeout=timeout)


def lost_count(event):
    """How many seqs an EVENT_CODE_HOST_EVENTS_LOST event stands for."""
    return event.arg0 | event.arg1 << 32


def account_events(events, through_seq):
    """Checks that `events` (seq order) hold every seq 1..N exactly once, for
    an N >= through_seq (events stored after the caller looked count too):
    each event its own seq, each HOST_EVENTS_LOST event the range it names.
    Returns (events stored, seqs lost, lost ranges); raises AssertionError
    naming the first seq out of place."""
    expected, stored, lost, ranges = 1, 0, 0, []
    for ev in events:
        if ev.seq != expected:
            raise AssertionError(f"seq {ev.seq} where {expected} was expected")
        if ev.code == EVENTS_LOST:
            n = lost_count(ev)
            if n == 0:
                raise AssertionError(f"loss record at seq {ev.seq} names no seq")
            ranges.append((ev.seq, ev.seq + n - 1))
            lost += n
            expected += n
        else:
            stored += 1
            expected += 1
    if expected <= through_seq:
        raise AssertionError(f"events end before seq {through_seq}: next would be {expected}")
    return stored, lost, ranges


def run_cli(args, uid=None, json_output=True, timeout=120):
    cmd = [HBACLI, *args]
    if json_output:
        cmd.append("--json")
    if uid is not None:
        cmd = ["setpriv", f"--reuid={uid}", f"--regid={uid}", "--clear-groups", *cmd]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    parsed = None
    if json_output and proc.stdout.strip():
        parsed = json.loads(proc.stdout)
    return proc.returncode, parsed, proc.stdout, proc.stderr


class DaemonTestCase(unittest.TestCase):
    """Starts one daemon per test in a fresh temp dir; DAEMON_ARGS tunes it."""

    DAEMON_ARGS = {}

    def setUp(self):
        self.workdir = tempfile.mkdtemp(prefix="hbamgr-it-")
        # setpriv'd hbacli (uid 65534) must reach the socket inside.
        os.chmod(self.workdir, 0o755)
        self.hbamgrd = Daemon(self.workdir, **self.DAEMON_ARGS)
        self.addCleanup(self._cleanup)
        self.hbamgrd.start()

    def _cleanup(self):
        if self.hbamgrd.proc is not None:
            code = self.hbamgrd.stop()
            if code != 0:
                log = self.hbamgrd.log()
                shutil.rmtree(self.workdir, ignore_errors=True)
                self.fail(f"hbamgrd exited with {code} on SIGTERM:\n{log}")
        shutil.rmtree(self.workdir, ignore_errors=True)

    def assert_store_matches_firmware_log(self, adapter="c0"):
        """Every record the firmware log holds is stored exactly once, as the
        firmware has it, every seq before it is stored or inside a loss
        record, none is recorded lost, and nothing is stored beyond the
        firmware's newest: 0 events lost or duplicated.  Returns the firmware
        records."""
        _, records = self.hbamgrd.firmware_records(adapter)
        self.assertTrue(records, "the firmware log is empty")
        newest = records[-1].seq
        wait_until(lambda: self.hbamgrd.last_stored_seq(adapter) >= newest, 30,
                   f"the daemon to store up to seq {newest}")
        resp = self.hbamgrd.events().QueryEvents(
            events_pb2.QueryEventsRequest(filter=events_pb2.EventFilter(
                adapter=adapter, min_seq=records[0].seq, max_seq=newest)), timeout=30)
        stored = list(resp.events)
        seqs = [e.seq for e in stored]
        self.assertEqual(len(seqs), len(set(seqs)), "an event is stored twice")
        self.assertEqual(seqs, [r.seq for r in records],
                         "the store and the firmware log hold different seqs")
        for event, record in zip(stored, records):
            self.assertEqual((event.seq, event.timestamp_ns, event.code, event.arg0, event.arg1,
                              event.description), record.key(),
                             f"stored event {event.seq} differs from the firmware's")
        everything = self.hbamgrd.all_events(adapter)
        newest_now = self.hbamgrd.firmware_log(adapter)["newest_seq"]
        self.assertLessEqual(everything[-1].seq, newest_now,
                             "the store holds a seq the firmware never logged")
        _, lost, ranges = account_events([e for e in everything if e.seq <= newest], newest)
        self.assertEqual(lost, 0, f"seqs recorded lost: {ranges}")
        return records

    def cli_ok(self, *args, **kwargs):
        """hbacli with --json; asserts exit 0 and a success envelope; returns data."""
        code, doc, out, err = self.hbamgrd.cli(*args, **kwargs)
        self.assertEqual(code, 0, f"hbacli {' '.join(args)} exited {code}:\n{out}\n{err}")
        self.assertEqual(doc["hbacli_schema"], 1)
        self.assertEqual(doc["status"], "success", out)
        self.assertIsNone(doc["error"])
        return doc["data"]
