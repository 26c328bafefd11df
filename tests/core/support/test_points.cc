#include "support/test_points.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>

namespace hbamgr::coretest {

TestPointHandler::TestPointHandler(Fn fn) : fn_(std::move(fn)) {
  hbacore_test_set_point_handler(&TestPointHandler::Call, this);
}

TestPointHandler::~TestPointHandler() {
  hbacore_test_watch_atomic(nullptr);
  hbacore_test_set_point_handler(nullptr, nullptr);
}

void TestPointHandler::Call(void* ctx, hba_test_point_id id, const void* arg) {
  static_cast<TestPointHandler*>(ctx)->fn_(id, arg);
}

hbacore_test_cmd CmdInfo(const void* cmd) {
  hbacore_test_cmd info;
  hbacore_test_cmd_info(cmd, &info);
  return info;
}

void Gate::Hold() {
  std::unique_lock<std::mutex> lock(mu_);
  held_++;
  cv_.notify_all();
  if (!cv_.wait_for(lock, kHoldBound, [&] { return open_; }))
    ADD_FAILURE() << what_ << ": a driver thread was held for " << kHoldBound.count()
                  << " ms and never let go; releasing it";
  held_--;
}

bool Gate::WaitHeld(std::chrono::milliseconds bound) {
  std::unique_lock<std::mutex> lock(mu_);
  if (cv_.wait_for(lock, bound, [&] { return held_ > 0; })) return true;
  ADD_FAILURE() << what_ << ": no driver thread arrived within " << bound.count() << " ms";
  return false;
}

void Gate::Open() {
  std::lock_guard<std::mutex> lock(mu_);
  open_ = true;
  cv_.notify_all();
}

BackgroundCall::BackgroundCall(std::string what, std::function<void()> fn)
    : what_(std::move(what)) {
  thread_ = std::thread([this, fn = std::move(fn)] {
    {
      std::lock_guard<std::mutex> lock(mu_);
      task_ = hbacore_test_task_self();
    }
    fn();
    std::lock_guard<std::mutex> lock(mu_);
    done_ = true;
    cv_.notify_all();
  });
}

BackgroundCall::~BackgroundCall() {
  if (!joined_) Returned();
}

bool BackgroundCall::Returned(std::chrono::milliseconds bound) {
  // After a kill, a killable wait notices within milliseconds; a call
  // still not back by then is stuck in something no signal ends.
  constexpr std::chrono::seconds kKillBound{30};
  bool in_time;
  {
    std::unique_lock<std::mutex> lock(mu_);
    in_time = cv_.wait_for(lock, bound, [&] { return done_; });
    if (!in_time) {
      ADD_FAILURE() << what_ << " did not return within " << bound.count()
                    << " ms; killing the calling thread (its killable waits end with -EINTR)";
      if (task_ != nullptr) hbacore_test_task_kill(task_);
      if (!cv_.wait_for(lock, kKillBound, [&] { return done_; })) {
        std::fprintf(stderr,
                     "FATAL: %s did not return within %lld ms, nor %lld s after its thread was "
                     "killed: aborting the test process\n",
                     what_.c_str(), static_cast<long long>(bound.count()),
                     static_cast<long long>(kKillBound.count()));
        std::abort();
      }
    }
  }
  thread_.join();
  joined_ = true;
  return in_time;
}

CallWatchdog::CallWatchdog() : thread_([this] { Run(); }) {}

CallWatchdog::~CallWatchdog() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
    cv_.notify_all();
  }
  thread_.join();
}

CallWatchdog::Scope::Scope(CallWatchdog* wd, std::string what, std::chrono::milliseconds bound)
    : wd_(wd) {
  std::lock_guard<std::mutex> lock(wd_->mu_);
  id_ = wd_->next_id_++;
  wd_->in_flight_[id_] =
      Call{std::move(what), std::chrono::steady_clock::now() + bound, hbacore_test_task_self()};
}

CallWatchdog::Scope::~Scope() {
  std::lock_guard<std::mutex> lock(wd_->mu_);
  wd_->in_flight_.erase(id_);
}

void CallWatchdog::Run() {
  constexpr std::chrono::seconds kKillBound{30};
  std::unique_lock<std::mutex> lock(mu_);
  while (!stop_) {
    auto now = std::chrono::steady_clock::now();
    for (auto& [id, call] : in_flight_) {
      if (!call.killed && now > call.deadline) {
        ADD_FAILURE() << call.what << " did not return within its bound; killing the calling "
                      << "thread (its killable waits end with -EINTR)";
        hbacore_test_task_kill(call.task);
        call.killed = true;
      } else if (call.killed && now > call.deadline + kKillBound) {
        std::fprintf(stderr,
                     "FATAL: %s did not return, nor %lld s after its thread was killed: "
                     "aborting the test process\n",
                     call.what.c_str(), static_cast<long long>(kKillBound.count()));
        std::abort();
      }
    }
    cv_.wait_for(lock, std::chrono::milliseconds(100));
  }
}

}  // namespace hbamgr::coretest
