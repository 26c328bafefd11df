"""Reads docs/metrics.md: the metric tables and the PromQL examples."""

import re

# Metrics listed under this heading are Prometheus' own, not hbamgrd's.
PROMETHEUS_SECTION = "Added by Prometheus"


class Documented:
    def __init__(self, name, type_, labels, section):
        self.name, self.type, self.labels, self.section = name, type_, labels, section

    @property
    def exported(self):
        return self.section != PROMETHEUS_SECTION


def metrics(path):
    """{name: Documented} from every table row whose first cell is a `metric`."""
    out, section = {}, None
    with open(path, encoding="utf-8") as f:
        for number, line in enumerate(f, 1):
            if line.startswith("### "):
                section = line[4:].strip()
                continue
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            if not line.startswith("|") or len(cells) != 5 or not cells[0].startswith("`"):
                continue
            name = cells[0].strip("`")
            if name in out:
                raise ValueError(f"{path}:{number}: {name} documented twice")
            labels = {label.strip().strip("`") for label in cells[2].split(",") if label.strip()}
            out[name] = Documented(name, cells[1], labels, section)
    return out


def promql_examples(path):
    """The expressions of the ```promql blocks: one per run of lines between
    blank lines, comment lines left out."""
    with open(path, encoding="utf-8") as f:
        text = f.read()
    out = []
    for block in re.findall(r"^\s*```promql\n(.*?)^\s*```", text, re.S | re.M):
        for chunk in re.split(r"\n\s*\n", block):
            lines = [l for l in chunk.splitlines() if l.strip() and not l.strip().startswith("#")]
            if lines:
                out.append(" ".join(l.strip() for l in lines))
    return out
