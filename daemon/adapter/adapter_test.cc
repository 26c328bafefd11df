#include "daemon/adapter/adapter.h"

#include <unistd.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "daemon/adapter/fake_transport.h"
#include "gtest/gtest.h"

namespace hbamgr::adapter {
namespace {

constexpr absl::Duration kWait = absl::Seconds(20);

class AdapterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = absl::StrCat(::testing::TempDir(), "/adapter_", getpid(), "_",
                         ::testing::UnitTest::GetInstance()->current_test_info()->name(), ".db");
    unlink(path_.c_str());
    auto store = store::Store::Open(path_);
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = std::move(*store);
    auto transport = std::make_unique<FakeTransport>();
    transport_ = transport.get();
    AdapterOptions options;
    options.pending_check = absl::Milliseconds(20);
    options.idle_check = absl::Milliseconds(200);
    adapter_ = std::make_unique<Adapter>(options, std::move(transport), store_.get(), &logger_,
                                         nullptr, nullptr);
  }
  void TearDown() override {
    adapter_.reset();
    store_.reset();
    for (const char* suffix : {"", "-wal", "-shm"}) unlink((path_ + suffix).c_str());
  }

  uint64_t StoredCount() {
    store::EventQuery query;
    query.adapter = 0;
    auto rows = store_->QueryEvents(query);
    EXPECT_TRUE(rows.ok()) << rows.status();
    return rows.ok() ? rows->size() : 0;
  }
  // Polls the store until it holds `n` events; false at the deadline.
  bool WaitForStored(uint64_t n) {
    const absl::Time deadline = absl::Now() + kWait;
    while (StoredCount() < n) {
      if (absl::Now() > deadline) return false;
      absl::SleepFor(absl::Milliseconds(5));
    }
    return true;
  }

  std::string path_;
  sys::Logger logger_{sys::LogLevel::kError, sys::LogSink::kStderr};
  std::unique_ptr<store::Store> store_;
  FakeTransport* transport_ = nullptr;
  std::unique_ptr<Adapter> adapter_;
};

// Issue 8: the firmware delivers an event only while a status-read buffer is
// posted.  A storm's first 8 events came through, the other 42 were only
// logged, and the loop, woken only by the event fd, left them in the log
// until an unrelated event arrived.  Now the loop reads the log after a
// batch without being woken.
TEST_F(AdapterTest, TheTailOfAStormIsStoredWithoutALaterEvent) {
  ASSERT_TRUE(adapter_->Start().ok());
  for (uint64_t seq = 1; seq <= 8; ++seq) transport_->Emit(MakeEvent(seq));
  for (uint64_t seq = 9; seq <= 50; ++seq) transport_->Log(MakeEvent(seq));
  EXPECT_TRUE(WaitForStored(50)) << StoredCount() << " of 50 stored";
  EXPECT_EQ(adapter_->ingest_stats().next_seq, 51u);
}

// Nothing delivered at all (events logged while no buffer was posted, no
// activity before): the loop's own log checks find them.
TEST_F(AdapterTest, EventsOnlyLoggedAreStoredWithoutAWakeUp) {
  ASSERT_TRUE(adapter_->Start().ok());
  for (uint64_t seq = 1; seq <= 5; ++seq) transport_->Log(MakeEvent(seq));
  EXPECT_TRUE(WaitForStored(5)) << StoredCount() << " of 5 stored";
}

// Stop while the loop's log read waits in the transport and a client's
// passthrough waits behind it: the queued command is answered UNAVAILABLE at
// once, the loop ends when its command returns, and nothing is left running.
TEST_F(AdapterTest, StopAnswersQueuedPassthroughAndEndsTheLoopAfterItsCommand) {
  ASSERT_TRUE(adapter_->Start().ok());
  const size_t started = transport_->started().size();
  transport_->CloseGate();
  for (uint64_t seq = 1; seq <= 8; ++seq) transport_->Emit(MakeEvent(seq));
  transport_->Log(MakeEvent(9));
  ASSERT_TRUE(transport_->WaitForStarted(started + 1, kWait));  // the loop's EVTLOG_INFO

  absl::Notification answered;
  PassthruResult queued;
  PassthruCommand command;
  command.pt.type = HBAMGR_PT_SCSI;
  command.pt.cdb_len = 6;
  adapter_->serializer().Submit("uid:1000", absl::Now() + kWait, std::move(command),
                                [&](PassthruResult result) {
                                  queued = std::move(result);
                                  answered.Notify();
                                });
  std::thread stopper([this] { adapter_->Stop(); });
  EXPECT_TRUE(answered.WaitForNotificationWithTimeout(kWait));
  EXPECT_EQ(queued.status.code(), absl::StatusCode::kUnavailable) << queued.status;
  transport_->OpenGate();  // the command in the transport completes
  stopper.join();
  EXPECT_EQ(transport_->started().size(), started + 1);  // the loop sent nothing more
}

}  // namespace
}  // namespace hbamgr::adapter
