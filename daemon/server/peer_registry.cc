#include "daemon/server/peer_registry.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

namespace hbamgr::server {

std::string FdPeerString(int fd) { return absl::StrCat("fd:", fd); }

void PeerRegistry::Register(std::string peer, PeerCred cred) {
  absl::MutexLock lock(&mu_);
  peers_.insert_or_assign(std::move(peer), cred);
}

std::optional<PeerCred> PeerRegistry::Lookup(absl::string_view peer) const {
  absl::MutexLock lock(&mu_);
  auto it = peers_.find(peer);
  if (it == peers_.end()) return std::nullopt;
  return it->second;
}

}  // namespace hbamgr::server
