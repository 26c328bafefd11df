#!/usr/bin/env python3
"""Every PromQL expression hbamgr ships (the alerting rules, the Grafana
dashboard, the examples in docs/metrics.md) is valid PromQL and names only
metrics hbamgrd exports.

Validity: promtool (Prometheus' own parser) checks every expression as a
recording rule.  Names: promql.py parses each expression and lists its vector
selectors; each name must be documented in docs/metrics.md (the metrics.docs
test proves the documented metrics are exactly the exported ones).

    check_expressions.py --docs docs/metrics.md --rules R.yml --dashboard D.json
"""

import argparse
import json
import re
import sys

import yaml

import metrics_doc
import promql
import promtool

# What Grafana puts in a query before Prometheus sees it.
GRAFANA_DURATIONS = re.compile(r"\$__rate_interval|\$__interval|\$__range|\$\{__rate_interval\}"
                               r"|\$\{__interval\}|\$\{__range\}")


def rule_expressions(path):
    with open(path, encoding="utf-8") as f:
        doc = yaml.safe_load(f)
    for group in doc["groups"]:
        for rule in group["rules"]:
            what = rule.get("alert") or rule.get("record")
            yield f"{path}: rule {what}", rule["expr"]


def dashboard_expressions(path):
    with open(path, encoding="utf-8") as f:
        doc = json.load(f)

    def panels(items):
        for p in items:
            yield p
            yield from panels(p.get("panels", []))

    for p in panels(doc["panels"]):
        for t in p.get("targets", []):
            yield f"{path}: panel {p['title']!r} {t['refId']}", GRAFANA_DURATIONS.sub("5m", t["expr"])
    for var in doc.get("templating", {}).get("list", []):
        if var.get("type") != "query":
            continue
        query = var["query"]["query"] if isinstance(var["query"], dict) else var["query"]
        # Grafana's variable functions wrap a PromQL selector or expression.
        m = re.fullmatch(r"\s*label_values\((.*),\s*[A-Za-z_][A-Za-z0-9_]*\s*\)\s*", query)
        m = m or re.fullmatch(r"\s*query_result\((.*)\)\s*", query)
        if m is None:
            raise SystemExit(f"{path}: variable {var['name']}: unsupported query {query!r}")
        yield f"{path}: variable {var['name']!r}", m.group(1)


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--docs", required=True)
    ap.add_argument("--rules", required=True, action="append")
    ap.add_argument("--dashboard", required=True, action="append")
    args = ap.parse_args()

    documented = metrics_doc.metrics(args.docs)
    expressions = []
    for path in args.rules:
        expressions += list(rule_expressions(path))
    for path in args.dashboard:
        expressions += list(dashboard_expressions(path))
    expressions += [(f"{args.docs}: example", e) for e in metrics_doc.promql_examples(args.docs)]

    failures = []
    used = set()
    for where, expr in expressions:
        try:
            names = promql.metric_names(expr)
        except promql.ParseError as e:
            failures.append(f"{where}: cannot parse {expr!r}: {e}")
            continue
        if not names:
            failures.append(f"{where}: names no metric: {expr!r}")
        for name in sorted(names - documented.keys()):
            failures.append(f"{where}: {name} is not a metric hbamgrd exports "
                            f"(not in {args.docs})")
        used |= names
    code, out = promtool.check_rules([expr for _, expr in expressions])
    if code != 0:
        failures.append(f"promtool check rules rejects an expression:\n{out}")

    print(f"{len(expressions)} expressions read {len(used)} distinct metrics:")
    for name in sorted(used):
        print(f"  {name}")
    for f in failures:
        print(f"FAIL: {f}", file=sys.stderr)
    if failures:
        return 1
    print(f"{len(expressions)} passed, 0 failed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
