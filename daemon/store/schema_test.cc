#include "daemon/store/schema.h"

#include <linux/hbamgr.h>
#include <sqlite3.h>
#include <unistd.h>

#include <filesystem>
#include <string>
#include <vector>

#include "daemon/store/sqlite_util.h"
#include "daemon/store/store.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace hbamgr::store {
namespace {

using ::testing::HasSubstr;

class SchemaTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (std::filesystem::temp_directory_path() / "hbamgr-schema-XXXXXX").string();
    dir_ = mkdtemp(tmpl.data());
    path_ = (dir_ / "hbamgrd.db").string();
    ASSERT_EQ(sqlite3_open(path_.c_str(), &db_), SQLITE_OK);
  }
  void TearDown() override {
    sqlite3_close(db_);
    std::filesystem::remove_all(dir_);
  }

  int Version() { return SchemaVersion(db_).value_or(-1); }

  std::filesystem::path dir_;
  std::string path_;
  sqlite3* db_ = nullptr;
};

TEST_F(SchemaTest, MigratesEmptyDatabaseToLatest) {
  ASSERT_EQ(Version(), 0);
  ASSERT_TRUE(MigrateTo(db_, Store::kSchemaVersion).ok());
  EXPECT_EQ(Version(), Store::kSchemaVersion);
  // Every table of the latest schema is usable.
  EXPECT_TRUE(Exec(db_,
                   "INSERT INTO events VALUES (0, 1, 1, 1, 1, 0, 1, 0, 0, 0, 0, 0, 0, 'x');"
                   "INSERT INTO audit (time_ns, peer, method, target, arguments, result_code, "
                   "duration_us, result_message) VALUES (1, 'uid:0', '/m', '', '', 0, 1, 'ok');"
                   "INSERT INTO health (time_ns, adapter, state, reason) VALUES (1, 0, 'S', '');")
                  .ok());
}

TEST_F(SchemaTest, MigratingTwiceIsANoOp) {
  ASSERT_TRUE(MigrateTo(db_, Store::kSchemaVersion).ok());
  ASSERT_TRUE(MigrateTo(db_, Store::kSchemaVersion).ok());
  EXPECT_EQ(Version(), Store::kSchemaVersion);
}

TEST_F(SchemaTest, StoreOpenMigratesVersion1AndKeepsItsRows) {
  ASSERT_TRUE(MigrateTo(db_, 1).ok());
  ASSERT_EQ(Version(), 1);
  ASSERT_TRUE(Exec(db_,
                   "INSERT INTO audit (time_ns, peer, method, target, arguments, result_code, "
                   "duration_us) VALUES (5, 'uid:0', '/hbamgr.v1.Hba/Restart', '/c0', '', 0, 9);"
                   "INSERT INTO events VALUES (0, 1, 1, 1, 1, 0, 1, 0, 0, 0, 0, 0, 0, 'x');")
                  .ok());
  sqlite3_close(db_);
  db_ = nullptr;

  absl::StatusOr<std::unique_ptr<Store>> store = Store::Open(path_);
  ASSERT_TRUE(store.ok()) << store.status();
  EXPECT_EQ((*store)->schema_found(), 1);
  absl::StatusOr<std::vector<AuditRow>> audit = (*store)->QueryAudit({});
  ASSERT_TRUE(audit.ok()) << audit.status();
  ASSERT_EQ(audit->size(), 1u);
  EXPECT_EQ((*audit)[0].method, "/hbamgr.v1.Hba/Restart");
  EXPECT_EQ((*audit)[0].result_message, "");  // the column version 2 added
  EXPECT_EQ(*(*store)->LastEventSeq(0), 1u);
  store->reset();

  ASSERT_EQ(sqlite3_open(path_.c_str(), &db_), SQLITE_OK);
  EXPECT_EQ(Version(), Store::kSchemaVersion);
}

