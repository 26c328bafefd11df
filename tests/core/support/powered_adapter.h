// An adapter (driver core + simulated firmware) with one file open on it,
// driven through management and SCSI passthrough frames, removed (powered
// off) on destruction: what the tests that power adapters on and off ask of
// them.
#ifndef HBAMGR_TESTS_CORE_SUPPORT_POWERED_ADAPTER_H_
#define HBAMGR_TESTS_CORE_SUPPORT_POWERED_ADAPTER_H_

#include <linux/hbamgr.h>

#include <algorithm>
#include <cstring>
#include <iterator>
#include <memory>
#include <utility>
#include <vector>

#include "gtest/gtest.h"
#include "hbacore.h"
#include "support/adapter_fixture.h"

namespace hbamgr::coretest {

class PoweredAdapter {
 public:
  // Takes over a LIVE adapter.
  explicit PoweredAdapter(hba_adapter* a) : adapter_(a), file_(SimFile::Open(a)) {}
  ~PoweredAdapter() {
    file_.reset();
    hbacore_adapter_remove(adapter_);
  }
  PoweredAdapter(const PoweredAdapter&) = delete;
  PoweredAdapter& operator=(const PoweredAdapter&) = delete;

  static constexpr uint32_t kBlockSize = 512;  // the VDs the tests make

  // The frame's hbamgr_status; *result the opcode's result.
  int Mgmt(uint32_t opcode, uint8_t dir, void* data, uint32_t len, const void* mbox = nullptr,
           size_t mbox_len = 0, uint32_t* result = nullptr) {
    hbamgr_passthru pt = MgmtPassthru(opcode, dir, data, len, mbox, mbox_len);
    EXPECT_EQ(file_->Ioctl(HBAMGR_IOC_PASSTHRU, &pt), 0);
    if (result != nullptr) *result = pt.result;
    return static_cast<int>(pt.status);
  }
  template <typename T>
  std::vector<T> List(uint32_t opcode) {
    std::vector<T> out(256);
    uint32_t n = 0;
    EXPECT_EQ(Mgmt(opcode, HBAMGR_DIR_FROM_DEV, out.data(),
                   static_cast<uint32_t>(out.size() * sizeof(T)), nullptr, 0, &n),
              HBAMGR_ST_OK);
    out.resize(n);
    return out;
  }
  std::vector<hbamgr_pd_info> Pds() { return List<hbamgr_pd_info>(HBAMGR_MGMT_PD_LIST); }
  std::vector<hbamgr_vd_info> Vds() { return List<hbamgr_vd_info>(HBAMGR_MGMT_VD_LIST); }
  std::vector<hbamgr_bgop_info> Bgops() { return List<hbamgr_bgop_info>(HBAMGR_MGMT_BGOP_LIST); }
  hbamgr_ctrl_info Ctrl() {
    hbamgr_ctrl_info ci{};
    EXPECT_EQ(Mgmt(HBAMGR_MGMT_CTRL_GET_INFO, HBAMGR_DIR_FROM_DEV, &ci, sizeof(ci)), HBAMGR_ST_OK);
    return ci;
  }
  hbamgr_evtlog_info LogInfo() {
    hbamgr_evtlog_info info{};
    EXPECT_EQ(Mgmt(HBAMGR_MGMT_EVTLOG_INFO, HBAMGR_DIR_FROM_DEV, &info, sizeof(info)),
              HBAMGR_ST_OK);
    return info;
  }
  // The records the log has from seq `from` on (at most 1024).
  std::vector<hbamgr_event> Log(uint64_t from = 1) {
    std::vector<hbamgr_event> out(1024);
    hbamgr_mbox_evtlog mb{};
    mb.start_seq = from;
    uint32_t n = 0;
    EXPECT_EQ(Mgmt(HBAMGR_MGMT_EVTLOG_GET, HBAMGR_DIR_FROM_DEV, out.data(),
                   static_cast<uint32_t>(out.size() * sizeof(hbamgr_event)), &mb, sizeof(mb), &n),
              HBAMGR_ST_OK);
    out.resize(n);
    return out;
  }
  std::vector<hbamgr_event> LogWithCode(uint32_t code) {
    std::vector<hbamgr_event> all = Log(), out;
    std::copy_if(all.begin(), all.end(), std::back_inserter(out),
                 [&](const hbamgr_event& e) { return e.code == code; });
    return out;
  }

