#include "daemon/exporter/health_metrics.h"

#include <linux/hbamgr.h>

#include <cstring>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/time.h"

namespace hbamgr::exporter {
namespace {

using sys::MetricFamily;
using sys::MetricType;
using Labels = std::vector<std::string>;

// Label values of the enum state sets (one series per state, 1 for the
// current one), indexed by the uapi enum value.
constexpr const char* kDriveStates[] = {
    "unconfigured_good", "unconfigured_bad", "hotspare", "online",
    "offline",           "failed",           "rebuild",  "missing"};
static_assert(std::size(kDriveStates) == HBAMGR_PD_MISSING + 1);
constexpr const char* kVirtualDriveStates[] = {"optimal", "partially_degraded", "degraded",
                                               "offline"};
static_assert(std::size(kVirtualDriveStates) == HBAMGR_VD_OFFLINE + 1);

std::string Text(const char* field, size_t size) {
  return std::string(field, strnlen(field, size));
}

std::string SasAddress(uint64_t address) { return absl::StrFormat("0x%016x", address); }

std::string InterfaceName(uint8_t interface) {
  switch (interface) {
    case HBAMGR_IF_SAS:
      return "sas";
    case HBAMGR_IF_SATA:
      return "sata";
  }
  return "unknown";
}

std::string VdOperationName(uint8_t type) {
  return type == HBAMGR_BGOP_INIT ? "initialization" : "consistency_check";
}

// Every family, in the order they are rendered.
struct Families {
  static MetricFamily Gauge(const char* name, const char* help, Labels labels) {
    return MetricFamily{.name = name, .help = help, .label_names = std::move(labels)};
  }
  static MetricFamily Counter(const char* name, const char* help, Labels labels) {
    return MetricFamily{
        .name = name, .help = help, .type = MetricType::kCounter, .label_names = std::move(labels)};
  }

  // Adapter.
  MetricFamily adapter_info =
      Gauge("hbamgr_adapter_info", "Adapter identity (value 1): model, serial, firmware and driver",
            {"adapter", "model", "serial", "firmware", "driver", "sas_address"});
  MetricFamily adapter_health = Gauge(
      "hbamgr_adapter_health",
      "Health of the adapter and its objects rolled up: 0 OK, 1 WARNING, 2 CRITICAL, 3 FAILED",
      {"adapter"});
  MetricFamily adapter_temperature =
      Gauge("hbamgr_adapter_temperature_celsius", "Controller temperature", {"adapter"});
  MetricFamily adapter_temperature_warning =
      Gauge("hbamgr_adapter_temperature_warning_celsius",
            "Controller temperature at which the health service warns", {"adapter"});
  MetricFamily adapter_temperature_critical =
      Gauge("hbamgr_adapter_temperature_critical_celsius",
            "Controller temperature the health service deems critical", {"adapter"});
  MetricFamily adapter_resets =
      Counter("hbamgr_adapter_resets_total", "Adapter resets completed since the driver attached",
              {"adapter"});
  MetricFamily adapter_patrol_read_enabled = Gauge(
      "hbamgr_adapter_patrol_read_enabled", "1 when the firmware runs patrol reads", {"adapter"});
  MetricFamily adapter_rebuild_rate = Gauge(
      "hbamgr_adapter_rebuild_rate_ratio",
      "Share of the adapter's time given to background operations (rebuild rate)", {"adapter"});
  MetricFamily adapter_patrol_read_progress =
      Gauge("hbamgr_adapter_patrol_read_progress_ratio",
            "Progress of the running patrol read, 0..1", {"adapter"});
  MetricFamily adapter_alerts =
      Gauge("hbamgr_adapter_alerts_open",
            "Open health alerts of the adapter and all its objects, by severity",
            {"adapter", "severity"});
  MetricFamily poll_timestamp =
      Gauge("hbamgr_health_last_poll_timestamp_seconds",
            "When the health service last polled the adapter (Unix time)", {"adapter"});
  MetricFamily poll_success =
      Gauge("hbamgr_health_poll_success",
            "1 when the last health poll read everything; 0 when it failed (the objects are then "
            "those of the last complete poll)",
            {"adapter"});

