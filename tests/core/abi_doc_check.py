#!/usr/bin/env python3
"""Checks that docs/abi.md describes kmod/include/uapi/linux/hbamgr.h.

Usage: abi_doc_check.py HEADER DOC [--cc CC]

From the header it takes every struct (and, through a C program built with
CC against the header, every struct's size and array lengths), every enum
member and every ioctl number, and fails when the document:
  * states a struct size other than sizeof (the "Struct sizes" table, the
    "`struct hbamgr_x` (N bytes)" and "`_IOWR(...)`, N bytes" mentions), or
    leaves a struct out of the sizes table;
  * does not name a field where it describes its struct, as `name` or, for
    an array, `name[N]` with the header's N;
  * gives no value for an enum member, or a different one ("| 8 | RESET |",
    "CTRL 1", "OK (0)");
  * gives an ioctl another number, or the ABI another version.
Every finding is printed; exit 1 when there is any.
"""
import argparse
import os
import re
import subprocess
import sys
import tempfile

FIELD_RE = re.compile(r"^\s*(?:__u8|__u16|__u32|__u64|__s32|__s64|char)\s+(\w+)(?:\[(\w+)\])?;")


def parse_header(text):
    structs, enums = {}, {}
    for m in re.finditer(r"^struct (hbamgr_\w+) \{(.*?)^\};", text, re.S | re.M):
        fields = []
        for line in m.group(2).splitlines():
            f = FIELD_RE.match(line)
            if f:
                fields.append((f.group(1), f.group(2) is not None))
        structs[m.group(1)] = fields
    for m in re.finditer(r"^enum (hbamgr_\w+) \{(.*?)^\};", text, re.S | re.M):
        enums[m.group(1)] = [(name, int(value, 0)) for name, value in
                             re.findall(r"^\s*(HBAMGR_\w+) = (0x[0-9a-fA-F]+|\d+),", m.group(2), re.M)]
    ioctls = re.findall(r"^#define (HBAMGR_IOC_\w+)\s+_IOWR\(HBAMGR_IOC_MAGIC, (0x[0-9a-fA-F]+), struct (\w+)\)",
                        text, re.M)
    magic = int(re.search(r"^#define HBAMGR_IOC_MAGIC\s+(0x[0-9a-fA-F]+)", text, re.M).group(1), 16)
    version = tuple(int(re.search(rf"^#define HBAMGR_ABI_{part}\s+(\d+)", text, re.M).group(1))
                    for part in ("MAJOR", "MINOR"))
    return structs, enums, ioctls, magic, version


def measure(header, structs, cc):
    """sizeof every struct and the element count of every array field."""
    lines = ["#include <stdio.h>", f'#include "{os.path.abspath(header)}"', "int main(void) {"]
    for s, fields in structs.items():
        lines.append(f'printf("{s} %zu\\n", sizeof(struct {s}));')
        for name, is_array in fields:
            if is_array:
                e = f"((struct {s} *)0)->{name}"
                lines.append(f'printf("{s}.{name} %zu\\n", sizeof({e}) / sizeof({e}[0]));')
    lines.append("return 0; }")
    with tempfile.TemporaryDirectory() as tmp:
        src, exe = os.path.join(tmp, "m.c"), os.path.join(tmp, "m")
        with open(src, "w") as f:
            f.write("\n".join(lines) + "\n")
        subprocess.run([cc, "-std=gnu11", "-o", exe, src], check=True)
        out = subprocess.run([exe], check=True, capture_output=True, text=True).stdout
    return {k: int(v) for k, v in (line.split() for line in out.splitlines())}


def blocks(doc):
    return [b for b in re.split(r"\n\s*\n", doc) if b.strip()]


def is_table(block):
    return block.lstrip().startswith("|")


