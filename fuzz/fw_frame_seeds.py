#!/usr/bin/python3
"""Writes the hand-made seeds of the firmware frame fuzzer (fw_frame_fuzzer.cc):
frame sequences that a random start rarely finds, because the data length
must match the CDB's block count or a parameter block must be a whole valid
structure: reads and writes on every RAID level, a drive failure and its
rebuild, media errors met by reads and patrol, mode select, self-tests, VDs
created and deleted, background operations.

Usage: fuzz/fw_frame_seeds.py OUT_DIR

The input format is fw_frame_fuzzer.cc's (integers little-endian; the store
has 14 drives of 8 MiB in 2 enclosures, VD 0 a RAID1 on drives 0-1, VD 1 a
RAID5 on 2-4); uapi structures are packed by hand from
kmod/include/uapi/linux/hbamgr.h."""

import os
import struct
import sys

SCSI_VD, SCSI_PD, MGMT, FAULT, TICK = range(5)
TO_DEV, FROM_DEV = 1, 2
SECTOR_512 = 1  # index into the fuzzer's sector sizes (0 mix, 512, 4096)
MGMT_INDEX = {"CTRL_GET_INFO": 0, "CTRL_SET_PROPS": 1, "ENCL_LIST": 2, "PD_LIST": 3,
              "PD_SET_STATE": 4, "PD_LOCATE": 5, "VD_LIST": 6, "VD_CREATE": 7,
              "VD_DELETE": 8, "BGOP_START": 9, "BGOP_STOP": 10, "BGOP_LIST": 11}
FAULT_INDEX = {"DRIVE_FAIL": 0, "LINK_DOWN": 1, "LINK_UP": 2, "MEDIA_ERROR": 3,
               "TEMPERATURE": 4}
PD_ONLINE, PD_OFFLINE, PD_HOTSPARE = 3, 4, 2
BGOP_REBUILD, BGOP_INIT, BGOP_CC, BGOP_PATROL = 1, 2, 3, 4


def length(n):
    """Input.Length(): class 3 (a U32) for any length."""
    return struct.pack("<BI", 3, n)


def data(direction, n, payload=b"", sges=1):
    out = length(n) + struct.pack("<B", sges - 1 if n else 0)
    if direction == TO_DEV:
        out += payload.ljust(n, b"\0")[:n]
    return out


def scsi(cdb, target=0, phys=False, direction=0, n=0, payload=b"", sges=1):
    op = SCSI_PD if phys else SCSI_VD
    return (struct.pack("<BBBHB", op, direction, len(cdb) - 1, target, 0) +
            cdb.ljust(32, b"\0") + data(direction, n, payload, sges))


def mgmt(name, mbox=b"", direction=0, n=0, payload=b""):
    return (struct.pack("<BBB", MGMT, MGMT_INDEX[name], direction) + mbox.ljust(32, b"\0") +
            data(direction, n, payload))


def fault(name, arg, count=0, lba=0):
    return struct.pack("<BBIIQ", FAULT, FAULT_INDEX[name], arg, count, lba)


def tick(ms):
    return struct.pack("<BH", TICK, ms)


def rw10(op, lba, blocks):
    return struct.pack(">BBIBHB", op, 0, lba, 0, blocks, 0)


def rw16(op, lba, blocks):
    return struct.pack(">BBQIBB", op, 0, lba, blocks, 0, 0)


def write(target, lba, blocks, phys=False, sges=3):
    pattern = bytes((lba + i) & 0xff for i in range(blocks * 512))
    return scsi(rw16(0x8a, lba, blocks), target, phys, TO_DEV, blocks * 512, pattern, sges)


def read(target, lba, blocks, phys=False, sges=2):
    return scsi(rw16(0x88, lba, blocks), target, phys, FROM_DEV, blocks * 512, sges=sges)


def vd_create(level, pds, strip_kb=16, name=b"seed", flags=0):
    ids = list(pds) + [0] * (16 - len(pds))
    body = struct.pack("<BBHIQ16H16sI12x", level, len(pds), 0, strip_kb, 0, *ids, name, flags)
    return mgmt("VD_CREATE", direction=TO_DEV, n=len(body), payload=body)


def bgop(name, kind, target):
    return mgmt(name, struct.pack("<BBH", kind, 0, target))


def pd_state(pd, state):
    return mgmt("PD_SET_STATE", struct.pack("<HB", pd, state))


def inquiries(target, phys=False):
    ops = [scsi(bytes([0x12, 0, 0, 0, 96, 0]), target, phys, FROM_DEV, 96)]
    for page in (0x00, 0x80, 0x83, 0xb0, 0xb1):
        ops.append(scsi(bytes([0x12, 1, page, 0, 255, 0]), target, phys, FROM_DEV, 255))
    return ops


def logs(target, phys=False):
    return [scsi(bytes([0x4d, 0, 0x40 | page, 0, 0, 0, 0, 2, 0, 0]), target, phys, FROM_DEV, 512)
            for page in (0x00, 0x02, 0x03, 0x05, 0x06, 0x0d, 0x0e, 0x10, 0x15, 0x2f)]


