#include "daemon/store/maintenance.h"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>
#include <vector>

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

// The writer makes no checkpoint of its own (its fsyncs would stall event
// ingestion); the maintenance thread's keep the write-ahead log bounded under
// continuous writes even while readers are always on an older snapshot (which
// keeps any checkpoint from finishing, so the log never starts over by
// itself: with SQLite's auto-checkpoint on the writer it grew to 55 MB here,
// all of it).  The bound leaves room for a loaded machine, where the
// maintenance thread and the readers run late.
TEST_F(MaintenanceTest, WalStaysBoundedUnderContinuousWritesAndReaders) {
  constexpr uint64_t kWalLimit = 2 << 20;
  constexpr int kBatches = 120;  // of 1024 events: 55 MB of log unbounded
  // A reader descheduled on a loaded machine may outlast the checkpoint's
  // wait: retry soon.
  auto opened = Store::Open((dir_ / "wal.db").string(),
                            {.wal_limit_bytes = kWalLimit,
                             .wal_limit_retry_after = absl::Milliseconds(50)});
  ASSERT_TRUE(opened.ok()) << opened.status();
  Store& store = **opened;
  MaintenanceOptions options;
  options.checkpoint_every = absl::Milliseconds(20);
  Maintenance maintenance(&store, options, nullptr);

  std::atomic<bool> writing{true};
  std::atomic<uint64_t> queries{0};
  std::vector<std::thread> readers;
  for (int i = 0; i < 2; ++i) {
    readers.emplace_back([&] {
      while (writing) {
        (void)store.QueryEvents({.adapter = 0, .limit = 2000, .newest_first = true});
        ++queries;
      }
    });
  }
  uint64_t seq = 0;
  uint64_t max_wal = 0;
  absl::Status failed;
  std::vector<EventRow> batch(1024);
  for (int b = 0; b < kBatches && failed.ok(); ++b) {
    for (EventRow& row : batch) {
      ++seq;
      row = {.adapter = 0, .seq = seq, .timestamp_ns = seq, .code = 0x0101,
             .description = std::string(48, 'x')};
    }
    failed = store.AddEvents(batch).status();
    max_wal = std::max(max_wal, store.WalBytes());
  }
  writing = false;
  for (std::thread& t : readers) t.join();
  ASSERT_TRUE(failed.ok()) << failed;
  EXPECT_GT(queries.load(), 0u);
  EXPECT_LE(max_wal, 8 * kWalLimit) << "the write-ahead log grew to " << max_wal << " bytes";
}

}  // namespace
}  // namespace hbamgr::store
