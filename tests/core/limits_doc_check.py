#!/usr/bin/env python3
"""Checks that every document quoting a shared limit quotes the header's value.

Usage: limits_doc_check.py HEADER FILE...

The limits the layers share are #defines of kmod/include/uapi/linux/hbamgr.h
(HBAMGR_CDB_MAX, HBAMGR_SENSE_MAX, ...).  Documents (the .proto comments,
docs/*.md, the man page) quote a limit by name with its value in
parentheses, so that this check can compare them:

    HBAMGR_SENSE_MAX (96)                 one limit
    HBAMGR_CDB_MIN..HBAMGR_CDB_MAX (6..32)  a range
    | `HBAMGR_CDB_MAX` | 32 |              a table row

(backquotes around the names are allowed).  A value that differs from the
header, or a name the header does not define, is a finding; every finding is
printed and the exit status is 1 when there is any.  Each file must quote at
least one limit, so a file that stops quoting them is noticed too.
"""
import re
import sys

NAME = r"`?(HBAMGR_[A-Z0-9_]+)`?"
RANGE_RE = re.compile(NAME + r"\.\." + NAME + r"\s*\((\d+)\.\.(\d+)\)")
ONE_RE = re.compile(NAME + r"\s*\((\d+)\)")
ROW_RE = re.compile(r"^\|\s*" + NAME + r"\s*\|\s*(\d+)\s*\|", re.M)


def header_values(path):
    with open(path) as f:
        text = f.read()
    values = {}
    for name, value in re.findall(r"^#define (HBAMGR_\w+)\s+(0x[0-9a-fA-F]+|\d+)\b", text, re.M):
        values[name] = int(value, 0)
    return values


def quotes(text):
    """(name, value, line) for every quoted limit."""
    out = []
    for m in RANGE_RE.finditer(text):
        line = text.count("\n", 0, m.start()) + 1
        out += [(m.group(1), int(m.group(3)), line), (m.group(2), int(m.group(4)), line)]
    rest = RANGE_RE.sub("", text)  # a range's names are not single quotes
    for regex in (ONE_RE, ROW_RE):
        for m in regex.finditer(rest):
            out.append((m.group(1), int(m.group(2)), rest.count("\n", 0, m.start()) + 1))
    return out


def main(argv):
    if len(argv) < 3:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    values = header_values(argv[1])
    problems, checked = [], 0
    for path in argv[2:]:
        with open(path) as f:
            found = quotes(f.read())
        if not found:
            problems.append(f"{path}: quotes no limit by name (HBAMGR_X (N))")
        for name, value, line in found:
            checked += 1
            if name not in values:
                problems.append(f"{path}:{line}: {name} is not defined in {argv[1]}")
            elif values[name] != value:
                problems.append(f"{path}:{line}: {name} is {values[name]}, the text says {value}")
    for p in problems:
        print(p)
    print(f"limits_doc_check: {checked} quoted limits in {len(argv) - 2} files; "
          f"{len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
