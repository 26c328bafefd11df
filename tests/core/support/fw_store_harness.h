// A storage model (kmod/core/fw/fw_store.h) driven directly, without the
// frame engine: a recording event sink, SCSI and management frame builders
// and helpers for the fw_store tests.
#ifndef HBAMGR_TESTS_CORE_SUPPORT_FW_STORE_HARNESS_H_
#define HBAMGR_TESTS_CORE_SUPPORT_FW_STORE_HARNESS_H_

#include <linux/hbamgr.h>

#include <cstdint>
#include <mutex>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "fw/fw_store.h"

namespace hbamgr::fwstoretest {

// A small configuration: one enclosure, 16 slots, 12 drives of 8 MiB, all
// 512-byte sectors, no default VDs, fast background operations.
hba_fw_config SmallStoreConfig();

struct ScsiReply {
  hba_reply_frame reply;
  std::vector<uint8_t> data;  // FROM_DEV: bytes transferred
  uint8_t sense_key() const { return reply.sense[2] & 0xf; }
  uint8_t asc() const { return reply.sense[12]; }
  uint8_t ascq() const { return reply.sense[13]; }
};

class FwStoreHarness {
 public:
  explicit FwStoreHarness(const hba_fw_config& cfg);
  ~FwStoreHarness();
  FwStoreHarness(const FwStoreHarness&) = delete;
  FwStoreHarness& operator=(const FwStoreHarness&) = delete;

  bool ok() const { return store_ != nullptr; }
  fw_store* store() const { return store_; }

  std::vector<hbamgr_event> Events();
  void ClearEvents();
  // Events with this code, in emission order.
  std::vector<hbamgr_event> EventsWithCode(uint32_t code);

  // SCSI frame to a VD (or a PD with phys).  FROM_DEV reads up to
  // alloc bytes (split over several SGEs); TO_DEV sends out.
  ScsiReply Scsi(uint16_t target, const std::vector<uint8_t>& cdb, uint8_t dir, uint32_t alloc,
                 const std::vector<uint8_t>& out = {}, bool phys = false, uint16_t lun = 0);
  // Management frame; data is the TO_DEV payload or FROM_DEV buffer.
  hba_reply_frame Mgmt(uint32_t opcode, const void* mbox, size_t mbox_len, uint8_t dir,
                       std::vector<uint8_t>* data);
  // The reason of the last management frame's reply (CreateVd, SetPdState...).
  // A copy: concurrent Mgmt() calls (the concurrency tests) overwrite it.
  hba_reason LastReason() {
    std::lock_guard<std::mutex> lock(mu_);
    return last_reason_;
  }

  std::vector<hbamgr_pd_info> PdList();
  std::vector<hbamgr_vd_info> VdList();
  std::vector<hbamgr_bgop_info> BgopList();
  hbamgr_pd_info Pd(uint16_t pd_id);
  hbamgr_vd_info Vd(uint16_t vd_id);

  // Returns the hbamgr_status; *vd_id gets the new id.
  int CreateVd(uint8_t level, const std::vector<uint16_t>& pds, uint32_t strip_kb = 16,
               uint16_t* vd_id = nullptr, uint64_t num_blocks = 0, uint32_t flags = 0);
  int SetPdState(uint16_t pd_id, uint8_t state);
  int BgopStart(uint8_t type, uint16_t target);
  int BgopStop(uint8_t type, uint16_t target);
  int Inject(uint32_t fault, uint32_t arg, uint32_t count = 0, uint64_t lba = 0);
  // Ticks 100 ms at a time until no bgop runs; false after max_ticks.
  bool RunBgops(int max_ticks = 10000);

  // Block I/O with READ(16)/WRITE(16); status of the frame in *reply.
  bool WriteBlocks(uint16_t target, uint64_t lba, const std::vector<uint8_t>& data,
                   bool phys = false, ScsiReply* reply = nullptr);
  std::vector<uint8_t> ReadBlocks(uint16_t target, uint64_t lba, uint32_t blocks,
                                  uint32_t block_size, bool phys = false,
                                  ScsiReply* reply = nullptr);

 private:
  // The event sink: the store's events in order (no NVRAM: no journal).
  static void Log(void* ctx, hbamgr_event* evs, u32 n, u64 gen);

  fw_store* store_ = nullptr;
  std::mutex mu_;
  hba_reason last_reason_ ABSL_GUARDED_BY(mu_){};
  std::vector<hbamgr_event> events_ ABSL_GUARDED_BY(mu_);
};

// A recognisable pattern: every 8 bytes hold (seed, byte offset).
std::vector<uint8_t> Pattern(size_t len, uint32_t seed);
std::vector<uint8_t> Cdb16(uint8_t op, uint64_t lba, uint32_t blocks);

}  // namespace hbamgr::fwstoretest

#endif  // HBAMGR_TESTS_CORE_SUPPORT_FW_STORE_HARNESS_H_
