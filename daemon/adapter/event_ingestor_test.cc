#include "daemon/adapter/event_ingestor.h"

#include <unistd.h>

#include <cstdint>
#include <memory>
#include <numeric>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "daemon/adapter/fake_transport.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace hbamgr::adapter {
namespace {

using ::testing::ElementsAreArray;

constexpr uint32_t kAdapter = 0;

std::vector<uint64_t> Range(uint64_t first, uint64_t last) {
  std::vector<uint64_t> seqs(last - first + 1);
  std::iota(seqs.begin(), seqs.end(), first);
  return seqs;
}

class EventIngestorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = absl::StrCat(::testing::TempDir(), "/ingestor_", getpid(), "_",
                         ::testing::UnitTest::GetInstance()->current_test_info()->name(), ".db");
    unlink(path_.c_str());
    auto store = store::Store::Open(path_);
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = std::move(*store);
    serializer_ = std::make_unique<PassthruSerializer>(&transport_, PassthruSerializer::Options{});
    RestartIngestor();
  }
  // A new ingestor on the same store and transport, as after a daemon restart.
  void RestartIngestor() {
    ingestor_ =
        std::make_unique<EventIngestor>(kAdapter, &transport_, serializer_.get(), store_.get(),
                                        [this](std::span<const store::EventRow> rows) {
                                          for (const auto& row : rows)
                                            published_.push_back(row.seq);
                                        });
  }
  void TearDown() override {
    ingestor_.reset();
    serializer_.reset();
    store_.reset();
    unlink(path_.c_str());
    unlink((path_ + "-wal").c_str());
    unlink((path_ + "-shm").c_str());
  }

  std::vector<uint64_t> StoredSeqs() {
    store::EventQuery query;
    query.adapter = kAdapter;
    auto rows = store_->QueryEvents(query);
    EXPECT_TRUE(rows.ok()) << rows.status();
    std::vector<uint64_t> seqs;
    for (const auto& row : *rows) seqs.push_back(row.seq);
    return seqs;
  }

  void Store(uint64_t first, uint64_t last) {
    std::vector<store::EventRow> rows;
    for (uint64_t seq = first; seq <= last; ++seq) {
      rows.push_back(store::EventRow::FromUapi(kAdapter, MakeEvent(seq)));
    }
    ASSERT_TRUE(store_->AddEvents(rows).ok());
  }

  std::string path_;
  FakeTransport transport_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<PassthruSerializer> serializer_;
  std::unique_ptr<EventIngestor> ingestor_;
  std::vector<uint64_t> published_;
};

TEST_F(EventIngestorTest, StartBackfillsTheWholeLogIntoAnEmptyStore) {
  // More than one EVTLOG_GET batch.
  for (uint64_t seq = 1; seq <= 300; ++seq) transport_.Log(MakeEvent(seq));
  ASSERT_TRUE(ingestor_->Start().ok());
  EXPECT_THAT(StoredSeqs(), ElementsAreArray(Range(1, 300)));
  EXPECT_THAT(published_, ElementsAreArray(Range(1, 300)));
  EXPECT_EQ(ingestor_->stats().next_seq, 301u);
  EXPECT_EQ(ingestor_->stats().backfilled, 300u);
  // The row carries the record's fields.
  store::EventQuery query;
  query.adapter = kAdapter;
  query.min_seq = 7;
  query.limit = 1;
  auto rows = store_->QueryEvents(query);
  ASSERT_TRUE(rows.ok());
  EXPECT_EQ((*rows)[0], store::EventRow::FromUapi(kAdapter, MakeEvent(7)));
}

