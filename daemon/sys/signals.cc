#include "daemon/sys/signals.h"

#include <sys/signalfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"

namespace hbamgr::sys {

absl::StatusOr<std::unique_ptr<SignalWatcher>> SignalWatcher::Create(
    std::initializer_list<int> signals) {
  sigset_t mask;
  sigemptyset(&mask);
  for (int sig : signals) {
    if (sigaddset(&mask, sig) != 0) {
      return absl::InvalidArgumentError(absl::StrCat("bad signal number ", sig));
    }
  }
  sigset_t old_mask;
  int r = pthread_sigmask(SIG_BLOCK, &mask, &old_mask);
  if (r != 0) return absl::InternalError(absl::StrCat("pthread_sigmask: ", strerror(r)));
  int fd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
  if (fd < 0) {
    int err = errno;
    pthread_sigmask(SIG_SETMASK, &old_mask, nullptr);
    return absl::InternalError(absl::StrCat("signalfd: ", strerror(err)));
  }
  return std::unique_ptr<SignalWatcher>(new SignalWatcher(fd, old_mask));
}

SignalWatcher::SignalWatcher(int fd, const sigset_t& old_mask) : fd_(fd), old_mask_(old_mask) {}

SignalWatcher::~SignalWatcher() {
  close(fd_);
  pthread_sigmask(SIG_SETMASK, &old_mask_, nullptr);
}

absl::StatusOr<std::optional<int>> SignalWatcher::Read() {
  signalfd_siginfo info;
  for (;;) {
    ssize_t n = read(fd_, &info, sizeof(info));
    if (n == static_cast<ssize_t>(sizeof(info))) return static_cast<int>(info.ssi_signo);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN) return std::nullopt;
    if (n < 0) return absl::InternalError(absl::StrCat("read signalfd: ", strerror(errno)));
    return absl::InternalError(absl::StrCat("short read from signalfd: ", n));
  }
}

}  // namespace hbamgr::sys
