#include "daemon/service/validate.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "hbamgr/v1/maintenance.pb.h"
#include "hbamgr/v1/passthrough.pb.h"

namespace hbamgr::service {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

TEST(ValidateTest, EchoEscapesAndBounds) {
  EXPECT_EQ(Echo("c0"), "c0");
  EXPECT_EQ(Echo(std::string("a\x07\n\\b\xff", 6)), "a\\x07\\x0a\\\\b\\xff");
  std::string huge(1 << 20, 'x');
  std::string echoed = Echo(huge);
  EXPECT_EQ(echoed, std::string(kMaxEchoBytes, 'x') + "...(1048576 bytes)");
}

TEST(ValidateTest, ChecksNameTheFieldTheValueAndTheLimit) {
  EXPECT_TRUE(CheckAtMost("sense_length", 96, 96, "HBAMGR_SENSE_MAX").ok());
  absl::Status s = CheckAtMost("sense_length", 97, 96, "HBAMGR_SENSE_MAX");
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message(), "sense_length = 97: at most 96 (HBAMGR_SENSE_MAX)");
  EXPECT_EQ(CheckBytesAtMost("data_out", 2000000, 1048576, "the adapter's max_transfer").message(),
            "data_out = 2000000 bytes: at most 1048576 bytes (the adapter's max_transfer)");
  EXPECT_EQ(CheckRange("rebuild_rate", 0, 1, 100, "percent").message(),
            "rebuild_rate = 0: 1..100 (percent)");
  EXPECT_EQ(CheckId16("vd_id", 65536).message(), "vd_id = 65536: at most 65535 (ids are 16-bit)");
  EXPECT_TRUE(CheckId16("vd_id", 65535).ok());
  // A too-long string is measured, not echoed.
  s = CheckLength("adapter", std::string(1 << 20, 'c'), kMaxAdapterNameBytes, "adapter names");
  EXPECT_EQ(s.message(), "adapter: 1048576 bytes: at most 32 (adapter names)");
}

TEST(ValidateTest, UnknownEnumValuesAreRefused) {
  EXPECT_TRUE(
      CheckEventFilterEnums("filter.", v1::SEVERITY_UNSPECIFIED, v1::EVENT_CLASS_UNSPECIFIED).ok());
  EXPECT_TRUE(CheckEventFilterEnums("", v1::SEVERITY_FATAL, v1::EVENT_CLASS_DRIVE).ok());
  EXPECT_EQ(CheckEventFilterEnums("filter.", 999, 0).message(),
            "filter.min_severity = 999: not a known Severity");
  // 1 is between the values EventClass has (0, 2..6).
  EXPECT_EQ(CheckEventFilterEnums("", 0, 1).message(), "event_class = 1: not a known EventClass");
  EXPECT_EQ(CheckEventFilterEnums("", 0, 7).message(), "event_class = 7: not a known EventClass");
  EXPECT_EQ(CheckEnum("fault", 0, v1::FaultType_IsValid, false, "FaultType").message(),
            "fault = 0: required");
  EXPECT_EQ(CheckEnum("fault", 99, v1::FaultType_IsValid, false, "FaultType").message(),
            "fault = 99: not a known FaultType");
}

TEST(ValidateTest, AuditSummaryIsBoundedWhateverTheRequest) {
  v1::CreateVirtualDriveRequest vd;
  vd.set_adapter("c0");
  vd.set_raid_level(1);
  vd.set_name(std::string(1 << 20, 'n'));
  for (int i = 0; i < 10000; ++i) vd.add_drives()->mutable_slot()->set_slot(i);
  std::string summary = AuditSummary(vd);
  EXPECT_LE(summary.size(), kMaxAuditSummaryBytes + 3);
  EXPECT_THAT(
      summary,
      HasSubstr("adapter: \"c0\" raid_level: 1 drives { slot { } } drives { slot { slot: 1 } }"));
  EXPECT_THAT(summary, HasSubstr("drives: ...(10000 items)"));
  EXPECT_THAT(summary, Not(HasSubstr(std::string(kMaxEchoBytes + 1, 'n'))));

  v1::ScsiRequest scsi;
  scsi.set_adapter("c0");
  scsi.set_cdb(std::string("\x12\x00\x00\x00\x60\x00", 6));
  scsi.set_data_out(std::string(4096, '\xaa'));
  summary = AuditSummary(scsi);
  EXPECT_THAT(summary, HasSubstr("cdb: 120000006000"));
  EXPECT_THAT(summary, HasSubstr("data_out: " + std::string(64, 'a') + "...(4096 bytes)"));

  v1::CreateVirtualDriveRequest small;
  small.set_adapter("c0");
  small.set_name("db\x07");
  small.add_drives()->mutable_slot()->set_slot(3);
  EXPECT_EQ(AuditSummary(small), "adapter: \"c0\" drives { slot { slot: 3 } } name: \"db\\x07\"");
}

}  // namespace
}  // namespace hbamgr::service
