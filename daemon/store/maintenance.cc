#include "daemon/store/maintenance.h"

#include <algorithm>
#include <utility>

#include "absl/time/clock.h"

namespace hbamgr::store {

Maintenance::Maintenance(Store* store, MaintenanceOptions options, RetentionReport report)
    : store_(store),
      report_(std::move(report)),
      options_(options),
      next_retention_(absl::Now() + options.first_retention_after) {
  thread_ = std::thread([this] { Loop(); });
}

Maintenance::~Maintenance() { Stop(); }

void Maintenance::SetRetention(const RetentionPolicy& policy) {
  absl::MutexLock lock(&mu_);
  options_.retention = policy;
  next_retention_ = absl::Now();
}

void Maintenance::Stop() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  if (thread_.joinable()) thread_.join();
}

void Maintenance::Loop() {
  auto keep_going = [this] {
    absl::MutexLock lock(&mu_);
    return !stopping_;
  };
  absl::Time next_check = absl::Now();
  for (;;) {
    RetentionPolicy policy;
    bool retention_due = false;
    {
      absl::MutexLock lock(&mu_);
      mu_.AwaitWithDeadline(absl::Condition(&stopping_), std::min(next_check, next_retention_));
      if (stopping_) return;
      const absl::Time now = absl::Now();
      if (now >= next_retention_) {
        retention_due = true;
        policy = options_.retention;
        next_retention_ = now + options_.retention_every;
      }
      if (now >= next_check) next_check = now + options_.check_every;
    }
    (void)store_->CheckWritable();  // reports changes to the store's listener
    if (!retention_due) continue;
    const absl::Time started = absl::Now();
    absl::StatusOr<RetentionResult> result = store_->ApplyRetention(policy, started, keep_going);
    const bool deleted =
        result.ok() && result->events_deleted + result->audit_deleted + result->health_deleted != 0;
    if (report_ && (!result.ok() || deleted)) report_(result, absl::Now() - started);
  }
}

}  // namespace hbamgr::store
