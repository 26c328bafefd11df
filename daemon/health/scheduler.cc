#include "daemon/health/scheduler.h"

#include <algorithm>

#include "absl/strings/str_cat.h"

namespace hbamgr::health {

void Scheduler::CheckVdSchedules(const Policy& policy, const AdapterSnapshot& snap) {
  if (!snap.poll_error.empty()) return;  // the VD list may be old
  for (const auto& [key, schedule] : policy.vd_consistency_check) {
    const auto [adapter, vd_id] = key;
    if (adapter != snap.index) continue;
    auto vd =
        std::find_if(snap.virtual_drives.begin(), snap.virtual_drives.end(),
                     [id = vd_id](const VirtualDriveSnapshot& v) { return v.info.vd_id == id; });
    std::string problem;
    if (vd == snap.virtual_drives.end()) {
      problem = absl::StrCat(snap.name, " has no VD ", vd_id,
                             ": no consistency check runs for it until a VD with that id exists");
    } else if (vd->info.raid_level == 0 && schedule.enabled()) {
      problem = absl::StrCat(vd->path, " is RAID 0: it has no redundancy to check");
    }
    absl::MutexLock lock(&mu_);
    if (problem.empty()) {
      reported_.erase(key);
    } else if (reported_.insert(key).second) {
      logger_->Log(sys::LogLevel::kWarning,
                   absl::StrCat("health.", snap.name, ".v", vd_id, ".consistency_check: ", problem),
                   {{"HBAMGR_OBJECT", VirtualDrivePath(snap.name, vd_id)},
                    {"HBAMGR_JOB", "consistency_check"},
                    {"SCHEDULE", schedule.text()}});
    }
  }
}

void Scheduler::NoteNewVds(const AdapterSnapshot& snap, absl::Time now) {
  if (!snap.poll_error.empty()) return;
  std::set<uint16_t> ids;
  for (const VirtualDriveSnapshot& v : snap.virtual_drives) ids.insert(v.info.vd_id);
  std::vector<uint16_t> appeared;
  {
    absl::MutexLock lock(&mu_);
    auto [known, first] = known_vds_.try_emplace(snap.index, ids);
    if (first) return;  // a run missed while the daemon was down still runs
    for (uint16_t id : ids) {
      if (!known->second.contains(id)) appeared.push_back(id);
    }
    known->second = std::move(ids);
  }
  for (uint16_t id : appeared) {
    Record({"consistency_check", VirtualDrivePath(snap.name, id), nullptr, id}, now);
  }
}

std::vector<Scheduler::Job> Scheduler::Jobs(const Policy& policy, const AdapterSnapshot& snap) {
  std::vector<Job> jobs;
  if (!snap.info_ok || snap.info.state != HBAMGR_STATE_LIVE) return jobs;
  CheckVdSchedules(policy, snap);
  NoteNewVds(snap, absl::Now());
  if (policy.patrol_read.enabled()) {
    jobs.push_back({"patrol_read", snap.path, &policy.patrol_read, HBAMGR_ID_NONE});
  }
  for (const VirtualDriveSnapshot& v : snap.virtual_drives) {
    if (v.info.raid_level == 0) continue;  // nothing to check
    const Schedule& cc = policy.ConsistencyCheckFor(snap.index, v.info.vd_id);
    if (cc.enabled()) jobs.push_back({"consistency_check", v.path, &cc, v.info.vd_id});
  }
  for (const DriveSnapshot& d : snap.drives) {
    if (d.info.state == HBAMGR_PD_MISSING || d.info.state == HBAMGR_PD_FAILED) continue;
    const DrivePolicy& dp = policy.ForClass(d.drive_class);
    const bool testing = d.log_pages.running_selftest_code.has_value();
    if (dp.selftest_short.enabled()) {
      jobs.push_back({"selftest_short", d.path, &dp.selftest_short, d.info.pd_id, testing});
    }
    if (dp.selftest_long.enabled()) {
      jobs.push_back({"selftest_long", d.path, &dp.selftest_long, d.info.pd_id, testing});
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

void Scheduler::Record(const Job& job, absl::Time now) {
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

void Scheduler::RunDue(const Policy& policy, Poller& poller, const AdapterSnapshot& snap,
                       absl::Time now) {
  std::vector<std::pair<Job, absl::Time>> due;
  for (const Job& job : Jobs(policy, snap)) {
    const absl::Time last = LastRun(job, now);
    std::optional<absl::Time> next = job.schedule->NextAfter(last, zone_);
    if (next && *next <= now) due.emplace_back(job, *next);
  }
  auto long_due = [&](const std::string& target) {
    return std::any_of(due.begin(), due.end(), [&](const auto& d) {
      return d.first.name == "selftest_long" && d.first.target == target;
    });
  };
  for (const auto& [job, next] : due) {
    if (job.drive_testing) {
      // The drive would refuse it; this time is skipped, as smartd does.
      logger_->Log(sys::LogLevel::kInfo,
                   absl::StrCat("scheduled ", job.name, " on ", job.target,
                                " skipped: a self-test is in progress"),
                   {{"HBAMGR_OBJECT", job.target}, {"HBAMGR_JOB", job.name}});
      Record(job, now);
      continue;
    }
    if (job.name == "selftest_short" && long_due(job.target)) {
      // One self-test at a time; the extended one covers the short one.
      logger_->Log(sys::LogLevel::kInfo,
                   absl::StrCat("scheduled selftest_short on ", job.target,
                                " skipped: an extended self-test starts now"),
                   {{"HBAMGR_OBJECT", job.target}, {"HBAMGR_JOB", job.name}});
      Record(job, now);
      continue;
    }
    // However many times it came while the daemon was down, it runs once.
    absl::Status s = Start(job, poller);
    logger_->Log(s.ok() ? sys::LogLevel::kNotice : sys::LogLevel::kWarning,
                 s.ok() ? absl::StrCat("scheduled ", job.name, " started on ", job.target)
                        : absl::StrCat("scheduled ", job.name, " on ", job.target,
                                       " not started: ", s.message()),
                 {{"HBAMGR_OBJECT", job.target},
                  {"HBAMGR_JOB", job.name},
                  {"SCHEDULE", job.schedule->text()},
                  {"DUE", absl::FormatTime(next)}});
    Record(job, now);
  }
}

}  // namespace hbamgr::health