  // Enclosure.
  MetricFamily enclosure_info =
      Gauge("hbamgr_enclosure_info", "Enclosure identity (value 1): vendor and product",
            {"adapter", "enclosure", "vendor", "product"});
  MetricFamily enclosure_health =
      Gauge("hbamgr_enclosure_health", "Enclosure health: 0 OK, 1 WARNING, 2 CRITICAL, 3 FAILED",
            {"adapter", "enclosure"});
  MetricFamily enclosure_link_up = Gauge(
      "hbamgr_enclosure_link_up", "1 while the enclosure's link is up", {"adapter", "enclosure"});
  MetricFamily enclosure_slots =
      Gauge("hbamgr_enclosure_slots", "Drive slots of the enclosure", {"adapter", "enclosure"});
  MetricFamily enclosure_temperature = Gauge("hbamgr_enclosure_temperature_celsius",
                                             "Enclosure temperature", {"adapter", "enclosure"});
  MetricFamily enclosure_alerts =
      Gauge("hbamgr_enclosure_alerts_open", "Open health alerts of the enclosure",
            {"adapter", "enclosure"});

  // Drive.
  MetricFamily drive_info = Gauge(
      "hbamgr_drive_info",
      "Drive identity (value 1): serial, model, vendor, firmware, interface, media, SAS address",
      {"adapter", "enclosure", "slot", "serial", "model", "vendor", "firmware", "interface",
       "media", "sas_address"});
  MetricFamily drive_state =
      Gauge("hbamgr_drive_state", "Drive state: 1 for the state the drive is in, 0 for the others",
            {"adapter", "enclosure", "slot", "state"});
  MetricFamily drive_health =
      Gauge("hbamgr_drive_health", "Drive health: 0 OK, 1 WARNING, 2 CRITICAL, 3 FAILED",
            {"adapter", "enclosure", "slot"});
  MetricFamily drive_temperature = Gauge("hbamgr_drive_temperature_celsius", "Drive temperature",
                                         {"adapter", "enclosure", "slot"});
  MetricFamily drive_temperature_warning =
      Gauge("hbamgr_drive_temperature_warning_celsius",
            "Drive temperature at which the health service warns (per drive class)",
            {"adapter", "enclosure", "slot"});
  MetricFamily drive_temperature_critical =
      Gauge("hbamgr_drive_temperature_critical_celsius",
            "Drive temperature the health service deems critical (per drive class)",
            {"adapter", "enclosure", "slot"});
  MetricFamily drive_temperature_lowest =
      Gauge("hbamgr_drive_temperature_lowest_celsius",
            "Lowest temperature the daemon ever read from the drive (by serial, across restarts)",
            {"adapter", "enclosure", "slot"});
  MetricFamily drive_temperature_highest =
      Gauge("hbamgr_drive_temperature_highest_celsius",
            "Highest temperature the daemon ever read from the drive (by serial, across restarts)",
            {"adapter", "enclosure", "slot"});
  MetricFamily drive_media_errors =
      Counter("hbamgr_drive_media_errors_total", "Media errors the drive reported",
              {"adapter", "enclosure", "slot"});
  MetricFamily drive_other_errors =
      Counter("hbamgr_drive_other_errors_total", "Other (non-media) errors the drive reported",
              {"adapter", "enclosure", "slot"});
  MetricFamily drive_predictive_failures = Counter(
      "hbamgr_drive_predictive_failures_total",
      "Predictive failure (SMART trip) reports of the drive", {"adapter", "enclosure", "slot"});
  MetricFamily drive_smart_failure_predicted =
      Gauge("hbamgr_drive_smart_failure_predicted",
            "1 when the drive's informational exceptions log page predicts a failure",
            {"adapter", "enclosure", "slot"});
  MetricFamily drive_last_selftest_failed =
      Gauge("hbamgr_drive_last_selftest_failed",
            "1 when the newest entry of the drive's self-test log failed",
            {"adapter", "enclosure", "slot"});
  MetricFamily drive_size =
      Gauge("hbamgr_drive_size_bytes", "Drive capacity", {"adapter", "enclosure", "slot"});
  MetricFamily drive_power_on =
      Counter("hbamgr_drive_power_on_seconds_total",
              "Drive power-on time (whole hours as the drive counts them)",
              {"adapter", "enclosure", "slot"});
  MetricFamily drive_locate_led =
      Gauge("hbamgr_drive_locate_led", "1 while the drive's locate LED is lit",
            {"adapter", "enclosure", "slot"});
  MetricFamily drive_rebuild_progress =
      Gauge("hbamgr_drive_rebuild_progress_ratio", "Progress of the drive's running rebuild, 0..1",
            {"adapter", "enclosure", "slot"});
  MetricFamily drive_alerts = Gauge("hbamgr_drive_alerts_open", "Open health alerts of the drive",
                                    {"adapter", "enclosure", "slot"});

