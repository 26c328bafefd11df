#include "support/fw_store_harness.h"

#include <algorithm>
#include <cstring>

#include "gtest/gtest.h"

namespace hbamgr::fwstoretest {

hba_fw_config SmallStoreConfig() {
  hba_fw_config cfg{};
  cfg.num_enclosures = 1;
  cfg.slots_per_enclosure = 16;
  cfg.num_drives = 12;
  cfg.drive_size_mb = 8;
  cfg.sector_size = 512;
  cfg.max_cmds = 64;
  cfg.max_srbs = 8;
  cfg.num_reply_queues = 1;
  cfg.default_vds = 0;
  cfg.bgop_rate_mb_s = 64;
  return cfg;
}

FwStoreHarness::FwStoreHarness(const hba_fw_config& cfg) {
  fw_event_sink sink{};
  sink.log = &FwStoreHarness::Log;
  sink.state = [](void*, u64* log_id, u64* newest_seq) {
    *log_id = 1;
    *newest_seq = 0;
  };
  sink.attach = [](void*, u64, bool* complete) -> u64 {
    *complete = true;
    return 0;
  };
  sink.ctx = this;
  EXPECT_EQ(fw_store_create(&cfg, &sink, &store_), 0);
}

FwStoreHarness::~FwStoreHarness() {
  if (store_) fw_store_destroy(store_);
}

void FwStoreHarness::Log(void* ctx, hbamgr_event* evs, u32 n, u64) {
  auto* h = static_cast<FwStoreHarness*>(ctx);
  std::lock_guard<std::mutex> lock(h->mu_);
  h->events_.insert(h->events_.end(), evs, evs + n);
}

std::vector<hbamgr_event> FwStoreHarness::Events() {
  std::lock_guard<std::mutex> lock(mu_);
  return events_;
}

void FwStoreHarness::ClearEvents() {
  std::lock_guard<std::mutex> lock(mu_);
  events_.clear();
}

std::vector<hbamgr_event> FwStoreHarness::EventsWithCode(uint32_t code) {
  std::vector<hbamgr_event> out;
  for (const auto& ev : Events()) {
    if (ev.code == code) out.push_back(ev);
  }
  return out;
}

namespace {

// Splits buf into up to three SGEs so that SGL walking is exercised.
std::vector<hba_sge> SplitSgl(std::vector<uint8_t>& buf) {
  std::vector<hba_sge> sgl;
  size_t off = 0;
  const size_t parts[] = {buf.size() / 3, buf.size() / 3, buf.size()};
  for (size_t part : parts) {
    size_t n = std::min(part, buf.size() - off);
    if (n == 0) continue;
    sgl.push_back(hba_sge{static_cast<u64>(reinterpret_cast<uintptr_t>(buf.data() + off)),
                          static_cast<u32>(n), 0});
    off += n;
  }
  return sgl;
}

}  // namespace

ScsiReply FwStoreHarness::Scsi(uint16_t target, const std::vector<uint8_t>& cdb, uint8_t dir,
                               uint32_t alloc, const std::vector<uint8_t>& out, bool phys,
                               uint16_t lun) {
  hba_req_frame f{};
  f.function = HBA_FUNC_SCSI_IO;
  f.dir = dir;
  f.cdb_len = static_cast<u8>(cdb.size());
  f.flags = phys ? HBAMGR_PT_F_PHYS : 0;
  f.target = target;
  f.lun = lun;
  std::memcpy(f.cdb, cdb.data(), std::min(cdb.size(), sizeof(f.cdb)));
  std::vector<uint8_t> buf = dir == HBAMGR_DIR_TO_DEV ? out : std::vector<uint8_t>(alloc, 0xa5);
  std::vector<hba_sge> sgl = SplitSgl(buf);
  f.data_len = static_cast<u32>(buf.size());
  f.sge_count = static_cast<u16>(sgl.size());
  ScsiReply r{};
  fw_store_scsi(store_, &f, sgl.data(), static_cast<u32>(sgl.size()), &r.reply);
  EXPECT_LE(r.reply.transfer_count, buf.size());
  if (dir == HBAMGR_DIR_FROM_DEV) {
    r.data.assign(buf.begin(), buf.begin() + std::min<size_t>(r.reply.transfer_count, buf.size()));
  }
  return r;
}

hba_reply_frame FwStoreHarness::Mgmt(uint32_t opcode, const void* mbox, size_t mbox_len,
                                     uint8_t dir, std::vector<uint8_t>* data) {
  hba_req_frame f{};
  f.function = HBA_FUNC_MGMT;
  f.dir = dir;
  f.opcode = opcode;
  if (mbox) std::memcpy(f.cdb, mbox, std::min(mbox_len, sizeof(f.cdb)));
  std::vector<uint8_t> empty;
  std::vector<uint8_t>& buf = data ? *data : empty;
  std::vector<hba_sge> sgl = SplitSgl(buf);
  f.data_len = static_cast<u32>(buf.size());
  f.sge_count = static_cast<u16>(sgl.size());
  hba_reply_frame r{};
  fw_store_mgmt(store_, &f, sgl.data(), static_cast<u32>(sgl.size()), &r);
  {
    std::lock_guard<std::mutex> lock(mu_);
    last_reason_ = r.reason;
  }
  return r;
}

namespace {

template <typename T>
std::vector<T> List(FwStoreHarness* h, uint32_t opcode) {
  std::vector<uint8_t> buf(sizeof(T) * 256);
  hba_reply_frame r = h->Mgmt(opcode, nullptr, 0, HBAMGR_DIR_FROM_DEV, &buf);
  EXPECT_EQ(r.status, HBAMGR_ST_OK);
  EXPECT_EQ(r.transfer_count, r.result * sizeof(T));
  std::vector<T> out(r.result);
  if (!out.empty()) std::memcpy(out.data(), buf.data(), r.result * sizeof(T));
  return out;
}

}  // namespace

std::vector<hbamgr_pd_info> FwStoreHarness::PdList() {
  return List<hbamgr_pd_info>(this, HBAMGR_MGMT_PD_LIST);
}

std::vector<hbamgr_vd_info> FwStoreHarness::VdList() {
  return List<hbamgr_vd_info>(this, HBAMGR_MGMT_VD_LIST);
}

std::vector<hbamgr_bgop_info> FwStoreHarness::BgopList() {
  return List<hbamgr_bgop_info>(this, HBAMGR_MGMT_BGOP_LIST);
}

hbamgr_pd_info FwStoreHarness::Pd(uint16_t pd_id) {
  for (const auto& pd : PdList()) {
    if (pd.pd_id == pd_id) return pd;
  }
  ADD_FAILURE() << "no PD " << pd_id;
  return {};
}

hbamgr_vd_info FwStoreHarness::Vd(uint16_t vd_id) {
  for (const auto& vd : VdList()) {
    if (vd.vd_id == vd_id) return vd;
  }
  ADD_FAILURE() << "no VD " << vd_id;
  return {};
}

int FwStoreHarness::CreateVd(uint8_t level, const std::vector<uint16_t>& pds, uint32_t strip_kb,
                             uint16_t* vd_id, uint64_t num_blocks, uint32_t flags) {
  hbamgr_vd_create c{};
  c.raid_level = level;
  c.num_pds = static_cast<u8>(pds.size());
  c.strip_kb = strip_kb;
  c.num_blocks = num_blocks;
  c.flags = flags;
  for (size_t i = 0; i < pds.size() && i < HBAMGR_VD_MAX_PDS; i++) c.pd_ids[i] = pds[i];
  std::snprintf(c.name, sizeof(c.name), "r%u", level);
  std::vector<uint8_t> buf(sizeof(c));
  std::memcpy(buf.data(), &c, sizeof(c));
  hba_reply_frame r = Mgmt(HBAMGR_MGMT_VD_CREATE, nullptr, 0, HBAMGR_DIR_TO_DEV, &buf);
  if (vd_id) *vd_id = static_cast<uint16_t>(r.result);
  return r.status;
}

int FwStoreHarness::SetPdState(uint16_t pd_id, uint8_t state) {
  hbamgr_mbox_pd_state m{};
  m.pd_id = pd_id;
  m.state = state;
  return Mgmt(HBAMGR_MGMT_PD_SET_STATE, &m, sizeof(m), HBAMGR_DIR_NONE, nullptr).status;
}

int FwStoreHarness::BgopStart(uint8_t type, uint16_t target) {
  hbamgr_mbox_bgop m{};
  m.type = type;
  m.target = target;
  return Mgmt(HBAMGR_MGMT_BGOP_START, &m, sizeof(m), HBAMGR_DIR_NONE, nullptr).status;
}

int FwStoreHarness::BgopStop(uint8_t type, uint16_t target) {
  hbamgr_mbox_bgop m{};
  m.type = type;
  m.target = target;
  return Mgmt(HBAMGR_MGMT_BGOP_STOP, &m, sizeof(m), HBAMGR_DIR_NONE, nullptr).status;
}

int FwStoreHarness::Inject(uint32_t fault, uint32_t arg, uint32_t count, uint64_t lba) {
  hbamgr_mbox_fault f{};
  f.fault = fault;
  f.arg = arg;
  f.count = count;
  f.lba = lba;
  return fw_store_inject(store_, &f);
}

bool FwStoreHarness::RunBgops(int max_ticks) {
  for (int i = 0; i < max_ticks; i++) {
    bool running = false;
    for (const auto& op : BgopList()) running = running || op.state == HBAMGR_BGOP_RUNNING;
    if (!running) return true;
    fw_store_tick(store_, 100);
  }
  return false;
}

std::vector<uint8_t> Cdb16(uint8_t op, uint64_t lba, uint32_t blocks) {
  std::vector<uint8_t> cdb(16, 0);
  cdb[0] = op;
  for (int i = 0; i < 8; i++) cdb[2 + i] = static_cast<uint8_t>(lba >> (56 - 8 * i));
  for (int i = 0; i < 4; i++) cdb[10 + i] = static_cast<uint8_t>(blocks >> (24 - 8 * i));
  return cdb;
}

bool FwStoreHarness::WriteBlocks(uint16_t target, uint64_t lba, const std::vector<uint8_t>& data,
                                 bool phys, ScsiReply* reply) {
  uint32_t bs = phys ? Pd(target).logical_block_size : Vd(target).logical_block_size;
  ScsiReply r = Scsi(target, Cdb16(0x8a, lba, static_cast<uint32_t>(data.size() / bs)),
                     HBAMGR_DIR_TO_DEV, 0, data, phys);
  if (reply) *reply = r;
  return r.reply.status == HBAMGR_ST_OK && r.reply.transfer_count == data.size();
}

std::vector<uint8_t> FwStoreHarness::ReadBlocks(uint16_t target, uint64_t lba, uint32_t blocks,
                                                uint32_t block_size, bool phys, ScsiReply* reply) {
  ScsiReply r =
      Scsi(target, Cdb16(0x88, lba, blocks), HBAMGR_DIR_FROM_DEV, blocks * block_size, {}, phys);
  if (reply) *reply = r;
  return r.data;
}

std::vector<uint8_t> Pattern(size_t len, uint32_t seed) {
  std::vector<uint8_t> out(len);
  for (size_t off = 0; off < len; off += 8) {
    uint32_t words[2] = {seed, static_cast<uint32_t>(off)};
    std::memcpy(out.data() + off, words, std::min<size_t>(8, len - off));
  }
  return out;
}

}  // namespace hbamgr::fwstoretest
