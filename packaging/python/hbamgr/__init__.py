"""Python access to hbamgrd, the hbamgr SAS/RAID adapter management daemon.

hbamgr.v1 holds the gRPC stubs generated from proto/hbamgr/v1/*.proto;
hbamgr.client a small client (inventory, live events):

    from hbamgr.client import HbamgrClient
    client = HbamgrClient()          # /run/hbamgr/hbamgrd.sock
    print(client.inventory())

or from a shell: python3 -m hbamgr.client inventory
"""
