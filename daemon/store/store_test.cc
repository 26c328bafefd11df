#include "daemon/store/store.h"

#include <linux/hbamgr.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <atomic>
#include <vector>

#include "absl/cleanup/cleanup.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace hbamgr::store {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "hbamgr-store-XXXXXX").string();
    path_ = mkdtemp(tmpl.data());
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  std::string File(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

EventRow Event(uint32_t adapter, uint64_t seq, uint64_t ts, uint8_t severity = HBAMGR_SEV_INFO,
               uint8_t event_class = HBAMGR_EVC_PD, uint32_t code = HBAMGR_EVT_PD_INSERTED) {
  EventRow r;
  r.adapter = adapter;
  r.seq = seq;
  r.timestamp_ns = ts;
  r.type = HBAMGR_EVT_TYPE_RECORD;
  r.event_class = event_class;
  r.severity = severity;
  r.code = code;
  r.encl_id = 1;
  r.slot = static_cast<uint16_t>(seq % 8);
  r.pd_id = 7;
  r.vd_id = HBAMGR_ID_NONE;
  r.arg0 = 100 + static_cast<uint32_t>(seq);
  r.arg1 = 200;
  r.description = "event " + std::to_string(seq);
  return r;
}

std::vector<uint64_t> Seqs(const std::vector<EventRow>& rows) {
  std::vector<uint64_t> out;
  for (const EventRow& r : rows) out.push_back(r.seq);
  return out;
}

class StoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<std::unique_ptr<Store>> s = Store::Open(dir_.File("hbamgrd.db"));
    ASSERT_TRUE(s.ok()) << s.status();
    store_ = std::move(*s);
  }

  TempDir dir_;
  std::unique_ptr<Store> store_;
};

TEST(EventRowTest, FromUapiCopiesEveryField) {
  hbamgr_event ev{};
  ev.seq = 42;
  ev.timestamp_ns = 1234567890123;
  ev.type = HBAMGR_EVT_TYPE_RECORD;
  ev.event_class = HBAMGR_EVC_VD;
  ev.severity = HBAMGR_SEV_CRITICAL;
  ev.code = HBAMGR_EVT_VD_STATE_CHANGE;
  ev.encl_id = 2;
  ev.slot = 3;
  ev.pd_id = 4;
  ev.vd_id = 5;
  ev.arg0 = 6;
  ev.arg1 = 7;
  strcpy(ev.description, "VD 5 degraded");
  EventRow r = EventRow::FromUapi(9, ev);
  EXPECT_EQ(r.adapter, 9u);
  EXPECT_EQ(r.seq, 42u);
  EXPECT_EQ(r.timestamp_ns, 1234567890123u);
  EXPECT_EQ(r.type, HBAMGR_EVT_TYPE_RECORD);
  EXPECT_EQ(r.event_class, HBAMGR_EVC_VD);
  EXPECT_EQ(r.severity, HBAMGR_SEV_CRITICAL);
  EXPECT_EQ(r.code, static_cast<uint32_t>(HBAMGR_EVT_VD_STATE_CHANGE));
  EXPECT_EQ(r.encl_id, 2);
  EXPECT_EQ(r.slot, 3);
  EXPECT_EQ(r.pd_id, 4);
  EXPECT_EQ(r.vd_id, 5);
  EXPECT_EQ(r.arg0, 6u);
  EXPECT_EQ(r.arg1, 7u);
  EXPECT_EQ(r.description, "VD 5 degraded");
}

TEST(EventRowTest, FromUapiStopsAtDescriptionEndWithoutNul) {
  hbamgr_event ev{};
  memset(ev.description, 'x', sizeof(ev.description));
  EXPECT_EQ(EventRow::FromUapi(0, ev).description, std::string(sizeof(ev.description), 'x'));
}

TEST_F(StoreTest, AddEventsRoundTripsEveryField) {
  std::vector<EventRow> rows = {Event(0, 1, 1000), Event(0, 2, 2000, HBAMGR_SEV_FATAL)};
  rows[1].description = "it's \"quoted\"; DROP TABLE events";
  absl::StatusOr<size_t> added = store_->AddEvents(rows);
  ASSERT_TRUE(added.ok()) << added.status();
  EXPECT_EQ(*added, 2u);
  absl::StatusOr<std::vector<EventRow>> got = store_->QueryEvents({});
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(*got, rows);
}

