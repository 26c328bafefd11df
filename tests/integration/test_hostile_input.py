"""Hostile but fair requests from a python3-grpcio client (issue 11): every bad
input is INVALID_ARGUMENT naming the field, the value and the limit, answered
before the daemon allocates anything for it; the limits agree with the ABI's;
nothing is silently reinterpreted; errors never echo unbounded input; the
firmware says why it refused a VD."""

import queue
import threading
import unittest

import grpc

from hbamgr.v1 import daemon_pb2
from hbamgr.v1 import events_pb2
from hbamgr.v1 import health_pb2
from hbamgr.v1 import inventory_pb2
from hbamgr.v1 import maintenance_pb2
from hbamgr.v1 import passthrough_pb2
from hbamgr.v1 import types_pb2
from hbamgr_fixture import DaemonTestCase, wait_until

INQUIRY = bytes([0x12, 0, 0, 0, 96, 0])
PD_LIST = 0x0300
VD_CREATE = 0x0401
PD_LOCATE = 0x0207
MAX_TRANSFER = 1 << 20   # the simulated adapter's GET_INFO max_transfer
SENSE_MAX = 96           # HBAMGR_SENSE_MAX
VD_MAX_PDS = 16          # HBAMGR_VD_MAX_PDS
U64_MAX = (1 << 64) - 1
ABOVE_I64 = 1 << 63


def slot(n):
    return types_pb2.DriveRef(slot=types_pb2.DriveRef.Slot(enclosure=0, slot=n))


