// Scheduled health jobs per the policy: patrol read (per adapter),
// consistency check (per redundant VD, by its own [health.cN.vM] schedule
// if it has one), short and extended self-tests (per drive, by drive
// class).  When each job last ran on each target is kept in the store: a
// job whose time came while the daemon was down runs once after start; a
// job seen for the first time starts counting from now.  A drive runs one
// self-test at a time: when both fall due together the extended one runs
// (it reads everything the short one does), and while the drive's self-test
// log says one is in progress a self-test that falls due is skipped, as
// smartd does.
#ifndef HBAMGR_DAEMON_HEALTH_SCHEDULER_H_
#define HBAMGR_DAEMON_HEALTH_SCHEDULER_H_

#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "daemon/health/policy.h"
#include "daemon/health/poller.h"
#include "daemon/health/snapshot.h"
#include "daemon/store/store.h"
#include "daemon/sys/log.h"

namespace hbamgr::health {

class Scheduler {
 public:
  Scheduler(store::Store* store, sys::Logger* logger, absl::TimeZone zone)
      : store_(store), logger_(logger), zone_(zone) {}

  // The earliest time a job of this adapter is due; InfiniteFuture if none.
  absl::Time NextDue(const Policy& policy, const AdapterSnapshot& snap);
  // Starts every job of this adapter that is due at `now`.
  void RunDue(const Policy& policy, Poller& poller, const AdapterSnapshot& snap, absl::Time now);

 private:
  struct Job {
    std::string name;    // "patrol_read", "consistency_check", "selftest_short", ...
    std::string target;  // "/c0", "/c0/v1", "/c0/e0/s3"
    const Schedule* schedule;
    uint16_t id;  // VD or PD id
    // A self-test of a drive whose self-test log says one is in progress.
    bool drive_testing = false;
  };
  std::vector<Job> Jobs(const Policy& policy, const AdapterSnapshot& snap);
  // Logs, once each, a per-VD schedule of this adapter whose VD does not
  // exist or cannot be checked.
  void CheckVdSchedules(const Policy& policy, const AdapterSnapshot& snap);
  // A VD that appeared since the last complete inventory (created, or
  // deleted and created again with its id) counts its consistency check
  // schedule from now, not from what its id last ran.
  void NoteNewVds(const AdapterSnapshot& snap, absl::Time now);
  void Record(const Job& job, absl::Time now);
  // When the job last ran (recording now on first sight).
  absl::Time LastRun(const Job& job, absl::Time now);
  absl::Status Start(const Job& job, Poller& poller);

  store::Store* const store_;
  sys::Logger* const logger_;
  const absl::TimeZone zone_;
  absl::Mutex mu_;  // protects last_run_; a leaf lock apart from the store's
  std::map<std::pair<std::string, std::string>, absl::Time> last_run_ ABSL_GUARDED_BY(mu_);
  // Per-VD schedules reported as having no VD to run on: (adapter, VD id).
  std::set<std::pair<uint32_t, uint16_t>> reported_ ABSL_GUARDED_BY(mu_);
  // VD ids of each adapter's last complete inventory.
  std::map<uint32_t, std::set<uint16_t>> known_vds_ ABSL_GUARDED_BY(mu_);
};

}  // namespace hbamgr::health

#endif  // HBAMGR_DAEMON_HEALTH_SCHEDULER_H_