TEST_F(EventIngestorTest, StartContinuesFromTheLastStoredSeq) {
  Store(1, 10);
  for (uint64_t seq = 1; seq <= 20; ++seq) transport_.Log(MakeEvent(seq));
  ASSERT_TRUE(ingestor_->Start().ok());
  EXPECT_THAT(StoredSeqs(), ElementsAreArray(Range(1, 20)));
  EXPECT_THAT(published_, ElementsAreArray(Range(11, 20)));
  // Asked the log from seq 11 on, not from the start.
  auto started = transport_.started();
  ASSERT_EQ(started.size(), 2u);
  EXPECT_EQ(started[0].opcode, HBAMGR_MGMT_EVTLOG_INFO);
  EXPECT_EQ(started[1].opcode, HBAMGR_MGMT_EVTLOG_GET);
  hbamgr_mbox_evtlog mbox;
  std::memcpy(&mbox, started[1].cdb, sizeof(mbox));
  EXPECT_EQ(mbox.start_seq, 11u);
  // The stored events were this log's (a store from before logs were
  // recorded): it is adopted with seq_base 0.
  EXPECT_EQ(ingestor_->stats().seq_base, 0u);
}

// hbamgr.ko starts a new log at seq 1 on every module load.  Its records are
// not duplicates of the old log's: they are stored after them, and the
// stored seqs keep growing across daemon restarts on the same log.
TEST_F(EventIngestorTest, ANewFirmwareLogIsStoredAfterEveryEarlierRecord) {
  for (uint64_t seq = 1; seq <= 10; ++seq) transport_.Log(MakeEvent(seq));
  ASSERT_TRUE(ingestor_->Start().ok());
  ASSERT_THAT(StoredSeqs(), ElementsAreArray(Range(1, 10)));
  EXPECT_EQ(ingestor_->stats().log_id, 1u);

  transport_.NewLog(2);
  for (uint64_t seq = 1; seq <= 5; ++seq) transport_.Log(MakeEvent(seq));
  RestartIngestor();
  ASSERT_TRUE(ingestor_->Start().ok());
  EXPECT_EQ(ingestor_->stats().log_id, 2u);
  EXPECT_EQ(ingestor_->stats().seq_base, 10u);
  transport_.Emit(MakeEvent(6));
  ASSERT_TRUE(ingestor_->Drain().ok());
  EXPECT_THAT(StoredSeqs(), ElementsAreArray(Range(1, 16)));
  EXPECT_EQ(ingestor_->stats().duplicates, 0u);
  // Firmware seq 3 of the new log is stored seq 13, with its fields.
  store::EventQuery query;
  query.adapter = kAdapter;
  query.min_seq = 13;
  query.limit = 1;
  auto rows = store_->QueryEvents(query);
  ASSERT_TRUE(rows.ok());
  EXPECT_EQ((*rows)[0].arg0, 3u);

  // Same log after a daemon restart: continues after firmware seq 6.
  transport_.Log(MakeEvent(7));
  RestartIngestor();
  ASSERT_TRUE(ingestor_->Start().ok());
  EXPECT_EQ(ingestor_->stats().seq_base, 10u);
  EXPECT_EQ(ingestor_->stats().next_seq, 8u);
  EXPECT_THAT(StoredSeqs(), ElementsAreArray(Range(1, 17)));
  EXPECT_THAT(published_, ElementsAreArray(Range(1, 17)));
}

// A store from before logs were recorded, and a log that cannot have written
// its events (it is behind them): a new log, stored after them.
TEST_F(EventIngestorTest, ALogBehindAnUnrecordedStoreIsANewLog) {
  Store(1, 10);
  for (uint64_t seq = 1; seq <= 4; ++seq) transport_.Log(MakeEvent(seq));
  ASSERT_TRUE(ingestor_->Start().ok());
  EXPECT_EQ(ingestor_->stats().seq_base, 10u);
  EXPECT_THAT(StoredSeqs(), ElementsAreArray(Range(1, 14)));
}

TEST_F(EventIngestorTest, LiveRecordsAlreadyBackfilledAreDuplicates) {
  for (uint64_t seq = 1; seq <= 3; ++seq) transport_.Emit(MakeEvent(seq));
  ASSERT_TRUE(ingestor_->Start().ok());
  ASSERT_TRUE(ingestor_->Drain().ok());
  EXPECT_THAT(StoredSeqs(), ElementsAreArray(Range(1, 3)));
  EXPECT_THAT(published_, ElementsAreArray(Range(1, 3)));
  EXPECT_EQ(ingestor_->stats().duplicates, 3u);
  EXPECT_EQ(ingestor_->stats().gaps, 0u);
}

