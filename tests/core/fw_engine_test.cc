// Tests of the simulated firmware's frame engine (kmod/core/fw/engine.c and
// friends), driven through hba_fw.h by a tiny test-local driver.
#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "hba_fw.h"

namespace fw_engine_test {
namespace {

constexpr u32 kLongMs = 10000;  // deadline for what must happen
constexpr u32 kShortMs = 50;    // window for what must not happen

struct Reply {
  u16 smid;
  u8 type;
  u32 queue;
};

u32 StateOf(u32 reg) { return (reg & HBA_IOC_STATE_MASK) >> HBA_IOC_STATE_SHIFT; }

// Polls a firmware condition that has no notification (register or
// counter), as a driver polls IOC_STATE, until it holds or the deadline.
template <typename Pred>
bool PollUntil(Pred pred, u32 ms = kLongMs) {
  const u64 deadline = hba_now_ns() + static_cast<u64>(ms) * 1000000ULL;
  while (!pred()) {
    if (hba_now_ns() > deadline) return false;
    hba_msleep(1);
  }
  return true;
}

// The test's driver: host memory for IOC_INIT, frame builders, and an isr
// that (in auto-consume mode) drains its ring like a real driver.
class TestDriver {
 public:
  explicit TestDriver(hba_fw_config cfg = DefaultConfig()) {
    create_status_ = hba_fw_create(&cfg, &fw_);
    if (fw_) hba_fw_set_isr(fw_, &TestDriver::Isr, this);
  }
  ~TestDriver() { hba_fw_destroy(fw_); }

  static hba_fw_config DefaultConfig() {
    hba_fw_config cfg = {};
    cfg.max_cmds = 32;
    cfg.max_srbs = 4;
    cfg.num_reply_queues = 2;
    cfg.fault_injection = true;
    return cfg;
  }

  int create_status() const { return create_status_; }
  hba_fw* fw() { return fw_; }

  // Host memory for IOC_INIT; depth 0 = the smallest allowed.
  hba_ioc_init MakeInit(u32 cmd_frames = 40, u32 srb_frames = 6, u32 queues = 2, u32 depth = 0) {
    std::lock_guard<std::mutex> lock(mu_);
    cmd_frames_ = cmd_frames;
    srb_frames_ = srb_frames;
    const u32 total = cmd_frames + srb_frames + HBA_TM_FRAMES;
    depth_ = depth ? depth : total + 1;
    frames_.assign(total + 1, hba_req_frame{});
    reply_frames_.assign(total + 1, hba_reply_frame{});
    rings_.assign(queues, std::vector<u64>(depth_, HBA_RDESC_UNUSED));
    host_idx_.assign(queues, 0);
    hba_ioc_init init = {};
    init.cmd_frames = cmd_frames;
    init.srb_frames = srb_frames;
    init.num_reply_queues = queues;
    init.reply_ring_depth = depth_;
    init.frames = frames_.data();
    init.reply_frames = reply_frames_.data();
    for (u32 q = 0; q < queues; q++) init.reply_rings[q] = rings_[q].data();
    last_init_ = init;
    return init;
  }
  // The memory MakeInit() handed out last, again.
  const hba_ioc_init& last_init() const { return last_init_; }

  // IOC_INIT with MakeInit's memory and every queue unmasked.
  int Init(u32 cmd_frames = 40, u32 srb_frames = 6, u32 queues = 2, u32 depth = 0) {
    hba_ioc_init init = MakeInit(cmd_frames, srb_frames, queues, depth);
    int ret = hba_fw_ioc_init(fw_, &init);
    if (ret == 0) hba_fw_writel(fw_, HBA_REG_INTR_MASK, 0);
    return ret;
  }

  u16 SrbSmid(u32 i) const { return static_cast<u16>(cmd_frames_ + 1 + i); }
  u16 TmSmid(u32 i) const { return static_cast<u16>(cmd_frames_ + srb_frames_ + 1 + i); }
  u32 TotalFrames() const { return cmd_frames_ + srb_frames_ + HBA_TM_FRAMES; }

  hba_req_frame& NewFrame(u16 smid, u8 function, u8 queue = 0) {
    hba_req_frame& f = frames_[smid];
    f = hba_req_frame{};
    f.smid = smid;
    f.function = function;
    f.reply_queue = queue;
    return f;
  }
  void Inquiry(u16 smid, u8 queue = 0) {
    hba_req_frame& f = NewFrame(smid, HBA_FUNC_SCSI_IO, queue);
    f.cdb_len = 6;
    f.cdb[0] = 0x12;  // INQUIRY
    f.cdb[4] = sizeof(inquiry_buf_);
    f.dir = HBAMGR_DIR_FROM_DEV;
    f.target = 0;
    f.data_len = sizeof(inquiry_buf_);
    f.sge_count = 1;
    f.sge[0].addr = reinterpret_cast<uintptr_t>(inquiry_buf_);
    f.sge[0].len = sizeof(inquiry_buf_);
  }
  void Mgmt(u16 smid, u32 opcode, const void* mbox, size_t mbox_len, void* buf, u32 len) {
    hba_req_frame& f = NewFrame(smid, HBA_FUNC_MGMT);
    f.opcode = opcode;
    if (mbox) memcpy(f.cdb, mbox, mbox_len);
    f.dir = len ? HBAMGR_DIR_FROM_DEV : HBAMGR_DIR_NONE;
    f.data_len = len;
    if (len) {
      f.sge_count = 1;
      f.sge[0].addr = reinterpret_cast<uintptr_t>(buf);
      f.sge[0].len = len;
    }
  }
  void Srb(u16 smid, u8 queue = 0) { NewFrame(smid, HBA_FUNC_STATUS_READ, queue); }
  void Abort(u16 tm_smid, u16 task) { NewFrame(tm_smid, HBA_FUNC_TASK_MGMT).task_smid = task; }

  void Doorbell(u32 smid) { hba_fw_writel(fw_, HBA_REG_DOORBELL, smid); }
  u32 IocState() { return StateOf(hba_fw_readl(fw_, HBA_REG_IOC_STATE)); }
  u32 FaultCode() { return hba_fw_readl(fw_, HBA_REG_IOC_STATE) & HBA_IOC_FAULT_MASK; }
  hba_fw_stats Stats() {
    hba_fw_stats st;
    hba_fw_get_stats(fw_, &st);
    return st;
  }
  const hba_reply_frame& ReplyFrame(u16 smid) const { return reply_frames_[smid]; }
  const u8* inquiry_data() const { return inquiry_buf_; }

