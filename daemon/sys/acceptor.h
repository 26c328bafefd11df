// The accept thread of a listening socket, shared by hbamgrd's unix-socket
// gRPC endpoint and its metrics HTTP server.
#ifndef HBAMGR_DAEMON_SYS_ACCEPTOR_H_
#define HBAMGR_DAEMON_SYS_ACCEPTOR_H_

#include <functional>
#include <memory>
#include <thread>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace hbamgr::sys {

// Owns a listening socket, an eventfd that stops it, and the thread that
// accepts on it.  Stop() is prompt: the thread polls the eventfd beside the
// socket, and handlers can poll wake_fd() too to abandon slow clients.
class Acceptor {
 public:
  // Called on the accept thread with each accepted connection (non-blocking,
  // close-on-exec); the handler owns `fd` and must close or hand it on.
  using Handler = std::function<void(int fd)>;

  // Takes ownership of `listen_fd`, a non-blocking socket already listening
  // (closed here on error too).
  static absl::StatusOr<std::unique_ptr<Acceptor>> Create(int listen_fd);

  ~Acceptor();  // Stop(), then closes the eventfd
  Acceptor(const Acceptor&) = delete;
  Acceptor& operator=(const Acceptor&) = delete;

  // Starts the accept thread.  FAILED_PRECONDITION when started before or
  // stopped.
  absl::Status Start(Handler handler);

  // Wakes the thread, joins it (a handler that is running finishes first) and
  // closes the listening socket.  Idempotent.
  void Stop();

  int listen_fd() const { return listen_fd_; }  // -1 once stopped
  int wake_fd() const { return wake_fd_; }      // readable once Stop() began

 private:
  Acceptor(int listen_fd, int wake_fd) : listen_fd_(listen_fd), wake_fd_(wake_fd) {}
  void Loop(const Handler& handler);

  int listen_fd_;
  const int wake_fd_;
  std::thread thread_;
};

}  // namespace hbamgr::sys

#endif  // HBAMGR_DAEMON_SYS_ACCEPTOR_H_
