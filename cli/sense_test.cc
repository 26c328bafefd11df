#include "cli/sense.h"

#include "gtest/gtest.h"

namespace hbamgr::cli {
namespace {

TEST(SenseTest, FixedFormat) {
  std::vector<uint8_t> sense(18, 0);
  sense[0] = 0x70;
  sense[2] = 0x05;  // ILLEGAL REQUEST
  sense[7] = 10;
  sense[12] = 0x20;
  std::optional<DecodedSense> d = DecodeSense(sense);
  ASSERT_TRUE(d.has_value());
  EXPECT_EQ(d->sense_key, 0x5);
  EXPECT_EQ(d->sense_key_name, "ILLEGAL REQUEST");
  EXPECT_EQ(d->asc, 0x20);
  EXPECT_EQ(d->ascq, 0x00);
  EXPECT_EQ(d->asc_text, "Invalid command operation code");
  EXPECT_FALSE(d->deferred);
}

TEST(SenseTest, DescriptorFormat) {
  std::vector<uint8_t> sense = {0x73, 0x03, 0x11, 0x00, 0, 0, 0, 0};
  std::optional<DecodedSense> d = DecodeSense(sense);
  ASSERT_TRUE(d.has_value());
  EXPECT_EQ(d->sense_key_name, "MEDIUM ERROR");
  EXPECT_EQ(d->asc_text, "Unrecovered read error");
  EXPECT_TRUE(d->deferred);
}

TEST(SenseTest, UnknownCodesSpelledOut) {
  std::vector<uint8_t> sense = {0x72, 0x06, 0x99, 0x07};
  std::optional<DecodedSense> d = DecodeSense(sense);
  ASSERT_TRUE(d.has_value());
  EXPECT_EQ(d->asc_text, "ASC 0x99 ASCQ 0x07");
}

TEST(SenseTest, RejectsGarbage) {
  EXPECT_FALSE(DecodeSense({}).has_value());
  EXPECT_FALSE(DecodeSense({0x70, 0, 5}).has_value());  // fixed format too short
  EXPECT_FALSE(DecodeSense(std::vector<uint8_t>(18, 0x41)).has_value());
}

TEST(SenseTest, StatusNames) {
  EXPECT_EQ(ScsiStatusName(0), "GOOD");
  EXPECT_EQ(ScsiStatusName(2), "CHECK CONDITION");
  EXPECT_EQ(ScsiStatusName(0x99), "0x99");
}

}  // namespace
}  // namespace hbamgr::cli
