#include "daemon/service/health_publisher.h"

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "grpcpp/health_check_service_interface.h"

namespace hbamgr::service {

std::string AdapterHealthName(const std::string& adapter) {
  return absl::StrCat("hbamgr.v1.adapter.", adapter);
}

void HealthPublisher::Report(uint32_t adapter_index, const std::string& adapter, bool serving,
                             const std::string& state_name, const std::string& reason) {
  store::HealthRow row;
  row.time_ns = absl::GetCurrentTimeNanos();
  row.adapter = adapter_index;
  row.state = serving ? "SERVING" : absl::StrCat("NOT_SERVING:", state_name);
  row.reason = reason;
  if (auto added = store_->AddHealth(row); !added.ok()) {
    logger_->Log(sys::LogLevel::kError, "health record not stored",
                 {{"ADAPTER", adapter}, {"ERROR", added.status().ToString()}});
  }
  absl::MutexLock lock(&mu_);
  const std::string name = AdapterHealthName(adapter);
  serving_[name] = serving;
  if (service_ != nullptr) service_->SetServingStatus(name, serving);
}

void HealthPublisher::Attach(grpc::HealthCheckServiceInterface* service) {
  absl::MutexLock lock(&mu_);
  service_ = service;
  for (const auto& [name, serving] : serving_) service_->SetServingStatus(name, serving);
}

void HealthPublisher::ShutDown() {
  absl::MutexLock lock(&mu_);
  if (service_ != nullptr) service_->Shutdown();
}

}  // namespace hbamgr::service
