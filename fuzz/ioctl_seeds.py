#!/usr/bin/python3
"""Writes the hand-made seeds of the ioctl fuzzer (ioctl_fuzzer.cc): calls
that pass every check of the dispatch, so mutation starts next to each
boundary instead of far outside all of them: GET_INFO at, below and above
its size, SCSI passthrough (INQUIRY, a write and its read, a physical-drive
INQUIRY), management frames (lists, the event log, locate, a VD created),
reset, read() and poll() of events.

Usage: fuzz/ioctl_seeds.py OUT_DIR

The input format is ioctl_fuzzer.cc's (integers little-endian); the structs
are packed from kmod/include/uapi/linux/hbamgr.h (ABI 1.1 sizes, pinned by
tests/core/abi_layout_test.cc)."""

import os
import struct
import sys

GET_INFO, PASSTHRU, RESET, READ, POLL = range(5)
ADMIN, USER = 1, 0
EXACT, SMALLER, LARGER = 0, 1, 2  # size kinds
VALID = 0  # pointer kind: exactly the bytes asked for
INFO_SIZE, PASSTHRU_SIZE, RESET_SIZE = 208, 136, 32
PT_SCSI, PT_MGMT, PT_F_PHYS = 1, 2, 1
DIR_NONE, DIR_TO_DEV, DIR_FROM_DEV = 0, 1, 2
PASSTHRU_FORMAT = "<IIBBBBHHII32sQIIQIBBHII16x24x"


def call(which, caller, size_kind=EXACT, body=b"", tail=None, size_arg=b""):
    out = struct.pack("<BBBB", which, caller, 0, size_kind) + size_arg + bytes([VALID]) + body
    return out if tail is None else out + bytes([tail])


def get_info(size_kind=EXACT, size_arg=b"", tail=None):
    return call(GET_INFO, USER, size_kind, bytes(INFO_SIZE), tail, size_arg)


def passthru(caller, kind, direction, cdb=b"", target=0, opcode=0, data_len=0, payload=b"",
             flags=0, sense_len=96):
    cdb_len = len(cdb) if kind == PT_SCSI else 0
    body = struct.pack(PASSTHRU_FORMAT, PASSTHRU_SIZE, flags, kind, direction, cdb_len, 0,
                       target, 0, opcode, 0, cdb, 0, data_len, sense_len, 0, 0, 0, 0, 0, 0, 0)
    assert len(body) == PASSTHRU_SIZE
    out = call(PASSTHRU, caller, body=body) + bytes([VALID, VALID])
    if direction == DIR_TO_DEV:
        out += payload.ljust(data_len, b"\0")
    return out


def scsi(cdb, target=0, direction=DIR_FROM_DEV, data_len=0, payload=b"", phys=False):
    return passthru(ADMIN if phys else USER, PT_SCSI, direction, cdb, target,
                    data_len=data_len, payload=payload, flags=PT_F_PHYS if phys else 0)


def mgmt(opcode, mbox=b"", direction=DIR_NONE, data_len=0, payload=b""):
    return passthru(ADMIN, PT_MGMT, direction, mbox.ljust(32, b"\0"), opcode=opcode,
                    data_len=data_len, payload=payload, sense_len=0)


def reset(wait):
    return call(RESET, ADMIN, body=struct.pack("<IIII16x", RESET_SIZE, 1 if wait else 0, 0, 0))


def read_events(length=4096):
    return bytes([READ, USER, 3]) + struct.pack("<I", length) + bytes([VALID])


WRITE10 = bytes([0x2a, 0, 0, 0, 0, 16, 0, 0, 8, 0])
READ10 = bytes([0x28, 0, 0, 0, 0, 16, 0, 0, 8, 0])
INQUIRY = bytes([0x12, 0, 0, 0, 96, 0])
VD_CREATE = struct.pack("<BBHIQ16H16sI12x", 1, 2, 0, 64, 0, 5, 6, *([0] * 14), b"seed", 0)

SEEDS = {
    "get-info": [get_info()],
    "get-info-small": [get_info(SMALLER, bytes([16]))],
    "get-info-large": [get_info(LARGER, struct.pack("<H", 64), tail=0)],
    "inquiry": [scsi(INQUIRY, data_len=96),
                scsi(bytes([0x12, 1, 0x83, 0, 255, 0]), target=1, data_len=255)],
    "write-read": [scsi(WRITE10, 1, DIR_TO_DEV, 8 * 512, bytes(range(256)) * 16),
                   scsi(READ10, 1, data_len=8 * 512)],
    "phys-inquiry": [scsi(INQUIRY, target=3, data_len=96, phys=True)],
    "lists": [mgmt(0x0100, direction=DIR_FROM_DEV, data_len=512),
              mgmt(0x0300, direction=DIR_FROM_DEV, data_len=8192),
              mgmt(0x0400, direction=DIR_FROM_DEV, data_len=100),
              mgmt(0x0600, direction=DIR_FROM_DEV, data_len=64),
              mgmt(0x0601, struct.pack("<QI", 1, 16), DIR_FROM_DEV, 16 * 256)],
    "locate-events": [mgmt(0x0302, struct.pack("<HB", 2, 1)), bytes([POLL, USER]),
                      read_events()],
    "vd-create": [mgmt(0x0401, direction=DIR_TO_DEV, data_len=len(VD_CREATE), payload=VD_CREATE),
                  mgmt(0x0402, struct.pack("<H", 2))],
    "reset": [reset(True), get_info(), reset(False), scsi(INQUIRY, data_len=96)],
}

os.makedirs(sys.argv[1], exist_ok=True)
for name, calls in SEEDS.items():
    with open(os.path.join(sys.argv[1], "seed-" + name), "wb") as f:
        f.write(b"".join(calls))
print("ioctl_seeds: %d seeds" % len(SEEDS))
