// A small Prometheus metrics registry: counters and gauges with labels,
// rendered in the text exposition format 0.0.4, plus collectors that render
// whole families at scrape time from state kept elsewhere (so an object that
// is gone is gone from the output, not left behind as a stale series).
#ifndef HBAMGR_DAEMON_SYS_METRICS_H_
#define HBAMGR_DAEMON_SYS_METRICS_H_

#include <atomic>
#include <functional>
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

enum class MetricType { kCounter, kGauge };

// One family as a collector renders it at scrape time: every sample has one
// value per label name, in label_names order.
struct MetricFamily {
  struct Sample {
    std::vector<std::string> label_values;
    double value = 0;
  };
  std::string name;
  std::string help;
  MetricType type = MetricType::kGauge;
  std::vector<std::string> label_names = {};
  std::vector<Sample> samples = {};
};

// Appends the families it has now to `out`.  Called on the thread serving
// the scrape, so it must only read state that is safe to read from there.
using MetricCollector = std::function<void(std::vector<MetricFamily>& out)>;

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

  // Forgets every series that has label `label` = `value` (an adapter that
  // went away).  Pointers returned for those series must not be used after.
  void RemoveSeries(absl::string_view label, absl::string_view value);

  // Adds a collector, rendered after the registry's own families at every
  // RenderText().  A family it returns under a name the registry or an
  // earlier collector already rendered is left out, as is a family with an
  // invalid metric or label name or a sample without one value per label.
  void AddCollector(MetricCollector collector);

  // The registry's families sorted by name, each with "# HELP" and "# TYPE"
  // lines, then its series sorted by label values, then the collectors'
  // families in the order they return them; families without samples are
  // left out.  Label values escape \\, \" and \n, help text escapes \\ and
  // \n.  Integral values print without a fraction, others with the fewest
  // significant digits (up to 17) that read back as the same double; NaN and
  // +Inf/-Inf as Prometheus spells them.
  std::string RenderText() const;

 private:
  using Type = MetricType;
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
  std::vector<MetricCollector> collectors_ ABSL_GUARDED_BY(mu_);
};

}  // namespace hbamgr::sys

#endif  // HBAMGR_DAEMON_SYS_METRICS_H_