TEST_F(StoreTest, AddingStoredSeqIsANoOp) {
  ASSERT_TRUE(store_->AddEvents(std::vector{Event(0, 1, 10), Event(0, 2, 20)}).ok());
  // A backfill overlapping what is stored; the stored row wins.
  EventRow changed = Event(0, 2, 20);
  changed.description = "replayed";
  absl::StatusOr<size_t> added = store_->AddEvents(std::vector{changed, Event(0, 3, 30)});
  ASSERT_TRUE(added.ok()) << added.status();
  EXPECT_EQ(*added, 1u);
  absl::StatusOr<std::vector<EventRow>> got = store_->QueryEvents({.adapter = 0});
  ASSERT_TRUE(got.ok());
  EXPECT_THAT(Seqs(*got), ElementsAre(1, 2, 3));
  EXPECT_EQ((*got)[1].description, "event 2");
}

TEST_F(StoreTest, SameSeqOnAnotherAdapterIsStored) {
  ASSERT_TRUE(store_->AddEvents(std::vector{Event(0, 1, 10), Event(1, 1, 10)}).ok());
  EXPECT_EQ(store_->QueryEvents({})->size(), 2u);
}

TEST_F(StoreTest, LastEventSeqIsPerAdapter) {
  EXPECT_EQ(*store_->LastEventSeq(0), 0u);
  ASSERT_TRUE(store_->AddEvents(std::vector{Event(0, 5, 10), Event(0, 3, 5), Event(1, 9, 1)}).ok());
  EXPECT_EQ(*store_->LastEventSeq(0), 5u);
  EXPECT_EQ(*store_->LastEventSeq(1), 9u);
  EXPECT_EQ(*store_->LastEventSeq(2), 0u);
}

