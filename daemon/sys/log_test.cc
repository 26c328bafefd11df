#include "daemon/sys/log.h"

#include <fcntl.h>
#include <unistd.h>

#include <cstdlib>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace hbamgr::sys {
namespace {

// A pipe standing in for stderr.
class Pipe {
 public:
  Pipe() {
    int fds[2];
    EXPECT_EQ(pipe2(fds, O_CLOEXEC | O_NONBLOCK), 0);
    read_fd_ = fds[0];
    write_fd_ = fds[1];
  }
  ~Pipe() {
    close(read_fd_);
    close(write_fd_);
  }
  int write_fd() const { return write_fd_; }
  std::string Drain() {
    std::string out;
    char buf[4096];
    ssize_t n;
    while ((n = read(read_fd_, buf, sizeof(buf))) > 0) out.append(buf, static_cast<size_t>(n));
    return out;
  }

 private:
  int read_fd_;
  int write_fd_;
};

TEST(LogLevelTest, ParsesAndNamesEveryLevel) {
  for (LogLevel l : {LogLevel::kError, LogLevel::kWarning, LogLevel::kNotice, LogLevel::kInfo,
                     LogLevel::kDebug}) {
    absl::StatusOr<LogLevel> parsed = ParseLogLevel(LogLevelName(l));
    ASSERT_TRUE(parsed.ok());
    EXPECT_EQ(*parsed, l);
  }
  EXPECT_EQ(LogLevelName(LogLevel::kWarning), "warning");
  EXPECT_FALSE(ParseLogLevel("verbose").ok());
}

TEST(LoggerTest, FormatLineQuotesOnlyWhereNeeded) {
  std::vector<LogField> fields = {
      {"ADAPTER", "0"},  {"EVENT_SEQ", "42"}, {"DESCRIPTION", "VD 1 \"r1\" degraded"},
      {"PATH", "C:\\x"}, {"EMPTY", ""},       {"CTRL", "a\tb\nc\x01"}};
  EXPECT_EQ(Logger::FormatLine(LogLevel::kWarning, "adapter reset", fields),
            "warning: adapter reset ADAPTER=0 EVENT_SEQ=42 DESCRIPTION=\"VD 1 \\\"r1\\\" "
            "degraded\" PATH=\"C:\\\\x\" EMPTY=\"\" CTRL=\"a\\tb\\nc\\x01\"");
  EXPECT_EQ(Logger::FormatLine(LogLevel::kInfo, "ready", {}), "info: ready");
}

TEST(LoggerTest, StderrSinkWritesOneLinePerMessageAndFilters) {
  Pipe pipe;
  Logger log(LogLevel::kInfo, LogSink::kStderr, pipe.write_fd());
  EXPECT_FALSE(log.to_journal());
  log.Log(LogLevel::kInfo, "started", {{"ADAPTER", "1"}});
  log.Log(LogLevel::kDebug, "hidden");
  log.Log(LogLevel::kError, "fault", {{"CODE", "0x2"}});
  EXPECT_EQ(pipe.Drain(), "info: started ADAPTER=1\nerror: fault CODE=0x2\n");
  EXPECT_TRUE(log.Enabled(LogLevel::kNotice));
  EXPECT_FALSE(log.Enabled(LogLevel::kDebug));
}

TEST(LoggerTest, SetMaxLevelChangesTheFilter) {
  Pipe pipe;
  Logger log(LogLevel::kError, LogSink::kStderr, pipe.write_fd());
  log.Log(LogLevel::kWarning, "dropped");
  log.SetMaxLevel(LogLevel::kDebug);
  log.Log(LogLevel::kDebug, "kept");
  EXPECT_EQ(pipe.Drain(), "debug: kept\n");
}

TEST(LoggerTest, AutoUsesStderrWhenItIsNotTheJournalStream) {
  Pipe pipe;
  setenv("JOURNAL_STREAM", "1:1", 1);
  Logger log(LogLevel::kInfo, LogSink::kAuto, pipe.write_fd());
  unsetenv("JOURNAL_STREAM");
  EXPECT_FALSE(log.to_journal());
  log.Log(LogLevel::kInfo, "plain");
  EXPECT_EQ(pipe.Drain(), "info: plain\n");
}

TEST(LoggerTest, AutoUsesTheJournalWhenStderrIsTheJournalStream) {
  Pipe pipe;
  struct stat st;
  ASSERT_EQ(fstat(pipe.write_fd(), &st), 0);
  setenv("JOURNAL_STREAM", (std::to_string(st.st_dev) + ":" + std::to_string(st.st_ino)).c_str(),
         1);
  Logger log(LogLevel::kInfo, LogSink::kAuto, pipe.write_fd());
  unsetenv("JOURNAL_STREAM");
  EXPECT_TRUE(log.to_journal());
}

TEST(LoggerTest, JournalSinkFallsBackToStderrWhenTheJournalIsUnreachable) {
  if (access("/run/systemd/journal/socket", F_OK) == 0) {
    GTEST_SKIP() << "journald is running here; messages would reach it";
  }
  Pipe pipe;
  Logger log(LogLevel::kInfo, LogSink::kJournal, pipe.write_fd());
  log.Log(LogLevel::kNotice, "no journal", {{"ADAPTER", "2"}});
  EXPECT_EQ(pipe.Drain(), "notice: no journal ADAPTER=2\n");
}

}  // namespace
}  // namespace hbamgr::sys
