#include "daemon/service/passthrough_request.h"

#include <linux/hbamgr.h>

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace hbamgr::service {
namespace {

using ::testing::HasSubstr;

constexpr AdapterLimits kLimits{.max_transfer = 1 << 20};

v1::ScsiRequest Inquiry() {
  v1::ScsiRequest request;
  request.set_adapter("c0");
  request.set_cdb(std::string("\x12\x00\x00\x00\x60\x00", 6));
  request.set_data_in_length(96);
  return request;
}

absl::Status Refusal(const v1::ScsiRequest& request) {
  return ScsiCommand(request, kLimits).status();
}

// The first defect: a request for 4 GiB was allocated before any
// check.  Now it is refused naming the field, the value and the adapter's
// limit (GET_INFO), and ScsiCommand returns before any buffer exists.
TEST(PassthroughRequestTest, TransferBeyondTheAdapterLimitIsRefused) {
  v1::ScsiRequest request = Inquiry();
  request.set_data_in_length(4294967295u);
  absl::Status s = Refusal(request);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message(),
            "data_in_length = 4294967295 bytes: at most 1048576 bytes (the adapter's "
            "max_transfer)");
  request.set_data_in_length(kLimits.max_transfer);
  EXPECT_TRUE(Refusal(request).ok());
  // The limit is the adapter's, not a constant.
  EXPECT_FALSE(ScsiCommand(request, {.max_transfer = 4096}).ok());

  request.set_data_out(std::string(kLimits.max_transfer + 1, 'x'));
  EXPECT_EQ(Refusal(request).message(),
            "data_out = 1048577 bytes: at most 1048576 bytes (the adapter's max_transfer)");
  request.set_data_out("");
  EXPECT_EQ(Refusal(request).message(),
            "data_out = 0 bytes: omit data for a command that moves none");

  v1::FirmwareRequest fw;
  fw.set_adapter("c0");
  fw.set_opcode(HBAMGR_MGMT_PD_LIST);
  fw.set_data_in_length(1u << 30);
  EXPECT_EQ(FirmwareCommand(fw, kLimits).status().message(),
            "data_in_length = 1073741824 bytes: at most 1048576 bytes (the adapter's "
            "max_transfer)");
}

// The limits the ABI shares (<linux/hbamgr.h>) bound the request exactly
// where the driver does: the largest accepted value passes, one more fails.
TEST(PassthroughRequestTest, SharedLimitsMatchTheAbi) {
  v1::ScsiRequest request = Inquiry();
  request.set_sense_length(HBAMGR_SENSE_MAX);
  EXPECT_TRUE(Refusal(request).ok());
  request.set_sense_length(HBAMGR_SENSE_MAX + 1);
  EXPECT_EQ(Refusal(request).message(), "sense_length = 97: at most 96 (HBAMGR_SENSE_MAX)");

  request = Inquiry();
  for (size_t len : {size_t{HBAMGR_CDB_MIN}, size_t{HBAMGR_CDB_MAX}}) {
    request.set_cdb(std::string(len, '\0'));
    EXPECT_TRUE(Refusal(request).ok()) << len;
  }
  for (size_t len : {size_t{HBAMGR_CDB_MIN - 1}, size_t{HBAMGR_CDB_MAX + 1}}) {
    request.set_cdb(std::string(len, '\0'));
    EXPECT_THAT(Refusal(request).message(),
                HasSubstr("cdb = " + std::to_string(len) +
                          " bytes: 6..32 bytes (HBAMGR_CDB_MIN..HBAMGR_CDB_MAX)"));
  }

  request = Inquiry();
  request.set_timeout_ms(HBAMGR_PT_TIMEOUT_MAX_MS + 1);
  EXPECT_EQ(Refusal(request).message(),
            "timeout_ms = 3600001: at most 3600000 (HBAMGR_PT_TIMEOUT_MAX_MS)");
  request = Inquiry();
  request.set_target(65536);
  EXPECT_EQ(Refusal(request).message(), "target = 65536: at most 65535 (ids are 16-bit)");

  v1::FirmwareRequest fw;
  fw.set_mbox(std::string(HBAMGR_CDB_MAX + 1, '\0'));
  EXPECT_EQ(FirmwareCommand(fw, kLimits).status().message(),
            "mbox = 33 bytes: at most 32 bytes (HBAMGR_CDB_MAX)");
  fw.set_mbox(std::string(HBAMGR_CDB_MAX, '\x01'));
  EXPECT_TRUE(FirmwareCommand(fw, kLimits).ok());
}

TEST(PassthroughRequestTest, CommandsCarryTheRequest) {
  v1::ScsiRequest request = Inquiry();
  request.set_target(3);
  request.set_physical(true);
  absl::StatusOr<adapter::PassthruCommand> command = ScsiCommand(request, kLimits);
  ASSERT_TRUE(command.ok()) << command.status();
  EXPECT_EQ(command->pt.type, HBAMGR_PT_SCSI);
  EXPECT_EQ(command->pt.flags, HBAMGR_PT_F_PHYS);
  EXPECT_EQ(command->pt.target, 3);
  EXPECT_EQ(command->pt.cdb_len, 6);
  EXPECT_EQ(command->pt.cdb[0], 0x12);
  EXPECT_EQ(command->pt.dir, HBAMGR_DIR_FROM_DEV);
  EXPECT_EQ(command->pt.data_len, 96u);
  EXPECT_EQ(command->pt.sense_len, uint32_t{HBAMGR_SENSE_MAX});  // 0 asks for the most
  EXPECT_TRUE(command->data.empty()) << "FROM_DEV buffers are sized when the command runs";

  request.set_data_out("abc");
  command = ScsiCommand(request, kLimits);
  ASSERT_TRUE(command.ok());
  EXPECT_EQ(command->pt.dir, HBAMGR_DIR_TO_DEV);
  EXPECT_EQ(command->pt.data_len, 3u);
  EXPECT_EQ(std::string(command->data.begin(), command->data.end()), "abc");
}

TEST(PassthroughRequestTest, RefusedFirmwareFramesCarryTheirReason) {
  adapter::PassthruResult result;
  hbamgr_passthru& pt = result.command.pt;
  pt.type = HBAMGR_PT_MGMT;
  pt.opcode = HBAMGR_MGMT_VD_CREATE;
  pt.status = HBAMGR_ST_INVALID_PARAM;
  pt.reason = HBAMGR_RSN_STRIP_SIZE;
  pt.reason_value = 7;
  pt.reason_limit = HBAMGR_STRIP_KB_MAX;
  v1::PassthroughResponse response;
  FillPassthroughResponse(result, &response);
  EXPECT_EQ(response.status(), v1::COMMAND_STATUS_INVALID_PARAM);
  ASSERT_TRUE(response.has_reason());
  EXPECT_EQ(response.reason().code(), uint32_t{HBAMGR_RSN_STRIP_SIZE});
  EXPECT_EQ(response.reason().name(), "STRIP_SIZE");
  EXPECT_EQ(response.reason().value(), 7u);
  EXPECT_EQ(response.reason().limit(), uint64_t{HBAMGR_STRIP_KB_MAX});
  EXPECT_EQ(response.reason().text(), "strip_kb = 7: a power of two from 8 to 1024 KiB");

  pt.reason = HBAMGR_RSN_NONE;
  response.Clear();
  FillPassthroughResponse(result, &response);
  EXPECT_FALSE(response.has_reason());
}

}  // namespace
}  // namespace hbamgr::service
