#include "daemon/app/daemon.h"

#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <thread>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "daemon/exporter/health_metrics.h"
#include "daemon/server/tls.h"
#include "daemon/transport/kernel_transport.h"
#include "daemon/transport/sim_transport.h"
#include "grpcpp/ext/proto_server_reflection_plugin.h"
#include "grpcpp/health_check_service_interface.h"
#include "grpcpp/server_builder.h"
#include "hbacore.h"
#include "hbamgr_version.h"

namespace hbamgr::app {
namespace {

constexpr absl::Duration kTick = absl::Seconds(1);
// Calls still running this long after SIGTERM are cancelled.
constexpr absl::Duration kShutdownGrace = absl::Seconds(2);
// A shutdown not finished by then (a command stuck in the transport) ends
// the process with kExitShutdownStuck: well inside systemd's TimeoutStopSec
// (30 s), and the store is crash-safe (WAL).
constexpr absl::Duration kShutdownDeadline = absl::Seconds(10);
constexpr int kExitShutdownStuck = 3;
// An adapter loop silent for longer is stuck: the watchdog stops pinging.
constexpr absl::Duration kStuckAfter = absl::Seconds(10);
constexpr size_t kPoolThreads = 8;
// What a request holds besides passthrough data (ids, CDB, names, filters).
constexpr uint32_t kRequestOverheadBytes = 64 << 10;

// The daemon's own grpc.health names ("" = the server as a whole).
const std::vector<std::string> kServiceNames = {"",
                                                "hbamgr.v1.Inventory",
                                                "hbamgr.v1.Events",
                                                "hbamgr.v1.Passthrough",
                                                "hbamgr.v1.Maintenance",
                                                "hbamgr.v1.Daemon",
                                                "hbamgr.v1.Health"};

absl::Duration RetentionAge(uint32_t days) {
  return days == 0 ? absl::InfiniteDuration() : absl::Hours(24) * days;
}

store::RetentionPolicy RetentionPolicyOf(const config::DaemonConfig& config) {
  store::RetentionPolicy policy;
  policy.event_max_age = RetentionAge(config.event_retention_days);
  policy.audit_max_age = RetentionAge(config.audit_retention_days);
  policy.health_max_age = RetentionAge(config.health_retention_days);
  policy.batch = config.retention_batch;
  return policy;
}

hbacore_sim_params SimParams(const config::SimTopology& topology, uint32_t index) {
  hbacore_sim_params params;
  hbacore_sim_params_default(&params);
  params.adapter_index = index;
  auto set = [](uint32_t value, uint32_t* field) {
    if (value != 0) *field = value;
  };
  set(topology.enclosures, &params.num_enclosures);
  set(topology.slots_per_enclosure, &params.slots_per_enclosure);
  set(topology.drives, &params.num_drives);
  set(topology.drive_size_mb, &params.drive_size_mb);
  set(topology.sector_size, &params.sector_size);
  set(topology.max_cmds, &params.max_cmds);
  set(topology.max_srbs, &params.max_srbs);
  set(topology.reply_queues, &params.num_reply_queues);
  params.default_vds = topology.default_vds;
  params.dirty_start = topology.dirty_start;
  params.fault_injection = topology.fault_injection;
  params.adopt_topology = topology.adopt_topology;
  return params;
}

void SetCounter(sys::MetricsRegistry& registry, const char* name, const char* help,
                const std::string& adapter, double total) {
  auto counter = registry.GetCounter(name, help, {{"adapter", adapter}});
  if (counter.ok()) (*counter)->Increment(total - (*counter)->value());
}

void SetGauge(sys::MetricsRegistry& registry, const char* name, const char* help,
              sys::MetricLabels labels, double value) {
  auto gauge = registry.GetGauge(name, help, std::move(labels));
  if (gauge.ok()) (*gauge)->Set(value);
}

}  // namespace

Daemon::Daemon(CommandLine command_line, config::DaemonConfig config,
               std::unique_ptr<sys::SignalWatcher> signals, sys::Logger* logger)
    : command_line_(std::move(command_line)),
      config_(std::move(config)),
      signals_(std::move(signals)),
      logger_(logger),
      hub_(config_.subscriber_queue_depth) {}

Daemon::~Daemon() { Shutdown(); }

absl::Status Daemon::Start(const std::function<void()>& on_ready) {
  // One daemon per database and per socket, settled before anything is
  // written: the database lock, then the socket (a live daemon on it answers
  // the check).  A second instance stops here having changed nothing but
  // the lock file of a database nobody holds.
  absl::StatusOr<store::DatabaseLock> lock = store::DatabaseLock::Acquire(config_.database);
  if (!lock.ok()) return lock.status();
  db_lock_.emplace(*std::move(lock));
  server::UnixSocketOptions socket_options;
  socket_options.path = config_.unix_socket;
  socket_options.mode = config_.socket_mode;
  socket_options.group = config_.admin_group;
  auto listener = server::UnixSocketListener::Bind(socket_options, &peers_);
  if (!listener.ok()) return listener.status();
  listener_ = *std::move(listener);

  absl::StatusOr<std::unique_ptr<store::Store>> store = store::Store::Open(config_.database);
  if (!store.ok()) return store.status();
  store_ = *std::move(store);
  // An upgrade's first start: the journal says what became of the database.
  if (int found = store_->schema_found(); found != 0 && found != store::Store::kSchemaVersion) {
    logger_->Log(sys::LogLevel::kNotice, "database migrated",
                 {{"DATABASE", config_.database},
                  {"FROM_SCHEMA", absl::StrCat(found)},
                  {"TO_SCHEMA", absl::StrCat(store::Store::kSchemaVersion)}});
  }
  health_ = std::make_unique<service::HealthPublisher>(store_.get(), logger_, kServiceNames);
  store_->SetFaultListener([this](const absl::Status& fault) { health_->SetStoreFault(fault); });
  SetGauge(metrics_, "hbamgr_build_info", "The running hbamgrd's version (value 1)",
           {{"version", HBAMGR_VERSION}}, 1);
  if (absl::Status s = StartAdapters(); !s.ok()) return s;
  if (absl::Status s = StartHealth(); !s.ok()) return s;
  if (absl::Status s = StartServer(); !s.ok()) return s;
  Tick();
  on_ready();
  if (absl::Status s = notifier_.Ready(StatusLine()); !s.ok()) {
    logger_->Log(sys::LogLevel::kWarning, "sd_notify READY failed", {{"ERROR", s.ToString()}});
  }
  logger_->Log(sys::LogLevel::kNotice, absl::StrCat("hbamgrd ready: ", StatusLine()),
               {{"SOCKET", config_.unix_socket}});
  // Serving first, then the store's housekeeping (retention, storage
  // checks) on its own thread.
  store::MaintenanceOptions maintenance;
  maintenance.retention = RetentionPolicyOf(config_);
  store_maintenance_ = std::make_unique<store::Maintenance>(
      store_.get(), maintenance,
      [this](const absl::StatusOr<store::RetentionResult>& result, absl::Duration took) {
        if (!result.ok()) {
          logger_->Log(sys::LogLevel::kError, "retention failed",
                       {{"ERROR", result.status().ToString()}});
          return;
        }
        logger_->Log(sys::LogLevel::kInfo, "retention applied",
                     {{"EVENTS_DELETED", absl::StrCat(result->events_deleted)},
                      {"AUDIT_DELETED", absl::StrCat(result->audit_deleted)},
                      {"HEALTH_DELETED", absl::StrCat(result->health_deleted)},
                      {"BATCHES", absl::StrCat(result->batches)},
                      {"DURATION", absl::FormatDuration(took)}});
      });
  return absl::OkStatus();
}

absl::Status Daemon::StartAdapters() {
  std::vector<std::unique_ptr<transport::Transport>> transports;
  std::vector<uint32_t> indexes;
  if (config_.backend == config::Backend::kSim) {
    // Each simulated adapter keeps its NVRAM and drives in a directory of
    // its own: the daemon's store is not the firmware's NVRAM.
    const std::string state_dir = config::SimStateDir(config_);
    for (uint32_t i = 0; i < config_.sim.adapters; ++i) {
      auto transport = transport::SimTransport::Create(SimParams(config_.sim, i),
                                                       absl::StrCat(state_dir, "/c", i));
      if (!transport.ok()) return transport.status();
      transports.push_back(*std::move(transport));
      indexes.push_back(i);
    }
  } else {
    std::vector<std::string> devices = config_.kernel_devices.empty()
                                           ? transport::KernelTransport::DiscoverDevices()
                                           : config_.kernel_devices;
    if (devices.empty())
      return absl::NotFoundError("no /dev/hbamgr* device (is hbamgr.ko loaded?)");
    for (const std::string& device : devices) {
      auto transport = transport::KernelTransport::Open(device);
      if (!transport.ok()) return transport.status();
      hbamgr_info info{};
      info.size = sizeof(info);
      if (absl::Status s = (*transport)->GetInfo(&info); !s.ok()) return s;
      indexes.push_back(info.adapter_index);
      transports.push_back(*std::move(transport));
    }
  }
  for (size_t i = 0; i < transports.size(); ++i) {
    adapter::AdapterOptions options;
    options.index = indexes[i];
    options.max_queued = config_.passthru_queue_depth;
    options.max_queued_bytes = size_t{config_.passthru_queue_mb} << 20;
    auto owner = std::make_unique<adapter::Adapter>(
        options, std::move(transports[i]), store_.get(), logger_,
        [this](std::span<const store::EventRow> rows) { hub_.Publish(rows); },
        [this](const adapter::Adapter& adapter, bool serving, uint32_t state,
               const std::string& reason) {
          health_->Report(adapter.index(), adapter.name(), serving,
                          adapter::AdapterStateName(state), reason);
        });
    if (absl::Status s = owner->Start(); !s.ok()) return s;
    env_.adapters[owner->name()] = owner.get();
    adapters_.push_back(std::move(owner));
  }
  return absl::OkStatus();
}

absl::Status Daemon::StartHealth() {
  alert_delivery_ = std::make_unique<health::Delivery>(logger_, config_.subscriber_queue_depth);
  alert_delivery_->SetPolicy(config_.health);
  alerts_ = std::make_unique<health::AlertEngine>(store_.get(), alert_delivery_.get(), logger_);
  scheduler_ = std::make_unique<health::Scheduler>(store_.get(), logger_, absl::LocalTimeZone());
  monitor_ = std::make_unique<health::Monitor>(config_.health, store_.get(), &hub_, logger_,
                                               alerts_.get(), scheduler_.get());
  for (const auto& adapter : adapters_) monitor_->AddAdapter(adapter.get());
  if (absl::Status s = monitor_->Start(); !s.ok()) return s;
  // /metrics renders the hardware from the monitor's newest snapshots at
  // every scrape (the HTTP server stops before the monitor goes).
  metrics_.AddCollector([this](std::vector<sys::MetricFamily>& out) {
    std::vector<std::shared_ptr<const health::AdapterSnapshot>> snapshots;
    for (const auto& adapter : adapters_) {
      if (adapter->removed()) continue;
      if (auto snapshot = monitor_->Find(adapter->name())) snapshots.push_back(snapshot);
    }
    exporter::CollectHealth(snapshots, monitor_->policy(), out);
  });
  return absl::OkStatus();
}

absl::Status Daemon::StartServer() {
  authorizer_ = std::make_unique<server::Authorizer>(&peers_, config_.admin_group);
  pool_ = std::make_unique<service::WorkerPool>(kPoolThreads);
  env_.backend = std::string(config::BackendName(config_.backend));
  env_.store = store_.get();
  env_.hub = &hub_;
  env_.internal_subscribers = monitor_->event_subscriptions();
  env_.monitor = monitor_.get();
  env_.alerts = alerts_.get();
  env_.alert_delivery = alert_delivery_.get();
  env_.authorizer = authorizer_.get();
  env_.logger = logger_;
  env_.pool = pool_.get();
  env_.started = absl::Now();
  inventory_ = std::make_unique<service::InventoryService>(&env_);
  events_ = std::make_unique<service::EventsService>(&env_);
  passthrough_ = std::make_unique<service::PassthroughService>(&env_);
  maintenance_ = std::make_unique<service::MaintenanceService>(&env_);
  daemon_service_ = std::make_unique<service::DaemonService>(&env_);
  health_service_ = std::make_unique<service::HealthService>(&env_);

  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  // The largest request is a passthrough carrying an adapter's largest
  // transfer: gRPC refuses bigger messages before they are parsed.
  uint32_t max_transfer = 0;
  for (const auto& adapter : adapters_)
    max_transfer = std::max(max_transfer, adapter->max_transfer());
  builder.SetMaxReceiveMessageSize(static_cast<int>(max_transfer + kRequestOverheadBytes));
  builder.RegisterService(inventory_.get());
  builder.RegisterService(events_.get());
  builder.RegisterService(passthrough_.get());
  builder.RegisterService(maintenance_.get());
  builder.RegisterService(daemon_service_.get());
  builder.RegisterService(health_service_.get());
  int tcp_port = 0;
  if (!config_.tcp_listen.empty()) {
    auto credentials =
        server::MakeServerCredentials(config_.tls_cert, config_.tls_key, config_.tls_client_ca);
    if (!credentials.ok()) return credentials.status();
    builder.AddListeningPort(config_.tcp_listen, *credentials, &tcp_port);
  }
  server_ = builder.BuildAndStart();
  if (server_ == nullptr) return absl::InternalError("gRPC server did not start");
  if (!config_.tcp_listen.empty() && tcp_port == 0) {
    return absl::UnavailableError(absl::StrCat("cannot listen on ", config_.tcp_listen));
  }
  health_->Attach(server_->GetHealthCheckService());
  if (absl::Status s = listener_->Start(server_.get()); !s.ok()) return s;

  if (!config_.metrics_listen.empty()) {
    auto metrics = sys::MetricsHttpServer::Start(config_.metrics_listen, &metrics_);
    if (!metrics.ok()) return metrics.status();
    metrics_http_ = *std::move(metrics);
    logger_->Log(sys::LogLevel::kInfo, "metrics served",
                 {{"METRICS_PORT", absl::StrCat(metrics_http_->port())}});
  }
  return absl::OkStatus();
}

int Daemon::Run() {
  for (;;) {
    pollfd fd = {signals_->fd(), POLLIN, 0};
    absl::Duration wait = kTick;
    if (auto watchdog = sys::Notifier::WatchdogInterval(); watchdog && config_.watchdog) {
      wait = std::min(wait, *watchdog / 2);
    }
    poll(&fd, 1, static_cast<int>(absl::ToInt64Milliseconds(wait)));
    for (;;) {
      absl::StatusOr<std::optional<int>> signal = signals_->Read();
      if (!signal.ok() || !signal->has_value()) break;
      if (**signal == SIGHUP) {
        Reload();
      } else {
        logger_->Log(sys::LogLevel::kNotice, absl::StrCat("signal ", **signal, ": shutting down"));
        (void)notifier_.Stopping();
        Shutdown();
        return 0;
      }
    }
    Tick();
  }
}

void Daemon::Reload() {
  (void)notifier_.Reloading();
  absl::StatusOr<config::DaemonConfig> fresh = LoadEffectiveConfig(command_line_);
  if (!fresh.ok()) {
    logger_->Log(sys::LogLevel::kError, "reload failed; keeping the running configuration",
                 {{"ERROR", fresh.status().ToString()}});
  } else {
    config_.log_level = fresh->log_level;
    config_.event_retention_days = fresh->event_retention_days;
    config_.audit_retention_days = fresh->audit_retention_days;
    config_.health_retention_days = fresh->health_retention_days;
    config_.retention_batch = fresh->retention_batch;
    config_.health = fresh->health;
    if (monitor_ != nullptr) monitor_->SetPolicy(config_.health);
    if (alert_delivery_ != nullptr) alert_delivery_->SetPolicy(config_.health);
    logger_->SetMaxLevel(config_.log_level);
    if (store_maintenance_ != nullptr) store_maintenance_->SetRetention(RetentionPolicyOf(config_));
    logger_->Log(sys::LogLevel::kNotice, "configuration reloaded",
                 {{"LOG_LEVEL", std::string(sys::LogLevelName(config_.log_level))}});
  }
  (void)notifier_.Ready(StatusLine());
}

size_t Daemon::ClientSubscribers() const {
  const size_t all = hub_.subscribers();
  const size_t internal = monitor_ != nullptr ? monitor_->event_subscriptions() : 0;
  return all > internal ? all - internal : 0;
}

bool Daemon::AdaptersProgressing() const {
  absl::Time now = absl::Now();
  for (const auto& adapter : adapters_) {
    if (!adapter->removed() && now - adapter->last_beat() > kStuckAfter) return false;
  }
  return true;
}

std::string Daemon::StatusLine() const {
  std::vector<std::string> parts;
  size_t serving = 0;
  for (const auto& adapter : adapters_) {
    if (adapter->serving()) ++serving;
    parts.push_back(
        absl::StrCat(adapter->name(), " ", adapter::AdapterStateName(adapter->state())));
  }
  return absl::StrCat(serving, "/", adapters_.size(), " adapters serving (",
                      absl::StrJoin(parts, ", "), "), ", ClientSubscribers(), " subscribers");
}

void Daemon::Tick() {
  for (const auto& adapter : adapters_) {
    const std::string& name = adapter->name();
    if (adapter->removed()) {
      metrics_.RemoveSeries("adapter", name);  // gone from /metrics with the adapter
      continue;
    }
    adapter::IngestStats stats = adapter->ingest_stats();
    for (uint32_t state = HBAMGR_STATE_NEW; state <= HBAMGR_STATE_DELETING; ++state) {
      SetGauge(
          metrics_, "hbamgr_adapter_state",
          "Adapter state: 1 for the state the adapter is in, 0 for the others",
          {{"adapter", name}, {"state", absl::AsciiStrToLower(adapter::AdapterStateName(state))}},
          adapter->state() == state ? 1 : 0);
    }
    SetGauge(metrics_, "hbamgr_adapter_serving", "1 while the adapter is LIVE", {{"adapter", name}},
             adapter->serving() ? 1 : 0);
    SetGauge(metrics_, "hbamgr_passthru_queued", "Passthrough requests waiting",
             {{"adapter", name}}, static_cast<double>(adapter->serializer().queued()));
    SetGauge(metrics_, "hbamgr_passthru_max_in_flight",
             "Most passthrough commands ever in the transport at once", {{"adapter", name}},
             adapter->serializer().max_in_flight());
    SetCounter(metrics_, "hbamgr_events_stored_total", "Events added to the store", name,
               static_cast<double>(stats.stored));
    SetCounter(metrics_, "hbamgr_event_gaps_total", "Event sequence gaps detected", name,
               static_cast<double>(stats.gaps));
    SetCounter(metrics_, "hbamgr_events_backfilled_total", "Events read from the firmware log",
               name, static_cast<double>(stats.backfilled));
    SetCounter(metrics_, "hbamgr_events_lost_total",
               "Events the firmware log no longer held when the daemon came to store them", name,
               static_cast<double>(stats.lost));
    SetCounter(metrics_, "hbamgr_event_loss_records_total",
               "HOST_EVENTS_LOST records stored (one per lost range)", name,
               static_cast<double>(stats.loss_records));
    SetCounter(metrics_, "hbamgr_event_store_failures_total",
               "Event batches the store refused (read again from the firmware log)", name,
               static_cast<double>(stats.store_failures));
    SetCounter(metrics_, "hbamgr_event_log_checks_total", "Firmware event log checks (EVTLOG_INFO)",
               name, static_cast<double>(stats.log_checks));
    SetGauge(metrics_, "hbamgr_event_log_newest_seq", "Newest seq the firmware log reported",
             {{"adapter", name}}, static_cast<double>(stats.log_newest_seq));
  }
  SetGauge(metrics_, "hbamgr_subscribers", "Live Subscribe streams", {},
           static_cast<double>(ClientSubscribers()));
  SetGauge(metrics_, "hbamgr_store_writable",
           "1 while the database can be written; 0: admin calls refused, events wait in the "
           "firmware log",
           {}, store_->WriteFault().ok() ? 1 : 0);

  if (config_.watchdog && AdaptersProgressing()) (void)notifier_.WatchdogPing();
  std::string status = StatusLine();
  if (status != last_status_) {
    (void)notifier_.Status(status);
    last_status_ = std::move(status);
  }
}

void Daemon::Shutdown() {
  if (shut_down_) return;
  shut_down_ = true;
  absl::Notification finished;
  std::thread backstop([this, &finished] {
    if (finished.WaitForNotificationWithTimeout(kShutdownDeadline)) return;
    logger_->Log(
        sys::LogLevel::kError,
        absl::StrCat("shutdown did not finish within ", absl::FormatDuration(kShutdownDeadline),
                     " (a command stuck in an adapter?); exiting now"));
    _exit(kExitShutdownStuck);
  });
  if (listener_ != nullptr) listener_->Stop();  // no new connections
  // Retention ends between two batches.
  if (store_maintenance_ != nullptr) store_maintenance_->Stop();
  // Event ingestion stops first: it frees the adapters' queues for the
  // calls still running.
  for (auto& adapter : adapters_) adapter->RequestStop();
  if (server_ != nullptr) {
    if (health_ != nullptr) health_->ShutDown();
    // Calls still running at the deadline are cancelled; queued passthrough
    // of cancelled calls is dropped.
    server_->Shutdown(absl::ToChronoTime(absl::Now() + kShutdownGrace));
  }
  // The monitor polls through the adapters' serializers: it stops first.
  if (monitor_ != nullptr) monitor_->Stop();
  if (alert_delivery_ != nullptr) alert_delivery_->Stop();
  for (auto& adapter : adapters_) adapter->Stop();
  if (pool_ != nullptr) pool_->Shutdown();
  if (metrics_http_ != nullptr) metrics_http_->Stop();
  server_.reset();
  listener_.reset();
  env_.adapters.clear();
  monitor_.reset();
  scheduler_.reset();
  alerts_.reset();
  alert_delivery_.reset();
  adapters_.clear();
  store_maintenance_.reset();
  store_.reset();  // closes the database (WAL checkpoint)
  db_lock_.reset();
  finished.Notify();
  backstop.join();
}

}  // namespace hbamgr::app
