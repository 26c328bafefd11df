#include "daemon/sys/metrics_http.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace hbamgr::sys {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

int Connect(uint16_t port) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  EXPECT_EQ(connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  return fd;
}

// Sends `request` and reads the response until the server closes.
std::string Exchange(uint16_t port, const std::string& request) {
  int fd = Connect(port);
  EXPECT_EQ(send(fd, request.data(), request.size(), MSG_NOSIGNAL),
            static_cast<ssize_t>(request.size()));
  std::string response;
  char buf[4096];
  for (;;) {
    pollfd p = {fd, POLLIN, 0};
    if (poll(&p, 1, 10000) != 1) break;
    ssize_t n = read(fd, buf, sizeof(buf));
    if (n <= 0) break;
    response.append(buf, static_cast<size_t>(n));
  }
  close(fd);
  return response;
}

class MetricsHttpTest : public ::testing::Test {
 protected:
  void SetUp() override {
    (*registry_.GetCounter("hbamgr_events_total", "Events stored.", {{"adapter", "0"}}))
        ->Increment(7);
    absl::StatusOr<std::unique_ptr<MetricsHttpServer>> s =
        MetricsHttpServer::Start("127.0.0.1:0", &registry_);
    ASSERT_TRUE(s.ok()) << s.status();
    server_ = std::move(*s);
    ASSERT_NE(server_->port(), 0);
  }

  MetricsRegistry registry_;
  std::unique_ptr<MetricsHttpServer> server_;
};

TEST_F(MetricsHttpTest, GetMetricsServesTheRegistry) {
  const std::string body = registry_.RenderText();
  EXPECT_EQ(Exchange(server_->port(), "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n"),
            "HTTP/1.1 200 OK\r\n"
            "Content-Type: text/plain; version=0.0.4; charset=utf-8\r\n"
            "Content-Length: " +
                std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + body);
  EXPECT_THAT(body, HasSubstr("hbamgr_events_total{adapter=\"0\"} 7\n"));
}

TEST_F(MetricsHttpTest, QueryStringIsIgnored) {
  EXPECT_THAT(Exchange(server_->port(), "GET /metrics?x=1 HTTP/1.0\r\n\r\n"),
              StartsWith("HTTP/1.1 200 OK\r\n"));
}

TEST_F(MetricsHttpTest, ServesRequestsOneAfterAnother) {
  for (int i = 0; i < 3; ++i) {
    EXPECT_THAT(Exchange(server_->port(), "GET /metrics HTTP/1.1\r\n\r\n"),
                StartsWith("HTTP/1.1 200 OK\r\n"));
  }
}

TEST_F(MetricsHttpTest, OtherPathIs404) {
  EXPECT_THAT(Exchange(server_->port(), "GET / HTTP/1.1\r\n\r\n"),
              StartsWith("HTTP/1.1 404 Not Found\r\n"));
  EXPECT_THAT(Exchange(server_->port(), "GET /metricsx HTTP/1.1\r\n\r\n"),
              StartsWith("HTTP/1.1 404 Not Found\r\n"));
}

TEST_F(MetricsHttpTest, OtherMethodIs405) {
  EXPECT_THAT(Exchange(server_->port(), "POST /metrics HTTP/1.1\r\nContent-Length: 0\r\n\r\n"),
              StartsWith("HTTP/1.1 405 Method Not Allowed\r\n"));
}

TEST_F(MetricsHttpTest, GarbageIs400) {
  EXPECT_THAT(Exchange(server_->port(), "hello\r\n\r\n"),
              StartsWith("HTTP/1.1 400 Bad Request\r\n"));
}

TEST_F(MetricsHttpTest, StopIsPromptWithASilentClientConnected) {
  int fd = Connect(server_->port());  // sends nothing: the server waits on it
  server_->Stop();                    // must not wait out the 5 s read deadline
  server_->Stop();                    // idempotent
  close(fd);
  // The listener is closed: nothing accepts on the port any more.
  int probe = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(server_->port());
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  EXPECT_EQ(connect(probe, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), -1);
  EXPECT_EQ(errno, ECONNREFUSED);
  close(probe);
}

TEST(MetricsHttpStartTest, BadAddresses) {
  MetricsRegistry reg;
  EXPECT_EQ(MetricsHttpServer::Start("9464", &reg).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(MetricsHttpServer::Start("127.0.0.1:http", &reg).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(MetricsHttpServer::Start("no.such.host.invalid:0", &reg).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(MetricsHttpStartTest, PortInUseIsUnavailable) {
  MetricsRegistry reg;
  auto first = MetricsHttpServer::Start("127.0.0.1:0", &reg);
  ASSERT_TRUE(first.ok());
  auto second = MetricsHttpServer::Start("127.0.0.1:" + std::to_string((*first)->port()), &reg);
  EXPECT_EQ(second.status().code(), absl::StatusCode::kUnavailable);
}

}  // namespace
}  // namespace hbamgr::sys
