#include "daemon/adapter/passthru_serializer.h"

#include <map>
#include <string>
#include <thread>
#include <vector>

#include "absl/cleanup/cleanup.h"
#include "absl/synchronization/mutex.h"
#include "daemon/adapter/fake_transport.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace hbamgr::adapter {
namespace {

using ::testing::ElementsAre;

constexpr absl::Duration kWait = absl::Seconds(10);

// A SCSI command tagged with `id` in its target field.
PassthruCommand Tagged(uint16_t id, uint32_t timeout_ms = 0) {
  PassthruCommand command;
  command.pt.type = HBAMGR_PT_SCSI;
  command.pt.dir = HBAMGR_DIR_NONE;
  command.pt.cdb_len = 6;
  command.pt.target = id;
  command.pt.timeout_ms = timeout_ms;
  return command;
}

// Collects results by tag.
class Results {
 public:
  PassthruSerializer::Done Callback() {
    return [this](PassthruResult result) {
      absl::MutexLock lock(&mu_);
      by_tag_[result.command.pt.target] = std::move(result);
    };
  }
  bool WaitFor(size_t n) {
    absl::MutexLock lock(&mu_);
    struct Arg {
      Results* self;
      size_t n;
    } arg{this, n};
    return mu_.AwaitWithTimeout(
        absl::Condition(
            +[](Arg* a) ABSL_NO_THREAD_SAFETY_ANALYSIS { return a->self->by_tag_.size() >= a->n; },
            &arg),
        kWait);
  }
  bool Has(uint16_t tag) {
    absl::MutexLock lock(&mu_);
    return by_tag_.contains(tag);
  }
  PassthruResult Get(uint16_t tag) {
    absl::MutexLock lock(&mu_);
    return by_tag_.at(tag);
  }

