#include "daemon/health/model.h"

#include <cstring>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace hbamgr::health {
namespace {

using ::testing::ElementsAre;
using ::testing::Field;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

DriveSnapshot Drive(uint16_t pd_id, bool ssd, uint32_t temp, uint8_t state = HBAMGR_PD_ONLINE,
                    uint16_t vd = HBAMGR_ID_NONE) {
  DriveSnapshot d;
  d.info.pd_id = pd_id;
  d.info.slot = pd_id;
  d.info.state = state;
  d.info.media_ssd = ssd;
  d.info.temperature_c = temp;
  d.info.vd_id = vd;
  d.drive_class = ssd ? DriveClass::kSsd : DriveClass::kHdd;
  d.path = DrivePath("c0", 0, pd_id);
  return d;
}

AdapterSnapshot Adapter() {
  AdapterSnapshot s;
  s.name = "c0";
  s.path = "/c0";
  s.info_ok = true;
  s.info.state = HBAMGR_STATE_LIVE;
  s.has_controller = true;
  s.controller.temperature_c = 45;
  return s;
}

std::vector<std::string> Conditions(const ObjectHealth& h) {
  std::vector<std::string> out;
  for (const Reason& r : h.reasons) out.push_back(r.condition);
  return out;
}

TEST(ModelTest, AllGoodIsOk) {
  AdapterSnapshot s = Adapter();
  s.drives = {Drive(0, false, 35), Drive(1, true, 40)};
  Evaluate(Policy::Defaults(), {}, s);
  EXPECT_EQ(s.health, Health::kOk);
  EXPECT_THAT(RolledUp(s).reasons, IsEmpty());
}

TEST(ModelTest, TemperatureThresholdsDifferForHddAndSsd) {
  AdapterSnapshot s = Adapter();
  s.drives = {Drive(0, false, 55), Drive(1, true, 55), Drive(2, false, 61), Drive(3, true, 71)};
  Evaluate(Policy::Defaults(), {}, s);
  EXPECT_THAT(Conditions(s.drives[0].health), ElementsAre("temperature_warning"));
  EXPECT_EQ(s.drives[0].health.health, Health::kWarning);
  EXPECT_THAT(Conditions(s.drives[1].health), IsEmpty());  // SSD warns at 60
  EXPECT_THAT(Conditions(s.drives[2].health),
              ElementsAre("temperature_critical", "temperature_warning"));
  EXPECT_EQ(s.drives[2].health.health, Health::kCritical);
  EXPECT_EQ(s.drives[3].health.health, Health::kCritical);
  EXPECT_EQ(s.health, Health::kCritical);
}

TEST(ModelTest, TemperatureHysteresisKeepsAnActiveConditionUntilClearlyBelow) {
  const Policy p = Policy::Defaults();  // HDD warn 50, hysteresis 2
  const std::set<std::string> active = {ConditionKey("/c0/e0/s0", "temperature_warning")};
  for (auto [temp, expect] : {std::pair{49u, true}, std::pair{48u, false}}) {
    AdapterSnapshot s = Adapter();
    s.drives = {Drive(0, false, temp)};
    Evaluate(p, active, s);
    EXPECT_EQ(s.drives[0].health.Has("temperature_warning"), expect) << temp;
    // Not active before: 49 is simply below the threshold.
    AdapterSnapshot fresh = Adapter();
    fresh.drives = {Drive(0, false, temp)};
    Evaluate(p, {}, fresh);
    EXPECT_FALSE(fresh.drives[0].health.Has("temperature_warning"));
  }
}

TEST(ModelTest, FailedDriveDegradesTheVdAndTheAdapterIsCriticalWithReasons) {
  AdapterSnapshot s = Adapter();
  s.drives = {Drive(0, false, 35, HBAMGR_PD_ONLINE, 0), Drive(1, false, 35, HBAMGR_PD_FAILED, 0)};
  VirtualDriveSnapshot v;
  v.info.vd_id = 0;
  v.info.raid_level = 1;
  v.info.state = HBAMGR_VD_DEGRADED;
  v.info.num_pds = 2;
  v.info.pd_ids[0] = 0;
  v.info.pd_ids[1] = 1;
  v.path = "/c0/v0";
  s.virtual_drives = {v};
  Evaluate(Policy::Defaults(), {}, s);
  EXPECT_EQ(s.drives[1].health.health, Health::kFailed);
  EXPECT_THAT(Conditions(s.drives[1].health), ElementsAre("drive_failed"));
  EXPECT_EQ(s.virtual_drives[0].health.health, Health::kCritical);
  EXPECT_THAT(s.virtual_drives[0].health.reasons[0].text, HasSubstr("/c0/e0/s1 drive failed"));
  // A failed drive makes its adapter CRITICAL, not FAILED.
  EXPECT_EQ(s.health, Health::kCritical);
  ObjectHealth rolled = RolledUp(s);
  EXPECT_THAT(rolled.reasons,
              ElementsAre(Field(&Reason::text, HasSubstr("/c0/e0/s1: drive failed")),
                          Field(&Reason::text, HasSubstr("/c0/v0: VD degraded"))));
}

TEST(ModelTest, CountersSmartAndSelfTests) {
  AdapterSnapshot s = Adapter();
  DriveSnapshot d = Drive(0, false, 35);
  d.info.media_errors = 12;
  d.growth.media_errors = 10;  // the default threshold
  d.info.predictive_failures = 1;
  d.log_pages.ie_asc = 0x5d;
  d.log_pages.ie_ascq = 0x10;
  d.log_pages.last_selftest_code = 1;
  d.log_pages.last_selftest_result = 7;
  d.log_pages.last_selftest_fail_lba = 4096;
  DriveSnapshot ok = Drive(1, false, 35);
  ok.growth.media_errors = 9;
  s.drives = {d, ok};
  Evaluate(Policy::Defaults(), {}, s);
  EXPECT_THAT(Conditions(s.drives[0].health),
              ElementsAre("media_errors_growth", "predictive_failure", "selftest_failed"));
  EXPECT_EQ(s.drives[0].health.health, Health::kCritical);
  EXPECT_THAT(s.drives[0].health.reasons[1].text, HasSubstr("ASC 0x5d ASCQ 0x10"));
  EXPECT_THAT(s.drives[0].health.reasons[2].text, HasSubstr("first failing LBA 4096"));
  EXPECT_THAT(Conditions(s.drives[1].health), IsEmpty());
}

TEST(ModelTest, AdapterStateResetsFaultsLossAndEnclosures) {
  AdapterSnapshot s = Adapter();
  s.resets_last_hour = 3;
  s.fw_faults_last_day = 1;
  s.info.fw_fault_code = 0x1234;
  s.events_lost = 5;
  EnclosureSnapshot e;
  e.path = "/c0/e0";
  e.info.link_up = 0;
  e.drives_missing = 4;
  s.enclosures = {e};
  Evaluate(Policy::Defaults(), {}, s);
  EXPECT_THAT(Conditions(s.own), ElementsAre("adapter_resets", "firmware_fault", "events_lost"));
  EXPECT_THAT(s.own.reasons[1].text, HasSubstr("0x1234"));
  EXPECT_THAT(Conditions(s.enclosures[0].health), ElementsAre("enclosure_link_down"));
  EXPECT_EQ(s.health, Health::kCritical);

  AdapterSnapshot dead = Adapter();
  dead.info.state = HBAMGR_STATE_DEAD;
  Evaluate(Policy::Defaults(), {}, dead);
  EXPECT_EQ(dead.health, Health::kFailed);
  EXPECT_THAT(Conditions(dead.own), ElementsAre("adapter_dead"));
}

TEST(ModelTest, LastConsistencyCheckAndFailedOperations) {
  AdapterSnapshot s = Adapter();
  VirtualDriveSnapshot v;
  v.info.vd_id = 1;
  v.info.raid_level = 5;
  v.path = "/c0/v1";
  hbamgr_bgop_info newest_cc{};
  newest_cc.type = HBAMGR_BGOP_CC;
  newest_cc.state = HBAMGR_BGOP_DONE;
  newest_cc.errors = 3;
  hbamgr_bgop_info older_cc = newest_cc;
  older_cc.errors = 0;
  hbamgr_bgop_info init{};
  init.type = HBAMGR_BGOP_INIT;
  init.state = HBAMGR_BGOP_FAILED;
  v.bgops = {newest_cc, init, older_cc};  // newest first
  s.virtual_drives = {v};
  Evaluate(Policy::Defaults(), {}, s);
  EXPECT_THAT(Conditions(s.virtual_drives[0].health),
              ElementsAre("cc_inconsistent", "init_failed"));
  EXPECT_THAT(s.virtual_drives[0].health.reasons[0].text, HasSubstr("3 inconsistent"));
}

}  // namespace
}  // namespace hbamgr::health
