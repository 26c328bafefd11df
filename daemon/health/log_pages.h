// SCSI LOG SENSE pages a health monitor reads from a drive (SPC-4 / SBC-3):
// temperature (0x0D), self-test results (0x10) and informational exceptions
// (0x2F, the SMART status of SCSI drives), as smartctl reads them.  The CDB
// builders and parsers are separate from any transport.
#ifndef HBAMGR_DAEMON_HEALTH_LOG_PAGES_H_
#define HBAMGR_DAEMON_HEALTH_LOG_PAGES_H_

#include <cstdint>
#include <span>
#include <vector>

#include "absl/status/status.h"
#include "daemon/health/snapshot.h"

namespace hbamgr::health {

inline constexpr uint8_t kLogPageTemperature = 0x0d;
inline constexpr uint8_t kLogPageSelfTest = 0x10;
inline constexpr uint8_t kLogPageInfoExceptions = 0x2f;
inline constexpr uint16_t kLogPageMaxBytes = 1024;

// LOG SENSE(10), cumulative values, of `page`, allocation `alloc` bytes.
std::vector<uint8_t> LogSenseCdb(uint8_t page, uint16_t alloc);
// SEND DIAGNOSTIC(6) starting a background self-test: code 1 short, 2
// extended (SPC-4 self-test codes).
std::vector<uint8_t> SelfTestCdb(uint8_t code);

// Each fills its part of `out`; INVALID_ARGUMENT (DATA_LOSS-free: nothing
// is set) when the page is malformed or is not the page asked for.
absl::Status ParseTemperaturePage(std::span<const uint8_t> page, DriveLogPages* out);
absl::Status ParseSelfTestPage(std::span<const uint8_t> page, DriveLogPages* out);
absl::Status ParseInfoExceptionsPage(std::span<const uint8_t> page, DriveLogPages* out);

}  // namespace hbamgr::health

#endif  // HBAMGR_DAEMON_HEALTH_LOG_PAGES_H_
