#include "daemon/health/schedule.h"

#include <cstdint>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace hbamgr::health {
namespace {

// A cron field "*", "*/15", "1-5", "0,30", "1-10/2" into `bits` (min..max).
template <size_t N>
absl::Status ParseField(absl::string_view field, const char* name, int min, int max,
                        std::bitset<N>* bits, bool* restricted) {
  bits->reset();
  *restricted = field != "*";
  for (absl::string_view part : absl::StrSplit(field, ',')) {
    int step = 1;
    if (size_t slash = part.find('/'); slash != absl::string_view::npos) {
      if (!absl::SimpleAtoi(part.substr(slash + 1), &step) || step <= 0) {
        return absl::InvalidArgumentError(
            absl::StrCat("bad step in ", name, " field '", field, "'"));
      }
      part = part.substr(0, slash);
    }
    int lo = min, hi = max;
    if (part != "*") {
      size_t dash = part.find('-');
      if (dash == absl::string_view::npos) {
        if (!absl::SimpleAtoi(part, &lo)) {
          return absl::InvalidArgumentError(
              absl::StrCat(name, " field '", field, "' is not a number, range, list or *"));
        }
        hi = step > 1 ? max : lo;
      } else if (!absl::SimpleAtoi(part.substr(0, dash), &lo) ||
                 !absl::SimpleAtoi(part.substr(dash + 1), &hi)) {
        return absl::InvalidArgumentError(
            absl::StrCat("bad range in ", name, " field '", field, "'"));
      }
    }
    if (lo < min || hi > max || lo > hi) {
      return absl::InvalidArgumentError(
          absl::StrCat(name, " field '", field, "' is outside ", min, "..", max));
    }
    for (int v = lo; v <= hi; v += step) bits->set(static_cast<size_t>(v));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<absl::Duration> ParseDuration(absl::string_view text) {
  text = absl::StripAsciiWhitespace(text);
  struct Unit {
    absl::string_view suffix;
    absl::Duration unit;
  };
  static const Unit kUnits[] = {{"ms", absl::Milliseconds(1)}, {"s", absl::Seconds(1)},
                                {"m", absl::Minutes(1)},       {"h", absl::Hours(1)},
                                {"d", absl::Hours(24)},        {"", absl::Seconds(1)}};
  for (const Unit& u : kUnits) {
    if (!absl::EndsWith(text, u.suffix)) continue;
    absl::string_view number = text.substr(0, text.size() - u.suffix.size());
    uint64_t n = 0;
    if (!number.empty() && absl::SimpleAtoi(number, &n) && n <= 1000000000) return u.unit * n;
  }
  return absl::InvalidArgumentError(
      absl::StrCat("'", text, "' is not a duration (e.g. 90s, 5m, 2h, 1d)"));
}

absl::StatusOr<Schedule> Schedule::Parse(absl::string_view text) {
  Schedule s;
  std::string t(absl::StripAsciiWhitespace(text));
  s.text_ = t;
  if (t.empty() || t == "off") {
    s.text_ = "";
    return s;
  }
  if (absl::ConsumePrefix(&text, "@every")) {
    absl::StatusOr<absl::Duration> every = ParseDuration(text);
    if (!every.ok()) return every.status();
    if (*every < absl::Seconds(1)) {
      return absl::InvalidArgumentError("@every needs a period of at least 1s");
    }
    s.enabled_ = true;
    s.every_ = *every;
    return s;
  }
  static const struct {
    const char* name;
    const char* cron;
  } kMacros[] = {{"@hourly", "0 * * * *"},
                 {"@daily", "0 0 * * *"},
                 {"@weekly", "0 0 * * 0"},
                 {"@monthly", "0 0 1 * *"}};
  std::string cron = t;
  for (const auto& m : kMacros) {
    if (t == m.name) cron = m.cron;
  }
  if (cron.starts_with("@")) {
    return absl::InvalidArgumentError(
        absl::StrCat("'", t,
                     "' is not a schedule: use cron fields \"min hour dom month dow\", @hourly, "
                     "@daily, @weekly, @monthly or @every DURATION"));
  }
  std::vector<absl::string_view> fields = absl::StrSplit(cron, ' ', absl::SkipWhitespace());
  if (fields.size() != 5) {
    return absl::InvalidArgumentError(
        absl::StrCat("'", t, "' has ", fields.size(),
                     " fields; a cron schedule has 5 (min hour dom month dow)"));
  }
  bool ignored;
  if (absl::Status st = ParseField(fields[0], "minute", 0, 59, &s.minutes_, &ignored); !st.ok())
    return st;
  if (absl::Status st = ParseField(fields[1], "hour", 0, 23, &s.hours_, &ignored); !st.ok())
    return st;
  if (absl::Status st = ParseField(fields[2], "day-of-month", 1, 31, &s.days_, &s.days_restricted_);
      !st.ok())
    return st;
  if (absl::Status st = ParseField(fields[3], "month", 1, 12, &s.months_, &ignored); !st.ok())
    return st;
  // 7 is Sunday too, as in cron.
  std::bitset<8> dow;
  if (absl::Status st = ParseField(fields[4], "day-of-week", 0, 7, &dow, &s.weekdays_restricted_);
      !st.ok())
    return st;
  for (size_t d = 0; d < 7; ++d) s.weekdays_[d] = dow[d] || (d == 0 && dow[7]);
  s.enabled_ = true;
  return s;
}

std::optional<absl::Time> Schedule::NextAfter(absl::Time after, absl::TimeZone zone) const {
  if (!enabled_) return std::nullopt;
  if (every_ > absl::ZeroDuration()) return after + every_;
  // Minute by minute would be up to 525600 steps a year; skip whole days
  // and hours that cannot match instead.
  absl::CivilMinute m = absl::ToCivilMinute(after, zone) + 1;
  const absl::CivilMinute limit = m + 60 * 24 * 366 * 5;
  while (m < limit) {
    const absl::CivilDay day(m);
    const bool dom = days_[static_cast<size_t>(m.day())];
    const bool dow = weekdays_[static_cast<size_t>(absl::GetWeekday(day)) == 6
                                   ? 0
                                   : static_cast<size_t>(absl::GetWeekday(day)) + 1];
    const bool day_ok = (days_restricted_ && weekdays_restricted_) ? (dom || dow) : (dom && dow);
    if (!months_[static_cast<size_t>(m.month())] || !day_ok) {
      m = absl::CivilMinute(day + 1);
      continue;
    }
    if (!hours_[static_cast<size_t>(m.hour())]) {
      m = absl::CivilMinute(absl::CivilHour(m) + 1);
      continue;
    }
    if (minutes_[static_cast<size_t>(m.minute())]) return zone.At(m).pre;
    m += 1;
  }
  return std::nullopt;  // e.g. "0 0 31 2 *": never
}

}  // namespace hbamgr::health