  bool WaitReplies(size_t n, u32 ms = kLongMs) {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, std::chrono::milliseconds(ms), [&] { return replies_.size() >= n; });
  }
  // Waits for a reply for smid and returns the descriptor type.
  bool WaitReplyFor(u16 smid, u32 ms = kLongMs) {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, std::chrono::milliseconds(ms), [&] { return CountLocked(smid) > 0; });
  }
  std::vector<Reply> Replies() {
    std::lock_guard<std::mutex> lock(mu_);
    return replies_;
  }
  size_t CountReplies(u16 smid) {
    std::lock_guard<std::mutex> lock(mu_);
    return CountLocked(smid);
  }
  u64 IrqCount(u32 q) {
    std::lock_guard<std::mutex> lock(mu_);
    return irq_count_[q];
  }
  bool WaitIrqCount(u32 q, u64 n, u32 ms = kLongMs) {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, std::chrono::milliseconds(ms), [&] { return irq_count_[q] >= n; });
  }
  // Manual mode: the isr only counts; the test drains with Consume().
  void set_auto_consume(bool on) {
    std::lock_guard<std::mutex> lock(mu_);
    auto_consume_ = on;
  }
  // Descriptors in ring q not consumed yet.
  size_t RingFill(u32 q) {
    size_t n = 0;
    for (u64& slot : rings_[q])
      if (__atomic_load_n(&slot, __ATOMIC_ACQUIRE) != HBA_RDESC_UNUSED) n++;
    return n;
  }
  // Drains ring q; ack: also write REPLY_HOST_IDX.
  void Consume(u32 q, bool ack = true) {
    std::lock_guard<std::mutex> lock(mu_);
    ConsumeLocked(q, ack);
    cv_.notify_all();
  }
  void Ack(u32 q) {
    std::lock_guard<std::mutex> lock(mu_);
    hba_fw_writel(fw_, HBA_REG_REPLY_HOST_IDX(q), host_idx_[q]);
  }

 private:
  static void Isr(void* ctx, u32 q) {
    auto* self = static_cast<TestDriver*>(ctx);
    std::lock_guard<std::mutex> lock(self->mu_);
    self->irq_count_[q]++;
    if (self->auto_consume_ && q < self->rings_.size()) self->ConsumeLocked(q);
    self->cv_.notify_all();
  }
  void ConsumeLocked(u32 q, bool ack = true) {
    std::vector<u64>& ring = rings_[q];
    for (;;) {
      u64* slot = &ring[host_idx_[q]];
      u64 desc = __atomic_load_n(slot, __ATOMIC_ACQUIRE);
      if (desc == HBA_RDESC_UNUSED) break;
      replies_.push_back({HBA_RDESC_SMID(desc), HBA_RDESC_TYPE(desc), q});
      __atomic_store_n(slot, HBA_RDESC_UNUSED, __ATOMIC_RELEASE);
      host_idx_[q] = (host_idx_[q] + 1) % depth_;
    }
    if (ack) hba_fw_writel(fw_, HBA_REG_REPLY_HOST_IDX(q), host_idx_[q]);
  }
  size_t CountLocked(u16 smid) const {
    size_t n = 0;
    for (const Reply& r : replies_) n += r.smid == smid;
    return n;
  }

  hba_fw* fw_ = nullptr;
  int create_status_ = 0;
  u32 cmd_frames_ = 0;
  u32 srb_frames_ = 0;
  u32 depth_ = 0;
  // Host memory: the firmware reads and writes it; MakeInit() replaces it
  // only while the firmware does not own it.
  std::vector<hba_req_frame> frames_;
  std::vector<hba_reply_frame> reply_frames_;
  std::vector<std::vector<u64>> rings_;
  u8 inquiry_buf_[96] = {};
  hba_ioc_init last_init_ = {};

  std::mutex mu_;  // protects the fields below; the isr takes it
  std::condition_variable cv_;
  std::vector<u32> host_idx_;
  std::vector<Reply> replies_;
  u64 irq_count_[HBA_MAX_REPLY_QUEUES] = {};
  bool auto_consume_ = true;
};

class FwEngineTest : public ::testing::Test {
 protected:
  void SetUp() override { warn_base_ = hba_os_warn_count(); }
  void TearDown() override { EXPECT_EQ(hba_os_warn_count(), warn_base_); }

  static int Inject(TestDriver& d, u32 fault, u32 count = 1, u32 delay_ms = 0, u32 arg = 0) {
    hbamgr_mbox_fault f = {};
    f.fault = fault;
    f.count = count;
    f.delay_ms = delay_ms;
    f.arg = arg;
    return hba_fw_inject(d.fw(), &f);
  }
  // The log's records from start_seq through EVTLOG_GET on smid.
  static std::vector<hbamgr_event> GetLog(TestDriver& d, u16 smid, u64 start_seq) {
    std::vector<hbamgr_event> buf(1024);
    hbamgr_mbox_evtlog mb = {};
    mb.start_seq = start_seq;
    d.Mgmt(smid, HBAMGR_MGMT_EVTLOG_GET, &mb, sizeof(mb), buf.data(),
           static_cast<u32>(buf.size() * sizeof(hbamgr_event)));
    size_t before = d.CountReplies(smid);
    d.Doorbell(smid);
    EXPECT_TRUE(PollUntil([&] { return d.CountReplies(smid) > before; }));
    const hba_reply_frame& r = d.ReplyFrame(smid);
    EXPECT_EQ(r.status, HBAMGR_ST_OK);
    buf.resize(r.result);
    return buf;
  }
  static hbamgr_evtlog_info GetLogInfo(TestDriver& d, u16 smid) {
    hbamgr_evtlog_info info = {};
    d.Mgmt(smid, HBAMGR_MGMT_EVTLOG_INFO, nullptr, 0, &info, sizeof(info));
    size_t before = d.CountReplies(smid);
    d.Doorbell(smid);
    EXPECT_TRUE(PollUntil([&] { return d.CountReplies(smid) > before; }));
    return info;
  }
  void ExpectFault(TestDriver& d, u32 code) {
    EXPECT_EQ(d.IocState(), HBA_IOC_FAULT);
    EXPECT_EQ(d.FaultCode(), code);
    hba_fw_stats st = d.Stats();
    EXPECT_EQ(st.ioc_state, HBA_IOC_FAULT);
    EXPECT_EQ(st.fault_code, code);
    EXPECT_EQ(st.faults, 1u);
  }

 private:
  unsigned long warn_base_ = 0;
};

