// Test helper run as another uid by authorizer_test: calls a probe method
// over a unix socket and prints "<status code>\n<body or message>".
#include <cstdio>
#include <string>

#include "daemon/server/test_support.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"

int main(int argc, char** argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: %s <socket path> <method>\n", argv[0]);
    return 2;
  }
  auto channel =
      grpc::CreateChannel(std::string("unix:") + argv[1], grpc::InsecureChannelCredentials());
  hbamgr::server::testing::ProbeResult r = hbamgr::server::testing::CallProbe(channel, argv[2]);
  printf("%d\n%s", static_cast<int>(r.code),
         r.code == grpc::StatusCode::OK ? r.body.c_str() : r.message.c_str());
  return 0;
}
