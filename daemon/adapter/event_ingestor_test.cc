#include "daemon/adapter/event_ingestor.h"

#include <unistd.h>

#include <cstdint>
#include <cstring>
#include <memory>
#include <numeric>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
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

  // Drain() and Sync(), expecting success; returns whether the log must be
  // read.
  bool DrainOk() {
    absl::StatusOr<EventIngestor::Drained> drained = ingestor_->Drain();
    EXPECT_TRUE(drained.ok()) << drained.status();
    SyncOk();
    return drained.ok() && drained->need_log;
  }
  // CatchUp() and Sync(), expecting success; returns whether more is left.
  bool CatchUpOk() {
    absl::StatusOr<bool> more = ingestor_->CatchUp();
    EXPECT_TRUE(more.ok()) << more.status();
    SyncOk();
    return more.ok() && *more;
  }
  // What was read is stored and published.
  void SyncOk() {
    absl::Status synced = ingestor_->Sync();
    EXPECT_TRUE(synced.ok()) << synced;
  }

  std::vector<store::EventRow> StoredRows() {
    SyncOk();
    store::EventQuery query;
    query.adapter = kAdapter;
    auto rows = store_->QueryEvents(query);
    EXPECT_TRUE(rows.ok()) << rows.status();
    return rows.ok() ? *rows : std::vector<store::EventRow>{};
  }

  std::vector<uint64_t> StoredSeqs() {
    SyncOk();
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
  EXPECT_FALSE(DrainOk());
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
  EXPECT_FALSE(DrainOk());
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
  // The ring's records up to the gap are stored; the rest come from the log.
  EXPECT_TRUE(DrainOk());
  EXPECT_THAT(StoredSeqs(), ElementsAreArray(Range(1, 2)));
  EXPECT_FALSE(CatchUpOk());
  EXPECT_THAT(StoredSeqs(), ElementsAreArray(Range(1, 5)));
  EXPECT_THAT(published_, ElementsAreArray(Range(1, 5)));
  IngestStats stats = ingestor_->stats();
  EXPECT_EQ(stats.gaps, 1u);
  EXPECT_EQ(stats.backfilled, 3u);
  EXPECT_EQ(stats.lost, 0u);
  EXPECT_EQ(stats.next_seq, 6u);
}

// After a reset: events the firmware only logged (no SRB was posted) and
// that no later live record points at are read from the log.
TEST_F(EventIngestorTest, CatchUpReadsWhatOnlyTheLogHas) {
  ASSERT_TRUE(ingestor_->Start().ok());
  transport_.Emit(MakeEvent(1));
  EXPECT_FALSE(DrainOk());
  transport_.Log(MakeEvent(2));
  transport_.Log(MakeEvent(3));
  EXPECT_FALSE(DrainOk());
  EXPECT_THAT(StoredSeqs(), ElementsAreArray(Range(1, 1)));
  EXPECT_FALSE(CatchUpOk());
  EXPECT_THAT(StoredSeqs(), ElementsAreArray(Range(1, 3)));
  EXPECT_THAT(published_, ElementsAreArray(Range(1, 3)));
  EXPECT_EQ(ingestor_->stats().next_seq, 4u);
  EXPECT_EQ(ingestor_->stats().log_newest_seq, 3u);
  // Nothing new: one EVTLOG_INFO and no EVTLOG_GET.
  const size_t commands = transport_.started().size();
  EXPECT_FALSE(CatchUpOk());
  EXPECT_THAT(published_, ElementsAreArray(Range(1, 3)));
  ASSERT_EQ(transport_.started().size(), commands + 1);
  EXPECT_EQ(transport_.started().back().opcode, HBAMGR_MGMT_EVTLOG_INFO);
}

TEST_F(EventIngestorTest, OverflowRecordIsBackfilledAndLaterRecordsDeduplicated) {
  ASSERT_TRUE(ingestor_->Start().ok());
  transport_.Emit(MakeEvent(1));
  EXPECT_FALSE(DrainOk());
  for (uint64_t seq = 2; seq <= 9; ++seq) transport_.Log(MakeEvent(seq));
  hbamgr_event overflow{};
  overflow.type = HBAMGR_EVT_TYPE_OVERFLOW;
  overflow.arg0 = 6;
  transport_.Deliver(overflow);
  // The ring kept the newest two.
  transport_.Deliver(MakeEvent(8));
  transport_.Deliver(MakeEvent(9));
  transport_.Emit(MakeEvent(10));
  EXPECT_TRUE(DrainOk());
  EXPECT_FALSE(CatchUpOk());
  EXPECT_THAT(StoredSeqs(), ElementsAreArray(Range(1, 10)));
  EXPECT_THAT(published_, ElementsAreArray(Range(1, 10)));
  // Queued again after the log was read: duplicates.
  transport_.Deliver(MakeEvent(10));
  EXPECT_FALSE(DrainOk());
  IngestStats stats = ingestor_->stats();
  EXPECT_EQ(stats.gaps, 1u);
  EXPECT_EQ(stats.duplicates, 1u);
  EXPECT_EQ(stats.lost, 0u);
}

