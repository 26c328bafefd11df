#include "daemon/adapter/event_hub.h"

#include <algorithm>
#include <utility>

namespace hbamgr::adapter {

bool EventFilter::Matches(const store::EventRow& row) const {
  if (adapter && row.adapter != *adapter) return false;
  if (row.severity < min_severity) return false;
  if (event_class && row.event_class != *event_class) return false;
  return true;
}

Subscription::Subscription(EventFilter filter, size_t depth, std::function<void()> notify)
    : filter_(std::move(filter)), depth_(depth), notify_(std::move(notify)) {}

std::vector<store::EventRow> Subscription::Take() {
  absl::MutexLock lock(&mu_);
  std::vector<store::EventRow> rows(std::make_move_iterator(queue_.begin()),
                                    std::make_move_iterator(queue_.end()));
  queue_.clear();
  return rows;
}

bool Subscription::overflowed() const {
  absl::MutexLock lock(&mu_);
  return overflowed_;
}

bool Subscription::Offer(std::span<const store::EventRow> rows) {
  absl::MutexLock lock(&mu_);
  if (overflowed_) return false;
  bool queued = false;
  for (const store::EventRow& row : rows) {
    if (!filter_.Matches(row)) continue;
    if (queue_.size() >= depth_) {
      overflowed_ = true;
      return true;
    }
    queue_.push_back(row);
    queued = true;
  }
  return queued;
}

void Subscription::Notify() {
  absl::MutexLock lock(&notify_mu_);
  if (notify_) notify_();
}

void Subscription::Detach() {
  absl::MutexLock lock(&notify_mu_);
  notify_ = nullptr;
}

std::shared_ptr<Subscription> EventHub::Subscribe(EventFilter filter,
                                                  std::function<void()> notify) {
  auto subscription =
      std::make_shared<Subscription>(std::move(filter), queue_depth_, std::move(notify));
  absl::MutexLock lock(&mu_);
  subscriptions_.push_back(subscription);
  return subscription;
}

void EventHub::Unsubscribe(const std::shared_ptr<Subscription>& subscription) {
  {
    absl::MutexLock lock(&mu_);
    subscriptions_.erase(std::remove(subscriptions_.begin(), subscriptions_.end(), subscription),
                         subscriptions_.end());
  }
  subscription->Detach();
}

void EventHub::Publish(std::span<const store::EventRow> rows) {
  std::vector<std::shared_ptr<Subscription>> targets;
  {
    absl::MutexLock lock(&mu_);
    targets = subscriptions_;
  }
  for (const auto& subscription : targets) {
    if (subscription->Offer(rows)) subscription->Notify();
  }
}

size_t EventHub::subscribers() const {
  absl::MutexLock lock(&mu_);
  return subscriptions_.size();
}

}  // namespace hbamgr::adapter
