#include "daemon/sys/metrics_http.h"

#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "absl/time/clock.h"

namespace hbamgr::sys {
namespace {

// A client that sends nothing useful for this long is dropped, so one slow
// scraper cannot hold the (single) serving thread.
constexpr absl::Duration kConnectionDeadline = absl::Seconds(5);
constexpr size_t kMaxRequestHeader = 8192;

absl::Status SplitHostPort(absl::string_view address, std::string* host, std::string* port) {
  size_t colon = address.rfind(':');
  if (colon == absl::string_view::npos) {
    return absl::InvalidArgumentError(
        absl::StrCat("metrics address '", address, "' is not host:port"));
  }
  absl::string_view h = address.substr(0, colon);
  if (h.size() >= 2 && h.front() == '[' && h.back() == ']') h = h.substr(1, h.size() - 2);
  *host = std::string(h);
  *port = std::string(address.substr(colon + 1));
  uint32_t port_number = 0;
  if (!absl::SimpleAtoi(*port, &port_number) || port_number > 65535) {
    return absl::InvalidArgumentError(
        absl::StrCat("metrics address '", address, "': bad port '", *port, "'"));
  }
  return absl::OkStatus();
}

absl::StatusOr<int> Listen(absl::string_view address) {
  std::string host, port;
  if (absl::Status s = SplitHostPort(address, &host, &port); !s.ok()) return s;
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  addrinfo* res = nullptr;
  int r = getaddrinfo(host.empty() ? nullptr : host.c_str(), port.c_str(), &hints, &res);
  if (r != 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("metrics address '", address, "': ", gai_strerror(r)));
  }
  std::string last_error = "no address";
  int fd = -1;
  for (addrinfo* ai = res; ai != nullptr && fd < 0; ai = ai->ai_next) {
    fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, ai->ai_protocol);
    if (fd < 0) {
      last_error = strerror(errno);
      continue;
    }
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (bind(fd, ai->ai_addr, ai->ai_addrlen) != 0 || listen(fd, 16) != 0) {
      last_error = strerror(errno);
      close(fd);
      fd = -1;
    }
  }
  freeaddrinfo(res);
  if (fd < 0) {
    return absl::UnavailableError(
        absl::StrCat("cannot listen on metrics address '", address, "': ", last_error));
  }
  return fd;
}

absl::StatusOr<uint16_t> BoundPort(int fd) {
  sockaddr_storage ss{};
  socklen_t len = sizeof(ss);
  if (getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len) != 0) {
    return absl::InternalError(absl::StrCat("getsockname: ", strerror(errno)));
  }
  if (ss.ss_family == AF_INET) return ntohs(reinterpret_cast<sockaddr_in*>(&ss)->sin_port);
  return ntohs(reinterpret_cast<sockaddr_in6*>(&ss)->sin6_port);
}

// Waits until `fd` has `events` or the deadline passes or the wake fd fires.
bool WaitFor(int fd, short events, int wake_fd, absl::Time deadline) {
  for (;;) {
    absl::Duration left = deadline - absl::Now();
    if (left <= absl::ZeroDuration()) return false;
    pollfd fds[2] = {{fd, events, 0}, {wake_fd, POLLIN, 0}};
    int r = poll(fds, 2, static_cast<int>(absl::ToInt64Milliseconds(left)) + 1);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0 || (fds[1].revents & POLLIN)) return false;
    if (fds[0].revents != 0) return true;
  }
}

std::string Response(absl::string_view status, absl::string_view content_type,
                     absl::string_view body) {
  return absl::StrCat("HTTP/1.1 ", status, "\r\nContent-Type: ", content_type,
                      "\r\nContent-Length: ", body.size(), "\r\nConnection: close\r\n\r\n", body);
}

}  // namespace

absl::StatusOr<std::unique_ptr<MetricsHttpServer>> MetricsHttpServer::Start(
    absl::string_view address, const MetricsRegistry* registry) {
  absl::StatusOr<int> fd = Listen(address);
  if (!fd.ok()) return fd.status();
  absl::StatusOr<uint16_t> port = BoundPort(*fd);
  if (!port.ok()) {
    close(*fd);
    return port.status();
  }
  absl::StatusOr<std::unique_ptr<Acceptor>> acceptor = Acceptor::Create(*fd);
  if (!acceptor.ok()) return acceptor.status();
  std::unique_ptr<MetricsHttpServer> server(
      new MetricsHttpServer(*std::move(acceptor), *port, registry));
  absl::Status started = server->acceptor_->Start([s = server.get()](int conn) {
    s->HandleConnection(conn);
    close(conn);
  });
  if (!started.ok()) return started;
  return server;
}

MetricsHttpServer::MetricsHttpServer(std::unique_ptr<Acceptor> acceptor, uint16_t port,
                                     const MetricsRegistry* registry)
    : acceptor_(std::move(acceptor)), port_(port), registry_(registry) {}

MetricsHttpServer::~MetricsHttpServer() { Stop(); }

void MetricsHttpServer::Stop() { acceptor_->Stop(); }

void MetricsHttpServer::HandleConnection(int fd) {
  const absl::Time deadline = absl::Now() + kConnectionDeadline;
  std::string request;
  while (request.find("\r\n\r\n") == std::string::npos) {
    if (request.size() > kMaxRequestHeader || !WaitFor(fd, POLLIN, acceptor_->wake_fd(), deadline))
      return;
    char buf[1024];
    ssize_t n = read(fd, buf, sizeof(buf));
    if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
    if (n <= 0) return;
    request.append(buf, static_cast<size_t>(n));
  }
  std::vector<absl::string_view> parts =
      absl::StrSplit(absl::string_view(request).substr(0, request.find("\r\n")), ' ');
  std::string response;
  if (parts.size() != 3 || !absl::StartsWith(parts[2], "HTTP/1.")) {
    response = Response("400 Bad Request", "text/plain", "bad request\n");
  } else if (parts[0] != "GET") {
    response = Response("405 Method Not Allowed", "text/plain", "only GET is served\n");
  } else if (absl::string_view path = parts[1].substr(0, parts[1].find('?')); path != "/metrics") {
    response = Response("404 Not Found", "text/plain", "not found; try /metrics\n");
  } else {
    response =
        Response("200 OK", "text/plain; version=0.0.4; charset=utf-8", registry_->RenderText());
  }
  absl::string_view rest = response;
  while (!rest.empty()) {
    ssize_t n = send(fd, rest.data(), rest.size(), MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN) {
      if (!WaitFor(fd, POLLOUT, acceptor_->wake_fd(), deadline)) return;
      continue;
    }
    if (n < 0) return;
    rest.remove_prefix(static_cast<size_t>(n));
  }
}

}  // namespace hbamgr::sys
