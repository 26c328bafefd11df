// Seed invariant 4, atomic SRB credit (zfcp): every refiller takes one
// credit atomically before posting a status-read buffer and gives it back
// if the post fails, so the firmware's SRB maximum is never exceeded even
// when the recovery path and the refill work race.
//
// Hot path, 200 rounds with 64 SRBs: an unsolicited-event storm is armed
// for the next recovery (STORM_ON_RESET, 20000 events: the firmware emits
// them one by one while the driver re-posts its SRBs, so completions queue
// the refill work against the recovery's own posting loop), another thread
// keeps storming (SRB_STORM) and a reader drains the events; then the
// adapter is reset.
// Asserted after every reset: the firmware never faulted (it FAULTs with
// SRB_OVERFLOW on one SRB too many) and never held more than max_srbs SRBs,
// the driver's posted count never exceeded max_srbs, all SRBs are posted
// again and deliver events; no HBA_WARN_ON fired (hba_srb_refill warns
// when a credit finds no free SRB frame).
//
// Revert check (done while writing this test): hba_srb_refill() changed to
// a read-then-post credit (while (hba_atomic_read(&a->srb_credit) > 0) {
// allocate, post, hba_atomic_dec(&a->srb_credit); }).  The test then
// failed in 4 of 5 runs (plain build, 200 rounds each): two refillers
// took the same credit and one found no free SRB frame, so the "credit
// guarantees a free frame" HBA_WARN_ON fired 1-4 times (warn count
// expectation).  The hot window is narrow; the TSan and ASan variants run
// the same rounds.
#include <gtest/gtest.h>
#include <poll.h>
#include <unistd.h>

#include <atomic>
#include <thread>

#include "support/adapter_fixture.h"

namespace hbamgr::coretest {
namespace {

TEST(Invariant4SrbCredit, RecoveryAndRefillNeverOverpostSrbs) {
  unsigned long warns = hbacore_warn_count();
  hbacore_sim_params p = SmallAdapterParams();
  p.max_srbs = 64;
  auto sim = SimAdapter::Create(p);
  ASSERT_NE(sim, nullptr);
  hba_adapter* a = sim->get();
  const uint32_t max_srbs = sim->Stats().max_srbs;
  ASSERT_EQ(max_srbs, 64u);

  auto reader_file = SimFile::Open(a);
  ASSERT_NE(reader_file, nullptr);
  std::atomic<bool> stop{false};
  std::atomic<uint32_t> worst_posted{0};
  std::thread reader([&] {
    int fd = hbacore_event_fd(reader_file->get());
    ASSERT_GE(fd, 0);
    hbamgr_event ev[32];
    while (!stop.load()) {
      pollfd pfd{fd, POLLIN, 0};
      if (poll(&pfd, 1, 20) > 0) {
        uint64_t drained;
        ASSERT_EQ(read(fd, &drained, sizeof(drained)), static_cast<ssize_t>(sizeof(drained)));
      }
      while (hbacore_read(reader_file->get(), ev, sizeof(ev), true) > 0) {
      }
      uint32_t posted = sim->Stats().srbs_posted;
      uint32_t seen = worst_posted.load();
      while (posted > seen && !worst_posted.compare_exchange_weak(seen, posted)) {
      }
    }
  });
  std::thread stormer([&] {
    while (!stop.load()) {
      uint64_t before = sim->Stats().events_dispatched;
      EXPECT_EQ(sim->Inject(HBAMGR_FAULT_SRB_STORM, 0, 2), 0);
      WaitFor([&] { return stop.load() || sim->Stats().events_dispatched > before; },
              std::chrono::milliseconds(20));
    }
  });

  constexpr int kRounds = 200;
  for (int round = 0; round < kRounds; round++) {
    ASSERT_EQ(sim->Inject(HBAMGR_FAULT_STORM_ON_RESET, 0, 20000), 0);
    ASSERT_EQ(hbacore_adapter_reset(a, true), 0);
    hbacore_stats st = sim->Stats();
    ASSERT_EQ(st.state, HBAMGR_STATE_LIVE) << "round " << round;
    EXPECT_EQ(st.fw_faults, 0u) << "fault code " << st.fw_fault_code;
    EXPECT_LE(st.fw_max_outstanding_srbs, max_srbs);
    EXPECT_LE(st.srbs_posted, max_srbs);
  }
  stop = true;
  stormer.join();
  reader.join();

  EXPECT_TRUE(
      WaitFor([&] { return sim->Stats().srbs_posted == max_srbs; }, std::chrono::seconds(5)))
      << "every SRB re-armed";
  hbacore_stats st = sim->Stats();
  EXPECT_EQ(st.reset_count, static_cast<uint32_t>(kRounds));
  EXPECT_EQ(st.fw_faults, 0u);
  EXPECT_LE(st.fw_max_outstanding_srbs, max_srbs);
  EXPECT_LE(worst_posted.load(), max_srbs);
  EXPECT_GT(st.events_dispatched, 0u);
  // The re-armed SRBs still deliver: one more event reaches the driver.
  uint64_t before = st.events_dispatched;
  EXPECT_EQ(sim->Inject(HBAMGR_FAULT_SRB_STORM, 0, 1), 0);
  EXPECT_TRUE(
      WaitFor([&] { return sim->Stats().events_dispatched > before; }, std::chrono::seconds(5)));
  sim.reset();
  EXPECT_EQ(hbacore_warn_count(), warns);
}

}  // namespace
}  // namespace hbamgr::coretest
