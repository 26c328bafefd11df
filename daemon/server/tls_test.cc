#include "daemon/server/tls.h"

#include <cstdlib>
#include <fstream>
#include <string>

#include "daemon/server/authorizer.h"
#include "daemon/server/test_support.h"
#include "gmock/gmock.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "grpcpp/security/server_credentials.h"
#include "grpcpp/server.h"
#include "grpcpp/server_builder.h"
#include "gtest/gtest.h"

namespace hbamgr::server {
namespace {

using testing::CallProbe;
using ::testing::HasSubstr;
using testing::kAdminMethod;
using testing::kReadMethod;
using testing::ProbeResult;
using testing::ProbeService;
using ::testing::StartsWith;
using testing::TempDir;

// Makes, with the openssl CLI: a CA, a server certificate for 127.0.0.1, a
// client certificate CN=ops signed by the CA, and a second CA with its own
// client certificate CN=intruder.
void MakeCertificates(const TempDir& dir) {
  const std::string d = dir.File("");
  const std::string script =
      "set -e; cd '" + d +
      "'\n"
      "key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out $1 "
      "2>/dev/null; }\n"
      "ca() { key $1.key; openssl req -x509 -new -key $1.key -subj /CN=$2 -days 2 -out $1.crt; }\n"
      "leaf() {  # name cn ca ext\n"
      "  key $1.key; openssl req -new -key $1.key -subj \"$2\" -out $1.csr\n"
      "  printf '%s\\n' \"$4\" > $1.ext\n"
      "  openssl x509 -req -in $1.csr -CA $3.crt -CAkey $3.key -CAcreateserial -days 2 "
      "-extfile $1.ext -out $1.crt 2>/dev/null\n"
      "}\n"
      "ca ca hbamgr-test-ca\n"
      "ca other-ca other-ca\n"
      "leaf server /CN=hbamgrd ca 'subjectAltName=IP:127.0.0.1'\n"
      "leaf client '/O=example/CN=ops' ca 'extendedKeyUsage=clientAuth'\n"
      "leaf intruder /CN=intruder other-ca 'extendedKeyUsage=clientAuth'\n";
  std::ofstream(dir.File("gen.sh")) << script;
  ASSERT_EQ(std::system(("bash " + dir.File("gen.sh")).c_str()), 0) << script;
}

class TlsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir();
    MakeCertificates(*dir_);
  }
  static void TearDownTestSuite() {
    delete dir_;
    dir_ = nullptr;
  }
  static std::string F(const std::string& name) { return dir_->File(name); }

  void SetUp() override {
    absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> creds =
        MakeServerCredentials(F("server.crt"), F("server.key"), F("ca.crt"));
    ASSERT_TRUE(creds.ok()) << creds.status();
    grpc::ServerBuilder builder;
    builder.AddListeningPort("127.0.0.1:0", *creds, &tls_port_);
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &plain_port_);
    builder.RegisterCallbackGenericService(&service_);
    server_ = builder.BuildAndStart();
    ASSERT_NE(server_, nullptr);
    ASSERT_NE(tls_port_, 0);
  }
  void TearDown() override { server_->Shutdown(); }

  std::shared_ptr<grpc::Channel> TlsChannel(std::shared_ptr<grpc::ChannelCredentials> creds) {
    return grpc::CreateChannel("127.0.0.1:" + std::to_string(tls_port_), creds);
  }

  static TempDir* dir_;
  PeerRegistry registry_;
  Authorizer authorizer_{&registry_, "hbamgr"};
  ProbeService service_{&authorizer_};
  int tls_port_ = 0;
  int plain_port_ = 0;
  std::unique_ptr<grpc::Server> server_;
};

TempDir* TlsTest::dir_ = nullptr;

TEST_F(TlsTest, ClientCertificateSignedByTheCaIsAdmin) {
  absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> creds =
      MakeClientCredentials(F("ca.crt"), F("client.crt"), F("client.key"));
  ASSERT_TRUE(creds.ok()) << creds.status();
  ProbeResult r = CallProbe(TlsChannel(*creds), kAdminMethod);
  ASSERT_EQ(r.code, grpc::StatusCode::OK) << r.message;
  EXPECT_THAT(r.body, StartsWith("cert:"));
  EXPECT_THAT(r.body, HasSubstr("CN=ops"));
  EXPECT_THAT(r.body, HasSubstr("O=example"));
  EXPECT_THAT(r.body, HasSubstr("|ipv4:127.0.0.1:"));
}

TEST_F(TlsTest, ClientWithoutCertificateIsRefused) {
  grpc::SslCredentialsOptions opts;
  std::ifstream ca(F("ca.crt"));
  opts.pem_root_certs.assign(std::istreambuf_iterator<char>(ca), {});
  ProbeResult r = CallProbe(TlsChannel(grpc::SslCredentials(opts)), kReadMethod);
  EXPECT_EQ(r.code, grpc::StatusCode::UNAVAILABLE) << r.message;
}

TEST_F(TlsTest, ClientCertificateFromAnotherCaIsRefused) {
  absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> creds =
      MakeClientCredentials(F("ca.crt"), F("intruder.crt"), F("intruder.key"));
  ASSERT_TRUE(creds.ok()) << creds.status();
  ProbeResult r = CallProbe(TlsChannel(*creds), kReadMethod);
  EXPECT_EQ(r.code, grpc::StatusCode::UNAVAILABLE) << r.message;
}

TEST_F(TlsTest, ClientRefusesAServerItsCaDidNotSign) {
  absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> creds =
      MakeClientCredentials(F("other-ca.crt"), F("client.crt"), F("client.key"));
  ASSERT_TRUE(creds.ok()) << creds.status();
  EXPECT_EQ(CallProbe(TlsChannel(*creds), kReadMethod).code, grpc::StatusCode::UNAVAILABLE);
}

TEST_F(TlsTest, TcpPeerWithoutTlsIsUnauthenticated) {
  ProbeResult r = CallProbe(grpc::CreateChannel("127.0.0.1:" + std::to_string(plain_port_),
                                                grpc::InsecureChannelCredentials()),
                            kReadMethod);
  EXPECT_EQ(r.code, grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_THAT(r.message, HasSubstr("presented no verified client certificate"));
}

TEST_F(TlsTest, MissingOrNonPemFilesAreNamed) {
  absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> missing =
      MakeServerCredentials(F("server.crt"), F("nope.key"), F("ca.crt"));
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(missing.status().message(), HasSubstr("TLS key file " + F("nope.key")));

  std::ofstream(F("garbage.pem")) << "not pem";
  absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> garbage =
      MakeClientCredentials(F("garbage.pem"), F("client.crt"), F("client.key"));
  EXPECT_EQ(garbage.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(garbage.status().message(), HasSubstr("holds no PEM data"));

  EXPECT_EQ(MakeServerCredentials("", F("server.key"), F("ca.crt")).status().code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace hbamgr::server
