// Seed invariant 3, open/close/removal lifetime (FreeBSD CAM): an adapter
// removed while open, with calls blocked in it, returns -ENODEV to them and
// frees nothing still referenced; the close path never tears down what the
// remover owns; completion work runs outside the isr on the driver's work
// queue.
//
// Hot path, 6 rounds: the firmware loses every reply, so 6 passthroughs
// (60 s timeout) block in the firmware; 3 readers block in read(); a
// thread opens and closes files meanwhile; then the adapter is removed.
// Asserted: every blocked passthrough and read returns -ENODEV within 5 s
// of the removal, poll reports HUP, later calls -ENODEV, opens after the
// removal -ENODEV, the files are released afterwards (ASan: no
// use-after-free, no leak), no HBA_WARN_ON fired.  A second test churns
// opens/closes during verified I/O: the adapter keeps serving.
//
// The test builds of libhbacore poison freed memory and keep it from reuse
// for a while, and the shim's locks carry a magic: a freed adapter used
// through a file aborts the process at the first access ("lock ... used
// with magic 0x6b6b6b6b"), in plain and TSan builds; ASan reports it as a
// heap-use-after-free.
//
// Revert checks (tests/core/reverts/inv3-*.patch, run by revert-check.sh
// and the ctest core.revert_check): removal freeing the adapter instead of
// dropping its reference, and open/release no longer taking and dropping
// adapter references: both caught in every run, plain, ASan and TSan.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "support/adapter_fixture.h"
#include "support/io_workload.h"
#include "support/test_points.h"

namespace hbamgr::coretest {
namespace {

using Clock = std::chrono::steady_clock;

TEST(Invariant3RemovalLifetime, RemovalWakesBlockedCallsWithEnodev) {
  unsigned long warns = hbacore_warn_count();
  constexpr int kBlockedIoctls = 6;
  constexpr int kReaders = 3;
  for (int round = 0; round < 6; round++) {
    auto sim = SimAdapter::Create(SmallAdapterParams());
    ASSERT_NE(sim, nullptr);
    hba_adapter* a = sim->get();
    ASSERT_EQ(sim->Inject(HBAMGR_FAULT_LOSE_COMPLETION, 0, 1000000), 0);

    std::atomic<bool> removed{false};
    std::atomic<int64_t> removed_at{0};
    std::atomic<int> late_returns{0};
    std::atomic<int> wrong{0};
    auto returned_promptly = [&] {
      int64_t now = Clock::now().time_since_epoch().count();
      if (now - removed_at.load() >
          std::chrono::duration_cast<Clock::duration>(std::chrono::seconds(5)).count())
        late_returns++;
    };
    auto after_removal = [&](hba_file* f) {
      hbamgr_event ev;
      if (hbacore_poll(f) != HBACORE_POLLHUP) wrong++;
      if (hbacore_read(f, &ev, sizeof(ev), true) != -ENODEV) wrong++;
      hbamgr_info info{};
      info.size = sizeof(info);
      if (hbacore_ioctl(f, HBAMGR_IOC_GET_INFO, &info, true) != -ENODEV) wrong++;
      hbacore_release(f);
    };

    std::vector<hba_file*> files(kBlockedIoctls + kReaders);
    for (auto& f : files) ASSERT_EQ(hbacore_open(a, &f), 0);
    // The blocked calls return at the removal, long before this.
    CallWatchdog watchdog;
    constexpr std::chrono::seconds kBlockedBound{45};
    std::vector<std::thread> threads;
    for (int i = 0; i < kBlockedIoctls; i++) {
      threads.emplace_back([&, i, f = files[i]] {
        uint8_t buf[4096];
        auto pt = ScsiPassthru(0, Read10(i, 1), HBAMGR_DIR_FROM_DEV, buf, 512);
        pt.timeout_ms = 60000;
        int ret;
        {
          CallWatchdog::Scope scope(&watchdog,
                                    "blocked PASSTHRU " + std::to_string(i) + " (round " +
                                        std::to_string(round) + ")",
                                    kBlockedBound);
          ret = hbacore_ioctl(f, HBAMGR_IOC_PASSTHRU, &pt, true);
        }
        returned_promptly();
        if (ret != -ENODEV || !removed.load()) wrong++;
        after_removal(f);
      });
    }
    for (int i = 0; i < kReaders; i++) {
      threads.emplace_back([&, f = files[kBlockedIoctls + i]] {
        hbamgr_event ev;
        // Whatever events are queued first, the last read is -ENODEV.
        ssize_t n;
        {
          CallWatchdog::Scope scope(&watchdog,
                                    "blocked read() (round " + std::to_string(round) + ")",
                                    kBlockedBound);
          while ((n = hbacore_read(f, &ev, sizeof(ev), false)) > 0) {
          }
        }
        returned_promptly();
        if (n != -ENODEV || !removed.load()) wrong++;
        after_removal(f);
      });
    }
    // Opens and closes race the blocked calls until just before removal
    // (the adapter pointer itself is not valid once removal started).
    std::atomic<bool> churn_stop{false};
    std::thread churn([&] {
      while (!churn_stop.load()) {
        hba_file* f;
        if (hbacore_open(a, &f) != 0) {
          wrong++;
          return;
        }
        hbacore_release(f);
      }
    });
    // Keeps the adapter's memory alive after removal, so an open on it can
    // still be tried.
    hba_file* keeper;
    ASSERT_EQ(hbacore_open(a, &keeper), 0);

    // Every passthrough is posted and held by the firmware.
    ASSERT_TRUE(WaitFor([&] { return sim->Stats().cmds_outstanding == kBlockedIoctls; },
                        std::chrono::seconds(10)));
    churn_stop = true;
    churn.join();
    removed_at = Clock::now().time_since_epoch().count();
    removed = true;
    sim->Remove();
    for (auto& t : threads) t.join();
    hba_file* late;
    EXPECT_EQ(hbacore_open(a, &late), -ENODEV) << "open after removal";
    after_removal(keeper);
    EXPECT_EQ(wrong.load(), 0) << "round " << round;
    EXPECT_EQ(late_returns.load(), 0) << "round " << round;
  }
  EXPECT_EQ(hbacore_warn_count(), warns);
}

TEST(Invariant3RemovalLifetime, CloseChurnDuringIoLeavesTheAdapterServing) {
  unsigned long warns = hbacore_warn_count();
  auto sim = SimAdapter::Create(SmallAdapterParams());
  ASSERT_NE(sim, nullptr);
  std::atomic<bool> stop{false};
  std::atomic<int> opens{0};
  std::thread churn([&] {
    while (!stop.load()) {
      auto f = SimFile::Open(sim->get());
      if (f == nullptr) return;
      hbamgr_info info = f->Info();
      EXPECT_EQ(info.state, HBAMGR_STATE_LIVE);
      opens++;
    }
  });
  IoWorkloadOptions opt;
  opt.workers = 6;
  opt.iterations = 100;
  IoWorkloadResult res;
  RunIoWorkload(sim->get(), opt, &res);
  stop = true;
  churn.join();
  EXPECT_GT(opens.load(), 0);
  EXPECT_EQ(res.ok.load(), 600u);
  EXPECT_EQ(res.mismatches.load(), 0u);
  EXPECT_EQ(res.unexpected.load(), 0u);
  hbacore_stats st = sim->Stats();
  EXPECT_EQ(st.state, HBAMGR_STATE_LIVE);
  EXPECT_EQ(st.fw_faults, 0u);
  sim.reset();
  EXPECT_EQ(hbacore_warn_count(), warns);
}

}  // namespace
}  // namespace hbamgr::coretest
