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
// Two more tests make the mpt2sas race deterministic: the poster of a
// passthrough, and of a TM abort, is held right after its doorbell (test
// point) until the firmware's answer completed the command; the waiter must
// still find that completion.
//
// Revert checks (tests/core/reverts/inv2-*.patch, run by revert-check.sh
// and the ctest core.revert_check): the passthrough re-initialising its
// completion after the doorbell (the call never returns: the bounded wait
// fails naming it and the caller is killed), and the same for the TM abort
// (the abort's answer is lost, the caller resets and the command ends RESET
// instead of TIMEOUT): both caught in every run, plain, ASan and TSan.
#include <gtest/gtest.h>

#include <atomic>
#include <random>
#include <thread>

#include "hba_core.h"
#include "support/adapter_fixture.h"
#include "support/io_workload.h"
#include "support/sim_adapter_test.h"
#include "support/test_points.h"

namespace hbamgr::coretest {
namespace {

using Invariant2InitBeforeDoorbell = SimAdapterTest;

TEST_F(Invariant2InitBeforeDoorbell, LateRepliesAfterTimeoutFindTheirCommand) {
  ASSERT_NO_FATAL_FAILURE(CreateAdapter());
  hba_fw* fw = hba_adapter_fw(sim_->get());
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
      EXPECT_EQ(sim_->Inject(HBAMGR_FAULT_LATE_COMPLETION, 0, 2, delay), 0);
      if (rng() % 4 == 0) {
        EXPECT_EQ(sim_->Inject(HBAMGR_FAULT_LOSE_COMPLETION, 0, 1), 0);
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
  // Timeout, TM abort (at most 2 s) and grace (at most 2 s): far less.
  opt.call_bound = std::chrono::seconds(12);
  IoWorkloadResult res;
  RunIoWorkload(sim_->get(), opt, &res);
  stop = true;
  injector.join();
  EXPECT_EQ(sim_->Inject(HBAMGR_FAULT_CLEAR, 0, 0), 0);

  hbacore_stats st = sim_->Stats();
  EXPECT_EQ(st.fw_faults, 0u) << "fault code " << st.fw_fault_code;
  EXPECT_EQ(st.reset_count, 0u);
  EXPECT_EQ(res.mismatches.load(), 0u);
  EXPECT_EQ(res.unexpected.load(), 0u);
  EXPECT_EQ(res.ok.load(),
            static_cast<uint64_t>(opt.workers) * static_cast<uint64_t>(opt.iterations));
  EXPECT_GT(res.timeouts.load(), 0u) << "the timeout path was exercised";
  EXPECT_GT(st.aborts, 0u);
  EXPECT_EQ(st.state, HBAMGR_STATE_LIVE);
  EXPECT_TRUE(
      WaitFor([&] { return sim_->Stats().cmds_outstanding == 0; }, std::chrono::seconds(5)));
  RemoveAdapter();
}

// The reply comes before the poster even returned from posting: the poster
// is held right after its doorbell until the command's completion is done.
// Everything the completion path touched was set up before the doorbell,
// so the waiter finds the completion and returns at once.
TEST_F(Invariant2InitBeforeDoorbell, CompletionBeforeThePosterReturnsIsNotLost) {
  ASSERT_NO_FATAL_FAILURE(CreateAdapter());
  ASSERT_NO_FATAL_FAILURE(OpenFile());

  std::atomic<bool> armed{true};
  std::atomic<bool> completed_early{false};
  TestPointHandler handler([&](hba_test_point_id id, const void* arg) {
    if (id != HBA_TP_CMD_POSTED) return;
    hbacore_test_cmd c = CmdInfo(arg);
    if (c.adapter != a_ || c.kind != HBACORE_TEST_KIND_PT || !armed.exchange(false)) return;
    completed_early = WaitFor([&] { return CmdInfo(arg).done; }, kPromptBound);
  });

  uint8_t cap[8] = {};
  auto pt =
      ScsiPassthru(0, {0x25, 0, 0, 0, 0, 0, 0, 0, 0, 0}, HBAMGR_DIR_FROM_DEV, cap, sizeof(cap));
  pt.timeout_ms = 60000;
  int ret = -1;
  BackgroundCall call("PASSTHRU (READ CAPACITY(10), completed before its poster returned)",
                      [&] { ret = file_->Ioctl(HBAMGR_IOC_PASSTHRU, &pt); });
  EXPECT_TRUE(call.Returned()) << "the completion was lost";
  EXPECT_TRUE(completed_early.load()) << "the reply never completed the command";
  EXPECT_EQ(ret, 0);
  EXPECT_EQ(pt.status, HBAMGR_ST_OK);
  hbacore_stats st = sim_->Stats();
  EXPECT_EQ(st.timeouts, 0u);
  EXPECT_EQ(st.reset_count, 0u);
  RemoveAdapter();
}

// The same for a TM abort: the firmware answers the abort before the
// aborter returned from posting it.  The abort succeeds (the command ends
// TIMEOUT) without a reset.
TEST_F(Invariant2InitBeforeDoorbell, TmAnswerBeforeTheAborterReturnsIsNotLost) {
  ASSERT_NO_FATAL_FAILURE(CreateAdapter());
  ASSERT_NO_FATAL_FAILURE(OpenFile());

  std::atomic<bool> answered_early{false};
  TestPointHandler handler([&](hba_test_point_id id, const void* arg) {
    if (id != HBA_TP_CMD_POSTED) return;
    hbacore_test_cmd c = CmdInfo(arg);
    if (c.adapter != a_ || c.kind != HBACORE_TEST_KIND_TM) return;
    answered_early = WaitFor([&] { return CmdInfo(arg).done; }, kPromptBound);
  });

  // The firmware holds the reply: the caller times out and aborts it.
  ASSERT_EQ(sim_->Inject(HBAMGR_FAULT_LOSE_COMPLETION, 0, 1), 0);
  uint8_t cap[8] = {};
  auto pt =
      ScsiPassthru(0, {0x25, 0, 0, 0, 0, 0, 0, 0, 0, 0}, HBAMGR_DIR_FROM_DEV, cap, sizeof(cap));
  pt.timeout_ms = 200;
  int ret = -1;
  BackgroundCall call("PASSTHRU (READ CAPACITY(10), 200 ms timeout, reply lost, aborted)",
                      [&] { ret = file_->Ioctl(HBAMGR_IOC_PASSTHRU, &pt); });
  EXPECT_TRUE(call.Returned());
  EXPECT_TRUE(answered_early.load()) << "the firmware never answered the abort";
  EXPECT_EQ(ret, 0);
  EXPECT_EQ(pt.status, HBAMGR_ST_TIMEOUT) << "aborted, not flushed by a reset";
  hbacore_stats st = sim_->Stats();
  EXPECT_EQ(st.timeouts, 1u);
  EXPECT_EQ(st.aborts, 1u);
  EXPECT_EQ(st.reset_count, 0u) << "the abort's answer was lost and the caller reset";
  EXPECT_EQ(st.fw_faults, 0u);
  RemoveAdapter();
}

}  // namespace
}  // namespace hbamgr::coretest
