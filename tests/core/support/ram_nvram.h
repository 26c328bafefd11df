// An NVRAM for the simulated firmware (struct hba_fw_nvram_ops) in test
// memory, outliving the firmware the way a controller's NVRAM outlives a
// power cut, with what the tests need to break it: save failures, images and
// regions edited at will, and snapshots of the whole NVRAM at the instant of
// a save, as a process killed there would leave it.
#ifndef HBAMGR_TESTS_CORE_SUPPORT_RAM_NVRAM_H_
#define HBAMGR_TESTS_CORE_SUPPORT_RAM_NVRAM_H_

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "hba_fw.h"

namespace hbamgr::coretest {

class RamNvram {
 public:
  // with_drives: drive data lives here too (sparse), else in firmware RAM.
  explicit RamNvram(bool with_drives = false);
  RamNvram(const RamNvram&) = delete;
  RamNvram& operator=(const RamNvram&) = delete;

  // Points cfg at this NVRAM.
  void Attach(hba_fw_config* cfg);

  // What a process killed just before (after) the n-th save from now on
  // (1 = the next) leaves behind.
  struct Snapshot {
    std::unique_ptr<RamNvram> before;
    std::unique_ptr<RamNvram> after;
  };
  void CaptureAtSave(int n);
  // The snapshot taken, once the save happened (else both are null).
  Snapshot TakeSnapshot();
  bool captured();
  // A copy of everything now.
  std::unique_ptr<RamNvram> Clone();

  // Saves fail with err (0: they succeed again).
  void FailSaves(int err) { fail_saves_ = err; }
  int saves() const { return saves_; }

  std::vector<uint8_t> config();
  void set_config(std::vector<uint8_t> image);
  void clear_config();
  // The event log region (empty before the first power-on).
  std::vector<uint8_t>& evtlog() { return evtlog_; }
  std::vector<std::string> reports();
  // True when some report contains text.
  bool Reported(const std::string& text);

 private:
  static int EvtlogMap(void* ctx, size_t len, void** region);
  static int EvtlogSync(void* ctx);
  static ssize_t ConfigLoad(void* ctx, void* buf, size_t cap);
  static int ConfigSave(void* ctx, const void* buf, size_t len);
  static int DriveOpen(void* ctx, u32 pd_id, u64 size, void** drive);
  static void DriveClose(void* drive);
  static int DriveRead(void* drive, u64 off, void* buf, size_t len);
  static int DriveWrite(void* drive, u64 off, const void* buf, size_t len);
  static bool DriveIsHole(void* drive, u64 off, u64 len);
  static int DriveSync(void* drive);
  static void Report(void* ctx, const char* msg);

  struct Drive {
    std::mutex mu;
    std::map<uint64_t, std::vector<uint8_t>> chunks ABSL_GUARDED_BY(mu);  // by 4 KiB block
  };
  std::unique_ptr<RamNvram> CloneLocked(const std::vector<uint8_t>& config, bool has_config)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  hba_fw_nvram_ops ops_{};
  std::mutex mu_;
  std::vector<uint8_t> config_ ABSL_GUARDED_BY(mu_);
  bool has_config_ ABSL_GUARDED_BY(mu_) = false;
  std::vector<std::string> reports_ ABSL_GUARDED_BY(mu_);
  int capture_at_ ABSL_GUARDED_BY(mu_) = 0;
  Snapshot snapshot_ ABSL_GUARDED_BY(mu_);
  // Written by the firmware under its own lock, like the mapped file.
  std::vector<uint8_t> evtlog_;
  std::map<uint32_t, std::shared_ptr<Drive>> drives_;  // by PD id
  std::atomic<int> fail_saves_{0};
  std::atomic<int> saves_{0};
};

}  // namespace hbamgr::coretest

#endif  // HBAMGR_TESTS_CORE_SUPPORT_RAM_NVRAM_H_