 private:
  absl::Mutex mu_;
  std::map<uint16_t, PassthruResult> by_tag_ ABSL_GUARDED_BY(mu_);
};

std::vector<uint16_t> StartedTags(const FakeTransport& transport) {
  std::vector<uint16_t> tags;
  for (const hbamgr_passthru& pt : transport.started()) tags.push_back(pt.target);
  return tags;
}

absl::Time Far() { return absl::Now() + absl::Minutes(5); }

TEST(PassthruSerializerTest, ServesClientsRoundRobinOneAtATime) {
  FakeTransport transport;
  int active = 0;
  int max_active = 0;
  absl::Mutex active_mu;
  transport.SetHandler([&](hbamgr_passthru*) {
    absl::MutexLock lock(&active_mu);
    max_active = std::max(max_active, ++active);
    --active;
  });
  PassthruSerializer serializer(&transport, {});
  Results results;

  transport.CloseGate();
  serializer.Submit("uid:1", Far(), Tagged(1), results.Callback());
  ASSERT_TRUE(transport.WaitForStarted(1, kWait));
  // Client 1 floods the queue before clients 2 and 3 arrive.
  serializer.Submit("uid:1", Far(), Tagged(11), results.Callback());
  serializer.Submit("uid:1", Far(), Tagged(12), results.Callback());
  serializer.Submit("uid:1", Far(), Tagged(13), results.Callback());
  serializer.Submit("uid:2", Far(), Tagged(21), results.Callback());
  serializer.Submit("uid:2", Far(), Tagged(22), results.Callback());
  serializer.Submit("uid:3", Far(), Tagged(31), results.Callback());
  EXPECT_EQ(serializer.queued(), 6u);
  transport.OpenGate();

  ASSERT_TRUE(results.WaitFor(7));
  EXPECT_THAT(StartedTags(transport), ElementsAre(1, 11, 21, 31, 12, 22, 13));
  EXPECT_EQ(max_active, 1);
  for (uint16_t tag : {1, 11, 12, 13, 21, 22, 31}) {
    EXPECT_TRUE(results.Get(tag).status.ok()) << tag;
  }
}

// Health polls are background work: client commands queued after them run
// first, and a full background queue takes no client slot.
TEST(PassthruSerializerTest, ClientCommandsOvertakeQueuedBackgroundPolls) {
  using Priority = PassthruSerializer::Priority;
  FakeTransport transport;
  PassthruSerializer serializer(&transport, {.max_queued = 2, .max_background = 3});
  Results results;

  transport.CloseGate();
  serializer.Submit("health", Far(), Tagged(1), results.Callback(), Priority::kBackground);
  ASSERT_TRUE(transport.WaitForStarted(1, kWait));
  serializer.Submit("health", Far(), Tagged(2), results.Callback(), Priority::kBackground);
  serializer.Submit("health", Far(), Tagged(3), results.Callback(), Priority::kBackground);
  serializer.Submit("health", Far(), Tagged(4), results.Callback(), Priority::kBackground);
  serializer.Submit("health", Far(), Tagged(5), results.Callback(), Priority::kBackground);
  // The background bound refuses 5 without touching the client queue.
  ASSERT_TRUE(results.WaitFor(1));
  EXPECT_EQ(results.Get(5).status.code(), absl::StatusCode::kResourceExhausted);
  serializer.Submit("uid:1", Far(), Tagged(11), results.Callback());
  serializer.Submit("uid:2", Far(), Tagged(21), results.Callback());
  EXPECT_EQ(serializer.queued(), 2u);
  EXPECT_EQ(serializer.background_queued(), 3u);
  transport.OpenGate();

  ASSERT_TRUE(results.WaitFor(7));
  // Only the poll already in the transport ran before the clients.
  EXPECT_THAT(StartedTags(transport), ElementsAre(1, 11, 21, 2, 3, 4));
  for (uint16_t tag : {1, 2, 3, 4, 11, 21}) EXPECT_TRUE(results.Get(tag).status.ok()) << tag;
}

// A background request is cancellable and expires in the queue like any.
TEST(PassthruSerializerTest, BackgroundRequestsExpireAndCancelInTheQueue) {
  using Priority = PassthruSerializer::Priority;
  FakeTransport transport;
  PassthruSerializer serializer(&transport, {});
  Results results;

  transport.CloseGate();
  serializer.Submit("uid:1", Far(), Tagged(1), results.Callback());
  ASSERT_TRUE(transport.WaitForStarted(1, kWait));
  serializer.Submit("health", absl::Now() + absl::Milliseconds(50), Tagged(2), results.Callback(),
                    Priority::kBackground);
  PassthruSerializer::Ticket ticket =
      serializer.Submit("health", Far(), Tagged(3), results.Callback(), Priority::kBackground);
  serializer.Cancel(ticket);
  ASSERT_TRUE(results.WaitFor(2));
  EXPECT_EQ(results.Get(2).status.code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_EQ(results.Get(3).status.code(), absl::StatusCode::kCancelled);
  EXPECT_EQ(serializer.background_queued(), 0u);
  transport.OpenGate();
  ASSERT_TRUE(results.WaitFor(3));
  EXPECT_THAT(StartedTags(transport), ElementsAre(1));
}

TEST(PassthruSerializerTest, DeadlinePassingInTheQueueAnswersWithoutRunning) {
  FakeTransport transport;
  PassthruSerializer serializer(&transport, {});
  Results results;

  transport.CloseGate();
  serializer.Submit("uid:1", Far(), Tagged(1), results.Callback());
  ASSERT_TRUE(transport.WaitForStarted(1, kWait));
  serializer.Submit("uid:2", absl::Now() + absl::Milliseconds(50), Tagged(2), results.Callback());

  // Answered while the first command still holds the adapter.
  ASSERT_TRUE(results.WaitFor(1));
  PassthruResult expired = results.Get(2);
  EXPECT_EQ(expired.status.code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_FALSE(results.Has(1));
  EXPECT_EQ(serializer.queued(), 0u);

  transport.OpenGate();
  ASSERT_TRUE(results.WaitFor(2));
  EXPECT_THAT(StartedTags(transport), ElementsAre(1));
}

TEST(PassthruSerializerTest, TransportTimeoutIsBoundedByTheDeadline) {
  FakeTransport transport;
  PassthruSerializer serializer(&transport, {});
  PassthruResult result =
      serializer.Run("uid:1", absl::Now() + absl::Seconds(2), Tagged(1, /*timeout_ms=*/60000));
  ASSERT_TRUE(result.status.ok());
  ASSERT_EQ(transport.started().size(), 1u);
  uint32_t timeout_ms = transport.started()[0].timeout_ms;
  EXPECT_GT(timeout_ms, 0u);
  EXPECT_LE(timeout_ms, 2000u);

  // A short requested timeout is kept.
  serializer.Run("uid:1", Far(), Tagged(2, /*timeout_ms=*/500));
  EXPECT_EQ(transport.started()[1].timeout_ms, 500u);
}

TEST(PassthruSerializerTest, CancelDropsAQueuedRequest) {
  FakeTransport transport;
  PassthruSerializer serializer(&transport, {});
  Results results;

  transport.CloseGate();
  EXPECT_FALSE(serializer.running());
  serializer.Submit("uid:1", Far(), Tagged(1), results.Callback());
  ASSERT_TRUE(transport.WaitForStarted(1, kWait));
  EXPECT_TRUE(serializer.running());
  PassthruSerializer::Ticket queued =
      serializer.Submit("uid:2", Far(), Tagged(2), results.Callback());
  serializer.Cancel(queued);

  ASSERT_TRUE(results.WaitFor(1));
  EXPECT_EQ(results.Get(2).status.code(), absl::StatusCode::kCancelled);
  EXPECT_EQ(serializer.queued(), 0u);
  EXPECT_TRUE(serializer.running());
  transport.OpenGate();
  ASSERT_TRUE(results.WaitFor(2));
  EXPECT_TRUE(results.Get(1).status.ok());
  EXPECT_THAT(StartedTags(transport), ElementsAre(1));
}

TEST(PassthruSerializerTest, CancelStopsEagainRetries) {
  FakeTransport transport;
  transport.FailWithEagain(1'000'000);
  PassthruSerializer serializer(
      &transport, {.initial_backoff = absl::Milliseconds(1), .max_backoff = absl::Milliseconds(5)});
  Results results;
  PassthruSerializer::Ticket ticket =
      serializer.Submit("uid:1", Far(), Tagged(1), results.Callback());
  ASSERT_TRUE(transport.WaitForStarted(3, kWait));
  serializer.Cancel(ticket);
  ASSERT_TRUE(results.WaitFor(1));
  EXPECT_EQ(results.Get(1).status.code(), absl::StatusCode::kCancelled);
}

TEST(PassthruSerializerTest, RetriesEagainWithBackoffUntilItSucceeds) {
  FakeTransport transport;
  transport.FailWithEagain(3);
  PassthruSerializer serializer(&transport, {.initial_backoff = absl::Milliseconds(2),
                                             .max_backoff = absl::Milliseconds(20)});
  PassthruResult result = serializer.Run("uid:1", Far(), Tagged(1));
  EXPECT_TRUE(result.status.ok()) << result.status;
  EXPECT_EQ(result.retries, 3);
  EXPECT_EQ(transport.started().size(), 4u);
  // Backoff 2 + 4 + 8 ms at least.
  EXPECT_GE(result.ran, absl::Milliseconds(14));
}

TEST(PassthruSerializerTest, EagainUntilTheDeadlineIsDeadlineExceededWithBackoff) {
  FakeTransport transport;
  transport.FailWithEagain(1'000'000);
  PassthruSerializer serializer(
      &transport, {.initial_backoff = absl::Milliseconds(10), .max_backoff = absl::Seconds(1)});
  PassthruResult result = serializer.Run("uid:1", absl::Now() + absl::Milliseconds(300), Tagged(1));
  EXPECT_EQ(result.status.code(), absl::StatusCode::kDeadlineExceeded) << result.status;
  // Exponential: 10+20+40+80+160 ms covers 300 ms in about 6 attempts; a
  // busy retry loop would make thousands.
  EXPECT_GE(transport.started().size(), 3u);
  EXPECT_LE(transport.started().size(), 8u);
}

TEST(PassthruSerializerTest, FullQueueIsResourceExhausted) {
  FakeTransport transport;
  PassthruSerializer serializer(&transport, {.max_queued = 2});
  Results results;

  transport.CloseGate();
  serializer.Submit("uid:1", Far(), Tagged(1), results.Callback());
  ASSERT_TRUE(transport.WaitForStarted(1, kWait));
  serializer.Submit("uid:1", Far(), Tagged(2), results.Callback());
  serializer.Submit("uid:2", Far(), Tagged(3), results.Callback());
  serializer.Submit("uid:3", Far(), Tagged(4), results.Callback());

  ASSERT_TRUE(results.WaitFor(1));
  EXPECT_EQ(results.Get(4).status.code(), absl::StatusCode::kResourceExhausted);
  transport.OpenGate();
  ASSERT_TRUE(results.WaitFor(4));
  EXPECT_THAT(StartedTags(transport), ElementsAre(1, 2, 3));
}

// A request that reads `bytes` from the device, tagged like Tagged().
PassthruCommand Reading(uint16_t id, uint32_t bytes) {
  PassthruCommand command = Tagged(id);
  command.pt.dir = HBAMGR_DIR_FROM_DEV;
  command.pt.data_len = bytes;
  command.pt.sense_len = HBAMGR_SENSE_MAX;
  return command;
}

// The buffer bytes waiting requests hold are bounded per adapter: a request
// that would pass the bound is refused at once, before anything of it is
// allocated, and the bound frees up as requests leave the queue.
TEST(PassthruSerializerTest, QueuedBufferBytesAreBounded) {
  FakeTransport transport;
  constexpr size_t kBound = 3 << 20;
  PassthruSerializer serializer(&transport, {.max_queued_bytes = kBound});
  Results results;

  transport.CloseGate();
  // A failed assertion must not leave the serializer waiting at the gate.
  absl::Cleanup open_gate = [&] { transport.OpenGate(); };
  serializer.Submit("uid:1", Far(), Reading(1, 1 << 20), results.Callback());
  ASSERT_TRUE(transport.WaitForStarted(1, kWait));  // running: no longer queued
  EXPECT_EQ(serializer.queued_bytes(), 0u);
  serializer.Submit("uid:1", Far(), Reading(2, 1 << 20), results.Callback());
  serializer.Submit("uid:2", Far(), Reading(3, 1 << 20), results.Callback());
  EXPECT_EQ(serializer.queued_bytes(), 2 * ((1 << 20) + HBAMGR_SENSE_MAX));
  serializer.Submit("uid:3", Far(), Reading(4, 1 << 20), results.Callback());
  ASSERT_TRUE(results.WaitFor(1));
  const absl::Status& refused = results.Get(4).status;
  EXPECT_EQ(refused.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(refused.message(), ::testing::HasSubstr("at most 3145728 per adapter"));
  EXPECT_THAT(refused.message(), ::testing::HasSubstr("daemon.passthru_queue_mb"));
  // A small one still fits beside the two waiting.
  serializer.Submit("uid:3", Far(), Reading(5, 4096), results.Callback());
  EXPECT_FALSE(results.Has(5));

  transport.OpenGate();
  ASSERT_TRUE(results.WaitFor(5));
  EXPECT_THAT(StartedTags(transport), ElementsAre(1, 2, 3, 5));
  EXPECT_EQ(serializer.queued_bytes(), 0u);
  // Everything left the queue: a big request is taken again.
  EXPECT_TRUE(serializer.Run("uid:1", Far(), Reading(6, 1 << 20)).status.ok());
}

TEST(PassthruSerializerTest, ShutdownAnswersQueuedRequestsUnavailable) {
  FakeTransport transport;
  Results results;
  PassthruSerializer serializer(&transport, {});
  transport.CloseGate();
  serializer.Submit("uid:1", Far(), Tagged(1), results.Callback());
  ASSERT_TRUE(transport.WaitForStarted(1, kWait));
  serializer.Submit("uid:2", Far(), Tagged(2), results.Callback());

  std::thread stopper([&] { serializer.Shutdown(); });
  // The queued request is answered while the running one still holds the
  // adapter; Shutdown then waits for the running one.
  ASSERT_TRUE(results.WaitFor(1));
  EXPECT_EQ(results.Get(2).status.code(), absl::StatusCode::kUnavailable);
  transport.OpenGate();
  stopper.join();
  ASSERT_TRUE(results.WaitFor(2));
  EXPECT_TRUE(results.Get(1).status.ok());
  EXPECT_EQ(serializer.Run("uid:3", Far(), Tagged(3)).status.code(),
            absl::StatusCode::kUnavailable);
  EXPECT_THAT(StartedTags(transport), ElementsAre(1));
}

TEST(PassthruSerializerTest, FromDevDataComesBack) {
  FakeTransport transport;
  transport.SetHandler([](hbamgr_passthru* pt) {
    auto* data = reinterpret_cast<uint8_t*>(pt->data_ptr);
    for (uint32_t i = 0; i < pt->data_len; ++i) data[i] = static_cast<uint8_t>(i);
    pt->resid = 0;
  });
  PassthruSerializer serializer(&transport, {});
  PassthruCommand command = Tagged(1);
  command.pt.dir = HBAMGR_DIR_FROM_DEV;
  command.pt.data_len = 4;
  command.pt.sense_len = 18;
  PassthruResult result = serializer.Run("uid:1", Far(), std::move(command));
  ASSERT_TRUE(result.status.ok());
  EXPECT_THAT(result.command.data, ElementsAre(0, 1, 2, 3));
  EXPECT_EQ(result.command.sense.size(), 18u);
}

}  // namespace
}  // namespace hbamgr::adapter
