#include "daemon/store/maintenance.h"

#include <unistd.h>

#include <filesystem>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"

namespace hbamgr::store {
namespace {

constexpr absl::Duration kWait = absl::Seconds(30);

class MaintenanceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / absl::StrCat("hbamgr-maint-", getpid());
    std::filesystem::create_directories(dir_);
    auto store = Store::Open((dir_ / "hbamgrd.db").string());
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = std::move(*store);
  }
  void TearDown() override {
    store_.reset();
    std::filesystem::remove_all(dir_);
  }
  void AddOldHealthRows(int n) {
    for (int i = 0; i < n; ++i) {
      ASSERT_TRUE(store_->AddHealth({.time_ns = i + 1, .state = "SERVING"}).ok());
    }
  }

  std::filesystem::path dir_;
  std::unique_ptr<Store> store_;
};

// Retention runs on the maintenance thread, after a delay (the daemon
// serves first), in batches, and reports what it deleted.
TEST_F(MaintenanceTest, RetentionRunsOffTheCallingThreadInBatches) {
  AddOldHealthRows(25);
  absl::Mutex mu;
  std::optional<absl::StatusOr<RetentionResult>> reported;
  MaintenanceOptions options;
  options.retention = {.health_max_age = absl::Hours(1), .batch = 10};
  options.first_retention_after = absl::Milliseconds(10);
  Maintenance maintenance(store_.get(), options,
                          [&](const absl::StatusOr<RetentionResult>& result, absl::Duration) {
                            absl::MutexLock lock(&mu);
                            reported = result;
                          });
  absl::MutexLock lock(&mu);
  ASSERT_TRUE(mu.AwaitWithTimeout(
      absl::Condition(
          +[](std::optional<absl::StatusOr<RetentionResult>>* r) { return r->has_value(); },
          &reported),
      kWait));
  ASSERT_TRUE(reported->ok()) << reported->status();
  EXPECT_EQ((*reported)->health_deleted, 25u);
  EXPECT_EQ((*reported)->batches, 3u);
}

// Stop ends a pass between two batches.
TEST_F(MaintenanceTest, StopEndsAPassBetweenBatches) {
  AddOldHealthRows(200);
  MaintenanceOptions options;
  options.retention = {.health_max_age = absl::Hours(1), .batch = 1};
  options.first_retention_after = absl::ZeroDuration();
  {
    Maintenance maintenance(store_.get(), options, nullptr);
    maintenance.Stop();
  }
  // Some (maybe none) deleted, but not necessarily all: it stopped.
  auto left = store_->QueryHealth({});
  ASSERT_TRUE(left.ok());
  EXPECT_LE(left->size(), 200u);
}

}  // namespace
}  // namespace hbamgr::store
