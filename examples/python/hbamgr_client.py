#!/usr/bin/python3
"""A small hbamgrd client: inventory and live events over gRPC.

Usage:
  hbamgr_client.py [--socket PATH | --host HOST:PORT --tls-ca CA --tls-cert CERT
                    --tls-key KEY] inventory
  hbamgr_client.py [...] subscribe ADAPTER [--from SEQ]

The hbamgr.v1 python stubs must be importable: generate them with
  python3 -m grpc_tools.protoc -Iproto --python_out=OUT --grpc_python_out=OUT \\
      proto/hbamgr/v1/*.proto
and put OUT on PYTHONPATH (the CMake build does this into build/proto/python).
"""

import argparse
import json
import sys

import grpc

from hbamgr.v1 import events_pb2
from hbamgr.v1 import events_pb2_grpc
from hbamgr.v1 import inventory_pb2
from hbamgr.v1 import inventory_pb2_grpc
from google.protobuf import json_format

DEFAULT_SOCKET = "/run/hbamgr/hbamgrd.sock"


class HbamgrClient:
    """Inventory and event access to one hbamgrd."""

    def __init__(self, socket_path=DEFAULT_SOCKET, host=None, tls_ca=None, tls_cert=None,
                 tls_key=None):
        if host:
            with open(tls_ca, "rb") as ca, open(tls_cert, "rb") as cert, \
                    open(tls_key, "rb") as key:
                creds = grpc.ssl_channel_credentials(
                    root_certificates=ca.read(), private_key=key.read(),
                    certificate_chain=cert.read())
            self.channel = grpc.secure_channel(host, creds)
        else:
            self.channel = grpc.insecure_channel("unix:" + socket_path)
        self.inventory_stub = inventory_pb2_grpc.InventoryStub(self.channel)
        self.events_stub = events_pb2_grpc.EventsStub(self.channel)

    def close(self):
        self.channel.close()

    def inventory(self, timeout=30):
        """Every adapter with its enclosures, drives and virtual drives, as dicts."""
        inv = self.inventory_stub
        result = []
        adapters = inv.ListAdapters(inventory_pb2.ListAdaptersRequest(), timeout=timeout)
        for controller in adapters.controllers:
            name = controller.adapter
            enclosures = inv.ListEnclosures(
                inventory_pb2.ListEnclosuresRequest(adapter=name), timeout=timeout)
            drives = inv.ListDrives(inventory_pb2.ListDrivesRequest(adapter=name),
                                    timeout=timeout)
            vds = inv.ListVirtualDrives(
                inventory_pb2.ListVirtualDrivesRequest(adapter=name), timeout=timeout)
            result.append({
                "controller": _to_dict(controller),
                "enclosures": [_to_dict(e) for e in enclosures.enclosures],
                "drives": [_to_dict(d) for d in drives.drives],
                "virtual_drives": [_to_dict(v) for v in vds.virtual_drives],
            })
        return result

    def query_events(self, adapter, min_seq=None, timeout=30):
        """Stored events of `adapter` in sequence order."""
        flt = events_pb2.EventFilter(adapter=adapter)
        if min_seq is not None:
            flt.min_seq = min_seq
        resp = self.events_stub.QueryEvents(events_pb2.QueryEventsRequest(filter=flt),
                                            timeout=timeout)
        return list(resp.events)

    def subscribe(self, adapter, from_seq=None):
        """A call object iterating hbamgr.v1.Event messages; cancel() ends it."""
        req = events_pb2.SubscribeRequest(adapter=adapter)
        if from_seq is not None:
            req.from_seq = from_seq
        return self.events_stub.Subscribe(req)


def _to_dict(message):
    return json_format.MessageToDict(message, preserving_proto_field_name=True,
                                     including_default_value_fields=True)


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--socket", default=DEFAULT_SOCKET)
    parser.add_argument("--host")
    parser.add_argument("--tls-ca")
    parser.add_argument("--tls-cert")
    parser.add_argument("--tls-key")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("inventory", help="print every adapter's inventory as JSON")
    subscribe = sub.add_parser("subscribe", help="print events as they arrive")
    subscribe.add_argument("adapter")
    subscribe.add_argument("--from", dest="from_seq", type=int)
    args = parser.parse_args(argv)

    client = HbamgrClient(args.socket, args.host, args.tls_ca, args.tls_cert, args.tls_key)
    try:
        if args.command == "inventory":
            json.dump(client.inventory(), sys.stdout, indent=2)
            print()
        else:
            call = client.subscribe(args.adapter, args.from_seq)
            try:
                for resp in call:
                    ev = resp.event
                    print(f"{ev.adapter} seq={ev.seq} {ev.code_name}: {ev.description}",
                          flush=True)
            except KeyboardInterrupt:
                call.cancel()
    except grpc.RpcError as err:
        print(f"hbamgr_client: {err.code().name}: {err.details()}", file=sys.stderr)
        return 1
    finally:
        client.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
