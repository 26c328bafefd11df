// The store's background work, on its own thread so the main loop (signals,
// the systemd watchdog) never waits for it: retention (expired rows deleted
// in small batches, the write lock released between two; the first pass a
// moment after start-up, so the daemon serves first) and the storage check
// (Store::CheckWritable: free space, read-only, and while the store is in a
// write fault a probe write that ends it), and the WAL checkpoints
// (Store::CheckpointWal; the writer makes none, so its fsyncs never stall
// event ingestion), also between two retention batches.
#ifndef HBAMGR_DAEMON_STORE_MAINTENANCE_H_
#define HBAMGR_DAEMON_STORE_MAINTENANCE_H_

#include <functional>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "daemon/store/store.h"

namespace hbamgr::store {

struct MaintenanceOptions {
  RetentionPolicy retention{};
  absl::Duration retention_every = absl::Hours(1);
  absl::Duration first_retention_after = absl::Seconds(1);
  absl::Duration check_every = absl::Seconds(1);
  // Bounds how long the write-ahead log goes unchecked (a burst of writes
  // asks for a checkpoint sooner: Store::SetCheckpointDue).
  absl::Duration checkpoint_every = absl::Milliseconds(200);
};

class Maintenance {
 public:
  // After each retention pass that deleted rows or failed (from the thread).
  using RetentionReport =
      std::function<void(const absl::StatusOr<RetentionResult>& result, absl::Duration took)>;

  // `store` must outlive the Maintenance.  Starts the thread.
  Maintenance(Store* store, MaintenanceOptions options, RetentionReport report);
  ~Maintenance();  // Stop()
  Maintenance(const Maintenance&) = delete;
  Maintenance& operator=(const Maintenance&) = delete;

  // A new policy (SIGHUP); the next pass runs soon after.
  void SetRetention(const RetentionPolicy& policy);
  // Ends a pass in progress after its current batch, and the thread.
  // Idempotent.
  void Stop();

 private:
  void Loop();
  // Checkpoints the WAL when one is due.
  void CheckpointIfDue() ABSL_LOCKS_EXCLUDED(mu_);

  Store* const store_;
  const RetentionReport report_;

  absl::Mutex mu_;  // protects the fields below; not held during store work
  MaintenanceOptions options_ ABSL_GUARDED_BY(mu_);
  absl::Time next_retention_ ABSL_GUARDED_BY(mu_);
  absl::Time next_checkpoint_ ABSL_GUARDED_BY(mu_);
  bool checkpoint_due_ ABSL_GUARDED_BY(mu_) = false;  // the store asked for one
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;

  std::thread thread_;
};

}  // namespace hbamgr::store

#endif  // HBAMGR_DAEMON_STORE_MAINTENANCE_H_
