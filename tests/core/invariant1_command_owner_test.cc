// Seed invariant 1, one owner per command (FreeBSD mfi): a command moves
// FREE -> ALLOCATED -> POSTED -> COMPLETED -> RELEASED -> FREE and is
// completed exactly once; the firmware command limit is read once, clamped
// to the driver maximum, and that one value bounds every allocation.
//
// Hot path: 6 threads keep 24 SCSI I/Os (hba_io, the SCSI host path) in
// flight against a pool clamped to 16 commands (firmware offers 64), so
// allocation fails and retries constantly, while the firmware posts every
// reply twice (DUP_COMPLETION) and holds some back (LATE_COMPLETION).
// Asserted: each I/O's done() ran exactly once per submit, with its own
// data read back; the firmware never saw more than 16 commands at once and
// never faulted; duplicates were seen and ignored; no HBA_WARN_ON fired.
//
// A second test makes the race deterministic: a reply's completion work is
// held (test point) after it took its command from the ring while a reset
// flushes every posted command; the command must be completed once, by its
// reply.  A released command's result reads as poison (HBA_CMD_POISON), so
// a completion path that reads a command it already gave back sees it at
// once, whether or not the command was reused meanwhile.
//
// Revert checks (tests/core/reverts/inv1-*.patch, run by revert-check.sh
// and the ctest core.revert_check): no POSTED -> COMPLETED compare-and-
// exchange (the reset completes the held command with RESET, a second
// done() follows), and finish_io() dropping the command before reading it
// (the I/O reports the poison status): both caught in every run, plain,
// ASan and TSan.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

#include "hba_core.h"
#include "support/adapter_fixture.h"
#include "support/io_workload.h"
#include "support/sim_adapter_test.h"
#include "support/test_points.h"

namespace hbamgr::coretest {
namespace {

using Invariant1CommandOwner = SimAdapterTest;

constexpr uint32_t kFwMaxCmds = 64;
constexpr uint32_t kDrvMaxCmds = 16;
constexpr int kThreads = 6;
constexpr int kSlotsPerThread = 4;
constexpr int kRounds = 150;

struct IoSlot {
  hba_io io{};
  hba_sge sge{};
  std::vector<uint8_t> buf;
  std::atomic<int> done_calls{0};
  std::mutex mu;
  std::condition_variable cv;
  bool finished = false;  // guarded by mu
};

void OnDone(hba_io* io) {
  auto* s = static_cast<IoSlot*>(io->priv);
  s->done_calls++;
  std::lock_guard<std::mutex> lock(s->mu);
  s->finished = true;
  s->cv.notify_all();
}

void Prepare(IoSlot* s, bool write, uint32_t lba) {
  std::vector<uint8_t> cdb = write ? Write10(lba, 1) : Read10(lba, 1);
  s->io = hba_io{};
  s->io.target = 0;
  s->io.cdb_len = static_cast<uint8_t>(cdb.size());
  std::copy(cdb.begin(), cdb.end(), s->io.cdb);
  s->io.dir = write ? HBAMGR_DIR_TO_DEV : HBAMGR_DIR_FROM_DEV;
  s->sge.addr = reinterpret_cast<uintptr_t>(s->buf.data());
  s->sge.len = static_cast<uint32_t>(s->buf.size());
  s->io.sgl = &s->sge;
  s->io.sge_count = 1;
  s->io.data_len = s->sge.len;
  s->io.done = OnDone;
  s->io.priv = s;
  std::lock_guard<std::mutex> lock(s->mu);
  s->finished = false;
}

// Submits, retrying while the pool is exhausted (-EAGAIN).
bool Submit(hba_adapter* a, IoSlot* s) {
  auto end = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  for (;;) {
    int ret = hba_io_submit(a, &s->io);
    if (ret == 0) return true;
    if (ret != -EAGAIN || std::chrono::steady_clock::now() > end) {
      ADD_FAILURE() << "hba_io_submit " << ret;
      return false;
    }
    std::this_thread::yield();
  }
}

bool WaitDone(IoSlot* s) {
  std::unique_lock<std::mutex> lock(s->mu);
  if (s->cv.wait_for(lock, std::chrono::seconds(20), [&] { return s->finished; })) return true;
  ADD_FAILURE() << "I/O at smid " << s->io.smid << ": done() not called within 20 s";
  return false;
}

// The result the owner was told is the command's own: OK with the whole
// transfer.  A completion path that read a released command would report
// its poison (or, if the command was reused meanwhile, a new command's
// result with nothing transferred).
bool CompletedWhole(const IoSlot& s) {
  if (s.io.status == HBAMGR_ST_OK && s.io.resid == 0) return true;
  ADD_FAILURE() << "I/O at smid " << s.io.smid << " completed with status 0x" << std::hex
                << s.io.status << std::dec << ", resid " << s.io.resid << " of " << s.io.data_len;
  return false;
}

// VD 0's logical block size, asked through a file opened for it alone.
void ReadVdBlockSize(hba_adapter* a, uint32_t* bs) {
  auto f = SimFile::Open(a);
  ASSERT_NE(f, nullptr);
  *bs = VdBlockSize(f->get(), 0);
  ASSERT_NE(*bs, 0u);
}

TEST_F(Invariant1CommandOwner, EveryIoCompletesOnceWithinTheClampedLimit) {
  hbacore_sim_params p = SmallAdapterParams();
  p.max_cmds = kFwMaxCmds;
  p.drv_max_cmds = kDrvMaxCmds;
  ASSERT_NO_FATAL_FAILURE(CreateAdapter(p));
  EXPECT_EQ(hba_adapter_can_queue(a_), kDrvMaxCmds);
  hbacore_stats st = sim_->Stats();
  EXPECT_EQ(st.fw_max_cmds, kFwMaxCmds);
  EXPECT_EQ(st.drv_max_cmds, kDrvMaxCmds);

  uint32_t bs = 0;
  ASSERT_NO_FATAL_FAILURE(ReadVdBlockSize(a_, &bs));
  ASSERT_EQ(sim_->Inject(HBAMGR_FAULT_DUP_COMPLETION, 0, 1000000), 0);

  std::atomic<int> failures{0};
  std::atomic<int> submits{0};
  auto worker = [&](int t) {
    std::vector<IoSlot> slots(kSlotsPerThread);
    for (auto& s : slots) s.buf.resize(bs);
    for (int round = 0; round < kRounds; round++) {
      for (int i = 0; i < kSlotsPerThread; i++) {
        IoSlot& s = slots[i];
        Prepare(&s, true, 256 + t * kSlotsPerThread + i);
        for (uint32_t b = 0; b < bs; b++)
          s.buf[b] = static_cast<uint8_t>(t * 31 + i * 7 + round + b);
        if (!Submit(a_, &s)) return failures++;
      }
      for (auto& s : slots)
        if (!WaitDone(&s) || !CompletedWhole(s)) return failures++;
      for (int i = 0; i < kSlotsPerThread; i++) {
        IoSlot& s = slots[i];
        Prepare(&s, false, 256 + t * kSlotsPerThread + i);
        std::fill(s.buf.begin(), s.buf.end(), 0);
        if (!Submit(a_, &s)) return failures++;
      }
      for (int i = 0; i < kSlotsPerThread; i++) {
        IoSlot& s = slots[i];
        if (!WaitDone(&s) || !CompletedWhole(s)) return failures++;
        for (uint32_t b = 0; b < bs; b++)
          if (s.buf[b] != static_cast<uint8_t>(t * 31 + i * 7 + round + b)) return failures++;
      }
      if (round % 8 == 0) sim_->Inject(HBAMGR_FAULT_LATE_COMPLETION, 0, 3, 2);
      submits += 2 * kSlotsPerThread;
    }
    for (auto& s : slots) EXPECT_EQ(s.done_calls.load(), 2 * kRounds) << "done() calls";
    return 0;
  };
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; t++) threads.emplace_back(worker, t);
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0) << "I/Os failed, timed out or lost data";
  EXPECT_EQ(submits.load(), kThreads * kRounds * 2 * kSlotsPerThread);

