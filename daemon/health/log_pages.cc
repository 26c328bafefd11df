#include "daemon/health/log_pages.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace hbamgr::health {
namespace {

struct LogParam {
  uint16_t code;
  std::span<const uint8_t> value;
};

uint16_t Be16(const uint8_t* p) { return static_cast<uint16_t>(p[0] << 8 | p[1]); }

uint64_t Be64(const uint8_t* p) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = v << 8 | p[i];
  return v;
}

// The parameters of a page after its 4-byte header; checks the page code
// and that every parameter fits.
absl::StatusOr<std::vector<LogParam>> Params(std::span<const uint8_t> page, uint8_t code) {
  if (page.size() < 4) {
    return absl::InvalidArgumentError(
        absl::StrFormat("log page 0x%02x: %u bytes, no header", code, page.size()));
  }
  if ((page[0] & 0x3f) != code) {
    return absl::InvalidArgumentError(
        absl::StrFormat("asked for log page 0x%02x, got 0x%02x", code, page[0] & 0x3f));
  }
  size_t end = 4 + Be16(&page[2]);
  if (end > page.size()) {
    return absl::InvalidArgumentError(
        absl::StrFormat("log page 0x%02x says %u bytes but %u arrived", code, end, page.size()));
  }
  std::vector<LogParam> params;
  for (size_t at = 4; at + 4 <= end;) {
    size_t len = page[at + 3];
    if (at + 4 + len > end) {
      return absl::InvalidArgumentError(
          absl::StrFormat("log page 0x%02x: parameter at byte %u overruns the page", code, at));
    }
    params.push_back({Be16(&page[at]), page.subspan(at + 4, len)});
    at += 4 + len;
  }
  return params;
}

}  // namespace

std::vector<uint8_t> LogSenseCdb(uint8_t page, uint16_t alloc) {
  std::vector<uint8_t> cdb(10, 0);
  cdb[0] = 0x4d;
  cdb[2] = static_cast<uint8_t>(0x40 | (page & 0x3f));  // PC 01b: cumulative values
  cdb[7] = static_cast<uint8_t>(alloc >> 8);
  cdb[8] = static_cast<uint8_t>(alloc);
  return cdb;
}

std::vector<uint8_t> SelfTestCdb(uint8_t code) {
  std::vector<uint8_t> cdb(6, 0);
  cdb[0] = 0x1d;
  cdb[1] = static_cast<uint8_t>(code << 5);
  return cdb;
}

absl::Status ParseTemperaturePage(std::span<const uint8_t> page, DriveLogPages* out) {
  auto params = Params(page, kLogPageTemperature);
  if (!params.ok()) return params.status();
  for (const LogParam& p : *params) {
    // Byte 1 of the value is the temperature; 0xff means not available.
    if (p.value.size() < 2 || p.value[1] == 0xff) continue;
    if (p.code == 0x0000) out->temperature_c = p.value[1];
    if (p.code == 0x0001) out->reference_temperature_c = p.value[1];
  }
  return absl::OkStatus();
}

absl::Status ParseInfoExceptionsPage(std::span<const uint8_t> page, DriveLogPages* out) {
  auto params = Params(page, kLogPageInfoExceptions);
  if (!params.ok()) return params.status();
  for (const LogParam& p : *params) {
    if (p.code != 0x0000 || p.value.size() < 2) continue;
    out->ie_asc = p.value[0];
    out->ie_ascq = p.value[1];
    return absl::OkStatus();
  }
  return absl::InvalidArgumentError("log page 0x2f has no general parameter (code 0)");
}

absl::Status ParseSelfTestPage(std::span<const uint8_t> page, DriveLogPages* out) {
  auto params = Params(page, kLogPageSelfTest);
  if (!params.ok()) return params.status();
  out->selftests_logged = 0;
  out->selftests_failed = 0;
  out->last_selftest_code.reset();
  out->last_selftest_result.reset();
  out->last_selftest_fail_lba.reset();
  out->last_selftest_power_on_hours = 0;
  out->running_selftest_code.reset();
  bool newest = true;
  // Parameters 1..20, newest first; an all-zero entry is unused.
  for (const LogParam& p : *params) {
    if (p.code < 1 || p.code > 20 || p.value.size() < 12) continue;
    const uint8_t code = p.value[0] >> 5, result = p.value[0] & 0x0f;
    const uint16_t hours = Be16(&p.value[2]);
    if (code == 0 && result == 0 && hours == 0 && p.value[1] == 0) continue;
    ++out->selftests_logged;
    // 0 passed, 1-2 aborted, 3-7 failed, 15 in progress, 8-14 reserved.
    const bool failed = DriveLogPages::SelftestFailed(result);
    if (failed) ++out->selftests_failed;
    const bool first = std::exchange(newest, false);
    if (result == 15) {
      // Only the newest entry can be running: an older one still saying so
      // was lost (the drive reports it aborted once it notices).
      if (first) out->running_selftest_code = code;
      continue;
    }
    if (out->last_selftest_code) continue;
    out->last_selftest_code = code;
    out->last_selftest_result = result;
    out->last_selftest_power_on_hours = hours;
    uint64_t lba = Be64(&p.value[4]);
    if (failed && lba != ~0ULL) out->last_selftest_fail_lba = lba;
  }
  return absl::OkStatus();
}

}  // namespace hbamgr::health
