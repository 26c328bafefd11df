// A timed-out command whose completion arrives while the recovery waits for
// it (kmod/core/drv/tm.c): the waiter returns with the command's result.
//
// The bug (found by gdb on stuck test workers): wait_finished() looped
// while (!completion_done(&cmd->done)) around a timed wait.  A wait that
// returns > 0 consumed the completion (as the kernel's wait_for_completion*
// do), so when the reply, or the reset's flush, completed the command while
// the loop slept, completion_done() was false again and the caller slept
// forever (in the kernel: until killed).
//
// Both races are made to happen in every run with the core's test points
// (hbacore_test.h): the thread that would complete the command is held
// until the recovering caller sleeps in its last wait, then let go.
//   - During abort: the reply arrives, but its completion work is held; the
//     caller times out, the TM abort gets no answer in time (NOT_FOUND and
//     no reply, or no TM reply at all), the caller resets the adapter and
//     waits; then the held completion work completes the command (OK).
//   - During reset: the reply is lost; a reset is held just before its
//     flush; the caller times out, cannot abort (RESETTING) and waits; then
//     the reset flushes the command (RESET).
// Each call must return within kPromptBound of the completion.
//
// Seen before the fix: both tests failed with "PASSTHRU (READ(10) ...) did
// not return within 10000 ms", the killed caller then returned -EINTR.
#include <gtest/gtest.h>

#include <atomic>
#include <cstring>
#include <vector>

#include "support/adapter_fixture.h"
#include "support/io_workload.h"
#include "support/sim_adapter_test.h"
#include "support/test_points.h"

namespace hbamgr::coretest {
namespace {

using RecoveryRace = SimAdapterTest;

constexpr uint32_t kTimeoutMs = 200;

// The caller both races are about: READ(10) of VD 0's lba 7 with a short
// timeout.
struct Call {
  void Read(SimFile* f, uint32_t bs) {
    pt = ScsiPassthru(0, Read10(7, 1), HBAMGR_DIR_FROM_DEV, data.data(), bs);
    pt.timeout_ms = kTimeoutMs;
    ret = f->Ioctl(HBAMGR_IOC_PASSTHRU, &pt);
  }

