// SIGHUP/SIGTERM/SIGINT through a signalfd the daemon's main loop polls.
#ifndef HBAMGR_DAEMON_SYS_SIGNALS_H_
#define HBAMGR_DAEMON_SYS_SIGNALS_H_

#include <signal.h>

#include <initializer_list>
#include <memory>
#include <optional>

#include "absl/status/statusor.h"

namespace hbamgr::sys {

class SignalWatcher {
 public:
  // Blocks `signals` in the calling thread and opens a signalfd for them.
  // Call it from main() before any thread starts, so every thread inherits
  // the blocked mask and the signals are only seen through fd().  The
  // destructor closes the fd and restores the previous mask.
  static absl::StatusOr<std::unique_ptr<SignalWatcher>> Create(
      std::initializer_list<int> signals = {SIGHUP, SIGTERM, SIGINT});

  ~SignalWatcher();
  SignalWatcher(const SignalWatcher&) = delete;
  SignalWatcher& operator=(const SignalWatcher&) = delete;

  // Readable (POLLIN) while a signal is pending.  Non-blocking, CLOEXEC.
  int fd() const { return fd_; }
  // The next pending signal number, nullopt when none is pending.
  absl::StatusOr<std::optional<int>> Read();

 private:
  SignalWatcher(int fd, const sigset_t& old_mask);

  const int fd_;
  const sigset_t old_mask_;
};

}  // namespace hbamgr::sys

#endif  // HBAMGR_DAEMON_SYS_SIGNALS_H_
