// libFuzzer target: the simulated firmware's handling of SCSI and management
// frames (kmod/core/fw: scsi.c's CDB emulation, mgmt.c's parameter blocks
// and records, raid.c, bgop.c) and its storage-model faults, driven through
// fw_store.h the way the frame engine drives it, on a fresh store per input.
//
// Input (fuzz/input.h), a sequence of operations until the input ends:
//   U8 op % 5:
//     0 SCSI frame to a VD, 1 SCSI frame to a PD (HBAMGR_PT_F_PHYS):
//       U8 dir % 3, U8 cdb_len (1 + % 32), U16 target, U8 lun, 32 bytes cdb,
//       frame data
//     2 MGMT frame: U8 opcode (% 16: an index into the known ones, past them
//       a U32 raw opcode), U8 dir % 3, 32 bytes parameter block, frame data
//     3 storage fault (fw_store_inject): U8 fault (% 8: known ones, past
//       them a U32), U32 arg, U32 count, U64 lba
//     4 time passes for background operations: U16 milliseconds
//   frame data: Length(1 MiB) data_len, U8 SGE count, then (TO_DEV) the data.
// The store's first byte picks the sector size (0 mix, 512, 4096).
//
// Frames the engine's doorbell would refuse (hba_fw_cmd_frame_valid) are
// skipped, as the firmware would fault before the store saw them.  Each SGE
// is a heap buffer of its own, so ASan catches a byte moved past one.
#include <linux/hbamgr.h>

#include <algorithm>
#include <cstdint>
#include <memory>
#include <vector>

#include "fuzz/check.h"
#include "fuzz/input.h"
#include "fw/fw_store.h"
#include "hba_fw.h"