// Version 6 replaced version 5's event indexes: a version-5 database with
// events opens, migrates, keeps its rows, and every filter finds them
// through the new indexes.
TEST_F(SchemaTest, StoreOpenMigratesVersion5EventsToTheSlimIndexes) {
  ASSERT_TRUE(MigrateTo(db_, 5).ok());
  // (adapter, seq, time, type, class, severity, code, encl, slot, pd, vd, arg0, arg1, text)
  ASSERT_TRUE(Exec(db_,
                   "INSERT INTO events VALUES (0, 1, 10, 1, 1, 0, 3, 65535, 65535, 65535, "
                   "65535, 0, 0, 'storm');"
                   "INSERT INTO events VALUES (0, 2, 20, 1, 3, 1, 515, 0, 4, 4, 65535, 1, 5, "
                   "'pd 4 failed');"
                   "INSERT INTO events VALUES (0, 3, 30, 1, 4, 2, 771, 65535, 65535, 65535, "
                   "1, 2, 3, 'vd 1 offline');"
                   "INSERT INTO events VALUES (0, 4, 40, 1, 1, 1, 61441, 65535, 65535, 65535, "
                   "65535, 7, 0, 'events lost');")
                  .ok());
  sqlite3_close(db_);
  db_ = nullptr;

  absl::StatusOr<std::unique_ptr<Store>> store = Store::Open(path_);
  ASSERT_TRUE(store.ok()) << store.status();
  auto seqs = [&](EventQuery query) {
    std::vector<uint64_t> out;
    absl::StatusOr<std::vector<EventRow>> rows = (*store)->QueryEvents(query);
    EXPECT_TRUE(rows.ok()) << rows.status();
    if (rows.ok()) {
      for (const EventRow& row : *rows) out.push_back(row.seq);
    }
    return out;
  };
  using ::testing::ElementsAre;
  EXPECT_THAT(seqs({.adapter = 0}), ElementsAre(1, 2, 3, 4));
  EXPECT_THAT(seqs({.adapter = 0, .min_severity = 1}), ElementsAre(2, 3, 4));
  EXPECT_THAT(seqs({.adapter = 0, .min_severity = 2}), ElementsAre(3));
  EXPECT_THAT(seqs({.min_severity = 1}), ElementsAre(2, 3, 4));
  EXPECT_THAT(seqs({.adapter = 0, .event_class = HBAMGR_EVC_CTRL}), ElementsAre(1, 4));
  EXPECT_THAT(seqs({.event_class = HBAMGR_EVC_PD}), ElementsAre(2));
  EXPECT_THAT(seqs({.adapter = 0, .event_class = HBAMGR_EVC_VD}), ElementsAre(3));
  EXPECT_THAT(seqs({.adapter = 0, .encl_id = 0, .slot = 4}), ElementsAre(2));
  EXPECT_THAT(seqs({.adapter = 0, .pd_id = 4}), ElementsAre(2));
  EXPECT_THAT(seqs({.adapter = 0, .vd_id = 1}), ElementsAre(3));
  EXPECT_THAT(seqs({.adapter = 0, .pd_id = HBAMGR_ID_NONE}), ElementsAre(1, 3, 4));
  store->reset();

  ASSERT_EQ(sqlite3_open(path_.c_str(), &db_), SQLITE_OK);
  EXPECT_EQ(Version(), Store::kSchemaVersion);
  // The class indexes are gone; the severity one is the partial one.
  sqlite3_stmt* stmt = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(db_,
                               "SELECT group_concat(name) FROM sqlite_master WHERE type = 'index' "
                               "AND (name LIKE '%class%' OR sql LIKE '%severity >= 1%')",
                               -1, &stmt, nullptr),
            SQLITE_OK);
  ASSERT_EQ(sqlite3_step(stmt), SQLITE_ROW);
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0))),
            "events_by_adapter_severity,events_by_severity");
  sqlite3_finalize(stmt);
}

TEST_F(SchemaTest, StoreOpenSaysWhichSchemaItFound) {
  sqlite3_close(db_);
  db_ = nullptr;
  absl::StatusOr<std::unique_ptr<Store>> store = Store::Open(path_);
  ASSERT_TRUE(store.ok()) << store.status();
  EXPECT_EQ((*store)->schema_found(), 0);  // a new file
  store->reset();
  store = Store::Open(path_);
  ASSERT_TRUE(store.ok()) << store.status();
  EXPECT_EQ((*store)->schema_found(), Store::kSchemaVersion);  // nothing to migrate
}

TEST_F(SchemaTest, FailedStepLeavesTheVersionUnchanged) {
  ASSERT_TRUE(MigrateTo(db_, 1).ok());
  // Step 2 creates this index; a conflicting object makes the step fail.
  ASSERT_TRUE(Exec(db_, "CREATE TABLE health_by_adapter (x)").ok());
  absl::Status s = MigrateTo(db_, 2);
  EXPECT_FALSE(s.ok());
  EXPECT_THAT(s.message(), HasSubstr("migration to version 2"));
  EXPECT_EQ(Version(), 1);
  // The step's other change (the new audit column) was rolled back too.
  EXPECT_FALSE(Exec(db_, "SELECT result_message FROM audit").ok());
}

TEST_F(SchemaTest, NewerDatabaseIsRefused) {
  ASSERT_TRUE(MigrateTo(db_, Store::kSchemaVersion).ok());
  ASSERT_TRUE(Exec(db_, "PRAGMA user_version = 99").ok());
  sqlite3_close(db_);
  db_ = nullptr;
  absl::StatusOr<std::unique_ptr<Store>> store = Store::Open(path_);
  EXPECT_EQ(store.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(store.status().message(), HasSubstr("schema version 99 is newer"));
}

TEST_F(SchemaTest, UnknownTargetVersionIsRejected) {
  EXPECT_EQ(MigrateTo(db_, Store::kSchemaVersion + 1).code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace hbamgr::store
