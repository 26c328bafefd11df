// When a scheduled health job (patrol read, consistency check, drive
// self-test) is due: a cron expression ("min hour day-of-month month
// day-of-week", with '*', lists, ranges and '/step'), one of @hourly @daily
// @weekly @monthly, or "@every DURATION" (e.g. "@every 6h"; also how tests
// ask for short periods).  "" or "off" means never.  Cron fields are read in
// the daemon's local time zone; like cron, when both day fields are
// restricted either may match.
//
// A self-test schedule may instead be smartd's -s REGEXP (smartd.conf(5)):
// an extended regular expression that fires at the start of every local
// hour whose "T/MM/DD/d/HH" it matches whole, T being the test's letter (S
// short, L long), d the weekday 1 (Monday) .. 7 (Sunday).  So the same
// "(S/../.././02|L/../../6/03)" can be given to both self-test keys.
#ifndef HBAMGR_DAEMON_HEALTH_SCHEDULE_H_
#define HBAMGR_DAEMON_HEALTH_SCHEDULE_H_

#include <bitset>
#include <memory>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace hbamgr::health {

class SmartdHours;

class Schedule {
 public:
  Schedule() = default;  // never due

  // INVALID_ARGUMENT naming the bad field for a malformed expression.
  // `smartd_test` is the letter ('S', 'L') a smartd -s expression is
  // matched with; 0 refuses that form (the schedule is not a self-test's).
  static absl::StatusOr<Schedule> Parse(absl::string_view text, char smartd_test = 0);

  bool enabled() const { return enabled_; }
  const std::string& text() const { return text_; }

  // The first time strictly after `after` the schedule fires; nullopt when
  // disabled.
  std::optional<absl::Time> NextAfter(absl::Time after, absl::TimeZone zone) const;

  friend bool operator==(const Schedule& a, const Schedule& b) {
    return a.text_ == b.text_ && a.smartd_test_ == b.smartd_test_;
  }

 private:
  bool enabled_ = false;
  std::string text_;
  char smartd_test_ = 0;
  std::shared_ptr<SmartdHours> smartd_;          // a smartd -s expression; null otherwise
  absl::Duration every_ = absl::ZeroDuration();  // @every; zero for cron
  std::bitset<60> minutes_;
  std::bitset<24> hours_;
  std::bitset<32> days_;     // 1..31
  std::bitset<13> months_;   // 1..12
  std::bitset<7> weekdays_;  // 0 = Sunday
  bool days_restricted_ = false;
  bool weekdays_restricted_ = false;
};

// "90s", "5m", "2h", "1d", "250ms", or a bare number of seconds.
absl::StatusOr<absl::Duration> ParseDuration(absl::string_view text);

}  // namespace hbamgr::health

#endif  // HBAMGR_DAEMON_HEALTH_SCHEDULE_H_
