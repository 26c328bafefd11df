// The health model: from what the poller read (snapshot fields) and the
// policy, the health and reasons of every object of one adapter, then the
// adapter's roll-up.  Pure functions of their inputs: nothing here reads
// the adapter, the clock or the store, so the model is tested on values.
#ifndef HBAMGR_DAEMON_HEALTH_MODEL_H_
#define HBAMGR_DAEMON_HEALTH_MODEL_H_

#include <functional>
#include <set>
#include <string>

#include "daemon/health/policy.h"
#include "daemon/health/snapshot.h"

namespace hbamgr::health {

// "path|condition", the identity of a condition (and of its alert).
std::string ConditionKey(absl::string_view path, absl::string_view condition);

// Fills every `health` (ObjectHealth) of `snap` and snap.health.  `active`
// holds the ConditionKeys active before: a temperature condition stays
// active until the temperature drops policy.temperature_hysteresis_c below
// its threshold, so a drive hovering at a threshold does not flap.
void Evaluate(const Policy& policy, const std::set<std::string>& active, AdapterSnapshot& snap);

// The adapter's health with its objects' reasons, each prefixed with the
// object's path ("/c0/v0: VD degraded"), the adapter's own first.  A FAILED
// object makes its adapter CRITICAL, not FAILED: the adapter still serves
// its other objects.
ObjectHealth RolledUp(const AdapterSnapshot& snap);

// The reasons RolledUp() is made of, each with its object's path and the
// level it counts for in the adapter (FAILED capped to CRITICAL for
// objects), the adapter's own first.
void ForEachRolledUpReason(const AdapterSnapshot& snap,
                           const std::function<void(const std::string& path, const Reason&)>& f);

}  // namespace hbamgr::health

#endif  // HBAMGR_DAEMON_HEALTH_MODEL_H_
