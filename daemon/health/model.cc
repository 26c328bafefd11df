#include "daemon/health/model.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"

namespace hbamgr::health {
namespace {

const char* BgopName(uint8_t type) {
  switch (type) {
    case HBAMGR_BGOP_REBUILD:
      return "rebuild";
    case HBAMGR_BGOP_INIT:
      return "initialization";
    case HBAMGR_BGOP_CC:
      return "consistency check";
    case HBAMGR_BGOP_PATROL:
      return "patrol read";
  }
  return "background operation";
}

// Condition names: "rebuild_failed", "init_failed", "cc_failed", ...
const char* BgopKey(uint8_t type) {
  switch (type) {
    case HBAMGR_BGOP_REBUILD:
      return "rebuild";
    case HBAMGR_BGOP_INIT:
      return "init";
    case HBAMGR_BGOP_CC:
      return "cc";
    case HBAMGR_BGOP_PATROL:
      return "patrol";
  }
  return "bgop";
}

const char* SelftestName(uint8_t code) {
  switch (code) {
    case 1:
    case 5:
      return "short";
    case 2:
    case 6:
      return "extended";
  }
  return "default";
}

// Threshold conditions with hysteresis: active at or above `threshold`, and
// while it was active, until `value` is `hysteresis` below it.
bool Above(uint32_t value, uint32_t threshold, uint32_t hysteresis, bool was_active) {
  if (value >= threshold) return true;
  return was_active && value + hysteresis > threshold;
}

void TemperatureReasons(ObjectHealth& h, uint32_t temp, uint32_t warn, uint32_t crit,
                        uint32_t hysteresis, const std::set<std::string>& active,
                        const std::string& path, const char* prefix, const char* what) {
  const std::string warn_cond = absl::StrCat(prefix, "temperature_warning");
  const std::string crit_cond = absl::StrCat(prefix, "temperature_critical");
  if (Above(temp, crit, hysteresis, active.contains(ConditionKey(path, crit_cond)))) {
    h.Add(crit_cond, Health::kCritical,
          absl::StrCat(what, " temperature ", temp, "C at or above the critical threshold ", crit,
                       "C"));
  }
  if (Above(temp, warn, hysteresis, active.contains(ConditionKey(path, warn_cond)))) {
    h.Add(warn_cond, Health::kWarning,
          absl::StrCat(what, " temperature ", temp, "C at or above the warning threshold ", warn,
                       "C"));
  }
}

void EvaluateAdapter(const Policy& policy, const std::set<std::string>& active,
                     AdapterSnapshot& snap) {
  ObjectHealth& h = snap.own;
  if (!snap.info_ok) {
    h.Add("adapter_unreachable", Health::kCritical,
          absl::StrCat("the daemon cannot read the adapter state: ", snap.poll_error));
  } else {
    switch (snap.info.state) {
      case HBAMGR_STATE_LIVE:
        break;
      case HBAMGR_STATE_DEAD:
        h.Add("adapter_dead", Health::kFailed,
              "adapter DEAD: initialization or recovery failed; a reset may revive it");
        break;
      case HBAMGR_STATE_DELETING:
        h.Add("adapter_removed", Health::kFailed, "adapter removed");
        break;
      default:
        h.Add("adapter_resetting", Health::kWarning,
              absl::StrCat("adapter not serving while it resets (reset count ",
                           snap.info.reset_count, ")"));
        break;
    }
    if (snap.info.state == HBAMGR_STATE_LIVE && !snap.poll_error.empty()) {
      h.Add("adapter_poll_failed", Health::kWarning,
            absl::StrCat("health poll incomplete: ", snap.poll_error));
    }
  }
  if (snap.resets_last_hour >= policy.resets_per_hour) {
    h.Add("adapter_resets", Health::kWarning,
          absl::StrCat(snap.resets_last_hour, " adapter resets in the last hour (threshold ",
                       policy.resets_per_hour, ")"));
  }
  if (snap.fw_faults_last_day > 0) {
    h.Add("firmware_fault", Health::kWarning,
          absl::StrFormat("%u firmware fault%s in the last 24 hours (last fault code 0x%x)",
                          snap.fw_faults_last_day, snap.fw_faults_last_day == 1 ? "" : "s",
                          snap.info.fw_fault_code));
  }
  if (snap.events_lost > 0) {
    h.Add("events_lost", Health::kWarning,
          absl::StrCat(snap.events_lost,
                       " firmware events were lost before the daemon could read them"));
  }
  if (snap.has_controller) {
    TemperatureReasons(h, snap.controller.temperature_c, policy.controller_temperature_warn_c,
                       policy.controller_temperature_crit_c, policy.temperature_hysteresis_c,
                       active, snap.path, "controller_", "controller");
  }
}

void EvaluateDrive(const Policy& policy, const std::set<std::string>& active, DriveSnapshot& d) {
  ObjectHealth& h = d.health;
  const hbamgr_pd_info& pd = d.info;
  const bool member = pd.vd_id != HBAMGR_ID_NONE;
  switch (pd.state) {
    case HBAMGR_PD_FAILED:
      h.Add("drive_failed", Health::kFailed,
            member ? absl::StrCat("drive failed (member of VD ", pd.vd_id, ")") : "drive failed");
      break;
    case HBAMGR_PD_MISSING:
      h.Add("drive_missing", Health::kCritical, "drive missing (not reachable)");
      break;
    case HBAMGR_PD_UNCONFIGURED_BAD:
      h.Add("drive_unconfigured_bad", Health::kCritical, "drive unconfigured bad");
      break;
    case HBAMGR_PD_OFFLINE:
      if (member) {
        h.Add("drive_offline", Health::kWarning,
              absl::StrCat("drive offline (member of VD ", pd.vd_id, "); start a rebuild"));
      }
      break;
    case HBAMGR_PD_REBUILD:
      h.Add("drive_rebuilding", Health::kWarning, "drive being rebuilt");
      break;
    default:
      break;
  }
  const DrivePolicy& dp = policy.ForClass(d.drive_class);
  const bool present = pd.state != HBAMGR_PD_MISSING;
  if (present) {
    TemperatureReasons(h, pd.temperature_c, dp.temperature_warn_c, dp.temperature_crit_c,
                       policy.temperature_hysteresis_c, active, d.path, "", "drive");
  }
  const std::string window = absl::FormatDuration(policy.growth_window);
  if (d.growth.media_errors >= dp.media_error_growth) {
    h.Add("media_errors_growth", Health::kWarning,
          absl::StrCat("media errors grew by ", d.growth.media_errors, " in ", window, " to ",
                       pd.media_errors, " (threshold ", dp.media_error_growth, ")"));
  }
  if (d.growth.other_errors >= dp.other_error_growth) {
    h.Add("other_errors_growth", Health::kWarning,
          absl::StrCat("other errors grew by ", d.growth.other_errors, " in ", window, " to ",
                       pd.other_errors, " (threshold ", dp.other_error_growth, ")"));
  }
  const bool smart_trip = d.log_pages.ie_asc != 0;
  if (pd.predictive_failures > 0 || smart_trip) {
    std::string text = "predictive failure: the drive expects to fail; replace it";
    if (smart_trip) {
      absl::StrAppendFormat(&text, " (SMART informational exception ASC 0x%02x ASCQ 0x%02x)",
                            d.log_pages.ie_asc, d.log_pages.ie_ascq);
    }
    if (pd.predictive_failures > 0) {
      absl::StrAppend(&text, " (", pd.predictive_failures, " predictive failure",
                      pd.predictive_failures == 1 ? "" : "s", " reported)");
    }
    h.Add("predictive_failure", Health::kCritical, std::move(text));
  }
  if (d.log_pages.last_selftest_failed()) {
    std::string text = absl::StrFormat("last %s self-test failed (result %u) at %u power-on hours",
                                       SelftestName(d.log_pages.last_selftest_code.value_or(0)),
                                       *d.log_pages.last_selftest_result,
                                       d.log_pages.last_selftest_power_on_hours);
    if (d.log_pages.last_selftest_fail_lba) {
      absl::StrAppend(&text, ", first failing LBA ", *d.log_pages.last_selftest_fail_lba);
    }
    h.Add("selftest_failed", Health::kWarning, std::move(text));
  }
}

void EvaluateEnclosure(EnclosureSnapshot& e) {
  if (!e.info.link_up) {
    e.health.Add(
        "enclosure_link_down", Health::kCritical,
        absl::StrCat("enclosure link down: ", e.drives_missing, " drive(s) not reachable"));
  }
}

void EvaluateVirtualDrive(const AdapterSnapshot& snap, VirtualDriveSnapshot& v) {
  ObjectHealth& h = v.health;
  std::vector<std::string> lost;
  for (uint16_t i = 0; i < v.info.num_pds && i < HBAMGR_VD_MAX_PDS; ++i) {
    for (const DriveSnapshot& d : snap.drives) {
      if (d.info.pd_id == v.info.pd_ids[i] && d.info.state != HBAMGR_PD_ONLINE) {
        lost.push_back(absl::StrCat(
            d.path, " ",
            d.health.reasons.empty() ? std::string("not online") : d.health.reasons.front().text));
      }
    }
  }
  std::string members = lost.empty() ? "" : absl::StrCat(": ", absl::StrJoin(lost, "; "));
  switch (v.info.state) {
    case HBAMGR_VD_OFFLINE:
      h.Add("vd_offline", Health::kFailed, absl::StrCat("VD offline: data unavailable", members));
      break;
    case HBAMGR_VD_DEGRADED:
      h.Add("vd_degraded", Health::kCritical,
            absl::StrCat("VD degraded: no redundancy left", members));
      break;
    case HBAMGR_VD_PARTIALLY_DEGRADED:
      h.Add("vd_partially_degraded", Health::kWarning,
            absl::StrCat("VD partially degraded", members));
      break;
    default:
      break;
  }
  // The newest record of each operation type says how it last ended.
  bool seen[HBAMGR_BGOP_PATROL + 1] = {};
  for (const hbamgr_bgop_info& op : v.bgops) {
    if (op.type > HBAMGR_BGOP_PATROL || seen[op.type]) continue;
    seen[op.type] = true;
    if (op.state == HBAMGR_BGOP_FAILED) {
      h.Add(absl::StrCat(BgopKey(op.type), "_failed"), Health::kWarning,
            absl::StrCat(BgopName(op.type), " failed at ", op.progress_pm / 10, "% with ",
                         op.errors, " error(s)"));
    } else if (op.state == HBAMGR_BGOP_DONE && op.type == HBAMGR_BGOP_CC && op.errors > 0) {
      h.Add("cc_inconsistent", Health::kWarning,
            absl::StrCat("last consistency check found ", op.errors,
                         " inconsistent stripe(s) (corrected)"));
    }
  }
}

}  // namespace

std::string ConditionKey(absl::string_view path, absl::string_view condition) {
  return absl::StrCat(path, "|", condition);
}

void Evaluate(const Policy& policy, const std::set<std::string>& active, AdapterSnapshot& snap) {
  snap.own = {};
  EvaluateAdapter(policy, active, snap);
  for (EnclosureSnapshot& e : snap.enclosures) {
    e.health = {};
    EvaluateEnclosure(e);
  }
  for (DriveSnapshot& d : snap.drives) {
    d.health = {};
    EvaluateDrive(policy, active, d);
  }
  for (VirtualDriveSnapshot& v : snap.virtual_drives) {
    v.health = {};
    EvaluateVirtualDrive(snap, v);
  }
  snap.health = RolledUp(snap).health;
}

void ForEachRolledUpReason(const AdapterSnapshot& snap,
                           const std::function<void(const std::string& path, const Reason&)>& f) {
  snap.ForEachObject([&](const std::string& path, const ObjectHealth& h) {
    for (const Reason& r : h.reasons) {
      if (path == snap.path) {
        f(path, r);
      } else {
        f(path, Reason{r.condition, std::min(r.health, Health::kCritical), r.text});
      }
    }
  });
}

ObjectHealth RolledUp(const AdapterSnapshot& snap) {
  ObjectHealth out;
  ForEachRolledUpReason(snap, [&](const std::string& path, const Reason& r) {
    out.Add(r.condition, r.health, path == snap.path ? r.text : absl::StrCat(path, ": ", r.text));
  });
  return out;
}

}  // namespace hbamgr::health
