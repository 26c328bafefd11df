"""gRPC stubs of the hbamgr.v1 API, generated from proto/hbamgr/v1/*.proto."""
