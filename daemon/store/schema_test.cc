#include "daemon/store/schema.h"

#include <sqlite3.h>
#include <unistd.h>

#include <filesystem>
#include <string>

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
