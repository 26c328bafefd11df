#include "daemon/health/schedule.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace hbamgr::health {
namespace {

using ::testing::HasSubstr;

const absl::TimeZone kUtc = absl::UTCTimeZone();

absl::Time At(int y, int mo, int d, int h, int mi) {
  return absl::FromCivil(absl::CivilMinute(y, mo, d, h, mi), kUtc);
}

absl::Time Next(const char* text, absl::Time after) {
  absl::StatusOr<Schedule> s = Schedule::Parse(text);
  EXPECT_TRUE(s.ok()) << s.status();
  return s->NextAfter(after, kUtc).value_or(absl::InfinitePast());
}

TEST(ScheduleTest, CronFieldsListsRangesAndSteps) {
  // 2026-11-26 is a Thursday.
  EXPECT_EQ(Next("0 2 * * *", At(2026, 11, 26, 1, 0)), At(2026, 11, 26, 2, 0));
  EXPECT_EQ(Next("0 2 * * *", At(2026, 11, 26, 2, 0)), At(2026, 11, 27, 2, 0));
  EXPECT_EQ(Next("*/15 * * * *", At(2026, 11, 26, 1, 16)), At(2026, 11, 26, 1, 30));
  EXPECT_EQ(Next("30 1,13 * * *", At(2026, 11, 26, 2, 0)), At(2026, 11, 26, 13, 30));
  EXPECT_EQ(Next("0 3 * * 6", At(2026, 11, 26, 0, 0)), At(2026, 11, 28, 3, 0));  // Saturday
  EXPECT_EQ(Next("0 3 * * 7", At(2026, 11, 26, 0, 0)), At(2026, 11, 29, 3, 0));  // 7 = Sunday
  EXPECT_EQ(Next("0 0 1 * *", At(2026, 11, 26, 0, 0)), At(2026, 12, 1, 0, 0));
  EXPECT_EQ(Next("0 9 * * 1-5", At(2026, 11, 27, 10, 0)), At(2026, 11, 30, 9, 0));
  // Both day fields restricted: either matches (cron's rule).
  EXPECT_EQ(Next("0 0 30 * 5", At(2026, 11, 26, 1, 0)), At(2026, 11, 27, 0, 0));
}

TEST(ScheduleTest, MacrosEveryAndOff) {
  EXPECT_EQ(Next("@daily", At(2026, 11, 26, 1, 0)), At(2026, 11, 27, 0, 0));
  EXPECT_EQ(Next("@hourly", At(2026, 11, 26, 1, 5)), At(2026, 11, 26, 2, 0));
  EXPECT_EQ(Next("@every 90s", At(2026, 11, 26, 1, 0)), At(2026, 11, 26, 1, 0) + absl::Seconds(90));
  for (const char* off : {"", "off"}) {
    absl::StatusOr<Schedule> s = Schedule::Parse(off);
    ASSERT_TRUE(s.ok());
    EXPECT_FALSE(s->enabled());
    EXPECT_FALSE(s->NextAfter(absl::Now(), kUtc).has_value());
  }
  // A date that never comes.
  EXPECT_FALSE(Schedule::Parse("0 0 31 2 *")->NextAfter(absl::Now(), kUtc).has_value());
}

TEST(ScheduleTest, BadSchedulesNameTheField) {
  struct Case {
    const char* text;
    const char* says;
  } cases[] = {
      {"0 2 * *", "has 4 fields"},
      {"61 2 * * *", "minute field '61' is outside 0..59"},
      {"0 24 * * *", "hour field"},
      {"0 0 0 * *", "day-of-month"},
      {"0 0 * 13 *", "month field"},
      {"0 0 * * 8", "day-of-week"},
      {"0 0 * * mon", "day-of-week field 'mon' is not a number"},
      {"*/0 * * * *", "bad step"},
      {"@yearly", "is not a schedule"},
      {"@every 0s", "at least 1s"},
      {"@every soon", "is not a duration"},
  };
  for (const Case& c : cases) {
    absl::StatusOr<Schedule> s = Schedule::Parse(c.text);
    ASSERT_FALSE(s.ok()) << c.text;
    EXPECT_EQ(s.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(s.status().message(), HasSubstr(c.says)) << c.text;
  }
}

absl::Time NextSmartd(const char* text, char test, absl::Time after) {
  absl::StatusOr<Schedule> s = Schedule::Parse(text, test);
  EXPECT_TRUE(s.ok()) << s.status();
  if (!s.ok()) return absl::InfinitePast();
  return s->NextAfter(after, kUtc).value_or(absl::InfinitePast());
}

TEST(ScheduleTest, SmartdExpressionsFireAtTheStartOfEachMatchingHour) {
  // smartd.conf(5)'s examples.  2026-11-26 is a Thursday (d = 4).
  EXPECT_EQ(NextSmartd("S/../.././02", 'S', At(2026, 11, 26, 1, 0)), At(2026, 11, 26, 2, 0));
  EXPECT_EQ(NextSmartd("S/../.././02", 'S', At(2026, 11, 26, 2, 0)), At(2026, 11, 27, 2, 0));
  EXPECT_EQ(NextSmartd("S/../.././02", 'S', At(2026, 11, 26, 2, 30)), At(2026, 11, 27, 2, 0));
  EXPECT_EQ(NextSmartd("L/../../7/04", 'L', At(2026, 11, 26, 0, 0)), At(2026, 11, 29, 4, 0));
  EXPECT_EQ(NextSmartd("L/../(01|15)/./22", 'L', At(2026, 11, 26, 0, 0)), At(2026, 12, 1, 22, 0));
  EXPECT_EQ(NextSmartd("L/../(01|15)/./22", 'L', At(2026, 12, 1, 22, 0)), At(2026, 12, 15, 22, 0));
  EXPECT_EQ(NextSmartd("S/../../[1-5]/12", 'S', At(2026, 11, 27, 13, 0)), At(2026, 11, 30, 12, 0));
  // One expression for both tests: each key takes its own letter, and the
  // test types hbamgrd does not run (O, C) never match.
  const char* both = "(O/../.././(00|06|12|18)|S/../.././01|L/../../6/03)";
  EXPECT_EQ(NextSmartd(both, 'S', At(2026, 11, 26, 5, 0)), At(2026, 11, 27, 1, 0));
  EXPECT_EQ(NextSmartd(both, 'L', At(2026, 11, 26, 5, 0)), At(2026, 11, 28, 3, 0));
  // The whole string must match: "S/../.././0" is no prefix match of hour 02.
  absl::StatusOr<Schedule> partial = Schedule::Parse("S/../.././0", 'S');
  EXPECT_FALSE(partial.ok());
  // Months and years roll over.
  EXPECT_EQ(NextSmartd("L/01/01/./00", 'L', At(2026, 11, 26, 0, 0)), At(2027, 1, 1, 0, 0));
  // The same text for another test letter is another schedule.
  EXPECT_FALSE(*Schedule::Parse(both, 'S') == *Schedule::Parse(both, 'L'));
}

TEST(ScheduleTest, BadSmartdExpressionsSayWhy) {
  struct Case {
    const char* text;
    char test;
    const char* says;
  } cases[] = {
      {"S/../.././02", 0, "self-tests only"},
      {"L/../../7/04:003", 'L', "staggered tests"},
      {"S/../.././0*2x", 'S', "'x' has no place"},
      {"S/../(.././02", 'S', "not an extended regular expression"},
      {"S/../.././02", 'L', "matches no hour of a long self-test"},
      {"S/13/.././02", 'S', "matches no hour"},
      {"S/../.././2", 'S', "matches no hour"},  // HH has two digits
  };
  for (const Case& c : cases) {
    absl::StatusOr<Schedule> s = Schedule::Parse(c.text, c.test);
    ASSERT_FALSE(s.ok()) << c.text;
    EXPECT_EQ(s.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(s.status().message(), HasSubstr(c.says)) << c.text;
  }
  // A word that is neither is still a cron error, with the smartd form named.
  absl::StatusOr<Schedule> s = Schedule::Parse("daily", 'S');
  EXPECT_THAT(s.status().message(), HasSubstr("has 1 fields"));
  s = Schedule::Parse("@sometimes", 'S');
  EXPECT_THAT(s.status().message(), HasSubstr("smartd -s expression"));
}

TEST(ScheduleTest, Durations) {
  EXPECT_EQ(*ParseDuration("90s"), absl::Seconds(90));
  EXPECT_EQ(*ParseDuration("5m"), absl::Minutes(5));
  EXPECT_EQ(*ParseDuration("2h"), absl::Hours(2));
  EXPECT_EQ(*ParseDuration("1d"), absl::Hours(24));
  EXPECT_EQ(*ParseDuration("250ms"), absl::Milliseconds(250));
  EXPECT_EQ(*ParseDuration("30"), absl::Seconds(30));
  EXPECT_FALSE(ParseDuration("").ok());
  EXPECT_FALSE(ParseDuration("-5s").ok());
  EXPECT_FALSE(ParseDuration("5 weeks").ok());
}

}  // namespace
}  // namespace hbamgr::health
