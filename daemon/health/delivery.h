// Where alerts go: the journal (structured HBAMGR_* fields), an exec hook
// run like smartd's -M exec (environment variables, no shell, a timeout
// that kills it, its output captured into the log) and live WatchAlerts
// streams (AlertHub).
#ifndef HBAMGR_DAEMON_HEALTH_DELIVERY_H_
#define HBAMGR_DAEMON_HEALTH_DELIVERY_H_

#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "daemon/health/policy.h"
#include "daemon/store/store.h"
#include "daemon/sys/log.h"

namespace hbamgr::health {

enum class NotificationKind { kRaised, kReminder, kCleared, kTest };
absl::string_view NotificationKindName(NotificationKind kind);  // "raised", ...
// "WARNING", "CRITICAL", "FAILED" for an alert severity (health level).
absl::string_view SeverityName(int32_t severity);

struct Notification {
  NotificationKind kind = NotificationKind::kRaised;
  store::AlertRow alert{};                            // as stored after this notification
  std::string adapter{};                              // "c0"
  std::string model{};                                // the drive's model, "" for other objects
  absl::Time next_reminder = absl::InfiniteFuture();  // none when infinite
};

// The environment an exec hook gets (NAME=value), smartd -M exec style:
// HBAMGR_ALERT_ID, HBAMGR_ALERT_STATE (raised|reminder|cleared|test),
// HBAMGR_OBJECT, HBAMGR_ADAPTER, HBAMGR_SEVERITY, HBAMGR_CONDITION,
// HBAMGR_MESSAGE, HBAMGR_FULLMESSAGE, HBAMGR_SERIAL, HBAMGR_MODEL,
// HBAMGR_TFIRST, HBAMGR_TFIRSTEPOCH, HBAMGR_PREVCNT, HBAMGR_NEXTDAYS,
// HBAMGR_HOST, plus PATH.  docs/health.md documents each.
std::vector<std::string> HookEnvironment(const Notification& n);

struct HookResult {
  bool ran = false;        // spawned
  int exit_status = -1;    // when it exited
  int signal = 0;          // when a signal ended it
  bool timed_out = false;  // killed at the timeout
  std::string error;       // why it did not run
  std::string Describe() const;
};

// Runs `path` with `env` and no arguments but its name; stdin /dev/null,
// stdout and stderr captured (each line logged with `fields`, up to 64 KiB),
// its own process group killed (SIGKILL) at `timeout`.
HookResult RunHook(const std::string& path, const std::vector<std::string>& env,
                   absl::Duration timeout, sys::Logger* logger, const std::string& alert_id);

// Fan-out of notifications to WatchAlerts streams: bounded queue per
// subscriber; one that falls behind is marked overflowed and gets nothing
// more.  Thread-safe.
class AlertHub {
 public:
  class Subscription {
   public:
    std::vector<Notification> Take();
    bool overflowed() const;

   private:
    friend class AlertHub;
    mutable absl::Mutex mu_;  // a leaf lock
    std::deque<Notification> queue_ ABSL_GUARDED_BY(mu_);
    bool overflowed_ ABSL_GUARDED_BY(mu_) = false;
    std::function<void()> notify_;  // set before registration, const after
    std::string adapter_;           // "" = every adapter
  };

  explicit AlertHub(size_t depth) : depth_(depth) {}
  // `notify` runs on the publishing thread, without hub locks; it must not
  // block.  After Unsubscribe returns it does not run again.
  std::shared_ptr<Subscription> Subscribe(std::string adapter, std::function<void()> notify);
  void Unsubscribe(const std::shared_ptr<Subscription>& sub);
  void Publish(const Notification& n);
  size_t subscribers() const;

 private:
  const size_t depth_;
  // Held while notifying, so Unsubscribe waits for a running notify.
  mutable absl::Mutex mu_;
  std::vector<std::shared_ptr<Subscription>> subs_ ABSL_GUARDED_BY(mu_);
};

// Thread-safe.  Hooks run one at a time on the delivery thread, in order.
class Delivery {
 public:
  Delivery(sys::Logger* logger, size_t stream_depth);
  ~Delivery();  // Stop()
  void SetPolicy(const Policy& policy);
  // Journal and streams at once; the hook is queued.
  void Send(const Notification& n);
  // Like Send, but runs the hook now and returns how it ended (smartd -M
  // test: the admin sees whether the hook works).
  HookResult SendNow(const Notification& n);
  // Waits for queued hooks, then stops the delivery thread.
  void Stop();
  AlertHub& hub() { return hub_; }

 private:
  void Journal(const Notification& n, bool enabled);
  void Loop();

  sys::Logger* const logger_;
  AlertHub hub_;
  absl::Mutex mu_;  // protects the fields below; a leaf lock (not held while a hook runs)
  bool journal_ ABSL_GUARDED_BY(mu_) = true;
  std::string exec_ ABSL_GUARDED_BY(mu_);
  absl::Duration timeout_ ABSL_GUARDED_BY(mu_) = absl::Seconds(30);
  std::deque<Notification> pending_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;
};

}  // namespace hbamgr::health

#endif  // HBAMGR_DAEMON_HEALTH_DELIVERY_H_