  // Virtual drive.
  MetricFamily vd_info =
      Gauge("hbamgr_vd_info", "Virtual drive identity (value 1): name and RAID level",
            {"adapter", "vd", "name", "raid_level"});
  MetricFamily vd_state =
      Gauge("hbamgr_vd_state", "Virtual drive state: 1 for the state it is in, 0 for the others",
            {"adapter", "vd", "state"});
  MetricFamily vd_health =
      Gauge("hbamgr_vd_health", "Virtual drive health: 0 OK, 1 WARNING, 2 CRITICAL, 3 FAILED",
            {"adapter", "vd"});
  MetricFamily vd_size = Gauge("hbamgr_vd_size_bytes", "Virtual drive capacity", {"adapter", "vd"});
  MetricFamily vd_member =
      Gauge("hbamgr_vd_member_info", "Member drives of a virtual drive (value 1), by slot",
            {"adapter", "vd", "enclosure", "slot"});
  MetricFamily vd_operation_progress =
      Gauge("hbamgr_vd_operation_progress_ratio",
            "Progress of a running initialization or consistency check of the virtual drive, 0..1",
            {"adapter", "vd", "operation"});
  MetricFamily vd_alerts =
      Gauge("hbamgr_vd_alerts_open", "Open health alerts of the virtual drive", {"adapter", "vd"});

