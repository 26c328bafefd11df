// hbamgrd put together: store, adapters, gRPC services on the unix socket
// (and mTLS TCP), metrics, and the main loop (signals, watchdog, status,
// retention).
#ifndef HBAMGR_DAEMON_APP_DAEMON_H_
#define HBAMGR_DAEMON_APP_DAEMON_H_

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "daemon/adapter/adapter.h"
#include "daemon/adapter/event_hub.h"
#include "daemon/app/options.h"
#include "daemon/config/config.h"
#include "daemon/health/alerts.h"
#include "daemon/health/delivery.h"
#include "daemon/health/monitor.h"
#include "daemon/health/scheduler.h"
#include "daemon/server/authorizer.h"
#include "daemon/server/peer_registry.h"
#include "daemon/server/unix_listener.h"
#include "daemon/service/daemon_service.h"
#include "daemon/service/env.h"
#include "daemon/service/events_service.h"
#include "daemon/service/health_publisher.h"
#include "daemon/service/health_service.h"
#include "daemon/service/inventory_service.h"
#include "daemon/service/maintenance_service.h"
#include "daemon/service/passthrough_service.h"
#include "daemon/service/worker_pool.h"
#include "daemon/store/db_lock.h"
#include "daemon/store/maintenance.h"
#include "daemon/store/store.h"
#include "daemon/sys/log.h"
#include "daemon/sys/metrics.h"
#include "daemon/sys/metrics_http.h"
#include "daemon/sys/notify.h"
#include "daemon/sys/signals.h"
#include "grpcpp/server.h"

namespace hbamgr::app {

class Daemon {
 public:
  // `signals` was created in main() before any thread.
  Daemon(CommandLine command_line, config::DaemonConfig config,
         std::unique_ptr<sys::SignalWatcher> signals, sys::Logger* logger);
  ~Daemon();

  // Locks the database (one daemon per database) and binds the socket
  // (one per socket) before anything is written, then opens the store,
  // brings up the adapters, starts the services and listeners.  `on_ready`
  // runs once everything serves (before READY=1); the store's retention and
  // storage checks start after it.
  absl::Status Start(const std::function<void()>& on_ready);
  // The main loop, until SIGTERM/SIGINT; then shuts down.  Returns the exit
  // status.
  int Run();

 private:
  absl::Status StartAdapters();
  absl::Status StartHealth();
  absl::Status StartServer();
  void Shutdown();
  void Reload();
  void Tick();  // metrics, watchdog, status line
  bool AdaptersProgressing() const;
  size_t ClientSubscribers() const;  // Subscribe streams, not the monitor's own
  std::string StatusLine() const;

  CommandLine command_line_;
  config::DaemonConfig config_;
  std::unique_ptr<sys::SignalWatcher> signals_;
  sys::Logger* const logger_;
  sys::Notifier notifier_;

  std::optional<store::DatabaseLock> db_lock_;  // held while the store is open
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<store::Maintenance> store_maintenance_;
  std::unique_ptr<service::HealthPublisher> health_;
  adapter::EventHub hub_;
  std::vector<std::unique_ptr<adapter::Adapter>> adapters_;
  // The health service: delivery, alerts and schedules outlive the monitor
  // that calls them.
  std::unique_ptr<health::Delivery> alert_delivery_;
  std::unique_ptr<health::AlertEngine> alerts_;
  std::unique_ptr<health::Scheduler> scheduler_;
  std::unique_ptr<health::Monitor> monitor_;
  server::PeerRegistry peers_;
  std::unique_ptr<server::Authorizer> authorizer_;
  std::unique_ptr<service::WorkerPool> pool_;
  service::ServiceEnv env_;
  std::unique_ptr<service::InventoryService> inventory_;
  std::unique_ptr<service::EventsService> events_;
  std::unique_ptr<service::PassthroughService> passthrough_;
  std::unique_ptr<service::MaintenanceService> maintenance_;
  std::unique_ptr<service::DaemonService> daemon_service_;
  std::unique_ptr<service::HealthService> health_service_;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<server::UnixSocketListener> listener_;
  sys::MetricsRegistry metrics_;
  std::unique_ptr<sys::MetricsHttpServer> metrics_http_;

  bool shut_down_ = false;  // Shutdown() ran; main thread only
  std::string last_status_;
};

}  // namespace hbamgr::app

#endif  // HBAMGR_DAEMON_APP_DAEMON_H_
