#!/usr/bin/env python3
"""docs/metrics.md documents exactly what hbamgrd exports, and what it exports
passes Prometheus' own checks.

What hbamgrd exports is read from two expositions, each parsed with
python3-prometheus-client's text parser and linted by `promtool check metrics`:
  - exporter_sample_metrics: the exporter's rendering of a snapshot with one of
    every object, state and running operation (families that appear only in
    some conditions: rebuild progress, SMART, ...);
  - a real hbamgrd on the sim backend, scraped over HTTP once the health
    service has polled every adapter (the daemon's own families too).
Every exported metric must be documented with the same type and label names;
every documented metric (but Prometheus' own `up`) must be exported.

    check_docs.py --docs docs/metrics.md --sample BIN   (HBAMGRD: the daemon)
"""

import argparse
import shutil
import subprocess
import sys
import tempfile

from prometheus_client.parser import text_string_to_metric_families

import metrics_doc
from hbamgr_fixture import Daemon, wait_until

POLL_DEADLINE_S = 120


def lint(text, where):
    proc = subprocess.run(["promtool", "check", "metrics"], input=text, capture_output=True,
                          text=True, timeout=60)
    if proc.returncode != 0 or proc.stdout.strip() or proc.stderr.strip():
        return [f"{where}: promtool check metrics:\n{proc.stdout}{proc.stderr}"]
    return []


def families(text):
    """{metric name: (type, label names)} from an exposition."""
    out = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            entry = out.setdefault(sample.name, (family.type, set()))
            entry[1].update(sample.labels)
    return out


def scrape_daemon():
    workdir = tempfile.mkdtemp(prefix="hbamgr-metrics-doc-")
    daemon = Daemon(workdir, adapters=2)
    try:
        daemon.start()

        def polled():
            text = daemon.scrape()
            polls = [l for l in text.splitlines()
                     if l.startswith("hbamgr_health_last_poll_timestamp_seconds{")]
            return text if len(polls) == 2 else None

        return wait_until(polled, POLL_DEADLINE_S, "the health service to poll both adapters")
    finally:
        code = daemon.stop()
        shutil.rmtree(workdir, ignore_errors=True)
        if code != 0:
            raise AssertionError(f"hbamgrd exited with {code}")


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--docs", required=True)
    ap.add_argument("--sample", required=True, help="exporter_sample_metrics")
    args = ap.parse_args()

    documented = metrics_doc.metrics(args.docs)
    sample = subprocess.run([args.sample], capture_output=True, text=True, check=True,
                            timeout=60).stdout
    scraped = scrape_daemon()

    failures = lint(sample, "exporter_sample_metrics") + lint(scraped, "hbamgrd /metrics")
    exported = {}
    for where, text in (("exporter_sample_metrics", sample), ("hbamgrd /metrics", scraped)):
        for name, (type_, labels) in families(text).items():
            if name in exported and exported[name][:2] != (type_, labels):
                # A family with fewer labels in one source is a bug in the exporter.
                failures.append(f"{name}: {where} has type {type_} labels {sorted(labels)}, "
                                f"{exported[name][2]} {exported[name][0]} "
                                f"{sorted(exported[name][1])}")
            exported.setdefault(name, (type_, labels, where))

    for name, (type_, labels, where) in sorted(exported.items()):
        doc = documented.get(name)
        if doc is None or not doc.exported:
            failures.append(f"{name} ({where}) is not documented in {args.docs}")
            continue
        if doc.type != type_:
            failures.append(f"{name}: documented as {doc.type}, exported as {type_}")
        if doc.labels != labels:
            failures.append(f"{name}: documented labels {sorted(doc.labels)}, "
                            f"exported {sorted(labels)}")
    for name, doc in sorted(documented.items()):
        if doc.exported and name not in exported:
            failures.append(f"{name} is documented in {args.docs} but not exported")

    for f in failures:
        print(f"FAIL: {f}", file=sys.stderr)
    checked = len(exported) + sum(1 for d in documented.values() if d.exported)
    print(f"{len(exported)} exported metrics, {len(documented)} documented")
    print(f"{checked - len(failures)} passed, {len(failures)} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
