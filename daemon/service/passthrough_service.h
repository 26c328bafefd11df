// hbamgr.v1.Passthrough: raw SCSI CDBs and firmware frames (admin only,
// audited).  Requests go straight into the adapter's passthrough serializer
// (fair queue, deadline, cancellation); no thread waits for them.
#ifndef HBAMGR_DAEMON_SERVICE_PASSTHROUGH_SERVICE_H_
#define HBAMGR_DAEMON_SERVICE_PASSTHROUGH_SERVICE_H_

#include "daemon/service/env.h"
#include "hbamgr/v1/passthrough.grpc.pb.h"

namespace hbamgr::service {

class PassthroughService final : public v1::Passthrough::CallbackService {
 public:
  explicit PassthroughService(const ServiceEnv* env) : env_(*env) {}

  grpc::ServerUnaryReactor* Scsi(grpc::CallbackServerContext* ctx, const v1::ScsiRequest* request,
                                 v1::PassthroughResponse* response) override;
  grpc::ServerUnaryReactor* Firmware(grpc::CallbackServerContext* ctx,
                                     const v1::FirmwareRequest* request,
                                     v1::PassthroughResponse* response) override;

 private:
  const ServiceEnv& env_;
};

}  // namespace hbamgr::service

#endif  // HBAMGR_DAEMON_SERVICE_PASSTHROUGH_SERVICE_H_
