#!/usr/bin/python3
"""Writes the hand-made seeds of the RPC fuzzer (rpc_fuzzer.cc): a valid
request for every method of hbamgr.v1, a few call sequences that reach
deeper state (a VD created, written through passthrough, rebuilt, deleted),
and the regression inputs of what the fuzzer found (regress-*).

Usage: fuzz/rpc_seeds.py PYTHON_STUBS_DIR OUT_DIR
  PYTHON_STUBS_DIR: the generated python stubs (build/proto/python).

The input format is rpc_fuzzer.cc's: per call the method's id (the low 16
bits of the FNV-1a hash of its path, little-endian), a little-endian 16-bit
length and the serialized request.  Every method of every hbamgr.v1 service
must have a seed (the script fails naming the one that has none)."""

import importlib
import os
import struct
import sys

sys.path.insert(0, sys.argv[1])
from hbamgr.v1 import (daemon_pb2, events_pb2, health_pb2,  # noqa: E402
                       inventory_pb2, maintenance_pb2, passthrough_pb2, types_pb2)

# Every method of every hbamgr.v1 service, as rpc_fuzzer.cc lists them.
STUBS = os.path.join(sys.argv[1], "hbamgr", "v1")
MODULES = [importlib.import_module("hbamgr.v1." + f[:-3]) for f in sorted(os.listdir(STUBS))
           if f.endswith("_pb2.py")]
METHODS = sorted("/%s/%s" % (s.full_name, m.name)
                 for mod in MODULES for s in mod.DESCRIPTOR.services_by_name.values()
                 for m in s.methods)


CALLED = set()


def method_id(path):
    h = 2166136261
    for c in path.encode():
        h = ((h ^ c) * 16777619) & 0xFFFFFFFF
    return h & 0xFFFF


def call(method, request):
    path = next(p for p in METHODS if p.endswith("/" + method))
    CALLED.add(path)
    body = request.SerializeToString()
    return struct.pack("<HH", method_id(path), len(body)) + body


def drive(pd_id=None, enclosure=None, slot=None):
    if pd_id is not None:
        return types_pb2.DriveRef(pd_id=pd_id)
    return types_pb2.DriveRef(slot=types_pb2.DriveRef.Slot(enclosure=enclosure, slot=slot))


M, P, I, E, D, H = (maintenance_pb2, passthrough_pb2, inventory_pb2, events_pb2, daemon_pb2,
                    health_pb2)
