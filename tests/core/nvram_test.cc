// The simulated adapter keeps its NVRAM (kmod/core/fw/nvram.c, evtlog.c):
// configuration, event log and drive data survive a power cycle and a
// process killed at any instant, in step with each other; damaged or foreign
// NVRAM is refused with a clear report, never silently reset; a save that
// fails undoes its change.  Driven through the driver core (hba_core.h) on
// an NVRAM in test memory (support/ram_nvram.h).
#include <linux/hbamgr.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "gtest/gtest.h"
#include "hba_core.h"
#include "support/adapter_fixture.h"
#include "support/powered_adapter.h"
#include "support/ram_nvram.h"

namespace hbamgr::coretest {
namespace {

using std::chrono::seconds;

constexpr uint32_t kDrives = 10;
constexpr uint32_t kBlock = PoweredAdapter::kBlockSize;

hba_fw_config Config(uint32_t bgop_rate_mb_s = 512) {
  hba_fw_config cfg{};
  cfg.num_enclosures = 1;
  cfg.slots_per_enclosure = 12;
  cfg.num_drives = kDrives;
  cfg.drive_size_mb = 32;
  cfg.sector_size = 512;
  cfg.max_cmds = 32;
  cfg.max_srbs = 4;
  cfg.num_reply_queues = 2;
  cfg.default_vds = 1;
  cfg.bgop_rate_mb_s = bgop_rate_mb_s;
  cfg.fault_injection = true;
  return cfg;
}

// One power-on of an adapter on an NVRAM.
class Controller : public PoweredAdapter {
 public:
  // 0 and a LIVE adapter, or the error hba_adapter_create() returned.
  static int PowerOn(RamNvram& nvram, hba_fw_config cfg, std::unique_ptr<Controller>* out) {
    hba_adapter_params p{};
    nvram.Attach(&cfg);
    p.fw = cfg;
    hba_adapter* a = nullptr;
    int ret = hba_adapter_create(&p, &a);
    if (ret == 0) out->reset(new Controller(a));
    return ret;
  }

 private:
  explicit Controller(hba_adapter* a) : PoweredAdapter(a) {}
};

std::vector<uint8_t> Pattern(size_t len, uint8_t seed) {
  std::vector<uint8_t> v(len);
  for (size_t i = 0; i < len; i++) v[i] = static_cast<uint8_t>(seed + i * 7 + i / 512);
  return v;
}

class NvramTest : public ::testing::Test {
 protected:
  void SetUp() override { warn_base_ = hba_os_warn_count(); }
  void TearDown() override { EXPECT_EQ(hba_os_warn_count(), warn_base_); }

  std::unique_ptr<Controller> On(RamNvram& nvram, hba_fw_config cfg = Config()) {
    std::unique_ptr<Controller> c;
    int ret = Controller::PowerOn(nvram, cfg, &c);
    EXPECT_EQ(ret, 0) << "power-on failed; reports:\n" << Reports(nvram);
    return c;
  }
  static std::string Reports(RamNvram& nvram) {
    std::string out;
    for (const std::string& r : nvram.reports()) out += "  " + r + "\n";
    return out;
  }