TEST_F(FwEngineTest, ConfigDefaultsFillOnlyZeroFields) {
  hba_fw_config cfg = {};
  cfg.max_cmds = 77;
  hba_fw_config_defaults(&cfg);
  EXPECT_EQ(cfg.max_cmds, 77u);
  EXPECT_EQ(cfg.num_enclosures, 1u);
  EXPECT_EQ(cfg.slots_per_enclosure, 8u);
  EXPECT_EQ(cfg.num_drives, 8u);
  EXPECT_EQ(cfg.drive_size_mb, 256u);
  EXPECT_EQ(cfg.max_srbs, 8u);
  EXPECT_EQ(cfg.num_reply_queues, 2u);
  EXPECT_EQ(cfg.default_vds, 1u);

  hba_fw_config bad = TestDriver::DefaultConfig();
  bad.max_cmds = HBA_FW_MAX_CMDS_LIMIT + 1;
  hba_fw* fw = nullptr;
  EXPECT_EQ(hba_fw_create(&bad, &fw), -EINVAL);
  EXPECT_EQ(fw, nullptr);
}

TEST_F(FwEngineTest, FactsReportTheLimits) {
  TestDriver d;
  ASSERT_EQ(d.create_status(), 0);
  hba_ioc_facts facts;
  ASSERT_EQ(hba_fw_ioc_facts(d.fw(), &facts), 0);
  EXPECT_EQ(facts.max_cmds, 32u);
  EXPECT_EQ(facts.max_srbs, 4u);
  EXPECT_EQ(facts.num_reply_queues, 2u);
  EXPECT_GT(facts.max_sge, static_cast<u32>(HBA_FRAME_SGE_INLINE));
  EXPECT_GE(facts.max_transfer, 65536u);
  EXPECT_EQ(facts.fw_state, static_cast<u32>(HBA_IOC_READY));
  EXPECT_EQ(d.IocState(), HBA_IOC_READY);
}

TEST_F(FwEngineTest, IocInitRejectsEveryBadField) {
  TestDriver d;
  ASSERT_EQ(d.create_status(), 0);
  struct Case {
    const char* what;
    void (*spoil)(hba_ioc_init*);
  };
  const Case cases[] = {
      {"no command frames", [](hba_ioc_init* i) { i->cmd_frames = 0; }},
      {"too many command frames",
       [](hba_ioc_init* i) { i->cmd_frames = HBA_FW_MAX_CMDS_LIMIT + 1; }},
      {"too many SRB frames", [](hba_ioc_init* i) { i->srb_frames = 100000; }},
      {"no reply queue", [](hba_ioc_init* i) { i->num_reply_queues = 0; }},
      {"more queues than offered", [](hba_ioc_init* i) { i->num_reply_queues = 3; }},
      {"ring too shallow", [](hba_ioc_init* i) { i->reply_ring_depth--; }},
      {"no frames", [](hba_ioc_init* i) { i->frames = nullptr; }},
      {"no reply frames", [](hba_ioc_init* i) { i->reply_frames = nullptr; }},
      {"missing ring", [](hba_ioc_init* i) { i->reply_rings[1] = nullptr; }},
      {"ring beyond the queues", [](hba_ioc_init* i) { i->reply_rings[2] = i->reply_rings[0]; }},
      {"ring not empty", [](hba_ioc_init* i) { i->reply_rings[0][3] = 0; }},
  };
  for (const Case& c : cases) {
    hba_ioc_init init = d.MakeInit();
    c.spoil(&init);
    EXPECT_EQ(hba_fw_ioc_init(d.fw(), &init), -EINVAL) << c.what;
    EXPECT_EQ(d.IocState(), HBA_IOC_READY) << c.what;
  }
  EXPECT_EQ(hba_fw_ioc_init(d.fw(), nullptr), -EINVAL);
  ASSERT_EQ(d.Init(), 0);
  EXPECT_EQ(d.IocState(), HBA_IOC_OPERATIONAL);
  // IOC_INIT again without a reset: not READY.
  EXPECT_EQ(hba_fw_ioc_init(d.fw(), &d.last_init()), -EIO);
  ExpectFault(d, HBA_FAULT_INIT_STATE);
}

TEST_F(FwEngineTest, ScsiInquiryRoundTrip) {
  TestDriver d;
  ASSERT_EQ(d.create_status(), 0);
  ASSERT_EQ(d.Init(), 0);
  d.Inquiry(1, 1);
  d.Doorbell(1);
  ASSERT_TRUE(d.WaitReplyFor(1));
  std::vector<Reply> replies = d.Replies();
  ASSERT_EQ(replies.size(), 1u);
  EXPECT_EQ(replies[0].queue, 1u);
  if (replies[0].type == HBA_RDESC_ADDRESS_REPLY) {
    EXPECT_EQ(d.ReplyFrame(1).status, HBAMGR_ST_OK);
    EXPECT_EQ(d.ReplyFrame(1).smid, 1u);
  } else {
    EXPECT_EQ(replies[0].type, HBA_RDESC_SUCCESS);
  }
  EXPECT_EQ(d.inquiry_data()[0] & 0x1f, 0);  // direct-access block device
  EXPECT_NE(d.inquiry_data()[8], 0);         // vendor identification
  EXPECT_GE(d.IrqCount(1), 1u);
  EXPECT_EQ(d.IrqCount(0), 0u);
  hba_fw_stats st = d.Stats();
  EXPECT_EQ(st.frames_executed, 1u);
  EXPECT_EQ(st.replies_posted, 1u);
  EXPECT_EQ(st.outstanding_cmds, 0u);
  EXPECT_EQ(st.max_outstanding_cmds, 1u);
}

TEST_F(FwEngineTest, CreditOverflowFaultsExactlyAtMaxCmdsPlusOne) {
  TestDriver d;
  ASSERT_EQ(d.create_status(), 0);
  ASSERT_EQ(d.Init(), 0);  // 40 command frames for a limit of 32
  // Lost replies keep their frames owned, so the credits stay taken.
  ASSERT_EQ(Inject(d, HBAMGR_FAULT_LOSE_COMPLETION, 32), HBAMGR_ST_OK);
  for (u16 smid = 1; smid <= 32; smid++) {
    d.Inquiry(smid);
    d.Doorbell(smid);
  }
  EXPECT_EQ(d.IocState(), HBA_IOC_OPERATIONAL);
  EXPECT_EQ(d.Stats().outstanding_cmds, 32u);
  d.Inquiry(33);
  d.Doorbell(33);
  ExpectFault(d, HBA_FAULT_CREDIT);
  EXPECT_EQ(d.Stats().max_outstanding_cmds, 32u);
}

