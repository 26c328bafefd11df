#include "daemon/sys/metrics.h"

#include <cmath>
#include <limits>
#include <thread>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace hbamgr::sys {
namespace {

using ::testing::HasSubstr;

TEST(MetricsTest, RendersTextExpositionFormat) {
  MetricsRegistry reg;
  Counter* ev0 = *reg.GetCounter("hbamgr_events_total", "Events stored.", {{"adapter", "0"}});
  Counter* ev1 = *reg.GetCounter("hbamgr_events_total", "Events stored.", {{"adapter", "1"}});
  Gauge* temp = *reg.GetGauge("hbamgr_drive_temperature_celsius", "Drive temperature.\nSMART",
                              {{"slot", "3"}, {"encl", "0"}});
  Gauge* up = *reg.GetGauge("hbamgr_up", "1 when the daemon \\ serves.");
  Gauge* odd = *reg.GetGauge("hbamgr_label_escaping", "Escapes.",
                             {{"path", "C:\\dir"}, {"quote", "say \"hi\"\nbye"}});
  ev0->Increment();
  ev0->Increment(2);
  ev1->Increment(0.5);
  temp->Set(41);
  up->Set(1);
  odd->Set(-2.25);

  EXPECT_EQ(reg.RenderText(),
            "# HELP hbamgr_drive_temperature_celsius Drive temperature.\\nSMART\n"
            "# TYPE hbamgr_drive_temperature_celsius gauge\n"
            "hbamgr_drive_temperature_celsius{encl=\"0\",slot=\"3\"} 41\n"
            "# HELP hbamgr_events_total Events stored.\n"
            "# TYPE hbamgr_events_total counter\n"
            "hbamgr_events_total{adapter=\"0\"} 3\n"
            "hbamgr_events_total{adapter=\"1\"} 0.5\n"
            "# HELP hbamgr_label_escaping Escapes.\n"
            "# TYPE hbamgr_label_escaping gauge\n"
            "hbamgr_label_escaping{path=\"C:\\\\dir\",quote=\"say \\\"hi\\\"\\nbye\"} -2.25\n"
            "# HELP hbamgr_up 1 when the daemon \\\\ serves.\n"
            "# TYPE hbamgr_up gauge\n"
            "hbamgr_up 1\n");
}

TEST(MetricsTest, SpecialValues) {
  MetricsRegistry reg;
  (*reg.GetGauge("a", "h", {{"v", "nan"}}))->Set(std::numeric_limits<double>::quiet_NaN());
  (*reg.GetGauge("a", "h", {{"v", "pinf"}}))->Set(std::numeric_limits<double>::infinity());
  (*reg.GetGauge("a", "h", {{"v", "ninf"}}))->Set(-std::numeric_limits<double>::infinity());
  (*reg.GetGauge("a", "h", {{"v", "big"}}))->Set(1e20);
  (*reg.GetGauge("a", "h", {{"v", "third"}}))->Set(1.0 / 3);
  EXPECT_EQ(reg.RenderText(),
            "# HELP a h\n# TYPE a gauge\n"
            "a{v=\"big\"} 1e+20\n"
            "a{v=\"nan\"} NaN\n"
            "a{v=\"ninf\"} -Inf\n"
            "a{v=\"pinf\"} +Inf\n"
            "a{v=\"third\"} 0.3333333333333333\n");
}

TEST(MetricsTest, SameSeriesIsReturnedAgainInAnyLabelOrder) {
  MetricsRegistry reg;
  absl::StatusOr<Gauge*> a = reg.GetGauge("g", "h", {{"x", "1"}, {"y", "2"}});
  absl::StatusOr<Gauge*> b = reg.GetGauge("g", "h", {{"y", "2"}, {"x", "1"}});
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(*a, *b);
}

TEST(MetricsTest, CounterIgnoresNegativeIncrements) {
  Counter c;
  c.Increment(5);
  c.Increment(-3);
  EXPECT_EQ(c.value(), 5);
}

TEST(MetricsTest, GaugeAdds) {
  Gauge g;
  g.Add(2);
  g.Add(-0.5);
  EXPECT_EQ(g.value(), 1.5);
}

TEST(MetricsTest, RejectsConflictsAndBadNames) {
  MetricsRegistry reg;
  ASSERT_TRUE(reg.GetCounter("c_total", "help", {{"adapter", "0"}}).ok());
  EXPECT_THAT(reg.GetGauge("c_total", "help", {{"adapter", "0"}}).status().message(),
              HasSubstr("already registered"));
  EXPECT_FALSE(reg.GetCounter("c_total", "other help", {{"adapter", "0"}}).ok());
  EXPECT_FALSE(reg.GetCounter("c_total", "help", {{"slot", "0"}}).ok());
  EXPECT_FALSE(reg.GetCounter("c_total", "help").ok());
  EXPECT_THAT(reg.GetCounter("1bad", "h").status().message(), HasSubstr("invalid metric name"));
  EXPECT_FALSE(reg.GetCounter("bad-name", "h").ok());
  EXPECT_THAT(reg.GetCounter("ok", "h", {{"__reserved", "x"}}).status().message(),
              HasSubstr("invalid label name"));
  EXPECT_THAT(reg.GetCounter("ok", "h", {{"a", "1"}, {"a", "2"}}).status().message(),
              HasSubstr("given twice"));
  EXPECT_TRUE(reg.GetCounter("name:with_colon", "h").ok());
}

TEST(MetricsTest, RemoveSeriesForgetsEverySeriesWithTheLabel) {
  MetricsRegistry reg;
  (*reg.GetGauge("a_state", "h", {{"adapter", "c0"}, {"state", "live"}}))->Set(1);
  (*reg.GetGauge("a_state", "h", {{"adapter", "c1"}, {"state", "live"}}))->Set(1);
  (*reg.GetCounter("b_total", "h", {{"adapter", "c1"}}))->Increment();
  (*reg.GetGauge("subscribers", "h"))->Set(2);
  reg.RemoveSeries("adapter", "c1");
  EXPECT_EQ(reg.RenderText(),
            "# HELP a_state h\n# TYPE a_state gauge\n"
            "a_state{adapter=\"c0\",state=\"live\"} 1\n"
            "# HELP subscribers h\n# TYPE subscribers gauge\n"
            "subscribers 2\n");
  // The series starts anew when used again.
  EXPECT_EQ((*reg.GetCounter("b_total", "h", {{"adapter", "c1"}}))->value(), 0);
}

TEST(MetricsTest, CollectorsRenderAtEveryScrape) {
  MetricsRegistry reg;
  (*reg.GetGauge("own", "registry"))->Set(1);
  int calls = 0;
  reg.AddCollector([&calls](std::vector<MetricFamily>& out) {
    ++calls;
    MetricFamily f{.name = "drive_temperature_celsius",
                   .help = "Temperature.",
                   .type = MetricType::kGauge,
                   .label_names = {"slot", "serial"}};
    f.samples.push_back({{"3", "A\"1"}, 41});
    if (calls == 1) f.samples.push_back({{"4", "B"}, 39.5});
    out.push_back(std::move(f));
    out.push_back(MetricFamily{
        .name = "errors_total", .help = "E.", .type = MetricType::kCounter, .samples = {{{}, 7}}});
  });
  EXPECT_EQ(reg.RenderText(),
            "# HELP own registry\n# TYPE own gauge\nown 1\n"
            "# HELP drive_temperature_celsius Temperature.\n"
            "# TYPE drive_temperature_celsius gauge\n"
            "drive_temperature_celsius{slot=\"3\",serial=\"A\\\"1\"} 41\n"
            "drive_temperature_celsius{slot=\"4\",serial=\"B\"} 39.5\n"
            "# HELP errors_total E.\n# TYPE errors_total counter\nerrors_total 7\n");
  // The drive in slot 4 went away: so did its series.
  EXPECT_THAT(reg.RenderText(), ::testing::Not(HasSubstr("slot=\"4\"")));
  EXPECT_EQ(calls, 2);
}

TEST(MetricsTest, CollectorFamiliesThatCannotBeRenderedAreLeftOut) {
  MetricsRegistry reg;
  (*reg.GetGauge("taken", "registry"))->Set(1);
  reg.AddCollector([](std::vector<MetricFamily>& out) {
    auto family = [](std::string name, std::vector<std::string> labels,
                     std::vector<std::string> values) {
      return MetricFamily{.name = std::move(name),
                          .help = "h",
                          .label_names = std::move(labels),
                          .samples = {{std::move(values), 1}}};
    };
    out.push_back(family("taken", {}, {}));                     // the registry has it
    out.push_back(family("bad-name", {}, {}));                  // invalid metric name
    out.push_back(family("bad_label", {"__x"}, {"1"}));         // reserved label name
    out.push_back(family("twice", {"a", "a"}, {"1", "2"}));     // label given twice
    out.push_back(family("short", {"a", "b"}, {"1"}));          // a value missing
    out.push_back(MetricFamily{.name = "empty", .help = "h"});  // no samples
    out.push_back(family("fine", {"a"}, {"1"}));
    out.push_back(family("fine", {"a"}, {"2"}));  // the name again
  });
  EXPECT_EQ(reg.RenderText(),
            "# HELP taken registry\n# TYPE taken gauge\ntaken 1\n"
            "# HELP fine h\n# TYPE fine gauge\nfine{a=\"1\"} 1\n");
}

TEST(MetricsTest, ConcurrentIncrementsAreAllCounted) {
  MetricsRegistry reg;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&reg] {
      for (int i = 0; i < 1000; ++i) (*reg.GetCounter("n_total", "h"))->Increment();
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ((*reg.GetCounter("n_total", "h"))->value(), 4000);
}

}  // namespace
}  // namespace hbamgr::sys
