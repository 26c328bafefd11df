// What the health service remembers about each drive, by serial, across
// restarts (smartd's state files): the temperature range it ever read and
// the error counters each time they changed, from which counter growth
// within the policy's window is computed.  Backed by the store; the store
// is written only when a range widens or a counter changes.
#ifndef HBAMGR_DAEMON_HEALTH_DRIVE_HISTORY_H_
#define HBAMGR_DAEMON_HEALTH_DRIVE_HISTORY_H_

#include <deque>
#include <map>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "daemon/health/snapshot.h"
#include "daemon/store/store.h"

namespace hbamgr::health {

// Thread-safe.
class DriveHistory {
 public:
  explicit DriveHistory(store::Store* store) : store_(store) {}

  // Reads what the store kept.
  absl::Status Load();

  // Records this reading of `drive` and fills its temperature range and its
  // counter growth within `window` (the value now minus the value at
  // now - window, or at the first reading when that came later).
  absl::Status Observe(DriveSnapshot& drive, absl::Duration window, absl::Time now);

 private:
  struct Drive {
    bool has_range = false;
    uint32_t min_c = 0;
    uint32_t max_c = 0;
    std::deque<store::DriveCounterRow> samples;  // oldest first
  };

  store::Store* const store_;
  absl::Mutex mu_;  // protects drives_; held across store calls (store lock after it)
  std::map<std::string, Drive> drives_ ABSL_GUARDED_BY(mu_);
};

}  // namespace hbamgr::health

#endif  // HBAMGR_DAEMON_HEALTH_DRIVE_HISTORY_H_
