#include "daemon/health/alerts.h"

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "daemon/health/model.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace hbamgr::health {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

// A test clock: times are explicit, nothing sleeps.
const absl::Time kT0 = absl::FromUnixSeconds(1800000000);

class AlertsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/hbamgr-alerts-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    Reopen();
    policy_.reminder_interval = absl::Hours(24);
  }
  void TearDown() override {
    Close();
    std::filesystem::remove_all(dir_);
  }
  void Close() {
    if (sub_ != nullptr) delivery_->hub().Unsubscribe(sub_);
    sub_.reset();
    engine_.reset();
    delivery_.reset();
    store_.reset();
  }
  // A new engine on the same database: a daemon restart.
  void Reopen() {
    Close();
    auto store = store::Store::Open(dir_ + "/db");
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = *std::move(store);
    delivery_ = std::make_unique<Delivery>(&logger_, 100);
    engine_ = std::make_unique<AlertEngine>(store_.get(), delivery_.get(), &logger_);
    sub_ = delivery_->hub().Subscribe("", [] {});
  }
  // The adapter with drive 3 at `temp` degrees, evaluated.
  AdapterSnapshot Snapshot(uint32_t temp) {
    AdapterSnapshot s;
    s.name = "c0";
    s.path = "/c0";
    s.info_ok = true;
    s.info.state = HBAMGR_STATE_LIVE;
    DriveSnapshot d;
    d.info.state = HBAMGR_PD_ONLINE;
    d.info.vd_id = HBAMGR_ID_NONE;
    d.info.temperature_c = temp;
    d.path = "/c0/e0/s3";
    d.serial = "SER3";
    d.model = "MODEL";
    s.drives = {d};
    Evaluate(policy_, {}, s);
    return s;
  }
  // (state, condition) of what was delivered since the last call.
  std::vector<std::string> Sent() {
    std::vector<std::string> out;
    for (const Notification& n : sub_->Take()) {
      out.push_back(absl::StrCat(NotificationKindName(n.kind), " ", n.alert.condition));
    }
    return out;
  }
  void Update(uint32_t temp, absl::Time now) {
    AdapterSnapshot s = Snapshot(temp);
    engine_->Update(policy_, s, now);
    last_ = s;
  }

  std::string dir_;
  sys::Logger logger_{sys::LogLevel::kError, sys::LogSink::kStderr};
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<Delivery> delivery_;
  std::unique_ptr<AlertEngine> engine_;
  std::shared_ptr<AlertHub::Subscription> sub_;
  Policy policy_ = Policy::Defaults();
  AdapterSnapshot last_;
};

TEST_F(AlertsTest, WarnThenCritRaiseOneAlertEachAndCoolingClearsEachOnce) {
  Update(55, kT0);
  EXPECT_THAT(Sent(), ElementsAre("raised temperature_warning"));
  Update(56, kT0 + absl::Minutes(1));
  EXPECT_THAT(Sent(), IsEmpty());
  Update(65, kT0 + absl::Minutes(2));
  EXPECT_THAT(Sent(), ElementsAre("raised temperature_critical"));
  EXPECT_EQ(last_.alerts.total(), 2u);
  EXPECT_EQ(last_.drives[0].alerts.critical, 1u);
  Update(30, kT0 + absl::Minutes(3));
  EXPECT_THAT(Sent(), ::testing::UnorderedElementsAre("cleared temperature_warning",
                                                      "cleared temperature_critical"));
  Update(30, kT0 + absl::Minutes(4));
  EXPECT_THAT(Sent(), IsEmpty());
  auto all = engine_->List(0, /*all=*/true, 0);
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 2u);
  for (const store::AlertRow& r : *all) EXPECT_FALSE(r.open());
  EXPECT_THAT(*engine_->List(0, false, 0), IsEmpty());
}

TEST_F(AlertsTest, DailyRemindsEveryIntervalUntilAcknowledged) {
  Update(55, kT0);
  Update(55, kT0 + absl::Hours(23));
  EXPECT_THAT(Sent(), ElementsAre("raised temperature_warning"));
  Update(55, kT0 + absl::Hours(24));
  EXPECT_THAT(Sent(), ElementsAre("reminder temperature_warning"));
  Update(55, kT0 + absl::Hours(47));
  EXPECT_THAT(Sent(), IsEmpty());
  Update(55, kT0 + absl::Hours(48));
  EXPECT_THAT(Sent(), ElementsAre("reminder temperature_warning"));
  auto open = *engine_->List(0, false, 0);
  ASSERT_EQ(open.size(), 1u);
  EXPECT_EQ(open[0].times_sent, 3u);
  auto acked = engine_->Acknowledge(0, open[0].id, "uid:0", kT0 + absl::Hours(49));
  ASSERT_TRUE(acked.ok()) << acked.status();
  EXPECT_EQ(acked->acked_by, "uid:0");
  Update(55, kT0 + absl::Hours(96));
  EXPECT_THAT(Sent(), IsEmpty());
  // An acknowledged alert still clears once.
  Update(30, kT0 + absl::Hours(97));
  EXPECT_THAT(Sent(), ElementsAre("cleared temperature_warning"));
  EXPECT_EQ(engine_->Acknowledge(0, open[0].id, "uid:0", kT0).status().code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(engine_->Acknowledge(0, 999, "uid:0", kT0).status().code(),
            absl::StatusCode::kNotFound);
}

TEST_F(AlertsTest, DiminishingDoublesTheGapAndOnceNeverReminds) {
  policy_.throttle = Throttle::kDiminishing;
  Update(55, kT0);
  EXPECT_THAT(Sent(), ElementsAre("raised temperature_warning"));
  std::vector<int> reminded_at;
  for (int h = 1; h <= 24 * 8; ++h) {
    Update(55, kT0 + absl::Hours(h));
    if (!Sent().empty()) reminded_at.push_back(h / 24);
  }
  EXPECT_THAT(reminded_at, ElementsAre(1, 3, 7));  // after 1, 2, then 4 days
  Sent();

  policy_.throttle = Throttle::kOnce;
  Update(65, kT0 + absl::Hours(300));
  EXPECT_THAT(Sent(), ElementsAre("raised temperature_critical"));
  Update(65, kT0 + absl::Hours(3000));
  EXPECT_THAT(Sent(), IsEmpty());
}

TEST_F(AlertsTest, RestartNeitherResendsNorForgets) {
  Update(55, kT0);
  EXPECT_THAT(Sent(), ElementsAre("raised temperature_warning"));
  Reopen();
  EXPECT_THAT(engine_->OpenConditions(0),
              ElementsAre(ConditionKey("/c0/e0/s3", "temperature_warning")));
  Update(55, kT0 + absl::Hours(1));
  EXPECT_THAT(Sent(), IsEmpty());
  // The reminder schedule survived too.
  Update(55, kT0 + absl::Hours(24));
  EXPECT_THAT(Sent(), ElementsAre("reminder temperature_warning"));
  Reopen();
  Update(30, kT0 + absl::Hours(25));
  EXPECT_THAT(Sent(), ElementsAre("cleared temperature_warning"));
}

}  // namespace
}  // namespace hbamgr::health
