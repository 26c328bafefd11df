// What the gRPC services share: the adapters, the store, the event hub, the
// authorizer and the pool for blocking RPC bodies.
#ifndef HBAMGR_DAEMON_SERVICE_ENV_H_
#define HBAMGR_DAEMON_SERVICE_ENV_H_

#include <map>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "daemon/adapter/adapter.h"
#include "daemon/adapter/event_hub.h"
#include "daemon/health/alerts.h"
#include "daemon/health/delivery.h"
#include "daemon/health/monitor.h"
#include "daemon/server/authorizer.h"
#include "daemon/service/worker_pool.h"
#include "daemon/store/store.h"
#include "daemon/sys/log.h"

namespace hbamgr::service {

struct ServiceEnv {
  std::map<std::string, adapter::Adapter*> adapters;  // by name, "c0"
  std::string backend;                                // "sim" | "kernel"
  store::Store* store = nullptr;
  adapter::EventHub* hub = nullptr;
  // Hub subscriptions that are not client streams (the health monitor's).
  size_t internal_subscribers = 0;
  const server::Authorizer* authorizer = nullptr;
  sys::Logger* logger = nullptr;
  // The health service (hbamgr.v1.Health).
  health::Monitor* monitor = nullptr;
  health::AlertEngine* alerts = nullptr;
  health::Delivery* alert_delivery = nullptr;
  WorkerPool* pool = nullptr;
  absl::Time started;
  // Deadline of calls that set none (bounds queueing and EAGAIN retries).
  absl::Duration default_deadline = absl::Seconds(120);

  // NOT_FOUND naming the known adapters for an unknown name (quoted with
  // Echo()); INVALID_ARGUMENT for a name longer than any adapter has.
  absl::StatusOr<adapter::Adapter*> FindAdapter(const std::string& name) const;
};

}  // namespace hbamgr::service

#endif  // HBAMGR_DAEMON_SERVICE_ENV_H_
