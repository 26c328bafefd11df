#include "daemon/exporter/sample_snapshot.h"

#include <linux/hbamgr.h>

#include <cstring>
#include <string>

#include "absl/time/time.h"

namespace hbamgr::exporter {
namespace {

template <size_t N>
void Copy(char (&field)[N], const std::string& text) {
  std::strncpy(field, text.c_str(), N - 1);
}

health::DriveSnapshot Drive(uint16_t pd_id, uint16_t encl, uint16_t slot, uint8_t state,
                            uint16_t vd, bool ssd) {
  health::DriveSnapshot d;
  hbamgr_pd_info& pd = d.info;
  pd.pd_id = pd_id;
  pd.encl_id = encl;
  pd.slot = slot;
  pd.vd_id = vd;
  pd.state = state;
  pd.interface = ssd ? HBAMGR_IF_SATA : HBAMGR_IF_SAS;
  pd.media_ssd = ssd;
  pd.logical_block_size = 512;
  pd.physical_block_size = 4096;
  pd.num_blocks = 1953525168;  // 1 TB
  Copy(pd.vendor, "HBAMGR");
  Copy(pd.model, ssd ? "SIM SATA SSD" : "SIM SAS HDD");
  Copy(pd.serial, "HBAMGR00D" + std::to_string(pd_id));
  Copy(pd.fw_rev, "1.00");
  pd.sas_address = 0x348424d000000000ULL + pd_id;
  pd.temperature_c = 30 + pd_id;
  pd.power_on_hours = 1000;
  pd.rotation_rpm = ssd ? 0 : 7200;
  d.path = health::DrivePath("c0", encl, slot);
  d.serial = pd.serial;
  d.model = pd.model;
  d.drive_class = ssd ? health::DriveClass::kSsd : health::DriveClass::kHdd;
  d.temperature_min_c = 25;
  d.temperature_max_c = pd.temperature_c;
  return d;
}

hbamgr_bgop_info Op(uint8_t type, uint8_t state, uint16_t target, uint32_t progress_pm,
                    uint64_t started_s) {
  hbamgr_bgop_info op{};
  op.type = type;
  op.state = state;
  op.target = target;
  op.progress_pm = progress_pm;
  op.started_ns = started_s * 1000000000ULL;
  return op;
}

health::VirtualDriveSnapshot VirtualDrive(uint16_t vd_id, uint8_t state, const std::string& name,
                                          std::initializer_list<uint16_t> members) {
  health::VirtualDriveSnapshot v;
  v.info.vd_id = vd_id;
  v.info.raid_level = 1;
  v.info.state = state;
  v.info.strip_kb = 64;
  v.info.logical_block_size = 512;
  v.info.num_blocks = 1953525168ULL;  // RAID 1 of 1 TB drives
  v.info.num_pds = static_cast<uint16_t>(members.size());
  std::copy(members.begin(), members.end(), v.info.pd_ids);
  Copy(v.info.name, name);
  v.name = name;
  v.path = health::VirtualDrivePath("c0", vd_id);
  return v;
}

}  // namespace

std::shared_ptr<const health::AdapterSnapshot> SampleSnapshot() {
  auto snap = std::make_shared<health::AdapterSnapshot>();
  health::AdapterSnapshot& s = *snap;
  s.name = "c0";
  s.path = health::AdapterPath("c0");
  s.index = 0;
  s.polled_at = absl::FromUnixSeconds(1700000000);
  s.info_ok = true;
  s.info.state = HBAMGR_STATE_LIVE;
  Copy(s.info.model, "HBAMGR SIM 9400-8i8e");
  Copy(s.info.serial, "HBAMGR00C00001");
  Copy(s.info.fw_version, "HBAMGR FW 1.00");
  Copy(s.info.driver_version, "0.1.0");
  s.info.sas_address = 0x348424d0000000ffULL;
  s.info.reset_count = 2;
  s.has_controller = true;
  s.controller.temperature_c = 55;
  s.controller.rebuild_rate = 30;
  s.controller.patrol_enabled = 1;

  for (uint16_t e : {0, 1}) {
    health::EnclosureSnapshot es;
    es.info.encl_id = e;
    es.info.num_slots = e == 0 ? 6 : 2;
    es.info.link_up = e == 0;
    Copy(es.info.vendor, "HBAMGR");
    Copy(es.info.product, "SIM ENCLOSURE");
    es.info.temperature_c = 28;
    es.path = health::EnclosurePath("c0", e);
    s.enclosures.push_back(es);
  }
  s.drives.push_back(Drive(10, 0, 0, HBAMGR_PD_ONLINE, 0, false));
  s.drives.back().info.media_errors = 12;
  s.drives.back().info.other_errors = 3;
  s.drives.back().info.locate_on = 1;
  s.drives.push_back(Drive(11, 0, 1, HBAMGR_PD_FAILED, 0, false));
  s.drives.push_back(Drive(12, 0, 2, HBAMGR_PD_REBUILD, 1, false));
  s.drives.push_back(Drive(13, 0, 3, HBAMGR_PD_ONLINE, 1, true));
  s.drives.back().info.predictive_failures = 1;
  s.drives.push_back(Drive(14, 0, 4, HBAMGR_PD_HOTSPARE, HBAMGR_ID_NONE, false));
  s.drives.push_back(Drive(15, 1, 0, HBAMGR_PD_MISSING, HBAMGR_ID_NONE, false));
  s.enclosures[0].drives_present = 5;
  s.enclosures[1].drives_present = 1;
  s.enclosures[1].drives_missing = 1;
  for (health::DriveSnapshot& d : s.drives) {
    if (d.info.state == HBAMGR_PD_MISSING) continue;
    d.log_pages.read = true;
    d.log_pages.read_at = s.polled_at;
    d.log_pages.temperature_c = d.info.temperature_c;
    d.log_pages.selftests_logged = 1;
    d.log_pages.last_selftest_code = 1;
    d.log_pages.last_selftest_result = 0;
  }
  health::DriveSnapshot& ssd = s.drives[3];
  ssd.log_pages.ie_asc = 0x5d;
  ssd.log_pages.last_selftest_result = 7;
  ssd.log_pages.selftests_failed = 1;

  s.bgops = {Op(HBAMGR_BGOP_REBUILD, HBAMGR_BGOP_RUNNING, 12, 400, 1699999900),
             Op(HBAMGR_BGOP_CC, HBAMGR_BGOP_RUNNING, 1, 250, 1699999800),
             Op(HBAMGR_BGOP_PATROL, HBAMGR_BGOP_RUNNING, HBAMGR_ID_NONE, 100, 1699999700),
             Op(HBAMGR_BGOP_INIT, HBAMGR_BGOP_RUNNING, 1, 750, 1699999600),
             Op(HBAMGR_BGOP_CC, HBAMGR_BGOP_DONE, 0, 1000, 1699990000)};
  s.virtual_drives.push_back(VirtualDrive(0, HBAMGR_VD_DEGRADED, "data", {10, 11}));
  s.virtual_drives.back().bgops = {s.bgops[4]};
  s.virtual_drives.push_back(VirtualDrive(1, HBAMGR_VD_OPTIMAL, "logs", {12, 13}));
  s.virtual_drives.back().bgops = {s.bgops[0], s.bgops[1], s.bgops[3]};

  // What the model and the alert engine fill in.
  s.drives[1].health.Add("drive_failed", health::Health::kFailed, "drive failed (member of VD 0)");
  s.drives[1].alerts.failed = 1;
  s.drives[2].health.Add("drive_rebuilding", health::Health::kWarning, "drive being rebuilt");
  s.drives[3].health.Add("predictive_failure", health::Health::kCritical, "predictive failure");
  s.drives[3].alerts.critical = 1;
  s.drives[5].health.Add("drive_missing", health::Health::kCritical, "drive missing");
  s.drives[5].alerts.critical = 1;
  s.enclosures[1].health.Add("enclosure_link_down", health::Health::kCritical, "link down");
  s.enclosures[1].alerts.critical = 1;
  s.virtual_drives[0].health.Add("vd_degraded", health::Health::kCritical, "VD degraded");
  s.virtual_drives[0].alerts.critical = 1;
  s.health = health::Health::kCritical;
  s.alerts = {.warning = 0, .critical = 4, .failed = 1};
  return snap;
}

}  // namespace hbamgr::exporter
