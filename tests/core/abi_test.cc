// The ioctl/read/poll ABI through the dispatch the kernel uses
// (hba_file_ioctl and friends): every errno path and the functional calls.
// Runs in-process by default; with HBAMGR_ABI_DEVICE=/dev/hbamgrN it runs
// the same checks against hbamgr.ko (tests needing removal or in-process
// hooks skip), and the results must be identical.
#include <gtest/gtest.h>
#include <linux/hbamgr.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "hbamgr_version.h"
#include "support/abi_target.h"
#include "support/adapter_fixture.h"

namespace hbamgr::coretest {
namespace {

constexpr size_t kEventSize = sizeof(hbamgr_event);

// A mapped page followed by an unmapped one: pointers into the second
// fault for real (process_vm_readv in-process, the MMU in the kernel).
class GuardPage {
 public:
  GuardPage() {
    page_ = sysconf(_SC_PAGESIZE);
    void* p = mmap(nullptr, 2 * page_, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    EXPECT_NE(p, MAP_FAILED);
    base_ = static_cast<char*>(p);
    EXPECT_EQ(munmap(base_ + page_, page_), 0);
  }
  ~GuardPage() { munmap(base_, page_); }
  // n bytes that end exactly at the unmapped page.
  char* Tail(size_t n) { return base_ + page_ - n; }
  char* Unmapped() { return base_ + page_; }

 private:
  size_t page_;
  char* base_;
};

class AbiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    warns_ = hbacore_warn_count();
    if (!AbiDeviceMode()) {
      sim_ = SimAdapter::Create(SmallAdapterParams());
      ASSERT_NE(sim_, nullptr);
    }
    t_ = OpenAbiTarget(sim_.get());
    ASSERT_NE(t_, nullptr);
  }

  void TearDown() override {
    t_.reset();
    sim_.reset();
    EXPECT_EQ(hbacore_warn_count(), warns_) << "core invariant warnings";
  }

  hbamgr_info Info() {
    hbamgr_info info{};
    info.size = sizeof(info);
    EXPECT_EQ(t_->Ioctl(HBAMGR_IOC_GET_INFO, &info), 0);
    return info;
  }

  int Pt(hbamgr_passthru* pt, bool admin = true) {
    return t_->Ioctl(HBAMGR_IOC_PASSTHRU, pt, admin);
  }

  // A valid SCSI READ(10) of one block from VD 0, to be broken.
  hbamgr_passthru GoodRead() {
    return ScsiPassthru(0, Read10(0, 1), HBAMGR_DIR_FROM_DEV, buf_, sizeof(buf_));
  }

  std::vector<hbamgr_pd_info> PdList() {
    std::vector<hbamgr_pd_info> pds(128);
    auto pt = MgmtPassthru(HBAMGR_MGMT_PD_LIST, HBAMGR_DIR_FROM_DEV, pds.data(),
                           pds.size() * sizeof(pds[0]));
    EXPECT_EQ(Pt(&pt, false), 0);
    EXPECT_EQ(pt.status, HBAMGR_ST_OK);
    pds.resize(pt.result);
    return pds;
  }

  // Reads records until none is queued.
  std::vector<hbamgr_event> Drain() {
    std::vector<hbamgr_event> out;
    hbamgr_event ev[16];
    for (;;) {
      ssize_t n = t_->Read(ev, sizeof(ev), true);
      if (n <= 0) {
        EXPECT_EQ(n, -EAGAIN);
        return out;
      }
      EXPECT_EQ(n % kEventSize, 0u);
      out.insert(out.end(), ev, ev + n / kEventSize);
    }
  }

  // The firmware hands an event to a posted SRB and only logs it when none is
  // posted (a reader catches up with EVTLOG_GET).  A test that waits for an
  // event on read() first waits until the SRBs earlier events used are
  // posted again, so its event is delivered however the refill is scheduled.
  bool AllSrbsPosted() {
    return WaitFor(
        [&] {
          hbamgr_info info = Info();
          return info.srbs_posted == info.max_srbs;
        },
        std::chrono::seconds(10));
  }

  // Waits (poll, then blocking read) for an event matching pred.
  bool WaitEvent(const std::function<bool(const hbamgr_event&)>& pred, hbamgr_event* found) {
    auto end = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (std::chrono::steady_clock::now() < end) {
      if (!(t_->WaitReadable(1000) & HBACORE_POLLIN)) continue;
      hbamgr_event ev;
      while (t_->Read(&ev, sizeof(ev), true) == kEventSize) {
        if (pred(ev)) {
          *found = ev;
          return true;
        }
      }
    }
    return false;
  }

