// Deterministic races and bounded calls for the core tests, on libhbacore's
// test-only API (hbacore_test.h): a handler for the core's test points, a
// Gate that holds the thread reaching a point until the test lets it go,
// and BackgroundCall, a driver call in its own thread that must return
// within a bound (else the test fails naming it, and the thread is
// "killed": its killable waits return -EINTR, as a SIGKILL ends them in
// the kernel).
#ifndef HBAMGR_TESTS_CORE_SUPPORT_TEST_POINTS_H_
#define HBAMGR_TESTS_CORE_SUPPORT_TEST_POINTS_H_

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>

#include "hbacore_test.h"

namespace hbamgr::coretest {

// How long a test waits for something the driver does in microseconds
// when it works: generous for a loaded machine and the TSan build, short
// enough that a revert the test must catch costs little.
inline constexpr std::chrono::milliseconds kPromptBound{10000};

// Installs fn as the handler of every test point for its lifetime.  fn runs
// in the thread that reached the point and may block (Gate::Hold).
class TestPointHandler {
 public:
  using Fn = std::function<void(hba_test_point_id id, const void* arg)>;
  explicit TestPointHandler(Fn fn);
  // Removes the handler; returns once no call of it runs.  Open the gates
  // it holds threads at first.
  ~TestPointHandler();
  TestPointHandler(const TestPointHandler&) = delete;
  TestPointHandler& operator=(const TestPointHandler&) = delete;

 private:
  static void Call(void* ctx, hba_test_point_id id, const void* arg);
  Fn fn_;
};

// What a test point's struct hba_cmd argument is.
hbacore_test_cmd CmdInfo(const void* cmd);

// Holds the threads that call Hold() until Open().  A thread is held at most
// kHoldBound: then the test fails naming the gate and the thread goes on,
// so a broken test never leaves a driver thread stuck.
class Gate {
 public:
  static constexpr std::chrono::milliseconds kHoldBound{60000};
  explicit Gate(std::string what) : what_(std::move(what)) {}
  ~Gate() { Open(); }
  Gate(const Gate&) = delete;
  Gate& operator=(const Gate&) = delete;

  // From a test point handler: hold the calling thread.
  void Hold();
  // Test thread: wait until a thread is held; false and a failure naming
  // the gate when none came within bound.
  bool WaitHeld(std::chrono::milliseconds bound = kPromptBound);
  void Open();
  bool held() {
    std::lock_guard<std::mutex> lock(mu_);
    return held_ > 0;
  }

 private:
  const std::string what_;
  std::mutex mu_;
  std::condition_variable cv_;
  int held_ = 0;       // guarded by mu_
  bool open_ = false;  // guarded by mu_
};

// A call into the driver in its own thread.  Returned() waits at most a
// bound for it; if it has not returned by then, the test fails with
// "<what> did not return within N ms", the thread is killed (emulated fatal
// signal) and waited for, and if even that does not end it the process
// aborts with the message: a hang is a red test with a reason, never a
// stuck run.
class BackgroundCall {
 public:
  BackgroundCall(std::string what, std::function<void()> fn);
  // Waits (kPromptBound) unless Returned() was called.
  ~BackgroundCall();
  BackgroundCall(const BackgroundCall&) = delete;
  BackgroundCall& operator=(const BackgroundCall&) = delete;

  // True when the call returned within bound (it has returned either way
  // when this returns).
  bool Returned(std::chrono::milliseconds bound = kPromptBound);

 private:
  const std::string what_;
  std::mutex mu_;
  std::condition_variable cv_;
  void* task_ = nullptr;  // guarded by mu_
  bool done_ = false;     // guarded by mu_
  bool joined_ = false;
  std::thread thread_;
};

// Bounds for calls made on threads a test does not wait on one by one
// (the workers of a stress): each call is a Scope; one still in flight
// after its bound fails the test naming it ("<what> did not return within N
// ms"), and its thread is killed (its killable waits end with -EINTR) so the
// stress ends with a reason instead of hanging.  If even that does not end
// the call, the process aborts with the message.
class CallWatchdog {
 public:
  CallWatchdog();
  ~CallWatchdog();
  CallWatchdog(const CallWatchdog&) = delete;
  CallWatchdog& operator=(const CallWatchdog&) = delete;

  class Scope {
   public:
    Scope(CallWatchdog* wd, std::string what, std::chrono::milliseconds bound);
    ~Scope();
    Scope(const Scope&) = delete;
    Scope& operator=(const Scope&) = delete;

   private:
    CallWatchdog* wd_;
    uint64_t id_;
  };

 private:
  struct Call {
    std::string what;
    std::chrono::steady_clock::time_point deadline;
    void* task;
    bool killed = false;
  };
  void Run();

  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;                  // guarded by mu_
  uint64_t next_id_ = 0;               // guarded by mu_
  std::map<uint64_t, Call> in_flight_;  // guarded by mu_
  std::thread thread_;
};

}  // namespace hbamgr::coretest

#endif  // HBAMGR_TESTS_CORE_SUPPORT_TEST_POINTS_H_
