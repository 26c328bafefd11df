// hbamgr.v1.Maintenance: resets, drive and VD changes, background
// operations and fault injection.  Admin only; every call is audited.
#ifndef HBAMGR_DAEMON_SERVICE_MAINTENANCE_SERVICE_H_
#define HBAMGR_DAEMON_SERVICE_MAINTENANCE_SERVICE_H_

#include "daemon/service/env.h"
#include "hbamgr/v1/maintenance.grpc.pb.h"

namespace hbamgr::service {

class MaintenanceService final : public v1::Maintenance::CallbackService {
 public:
  explicit MaintenanceService(const ServiceEnv* env) : env_(*env) {}

  grpc::ServerUnaryReactor* ResetAdapter(grpc::CallbackServerContext* ctx,
                                         const v1::ResetAdapterRequest* request,
                                         v1::ResetAdapterResponse* response) override;
  grpc::ServerUnaryReactor* SetControllerProperties(
      grpc::CallbackServerContext* ctx, const v1::SetControllerPropertiesRequest* request,
      v1::Controller* response) override;
  grpc::ServerUnaryReactor* SetLocate(grpc::CallbackServerContext* ctx,
                                      const v1::SetLocateRequest* request,
                                      v1::Drive* response) override;
  grpc::ServerUnaryReactor* SetDriveState(grpc::CallbackServerContext* ctx,
                                          const v1::SetDriveStateRequest* request,
                                          v1::Drive* response) override;
  grpc::ServerUnaryReactor* StartBackgroundOp(grpc::CallbackServerContext* ctx,
                                              const v1::BackgroundOpRequest* request,
                                              v1::BackgroundOpResponse* response) override;
  grpc::ServerUnaryReactor* StopBackgroundOp(grpc::CallbackServerContext* ctx,
                                             const v1::BackgroundOpRequest* request,
                                             v1::BackgroundOpResponse* response) override;
  grpc::ServerUnaryReactor* CreateVirtualDrive(grpc::CallbackServerContext* ctx,
                                               const v1::CreateVirtualDriveRequest* request,
                                               v1::VirtualDrive* response) override;
  grpc::ServerUnaryReactor* DeleteVirtualDrive(grpc::CallbackServerContext* ctx,
                                               const v1::DeleteVirtualDriveRequest* request,
                                               v1::DeleteVirtualDriveResponse* response) override;
  grpc::ServerUnaryReactor* InjectFault(grpc::CallbackServerContext* ctx,
                                        const v1::InjectFaultRequest* request,
                                        v1::InjectFaultResponse* response) override;

 private:
  grpc::ServerUnaryReactor* BackgroundOp(grpc::CallbackServerContext* ctx,
                                         const v1::BackgroundOpRequest* request,
                                         v1::BackgroundOpResponse* response, bool start);

  const ServiceEnv& env_;
};

}  // namespace hbamgr::service

#endif  // HBAMGR_DAEMON_SERVICE_MAINTENANCE_SERVICE_H_
