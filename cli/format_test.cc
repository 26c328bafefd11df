#include "cli/format.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace hbamgr::cli {
namespace {

using ::testing::ElementsAre;

TEST(FormatTest, HumanSizeUsesBinaryUnits) {
  EXPECT_EQ(HumanSize(0), "0 B");
  EXPECT_EQ(HumanSize(512), "512 B");
  EXPECT_EQ(HumanSize(1024), "1.0 KiB");
  EXPECT_EQ(HumanSize(256ull << 20), "256.0 MiB");
  EXPECT_EQ(HumanSize(1319413953331ull), "1.2 TiB");
  EXPECT_EQ(HumanSize((1ull << 30) - 1), "1.0 GiB");  // never "1024.0 MiB"
  EXPECT_EQ(HumanSize(~0ull), "16.0 EiB");
}

TEST(FormatTest, ProgressBar) {
  EXPECT_EQ(ProgressBar(0, 10), "[----------]   0.0%");
  EXPECT_EQ(ProgressBar(400, 10), "[####------]  40.0%");
  EXPECT_EQ(ProgressBar(1000, 10), "[##########] 100.0%");
  EXPECT_EQ(ProgressBar(5000, 10), "[##########] 100.0%");  // clamped
}

TEST(FormatTest, HexDump) {
  std::vector<uint8_t> data = {'H', 'B', 'A', 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 0x7f};
  EXPECT_THAT(HexDump(data),
              ElementsAre("00000000  48 42 41 00 01 02 03 04  05 06 07 08 09 0a 0b 0c  "
                          "|HBA.............|",
                          "00000010  7f                                                "
                          "|.|"));
  EXPECT_TRUE(HexDump({}).empty());
}

TEST(FormatTest, HexString) { EXPECT_EQ(HexString({0x12, 0x00, 0xab}), "1200ab"); }

TEST(FormatTest, TimestampIsUtc) {
  EXPECT_EQ(FormatTimestamp(1'700'000'000'123'000'000ull), "2023-11-14T22:13:20.123Z");
}

}  // namespace
}  // namespace hbamgr::cli