SEEDS = {
    "vd-identity": inquiries(0) + inquiries(1) + [
        scsi(bytes([0x25] + [0] * 9), 1, direction=FROM_DEV, n=8),
        scsi(bytes([0x9e, 0x10] + [0] * 11 + [32, 0, 0]), 1, direction=FROM_DEV, n=32),
        scsi(bytes([0xa0, 0, 0, 0, 0, 0, 0, 0, 0, 16, 0, 0]), 0, direction=FROM_DEV, n=16),
        scsi(bytes(6), 0), scsi(bytes([0x03, 0, 0, 0, 18, 0]), 0, direction=FROM_DEV, n=18)],
    "pd-identity": inquiries(5, True) + logs(5, True),
    "vd-pages": logs(1) + [
        scsi(bytes([0x1a, 0, 0x3f, 0, 255, 0]), 1, direction=FROM_DEV, n=255),
        scsi(bytes([0x5a, 0, 0x7f, 0, 0, 0, 0, 2, 0, 0]), 1, direction=FROM_DEV, n=512),
        scsi(bytes([0x5a, 8, 0x88, 0, 0, 0, 0, 2, 0, 0]), 1, direction=FROM_DEV, n=512)],
    "mode-select-cache": [
        scsi(bytes([0x55, 0x10, 0, 0, 0, 0, 0, 0, 28, 0]), 0, direction=TO_DEV, n=28,
             payload=bytes(8) + bytes([0x08, 0x12, 0x00]) + bytes(17))],
    # Default VDs have 64 KiB strips (128 blocks): writes of 16 blocks at 120
    # cross a strip, at 248 a RAID5 row.
    "raid1-rw": [write(0, 0, 16), read(0, 0, 16), write(0, 120, 16, sges=7),
                 read(0, 100, 120), scsi(bytes([0x35] + [0] * 9), 0)],
    "raid5-rw": [write(1, 0, 16), write(1, 120, 16, sges=5), write(1, 248, 16),
                 read(1, 0, 300), scsi(rw10(0x2f, 0, 64), 1)],
    "raid5-degraded-rebuild": [write(1, 120, 16), fault("DRIVE_FAIL", 3), read(1, 0, 300),
                               write(1, 248, 16), pd_state(8, PD_HOTSPARE), tick(2000),
                               tick(60000), mgmt("BGOP_LIST", direction=FROM_DEV, n=4096),
                               read(1, 0, 300)],
    "raid1-media-error": [write(0, 0, 16), fault("MEDIA_ERROR", 0, lba=8), read(0, 0, 32),
                          read(0, 0, 32, phys=True), bgop("BGOP_START", BGOP_PATROL, 0xffff),
                          tick(60000)],
    "pd-selftest": [scsi(bytes([0x1d, 0x04, 0, 0, 0, 0]), 6, True),
                    scsi(bytes([0x1d, 0xa0, 0, 0, 0, 0]), 6, True),
                    scsi(bytes([0x4d, 0, 0x50, 0, 0, 0, 0, 2, 0, 0]), 6, True, FROM_DEV, 512)],
    "pd-rw": [write(7, 0, 8, phys=True), read(7, 0, 8, phys=True)],
    "vd-create-levels": [vd_create(0, [5, 6]), vd_create(6, [7, 8, 9, 10], name=b"six"),
                         vd_create(10, [11, 12, 13, 5], flags=1),
                         mgmt("VD_LIST", direction=FROM_DEV, n=8192),
                         write(2, 0, 16), read(2, 0, 64), tick(5000)],
    # 8 KiB strips (16 blocks): 24 blocks at 8 span two strips of a row.
    "raid6-double-failure": [vd_create(6, [7, 8, 9, 10], 8, b"p+q"), write(2, 8, 24),
                             fault("DRIVE_FAIL", 7), fault("DRIVE_FAIL", 9), read(2, 0, 64),
                             write(2, 16, 24), read(2, 0, 64)],
    "bgops": [bgop("BGOP_START", BGOP_CC, 1), tick(500), bgop("BGOP_STOP", BGOP_CC, 1),
              bgop("BGOP_START", BGOP_INIT, 0), tick(30000),
              pd_state(1, PD_OFFLINE), bgop("BGOP_START", BGOP_REBUILD, 1), tick(60000),
              mgmt("BGOP_LIST", direction=FROM_DEV, n=64)],
    "ctrl-and-lists": [mgmt("CTRL_GET_INFO", direction=FROM_DEV, n=1024),
                       mgmt("CTRL_SET_PROPS", struct.pack("<II", 10, 0)),
                       mgmt("ENCL_LIST", direction=FROM_DEV, n=100),
                       mgmt("PD_LIST", direction=FROM_DEV, n=256),
                       mgmt("PD_LOCATE", struct.pack("<HB", 3, 1)),
                       mgmt("VD_DELETE", struct.pack("<H", 1)),
                       mgmt("VD_LIST", direction=FROM_DEV, n=4096)],
    "link-down": [fault("LINK_DOWN", 0), read(0, 0, 8), fault("TEMPERATURE", 9, 75),
                  fault("LINK_UP", 0), tick(1000), read(0, 0, 8)],
}

os.makedirs(sys.argv[1], exist_ok=True)
for name, ops in SEEDS.items():
    with open(os.path.join(sys.argv[1], "seed-" + name), "wb") as f:
        f.write(bytes([SECTOR_512]) + b"".join(ops))
print("fw_frame_seeds: %d seeds" % len(SEEDS))
