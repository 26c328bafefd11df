#!/usr/bin/env python3
"""Event ingestion of hbamgrd on a simulated adapter, against peers measured
in the same run (issue 8's bounds: sustained ingestion >= 50k events/s into
the store with one live subscriber attached; <= 5 ms median lag from the
firmware log to the subscriber at 1k events/s).  Prints figures; passes or
fails nothing.

The events are a paced storm (SRB_STORM with a rate, HBAMGR_FEAT_PACED_STORM):
the simulated firmware logs `rate` status events per second, each stamped
with the time it was logged.  Health polling is off, so the storm is all the
daemon does.  Three measurements, paired A B A B, medians quoted:

  sustained: a storm at --rate (50k/s) for --seconds with one Subscribe
    stream attached (a separate python3-grpcio process counting what it
    receives).  Figures: events stored per second from the storm's start
    until the store holds the firmware's newest seq, events lost (seqs the
    firmware log no longer held when the daemon read it), what the
    subscriber received, and the daemon's CPU per event (the simulated
    firmware runs inside it and is included).
  capacity: the same with a storm faster than the daemon can store
    (--saturate, 400k/s): the rate it stores at when the firmware log
    overflows (losses expected and recorded) -- the pipeline's ceiling.
    Peer: a bare sqlite3 writer inserting the same rows (read back from the
    daemon's database) into a database hbamgrd created (the same schema,
    indexes and pragmas: WAL, synchronous NORMAL) in transactions of 1024
    rows (the daemon's EVTLOG_GET batch) -- the store's ceiling.  Ratios of
    the rates (wall) and of CPU per row (steadier on a shared machine).
  lag: a storm at --lag-rate (1k/s) for --lag-seconds; a subscriber stamps
    each event on arrival: lag = arrival (CLOCK_REALTIME) - the firmware's
    timestamp.  Peer: a bare gRPC server (python3-grpcio, the same
    hbamgr.v1.Events/Subscribe messages on a unix socket) streaming at the
    same rate, stamping each event just before it hands it to gRPC, read by
    the same subscriber code: the transport's own lag.
  instructions: where the time goes, in instruction counts (callgrind;
    repeatable where wall time is not): hbamgrd under valgrind stores
    --ir-storms storms of 1000 events (each within the firmware log, so
    nothing is lost) with the subscriber attached; Ir per stored event in
    total, in the store (Store::AddEvents, SQLite's sqlite3_step within it)
    and in the subscriber's stream (its ServerWriteStream's OnWriteDone).  Peer:
    the bare sqlite3 writer above under callgrind with the same rows,
    counting only inside sqlite3_step: the SQL engine's own cost per row.

    event_ingest.py [--rounds N] [--rate R] [--seconds S] ...  (HBAMGRD)
"""

import argparse
import json
import os
import pickle
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests",
                                "integration", "support"))

STORM_MAX = 100000  # FW_STORM_MAX: most events one SRB_STORM may ask
STORM_CODE = 0x0003  # HBAMGR_EVT_CTRL_STATUS_NOTIFY
BATCH = 1024  # EventIngestor::kBackfillBatch: rows per store transaction
NO_HEALTH = "\n[health]\nenabled = false\n"
DEEP_QUEUE = "subscriber_queue_depth = 1048576"  # the subscriber may trail, never cut


# ---------------------------------------------------------------- subscriber
def subscriber_main(args):
    """Child process: one Subscribe stream of c0.  It ends when the stream
    ends, on a line "stop" on stdin, or once it has received the number of
    storm events a line "expect N" names; then prints a JSON summary of the
    storm events it received."""
    import grpc
    from hbamgr.v1 import events_pb2
    from hbamgr.v1 import events_pb2_grpc

    channel = grpc.insecure_channel("unix:" + args.target)
    call = events_pb2_grpc.EventsStub(channel).Subscribe(
        events_pb2.SubscribeRequest(adapter="c0"))
    lock = threading.Lock()
    state = {"received": 0, "expect": None}

    def control():
        for line in sys.stdin:
            words = line.split()
            with lock:
                if words[:1] == ["expect"]:
                    state["expect"] = int(words[1])
                if words[:1] == ["stop"] or (state["expect"] is not None
                                             and state["received"] >= state["expect"]):
                    call.cancel()
                    return
        call.cancel()

    threading.Thread(target=control, daemon=True).start()
    print("subscribed", flush=True)
    lags, first, last = [], None, None
    try:
        for resp in call:
            now = time.time_ns()
            ev = resp.event
            if ev.code != STORM_CODE:
                continue
            first = first or now
            last = now
            lags.append(now - ev.timestamp_ns)
            with lock:
                state["received"] += 1
                if state["expect"] is not None and state["received"] >= state["expect"]:
                    call.cancel()
                    break
    except grpc.RpcError as e:
        if e.code() != grpc.StatusCode.CANCELLED:
            raise
    lags.sort()

    def pick(q):
        return lags[min(len(lags) - 1, int(q * len(lags)))] / 1e6 if lags else float("nan")

    print(json.dumps({"received": len(lags),
                      "span_s": (last - first) / 1e9 if len(lags) > 1 else 0.0,
                      "lag_ms": {"p50": pick(0.5), "p90": pick(0.9), "p99": pick(0.99),
                                 "max": pick(1.0)}}), flush=True)
    return 0


