#include "daemon/adapter/firmware_status.h"

#include <linux/hbamgr.h>

#include <cstddef>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace hbamgr::adapter {
namespace {

using ::testing::HasSubstr;

hbamgr_passthru Refused(uint32_t opcode, uint32_t status, uint16_t reason, uint16_t id = 0,
                        uint64_t value = 0, uint64_t limit = 0) {
  hbamgr_passthru pt{};
  pt.type = HBAMGR_PT_MGMT;
  pt.opcode = opcode;
  pt.status = status;
  pt.reason = reason;
  pt.reason_id = id;
  pt.reason_value = value;
  pt.reason_limit = limit;
  return pt;
}

std::string Slot(uint16_t pd_id) { return "/c0/e0/s" + std::to_string(pd_id); }

// The refusals the issue names, as an admin reads them.
TEST(FirmwareStatusTest, VdCreateRefusalsNameTheFieldOrTheObject) {
  const uint64_t levels = (1u << 0) | (1u << 1) | (1u << 5) | (1u << 6) | (1u << 10);
  struct Case {
    hbamgr_passthru pt;
    absl::StatusCode code;
    const char* message;
  } cases[] = {
      {Refused(HBAMGR_MGMT_VD_CREATE, HBAMGR_ST_INVALID_PARAM, HBAMGR_RSN_RAID_LEVEL, 0, 7, levels),
       absl::StatusCode::kInvalidArgument,
       "VD_CREATE: raid_level = 7: the adapter supports RAID 0, 1, 5, 6, 10 (firmware status "
       "INVALID_PARAM)"},
      {Refused(HBAMGR_MGMT_VD_CREATE, HBAMGR_ST_INVALID_PARAM, HBAMGR_RSN_TOO_FEW_PDS, 5, 2, 3),
       absl::StatusCode::kInvalidArgument,
       "VD_CREATE: RAID 5 needs at least 3 drives, got 2 (firmware status INVALID_PARAM)"},
      {Refused(HBAMGR_MGMT_VD_CREATE, HBAMGR_ST_INVALID_PARAM, HBAMGR_RSN_TOO_MANY_PDS, 1, 3, 2),
       absl::StatusCode::kInvalidArgument,
       "VD_CREATE: RAID 1 takes at most 2 drives, got 3 (firmware status INVALID_PARAM)"},
      {Refused(HBAMGR_MGMT_VD_CREATE, HBAMGR_ST_INVALID_PARAM, HBAMGR_RSN_ODD_PDS, 10, 5),
       absl::StatusCode::kInvalidArgument,
       "VD_CREATE: RAID 10 needs an even number of drives (mirrored pairs), got 5 (firmware "
       "status INVALID_PARAM)"},
      {Refused(HBAMGR_MGMT_VD_CREATE, HBAMGR_ST_INVALID_PARAM, HBAMGR_RSN_STRIP_SIZE, 0, 7,
               HBAMGR_STRIP_KB_MAX),
       absl::StatusCode::kInvalidArgument,
       "VD_CREATE: strip_kb = 7: a power of two from 8 to 1024 KiB (firmware status "
       "INVALID_PARAM)"},
      {Refused(HBAMGR_MGMT_VD_CREATE, HBAMGR_ST_INVALID_PARAM, HBAMGR_RSN_NAME, 2, 0x07),
       absl::StatusCode::kInvalidArgument,
       "VD_CREATE: name byte 2 is 0x07: names are printable ASCII (0x20..0x7e), no control "
       "characters (firmware status INVALID_PARAM)"},
      {Refused(HBAMGR_MGMT_VD_CREATE, HBAMGR_ST_INVALID_STATE, HBAMGR_RSN_PD_STATE, 1,
               HBAMGR_PD_ONLINE, 0),
       absl::StatusCode::kFailedPrecondition,
       "VD_CREATE: /c0/e0/s1 is online (a member of VD 0); a new VD takes unconfigured-good "
       "drives only (firmware status INVALID_STATE)"},
      {Refused(HBAMGR_MGMT_VD_CREATE, HBAMGR_ST_INVALID_PARAM, HBAMGR_RSN_BLOCK_SIZE, 6, 4096, 512),
       absl::StatusCode::kInvalidArgument,
       "VD_CREATE: /c0/e0/s6 has 4096-byte logical blocks, the first member 512-byte; a VD "
       "takes drives of one block size (firmware status INVALID_PARAM)"},
      {Refused(HBAMGR_MGMT_VD_CREATE, HBAMGR_ST_INVALID_PARAM, HBAMGR_RSN_PD_REPEATED, 5),
       absl::StatusCode::kInvalidArgument,
       "VD_CREATE: /c0/e0/s5 is listed twice (firmware status INVALID_PARAM)"},
      {Refused(HBAMGR_MGMT_VD_CREATE, HBAMGR_ST_NO_DEVICE, HBAMGR_RSN_PD_MISSING, 99),
       absl::StatusCode::kNotFound,
       "VD_CREATE: no drive with pd id 99 (firmware status NO_DEVICE)"},
      {Refused(HBAMGR_MGMT_VD_CREATE, HBAMGR_ST_INVALID_PARAM, HBAMGR_RSN_FIELD,
               offsetof(hbamgr_vd_create, reserved) + 4, 0x5a, 0),
       absl::StatusCode::kInvalidArgument,
       "VD_CREATE: reserved (byte 4) = 90: must be 0 (firmware status INVALID_PARAM)"},
      {Refused(HBAMGR_MGMT_VD_CREATE, HBAMGR_ST_INVALID_PARAM, HBAMGR_RSN_VD_SIZE, 0, 1u << 30,
               12345),
       absl::StatusCode::kInvalidArgument,
       "VD_CREATE: num_blocks = 1073741824: the drives hold at most 12345 (firmware status "
       "INVALID_PARAM)"},
  };
  for (const Case& c : cases) {
    absl::Status s = FirmwareStatus(c.pt, "VD_CREATE", Slot);
    EXPECT_EQ(s.code(), c.code) << c.message;
    EXPECT_EQ(s.message(), c.message);
  }
}

TEST(FirmwareStatusTest, FieldReasonsNameTheParameterBlockField) {
  auto text = [](uint32_t opcode, size_t offset, uint64_t value, uint64_t limit) {
    return RefusalText(Refused(opcode, HBAMGR_ST_INVALID_PARAM, HBAMGR_RSN_FIELD,
                               static_cast<uint16_t>(offset), value, limit),
                       DefaultDriveName);
  };
  EXPECT_EQ(
      text(HBAMGR_MGMT_CTRL_SET_PROPS, offsetof(hbamgr_mbox_ctrl_props, rebuild_rate), 101, 100),
      "rebuild_rate = 101: at most 100");
  EXPECT_EQ(text(HBAMGR_MGMT_PD_SET_STATE, offsetof(hbamgr_mbox_pd_state, state), 7, 0),
            "state = 7: not a value this opcode accepts");
  EXPECT_EQ(text(HBAMGR_MGMT_PD_LOCATE, offsetof(hbamgr_mbox_pd_locate, pad) + 3, 1, 0),
            "pad (byte 3) = 1: must be 0");
  EXPECT_EQ(text(HBAMGR_MGMT_PD_LIST, 5, 17, 0), "parameter block byte 5 = 17: must be 0");
}

TEST(FirmwareStatusTest, WithoutAReasonTheStatusIsNamed) {
  hbamgr_passthru pt = Refused(HBAMGR_MGMT_VD_CREATE, HBAMGR_ST_INVALID_PARAM, HBAMGR_RSN_NONE);
  EXPECT_EQ(FirmwareStatus(pt, "VD_CREATE").message(), "VD_CREATE: firmware status INVALID_PARAM");
  pt.status = HBAMGR_ST_OK;
  EXPECT_TRUE(FirmwareStatus(pt, "VD_CREATE").ok());
  EXPECT_EQ(RefusalText(Refused(0, HBAMGR_ST_INVALID_PARAM, 0x77, 1, 2, 3), DefaultDriveName),
            "reason 0x0077 (id 1, value 2, limit 3)");
}

TEST(FirmwareStatusTest, StatusCodes) {
  const std::pair<uint32_t, absl::StatusCode> cases[] = {
      {HBAMGR_ST_NO_DEVICE, absl::StatusCode::kNotFound},
      {HBAMGR_ST_INVALID_PARAM, absl::StatusCode::kInvalidArgument},
      {HBAMGR_ST_INVALID_STATE, absl::StatusCode::kFailedPrecondition},
      {HBAMGR_ST_BUSY, absl::StatusCode::kAborted},
      {HBAMGR_ST_INVALID_OPCODE, absl::StatusCode::kUnimplemented},
      {HBAMGR_ST_TIMEOUT, absl::StatusCode::kDeadlineExceeded},
      {HBAMGR_ST_RESET, absl::StatusCode::kUnavailable},
      {HBAMGR_ST_FW_FAULT, absl::StatusCode::kUnavailable},
      {HBAMGR_ST_NO_SPACE, absl::StatusCode::kResourceExhausted},
      {HBAMGR_ST_SCSI_ERROR, absl::StatusCode::kInternal},
  };
  for (auto [fw, code] : cases) {
    absl::Status s = FirmwareStatus(Refused(0, fw, HBAMGR_RSN_NONE), "X");
    EXPECT_EQ(s.code(), code) << FirmwareStatusName(fw);
    EXPECT_THAT(s.message(), HasSubstr(FirmwareStatusName(fw)));
  }
}

}  // namespace
}  // namespace hbamgr::adapter
