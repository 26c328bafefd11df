// Credentials of local (unix socket) gRPC peers, keyed by the peer string
// gRPC reports for their connection.
//
// Debian's gRPC 1.51 does not expose SO_PEERCRED for unix sockets, so the
// daemon accepts unix connections itself (UnixSocketListener) and hands each
// fd to grpc::AddInsecureChannelFromFd.  gRPC names such a connection
// "fd:<N>" (grpc_server_add_insecure_channel_from_fd,
// src/core/ext/transport/chttp2/server/insecure/server_chttp2_posix.cc), and
// that is what grpc::ServerContextBase::peer() returns for its calls.
#ifndef HBAMGR_DAEMON_SERVER_PEER_REGISTRY_H_
#define HBAMGR_DAEMON_SERVER_PEER_REGISTRY_H_

#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"

namespace hbamgr::server {

// The credentials of the process that connected, as the kernel recorded
// them at connect(): SO_PEERCRED and SO_PEERGROUPS, read at accept time.
// Never the user database: a process that dropped a group does not hold it.
struct PeerCred {
  pid_t pid = 0;
  uid_t uid = 0;
  gid_t gid = 0;
  std::vector<gid_t> groups{};  // supplementary groups

  friend bool operator==(const PeerCred&, const PeerCred&) = default;
};

// The peer string gRPC gives a channel made from `fd`: "fd:<fd>".
std::string FdPeerString(int fd);

// Thread-safe.
class PeerRegistry {
 public:
  // Records the credentials for `peer`, replacing an older entry: fd numbers
  // are reused once gRPC closed a connection, and the accept of the new
  // connection overwrites the closed one's record before any of its calls
  // can arrive.  So look a call's peer up when the call starts: once its
  // connection closed, the same "fd:N" may name a newer one.
  void Register(std::string peer, PeerCred cred);
  std::optional<PeerCred> Lookup(absl::string_view peer) const;

 private:
  mutable absl::Mutex mu_;  // protects peers_; a leaf lock
  absl::flat_hash_map<std::string, PeerCred> peers_ ABSL_GUARDED_BY(mu_);
};

}  // namespace hbamgr::server

#endif  // HBAMGR_DAEMON_SERVER_PEER_REGISTRY_H_