// Answers EVTLOG_INFO for log 1 holding oldest..newest (a firmware
// answering nonsense).
void AnswerInfo(hbamgr_passthru* pt, uint64_t oldest, uint64_t newest) {
  hbamgr_evtlog_info info{};
  info.oldest_seq = oldest;
  info.newest_seq = newest;
  info.capacity = 1024;
  info.log_id = 1;
  std::memcpy(reinterpret_cast<void*>(pt->data_ptr), &info, sizeof(info));
}

// The one row that stands for seqs first..last.
void ExpectLossRecord(const store::EventRow& row, uint64_t first, uint64_t last) {
  EXPECT_EQ(row.seq, first);
  EXPECT_EQ(row.code, uint32_t{HBAMGR_EVT_HOST_EVENTS_LOST});
  EXPECT_EQ(row.event_class, HBAMGR_EVC_CTRL);
  EXPECT_EQ(row.severity, HBAMGR_SEV_WARNING);
  EXPECT_EQ(row.pd_id, HBAMGR_ID_NONE);
  EXPECT_EQ(uint64_t{row.arg0} | uint64_t{row.arg1} << 32, last - first + 1);
  EXPECT_EQ(row.description,
            absl::StrCat("events ", first, "-", last, " lost: overwritten in the firmware log"));
}

TEST_F(EventIngestorTest, SeqsTheLogNoLongerHoldsAreRecordedLost) {
  Store(1, 3);
  transport_.SetLogCapacity(5);
  for (uint64_t seq = 1; seq <= 20; ++seq) transport_.Log(MakeEvent(seq));  // keeps 16..20
  ASSERT_TRUE(ingestor_->Start().ok());
  std::vector<uint64_t> expected = Range(1, 4);
  for (uint64_t seq : Range(16, 20)) expected.push_back(seq);
  EXPECT_THAT(StoredSeqs(), ElementsAreArray(expected));
  ExpectLossRecord(StoredRows()[3], 4, 15);
  // Subscribers see the loss in order too.
  EXPECT_THAT(published_,
              ElementsAreArray(std::vector<uint64_t>(expected.begin() + 3, expected.end())));
  IngestStats stats = ingestor_->stats();
  EXPECT_EQ(stats.lost, 12u);
  EXPECT_EQ(stats.loss_records, 1u);
  EXPECT_EQ(stats.next_seq, 21u);
}

// The defect of issue 8: a queued record far behind the log (back-to-back
// storms) made the backfill ask for seqs the log no longer held, get only
// newer records, accept none and ask again, forever.  Now the loss is
// recorded and ingestion goes on.
TEST_F(EventIngestorTest, AGapOlderThanTheWholeLogIsRecordedLostAndNeverSpins) {
  for (uint64_t seq = 1; seq <= 3; ++seq) transport_.Emit(MakeEvent(seq));
  ASSERT_TRUE(ingestor_->Start().ok());
  EXPECT_FALSE(DrainOk());  // duplicates of what Start read from the log
  for (uint64_t seq = 4; seq <= 3000; ++seq) transport_.Log(MakeEvent(seq));  // keeps 1977..3000
  transport_.Deliver(MakeEvent(10));                                          // queued long ago
  EXPECT_TRUE(DrainOk());
  EXPECT_FALSE(CatchUpOk());
  std::vector<store::EventRow> rows = StoredRows();
  ASSERT_EQ(rows.size(), 3u + 1u + 1024u);
  ExpectLossRecord(rows[3], 4, 1976);
  EXPECT_EQ(rows[4].seq, 1977u);
  EXPECT_EQ(rows.back().seq, 3000u);
  IngestStats stats = ingestor_->stats();
  EXPECT_EQ(stats.lost, 1973u);
  EXPECT_EQ(stats.next_seq, 3001u);
  // Every stored seq plus every lost one is each firmware seq exactly once.
  EXPECT_EQ(stats.stored + stats.lost - stats.loss_records, 3000u);
}