TEST_F(FwEngineTest, SrbOverflowFaultsExactlyAtMaxSrbsPlusOne) {
  TestDriver d;
  ASSERT_EQ(d.create_status(), 0);
  ASSERT_EQ(d.Init(), 0);  // 6 SRB frames for a limit of 4
  for (u32 i = 0; i < 4; i++) {
    d.Srb(d.SrbSmid(i));
    d.Doorbell(d.SrbSmid(i));
  }
  EXPECT_EQ(d.IocState(), HBA_IOC_OPERATIONAL);
  EXPECT_EQ(d.Stats().outstanding_srbs, 4u);
  d.Srb(d.SrbSmid(4));
  d.Doorbell(d.SrbSmid(4));
  ExpectFault(d, HBA_FAULT_SRB_OVERFLOW);
}

TEST_F(FwEngineTest, DoublePostFaults) {
  TestDriver d;
  ASSERT_EQ(d.create_status(), 0);
  ASSERT_EQ(d.Init(), 0);
  d.Srb(d.SrbSmid(0));
  d.Doorbell(d.SrbSmid(0));
  d.Doorbell(d.SrbSmid(0));
  ExpectFault(d, HBA_FAULT_DOUBLE_POST);
}

TEST_F(FwEngineTest, BadFramesFault) {
  struct Case {
    const char* what;
    void (*post)(TestDriver&);
  };
  const Case cases[] = {
      {"SMID 0", [](TestDriver& d) { d.Doorbell(0); }},
      {"SMID beyond the frames", [](TestDriver& d) { d.Doorbell(d.TotalFrames() + 1); }},
      {"SCSI IO in the SRB range",
       [](TestDriver& d) {
         d.Inquiry(d.SrbSmid(0));
         d.Doorbell(d.SrbSmid(0));
       }},
      {"STATUS_READ in the command range",
       [](TestDriver& d) {
         d.Srb(1);
         d.Doorbell(1);
       }},
      {"frame smid mismatch",
       [](TestDriver& d) {
         d.Inquiry(1);
         d.Doorbell(2);
       }},
      {"reply queue out of range",
       [](TestDriver& d) {
         d.Inquiry(1, 2);
         d.Doorbell(1);
       }},
  };
  for (const Case& c : cases) {
    TestDriver d;
    ASSERT_EQ(d.create_status(), 0);
    ASSERT_EQ(d.Init(), 0);
    c.post(d);
    EXPECT_EQ(d.IocState(), HBA_IOC_FAULT) << c.what;
    EXPECT_EQ(d.FaultCode(), HBA_FAULT_BAD_FRAME) << c.what;
    EXPECT_TRUE(d.Replies().empty()) << c.what;
  }
}

TEST_F(FwEngineTest, DoorbellWhileReadyFaults) {
  TestDriver d;
  ASSERT_EQ(d.create_status(), 0);
  d.MakeInit();
  d.Inquiry(1);
  d.Doorbell(1);
  ExpectFault(d, HBA_FAULT_DOORBELL_STATE);
}

TEST_F(FwEngineTest, DiagResetDropsOutstandingFramesAndReturnsToReady) {
  TestDriver d;
  ASSERT_EQ(d.create_status(), 0);
  ASSERT_EQ(d.Init(), 0);
  const u64 first = GetLogInfo(d, 2).newest_seq + 1;
  ASSERT_EQ(Inject(d, HBAMGR_FAULT_LATE_COMPLETION, 1, 60000), HBAMGR_ST_OK);
  d.Inquiry(1);
  d.Doorbell(1);
  for (u32 i = 0; i < 3; i++) {
    d.Srb(d.SrbSmid(i));
    d.Doorbell(d.SrbSmid(i));
  }
  ASSERT_TRUE(PollUntil([&] { return d.Stats().replies_late == 1; }));
  EXPECT_EQ(d.Stats().outstanding_cmds, 1u);
  EXPECT_EQ(d.Stats().outstanding_srbs, 3u);

  const u64 start = hba_now_ns();
  hba_fw_writel(d.fw(), HBA_REG_HOST_DIAG, HBA_DIAG_RESET);
  EXPECT_NE(d.IocState(), HBA_IOC_OPERATIONAL);
  hba_fw_stats st = d.Stats();
  EXPECT_EQ(st.outstanding_cmds, 0u);
  EXPECT_EQ(st.outstanding_srbs, 0u);
  EXPECT_EQ(st.diag_resets, 1u);
  ASSERT_TRUE(PollUntil([&] { return d.IocState() == HBA_IOC_READY; }));
  EXPECT_LE(hba_now_ns() - start, (HBA_FW_RESET_MS + 200) * 1000000ULL);
  EXPECT_EQ(d.Replies().size(), 1u);  // only the EVTLOG_INFO above

  // The new session starts clean; the log kept RESET_DONE.
  ASSERT_EQ(d.Init(), 0);
  std::vector<hbamgr_event> log = GetLog(d, 1, first);
  auto done = std::find_if(log.begin(), log.end(), [](const hbamgr_event& e) {
    return e.code == HBAMGR_EVT_CTRL_RESET_DONE;
  });
  ASSERT_NE(done, log.end());
  EXPECT_EQ(done->arg0, 1u);
  EXPECT_EQ(d.CountReplies(1), 1u);  // the EVTLOG_GET; never the late one
}

TEST_F(FwEngineTest, DiagResetStopsDataTransferBeforeReturning) {
  TestDriver d;
  ASSERT_EQ(d.create_status(), 0);
  ASSERT_EQ(d.Init(), 0);
  u8 capacity[8] = {};
  hba_req_frame& rc = d.NewFrame(1, HBA_FUNC_SCSI_IO);
  rc.cdb_len = 10;
  rc.cdb[0] = 0x25;  // READ CAPACITY(10)
  rc.dir = HBAMGR_DIR_FROM_DEV;
  rc.data_len = sizeof(capacity);
  rc.sge_count = 1;
  rc.sge[0] = {reinterpret_cast<uintptr_t>(capacity), sizeof(capacity), 0};
  d.Doorbell(1);
  ASSERT_TRUE(d.WaitReplyFor(1));
  const u32 block =
      static_cast<u32>(capacity[4]) << 24 | capacity[5] << 16 | capacity[6] << 8 | capacity[7];
  ASSERT_GT(block, 0u);
  constexpr u32 kLen = 1024 * 1024;
  const u32 blocks = kLen / block;

  for (int round = 0; round < 10; round++) {
    std::vector<std::vector<u8>> bufs(8, std::vector<u8>(kLen, 0x11));
    for (u16 i = 0; i < bufs.size(); i++) {
      const u16 smid = static_cast<u16>(2 + i);
      hba_req_frame& f = d.NewFrame(smid, HBA_FUNC_SCSI_IO);
      f.cdb_len = 10;
      f.cdb[0] = 0x28;  // READ(10) of never-written blocks: zeros
      f.cdb[7] = static_cast<u8>(blocks >> 8);
      f.cdb[8] = static_cast<u8>(blocks);
      f.dir = HBAMGR_DIR_FROM_DEV;
      f.data_len = kLen;
      f.sge_count = 1;
      f.sge[0] = {reinterpret_cast<uintptr_t>(bufs[i].data()), kLen, 0};
      d.Doorbell(smid);
    }
    // Reset while the firmware is busy copying the next ones.
    ASSERT_TRUE(d.WaitReplyFor(2));
    hba_fw_writel(d.fw(), HBA_REG_HOST_DIAG, HBA_DIAG_RESET);
    // The driver may reuse (or free) the buffers now: no more DMA.  Fill
    // from the end, against the firmware's direction, to meet a late copy.
    for (auto& buf : bufs) std::fill(buf.rbegin(), buf.rend(), 0xaa);
    ASSERT_TRUE(PollUntil([&] { return d.IocState() == HBA_IOC_READY; }));
    ASSERT_EQ(d.Init(), 0);  // new rings: what lands now is from now
    const size_t replies = d.Replies().size();
    const u16 probe = static_cast<u16>(10 + round);
    d.Inquiry(probe);  // executes after anything from before the reset
    d.Doorbell(probe);
    ASSERT_TRUE(d.WaitReplyFor(probe));
    EXPECT_EQ(d.Replies().size(), replies + 1) << "a reply from before the reset";
    for (auto& buf : bufs)
      ASSERT_EQ(std::count(buf.begin(), buf.end(), 0xaa), static_cast<long>(kLen)) << round;
  }
}

