#include "cli/connection.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "daemon/server/tls.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"

namespace hbamgr::cli {

absl::StatusOr<std::shared_ptr<grpc::Channel>> OpenChannel(const ConnectionOptions& options) {
  grpc::ChannelArguments args;
  // Fail fast instead of retrying a connection for the whole deadline: a
  // daemon that is not there is reported as unreachable at once.
  args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 100);
  if (options.host.empty()) {
    if (options.tls_ca.size() + options.tls_cert.size() + options.tls_key.size() > 0) {
      return absl::InvalidArgumentError("--tls-ca/--tls-cert/--tls-key need --host");
    }
    struct stat st;
    if (stat(options.socket.c_str(), &st) != 0) {
      return absl::UnavailableError(
          absl::StrCat("cannot reach hbamgrd at ", options.socket, ": ", std::strerror(errno),
                       " (is hbamgrd running? --socket or HBAMGR_SOCKET choose another)"));
    }
    return grpc::CreateCustomChannel(absl::StrCat("unix:", options.socket),
                                     grpc::InsecureChannelCredentials(), args);
  }
  if (options.tls_ca.empty() || options.tls_cert.empty() || options.tls_key.empty()) {
    return absl::InvalidArgumentError(
        "--host needs --tls-ca, --tls-cert and --tls-key: remote access is mutual TLS only");
  }
  absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> creds =
      server::MakeClientCredentials(options.tls_ca, options.tls_cert, options.tls_key);
  if (!creds.ok()) return absl::InvalidArgumentError(creds.status().message());
  return grpc::CreateCustomChannel(options.host, *creds, args);
}

}  // namespace hbamgr::cli
