// Adapter health for grpc.health.v1 ("hbamgr.v1.adapter.c0" SERVING or
// NOT_SERVING) and the store's health history.  Adapters report before the
// gRPC server exists; their last state is applied when it is attached.
#ifndef HBAMGR_DAEMON_SERVICE_HEALTH_PUBLISHER_H_
#define HBAMGR_DAEMON_SERVICE_HEALTH_PUBLISHER_H_

#include <map>
#include <string>

#include "absl/base/thread_annotations.h"
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
  HealthPublisher(store::Store* store, sys::Logger* logger) : store_(store), logger_(logger) {}

  // Records the change in the store and in grpc.health.
  void Report(uint32_t adapter_index, const std::string& adapter, bool serving,
              const std::string& state_name, const std::string& reason);
  // From now on changes go to `service` too; the known states are applied.
  void Attach(grpc::HealthCheckServiceInterface* service);
  // All NOT_SERVING (shutting down).
  void ShutDown();

 private:
  store::Store* const store_;
  sys::Logger* const logger_;
  absl::Mutex mu_;  // protects the fields below; held while calling gRPC
  grpc::HealthCheckServiceInterface* service_ ABSL_GUARDED_BY(mu_) = nullptr;
  std::map<std::string, bool> serving_ ABSL_GUARDED_BY(mu_);  // by health name
};

}  // namespace hbamgr::service

#endif  // HBAMGR_DAEMON_SERVICE_HEALTH_PUBLISHER_H_