class HostileInputTest(DaemonTestCase):
    DAEMON_ARGS = {"drives": 8, "slots": 8}

    def assert_invalid(self, call, *fragments):
        """call() must fail INVALID_ARGUMENT with every fragment in the message."""
        with self.assertRaises(grpc.RpcError) as ctx:
            call()
        err = ctx.exception
        self.assertEqual(err.code(), grpc.StatusCode.INVALID_ARGUMENT, err.details())
        for fragment in fragments:
            self.assertIn(fragment, err.details())
        return err.details()

    def peak_rss_kib(self):
        with open(f"/proc/{self.hbamgrd.proc.pid}/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
        raise AssertionError("no VmHWM")

    def vd_count(self):
        return len(self.hbamgrd.inventory().ListVirtualDrives(
            inventory_pb2.ListVirtualDrivesRequest(adapter="c0"), timeout=30).virtual_drives)

    def test_oversized_transfers_are_refused_before_allocating(self):
        stub = self.hbamgrd.passthrough()
        peak = self.peak_rss_kib()
        # 256 MiB first: were it allocated, the peak would show it before the
        # 4 GiB request is even sent.
        for length in (1 << 28, 1 << 30, 4294967295):
            self.assert_invalid(
                lambda: stub.Scsi(passthrough_pb2.ScsiRequest(
                    adapter="c0", cdb=INQUIRY, data_in_length=length), timeout=60),
                f"data_in_length = {length} bytes: at most {MAX_TRANSFER} bytes "
                "(the adapter's max_transfer)")
            self.assert_invalid(
                lambda: stub.Firmware(passthrough_pb2.FirmwareRequest(
                    adapter="c0", opcode=PD_LIST, data_in_length=length), timeout=60),
                f"data_in_length = {length} bytes")
            self.assertLess(self.peak_rss_kib() - peak, 64 * 1024,
                            f"hbamgrd's peak RSS grew for a {length}-byte request")
        # Data to write: one byte over the limit is named; a message far over
        # it is refused by gRPC before the daemon parses it.
        self.assert_invalid(
            lambda: stub.Scsi(passthrough_pb2.ScsiRequest(
                adapter="c0", cdb=bytes([0x2a] + [0] * 9), data_out=bytes(MAX_TRANSFER + 1)),
                timeout=60),
            f"data_out = {MAX_TRANSFER + 1} bytes: at most {MAX_TRANSFER} bytes")
        with self.assertRaises(grpc.RpcError) as ctx:
            stub.Scsi(passthrough_pb2.ScsiRequest(
                adapter="c0", cdb=bytes([0x2a] + [0] * 9), data_out=bytes(3 * MAX_TRANSFER)),
                timeout=60)
        self.assertEqual(ctx.exception.code(), grpc.StatusCode.RESOURCE_EXHAUSTED)
        self.assertLess(self.peak_rss_kib() - peak, 64 * 1024)
        # The adapter's own limit passes.
        resp = stub.Scsi(passthrough_pb2.ScsiRequest(
            adapter="c0", cdb=bytes([0x28, 0, 0, 0, 0, 0, 0, 8, 0, 0]),
            data_in_length=MAX_TRANSFER), timeout=60)
        self.assertEqual(resp.status, types_pb2.COMMAND_STATUS_OK)
        self.assertEqual(len(resp.data), MAX_TRANSFER)
        controller = self.hbamgrd.inventory().GetController(
            inventory_pb2.GetControllerRequest(adapter="c0"), timeout=30)
        self.assertEqual(controller.limits.max_transfer, MAX_TRANSFER)

    def test_sense_and_cdb_limits_are_the_abi_limits(self):
        stub = self.hbamgrd.passthrough()
        # 96 is what the driver returns at most: accepted end to end.
        resp = stub.Scsi(passthrough_pb2.ScsiRequest(
            adapter="c0", cdb=INQUIRY, data_in_length=96, sense_length=SENSE_MAX), timeout=60)
        self.assertEqual(resp.status, types_pb2.COMMAND_STATUS_OK)
        for sense in (SENSE_MAX + 1, 100, 252):
            self.assert_invalid(
                lambda: stub.Scsi(passthrough_pb2.ScsiRequest(
                    adapter="c0", cdb=INQUIRY, data_in_length=96, sense_length=sense),
                    timeout=60),
                f"sense_length = {sense}: at most 96 (HBAMGR_SENSE_MAX)")
        self.assert_invalid(
            lambda: stub.Scsi(passthrough_pb2.ScsiRequest(adapter="c0", cdb=bytes(33)),
                              timeout=60),
            "cdb = 33 bytes: 6..32 bytes (HBAMGR_CDB_MIN..HBAMGR_CDB_MAX)")
        self.assert_invalid(
            lambda: stub.Firmware(passthrough_pb2.FirmwareRequest(
                adapter="c0", opcode=PD_LIST, mbox=bytes(40)), timeout=60),
            "mbox = 40 bytes: at most 32 bytes (HBAMGR_CDB_MAX)")

    def test_integers_and_enums_are_not_reinterpreted(self):
        maintenance = self.hbamgrd.maintenance()
        before = self.vd_count()
        for level in (257, 261):
            self.assert_invalid(
                lambda: maintenance.CreateVirtualDrive(maintenance_pb2.CreateVirtualDriveRequest(
                    adapter="c0", raid_level=level, drives=[slot(5), slot(6)]), timeout=60),
                f"raid_level = {level}: at most 255")
        # Members: HBAMGR_VD_MAX_PDS fit struct hbamgr_vd_create's pd_ids[]; one
        # more is the daemon's refusal, the limit itself reaches the firmware.
        self.assert_invalid(
            lambda: maintenance.CreateVirtualDrive(maintenance_pb2.CreateVirtualDriveRequest(
                adapter="c0", raid_level=0, drives=[slot(5)] * (VD_MAX_PDS + 1)), timeout=60),
            f"drives = {VD_MAX_PDS + 1}: at most {VD_MAX_PDS} (HBAMGR_VD_MAX_PDS)")
        firmware_says = self.assert_invalid(
            lambda: maintenance.CreateVirtualDrive(maintenance_pb2.CreateVirtualDriveRequest(
                adapter="c0", raid_level=1, drives=[slot(5)] * VD_MAX_PDS), timeout=60),
            f"RAID 1 takes at most 2 drives, got {VD_MAX_PDS}")
        self.assertTrue(firmware_says.startswith("VD_CREATE: "), firmware_says)
        self.assertEqual(self.vd_count(), before, "a VD was created from a cut raid_level")
        self.assert_invalid(
            lambda: maintenance.InjectFault(maintenance_pb2.InjectFaultRequest(
                adapter="c0", fault=99), timeout=60),
            "fault = 99: not a known FaultType")
        self.assert_invalid(
            lambda: self.hbamgrd.inventory().GetVirtualDrive(
                inventory_pb2.GetVirtualDriveRequest(adapter="c0", vd_id=65536), timeout=60),
            "vd_id = 65536: at most 65535")
        self.assert_invalid(
            lambda: maintenance.SetLocate(maintenance_pb2.SetLocateRequest(
                adapter="c0", drive=types_pb2.DriveRef(pd_id=65536 + 5), on=True), timeout=60),
            "drive.pd_id = 65541: at most 65535")

        # Every other enum, id and range a request carries.
        for call, message in (
            (lambda: maintenance.SetDriveState(maintenance_pb2.SetDriveStateRequest(
                adapter="c0", drive=slot(5), state=99), timeout=60),
             "state = 99: not a known DriveState"),
            (lambda: maintenance.StartBackgroundOp(maintenance_pb2.BackgroundOpRequest(
                adapter="c0", type=99), timeout=60),
             "type = 99: not a known BackgroundOpType"),
            (lambda: maintenance.StartBackgroundOp(maintenance_pb2.BackgroundOpRequest(
                adapter="c0", type=types_pb2.BACKGROUND_OP_TYPE_INIT, vd_id=65536), timeout=60),
             "vd_id = 65536: at most 65535"),
            (lambda: maintenance.DeleteVirtualDrive(maintenance_pb2.DeleteVirtualDriveRequest(
                adapter="c0", vd_id=65536), timeout=60),
             "vd_id = 65536: at most 65535"),
            (lambda: maintenance.SetControllerProperties(
                maintenance_pb2.SetControllerPropertiesRequest(adapter="c0", rebuild_rate=101),
                timeout=60),
             "rebuild_rate = 101: 1..100"),
            (lambda: maintenance.SetLocate(maintenance_pb2.SetLocateRequest(
                adapter="c0", drive=types_pb2.DriveRef(slot=types_pb2.DriveRef.Slot(
                    enclosure=70000, slot=1)), on=True), timeout=60),
             "drive.slot.enclosure = 70000: at most 65535"),
            (lambda: self.hbamgrd.inventory().ListDrives(inventory_pb2.ListDrivesRequest(
                adapter="c0", enclosure=65536), timeout=60),
             "enclosure = 65536: at most 65535"),
            (lambda: self.hbamgrd.daemon().ListAudit(daemon_pb2.ListAuditRequest(
                method="m" * 257), timeout=60),
             "method: 257 bytes: at most 256"),
        ):
            self.assert_invalid(call, message)

        events = self.hbamgrd.events()
        self.assert_invalid(
            lambda: events.QueryEvents(events_pb2.QueryEventsRequest(
                filter=events_pb2.EventFilter(min_severity=999)), timeout=60),
            "filter.min_severity = 999: not a known Severity")
        self.assert_invalid(
            lambda: events.QueryEvents(events_pb2.QueryEventsRequest(
                filter=events_pb2.EventFilter(event_class=7)), timeout=60),
            "filter.event_class = 7: not a known EventClass")
        self.assert_invalid(
            lambda: next(iter(events.Subscribe(events_pb2.SubscribeRequest(
                adapter="c0", event_class=7), timeout=60))),
            "event_class = 7: not a known EventClass")
        self.assert_invalid(
            lambda: next(iter(events.Subscribe(events_pb2.SubscribeRequest(
                adapter="c0", min_severity=999), timeout=60))),
            "min_severity = 999: not a known Severity")

    def test_64_bit_filters_are_unsigned(self):
        events = self.hbamgrd.events()

        def query(**filter_fields):
            return [e.seq for e in events.QueryEvents(events_pb2.QueryEventsRequest(
                filter=events_pb2.EventFilter(adapter="c0", **filter_fields)), timeout=60).events]

        every = wait_until(query, 30, "the start-up events")
        self.assertEqual(query(min_seq=ABOVE_I64), [])
        self.assertEqual(query(min_seq=U64_MAX), [])
        self.assertEqual(query(since_ns=ABOVE_I64), [])
        self.assertEqual(query(max_seq=U64_MAX), every)
        self.assertEqual(query(min_seq=every[-1], max_seq=ABOVE_I64), [every[-1]])
        daemon = self.hbamgrd.daemon()
        self.assertEqual(list(daemon.ListHealthHistory(daemon_pb2.ListHealthHistoryRequest(
            since_ns=ABOVE_I64), timeout=60).records), [])
        self.assertTrue(daemon.ListHealthHistory(daemon_pb2.ListHealthHistoryRequest(),
                                                 timeout=60).records)
        self.assertEqual(list(daemon.ListAudit(daemon_pb2.ListAuditRequest(
            since_ns=U64_MAX), timeout=60).records), [])

    def test_object_filters_need_their_scope(self):
        """EventFilter's object ids are per adapter and a slot is within an
        enclosure: without them the query is refused naming the field; with
        them only that object's events come back."""
        events = self.hbamgrd.events()

        def query(**filter_fields):
            return list(events.QueryEvents(events_pb2.QueryEventsRequest(
                filter=events_pb2.EventFilter(**filter_fields)), timeout=60).events)

        self.assert_invalid(lambda: query(pd_id=1), "filter.enclosure, slot, pd_id and vd_id",
                            "need filter.adapter")
        self.assert_invalid(lambda: query(adapter="c0", slot=1), "filter.slot needs "
                            "filter.enclosure")
        self.assert_invalid(lambda: query(adapter="c0", pd_id=70000), "filter.pd_id = 70000")
        self.cli_ok("/c0/e0/s3", "start", "locate")
        located = wait_until(lambda: [e for e in query(adapter="c0", enclosure=0, slot=3)
                                      if e.code == PD_LOCATE], 30, "the PD_LOCATE of slot 3")
        self.assertTrue(all(e.slot == 3 for e in query(adapter="c0", enclosure=0, slot=3)))
        pd = located[0].pd_id
        self.assertTrue(all(e.pd_id == pd for e in query(adapter="c0", pd_id=pd)))
        self.assertIn(located[0].seq, [e.seq for e in query(adapter="c0", pd_id=pd)])
        self.assertEqual([e for e in query(adapter="c0", enclosure=0, slot=5)
                          if e.code == PD_LOCATE], [])

    def test_subscribe_from_beyond_every_seq_replays_nothing(self):
        events = self.hbamgrd.events()
        beyond = events.Subscribe(events_pb2.SubscribeRequest(adapter="c0", from_seq=U64_MAX),
                                  timeout=120)
        live = events.Subscribe(events_pb2.SubscribeRequest(adapter="c0"), timeout=120)
        got_beyond, got_live = queue.Queue(), queue.Queue()

        def drain(stream, into):
            try:
                for resp in stream:
                    into.put(resp.event)
            except grpc.RpcError:
                pass

        threads = [threading.Thread(target=drain, args=(beyond, got_beyond)),
                   threading.Thread(target=drain, args=(live, got_live))]
        for t in threads:
            t.start()
        wait_until(lambda: self.hbamgrd.daemon_info().subscribers == 2, 30, "both streams")
        self.hbamgrd.maintenance().SetLocate(
            maintenance_pb2.SetLocateRequest(adapter="c0", drive=slot(7), on=True), timeout=60)
        while got_live.get(timeout=30).code != 0x0207:  # PD_LOCATE
            pass
        beyond.cancel()
        live.cancel()
        for t in threads:
            t.join(timeout=30)
        self.assertTrue(got_beyond.empty(), "from_seq = 2^64-1 replayed stored events")

    def test_errors_never_echo_unbounded_input(self):
        inventory = self.hbamgrd.inventory()
        details = self.assert_invalid(
            lambda: inventory.GetController(
                inventory_pb2.GetControllerRequest(adapter="c" * (1 << 20)), timeout=60),
            "adapter: 1048576 bytes: at most 32")
        self.assertLess(len(details), 200)
        with self.assertRaises(grpc.RpcError) as ctx:
            inventory.GetController(inventory_pb2.GetControllerRequest(adapter="c\x07\n9"),
                                    timeout=60)
        self.assertEqual(ctx.exception.code(), grpc.StatusCode.NOT_FOUND)
        self.assertIn("no adapter 'c\\x07\\x0a9'", ctx.exception.details())
        # Still serving.
        self.assertEqual(inventory.GetController(
            inventory_pb2.GetControllerRequest(adapter="c0"), timeout=60).adapter, "c0")

    def test_health_requests_are_bounded(self):
        health = self.hbamgrd.health()
        big = "x" * (1 << 20)
        details = self.assert_invalid(
            lambda: health.GetHealth(health_pb2.GetHealthRequest(adapter="c0", object=big),
                                     timeout=60),
            "object: 1048576 bytes: at most 64 (object paths)")
        self.assertLess(len(details), 200)
        with self.assertRaises(grpc.RpcError) as ctx:
            health.GetHealth(health_pb2.GetHealthRequest(adapter="c0", object="/c0/\x07"),
                             timeout=60)
        self.assertEqual(ctx.exception.code(), grpc.StatusCode.NOT_FOUND)
        self.assertIn("has no object /c0/\\x07 ", ctx.exception.details())
        # Alert ids are stored signed: 2^64-1 is not read as -1.
        self.assert_invalid(
            lambda: health.AcknowledgeAlert(health_pb2.AcknowledgeAlertRequest(
                adapter="c0", id=U64_MAX), timeout=60),
            f"id = {U64_MAX}: at most {ABOVE_I64 - 1}")
        # Refused, and audited with a bounded target.
        self.assert_invalid(
            lambda: health.AcknowledgeAlert(health_pb2.AcknowledgeAlertRequest(
                adapter=big, id=1), timeout=60),
            "adapter: 1048576 bytes: at most 32")
        self.assert_invalid(
            lambda: health.SendTestAlert(health_pb2.SendTestAlertRequest(adapter=big), timeout=60),
            "adapter: 1048576 bytes: at most 32")
        records = self.hbamgrd.daemon().ListAudit(daemon_pb2.ListAuditRequest(), timeout=60).records
        audited = [r for r in records if r.method.startswith("/hbamgr.v1.Health/")]
        self.assertEqual(len(audited), 3, audited)
        for record in audited:
            self.assertLess(len(record.target), 200, record.method)
        self.assertLess(len(self.hbamgrd.log()), 64 * 1024, "the log quotes a 1 MiB name")

    def test_firmware_refusals_say_why(self):
        maintenance = self.hbamgrd.maintenance()

        def create(**fields):
            return lambda: maintenance.CreateVirtualDrive(
                maintenance_pb2.CreateVirtualDriveRequest(adapter="c0", **fields), timeout=60)

        self.assert_invalid(create(raid_level=7, drives=[slot(5), slot(6)]),
                            "raid_level = 7: the adapter supports RAID 0, 1, 5, 6, 10")
        self.assert_invalid(create(raid_level=5, drives=[slot(5), slot(6)]),
                            "RAID 5 needs at least 3 drives, got 2")
        self.assert_invalid(create(raid_level=1, drives=[slot(5), slot(6)], strip_kb=7),
                            "strip_kb = 7: a power of two from 8 to 1024 KiB")
        self.assert_invalid(create(raid_level=1, drives=[slot(5), slot(6)], name="db\x07"),
                            "name byte 2 is 0x07: names are printable ASCII")
        self.assert_invalid(create(raid_level=1, drives=[slot(5), slot(6)], name="x" * 16),
                            "name: 16 bytes: at most 15")
        with self.assertRaises(grpc.RpcError) as ctx:
            create(raid_level=1, drives=[slot(1), slot(5)])()
        self.assertEqual(ctx.exception.code(), grpc.StatusCode.FAILED_PRECONDITION)
        self.assertIn("/c0/e0/s1 is online (a member of VD 0)", ctx.exception.details())

        # The raw frame gets the reason in its response.
        spec = bytearray(80)  # struct hbamgr_vd_create
        spec[0], spec[1] = 1, 2          # RAID 1, two members
        spec[4] = 7                      # strip_kb
        spec[16], spec[18] = 5, 6        # pd_ids
        resp = self.hbamgrd.passthrough().Firmware(passthrough_pb2.FirmwareRequest(
            adapter="c0", opcode=VD_CREATE, data_out=bytes(spec)), timeout=60)
        self.assertEqual(resp.status, types_pb2.COMMAND_STATUS_INVALID_PARAM)
        self.assertEqual(resp.reason.name, "STRIP_SIZE")
        self.assertEqual(resp.reason.value, 7)
        self.assertEqual(resp.reason.text, "strip_kb = 7: a power of two from 8 to 1024 KiB")


class QueueBoundTest(DaemonTestCase):
    """daemon.passthru_queue_mb is the bound each adapter's queue applies."""

    DAEMON_ARGS = {"extra_daemon": "passthru_queue_mb = 1\n",
                   "extra_config": "\n[health]\nenabled = false\n"}

    def test_configured_bound_reaches_the_adapters(self):
        stub = self.hbamgrd.passthrough()
        half = MAX_TRANSFER // 2
        resp = stub.Scsi(passthrough_pb2.ScsiRequest(
            adapter="c0", cdb=bytes([0x28, 0, 0, 0, 0, 0, 0, (half // 512) >> 8, 0, 0]),
            data_in_length=half), timeout=60)
        self.assertEqual(resp.status, types_pb2.COMMAND_STATUS_OK)
        # 1 MiB of data and the sense buffer do not fit 1 MiB.
        with self.assertRaises(grpc.RpcError) as ctx:
            stub.Scsi(passthrough_pb2.ScsiRequest(
                adapter="c0", cdb=bytes([0x28, 0, 0, 0, 0, 0, 0, 8, 0, 0]),
                data_in_length=MAX_TRANSFER), timeout=60)
        self.assertEqual(ctx.exception.code(), grpc.StatusCode.RESOURCE_EXHAUSTED)
        self.assertIn(f"this one needs {MAX_TRANSFER + SENSE_MAX}; at most {1 << 20} per adapter "
                      "(daemon.passthru_queue_mb)", ctx.exception.details())


if __name__ == "__main__":
    unittest.main()