TEST_F(StoreTest, EventLogsArePerAdapterAndTheLastRecordedIsCurrent) {
  EXPECT_EQ(*store_->FindEventLog(0, std::nullopt), std::nullopt);
  // Ids use all 64 bits (SQLite stores them as signed integers).
  const uint64_t big_id = 0xfedcba9876543210ull;
  ASSERT_TRUE(store_->AddEventLog(0, EventLog{.log_id = big_id, .seq_base = 0}).ok());
  ASSERT_TRUE(store_->AddEventLog(0, EventLog{.log_id = 7, .seq_base = 40}).ok());
  ASSERT_TRUE(store_->AddEventLog(1, EventLog{.log_id = 7, .seq_base = 3}).ok());
  EXPECT_EQ(*store_->FindEventLog(0, big_id), (EventLog{.log_id = big_id, .seq_base = 0}));
  EXPECT_EQ(*store_->FindEventLog(0, 7), (EventLog{.log_id = 7, .seq_base = 40}));
  EXPECT_EQ(*store_->FindEventLog(0, std::nullopt), (EventLog{.log_id = 7, .seq_base = 40}));
  EXPECT_EQ(*store_->FindEventLog(1, std::nullopt), (EventLog{.log_id = 7, .seq_base = 3}));
  EXPECT_EQ(*store_->FindEventLog(1, big_id), std::nullopt);
  EXPECT_EQ(store_->AddEventLog(0, EventLog{.log_id = 7, .seq_base = 99}).code(),
            absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(store_->FindEventLog(0, 7)->value().seq_base, 40u);
}

class EventQueryTest : public StoreTest {
 protected:
  void SetUp() override {
    StoreTest::SetUp();
    ASSERT_TRUE(
        store_
            ->AddEvents(std::vector{
                Event(0, 1, 100, HBAMGR_SEV_INFO, HBAMGR_EVC_PD, HBAMGR_EVT_PD_INSERTED),
                Event(0, 2, 200, HBAMGR_SEV_WARNING, HBAMGR_EVC_PD, HBAMGR_EVT_PD_TEMPERATURE),
                Event(0, 3, 300, HBAMGR_SEV_CRITICAL, HBAMGR_EVC_VD, HBAMGR_EVT_VD_STATE_CHANGE),
                Event(0, 4, 400, HBAMGR_SEV_FATAL, HBAMGR_EVC_CTRL, HBAMGR_EVT_CTRL_FW_FAULT),
                Event(1, 1, 150, HBAMGR_SEV_WARNING, HBAMGR_EVC_PD, HBAMGR_EVT_PD_TEMPERATURE),
                Event(1, 2, 350, HBAMGR_SEV_INFO, HBAMGR_EVC_BGOP, HBAMGR_EVT_BGOP_STARTED),
            })
            .ok());
  }

  std::vector<std::pair<uint32_t, uint64_t>> Query(const EventQuery& q) {
    absl::StatusOr<std::vector<EventRow>> rows = store_->QueryEvents(q);
    EXPECT_TRUE(rows.ok()) << rows.status();
    std::vector<std::pair<uint32_t, uint64_t>> out;
    for (const EventRow& r : rows.value_or(std::vector<EventRow>{})) {
      out.emplace_back(r.adapter, r.seq);
    }
    return out;
  }
  static std::pair<uint32_t, uint64_t> P(uint32_t a, uint64_t s) { return {a, s}; }
};

TEST_F(EventQueryTest, NoFilterOrdersByTimeAcrossAdapters) {
  EXPECT_THAT(Query({}), ElementsAre(P(0, 1), P(1, 1), P(0, 2), P(0, 3), P(1, 2), P(0, 4)));
}

TEST_F(EventQueryTest, Adapter) {
  EXPECT_THAT(Query({.adapter = 1}), ElementsAre(P(1, 1), P(1, 2)));
}

TEST_F(EventQueryTest, MinSeverity) {
  EXPECT_THAT(Query({.min_severity = HBAMGR_SEV_CRITICAL}), ElementsAre(P(0, 3), P(0, 4)));
}

TEST_F(EventQueryTest, EventClass) {
  EXPECT_THAT(Query({.event_class = HBAMGR_EVC_PD}), ElementsAre(P(0, 1), P(1, 1), P(0, 2)));
}

TEST_F(EventQueryTest, Code) {
  EXPECT_THAT(Query({.code = HBAMGR_EVT_PD_TEMPERATURE}), ElementsAre(P(1, 1), P(0, 2)));
}

TEST_F(EventQueryTest, SeqRange) {
  EXPECT_THAT(Query({.adapter = 0, .min_seq = 2, .max_seq = 3}), ElementsAre(P(0, 2), P(0, 3)));
}

TEST_F(EventQueryTest, Since) {
  EXPECT_THAT(Query({.since_ns = 350}), ElementsAre(P(1, 2), P(0, 4)));
}

// The API's 64-bit filters are unsigned; SQLite stores signed integers, so
// no stored value is above INT64_MAX.  A lower bound above it matches
// nothing, an upper bound above it bounds nothing: never a wrap to negative.
TEST_F(EventQueryTest, UnsignedBoundsBeyondInt64) {
  constexpr uint64_t kAboveSigned = uint64_t{1} << 63;
  constexpr uint64_t kMax = ~uint64_t{0};
  EXPECT_THAT(Query({.adapter = 0, .min_seq = kAboveSigned}), IsEmpty());
  EXPECT_THAT(Query({.adapter = 0, .min_seq = kMax}), IsEmpty());
  EXPECT_THAT(Query({.since_ns = kAboveSigned}), IsEmpty());
  EXPECT_THAT(Query({.adapter = 0, .max_seq = kMax}),
              ElementsAre(P(0, 1), P(0, 2), P(0, 3), P(0, 4)));
  EXPECT_THAT(Query({.adapter = 0, .min_seq = 3, .max_seq = kAboveSigned}),
              ElementsAre(P(0, 3), P(0, 4)));
  EXPECT_THAT(Query({.adapter = 0, .max_seq = uint64_t{INT64_MAX}}), testing::SizeIs(4));
}

TEST_F(EventQueryTest, LimitKeepsTheFirstRows) {
  EXPECT_THAT(Query({.adapter = 0, .limit = 2}), ElementsAre(P(0, 1), P(0, 2)));
}

TEST_F(EventQueryTest, NewestFirstWithLimitGivesTheLatest) {
  EXPECT_THAT(Query({.adapter = 0, .limit = 2, .newest_first = true}),
              ElementsAre(P(0, 4), P(0, 3)));
  EXPECT_THAT(Query({.limit = 1, .newest_first = true}), ElementsAre(P(0, 4)));
}

TEST_F(EventQueryTest, FiltersCombine) {
  EXPECT_THAT(Query({.adapter = 0, .min_severity = HBAMGR_SEV_WARNING, .since_ns = 250}),
              ElementsAre(P(0, 3), P(0, 4)));
  EXPECT_THAT(Query({.adapter = 1, .code = HBAMGR_EVT_CTRL_FW_FAULT}), IsEmpty());
}

// The object filters (Event() puts every row on enclosure 1, pd 7, slot
// seq % 8, no VD).
TEST_F(EventQueryTest, ObjectFilters) {
  EXPECT_THAT(Query({.adapter = 0, .encl_id = 1}), ElementsAre(P(0, 1), P(0, 2), P(0, 3), P(0, 4)));
  EXPECT_THAT(Query({.adapter = 0, .encl_id = 1, .slot = 3}), ElementsAre(P(0, 3)));
  EXPECT_THAT(Query({.adapter = 0, .encl_id = 2}), IsEmpty());
  EXPECT_THAT(Query({.adapter = 1, .pd_id = 7}), ElementsAre(P(1, 1), P(1, 2)));
  EXPECT_THAT(Query({.adapter = 1, .vd_id = HBAMGR_ID_NONE}), ElementsAre(P(1, 1), P(1, 2)));
  EXPECT_THAT(Query({.adapter = 1, .vd_id = 0}), IsEmpty());
}

// Severities are levels: each minimum keeps that level and the ones above.
TEST_F(EventQueryTest, EveryMinimumSeverity) {
  EXPECT_EQ(Query({.min_severity = HBAMGR_SEV_INFO}).size(), 6u);
  EXPECT_EQ(Query({.min_severity = HBAMGR_SEV_WARNING}).size(), 4u);
  EXPECT_EQ(Query({.min_severity = HBAMGR_SEV_CRITICAL}).size(), 2u);
  EXPECT_THAT(Query({.adapter = 0, .min_severity = HBAMGR_SEV_FATAL}), ElementsAre(P(0, 4)));
  EXPECT_THAT(Query({.min_severity = HBAMGR_SEV_FATAL + 1}), IsEmpty());
}

AuditRow Audit(int64_t t, std::string peer, std::string method) {
  return AuditRow{.time_ns = t,
                  .peer = std::move(peer),
                  .method = std::move(method),
                  .target = "/c0/v1",
                  .arguments = "r1 drives=0:1-2",
                  .result_code = 7,
                  .result_message = "uid 1000 is not in group 'hbamgr'",
                  .duration_us = 1500};
}

TEST_F(StoreTest, AuditRoundTripAndFilters) {
  std::vector<AuditRow> rows = {Audit(10, "uid:0", "/hbamgr.v1.Hba/CreateVd"),
                                Audit(20, "uid:1000", "/hbamgr.v1.Hba/CreateVd"),
                                Audit(30, "cert:CN=ops", "/hbamgr.v1.Hba/Restart")};
  for (AuditRow& r : rows) {
    absl::StatusOr<int64_t> id = store_->AddAudit(r);
    ASSERT_TRUE(id.ok()) << id.status();
    r.id = *id;
  }
  EXPECT_EQ(*store_->QueryAudit({}), rows);
  EXPECT_THAT(*store_->QueryAudit({.since_ns = 20}), ElementsAre(rows[1], rows[2]));
  EXPECT_THAT(*store_->QueryAudit({.peer = "uid:1000"}), ElementsAre(rows[1]));
  EXPECT_THAT(*store_->QueryAudit({.method = "/hbamgr.v1.Hba/CreateVd"}),
              ElementsAre(rows[0], rows[1]));
  EXPECT_THAT(*store_->QueryAudit({.limit = 2, .newest_first = true}),
              ElementsAre(rows[2], rows[1]));
  EXPECT_THAT(*store_->QueryAudit({.since_ns = ~uint64_t{0}}), IsEmpty());
}

TEST_F(StoreTest, HealthRoundTripAndFilters) {
  std::vector<HealthRow> rows = {
      {.time_ns = 10, .adapter = 0, .state = "SERVING", .reason = "init done"},
      {.time_ns = 20, .adapter = 1, .state = "SERVING", .reason = "init done"},
      {.time_ns = 30, .adapter = 0, .state = "RESETTING", .reason = "firmware fault 0x1"}};
  for (HealthRow& r : rows) {
    absl::StatusOr<int64_t> id = store_->AddHealth(r);
    ASSERT_TRUE(id.ok()) << id.status();
    r.id = *id;
  }
  EXPECT_EQ(*store_->QueryHealth({}), rows);
  EXPECT_THAT(*store_->QueryHealth({.adapter = 0}), ElementsAre(rows[0], rows[2]));
  EXPECT_THAT(*store_->QueryHealth({.since_ns = 15}), ElementsAre(rows[1], rows[2]));
  EXPECT_THAT(*store_->QueryHealth({.adapter = 0, .limit = 1, .newest_first = true}),
              ElementsAre(rows[2]));
  EXPECT_THAT(*store_->QueryHealth({.since_ns = uint64_t{1} << 63}), IsEmpty());
}

// The database holds the audit trail: it and its WAL and SHM files are
// owner-only whatever the umask, and files left looser are tightened.
TEST(StoreFileModeTest, DatabaseFilesAreOwnerOnlyWhateverTheUmask) {
  TempDir dir;
  const std::string path = dir.File("modes.db");
  auto mode = [](const std::string& file) {
    struct stat st {};
    EXPECT_EQ(stat(file.c_str(), &st), 0) << file;
    return st.st_mode & 07777;
  };
  const mode_t old_umask = umask(0);
  {
    absl::StatusOr<std::unique_ptr<Store>> store = Store::Open(path);
    ASSERT_TRUE(store.ok()) << store.status();
    ASSERT_TRUE((*store)->AddHealth({.time_ns = 1, .state = "SERVING"}).ok());
    for (const char* suffix : {"", "-wal", "-shm"}) {
      EXPECT_EQ(mode(path + suffix), 0600u) << suffix;
    }
  }
  for (const char* suffix : {"", "-wal", "-shm"}) {
    std::string file = path + suffix;
    if (std::filesystem::exists(file)) {
      ASSERT_EQ(chmod(file.c_str(), 0644), 0);
    }
  }
  {
    absl::StatusOr<std::unique_ptr<Store>> store = Store::Open(path);
    ASSERT_TRUE(store.ok()) << store.status();
    ASSERT_TRUE((*store)->AddHealth({.time_ns = 2, .state = "SERVING"}).ok());
    for (const char* suffix : {"", "-wal", "-shm"}) {
      EXPECT_EQ(mode(path + suffix), 0600u) << suffix;
    }
  }
  umask(old_umask);
}

// A run that did not close the database (a crash, or a connection still
// open) leaves its -wal and -shm files behind, created with the mode the
// database had then: Store::Open tightens those too, not only the database.
TEST(StoreFileModeTest, WalAndShmLeftLooserByAnEarlierRunAreTightened) {
  TempDir dir;
  const std::string path = dir.File("leftover.db");
  const mode_t old_umask = umask(0);
  absl::Cleanup restore_umask = [old_umask] { umask(old_umask); };
  ASSERT_TRUE(Store::Open(path).ok());
  ASSERT_EQ(chmod(path.c_str(), 0644), 0);
  // The earlier run's connection, still open: WAL mode keeps both files.
  sqlite3* earlier = nullptr;
  ASSERT_EQ(sqlite3_open_v2(path.c_str(), &earlier, SQLITE_OPEN_READWRITE, nullptr), SQLITE_OK);
  absl::Cleanup close_earlier = [earlier] { sqlite3_close(earlier); };
  ASSERT_EQ(sqlite3_exec(earlier, "PRAGMA journal_mode=WAL; CREATE TABLE leftover(x);", nullptr,
                         nullptr, nullptr),
            SQLITE_OK);
  auto mode = [](const std::string& file) {
    struct stat st {};
    EXPECT_EQ(stat(file.c_str(), &st), 0) << file;
    return st.st_mode & 07777;
  };
  for (const char* suffix : {"-wal", "-shm"}) ASSERT_EQ(mode(path + suffix), 0644u) << suffix;

  absl::StatusOr<std::unique_ptr<Store>> store = Store::Open(path);
  ASSERT_TRUE(store.ok()) << store.status();
  for (const char* suffix : {"", "-wal", "-shm"}) {
    EXPECT_EQ(mode(path + suffix), 0600u) << path << suffix;
  }
}

TEST_F(StoreTest, RetentionDeletesOnlyOldRowsInBatches) {
  const absl::Time now = absl::FromUnixSeconds(1'000'000);
  const int64_t old_ns = absl::ToUnixNanos(now - absl::Hours(48));
  const int64_t new_ns = absl::ToUnixNanos(now - absl::Hours(1));
  std::vector<EventRow> events;
  for (uint64_t seq = 1; seq <= 25; ++seq) events.push_back(Event(0, seq, old_ns + seq));
  for (uint64_t seq = 26; seq <= 30; ++seq) events.push_back(Event(0, seq, new_ns));
  ASSERT_TRUE(store_->AddEvents(events).ok());
  for (int i = 0; i < 7; ++i) ASSERT_TRUE(store_->AddAudit(Audit(old_ns, "uid:0", "/m")).ok());
  ASSERT_TRUE(store_->AddAudit(Audit(new_ns, "uid:0", "/m")).ok());
  ASSERT_TRUE(store_->AddHealth({.time_ns = old_ns, .state = "SERVING"}).ok());
  ASSERT_TRUE(store_->AddHealth({.time_ns = new_ns, .state = "SERVING"}).ok());

  RetentionPolicy policy{.event_max_age = absl::Hours(24),
                         .audit_max_age = absl::Hours(24),
                         .health_max_age = absl::InfiniteDuration(),
                         .batch = 10};
  absl::StatusOr<RetentionResult> r = store_->ApplyRetention(policy, now);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->events_deleted, 25u);
  EXPECT_EQ(r->audit_deleted, 7u);
  EXPECT_EQ(r->health_deleted, 0u);
  // events: 10 + 10 + 5; audit: 7.
  EXPECT_EQ(r->batches, 4u);
  EXPECT_THAT(Seqs(*store_->QueryEvents({})), ElementsAre(26, 27, 28, 29, 30));
  EXPECT_EQ(store_->QueryAudit({})->size(), 1u);
  EXPECT_EQ(store_->QueryHealth({})->size(), 2u);

  // Nothing left to delete: one (empty) batch per limited table.
  r = store_->ApplyRetention(policy, now);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->events_deleted + r->audit_deleted, 0u);
  EXPECT_EQ(r->batches, 2u);
}

