#include "daemon/store/maintenance.h"

#include <algorithm>
#include <utility>

#include "absl/time/clock.h"

namespace hbamgr::store {

Maintenance::Maintenance(Store* store, MaintenanceOptions options, RetentionReport report)
    : store_(store),
      report_(std::move(report)),
      options_(options),
      next_retention_(absl::Now() + options.first_retention_after),
      next_checkpoint_(absl::Now() + options.checkpoint_every) {
  store_->SetCheckpointDue([this] {
    absl::MutexLock lock(&mu_);
    checkpoint_due_ = true;
  });
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
  store_->SetCheckpointDue(nullptr);
}

void Maintenance::CheckpointIfDue() {
  {
    absl::MutexLock lock(&mu_);
    const absl::Time now = absl::Now();
    if (now < next_checkpoint_ && !checkpoint_due_) return;
    next_checkpoint_ = now + options_.checkpoint_every;
    checkpoint_due_ = false;
  }
  (void)store_->CheckpointWal();  // a failure is the writer's to report
}

void Maintenance::Loop() {
  // A long retention pass writes much: checkpoints go on between batches.
  auto keep_going = [this] {
    CheckpointIfDue();
    absl::MutexLock lock(&mu_);
    return !stopping_;
  };
  absl::Time next_check = absl::Now();
  for (;;) {
    RetentionPolicy policy;
    bool retention_due = false;
    bool check_due = false;
    {
      absl::MutexLock lock(&mu_);
      mu_.AwaitWithDeadline(
          absl::Condition(
              +[](Maintenance* self) ABSL_EXCLUSIVE_LOCKS_REQUIRED(self->mu_) {
                return self->stopping_ || self->checkpoint_due_;
              },
              this),
          std::min({next_check, next_retention_, next_checkpoint_}));
      if (stopping_) return;
      const absl::Time now = absl::Now();
      if (now >= next_retention_) {
        retention_due = true;
        policy = options_.retention;
        next_retention_ = now + options_.retention_every;
      }
      if (now >= next_check) {
        check_due = true;
        next_check = now + options_.check_every;
      }
    }
    if (check_due) (void)store_->CheckWritable();  // reports changes to the store's listener
    CheckpointIfDue();
    if (!retention_due) continue;
    const absl::Time started = absl::Now();
    absl::StatusOr<RetentionResult> result = store_->ApplyRetention(policy, started, keep_going);
    const bool deleted =
        result.ok() && result->events_deleted + result->audit_deleted + result->health_deleted != 0;
    if (report_ && (!result.ok() || deleted)) report_(result, absl::Now() - started);
  }
}

}  // namespace hbamgr::store
