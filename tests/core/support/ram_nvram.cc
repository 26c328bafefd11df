#include "support/ram_nvram.h"

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace hbamgr::coretest {
namespace {

constexpr uint64_t kBlock = 4096;

}  // namespace

RamNvram::RamNvram(bool with_drives) {
  ops_.evtlog_map = &RamNvram::EvtlogMap;
  ops_.evtlog_sync = &RamNvram::EvtlogSync;
  ops_.config_load = &RamNvram::ConfigLoad;
  ops_.config_save = &RamNvram::ConfigSave;
  if (with_drives) {
    ops_.drive_open = &RamNvram::DriveOpen;
    ops_.drive_close = &RamNvram::DriveClose;
    ops_.drive_read = &RamNvram::DriveRead;
    ops_.drive_write = &RamNvram::DriveWrite;
    ops_.drive_is_hole = &RamNvram::DriveIsHole;
    ops_.drive_sync = &RamNvram::DriveSync;
  }
  ops_.report = &RamNvram::Report;
}

void RamNvram::Attach(hba_fw_config* cfg) {
  cfg->nvram = &ops_;
  cfg->nvram_ctx = this;
}

void RamNvram::CaptureAtSave(int n) {
  std::lock_guard<std::mutex> lock(mu_);
  capture_at_ = saves_ + n;
  snapshot_ = Snapshot{};
}

RamNvram::Snapshot RamNvram::TakeSnapshot() {
  std::lock_guard<std::mutex> lock(mu_);
  return std::move(snapshot_);
}

bool RamNvram::captured() {
  std::lock_guard<std::mutex> lock(mu_);
  return snapshot_.after != nullptr;
}

std::unique_ptr<RamNvram> RamNvram::Clone() {
  std::lock_guard<std::mutex> lock(mu_);
  return CloneLocked(config_, has_config_);
}

std::unique_ptr<RamNvram> RamNvram::CloneLocked(const std::vector<uint8_t>& config,
                                                bool has_config) {
  auto copy = std::make_unique<RamNvram>(ops_.drive_open != nullptr);
  std::lock_guard<std::mutex> lock(copy->mu_);
  copy->config_ = config;
  copy->has_config_ = has_config;
  copy->evtlog_ = evtlog_;
  for (const auto& [id, drive] : drives_) {
    auto d = std::make_shared<Drive>();
    std::lock_guard<std::mutex> drive_lock(drive->mu);
    d->chunks = drive->chunks;
    copy->drives_[id] = d;
  }
  return copy;
}

std::vector<uint8_t> RamNvram::config() {
  std::lock_guard<std::mutex> lock(mu_);
  return config_;
}

void RamNvram::set_config(std::vector<uint8_t> image) {
  std::lock_guard<std::mutex> lock(mu_);
  config_ = std::move(image);
  has_config_ = true;
}

void RamNvram::clear_config() {
  std::lock_guard<std::mutex> lock(mu_);
  config_.clear();
  has_config_ = false;
}

std::vector<std::string> RamNvram::reports() {
  std::lock_guard<std::mutex> lock(mu_);
  return reports_;
}

bool RamNvram::Reported(const std::string& text) {
  std::lock_guard<std::mutex> lock(mu_);
  return std::any_of(reports_.begin(), reports_.end(),
                     [&](const std::string& r) { return r.find(text) != std::string::npos; });
}

int RamNvram::EvtlogMap(void* ctx, size_t len, void** region) {
  auto* self = static_cast<RamNvram*>(ctx);
  if (self->evtlog_.empty()) self->evtlog_.assign(len, 0);
  if (self->evtlog_.size() != len) return -EUCLEAN;
  *region = self->evtlog_.data();
  return 0;
}

int RamNvram::EvtlogSync(void*) { return 0; }

ssize_t RamNvram::ConfigLoad(void* ctx, void* buf, size_t cap) {
  auto* self = static_cast<RamNvram*>(ctx);
  std::lock_guard<std::mutex> lock(self->mu_);
  if (!self->has_config_) return 0;
  if (self->config_.size() > cap) return -EFBIG;
  std::memcpy(buf, self->config_.data(), self->config_.size());
  return static_cast<ssize_t>(self->config_.size());
}

int RamNvram::ConfigSave(void* ctx, const void* buf, size_t len) {
  auto* self = static_cast<RamNvram*>(ctx);
  if (int err = self->fail_saves_.load(); err != 0) return -err;
  std::lock_guard<std::mutex> lock(self->mu_);
  const int n = ++self->saves_;
  const bool capture = n == self->capture_at_;
  if (capture) self->snapshot_.before = self->CloneLocked(self->config_, self->has_config_);
  const auto* p = static_cast<const uint8_t*>(buf);
  self->config_.assign(p, p + len);
  self->has_config_ = true;
  if (capture) self->snapshot_.after = self->CloneLocked(self->config_, true);
  return 0;
}

int RamNvram::DriveOpen(void* ctx, u32 pd_id, u64, void** drive) {
  auto* self = static_cast<RamNvram*>(ctx);
  std::shared_ptr<Drive>& d = self->drives_[pd_id];
  if (!d) d = std::make_shared<Drive>();
  *drive = d.get();
  return 0;
}

void RamNvram::DriveClose(void*) {}

int RamNvram::DriveRead(void* drive, u64 off, void* buf, size_t len) {
  auto* d = static_cast<Drive*>(drive);
  std::lock_guard<std::mutex> lock(d->mu);
  auto* out = static_cast<uint8_t*>(buf);
  while (len) {
    const uint64_t in = off % kBlock;
    const size_t n = std::min<uint64_t>(len, kBlock - in);
    auto it = d->chunks.find(off / kBlock);
    if (it == d->chunks.end()) {
      std::memset(out, 0, n);
    } else {
      std::memcpy(out, it->second.data() + in, n);
    }
    out += n;
    off += n;
    len -= n;
  }
  return 0;
}

int RamNvram::DriveWrite(void* drive, u64 off, const void* buf, size_t len) {
  auto* d = static_cast<Drive*>(drive);
  std::lock_guard<std::mutex> lock(d->mu);
  const auto* in_buf = static_cast<const uint8_t*>(buf);
  while (len) {
    const uint64_t in = off % kBlock;
    const size_t n = std::min<uint64_t>(len, kBlock - in);
    std::vector<uint8_t>& chunk = d->chunks[off / kBlock];
    if (chunk.empty()) chunk.assign(kBlock, 0);
    std::memcpy(chunk.data() + in, in_buf, n);
    in_buf += n;
    off += n;
    len -= n;
  }
  return 0;
}

bool RamNvram::DriveIsHole(void* drive, u64 off, u64 len) {
  auto* d = static_cast<Drive*>(drive);
  std::lock_guard<std::mutex> lock(d->mu);
  auto it = d->chunks.lower_bound(off / kBlock);
  return it == d->chunks.end() || it->first * kBlock >= off + len;
}

int RamNvram::DriveSync(void*) { return 0; }

void RamNvram::Report(void* ctx, const char* msg) {
  auto* self = static_cast<RamNvram*>(ctx);
  std::lock_guard<std::mutex> lock(self->mu_);
  self->reports_.emplace_back(msg);
}

}  // namespace hbamgr::coretest
