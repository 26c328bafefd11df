#include "cli/connection.h"

#include <cstdlib>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace hbamgr::cli {
namespace {

using ::testing::HasSubstr;

TEST(ConnectionTest, MissingSocketIsUnreachable) {
  ConnectionOptions options;
  options.socket = ::testing::TempDir() + "/no-such-daemon.sock";
  absl::StatusOr<std::shared_ptr<grpc::Channel>> channel = OpenChannel(options);
  EXPECT_EQ(channel.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(channel.status().message(), HasSubstr("no-such-daemon.sock"));
  EXPECT_THAT(channel.status().message(), HasSubstr("HBAMGR_SOCKET"));
}

TEST(ConnectionTest, TlsOptionsNeedHost) {
  ConnectionOptions options;
  options.tls_ca = "ca.pem";
  EXPECT_EQ(OpenChannel(options).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(ConnectionTest, HostNeedsAllThreeTlsFiles) {
  ConnectionOptions options;
  options.host = "127.0.0.1:1";
  options.tls_ca = "ca.pem";
  options.tls_cert = "client.pem";
  absl::StatusOr<std::shared_ptr<grpc::Channel>> channel = OpenChannel(options);
  EXPECT_EQ(channel.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(channel.status().message(), HasSubstr("mutual TLS only"));
}

TEST(ConnectionTest, UnreadableCertificateIsAUsageError) {
  ConnectionOptions options;
  options.host = "127.0.0.1:1";
  options.tls_ca = ::testing::TempDir() + "/missing-ca.pem";
  options.tls_cert = options.tls_ca;
  options.tls_key = options.tls_ca;
  absl::StatusOr<std::shared_ptr<grpc::Channel>> channel = OpenChannel(options);
  EXPECT_EQ(channel.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(channel.status().message(), HasSubstr("missing-ca.pem"));
}

}  // namespace
}  // namespace hbamgr::cli