TEST_F(StoreTest, RetentionRejectsZeroBatch) {
  absl::StatusOr<RetentionResult> r = store_->ApplyRetention({.batch = 0}, absl::Now());
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
}

TEST_F(StoreTest, ConcurrentWritersAllLand) {
  std::vector<std::thread> threads;
  for (uint32_t adapter = 0; adapter < 4; ++adapter) {
    threads.emplace_back([this, adapter] {
      for (uint64_t seq = 1; seq <= 50; ++seq) {
        EXPECT_TRUE(store_->AddEvents(std::vector{Event(adapter, seq, seq)}).ok());
        EXPECT_TRUE(store_->LastEventSeq(adapter).ok());
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(store_->QueryEvents({})->size(), 200u);
}

// Readers run on their own connections while the writer writes: many
// queries and writes at once all complete and see consistent rows.
TEST_F(StoreTest, ReadersAndTheWriterRunTogether) {
  std::atomic<bool> done{false};
  std::vector<std::thread> readers;
  std::atomic<uint64_t> queries{0};
  for (int i = 0; i < 6; ++i) {  // more than the pool's readers
    readers.emplace_back([&] {
      while (!done) {
        absl::StatusOr<std::vector<EventRow>> rows = store_->QueryEvents({.adapter = 0});
        ASSERT_TRUE(rows.ok()) << rows.status();
        // A snapshot: seqs 1..n without holes.
        for (size_t j = 0; j < rows->size(); ++j) ASSERT_EQ((*rows)[j].seq, j + 1);
        ++queries;
      }
    });
  }
  for (uint64_t seq = 1; seq <= 300; ++seq) {
    ASSERT_TRUE(store_->AddEvents(std::vector{Event(0, seq, seq)}).ok());
  }
  done = true;
  for (std::thread& t : readers) t.join();
  EXPECT_EQ(*store_->LastEventSeq(0), 300u);
  EXPECT_GT(queries.load(), 0u);
}

// A write the storage refuses (here: the database reached its size limit,
// SQLITE_FULL as on a full disk) puts the store in a write fault, reported
// to the listener once; reads go on; the next write that works ends it.
TEST(StoreFaultTest, AFullDatabaseIsAWriteFaultUntilAWriteWorksAgain) {
  TempDir dir;
  absl::StatusOr<std::unique_ptr<Store>> opened =
      Store::Open(dir.File("full.db"), {.min_free_bytes = 0, .max_bytes = 512 * 1024});
  ASSERT_TRUE(opened.ok()) << opened.status();
  Store& store = **opened;
  std::vector<absl::Status> reported;
  store.SetFaultListener([&](const absl::Status& fault) { reported.push_back(fault); });
  EXPECT_TRUE(store.WriteFault().ok());

  uint64_t seq = 0;
  auto add_batch = [&] {
    std::vector<EventRow> rows;
    for (int i = 0; i < 100; ++i, ++seq) rows.push_back(Event(0, seq + 1, seq + 1));
    return store.AddEvents(rows).status();
  };
  absl::Status failed;
  while (failed.ok() && seq < 100000) failed = add_batch();
  ASSERT_EQ(failed.code(), absl::StatusCode::kUnavailable) << failed;
  const absl::Status fault = store.WriteFault();
  EXPECT_EQ(fault.code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(fault.message(), HasSubstr("cannot be written"));
  EXPECT_THAT(fault.message(), HasSubstr("full"));
  ASSERT_EQ(reported.size(), 1u);
  EXPECT_EQ(reported[0], fault);
  // The same failure again is no news; reads work.
  EXPECT_FALSE(add_batch().ok());
  EXPECT_EQ(reported.size(), 1u);
  absl::StatusOr<uint64_t> last = store.LastEventSeq(0);
  ASSERT_TRUE(last.ok()) << last.status();
  EXPECT_GT(*last, 0u);

  // Room again (retention deleted old rows): writes work and the fault ends.
  ASSERT_TRUE(store
                  .ApplyRetention({.event_max_age = absl::Nanoseconds(1), .batch = 500},
                                  absl::FromUnixNanos(static_cast<int64_t>(*last / 2)))
                  .ok());
  EXPECT_TRUE(store.WriteFault().ok());
  ASSERT_EQ(reported.size(), 2u);
  EXPECT_TRUE(reported[1].ok());
  EXPECT_TRUE(add_batch().ok());
}

// While in a write fault, CheckWritable probes with a write; when that works
// the fault ends without waiting for the next real write.
TEST(StoreFaultTest, TheProbeEndsAWriteFault) {
  TempDir dir;
  absl::StatusOr<std::unique_ptr<Store>> opened =
      Store::Open(dir.File("probe.db"), {.min_free_bytes = 0, .max_bytes = 256 * 1024});
  ASSERT_TRUE(opened.ok()) << opened.status();
  Store& store = **opened;
  std::vector<EventRow> big;
  for (uint64_t seq = 1; seq <= 20000; ++seq) big.push_back(Event(0, seq, seq));
  ASSERT_FALSE(store.AddEvents(big).ok());  // one transaction: nothing stored
  EXPECT_FALSE(store.WriteFault().ok());
  // The probe's one row fits.
  EXPECT_TRUE(store.CheckWritable().ok());
  EXPECT_TRUE(store.WriteFault().ok());
}

// Before any write fails: a filesystem with too little room is a fault
// (so an audited call is refused before it acts), and its end is seen by
// the check alone.
TEST(StoreFaultTest, TooLittleFreeSpaceIsAFaultAWriteDoesNotEnd) {
  TempDir dir;
  absl::StatusOr<std::unique_ptr<Store>> opened =
      Store::Open(dir.File("space.db"), {.min_free_bytes = ~uint64_t{0}});
  ASSERT_TRUE(opened.ok()) << opened.status();
  Store& store = **opened;
  absl::Status fault = store.CheckWritable();
  EXPECT_EQ(fault.code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(fault.message(), HasSubstr("the filesystem is full"));
  // A small write that still fits does not end it.
  EXPECT_TRUE(store.AddHealth({.time_ns = 1, .state = "SERVING"}).ok());
  EXPECT_EQ(store.WriteFault(), fault);
}

TEST(StoreOpenTest, ReopenKeepsData) {
  TempDir dir;
  const std::string path = dir.File("hbamgrd.db");
  {
    auto store = Store::Open(path);
    ASSERT_TRUE(store.ok()) << store.status();
    ASSERT_TRUE((*store)->AddEvents(std::vector{Event(3, 17, 5)}).ok());
    ASSERT_TRUE((*store)->AddHealth({.time_ns = 1, .adapter = 3, .state = "FAILED"}).ok());
  }
  auto store = Store::Open(path);
  ASSERT_TRUE(store.ok()) << store.status();
  EXPECT_EQ(*(*store)->LastEventSeq(3), 17u);
  EXPECT_EQ((*store)->QueryHealth({})->at(0).state, "FAILED");
}

TEST(StoreOpenTest, UsesWalJournal) {
  TempDir dir;
  const std::string path = dir.File("hbamgrd.db");
  ASSERT_TRUE(Store::Open(path).ok());
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  sqlite3_stmt* stmt = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &stmt, nullptr), SQLITE_OK);
  ASSERT_EQ(sqlite3_step(stmt), SQLITE_ROW);
  EXPECT_STREQ(reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0)), "wal");
  sqlite3_finalize(stmt);
  sqlite3_close(db);
}

TEST(StoreOpenTest, GarbageFileIsDataLoss) {
  TempDir dir;
  const std::string path = dir.File("hbamgrd.db");
  std::ofstream(path) << std::string(4096, 'G');
  absl::StatusOr<std::unique_ptr<Store>> store = Store::Open(path);
  EXPECT_EQ(store.status().code(), absl::StatusCode::kDataLoss) << store.status();
  EXPECT_THAT(store.status().message(), HasSubstr(path));
}

TEST(StoreOpenTest, MissingDirectoryFails) {
  TempDir dir;
  absl::StatusOr<std::unique_ptr<Store>> store = Store::Open(dir.File("no/such/dir/x.db"));
  EXPECT_EQ(store.status().code(), absl::StatusCode::kFailedPrecondition) << store.status();
  EXPECT_THAT(store.status().message(), HasSubstr("no/such/dir/x.db"));
}

}  // namespace
}  // namespace hbamgr::store

