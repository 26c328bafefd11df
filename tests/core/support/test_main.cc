// main() of every core test executable: GoogleTest plus a per-test bound.
// A test still running after kTestBound fails with a message naming it
// (and the driver calls it has in flight are ended as by a fatal signal:
// every killable wait returns -EINTR); if it has not ended kKillBound after
// that, the process aborts with the message.  So a driver hang anywhere in
// a test, even in a call no narrower bound watches, is a red test with a
// reason, never a stuck run.  HBAMGR_TEST_BOUND_S overrides kTestBound (the
// qemu guests, where the ABI suite runs slower).
#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <string>
#include <thread>

#include "hbacore_test.h"

namespace {

constexpr std::chrono::seconds kTestBound{240};
constexpr std::chrono::seconds kKillBound{30};

class TestBound : public testing::EmptyTestEventListener {
 public:
  explicit TestBound(std::chrono::seconds bound) : bound_(bound), thread_([this] { Run(); }) {}
  ~TestBound() override {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stop_ = true;
      cv_.notify_all();
    }
    thread_.join();
  }

  void OnTestStart(const testing::TestInfo& info) override {
    hbacore_test_kill_all(false);
    std::lock_guard<std::mutex> lock(mu_);
    name_ = std::string(info.test_suite_name()) + "." + info.name();
    deadline_ = std::chrono::steady_clock::now() + bound_;
    running_ = true;
    cv_.notify_all();
  }
  void OnTestEnd(const testing::TestInfo&) override {
    std::lock_guard<std::mutex> lock(mu_);
    running_ = false;
    cv_.notify_all();
  }

 private:
  void Run() {
    std::unique_lock<std::mutex> lock(mu_);
    while (!stop_) {
      if (!running_) {
        cv_.wait(lock);
        continue;
      }
      auto deadline = deadline_;
      if (cv_.wait_until(lock, deadline, [&] { return stop_ || !running_ || deadline_ != deadline; }))
        continue;
      std::fprintf(stderr,
                   "FAILURE: %s did not finish within %lld s: ending its driver calls as by a "
                   "fatal signal\n",
                   name_.c_str(), static_cast<long long>(bound_.count()));
      ADD_FAILURE() << name_ << " did not finish within " << bound_.count() << " s";
      hbacore_test_kill_all(true);
      if (!cv_.wait_for(lock, kKillBound, [&] { return stop_ || !running_; })) {
        std::fprintf(stderr, "FATAL: %s still running %lld s later: aborting\n", name_.c_str(),
                     static_cast<long long>(kKillBound.count()));
        std::abort();
      }
    }
  }

  const std::chrono::seconds bound_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;     // guarded by mu_
  bool running_ = false;  // guarded by mu_
  std::string name_;      // guarded by mu_
  std::chrono::steady_clock::time_point deadline_;  // guarded by mu_
  std::thread thread_;
};

}  // namespace

int main(int argc, char** argv) {
  testing::InitGoogleTest(&argc, argv);
  std::chrono::seconds bound = kTestBound;
  if (const char* env = std::getenv("HBAMGR_TEST_BOUND_S")) bound = std::chrono::seconds(std::atol(env));
  // Owned by GoogleTest's listener list from here on.
  testing::UnitTest::GetInstance()->listeners().Append(new TestBound(bound));
  return RUN_ALL_TESTS();
}
