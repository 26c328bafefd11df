#include "daemon/server/tls.h"

#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "grpcpp/security/credentials.h"
#include "grpcpp/security/server_credentials.h"

namespace hbamgr::server {
namespace {

// Reads a PEM file; `what` names its role in messages.
absl::StatusOr<std::string> ReadPem(const std::string& path, absl::string_view what) {
  if (path.empty()) return absl::InvalidArgumentError(absl::StrCat("no ", what, " file given"));
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot read ", what, " file ", path));
  std::ostringstream text;
  text << in.rdbuf();
  std::string pem = text.str();
  if (pem.find("-----BEGIN ") == std::string::npos) {
    return absl::InvalidArgumentError(absl::StrCat(what, " file ", path, " holds no PEM data"));
  }
  return pem;
}

}  // namespace

absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> MakeServerCredentials(
    const std::string& cert_path, const std::string& key_path, const std::string& client_ca_path) {
  absl::StatusOr<std::string> cert = ReadPem(cert_path, "TLS certificate");
  if (!cert.ok()) return cert.status();
  absl::StatusOr<std::string> key = ReadPem(key_path, "TLS key");
  if (!key.ok()) return key.status();
  absl::StatusOr<std::string> ca = ReadPem(client_ca_path, "TLS client CA");
  if (!ca.ok()) return ca.status();
  grpc::SslServerCredentialsOptions opts(
      GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY);
  opts.pem_root_certs = *ca;
  opts.pem_key_cert_pairs.push_back({*key, *cert});
  return grpc::SslServerCredentials(opts);
}

absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> MakeClientCredentials(
    const std::string& ca_path, const std::string& cert_path, const std::string& key_path) {
  absl::StatusOr<std::string> ca = ReadPem(ca_path, "TLS CA");
  if (!ca.ok()) return ca.status();
  absl::StatusOr<std::string> cert = ReadPem(cert_path, "TLS certificate");
  if (!cert.ok()) return cert.status();
  absl::StatusOr<std::string> key = ReadPem(key_path, "TLS key");
  if (!key.ok()) return key.status();
  grpc::SslCredentialsOptions opts;
  opts.pem_root_certs = *ca;
  opts.pem_private_key = *key;
  opts.pem_cert_chain = *cert;
  return grpc::SslCredentials(opts);
}

}  // namespace hbamgr::server
