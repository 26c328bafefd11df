// Who may call what: local peers by uid/group, remote peers by their mTLS
// client certificate.
#ifndef HBAMGR_DAEMON_SERVER_AUTHORIZER_H_
#define HBAMGR_DAEMON_SERVER_AUTHORIZER_H_

#include <string>

#include "absl/status/status.h"
#include "daemon/server/peer_registry.h"

namespace grpc {
class ServerContextBase;
}

namespace hbamgr::server {

enum class Privilege {
  kRead,   // show, list, events
  kAdmin,  // anything that changes an adapter, passthrough, fault injection
};

// Thread-safe (immutable after construction).
class Authorizer {
 public:
  // `admin_group`: processes that hold it when they connect (their gid or a
  // supplementary group, SO_PEERCRED / SO_PEERGROUPS) are admins; the user
  // database is not asked who is a member.  "" = only uid 0.  `registry`
  // must outlive the Authorizer.
  Authorizer(const PeerRegistry* registry, std::string admin_group);

  // Works for grpc::CallbackServerContext and grpc::ServerContext.
  //  - unix peers ("fd:N", looked up in the registry): any uid may read;
  //    admin needs uid 0 or admin_group membership, else PERMISSION_DENIED
  //    ("uid 1000 is not in group 'hbamgr'; administrative calls need root
  //    or membership of it").
  //  - other peers (TCP) must carry an authenticated TLS client certificate
  //    (they only reach the daemon through the mTLS port) and may do
  //    anything; without one UNAUTHENTICATED.
  //  - a unix peer missing from the registry: UNAUTHENTICATED.
  absl::Status Authorize(const grpc::ServerContextBase& ctx, Privilege privilege) const;

  // The caller as recorded in the audit table: "uid:1000" for unix peers,
  // "cert:<subject>" (e.g. "cert:CN=ops,O=example") for mTLS peers,
  // "peer:<peer string>" when neither is known.
  std::string CallerIdentity(const grpc::ServerContextBase& ctx) const;

 private:
  bool IsAdmin(const PeerCred& cred) const;

  const PeerRegistry* const registry_;
  const std::string admin_group_;
};

}  // namespace hbamgr::server

#endif  // HBAMGR_DAEMON_SERVER_AUTHORIZER_H_