  st = sim_->Stats();
  EXPECT_EQ(st.fw_faults, 0u) << "fault code " << st.fw_fault_code;
  EXPECT_LE(st.fw_max_outstanding_cmds, kDrvMaxCmds);
  EXPECT_GT(st.dup_replies, 0u) << "the duplicate replies were exercised";
  EXPECT_EQ(st.cmds_outstanding, 0u);
  EXPECT_EQ(st.state, HBAMGR_STATE_LIVE);
  RemoveAdapter();
}

// A reply and a reset race to complete the same command: the reply's
// completion work took the command from the ring (POSTED -> COMPLETED) and
// is held before it tells the owner; the reset flushes every posted
// command meanwhile.  The command must be completed once, by its reply:
// done() called once, with the reply's status.
TEST_F(Invariant1CommandOwner, ReplyAndResetFlushCompleteACommandOnce) {
  ASSERT_NO_FATAL_FAILURE(CreateAdapter());
  uint32_t bs = 0;
  ASSERT_NO_FATAL_FAILURE(ReadVdBlockSize(a_, &bs));

  Gate reply_gate("completion work holding the I/O's reply");
  std::atomic<bool> armed{true};
  TestPointHandler handler([&](hba_test_point_id id, const void* arg) {
    if (id != HBA_TP_REPLY_COMPLETE) return;
    hbacore_test_cmd c = CmdInfo(arg);
    if (c.adapter == a_ && c.kind == HBACORE_TEST_KIND_IO && armed.exchange(false))
      reply_gate.Hold();
  });

  IoSlot s;
  s.buf.assign(bs, 0x5a);
  Prepare(&s, true, 300);
  ASSERT_TRUE(Submit(a_, &s));
  ASSERT_TRUE(reply_gate.WaitHeld());
  // Every command still POSTED is flushed; the held one is COMPLETED.
  ASSERT_EQ(hbacore_adapter_reset(a_, true), 0);
  EXPECT_EQ(s.done_calls.load(), 0) << "the reset completed a command its reply had taken";
  reply_gate.Open();
  ASSERT_TRUE(WaitDone(&s));
  EXPECT_TRUE(CompletedWhole(s)) << "the reply's result, not the flush's";
  // A second completion would run right after the first, in the same work.
  EXPECT_TRUE(WaitFor([&] { return sim_->Stats().cmds_outstanding == 0; }, kPromptBound));
  EXPECT_EQ(s.done_calls.load(), 1);

  hbacore_stats st = sim_->Stats();
  EXPECT_EQ(st.reset_count, 1u);
  EXPECT_EQ(st.state, HBAMGR_STATE_LIVE);
  EXPECT_EQ(st.fw_faults, 0u);
  RemoveAdapter();
}

}  // namespace
}  // namespace hbamgr::coretest