TEST_F(FwEngineTest, LostCompletionKeepsTheSmidUntilAborted) {
  TestDriver d;
  ASSERT_EQ(d.create_status(), 0);
  ASSERT_EQ(d.Init(), 0);
  ASSERT_EQ(Inject(d, HBAMGR_FAULT_LOSE_COMPLETION, 1), HBAMGR_ST_OK);
  d.Inquiry(1);
  d.Doorbell(1);
  d.Inquiry(2);
  d.Doorbell(2);
  ASSERT_TRUE(d.WaitReplyFor(2));  // executed after 1: 1 is lost by now
  EXPECT_EQ(d.CountReplies(1), 0u);
  hba_fw_stats st = d.Stats();
  EXPECT_EQ(st.replies_lost, 1u);
  EXPECT_EQ(st.outstanding_cmds, 1u);

  d.Abort(d.TmSmid(0), 1);
  d.Doorbell(d.TmSmid(0));
  ASSERT_TRUE(d.WaitReplyFor(d.TmSmid(0)));
  EXPECT_EQ(d.ReplyFrame(d.TmSmid(0)).status, HBA_TM_ABORTED);
  EXPECT_EQ(d.Stats().outstanding_cmds, 0u);
  // The SMID is the driver's again: posting it is no double post.
  d.Inquiry(1);
  d.Doorbell(1);
  ASSERT_TRUE(d.WaitReplyFor(1));
  EXPECT_EQ(d.IocState(), HBA_IOC_OPERATIONAL);
}

// The FAULT_INJECT frame that arms "lose the next reply" gets its own reply;
// the next command frame is the one lost.  (With the exemption in
// fw_completion_fault_target() removed, WaitReplyFor(1) times out.)
TEST_F(FwEngineTest, FaultInjectFrameIsNotItsOwnVictim) {
  TestDriver d;
  ASSERT_EQ(d.create_status(), 0);
  ASSERT_EQ(d.Init(), 0);
  hbamgr_mbox_fault f = {};
  f.fault = HBAMGR_FAULT_LOSE_COMPLETION;
  f.count = 1;
  d.Mgmt(1, HBAMGR_MGMT_FAULT_INJECT, &f, sizeof(f), nullptr, 0);
  d.Doorbell(1);
  ASSERT_TRUE(d.WaitReplyFor(1));
  EXPECT_EQ(d.ReplyFrame(1).status, HBAMGR_ST_OK);
  d.Inquiry(2);
  d.Doorbell(2);
  d.Inquiry(3);
  d.Doorbell(3);
  ASSERT_TRUE(d.WaitReplyFor(3));  // executed after 2: 2 is lost by now
  EXPECT_EQ(d.CountReplies(2), 0u);
  EXPECT_EQ(d.Stats().replies_lost, 1u);
}

TEST_F(FwEngineTest, LateCompletionArrivesAfterItsDelay) {
  TestDriver d;
  ASSERT_EQ(d.create_status(), 0);
  ASSERT_EQ(d.Init(), 0);
  ASSERT_EQ(Inject(d, HBAMGR_FAULT_LATE_COMPLETION, 1, 50), HBAMGR_ST_OK);
  const u64 start = hba_now_ns();
  d.Inquiry(1);
  d.Doorbell(1);
  d.Inquiry(2);
  d.Doorbell(2);
  ASSERT_TRUE(d.WaitReplyFor(1));
  EXPECT_GE(hba_now_ns() - start, 50ULL * 1000000ULL);
  std::vector<Reply> replies = d.Replies();
  ASSERT_EQ(replies.size(), 2u);
  EXPECT_EQ(replies[0].smid, 2u);  // overtaken
  EXPECT_EQ(replies[1].smid, 1u);
  EXPECT_EQ(d.Stats().replies_late, 1u);
}

TEST_F(FwEngineTest, TaskAbortFindsALateFrameButNotACompletedOne) {
  TestDriver d;
  ASSERT_EQ(d.create_status(), 0);
  ASSERT_EQ(d.Init(), 0);
  ASSERT_EQ(Inject(d, HBAMGR_FAULT_LATE_COMPLETION, 1, 30), HBAMGR_ST_OK);
  d.Inquiry(1);
  d.Doorbell(1);
  ASSERT_TRUE(PollUntil([&] { return d.Stats().replies_late == 1; }));
  d.Abort(d.TmSmid(0), 1);
  d.Doorbell(d.TmSmid(0));
  ASSERT_TRUE(d.WaitReplyFor(d.TmSmid(0)));
  EXPECT_EQ(d.ReplyFrame(d.TmSmid(0)).status, HBA_TM_ABORTED);
  EXPECT_EQ(d.Replies()[0].type, HBA_RDESC_ADDRESS_REPLY);

  // A later late frame with a longer delay: when it lands, frame 1's
  // deadline has long passed, and its aborted reply must not have come.
  ASSERT_EQ(Inject(d, HBAMGR_FAULT_LATE_COMPLETION, 1, 60), HBAMGR_ST_OK);
  d.Inquiry(2);
  d.Doorbell(2);
  ASSERT_TRUE(d.WaitReplyFor(2));
  EXPECT_EQ(d.CountReplies(1), 0u);

  // Completed: not the firmware's any more.
  d.Abort(d.TmSmid(1), 2);
  d.Doorbell(d.TmSmid(1));
  ASSERT_TRUE(d.WaitReplyFor(d.TmSmid(1)));
  EXPECT_EQ(d.ReplyFrame(d.TmSmid(1)).status, HBA_TM_NOT_FOUND);
}

