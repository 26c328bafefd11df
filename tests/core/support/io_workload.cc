#include "support/io_workload.h"

#include <gtest/gtest.h>

#include <cerrno>
#include <thread>
#include <vector>

#include "support/adapter_fixture.h"

namespace hbamgr::coretest {
namespace {

// One passthrough, retried while the adapter resets (-EAGAIN) or the
// command ended in an allowed TIMEOUT/RESET; false on anything else.
bool RunOne(hba_file* f, hbamgr_passthru pt, const IoWorkloadOptions& opt, IoWorkloadResult* res) {
  for (int attempt = 0; attempt < 1000; attempt++) {
    hbamgr_passthru p = pt;
    int ret = hbacore_ioctl(f, HBAMGR_IOC_PASSTHRU, &p, true);
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

void Worker(hba_adapter* a, int id, uint32_t bs, const IoWorkloadOptions& opt,
            IoWorkloadResult* res) {
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
    if (!RunOne(file->get(), wr, opt, res)) return;
    std::fill(in.begin(), in.end(), 0);
    auto rd = ScsiPassthru(opt.vd, Read10(lba, 1), HBAMGR_DIR_FROM_DEV, in.data(), bs);
    rd.timeout_ms = opt.timeout_ms;
    if (!RunOne(file->get(), rd, opt, res)) return;
    if (in != out)
      res->mismatches++;
    else
      res->ok++;
  }
}

}  // namespace

uint32_t VdBlockSize(hba_file* f, uint16_t vd) {
  uint8_t cap[8] = {};
  auto pt =
      ScsiPassthru(vd, {0x25, 0, 0, 0, 0, 0, 0, 0, 0, 0}, HBAMGR_DIR_FROM_DEV, cap, sizeof(cap));
  if (hbacore_ioctl(f, HBAMGR_IOC_PASSTHRU, &pt, false) != 0 || pt.status != HBAMGR_ST_OK) return 0;
  return (cap[4] << 24) | (cap[5] << 16) | (cap[6] << 8) | cap[7];
}

void RunIoWorkload(hba_adapter* a, const IoWorkloadOptions& opt, IoWorkloadResult* res) {
  uint32_t bs;
  {
    auto f = SimFile::Open(a);
    ASSERT_NE(f, nullptr);
    bs = VdBlockSize(f->get(), opt.vd);
    ASSERT_NE(bs, 0u);
  }
  std::vector<std::thread> threads;
  for (int id = 0; id < opt.workers; id++)
    threads.emplace_back(Worker, a, id, bs, std::cref(opt), res);
  for (auto& t : threads) t.join();
}

}  // namespace hbamgr::coretest