  unsigned long warns_ = 0;
  std::unique_ptr<SimAdapter> sim_;
  std::unique_ptr<AbiTarget> t_;
  alignas(8) uint8_t buf_[4096] = {};
};

TEST_F(AbiTest, GetInfoFillsEveryField) {
  hbamgr_info info;
  std::memset(&info, 0xa5, sizeof(info));
  info.size = sizeof(info);
  info.flags = 0;
  ASSERT_EQ(t_->Ioctl(HBAMGR_IOC_GET_INFO, &info), 0);
  EXPECT_EQ(info.size, sizeof(info));
  EXPECT_EQ(info.abi_major, HBAMGR_ABI_MAJOR);
  EXPECT_EQ(info.abi_minor, HBAMGR_ABI_MINOR);
  EXPECT_EQ(info.state, HBAMGR_STATE_LIVE);
  uint64_t always = HBAMGR_FEAT_SCSI_PASSTHRU | HBAMGR_FEAT_MGMT_PASSTHRU | HBAMGR_FEAT_EVENTS |
                    HBAMGR_FEAT_RESET | HBAMGR_FEAT_EVTLOG | HBAMGR_FEAT_PHYS_PASSTHRU |
                    HBAMGR_FEAT_REASON;
  EXPECT_EQ(info.features & always, always);
  EXPECT_EQ(info.features & ~(always | HBAMGR_FEAT_FAULT_INJECT | HBAMGR_FEAT_PACED_STORM), 0u);
  for (auto [s, n] :
       {std::pair{info.driver_version, sizeof(info.driver_version)},
        std::pair{info.fw_version, sizeof(info.fw_version)},
        std::pair{info.model, sizeof(info.model)}, std::pair{info.serial, sizeof(info.serial)}}) {
    EXPECT_GT(strnlen(s, n), 0u);
    EXPECT_LT(strnlen(s, n), n) << "not NUL-terminated";
  }
  EXPECT_STREQ(info.driver_version, HBAMGR_VERSION);
  // The simulated adapter's own identity, never a vendor's (docs/abi.md,
  // "What the simulated devices say they are").
  EXPECT_STREQ(info.model, "HBAMGR SIM-9460-16i");
  EXPECT_STREQ(info.fw_version, "HBAMGR FW 1.00");
  EXPECT_EQ(std::string(info.serial, strnlen(info.serial, 6)), "HBAMGR");
  EXPECT_EQ(info.sas_address >> 36, 0x348424dULL) << "NAA 3, locally assigned";
  EXPECT_GT(info.fw_max_cmds, 0u);
  EXPECT_GT(info.drv_max_cmds, 0u);
  EXPECT_LE(info.drv_max_cmds, info.fw_max_cmds);
  EXPECT_LE(info.drv_max_cmds, 1024u);
  EXPECT_GT(info.max_srbs, 0u);
  EXPECT_LE(info.srbs_posted, info.max_srbs);
  EXPECT_GE(info.max_transfer, 4096u);
  EXPECT_GE(info.num_reply_queues, 1u);
  EXPECT_LE(info.num_reply_queues, 8u);
  EXPECT_EQ(info.fw_fault_code, 0u);
  EXPECT_LE(info.cmds_outstanding, info.drv_max_cmds);
  for (uint64_t r : info.reserved) EXPECT_EQ(r, 0u);
  if (!AbiDeviceMode()) {
    EXPECT_EQ(info.features & HBAMGR_FEAT_FAULT_INJECT, HBAMGR_FEAT_FAULT_INJECT);
    EXPECT_EQ(info.features & HBAMGR_FEAT_PACED_STORM, HBAMGR_FEAT_PACED_STORM);
    EXPECT_EQ(info.adapter_index, 0u);
    EXPECT_EQ(info.reset_count, 0u);
    // Every SRB is posted once the adapter is LIVE and idle.
    EXPECT_TRUE(
        WaitFor([&] { return Info().srbs_posted == info.max_srbs; }, std::chrono::seconds(5)));
  }
}

TEST_F(AbiTest, SizeBelowMinimumIsEinval) {
  for (uint32_t size : {0u, 4u, HBAMGR_SIZE_MIN - 1u}) {
    hbamgr_info info{};
    info.size = size;
    EXPECT_EQ(t_->Ioctl(HBAMGR_IOC_GET_INFO, &info), -EINVAL) << size;
    hbamgr_passthru pt = GoodRead();
    pt.size = size;
    EXPECT_EQ(Pt(&pt), -EINVAL) << size;
    hbamgr_reset rst{};
    rst.size = size;
    EXPECT_EQ(t_->Ioctl(HBAMGR_IOC_RESET, &rst), -EINVAL) << size;
  }
}

TEST_F(AbiTest, SizeAboveMaximumIsE2bigWithoutReadingTheTail) {
  // Only the size word is mapped: the tail must not be read.
  GuardPage guard;
  auto* size = reinterpret_cast<uint32_t*>(guard.Tail(sizeof(uint32_t)));
  *size = HBAMGR_SIZE_MAX + 1;
  EXPECT_EQ(t_->Ioctl(HBAMGR_IOC_GET_INFO, size), -E2BIG);
  EXPECT_EQ(t_->Ioctl(HBAMGR_IOC_PASSTHRU, size), -E2BIG);
  EXPECT_EQ(t_->Ioctl(HBAMGR_IOC_RESET, size), -E2BIG);
}

TEST_F(AbiTest, LargerStructWithNonZeroTailIsE2big) {
  alignas(8) uint8_t big[sizeof(hbamgr_info) + 64] = {};
  auto* info = reinterpret_cast<hbamgr_info*>(big);
  info->size = sizeof(big);
  big[sizeof(hbamgr_info) + 63] = 1;
  EXPECT_EQ(t_->Ioctl(HBAMGR_IOC_GET_INFO, big), -E2BIG);

  alignas(8) uint8_t bigpt[sizeof(hbamgr_passthru) + 8] = {};
  hbamgr_passthru pt = GoodRead();
  std::memcpy(bigpt, &pt, sizeof(pt));
  reinterpret_cast<hbamgr_passthru*>(bigpt)->size = sizeof(bigpt);
  bigpt[sizeof(pt)] = 0xff;
  EXPECT_EQ(Pt(reinterpret_cast<hbamgr_passthru*>(bigpt)), -E2BIG);
}

TEST_F(AbiTest, LargerStructWithZeroTailSucceedsAndTailIsUntouched) {
  alignas(8) uint8_t big[sizeof(hbamgr_info) + 64] = {};
  auto* info = reinterpret_cast<hbamgr_info*>(big);
  info->size = sizeof(big);
  ASSERT_EQ(t_->Ioctl(HBAMGR_IOC_GET_INFO, big), 0);
  EXPECT_EQ(info->abi_major, HBAMGR_ABI_MAJOR);
  EXPECT_EQ(info->state, HBAMGR_STATE_LIVE);
  EXPECT_EQ(info->size, sizeof(big));
  for (size_t i = sizeof(hbamgr_info); i < sizeof(big); i++) EXPECT_EQ(big[i], 0) << i;
}

TEST_F(AbiTest, SmallerStructIsZeroExtendedAndOnlyItsBytesWritten) {
  // An older caller knowing only size, flags, abi_major/minor and state.
  constexpr uint32_t kOld = offsetof(hbamgr_info, features);
  alignas(8) uint8_t old[sizeof(hbamgr_info)];
  std::memset(old, 0xee, sizeof(old));
  auto* info = reinterpret_cast<hbamgr_info*>(old);
  info->size = kOld;
  info->flags = 0;
  ASSERT_EQ(t_->Ioctl(HBAMGR_IOC_GET_INFO, old), 0);
  EXPECT_EQ(info->abi_major, HBAMGR_ABI_MAJOR);
  EXPECT_EQ(info->state, HBAMGR_STATE_LIVE);
  for (size_t i = kOld; i < sizeof(old); i++) EXPECT_EQ(old[i], 0xee) << i;

  // A passthrough without the sense and reserved fields (zero-filled) and
  // without room for the results past status.
  constexpr uint32_t kOldPt = offsetof(hbamgr_passthru, sense_len);
  hbamgr_passthru pt = GoodRead();
  std::memset(reinterpret_cast<uint8_t*>(&pt) + kOldPt, 0xee, sizeof(pt) - kOldPt);
  pt.size = kOldPt;
  ASSERT_EQ(Pt(&pt), 0);
  EXPECT_EQ(pt.status, 0xeeeeeeeeu) << "written past the caller's size";
}

TEST_F(AbiTest, IocSizeBitsAreIgnored) {
  hbamgr_info info{};
  info.size = sizeof(info);
  unsigned long cmd =
      _IOC(_IOC_READ | _IOC_WRITE, HBAMGR_IOC_MAGIC, _IOC_NR(HBAMGR_IOC_GET_INFO), 16);
  ASSERT_EQ(t_->Ioctl(cmd, &info), 0);
  EXPECT_EQ(info.abi_major, HBAMGR_ABI_MAJOR);
}

TEST_F(AbiTest, NonZeroFlagsOrReservedIsEinval) {
  hbamgr_info info{};
  info.size = sizeof(info);
  info.flags = 1;
  EXPECT_EQ(t_->Ioctl(HBAMGR_IOC_GET_INFO, &info), -EINVAL);

  hbamgr_reset rst{};
  rst.size = sizeof(rst);
  rst.flags = 1u << 1;
  EXPECT_EQ(t_->Ioctl(HBAMGR_IOC_RESET, &rst), -EINVAL);
  rst.flags = 0;
  rst.reserved[1] = 1;
  EXPECT_EQ(t_->Ioctl(HBAMGR_IOC_RESET, &rst), -EINVAL);
}

TEST_F(AbiTest, UnknownCommandsAreEnotty) {
  hbamgr_info info{};
  info.size = sizeof(info);
  EXPECT_EQ(t_->Ioctl(_IOWR(HBAMGR_IOC_MAGIC, 0x00, hbamgr_info), &info), -ENOTTY);
  EXPECT_EQ(t_->Ioctl(_IOWR(HBAMGR_IOC_MAGIC, 0x04, hbamgr_info), &info), -ENOTTY);
  EXPECT_EQ(t_->Ioctl(_IOWR(HBAMGR_IOC_MAGIC, 0xff, hbamgr_info), &info), -ENOTTY);
  EXPECT_EQ(t_->Ioctl(_IOWR('X', 0x01, hbamgr_info), &info), -ENOTTY);
  EXPECT_EQ(t_->Ioctl(_IOWR(HBAMGR_IOC_MAGIC + 1, 0x01, hbamgr_info), &info), -ENOTTY);
}

TEST_F(AbiTest, BadArgumentPointersAreEfault) {
  GuardPage guard;
  EXPECT_EQ(t_->Ioctl(HBAMGR_IOC_GET_INFO, nullptr), -EFAULT);
  EXPECT_EQ(t_->Ioctl(HBAMGR_IOC_GET_INFO, guard.Unmapped()), -EFAULT);
  EXPECT_EQ(t_->Ioctl(HBAMGR_IOC_PASSTHRU, guard.Unmapped()), -EFAULT);
  EXPECT_EQ(t_->Ioctl(HBAMGR_IOC_RESET, guard.Unmapped()), -EFAULT);

  // The size word is readable, the rest of the struct is not.
  auto* size = reinterpret_cast<uint32_t*>(guard.Tail(sizeof(uint32_t)));
  *size = sizeof(hbamgr_info);
  EXPECT_EQ(t_->Ioctl(HBAMGR_IOC_GET_INFO, size), -EFAULT);

  // A larger struct whose would-be-zero tail is unmapped.
  auto* info = reinterpret_cast<hbamgr_info*>(guard.Tail(sizeof(hbamgr_info)));
  std::memset(info, 0, sizeof(*info));
  info->size = sizeof(hbamgr_info) + 8;
  EXPECT_EQ(t_->Ioctl(HBAMGR_IOC_GET_INFO, info), -EFAULT);
}

TEST_F(AbiTest, PassthruRejectsMalformedFrames) {
  struct Case {
    const char* what;
    std::function<void(hbamgr_passthru&)> mutate;
  };
  const Case cases[] = {
      {"unknown flag", [](auto& p) { p.flags = 1u << 1; }},
      {"pad0", [](auto& p) { p.pad0 = 1; }},
      {"reserved[0]", [](auto& p) { p.reserved[0] = 1; }},
      {"reserved[1]", [](auto& p) { p.reserved[1] = 1; }},
      {"type 0", [](auto& p) { p.type = 0; }},
      {"type 3", [](auto& p) { p.type = 3; }},
      {"dir 3", [](auto& p) { p.dir = 3; }},
      {"cdb_len 5", [](auto& p) { p.cdb_len = HBAMGR_CDB_MIN - 1; }},
      {"cdb_len 33", [](auto& p) { p.cdb_len = HBAMGR_CDB_MAX + 1; }},
      {"lun 1", [](auto& p) { p.lun = 1; }},
      {"scsi opcode", [](auto& p) { p.opcode = HBAMGR_MGMT_PD_LIST; }},
      {"timeout", [](auto& p) { p.timeout_ms = HBAMGR_PT_TIMEOUT_MAX_MS + 1; }},
      {"data_len without data_ptr", [](auto& p) { p.data_ptr = 0; }},
      {"data_ptr without data_len", [](auto& p) { p.data_len = 0; }},
      {"dir NONE with data", [](auto& p) { p.dir = HBAMGR_DIR_NONE; }},
      {"sense_len 97",
       [&](auto& p) {
         p.sense_len = HBAMGR_SENSE_MAX + 1;
         p.sense_ptr = reinterpret_cast<uintptr_t>(buf_);
       }},
      {"sense_len without sense_ptr", [](auto& p) { p.sense_len = 18; }},
      {"sense_ptr without sense_len",
       [&](auto& p) { p.sense_ptr = reinterpret_cast<uintptr_t>(buf_); }},
      {"mgmt with cdb_len",
       [](auto& p) {
         p.type = HBAMGR_PT_MGMT;
         p.opcode = HBAMGR_MGMT_PD_LIST;
       }},
      {"mgmt with F_PHYS",
       [](auto& p) {
         p.type = HBAMGR_PT_MGMT;
         p.cdb_len = 0;
         p.opcode = HBAMGR_MGMT_PD_LIST;
         p.flags = HBAMGR_PT_F_PHYS;
       }},
      {"TO_DEV without data",
       [](auto& p) {
         p.dir = HBAMGR_DIR_TO_DEV;
         p.data_len = 0;
         p.data_ptr = 0;
       }},
  };
  for (const auto& c : cases) {
    hbamgr_passthru pt = GoodRead();
    c.mutate(pt);
    EXPECT_EQ(Pt(&pt), -EINVAL) << c.what;
  }
  hbamgr_passthru pt = GoodRead();
  EXPECT_EQ(Pt(&pt), 0) << "the unbroken frame";
  EXPECT_EQ(pt.status, HBAMGR_ST_OK);
}

TEST_F(AbiTest, PassthruDataBuffers) {
  hbamgr_info info = Info();
  std::vector<uint8_t> big(info.max_transfer + 512);
  auto pt = ScsiPassthru(0, Read10(0, 1), HBAMGR_DIR_FROM_DEV, big.data(), info.max_transfer + 512);
  EXPECT_EQ(Pt(&pt), -EINVAL) << "data_len above max_transfer";

  GuardPage guard;
  pt = ScsiPassthru(0, Write10(0, 1), HBAMGR_DIR_TO_DEV, guard.Tail(256), 512);
  EXPECT_EQ(Pt(&pt), -EFAULT) << "TO_DEV buffer runs into unmapped memory";
  pt = ScsiPassthru(0, Read10(0, 1), HBAMGR_DIR_FROM_DEV, guard.Unmapped(), 512);
  EXPECT_EQ(Pt(&pt), -EFAULT) << "FROM_DEV buffer unmapped";

  // A buffer larger than the transfer: resid says how much was not used.
  pt = ScsiPassthru(0, Read10(0, 1), HBAMGR_DIR_FROM_DEV, buf_, sizeof(buf_));
  ASSERT_EQ(Pt(&pt), 0);
  ASSERT_EQ(pt.status, HBAMGR_ST_OK);
  EXPECT_TRUE(pt.resid == sizeof(buf_) - 512 || pt.resid == 0) << pt.resid;
}

TEST_F(AbiTest, PrivilegedCallsNeedSysAdmin) {
  hbamgr_reset rst{};
  rst.size = sizeof(rst);
  EXPECT_EQ(t_->Ioctl(HBAMGR_IOC_RESET, &rst, false), -EPERM);

  const uint32_t admin_ops[] = {HBAMGR_MGMT_CTRL_SET_PROPS, HBAMGR_MGMT_PD_SET_STATE,
                                HBAMGR_MGMT_PD_LOCATE,      HBAMGR_MGMT_VD_DELETE,
                                HBAMGR_MGMT_BGOP_START,     HBAMGR_MGMT_BGOP_STOP,
                                HBAMGR_MGMT_FAULT_INJECT};
  for (uint32_t op : admin_ops) {
    auto pt = MgmtPassthru(op, HBAMGR_DIR_NONE, nullptr, 0);
    EXPECT_EQ(Pt(&pt, false), -EPERM) << std::hex << op;
  }
  hbamgr_vd_create vc{};
  auto pt = MgmtPassthru(HBAMGR_MGMT_VD_CREATE, HBAMGR_DIR_TO_DEV, &vc, sizeof(vc));
  EXPECT_EQ(Pt(&pt, false), -EPERM);

  pt = ScsiPassthru(0, Read10(0, 1), HBAMGR_DIR_FROM_DEV, buf_, 512);
  pt.flags = HBAMGR_PT_F_PHYS;
  EXPECT_EQ(Pt(&pt, false), -EPERM) << "physical drive passthrough";

  // Reading is for everyone.
  hbamgr_ctrl_info ci{};
  pt = MgmtPassthru(HBAMGR_MGMT_CTRL_GET_INFO, HBAMGR_DIR_FROM_DEV, &ci, sizeof(ci));
  EXPECT_EQ(Pt(&pt, false), 0);
  EXPECT_EQ(pt.status, HBAMGR_ST_OK);
  pt = ScsiPassthru(0, Read10(0, 1), HBAMGR_DIR_FROM_DEV, buf_, 512);
  EXPECT_EQ(Pt(&pt, false), 0);
  hbamgr_info info{};
  info.size = sizeof(info);
  EXPECT_EQ(t_->Ioctl(HBAMGR_IOC_GET_INFO, &info, false), 0);
}

TEST_F(AbiTest, ReadNeedsRoomForOneRecord) {
  hbamgr_event ev[2];
  EXPECT_EQ(t_->Read(ev, 0, true), -EINVAL);
  EXPECT_EQ(t_->Read(ev, kEventSize - 1, true), -EINVAL);
  EXPECT_EQ(t_->Read(ev, kEventSize - 1, false), -EINVAL);
}

TEST_F(AbiTest, NonblockingReadWithNothingQueuedIsEagain) {
  Drain();
  hbamgr_event ev;
  EXPECT_EQ(t_->Read(&ev, sizeof(ev), true), -EAGAIN);
  EXPECT_EQ(t_->Poll() & HBACORE_POLLIN, 0u);
}

TEST_F(AbiTest, ResetWaitsForLiveAndCounts) {
  hbamgr_info before = Info();
  hbamgr_reset rst{};
  rst.size = sizeof(rst);
  rst.flags = HBAMGR_RESET_F_WAIT;
  ASSERT_EQ(t_->Ioctl(HBAMGR_IOC_RESET, &rst), 0);
  EXPECT_EQ(rst.state, HBAMGR_STATE_LIVE);
  EXPECT_EQ(rst.reset_count, before.reset_count + 1);
  hbamgr_info after = Info();
  EXPECT_EQ(after.reset_count, before.reset_count + 1);
  hbamgr_passthru pt = GoodRead();
  EXPECT_EQ(Pt(&pt), 0);
  EXPECT_EQ(pt.status, HBAMGR_ST_OK);
}

TEST_F(AbiTest, CallsAfterRemovalAreEnodev) {
  if (AbiDeviceMode()) GTEST_SKIP() << "needs in-process adapter removal";
  auto other = OpenAbiTarget(sim_.get());
  ASSERT_NE(other, nullptr);
  sim_->Remove();
  for (AbiTarget* t : {t_.get(), other.get()}) {
    hbamgr_info info{};
    info.size = sizeof(info);
    EXPECT_EQ(t->Ioctl(HBAMGR_IOC_GET_INFO, &info), -ENODEV);
    hbamgr_passthru pt = GoodRead();
    EXPECT_EQ(t->Ioctl(HBAMGR_IOC_PASSTHRU, &pt), -ENODEV);
    hbamgr_reset rst{};
    rst.size = sizeof(rst);
    EXPECT_EQ(t->Ioctl(HBAMGR_IOC_RESET, &rst), -ENODEV);
    EXPECT_EQ(t->Ioctl(_IOWR(HBAMGR_IOC_MAGIC, 0x09, hbamgr_info), &info), -ENOTTY);
    hbamgr_event ev;
    EXPECT_EQ(t->Read(&ev, sizeof(ev), true), -ENODEV);
    EXPECT_EQ(t->Read(&ev, sizeof(ev), false), -ENODEV);
    EXPECT_EQ(t->Poll(), HBACORE_POLLHUP);
  }
}

TEST_F(AbiTest, ScsiInquiryToVd0) {
  auto pt = ScsiPassthru(0, {0x12, 0, 0, 0, 96, 0}, HBAMGR_DIR_FROM_DEV, buf_, 96);
  ASSERT_EQ(Pt(&pt, false), 0);
  ASSERT_EQ(pt.status, HBAMGR_ST_OK);
  EXPECT_EQ(pt.scsi_status, 0);
  EXPECT_EQ(buf_[0] & 0x1f, 0) << "direct-access block device";
  EXPECT_GE(buf_[4] + 5u, 36u) << "standard INQUIRY data";
  EXPECT_LE(pt.resid, 96u - 36u);
}

TEST_F(AbiTest, ScsiReadCapacityToVd0) {
  auto pt = ScsiPassthru(0, {0x25, 0, 0, 0, 0, 0, 0, 0, 0, 0}, HBAMGR_DIR_FROM_DEV, buf_, 8);
  ASSERT_EQ(Pt(&pt, false), 0);
  ASSERT_EQ(pt.status, HBAMGR_ST_OK);
  uint32_t last = (buf_[0] << 24) | (buf_[1] << 16) | (buf_[2] << 8) | buf_[3];
  uint32_t bs = (buf_[4] << 24) | (buf_[5] << 16) | (buf_[6] << 8) | buf_[7];
  EXPECT_GT(last, 0u);
  EXPECT_TRUE(bs == 512 || bs == 4096) << bs;
  EXPECT_EQ(pt.resid, 0u);
}

TEST_F(AbiTest, ScsiErrorReturnsSense) {
  // An unsupported opcode: CHECK CONDITION with ILLEGAL REQUEST sense.
  uint8_t sense[96] = {};
  auto pt = ScsiPassthru(0, {0xff, 0, 0, 0, 0, 0}, HBAMGR_DIR_NONE, nullptr, 0);
  pt.sense_ptr = reinterpret_cast<uintptr_t>(sense);
  pt.sense_len = sizeof(sense);
  ASSERT_EQ(Pt(&pt, false), 0);
  EXPECT_EQ(pt.status, HBAMGR_ST_SCSI_ERROR);
  EXPECT_EQ(pt.scsi_status, 0x02);
  ASSERT_GT(pt.sense_len_out, 2);
  EXPECT_EQ(sense[0] & 0x7f, 0x70);
  EXPECT_EQ(sense[2] & 0x0f, 0x05);
}

TEST_F(AbiTest, MgmtPdListAndVdList) {
  auto pds = PdList();
  ASSERT_FALSE(pds.empty());
  for (const auto& pd : pds) {
    EXPECT_TRUE(pd.logical_block_size == 512 || pd.logical_block_size == 4096);
    EXPECT_GT(pd.num_blocks, 0u);
  }
  // Too small a buffer: NO_SPACE, resid = bytes needed.
  if (pds.size() > 1) {
    hbamgr_pd_info one;
    auto pt = MgmtPassthru(HBAMGR_MGMT_PD_LIST, HBAMGR_DIR_FROM_DEV, &one, sizeof(one));
    ASSERT_EQ(Pt(&pt, false), 0);
    EXPECT_EQ(pt.status, HBAMGR_ST_NO_SPACE);
    EXPECT_EQ(pt.resid, pds.size() * sizeof(hbamgr_pd_info));
  }
  std::vector<hbamgr_vd_info> vds(64);
  auto pt = MgmtPassthru(HBAMGR_MGMT_VD_LIST, HBAMGR_DIR_FROM_DEV, vds.data(),
                         vds.size() * sizeof(vds[0]));
  ASSERT_EQ(Pt(&pt, false), 0);
  ASSERT_EQ(pt.status, HBAMGR_ST_OK);
  ASSERT_GE(pt.result, 1u);
  bool vd0 = false;
  for (uint32_t i = 0; i < pt.result; i++) vd0 |= vds[i].vd_id == 0;
  EXPECT_TRUE(vd0);
}

TEST_F(AbiTest, UnknownMgmtOpcodeIsAStatusNotAnErrno) {
  auto pt = MgmtPassthru(0x7777, HBAMGR_DIR_NONE, nullptr, 0);
  ASSERT_EQ(Pt(&pt), 0);
  EXPECT_EQ(pt.status, HBAMGR_ST_INVALID_OPCODE);
}

TEST_F(AbiTest, VdCreateThenWriteAndReadBack) {
  // Two free drives with the same block size.
  std::map<uint32_t, std::vector<uint16_t>> free_by_lbs;
  std::vector<uint16_t> members;
  for (const auto& pd : PdList()) {
    if (pd.state != HBAMGR_PD_UNCONFIGURED_GOOD || pd.vd_id != HBAMGR_ID_NONE) continue;
    auto& group = free_by_lbs[pd.logical_block_size];
    group.push_back(pd.pd_id);
    if (group.size() == 2) {
      members = group;
      break;
    }
  }
  if (members.size() < 2) GTEST_SKIP() << "no two free drives alike";
  hbamgr_vd_create vc{};
  vc.raid_level = 1;
  vc.num_pds = 2;
  vc.pd_ids[0] = members[0];
  vc.pd_ids[1] = members[1];
  std::snprintf(vc.name, sizeof(vc.name), "abi-test");
  auto pt = MgmtPassthru(HBAMGR_MGMT_VD_CREATE, HBAMGR_DIR_TO_DEV, &vc, sizeof(vc));
  ASSERT_EQ(Pt(&pt), 0);
  ASSERT_EQ(pt.status, HBAMGR_ST_OK);
  uint16_t vd = static_cast<uint16_t>(pt.result);

  pt = ScsiPassthru(vd, {0x25, 0, 0, 0, 0, 0, 0, 0, 0, 0}, HBAMGR_DIR_FROM_DEV, buf_, 8);
  ASSERT_EQ(Pt(&pt), 0);
  ASSERT_EQ(pt.status, HBAMGR_ST_OK);
  uint32_t bs = (buf_[4] << 24) | (buf_[5] << 16) | (buf_[6] << 8) | buf_[7];
  ASSERT_TRUE(bs == 512 || bs == 4096);

  std::vector<uint8_t> out(2 * bs), in(2 * bs);
  for (size_t i = 0; i < out.size(); i++) out[i] = (i * 7 + vd) & 0xff;
  pt = ScsiPassthru(vd, Write10(10, 2), HBAMGR_DIR_TO_DEV, out.data(), out.size());
  ASSERT_EQ(Pt(&pt), 0);
  ASSERT_EQ(pt.status, HBAMGR_ST_OK);
  EXPECT_EQ(pt.resid, 0u);
  pt = ScsiPassthru(vd, Read10(10, 2), HBAMGR_DIR_FROM_DEV, in.data(), in.size());
  ASSERT_EQ(Pt(&pt), 0);
  ASSERT_EQ(pt.status, HBAMGR_ST_OK);
  EXPECT_EQ(in, out);

  hbamgr_mbox_vd_delete del{};
  del.vd_id = vd;
  pt = MgmtPassthru(HBAMGR_MGMT_VD_DELETE, HBAMGR_DIR_NONE, nullptr, 0, &del, sizeof(del));
  ASSERT_EQ(Pt(&pt), 0);
  EXPECT_EQ(pt.status, HBAMGR_ST_OK);
}

// ABI 1.1: a refused management frame says why, through the driver.
TEST_F(AbiTest, MgmtRefusalCarriesTheFirmwareReason) {
  hbamgr_vd_create vc{};
  vc.raid_level = 7;
  vc.num_pds = 2;
  vc.pd_ids[0] = PdList().front().pd_id;
  vc.pd_ids[1] = PdList().back().pd_id;
  auto pt = MgmtPassthru(HBAMGR_MGMT_VD_CREATE, HBAMGR_DIR_TO_DEV, &vc, sizeof(vc));
  pt.pad2 = 0xdeadbeef;  // an output field: not checked on input
  ASSERT_EQ(Pt(&pt), 0);
  EXPECT_EQ(pt.status, HBAMGR_ST_INVALID_PARAM);
  EXPECT_EQ(pt.reason, HBAMGR_RSN_RAID_LEVEL);
  EXPECT_EQ(pt.reason_value, 7u);
  EXPECT_NE(pt.reason_limit & (1u << 5), 0u) << "RAID 5 is supported";
  EXPECT_EQ(pt.pad2, 0u);
  // The same struct again, its reason fields still set: a status again.
  ASSERT_EQ(Pt(&pt), 0);
  EXPECT_EQ(pt.reason, HBAMGR_RSN_RAID_LEVEL);

  hbamgr_mbox_vd_delete del{};
  del.vd_id = 77;
  pt = MgmtPassthru(HBAMGR_MGMT_VD_DELETE, HBAMGR_DIR_NONE, nullptr, 0, &del, sizeof(del));
  ASSERT_EQ(Pt(&pt), 0);
  EXPECT_EQ(pt.status, HBAMGR_ST_NO_DEVICE);
  EXPECT_EQ(pt.reason, HBAMGR_RSN_VD_MISSING);
  EXPECT_EQ(pt.reason_id, 77);

  // Success clears whatever the struct held.
  std::vector<hbamgr_pd_info> pds(64);
  pt = MgmtPassthru(HBAMGR_MGMT_PD_LIST, HBAMGR_DIR_FROM_DEV, pds.data(),
                    pds.size() * sizeof(pds[0]));
  pt.reason = HBAMGR_RSN_NAME;
  pt.reason_value = 1;
  ASSERT_EQ(Pt(&pt, false), 0);
  EXPECT_EQ(pt.status, HBAMGR_ST_OK);
  EXPECT_EQ(pt.reason, HBAMGR_RSN_NONE);
  EXPECT_EQ(pt.reason_value, 0u);
}

// A caller built against ABI 1.0 (a 112-byte hbamgr_passthru and the 1.0
// ioctl number) works as before and never sees the 1.1 fields written.
TEST_F(AbiTest, Abi10PassthruCallerIsUnaffected) {
  constexpr uint32_t kAbi10Size = offsetof(hbamgr_passthru, reason);
  static_assert(kAbi10Size == 112);
  constexpr unsigned long kAbi10Passthru = 0xc070b802;  // _IOWR(0xB8, 2, 112 bytes)
  ASSERT_EQ(_IOC_SIZE(kAbi10Passthru), kAbi10Size);
  alignas(8) uint8_t raw[sizeof(hbamgr_passthru)];
  auto* pt = reinterpret_cast<hbamgr_passthru*>(raw);

  hbamgr_vd_create vc{};
  vc.raid_level = 7;
  vc.num_pds = 1;
  vc.pd_ids[0] = PdList().front().pd_id;
  *pt = MgmtPassthru(HBAMGR_MGMT_VD_CREATE, HBAMGR_DIR_TO_DEV, &vc, sizeof(vc));
  pt->size = kAbi10Size;
  std::memset(raw + kAbi10Size, 0xee, sizeof(raw) - kAbi10Size);
  ASSERT_EQ(t_->Ioctl(kAbi10Passthru, raw), 0);
  EXPECT_EQ(pt->status, HBAMGR_ST_INVALID_PARAM);
  for (size_t i = kAbi10Size; i < sizeof(raw); i++) EXPECT_EQ(raw[i], 0xee) << i;

  *pt = GoodRead();
  pt->size = kAbi10Size;
  std::memset(raw + kAbi10Size, 0xee, sizeof(raw) - kAbi10Size);
  ASSERT_EQ(t_->Ioctl(kAbi10Passthru, raw), 0);
  EXPECT_EQ(pt->status, HBAMGR_ST_OK);
  for (size_t i = kAbi10Size; i < sizeof(raw); i++) EXPECT_EQ(raw[i], 0xee) << i;

  // And its GET_INFO: 1.1 announces itself; a 1.0 caller ignores the bit.
  hbamgr_info info = Info();
  EXPECT_EQ(info.abi_minor, 1);
  EXPECT_NE(info.features & HBAMGR_FEAT_REASON, 0u);
}

TEST_F(AbiTest, PdLocateEventArrivesOnRead) {
  auto pds = PdList();
  ASSERT_FALSE(pds.empty());
  uint16_t pd = pds.back().pd_id;
  Drain();
  ASSERT_TRUE(AllSrbsPosted());
  hbamgr_mbox_pd_locate loc{};
  loc.pd_id = pd;
  loc.on = 1;
  auto pt = MgmtPassthru(HBAMGR_MGMT_PD_LOCATE, HBAMGR_DIR_NONE, nullptr, 0, &loc, sizeof(loc));
  ASSERT_EQ(Pt(&pt), 0);
  ASSERT_EQ(pt.status, HBAMGR_ST_OK);
  hbamgr_event ev{};
  ASSERT_TRUE(WaitEvent(
      [&](const hbamgr_event& e) { return e.code == HBAMGR_EVT_PD_LOCATE && e.pd_id == pd; }, &ev));
  EXPECT_EQ(ev.type, HBAMGR_EVT_TYPE_RECORD);
  EXPECT_EQ(ev.event_class, HBAMGR_EVC_PD);
  EXPECT_EQ(ev.arg0, 1u);
  EXPECT_GT(ev.seq, 0u);
  EXPECT_LE(ev.seq, Info().last_event_seq);
  EXPECT_LT(strnlen(ev.description, sizeof(ev.description)), sizeof(ev.description));
  loc.on = 0;
  ASSERT_TRUE(AllSrbsPosted());
  pt = MgmtPassthru(HBAMGR_MGMT_PD_LOCATE, HBAMGR_DIR_NONE, nullptr, 0, &loc, sizeof(loc));
  ASSERT_EQ(Pt(&pt), 0);
  // Leaves no event on its way to the next test's ring.
  EXPECT_TRUE(WaitEvent(
      [&](const hbamgr_event& e) {
        return e.code == HBAMGR_EVT_PD_LOCATE && e.pd_id == pd && e.arg0 == 0;
      },
      &ev));
}

TEST_F(AbiTest, RingOverflowKeepsOneOverflowRecord) {
  if (!(Info().features & HBAMGR_FEAT_FAULT_INJECT)) GTEST_SKIP() << "fault injection disabled";
  // Records delivered before this GET_INFO are in the ring and drained; any
  // later one (a stray event of the firmware's own) is newer than both.
  uint64_t read_through = Info().last_event_seq;
  for (const hbamgr_event& ev : Drain()) read_through = std::max<uint64_t>(read_through, ev.seq);
  // The firmware hands an event to a posted SRB, if one is waiting, and
  // only logs it otherwise: one event at a time, each delivered before the
  // next, reaches every file without gaps.
  constexpr uint32_t kEvents = 300;  // more than the event ring holds
  uint64_t first = 0;
  uint64_t last = Info().last_event_seq;
  for (uint32_t i = 0; i < kEvents; i++) {
    ASSERT_TRUE(AllSrbsPosted());
    hbamgr_mbox_fault f{};
    f.fault = HBAMGR_FAULT_SRB_STORM;
    f.count = 1;
    auto pt = MgmtPassthru(HBAMGR_MGMT_FAULT_INJECT, HBAMGR_DIR_NONE, nullptr, 0, &f, sizeof(f));
    ASSERT_EQ(Pt(&pt), 0);
    ASSERT_EQ(pt.status, HBAMGR_ST_OK);
    ASSERT_TRUE(WaitFor([&] { return Info().last_event_seq > last; }, std::chrono::seconds(5)));
    last = Info().last_event_seq;
    if (first == 0) first = last;
  }

  std::vector<hbamgr_event> evs = Drain();
  ASSERT_GE(evs.size(), 2u);
  const hbamgr_event& ovf = evs[0];
  ASSERT_EQ(ovf.type, HBAMGR_EVT_TYPE_OVERFLOW);
  EXPECT_GT(ovf.arg0, 0u);
  // The first dropped record: the first of the storm, or an earlier stray.
  EXPECT_GT(ovf.seq, read_through);
  EXPECT_LE(ovf.seq, first);
  // The kept records follow the dropped ones without a gap, and dropped
  // plus kept is everything since the drain.
  EXPECT_EQ(evs[1].type, HBAMGR_EVT_TYPE_RECORD);
  EXPECT_EQ(evs[1].seq, ovf.seq + ovf.arg0);
  for (size_t i = 2; i < evs.size(); i++) {
    EXPECT_EQ(evs[i].type, HBAMGR_EVT_TYPE_RECORD);
    EXPECT_EQ(evs[i].seq, evs[i - 1].seq + 1);
  }
  EXPECT_EQ(evs.back().seq, last);
  EXPECT_EQ(ovf.arg0 + (evs.size() - 1), last - ovf.seq + 1);
  if (!AbiDeviceMode()) {
    EXPECT_EQ(evs.size() - 1, 256u) << "the default ring size";
  }
}

}  // namespace
}  // namespace hbamgr::coretest