  int ret = -1;
  hbamgr_passthru pt{};
  std::vector<uint8_t> data = std::vector<uint8_t>(4096, 0);
};

// The command at `smid` has its caller sleeping in the recovery's wait.
bool CallerWaits(hba_adapter* a, uint32_t smid) {
  hbacore_test_cmd c;
  return hbacore_test_smid_info(a, smid, &c) && c.waiters == 1;
}

// Writes a pattern to VD 0 at lba 7, so the read below has something to find.
void WritePattern(SimFile* f, std::vector<uint8_t>* pattern, uint32_t bs) {
  pattern->resize(bs);
  for (uint32_t i = 0; i < bs; i++) (*pattern)[i] = static_cast<uint8_t>(i * 7 + 3);
  auto wr = ScsiPassthru(0, Write10(7, 1), HBAMGR_DIR_TO_DEV, pattern->data(), bs);
  ASSERT_EQ(f->Ioctl(HBAMGR_IOC_PASSTHRU, &wr), 0);
  ASSERT_EQ(wr.status, HBAMGR_ST_OK);
}

TEST_F(RecoveryRace, ReplyArrivingDuringAbortRecoveryWakesTheCaller) {
  ASSERT_NO_FATAL_FAILURE(CreateAdapter());
  ASSERT_NO_FATAL_FAILURE(OpenFile());
  uint32_t bs = VdBlockSize(file_->get(), 0);
  ASSERT_NE(bs, 0u);
  std::vector<uint8_t> pattern;
  WritePattern(file_.get(), &pattern, bs);

  // Hold the completion work at the first passthrough reply from now on.
  Gate reply_gate("completion work holding the passthrough's reply");
  std::atomic<bool> armed{true};
  std::atomic<uint32_t> victim{0};
  TestPointHandler handler([&](hba_test_point_id id, const void* arg) {
    if (id != HBA_TP_REPLY_COMPLETE) return;
    hbacore_test_cmd c = CmdInfo(arg);
    if (c.adapter != a_ || c.kind != HBACORE_TEST_KIND_PT || !armed.exchange(false)) return;
    victim = c.smid;
    reply_gate.Hold();
  });

  Call call;
  BackgroundCall pt_call("PASSTHRU (READ(10), 200 ms timeout, reply held)",
                         [&] { call.Read(file_.get(), bs); });
  ASSERT_TRUE(reply_gate.WaitHeld());
  // The caller timed out, the abort failed, it reset the adapter and now
  // sleeps waiting for the command (the reset found it COMPLETED already).
  EXPECT_TRUE(WaitFor([&] { return sim_->Stats().reset_count == 1 && CallerWaits(a_, victim); },
                      kPromptBound))
      << "the timed-out caller never reset the adapter and waited";
  reply_gate.Open();
  EXPECT_TRUE(pt_call.Returned());
  EXPECT_EQ(call.ret, 0);
  EXPECT_EQ(call.pt.status, HBAMGR_ST_OK) << "the reply's result";
  EXPECT_EQ(std::memcmp(call.data.data(), pattern.data(), bs), 0) << "the reply's data";

  hbacore_stats st = sim_->Stats();
  EXPECT_EQ(st.timeouts, 1u);
  EXPECT_EQ(st.state, HBAMGR_STATE_LIVE);
  EXPECT_EQ(st.fw_faults, 0u);
  EXPECT_TRUE(WaitFor([&] { return sim_->Stats().cmds_outstanding == 0; }, kPromptBound));
  RemoveAdapter();
}

TEST_F(RecoveryRace, ResetFlushingTheCommandWhileRecoveryWaitsWakesTheCaller) {
  ASSERT_NO_FATAL_FAILURE(CreateAdapter());
  ASSERT_NO_FATAL_FAILURE(OpenFile());
  uint32_t bs = VdBlockSize(file_->get(), 0);
  ASSERT_NE(bs, 0u);

  Gate reset_gate("adapter reset held before its flush");
  std::atomic<uint32_t> victim{0};
  TestPointHandler handler([&](hba_test_point_id id, const void* arg) {
    if (id == HBA_TP_CMD_POSTED) {
      hbacore_test_cmd c = CmdInfo(arg);
      if (c.adapter == a_ && c.kind == HBACORE_TEST_KIND_PT) victim = c.smid;
    } else if (id == HBA_TP_RESET_FLUSH && arg == a_) {
      reset_gate.Hold();
    }
  });

  // The firmware loses the passthrough's reply: only a reset gets it back.
  ASSERT_EQ(sim_->Inject(HBAMGR_FAULT_LOSE_COMPLETION, 0, 1), 0);
  Call call;
  BackgroundCall pt_call("PASSTHRU (READ(10), 200 ms timeout, reply lost)",
                         [&] { call.Read(file_.get(), bs); });
  ASSERT_TRUE(WaitFor([&] { return sim_->Stats().cmds_outstanding == 1; }, kPromptBound))
      << "the passthrough was never posted";
  BackgroundCall reset_call("adapter reset",
                            [&] { EXPECT_EQ(hbacore_adapter_reset(a_, true), 0); });
  ASSERT_TRUE(reset_gate.WaitHeld());
  // RESETTING: the caller times out, cannot send a TM abort, and waits.
  EXPECT_TRUE(
      WaitFor([&] { return sim_->Stats().timeouts == 1 && CallerWaits(a_, victim); }, kPromptBound))
      << "the timed-out caller never waited for the reset";
  reset_gate.Open();
  EXPECT_TRUE(reset_call.Returned());
  EXPECT_TRUE(pt_call.Returned());
  EXPECT_EQ(call.ret, 0);
  EXPECT_EQ(call.pt.status, HBAMGR_ST_RESET) << "flushed by the reset";

  hbacore_stats st = sim_->Stats();
  EXPECT_EQ(st.reset_count, 1u);
  EXPECT_EQ(st.state, HBAMGR_STATE_LIVE);
  EXPECT_EQ(st.cmds_outstanding, 0u);
  RemoveAdapter();
}

// The firmware faults again while it comes back from a reset (found by the
// random ioctl stress on the debug kernel: a FAULT_INJECT during recovery).
// FAULT never turns into READY by itself: the recovery resets the firmware
// again and the adapter comes back LIVE, promptly.  Before, the recovery
// polled for READY 5000 times with a 1 ms sleep (a minute at HZ=250 under
// qemu, holding reset_mutex: the hung-task detector reported the reset work
// waiting for it) and then left the adapter DEAD.
TEST_F(RecoveryRace, FirmwareFaultingWhileItComesBackIsResetAgain) {
  ASSERT_NO_FATAL_FAILURE(CreateAdapter());
  std::atomic<bool> armed{true};
  std::atomic<int> injected{-1};
  TestPointHandler handler([&](hba_test_point_id id, const void* arg) {
    // The firmware was just diag-reset (RESET, READY in a few ms).
    if (id == HBA_TP_RESET_FLUSH && arg == a_ && armed.exchange(false))
      injected = sim_->Inject(HBAMGR_FAULT_FW_FAULT, 0, 0);
  });
  int ret = -1;
  BackgroundCall reset("adapter reset with the firmware faulting during recovery",
                       [&] { ret = hbacore_adapter_reset(a_, true); });
  EXPECT_TRUE(reset.Returned());
  EXPECT_EQ(ret, 0);
  EXPECT_EQ(injected.load(), HBAMGR_ST_OK);
  hbacore_stats st = sim_->Stats();
  EXPECT_EQ(st.state, HBAMGR_STATE_LIVE) << "recovery gave up on a firmware that faulted again";
  EXPECT_EQ(st.reset_count, 1u);
  EXPECT_GE(st.fw_diag_resets, 2u) << "the firmware was reset again";
  RemoveAdapter();
}

}  // namespace
}  // namespace hbamgr::coretest
