"""Remote access over TCP is mutual TLS: the right client certificate works,
none or one from another CA is refused."""

import os
import shutil
import subprocess
import tempfile
import unittest

import grpc

from hbamgr.v1 import inventory_pb2
from hbamgr.v1 import inventory_pb2_grpc
from hbamgr_fixture import DaemonTestCase, free_tcp_port, run_cli


def openssl(*args, cwd):
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True)


def make_ca(d, name):
    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj",
            f"/CN={name}", "-keyout", f"{name}.key", "-out", f"{name}.pem", cwd=d)


def make_cert(d, ca, name, san=None):
    openssl("req", "-newkey", "rsa:2048", "-nodes", "-subj", f"/CN={name}", "-keyout",
            f"{name}.key", "-out", f"{name}.csr", cwd=d)
    ext = os.path.join(d, f"{name}.ext")
    with open(ext, "w") as f:
        if san:
            f.write(f"subjectAltName={san}\n")
        f.write("basicConstraints=CA:FALSE\n")
    openssl("x509", "-req", "-in", f"{name}.csr", "-CA", f"{ca}.pem", "-CAkey", f"{ca}.key",
            "-CAcreateserial", "-days", "1", "-extfile", ext, "-out", f"{name}.pem", cwd=d)


class MtlsTest(DaemonTestCase):
    def setUp(self):
        self.certs = tempfile.mkdtemp(prefix="hbamgr-tls-")
        make_ca(self.certs, "ca")
        make_ca(self.certs, "otherca")
        make_cert(self.certs, "ca", "server", san="IP:127.0.0.1,DNS:localhost")
        make_cert(self.certs, "ca", "client")
        make_cert(self.certs, "otherca", "intruder")
        self.port = free_tcp_port()
        self.DAEMON_ARGS = {"tcp": f"127.0.0.1:{self.port}", "tls": {
            "cert": self.path("server.pem"), "key": self.path("server.key"),
            "client_ca": self.path("ca.pem")}}
        super().setUp()

    def tearDown(self):
        shutil.rmtree(self.certs, ignore_errors=True)

    def path(self, name):
        return os.path.join(self.certs, name)

    def remote_cli(self, cert, key, *args):
        return run_cli(["--host", f"127.0.0.1:{self.port}", "--tls-ca", self.path("ca.pem"),
                        "--tls-cert", self.path(cert), "--tls-key", self.path(key), *args])

    def test_client_certificate_from_the_ca_is_accepted(self):
        code, doc, out, err = self.remote_cli("client.pem", "client.key", "show")
        self.assertEqual(code, 0, out + err)
        self.assertEqual([c["adapter"] for c in doc["data"]["controllers"]], ["c0"])
        # Remote peers are admins: a change works too.
        code, doc, out, err = self.remote_cli("client.pem", "client.key", "/c0/e0/s1", "start",
                                              "locate")
        self.assertEqual(code, 0, out + err)

    def test_certificate_from_another_ca_is_refused(self):
        code, doc, out, err = self.remote_cli("intruder.pem", "intruder.key", "show")
        self.assertIn(code, (4, 5), out + err)
        self.assertEqual(doc["status"], "failure")

    def test_no_client_certificate_is_refused(self):
        with open(self.path("ca.pem"), "rb") as f:
            creds = grpc.ssl_channel_credentials(root_certificates=f.read())
        with grpc.secure_channel(f"127.0.0.1:{self.port}", creds) as channel:
            stub = inventory_pb2_grpc.InventoryStub(channel)
            with self.assertRaises(grpc.RpcError) as ctx:
                stub.ListAdapters(inventory_pb2.ListAdaptersRequest(), timeout=10)
            self.assertIn(ctx.exception.code(),
                          (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.UNAUTHENTICATED))
        # hbacli will not even try without a certificate.
        code, doc, _, _ = run_cli(["--host", f"127.0.0.1:{self.port}", "--tls-ca",
                                   self.path("ca.pem"), "show"])
        self.assertEqual(code, 1)
        self.assertIn("--tls-cert", doc["error"]["message"])


if __name__ == "__main__":
    unittest.main()