namespace hbamgr::store {
namespace {

TEST_F(StoreTest, AlertsOpenOncePerObjectAndConditionAndUpdate) {
  AlertRow row{.adapter = 0,
               .object = "/c0/e0/s3",
               .condition = "temperature_warning",
               .severity = 1,
               .message = "hot",
               .serial = "S",
               .first_seen_ns = 10,
               .last_seen_ns = 10,
               .times_sent = 1,
               .last_sent_ns = 10};
  absl::StatusOr<int64_t> id = store_->OpenAlert(row);
  ASSERT_TRUE(id.ok()) << id.status();
  EXPECT_EQ(store_->OpenAlert(row).status().code(), absl::StatusCode::kAlreadyExists);
  row.id = *id;
  row.cleared_ns = 20;
  row.acked_by = "uid:0";
  ASSERT_TRUE(store_->UpdateAlert(row).ok());
  // Cleared: the same condition may open again.
  absl::StatusOr<int64_t> again = store_->OpenAlert(row);
  ASSERT_TRUE(again.ok());
  EXPECT_NE(*again, *id);
  auto open = store_->QueryAlerts({.adapter = 0u, .open_only = true});
  ASSERT_TRUE(open.ok());
  ASSERT_EQ(open->size(), 1u);
  EXPECT_EQ((*open)[0].id, *again);
  auto all = store_->QueryAlerts({.open_only = false});
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ((*all)[1], row);  // newest first; every field round-trips
  EXPECT_EQ(store_->UpdateAlert(AlertRow{.id = 99}).code(), absl::StatusCode::kNotFound);
}

TEST_F(StoreTest, DriveTemperatureRangeWidensOnly) {
  const absl::Time t = absl::FromUnixSeconds(1000);
  EXPECT_EQ(store_->RecordDriveTemperature("S1", 40, t)->max_c, 40u);
  EXPECT_EQ(store_->RecordDriveTemperature("S1", 55, t)->max_c, 55u);
  auto r = store_->RecordDriveTemperature("S1", 30, t);
  EXPECT_EQ(r->min_c, 30u);
  EXPECT_EQ(r->max_c, 55u);
  auto all = store_->DriveTemperatures();
  ASSERT_EQ(all->size(), 1u);
  EXPECT_EQ((*all)[0],
            (DriveTemperatureRow{
                .serial = "S1", .min_c = 30, .max_c = 55, .updated_ns = absl::ToUnixNanos(t)}));
}

TEST_F(StoreTest, DriveCountersAndScheduleRuns) {
  ASSERT_TRUE(store_->AddDriveCounters({.serial = "S1", .time_ns = 1, .media_errors = 1}).ok());
  ASSERT_TRUE(store_->AddDriveCounters({.serial = "S1", .time_ns = 5, .media_errors = 4}).ok());
  ASSERT_TRUE(store_->AddDriveCounters({.serial = "S2", .time_ns = 2}).ok());
  ASSERT_TRUE(store_->TrimDriveCounters("S1", 5).ok());
  auto rows = store_->DriveCounters();
  ASSERT_EQ(rows->size(), 2u);
  EXPECT_EQ((*rows)[0].serial, "S1");
  EXPECT_EQ((*rows)[0].media_errors, 4u);
  EXPECT_EQ((*rows)[1].serial, "S2");

  EXPECT_FALSE(store_->ScheduleLastRun("selftest_short", "/c0/e0/s1")->has_value());
  ASSERT_TRUE(store_->SetScheduleLastRun("selftest_short", "/c0/e0/s1", 7).ok());
  ASSERT_TRUE(store_->SetScheduleLastRun("selftest_short", "/c0/e0/s1", 9).ok());
  EXPECT_EQ(store_->ScheduleLastRun("selftest_short", "/c0/e0/s1")->value_or(0), 9);
}

}  // namespace
}  // namespace hbamgr::store
