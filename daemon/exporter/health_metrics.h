// /metrics for the hardware: per adapter, enclosure, drive and VD families
// rendered at scrape time from the health monitor's published snapshots
// (never by polling), so what /metrics says is what the Health service says,
// and an object the last poll no longer found (a deleted VD, a pulled
// drive, a removed adapter) has no series.  docs/metrics.md documents every
// family; the label sets are stable: identity that can change (serial,
// model, firmware, VD name) is only on the *_info families.
#ifndef HBAMGR_DAEMON_EXPORTER_HEALTH_METRICS_H_
#define HBAMGR_DAEMON_EXPORTER_HEALTH_METRICS_H_

#include <memory>
#include <vector>

#include "daemon/health/policy.h"
#include "daemon/health/snapshot.h"
#include "daemon/sys/metrics.h"

namespace hbamgr::exporter {

// Appends the families of `snapshots` (adapters in order; each non-null) to
// `out`.  The temperature thresholds exported beside each temperature are
// `policy`'s, the ones the health model applies.
void CollectHealth(const std::vector<std::shared_ptr<const health::AdapterSnapshot>>& snapshots,
                   const health::Policy& policy, std::vector<sys::MetricFamily>& out);

}  // namespace hbamgr::exporter

#endif  // HBAMGR_DAEMON_EXPORTER_HEALTH_METRICS_H_