class Subscriber:
    """The subscriber child process on a unix socket."""

    def __init__(self, target):
        self.proc = subprocess.Popen([sys.executable, os.path.abspath(__file__), "subscriber",
                                      target], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     text=True)
        if self.proc.stdout.readline().strip() != "subscribed":
            raise RuntimeError("subscriber did not start")

    def send(self, line):
        try:
            self.proc.stdin.write(line + "\n")
            self.proc.stdin.flush()
        except BrokenPipeError:
            pass  # it has ended already

    def result(self, expect=None, timeout=120):
        """Its summary: after it received `expect` storm events (or the
        stream ended), or what it had after `timeout` seconds."""
        if expect is not None:
            self.send(f"expect {expect}")
        try:
            self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.send("stop")
        out = self.proc.stdout.read()
        self.proc.wait(timeout=60)
        if self.proc.returncode != 0:
            raise RuntimeError(f"subscriber exited with {self.proc.returncode}")
        return json.loads(out.strip().splitlines()[-1])


# ---------------------------------------------------------------- bare gRPC peer
def bare_server_main(args):
    """Child process: hbamgr.v1.Events on a unix socket whose Subscribe
    streams `count` storm events at `rate`, each stamped as it is handed to
    gRPC, then ends the stream."""
    from concurrent import futures

    import grpc
    from hbamgr.v1 import events_pb2
    from hbamgr.v1 import events_pb2_grpc
    from hbamgr.v1 import types_pb2

    class Events(events_pb2_grpc.EventsServicer):
        def Subscribe(self, request, context):
            start = time.monotonic()
            for i in range(args.count):
                delay = start + (i + 1) / args.rate - time.monotonic()
                if delay > 0:
                    time.sleep(delay)
                yield events_pb2.SubscribeResponse(event=types_pb2.Event(
                    adapter="c0", seq=i + 1, timestamp_ns=time.time_ns(),
                    event_class=types_pb2.EVENT_CLASS_CONTROLLER, severity=types_pb2.SEVERITY_INFO,
                    code=STORM_CODE, code_name="CTRL_STATUS_NOTIFY", arg0=i,
                    description="unsolicited status"))

    server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
    events_pb2_grpc.add_EventsServicer_to_server(Events(), server)
    server.add_insecure_port("unix:" + args.target)
    server.start()
    print("serving", flush=True)
    sys.stdin.readline()
    server.stop(0)


