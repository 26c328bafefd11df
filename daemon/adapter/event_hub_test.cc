#include "daemon/adapter/event_hub.h"

#include <atomic>
#include <vector>

#include "daemon/adapter/fake_transport.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace hbamgr::adapter {
namespace {

using ::testing::ElementsAre;

std::vector<store::EventRow> Rows(uint32_t adapter, uint64_t first, uint64_t last) {
  std::vector<store::EventRow> rows;
  for (uint64_t seq = first; seq <= last; ++seq) {
    rows.push_back(store::EventRow::FromUapi(adapter, MakeEvent(seq)));
  }
  return rows;
}

std::vector<uint64_t> Seqs(const std::vector<store::EventRow>& rows) {
  std::vector<uint64_t> seqs;
  for (const auto& row : rows) seqs.push_back(row.seq);
  return seqs;
}

TEST(EventHubTest, DeliversMatchingRowsInOrderAndNotifies) {
  EventHub hub(16);
  std::atomic<int> notified = 0;
  EventFilter filter;
  filter.adapter = 1;
  auto subscription = hub.Subscribe(filter, [&] { ++notified; });
  hub.Publish(Rows(0, 1, 3));  // another adapter
  EXPECT_EQ(notified, 0);
  hub.Publish(Rows(1, 1, 3));
  EXPECT_EQ(notified, 1);
  EXPECT_THAT(Seqs(subscription->Take()), ElementsAre(1, 2, 3));
  EXPECT_TRUE(subscription->Take().empty());
  EXPECT_FALSE(subscription->overflowed());
}

TEST(EventHubTest, SeverityAndClassFilter) {
  EventHub hub(16);
  EventFilter filter;
  filter.min_severity = HBAMGR_SEV_WARNING;
  filter.event_class = HBAMGR_EVC_PD;
  auto subscription = hub.Subscribe(filter, [] {});
  std::vector<store::EventRow> rows = Rows(0, 1, 3);
  rows[0].severity = HBAMGR_SEV_INFO;
  rows[1].severity = HBAMGR_SEV_CRITICAL;
  rows[2].severity = HBAMGR_SEV_CRITICAL;
  rows[2].event_class = HBAMGR_EVC_VD;
  hub.Publish(rows);
  EXPECT_THAT(Seqs(subscription->Take()), ElementsAre(2));
}

TEST(EventHubTest, ASubscriberThatFallsBehindOverflowsWithoutBlockingOthers) {
  EventHub hub(4);
  auto slow = hub.Subscribe({}, [] {});
  auto fast = hub.Subscribe({}, [] {});
  hub.Publish(Rows(0, 1, 3));
  EXPECT_THAT(Seqs(fast->Take()), ElementsAre(1, 2, 3));
  hub.Publish(Rows(0, 4, 6));  // slow now has 6 waiting: above its bound
  EXPECT_TRUE(slow->overflowed());
  EXPECT_FALSE(fast->overflowed());
  EXPECT_THAT(Seqs(fast->Take()), ElementsAre(4, 5, 6));
  // The slow one keeps what fitted, in order, and gets nothing more.
  hub.Publish(Rows(0, 7, 7));
  EXPECT_THAT(Seqs(slow->Take()), ElementsAre(1, 2, 3, 4));
  EXPECT_TRUE(slow->Take().empty());
  EXPECT_THAT(Seqs(fast->Take()), ElementsAre(7));
}

TEST(EventHubTest, NoNotifyAfterUnsubscribe) {
  EventHub hub(16);
  std::atomic<int> notified = 0;
  auto subscription = hub.Subscribe({}, [&] { ++notified; });
  EXPECT_EQ(hub.subscribers(), 1u);
  hub.Unsubscribe(subscription);
  EXPECT_EQ(hub.subscribers(), 0u);
  hub.Publish(Rows(0, 1, 1));
  EXPECT_EQ(notified, 0);
  EXPECT_TRUE(subscription->Take().empty());
}

}  // namespace
}  // namespace hbamgr::adapter
