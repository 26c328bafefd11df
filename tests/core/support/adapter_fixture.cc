#include "support/adapter_fixture.h"

#include <gtest/gtest.h>

#include <cstring>
#include <thread>

namespace hbamgr::coretest {

hbacore_sim_params SmallAdapterParams() {
  hbacore_sim_params p;
  hbacore_sim_params_default(&p);
  p.fault_injection = true;
  p.drive_size_mb = 64;
  return p;
}

std::unique_ptr<SimAdapter> SimAdapter::Create(const hbacore_sim_params& p) {
  hba_adapter* a = nullptr;
  int ret = hbacore_adapter_create(&p, &a);
  EXPECT_EQ(ret, 0) << "hbacore_adapter_create";
  if (ret != 0) return nullptr;
  return std::unique_ptr<SimAdapter>(new SimAdapter(a));
}

SimAdapter::~SimAdapter() {
  if (adapter_ != nullptr) Remove();
}

void SimAdapter::Remove() {
  hbacore_adapter_remove(adapter_);
  adapter_ = nullptr;
}

hbacore_stats SimAdapter::Stats() const {
  hbacore_stats st;
  hbacore_adapter_stats(adapter_, &st);
  return st;
}

int SimAdapter::Inject(uint32_t fault, uint32_t arg, uint32_t count, uint32_t delay_ms,
                       uint64_t lba) {
  hbamgr_mbox_fault f{};
  f.fault = fault;
  f.arg = arg;
  f.count = count;
  f.delay_ms = delay_ms;
  f.lba = lba;
  return hbacore_inject_fault(adapter_, &f);
}

std::unique_ptr<SimFile> SimFile::Open(hba_adapter* a) {
  hba_file* f = nullptr;
  int ret = hbacore_open(a, &f);
  EXPECT_EQ(ret, 0) << "hbacore_open";
  if (ret != 0) return nullptr;
  return std::unique_ptr<SimFile>(new SimFile(f));
}

SimFile::~SimFile() { hbacore_release(file_); }

hbamgr_info SimFile::Info() {
  hbamgr_info info{};
  info.size = sizeof(info);
  EXPECT_EQ(Ioctl(HBAMGR_IOC_GET_INFO, &info), 0);
  return info;
}

hbamgr_passthru ScsiPassthru(uint16_t target, std::vector<uint8_t> cdb, uint8_t dir, void* data,
                             uint32_t len) {
  hbamgr_passthru pt{};
  pt.size = sizeof(pt);
  pt.type = HBAMGR_PT_SCSI;
  pt.dir = dir;
  pt.cdb_len = static_cast<uint8_t>(cdb.size());
  pt.target = target;
  std::memcpy(pt.cdb, cdb.data(), cdb.size());
  pt.data_ptr = reinterpret_cast<uintptr_t>(data);
  pt.data_len = len;
  return pt;
}

hbamgr_passthru MgmtPassthru(uint32_t opcode, uint8_t dir, void* data, uint32_t len,
                             const void* mbox, size_t mbox_len) {
  hbamgr_passthru pt{};
  pt.size = sizeof(pt);
  pt.type = HBAMGR_PT_MGMT;
  pt.dir = dir;
  pt.opcode = opcode;
  if (mbox != nullptr) std::memcpy(pt.cdb, mbox, mbox_len);
  pt.data_ptr = reinterpret_cast<uintptr_t>(data);
  pt.data_len = len;
  return pt;
}

static std::vector<uint8_t> Rw10(uint8_t op, uint32_t lba, uint16_t blocks) {
  return {op,
          0,
          static_cast<uint8_t>(lba >> 24),
          static_cast<uint8_t>(lba >> 16),
          static_cast<uint8_t>(lba >> 8),
          static_cast<uint8_t>(lba),
          0,
          static_cast<uint8_t>(blocks >> 8),
          static_cast<uint8_t>(blocks),
          0};
}

std::vector<uint8_t> Read10(uint32_t lba, uint16_t blocks) { return Rw10(0x28, lba, blocks); }

std::vector<uint8_t> Write10(uint32_t lba, uint16_t blocks) { return Rw10(0x2a, lba, blocks); }

bool WaitFor(const std::function<bool()>& pred, std::chrono::milliseconds deadline) {
  auto end = std::chrono::steady_clock::now() + deadline;
  while (!pred()) {
    if (std::chrono::steady_clock::now() >= end) return pred();
    // Polling a condition the core exposes no wait for: a short yield,
    // never a sleep the test's correctness depends on.
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return true;
}

}  // namespace hbamgr::coretest
