// Seed invariant 5, hardened init (kdump / Fusion MPT): an adapter found
// in a non-reset state (OPERATIONAL with frames of a previous kernel still
// completing, interrupts pending) is quiesced and reset before IOC_INIT;
// stale replies and interrupts are ignored; it comes up operational.
//
// Hot path, 12 rounds: the firmware powers up dirty (config.dirty_start:
// OPERATIONAL, replies for SMIDs the new driver never posted owed to the
// next IOC_INIT's rings, an interrupt pending at unmask) and 8 threads
// start verified I/O the moment the adapter is LIVE, reusing those SMIDs at
// once.  Asserted per round: LIVE, the driver diag-reset the firmware
// before IOC_INIT so none of the previous kernel's replies was delivered
// (firmware dirty_replies 0), no firmware fault, every read returned the
// worker's own data, no HBA_WARN_ON fired.  A second test hands the driver
// duplicate replies on a clean adapter: they are counted as stale and
// ignored.
//
// Revert checks (tests/core/reverts/inv5-*.patch, run by revert-check.sh
// and the ctest core.revert_check): OPERATIONAL taken for ready (no diag
// reset, no wait for READY), and a reset only on FAULT: both caught in every
// run, plain, ASan and TSan, by the firmware's counters (no diag reset
// before IOC_INIT, the dirty start's replies delivered).
#include <gtest/gtest.h>

#include "support/adapter_fixture.h"
#include "support/io_workload.h"

namespace hbamgr::coretest {
namespace {

TEST(Invariant5DirtyStart, DirtyAdapterIsResetAndServesCleanly) {
  unsigned long warns = hbacore_warn_count();
  for (int round = 0; round < 12; round++) {
    hbacore_sim_params p = SmallAdapterParams();
    p.dirty_start = true;
    p.num_reply_queues = 1 + round % 4;
    auto sim = SimAdapter::Create(p);
    ASSERT_NE(sim, nullptr);
    hbacore_stats st = sim->Stats();
    EXPECT_EQ(st.state, HBAMGR_STATE_LIVE);
    EXPECT_GE(st.fw_diag_resets, 1u) << "reset before IOC_INIT";

    IoWorkloadOptions opt;
    opt.workers = 8;
    opt.iterations = 10;
    IoWorkloadResult res;
    RunIoWorkload(sim->get(), opt, &res);

    st = sim->Stats();
    EXPECT_EQ(st.fw_dirty_replies, 0u) << "dirty replies, round " << round;
    EXPECT_EQ(st.fw_faults, 0u) << "fault code " << st.fw_fault_code;
    EXPECT_EQ(st.reset_count, 0u);
    EXPECT_EQ(st.state, HBAMGR_STATE_LIVE);
    EXPECT_EQ(res.mismatches.load(), 0u);
    EXPECT_EQ(res.unexpected.load(), 0u);
    EXPECT_EQ(res.ok.load(), 80u);
  }
  EXPECT_EQ(hbacore_warn_count(), warns);
}

TEST(Invariant5DirtyStart, StaleRepliesAreCountedAndIgnored) {
  unsigned long warns = hbacore_warn_count();
  auto sim = SimAdapter::Create(SmallAdapterParams());
  ASSERT_NE(sim, nullptr);
  ASSERT_EQ(sim->Inject(HBAMGR_FAULT_DUP_COMPLETION, 0, 1000), 0);
  IoWorkloadOptions opt;
  opt.workers = 4;
  opt.iterations = 20;
  IoWorkloadResult res;
  RunIoWorkload(sim->get(), opt, &res);
  hbacore_stats st = sim->Stats();
  EXPECT_EQ(res.ok.load(), 80u);
  EXPECT_EQ(res.mismatches.load(), 0u);
  EXPECT_GT(st.stale_replies, 0u);
  EXPECT_EQ(st.fw_faults, 0u);
  hbamgr_info info = SimFile::Open(sim->get())->Info();
  EXPECT_EQ(info.stale_replies, sim->Stats().stale_replies);
  sim.reset();
  EXPECT_EQ(hbacore_warn_count(), warns);
}

}  // namespace
}  // namespace hbamgr::coretest