TEST_F(FwEngineTest, DuplicateCompletionPostsTwice) {
  TestDriver d;
  ASSERT_EQ(d.create_status(), 0);
  ASSERT_EQ(d.Init(), 0);
  ASSERT_EQ(Inject(d, HBAMGR_FAULT_DUP_COMPLETION, 1), HBAMGR_ST_OK);
  d.Inquiry(1);
  d.Doorbell(1);
  ASSERT_TRUE(d.WaitReplies(2));
  EXPECT_EQ(d.CountReplies(1), 2u);
  d.Inquiry(2);
  d.Doorbell(2);
  ASSERT_TRUE(d.WaitReplyFor(2));
  EXPECT_EQ(d.CountReplies(2), 1u);  // count consumed
  EXPECT_EQ(d.Stats().replies_dup, 1u);
}

TEST_F(FwEngineTest, EventsCompleteParkedSrbsAndAllGoToTheLog) {
  TestDriver d;
  ASSERT_EQ(d.create_status(), 0);
  ASSERT_EQ(d.Init(), 0);
  const u64 first = GetLogInfo(d, 1).newest_seq + 1;
  for (u32 i = 0; i < 2; i++) {
    d.Srb(d.SrbSmid(i), 1);
    d.Doorbell(d.SrbSmid(i));
  }
  const hba_fw_stats before = d.Stats();
  ASSERT_EQ(Inject(d, HBAMGR_FAULT_SRB_STORM, 3), HBAMGR_ST_OK);
  ASSERT_TRUE(d.WaitReplyFor(d.SrbSmid(1)));
  ASSERT_TRUE(d.WaitReplyFor(d.SrbSmid(0)));
  // The oldest SRB gets the oldest event; events are numbered +1 each.
  const hbamgr_event& ev0 = d.ReplyFrame(d.SrbSmid(0)).event;
  const hbamgr_event& ev1 = d.ReplyFrame(d.SrbSmid(1)).event;
  EXPECT_GE(ev0.seq, first);
  EXPECT_EQ(ev1.seq, ev0.seq + 1);
  for (u32 i = 0; i < 2; i++) {
    const hba_reply_frame& r = d.ReplyFrame(d.SrbSmid(i));
    EXPECT_EQ(r.function, HBA_FUNC_STATUS_READ);
    EXPECT_EQ(r.status, HBAMGR_ST_OK);
    EXPECT_EQ(r.event.type, HBAMGR_EVT_TYPE_RECORD);
    EXPECT_NE(r.event.timestamp_ns, 0u);
  }
  hba_fw_stats st = d.Stats();
  EXPECT_EQ(st.events_to_srb - before.events_to_srb, 2u);
  EXPECT_GE(st.events_logged - before.events_logged, 3u);
  EXPECT_EQ(st.outstanding_srbs, 0u);

  // Every event is in the log, numbered without gaps; the storm's three
  // are there in order.
  std::vector<hbamgr_event> log = GetLog(d, 2, first);
  ASSERT_GE(log.size(), 3u);
  std::vector<u32> storm;
  for (size_t i = 0; i < log.size(); i++) {
    EXPECT_EQ(log[i].seq, first + i);
    if (log[i].code == HBAMGR_EVT_CTRL_STATUS_NOTIFY) storm.push_back(log[i].arg0);
  }
  EXPECT_EQ(storm, (std::vector<u32>{0, 1, 2}));
  EXPECT_EQ(log[ev0.seq - first].code, ev0.code);
  hbamgr_evtlog_info info = GetLogInfo(d, 3);
  EXPECT_GE(info.newest_seq, first + 2);
  EXPECT_EQ(info.oldest_seq, 1u);
  EXPECT_EQ(info.capacity, 1024u);
}

// SRB_STORM with arg = a rate (ABI 1.1, HBAMGR_FEAT_PACED_STORM) spreads
// its events over time: event k of the storm is logged no earlier than
// (k + 1) / rate after the injection, however late the firmware's work
// runs; all of them arrive, numbered without gaps.  A rate above the
// firmware's maximum is refused, and CLEAR ends a paced storm.
TEST_F(FwEngineTest, PacedStormSpreadsItsEventsAtTheRate) {
  TestDriver d;
  ASSERT_EQ(d.create_status(), 0);
  ASSERT_EQ(d.Init(), 0);
  EXPECT_EQ(Inject(d, HBAMGR_FAULT_SRB_STORM, 10, 0, 1000001), HBAMGR_ST_INVALID_PARAM);

  constexpr u32 kCount = 200, kRate = 1000;  // 200 ms at the least
  const u64 first = GetLogInfo(d, 1).newest_seq + 1;
  const u64 injected_ns = hba_realtime_ns();
  ASSERT_EQ(Inject(d, HBAMGR_FAULT_SRB_STORM, kCount, 0, kRate), HBAMGR_ST_OK);
  ASSERT_TRUE(PollUntil([&] { return GetLogInfo(d, 1).newest_seq >= first + kCount - 1; }));
  std::vector<hbamgr_event> log = GetLog(d, 2, first);
  ASSERT_EQ(log.size(), kCount);
  constexpr u64 kClockSlackNs = 1000000;  // realtime vs the monotonic pace
  for (u32 k = 0; k < kCount; k++) {
    ASSERT_EQ(log[k].seq, first + k);
    ASSERT_EQ(log[k].code, HBAMGR_EVT_CTRL_STATUS_NOTIFY);
    ASSERT_GE(log[k].timestamp_ns + kClockSlackNs, injected_ns + (k + 1) * 1000000000ULL / kRate)
        << "event " << k << " of the storm came early";
  }

  // CLEAR: nothing more of a storm that had 100 s to go.
  ASSERT_EQ(Inject(d, HBAMGR_FAULT_SRB_STORM, 100000, 0, kRate), HBAMGR_ST_OK);
  ASSERT_TRUE(PollUntil([&] { return GetLogInfo(d, 1).newest_seq > first + kCount; }));
  ASSERT_EQ(Inject(d, HBAMGR_FAULT_CLEAR), HBAMGR_ST_OK);
  const u64 cleared = GetLogInfo(d, 1).newest_seq;
  std::this_thread::sleep_for(std::chrono::milliseconds(50));  // 50 more were due
  EXPECT_EQ(GetLogInfo(d, 1).newest_seq, cleared);
}

