// Fan-out of stored events to live subscribers (gRPC Subscribe streams).
// Each subscriber has a bounded queue; publishing never blocks: a subscriber
// whose queue is full is marked overflowed and gets nothing more (its stream
// ends with RESOURCE_EXHAUSTED after the queued rows and the client resumes
// with from_seq from the store).
#ifndef HBAMGR_DAEMON_ADAPTER_EVENT_HUB_H_
#define HBAMGR_DAEMON_ADAPTER_EVENT_HUB_H_

#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "daemon/store/store.h"

namespace hbamgr::adapter {

struct EventFilter {
  std::optional<uint32_t> adapter;
  uint8_t min_severity = 0;            // enum hbamgr_severity
  std::optional<uint8_t> event_class;  // enum hbamgr_event_class

  bool Matches(const store::EventRow& row) const;
};

// Lock order: notify_mu_ -> (the notify callback's own locks) -> mu_.
class Subscription {
 public:
  Subscription(EventFilter filter, size_t depth, std::function<void()> notify);

  // Queued rows, oldest first (empties the queue).
  std::vector<store::EventRow> Take();
  // True once more than `depth` rows were waiting; nothing is queued after.
  bool overflowed() const;
  const EventFilter& filter() const { return filter_; }

 private:
  friend class EventHub;
  // Queues the matching rows; true when the consumer should be notified.
  bool Offer(std::span<const store::EventRow> rows);
  void Notify();
  void Detach();  // no notify after it returns

  const EventFilter filter_;
  const size_t depth_;

  absl::Mutex notify_mu_;  // protects notify_; held while it runs
  std::function<void()> notify_ ABSL_GUARDED_BY(notify_mu_);

  mutable absl::Mutex mu_;  // protects the queue; a leaf lock
  std::deque<store::EventRow> queue_ ABSL_GUARDED_BY(mu_);
  bool overflowed_ ABSL_GUARDED_BY(mu_) = false;
};

// Thread-safe.
class EventHub {
 public:
  explicit EventHub(size_t queue_depth) : queue_depth_(queue_depth) {}

  // `notify` runs on a publishing thread, without hub locks, whenever rows
  // were queued or the subscription overflowed; it must not block.
  std::shared_ptr<Subscription> Subscribe(EventFilter filter, std::function<void()> notify);
  // After it returns `notify` is not running and will not run again.
  void Unsubscribe(const std::shared_ptr<Subscription>& subscription);

  // Rows of one adapter, in seq order, already stored.
  void Publish(std::span<const store::EventRow> rows);

  size_t subscribers() const;

 private:
  const size_t queue_depth_;
  mutable absl::Mutex mu_;  // protects subscriptions_; not held while notifying
  std::vector<std::shared_ptr<Subscription>> subscriptions_ ABSL_GUARDED_BY(mu_);
};

}  // namespace hbamgr::adapter

#endif  // HBAMGR_DAEMON_ADAPTER_EVENT_HUB_H_