  int CreateVd(uint8_t level, const std::vector<uint16_t>& pds, uint16_t* id = nullptr) {
    hbamgr_vd_create c{};
    c.raid_level = level;
    c.num_pds = static_cast<uint8_t>(pds.size());
    std::copy(pds.begin(), pds.end(), c.pd_ids);
    std::memcpy(c.name, "nv", 2);
    hbamgr_passthru pt = MgmtPassthru(HBAMGR_MGMT_VD_CREATE, HBAMGR_DIR_TO_DEV, &c, sizeof(c));
    EXPECT_EQ(file_->Ioctl(HBAMGR_IOC_PASSTHRU, &pt), 0);
    if (id != nullptr) *id = static_cast<uint16_t>(pt.result);
    return static_cast<int>(pt.status);
  }
  int SetPdState(uint16_t pd, uint8_t state) {
    hbamgr_mbox_pd_state m{};
    m.pd_id = pd;
    m.state = state;
    return Mgmt(HBAMGR_MGMT_PD_SET_STATE, HBAMGR_DIR_NONE, nullptr, 0, &m, sizeof(m));
  }
  int SetProps(uint32_t rebuild_rate, uint32_t patrol) {
    hbamgr_mbox_ctrl_props m{};
    m.rebuild_rate = rebuild_rate;
    m.patrol_enabled = patrol;
    return Mgmt(HBAMGR_MGMT_CTRL_SET_PROPS, HBAMGR_DIR_NONE, nullptr, 0, &m, sizeof(m));
  }
  int Locate(uint16_t pd, bool on) {
    hbamgr_mbox_pd_locate m{};
    m.pd_id = pd;
    m.on = on;
    return Mgmt(HBAMGR_MGMT_PD_LOCATE, HBAMGR_DIR_NONE, nullptr, 0, &m, sizeof(m));
  }
  int Bgop(bool start, uint8_t type, uint16_t target) {
    hbamgr_mbox_bgop m{};
    m.type = type;
    m.target = target;
    return Mgmt(start ? HBAMGR_MGMT_BGOP_START : HBAMGR_MGMT_BGOP_STOP, HBAMGR_DIR_NONE, nullptr, 0,
                &m, sizeof(m));
  }
  int Inject(uint32_t fault, uint32_t arg, uint32_t count = 0, uint64_t lba = 0) {
    hbamgr_mbox_fault f{};
    f.fault = fault;
    f.arg = arg;
    f.count = count;
    f.lba = lba;
    return Mgmt(HBAMGR_MGMT_FAULT_INJECT, HBAMGR_DIR_NONE, nullptr, 0, &f, sizeof(f));
  }
  int Write(uint16_t vd, uint32_t lba, std::vector<uint8_t> data) {
    hbamgr_passthru pt =
        ScsiPassthru(vd, Write10(lba, static_cast<uint16_t>(data.size() / kBlockSize)),
                     HBAMGR_DIR_TO_DEV, data.data(), static_cast<uint32_t>(data.size()));
    EXPECT_EQ(file_->Ioctl(HBAMGR_IOC_PASSTHRU, &pt), 0);
    return static_cast<int>(pt.status);
  }
  // A SCSI command to physical drive pd (HBAMGR_PT_F_PHYS); the status.
  int PdScsi(uint16_t pd, std::vector<uint8_t> cdb, uint8_t dir = HBAMGR_DIR_NONE,
             std::vector<uint8_t>* data = nullptr) {
    hbamgr_passthru pt = ScsiPassthru(pd, std::move(cdb), dir, data ? data->data() : nullptr,
                                      data ? static_cast<uint32_t>(data->size()) : 0);
    pt.flags = HBAMGR_PT_F_PHYS;
    EXPECT_EQ(file_->Ioctl(HBAMGR_IOC_PASSTHRU, &pt), 0);
    return static_cast<int>(pt.status);
  }
  std::vector<uint8_t> Read(uint16_t vd, uint32_t lba, uint16_t blocks) {
    std::vector<uint8_t> data(blocks * kBlockSize);
    hbamgr_passthru pt = ScsiPassthru(vd, Read10(lba, blocks), HBAMGR_DIR_FROM_DEV, data.data(),
                                      static_cast<uint32_t>(data.size()));
    EXPECT_EQ(file_->Ioctl(HBAMGR_IOC_PASSTHRU, &pt), 0);
    EXPECT_EQ(pt.status, HBAMGR_ST_OK);
    return data;
  }

 private:
  hba_adapter* adapter_;
  std::unique_ptr<SimFile> file_;
};

}  // namespace hbamgr::coretest

#endif  // HBAMGR_TESTS_CORE_SUPPORT_POWERED_ADAPTER_H_
