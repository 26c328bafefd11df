#include "daemon/sys/log.h"

#include <sys/stat.h>
#include <sys/uio.h>
#include <systemd/sd-journal.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/string_view.h"

namespace hbamgr::sys {
namespace {

struct LevelName {
  LogLevel level;
  absl::string_view name;
};
constexpr LevelName kLevelNames[] = {
    {LogLevel::kError, "error"}, {LogLevel::kWarning, "warning"}, {LogLevel::kNotice, "notice"},
    {LogLevel::kInfo, "info"},   {LogLevel::kDebug, "debug"},
};

constexpr char kJournalSocket[] = "/run/systemd/journal/socket";

// systemd sets JOURNAL_STREAM="<dev>:<ino>" for a service whose stderr is a
// journal stream; only then is the journal the natural destination.
bool StderrIsJournal(int fd) {
  const char* stream = getenv("JOURNAL_STREAM");
  if (stream == nullptr) return false;
  unsigned long long dev = 0, ino = 0;
  if (sscanf(stream, "%llu:%llu", &dev, &ino) != 2) return false;
  struct stat st;
  if (fstat(fd, &st) != 0) return false;
  return st.st_dev == dev && st.st_ino == ino;
}

bool NeedsQuoting(absl::string_view value) {
  if (value.empty()) return true;
  for (unsigned char c : value) {
    if (c <= ' ' || c == '"' || c == '\\' || c == 0x7f) return true;
  }
  return false;
}

void AppendQuoted(std::string* out, absl::string_view value) {
  out->push_back('"');
  for (unsigned char c : value) {
    switch (c) {
      case '"':
        out->append("\\\"");
        break;
      case '\\':
        out->append("\\\\");
        break;
      case '\n':
        out->append("\\n");
        break;
      case '\t':
        out->append("\\t");
        break;
      default:
        if (c < ' ' || c == 0x7f) {
          absl::StrAppendFormat(out, "\\x%02x", c);
        } else {
          out->push_back(static_cast<char>(c));
        }
    }
  }
  out->push_back('"');
}

}  // namespace

absl::StatusOr<LogLevel> ParseLogLevel(absl::string_view name) {
  for (const LevelName& l : kLevelNames) {
    if (l.name == name) return l.level;
  }
  return absl::InvalidArgumentError(
      absl::StrCat("unknown log level '", name, "' (error, warning, notice, info or debug)"));
}

absl::string_view LogLevelName(LogLevel level) {
  for (const LevelName& l : kLevelNames) {
    if (l.level == level) return l.name;
  }
  return "unknown";
}

Logger::Logger(LogLevel max_level, LogSink sink, int stderr_fd)
    : max_level_(static_cast<int>(max_level)),
      to_journal_(sink == LogSink::kJournal ||
                  (sink == LogSink::kAuto && StderrIsJournal(stderr_fd))),
      stderr_fd_(stderr_fd) {}

bool Logger::Enabled(LogLevel level) const {
  return static_cast<int>(level) <= max_level_.load(std::memory_order_relaxed);
}

void Logger::SetMaxLevel(LogLevel level) {
  max_level_.store(static_cast<int>(level), std::memory_order_relaxed);
}

void Logger::Log(LogLevel level, absl::string_view message,
                 std::initializer_list<LogField> fields) {
  Log(level, message, std::span<const LogField>(fields.begin(), fields.size()));
}

void Logger::Log(LogLevel level, absl::string_view message, std::span<const LogField> fields) {
  if (!Enabled(level)) return;
  if (to_journal_ && SendToJournal(level, message, fields)) return;
  WriteLine(FormatLine(level, message, fields));
}

std::string Logger::FormatLine(LogLevel level, absl::string_view message,
                               std::span<const LogField> fields) {
  std::string line = absl::StrCat(LogLevelName(level), ": ", message);
  for (const LogField& f : fields) {
    absl::StrAppend(&line, " ", f.name, "=");
    if (NeedsQuoting(f.value)) {
      AppendQuoted(&line, f.value);
    } else {
      line.append(f.value);
    }
  }
  return line;
}

bool Logger::SendToJournal(LogLevel level, absl::string_view message,
                           std::span<const LogField> fields) {
  // sd_journal_send reports success when journald's socket is missing
  // ("fail silently"), so check for it to fall back to stderr instead.
  if (access(kJournalSocket, W_OK) != 0) return false;
  std::vector<std::string> items;
  items.reserve(fields.size() + 3);
  items.push_back(absl::StrCat("MESSAGE=", message));
  items.push_back(absl::StrCat("PRIORITY=", static_cast<int>(level)));
  items.push_back("SYSLOG_IDENTIFIER=hbamgrd");
  for (const LogField& f : fields) items.push_back(absl::StrCat(f.name, "=", f.value));
  std::vector<iovec> iov;
  iov.reserve(items.size());
  for (std::string& item : items) iov.push_back({item.data(), item.size()});
  return sd_journal_sendv(iov.data(), static_cast<int>(iov.size())) == 0;
}

void Logger::WriteLine(const std::string& line) {
  std::string out = line + "\n";
  absl::MutexLock lock(&write_mu_);
  absl::string_view rest = out;
  while (!rest.empty()) {
    ssize_t n = write(stderr_fd_, rest.data(), rest.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return;  // nowhere left to report a logging failure
    }
    rest.remove_prefix(static_cast<size_t>(n));
  }
}

}  // namespace hbamgr::sys