  void MoveTo(std::vector<MetricFamily>& out) {
    for (MetricFamily* f : {&adapter_info,
                            &adapter_health,
                            &adapter_temperature,
                            &adapter_temperature_warning,
                            &adapter_temperature_critical,
                            &adapter_resets,
                            &adapter_patrol_read_enabled,
                            &adapter_rebuild_rate,
                            &adapter_patrol_read_progress,
                            &adapter_alerts,
                            &poll_timestamp,
                            &poll_success,
                            &enclosure_info,
                            &enclosure_health,
                            &enclosure_link_up,
                            &enclosure_slots,
                            &enclosure_temperature,
                            &enclosure_alerts,
                            &drive_info,
                            &drive_state,
                            &drive_health,
                            &drive_temperature,
                            &drive_temperature_warning,
                            &drive_temperature_critical,
                            &drive_temperature_lowest,
                            &drive_temperature_highest,
                            &drive_media_errors,
                            &drive_other_errors,
                            &drive_predictive_failures,
                            &drive_smart_failure_predicted,
                            &drive_last_selftest_failed,
                            &drive_size,
                            &drive_power_on,
                            &drive_locate_led,
                            &drive_rebuild_progress,
                            &drive_alerts,
                            &vd_info,
                            &vd_state,
                            &vd_health,
                            &vd_size,
                            &vd_member,
                            &vd_operation_progress,
                            &vd_alerts}) {
      out.push_back(std::move(*f));
    }
  }
};

void Add(MetricFamily& f, Labels values, double value) {
  f.samples.push_back({std::move(values), value});
}

// Labels plus more values.
Labels With(const Labels& base, std::initializer_list<std::string> more) {
  Labels out = base;
  out.insert(out.end(), more);
  return out;
}

double Level(health::Health h) { return static_cast<double>(h); }

double Ratio(uint32_t per_mille) { return per_mille / 1000.0; }

void CollectAdapter(const health::AdapterSnapshot& snap, const health::Policy& policy,
                    Families& f) {
  const Labels a = {snap.name};
  if (snap.info.model[0] != '\0') {
    const hbamgr_info& info = snap.info;
    Add(f.adapter_info,
        With(a, {Text(info.model, sizeof(info.model)), Text(info.serial, sizeof(info.serial)),
                 Text(info.fw_version, sizeof(info.fw_version)),
                 Text(info.driver_version, sizeof(info.driver_version)),
                 SasAddress(info.sas_address)}),
        1);
    Add(f.adapter_resets, a, info.reset_count);
  }
  Add(f.adapter_health, a, Level(snap.health));
  if (snap.has_controller) {
    const hbamgr_ctrl_info& c = snap.controller;
    Add(f.adapter_temperature, a, c.temperature_c);
    Add(f.adapter_temperature_warning, a, policy.controller_temperature_warn_c);
    Add(f.adapter_temperature_critical, a, policy.controller_temperature_crit_c);
    Add(f.adapter_patrol_read_enabled, a, c.patrol_enabled ? 1 : 0);
    Add(f.adapter_rebuild_rate, a, c.rebuild_rate / 100.0);
  }
  for (const hbamgr_bgop_info& op : snap.bgops) {
    if (op.type == HBAMGR_BGOP_PATROL && op.state == HBAMGR_BGOP_RUNNING) {
      Add(f.adapter_patrol_read_progress, a, Ratio(op.progress_pm));
      break;
    }
  }
  Add(f.adapter_alerts, With(a, {"warning"}), snap.alerts.warning);
  Add(f.adapter_alerts, With(a, {"critical"}), snap.alerts.critical);
  Add(f.adapter_alerts, With(a, {"failed"}), snap.alerts.failed);
  Add(f.poll_timestamp, a, absl::ToDoubleSeconds(snap.polled_at - absl::UnixEpoch()));
  Add(f.poll_success, a, snap.poll_error.empty() ? 1 : 0);
}

void CollectEnclosure(const health::AdapterSnapshot& snap, const health::EnclosureSnapshot& e,
                      Families& f) {
  const hbamgr_encl_info& info = e.info;
  const Labels l = {snap.name, absl::StrCat(info.encl_id)};
  Add(f.enclosure_info,
      With(l, {Text(info.vendor, sizeof(info.vendor)), Text(info.product, sizeof(info.product))}),
      1);
  Add(f.enclosure_health, l, Level(e.health.health));
  Add(f.enclosure_link_up, l, info.link_up ? 1 : 0);
  Add(f.enclosure_slots, l, info.num_slots);
  Add(f.enclosure_temperature, l, info.temperature_c);
  Add(f.enclosure_alerts, l, e.alerts.total());
}

Labels DriveLabels(const health::AdapterSnapshot& snap, const hbamgr_pd_info& pd) {
  return {snap.name, absl::StrCat(pd.encl_id), absl::StrCat(pd.slot)};
}

void CollectDrive(const health::AdapterSnapshot& snap, const health::DriveSnapshot& d,
                  const health::Policy& policy, Families& f) {
  const hbamgr_pd_info& pd = d.info;
  const Labels l = DriveLabels(snap, pd);
  Add(f.drive_info,
      With(l, {d.serial, d.model, Text(pd.vendor, sizeof(pd.vendor)),
               Text(pd.fw_rev, sizeof(pd.fw_rev)), InterfaceName(pd.interface),
               std::string(health::DriveClassName(d.drive_class)), SasAddress(pd.sas_address)}),
      1);
  for (size_t s = 0; s < std::size(kDriveStates); ++s) {
    Add(f.drive_state, With(l, {kDriveStates[s]}), pd.state == s ? 1 : 0);
  }
  Add(f.drive_health, l, Level(d.health.health));
  // A drive that cannot be reached has no temperature to read.
  if (pd.state != HBAMGR_PD_MISSING) {
    const health::DrivePolicy& dp = policy.ForClass(d.drive_class);
    Add(f.drive_temperature, l, pd.temperature_c);
    Add(f.drive_temperature_warning, l, dp.temperature_warn_c);
    Add(f.drive_temperature_critical, l, dp.temperature_crit_c);
  }
  if (d.temperature_min_c) Add(f.drive_temperature_lowest, l, *d.temperature_min_c);
  if (d.temperature_max_c) Add(f.drive_temperature_highest, l, *d.temperature_max_c);
  Add(f.drive_media_errors, l, pd.media_errors);
  Add(f.drive_other_errors, l, pd.other_errors);
  Add(f.drive_predictive_failures, l, pd.predictive_failures);
  if (d.log_pages.read) {
    Add(f.drive_smart_failure_predicted, l, d.log_pages.ie_asc != 0 ? 1 : 0);
    if (d.log_pages.last_selftest_result) {
      Add(f.drive_last_selftest_failed, l, d.log_pages.last_selftest_failed() ? 1 : 0);
    }
  }
  Add(f.drive_size, l, static_cast<double>(pd.num_blocks) * pd.logical_block_size);
  Add(f.drive_power_on, l, pd.power_on_hours * 3600.0);
  Add(f.drive_locate_led, l, pd.locate_on ? 1 : 0);
  for (const hbamgr_bgop_info& op : snap.bgops) {
    if (op.type == HBAMGR_BGOP_REBUILD && op.state == HBAMGR_BGOP_RUNNING &&
        op.target == pd.pd_id) {
      Add(f.drive_rebuild_progress, l, Ratio(op.progress_pm));
      break;
    }
  }
  Add(f.drive_alerts, l, d.alerts.total());
}

void CollectVirtualDrive(const health::AdapterSnapshot& snap, const health::VirtualDriveSnapshot& v,
                         Families& f) {
  const hbamgr_vd_info& info = v.info;
  const Labels l = {snap.name, absl::StrCat(info.vd_id)};
  Add(f.vd_info, With(l, {v.name, absl::StrCat("raid", info.raid_level)}), 1);
  for (size_t s = 0; s < std::size(kVirtualDriveStates); ++s) {
    Add(f.vd_state, With(l, {kVirtualDriveStates[s]}), info.state == s ? 1 : 0);
  }
  Add(f.vd_health, l, Level(v.health.health));
  Add(f.vd_size, l, static_cast<double>(info.num_blocks) * info.logical_block_size);
  for (uint16_t i = 0; i < info.num_pds && i < HBAMGR_VD_MAX_PDS; ++i) {
    for (const health::DriveSnapshot& d : snap.drives) {
      if (d.info.pd_id == info.pd_ids[i]) {
        Add(f.vd_member, With(l, {absl::StrCat(d.info.encl_id), absl::StrCat(d.info.slot)}), 1);
        break;
      }
    }
  }
  // At most one initialization or consistency check runs on a VD.
  for (uint8_t type : {HBAMGR_BGOP_INIT, HBAMGR_BGOP_CC}) {
    for (const hbamgr_bgop_info& op : v.bgops) {
      if (op.type == type && op.state == HBAMGR_BGOP_RUNNING) {
        Add(f.vd_operation_progress, With(l, {VdOperationName(type)}), Ratio(op.progress_pm));
        break;
      }
    }
  }
  Add(f.vd_alerts, l, v.alerts.total());
}

}  // namespace

void CollectHealth(const std::vector<std::shared_ptr<const health::AdapterSnapshot>>& snapshots,
                   const health::Policy& policy, std::vector<sys::MetricFamily>& out) {
  Families f;
  for (const auto& snap : snapshots) {
    CollectAdapter(*snap, policy, f);
    for (const health::EnclosureSnapshot& e : snap->enclosures) CollectEnclosure(*snap, e, f);
    for (const health::DriveSnapshot& d : snap->drives) CollectDrive(*snap, d, policy, f);
    for (const health::VirtualDriveSnapshot& v : snap->virtual_drives) {
      CollectVirtualDrive(*snap, v, f);
    }
  }
  f.MoveTo(out);
}

}  // namespace hbamgr::exporter