// A storm that overwrites the log while it is being read: the fetch returns
// only records newer than asked, and what it skipped is recorded lost.
TEST_F(EventIngestorTest, RecordsOverwrittenBetweenInfoAndFetchAreRecordedLost) {
  ASSERT_TRUE(ingestor_->Start().ok());
  transport_.SetLogCapacity(100);
  for (uint64_t seq = 1; seq <= 50; ++seq) transport_.Log(MakeEvent(seq));
  bool stormed = false;
  transport_.SetEvtlogHandler([&](hbamgr_passthru* pt) {
    if (pt->opcode == HBAMGR_MGMT_EVTLOG_GET && !stormed) {
      stormed = true;  // EVTLOG_INFO saw 1..50; now 200 more arrive
      for (uint64_t seq = 51; seq <= 250; ++seq) transport_.Log(MakeEvent(seq));
    }
    transport_.AnswerFromLog(pt);
  });
  ASSERT_TRUE(ingestor_->Start().ok());
  ASSERT_TRUE(stormed);
  std::vector<store::EventRow> rows = StoredRows();
  ASSERT_EQ(rows.size(), 1u + 100u);
  ExpectLossRecord(rows[0], 1, 150);
  EXPECT_EQ(rows[1].seq, 151u);
  EXPECT_EQ(rows.back().seq, 250u);
}

// A firmware that answers an empty EVTLOG_GET for seqs its EVTLOG_INFO said
// it held: asked again, the log has moved on past them, so they are lost.
TEST_F(EventIngestorTest, AnEmptyAnswerForHeldSeqsIsCheckedAgainstTheLog) {
  ASSERT_TRUE(ingestor_->Start().ok());
  transport_.Emit(MakeEvent(1));
  EXPECT_FALSE(DrainOk());
  int infos = 0;
  transport_.SetEvtlogHandler([&](hbamgr_passthru* pt) {
    if (pt->opcode == HBAMGR_MGMT_EVTLOG_INFO) {
      return ++infos == 1 ? AnswerInfo(pt, 1, 50) : AnswerInfo(pt, 60, 80);
    }
    hbamgr_mbox_evtlog mbox;
    std::memcpy(&mbox, pt->cdb, sizeof(mbox));
    pt->result = 0;
    if (mbox.start_seq < 60) return;
    auto* out = reinterpret_cast<hbamgr_event*>(pt->data_ptr);
    for (uint64_t seq = mbox.start_seq; seq <= 80; ++seq) out[pt->result++] = MakeEvent(seq);
  });
  EXPECT_FALSE(CatchUpOk());
  std::vector<store::EventRow> rows = StoredRows();
  ASSERT_EQ(rows.size(), 1u + 1u + 21u);
  ExpectLossRecord(rows[1], 2, 59);
  EXPECT_EQ(rows.back().seq, 80u);
}

// An answer with holes (a firmware that skipped seqs): each is recorded lost
// in order, one per fetch (the room a fetch asks the committer for), and the
// records between them are stored once.
TEST_F(EventIngestorTest, HolesInsideOneAnswerAreRecordedLostOneFetchEach) {
  ASSERT_TRUE(ingestor_->Start().ok());
  transport_.Emit(MakeEvent(1));
  EXPECT_FALSE(DrainOk());
  const std::vector<uint64_t> held = {2, 3, 6, 7, 10, 11};
  transport_.SetEvtlogHandler([&](hbamgr_passthru* pt) {
    if (pt->opcode == HBAMGR_MGMT_EVTLOG_INFO) return AnswerInfo(pt, 2, 11);
    hbamgr_mbox_evtlog mbox;
    std::memcpy(&mbox, pt->cdb, sizeof(mbox));
    auto* out = reinterpret_cast<hbamgr_event*>(pt->data_ptr);
    pt->result = 0;
    for (uint64_t seq : held) {
      if (seq >= mbox.start_seq) out[pt->result++] = MakeEvent(seq);
    }
  });
  const size_t commands = transport_.started().size();
  EXPECT_FALSE(CatchUpOk());
  EXPECT_EQ(transport_.started().size(), commands + 1 + 3);  // INFO + a GET per hole and the last
  std::vector<store::EventRow> rows = StoredRows();
  ASSERT_EQ(rows.size(), 1u + 2u + 1u + 2u + 1u + 2u);
  EXPECT_THAT(StoredSeqs(), ElementsAreArray(std::vector<uint64_t>{1, 2, 3, 4, 6, 7, 8, 10, 11}));
  ExpectLossRecord(rows[3], 4, 5);
  ExpectLossRecord(rows[6], 8, 9);
  EXPECT_EQ(ingestor_->stats().lost, 4u);
  EXPECT_EQ(ingestor_->stats().next_seq, 12u);
}

