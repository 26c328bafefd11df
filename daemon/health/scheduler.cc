#include "daemon/health/scheduler.h"

#include <algorithm>

#include "absl/strings/str_cat.h"

namespace hbamgr::health {

std::vector<Scheduler::Job> Scheduler::Jobs(const Policy& policy,
                                            const AdapterSnapshot& snap) const {
  std::vector<Job> jobs;
  if (!snap.info_ok || snap.info.state != HBAMGR_STATE_LIVE) return jobs;
  if (policy.patrol_read.enabled()) {
    jobs.push_back({"patrol_read", snap.path, &policy.patrol_read, HBAMGR_ID_NONE});
  }
  if (policy.consistency_check.enabled()) {
    for (const VirtualDriveSnapshot& v : snap.virtual_drives) {
      if (v.info.raid_level == 0) continue;  // nothing to check
      jobs.push_back({"consistency_check", v.path, &policy.consistency_check, v.info.vd_id});
    }
  }
  for (const DriveSnapshot& d : snap.drives) {
    if (d.info.state == HBAMGR_PD_MISSING || d.info.state == HBAMGR_PD_FAILED) continue;
    const DrivePolicy& dp = policy.ForClass(d.drive_class);
    if (dp.selftest_short.enabled()) {
      jobs.push_back({"selftest_short", d.path, &dp.selftest_short, d.info.pd_id});
    }
    if (dp.selftest_long.enabled()) {
      jobs.push_back({"selftest_long", d.path, &dp.selftest_long, d.info.pd_id});
    }
  }
  return jobs;
}

absl::Time Scheduler::LastRun(const Job& job, absl::Time now) {
  absl::MutexLock lock(&mu_);
  auto key = std::make_pair(job.name, job.target);
  if (auto it = last_run_.find(key); it != last_run_.end()) return it->second;
  absl::Time last = now;
  auto stored = store_->ScheduleLastRun(job.name, job.target);
  if (stored.ok() && stored->has_value()) {
    last = absl::FromUnixNanos(**stored);
  } else if (stored.ok()) {
    (void)store_->SetScheduleLastRun(job.name, job.target, absl::ToUnixNanos(now));
  }
  last_run_[key] = last;
  return last;
}

absl::Time Scheduler::NextDue(const Policy& policy, const AdapterSnapshot& snap) {
  absl::Time earliest = absl::InfiniteFuture();
  const absl::Time now = absl::Now();
  for (const Job& job : Jobs(policy, snap)) {
    if (auto next = job.schedule->NextAfter(LastRun(job, now), zone_)) {
      earliest = std::min(earliest, *next);
    }
  }
  return earliest;
}

absl::Status Scheduler::Start(const Job& job, Poller& poller) {
  if (job.name == "patrol_read") {
    return poller.mgmt().StartBackgroundOp(HBAMGR_BGOP_PATROL, HBAMGR_ID_NONE);
  }
  if (job.name == "consistency_check") {
    return poller.mgmt().StartBackgroundOp(HBAMGR_BGOP_CC, job.id);
  }
  return poller.StartSelfTest(job.id, job.name == "selftest_short" ? 1 : 2);
}

void Scheduler::RunDue(const Policy& policy, Poller& poller, const AdapterSnapshot& snap,
                       absl::Time now) {
  for (const Job& job : Jobs(policy, snap)) {
    const absl::Time last = LastRun(job, now);
    std::optional<absl::Time> next = job.schedule->NextAfter(last, zone_);
    if (!next || *next > now) continue;
    // However many times it came while the daemon was down, it runs once.
    absl::Status s = Start(job, poller);
    logger_->Log(s.ok() ? sys::LogLevel::kNotice : sys::LogLevel::kWarning,
                 s.ok() ? absl::StrCat("scheduled ", job.name, " started on ", job.target)
                        : absl::StrCat("scheduled ", job.name, " on ", job.target,
                                       " not started: ", s.message()),
                 {{"HBAMGR_OBJECT", job.target},
                  {"HBAMGR_JOB", job.name},
                  {"SCHEDULE", job.schedule->text()},
                  {"DUE", absl::FormatTime(*next)}});
    {
      absl::MutexLock lock(&mu_);
      last_run_[{job.name, job.target}] = now;
    }
    if (absl::Status st = store_->SetScheduleLastRun(job.name, job.target, absl::ToUnixNanos(now));
        !st.ok()) {
      logger_->Log(sys::LogLevel::kError, "schedule run not stored",
                   {{"HBAMGR_JOB", job.name}, {"ERROR", st.ToString()}});
    }
  }
}

}  // namespace hbamgr::health
