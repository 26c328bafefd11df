#include "daemon/adapter/event_committer.h"

#include <iterator>
#include <utility>

namespace hbamgr::adapter {

void EventBatch::Append(EventBatch& later) {
  if (later.rows.empty()) return;
  if (rows.empty()) first_seq = later.first_seq;
  next_seq = later.next_seq;
  rows.insert(rows.end(), std::make_move_iterator(later.rows.begin()),
              std::make_move_iterator(later.rows.end()));
  backfilled += later.backfilled;
  lost += later.lost;
  loss_records += later.loss_records;
  later.Clear();
}

void EventBatch::Clear() {
  rows.clear();  // keeps the capacity for the next batch
  first_seq = next_seq = backfilled = lost = loss_records = 0;
}

EventCommitter::EventCommitter(store::Store* store, size_t max_unstored, Committed committed)
    : store_(store), max_unstored_(max_unstored), committed_(std::move(committed)) {
  thread_ = std::thread([this] { Run(); });
}

EventCommitter::~EventCommitter() { Shutdown(); }

bool EventCommitter::WaitForRoom(size_t rows, absl::Duration timeout) {
  absl::MutexLock lock(&mu_);
  auto room = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return unstored_ + rows <= max_unstored_ || failure_ || stop_requested_;
  };
  mu_.AwaitWithTimeout(absl::Condition(&room), timeout);
  return unstored_ + rows <= max_unstored_ && !failure_ && !stop_requested_;
}

void EventCommitter::Queue(EventBatch& batch) {
  absl::MutexLock lock(&mu_);
  if (failure_) {
    batch.Clear();  // read again after the failure
    return;
  }
  unstored_ += batch.rows.size();
  queued_.Append(batch);
}

void EventCommitter::WaitIdle() {
  absl::MutexLock lock(&mu_);
  auto idle = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return unstored_ == 0 || failure_ || stop_requested_;
  };
  mu_.Await(absl::Condition(&idle));
}

std::optional<CommitFailure> EventCommitter::TakeFailure() {
  absl::MutexLock lock(&mu_);
  return std::exchange(failure_, std::nullopt);
}

size_t EventCommitter::unstored() const {
  absl::MutexLock lock(&mu_);
  return unstored_;
}

void EventCommitter::RequestStop() {
  absl::MutexLock lock(&mu_);
  stop_requested_ = true;
}

void EventCommitter::Shutdown() {
  {
    absl::MutexLock lock(&mu_);
    stop_requested_ = exit_ = true;
  }
  if (thread_.joinable()) thread_.join();
}

bool EventCommitter::CanRun() const { return !queued_.rows.empty() || exit_; }

void EventCommitter::Run() {
  EventBatch batch;
  for (;;) {
    {
      absl::MutexLock lock(&mu_);
      mu_.Await(absl::Condition(this, &EventCommitter::CanRun));
      if (queued_.rows.empty()) return;  // exit_, and everything is stored
      std::swap(batch, queued_);         // queued_ gets batch's emptied storage
    }
    absl::StatusOr<size_t> added = store_->AddEvents(batch.rows);
    if (!added.ok()) {
      absl::MutexLock lock(&mu_);
      failure_ = CommitFailure{.status = added.status(), .first_seq = batch.first_seq};
      queued_.Clear();
      unstored_ = 0;
    } else {
      committed_(batch);
      absl::MutexLock lock(&mu_);
      unstored_ -= batch.rows.size();
    }
    batch.Clear();
  }
}

}  // namespace hbamgr::adapter