 private:
  unsigned long warn_base_ = 0;
};

bool SamePd(const hbamgr_pd_info& a, const hbamgr_pd_info& b) {
  return std::memcmp(&a, &b, sizeof(a)) == 0;
}

// A power cycle keeps the configuration: VDs, drive states (a failed drive
// stays failed), hot spares, properties, locate LEDs, temperatures; and the
// event log: the same log, its records, and seqs that go on.
TEST_F(NvramTest, PowerCycleKeepsConfigurationAndEventLog) {
  RamNvram nvram;
  std::vector<hbamgr_pd_info> pds;
  std::vector<hbamgr_vd_info> vds;
  hbamgr_ctrl_info ctrl;
  hbamgr_evtlog_info log;
  std::vector<hbamgr_event> records;
  uint16_t vd = 0;
  {
    auto c = On(nvram);
    ASSERT_NE(c, nullptr);
    ASSERT_EQ(c->CreateVd(1, {5, 6}, &vd), HBAMGR_ST_OK);
    ASSERT_EQ(c->SetPdState(7, HBAMGR_PD_HOTSPARE), HBAMGR_ST_OK);
    ASSERT_EQ(c->Inject(HBAMGR_FAULT_DRIVE_FAIL, 2), HBAMGR_ST_OK);  // RAID5 "data" member
    ASSERT_EQ(c->SetProps(37, 0), HBAMGR_ST_OK);
    ASSERT_EQ(c->Locate(8, true), HBAMGR_ST_OK);
    ASSERT_EQ(c->Inject(HBAMGR_FAULT_TEMPERATURE, 9, 71), HBAMGR_ST_OK);
    ASSERT_EQ(c->Inject(HBAMGR_FAULT_MEDIA_ERROR, 0, 0, 1234), HBAMGR_ST_OK);
    // The hot spare took the failed member's place: a rebuild runs.
    ASSERT_TRUE(WaitFor([&] { return c->Pds()[7].state == HBAMGR_PD_ONLINE; }, seconds(60)));
    pds = c->Pds();
    vds = c->Vds();
    ctrl = c->Ctrl();
    log = c->LogInfo();
    records = c->Log();
  }
  EXPECT_EQ(pds[2].state, HBAMGR_PD_UNCONFIGURED_BAD);
  auto c = On(nvram);
  ASSERT_NE(c, nullptr);
  std::vector<hbamgr_pd_info> pds2 = c->Pds();
  ASSERT_EQ(pds2.size(), pds.size());
  for (size_t i = 0; i < pds.size(); i++) EXPECT_TRUE(SamePd(pds[i], pds2[i])) << "PD " << i;
  std::vector<hbamgr_vd_info> vds2 = c->Vds();
  ASSERT_EQ(vds2.size(), vds.size());
  EXPECT_EQ(std::memcmp(vds.data(), vds2.data(), vds.size() * sizeof(vds[0])), 0);
  EXPECT_EQ(c->Ctrl().rebuild_rate, 37u);
  EXPECT_EQ(c->Ctrl().patrol_enabled, 0u);
  EXPECT_EQ(c->Ctrl().num_vds, ctrl.num_vds);

  const hbamgr_evtlog_info log2 = c->LogInfo();
  EXPECT_EQ(log2.log_id, log.log_id);
  EXPECT_EQ(log2.oldest_seq, log.oldest_seq);
  EXPECT_GE(log2.newest_seq, log.newest_seq);
  std::vector<hbamgr_event> records2 = c->Log();
  ASSERT_GE(records2.size(), records.size());
  EXPECT_EQ(std::memcmp(records.data(), records2.data(), records.size() * sizeof(records[0])), 0);
  // New events go on after the old ones.
  ASSERT_EQ(c->Locate(8, false), HBAMGR_ST_OK);
  std::vector<hbamgr_event> locates = c->LogWithCode(HBAMGR_EVT_PD_LOCATE);
  ASSERT_FALSE(locates.empty());
  EXPECT_GT(locates.back().seq, log.newest_seq);
  EXPECT_EQ(c->LogInfo().newest_seq, c->Log().back().seq);
}

// A drive's self-test log is NVRAM; a background self-test running at
// power-off is not (as on a real drive, the power cut ends it): its entry,
// saved in progress (15), reads as aborted by other means (2) after
// power-on, the older entries are kept, and a new test can start.
TEST_F(NvramTest, SelfTestRunningAtPowerOffComesBackAborted) {
  constexpr uint16_t kPd = 8;  // unconfigured
  // (code, result) of entry n (1 = newest) of the self-test log page 0x10.
  auto entry = [](Controller& c, int n) {
    std::vector<uint8_t> page(4 + 20 * 20);
    EXPECT_EQ(c.PdScsi(kPd, {0x4d, 0, 0x40 | 0x10, 0, 0, 0, 0, 0x01, 0x94, 0}, HBAMGR_DIR_FROM_DEV,
                       &page),
              HBAMGR_ST_OK);
    const uint8_t* q = &page[4 + 20 * (n - 1)];
    return std::make_pair(q[4] >> 5, q[4] & 0x0f);
  };
  auto send_diag = [](Controller& c, uint8_t code) {
    return c.PdScsi(kPd, {0x1d, static_cast<uint8_t>(code << 5), 0, 0, 0, 0});
  };
  RamNvram nvram;
  {
    auto c = On(nvram);
    ASSERT_NE(c, nullptr);
    ASSERT_EQ(send_diag(*c, 2), HBAMGR_ST_OK);  // background extended, seconds
    ASSERT_EQ(send_diag(*c, 4), HBAMGR_ST_OK);  // aborted by the command: 1
    ASSERT_EQ(entry(*c, 1), std::make_pair(2, 1));
    ASSERT_EQ(send_diag(*c, 2), HBAMGR_ST_OK);
    ASSERT_EQ(entry(*c, 1), std::make_pair(2, 0xf)) << "the test ended before the power-off";
  }
  auto c = On(nvram);
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(entry(*c, 1), std::make_pair(2, 2));
  EXPECT_EQ(entry(*c, 2), std::make_pair(2, 1));
  ASSERT_EQ(send_diag(*c, 1), HBAMGR_ST_OK) << "a test still runs after the power cycle";
  EXPECT_EQ(entry(*c, 1), std::make_pair(1, 0xf));
  EXPECT_EQ(entry(*c, 2), std::make_pair(2, 2));
}

// Fresh NVRAMs start logs of their own; a power cycle keeps the log.
TEST_F(NvramTest, EventLogIdentityIsNewOnlyForNewNvram) {
  RamNvram a, b;
  uint64_t id_a = 0, newest_a = 0;
  {
    auto ca = On(a);
    auto cb = On(b);
    ASSERT_NE(ca, nullptr);
    ASSERT_NE(cb, nullptr);
    id_a = ca->LogInfo().log_id;
    newest_a = ca->LogInfo().newest_seq;
    EXPECT_NE(id_a, 0u);
    EXPECT_NE(cb->LogInfo().log_id, 0u);
    EXPECT_NE(cb->LogInfo().log_id, id_a);
    EXPECT_EQ(ca->LogInfo().oldest_seq, 1u);
  }
  auto again = On(a);
  ASSERT_NE(again, nullptr);
  EXPECT_EQ(again->LogInfo().log_id, id_a);
  EXPECT_EQ(again->LogInfo().oldest_seq, 1u);
  EXPECT_GE(again->LogInfo().newest_seq, newest_a);
}

// A VD create killed at any instant around its save: before, the VD does
// not exist and no VD_CREATED was logged; after, it exists and VD_CREATED is
// in the log exactly once (logged at power-on if the kill came first), with
// a seq after every other record.  Never one without the other.
TEST_F(NvramTest, KillAroundVdCreateKeepsConfigurationAndLogInStep) {
  RamNvram nvram;
  uint64_t newest = 0;
  {
    auto c = On(nvram);
    ASSERT_NE(c, nullptr);
    newest = c->LogInfo().newest_seq;
    nvram.CaptureAtSave(1);
    ASSERT_EQ(c->CreateVd(0, {5, 6, 7}), HBAMGR_ST_OK);
  }
  RamNvram::Snapshot snap = nvram.TakeSnapshot();
  ASSERT_NE(snap.before, nullptr);
  ASSERT_NE(snap.after, nullptr);

  auto before = On(*snap.before);
  ASSERT_NE(before, nullptr);
  EXPECT_EQ(before->Vds().size(), 2u);
  EXPECT_TRUE(before->LogWithCode(HBAMGR_EVT_VD_CREATED).size() == 2u)
      << "only the default VDs were announced";
  EXPECT_EQ(before->Pds()[5].state, HBAMGR_PD_UNCONFIGURED_GOOD);
  before.reset();

  auto after = On(*snap.after);
  ASSERT_NE(after, nullptr);
  ASSERT_EQ(after->Vds().size(), 3u);
  std::vector<hbamgr_event> created = after->LogWithCode(HBAMGR_EVT_VD_CREATED);
  ASSERT_EQ(created.size(), 3u) << "the new VD announced once";
  EXPECT_EQ(created.back().vd_id, after->Vds()[2].vd_id);
  EXPECT_GT(created.back().seq, newest);
  EXPECT_EQ(after->Pds()[5].state, HBAMGR_PD_ONLINE);
  // Its PD state changes came back with it, in order, without a gap.
  std::vector<hbamgr_event> log = after->Log();
  for (size_t i = 1; i < log.size(); i++) EXPECT_EQ(log[i].seq, log[i - 1].seq + 1);
  after.reset();

  // Powered on once more, nothing is logged twice.
  auto again = On(*snap.after);
  ASSERT_NE(again, nullptr);
  EXPECT_EQ(again->LogWithCode(HBAMGR_EVT_VD_CREATED).size(), 3u);
}

// A rebuild killed part way resumes where NVRAM had it, says so, finishes,
// and the data it rebuilt (kept on the drives) is right.
TEST_F(NvramTest, RebuildKilledPartWayResumesWithAnEventAndRightData) {
  RamNvram nvram(/*with_drives=*/true);
  const std::vector<uint8_t> head = Pattern(64 * kBlock, 1), tail = Pattern(16 * kBlock, 2);
  const uint32_t tail_lba = 60000;
  uint16_t vd = 0;
  {
    auto c = On(nvram, Config(/*bgop_rate_mb_s=*/1));
    ASSERT_NE(c, nullptr);
    ASSERT_EQ(c->CreateVd(1, {5, 6}, &vd), HBAMGR_ST_OK);
    ASSERT_EQ(c->Write(vd, 0, head), HBAMGR_ST_OK);
    ASSERT_EQ(c->Inject(HBAMGR_FAULT_DRIVE_FAIL, 6), HBAMGR_ST_OK);
    ASSERT_EQ(c->Write(vd, tail_lba, tail), HBAMGR_ST_OK);  // while degraded
    ASSERT_EQ(c->Bgop(true, HBAMGR_BGOP_REBUILD, 6), HBAMGR_ST_OK);
    auto progress = [&] {
      for (const hbamgr_bgop_info& op : c->Bgops())
        if (op.type == HBAMGR_BGOP_REBUILD && op.target == 6) return op.progress_pm;
      return 0u;
    };
    ASSERT_TRUE(WaitFor([&] { return progress() >= 250; }, seconds(60)));
    nvram.CaptureAtSave(1);
    ASSERT_TRUE(WaitFor([&] { return nvram.captured(); }, seconds(60)));
  }
  RamNvram::Snapshot snap = nvram.TakeSnapshot();
  ASSERT_NE(snap.after, nullptr);
  auto c = On(*snap.after);
  ASSERT_NE(c, nullptr);
  std::vector<hbamgr_event> started = c->LogWithCode(HBAMGR_EVT_BGOP_STARTED);
  ASSERT_FALSE(started.empty());
  const hbamgr_event& resumed = started.back();
  EXPECT_EQ(resumed.pd_id, 6);
  EXPECT_EQ(resumed.arg0, HBAMGR_BGOP_REBUILD);
  EXPECT_GE(resumed.arg1, 250u) << resumed.description;
  EXPECT_LT(resumed.arg1, 1000u) << resumed.description;
  EXPECT_NE(std::string(resumed.description).find("resumed at"), std::string::npos)
      << resumed.description;
  ASSERT_TRUE(WaitFor([&] { return c->Pds()[6].state == HBAMGR_PD_ONLINE; }, seconds(60)));
  EXPECT_EQ(c->Vds()[2].state, HBAMGR_VD_OPTIMAL);
  EXPECT_EQ(c->LogWithCode(HBAMGR_EVT_BGOP_DONE).size(), 1u);
  // Only the rebuilt drive left: the data must come from it.
  ASSERT_EQ(c->Inject(HBAMGR_FAULT_DRIVE_FAIL, 5), HBAMGR_ST_OK);
  EXPECT_TRUE(c->Read(vd, 0, 64) == head);
  EXPECT_TRUE(c->Read(vd, tail_lba, 16) == tail);
}

// What nvram.c's image header holds where (for the tests that damage it).
constexpr size_t kImgGen = 24, kImgLogSeq = 40, kImgDrives = 60;

uint64_t Le(const std::vector<uint8_t>& img, size_t off, int bytes) {
  uint64_t v = 0;
  for (int i = 0; i < bytes; i++) v |= static_cast<uint64_t>(img[off + i]) << (8 * i);
  return v;
}

// A configuration that does not read back is refused with a report naming
// what is wrong, never replaced by a factory one.
TEST_F(NvramTest, DamagedConfigurationIsRefusedWithAReport) {
  RamNvram nvram;
  { ASSERT_NE(On(nvram), nullptr); }
  const std::vector<uint8_t> good = nvram.config();
  ASSERT_GT(good.size(), 100u);
  struct Case {
    const char* name;
    std::vector<uint8_t> image;
    const char* report;
  };
  std::vector<uint8_t> flipped = good, truncated = good, magic = good, empty;
  flipped[good.size() / 2] ^= 0x40;
  truncated.resize(good.size() - 7);
  magic[0] = 'X';
  const Case cases[] = {
      {"a flipped bit", flipped, "checksum"},
      {"a truncated file", truncated, "truncated"},
      {"another file", magic, "not an hbamgr configuration image"},
      {"an empty file", std::vector<uint8_t>(10, 0), "too short"},
  };
  for (const Case& c : cases) {
    std::unique_ptr<RamNvram> damaged = nvram.Clone();
    damaged->set_config(c.image);
    std::unique_ptr<Controller> ctl;
    hba_fw_config cfg = Config();
    EXPECT_EQ(Controller::PowerOn(*damaged, cfg, &ctl), -EUCLEAN) << c.name;
    EXPECT_TRUE(damaged->Reported(c.report)) << c.name << ":\n" << Reports(*damaged);
    EXPECT_TRUE(damaged->config() == c.image) << c.name << ": the image was replaced";
  }
  // The undamaged one still powers on.
  EXPECT_NE(On(nvram), nullptr);
}

// Fields that pass the checksum but make no sense are refused too (an image
// written by a buggy firmware, or edited).
TEST_F(NvramTest, ImpossibleConfigurationIsRefused) {
  RamNvram nvram;
  { ASSERT_NE(On(nvram), nullptr); }
  // Re-checksum an edited image the way nvram.c does (CRC-32, IEEE).
  auto resum = [](std::vector<uint8_t> img) {
    uint32_t crc = ~0u;
    for (size_t i = 0; i + 4 < img.size(); i++) {
      crc ^= img[i];
      for (int k = 0; k < 8; k++) crc = (crc >> 1) ^ (0xedb88320u & -(crc & 1));
    }
    crc = ~crc;
    for (int i = 0; i < 4; i++) img[img.size() - 4 + i] = static_cast<uint8_t>(crc >> (8 * i));
    return img;
  };
  // The first PD's state is the strict section's byte 17 + 5 * enclosures.
  std::vector<uint8_t> img = nvram.config();
  const size_t pd0_state = 80 + 17 + 5;
  ASSERT_EQ(img[pd0_state], HBAMGR_PD_ONLINE) << "slot 0 is a member of the default RAID1";
  img[pd0_state] = 42;
  std::unique_ptr<RamNvram> damaged = nvram.Clone();
  damaged->set_config(resum(img));
  std::unique_ptr<Controller> ctl;
  EXPECT_EQ(Controller::PowerOn(*damaged, Config(), &ctl), -EUCLEAN);
  EXPECT_TRUE(damaged->Reported("PD state (42)")) << Reports(*damaged);

  img = nvram.config();
  img[pd0_state] = HBAMGR_PD_UNCONFIGURED_GOOD;  // a member that is not one
  damaged = nvram.Clone();
  damaged->set_config(resum(img));
  EXPECT_EQ(Controller::PowerOn(*damaged, Config(), &ctl), 0)
      << "a member's state alone is not a contradiction";
  ctl.reset();
  img = nvram.config();
  img[pd0_state + 5] = 9;  // PD 0's VD id: VD 9 does not exist
  damaged = nvram.Clone();
  damaged->set_config(resum(img));
  EXPECT_EQ(Controller::PowerOn(*damaged, Config(), &ctl), -EUCLEAN);
  EXPECT_TRUE(damaged->Reported("not in that VD") ||
              damaged->Reported("PD in a VD that does not exist"))
      << Reports(*damaged);
}

// NVRAM from a controller with other drives is refused unless adopted, and
// adopting takes the stored topology.
TEST_F(NvramTest, AnotherTopologyIsRefusedOrAdopted) {
  RamNvram nvram;
  { ASSERT_NE(On(nvram), nullptr); }
  hba_fw_config fewer = Config();
  fewer.num_drives = 6;
  std::unique_ptr<Controller> c;
  EXPECT_EQ(Controller::PowerOn(nvram, fewer, &c), -EUCLEAN);
  EXPECT_TRUE(nvram.Reported("made for 1 enclosure(s) x 12 slots, 10 drives")) << Reports(nvram);
  EXPECT_TRUE(nvram.Reported("refused")) << Reports(nvram);
  EXPECT_EQ(Le(nvram.config(), kImgDrives, 4), kDrives) << "the refusal changed the NVRAM";

  fewer.nvram_adopt_topology = true;
  ASSERT_EQ(Controller::PowerOn(nvram, fewer, &c), 0) << Reports(nvram);
  EXPECT_EQ(c->Pds().size(), kDrives);
  EXPECT_EQ(c->Vds().size(), 2u);
  EXPECT_TRUE(nvram.Reported("adopting the stored topology")) << Reports(nvram);
}

// A save that fails undoes the change: the caller hears of it, the change
// and its events are gone, CTRL_NVRAM_ERROR is logged once; saves that work
// again take changes again.
TEST_F(NvramTest, FailedSaveUndoesTheChange) {
  RamNvram nvram;
  auto c = On(nvram);
  ASSERT_NE(c, nullptr);
  const std::vector<uint8_t> saved = nvram.config();
  nvram.FailSaves(ENOSPC);
  EXPECT_EQ(c->CreateVd(1, {5, 6}), HBAMGR_ST_FW_FAULT);
  EXPECT_EQ(c->SetPdState(7, HBAMGR_PD_HOTSPARE), HBAMGR_ST_FW_FAULT);
  EXPECT_EQ(c->Vds().size(), 2u);
  EXPECT_EQ(c->Pds()[5].state, HBAMGR_PD_UNCONFIGURED_GOOD);
  EXPECT_EQ(c->Pds()[7].state, HBAMGR_PD_UNCONFIGURED_GOOD);
  EXPECT_EQ(c->LogWithCode(HBAMGR_EVT_VD_CREATED).size(), 2u);
  std::vector<hbamgr_event> errors = c->LogWithCode(HBAMGR_EVT_CTRL_NVRAM_ERROR);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].arg0, static_cast<uint32_t>(ENOSPC));
  EXPECT_EQ(errors[0].severity, HBAMGR_SEV_CRITICAL);
  EXPECT_TRUE(nvram.config() == saved);
  EXPECT_TRUE(nvram.Reported("the change was undone")) << Reports(nvram);
  // Reads go on meanwhile.
  EXPECT_EQ(c->Read(0, 0, 8).size(), 8 * kBlock);