TEST_F(EventIngestorTest, SeqJumpIsBackfilledFromTheLogInOrder) {
  ASSERT_TRUE(ingestor_->Start().ok());
  transport_.Emit(MakeEvent(1));
  transport_.Emit(MakeEvent(2));
  // 3 and 4 reach the log but not the daemon's ring.
  transport_.Log(MakeEvent(3));
  transport_.Log(MakeEvent(4));
  transport_.Emit(MakeEvent(5));
  ASSERT_TRUE(ingestor_->Drain().ok());
  EXPECT_THAT(StoredSeqs(), ElementsAreArray(Range(1, 5)));
  EXPECT_THAT(published_, ElementsAreArray(Range(1, 5)));
  IngestStats stats = ingestor_->stats();
  EXPECT_EQ(stats.gaps, 1u);
  EXPECT_EQ(stats.backfilled, 2u);
  EXPECT_EQ(stats.lost, 0u);
  EXPECT_EQ(stats.next_seq, 6u);
}

// After a reset: events the firmware only logged (no SRB was posted) and
// that no later live record points at are read from the log.
TEST_F(EventIngestorTest, CatchUpReadsWhatOnlyTheLogHas) {
  ASSERT_TRUE(ingestor_->Start().ok());
  transport_.Emit(MakeEvent(1));
  ASSERT_TRUE(ingestor_->Drain().ok());
  transport_.Log(MakeEvent(2));
  transport_.Log(MakeEvent(3));
  ASSERT_TRUE(ingestor_->Drain().ok());
  EXPECT_THAT(StoredSeqs(), ElementsAreArray(Range(1, 1)));
  ASSERT_TRUE(ingestor_->CatchUp().ok());
  EXPECT_THAT(StoredSeqs(), ElementsAreArray(Range(1, 3)));
  EXPECT_THAT(published_, ElementsAreArray(Range(1, 3)));
  EXPECT_EQ(ingestor_->stats().next_seq, 4u);
  // Nothing new: a no-op.
  ASSERT_TRUE(ingestor_->CatchUp().ok());
  EXPECT_THAT(published_, ElementsAreArray(Range(1, 3)));
}

TEST_F(EventIngestorTest, OverflowRecordIsBackfilledAndLaterRecordsDeduplicated) {
  ASSERT_TRUE(ingestor_->Start().ok());
  transport_.Emit(MakeEvent(1));
  ASSERT_TRUE(ingestor_->Drain().ok());
  for (uint64_t seq = 2; seq <= 9; ++seq) transport_.Log(MakeEvent(seq));
  hbamgr_event overflow{};
  overflow.type = HBAMGR_EVT_TYPE_OVERFLOW;
  overflow.arg0 = 6;
  transport_.Deliver(overflow);
  // The ring kept the newest two.
  transport_.Deliver(MakeEvent(8));
  transport_.Deliver(MakeEvent(9));
  transport_.Emit(MakeEvent(10));
  ASSERT_TRUE(ingestor_->Drain().ok());
  EXPECT_THAT(StoredSeqs(), ElementsAreArray(Range(1, 10)));
  EXPECT_THAT(published_, ElementsAreArray(Range(1, 10)));
  IngestStats stats = ingestor_->stats();
  EXPECT_EQ(stats.gaps, 1u);
  // 10 was logged before the overflow was read, so the backfill has 8..10.
  EXPECT_EQ(stats.duplicates, 3u);
  EXPECT_EQ(stats.lost, 0u);
}

TEST_F(EventIngestorTest, SeqsTheLogNoLongerHoldsAreCountedLost) {
  Store(1, 3);
  transport_.SetLogCapacity(5);
  for (uint64_t seq = 1; seq <= 20; ++seq) transport_.Log(MakeEvent(seq));  // keeps 16..20
  ASSERT_TRUE(ingestor_->Start().ok());
  std::vector<uint64_t> expected = Range(1, 3);
  for (uint64_t seq : Range(16, 20)) expected.push_back(seq);
  EXPECT_THAT(StoredSeqs(), ElementsAreArray(expected));
  EXPECT_EQ(ingestor_->stats().lost, 12u);
  EXPECT_EQ(ingestor_->stats().next_seq, 21u);
}

}  // namespace
}  // namespace hbamgr::adapter
