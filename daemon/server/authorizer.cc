#include "daemon/server/authorizer.h"

#include <grp.h>
#include <unistd.h>

#include <algorithm>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "grpc/grpc_security_constants.h"
#include "grpcpp/security/auth_context.h"
#include "grpcpp/server_context.h"

namespace hbamgr::server {
namespace {

constexpr char kUnixPeerPrefix[] = "fd:";

std::optional<gid_t> LookupGroup(const std::string& name) {
  std::vector<char> buf(16384);
  struct group gr;
  struct group* result = nullptr;
  if (getgrnam_r(name.c_str(), &gr, buf.data(), buf.size(), &result) != 0 || result == nullptr) {
    return std::nullopt;
  }
  return gr.gr_gid;
}

std::string CertSubject(const grpc::AuthContext& auth) {
  for (const char* property : {GRPC_X509_SUBJECT_PROPERTY_NAME, GRPC_X509_CN_PROPERTY_NAME}) {
    std::vector<grpc::string_ref> values = auth.FindPropertyValues(property);
    if (!values.empty()) return std::string(values.front().data(), values.front().size());
  }
  std::vector<grpc::string_ref> identity = auth.GetPeerIdentity();
  if (!identity.empty()) return std::string(identity.front().data(), identity.front().size());
  return "";
}

bool IsTlsAuthenticated(const grpc::ServerContextBase& ctx) {
  std::shared_ptr<const grpc::AuthContext> auth = ctx.auth_context();
  return auth != nullptr && auth->IsPeerAuthenticated();
}

}  // namespace

Authorizer::Authorizer(const PeerRegistry* registry, std::string admin_group)
    : registry_(registry), admin_group_(std::move(admin_group)) {}

bool Authorizer::IsAdmin(const PeerCred& cred) const {
  if (cred.uid == 0) return true;
  if (admin_group_.empty()) return false;
  // The group's id is looked up per call (a group recreated with another id
  // applies without a restart); membership is the connecting process's own.
  std::optional<gid_t> admin_gid = LookupGroup(admin_group_);
  if (!admin_gid) return false;
  return cred.gid == *admin_gid ||
         std::find(cred.groups.begin(), cred.groups.end(), *admin_gid) != cred.groups.end();
}

absl::Status Authorizer::Authorize(const grpc::ServerContextBase& ctx, Privilege privilege) const {
  std::string peer = ctx.peer();
  if (peer.starts_with(kUnixPeerPrefix)) {
    std::optional<PeerCred> cred = registry_->Lookup(peer);
    if (!cred) {
      return absl::UnauthenticatedError(
          absl::StrCat("local connection ", peer, " has no recorded credentials"));
    }
    if (privilege == Privilege::kRead || IsAdmin(*cred)) return absl::OkStatus();
    if (admin_group_.empty()) {
      return absl::PermissionDeniedError(
          absl::StrCat("uid ", cred->uid, " is not root; administrative calls need root"));
    }
    return absl::PermissionDeniedError(
        absl::StrCat("uid ", cred->uid, " is not in group '", admin_group_,
                     "'; administrative calls need root or membership of it"));
  }
  // Everything else reached the daemon through its TCP port, which only
  // completes a handshake with a client certificate signed by the client CA.
  if (IsTlsAuthenticated(ctx)) return absl::OkStatus();
  return absl::UnauthenticatedError(
      absl::StrCat("peer ", peer, " presented no verified client certificate"));
}

std::string Authorizer::CallerIdentity(const grpc::ServerContextBase& ctx) const {
  std::string peer = ctx.peer();
  if (peer.starts_with(kUnixPeerPrefix)) {
    if (std::optional<PeerCred> cred = registry_->Lookup(peer)) {
      return absl::StrCat("uid:", cred->uid);
    }
  } else if (IsTlsAuthenticated(ctx)) {
    std::string subject = CertSubject(*ctx.auth_context());
    if (!subject.empty()) return absl::StrCat("cert:", subject);
  }
  return absl::StrCat("peer:", peer);
}

}  // namespace hbamgr::server
