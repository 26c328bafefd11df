#include "daemon/health/schedule.h"

#include <regex.h>

#include <array>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <memory>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/synchronization/mutex.h"

namespace hbamgr::health {

// The hours a smartd -s expression selects for one test letter.  Each day
// pattern (month, day of month, weekday) is matched once, 24 strings, when
// first needed: an expression meets at most 12 * 31 * 7 * 24 strings in the
// daemon's life, and NextAfter over years of days is table lookups.
class SmartdHours {
 public:
  static absl::StatusOr<std::shared_ptr<SmartdHours>> Compile(const std::string& expr, char test) {
    std::shared_ptr<SmartdHours> h(new SmartdHours(test));
    if (int rc = regcomp(&h->re_, expr.c_str(), REG_EXTENDED); rc != 0) {
      char why[256];
      regerror(rc, &h->re_, why, sizeof(why));
      return absl::InvalidArgumentError(
          absl::StrCat("'", expr, "' is not an extended regular expression: ", why));
    }
    h->compiled_ = true;
    return h;
  }
  ~SmartdHours() {
    if (compiled_) regfree(&re_);
  }
  SmartdHours(const SmartdHours&) = delete;
  SmartdHours& operator=(const SmartdHours&) = delete;

  // Bit h set: "T/MM/DD/d/HH" of hour h of such a day matches whole.
  // month 1..12, day 1..31, weekday 1 (Monday) .. 7 (Sunday).
  uint32_t Hours(int month, int day, int weekday) {
    absl::MutexLock lock(&mu_);
    uint32_t& hours = hours_[static_cast<size_t>(((month - 1) * 31 + day - 1) * 7 + weekday - 1)];
    if (hours & kKnown) return hours & ~kKnown;
    hours = kKnown;
    for (int hour = 0; hour < 24; ++hour) {
      char text[32];
      std::snprintf(text, sizeof(text), "%c/%02d/%02d/%d/%02d", test_, month, day, weekday, hour);
      if (FullMatch(text)) hours |= 1u << hour;
    }
    return hours & ~kKnown;
  }

  // Whether any hour of any day pattern matches.
  bool MatchesSomeHour() {
    for (int month = 1; month <= 12; ++month) {
      for (int day = 1; day <= 31; ++day) {
        for (int weekday = 1; weekday <= 7; ++weekday) {
          if (Hours(month, day, weekday) != 0) return true;
        }
      }
    }
    return false;
  }

 private:
  static constexpr uint32_t kKnown = 1u << 24;

  explicit SmartdHours(char test) : test_(test) {}
  // As smartd: the expression matches the whole string.
  bool FullMatch(const char* text) const {
    regmatch_t m;
    return regexec(&re_, text, 1, &m, 0) == 0 && m.rm_so == 0 &&
           static_cast<size_t>(m.rm_eo) == std::strlen(text);
  }

  regex_t re_{};
  bool compiled_ = false;
  const char test_;
  absl::Mutex mu_;
  std::array<uint32_t, 12 * 31 * 7> hours_ ABSL_GUARDED_BY(mu_){};
};

namespace {

// A smartd -s expression is one word with a '/' ("S/../.././02"); a cron
// schedule has five words, the macros start with '@'.
bool LooksLikeSmartd(absl::string_view text) {
  return !absl::StartsWith(text, "@") && text.find('/') != absl::string_view::npos &&
         text.find_first_of(" \t") == absl::string_view::npos;
}

absl::StatusOr<std::shared_ptr<SmartdHours>> ParseSmartd(const std::string& text, char test) {
  if (test == 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("'", text,
                     "' is a smartd -s expression; those schedule self-tests only "
                     "(selftest_short, selftest_long): use cron fields here"));
  }
  if (size_t colon = text.find(':'); colon != std::string::npos) {
    return absl::InvalidArgumentError(
        absl::StrCat("'", text, "': staggered tests (smartd's :NNN) are not supported"));
  }
  // What smartd itself accepts without calling the expression odd.
  if (size_t odd = text.find_first_not_of("]$()*+./?^[|0123456789LSCOncr-");
      odd != std::string::npos) {
    return absl::InvalidArgumentError(
        absl::StrCat("'", text, "': '", text.substr(odd, 1),
                     "' has no place in a smartd -s expression T/MM/DD/d/HH (e.g. "
                     "S/../.././02: short tests daily at 02:00)"));
  }
  auto hours = SmartdHours::Compile(text, test);
  if (!hours.ok()) return hours.status();
  if (!(*hours)->MatchesSomeHour()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "'", text, "' matches no hour of a ", test == 'L' ? "long" : "short", " self-test: no ",
        std::string(1, test), "/MM/DD/d/HH string (d = 1 Monday .. 7 Sunday) matches it whole"));
  }
  return hours;
}

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

absl::StatusOr<Schedule> Schedule::Parse(absl::string_view text, char smartd_test) {
  Schedule s;
  std::string t(absl::StripAsciiWhitespace(text));
  s.text_ = t;
  s.smartd_test_ = smartd_test;
  if (t.empty() || t == "off") {
    s.text_ = "";
    return s;
  }
  if (LooksLikeSmartd(t)) {
    auto hours = ParseSmartd(t, smartd_test);
    if (!hours.ok()) return hours.status();
    s.smartd_ = *std::move(hours);
    s.enabled_ = true;
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
                     "@daily, @weekly, @monthly or @every DURATION",
                     smartd_test != 0 ? ", or a smartd -s expression (S/../.././02)" : ""));
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
  if (smartd_ != nullptr) {
    // The start of the first matching hour after `after`.
    const absl::CivilHour first = absl::ToCivilHour(after, zone) + 1;
    const absl::CivilDay limit = absl::CivilDay(first) + 366 * 5;
    for (absl::CivilDay day(first); day < limit; ++day) {
      const int weekday = static_cast<int>(absl::GetWeekday(day)) + 1;  // Monday = 1
      const uint32_t hours = smartd_->Hours(day.month(), day.day(), weekday);
      for (int hour = day == absl::CivilDay(first) ? first.hour() : 0; hour < 24; ++hour) {
        if (!(hours >> hour & 1)) continue;
        const absl::Time at = zone.At(absl::CivilHour(day) + hour).pre;
        if (at > after) return at;
      }
    }
    return std::nullopt;
  }
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
