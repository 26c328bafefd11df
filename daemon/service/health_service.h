// hbamgr.v1.Health: the hardware's health from the monitor's snapshots,
// alerts from the store, live alert notifications, acknowledgement and test
// alerts (admin).
#ifndef HBAMGR_DAEMON_SERVICE_HEALTH_SERVICE_H_
#define HBAMGR_DAEMON_SERVICE_HEALTH_SERVICE_H_

#include "daemon/health/delivery.h"
#include "daemon/health/snapshot.h"
#include "daemon/service/env.h"
#include "hbamgr/v1/health.grpc.pb.h"

namespace hbamgr::service {

class HealthService final : public v1::Health::CallbackService {
 public:
  static constexpr uint32_t kMaxAlerts = 10000;

  explicit HealthService(const ServiceEnv* env) : env_(*env) {}

  grpc::ServerUnaryReactor* GetHealth(grpc::CallbackServerContext* ctx,
                                      const v1::GetHealthRequest* request,
                                      v1::GetHealthResponse* response) override;
  grpc::ServerUnaryReactor* ListAlerts(grpc::CallbackServerContext* ctx,
                                       const v1::ListAlertsRequest* request,
                                       v1::ListAlertsResponse* response) override;
  grpc::ServerUnaryReactor* AcknowledgeAlert(grpc::CallbackServerContext* ctx,
                                             const v1::AcknowledgeAlertRequest* request,
                                             v1::Alert* response) override;
  grpc::ServerWriteReactor<v1::AlertNotification>* WatchAlerts(
      grpc::CallbackServerContext* ctx, const v1::WatchAlertsRequest* request) override;
  grpc::ServerUnaryReactor* SendTestAlert(grpc::CallbackServerContext* ctx,
                                          const v1::SendTestAlertRequest* request,
                                          v1::SendTestAlertResponse* response) override;

 private:
  const ServiceEnv& env_;
};

v1::HealthState ToProtoHealth(health::Health h);
void FillAlert(const std::string& adapter, const store::AlertRow& row, v1::Alert* out);
// The adapter's health; with `object` only that object (NOT_FOUND if it has
// no such object).
absl::Status FillAdapterHealth(const health::AdapterSnapshot& snap, const std::string& object,
                               v1::AdapterHealth* out);

}  // namespace hbamgr::service

#endif  // HBAMGR_DAEMON_SERVICE_HEALTH_SERVICE_H_