  nvram.FailSaves(0);
  EXPECT_EQ(c->CreateVd(1, {5, 6}), HBAMGR_ST_OK);
  EXPECT_EQ(c->Vds().size(), 3u);
  EXPECT_EQ(c->LogWithCode(HBAMGR_EVT_VD_CREATED).size(), 3u);
  c.reset();
  auto again = On(nvram);
  ASSERT_NE(again, nullptr);
  EXPECT_EQ(again->Vds().size(), 3u);
}

// The configuration and the log belong together: a log that journalled a
// configuration newer than the one stored (an old copy put back), or one
// that journalled any while the configuration is gone, is refused.
TEST_F(NvramTest, ConfigurationAndLogThatDoNotBelongTogetherAreRefused) {
  RamNvram nvram;
  std::vector<uint8_t> old_config;
  {
    auto c = On(nvram);
    ASSERT_NE(c, nullptr);
    old_config = nvram.config();
    ASSERT_EQ(c->CreateVd(1, {5, 6}), HBAMGR_ST_OK);
  }
  std::unique_ptr<Controller> c;
  std::unique_ptr<RamNvram> restored = nvram.Clone();
  restored->set_config(old_config);
  EXPECT_EQ(Controller::PowerOn(*restored, Config(), &c), -EUCLEAN);
  EXPECT_TRUE(restored->Reported("an older copy of the configuration")) << Reports(*restored);

  std::unique_ptr<RamNvram> lost = nvram.Clone();
  lost->clear_config();
  EXPECT_EQ(Controller::PowerOn(*lost, Config(), &c), -EUCLEAN);
  EXPECT_TRUE(lost->Reported("missing, but the event log has configuration generation"))
      << Reports(*lost);

  RamNvram other;
  { ASSERT_NE(On(other), nullptr); }
  std::unique_ptr<RamNvram> mixed = nvram.Clone();
  mixed->set_config(other.config());
  EXPECT_EQ(Controller::PowerOn(*mixed, Config(), &c), -EUCLEAN);
  EXPECT_TRUE(mixed->Reported("belongs to event log")) << Reports(*mixed);
}

