#include "daemon/health/delivery.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace hbamgr::health {
namespace {

using ::testing::Contains;
using ::testing::HasSubstr;

class DeliveryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/hbamgr-hook-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    ASSERT_EQ(pipe2(log_pipe_, O_CLOEXEC | O_NONBLOCK), 0);
    logger_ =
        std::make_unique<sys::Logger>(sys::LogLevel::kDebug, sys::LogSink::kStderr, log_pipe_[1]);
  }
  void TearDown() override {
    close(log_pipe_[0]);
    close(log_pipe_[1]);
    std::filesystem::remove_all(dir_);
  }
  std::string Script(const std::string& name, const std::string& body) {
    std::string path = dir_ + "/" + name;
    std::ofstream(path) << "#!/bin/sh\n" << body;
    chmod(path.c_str(), 0755);
    return path;
  }
  std::string LogText() {
    std::string out;
    char buf[4096];
    ssize_t n;
    while ((n = read(log_pipe_[0], buf, sizeof(buf))) > 0) out.append(buf, static_cast<size_t>(n));
    return out;
  }
  static Notification Sample() {
    Notification n;
    n.kind = NotificationKind::kRaised;
    n.adapter = "c0";
    n.model = "ST600MM0009";
    n.alert = {.id = 7,
               .object = "/c0/e0/s3",
               .condition = "temperature_critical",
               .severity = 2,
               .message = "drive temperature 65C; $(touch /tmp/pwned) `id`",
               .serial = "SER3",
               .first_seen_ns = absl::ToUnixNanos(absl::FromUnixSeconds(1800000000)),
               .times_sent = 1};
    return n;
  }

  std::string dir_;
  int log_pipe_[2] = {-1, -1};
  std::unique_ptr<sys::Logger> logger_;
};

TEST_F(DeliveryTest, HookGetsTheDocumentedEnvironmentAndNoShell) {
  const std::string out = dir_ + "/env";
  std::string hook = Script("hook", "env > " + out + "\necho hello from the hook\n");
  HookResult r = RunHook(hook, HookEnvironment(Sample()), absl::Seconds(30), logger_.get(), "7");
  EXPECT_TRUE(r.ran) << r.error;
  EXPECT_EQ(r.exit_status, 0);
  EXPECT_FALSE(r.timed_out);
  std::ifstream in(out);
  std::vector<std::string> env;
  for (std::string line; std::getline(in, line);) env.push_back(line);
  for (const char* want :
       {"HBAMGR_ALERT_ID=7", "HBAMGR_ALERT_STATE=raised", "HBAMGR_OBJECT=/c0/e0/s3",
        "HBAMGR_ADAPTER=c0", "HBAMGR_SEVERITY=CRITICAL", "HBAMGR_CONDITION=temperature_critical",
        "HBAMGR_SERIAL=SER3", "HBAMGR_MODEL=ST600MM0009", "HBAMGR_TFIRSTEPOCH=1800000000",
        "HBAMGR_PREVCNT=0"}) {
    EXPECT_THAT(env, Contains(want));
  }
  // The message arrives verbatim: nothing was given to a shell.
  EXPECT_THAT(env, Contains("HBAMGR_MESSAGE=drive temperature 65C; $(touch /tmp/pwned) `id`"));
  EXPECT_THAT(LogText(), HasSubstr("alert hook: hello from the hook"));
}

TEST_F(DeliveryTest, HungHookIsKilledAtItsTimeoutWithWhatItStarted) {
  const std::string pidfile = dir_ + "/child";
  std::string hook = Script("hung", "sleep 600 &\necho $! > " + pidfile + "\nsleep 600\n");
  const absl::Time start = absl::Now();
  HookResult r =
      RunHook(hook, HookEnvironment(Sample()), absl::Milliseconds(500), logger_.get(), "7");
  const absl::Duration took = absl::Now() - start;
  EXPECT_TRUE(r.ran);
  EXPECT_TRUE(r.timed_out);
  EXPECT_EQ(r.Describe(), "killed at its timeout");
  EXPECT_GE(took, absl::Milliseconds(500));
  EXPECT_LT(took, absl::Seconds(30));
  // Its background child went with it (same process group).
  pid_t child = 0;
  std::ifstream(pidfile) >> child;
  ASSERT_GT(child, 0);
  const absl::Time deadline = absl::Now() + absl::Seconds(10);
  bool gone = false;
  while (!gone && absl::Now() < deadline) {
    std::ifstream stat("/proc/" + std::to_string(child) + "/stat");
    std::string state;
    if (stat) {
      std::string line;
      std::getline(stat, line);
      state = line.substr(line.rfind(')') + 2, 1);
    }
    gone = !stat || state == "Z";
  }
  EXPECT_TRUE(gone);
}

TEST_F(DeliveryTest, FailingAndMissingHooksAreReported) {
  HookResult r = RunHook(Script("fails", "exit 3\n"), {}, absl::Seconds(30), logger_.get(), "1");
  EXPECT_EQ(r.exit_status, 3);
  EXPECT_EQ(r.Describe(), "exit status 3");
  HookResult missing = RunHook(dir_ + "/nope", {}, absl::Seconds(30), logger_.get(), "1");
  EXPECT_FALSE(missing.ran);
  EXPECT_THAT(missing.Describe(), HasSubstr("No such file"));
}

TEST_F(DeliveryTest, StreamsGetNotificationsAndASlowOneOverflows) {
  Delivery delivery(logger_.get(), 2);
  auto all = delivery.hub().Subscribe("", [] {});
  auto other = delivery.hub().Subscribe("c1", [] {});
  for (int i = 0; i < 3; ++i) delivery.Send(Sample());
  EXPECT_EQ(all->Take().size(), 2u);
  EXPECT_TRUE(all->overflowed());
  EXPECT_TRUE(other->Take().empty());
  EXPECT_FALSE(other->overflowed());
  EXPECT_THAT(LogText(), HasSubstr("HBAMGR_OBJECT=/c0/e0/s3 HBAMGR_ADAPTER=c0 "
                                   "HBAMGR_SEVERITY=CRITICAL"));
  delivery.hub().Unsubscribe(all);
  delivery.hub().Unsubscribe(other);
}

}  // namespace
}  // namespace hbamgr::health
