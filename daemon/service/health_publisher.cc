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

void HealthPublisher::SetStoreFault(const absl::Status& fault) {
  if (fault.ok()) {
    logger_->Log(sys::LogLevel::kNotice,
                 "the database takes writes again: admin calls accepted, services SERVING");
  } else {
    logger_->Log(sys::LogLevel::kError,
                 "storage fault: admin calls are refused and services NOT_SERVING until the "
                 "database takes writes again; events stay in the firmware log meanwhile",
                 {{"ERROR", std::string(fault.message())}});
  }
  absl::MutexLock lock(&mu_);
  store_writable_ = fault.ok();
  ApplyServicesLocked();
}

void HealthPublisher::ApplyServicesLocked() {
  if (service_ == nullptr) return;
  for (const std::string& name : services_) service_->SetServingStatus(name, store_writable_);
}

void HealthPublisher::Attach(grpc::HealthCheckServiceInterface* service) {
  absl::MutexLock lock(&mu_);
  service_ = service;
  ApplyServicesLocked();
  for (const auto& [name, serving] : serving_) service_->SetServingStatus(name, serving);
}

void HealthPublisher::ShutDown() {
  absl::MutexLock lock(&mu_);
  if (service_ != nullptr) service_->Shutdown();
  service_ = nullptr;  // the server, and with it the service, goes next
}

}  // namespace hbamgr::service
