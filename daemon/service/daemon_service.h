// hbamgr.v1.Daemon: the daemon's own state, adapter health history and the
// command audit log (admin only).
#ifndef HBAMGR_DAEMON_SERVICE_DAEMON_SERVICE_H_
#define HBAMGR_DAEMON_SERVICE_DAEMON_SERVICE_H_

#include "daemon/service/env.h"
#include "hbamgr/v1/daemon.grpc.pb.h"

namespace hbamgr::service {

class DaemonService final : public v1::Daemon::CallbackService {
 public:
  static constexpr uint32_t kMaxRows = 10000;

  explicit DaemonService(const ServiceEnv* env) : env_(*env) {}

  grpc::ServerUnaryReactor* GetDaemonInfo(grpc::CallbackServerContext* ctx,
                                          const v1::GetDaemonInfoRequest* request,
                                          v1::DaemonInfo* response) override;
  grpc::ServerUnaryReactor* ListHealthHistory(grpc::CallbackServerContext* ctx,
                                              const v1::ListHealthHistoryRequest* request,
                                              v1::ListHealthHistoryResponse* response) override;
  grpc::ServerUnaryReactor* ListAudit(grpc::CallbackServerContext* ctx,
                                      const v1::ListAuditRequest* request,
                                      v1::ListAuditResponse* response) override;

 private:
  const ServiceEnv& env_;
};

}  // namespace hbamgr::service

#endif  // HBAMGR_DAEMON_SERVICE_DAEMON_SERVICE_H_
