#include "support/io_workload.h"

#include <gtest/gtest.h>

#include <cerrno>
#include <string>
#include <thread>
#include <vector>

#include "support/adapter_fixture.h"
#include "support/test_points.h"

namespace hbamgr::coretest {
namespace {

struct WorkerCtx {
  int id;
  CallWatchdog* watchdog;
};

// One passthrough, retried while the adapter resets (-EAGAIN) or the
// command ended in an allowed TIMEOUT/RESET; false on anything else.
bool RunOne(const WorkerCtx& w, hba_file* f, hbamgr_passthru pt, uint32_t lba,
            const IoWorkloadOptions& opt, IoWorkloadResult* res) {
  auto bound = opt.call_bound + std::chrono::milliseconds(pt.timeout_ms ? pt.timeout_ms
                                                                        : HBAMGR_PT_TIMEOUT_DEFAULT_MS);
  for (int attempt = 0; attempt < 1000; attempt++) {
    hbamgr_passthru p = pt;
    int ret;
    {
      CallWatchdog::Scope scope(w.watchdog,
                                "worker " + std::to_string(w.id) + ": PASSTHRU " +
                                    (pt.cdb[0] == 0x2a ? "WRITE(10)" : "READ(10)") + " lba " +
                                    std::to_string(lba),
                                bound);
      ret = hbacore_ioctl(f, HBAMGR_IOC_PASSTHRU, &p, true);
    }
    if (ret == -EAGAIN) {
      res->resets++;
      std::this_thread::yield();
      continue;
    }
    if (ret != 0) break;
    if (p.status == HBAMGR_ST_OK) return true;
    if (p.status == HBAMGR_ST_TIMEOUT && opt.allow_timeout) {
      res->timeouts++;
      continue;
    }
    if (p.status == HBAMGR_ST_RESET && opt.allow_reset) {
      res->resets++;
      continue;
    }
    ADD_FAILURE() << "passthrough status " << p.status;
    break;
  }
  res->unexpected++;
  return false;
}

void Worker(hba_adapter* a, WorkerCtx w, uint32_t bs, const IoWorkloadOptions& opt,
            IoWorkloadResult* res) {
  const int id = w.id;
  auto file = SimFile::Open(a);
  if (file == nullptr) {
    res->unexpected++;
    return;
  }
  std::vector<uint8_t> out(bs), in(bs);
  uint32_t lba = 64 + id;
  for (int it = 0; it < opt.iterations; it++) {
    for (uint32_t i = 0; i < bs; i++)
      out[i] = static_cast<uint8_t>((id * 131 + it * 7 + i) ^ (i >> 8));
    auto wr = ScsiPassthru(opt.vd, Write10(lba, 1), HBAMGR_DIR_TO_DEV, out.data(), bs);
    wr.timeout_ms = opt.timeout_ms;
    if (!RunOne(w, file->get(), wr, lba, opt, res)) return;
    std::fill(in.begin(), in.end(), 0);
    auto rd = ScsiPassthru(opt.vd, Read10(lba, 1), HBAMGR_DIR_FROM_DEV, in.data(), bs);
    rd.timeout_ms = opt.timeout_ms;
    if (!RunOne(w, file->get(), rd, lba, opt, res)) return;
    if (in != out)
      res->mismatches++;
    else
      res->ok++;
  }
}

}  // namespace

uint32_t VdBlockSize(hba_file* f, uint16_t vd, uint32_t timeout_ms) {
  uint8_t cap[8] = {};
  auto pt =
      ScsiPassthru(vd, {0x25, 0, 0, 0, 0, 0, 0, 0, 0, 0}, HBAMGR_DIR_FROM_DEV, cap, sizeof(cap));
  pt.timeout_ms = timeout_ms;
  if (hbacore_ioctl(f, HBAMGR_IOC_PASSTHRU, &pt, false) != 0 || pt.status != HBAMGR_ST_OK) return 0;
  return (cap[4] << 24) | (cap[5] << 16) | (cap[6] << 8) | cap[7];
}

void RunIoWorkload(hba_adapter* a, const IoWorkloadOptions& opt, IoWorkloadResult* res) {
  CallWatchdog watchdog;
  uint32_t bs;
  {
    auto f = SimFile::Open(a);
    ASSERT_NE(f, nullptr);
    CallWatchdog::Scope scope(
        &watchdog, "PASSTHRU READ CAPACITY(10) before the workload",
        opt.call_bound + std::chrono::milliseconds(opt.timeout_ms ? opt.timeout_ms
                                                                  : HBAMGR_PT_TIMEOUT_DEFAULT_MS));
    bs = VdBlockSize(f->get(), opt.vd, opt.timeout_ms);
    ASSERT_NE(bs, 0u);
  }
  std::vector<std::thread> threads;
  for (int id = 0; id < opt.workers; id++)
    threads.emplace_back(Worker, a, WorkerCtx{id, &watchdog}, bs, std::cref(opt), res);
  for (auto& t : threads) t.join();
}

}  // namespace hbamgr::coretest
