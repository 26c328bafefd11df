#include "daemon/health/policy.h"

#include <linux/hbamgr.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <functional>
#include <map>
#include <optional>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "daemon/config/bool_value.h"

namespace hbamgr::health {
namespace {

constexpr uint32_t kMinTemperatureC = 20;
constexpr uint32_t kMaxTemperatureC = 120;

absl::Status U32(const std::string& text, uint32_t min, uint32_t max, uint32_t* out) {
  uint32_t v = 0;
  if (!absl::SimpleAtoi(text, &v)) {
    return absl::InvalidArgumentError(absl::StrCat("'", text, "' is not a non-negative integer"));
  }
  if (v < min || v > max) {
    return absl::InvalidArgumentError(absl::StrCat(v, " is outside ", min, "..", max));
  }
  *out = v;
  return absl::OkStatus();
}

absl::Status Duration(const std::string& text, absl::Duration min, absl::Duration* out) {
  absl::StatusOr<absl::Duration> d = ParseDuration(text);
  if (!d.ok()) return d.status();
  if (*d < min) {
    return absl::InvalidArgumentError(
        absl::StrCat("'", text, "' is shorter than the minimum ", absl::FormatDuration(min)));
  }
  *out = *d;
  return absl::OkStatus();
}

absl::Status SetSchedule(const std::string& text, Schedule* out, char smartd_test = 0) {
  absl::StatusOr<Schedule> s = Schedule::Parse(text, smartd_test);
  if (!s.ok()) return s.status();
  *out = *std::move(s);
  return absl::OkStatus();
}

using Setter = std::function<absl::Status(Policy&, const std::string&)>;

// Keys of [health.hdd] and [health.ssd].  Those whose default is the same for
// both classes may also be set in [health], for both.
constexpr const char* kDriveKeys[] = {"temperature_warn",   "temperature_crit",
                                      "media_error_growth", "other_error_growth",
                                      "selftest_short",     "selftest_long"};
bool SharedDriveKey(absl::string_view key) { return !absl::StartsWith(key, "temperature_"); }

absl::Status SetDriveKey(DrivePolicy& d, absl::string_view key, const std::string& v) {
  if (key == "temperature_warn")
    return U32(v, kMinTemperatureC, kMaxTemperatureC, &d.temperature_warn_c);
  if (key == "temperature_crit")
    return U32(v, kMinTemperatureC, kMaxTemperatureC, &d.temperature_crit_c);
  if (key == "media_error_growth") return U32(v, 1, 1000000, &d.media_error_growth);
  if (key == "other_error_growth") return U32(v, 1, 1000000, &d.other_error_growth);
  if (key == "selftest_short") return SetSchedule(v, &d.selftest_short, 'S');
  if (key == "selftest_long") return SetSchedule(v, &d.selftest_long, 'L');
  return absl::NotFoundError(absl::StrCat("unknown key '", key, "'"));
}

const std::map<std::string, Setter, std::less<>>& Keys() {
  static const auto* keys = new std::map<std::string, Setter, std::less<>>{
      {"enabled", [](Policy& p, const std::string& v) { return config::ParseBool(v, &p.enabled); }},
      {"poll_interval",
       [](Policy& p, const std::string& v) {
         return Duration(v, absl::Seconds(1), &p.poll_interval);
       }},
      {"smart_interval",
       [](Policy& p, const std::string& v) {
         return Duration(v, absl::Seconds(1), &p.smart_interval);
       }},
      {"jitter",
       [](Policy& p, const std::string& v) {
         uint32_t percent = 0;
         std::string t = v;
         if (!t.empty() && t.back() == '%') t.pop_back();
         if (absl::Status s = U32(t, 0, 50, &percent); !s.ok()) {
           return absl::InvalidArgumentError(
               absl::StrCat("'", v, "' is not a percentage 0..50 (e.g. 10%)"));
         }
         p.jitter = percent / 100.0;
         return absl::OkStatus();
       }},
      {"growth_window",
       [](Policy& p, const std::string& v) {
         return Duration(v, absl::Seconds(1), &p.growth_window);
       }},
      {"temperature_hysteresis",
       [](Policy& p, const std::string& v) { return U32(v, 0, 20, &p.temperature_hysteresis_c); }},
      {"resets_per_hour",
       [](Policy& p, const std::string& v) { return U32(v, 1, 10000, &p.resets_per_hour); }},
      {"controller_temperature_warn",
       [](Policy& p, const std::string& v) {
         return U32(v, kMinTemperatureC, kMaxTemperatureC, &p.controller_temperature_warn_c);
       }},
      {"controller_temperature_crit",
       [](Policy& p, const std::string& v) {
         return U32(v, kMinTemperatureC, kMaxTemperatureC, &p.controller_temperature_crit_c);
       }},
      {"patrol_read",
       [](Policy& p, const std::string& v) { return SetSchedule(v, &p.patrol_read); }},
      {"consistency_check",
       [](Policy& p, const std::string& v) { return SetSchedule(v, &p.consistency_check); }},
      {"alert_journal",
       [](Policy& p, const std::string& v) { return config::ParseBool(v, &p.alert_journal); }},
      {"alert_exec",
       [](Policy& p, const std::string& v) {
         if (!v.empty() && !v.starts_with("/")) {
           return absl::InvalidArgumentError(absl::StrCat("'", v, "' is not an absolute path"));
         }
         p.alert_exec = v;
         return absl::OkStatus();
       }},
      {"alert_exec_timeout",
       [](Policy& p, const std::string& v) {
         absl::Status s = Duration(v, absl::Milliseconds(100), &p.alert_exec_timeout);
         if (s.ok() && p.alert_exec_timeout > absl::Hours(1)) {
           return absl::InvalidArgumentError(absl::StrCat("'", v, "' is longer than 1h"));
         }
         return s;
       }},
      {"alert_throttle",
       [](Policy& p, const std::string& v) {
         if (v == "once") {
           p.throttle = Throttle::kOnce;
         } else if (v == "daily") {
           p.throttle = Throttle::kDaily;
         } else if (v == "diminishing") {
           p.throttle = Throttle::kDiminishing;
         } else {
           return absl::InvalidArgumentError(
               absl::StrCat("'", v, "' is not once, daily or diminishing"));
         }
         return absl::OkStatus();
       }},
      {"alert_reminder_interval",
       [](Policy& p, const std::string& v) {
         return Duration(v, absl::Seconds(1), &p.reminder_interval);
       }},
  };
  return *keys;
}

// A key of a per-VD section: "c0.v1.consistency_check".
struct VdKey {
  uint32_t adapter = 0;
  uint32_t vd = 0;
  absl::string_view key;
};
constexpr char kVdSection[] = "cN.vM";

// Decimal, as hbacli writes it ("c0", "v12"; not "v012").
bool Number(absl::string_view digits, uint32_t* out) {
  return !digits.empty() && digits.size() <= 9 && (digits.size() == 1 || digits[0] != '0') &&
         digits.find_first_not_of("0123456789") == absl::string_view::npos &&
         absl::SimpleAtoi(digits, out);
}

// `rest` is the key after "health."; nullopt unless it is "cN.vM.KEY".
std::optional<VdKey> SplitVdKey(absl::string_view rest) {
  VdKey k;
  size_t dot1 = rest.find('.');
  if (dot1 == absl::string_view::npos || !absl::StartsWith(rest, "c") ||
      !Number(rest.substr(1, dot1 - 1), &k.adapter)) {
    return std::nullopt;
  }
  absl::string_view after = rest.substr(dot1 + 1);
  size_t dot2 = after.find('.');
  if (dot2 == absl::string_view::npos || !absl::StartsWith(after, "v") ||
      !Number(after.substr(1, dot2 - 1), &k.vd)) {
    return std::nullopt;
  }
  k.key = after.substr(dot2 + 1);
  return k;
}

absl::Status SetVdKey(Policy& policy, const VdKey& k, const std::string& value) {
  if (k.key == "patrol_read") {
    return absl::InvalidArgumentError(
        "a patrol read reads every drive of the adapter: set patrol_read in [health]");
  }
  if (k.key != "consistency_check") return absl::NotFoundError("unknown key");
  if (k.vd >= HBAMGR_ID_NONE) {
    return absl::InvalidArgumentError(
        absl::StrCat("VD id ", k.vd, " is outside 0..", HBAMGR_ID_NONE - 1));
  }
  Schedule s;
  if (absl::Status st = SetSchedule(value, &s); !st.ok()) return st;
  policy.vd_consistency_check[{k.adapter, static_cast<uint16_t>(k.vd)}] = std::move(s);
  return absl::OkStatus();
}

absl::Status CheckTemperatures(absl::string_view section, uint32_t warn, uint32_t crit) {
  if (warn >= crit) {
    return absl::InvalidArgumentError(absl::StrCat(section, ".temperature_warn: ", warn,
                                                   " must be below ", section,
                                                   ".temperature_crit (", crit, ")"));
  }
  return absl::OkStatus();
}

}  // namespace

absl::string_view ThrottleName(Throttle throttle) {
  switch (throttle) {
    case Throttle::kOnce:
      return "once";
    case Throttle::kDaily:
      return "daily";
    case Throttle::kDiminishing:
      return "diminishing";
  }
  return "unknown";
}

absl::string_view DriveClassName(DriveClass cls) { return cls == DriveClass::kSsd ? "ssd" : "hdd"; }

const Schedule& Policy::ConsistencyCheckFor(uint32_t adapter, uint16_t vd) const {
  auto it = vd_consistency_check.find({adapter, vd});
  return it != vd_consistency_check.end() ? it->second : consistency_check;
}

Policy Policy::Defaults() {
  Policy p;
  // smartd's customary -s (S/../.././02|L/../../6/03), and the weekly
  // consistency check of RAID controllers, on Sunday night.
  for (DrivePolicy* d : {&p.hdd, &p.ssd}) {
    d->selftest_short = *Schedule::Parse("0 2 * * *");
    d->selftest_long = *Schedule::Parse("0 3 * * 6");
  }
  p.consistency_check = *Schedule::Parse("0 1 * * 0");
  return p;
}

absl::Status SetPolicyKey(Policy& policy, absl::string_view key, const std::string& value) {
  absl::string_view rest = key;
  if (!absl::ConsumePrefix(&rest, "health.")) {
    return absl::NotFoundError(absl::StrCat("unknown key '", key, "'"));
  }
  if (absl::ConsumePrefix(&rest, "hdd.")) return SetDriveKey(policy.hdd, rest, value);
  if (absl::ConsumePrefix(&rest, "ssd.")) return SetDriveKey(policy.ssd, rest, value);
  if (std::optional<VdKey> vd = SplitVdKey(rest)) {
    absl::Status s = SetVdKey(policy, *vd, value);
    return absl::IsNotFound(s) ? absl::NotFoundError(absl::StrCat("unknown key '", key, "'")) : s;
  }
  if (auto it = Keys().find(rest); it != Keys().end()) return it->second(policy, value);
  // A shared drive key in [health] sets both classes.
  DrivePolicy hdd = policy.hdd, ssd = policy.ssd;
  absl::Status s =
      SharedDriveKey(rest) ? SetDriveKey(hdd, rest, value) : absl::NotFoundError("per class only");
  if (!s.ok()) {
    return absl::IsNotFound(s) ? absl::NotFoundError(absl::StrCat("unknown key '", key, "'")) : s;
  }
  if (absl::Status s = SetDriveKey(ssd, rest, value); !s.ok()) return s;
  policy.hdd = hdd;
  policy.ssd = ssd;
  return absl::OkStatus();
}

std::vector<std::string> PolicyKeys() {
  std::vector<std::string> keys;
  for (const auto& [key, setter] : Keys()) keys.push_back(absl::StrCat("health.", key));
  for (const char* key : kDriveKeys) {
    if (SharedDriveKey(key)) keys.push_back(absl::StrCat("health.", key));
    keys.push_back(absl::StrCat("health.hdd.", key));
    keys.push_back(absl::StrCat("health.ssd.", key));
  }
  keys.push_back(absl::StrCat("health.", kVdSection, ".consistency_check"));
  std::sort(keys.begin(), keys.end());
  return keys;
}

std::string PolicyKeyTemplate(absl::string_view key) {
  absl::string_view rest = key;
  if (!absl::ConsumePrefix(&rest, "health.")) return std::string(key);
  std::optional<VdKey> vd = SplitVdKey(rest);
  return vd ? absl::StrCat("health.", kVdSection, ".", vd->key) : std::string(key);
}

absl::Status ValidatePolicy(const Policy& p) {
  if (absl::Status s =
          CheckTemperatures("health.hdd", p.hdd.temperature_warn_c, p.hdd.temperature_crit_c);
      !s.ok())
    return s;
  if (absl::Status s =
          CheckTemperatures("health.ssd", p.ssd.temperature_warn_c, p.ssd.temperature_crit_c);
      !s.ok())
    return s;
  if (p.controller_temperature_warn_c >= p.controller_temperature_crit_c) {
    return absl::InvalidArgumentError(
        absl::StrCat("health.controller_temperature_warn: ", p.controller_temperature_warn_c,
                     " must be below health.controller_temperature_crit (",
                     p.controller_temperature_crit_c, ")"));
  }
  struct stat st;
  if (!p.alert_exec.empty() && (stat(p.alert_exec.c_str(), &st) != 0 || !S_ISREG(st.st_mode) ||
                                access(p.alert_exec.c_str(), X_OK) != 0)) {
    return absl::InvalidArgumentError(
        absl::StrCat("health.alert_exec: '", p.alert_exec, "' is not an executable file"));
  }
  return absl::OkStatus();
}

}  // namespace hbamgr::health