// A firmware that answers nonsense ends the call with an error; it never
// makes the ingestor loop.
TEST_F(EventIngestorTest, ALogThatReturnsOnlyOlderRecordsIsAnErrorNotALoop) {
  ASSERT_TRUE(ingestor_->Start().ok());
  transport_.Emit(MakeEvent(1));
  EXPECT_FALSE(DrainOk());
  transport_.SetEvtlogHandler([](hbamgr_passthru* pt) {
    if (pt->opcode == HBAMGR_MGMT_EVTLOG_INFO) return AnswerInfo(pt, 1, 500);
    // Always seq 1, whatever was asked.
    auto* out = reinterpret_cast<hbamgr_event*>(pt->data_ptr);
    out[0] = MakeEvent(1);
    pt->result = 1;
  });
  for (int call = 0; call < 3; ++call) {
    const size_t commands = transport_.started().size();
    absl::StatusOr<bool> more = ingestor_->CatchUp();
    EXPECT_EQ(more.status().code(), absl::StatusCode::kDataLoss) << more.status();
    EXPECT_EQ(transport_.started().size(), commands + 2);  // INFO + one GET
  }
  EXPECT_THAT(StoredSeqs(), ElementsAreArray(Range(1, 1)));
}

TEST_F(EventIngestorTest, ALogThatHoldsWhatItDoesNotReturnIsAnErrorNotALoop) {
  ASSERT_TRUE(ingestor_->Start().ok());
  transport_.SetEvtlogHandler([](hbamgr_passthru* pt) {
    if (pt->opcode == HBAMGR_MGMT_EVTLOG_INFO) return AnswerInfo(pt, 1, 500);
    pt->result = 0;
  });
  const size_t commands = transport_.started().size();
  absl::StatusOr<bool> more = ingestor_->CatchUp();
  EXPECT_EQ(more.status().code(), absl::StatusCode::kDataLoss) << more.status();
  EXPECT_LE(transport_.started().size(), commands + 3);
  EXPECT_THAT(StoredSeqs(), ElementsAreArray(std::vector<uint64_t>{}));
}

TEST_F(EventIngestorTest, RecordsOutOfOrderInOneAnswerAreAnError) {
  ASSERT_TRUE(ingestor_->Start().ok());
  transport_.SetEvtlogHandler([](hbamgr_passthru* pt) {
    if (pt->opcode == HBAMGR_MGMT_EVTLOG_INFO) return AnswerInfo(pt, 1, 3);
    auto* out = reinterpret_cast<hbamgr_event*>(pt->data_ptr);
    out[0] = MakeEvent(2);
    out[1] = MakeEvent(1);
    pt->result = 2;
  });
  EXPECT_EQ(ingestor_->CatchUp().status().code(), absl::StatusCode::kDataLoss);
  EXPECT_TRUE(StoredSeqs().empty());
}

// A log that keeps growing faster than it is read: each call is bounded and
// says more is left.
TEST_F(EventIngestorTest, EachCallFetchesABoundedNumberOfBatches) {
  ASSERT_TRUE(ingestor_->Start().ok());
  transport_.SetLogCapacity(100000);
  const uint64_t total = EventIngestor::kBackfillBatch * (EventIngestor::kMaxFetchesPerCall + 4);
  for (uint64_t seq = 1; seq <= total; ++seq) transport_.Log(MakeEvent(seq));
  const size_t commands = transport_.started().size();
  EXPECT_TRUE(CatchUpOk());
  // Fewer when the store did not keep up (it has kRoomWait per batch).
  EXPECT_LE(transport_.started().size(), commands + 1 + EventIngestor::kMaxFetchesPerCall);
  EXPECT_LE(ingestor_->stats().next_seq,
            EventIngestor::kBackfillBatch * EventIngestor::kMaxFetchesPerCall + 1);
  for (int call = 0; call < 100 && CatchUpOk(); ++call) {
  }
  EXPECT_THAT(StoredSeqs(), ElementsAreArray(Range(1, total)));
}

