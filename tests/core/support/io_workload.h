// Concurrent SCSI passthrough traffic with data verification, for the
// invariant stress tests: every worker owns its own blocks on a VD, writes
// a pattern unique to (worker, iteration) and reads it back.
#ifndef HBAMGR_TESTS_CORE_SUPPORT_IO_WORKLOAD_H_
#define HBAMGR_TESTS_CORE_SUPPORT_IO_WORKLOAD_H_

#include <atomic>
#include <chrono>
#include <cstdint>

#include "hbacore.h"

namespace hbamgr::coretest {

struct IoWorkloadOptions {
  int workers = 8;
  int iterations = 50;
  uint16_t vd = 0;
  uint32_t timeout_ms = 0;  // passthrough timeout; 0 = default
  // Statuses other than OK a command may end with (retried): TIMEOUT and
  // RESET are expected when faults or resets are injected.
  bool allow_timeout = false;
  bool allow_reset = false;
  // Longest one passthrough may take, recovery included, beyond its
  // timeout: a call that takes longer fails the test naming it.
  std::chrono::milliseconds call_bound{std::chrono::seconds(20)};
};

struct IoWorkloadResult {
  std::atomic<uint64_t> ok{0};
  std::atomic<uint64_t> timeouts{0};
  std::atomic<uint64_t> resets{0};      // ST_RESET, and -EAGAIN retries
  std::atomic<uint64_t> mismatches{0};  // data read back was not ours
  std::atomic<uint64_t> unexpected{0};  // any other status or errno
};

// Logical block size of the VD (READ CAPACITY), 0 on failure.  timeout_ms
// 0: the passthrough default.
uint32_t VdBlockSize(hba_file* f, uint16_t vd, uint32_t timeout_ms = 0);

// Runs the workload to completion on files opened on a; blocks.
void RunIoWorkload(hba_adapter* a, const IoWorkloadOptions& opt, IoWorkloadResult* res);

}  // namespace hbamgr::coretest

#endif  // HBAMGR_TESTS_CORE_SUPPORT_IO_WORKLOAD_H_
