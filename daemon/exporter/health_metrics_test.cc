#include "daemon/exporter/health_metrics.h"

#include <map>
#include <optional>
#include <set>
#include <string>

#include "daemon/exporter/sample_snapshot.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace hbamgr::exporter {
namespace {

using Snapshots = std::vector<std::shared_ptr<const health::AdapterSnapshot>>;
using LabelMap = std::map<std::string, std::string>;

std::vector<sys::MetricFamily> Collect(const Snapshots& snaps,
                                       const health::Policy& policy = health::Policy::Defaults()) {
  std::vector<sys::MetricFamily> out;
  CollectHealth(snaps, policy, out);
  return out;
}

const sys::MetricFamily* Find(const std::vector<sys::MetricFamily>& families,
                              const std::string& name) {
  for (const auto& f : families) {
    if (f.name == name) return &f;
  }
  return nullptr;
}

// The samples of `name` whose labels include all of `match`.
std::vector<std::pair<LabelMap, double>> Samples(const std::vector<sys::MetricFamily>& families,
                                                 const std::string& name,
                                                 const LabelMap& match = {}) {
  std::vector<std::pair<LabelMap, double>> out;
  const sys::MetricFamily* f = Find(families, name);
  if (f == nullptr) return out;
  for (const auto& s : f->samples) {
    LabelMap labels;
    for (size_t i = 0; i < f->label_names.size(); ++i)
      labels[f->label_names[i]] = s.label_values[i];
    bool matches = true;
    for (const auto& [k, v] : match) matches = matches && labels.count(k) && labels[k] == v;
    if (matches) out.emplace_back(labels, s.value);
  }
  return out;
}

// The value of the one sample of `name` with labels `match`.
std::optional<double> Value(const std::vector<sys::MetricFamily>& families, const std::string& name,
                            const LabelMap& match) {
  auto samples = Samples(families, name, match);
  if (samples.size() != 1) return std::nullopt;
  return samples[0].second;
}

TEST(HealthMetricsTest, EveryFamilyHasSamplesForTheSampleSnapshot) {
  // exporter_sample_metrics prints this rendering as the list of everything
  // the exporter can export: an empty family would escape the docs test.
  for (const sys::MetricFamily& f : Collect({SampleSnapshot()})) {
    EXPECT_FALSE(f.samples.empty()) << f.name;
  }
}

TEST(HealthMetricsTest, NoSnapshotsNoSamples) {
  for (const sys::MetricFamily& f : Collect({})) EXPECT_TRUE(f.samples.empty()) << f.name;
}

TEST(HealthMetricsTest, FailedDriveAndDegradedVirtualDrive) {
  auto families = Collect({SampleSnapshot()});
  const LabelMap failed = {{"adapter", "c0"}, {"enclosure", "0"}, {"slot", "1"}};
  auto states = Samples(families, "hbamgr_drive_state", failed);
  ASSERT_EQ(states.size(), 8u);
  for (const auto& [labels, value] : states) {
    EXPECT_EQ(value, labels.at("state") == "failed" ? 1 : 0) << labels.at("state");
  }
  EXPECT_EQ(Value(families, "hbamgr_drive_health", failed), 3);
  EXPECT_EQ(Value(families, "hbamgr_drive_alerts_open", failed), 1);
  auto info = Samples(families, "hbamgr_drive_info", failed);
  ASSERT_EQ(info.size(), 1u);
  EXPECT_EQ(info[0].first.at("serial"), "HBAMGR00D11");
  EXPECT_EQ(info[0].first.at("model"), "SIM SAS HDD");
  EXPECT_EQ(info[0].first.at("media"), "hdd");
  EXPECT_EQ(info[0].first.at("interface"), "sas");
  EXPECT_EQ(info[0].second, 1);

  const LabelMap v0 = {{"adapter", "c0"}, {"vd", "0"}};
  auto vd_states = Samples(families, "hbamgr_vd_state", v0);
  ASSERT_EQ(vd_states.size(), 4u);
  for (const auto& [labels, value] : vd_states) {
    EXPECT_EQ(value, labels.at("state") == "degraded" ? 1 : 0) << labels.at("state");
  }
  EXPECT_EQ(Value(families, "hbamgr_vd_health", v0), 2);
  EXPECT_EQ(
      Value(families, "hbamgr_vd_info", {{"vd", "0"}, {"name", "data"}, {"raid_level", "raid1"}}),
      1);
  EXPECT_EQ(Value(families, "hbamgr_vd_size_bytes", v0), 1953525168.0 * 512);
  auto members = Samples(families, "hbamgr_vd_member_info", v0);
  ASSERT_EQ(members.size(), 2u);
  EXPECT_EQ(members[0].first.at("slot"), "0");
  EXPECT_EQ(members[1].first.at("slot"), "1");
  EXPECT_EQ(Value(families, "hbamgr_adapter_health", {{"adapter", "c0"}}), 2);
  EXPECT_EQ(Value(families, "hbamgr_adapter_alerts_open", {{"severity", "critical"}}), 4);
  EXPECT_EQ(Value(families, "hbamgr_adapter_alerts_open", {{"severity", "failed"}}), 1);
}

TEST(HealthMetricsTest, CountersAndCapacityInBaseUnits) {
  auto families = Collect({SampleSnapshot()});
  const LabelMap s0 = {{"enclosure", "0"}, {"slot", "0"}};
  EXPECT_EQ(Value(families, "hbamgr_drive_media_errors_total", s0), 12);
  EXPECT_EQ(Value(families, "hbamgr_drive_other_errors_total", s0), 3);
  EXPECT_EQ(Value(families, "hbamgr_drive_predictive_failures_total", s0), 0);
  EXPECT_EQ(Value(families, "hbamgr_drive_size_bytes", s0), 1953525168.0 * 512);
  EXPECT_EQ(Value(families, "hbamgr_drive_power_on_seconds_total", s0), 3600000);
  EXPECT_EQ(Value(families, "hbamgr_drive_locate_led", s0), 1);
  EXPECT_EQ(Value(families, "hbamgr_drive_temperature_celsius", s0), 40);
  EXPECT_EQ(Value(families, "hbamgr_drive_temperature_lowest_celsius", s0), 25);
  EXPECT_EQ(Value(families, "hbamgr_drive_temperature_highest_celsius", s0), 40);
  EXPECT_EQ(Value(families, "hbamgr_adapter_resets_total", {{"adapter", "c0"}}), 2);
  EXPECT_EQ(Value(families, "hbamgr_adapter_rebuild_rate_ratio", {{"adapter", "c0"}}), 0.3);
  EXPECT_EQ(Value(families, "hbamgr_health_last_poll_timestamp_seconds", {{"adapter", "c0"}}),
            1700000000);
  EXPECT_EQ(Value(families, "hbamgr_health_poll_success", {{"adapter", "c0"}}), 1);
}

TEST(HealthMetricsTest, SmartAndSelfTestOnlyOnceTheLogPagesWereRead) {
  auto families = Collect({SampleSnapshot()});
  const LabelMap ssd = {{"enclosure", "0"}, {"slot", "3"}};
  EXPECT_EQ(Value(families, "hbamgr_drive_smart_failure_predicted", ssd), 1);
  EXPECT_EQ(Value(families, "hbamgr_drive_last_selftest_failed", ssd), 1);
  EXPECT_EQ(
      Value(families, "hbamgr_drive_smart_failure_predicted", {{"slot", "0"}, {"enclosure", "0"}}),
      0);
  // The missing drive's pages were never read; it has no temperature either.
  const LabelMap missing = {{"enclosure", "1"}, {"slot", "0"}};
  EXPECT_THAT(Samples(families, "hbamgr_drive_smart_failure_predicted", missing),
              ::testing::IsEmpty());
  EXPECT_THAT(Samples(families, "hbamgr_drive_temperature_celsius", missing), ::testing::IsEmpty());
  EXPECT_EQ(Value(families, "hbamgr_drive_state", {{"enclosure", "1"}, {"state", "missing"}}), 1);
}

TEST(HealthMetricsTest, TemperatureThresholdsArePerDriveClass) {
  health::Policy policy = health::Policy::Defaults();
  policy.hdd.temperature_warn_c = 45;
  policy.ssd.temperature_crit_c = 77;
  policy.controller_temperature_warn_c = 80;
  auto families = Collect({SampleSnapshot()}, policy);
  EXPECT_EQ(Value(families, "hbamgr_drive_temperature_warning_celsius",
                  {{"slot", "0"}, {"enclosure", "0"}}),
            45);
  EXPECT_EQ(Value(families, "hbamgr_drive_temperature_critical_celsius", {{"slot", "3"}}), 77);
  EXPECT_EQ(Value(families, "hbamgr_drive_temperature_warning_celsius", {{"slot", "3"}}),
            policy.ssd.temperature_warn_c);
  EXPECT_EQ(Value(families, "hbamgr_adapter_temperature_warning_celsius", {}), 80);
}

TEST(HealthMetricsTest, OnlyRunningOperationsHaveProgress) {
  auto families = Collect({SampleSnapshot()});
  EXPECT_EQ(Value(families, "hbamgr_drive_rebuild_progress_ratio", {{"slot", "2"}}), 0.4);
  EXPECT_EQ(Samples(families, "hbamgr_drive_rebuild_progress_ratio").size(), 1u);
  EXPECT_EQ(Value(families, "hbamgr_vd_operation_progress_ratio",
                  {{"vd", "1"}, {"operation", "consistency_check"}}),
            0.25);
  EXPECT_EQ(Value(families, "hbamgr_vd_operation_progress_ratio",
                  {{"vd", "1"}, {"operation", "initialization"}}),
            0.75);
  // v0's consistency check is done.
  EXPECT_THAT(Samples(families, "hbamgr_vd_operation_progress_ratio", {{"vd", "0"}}),
              ::testing::IsEmpty());
  EXPECT_EQ(Value(families, "hbamgr_adapter_patrol_read_progress_ratio", {}), 0.1);
}

TEST(HealthMetricsTest, ObjectsThatAreGoneHaveNoSeries) {
  auto snap = std::make_shared<health::AdapterSnapshot>(*SampleSnapshot());
  snap->virtual_drives.pop_back();  // v1 deleted
  snap->drives.pop_back();          // e1/s0 pulled
  snap->enclosures.pop_back();      // e1 detached
  auto families = Collect({snap});
  for (const sys::MetricFamily& f : families) {
    for (const auto& [labels, value] : Samples(families, f.name)) {
      EXPECT_FALSE(labels.count("vd") && labels.at("vd") == "1") << f.name;
      EXPECT_FALSE(labels.count("enclosure") && labels.at("enclosure") == "1") << f.name;
    }
  }
  EXPECT_FALSE(Samples(families, "hbamgr_vd_state", {{"vd", "0"}}).empty());
}

TEST(HealthMetricsTest, SeveralAdaptersKeepTheirSeriesApart) {
  auto c1 = std::make_shared<health::AdapterSnapshot>(*SampleSnapshot());
  c1->name = "c1";
  auto families = Collect({SampleSnapshot(), c1});
  EXPECT_EQ(Samples(families, "hbamgr_drive_info").size(), 12u);
  EXPECT_EQ(Samples(families, "hbamgr_drive_info", {{"adapter", "c1"}}).size(), 6u);
  // Every series is unique within its family.
  for (const sys::MetricFamily& f : families) {
    std::set<std::vector<std::string>> seen;
    for (const auto& s : f.samples) EXPECT_TRUE(seen.insert(s.label_values).second) << f.name;
  }
}

TEST(HealthMetricsTest, VolatileIdentityOnlyOnInfoFamilies) {
  const std::set<std::string> stable = {"adapter", "enclosure", "slot",     "vd",
                                        "state",   "severity",  "operation"};
  for (const sys::MetricFamily& f : Collect({SampleSnapshot()})) {
    if (f.name.ends_with("_info")) continue;
    for (const std::string& label : f.label_names) {
      EXPECT_TRUE(stable.contains(label)) << f.name << " has label " << label;
    }
  }
}

}  // namespace
}  // namespace hbamgr::exporter
