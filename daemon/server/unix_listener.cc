#include "daemon/server/unix_listener.h"

#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "grpcpp/server.h"
#include "grpcpp/server_posix.h"

namespace hbamgr::server {
namespace {

constexpr int kAcceptBackoffMs = 100;

absl::Status Errno(absl::string_view what, const std::string& path) {
  return absl::InternalError(absl::StrCat(what, " ", path, ": ", strerror(errno)));
}

absl::StatusOr<sockaddr_un> SocketAddress(const std::string& path) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.empty() || path.size() >= sizeof(addr.sun_path)) {
    return absl::InvalidArgumentError(absl::StrCat("unix socket path '", path,
                                                   "' is empty or longer than ",
                                                   sizeof(addr.sun_path) - 1, " bytes"));
  }
  memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  return addr;
}

// A socket file left by a daemon that died is removed; one that another
// process still accepts on is not.
absl::Status RemoveStaleSocket(const std::string& path, const sockaddr_un& addr) {
  struct stat st;
  if (lstat(path.c_str(), &st) != 0) {
    if (errno == ENOENT) return absl::OkStatus();
    return Errno("stat", path);
  }
  if (!S_ISSOCK(st.st_mode)) {
    return absl::AlreadyExistsError(absl::StrCat(path, " exists and is not a socket"));
  }
  // Non-blocking, so a live listener with a full backlog answers EAGAIN
  // instead of blocking the probe.
  int probe = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (probe < 0) return Errno("socket for", path);
  int r = connect(probe, reinterpret_cast<const sockaddr*>(&addr), sizeof(addr));
  int err = errno;
  close(probe);
  if (r == 0 || err == EAGAIN || err == EINPROGRESS) {
    return absl::FailedPreconditionError(
        absl::StrCat(path, " is served by another process (is hbamgrd already running?)"));
  }
  if (err != ECONNREFUSED) {
    errno = err;
    return Errno("probe", path);
  }
  if (unlink(path.c_str()) != 0 && errno != ENOENT) return Errno("remove stale socket", path);
  return absl::OkStatus();
}

absl::StatusOr<gid_t> GroupId(const std::string& group) {
  std::vector<char> buf(16384);
  struct group gr;
  struct group* result = nullptr;
  int r = getgrnam_r(group.c_str(), &gr, buf.data(), buf.size(), &result);
  if (r != 0) return absl::InternalError(absl::StrCat("getgrnam ", group, ": ", strerror(r)));
  if (result == nullptr) return absl::NotFoundError(absl::StrCat("no group named '", group, "'"));
  return gr.gr_gid;
}

}  // namespace

absl::StatusOr<std::unique_ptr<UnixSocketListener>> UnixSocketListener::Bind(
    const UnixSocketOptions& opts, PeerRegistry* registry) {
  absl::StatusOr<sockaddr_un> addr = SocketAddress(opts.path);
  if (!addr.ok()) return addr.status();
  std::optional<gid_t> gid;
  if (!opts.group.empty()) {
    absl::StatusOr<gid_t> g = GroupId(opts.group);
    if (!g.ok()) return g.status();
    gid = *g;
  }
  if (absl::Status s = RemoveStaleSocket(opts.path, *addr); !s.ok()) return s;

  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) return Errno("socket for", opts.path);
  int wake = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (wake < 0) {
    absl::Status s = Errno("eventfd for", opts.path);
    close(fd);
    return s;
  }
  // The listener owns both fds from here on; its destructor unlinks the path.
  std::unique_ptr<UnixSocketListener> listener(
      new UnixSocketListener(opts.path, fd, wake, registry));
  if (bind(fd, reinterpret_cast<const sockaddr*>(&*addr), sizeof(*addr)) != 0) {
    return Errno("bind", opts.path);
  }
  listener->owns_path_ = true;
  // Permissions are final before listen(), so no client connects through a
  // socket file that is still more open than configured.
  if (gid && chown(opts.path.c_str(), static_cast<uid_t>(-1), *gid) != 0) {
    return Errno("chown", opts.path);
  }
  if (chmod(opts.path.c_str(), opts.mode) != 0) return Errno("chmod", opts.path);
  if (listen(fd, SOMAXCONN) != 0) return Errno("listen", opts.path);
  return listener;
}

UnixSocketListener::UnixSocketListener(std::string path, int listen_fd, int wake_fd,
                                       PeerRegistry* registry)
    : path_(std::move(path)), listen_fd_(listen_fd), wake_fd_(wake_fd), registry_(registry) {}

UnixSocketListener::~UnixSocketListener() {
  Stop();
  close(wake_fd_);
}

absl::Status UnixSocketListener::Start(grpc::Server* server) {
  if (thread_.joinable() || listen_fd_ < 0) {
    return absl::FailedPreconditionError("listener already started or stopped");
  }
  thread_ = std::thread([this, server] { AcceptLoop(server); });
  return absl::OkStatus();
}

void UnixSocketListener::Stop() {
  if (thread_.joinable()) {
    uint64_t one = 1;
    ssize_t n = write(wake_fd_, &one, sizeof(one));
    (void)n;  // an eventfd write only fails on counter overflow, already woken then
    thread_.join();
  }
  if (listen_fd_ >= 0) {
    close(listen_fd_);
    listen_fd_ = -1;
    if (owns_path_) unlink(path_.c_str());
  }
}

void UnixSocketListener::AcceptLoop(grpc::Server* server) {
  for (;;) {
    pollfd fds[2] = {{listen_fd_, POLLIN, 0}, {wake_fd_, POLLIN, 0}};
    int r = poll(fds, 2, -1);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0 || (fds[1].revents & POLLIN)) return;
    // gRPC's endpoint expects a non-blocking fd.
    int fd = accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
    if (fd < 0) {
      if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
        // Out of descriptors or memory: back off instead of spinning on a
        // listener that stays readable; Stop() still ends the wait.
        pollfd wake = {wake_fd_, POLLIN, 0};
        poll(&wake, 1, kAcceptBackoffMs);
      }
      continue;  // EAGAIN (the client gave up), ECONNABORTED
    }
    ucred cred{};
    socklen_t len = sizeof(cred);
    if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0) {
      close(fd);
      continue;
    }
    // Registered before gRPC sees the fd, so the first call finds it.
    registry_->Register(FdPeerString(fd), PeerCred{cred.pid, cred.uid, cred.gid});
    grpc::AddInsecureChannelFromFd(server, fd);
  }
}

}  // namespace hbamgr::server
