#include "daemon/adapter/mgmt.h"

#include <algorithm>
#include <cstring>

#include "absl/strings/str_cat.h"

namespace hbamgr::adapter {
namespace {

PassthruCommand Frame(uint32_t opcode, uint8_t dir, const void* mbox, size_t mbox_len) {
  PassthruCommand command;
  command.pt.type = HBAMGR_PT_MGMT;
  command.pt.dir = dir;
  command.pt.opcode = opcode;
  if (mbox_len != 0) std::memcpy(command.pt.cdb, mbox, std::min(mbox_len, sizeof(command.pt.cdb)));
  return command;
}

constexpr uint32_t kInitialListRecords = 64;

}  // namespace

absl::StatusOr<PassthruResult> Mgmt::Simple(uint32_t opcode, const void* mbox, size_t mbox_len,
                                            const std::string& what) {
  PassthruResult result = run_(Frame(opcode, HBAMGR_DIR_NONE, mbox, mbox_len));
  if (!result.status.ok()) return result.status;
  if (absl::Status s = FirmwareStatus(result.command.pt, what, drive_name_); !s.ok()) return s;
  return result;
}

template <typename Record>
absl::StatusOr<std::vector<Record>> Mgmt::List(uint32_t opcode, const std::string& what) {
  uint32_t bytes = kInitialListRecords * sizeof(Record);
  for (int attempt = 0; attempt < 4; ++attempt) {
    PassthruCommand command = Frame(opcode, HBAMGR_DIR_FROM_DEV, nullptr, 0);
    command.pt.data_len = bytes;
    PassthruResult result = run_(std::move(command));
    if (!result.status.ok()) return result.status;
    const hbamgr_passthru& pt = result.command.pt;
    if (pt.status == HBAMGR_ST_NO_SPACE && pt.resid > bytes) {
      bytes = pt.resid;  // the size the firmware needs
      continue;
    }
    if (absl::Status s = FirmwareStatus(pt, what, drive_name_); !s.ok()) return s;
    uint32_t count = std::min<uint32_t>(pt.result, (bytes - pt.resid) / sizeof(Record));
    std::vector<Record> records(count);
    if (count > 0) std::memcpy(records.data(), result.command.data.data(), count * sizeof(Record));
    return records;
  }
  return absl::InternalError(absl::StrCat(what, ": the list kept growing"));
}

absl::StatusOr<hbamgr_ctrl_info> Mgmt::CtrlInfo() {
  PassthruCommand command = Frame(HBAMGR_MGMT_CTRL_GET_INFO, HBAMGR_DIR_FROM_DEV, nullptr, 0);
  command.pt.data_len = sizeof(hbamgr_ctrl_info);
  PassthruResult result = run_(std::move(command));
  if (!result.status.ok()) return result.status;
  if (absl::Status s = FirmwareStatus(result.command.pt, "CTRL_GET_INFO"); !s.ok()) {
    return s;
  }
  hbamgr_ctrl_info info{};
  std::memcpy(&info, result.command.data.data(), sizeof(info));
  return info;
}

absl::StatusOr<std::vector<hbamgr_encl_info>> Mgmt::ListEnclosures() {
  return List<hbamgr_encl_info>(HBAMGR_MGMT_ENCL_LIST, "ENCL_LIST");
}

absl::StatusOr<std::vector<hbamgr_pd_info>> Mgmt::ListDrives() {
  return List<hbamgr_pd_info>(HBAMGR_MGMT_PD_LIST, "PD_LIST");
}

absl::StatusOr<std::vector<hbamgr_vd_info>> Mgmt::ListVirtualDrives() {
  return List<hbamgr_vd_info>(HBAMGR_MGMT_VD_LIST, "VD_LIST");
}

absl::StatusOr<std::vector<hbamgr_bgop_info>> Mgmt::ListBackgroundOps() {
  return List<hbamgr_bgop_info>(HBAMGR_MGMT_BGOP_LIST, "BGOP_LIST");
}

absl::Status Mgmt::SetControllerProps(std::optional<uint32_t> rebuild_rate,
                                      std::optional<bool> patrol_enabled) {
  hbamgr_mbox_ctrl_props mbox{};
  mbox.rebuild_rate = rebuild_rate.value_or(0);
  mbox.patrol_enabled = patrol_enabled ? (*patrol_enabled ? 1 : 0) : 2;
  return Simple(HBAMGR_MGMT_CTRL_SET_PROPS, &mbox, sizeof(mbox), "CTRL_SET_PROPS").status();
}

absl::Status Mgmt::SetDriveState(uint16_t pd_id, uint8_t state) {
  hbamgr_mbox_pd_state mbox{};
  mbox.pd_id = pd_id;
  mbox.state = state;
  return Simple(HBAMGR_MGMT_PD_SET_STATE, &mbox, sizeof(mbox),
                absl::StrCat("PD_SET_STATE pd ", pd_id))
      .status();
}

absl::Status Mgmt::Locate(uint16_t pd_id, bool on) {
  hbamgr_mbox_pd_locate mbox{};
  mbox.pd_id = pd_id;
  mbox.on = on ? 1 : 0;
  return Simple(HBAMGR_MGMT_PD_LOCATE, &mbox, sizeof(mbox), absl::StrCat("PD_LOCATE pd ", pd_id))
      .status();
}

absl::StatusOr<uint16_t> Mgmt::CreateVirtualDrive(const hbamgr_vd_create& spec) {
  PassthruCommand command = Frame(HBAMGR_MGMT_VD_CREATE, HBAMGR_DIR_TO_DEV, nullptr, 0);
  command.pt.data_len = sizeof(spec);
  command.data.resize(sizeof(spec));
  std::memcpy(command.data.data(), &spec, sizeof(spec));
  PassthruResult result = run_(std::move(command));
  if (!result.status.ok()) return result.status;
  if (absl::Status s = FirmwareStatus(result.command.pt, "VD_CREATE", drive_name_); !s.ok()) {
    return s;
  }
  return static_cast<uint16_t>(result.command.pt.result);
}

absl::Status Mgmt::DeleteVirtualDrive(uint16_t vd_id) {
  hbamgr_mbox_vd_delete mbox{};
  mbox.vd_id = vd_id;
  return Simple(HBAMGR_MGMT_VD_DELETE, &mbox, sizeof(mbox), absl::StrCat("VD_DELETE vd ", vd_id))
      .status();
}

absl::Status Mgmt::StartBackgroundOp(uint8_t type, uint16_t target) {
  hbamgr_mbox_bgop mbox{};
  mbox.type = type;
  mbox.target = target;
  return Simple(HBAMGR_MGMT_BGOP_START, &mbox, sizeof(mbox), "BGOP_START").status();
}

absl::Status Mgmt::StopBackgroundOp(uint8_t type, uint16_t target) {
  hbamgr_mbox_bgop mbox{};
  mbox.type = type;
  mbox.target = target;
  return Simple(HBAMGR_MGMT_BGOP_STOP, &mbox, sizeof(mbox), "BGOP_STOP").status();
}

absl::StatusOr<uint32_t> Mgmt::InjectFault(const hbamgr_mbox_fault& fault) {
  PassthruResult result =
      run_(Frame(HBAMGR_MGMT_FAULT_INJECT, HBAMGR_DIR_NONE, &fault, sizeof(fault)));
  if (!result.status.ok()) return result.status;
  return result.command.pt.status;
}

}  // namespace hbamgr::adapter
