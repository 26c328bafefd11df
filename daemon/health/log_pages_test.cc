#include "daemon/health/log_pages.h"

#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace hbamgr::health {
namespace {

// A page: header then (code, control, value) parameters, as SPC-4 lays
// them out.
std::vector<uint8_t> Page(uint8_t code,
                          std::vector<std::pair<uint16_t, std::vector<uint8_t>>> params) {
  std::vector<uint8_t> p = {code, 0, 0, 0};
  for (auto& [pc, value] : params) {
    p.push_back(static_cast<uint8_t>(pc >> 8));
    p.push_back(static_cast<uint8_t>(pc));
    p.push_back(0x03);
    p.push_back(static_cast<uint8_t>(value.size()));
    p.insert(p.end(), value.begin(), value.end());
  }
  p[2] = static_cast<uint8_t>((p.size() - 4) >> 8);
  p[3] = static_cast<uint8_t>(p.size() - 4);
  return p;
}

TEST(LogPagesTest, TemperatureAndReference) {
  DriveLogPages out;
  ASSERT_TRUE(ParseTemperaturePage(Page(0x0d, {{0, {0, 41}}, {1, {0, 65}}}), &out).ok());
  EXPECT_EQ(out.temperature_c, 41u);
  EXPECT_EQ(out.reference_temperature_c, 65u);
  // 0xff: not available.
  DriveLogPages none;
  ASSERT_TRUE(ParseTemperaturePage(Page(0x0d, {{0, {0, 0xff}}}), &none).ok());
  EXPECT_FALSE(none.temperature_c.has_value());
}

TEST(LogPagesTest, InformationalExceptionsIsTheSmartStatus) {
  DriveLogPages out;
  ASSERT_TRUE(ParseInfoExceptionsPage(Page(0x2f, {{0, {0x5d, 0x10, 40}}}), &out).ok());
  EXPECT_EQ(out.ie_asc, 0x5d);
  EXPECT_EQ(out.ie_ascq, 0x10);
  EXPECT_FALSE(ParseInfoExceptionsPage(Page(0x2f, {{1, {0, 0, 0}}}), &out).ok());
}

TEST(LogPagesTest, SelfTestNewestEntryAndFailures) {
  auto entry = [](uint8_t code, uint8_t result, uint16_t hours, uint64_t lba) {
    std::vector<uint8_t> v(16, 0);
    v[0] = static_cast<uint8_t>(code << 5 | result);
    v[1] = 1;
    v[2] = static_cast<uint8_t>(hours >> 8);
    v[3] = static_cast<uint8_t>(hours);
    for (int i = 0; i < 8; ++i) v[4 + i] = static_cast<uint8_t>(lba >> (56 - 8 * i));
    return v;
  };
  DriveLogPages out;
  ASSERT_TRUE(ParseSelfTestPage(Page(0x10, {{1, entry(2, 7, 1234, 4096)},
                                            {2, entry(1, 0, 1000, ~0ULL)},
                                            {3, std::vector<uint8_t>(16, 0)}}),
                                &out)
                  .ok());
  EXPECT_EQ(out.selftests_logged, 2u);
  EXPECT_EQ(out.selftests_failed, 1u);
  EXPECT_EQ(out.last_selftest_code, 2);
  EXPECT_EQ(out.last_selftest_result, 7);
  EXPECT_EQ(out.last_selftest_power_on_hours, 1234);
  EXPECT_EQ(out.last_selftest_fail_lba, 4096u);
}

TEST(LogPagesTest, SelfTestInProgressAndAbortedAreNotResults) {
  auto entry = [](uint8_t code, uint8_t result, uint64_t lba) {
    std::vector<uint8_t> v(16, 0);
    v[0] = static_cast<uint8_t>(code << 5 | result);
    v[3] = 9;  // power-on hours
    for (int i = 0; i < 8; ++i) v[4 + i] = static_cast<uint8_t>(lba >> (56 - 8 * i));
    return v;
  };
  // A short test runs; the newest finished one failed, an older one was
  // aborted by a reset: the failure is still the last result.
  DriveLogPages out;
  ASSERT_TRUE(
      ParseSelfTestPage(
          Page(0x10, {{1, entry(1, 15, ~0ULL)}, {2, entry(2, 7, 4096)}, {3, entry(1, 2, ~0ULL)}}),
          &out)
          .ok());
  EXPECT_EQ(out.running_selftest_code, 1);
  EXPECT_EQ(out.last_selftest_code, 2);
  EXPECT_EQ(out.last_selftest_result, 7);
  EXPECT_TRUE(out.last_selftest_failed());
  EXPECT_EQ(out.selftests_failed, 1u);  // an aborted test is no failure
  // Aborted last: neither passed nor failed; nothing runs.
  ASSERT_TRUE(
      ParseSelfTestPage(Page(0x10, {{1, entry(2, 1, ~0ULL)}, {2, entry(2, 7, 4096)}}), &out).ok());
  EXPECT_FALSE(out.running_selftest_code);
  EXPECT_EQ(out.last_selftest_result, 1);
  EXPECT_FALSE(out.last_selftest_failed());
}

TEST(LogPagesTest, MalformedPagesAreRefused) {
  DriveLogPages out;
  EXPECT_FALSE(ParseTemperaturePage(std::vector<uint8_t>{0x0d, 0}, &out).ok());
  // Another page than asked for.
  EXPECT_FALSE(ParseTemperaturePage(Page(0x2f, {{0, {0, 0, 0}}}), &out).ok());
  // Page length beyond the data.
  std::vector<uint8_t> p = Page(0x0d, {{0, {0, 41}}});
  p[3] += 10;
  EXPECT_FALSE(ParseTemperaturePage(p, &out).ok());
  // A parameter overrunning the page.
  p = Page(0x0d, {{0, {0, 41}}});
  p[7] = 50;
  EXPECT_FALSE(ParseTemperaturePage(p, &out).ok());
}

TEST(LogPagesTest, CdbsAreLogSenseAndSendDiagnostic) {
  EXPECT_THAT(LogSenseCdb(0x2f, 1024),
              ::testing::ElementsAre(0x4d, 0, 0x6f, 0, 0, 0, 0, 0x04, 0x00, 0));
  EXPECT_THAT(SelfTestCdb(2), ::testing::ElementsAre(0x1d, 0x40, 0, 0, 0, 0));
}

}  // namespace
}  // namespace hbamgr::health
