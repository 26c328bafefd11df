// Test-only helpers for the server library: a generic gRPC "probe" service
// whose two methods authorize their caller, and a client for it.
#ifndef HBAMGR_DAEMON_SERVER_TEST_SUPPORT_H_
#define HBAMGR_DAEMON_SERVER_TEST_SUPPORT_H_

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "daemon/server/authorizer.h"
#include "daemon/server/unix_listener.h"
#include "grpcpp/channel.h"
#include "grpcpp/generic/async_generic_service.h"
#include "grpcpp/server.h"

namespace hbamgr::server::testing {

// Authorize for Privilege::kRead / kAdmin.
inline constexpr char kReadMethod[] = "/hbamgr.test.Probe/Read";
inline constexpr char kAdminMethod[] = "/hbamgr.test.Probe/Admin";

// Answers either method, once authorized, with
// "<CallerIdentity>|<ServerContext::peer()>"; refused calls finish with the
// Authorize status.  Unknown methods: UNIMPLEMENTED.
class ProbeService : public grpc::CallbackGenericService {
 public:
  explicit ProbeService(const Authorizer* authorizer) : authorizer_(authorizer) {}

 private:
  grpc::ServerGenericBidiReactor* CreateReactor(grpc::GenericCallbackServerContext* ctx) override;

  const Authorizer* const authorizer_;
};

struct ProbeResult {
  grpc::StatusCode code = grpc::StatusCode::UNKNOWN;
  std::string message{};  // the status message when not OK
  std::string body{};     // the response when OK
};

// Calls `method` with a 10 s deadline and waits for the answer.
ProbeResult CallProbe(const std::shared_ptr<grpc::Channel>& channel, const std::string& method);

// A gRPC server serving `service` on connections a UnixSocketListener
// accepts, as hbamgrd serves its socket.
class UnixSocketServer {
 public:
  UnixSocketServer() = default;
  ~UnixSocketServer() { Stop(); }
  UnixSocketServer(const UnixSocketServer&) = delete;
  UnixSocketServer& operator=(const UnixSocketServer&) = delete;

  // Binds the socket with `opts` (peer credentials into `registry`), builds
  // the server and starts listening.
  absl::Status Start(const UnixSocketOptions& opts, PeerRegistry* registry,
                     grpc::CallbackGenericService* service);
  // The listener first, then the server (the listener's order).
  void Stop();
  UnixSocketListener* listener() const { return listener_.get(); }

 private:
  std::unique_ptr<UnixSocketListener> listener_;
  std::unique_ptr<grpc::Server> server_;
};

// A fresh directory under the system temp dir, mode 0755 so other uids can
// reach sockets in it; removed by the destructor.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  std::string File(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

}  // namespace hbamgr::server::testing

#endif  // HBAMGR_DAEMON_SERVER_TEST_SUPPORT_H_
