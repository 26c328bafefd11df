// hbamgrd's local endpoint: a unix stream socket whose connections are
// accepted here (to read SO_PEERCRED) and then served by a grpc::Server.
#ifndef HBAMGR_DAEMON_SERVER_UNIX_LISTENER_H_
#define HBAMGR_DAEMON_SERVER_UNIX_LISTENER_H_

#include <sys/types.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "daemon/server/peer_registry.h"
#include "daemon/sys/acceptor.h"

namespace grpc {
class Server;
}

namespace hbamgr::server {

struct UnixSocketOptions {
  std::string path{};
  mode_t mode = 0660;   // chmod of the socket file
  std::string group{};  // chown group of the socket file; "" = leave as is
};

// The supplementary groups of the process at the other end of the unix
// socket `fd`, as they were when it connected (SO_PEERGROUPS, Linux 4.13).
absl::StatusOr<std::vector<gid_t>> PeerGroups(int fd);

// Typical use:
//   auto listener = UnixSocketListener::Bind(opts, &registry);   // 1
//   std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
//   listener->Start(server.get());                               // 2
//   ...
//   listener->Stop();      // before server->Shutdown()
//   server->Shutdown();
// Connections made between 1 and 2 wait in the listen backlog.
class UnixSocketListener {
 public:
  // Creates and listens on opts.path.  An existing socket file there is
  // removed only when nothing accepts on it (a stale file from a crash);
  // FAILED_PRECONDITION when another process is serving it, ALREADY_EXISTS
  // when the path is not a socket.  NOT_FOUND for an unknown group.
  static absl::StatusOr<std::unique_ptr<UnixSocketListener>> Bind(const UnixSocketOptions& opts,
                                                                  PeerRegistry* registry);

  ~UnixSocketListener();  // Stop()
  UnixSocketListener(const UnixSocketListener&) = delete;
  UnixSocketListener& operator=(const UnixSocketListener&) = delete;

  // Starts the accept thread.  For each connection: read SO_PEERCRED and
  // SO_PEERGROUPS, registry->Register(FdPeerString(fd), cred), then
  // grpc::AddInsecureChannelFromFd(server, fd).  `server` must be started and
  // must outlive Stop().  Call once.
  absl::Status Start(grpc::Server* server);

  // Stops accepting (promptly, see sys::Acceptor), closes the listening
  // socket and unlinks its file.  Connections
  // already handed to gRPC stay with the server.  Idempotent.
  void Stop();

  const std::string& path() const { return path_; }

 private:
  UnixSocketListener(std::string path, std::unique_ptr<sys::Acceptor> acceptor,
                     PeerRegistry* registry);
  void Accept(grpc::Server* server, int fd);

  const std::string path_;
  bool owns_path_ = false;  // bind() created path_, so Stop() unlinks it
  std::unique_ptr<sys::Acceptor> acceptor_;
  PeerRegistry* const registry_;
};

}  // namespace hbamgr::server

#endif  // HBAMGR_DAEMON_SERVER_UNIX_LISTENER_H_
