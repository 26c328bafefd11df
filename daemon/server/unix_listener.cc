#include "daemon/server/unix_listener.h"

#include <fcntl.h>
#include <grp.h>
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

absl::StatusOr<std::vector<gid_t>> PeerGroups(int fd) {
  std::vector<gid_t> groups(32);
  for (;;) {
    socklen_t len = static_cast<socklen_t>(groups.size() * sizeof(gid_t));
    if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, groups.data(), &len) == 0) {
      groups.resize(len / sizeof(gid_t));
      return groups;
    }
    // ERANGE: len now says how much room the list needs.
    if (errno != ERANGE || len / sizeof(gid_t) <= groups.size()) {
      return absl::InternalError(absl::StrCat("SO_PEERGROUPS: ", strerror(errno)));
    }
    groups.resize(len / sizeof(gid_t));
  }
}

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
  absl::StatusOr<std::unique_ptr<sys::Acceptor>> acceptor = sys::Acceptor::Create(fd);
  if (!acceptor.ok()) return acceptor.status();
  // The listener owns the socket from here on; its destructor unlinks the path.
  std::unique_ptr<UnixSocketListener> listener(
      new UnixSocketListener(opts.path, *std::move(acceptor), registry));
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

UnixSocketListener::UnixSocketListener(std::string path, std::unique_ptr<sys::Acceptor> acceptor,
                                       PeerRegistry* registry)
    : path_(std::move(path)), acceptor_(std::move(acceptor)), registry_(registry) {}

UnixSocketListener::~UnixSocketListener() { Stop(); }

absl::Status UnixSocketListener::Start(grpc::Server* server) {
  return acceptor_->Start([this, server](int fd) { Accept(server, fd); });
}

void UnixSocketListener::Stop() {
  acceptor_->Stop();
  if (owns_path_) {
    unlink(path_.c_str());
    owns_path_ = false;
  }
}

void UnixSocketListener::Accept(grpc::Server* server, int fd) {
  ucred cred{};
  socklen_t len = sizeof(cred);
  absl::StatusOr<std::vector<gid_t>> groups = PeerGroups(fd);
  if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0 || !groups.ok()) {
    close(fd);
    return;
  }
  // Registered before gRPC sees the fd, so the first call finds it.
  registry_->Register(FdPeerString(fd), PeerCred{cred.pid, cred.uid, cred.gid, *std::move(groups)});
  grpc::AddInsecureChannelFromFd(server, fd);
}

}  // namespace hbamgr::server