// Event log header damage is refused; records lost with their page (power
// failure between two syncs) are dropped with a report, and the log goes on
// after them: no seq is ever handed out twice.
TEST_F(NvramTest, EventLogDamageIsRefusedOrDroppedNeverReused) {
  RamNvram nvram;
  uint64_t newest = 0;
  std::unique_ptr<RamNvram> early;
  {
    auto c = On(nvram);
    ASSERT_NE(c, nullptr);
    ASSERT_EQ(c->Inject(HBAMGR_FAULT_SRB_STORM, 0, 20), HBAMGR_ST_OK);
    early = nvram.Clone();
    ASSERT_EQ(c->Inject(HBAMGR_FAULT_SRB_STORM, 0, 5), HBAMGR_ST_OK);
    ASSERT_EQ(c->Locate(3, true), HBAMGR_ST_OK);  // saved after the storms
    newest = c->LogInfo().newest_seq;
  }
  std::unique_ptr<Controller> c;
  std::unique_ptr<RamNvram> bad = nvram.Clone();
  bad->evtlog()[0] ^= 0xff;  // magic
  EXPECT_EQ(Controller::PowerOn(*bad, Config(), &c), -EUCLEAN);
  EXPECT_TRUE(bad->Reported("event log: no event log")) << Reports(*bad);

  // The region: a 128-byte header, then 104-byte records, seq s in slot s-1.
  std::unique_ptr<RamNvram> torn = nvram.Clone();
  const uint64_t lost = newest - 5;
  std::memset(torn->evtlog().data() + 128 + (lost - 1) * sizeof(hbamgr_event), 0,
              sizeof(hbamgr_event));
  ASSERT_EQ(Controller::PowerOn(*torn, Config(), &c), 0) << Reports(*torn);
  EXPECT_TRUE(torn->Reported("record " + std::to_string(lost) + " was lost")) << Reports(*torn);
  hbamgr_evtlog_info info = c->LogInfo();
  EXPECT_EQ(info.oldest_seq, lost + 1);
  EXPECT_GE(info.newest_seq, newest);
  ASSERT_EQ(c->Locate(1, true), HBAMGR_ST_OK);
  EXPECT_GT(c->LogWithCode(HBAMGR_EVT_PD_LOCATE).back().seq, newest);
  c.reset();

  // A log whose header is older than the configuration says (its last
  // sync before the power failure): the seqs it lost are skipped, not
  // reused, and the configuration's own events are logged again.
  std::unique_ptr<RamNvram> stale = nvram.Clone();
  std::vector<uint8_t> img = stale->config();
  const uint64_t floor = Le(img, kImgLogSeq, 8);
  std::memcpy(stale->evtlog().data(), early->evtlog().data(), 128);
  ASSERT_LT(*reinterpret_cast<uint64_t*>(stale->evtlog().data() + 32), floor);
  ASSERT_EQ(Controller::PowerOn(*stale, Config(), &c), 0) << Reports(*stale);
  EXPECT_TRUE(stale->Reported("were lost")) << Reports(*stale);
  ASSERT_EQ(c->Locate(1, true), HBAMGR_ST_OK);
  std::vector<hbamgr_event> locates = c->LogWithCode(HBAMGR_EVT_PD_LOCATE);
  ASSERT_EQ(locates.size(), 2u) << "the configuration's and the new one";
  EXPECT_EQ(locates[0].slot, 3);
  EXPECT_GT(locates[0].seq, floor);
  c.reset();  // before its NVRAM goes
  EXPECT_GT(Le(stale->config(), kImgGen, 8), Le(img, kImgGen, 8));
}

}  // namespace
}  // namespace hbamgr::coretest
