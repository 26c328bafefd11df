// In-process adapter helpers for the core tests: a simulated adapter with
// the driver core on top (libhbacore), files opened on it, passthrough
// frame builders and condition waits with deadlines.
#ifndef HBAMGR_TESTS_CORE_SUPPORT_ADAPTER_FIXTURE_H_
#define HBAMGR_TESTS_CORE_SUPPORT_ADAPTER_FIXTURE_H_

#include <linux/hbamgr.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "hbacore.h"

namespace hbamgr::coretest {

// Parameters for a small, fast adapter with fault injection allowed.
hbacore_sim_params SmallAdapterParams();

// A simulated adapter; removed on destruction unless Remove() ran.
class SimAdapter {
 public:
  // Returns nullptr (and records a gtest failure) when creation fails.
  static std::unique_ptr<SimAdapter> Create(const hbacore_sim_params& p);
  ~SimAdapter();
  SimAdapter(const SimAdapter&) = delete;
  SimAdapter& operator=(const SimAdapter&) = delete;

  hba_adapter* get() const { return adapter_; }
  bool removed() const { return adapter_ == nullptr; }
  void Remove();
  hbacore_stats Stats() const;
  // Inject through hbacore_inject_fault(); returns enum hbamgr_status.
  int Inject(uint32_t fault, uint32_t arg, uint32_t count, uint32_t delay_ms = 0, uint64_t lba = 0);

 private:
  explicit SimAdapter(hba_adapter* a) : adapter_(a) {}
  hba_adapter* adapter_;
};

// An open file on a SimAdapter, released on destruction.
class SimFile {
 public:
  // nullptr (and a gtest failure) when the open fails.
  static std::unique_ptr<SimFile> Open(hba_adapter* a);
  ~SimFile();
  SimFile(const SimFile&) = delete;
  SimFile& operator=(const SimFile&) = delete;

  hba_file* get() const { return file_; }
  int Ioctl(unsigned int cmd, void* arg, bool admin = true) {
    return hbacore_ioctl(file_, cmd, arg, admin);
  }
  hbamgr_info Info();

 private:
  explicit SimFile(hba_file* f) : file_(f) {}
  hba_file* file_;
};

// Passthrough frame builders (size, type, dir and buffers filled in).
hbamgr_passthru ScsiPassthru(uint16_t target, std::vector<uint8_t> cdb, uint8_t dir, void* data,
                             uint32_t len);
hbamgr_passthru MgmtPassthru(uint32_t opcode, uint8_t dir, void* data, uint32_t len,
                             const void* mbox = nullptr, size_t mbox_len = 0);
std::vector<uint8_t> Read10(uint32_t lba, uint16_t blocks);
std::vector<uint8_t> Write10(uint32_t lba, uint16_t blocks);

// Polls pred until it holds or the deadline passes; true if it held.
bool WaitFor(const std::function<bool()>& pred, std::chrono::milliseconds deadline);

}  // namespace hbamgr::coretest

#endif  // HBAMGR_TESTS_CORE_SUPPORT_ADAPTER_FIXTURE_H_
