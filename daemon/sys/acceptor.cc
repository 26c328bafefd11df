#include "daemon/sys/acceptor.h"

#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>

#include "absl/strings/str_cat.h"

namespace hbamgr::sys {
namespace {

constexpr int kAcceptBackoffMs = 100;

}  // namespace

absl::StatusOr<std::unique_ptr<Acceptor>> Acceptor::Create(int listen_fd) {
  int wake = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (wake < 0) {
    int err = errno;
    close(listen_fd);
    return absl::InternalError(absl::StrCat("eventfd: ", strerror(err)));
  }
  return std::unique_ptr<Acceptor>(new Acceptor(listen_fd, wake));
}

Acceptor::~Acceptor() {
  Stop();
  close(wake_fd_);
}

absl::Status Acceptor::Start(Handler handler) {
  if (thread_.joinable() || listen_fd_ < 0) {
    return absl::FailedPreconditionError("acceptor already started or stopped");
  }
  thread_ = std::thread([this, handler = std::move(handler)] { Loop(handler); });
  return absl::OkStatus();
}

void Acceptor::Stop() {
  uint64_t one = 1;
  ssize_t n = write(wake_fd_, &one, sizeof(one));
  (void)n;  // an eventfd write only fails on counter overflow, already woken then
  if (thread_.joinable()) thread_.join();
  if (listen_fd_ >= 0) {
    close(listen_fd_);
    listen_fd_ = -1;
  }
}

void Acceptor::Loop(const Handler& handler) {
  for (;;) {
    pollfd fds[2] = {{listen_fd_, POLLIN, 0}, {wake_fd_, POLLIN, 0}};
    int r = poll(fds, 2, -1);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0 || (fds[1].revents & POLLIN)) return;
    // gRPC's endpoint and the HTTP handler both expect a non-blocking fd.
    int fd = accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
    if (fd >= 0) {
      handler(fd);
    } else if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
      // Out of descriptors or memory: back off instead of spinning on a
      // listener that stays readable; Stop() still ends the wait.
      pollfd wake = {wake_fd_, POLLIN, 0};
      poll(&wake, 1, kAcceptBackoffMs);
    }
    // Otherwise EAGAIN (the client gave up) or ECONNABORTED: accept the next.
  }
}

}  // namespace hbamgr::sys