// While the store cannot write, nothing is fetched or kept in memory: the
// log is only asked for its newest seq, queued records are left to it.
// Once the store takes writes again, everything the log holds is stored.
TEST_F(EventIngestorTest, WhileTheStoreCannotWriteEventsWaitInTheLog) {
  // A store that fills up like a full disk.
  store_.reset();
  unlink(path_.c_str());
  auto small = store::Store::Open(path_, {.min_free_bytes = 0, .max_bytes = 256 * 1024});
  ASSERT_TRUE(small.ok()) << small.status();
  store_ = std::move(*small);
  RestartIngestor();
  ASSERT_TRUE(ingestor_->Start().ok());
  std::vector<store::EventRow> filler;
  for (uint64_t seq = 1; seq <= 20000; ++seq) {
    filler.push_back(store::EventRow::FromUapi(9, MakeEvent(seq)));  // another adapter
  }
  for (size_t at = 0; at < filler.size() && store_->WriteFault().ok(); at += 200) {
    (void)store_->AddEvents(std::span(filler).subspan(at, 200));
  }
  ASSERT_FALSE(store_->WriteFault().ok()) << "the store did not fill up";

  for (uint64_t seq = 1; seq <= 30; ++seq) transport_.Emit(MakeEvent(seq));
  absl::StatusOr<EventIngestor::Drained> drained = ingestor_->Drain();
  ASSERT_TRUE(drained.ok()) << drained.status();
  EXPECT_EQ(drained->records, 30u);
  EXPECT_TRUE(drained->need_log);
  const size_t commands = transport_.started().size();
  EXPECT_EQ(ingestor_->CatchUp().status().code(), absl::StatusCode::kUnavailable);
  ASSERT_EQ(transport_.started().size(), commands + 1);  // EVTLOG_INFO only
  EXPECT_EQ(transport_.started().back().opcode, HBAMGR_MGMT_EVTLOG_INFO);
  EXPECT_EQ(ingestor_->stats().log_newest_seq, 30u);
  EXPECT_EQ(ingestor_->stats().next_seq, 1u);
  EXPECT_TRUE(StoredSeqs().empty());

  // Room again.
  ASSERT_TRUE(store_
                  ->ApplyRetention({.event_max_age = absl::Nanoseconds(1), .batch = 1000},
                                   absl::FromUnixSeconds(100000))
                  .ok());
  ASSERT_TRUE(store_->WriteFault().ok());
  EXPECT_FALSE(CatchUpOk());
  EXPECT_THAT(StoredSeqs(), ElementsAreArray(Range(1, 30)));
  EXPECT_EQ(ingestor_->stats().lost, 0u);
}

TEST_F(EventIngestorTest, StopEndsTheNextCall) {
  ASSERT_TRUE(ingestor_->Start().ok());
  transport_.Log(MakeEvent(1));
  ingestor_->RequestStop();
  EXPECT_EQ(ingestor_->CatchUp().status().code(), absl::StatusCode::kCancelled);
  transport_.Deliver(MakeEvent(1));
  EXPECT_EQ(ingestor_->Drain().status().code(), absl::StatusCode::kCancelled);
  EXPECT_EQ(ingestor_->Sync().code(), absl::StatusCode::kCancelled);
  EXPECT_EQ(store_->LastEventSeq(kAdapter).value_or(1), 0u);
}

// A new log appearing while the daemon runs (the firmware replaced its log):
// its records are stored after everything stored, from its seq 1, with what
// it no longer holds recorded lost.
TEST_F(EventIngestorTest, ANewLogWhileRunningIsStoredAfterTheOldOne) {
  for (uint64_t seq = 1; seq <= 5; ++seq) transport_.Log(MakeEvent(seq));
  ASSERT_TRUE(ingestor_->Start().ok());
  transport_.NewLog(7);
  transport_.SetLogCapacity(3);
  for (uint64_t seq = 1; seq <= 4; ++seq) transport_.Log(MakeEvent(seq));  // keeps 2..4
  EXPECT_FALSE(CatchUpOk());
  EXPECT_EQ(ingestor_->stats().log_id, 7u);
  EXPECT_EQ(ingestor_->stats().seq_base, 5u);
  std::vector<store::EventRow> rows = StoredRows();
  ASSERT_EQ(rows.size(), 5u + 1u + 3u);
  EXPECT_EQ(rows[5].seq, 6u);
  EXPECT_EQ(rows[5].code, uint32_t{HBAMGR_EVT_HOST_EVENTS_LOST});
  EXPECT_EQ(rows[5].arg0, 1u);
  EXPECT_EQ(rows[6].seq, 7u);
  EXPECT_EQ(rows[6].arg0, 2u);  // firmware seq 2 of the new log
  EXPECT_EQ(rows.back().seq, 9u);
}

