// hbamgr.v1.Inventory: controllers, enclosures, drives, VDs, background ops.
#ifndef HBAMGR_DAEMON_SERVICE_INVENTORY_SERVICE_H_
#define HBAMGR_DAEMON_SERVICE_INVENTORY_SERVICE_H_

#include "daemon/service/env.h"
#include "hbamgr/v1/inventory.grpc.pb.h"

namespace hbamgr::service {

class InventoryService final : public v1::Inventory::CallbackService {
 public:
  explicit InventoryService(const ServiceEnv* env) : env_(*env) {}

  grpc::ServerUnaryReactor* ListAdapters(grpc::CallbackServerContext* ctx,
                                         const v1::ListAdaptersRequest* request,
                                         v1::ListAdaptersResponse* response) override;
  grpc::ServerUnaryReactor* GetController(grpc::CallbackServerContext* ctx,
                                          const v1::GetControllerRequest* request,
                                          v1::Controller* response) override;
  grpc::ServerUnaryReactor* ListEnclosures(grpc::CallbackServerContext* ctx,
                                           const v1::ListEnclosuresRequest* request,
                                           v1::ListEnclosuresResponse* response) override;
  grpc::ServerUnaryReactor* ListDrives(grpc::CallbackServerContext* ctx,
                                       const v1::ListDrivesRequest* request,
                                       v1::ListDrivesResponse* response) override;
  grpc::ServerUnaryReactor* GetDrive(grpc::CallbackServerContext* ctx,
                                     const v1::GetDriveRequest* request,
                                     v1::Drive* response) override;
  grpc::ServerUnaryReactor* ListVirtualDrives(grpc::CallbackServerContext* ctx,
                                              const v1::ListVirtualDrivesRequest* request,
                                              v1::ListVirtualDrivesResponse* response) override;
  grpc::ServerUnaryReactor* GetVirtualDrive(grpc::CallbackServerContext* ctx,
                                            const v1::GetVirtualDriveRequest* request,
                                            v1::VirtualDrive* response) override;
  grpc::ServerUnaryReactor* ListBackgroundOps(grpc::CallbackServerContext* ctx,
                                              const v1::ListBackgroundOpsRequest* request,
                                              v1::ListBackgroundOpsResponse* response) override;

 private:
  const ServiceEnv& env_;
};

}  // namespace hbamgr::service

#endif  // HBAMGR_DAEMON_SERVICE_INVENTORY_SERVICE_H_
