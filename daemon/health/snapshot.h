// What the health poller read about one adapter and what the model computed
// from it: the in-memory snapshot every reader (the Health gRPC service,
// /metrics, the alert engine) renders from.  A snapshot is immutable once
// published (shared_ptr<const AdapterSnapshot>); each poll publishes a new
// one, so readers never see a half-updated adapter and never poll
// themselves.
#ifndef HBAMGR_DAEMON_HEALTH_SNAPSHOT_H_
#define HBAMGR_DAEMON_HEALTH_SNAPSHOT_H_

#include <linux/hbamgr.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "daemon/health/policy.h"

namespace hbamgr::health {

// Ordered: a parent is at least as bad as the worst of its own reasons.
enum class Health { kOk = 0, kWarning = 1, kCritical = 2, kFailed = 3 };
absl::string_view HealthName(Health health);  // "OK", "WARNING", "CRITICAL", "FAILED"

// Why an object is not OK.  `condition` is stable (an alert is one
// condition of one object): "temperature_warning", "drive_failed", ...
struct Reason {
  std::string condition;
  Health health = Health::kOk;
  std::string text;  // "temperature 63C at or above the critical threshold 60C"

  friend bool operator==(const Reason&, const Reason&) = default;
};

struct ObjectHealth {
  Health health = Health::kOk;
  std::vector<Reason> reasons;  // empty when OK

  void Add(std::string condition, Health level, std::string text);
  bool Has(absl::string_view condition) const;
};

// Open alerts of one object, by severity (see alerts).
struct AlertCounts {
  uint32_t warning = 0;
  uint32_t critical = 0;
  uint32_t failed = 0;
  uint32_t total() const { return warning + critical + failed; }
};

// The drive's own view through SCSI log pages (passthrough to the PD).
struct DriveLogPages {
  bool read = false;  // false until the first successful read
  absl::Time read_at = absl::InfinitePast();
  std::string error;  // why the last read failed ("" = it did not)
  // Temperature page 0x0D.
  std::optional<uint32_t> temperature_c;
  std::optional<uint32_t> reference_temperature_c;  // the drive's own trip point
  // Informational exceptions page 0x2F: ASC/ASCQ 0/0 = no SMART alert;
  // 0x5D/xx = failure prediction threshold exceeded.
  uint8_t ie_asc = 0;
  uint8_t ie_ascq = 0;
  // Self-test results page 0x10: the newest finished entry ("last"), and
  // the test in progress if the newest entry is one.
  uint32_t selftests_logged = 0;
  uint32_t selftests_failed = 0;                // entries with a failing result
  std::optional<uint8_t> last_selftest_code;    // SEND DIAGNOSTIC code (1 short, 2 long)
  std::optional<uint8_t> last_selftest_result;  // 0 = passed, 1-2 aborted, 3-7 failed
  uint16_t last_selftest_power_on_hours = 0;
  std::optional<uint64_t> last_selftest_fail_lba;
  std::optional<uint8_t> running_selftest_code;  // a test in progress (result 15)

  // Results 3..7 are failures; 1 and 2 are aborted tests (as smartd
  // counts them), not failed ones.
  static bool SelftestFailed(uint8_t result) { return result >= 3 && result <= 7; }
  bool last_selftest_failed() const {
    return last_selftest_result && SelftestFailed(*last_selftest_result);
  }
};

// Counter growth within the policy's growth_window.
struct CounterGrowth {
  uint32_t media_errors = 0;
  uint32_t other_errors = 0;
  uint32_t predictive_failures = 0;
};

struct DriveSnapshot {
  hbamgr_pd_info info{};  // PD_LIST record
  std::string path;       // "/c0/e0/s3"
  std::string serial;
  std::string model;
  DriveClass drive_class = DriveClass::kHdd;
  DriveLogPages log_pages;
  CounterGrowth growth;
  // The lowest and highest temperature the daemon ever read from this
  // drive (kept across restarts, by serial, like smartd's state files).
  std::optional<uint32_t> temperature_min_c;
  std::optional<uint32_t> temperature_max_c;
  ObjectHealth health;
  AlertCounts alerts;
};

struct EnclosureSnapshot {
  hbamgr_encl_info info{};
  std::string path;  // "/c0/e0"
  uint32_t drives_present = 0;
  uint32_t drives_missing = 0;
  ObjectHealth health;
  AlertCounts alerts;
};

struct VirtualDriveSnapshot {
  hbamgr_vd_info info{};
  std::string path;  // "/c0/v1"
  std::string name;
  // Background operations on this VD (and rebuilds of its members) the
  // firmware still lists, newest first.
  std::vector<hbamgr_bgop_info> bgops;
  ObjectHealth health;
  AlertCounts alerts;
};

struct AdapterSnapshot {
  std::string name;  // "c0"
  std::string path;  // "/c0"
  uint32_t index = 0;
  absl::Time polled_at = absl::InfinitePast();
  // "" when the last poll read everything; otherwise what failed (the
  // objects then are those of the last complete read, if any).
  std::string poll_error;
  bool info_ok = false;
  hbamgr_info info{};  // GET_INFO
  bool has_controller = false;
  hbamgr_ctrl_info controller{};  // CTRL_GET_INFO
  std::vector<EnclosureSnapshot> enclosures;
  std::vector<DriveSnapshot> drives;
  std::vector<VirtualDriveSnapshot> virtual_drives;
  std::vector<hbamgr_bgop_info> bgops;  // every op the firmware lists
  // From the stored events: completed resets in the last hour, firmware
  // faults in the last day; from the ingestor: sequence numbers lost.
  uint32_t resets_last_hour = 0;
  uint32_t fw_faults_last_day = 0;
  uint64_t events_lost = 0;
  ObjectHealth own;             // the adapter's own reasons
  Health health = Health::kOk;  // own and its objects rolled up
  AlertCounts alerts;           // open alerts of the adapter and all its objects
  AlertCounts own_alerts;       // open alerts of the adapter itself

  // Every object's health, the adapter's own first: (path, health).
  template <typename F>
  void ForEachObject(F&& f) const {
    f(path, own);
    for (const auto& e : enclosures) f(e.path, e.health);
    for (const auto& d : drives) f(d.path, d.health);
    for (const auto& v : virtual_drives) f(v.path, v.health);
  }
};

// The daemon rolled up: the worst adapter.
Health RollUp(Health a, Health b);

// "/c0", "/c0/e1", "/c0/e1/s3", "/c0/v2".
std::string AdapterPath(absl::string_view adapter);
std::string EnclosurePath(absl::string_view adapter, uint32_t encl);
std::string DrivePath(absl::string_view adapter, uint32_t encl, uint32_t slot);
std::string VirtualDrivePath(absl::string_view adapter, uint32_t vd);

}  // namespace hbamgr::health

#endif  // HBAMGR_DAEMON_HEALTH_SNAPSHOT_H_
