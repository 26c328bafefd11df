// Health for grpc.health.v1: per adapter ("hbamgr.v1.adapter.c0" SERVING or
// NOT_SERVING, also kept in the store's health history), and the daemon's
// own services ("" and "hbamgr.v1.*"), NOT_SERVING while the store cannot be
// written (admin calls are refused then: they could not be audited).
// Changes reported before the gRPC server exists are applied when it is
// attached.
#ifndef HBAMGR_DAEMON_SERVICE_HEALTH_PUBLISHER_H_
#define HBAMGR_DAEMON_SERVICE_HEALTH_PUBLISHER_H_

#include <map>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "daemon/store/store.h"
#include "daemon/sys/log.h"

namespace grpc {
class HealthCheckServiceInterface;
}

namespace hbamgr::service {

// "hbamgr.v1.adapter.c0": the grpc.health service name of an adapter.
std::string AdapterHealthName(const std::string& adapter);

// Thread-safe.
class HealthPublisher {
 public:
  // `services`: the daemon's own grpc.health names ("" and
  // "hbamgr.v1.Inventory", ...), SERVING while the store can be written.
  HealthPublisher(store::Store* store, sys::Logger* logger, std::vector<std::string> services)
      : store_(store), logger_(logger), services_(std::move(services)) {}

  // Records the change in the store and in grpc.health.
  void Report(uint32_t adapter_index, const std::string& adapter, bool serving,
              const std::string& state_name, const std::string& reason);
  // The store's write fault changed (Store::SetFaultListener): while it
  // lasts the daemon's services are NOT_SERVING, and the change is logged.
  void SetStoreFault(const absl::Status& fault);
  // From now on changes go to `service` too; the known states are applied.
  void Attach(grpc::HealthCheckServiceInterface* service);
  // All NOT_SERVING (shutting down).
  void ShutDown();

 private:
  void ApplyServicesLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  store::Store* const store_;
  sys::Logger* const logger_;
  const std::vector<std::string> services_;
  absl::Mutex mu_;  // protects the fields below; held while calling gRPC
  grpc::HealthCheckServiceInterface* service_ ABSL_GUARDED_BY(mu_) = nullptr;
  std::map<std::string, bool> serving_ ABSL_GUARDED_BY(mu_);  // adapters, by health name
  bool store_writable_ ABSL_GUARDED_BY(mu_) = true;
};

}  // namespace hbamgr::service

#endif  // HBAMGR_DAEMON_SERVICE_HEALTH_PUBLISHER_H_
