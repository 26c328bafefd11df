// The health policy: how often the daemon reads drive health, the
// thresholds that make an object WARNING or CRITICAL, the schedules of
// patrol read, consistency checks and drive self-tests, and how alerts are
// delivered and repeated.  Read from the [health] section of hbamgrd.conf,
// its per-drive-class sections [health.hdd] and [health.ssd] and per-VD
// sections [health.cN.vM]; the defaults are meant to be right without
// reading them (docs/health.md).
#ifndef HBAMGR_DAEMON_HEALTH_POLICY_H_
#define HBAMGR_DAEMON_HEALTH_POLICY_H_

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "daemon/health/schedule.h"

namespace hbamgr::health {

// How a condition that persists is repeated (smartd -M once|daily|
// diminishing): once; every reminder_interval; or after 1, 2, 4, 8, ...
// reminder_intervals.
enum class Throttle { kOnce, kDaily, kDiminishing };
absl::string_view ThrottleName(Throttle throttle);

enum class DriveClass { kHdd, kSsd };
absl::string_view DriveClassName(DriveClass cls);

// What differs between rotating and solid-state drives.
struct DrivePolicy {
  uint32_t temperature_warn_c = 0;
  uint32_t temperature_crit_c = 0;
  uint32_t media_error_growth = 10;   // WARNING when grown by this within growth_window
  uint32_t other_error_growth = 100;  // WARNING when grown by this within growth_window
  Schedule selftest_short{};
  Schedule selftest_long{};
};

struct Policy {
  bool enabled = true;  // [health] enabled: poll, alert, schedule
  // Inventory (controller, enclosures, drives, VDs, background operations)
  // every poll_interval; drive log pages (SMART status, self-test log,
  // temperature) every smart_interval.  Each wait is stretched by up to
  // `jitter` (a fraction) so adapters do not poll in lockstep.
  absl::Duration poll_interval = absl::Seconds(60);
  absl::Duration smart_interval = absl::Minutes(30);
  double jitter = 0.1;
  absl::Duration growth_window = absl::Hours(24);
  uint32_t temperature_hysteresis_c = 2;  // a temperature condition clears this far below
  uint32_t resets_per_hour = 3;           // adapter WARNING at this many resets in an hour
  uint32_t controller_temperature_warn_c = 85;
  uint32_t controller_temperature_crit_c = 95;
  DrivePolicy hdd{.temperature_warn_c = 50, .temperature_crit_c = 60};
  DrivePolicy ssd{.temperature_warn_c = 60, .temperature_crit_c = 70};

  Schedule patrol_read{};        // adapter-wide; "" leaves it to the firmware
  Schedule consistency_check{};  // every redundant VD without its own
  // [health.cN.vM] consistency_check: VD M of adapter cN has its own
  // schedule ("off" excludes it), keyed by (adapter index, VD id).  A VD id
  // is the firmware's: a VD created later with that id gets the schedule.
  std::map<std::pair<uint32_t, uint16_t>, Schedule> vd_consistency_check{};
  // Alerts.
  bool alert_journal = true;
  std::string alert_exec{};  // hook run for each alert, "" = none
  absl::Duration alert_exec_timeout = absl::Seconds(30);
  Throttle throttle = Throttle::kDaily;
  absl::Duration reminder_interval = absl::Hours(24);

  const DrivePolicy& ForClass(DriveClass cls) const { return cls == DriveClass::kSsd ? ssd : hdd; }
  // The consistency check schedule of VD `vd` of adapter `adapter`.
  const Schedule& ConsistencyCheckFor(uint32_t adapter, uint16_t vd) const;

  // The built-in defaults, schedules included.
  static Policy Defaults();
};

// Applies one configuration key of the health sections: `key` is the full
// "health.poll_interval", "health.ssd.temperature_warn", ...  NOT_FOUND for
// a key the health sections do not have; INVALID_ARGUMENT saying why the
// value is bad (the caller prefixes the key and line).
absl::Status SetPolicyKey(Policy& policy, absl::string_view key, const std::string& value);

// Every key SetPolicyKey accepts, "health.poll_interval", ...,
// "health.hdd.temperature_warn", sorted; the keys of the per-VD sections as
// their template "health.cN.vM.consistency_check".
std::vector<std::string> PolicyKeys();

// The template of a key as PolicyKeys lists it: "health.c0.v1.X" ->
// "health.cN.vM.X"; any other key unchanged.
std::string PolicyKeyTemplate(absl::string_view key);

// Cross-key checks once every key is set: warn below crit, an executable
// hook, ... INVALID_ARGUMENT naming the key.
absl::Status ValidatePolicy(const Policy& policy);

}  // namespace hbamgr::health

#endif  // HBAMGR_DAEMON_HEALTH_POLICY_H_