// A store that stalls (a WAL fsync of 300 ms was seen; the firmware log is
// 20 ms of a 50k/s storm) must not stop the reading: records go on being
// read while it stalls, up to kMaxUnstoredEvents and no further, and are
// stored and published in order once it moves again.  Before the committer
// had a thread of its own, Drain() stayed in the stalled commit.
TEST_F(EventIngestorTest, AStalledStoreDoesNotStopReadingUntilTheBound) {
  // The writer calls the checkpoint hook inside each commit (write lock
  // held): while `stalled`, the commit waits there.
  store_.reset();
  unlink(path_.c_str());
  auto stallable = store::Store::Open(path_, {.wal_checkpoint_bytes = 1});
  ASSERT_TRUE(stallable.ok()) << stallable.status();
  store_ = std::move(*stallable);
  RestartIngestor();
  ASSERT_TRUE(ingestor_->Start().ok());
  absl::Mutex stall_mu;
  bool stalled = true;
  absl::Notification entered;
  store_->SetCheckpointDue([&] {
    absl::MutexLock lock(&stall_mu);
    if (!stalled) return;
    if (!entered.HasBeenNotified()) entered.Notify();
    stall_mu.Await(absl::Condition(
        +[](bool* s) { return !*s; }, &stalled));
  });
  auto unstall = [&] {
    absl::MutexLock lock(&stall_mu);
    stalled = false;
  };

  constexpr uint64_t kBound = EventIngestor::kMaxUnstoredEvents;
  const uint64_t total = kBound + 2000;
  transport_.SetLogCapacity(total);  // so the log loses nothing meanwhile
  for (uint64_t seq = 1; seq <= total; ++seq) transport_.Emit(MakeEvent(seq));
  // Drain() until it reads nothing more (each call takes kMaxDrainRecords
  // at most).
  absl::Notification drained;
  absl::Status read_status;
  size_t read = 0;
  bool need_log = false;
  std::thread reader([&] {
    for (int call = 0; call < 10; ++call) {
      absl::StatusOr<EventIngestor::Drained> d = ingestor_->Drain();
      if (!d.ok()) {
        read_status = d.status();
        break;
      }
      read += d->records;
      need_log = d->need_log;
      if (d->records == 0) break;
    }
    drained.Notify();
  });
  // Generous: the reading itself takes milliseconds.
  const bool returned = drained.WaitForNotificationWithTimeout(absl::Seconds(30));
  EXPECT_TRUE(returned) << "Drain() did not return while the store was stalled";
  if (returned) {
    ASSERT_TRUE(read_status.ok()) << read_status;
    // (The first commit may still be on its way to the stall.)
    EXPECT_TRUE(entered.WaitForNotificationWithTimeout(absl::Seconds(30))) << "no commit stalled";
    // Read on, while the store stalled, to within one ring read of the bound.
    EXPECT_LE(read, kBound);
    EXPECT_GE(read + 64, kBound);
    EXPECT_TRUE(need_log);
    IngestStats stats = ingestor_->stats();
    EXPECT_EQ(stats.unstored, read);
    EXPECT_EQ(stats.stored, 0u);
    // Still stalled: neither the ring nor the log is read beyond the bound.
    absl::StatusOr<EventIngestor::Drained> again = ingestor_->Drain();
    ASSERT_TRUE(again.ok()) << again.status();
    EXPECT_EQ(again->records, 0u);
    EXPECT_TRUE(again->need_log);
    absl::StatusOr<bool> more = ingestor_->CatchUp();
    ASSERT_TRUE(more.ok()) << more.status();
    EXPECT_TRUE(*more);
    EXPECT_LE(ingestor_->stats().unstored, kBound);
  }
  unstall();
  reader.join();

  for (int call = 0; call < 20 && CatchUpOk(); ++call) {
  }
  EXPECT_THAT(StoredSeqs(), ElementsAreArray(Range(1, total)));
  EXPECT_THAT(published_, ElementsAreArray(Range(1, total)));
  IngestStats stats = ingestor_->stats();
  EXPECT_EQ(stats.lost, 0u);
  EXPECT_EQ(stats.unstored, 0u);
  EXPECT_EQ(stats.next_seq, total + 1);
}

}  // namespace
}  // namespace hbamgr::adapter