TEST_F(FwEngineTest, EvtlogGetBoundsAndNoSpace) {
  TestDriver d;
  ASSERT_EQ(d.create_status(), 0);
  ASSERT_EQ(d.Init(), 0);
  ASSERT_EQ(Inject(d, HBAMGR_FAULT_SRB_STORM, 5), HBAMGR_ST_OK);
  const u64 newest = GetLogInfo(d, 1).newest_seq;
  ASSERT_GE(newest, 5u);

  hbamgr_mbox_evtlog mb = {};
  mb.start_seq = newest - 4;
  mb.max_records = 2;
  hbamgr_event two[4];
  d.Mgmt(2, HBAMGR_MGMT_EVTLOG_GET, &mb, sizeof(mb), two, sizeof(two));
  d.Doorbell(2);
  ASSERT_TRUE(d.WaitReplyFor(2));
  EXPECT_EQ(d.ReplyFrame(2).result, 2u);
  EXPECT_EQ(two[0].seq, newest - 4);
  EXPECT_EQ(two[1].seq, newest - 3);

  mb.max_records = 0;
  u8 tiny[8];
  d.Mgmt(3, HBAMGR_MGMT_EVTLOG_GET, &mb, sizeof(mb), tiny, sizeof(tiny));
  d.Doorbell(3);
  ASSERT_TRUE(d.WaitReplyFor(3));
  EXPECT_EQ(d.ReplyFrame(3).status, HBAMGR_ST_NO_SPACE);
  EXPECT_GE(d.ReplyFrame(3).resid_needed, 5 * sizeof(hbamgr_event));
  EXPECT_EQ(d.ReplyFrame(3).resid_needed % sizeof(hbamgr_event), 0u);
}

TEST_F(FwEngineTest, FaultInjectOpcodeRefusedWhenDisabled) {
  hba_fw_config cfg = TestDriver::DefaultConfig();
  cfg.fault_injection = false;
  TestDriver d(cfg);
  ASSERT_EQ(d.create_status(), 0);
  ASSERT_EQ(d.Init(), 0);
  hbamgr_mbox_fault f = {};
  f.fault = HBAMGR_FAULT_FW_FAULT;
  d.Mgmt(1, HBAMGR_MGMT_FAULT_INJECT, &f, sizeof(f), nullptr, 0);
  d.Doorbell(1);
  ASSERT_TRUE(d.WaitReplyFor(1));
  EXPECT_EQ(d.ReplyFrame(1).status, HBAMGR_ST_INVALID_OPCODE);
  EXPECT_EQ(hba_fw_inject(d.fw(), &f), HBAMGR_ST_INVALID_OPCODE);
  EXPECT_EQ(d.IocState(), HBA_IOC_OPERATIONAL);
}

TEST_F(FwEngineTest, InjectedFirmwareFaultCompletesNothing) {
  TestDriver d;
  ASSERT_EQ(d.create_status(), 0);
  ASSERT_EQ(d.Init(), 0);
  const u64 first = GetLogInfo(d, 3).newest_seq + 1;
  const size_t replies = d.Replies().size();
  d.Srb(d.SrbSmid(0));
  d.Doorbell(d.SrbSmid(0));
  hbamgr_mbox_fault f = {};
  f.fault = HBAMGR_FAULT_FW_FAULT;
  d.Mgmt(1, HBAMGR_MGMT_FAULT_INJECT, &f, sizeof(f), nullptr, 0);
  d.Doorbell(1);
  ASSERT_TRUE(PollUntil([&] { return d.IocState() == HBA_IOC_FAULT; }));
  EXPECT_EQ(d.FaultCode(), HBA_FAULT_INJECTED);
  // The fault's own event went to the log only: the parked SRB stays.
  EXPECT_EQ(d.Stats().outstanding_srbs, 1u);
  d.Inquiry(2);
  d.Doorbell(2);  // ignored in FAULT
  EXPECT_EQ(d.Replies().size(), replies);
  EXPECT_EQ(d.Stats().faults, 1u);

  hba_fw_writel(d.fw(), HBA_REG_HOST_DIAG, HBA_DIAG_RESET);
  ASSERT_TRUE(PollUntil([&] { return d.IocState() == HBA_IOC_READY; }));
  ASSERT_EQ(d.Init(), 0);
  std::vector<hbamgr_event> log = GetLog(d, 1, first);
  auto code_at = [&](u32 code) {
    return std::find_if(log.begin(), log.end(),
                        [code](const hbamgr_event& e) { return e.code == code; });
  };
  auto fault = code_at(HBAMGR_EVT_CTRL_FW_FAULT);
  auto done = code_at(HBAMGR_EVT_CTRL_RESET_DONE);
  ASSERT_NE(fault, log.end());
  ASSERT_NE(done, log.end());
  EXPECT_LT(fault, done);
  EXPECT_EQ(fault->arg0, static_cast<u32>(HBA_FAULT_INJECTED));
  EXPECT_EQ(fault->severity, HBAMGR_SEV_FATAL);
}

TEST_F(FwEngineTest, StormOnResetFiresAtTheNextIocInit) {
  TestDriver d;
  ASSERT_EQ(d.create_status(), 0);
  ASSERT_EQ(d.Init(), 0);
  const u64 first = GetLogInfo(d, 1).newest_seq + 1;
  ASSERT_EQ(Inject(d, HBAMGR_FAULT_STORM_ON_RESET, 20), HBAMGR_ST_OK);
  hba_fw_writel(d.fw(), HBA_REG_HOST_DIAG, HBA_DIAG_RESET);
  ASSERT_TRUE(PollUntil([&] { return d.IocState() == HBA_IOC_READY; }));
  ASSERT_EQ(d.Init(), 0);
  for (u32 i = 0; i < 4; i++) {
    d.Srb(d.SrbSmid(i));
    d.Doorbell(d.SrbSmid(i));
  }
  auto storm_events = [&] {
    size_t n = 0;
    for (const hbamgr_event& e : GetLog(d, 1, first)) n += e.code == HBAMGR_EVT_CTRL_STATUS_NOTIFY;
    return n;
  };
  ASSERT_TRUE(PollUntil([&] { return storm_events() == 20; }));
  EXPECT_EQ(d.IocState(), HBA_IOC_OPERATIONAL);  // never more SRBs than allowed
  EXPECT_LE(d.Stats().events_to_srb, 4u);
}

