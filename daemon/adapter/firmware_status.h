// How a firmware command ended, as an absl::Status: the status of
// enum hbamgr_status mapped to a code, and (ABI 1.1) the firmware's reason
// for refusing a management frame as a sentence naming the field or the
// object ("RAID 5 needs at least 3 drives, got 2").
#ifndef HBAMGR_DAEMON_ADAPTER_FIRMWARE_STATUS_H_
#define HBAMGR_DAEMON_ADAPTER_FIRMWARE_STATUS_H_

#include <linux/hbamgr.h>

#include <cstdint>
#include <functional>
#include <string>

#include "absl/status/status.h"

namespace hbamgr::adapter {

// "INVALID_PARAM" for HBAMGR_ST_INVALID_PARAM; "UNKNOWN" otherwise.
const char* FirmwareStatusName(uint32_t fw_status);
// "RAID_LEVEL" for HBAMGR_RSN_RAID_LEVEL, "NONE", or "0x0011" when unknown.
std::string ReasonName(uint16_t reason);
// "unconfigured good", "online", ... for enum hbamgr_pd_state.
std::string PdStateText(uint8_t pd_state);

// Names a drive in messages: "/c0/e0/s3" where the caller knows it.
using DriveNamer = std::function<std::string(uint16_t pd_id)>;
// "pd 3".
std::string DefaultDriveName(uint16_t pd_id);

// Why the firmware refused the completed MGMT frame `pt`; "" when it gave
// no reason (a 1.0 driver, or a refusal without one).
std::string RefusalText(const hbamgr_passthru& pt, const DriveNamer& drive_name);

// OK for HBAMGR_ST_OK.  Otherwise NO_DEVICE -> NOT_FOUND, INVALID_PARAM ->
// INVALID_ARGUMENT, INVALID_STATE -> FAILED_PRECONDITION, BUSY -> ABORTED,
// INVALID_OPCODE -> UNIMPLEMENTED, TIMEOUT -> DEADLINE_EXCEEDED, RESET /
// FW_FAULT -> UNAVAILABLE, NO_SPACE -> RESOURCE_EXHAUSTED, SCSI_ERROR ->
// INTERNAL, with the message "<what>: <reason> (firmware status X)", or
// "<what>: firmware status X" when there is no reason.
absl::Status FirmwareStatus(const hbamgr_passthru& pt, const std::string& what,
                            const DriveNamer& drive_name = DefaultDriveName);

}  // namespace hbamgr::adapter

#endif  // HBAMGR_DAEMON_ADAPTER_FIRMWARE_STATUS_H_
