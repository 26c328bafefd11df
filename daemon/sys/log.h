// Structured logging for hbamgrd: journald fields (sd_journal_send) when the
// journal is reachable, one line per message on stderr otherwise.
#ifndef HBAMGR_DAEMON_SYS_LOG_H_
#define HBAMGR_DAEMON_SYS_LOG_H_

#include <atomic>
#include <initializer_list>
#include <span>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"

namespace hbamgr::sys {

// syslog priorities, as journald's PRIORITY= field.
enum class LogLevel {
  kError = 3,
  kWarning = 4,
  kNotice = 5,
  kInfo = 6,
  kDebug = 7,
};

// "error" | "warning" | "notice" | "info" | "debug".
absl::StatusOr<LogLevel> ParseLogLevel(absl::string_view name);
absl::string_view LogLevelName(LogLevel level);

// A journald field.  `name` must be uppercase letters, digits and '_', not
// starting with '_' (journald's rule), e.g. ADAPTER, EVENT_SEQ, CODE, PEER.
struct LogField {
  absl::string_view name{};
  std::string value{};
};

enum class LogSink {
  // The journal when stderr is connected to it (JOURNAL_STREAM, as set by
  // systemd for services), stderr otherwise.
  kAuto,
  kJournal,  // falls back to stderr for a message the journal refuses
  kStderr,
};

// Thread-safe.
class Logger {
 public:
  // `stderr_fd` is where stderr lines go (tests pass a pipe).
  explicit Logger(LogLevel max_level, LogSink sink = LogSink::kAuto, int stderr_fd = 2);

  // Drops messages less important than max_level (e.g. kDebug at kInfo).
  void Log(LogLevel level, absl::string_view message, std::initializer_list<LogField> fields = {});
  void Log(LogLevel level, absl::string_view message, std::span<const LogField> fields);

  bool Enabled(LogLevel level) const;
  void SetMaxLevel(LogLevel level);  // e.g. on SIGHUP after re-reading config
  bool to_journal() const { return to_journal_; }

  // The stderr form, without the newline:
  //   "<level>: <message> NAME=value NAME2="value with spaces""
  // A value with a space, '"', '\\' or a control character is quoted with C
  // escapes; an empty value is "".
  static std::string FormatLine(LogLevel level, absl::string_view message,
                                std::span<const LogField> fields);

 private:
  bool SendToJournal(LogLevel level, absl::string_view message, std::span<const LogField> fields);
  void WriteLine(const std::string& line);

  std::atomic<int> max_level_;
  const bool to_journal_;
  const int stderr_fd_;
  absl::Mutex write_mu_;  // keeps stderr lines whole; protects no data; a leaf lock
};

}  // namespace hbamgr::sys

#endif  // HBAMGR_DAEMON_SYS_LOG_H_
