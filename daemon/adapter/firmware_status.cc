#include "daemon/adapter/firmware_status.h"

#include <cstddef>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"

namespace hbamgr::adapter {
namespace {

// The fields of the management parameter blocks (and of the VD_CREATE
// data) a HBAMGR_RSN_FIELD reason can point at, by opcode and byte offset.
struct FieldName {
  uint32_t opcode;
  size_t offset;
  size_t size;
  const char* name;
  bool must_be_zero;  // pad, reserved: a byte of it was not 0
};

#define HBAMGR_FIELD(opcode, type, member, zero) \
  { opcode, offsetof(type, member), sizeof(type::member), #member, zero }

constexpr FieldName kFieldNames[] = {
    HBAMGR_FIELD(HBAMGR_MGMT_CTRL_SET_PROPS, hbamgr_mbox_ctrl_props, rebuild_rate, false),
    HBAMGR_FIELD(HBAMGR_MGMT_CTRL_SET_PROPS, hbamgr_mbox_ctrl_props, patrol_enabled, false),
    HBAMGR_FIELD(HBAMGR_MGMT_CTRL_SET_PROPS, hbamgr_mbox_ctrl_props, pad, true),
    HBAMGR_FIELD(HBAMGR_MGMT_PD_SET_STATE, hbamgr_mbox_pd_state, state, false),
    HBAMGR_FIELD(HBAMGR_MGMT_PD_SET_STATE, hbamgr_mbox_pd_state, pad, true),
    HBAMGR_FIELD(HBAMGR_MGMT_PD_LOCATE, hbamgr_mbox_pd_locate, on, false),
    HBAMGR_FIELD(HBAMGR_MGMT_PD_LOCATE, hbamgr_mbox_pd_locate, pad, true),
    HBAMGR_FIELD(HBAMGR_MGMT_VD_DELETE, hbamgr_mbox_vd_delete, pad, true),
    HBAMGR_FIELD(HBAMGR_MGMT_BGOP_START, hbamgr_mbox_bgop, pad0, true),
    HBAMGR_FIELD(HBAMGR_MGMT_BGOP_START, hbamgr_mbox_bgop, pad, true),
    HBAMGR_FIELD(HBAMGR_MGMT_BGOP_STOP, hbamgr_mbox_bgop, pad0, true),
    HBAMGR_FIELD(HBAMGR_MGMT_BGOP_STOP, hbamgr_mbox_bgop, pad, true),
    HBAMGR_FIELD(HBAMGR_MGMT_VD_CREATE, hbamgr_vd_create, pad, true),
    HBAMGR_FIELD(HBAMGR_MGMT_VD_CREATE, hbamgr_vd_create, pd_ids, true),  // past num_pds
    HBAMGR_FIELD(HBAMGR_MGMT_VD_CREATE, hbamgr_vd_create, flags, false),
    HBAMGR_FIELD(HBAMGR_MGMT_VD_CREATE, hbamgr_vd_create, reserved, true),
};

#undef HBAMGR_FIELD

std::string FieldText(const hbamgr_passthru& pt) {
  const FieldName* field = nullptr;
  for (const FieldName& f : kFieldNames) {
    if (f.opcode == pt.opcode && pt.reason_id >= f.offset && pt.reason_id < f.offset + f.size) {
      field = &f;
    }
  }
  if (field == nullptr) {
    // A list opcode's parameter block, which must be all zero.
    return absl::StrCat("parameter block byte ", pt.reason_id, " = ", pt.reason_value,
                        ": must be 0");
  }
  std::string name = field->name;
  if (pt.reason_id != field->offset || field->size > 4) {
    absl::StrAppend(&name, " (byte ", pt.reason_id - field->offset, ")");
  }
  if (field->must_be_zero) return absl::StrCat(name, " = ", pt.reason_value, ": must be 0");
  if (pt.reason_limit != 0) {
    return absl::StrCat(name, " = ", pt.reason_value, ": at most ", pt.reason_limit);
  }
  return absl::StrCat(name, " = ", pt.reason_value, ": not a value this opcode accepts");
}

std::string LevelList(uint64_t mask) {
  std::vector<int> levels;
  for (int level = 0; level < 64; ++level) {
    if (mask & (uint64_t{1} << level)) levels.push_back(level);
  }
  return absl::StrJoin(levels, ", ");
}

std::string NameText(const hbamgr_passthru& pt) {
  const unsigned char byte = static_cast<unsigned char>(pt.reason_value);
  if (pt.reason_id == HBAMGR_VD_NAME_LEN - 1 && byte != 0) {
    return absl::StrCat("name: longer than ", HBAMGR_VD_NAME_LEN - 1,
                        " characters (HBAMGR_VD_NAME_LEN ", HBAMGR_VD_NAME_LEN,
                        " bytes with the NUL)");
  }
  if (byte >= 0x20 && byte <= 0x7e) {
    return absl::StrFormat("name byte %u ('%c') follows the terminating NUL", pt.reason_id, byte);
  }
  return absl::StrFormat(
      "name byte %u is 0x%02x: names are printable ASCII (0x20..0x7e), no control characters",
      pt.reason_id, byte);
}

}  // namespace

const char* FirmwareStatusName(uint32_t fw_status) {
  switch (fw_status) {
    case HBAMGR_ST_OK:
      return "OK";
    case HBAMGR_ST_SCSI_ERROR:
      return "SCSI_ERROR";
    case HBAMGR_ST_INVALID_OPCODE:
      return "INVALID_OPCODE";
    case HBAMGR_ST_INVALID_PARAM:
      return "INVALID_PARAM";
    case HBAMGR_ST_NO_DEVICE:
      return "NO_DEVICE";
    case HBAMGR_ST_INVALID_STATE:
      return "INVALID_STATE";
    case HBAMGR_ST_BUSY:
      return "BUSY";
    case HBAMGR_ST_TIMEOUT:
      return "TIMEOUT";
    case HBAMGR_ST_RESET:
      return "RESET";
    case HBAMGR_ST_NO_SPACE:
      return "NO_SPACE";
    case HBAMGR_ST_FW_FAULT:
      return "FW_FAULT";
  }
  return "UNKNOWN";
}

std::string ReasonName(uint16_t reason) {
  switch (reason) {
    case HBAMGR_RSN_NONE:
      return "NONE";
    case HBAMGR_RSN_FIELD:
      return "FIELD";
    case HBAMGR_RSN_DIRECTION:
      return "DIRECTION";
    case HBAMGR_RSN_DATA_LEN:
      return "DATA_LEN";
    case HBAMGR_RSN_RAID_LEVEL:
      return "RAID_LEVEL";
    case HBAMGR_RSN_TOO_FEW_PDS:
      return "TOO_FEW_PDS";
    case HBAMGR_RSN_TOO_MANY_PDS:
      return "TOO_MANY_PDS";
    case HBAMGR_RSN_ODD_PDS:
      return "ODD_PDS";
    case HBAMGR_RSN_STRIP_SIZE:
      return "STRIP_SIZE";
    case HBAMGR_RSN_NAME:
      return "NAME";
    case HBAMGR_RSN_PD_MISSING:
      return "PD_MISSING";
    case HBAMGR_RSN_PD_REPEATED:
      return "PD_REPEATED";
    case HBAMGR_RSN_PD_STATE:
      return "PD_STATE";
    case HBAMGR_RSN_BLOCK_SIZE:
      return "BLOCK_SIZE";
    case HBAMGR_RSN_VD_COUNT:
      return "VD_COUNT";
    case HBAMGR_RSN_VD_SIZE:
      return "VD_SIZE";
    case HBAMGR_RSN_VD_MISSING:
      return "VD_MISSING";
  }
  return absl::StrFormat("0x%04x", reason);
}

std::string PdStateText(uint8_t pd_state) {
  static constexpr const char* kNames[] = {
      "unconfigured good", "unconfigured bad", "hotspare",   "online",
      "offline",           "failed",           "rebuilding", "missing",
  };
  static_assert(std::size(kNames) == HBAMGR_PD_MISSING + 1);
  if (pd_state < std::size(kNames)) return kNames[pd_state];
  return absl::StrCat("in state ", pd_state);
}

std::string DefaultDriveName(uint16_t pd_id) { return absl::StrCat("pd ", pd_id); }

std::string RefusalText(const hbamgr_passthru& pt, const DriveNamer& drive_name) {
  const uint64_t value = pt.reason_value;
  const uint64_t limit = pt.reason_limit;
  switch (pt.reason) {
    case HBAMGR_RSN_NONE:
      return "";
    case HBAMGR_RSN_FIELD:
      return FieldText(pt);
    case HBAMGR_RSN_DIRECTION:
      return absl::StrCat("dir = ", value, ": not the direction this opcode moves data");
    case HBAMGR_RSN_DATA_LEN:
      return absl::StrCat("data = ", value, " bytes: the opcode needs ", limit);
    case HBAMGR_RSN_RAID_LEVEL:
      return absl::StrCat("raid_level = ", value, ": the adapter supports RAID ", LevelList(limit));
    case HBAMGR_RSN_TOO_FEW_PDS:
      return absl::StrCat("RAID ", pt.reason_id, " needs at least ", limit, " drives, got ", value);
    case HBAMGR_RSN_TOO_MANY_PDS:
      return absl::StrCat("RAID ", pt.reason_id, " takes at most ", limit, " drives, got ", value);
    case HBAMGR_RSN_ODD_PDS:
      return absl::StrCat("RAID ", pt.reason_id,
                          " needs an even number of drives (mirrored pairs), got ", value);
    case HBAMGR_RSN_STRIP_SIZE:
      return absl::StrCat("strip_kb = ", value, ": a power of two from ", HBAMGR_STRIP_KB_MIN,
                          " to ", limit, " KiB");
    case HBAMGR_RSN_NAME:
      return NameText(pt);
    case HBAMGR_RSN_PD_MISSING:
      return absl::StrCat("no drive with pd id ", pt.reason_id);
    case HBAMGR_RSN_PD_REPEATED:
      return absl::StrCat(drive_name(pt.reason_id), " is listed twice");
    case HBAMGR_RSN_PD_STATE: {
      std::string text =
          absl::StrCat(drive_name(pt.reason_id), " is ", PdStateText(static_cast<uint8_t>(value)));
      if (limit != HBAMGR_ID_NONE) absl::StrAppend(&text, " (a member of VD ", limit, ")");
      if (pt.opcode == HBAMGR_MGMT_VD_CREATE) {
        absl::StrAppend(&text, "; a new VD takes unconfigured-good drives only");
      }
      return text;
    }
    case HBAMGR_RSN_BLOCK_SIZE:
      return absl::StrCat(drive_name(pt.reason_id), " has ", value,
                          "-byte logical blocks, the first member ", limit,
                          "-byte; a VD takes drives of one block size");
    case HBAMGR_RSN_VD_COUNT:
      return absl::StrCat("the adapter holds at most ", limit, " VDs and has no free one");
    case HBAMGR_RSN_VD_SIZE:
      return absl::StrCat("num_blocks = ", value, ": the drives hold at most ", limit);
    case HBAMGR_RSN_VD_MISSING:
      return absl::StrCat("no VD ", pt.reason_id);
  }
  return absl::StrCat("reason ", ReasonName(pt.reason), " (id ", pt.reason_id, ", value ", value,
                      ", limit ", limit, ")");
}

absl::Status FirmwareStatus(const hbamgr_passthru& pt, const std::string& what,
                            const DriveNamer& drive_name) {
  if (pt.status == HBAMGR_ST_OK) return absl::OkStatus();
  std::string reason = RefusalText(pt, drive_name);
  std::string message =
      reason.empty() ? absl::StrCat(what, ": firmware status ", FirmwareStatusName(pt.status))
                     : absl::StrCat(what, ": ", reason, " (firmware status ",
                                    FirmwareStatusName(pt.status), ")");
  switch (pt.status) {
    case HBAMGR_ST_NO_DEVICE:
      return absl::NotFoundError(message);
    case HBAMGR_ST_INVALID_PARAM:
      return absl::InvalidArgumentError(message);
    case HBAMGR_ST_INVALID_STATE:
      return absl::FailedPreconditionError(message);
    case HBAMGR_ST_BUSY:
      return absl::AbortedError(message);
    case HBAMGR_ST_INVALID_OPCODE:
      return absl::UnimplementedError(message);
    case HBAMGR_ST_TIMEOUT:
      return absl::DeadlineExceededError(message);
    case HBAMGR_ST_RESET:
    case HBAMGR_ST_FW_FAULT:
      return absl::UnavailableError(message);
    case HBAMGR_ST_NO_SPACE:
      return absl::ResourceExhaustedError(message);
    default:
      return absl::InternalError(message);
  }
}

}  // namespace hbamgr::adapter