def bare_lag(rate, seconds):
    workdir = tempfile.mkdtemp(prefix="hbamgr-bench-")
    target = os.path.join(workdir, "bare.sock")
    count = int(rate * seconds)
    server = subprocess.Popen([sys.executable, os.path.abspath(__file__), "bare-server", target,
                               "--rate", str(rate), "--count", str(count)],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        if server.stdout.readline().strip() != "serving":
            raise RuntimeError("bare gRPC server did not start")
        sub = Subscriber(target)
        result = sub.result(timeout=seconds + 120)  # the server ends the stream
        if result["received"] != count:
            raise RuntimeError(f"bare gRPC peer: {result['received']} of {count} received")
        return result
    finally:
        server.stdin.close()
        server.wait(timeout=30)
        shutil.rmtree(workdir, ignore_errors=True)


# ---------------------------------------------------------------- hbamgrd runs
class Run:
    """One daemon on a fresh database, one simulated adapter, one subscriber."""

    def __init__(self):
        self.workdir = tempfile.mkdtemp(prefix="hbamgr-bench-")
        self.daemon = Daemon(self.workdir, extra_daemon=DEEP_QUEUE, extra_config=NO_HEALTH,
                             log_level="info")
        self.subscriber = None

    def __enter__(self):
        self.daemon.start()
        self.subscriber = Subscriber(self.daemon.socket_path)
        wait_until(lambda: self.daemon.daemon_info().subscribers >= 1, 60, "the subscriber")
        return self

    def __exit__(self, *exc):
        if self.subscriber.proc.poll() is None:
            self.subscriber.send("stop")
            self.subscriber.proc.wait(timeout=60)
        code = self.daemon.stop()
        shutil.rmtree(self.workdir, ignore_errors=True)
        if code != 0 and exc[0] is None:
            raise RuntimeError(f"hbamgrd exited with {code}")

    def stored(self):
        """(newest stored seq, seqs recorded lost) of c0."""
        a = self.daemon.daemon_info().adapters[0]
        return a.last_stored_seq, a.events_lost

    def storm(self, rate, seconds):
        """A storm of `rate` events/s for `seconds` (re-armed before each
        paced storm runs out: a new one replaces the running one), then
        CLEAR.  Returns (monotonic start, firmware seq before, newest after)."""
        period = min(1.0, STORM_MAX / 2 / rate)
        before = self.daemon.firmware_log()["newest_seq"]
        started = time.monotonic()
        while True:
            self.daemon.inject("SRB_STORM", count=min(STORM_MAX, int(2 * rate * period)),
                               arg=int(rate))
            left = started + seconds - time.monotonic()
            if left <= 0:
                break
            time.sleep(min(period, left))
        self.daemon.inject("CLEAR")
        return started, before, self.daemon.firmware_log()["newest_seq"]

    def wait_stored(self, newest, timeout=300):
        """Monotonic time at which the store holds firmware seq `newest`
        (seq_base is 0 on a fresh database)."""
        deadline = time.monotonic() + timeout
        while True:
            seq, _ = self.stored()
            now = time.monotonic()
            if seq >= newest:
                return now
            if now > deadline:
                raise RuntimeError(f"the store reached seq {seq} of {newest} in {timeout} s")
            time.sleep(0.005)

    def storm_rows(self):
        """The storm's rows as the daemon stored them, every column."""
        db = sqlite3.connect(f"file:{self.daemon.database}?mode=ro", uri=True)
        try:
            return db.execute("SELECT * FROM events WHERE code = ? ORDER BY seq",
                              (STORM_CODE,)).fetchall()
        finally:
            db.close()

    def schema(self):
        """The daemon's own DDL, in creation order."""
        db = sqlite3.connect(f"file:{self.daemon.database}?mode=ro", uri=True)
        try:
            return [sql for (sql,) in db.execute(
                "SELECT sql FROM sqlite_master WHERE sql IS NOT NULL ORDER BY rowid")]
        finally:
            db.close()


def ingest(rate, seconds, keep_rows=False):
    """hbamgrd under a storm of `rate`/s for `seconds`, one subscriber."""
    with Run() as run:
        seq0, lost0 = run.stored()
        cpu0 = run.daemon.cpu_seconds()
        started, fw_before, fw_newest = run.storm(rate, seconds)
        done = run.wait_stored(fw_newest)
        cpu = run.daemon.cpu_seconds() - cpu0
        seq, lost = run.stored()
        stored = (seq - seq0) - (lost - lost0)  # seqs stored as themselves
        rows = run.storm_rows()
        sub = run.subscriber.result(expect=len(rows), timeout=120)
        return {"emitted": fw_newest - fw_before, "stored": stored, "lost": lost - lost0,
                "wall_s": done - started, "rate": stored / (done - started),
                "cpu_us": 1e6 * cpu / max(stored, 1), "storm_rows": len(rows),
                "subscriber": sub, "rows": rows if keep_rows else None,
                "schema": run.schema() if keep_rows else None}


def daemon_lag(rate, seconds):
    with Run() as run:
        _, _, fw_newest = run.storm(rate, seconds)
        run.wait_stored(fw_newest)
        rows = run.storm_rows()
        return run.subscriber.result(expect=len(rows), timeout=120)


# ---------------------------------------------------------------- sqlite3 peer
def sqlite_peer(rows, schema_sql):
    """Inserts `rows` into a new database with hbamgrd's schema (its own
    DDL), its pragmas, in transactions of BATCH rows: (rows/s, CPU us/row)."""
    workdir = tempfile.mkdtemp(prefix="hbamgr-bench-")
    try:
        db = sqlite3.connect(os.path.join(workdir, "peer.db"), isolation_level=None)
        db.execute("PRAGMA journal_mode = WAL")
        db.execute("PRAGMA synchronous = NORMAL")
        for sql in schema_sql:
            db.execute(sql)
        # The store's statement: every column of the row, (adapter, seq) unique.
        insert = (f"INSERT INTO events VALUES ({', '.join('?' * len(rows[0]))}) "
                  "ON CONFLICT (adapter, seq) DO NOTHING")
        cpu0, wall0 = time.process_time(), time.monotonic()
        for i in range(0, len(rows), BATCH):
            db.execute("BEGIN IMMEDIATE")
            db.executemany(insert, rows[i:i + BATCH])
            db.execute("COMMIT")
        wall, cpu = time.monotonic() - wall0, time.process_time() - cpu0
        n = db.execute("SELECT COUNT(*) FROM events").fetchone()[0]
        db.close()
        if n != len(rows):
            raise RuntimeError(f"sqlite3 peer stored {n} of {len(rows)} rows")
        return len(rows) / wall, 1e6 * cpu / len(rows)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


# ---------------------------------------------------------------- instructions
CALLGRIND = ["valgrind", "--tool=callgrind", "--separate-threads=no"]


# The subscriber stream's write completion (SubscribeStream's reactor), as
# callgrind names it.
SUBSCRIBE_WRITE = ("ServerWriteStream<hbamgr::v1::SubscribeResponse, hbamgr::store::EventRow>"
                   "::OnWriteDone")


def inclusive_ir(outfile, names):
    """(program total, {name: inclusive Ir of the costliest function whose
    name contains it}) from a callgrind output file."""
    text = subprocess.run(["callgrind_annotate", "--inclusive=yes", outfile], check=True,
                          capture_output=True, text=True).stdout
    total, found = 0, {name: 0 for name in names}
    for line in text.splitlines():
        parts = line.split(None, 2)
        if len(parts) < 3 or not parts[0][0].isdigit():
            continue
        ir = int(parts[0].replace(",", ""))
        if "PROGRAM TOTALS" in line:
            total = ir
        for name in names:
            if name in parts[2]:
                found[name] = max(found[name], ir)
    return total, found


def peer_main(args):
    """Child process (run under callgrind): sqlite_peer() on the rows and
    schema pickled in args.target."""
    with open(args.target, "rb") as f:
        rows, schema = pickle.load(f)
    sqlite_peer(rows, schema)
    return 0


def instructions(storms):
    import hbamgr_fixture
    workdir = tempfile.mkdtemp(prefix="hbamgr-bench-")
    try:
        wrapper = os.path.join(workdir, "hbamgrd-callgrind")
        with open(wrapper, "w") as f:
            f.write(f"#!/bin/sh\nexec {' '.join(CALLGRIND)} "
                    f"--callgrind-out-file={workdir}/daemon.%p {hbamgr_fixture.HBAMGRD} \"$@\"\n")
        os.chmod(wrapper, 0o755)
        saved = hbamgr_fixture.HBAMGRD, hbamgr_fixture.START_DEADLINE_S
        hbamgr_fixture.HBAMGRD, hbamgr_fixture.START_DEADLINE_S = wrapper, 600
        try:
            with Run() as run:
                pid = str(run.daemon.proc.pid)
                seq0, lost0 = run.stored()
                subprocess.run(["callgrind_control", "-z", pid], check=True,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                for _ in range(storms):
                    run.daemon.inject("SRB_STORM", count=1000)
                    run.wait_stored(run.daemon.firmware_log()["newest_seq"], timeout=600)
                seq, lost = run.stored()
                rows = run.storm_rows()
                got = run.subscriber.result(expect=len(rows), timeout=600)["received"]
                subprocess.run(["callgrind_control", "-d", pid], check=True,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                schema = run.schema()
        finally:
            hbamgr_fixture.HBAMGRD, hbamgr_fixture.START_DEADLINE_S = saved
        if lost != lost0 or got != len(rows) or len(rows) != 1000 * storms:
            raise RuntimeError(f"callgrind run: {len(rows)} stored, {lost - lost0} lost, "
                               f"{got} delivered of {1000 * storms}")
        stored = (seq - seq0) - (lost - lost0)
        total, fn = inclusive_ir(f"{workdir}/daemon.{pid}.1",
                                 ["Store::AddEvents", "sqlite3_step", SUBSCRIBE_WRITE])
        with open(f"{workdir}/rows.pickle", "wb") as f:
            pickle.dump((rows, schema), f)
        subprocess.run([*CALLGRIND, "--toggle-collect=sqlite3_step",
                        f"--callgrind-out-file={workdir}/peer.out", sys.executable,
                        os.path.abspath(__file__), "sqlite-peer", f"{workdir}/rows.pickle"],
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        peer_total, _ = inclusive_ir(f"{workdir}/peer.out", [])
        return total / stored, {k: v / stored for k, v in fn.items()}, peer_total / len(rows)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


# ---------------------------------------------------------------- main
def fmt_rate(r):
    return f"{r / 1000:.1f}k/s"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--rounds", type=int, default=2, help="A B pairs per measurement (2)")
    ap.add_argument("--rate", type=int, default=50000, help="sustained storm, events/s (50000)")
    ap.add_argument("--seconds", type=float, default=4, help="sustained storm length (4)")
    ap.add_argument("--saturate", type=int, default=400000,
                    help="capacity storm, events/s (400000)")
    ap.add_argument("--saturate-seconds", type=float, default=3, help="its length (3)")
    ap.add_argument("--lag-rate", type=int, default=1000, help="lag storm, events/s (1000)")
    ap.add_argument("--lag-seconds", type=float, default=5, help="its length (5)")
    ap.add_argument("--ir-storms", type=int, default=5,
                    help="storms of 1000 events under callgrind (5)")
    ap.add_argument("--only", choices=["sustained", "capacity", "lag", "instructions"],
                    action="append",
                    help="run only these measurements (repeatable)")
    args = ap.parse_args()
    only = set(args.only or ["sustained", "capacity", "lag", "instructions"])

    print(f"event ingestion: hbamgrd {os.environ.get('HBAMGRD')}, 1 simulated adapter, "
          f"health polling off, one subscriber (python3-grpcio) per daemon; "
          f"{os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f}")
    results = []

    if "sustained" in only:
        print(f"sustained: storm at {fmt_rate(args.rate)} for {args.seconds:g} s, "
              f"{args.rounds} rounds")
        rates, ok, losses = [], [], []
        for r in range(1, args.rounds + 1):
            m = ingest(args.rate, args.seconds)
            sub = m["subscriber"]
            rates.append(m["rate"])
            losses.append(m["lost"] / max(m["emitted"], 1))
            ok.append(m["lost"] == 0 and sub["received"] == m["storm_rows"])
            print(f"  round {r}: {m['emitted']} emitted, {m['stored']} stored in "
                  f"{m['wall_s']:.2f} s = {fmt_rate(m['rate'])}, {m['lost']} lost, "
                  f"{m['cpu_us']:.1f} us daemon CPU per event; subscriber received "
                  f"{sub['received']} of {m['storm_rows']} (lag p50 {sub['lag_ms']['p50']:.1f} "
                  f"ms, max {sub['lag_ms']['max']:.0f} ms)")
        results.append(f"RESULT sustained ingestion with one subscriber at an offered "
                       f"{fmt_rate(args.rate)}: {fmt_rate(statistics.median(rates))} stored "
                       f"(median of {', '.join(map(fmt_rate, rates))}), "
                       f"{100 * statistics.median(losses):.1f}% of the storm lost (median of "
                       f"{', '.join(f'{100 * x:.1f}%' for x in losses)}); rounds with no loss "
                       f"and every stored event delivered to the subscriber: {sum(ok)} of "
                       f"{len(ok)}; bound >= 50.0k/s")

    if "capacity" in only:
        print(f"capacity: storm at {fmt_rate(args.saturate)} for {args.saturate_seconds:g} s "
              f"(the firmware log overflows), then the same rows into bare sqlite3; "
              f"{args.rounds} rounds A B")
        ratios, rates, peers, cpu_ratios = [], [], [], []
        for r in range(1, args.rounds + 1):
            m = ingest(args.saturate, args.saturate_seconds, keep_rows=True)
            peer_rate, peer_cpu = sqlite_peer(m["rows"], m["schema"])
            rates.append(m["rate"])
            peers.append(peer_rate)
            ratios.append(m["rate"] / peer_rate)
            cpu_ratios.append(m["cpu_us"] / peer_cpu)
            print(f"  round {r}: hbamgrd {m['stored']} stored in {m['wall_s']:.2f} s = "
                  f"{fmt_rate(m['rate'])} ({m['lost']} lost, {m['cpu_us']:.1f} us CPU per event, "
                  f"subscriber {m['subscriber']['received']}); bare sqlite3 "
                  f"{len(m['rows'])} rows = {fmt_rate(peer_rate)} ({peer_cpu:.1f} us CPU per row)"
                  f" -> rate ratio {ratios[-1]:.2f}, CPU ratio {cpu_ratios[-1]:.2f}")
        results.append(f"RESULT ingestion capacity: hbamgrd {fmt_rate(statistics.median(rates))}, "
                       f"bare sqlite3 writer (same schema, WAL, {BATCH}-row transactions) "
                       f"{fmt_rate(statistics.median(peers))}: rate ratio "
                       f"{statistics.median(ratios):.2f} (median of "
                       f"{', '.join(f'{x:.2f}' for x in ratios)}); CPU per event / CPU per row "
                       f"{statistics.median(cpu_ratios):.2f} (median of "
                       f"{', '.join(f'{x:.2f}' for x in cpu_ratios)}; hbamgrd's includes the "
                       f"simulated firmware and the subscriber's stream)")

    if "lag" in only:
        print(f"lag: storm at {fmt_rate(args.lag_rate)} for {args.lag_seconds:g} s, "
              f"{args.rounds} rounds hbamgrd / bare gRPC server")
        ours, bare = [], []
        for r in range(1, args.rounds + 1):
            a = daemon_lag(args.lag_rate, args.lag_seconds)
            b = bare_lag(args.lag_rate, args.lag_seconds)
            ours.append(a["lag_ms"]["p50"])
            bare.append(b["lag_ms"]["p50"])
            print(f"  round {r}: hbamgrd p50 {a['lag_ms']['p50']:.2f} ms p90 "
                  f"{a['lag_ms']['p90']:.2f} p99 {a['lag_ms']['p99']:.2f} max "
                  f"{a['lag_ms']['max']:.1f} ({a['received']} events); bare gRPC p50 "
                  f"{b['lag_ms']['p50']:.2f} ms p90 {b['lag_ms']['p90']:.2f} p99 "
                  f"{b['lag_ms']['p99']:.2f} max {b['lag_ms']['max']:.1f}")
        m_ours, m_bare = statistics.median(ours), statistics.median(bare)
        results.append(f"RESULT median lag firmware log -> subscriber at "
                       f"{fmt_rate(args.lag_rate)}: hbamgrd {m_ours:.2f} ms (rounds "
                       f"{', '.join(f'{x:.2f}' for x in ours)}), bare gRPC server "
                       f"{m_bare:.2f} ms: {m_ours / m_bare:.1f}x, {m_ours - m_bare:.2f} ms more; "
                       f"bound <= 5 ms")
    if "instructions" in only:
        print(f"instructions: {args.ir_storms} storms of 1000 events under callgrind")
        total, per, peer = instructions(args.ir_storms)
        store, sql, stream = (per["Store::AddEvents"], per["sqlite3_step"],
                              per[SUBSCRIBE_WRITE])
        print(f"  hbamgrd {total / 1000:.1f}k Ir per stored event: store {store / 1000:.1f}k "
              f"(SQLite {sql / 1000:.1f}k), subscriber stream {stream / 1000:.1f}k, the rest "
              f"{(total - store - stream) / 1000:.1f}k (simulated firmware and driver, "
              f"ingestion, gRPC threads); bare sqlite3 {peer / 1000:.1f}k Ir per row in "
              f"sqlite3_step")
        results.append(f"RESULT instructions per stored event: hbamgrd {total / 1000:.1f}k Ir, "
                       f"of which the store {store / 1000:.1f}k ({100 * store / total:.0f}%) and "
                       f"the subscriber stream {stream / 1000:.1f}k ({100 * stream / total:.0f}%); "
                       f"bare sqlite3 insert of the same row {peer / 1000:.1f}k Ir: "
                       f"{total / peer:.1f}x in total, {store / peer:.2f}x in the store")
    print()
    for line in results:
        print(line)
    return 0


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] in ("subscriber", "bare-server", "sqlite-peer"):
        ap = argparse.ArgumentParser()
        ap.add_argument("mode")
        ap.add_argument("target")
        ap.add_argument("--rate", type=float, default=1000)
        ap.add_argument("--count", type=int, default=0)
        a = ap.parse_args()
        sys.exit({"subscriber": subscriber_main, "bare-server": bare_server_main,
                  "sqlite-peer": peer_main}[a.mode](a))
    from hbamgr_fixture import Daemon, wait_until  # noqa: E402
    sys.exit(main())