TEST_F(FwEngineTest, DirtyStartDeliversStaleRepliesWithoutReset) {
  hba_fw_config cfg = TestDriver::DefaultConfig();
  cfg.dirty_start = true;
  TestDriver d(cfg);
  ASSERT_EQ(d.create_status(), 0);
  EXPECT_EQ(d.IocState(), HBA_IOC_OPERATIONAL);
  // An interrupt is owed the moment a queue is unmasked, rings or not.
  d.set_auto_consume(false);
  hba_fw_writel(d.fw(), HBA_REG_INTR_MASK, 0xfe);
  ASSERT_TRUE(d.WaitIrqCount(0, 1));
  hba_fw_writel(d.fw(), HBA_REG_INTR_MASK, 0xff);

  d.set_auto_consume(true);
  ASSERT_EQ(d.Init(), 0);  // accepted without a reset, as some firmware does
  ASSERT_TRUE(d.WaitReplies(8));
  for (const Reply& r : d.Replies()) {
    EXPECT_GE(r.smid, 1u);
    EXPECT_LE(r.smid, 8u);
  }
  EXPECT_EQ(d.Stats().dirty_replies, 8u);
}

TEST_F(FwEngineTest, DirtyStartResetFirstComesUpClean) {
  hba_fw_config cfg = TestDriver::DefaultConfig();
  cfg.dirty_start = true;
  TestDriver d(cfg);
  ASSERT_EQ(d.create_status(), 0);
  hba_fw_writel(d.fw(), HBA_REG_HOST_DIAG, HBA_DIAG_RESET);
  ASSERT_TRUE(PollUntil([&] { return d.IocState() == HBA_IOC_READY; }));
  ASSERT_EQ(d.Init(), 0);
  d.Inquiry(5);
  d.Doorbell(5);
  ASSERT_TRUE(d.WaitReplyFor(5));
  std::vector<Reply> replies = d.Replies();
  ASSERT_EQ(replies.size(), 1u);
  EXPECT_EQ(replies[0].smid, 5u);
  EXPECT_EQ(d.Stats().dirty_replies, 0u);
}

TEST_F(FwEngineTest, FullRingHoldsRepliesUntilTheDriverConsumes) {
  TestDriver d;
  ASSERT_EQ(d.create_status(), 0);
  d.set_auto_consume(false);
  ASSERT_EQ(d.Init(8, 2, 1), 0);  // 14 frames: ring of 15
  // Eight commands posted twice each: 16 descriptors for 15 slots.
  ASSERT_EQ(Inject(d, HBAMGR_FAULT_DUP_COMPLETION, 8), HBAMGR_ST_OK);
  for (u16 smid = 1; smid <= 8; smid++) {
    d.Inquiry(smid);
    d.Doorbell(smid);
  }
  ASSERT_TRUE(PollUntil([&] { return d.Stats().frames_executed == 8; }));
  EXPECT_EQ(d.RingFill(0), 15u);
  EXPECT_EQ(d.Stats().replies_posted, 15u);
  ASSERT_TRUE(d.WaitIrqCount(0, 1));
  EXPECT_EQ(d.IrqCount(0), 1u);  // not raised again before the ack

  // Slots freed but not acknowledged yet: a new reply queues behind the
  // one already waiting, it does not overtake it.
  d.Consume(0, false);
  d.Inquiry(1);
  d.Doorbell(1);
  ASSERT_TRUE(PollUntil([&] { return d.Stats().frames_executed == 9; }));
  EXPECT_EQ(d.Stats().replies_posted, 15u);
  d.Ack(0);  // both land, in order, and the interrupt is raised again
  EXPECT_EQ(d.Stats().replies_posted, 17u);
  ASSERT_TRUE(d.WaitIrqCount(0, 2));
  d.Consume(0);
  std::vector<Reply> replies = d.Replies();
  ASSERT_EQ(replies.size(), 17u);
  EXPECT_EQ(replies[15].smid, 8u);  // the second copy of 8 waited
  EXPECT_EQ(replies[16].smid, 1u);
  for (u16 smid = 2; smid <= 8; smid++) EXPECT_EQ(d.CountReplies(smid), 2u);
}

TEST_F(FwEngineTest, InterruptRaisedOnceUntilAcknowledged) {
  TestDriver d;
  ASSERT_EQ(d.create_status(), 0);
  d.set_auto_consume(false);
  ASSERT_EQ(d.Init(), 0);
  d.Inquiry(1);
  d.Doorbell(1);
  ASSERT_TRUE(d.WaitIrqCount(0, 1));
  d.Inquiry(2);
  d.Doorbell(2);
  ASSERT_TRUE(PollUntil([&] { return d.RingFill(0) == 2; }));
  EXPECT_FALSE(d.WaitIrqCount(0, 2, kShortMs));  // still raised: no new one
  d.Consume(0);                                  // everything consumed: acknowledged, nothing owed
  EXPECT_FALSE(d.WaitIrqCount(0, 2, kShortMs));
  d.Inquiry(3);
  d.Doorbell(3);
  ASSERT_TRUE(d.WaitIrqCount(0, 2));
  EXPECT_EQ(d.RingFill(0), 1u);
}

TEST_F(FwEngineTest, MaskedQueueRaisesWhenUnmasked) {
  TestDriver d;
  ASSERT_EQ(d.create_status(), 0);
  ASSERT_EQ(d.Init(), 0);
  hba_fw_writel(d.fw(), HBA_REG_INTR_MASK, 0x1);
  EXPECT_EQ(hba_fw_readl(d.fw(), HBA_REG_INTR_MASK), 0x1u);
  d.Inquiry(1, 0);
  d.Doorbell(1);
  d.Inquiry(2, 1);
  d.Doorbell(2);
  ASSERT_TRUE(d.WaitReplyFor(2));  // queue 1 is live; 1 ran before it
  EXPECT_EQ(d.IrqCount(0), 0u);
  EXPECT_EQ(d.CountReplies(1), 0u);
  hba_fw_writel(d.fw(), HBA_REG_INTR_MASK, 0);
  ASSERT_TRUE(d.WaitReplyFor(1));
  EXPECT_EQ(d.IrqCount(0), 1u);
}

TEST_F(FwEngineTest, DestroyWithWorkOutstandingIsClean) {
  TestDriver d;
  ASSERT_EQ(d.create_status(), 0);
  ASSERT_EQ(d.Init(), 0);
  ASSERT_EQ(Inject(d, HBAMGR_FAULT_LATE_COMPLETION, 4, 60000), HBAMGR_ST_OK);
  for (u16 smid = 1; smid <= 8; smid++) {
    d.Inquiry(smid);
    d.Doorbell(smid);
  }
  d.Srb(d.SrbSmid(0));
  d.Doorbell(d.SrbSmid(0));
  // ~TestDriver destroys it with late replies, queued frames and an SRB.
}

}  // namespace
}  // namespace fw_engine_test
