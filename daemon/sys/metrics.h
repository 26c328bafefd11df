// A small Prometheus metrics registry: counters and gauges with labels,
// rendered in the text exposition format 0.0.4.
#ifndef HBAMGR_DAEMON_SYS_METRICS_H_
#define HBAMGR_DAEMON_SYS_METRICS_H_

#include <atomic>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"

namespace hbamgr::sys {

// Label name/value pairs of one series, e.g. {{"adapter", "0"}}.  Order does
// not matter; names must match [a-zA-Z_][a-zA-Z0-9_]* and not start "__".
using MetricLabels = std::vector<std::pair<std::string, std::string>>;

// A monotonically increasing value.  Lock-free.
class Counter {
 public:
  void Increment(double by = 1.0);  // `by` < 0 is ignored
  double value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0.0};
};

// A value that goes up and down.  Lock-free.
class Gauge {
 public:
  void Set(double v) { value_.store(v, std::memory_order_relaxed); }
  void Add(double by);
  double value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0.0};
};

// Thread-safe.  Series live as long as the registry; the returned pointers
// stay valid and are cheap to update from any thread.
class MetricsRegistry {
 public:
  // The series `name`{labels}, created on first use.  INVALID_ARGUMENT for a
  // bad metric or label name, or when `name` was already registered with the
  // other type, another help text or another set of label names.
  absl::StatusOr<Counter*> GetCounter(absl::string_view name, absl::string_view help,
                                      MetricLabels labels = {});
  absl::StatusOr<Gauge*> GetGauge(absl::string_view name, absl::string_view help,
                                  MetricLabels labels = {});

  // Families sorted by name, each with "# HELP" and "# TYPE" lines, then its
  // series sorted by label values; label values escape \\, \" and \n, help
  // text escapes \\ and \n.  Integral values print without a fraction,
  // others with up to 17 significant digits; NaN and +Inf/-Inf as Prometheus
  // spells them.
  std::string RenderText() const;

 private:
  enum class Type { kCounter, kGauge };
  struct Family {
    Type type;
    std::string help;
    std::vector<std::string> label_names;  // sorted
    // Key: label values in label_names order.  unique_ptr keeps addresses.
    std::map<std::vector<std::string>, std::unique_ptr<Counter>> counters;
    std::map<std::vector<std::string>, std::unique_ptr<Gauge>> gauges;
  };

  absl::StatusOr<Family*> FindOrAddFamily(absl::string_view name, absl::string_view help, Type type,
                                          const MetricLabels& labels,
                                          std::vector<std::string>* values)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  // Protects families_ (the map and each family's series maps; the values
  // themselves are atomics updated without it); a leaf lock.
  mutable absl::Mutex mu_;
  std::map<std::string, Family, std::less<>> families_ ABSL_GUARDED_BY(mu_);
};

}  // namespace hbamgr::sys

#endif  // HBAMGR_DAEMON_SYS_METRICS_H_
