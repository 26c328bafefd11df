// Tests of the simulated firmware's storage model (kmod/core/fw/fw_store.h)
// driven directly through fw_store_*, with a recording event sink and no
// frame engine: RAID data paths under failures and rebuilds, SCSI
// emulation, management opcodes and background operations.
#include <linux/hbamgr.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstring>
#include <ostream>
#include <string>
#include <thread>
#include <tuple>
#include <utility>
#include <vector>

#include "gtest/gtest.h"
#include "hba_os.h"
#include "support/fw_store_harness.h"

namespace hbamgr::fwstoretest {
namespace {

constexpr uint32_t kBs = 512;

class FwStoreTest : public ::testing::Test {
 protected:
  void SetUp() override { warn_base_ = hba_os_warn_count(); }
  void TearDown() override { EXPECT_EQ(hba_os_warn_count(), warn_base_); }

 private:
  unsigned long warn_base_ = 0;
};

uint32_t Be32(const uint8_t* p) {
  return static_cast<uint32_t>(p[0]) << 24 | static_cast<uint32_t>(p[1]) << 16 |
         static_cast<uint32_t>(p[2]) << 8 | p[3];
}

uint64_t Be64(const uint8_t* p) { return static_cast<uint64_t>(Be32(p)) << 32 | Be32(p + 4); }

void ExpectSense(const ScsiReply& r, uint8_t key, uint8_t asc, uint8_t ascq) {
  EXPECT_EQ(r.reply.status, HBAMGR_ST_SCSI_ERROR);
  EXPECT_EQ(r.reply.scsi_status, 0x02);
  ASSERT_EQ(r.reply.sense_len, 18);
  EXPECT_EQ(r.reply.sense[0] & 0x7f, 0x70);
  EXPECT_EQ(r.sense_key(), key);
  EXPECT_EQ(r.asc(), asc);
  EXPECT_EQ(r.ascq(), ascq);
}

// Regions written in every RAID test: aligned, crossing strips and rows,
// and small unaligned ones.
struct Region {
  uint64_t lba;
  std::vector<uint8_t> data;
};

std::vector<Region> WritePatterns(FwStoreHarness& h, uint16_t vd, uint32_t seed) {
  std::vector<Region> regions = {
      {0, Pattern(256 * 1024, seed)},
      {1000, Pattern(77 * kBs, seed + 1)},
      {4093, Pattern(9 * kBs, seed + 2)},
      {16000, Pattern(3 * kBs, seed + 3)},  // near the end of a RAID1
  };
  for (const auto& r : regions) EXPECT_TRUE(h.WriteBlocks(vd, r.lba, r.data)) << "lba " << r.lba;
  return regions;
}

void ExpectRegions(FwStoreHarness& h, uint16_t vd, const std::vector<Region>& regions) {
  for (const auto& r : regions) {
    ScsiReply reply;
    std::vector<uint8_t> got =
        h.ReadBlocks(vd, r.lba, static_cast<uint32_t>(r.data.size() / kBs), kBs, false, &reply);
    EXPECT_EQ(reply.reply.status, HBAMGR_ST_OK) << "lba " << r.lba;
    EXPECT_TRUE(got == r.data) << "data differs at VD lba " << r.lba;
  }
}

uint8_t PdState(FwStoreHarness& h, uint16_t pd) { return h.Pd(pd).state; }

struct RaidCase {
  uint8_t level;
  std::vector<uint16_t> members;
};

void PrintTo(const RaidCase& c, std::ostream* os) {
  *os << "RAID" << static_cast<int>(c.level) << " on " << c.members.size() << " drives";
}

class RaidLevelTest : public FwStoreTest, public ::testing::WithParamInterface<RaidCase> {};

// Pattern through the VD, lose members, read back, rebuild onto spares,
// lose other members, read back: the rebuilt data must be right.
TEST_P(RaidLevelTest, SurvivesFailureAndRebuildsCorrectData) {
  const RaidCase& rc = GetParam();
  FwStoreHarness h(SmallStoreConfig());
  ASSERT_TRUE(h.ok());
  uint16_t vd = 0;
  ASSERT_EQ(h.CreateVd(rc.level, rc.members, 16, &vd), HBAMGR_ST_OK);
  auto regions = WritePatterns(h, vd, 0x1000 + rc.level);

  const bool raid6 = rc.level == 6;
  std::vector<uint16_t> lost = {rc.members[0]};
  if (raid6) lost.push_back(rc.members[2]);
  for (size_t i = 0; i < lost.size(); i++) {
    ASSERT_EQ(h.Inject(HBAMGR_FAULT_DRIVE_FAIL, lost[i]), HBAMGR_ST_OK);
    uint8_t expect = raid6 && i == 0 ? HBAMGR_VD_PARTIALLY_DEGRADED : HBAMGR_VD_DEGRADED;
    EXPECT_EQ(h.Vd(vd).state, expect);
    ExpectRegions(h, vd, regions);
  }
  // A write while degraded must keep parity right for the rebuild.
  Region degraded{3000, Pattern(40 * kBs, 0x2000 + rc.level)};
  ASSERT_TRUE(h.WriteBlocks(vd, degraded.lba, degraded.data));
  regions.push_back(degraded);
  ExpectRegions(h, vd, regions);

  // First replacement as a hot spare (automatic), second by "start
  // rebuild" on an unconfigured drive.
  const uint16_t spare = 10, replacement = 11;
  ASSERT_EQ(h.SetPdState(spare, HBAMGR_PD_HOTSPARE), HBAMGR_ST_OK);
  EXPECT_EQ(PdState(h, spare), HBAMGR_PD_REBUILD);
  EXPECT_EQ(PdState(h, lost[0]), HBAMGR_PD_UNCONFIGURED_BAD);
  if (raid6) {
    ASSERT_EQ(h.BgopStart(HBAMGR_BGOP_REBUILD, replacement), HBAMGR_ST_OK);
  }
  ASSERT_TRUE(h.RunBgops());
  EXPECT_EQ(h.Vd(vd).state, HBAMGR_VD_OPTIMAL);
  EXPECT_EQ(PdState(h, spare), HBAMGR_PD_ONLINE);
  EXPECT_EQ(h.Pd(spare).vd_id, vd);
  EXPECT_EQ(h.EventsWithCode(HBAMGR_EVT_BGOP_DONE).size(), raid6 ? 2u : 1u);
  ExpectRegions(h, vd, regions);

  // Now lose members that were not rebuilt; the data must come from the
  // rebuilt ones.
  std::vector<uint16_t> others;
  for (uint16_t m : h.Vd(vd).pd_ids) {
    if (others.size() < lost.size() && m != spare && m != replacement &&
        PdState(h, m) == HBAMGR_PD_ONLINE)
      others.push_back(m);
  }
  if (rc.level == 10) others = {static_cast<uint16_t>(rc.members[1])};
  for (uint16_t m : others) ASSERT_EQ(h.Inject(HBAMGR_FAULT_DRIVE_FAIL, m), HBAMGR_ST_OK);
  EXPECT_NE(h.Vd(vd).state, HBAMGR_VD_OFFLINE);
  ExpectRegions(h, vd, regions);
}

INSTANTIATE_TEST_SUITE_P(Levels, RaidLevelTest,
                         ::testing::Values(RaidCase{1, {0, 1}}, RaidCase{5, {0, 1, 2, 3}},
                                           RaidCase{6, {0, 1, 2, 3, 4}},
                                           RaidCase{10, {0, 1, 2, 3}}),
                         [](const auto& info) {
                           return "Raid" + std::to_string(info.param.level);
                         });

// Every pair of a 5-drive RAID6: across the rotating rows each pair is
// data+data, data+P, data+Q and P+Q somewhere.
TEST_F(FwStoreTest, Raid6AnyTwoMissing) {
  FwStoreHarness h(SmallStoreConfig());
  ASSERT_TRUE(h.ok());
  uint16_t vd = 0;
  ASSERT_EQ(h.CreateVd(6, {0, 1, 2, 3, 4}, 8, &vd), HBAMGR_ST_OK);
  // 5 rows of 3 data strips of 8 KiB: every role on every member.
  std::vector<Region> regions = {{0, Pattern(5 * 3 * 8192, 77)}};
  ASSERT_TRUE(h.WriteBlocks(vd, 0, regions[0].data));
  for (uint16_t a = 0; a < 5; a++) {
    for (uint16_t b = a + 1; b < 5; b++) {
      ASSERT_EQ(h.Inject(HBAMGR_FAULT_DRIVE_FAIL, a), HBAMGR_ST_OK);
      ASSERT_EQ(h.Inject(HBAMGR_FAULT_DRIVE_FAIL, b), HBAMGR_ST_OK);
      EXPECT_EQ(h.Vd(vd).state, HBAMGR_VD_DEGRADED);
      SCOPED_TRACE("lost " + std::to_string(a) + "," + std::to_string(b));
      ExpectRegions(h, vd, regions);
      // No write happened: forcing them online is safe.
      ASSERT_EQ(h.SetPdState(a, HBAMGR_PD_ONLINE), HBAMGR_ST_OK);
      ASSERT_EQ(h.SetPdState(b, HBAMGR_PD_ONLINE), HBAMGR_ST_OK);
      EXPECT_EQ(h.Vd(vd).state, HBAMGR_VD_OPTIMAL);
    }
  }
  // A third loss takes it offline: NOT READY, never wrong data.
  for (uint16_t pd : {0, 1, 2}) ASSERT_EQ(h.Inject(HBAMGR_FAULT_DRIVE_FAIL, pd), HBAMGR_ST_OK);
  EXPECT_EQ(h.Vd(vd).state, HBAMGR_VD_OFFLINE);
  ScsiReply r;
  h.ReadBlocks(vd, 0, 8, kBs, false, &r);
  ExpectSense(r, 0x2, 0x04, 0x03);
  EXPECT_FALSE(h.WriteBlocks(vd, 0, Pattern(kBs, 1), false, &r));
  ExpectSense(r, 0x2, 0x04, 0x03);
}

TEST_F(FwStoreTest, MediaErrorOnPdAndRepairThroughRedundantVd) {
  FwStoreHarness h(SmallStoreConfig());
  ASSERT_TRUE(h.ok());
  uint16_t r5 = 0, r0 = 0;
  ASSERT_EQ(h.CreateVd(5, {0, 1, 2}, 16, &r5), HBAMGR_ST_OK);
  ASSERT_EQ(h.CreateVd(0, {3}, 16, &r0), HBAMGR_ST_OK);
  auto data = Pattern(64 * kBs, 5);
  ASSERT_TRUE(h.WriteBlocks(r5, 0, data));
  ASSERT_TRUE(h.WriteBlocks(r0, 0, data));

  // Row 0 of a 3-drive RAID5: P on member 2, data strip 0 on member 0.
  ASSERT_EQ(h.Inject(HBAMGR_FAULT_MEDIA_ERROR, 0, 0, 5), HBAMGR_ST_OK);
  ScsiReply r;
  h.ReadBlocks(0, 5, 1, kBs, true, &r);
  ExpectSense(r, 0x3, 0x11, 0x00);
  EXPECT_TRUE(r.reply.sense[0] & 0x80);
  EXPECT_EQ(Be32(&r.reply.sense[3]), 5u);
  EXPECT_EQ(h.Pd(0).media_errors, 1u);
  EXPECT_EQ(h.EventsWithCode(HBAMGR_EVT_PD_MEDIA_ERROR).size(), 1u);

  // Through the VD: served by reconstruction, block rewritten.
  EXPECT_EQ(h.ReadBlocks(r5, 0, 64, kBs, false, &r), data);
  EXPECT_EQ(r.reply.status, HBAMGR_ST_OK);
  EXPECT_EQ(h.Pd(0).media_errors, 2u);
  h.ReadBlocks(0, 5, 1, kBs, true, &r);
  EXPECT_EQ(r.reply.status, HBAMGR_ST_OK);
  EXPECT_EQ(h.Pd(0).media_errors, 2u);

  // RAID0 has nothing to reconstruct from: MEDIUM ERROR with the VD LBA.
  ASSERT_EQ(h.Inject(HBAMGR_FAULT_MEDIA_ERROR, 3, 0, 7), HBAMGR_ST_OK);
  h.ReadBlocks(r0, 0, 16, kBs, false, &r);
  ExpectSense(r, 0x3, 0x11, 0x00);
  EXPECT_EQ(Be32(&r.reply.sense[3]), 7u);
  EXPECT_LT(r.reply.transfer_count, 16 * kBs);

  // Enough media errors trip the drive's SMART: a predictive failure,
  // reported in LOG SENSE page 0x2f (ASC 0x5d).
  EXPECT_TRUE(h.EventsWithCode(HBAMGR_EVT_PD_PREDICTIVE_FAIL).empty());
  for (uint64_t lba = 100; lba < 107; lba++) {
    ASSERT_EQ(h.Inject(HBAMGR_FAULT_MEDIA_ERROR, 3, 0, lba), HBAMGR_ST_OK);
    h.ReadBlocks(3, lba, 1, kBs, true, &r);
    ExpectSense(r, 0x3, 0x11, 0x00);
  }
  EXPECT_EQ(h.Pd(3).media_errors, 8u);
  EXPECT_EQ(h.Pd(3).predictive_failures, 1u);
  auto pfa = h.EventsWithCode(HBAMGR_EVT_PD_PREDICTIVE_FAIL);
  ASSERT_EQ(pfa.size(), 1u);
  EXPECT_EQ(pfa[0].pd_id, 3);
  r = h.Scsi(3, {0x4d, 0, 0x40 | 0x2f, 0, 0, 0, 0, 0, 64, 0}, HBAMGR_DIR_FROM_DEV, 64, {}, true);
  ASSERT_GE(r.data.size(), 11u);
  EXPECT_EQ(r.data[8], 0x5d);
}

TEST_F(FwStoreTest, FourKnGeometry) {
  hba_fw_config cfg = SmallStoreConfig();
  cfg.sector_size = 4096;
  FwStoreHarness h(cfg);
  ASSERT_TRUE(h.ok());
  std::vector<uint8_t> rc16 = {0x9e, 0x10, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 32, 0, 0};
  ScsiReply r = h.Scsi(0, rc16, HBAMGR_DIR_FROM_DEV, 32, {}, true);
  ASSERT_EQ(r.reply.status, HBAMGR_ST_OK);
  ASSERT_EQ(r.data.size(), 32u);
  EXPECT_EQ(Be32(&r.data[8]), 4096u);
  EXPECT_EQ(Be64(&r.data[0]), 8u * 1024 * 1024 / 4096 - 1);

  uint16_t vd = 0;
  ASSERT_EQ(h.CreateVd(5, {0, 1, 2}, 64, &vd), HBAMGR_ST_OK);
  hbamgr_vd_info info = h.Vd(vd);
  EXPECT_EQ(info.logical_block_size, 4096u);
  r = h.Scsi(vd, rc16, HBAMGR_DIR_FROM_DEV, 32);
  ASSERT_EQ(r.data.size(), 32u);
  EXPECT_EQ(Be32(&r.data[8]), 4096u);
  EXPECT_EQ(Be64(&r.data[0]) + 1, info.num_blocks);
  r = h.Scsi(vd, {0x25, 0, 0, 0, 0, 0, 0, 0, 0, 0}, HBAMGR_DIR_FROM_DEV, 8);
  ASSERT_EQ(r.data.size(), 8u);
  EXPECT_EQ(Be32(&r.data[4]), 4096u);

  auto data = Pattern(5 * 4096, 44);
  ASSERT_TRUE(h.WriteBlocks(vd, 17, data));
  EXPECT_EQ(h.ReadBlocks(vd, 17, 5, 4096), data);
  ASSERT_EQ(h.Inject(HBAMGR_FAULT_DRIVE_FAIL, 1), HBAMGR_ST_OK);
  EXPECT_EQ(h.ReadBlocks(vd, 17, 5, 4096), data);
}

TEST_F(FwStoreTest, DefaultMixAndDefaultVds) {
  hba_fw_config cfg = SmallStoreConfig();
  cfg.sector_size = 0;
  cfg.default_vds = 1;
  FwStoreHarness h(cfg);
  ASSERT_TRUE(h.ok());
  auto vds = h.VdList();
  ASSERT_EQ(vds.size(), 2u);
  EXPECT_EQ(vds[0].raid_level, 1);
  EXPECT_STREQ(vds[0].name, "sys");
  EXPECT_EQ(vds[0].pd_ids[0], 0);
  EXPECT_EQ(vds[0].pd_ids[1], 1);
  EXPECT_EQ(vds[1].raid_level, 5);
  EXPECT_STREQ(vds[1].name, "data");
  EXPECT_EQ(vds[1].num_pds, 3);
  EXPECT_EQ(vds[1].pd_ids[2], 4);
  EXPECT_EQ(h.Pd(0).logical_block_size, 512u);
  EXPECT_EQ(h.Pd(0).rotation_rpm, 10000u);
  EXPECT_EQ(h.Pd(5).media_ssd, 1);
  EXPECT_EQ(h.Pd(5).physical_block_size, 4096u);
  EXPECT_EQ(h.Pd(6).logical_block_size, 4096u);
  EXPECT_EQ(h.Pd(7).logical_block_size, 4096u);
  // 512e: READ CAPACITY(16) reports the physical exponent 3.
  std::vector<uint8_t> rc16 = {0x9e, 0x10, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 32, 0, 0};
  ScsiReply r = h.Scsi(5, rc16, HBAMGR_DIR_FROM_DEV, 32, {}, true);
  ASSERT_EQ(r.data.size(), 32u);
  EXPECT_EQ(r.data[13] & 0xf, 3);
  // Mixing 512 and 4096 byte sectors is refused.
  EXPECT_EQ(h.CreateVd(1, {5, 6}), HBAMGR_ST_INVALID_PARAM);
  EXPECT_EQ(h.LastReason().code, HBAMGR_RSN_BLOCK_SIZE);
  EXPECT_EQ(h.LastReason().id, 6);
  EXPECT_EQ(h.LastReason().value, 4096u);
  EXPECT_EQ(h.LastReason().limit, 512u);
  EXPECT_EQ(h.CreateVd(1, {6, 7}), HBAMGR_ST_OK);
}

TEST_F(FwStoreTest, VdCreateValidation) {
  FwStoreHarness h(SmallStoreConfig());
  ASSERT_TRUE(h.ok());
  EXPECT_EQ(h.CreateVd(1, {0, 1, 2}), HBAMGR_ST_INVALID_PARAM);
  EXPECT_EQ(h.CreateVd(5, {0, 1}), HBAMGR_ST_INVALID_PARAM);
  EXPECT_EQ(h.CreateVd(6, {0, 1, 2}), HBAMGR_ST_INVALID_PARAM);
  EXPECT_EQ(h.CreateVd(10, {0, 1, 2}), HBAMGR_ST_INVALID_PARAM);
  EXPECT_EQ(h.CreateVd(7, {0, 1}), HBAMGR_ST_INVALID_PARAM);
  EXPECT_EQ(h.CreateVd(1, {0, 0}), HBAMGR_ST_INVALID_PARAM);
  EXPECT_EQ(h.CreateVd(1, {0, 99}), HBAMGR_ST_NO_DEVICE);
  EXPECT_EQ(h.CreateVd(1, {0, 1}, 12), HBAMGR_ST_INVALID_PARAM);
  EXPECT_EQ(h.CreateVd(1, {0, 1}, 16, nullptr, 1ull << 40), HBAMGR_ST_INVALID_PARAM);
  uint16_t vd = 99;
  ASSERT_EQ(h.CreateVd(1, {0, 1}, 16, &vd), HBAMGR_ST_OK);
  EXPECT_EQ(vd, 0);
  EXPECT_EQ(h.CreateVd(5, {1, 2, 3}), HBAMGR_ST_INVALID_STATE);  // 1 in use
  EXPECT_EQ(h.Pd(1).state, HBAMGR_PD_ONLINE);
  EXPECT_EQ(h.Pd(1).vd_id, 0);

  // Reserved fields must be zero; the payload must be whole.
  hbamgr_vd_create c{};
  c.raid_level = 1;
  c.num_pds = 2;
  c.pd_ids[0] = 4;
  c.pd_ids[1] = 5;
  c.reserved[1] = 1;
  std::vector<uint8_t> buf(sizeof(c));
  std::memcpy(buf.data(), &c, sizeof(c));
  EXPECT_EQ(h.Mgmt(HBAMGR_MGMT_VD_CREATE, nullptr, 0, HBAMGR_DIR_TO_DEV, &buf).status,
            HBAMGR_ST_INVALID_PARAM);
  buf.resize(sizeof(c) - 1);
  c.reserved[1] = 0;
  std::memcpy(buf.data(), &c, buf.size());
  EXPECT_EQ(h.Mgmt(HBAMGR_MGMT_VD_CREATE, nullptr, 0, HBAMGR_DIR_TO_DEV, &buf).status,
            HBAMGR_ST_INVALID_PARAM);

  // Lowest free id is reused after a delete.
  uint16_t vd2 = 0;
  ASSERT_EQ(h.CreateVd(0, {6}, 16, &vd2), HBAMGR_ST_OK);
  EXPECT_EQ(vd2, 1);
  hbamgr_mbox_vd_delete del{};
  del.vd_id = 0;
  EXPECT_EQ(h.Mgmt(HBAMGR_MGMT_VD_DELETE, &del, sizeof(del), HBAMGR_DIR_NONE, nullptr).status,
            HBAMGR_ST_OK);
  EXPECT_EQ(h.Mgmt(HBAMGR_MGMT_VD_DELETE, &del, sizeof(del), HBAMGR_DIR_NONE, nullptr).status,
            HBAMGR_ST_NO_DEVICE);
  EXPECT_EQ(h.Pd(1).state, HBAMGR_PD_UNCONFIGURED_GOOD);
  auto deleted = h.EventsWithCode(HBAMGR_EVT_VD_DELETED);
  ASSERT_EQ(deleted.size(), 1u);
  EXPECT_EQ(deleted[0].vd_id, 0);
  ASSERT_EQ(h.CreateVd(0, {7}, 16, &vd2), HBAMGR_ST_OK);
  EXPECT_EQ(vd2, 0);
}

// Every VD_CREATE refusal says why (ABI 1.1 reason codes): the field or
// object and the value the firmware refused, and the limit it broke.
TEST_F(FwStoreTest, VdCreateRefusalsCarryTheirReason) {
  FwStoreHarness h(SmallStoreConfig());
  ASSERT_TRUE(h.ok());
  struct Expect {
    uint16_t code, id;
    uint64_t value, limit;
  };
  auto reason = [&] {
    const hba_reason r = h.LastReason();
    return Expect{r.code, r.id, r.value, r.limit};
  };
  auto same = [](const Expect& a, const Expect& b) {
    return a.code == b.code && a.id == b.id && a.value == b.value && a.limit == b.limit;
  };
  const uint64_t levels = (1u << 0) | (1u << 1) | (1u << 5) | (1u << 6) | (1u << 10);

  EXPECT_EQ(h.CreateVd(7, {0, 1}), HBAMGR_ST_INVALID_PARAM);
  EXPECT_TRUE(same(reason(), {HBAMGR_RSN_RAID_LEVEL, 0, 7, levels}));
  EXPECT_EQ(h.CreateVd(5, {0, 1}), HBAMGR_ST_INVALID_PARAM);
  EXPECT_TRUE(same(reason(), {HBAMGR_RSN_TOO_FEW_PDS, 5, 2, 3}));
  EXPECT_EQ(h.CreateVd(1, {0, 1, 2}), HBAMGR_ST_INVALID_PARAM);
  EXPECT_TRUE(same(reason(), {HBAMGR_RSN_TOO_MANY_PDS, 1, 3, 2}));
  EXPECT_EQ(h.CreateVd(10, {0, 1, 2, 3, 4}), HBAMGR_ST_INVALID_PARAM);
  EXPECT_TRUE(same(reason(), {HBAMGR_RSN_ODD_PDS, 10, 5, 0}));
  EXPECT_EQ(h.CreateVd(1, {0, 1}, 7), HBAMGR_ST_INVALID_PARAM);
  EXPECT_TRUE(same(reason(), {HBAMGR_RSN_STRIP_SIZE, 0, 7, HBAMGR_STRIP_KB_MAX}));
  EXPECT_EQ(h.CreateVd(1, {0, 1}, 2048), HBAMGR_ST_INVALID_PARAM);
  EXPECT_TRUE(same(reason(), {HBAMGR_RSN_STRIP_SIZE, 0, 2048, HBAMGR_STRIP_KB_MAX}));
  EXPECT_EQ(h.CreateVd(1, {0, 99}), HBAMGR_ST_NO_DEVICE);
  EXPECT_TRUE(same(reason(), {HBAMGR_RSN_PD_MISSING, 99, 0, 0}));
  EXPECT_EQ(h.CreateVd(1, {3, 3}), HBAMGR_ST_INVALID_PARAM);
  EXPECT_TRUE(same(reason(), {HBAMGR_RSN_PD_REPEATED, 3, 0, 0}));
  EXPECT_EQ(h.CreateVd(1, {0, 1}, 16, nullptr, 1ull << 40), HBAMGR_ST_INVALID_PARAM);
  EXPECT_EQ(h.LastReason().code, HBAMGR_RSN_VD_SIZE);
  EXPECT_EQ(h.LastReason().value, 1ull << 40);
  EXPECT_GT(h.LastReason().limit, 0u);
  EXPECT_LT(h.LastReason().limit, 1ull << 40);

  uint16_t vd = 99;
  ASSERT_EQ(h.CreateVd(1, {0, 1}, 16, &vd), HBAMGR_ST_OK);
  EXPECT_EQ(h.LastReason().code, HBAMGR_RSN_NONE);
  EXPECT_EQ(h.CreateVd(5, {2, 1, 3}), HBAMGR_ST_INVALID_STATE);
  EXPECT_TRUE(same(reason(), {HBAMGR_RSN_PD_STATE, 1, HBAMGR_PD_ONLINE, vd}));
  ASSERT_EQ(h.SetPdState(4, HBAMGR_PD_HOTSPARE), HBAMGR_ST_OK);
  EXPECT_EQ(h.CreateVd(1, {4, 5}), HBAMGR_ST_INVALID_STATE);
  EXPECT_TRUE(same(reason(), {HBAMGR_RSN_PD_STATE, 4, HBAMGR_PD_HOTSPARE, HBAMGR_ID_NONE}));

  // The data: direction, length, reserved bytes, flags, names.
  hbamgr_vd_create c{};
  c.raid_level = 1;
  c.num_pds = 2;
  c.pd_ids[0] = 6;
  c.pd_ids[1] = 7;
  auto create = [&](const hbamgr_vd_create& spec, size_t len = sizeof(hbamgr_vd_create),
                    uint8_t dir = HBAMGR_DIR_TO_DEV) {
    std::vector<uint8_t> buf(sizeof(spec));
    std::memcpy(buf.data(), &spec, sizeof(spec));
    buf.resize(len);
    return h.Mgmt(HBAMGR_MGMT_VD_CREATE, nullptr, 0, dir, &buf).status;
  };
  EXPECT_EQ(create(c, sizeof(c), HBAMGR_DIR_FROM_DEV), HBAMGR_ST_INVALID_PARAM);
  EXPECT_TRUE(same(reason(), {HBAMGR_RSN_DIRECTION, 0, HBAMGR_DIR_FROM_DEV, 0}));
  EXPECT_EQ(create(c, sizeof(c) - 1), HBAMGR_ST_INVALID_PARAM);
  EXPECT_TRUE(same(reason(), {HBAMGR_RSN_DATA_LEN, 0, sizeof(c) - 1, sizeof(c)}));
  hbamgr_vd_create bad = c;
  bad.reserved[1] = 0x5a;
  EXPECT_EQ(create(bad), HBAMGR_ST_INVALID_PARAM);
  EXPECT_TRUE(
      same(reason(), {HBAMGR_RSN_FIELD, offsetof(hbamgr_vd_create, reserved) + 4, 0x5a, 0}));
  bad = c;
  bad.flags = 6;
  EXPECT_EQ(create(bad), HBAMGR_ST_INVALID_PARAM);
  EXPECT_TRUE(same(
      reason(), {HBAMGR_RSN_FIELD, offsetof(hbamgr_vd_create, flags), 6, HBAMGR_VD_CREATE_F_INIT}));
  bad = c;
  bad.num_pds = 17;
  EXPECT_EQ(create(bad), HBAMGR_ST_INVALID_PARAM);
  EXPECT_TRUE(same(reason(), {HBAMGR_RSN_TOO_MANY_PDS, 1, 17, HBAMGR_VD_MAX_PDS}));
  bad = c;
  bad.pd_ids[2] = 9;
  EXPECT_EQ(create(bad), HBAMGR_ST_INVALID_PARAM);
  EXPECT_TRUE(same(reason(), {HBAMGR_RSN_FIELD, offsetof(hbamgr_vd_create, pd_ids) + 4, 9, 0}));
  bad = c;
  std::memcpy(bad.name, "ok?bell", 8);
  bad.name[2] = 0x07;
  EXPECT_EQ(create(bad), HBAMGR_ST_INVALID_PARAM);
  EXPECT_TRUE(same(reason(), {HBAMGR_RSN_NAME, 2, 0x07, 0}));
  bad = c;
  std::memcpy(bad.name, "sixteen-chars-xx", HBAMGR_VD_NAME_LEN);
  EXPECT_EQ(create(bad), HBAMGR_ST_INVALID_PARAM);
  EXPECT_TRUE(same(reason(), {HBAMGR_RSN_NAME, HBAMGR_VD_NAME_LEN - 1, 'x', 0}));
  bad = c;
  bad.name[0] = 'a';
  bad.name[2] = 'b';  // a byte after the terminating NUL
  EXPECT_EQ(create(bad), HBAMGR_ST_INVALID_PARAM);
  EXPECT_TRUE(same(reason(), {HBAMGR_RSN_NAME, 2, 'b', 0}));
  std::memcpy(c.name, "fifteen-chars-x", HBAMGR_VD_NAME_LEN);
  EXPECT_EQ(create(c), HBAMGR_ST_OK);
  EXPECT_STREQ(h.Vd(1).name, "fifteen-chars-x");
}

// The other management refusals name their field or object too.
TEST_F(FwStoreTest, MgmtRefusalsCarryTheirReason) {
  FwStoreHarness h(SmallStoreConfig());
  ASSERT_TRUE(h.ok());
  EXPECT_EQ(h.SetPdState(99, HBAMGR_PD_OFFLINE), HBAMGR_ST_NO_DEVICE);
  EXPECT_EQ(h.LastReason().code, HBAMGR_RSN_PD_MISSING);
  EXPECT_EQ(h.LastReason().id, 99);
  EXPECT_EQ(h.SetPdState(2, HBAMGR_PD_OFFLINE), HBAMGR_ST_INVALID_STATE);
  EXPECT_EQ(h.LastReason().code, HBAMGR_RSN_PD_STATE);
  EXPECT_EQ(h.LastReason().id, 2);
  EXPECT_EQ(h.LastReason().value, HBAMGR_PD_UNCONFIGURED_GOOD);
  EXPECT_EQ(h.SetPdState(2, HBAMGR_PD_MISSING), HBAMGR_ST_INVALID_PARAM);
  EXPECT_EQ(h.LastReason().code, HBAMGR_RSN_FIELD);
  EXPECT_EQ(h.LastReason().id, offsetof(hbamgr_mbox_pd_state, state));
  EXPECT_EQ(h.LastReason().value, HBAMGR_PD_MISSING);

  hbamgr_mbox_ctrl_props props{};
  props.rebuild_rate = 101;
  props.patrol_enabled = 2;
  EXPECT_EQ(
      h.Mgmt(HBAMGR_MGMT_CTRL_SET_PROPS, &props, sizeof(props), HBAMGR_DIR_NONE, nullptr).status,
      HBAMGR_ST_INVALID_PARAM);
  EXPECT_EQ(h.LastReason().code, HBAMGR_RSN_FIELD);
  EXPECT_EQ(h.LastReason().id, offsetof(hbamgr_mbox_ctrl_props, rebuild_rate));
  EXPECT_EQ(h.LastReason().value, 101u);
  EXPECT_EQ(h.LastReason().limit, 100u);

  hbamgr_mbox_pd_locate locate{};
  locate.pd_id = 1;
  locate.pad[3] = 1;
  EXPECT_EQ(h.Mgmt(HBAMGR_MGMT_PD_LOCATE, &locate, sizeof(locate), HBAMGR_DIR_NONE, nullptr).status,
            HBAMGR_ST_INVALID_PARAM);
  EXPECT_EQ(h.LastReason().code, HBAMGR_RSN_FIELD);
  EXPECT_EQ(h.LastReason().id, offsetof(hbamgr_mbox_pd_locate, pad) + 3);

  hbamgr_mbox_vd_delete del{};
  del.vd_id = 42;
  EXPECT_EQ(h.Mgmt(HBAMGR_MGMT_VD_DELETE, &del, sizeof(del), HBAMGR_DIR_NONE, nullptr).status,
            HBAMGR_ST_NO_DEVICE);
  EXPECT_EQ(h.LastReason().code, HBAMGR_RSN_VD_MISSING);
  EXPECT_EQ(h.LastReason().id, 42);

  std::vector<uint8_t> buf(4096);
  uint8_t mbox[HBAMGR_CDB_MAX] = {};
  mbox[5] = 0x11;
  EXPECT_EQ(h.Mgmt(HBAMGR_MGMT_PD_LIST, mbox, sizeof(mbox), HBAMGR_DIR_FROM_DEV, &buf).status,
            HBAMGR_ST_INVALID_PARAM);
  EXPECT_EQ(h.LastReason().code, HBAMGR_RSN_FIELD);
  EXPECT_EQ(h.LastReason().id, 5);
  EXPECT_EQ(h.LastReason().value, 0x11u);
  EXPECT_EQ(h.Mgmt(HBAMGR_MGMT_PD_LIST, nullptr, 0, HBAMGR_DIR_FROM_DEV, &buf).status,
            HBAMGR_ST_OK);
  EXPECT_EQ(h.LastReason().code, HBAMGR_RSN_NONE);
}

TEST_F(FwStoreTest, LogPages) {
  FwStoreHarness h(SmallStoreConfig());
  ASSERT_TRUE(h.ok());
  auto log_sense = [&](uint8_t page, uint8_t sub) {
    return h.Scsi(2, {0x4d, 0, static_cast<uint8_t>(0x40 | page), sub, 0, 0, 0, 0x02, 0, 0},
                  HBAMGR_DIR_FROM_DEV, 512, {}, true);
  };
  ScsiReply r = log_sense(0x00, 0);
  ASSERT_EQ(r.reply.status, HBAMGR_ST_OK);
  ASSERT_GE(r.data.size(), 4u);
  size_t n = static_cast<size_t>(r.data[2]) << 8 | r.data[3];
  ASSERT_EQ(r.data.size(), 4 + n);
  std::vector<uint8_t> pages(r.data.begin() + 4, r.data.end());
  for (uint8_t p : {0x00, 0x02, 0x03, 0x05, 0x06, 0x0d, 0x0e, 0x10, 0x15, 0x2f})
    EXPECT_NE(std::find(pages.begin(), pages.end(), p), pages.end()) << int(p);

  ASSERT_EQ(h.Inject(HBAMGR_FAULT_TEMPERATURE, 2, 47), HBAMGR_ST_OK);
  EXPECT_TRUE(h.EventsWithCode(HBAMGR_EVT_PD_TEMPERATURE).empty());
  r = log_sense(0x0d, 0);
  ASSERT_EQ(r.reply.status, HBAMGR_ST_OK);
  ASSERT_GE(r.data.size(), 10u);
  EXPECT_EQ(r.data[0] & 0x3f, 0x0d);
  EXPECT_EQ(r.data[4], 0);  // parameter 0000: temperature
  EXPECT_EQ(r.data[5], 0);
  EXPECT_EQ(r.data[7], 2);
  EXPECT_EQ(r.data[9], 47);
  ASSERT_EQ(h.Inject(HBAMGR_FAULT_TEMPERATURE, 2, 66), HBAMGR_ST_OK);
  auto hot = h.EventsWithCode(HBAMGR_EVT_PD_TEMPERATURE);
  ASSERT_EQ(hot.size(), 1u);
  EXPECT_EQ(hot[0].arg0, 66u);
  EXPECT_EQ(hot[0].pd_id, 2);
  r = log_sense(0x2f, 0);
  ASSERT_GE(r.data.size(), 11u);
  EXPECT_EQ(r.data[10], 66);

  // Subpage 0xff of page 0: (page, subpage) pairs.
  r = log_sense(0x00, 0xff);
  ASSERT_EQ(r.reply.status, HBAMGR_ST_OK);
  EXPECT_EQ(r.data[1], 0xff);
  EXPECT_EQ((static_cast<size_t>(r.data[2]) << 8 | r.data[3]) % 2, 0u);
  EXPECT_EQ(r.data[4], 0x00);

  // Unsupported page: ILLEGAL REQUEST, invalid field in CDB.
  ExpectSense(log_sense(0x31, 0), 0x5, 0x24, 0);

  // SEND DIAGNOSTIC records a self-test result in page 0x10.
  r = h.Scsi(2, {0x1d, 0x04, 0, 0, 0, 0}, HBAMGR_DIR_NONE, 0, {}, true);
  ASSERT_EQ(r.reply.status, HBAMGR_ST_OK);
  r = log_sense(0x10, 0);
  ASSERT_GE(r.data.size(), 4u + 20 * 20);
  EXPECT_EQ(r.data[4 + 1], 1);          // parameter 0001
  EXPECT_EQ(r.data[8] & 0x0f, 0);       // completed without error
  EXPECT_EQ(r.data[8] >> 5, 1);         // default self-test
  EXPECT_EQ(r.data[24 + 4] & 0x0f, 0);  // second entry empty
  EXPECT_EQ(r.data[24 + 4], 0);
}

// The informational exceptions control page's TEST bit (SPC): a drive that
// has it set reports a false failure prediction, ASC 0x5d ASCQ 0xff, in
// LOG SENSE page 0x2f until it is cleared.  VDs and other fields refuse.
TEST_F(FwStoreTest, InformationalExceptionsTestBit) {
  FwStoreHarness h(SmallStoreConfig());
  ASSERT_TRUE(h.ok());
  uint16_t vd = 0;
  ASSERT_EQ(h.CreateVd(1, {0, 1}, 16, &vd), HBAMGR_ST_OK);
  auto ie = [&]() {
    ScsiReply r =
        h.Scsi(2, {0x4d, 0, 0x40 | 0x2f, 0, 0, 0, 0, 0, 64, 0}, HBAMGR_DIR_FROM_DEV, 64, {}, true);
    EXPECT_EQ(r.reply.status, HBAMGR_ST_OK);
    EXPECT_GE(r.data.size(), 11u);
    return r.data.size() >= 11 ? std::make_pair(r.data[8], r.data[9])
                               : std::make_pair(uint8_t{0xee}, uint8_t{0xee});
  };
  auto mode_sense_iec = [&](uint16_t lu, bool phys, uint8_t pc) {
    ScsiReply r = h.Scsi(lu, {0x1a, 0x08, static_cast<uint8_t>(pc << 6 | 0x1c), 0, 255, 0},
                         HBAMGR_DIR_FROM_DEV, 255, {}, phys);
    EXPECT_EQ(r.reply.status, HBAMGR_ST_OK);
    EXPECT_EQ(r.data.size(), 4u + 12);
    return r.data;
  };
  auto select = [&](uint16_t lu, bool phys, std::vector<uint8_t> page) {
    std::vector<uint8_t> sel(4 + page.size(), 0);  // zeroed header, no block descriptor
    std::copy(page.begin(), page.end(), sel.begin() + 4);
    return h.Scsi(lu, {0x15, 0x10, 0, 0, static_cast<uint8_t>(sel.size()), 0}, HBAMGR_DIR_TO_DEV, 0,
                  sel, phys);
  };
  EXPECT_EQ(ie(), std::make_pair(uint8_t{0}, uint8_t{0}));
  std::vector<uint8_t> page = mode_sense_iec(2, true, 0);
  page.erase(page.begin(), page.begin() + 4);
  EXPECT_EQ(page[2], 0x00);
  EXPECT_EQ(page[3], 0x06);                          // MRIE 6
  EXPECT_EQ(mode_sense_iec(2, true, 1)[6], 0x04);    // TEST is changeable on a drive
  EXPECT_EQ(mode_sense_iec(vd, false, 1)[6], 0x00);  // and on no VD

  page[2] = 0x04;
  ASSERT_EQ(select(2, true, page).reply.status, HBAMGR_ST_OK);
  EXPECT_EQ(ie(), std::make_pair(uint8_t{0x5d}, uint8_t{0xff}));
  EXPECT_EQ(mode_sense_iec(2, true, 0)[6], 0x04);
  EXPECT_EQ(mode_sense_iec(2, true, 2)[6], 0x00);  // default: off

  // Another field, or the page on a VD: INVALID FIELD IN PARAMETER LIST.
  std::vector<uint8_t> dexcpt = page;
  dexcpt[2] |= 0x08;
  ExpectSense(select(2, true, dexcpt), 0x5, 0x26, 0);
  std::vector<uint8_t> mrie = page;
  mrie[3] = 4;
  ExpectSense(select(2, true, mrie), 0x5, 0x26, 0);
  ExpectSense(select(vd, false, page), 0x5, 0x26, 0);
  EXPECT_EQ(ie(), std::make_pair(uint8_t{0x5d}, uint8_t{0xff}));

  page[2] = 0x00;
  ASSERT_EQ(select(2, true, page).reply.status, HBAMGR_ST_OK);
  EXPECT_EQ(ie(), std::make_pair(uint8_t{0}, uint8_t{0}));
}

// Background self-tests take time: the newest self-test log entry reads in
// progress (result 15) and REQUEST SENSE gives its progress until it ends;
// one runs at a time; code 4 aborts it; the control mode page gives the
// extended test's duration.  (Waits are for a condition, with a deadline.)
TEST_F(FwStoreTest, BackgroundSelfTestsTakeTime) {
  FwStoreHarness h(SmallStoreConfig());
  ASSERT_TRUE(h.ok());
  constexpr uint16_t kPd = 2;
  auto newest = [&]() {  // (code, result, failing LBA) of entry 1 of page 0x10
    ScsiReply r = h.Scsi(kPd, {0x4d, 0, 0x40 | 0x10, 0, 0, 0, 0, 0x02, 0, 0}, HBAMGR_DIR_FROM_DEV,
                         512, {}, true);
    EXPECT_EQ(r.reply.status, HBAMGR_ST_OK);
    EXPECT_GE(r.data.size(), 24u);
    if (r.data.size() < 24) return std::make_tuple(0, 0, uint64_t{0});
    return std::make_tuple(r.data[8] >> 5, r.data[8] & 0x0f, Be64(&r.data[12]));
  };
  auto send_diag = [&](uint8_t code) {
    return h.Scsi(kPd, {0x1d, static_cast<uint8_t>(code << 5), 0, 0, 0, 0}, HBAMGR_DIR_NONE, 0, {},
                  true);
  };
  auto wait_done = [&]() {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (std::get<1>(newest()) == 0xf && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return newest();
  };

  ASSERT_EQ(send_diag(1).reply.status, HBAMGR_ST_OK);  // background short
  EXPECT_EQ(newest(), std::make_tuple(1, 0xf, ~uint64_t{0}));
  ScsiReply rs = h.Scsi(kPd, {0x03, 0, 0, 0, 18, 0}, HBAMGR_DIR_FROM_DEV, 18, {}, true);
  ASSERT_EQ(rs.data.size(), 18u);
  if (std::get<1>(newest()) == 0xf) {  // still running as REQUEST SENSE ran
    EXPECT_EQ(rs.data[2] & 0x0f, 0);   // NO SENSE
    EXPECT_EQ(rs.data[12], 0x04);      // LOGICAL UNIT NOT READY,
    EXPECT_EQ(rs.data[13], 0x09);      // SELF-TEST IN PROGRESS
    EXPECT_EQ(rs.data[15], 0x80);      // SKSV: progress indication
  }
  // One at a time: NOT READY, self-test in progress.
  ScsiReply busy = send_diag(2);
  if (std::get<1>(newest()) == 0xf) ExpectSense(busy, 0x2, 0x04, 0x09);
  EXPECT_EQ(wait_done(), std::make_tuple(1, 0, ~uint64_t{0}));
  rs = h.Scsi(kPd, {0x03, 0, 0, 0, 18, 0}, HBAMGR_DIR_FROM_DEV, 18, {}, true);
  EXPECT_EQ(rs.data[12], 0);  // nothing to report once it ended

  // The extended test's read scan stops at an unreadable block.
  ASSERT_EQ(h.Inject(HBAMGR_FAULT_MEDIA_ERROR, kPd, 0, 77), HBAMGR_ST_OK);
  ASSERT_EQ(send_diag(2).reply.status, HBAMGR_ST_OK);
  EXPECT_EQ(wait_done(), std::make_tuple(2, 7, uint64_t{77}));

  // Aborted (code 4): result 1 at once.
  ASSERT_EQ(send_diag(2).reply.status, HBAMGR_ST_OK);
  ASSERT_EQ(send_diag(4).reply.status, HBAMGR_ST_OK);
  EXPECT_EQ(newest(), std::make_tuple(2, 1, ~uint64_t{0}));
  EXPECT_EQ(send_diag(4).reply.status, HBAMGR_ST_OK);  // nothing to abort
  // A foreground test still completes with the command.
  ScsiReply fg = send_diag(5);
  ExpectSense(fg, 0x3, 0x11, 0);
  EXPECT_EQ(newest(), std::make_tuple(5, 7, uint64_t{77}));
  // Code 4 with the SELFTEST bit, or a reserved code: INVALID FIELD IN CDB.
  ExpectSense(h.Scsi(kPd, {0x1d, 0x84, 0, 0, 0, 0}, HBAMGR_DIR_NONE, 0, {}, true), 0x5, 0x24, 0);
  ExpectSense(send_diag(3), 0x5, 0x24, 0);

  // Control mode page: extended self-test completion time, seconds.
  ScsiReply ms = h.Scsi(kPd, {0x1a, 0x08, 0x0a, 0, 255, 0}, HBAMGR_DIR_FROM_DEV, 255, {}, true);
  ASSERT_EQ(ms.data.size(), 4u + 12);
  EXPECT_EQ(ms.data[4 + 10] << 8 | ms.data[4 + 11], 4);  // a small drive: the minimum
}

TEST_F(FwStoreTest, InquiryAndVpd) {
  FwStoreHarness h(SmallStoreConfig());
  ASSERT_TRUE(h.ok());
  auto pds = h.PdList();
  ASSERT_EQ(pds.size(), 12u);
  for (uint16_t id : {0, 7}) {
    ScsiReply r = h.Scsi(id, {0x12, 1, 0x80, 0, 255, 0}, HBAMGR_DIR_FROM_DEV, 255, {}, true);
    ASSERT_EQ(r.reply.status, HBAMGR_ST_OK);
    ASSERT_GE(r.data.size(), 4u);
    std::string serial(r.data.begin() + 4, r.data.begin() + 4 + r.data[3]);
    EXPECT_EQ(serial, std::string(pds[id].serial, strnlen(pds[id].serial, 24)));
  }
  ScsiReply r = h.Scsi(3, {0x12, 0, 0, 0, 96, 0}, HBAMGR_DIR_FROM_DEV, 96, {}, true);
  ASSERT_EQ(r.data.size(), 96u);
  EXPECT_EQ(r.data[0], 0);
  EXPECT_EQ(std::string(r.data.begin() + 8, r.data.begin() + 16), "HBAMGR  ");
  r = h.Scsi(3, {0x12, 1, 0x00, 0, 255, 0}, HBAMGR_DIR_FROM_DEV, 255, {}, true);
  std::vector<uint8_t> vpds(r.data.begin() + 4, r.data.end());
  EXPECT_EQ(vpds, (std::vector<uint8_t>{0x00, 0x80, 0x83, 0xb0, 0xb1}));
  r = h.Scsi(3, {0x12, 1, 0x83, 0, 255, 0}, HBAMGR_DIR_FROM_DEV, 255, {}, true);
  ASSERT_GE(r.data.size(), 28u);
  EXPECT_EQ(r.data[5] & 0x0f, 3);  // NAA: the LU name
  EXPECT_EQ(r.data[17], 0x93);     // NAA of the target port: the drive's SAS address
  EXPECT_EQ(Be64(&r.data[20]), pds[3].sas_address);
  r = h.Scsi(3, {0x12, 1, 0xb1, 0, 255, 0}, HBAMGR_DIR_FROM_DEV, 255, {}, true);
  ASSERT_GE(r.data.size(), 6u);
  EXPECT_EQ(r.data[4] << 8 | r.data[5], 10000);
  // Truncation to the allocation length, and the short buffer.
  r = h.Scsi(3, {0x12, 0, 0, 0, 36, 0}, HBAMGR_DIR_FROM_DEV, 20, {}, true);
  EXPECT_EQ(r.reply.status, HBAMGR_ST_OK);
  EXPECT_EQ(r.reply.transfer_count, 20u);
  ExpectSense(h.Scsi(3, {0x12, 1, 0x99, 0, 255, 0}, HBAMGR_DIR_FROM_DEV, 255, {}, true), 0x5, 0x24,
              0);
  // No such LU: peripheral qualifier 3.
  r = h.Scsi(3, {0x12, 0, 0, 0, 36, 0}, HBAMGR_DIR_FROM_DEV, 36, {}, true, 1);
  ASSERT_EQ(r.data.size(), 36u);
  EXPECT_EQ(r.data[0], 0x7f);
}

TEST_F(FwStoreTest, ScsiErrorsAndLimits) {
  FwStoreHarness h(SmallStoreConfig());
  ASSERT_TRUE(h.ok());
  uint16_t vd = 0;
  ASSERT_EQ(h.CreateVd(1, {0, 1}, 16, &vd), HBAMGR_ST_OK);
  uint64_t blocks = h.Vd(vd).num_blocks;
  ExpectSense(h.Scsi(vd, {0xc7, 0, 0, 0, 0, 0}, HBAMGR_DIR_NONE, 0), 0x5, 0x20, 0);
  ScsiReply r = h.Scsi(vd, Cdb16(0x88, blocks - 1, 2), HBAMGR_DIR_FROM_DEV, 2 * kBs);
  ExpectSense(r, 0x5, 0x21, 0);
  r = h.Scsi(vd, {0x28, 0, 0, 0, 0, 0}, HBAMGR_DIR_FROM_DEV, kBs);  // 6 bytes of a 10-byte CDB
  ExpectSense(r, 0x5, 0x24, 0);
  EXPECT_EQ(h.Scsi(999, {0, 0, 0, 0, 0, 0}, HBAMGR_DIR_NONE, 0).reply.status, HBAMGR_ST_NO_DEVICE);
  EXPECT_EQ(h.Scsi(vd, {0, 0, 0, 0, 0, 0}, HBAMGR_DIR_NONE, 0).reply.status, HBAMGR_ST_OK);

  // A read into a short buffer moves only the whole blocks that fit.
  auto data = Pattern(8 * kBs, 3);
  ASSERT_TRUE(h.WriteBlocks(vd, 10, data));
  r = h.Scsi(vd, Cdb16(0x88, 10, 8), HBAMGR_DIR_FROM_DEV, 3 * kBs + 100);
  EXPECT_EQ(r.reply.status, HBAMGR_ST_OK);
  EXPECT_EQ(r.reply.transfer_count, 3 * kBs);
  EXPECT_TRUE(std::equal(r.data.begin(), r.data.end(), data.begin()));
  // A write with a short buffer is refused, nothing written.
  r = h.Scsi(vd, Cdb16(0x8a, 10, 8), HBAMGR_DIR_TO_DEV, 0, Pattern(kBs, 9));
  ExpectSense(r, 0x5, 0x24, 0);
  EXPECT_EQ(h.ReadBlocks(vd, 10, 8, kBs), data);

  // READ(6)/WRITE(6) and READ(10) address the same blocks.
  r = h.Scsi(vd, {0x0a, 0, 0, 20, 2, 0}, HBAMGR_DIR_TO_DEV, 0, Pattern(2 * kBs, 11));
  ASSERT_EQ(r.reply.status, HBAMGR_ST_OK);
  r = h.Scsi(vd, {0x28, 0, 0, 0, 0, 20, 0, 0, 2, 0}, HBAMGR_DIR_FROM_DEV, 2 * kBs);
  EXPECT_EQ(r.data, Pattern(2 * kBs, 11));
  // VERIFY with BYTCHK 1 compares.
  r = h.Scsi(vd, {0x2f, 0x02, 0, 0, 0, 20, 0, 0, 2, 0}, HBAMGR_DIR_TO_DEV, 0, Pattern(2 * kBs, 11));
  EXPECT_EQ(r.reply.status, HBAMGR_ST_OK);
  r = h.Scsi(vd, {0x2f, 0x02, 0, 0, 0, 20, 0, 0, 2, 0}, HBAMGR_DIR_TO_DEV, 0, Pattern(2 * kBs, 12));
  ExpectSense(r, 0xe, 0x1d, 0);
  EXPECT_EQ(h.Scsi(vd, {0x35, 0, 0, 0, 0, 0, 0, 0, 0, 0}, HBAMGR_DIR_NONE, 0).reply.status,
            HBAMGR_ST_OK);

  // REPORT LUNS: one LUN, 0.
  r = h.Scsi(vd, {0xa0, 0, 0, 0, 0, 0, 0, 0, 0, 64, 0, 0}, HBAMGR_DIR_FROM_DEV, 64);
  ASSERT_EQ(r.data.size(), 16u);
  EXPECT_EQ(Be32(&r.data[0]), 8u);

  // MODE SENSE(10) all pages without block descriptors, then MODE SELECT
  // clears WCE on the caching page.
  auto mode_sense_caching = [&]() {
    ScsiReply m = h.Scsi(vd, {0x5a, 0x08, 0x08, 0, 0, 0, 0, 0, 255, 0}, HBAMGR_DIR_FROM_DEV, 255);
    EXPECT_EQ(m.reply.status, HBAMGR_ST_OK);
    EXPECT_EQ(m.data.size(), 8u + 20);
    EXPECT_EQ(m.data[8], 0x08);
    return m.data;
  };
  auto caching = mode_sense_caching();
  EXPECT_TRUE(caching[10] & 0x04);
  r = h.Scsi(vd, {0x5a, 0x08, 0x3f, 0, 0, 0, 0, 0, 255, 0}, HBAMGR_DIR_FROM_DEV, 255);
  ASSERT_EQ(r.reply.status, HBAMGR_ST_OK);
  EXPECT_EQ(r.data[6] << 8 | r.data[7], 0);  // DBD: no block descriptor
  EXPECT_EQ(static_cast<size_t>(r.data[0] << 8 | r.data[1]) + 2, r.data.size());
  EXPECT_EQ(r.data[8], 0x01);
  std::vector<uint8_t> sel = caching;  // header (zeroed) + caching page
  std::fill(sel.begin(), sel.begin() + 8, 0);
  sel[10] &= ~0x04;
  r = h.Scsi(vd, {0x55, 0x10, 0, 0, 0, 0, 0, 0, static_cast<uint8_t>(sel.size()), 0},
             HBAMGR_DIR_TO_DEV, 0, sel);
  EXPECT_EQ(r.reply.status, HBAMGR_ST_OK);
  EXPECT_FALSE(mode_sense_caching()[10] & 0x04);
}

TEST_F(FwStoreTest, ConsistencyCheckFindsAndFixes) {
  FwStoreHarness h(SmallStoreConfig());
  ASSERT_TRUE(h.ok());
  uint16_t r5 = 0, r1 = 0;
  ASSERT_EQ(h.CreateVd(5, {0, 1, 2}, 16, &r5), HBAMGR_ST_OK);
  ASSERT_EQ(h.CreateVd(1, {3, 4}, 16, &r1), HBAMGR_ST_OK);
  ASSERT_TRUE(h.WriteBlocks(r5, 0, Pattern(128 * 1024, 1)));
  ASSERT_TRUE(h.WriteBlocks(r1, 0, Pattern(128 * 1024, 2)));
  ASSERT_EQ(h.BgopStart(HBAMGR_BGOP_CC, r5), HBAMGR_ST_OK);
  ASSERT_TRUE(h.RunBgops());
  EXPECT_EQ(h.BgopList().back().errors, 0u);

  // Member 0 holds data strip 0 of row 0: change it behind the VD.
  auto junk = Pattern(4 * kBs, 0xdead);
  ASSERT_TRUE(h.WriteBlocks(0, 8, junk, true));
  ASSERT_TRUE(h.WriteBlocks(4, 100, junk, true));
  h.ClearEvents();
  ASSERT_EQ(h.BgopStart(HBAMGR_BGOP_CC, r5), HBAMGR_ST_OK);
  EXPECT_EQ(h.BgopStart(HBAMGR_BGOP_CC, r5), HBAMGR_ST_BUSY);
  ASSERT_EQ(h.BgopStart(HBAMGR_BGOP_CC, r1), HBAMGR_ST_OK);
  ASSERT_TRUE(h.RunBgops());
  auto ops = h.BgopList();
  ASSERT_GE(ops.size(), 3u);
  for (const auto& op : ops) {
    EXPECT_EQ(op.state, HBAMGR_BGOP_DONE);
    EXPECT_EQ(op.progress_pm, 1000u);
  }
  EXPECT_EQ(ops[ops.size() - 2].errors, 1u);
  EXPECT_EQ(ops.back().errors, 1u);
  auto inc = h.EventsWithCode(HBAMGR_EVT_BGOP_INCONSISTENT);
  ASSERT_EQ(inc.size(), 2u);
  EXPECT_EQ(inc[0].vd_id, r5);
  EXPECT_EQ(inc[0].arg0, 0u);  // row 0 starts at VD LBA 0
  EXPECT_FALSE(h.EventsWithCode(HBAMGR_EVT_BGOP_PROGRESS).empty());

  // Fixed: parity now matches the data on member 0, so losing member 0
  // gives that data back; the RAID1 copies agree again.
  auto before = h.ReadBlocks(r5, 0, 32, kBs);
  ASSERT_EQ(h.Inject(HBAMGR_FAULT_DRIVE_FAIL, 0), HBAMGR_ST_OK);
  EXPECT_EQ(h.ReadBlocks(r5, 0, 32, kBs), before);
  EXPECT_EQ(h.ReadBlocks(3, 100, 4, kBs, true), h.ReadBlocks(4, 100, 4, kBs, true));
  // CC needs an optimal VD and redundancy.
  EXPECT_EQ(h.BgopStart(HBAMGR_BGOP_CC, r5), HBAMGR_ST_INVALID_STATE);
  uint16_t r0 = 0;
  ASSERT_EQ(h.CreateVd(0, {5}, 16, &r0), HBAMGR_ST_OK);
  EXPECT_EQ(h.BgopStart(HBAMGR_BGOP_CC, r0), HBAMGR_ST_INVALID_PARAM);
}

TEST_F(FwStoreTest, PatrolReadCountsMediaErrors) {
  hba_fw_config cfg = SmallStoreConfig();
  cfg.num_drives = 6;
  cfg.default_vds = 1;
  FwStoreHarness h(cfg);
  ASSERT_TRUE(h.ok());
  ASSERT_TRUE(h.WriteBlocks(1, 0, Pattern(64 * 1024, 8)));
  ASSERT_EQ(h.Inject(HBAMGR_FAULT_MEDIA_ERROR, 3, 0, 40), HBAMGR_ST_OK);
  ASSERT_EQ(h.Inject(HBAMGR_FAULT_MEDIA_ERROR, 5, 0, 1000), HBAMGR_ST_OK);
  EXPECT_EQ(h.BgopStart(HBAMGR_BGOP_PATROL, 3), HBAMGR_ST_INVALID_PARAM);
  ASSERT_EQ(h.BgopStart(HBAMGR_BGOP_PATROL, HBAMGR_ID_NONE), HBAMGR_ST_OK);
  EXPECT_EQ(h.BgopStart(HBAMGR_BGOP_PATROL, HBAMGR_ID_NONE), HBAMGR_ST_BUSY);
  ASSERT_TRUE(h.RunBgops());
  auto ops = h.BgopList();
  ASSERT_EQ(ops.size(), 1u);
  EXPECT_EQ(ops[0].type, HBAMGR_BGOP_PATROL);
  EXPECT_EQ(ops[0].errors, 2u);
  EXPECT_EQ(h.Pd(3).media_errors, 1u);
  EXPECT_EQ(h.Pd(5).media_errors, 1u);
  auto done = h.EventsWithCode(HBAMGR_EVT_BGOP_DONE);
  ASSERT_EQ(done.size(), 1u);
  EXPECT_EQ(done[0].arg1, 2u);
  // PD 3 is in the RAID5: repaired.  PD 5 is unconfigured: still bad.
  ScsiReply r;
  h.ReadBlocks(3, 40, 1, kBs, true, &r);
  EXPECT_EQ(r.reply.status, HBAMGR_ST_OK);
  h.ReadBlocks(5, 1000, 1, kBs, true, &r);
  ExpectSense(r, 0x3, 0x11, 0);
  EXPECT_EQ(h.ReadBlocks(1, 0, 128, kBs), Pattern(64 * 1024, 8));
}

TEST_F(FwStoreTest, PatrolReadRunsOnScheduleWhenEnabled) {
  FwStoreHarness h(SmallStoreConfig());
  ASSERT_TRUE(h.ok());
  constexpr uint32_t kWeekMs = 7u * 24 * 3600 * 1000;
  fw_store_tick(h.store(), kWeekMs - 1);
  EXPECT_TRUE(h.BgopList().empty());
  fw_store_tick(h.store(), 1);
  auto ops = h.BgopList();
  ASSERT_EQ(ops.size(), 1u);
  EXPECT_EQ(ops[0].type, HBAMGR_BGOP_PATROL);
  ASSERT_TRUE(h.RunBgops());

  hbamgr_mbox_ctrl_props props{};
  props.patrol_enabled = 0;
  ASSERT_EQ(
      h.Mgmt(HBAMGR_MGMT_CTRL_SET_PROPS, &props, sizeof(props), HBAMGR_DIR_NONE, nullptr).status,
      HBAMGR_ST_OK);
  fw_store_tick(h.store(), kWeekMs);
  EXPECT_EQ(h.BgopList().size(), 1u);
}

TEST_F(FwStoreTest, ListOpcodesReportNoSpace) {
  FwStoreHarness h(SmallStoreConfig());
  ASSERT_TRUE(h.ok());
  ASSERT_EQ(h.CreateVd(1, {0, 1}), HBAMGR_ST_OK);
  ASSERT_EQ(h.CreateVd(1, {2, 3}), HBAMGR_ST_OK);
  ASSERT_EQ(h.BgopStart(HBAMGR_BGOP_PATROL, HBAMGR_ID_NONE), HBAMGR_ST_OK);
  struct Case {
    uint32_t opcode;
    size_t rec;
    uint32_t count;
  };
  for (const Case& c : {Case{HBAMGR_MGMT_PD_LIST, sizeof(hbamgr_pd_info), 12},
                        Case{HBAMGR_MGMT_VD_LIST, sizeof(hbamgr_vd_info), 2},
                        Case{HBAMGR_MGMT_ENCL_LIST, sizeof(hbamgr_encl_info), 1},
                        Case{HBAMGR_MGMT_BGOP_LIST, sizeof(hbamgr_bgop_info), 1}}) {
    SCOPED_TRACE(c.opcode);
    std::vector<uint8_t> buf(c.rec * c.count - 1);
    hba_reply_frame r = h.Mgmt(c.opcode, nullptr, 0, HBAMGR_DIR_FROM_DEV, &buf);
    EXPECT_EQ(r.status, HBAMGR_ST_NO_SPACE);
    EXPECT_EQ(r.resid_needed, c.rec * c.count);
    EXPECT_EQ(r.result, c.count - 1);
    EXPECT_EQ(r.transfer_count, c.rec * (c.count - 1));
    r = h.Mgmt(c.opcode, nullptr, 0, HBAMGR_DIR_NONE, nullptr);
    EXPECT_EQ(r.status, HBAMGR_ST_NO_SPACE);
    EXPECT_EQ(r.resid_needed, c.rec * c.count);
    EXPECT_EQ(r.result, 0u);
    buf.resize(c.rec * c.count);
    r = h.Mgmt(c.opcode, nullptr, 0, HBAMGR_DIR_FROM_DEV, &buf);
    EXPECT_EQ(r.status, HBAMGR_ST_OK);
    EXPECT_EQ(r.result, c.count);
  }
  std::vector<uint8_t> info(sizeof(hbamgr_ctrl_info) - 8);
  hba_reply_frame r = h.Mgmt(HBAMGR_MGMT_CTRL_GET_INFO, nullptr, 0, HBAMGR_DIR_FROM_DEV, &info);
  EXPECT_EQ(r.status, HBAMGR_ST_NO_SPACE);
  EXPECT_EQ(r.resid_needed, sizeof(hbamgr_ctrl_info));
  info.resize(sizeof(hbamgr_ctrl_info));
  r = h.Mgmt(HBAMGR_MGMT_CTRL_GET_INFO, nullptr, 0, HBAMGR_DIR_FROM_DEV, &info);
  ASSERT_EQ(r.status, HBAMGR_ST_OK);
  hbamgr_ctrl_info ci;
  std::memcpy(&ci, info.data(), sizeof(ci));
  EXPECT_STREQ(ci.model, "HBAMGR SIM-9460-16i");
  EXPECT_EQ(ci.num_pds, 12u);
  EXPECT_EQ(ci.num_vds, 2u);
  hba_ioc_facts facts{};
  fw_store_ident(h.store(), &facts);
  EXPECT_STREQ(facts.serial, ci.serial);
  EXPECT_EQ(facts.sas_address, ci.sas_address);
  // Unknown opcode, bad parameters.
  EXPECT_EQ(h.Mgmt(0x0999, nullptr, 0, HBAMGR_DIR_NONE, nullptr).status, HBAMGR_ST_INVALID_OPCODE);
  hbamgr_mbox_ctrl_props props{};
  props.rebuild_rate = 101;
  EXPECT_EQ(
      h.Mgmt(HBAMGR_MGMT_CTRL_SET_PROPS, &props, sizeof(props), HBAMGR_DIR_NONE, nullptr).status,
      HBAMGR_ST_INVALID_PARAM);
  props.rebuild_rate = 50;
  props.patrol_enabled = 0;
  EXPECT_EQ(
      h.Mgmt(HBAMGR_MGMT_CTRL_SET_PROPS, &props, sizeof(props), HBAMGR_DIR_NONE, nullptr).status,
      HBAMGR_ST_OK);
  r = h.Mgmt(HBAMGR_MGMT_CTRL_GET_INFO, nullptr, 0, HBAMGR_DIR_FROM_DEV, &info);
  std::memcpy(&ci, info.data(), sizeof(ci));
  EXPECT_EQ(ci.rebuild_rate, 50u);
  EXPECT_EQ(ci.patrol_enabled, 0u);
}

TEST_F(FwStoreTest, StateChangesEmitEvents) {
  FwStoreHarness h(SmallStoreConfig());
  ASSERT_TRUE(h.ok());
  uint16_t vd = 0;
  ASSERT_EQ(h.CreateVd(5, {0, 1, 2}, 16, &vd), HBAMGR_ST_OK);
  auto created = h.EventsWithCode(HBAMGR_EVT_VD_CREATED);
  ASSERT_EQ(created.size(), 1u);
  EXPECT_EQ(created[0].arg0, 5u);
  EXPECT_EQ(h.EventsWithCode(HBAMGR_EVT_PD_STATE_CHANGE).size(), 3u);
  h.ClearEvents();

  ASSERT_EQ(h.Inject(HBAMGR_FAULT_DRIVE_FAIL, 2), HBAMGR_ST_OK);
  EXPECT_EQ(h.Inject(HBAMGR_FAULT_DRIVE_FAIL, 2), HBAMGR_ST_INVALID_STATE);
  auto evs = h.Events();
  ASSERT_EQ(evs.size(), 2u);
  EXPECT_EQ(evs[0].code, HBAMGR_EVT_PD_STATE_CHANGE);
  EXPECT_EQ(evs[0].event_class, HBAMGR_EVC_PD);
  EXPECT_EQ(evs[0].severity, HBAMGR_SEV_CRITICAL);
  EXPECT_EQ(evs[0].pd_id, 2);
  EXPECT_EQ(evs[0].slot, 2);
  EXPECT_EQ(evs[0].encl_id, 0);
  EXPECT_EQ(evs[0].arg0, HBAMGR_PD_ONLINE);
  EXPECT_EQ(evs[0].arg1, HBAMGR_PD_FAILED);
  EXPECT_STREQ(evs[0].description, "PD 0:2 state Online -> Failed");
  EXPECT_EQ(evs[1].code, HBAMGR_EVT_VD_STATE_CHANGE);
  EXPECT_EQ(evs[1].vd_id, vd);
  EXPECT_EQ(evs[1].arg0, HBAMGR_VD_OPTIMAL);
  EXPECT_EQ(evs[1].arg1, HBAMGR_VD_DEGRADED);

  // Start rebuild in place, stop it (OFFLINE), start again to the end.
  h.ClearEvents();
  ASSERT_EQ(h.BgopStart(HBAMGR_BGOP_REBUILD, 2), HBAMGR_ST_OK);
  EXPECT_EQ(h.BgopStart(HBAMGR_BGOP_REBUILD, 2), HBAMGR_ST_BUSY);
  EXPECT_EQ(h.BgopStart(HBAMGR_BGOP_REBUILD, 0), HBAMGR_ST_INVALID_STATE);
  ASSERT_EQ(h.BgopStop(HBAMGR_BGOP_REBUILD, 2), HBAMGR_ST_OK);
  EXPECT_EQ(h.Pd(2).state, HBAMGR_PD_OFFLINE);
  EXPECT_EQ(h.EventsWithCode(HBAMGR_EVT_BGOP_STARTED).size(), 1u);
  EXPECT_EQ(h.EventsWithCode(HBAMGR_EVT_BGOP_ABORTED).size(), 1u);
  ASSERT_EQ(h.BgopStart(HBAMGR_BGOP_REBUILD, 2), HBAMGR_ST_OK);
  ASSERT_TRUE(h.RunBgops());
  EXPECT_EQ(h.Vd(vd).state, HBAMGR_VD_OPTIMAL);
  auto progress = h.EventsWithCode(HBAMGR_EVT_BGOP_PROGRESS);
  ASSERT_FALSE(progress.empty());
  EXPECT_LE(progress.size(), 9u);
  for (size_t i = 1; i < progress.size(); i++)
    EXPECT_GE(progress[i].arg1, progress[i - 1].arg1 + 100);
  auto vd_changes = h.EventsWithCode(HBAMGR_EVT_VD_STATE_CHANGE);
  ASSERT_FALSE(vd_changes.empty());
  EXPECT_EQ(vd_changes.back().arg1, HBAMGR_VD_OPTIMAL);

  // Locate LED.
  hbamgr_mbox_pd_locate loc{};
  loc.pd_id = 4;
  loc.on = 1;
  EXPECT_EQ(h.Mgmt(HBAMGR_MGMT_PD_LOCATE, &loc, sizeof(loc), HBAMGR_DIR_NONE, nullptr).status,
            HBAMGR_ST_OK);
  EXPECT_EQ(h.Pd(4).locate_on, 1);
  ASSERT_EQ(h.EventsWithCode(HBAMGR_EVT_PD_LOCATE).size(), 1u);
  loc.on = 2;
  EXPECT_EQ(h.Mgmt(HBAMGR_MGMT_PD_LOCATE, &loc, sizeof(loc), HBAMGR_DIR_NONE, nullptr).status,
            HBAMGR_ST_INVALID_PARAM);
}

// A hot spare replaces a failed member at once; OFFLINE members are left
// to the operator; losing the redundancy aborts the rebuild.
TEST_F(FwStoreTest, HotSpareAndRebuildAbort) {
  FwStoreHarness h(SmallStoreConfig());
  ASSERT_TRUE(h.ok());
  uint16_t vd = 0;
  ASSERT_EQ(h.CreateVd(5, {0, 1, 2}, 16, &vd), HBAMGR_ST_OK);
  auto data = Pattern(256 * kBs, 31);
  ASSERT_TRUE(h.WriteBlocks(vd, 0, data));
  ASSERT_EQ(h.SetPdState(3, HBAMGR_PD_HOTSPARE), HBAMGR_ST_OK);
  EXPECT_EQ(h.SetPdState(3, HBAMGR_PD_HOTSPARE), HBAMGR_ST_INVALID_STATE);
  EXPECT_EQ(h.SetPdState(3, HBAMGR_PD_MISSING), HBAMGR_ST_INVALID_PARAM);
  EXPECT_EQ(h.SetPdState(99, HBAMGR_PD_ONLINE), HBAMGR_ST_NO_DEVICE);

  ASSERT_EQ(h.SetPdState(1, HBAMGR_PD_OFFLINE), HBAMGR_ST_OK);
  EXPECT_EQ(h.Vd(vd).state, HBAMGR_VD_DEGRADED);
  EXPECT_EQ(h.Pd(3).state, HBAMGR_PD_HOTSPARE);
  ASSERT_EQ(h.SetPdState(1, HBAMGR_PD_ONLINE), HBAMGR_ST_OK);
  EXPECT_EQ(h.Vd(vd).state, HBAMGR_VD_OPTIMAL);

  h.ClearEvents();
  ASSERT_EQ(h.Inject(HBAMGR_FAULT_DRIVE_FAIL, 2), HBAMGR_ST_OK);
  EXPECT_EQ(h.Pd(3).state, HBAMGR_PD_REBUILD);
  EXPECT_EQ(h.Pd(3).vd_id, vd);
  EXPECT_EQ(h.Pd(2).state, HBAMGR_PD_UNCONFIGURED_BAD);
  EXPECT_EQ(h.Pd(2).vd_id, HBAMGR_ID_NONE);
  EXPECT_EQ(h.Vd(vd).pd_ids[2], 3);
  auto started = h.EventsWithCode(HBAMGR_EVT_BGOP_STARTED);
  ASSERT_EQ(started.size(), 1u);
  EXPECT_EQ(started[0].pd_id, 3);
  EXPECT_EQ(started[0].arg0, HBAMGR_BGOP_REBUILD);
  EXPECT_EQ(h.ReadBlocks(vd, 0, 256, kBs), data);

  ASSERT_EQ(h.Inject(HBAMGR_FAULT_DRIVE_FAIL, 0), HBAMGR_ST_OK);
  EXPECT_EQ(h.Vd(vd).state, HBAMGR_VD_OFFLINE);
  EXPECT_EQ(h.EventsWithCode(HBAMGR_EVT_BGOP_ABORTED).size(), 1u);
  EXPECT_EQ(h.Pd(3).state, HBAMGR_PD_OFFLINE);
  ASSERT_EQ(h.BgopList().size(), 1u);
  EXPECT_EQ(h.BgopList()[0].state, HBAMGR_BGOP_ABORTED);
  EXPECT_EQ(h.BgopStart(HBAMGR_BGOP_REBUILD, 3), HBAMGR_ST_INVALID_STATE);
  ScsiReply r;
  h.ReadBlocks(vd, 0, 1, kBs, false, &r);
  ExpectSense(r, 0x2, 0x04, 0x03);
}

// Link down makes the enclosure's PDs MISSING; at link up a member that
// missed writes returns OFFLINE (needs rebuild), one that did not returns
// ONLINE.
TEST_F(FwStoreTest, LinkDownAndUp) {
  hba_fw_config cfg = SmallStoreConfig();
  cfg.num_enclosures = 2;
  cfg.slots_per_enclosure = 4;
  cfg.num_drives = 8;
  FwStoreHarness h(cfg);
  ASSERT_TRUE(h.ok());
  uint16_t mirror = 0, local = 0;
  ASSERT_EQ(h.CreateVd(1, {0, 4}, 16, &mirror), HBAMGR_ST_OK);    // e0:s0 + e1:s0
  ASSERT_EQ(h.CreateVd(5, {5, 6, 7}, 16, &local), HBAMGR_ST_OK);  // all in e1
  auto before = Pattern(32 * kBs, 1);
  ASSERT_TRUE(h.WriteBlocks(mirror, 0, before));
  ASSERT_TRUE(h.WriteBlocks(local, 0, before));

  ASSERT_EQ(h.Inject(HBAMGR_FAULT_LINK_DOWN, 1), HBAMGR_ST_OK);
  EXPECT_EQ(h.Inject(HBAMGR_FAULT_LINK_DOWN, 1), HBAMGR_ST_INVALID_STATE);
  EXPECT_EQ(h.Inject(HBAMGR_FAULT_LINK_DOWN, 5), HBAMGR_ST_NO_DEVICE);
  EXPECT_EQ(h.EventsWithCode(HBAMGR_EVT_ENCL_LINK_DOWN).size(), 1u);
  for (uint16_t pd = 4; pd < 8; pd++) EXPECT_EQ(h.Pd(pd).state, HBAMGR_PD_MISSING);
  EXPECT_EQ(h.Vd(mirror).state, HBAMGR_VD_DEGRADED);
  EXPECT_EQ(h.Vd(local).state, HBAMGR_VD_OFFLINE);
  ScsiReply r;
  EXPECT_FALSE(h.WriteBlocks(local, 0, Pattern(kBs, 2), false, &r));
  ExpectSense(r, 0x2, 0x04, 0x03);
  EXPECT_EQ(h.Scsi(5, {0, 0, 0, 0, 0, 0}, HBAMGR_DIR_NONE, 0, {}, true).reply.status,
            HBAMGR_ST_NO_DEVICE);
  auto after = Pattern(32 * kBs, 3);
  ASSERT_TRUE(h.WriteBlocks(mirror, 0, after));

  ASSERT_EQ(h.Inject(HBAMGR_FAULT_LINK_UP, 1), HBAMGR_ST_OK);
  EXPECT_EQ(h.Pd(4).state, HBAMGR_PD_OFFLINE);
  for (uint16_t pd = 5; pd < 8; pd++) EXPECT_EQ(h.Pd(pd).state, HBAMGR_PD_ONLINE);
  EXPECT_EQ(h.Vd(local).state, HBAMGR_VD_OPTIMAL);
  EXPECT_EQ(h.ReadBlocks(local, 0, 32, kBs), before);
  EXPECT_EQ(h.Vd(mirror).state, HBAMGR_VD_DEGRADED);
  ASSERT_EQ(h.BgopStart(HBAMGR_BGOP_REBUILD, 4), HBAMGR_ST_OK);
  ASSERT_TRUE(h.RunBgops());
  EXPECT_EQ(h.Vd(mirror).state, HBAMGR_VD_OPTIMAL);
  ASSERT_EQ(h.Inject(HBAMGR_FAULT_DRIVE_FAIL, 0), HBAMGR_ST_OK);
  EXPECT_EQ(h.ReadBlocks(mirror, 0, 32, kBs), after);
}

TEST_F(FwStoreTest, InitZeroesTheVd) {
  FwStoreHarness h(SmallStoreConfig());
  ASSERT_TRUE(h.ok());
  auto junk = Pattern(64 * kBs, 9);
  for (uint16_t pd : {0, 1, 2, 3}) ASSERT_TRUE(h.WriteBlocks(pd, 0, junk, true));
  uint16_t vd = 0;
  ASSERT_EQ(h.CreateVd(6, {0, 1, 2, 3}, 16, &vd, 0, HBAMGR_VD_CREATE_F_INIT), HBAMGR_ST_OK);
  EXPECT_EQ(h.BgopStart(HBAMGR_BGOP_CC, vd), HBAMGR_ST_BUSY);
  ASSERT_TRUE(h.RunBgops());
  EXPECT_EQ(h.ReadBlocks(vd, 0, 64, kBs), std::vector<uint8_t>(64 * kBs, 0));
  EXPECT_EQ(h.ReadBlocks(0, 0, 64, kBs, true), std::vector<uint8_t>(64 * kBs, 0));
  ASSERT_EQ(h.BgopStart(HBAMGR_BGOP_CC, vd), HBAMGR_ST_OK);
  ASSERT_TRUE(h.RunBgops());
  EXPECT_EQ(h.BgopList().back().errors, 0u);
}

// The engine calls in from several contexts at once (frames, ticks,
// injection): everything goes through the store lock.
TEST_F(FwStoreTest, ConcurrentFramesTicksAndInjection) {
  FwStoreHarness h(SmallStoreConfig());
  ASSERT_TRUE(h.ok());
  uint16_t vd = 0;
  ASSERT_EQ(h.CreateVd(5, {0, 1, 2, 3}, 16, &vd), HBAMGR_ST_OK);
  ASSERT_EQ(h.BgopStart(HBAMGR_BGOP_PATROL, HBAMGR_ID_NONE), HBAMGR_ST_OK);
  std::atomic<bool> io_done{false};
  std::thread ticker([&] {
    while (!io_done.load()) fw_store_tick(h.store(), 1);
  });
  std::thread lister([&] {
    while (!io_done.load()) {
      EXPECT_EQ(h.PdList().size(), 12u);
      h.Inject(HBAMGR_FAULT_TEMPERATURE, 5, 40);
    }
  });
  std::vector<Region> regions;
  for (uint32_t i = 0; i < 40; i++) {
    Region r{i * 97, Pattern(16 * kBs, 500 + i)};
    ASSERT_TRUE(h.WriteBlocks(vd, r.lba, r.data));
    if (i == 20) {
      ASSERT_EQ(h.Inject(HBAMGR_FAULT_DRIVE_FAIL, 1), HBAMGR_ST_OK);
    }
    regions.push_back(r);
  }
  io_done = true;
  ticker.join();
  lister.join();
  ExpectRegions(h, vd, regions);
  ASSERT_EQ(h.BgopStart(HBAMGR_BGOP_REBUILD, 1), HBAMGR_ST_OK);
  ASSERT_TRUE(h.RunBgops());
  ASSERT_EQ(h.Inject(HBAMGR_FAULT_DRIVE_FAIL, 3), HBAMGR_ST_OK);
  ExpectRegions(h, vd, regions);
}

}  // namespace
}  // namespace hbamgr::fwstoretest
