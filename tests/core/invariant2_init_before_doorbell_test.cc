// Seed invariant 2, initialise before the doorbell (mpt2sas hard lockup):
// everything the completion path touches is set up before the frame is
// posted, and a command that timed out stays owned (POSTED, marked timed
// out) until the firmware gave it up, so a late reply finds it and never a
// reused one.
//
// Hot path: 8 threads write and read back their own blocks with a 30 ms
// passthrough timeout while another thread keeps arming LATE completions
// whose delay straddles the timeout (20..40 ms: the reply races the TM
// abort) and LOST completions (only the abort gets those back).  Asserted:
// the firmware never faulted (a SMID posted again while the firmware still
// held it would be DOUBLE_POST), every read returned the worker's own
// data, every command ended OK or TIMEOUT, timeouts and late replies did
// happen, and no HBA_WARN_ON fired.
//
// Revert check (done while writing this test): hba_cmd_wait() changed to
// release a timed-out command at once (hba_cmd_finish(cmd,
// HBAMGR_ST_TIMEOUT, NULL) instead of recover_timed_out(), so no TM abort
// and no wait for the firmware).  The test then failed: the SMID was
// reused while the firmware still held it LATE, the firmware faulted with
// DOUBLE_POST ("fw_faults" expectation), the health check reset the
// adapter and commands ended with HBAMGR_ST_RESET ("unexpected").
#include <gtest/gtest.h>

#include <atomic>
#include <random>
#include <thread>

#include "hba_core.h"
#include "support/adapter_fixture.h"
#include "support/io_workload.h"

namespace hbamgr::coretest {
namespace {

TEST(Invariant2InitBeforeDoorbell, LateRepliesAfterTimeoutFindTheirCommand) {
  unsigned long warns = hbacore_warn_count();
  auto sim = SimAdapter::Create(SmallAdapterParams());
  ASSERT_NE(sim, nullptr);

  hba_fw* fw = hba_adapter_fw(sim->get());
  auto consumed = [fw] {
    hba_fw_stats fs;
    hba_fw_get_stats(fw, &fs);
    return fs.replies_late + fs.replies_lost;
  };
  std::atomic<bool> stop{false};
  std::thread injector([&] {
    std::minstd_rand rng(42);
    while (!stop.load()) {
      uint64_t armed = consumed() + 2;
      uint32_t delay = 20 + rng() % 21;
      EXPECT_EQ(sim->Inject(HBAMGR_FAULT_LATE_COMPLETION, 0, 2, delay), 0);
      if (rng() % 4 == 0) {
        EXPECT_EQ(sim->Inject(HBAMGR_FAULT_LOSE_COMPLETION, 0, 1), 0);
        armed++;
      }
      // Re-arm once the firmware used the armed faults up.
      WaitFor([&] { return stop.load() || consumed() >= armed; }, std::chrono::seconds(10));
    }
  });

  IoWorkloadOptions opt;
  opt.workers = 8;
  opt.iterations = 60;
  opt.timeout_ms = 30;
  opt.allow_timeout = true;
  IoWorkloadResult res;
  RunIoWorkload(sim->get(), opt, &res);
  stop = true;
  injector.join();
  EXPECT_EQ(sim->Inject(HBAMGR_FAULT_CLEAR, 0, 0), 0);

  hbacore_stats st = sim->Stats();
  EXPECT_EQ(st.fw_faults, 0u) << "fault code " << st.fw_fault_code;
  EXPECT_EQ(st.reset_count, 0u);
  EXPECT_EQ(res.mismatches.load(), 0u);
  EXPECT_EQ(res.unexpected.load(), 0u);
  EXPECT_EQ(res.ok.load(),
            static_cast<uint64_t>(opt.workers) * static_cast<uint64_t>(opt.iterations));
  EXPECT_GT(res.timeouts.load(), 0u) << "the timeout path was exercised";
  EXPECT_GT(st.aborts, 0u);
  EXPECT_EQ(st.state, HBAMGR_STATE_LIVE);
  EXPECT_TRUE(WaitFor([&] { return sim->Stats().cmds_outstanding == 0; }, std::chrono::seconds(5)));
  sim.reset();
  EXPECT_EQ(hbacore_warn_count(), warns);
}

}  // namespace
}  // namespace hbamgr::coretest
