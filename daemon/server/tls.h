// gRPC TLS credentials from PEM files: the daemon's mTLS TCP port and
// hbacli --host.
#ifndef HBAMGR_DAEMON_SERVER_TLS_H_
#define HBAMGR_DAEMON_SERVER_TLS_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "grpcpp/security/credentials.h"
#include "grpcpp/security/server_credentials.h"

namespace hbamgr::server {

// Server side: presents cert/key and requires every client to present a
// certificate signed by client_ca (GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_
// CERTIFICATE_AND_VERIFY).  NOT_FOUND / INVALID_ARGUMENT naming the file that
// is missing, unreadable or not PEM.
absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> MakeServerCredentials(
    const std::string& cert_path, const std::string& key_path, const std::string& client_ca_path);

// Client side: trusts servers signed by ca_path and presents cert/key.
absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> MakeClientCredentials(
    const std::string& ca_path, const std::string& cert_path, const std::string& key_path);

}  // namespace hbamgr::server

#endif  // HBAMGR_DAEMON_SERVER_TLS_H_