INQUIRY = bytes([0x12, 0, 0, 0, 96, 0])
SEEDS = {
    "list-adapters": [call("ListAdapters", I.ListAdaptersRequest())],
    "get-controller": [call("GetController", I.GetControllerRequest(adapter="c0"))],
    "list-enclosures": [call("ListEnclosures", I.ListEnclosuresRequest(adapter="c1"))],
    "list-drives": [call("ListDrives", I.ListDrivesRequest(adapter="c0", enclosure=1))],
    "get-drive": [call("GetDrive", I.GetDriveRequest(adapter="c0", drive=drive(enclosure=0, slot=3)))],
    "list-vds": [call("ListVirtualDrives", I.ListVirtualDrivesRequest(adapter="c0"))],
    "get-vd": [call("GetVirtualDrive", I.GetVirtualDriveRequest(adapter="c0", vd_id=1))],
    "list-bgops": [call("ListBackgroundOps", I.ListBackgroundOpsRequest(adapter="c0"))],
    "query-events": [call("QueryEvents", E.QueryEventsRequest(
        filter=E.EventFilter(adapter="c0", min_severity=types_pb2.SEVERITY_WARNING,
                             event_class=types_pb2.EVENT_CLASS_DRIVE, min_seq=1, max_seq=100),
        limit=10, newest_first=True))],
    "subscribe": [call("Subscribe", E.SubscribeRequest(adapter="c0", from_seq=1))],
    "daemon-info": [call("GetDaemonInfo", D.GetDaemonInfoRequest())],
    "health-history": [call("ListHealthHistory", D.ListHealthHistoryRequest(adapter="c0", limit=5))],
    "audit": [call("ListAudit", D.ListAuditRequest(method="/hbamgr.v1.Maintenance/SetLocate",
                                                   limit=3))],
    "reset": [call("ResetAdapter", M.ResetAdapterRequest(adapter="c1", wait=True))],
    "controller-props": [call("SetControllerProperties", M.SetControllerPropertiesRequest(
        adapter="c0", rebuild_rate=50, patrol_enabled=False))],
    "locate": [call("SetLocate", M.SetLocateRequest(adapter="c0", drive=drive(pd_id=5), on=True)),
               call("SetLocate", M.SetLocateRequest(adapter="c0", drive=drive(pd_id=5)))],
    "drive-state": [call("SetDriveState", M.SetDriveStateRequest(
        adapter="c0", drive=drive(pd_id=6), state=types_pb2.DRIVE_STATE_HOTSPARE))],
    "consistency-check": [
        call("StartBackgroundOp", M.BackgroundOpRequest(
            adapter="c0", type=types_pb2.BACKGROUND_OP_TYPE_CONSISTENCY_CHECK, vd_id=1)),
        call("StopBackgroundOp", M.BackgroundOpRequest(
            adapter="c0", type=types_pb2.BACKGROUND_OP_TYPE_CONSISTENCY_CHECK, vd_id=1))],
    "rebuild": [
        call("SetDriveState", M.SetDriveStateRequest(
            adapter="c0", drive=drive(pd_id=1), state=types_pb2.DRIVE_STATE_OFFLINE)),
        call("StartBackgroundOp", M.BackgroundOpRequest(
            adapter="c0", type=types_pb2.BACKGROUND_OP_TYPE_REBUILD, drive=drive(pd_id=1))),
        call("ListBackgroundOps", I.ListBackgroundOpsRequest(adapter="c0"))],
    "vd-lifecycle": [
        call("CreateVirtualDrive", M.CreateVirtualDriveRequest(
            adapter="c0", raid_level=1, drives=[drive(pd_id=6), drive(enclosure=0, slot=7)],
            strip_kb=64, name="fuzz", initialize=True)),
        call("Scsi", P.ScsiRequest(adapter="c0", target=2,
                                   cdb=bytes([0x2a, 0, 0, 0, 0, 8, 0, 0, 1, 0]),
                                   data_out=bytes(512))),
        call("DeleteVirtualDrive", M.DeleteVirtualDriveRequest(adapter="c0", vd_id=2))],
    "inject": [call("InjectFault", M.InjectFaultRequest(
        adapter="c0", fault=M.FAULT_TYPE_MEDIA_ERROR, arg=2, lba=64))],
    "scsi-inquiry": [call("Scsi", P.ScsiRequest(adapter="c0", target=0, cdb=INQUIRY,
                                                data_in_length=96))],
    "scsi-phys-vpd": [call("Scsi", P.ScsiRequest(adapter="c1", target=3, physical=True,
                                                 cdb=bytes([0x12, 1, 0x83, 0, 255, 0]),
                                                 data_in_length=255, sense_length=32))],
    # Lengths far past the adapter's limits: refused before anything is
    # allocated (an allocation would trip the fuzzer's -malloc_limit_mb).
    "scsi-huge-lengths": [call("Scsi", P.ScsiRequest(adapter="c0", target=0, cdb=INQUIRY,
                                                     data_in_length=0xFFFFFFFF,
                                                     sense_length=0xFFFFFFFF))],
    "firmware-huge-length": [call("Firmware", P.FirmwareRequest(adapter="c0", opcode=0x0300,
                                                                data_in_length=0xFFFFFFFF))],
    "firmware-pd-list": [call("Firmware", P.FirmwareRequest(adapter="c0", opcode=0x0300,
                                                            data_in_length=8192))],
    "firmware-locate": [call("Firmware", P.FirmwareRequest(
        adapter="c0", opcode=0x0302, mbox=struct.pack("<HBB", 4, 1, 0)))],
    "get-health": [call("GetHealth", H.GetHealthRequest()),
                   call("GetHealth", H.GetHealthRequest(adapter="c0", object="/c0/e0/s3"))],
    "alerts": [call("SendTestAlert", H.SendTestAlertRequest(adapter="c1")),
               call("ListAlerts", H.ListAlertsRequest(adapter="c1", include_cleared=True, limit=5)),
               call("AcknowledgeAlert", H.AcknowledgeAlertRequest(adapter="c1", id=1))],
    "watch-alerts": [call("WatchAlerts", H.WatchAlertsRequest(adapter="c0"))],
}
# What the fuzzer found, kept so that every run replays it first.
REGRESSIONS = {
    # UBSan: memcpy(nullptr, ..., 0) in adapter::Mgmt::List on an empty list.
    "mgmt-empty-list-memcpy": [call("ListBackgroundOps", I.ListBackgroundOpsRequest(adapter="c0"))],
}
missing = sorted(set(METHODS) - CALLED)
if missing:
    sys.exit("rpc_seeds: no seed calls " + ", ".join(missing))

os.makedirs(sys.argv[2], exist_ok=True)
for prefix, inputs in (("seed-", SEEDS), ("regress-", REGRESSIONS)):
    for name, calls in inputs.items():
        with open(os.path.join(sys.argv[2], prefix + name), "wb") as f:
            f.write(b"".join(calls))
print("rpc_seeds: %d seeds and %d regressions for %d methods"
      % (len(SEEDS), len(REGRESSIONS), len(METHODS)))
