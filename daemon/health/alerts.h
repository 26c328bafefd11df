// Alerts: each condition of each object (a Reason of the health model) is
// one alert, opened when it first appears, reminded of per the policy's
// throttle while it persists and not acknowledged, and cleared (one
// "cleared" notification) when it goes away.  State lives in the store, so
// a restart neither re-sends nor forgets.
#ifndef HBAMGR_DAEMON_HEALTH_ALERTS_H_
#define HBAMGR_DAEMON_HEALTH_ALERTS_H_

#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "daemon/health/delivery.h"
#include "daemon/health/policy.h"
#include "daemon/health/snapshot.h"
#include "daemon/store/store.h"
#include "daemon/sys/log.h"

namespace hbamgr::health {

// When the reminder after the `times_sent`-th notification of an alert last
// sent at `last_sent` is due; InfiniteFuture for throttle once.
absl::Time NextReminder(const Policy& policy, uint32_t times_sent, absl::Time last_sent);

class AlertEngine {
 public:
  // Both must outlive the engine.
  AlertEngine(store::Store* store, Delivery* delivery, sys::Logger* logger)
      : store_(store), delivery_(delivery), logger_(logger) {}

  // ConditionKeys of the adapter's open alerts (the model's hysteresis
  // starts from them after a restart).
  std::set<std::string> OpenConditions(uint32_t adapter);

  // Brings the adapter's alerts in line with `snap` (evaluated): opens,
  // reminds, clears, and fills the open-alert counts of snap and its
  // objects.  Store errors are logged; the next poll retries.
  void Update(const Policy& policy, AdapterSnapshot& snap, absl::Time now);

  // Alerts of one adapter (or all), open only unless `all`, newest first.
  absl::StatusOr<std::vector<store::AlertRow>> List(std::optional<uint32_t> adapter, bool all,
                                                    uint32_t limit);
  // Stops reminders of an open alert.  NOT_FOUND for an unknown id,
  // FAILED_PRECONDITION for a cleared one.
  absl::StatusOr<store::AlertRow> Acknowledge(uint32_t adapter, int64_t id, const std::string& by,
                                              absl::Time now);
  // A test notification for `adapter` through every channel (smartd -M
  // test); nothing is stored.
  HookResult SendTest(const std::string& adapter, uint32_t index, const std::string& by,
                      absl::Time now);

 private:
  store::Store* const store_;
  Delivery* const delivery_;
  sys::Logger* const logger_;
  // Serializes Update/Acknowledge so a reminder and an ack cannot cross;
  // held across store calls (store lock after it).
  absl::Mutex mu_;
};

}  // namespace hbamgr::health

#endif  // HBAMGR_DAEMON_HEALTH_ALERTS_H_
