// The channel to hbamgrd: its unix socket (local, peer uid checked), or
// host:port with mutual TLS (remote).
#ifndef HBAMGR_CLI_CONNECTION_H_
#define HBAMGR_CLI_CONNECTION_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "grpcpp/channel.h"

namespace hbamgr::cli {

inline constexpr char kDefaultSocket[] = "/run/hbamgr/hbamgrd.sock";

struct ConnectionOptions {
  std::string socket = kDefaultSocket;  // used when host is empty
  std::string host;                     // "host:port": TCP with mTLS
  std::string tls_ca;                   // CA that signed the daemon's certificate
  std::string tls_cert;                 // our client certificate
  std::string tls_key;                  // its key
};

// INVALID_ARGUMENT for an incomplete TLS setup or unreadable PEM files,
// UNAVAILABLE when the socket does not exist.  The channel connects lazily.
absl::StatusOr<std::shared_ptr<grpc::Channel>> OpenChannel(const ConnectionOptions& options);

}  // namespace hbamgr::cli

#endif  // HBAMGR_CLI_CONNECTION_H_