namespace {

using hbamgr::fuzz::Input;

constexpr uint32_t kMaxTransfer = 1024 * 1024;  // the engine's FW_MAX_TRANSFER
constexpr uint32_t kMaxSge = 128;               // the engine's FW_MAX_SGE
constexpr int kMaxOps = 64;

const uint32_t kMgmtOpcodes[] = {
    HBAMGR_MGMT_CTRL_GET_INFO, HBAMGR_MGMT_CTRL_SET_PROPS, HBAMGR_MGMT_ENCL_LIST,
    HBAMGR_MGMT_PD_LIST,       HBAMGR_MGMT_PD_SET_STATE,   HBAMGR_MGMT_PD_LOCATE,
    HBAMGR_MGMT_VD_LIST,       HBAMGR_MGMT_VD_CREATE,      HBAMGR_MGMT_VD_DELETE,
    HBAMGR_MGMT_BGOP_START,    HBAMGR_MGMT_BGOP_STOP,      HBAMGR_MGMT_BGOP_LIST,
};
const uint32_t kStoreFaults[] = {
    HBAMGR_FAULT_DRIVE_FAIL,  HBAMGR_FAULT_LINK_DOWN,   HBAMGR_FAULT_LINK_UP,
    HBAMGR_FAULT_MEDIA_ERROR, HBAMGR_FAULT_TEMPERATURE,
};

// The firmware's event log as the store sees it, without NVRAM: a log that
// drops what it is given and never journalled a configuration.
fw_event_sink DroppingLog() {
  fw_event_sink sink{};
  sink.log = [](void*, hbamgr_event*, u32, u64) {};
  sink.state = [](void*, u64* log_id, u64* newest_seq) {
    *log_id = 1;
    *newest_seq = 0;
  };
  sink.attach = [](void*, u64, bool* complete) -> u64 {
    *complete = true;
    return 0;
  };
  return sink;
}

struct StoreDeleter {
  void operator()(fw_store* s) const { fw_store_destroy(s); }
};

// The frame's data: one heap buffer per SGE.
struct FrameData {
  std::vector<std::unique_ptr<uint8_t[]>> buffers;
  std::vector<hba_sge> sgl;
};

void BuildData(Input& in, hba_req_frame& f, FrameData& d) {
  f.data_len = in.Length(kMaxTransfer);
  uint32_t n = f.data_len ? 1 + in.U8() % kMaxSge : in.U8() % 2;
  f.sge_count = static_cast<u16>(n);
  uint32_t left = f.data_len;
  for (uint32_t i = 0; i < n; ++i) {
    uint32_t len = i + 1 == n ? left : left / (n - i);
    left -= len;
    // Never zero bytes: a non-empty SGE needs an address, an empty one may
    // have any and this keeps every address a real allocation.
    d.buffers.emplace_back(new uint8_t[std::max<uint32_t>(len, 1)]);
    uint8_t* buf = d.buffers.back().get();
    if (f.dir == HBAMGR_DIR_TO_DEV) {
      in.Fill(buf, len);
    } else {
      std::fill(buf, buf + len, 0xa5);
    }
    d.sgl.push_back(hba_sge{reinterpret_cast<uintptr_t>(buf), len, 0});
  }
  // The engine reads SGLs of more than HBA_FRAME_SGE_INLINE through the chain.
  if (n > HBA_FRAME_SGE_INLINE) {
    f.sgl_chain = reinterpret_cast<uintptr_t>(d.sgl.data());
  } else {
    std::copy(d.sgl.begin(), d.sgl.end(), f.sge);
  }
}

void RunFrame(fw_store* s, const hba_req_frame& f, const FrameData& d) {
  if (!hba_fw_cmd_frame_valid(&f)) return;
  hba_reply_frame r{};
  if (f.function == HBA_FUNC_SCSI_IO) {
    fw_store_scsi(s, &f, d.sgl.data(), f.sge_count, &r);
  } else {
    fw_store_mgmt(s, &f, d.sgl.data(), f.sge_count, &r);
  }
  FUZZ_CHECK(r.sense_len <= sizeof(r.sense), "sense_len %u", r.sense_len);
  FUZZ_CHECK(r.transfer_count <= f.data_len, "moved %u bytes of a %u-byte buffer", r.transfer_count,
             f.data_len);
  if (r.status == HBAMGR_ST_NO_SPACE) {
    FUZZ_CHECK(r.resid_needed > f.data_len, "NO_SPACE needs %u bytes, the buffer has %u",
               r.resid_needed, f.data_len);
  }
  if (f.dir != HBAMGR_DIR_FROM_DEV) {
    FUZZ_CHECK(f.dir == HBAMGR_DIR_TO_DEV || r.transfer_count == 0, "moved data without a buffer");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  Input in(data, size);
  hba_fw_config cfg{};
  static const uint32_t kSectorSizes[] = {0, 512, 4096};
  cfg.sector_size = kSectorSizes[in.U8() % 3];
  cfg.num_enclosures = 2;
  cfg.slots_per_enclosure = 8;
  cfg.num_drives = 14;
  cfg.drive_size_mb = 8;
  cfg.default_vds = 1;
  cfg.bgop_rate_mb_s = 64;
  hba_fw_config_defaults(&cfg);
  const fw_event_sink sink = DroppingLog();
  fw_store* raw = nullptr;
  FUZZ_CHECK(fw_store_create(&cfg, &sink, &raw) == 0, "fw_store_create failed");
  std::unique_ptr<fw_store, StoreDeleter> store(raw);
  const unsigned long warns = hba_os_warn_count();

  for (int ops = 0; ops < kMaxOps && !in.empty(); ++ops) {
    hba_req_frame f{};
    FrameData d;
    const uint8_t op = in.U8() % 5;
    switch (op) {
      case 0:
      case 1: {
        f.function = HBA_FUNC_SCSI_IO;
        f.flags = op == 1 ? HBAMGR_PT_F_PHYS : 0;
        f.dir = in.U8() % 3;
        f.cdb_len = 1 + in.U8() % sizeof(f.cdb);
        f.target = in.U16();
        f.lun = in.U8();
        in.Fill(f.cdb, sizeof(f.cdb));
        BuildData(in, f, d);
        RunFrame(store.get(), f, d);
        break;
      }
      case 2: {
        f.function = HBA_FUNC_MGMT;
        uint8_t i = in.U8() % 16;
        f.opcode = i < std::size(kMgmtOpcodes) ? kMgmtOpcodes[i] : in.U32();
        f.dir = in.U8() % 3;
        in.Fill(f.cdb, sizeof(f.cdb));
        BuildData(in, f, d);
        RunFrame(store.get(), f, d);
        break;
      }
      case 3: {
        hbamgr_mbox_fault fault{};
        uint8_t i = in.U8() % 8;
        fault.fault = i < std::size(kStoreFaults) ? kStoreFaults[i] : in.U32();
        fault.arg = in.U32();
        fault.count = in.U32();
        fault.lba = in.U64();
        fw_store_inject(store.get(), &fault);
        break;
      }
      default:
        fw_store_tick(store.get(), in.U16());
        break;
    }
  }
  FUZZ_CHECK(hba_os_warn_count() == warns, "the store broke a core invariant (HBA_WARN_ON)");
  return 0;
}
