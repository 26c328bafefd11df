// Typed firmware management operations (HBAMGR_PT_MGMT frames) on top of a
// command runner (the passthrough serializer, with the caller's identity,
// deadline and cancellation bound in).
#ifndef HBAMGR_DAEMON_ADAPTER_MGMT_H_
#define HBAMGR_DAEMON_ADAPTER_MGMT_H_

#include <linux/hbamgr.h>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "daemon/adapter/firmware_status.h"
#include "daemon/adapter/passthru_serializer.h"

namespace hbamgr::adapter {

// Runs one command; the result as PassthruSerializer reports it.
using CommandRunner = std::function<PassthruResult(PassthruCommand)>;

// Every operation fails with FirmwareStatus() of the firmware's answer: a
// refusal names the field or object (drives as `drive_name` calls them).
class Mgmt {
 public:
  explicit Mgmt(CommandRunner run, DriveNamer drive_name = DefaultDriveName)
      : run_(std::move(run)), drive_name_(std::move(drive_name)) {}

  absl::StatusOr<hbamgr_ctrl_info> CtrlInfo();
  absl::StatusOr<std::vector<hbamgr_encl_info>> ListEnclosures();
  absl::StatusOr<std::vector<hbamgr_pd_info>> ListDrives();
  absl::StatusOr<std::vector<hbamgr_vd_info>> ListVirtualDrives();
  absl::StatusOr<std::vector<hbamgr_bgop_info>> ListBackgroundOps();

  absl::Status SetControllerProps(std::optional<uint32_t> rebuild_rate,
                                  std::optional<bool> patrol_enabled);
  absl::Status SetDriveState(uint16_t pd_id, uint8_t state);
  absl::Status Locate(uint16_t pd_id, bool on);
  // Returns the new VD id.
  absl::StatusOr<uint16_t> CreateVirtualDrive(const hbamgr_vd_create& spec);
  absl::Status DeleteVirtualDrive(uint16_t vd_id);
  absl::Status StartBackgroundOp(uint8_t type, uint16_t target);
  absl::Status StopBackgroundOp(uint8_t type, uint16_t target);
  // Returns the firmware status (the caller reports it as is).
  absl::StatusOr<uint32_t> InjectFault(const hbamgr_mbox_fault& fault);

 private:
  // A frame with `mbox` (up to 32 bytes) in cdb[] and no data.
  absl::StatusOr<PassthruResult> Simple(uint32_t opcode, const void* mbox, size_t mbox_len,
                                        const std::string& what);
  // A FROM_DEV list opcode; grows the buffer when the firmware says NO_SPACE.
  template <typename Record>
  absl::StatusOr<std::vector<Record>> List(uint32_t opcode, const std::string& what);

  CommandRunner run_;
  DriveNamer drive_name_;
};

}  // namespace hbamgr::adapter

#endif  // HBAMGR_DAEMON_ADAPTER_MGMT_H_