def scope(doc_blocks, struct):
    """The doc text that describes `struct`: every paragraph naming it, the
    table rows naming it, and a table that directly follows a paragraph
    naming it."""
    mention = re.compile(rf"`(?:struct )?{struct}`|struct {struct}\)")
    parts = []
    for i, b in enumerate(doc_blocks):
        if not mention.search(b):
            continue
        if is_table(b):
            parts += [row for row in b.splitlines() if mention.search(row)]
        else:
            parts.append(b)
            if i + 1 < len(doc_blocks) and is_table(doc_blocks[i + 1]):
                parts.append(doc_blocks[i + 1])
    return "\n".join(parts)


def enum_prefix(members):
    names = [n for n, _ in members]
    if len(names) == 1:
        return names[0].rsplit("_", 1)[0] + "_"
    prefix = os.path.commonprefix(names)
    return prefix[: prefix.rfind("_") + 1]


def check(header, doc_path, cc):
    with open(header) as f:
        structs, enums, ioctls, magic, version = parse_header(f.read())
    with open(doc_path) as f:
        doc = f.read()
    sizes = measure(header, structs, cc)
    doc_blocks = blocks(doc)
    problems = []

    title = re.search(r"^# .*version (\d+)\.(\d+)", doc, re.M)
    if not title or (int(title.group(1)), int(title.group(2))) != version:
        problems.append(f"title does not say version {version[0]}.{version[1]}")

    table = dict(re.findall(r"^\| `(hbamgr_\w+)` \| (\d+) \|$", doc, re.M))
    mbox_row = re.search(r"^\| every `hbamgr_mbox_\*` \| (\d+) \|$", doc, re.M)
    for s in structs:
        size = sizes[s]
        if s.startswith("hbamgr_mbox_") and s not in table:
            stated = int(mbox_row.group(1)) if mbox_row else None
        else:
            stated = int(table[s]) if s in table else None
        if stated != size:
            problems.append(f"Struct sizes: {s} is {size} bytes, the table says {stated}")
        for n in re.findall(rf"`struct {s}` \((\d+) bytes\)|struct {s}\)`, (\d+) bytes", doc):
            n = int(n[0] or n[1])
            if n != size:
                problems.append(f"{s} is {size} bytes, the text says {n}")
        text = scope(doc_blocks, s)
        if not text:
            problems.append(f"{s}: not described anywhere")
            continue
        for name, is_array in structs[s]:
            want = f"`{name}[{sizes[s + '.' + name]}]`" if is_array else f"`{name}`"
            if want not in text:
                problems.append(f"{s}: field {want} is not in its description")

    for e, members in enums.items():
        prefix = enum_prefix(members)
        for name, value in members:
            short = re.escape(name[len(prefix):])
            values = rf"(?:{value}|0x0*{value:x})"
            forms = [rf"\|\s*`?{values}`?\s*\|\s*`?{short}`?( \[admin\])?\s*\|",  # | 8 | RESET |
                     rf"\b{short}\s+{values}\b",                     # CTRL 1
                     rf"\b{short}\s+\({values}[):]",                 # OK (0)
                     rf"`{re.escape(name)}`\s+\({values}[):]"]       # `HBAMGR_PT_SCSI` (1)
            if not any(re.search(p, doc) for p in forms):
                problems.append(f"enum {e}: {name} = {value} is not documented with its value")

    for name, nr, struct in ioctls:
        want = f"`_IOWR(0x{magic:X}, {nr}, struct {struct})`"
        section = re.search(rf"^## {name}\n(.*?)(?=^## |\Z)", doc, re.S | re.M)
        if not section or want not in section.group(1):
            problems.append(f"{name}: section missing or does not show {want}")

    for p in problems:
        print(f"abi.md: {p}")
    print(f"abi_doc_check: {len(structs)} structs, {sum(len(m) for m in enums.values())} enum "
          f"members, {len(ioctls)} ioctls; {len(problems)} problems")
    return not problems


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("header")
    ap.add_argument("doc")
    ap.add_argument("--cc", default=os.environ.get("CC", "cc"))
    args = ap.parse_args()
    return 0 if check(args.header, args.doc, args.cc) else 1


if __name__ == "__main__":
    sys.exit(main())
