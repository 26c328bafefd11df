"""promtool, Prometheus' own PromQL parser, on a list of expressions."""

import os
import subprocess
import tempfile

import yaml


def check_rules(expressions):
    """promtool check rules on one recording rule per expression.

    Returns (exit status, output): 0 when promtool accepts every expression.
    """
    rules = {"groups": [{"name": "check", "rules": [
        {"record": f"hbamgr:check_{i}", "expr": expr} for i, expr in enumerate(expressions)]}]}
    with tempfile.NamedTemporaryFile("w", suffix=".yml", delete=False) as f:
        yaml.safe_dump(rules, f)
    try:
        proc = subprocess.run(["promtool", "check", "rules", f.name], capture_output=True,
                              text=True, timeout=60)
    finally:
        os.unlink(f.name)
    return proc.returncode, proc.stdout + proc.stderr
