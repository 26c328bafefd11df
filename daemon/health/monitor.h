// The health service's engine: one watcher thread per adapter polls it
// (inventory every poll_interval, drive log pages every smart_interval, at
// once when a stored event says something changed), computes the health
// model and publishes an immutable AdapterSnapshot.  Readers (the Health
// gRPC service, /metrics) take snapshots; nothing else polls.
//
// Snapshot API: Snapshots() returns every adapter's newest snapshot (in
// adapter order); Find("c0") one of them.  Each is a complete, consistent
// picture of one poll: state, health and reasons of the adapter and each
// enclosure, drive and VD, temperatures and their lifetime range, error
// counters and their growth, capacities, background operations with
// progress, locate LEDs and open alert counts.
#ifndef HBAMGR_DAEMON_HEALTH_MONITOR_H_
#define HBAMGR_DAEMON_HEALTH_MONITOR_H_

#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "daemon/adapter/adapter.h"
#include "daemon/adapter/event_hub.h"
#include "daemon/health/drive_history.h"
#include "daemon/health/policy.h"
#include "daemon/health/snapshot.h"
#include "daemon/store/store.h"
#include "daemon/sys/log.h"

namespace hbamgr::health {

class AlertEngine;
class Scheduler;

class Monitor {
 public:
  // Everything passed must outlive the monitor.  `alerts` and `scheduler`
  // may be null (no alerting, no scheduled jobs).
  Monitor(Policy policy, store::Store* store, adapter::EventHub* hub, sys::Logger* logger,
          AlertEngine* alerts, Scheduler* scheduler);
  ~Monitor();  // Stop()
  Monitor(const Monitor&) = delete;
  Monitor& operator=(const Monitor&) = delete;

  // Before Start().
  void AddAdapter(adapter::Adapter* adapter);
  // Loads the drive history and starts the watchers (each polls at once).
  absl::Status Start();
  void Stop();

  // A new policy (SIGHUP); each watcher uses it from its next poll on.
  void SetPolicy(const Policy& policy);
  Policy policy() const;

  std::vector<std::shared_ptr<const AdapterSnapshot>> Snapshots() const;
  std::shared_ptr<const AdapterSnapshot> Find(const std::string& adapter) const;
  // Event hub subscriptions the monitor holds (one per adapter), so the
  // daemon can report client streams apart from them.
  size_t event_subscriptions() const { return watchers_.size(); }

  // The daemon rolled up: the worst adapter (OK with no adapter).
  Health DaemonHealth() const;

 private:
  struct Watcher;
  void Run(Watcher& w);
  std::shared_ptr<const AdapterSnapshot> Poll(Watcher& w, bool read_log_pages);
  void CountEvents(AdapterSnapshot& snap);
  // Logs each per-VD section that names an adapter the daemon does not have.
  void ReportUnknownAdapters(const Policy& policy);
  absl::Duration Jittered(absl::Duration d, double jitter);

  store::Store* const store_;
  adapter::EventHub* const hub_;
  sys::Logger* const logger_;
  AlertEngine* const alerts_;
  Scheduler* const scheduler_;
  DriveHistory history_;
  std::vector<std::unique_ptr<Watcher>> watchers_;

  mutable absl::Mutex mu_;  // protects policy_ and the published snapshots; a leaf lock
  Policy policy_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace hbamgr::health

#endif  // HBAMGR_DAEMON_HEALTH_MONITOR_H_
