// The gtest fixture of the core tests that run on one simulated adapter: the
// test creates it (SmallAdapterParams unless it says otherwise), may open a
// file on it, and at the end the file is closed, the adapter removed and no
// HBA_WARN_ON may have fired since the test began.  A suite takes it under
// its own name: `using MySuite = SimAdapterTest;`.
#ifndef HBAMGR_TESTS_CORE_SUPPORT_SIM_ADAPTER_TEST_H_
#define HBAMGR_TESTS_CORE_SUPPORT_SIM_ADAPTER_TEST_H_

#include <gtest/gtest.h>

#include <memory>

#include "hbacore.h"
#include "support/adapter_fixture.h"

namespace hbamgr::coretest {

class SimAdapterTest : public ::testing::Test {
 protected:
  // sim_ and a_; call as ASSERT_NO_FATAL_FAILURE(CreateAdapter(...)).
  void CreateAdapter(const hbacore_sim_params& params = SmallAdapterParams()) {
    sim_ = SimAdapter::Create(params);
    ASSERT_NE(sim_, nullptr);
    a_ = sim_->get();
  }

  // A test that ends early (a failed ASSERT) still removes its adapter.
  void TearDown() override { RemoveAdapter(); }

  // file_, open on the adapter; call as ASSERT_NO_FATAL_FAILURE(OpenFile()).
  void OpenFile() {
    file_ = SimFile::Open(a_);
    ASSERT_NE(file_, nullptr);
  }

  // Closes file_, removes the adapter and expects that no HBA_WARN_ON fired
  // since the test began.  A test calls it where its adapter must go while
  // the objects it made (test point handlers, gates, background calls) are
  // still there; only the first call counts.
  void RemoveAdapter() {
    if (removed_) return;
    removed_ = true;
    file_.reset();
    sim_.reset();
    EXPECT_EQ(hbacore_warn_count(), warns_) << "an HBA_WARN_ON fired";
  }

  const unsigned long warns_ = hbacore_warn_count();
  std::unique_ptr<SimAdapter> sim_;
  hba_adapter* a_ = nullptr;
  std::unique_ptr<SimFile> file_;

 private:
  bool removed_ = false;
};

}  // namespace hbamgr::coretest

#endif  // HBAMGR_TESTS_CORE_SUPPORT_SIM_ADAPTER_TEST_H_
