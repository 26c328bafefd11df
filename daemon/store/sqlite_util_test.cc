#include "daemon/store/sqlite_util.h"

#include <sqlite3.h>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace hbamgr::store {
namespace {

class StatementCacheTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(sqlite3_open(":memory:", &db_), SQLITE_OK);
    ASSERT_TRUE(Exec(db_, "CREATE TABLE t (x INTEGER)").ok());
  }
  void TearDown() override {
    cache_.reset();
    sqlite3_close(db_);
  }
  int64_t Count() {
    absl::StatusOr<Statement> count = cache_->Get("SELECT COUNT(*) FROM t");
    EXPECT_TRUE(count.ok());
    EXPECT_TRUE(*count->Step());
    return count->ColumnInt(0);
  }

  sqlite3* db_ = nullptr;
  std::unique_ptr<StatementCache> cache_;
};

TEST_F(StatementCacheTest, AStatementIsPreparedOnceAndComesBackReset) {
  cache_ = std::make_unique<StatementCache>(db_, 8);
  for (int64_t i = 0; i < 3; ++i) {
    absl::StatusOr<Statement> insert = cache_->Get("INSERT INTO t (x) VALUES (?1)");
    ASSERT_TRUE(insert.ok()) << insert.status();
    insert->Bind(1, i);
    ASSERT_TRUE(insert->Run().ok());
  }
  EXPECT_EQ(Count(), 3);
  // A half-read statement given back is reset for its next user.
  {
    absl::StatusOr<Statement> all = cache_->Get("SELECT x FROM t ORDER BY x");
    ASSERT_TRUE(*all->Step());
  }
  absl::StatusOr<Statement> all = cache_->Get("SELECT x FROM t ORDER BY x");
  ASSERT_TRUE(*all->Step());
  EXPECT_EQ(all->ColumnInt(0), 0);
  EXPECT_EQ(cache_->size(), 3u);
}

TEST_F(StatementCacheTest, TheSameSqlTwiceAtOnceGetsAPrivateCopy) {
  cache_ = std::make_unique<StatementCache>(db_, 8);
  absl::StatusOr<Statement> outer = cache_->Get("SELECT 1");
  absl::StatusOr<Statement> inner = cache_->Get("SELECT 1");
  ASSERT_TRUE(outer.ok() && inner.ok());
  EXPECT_TRUE(*outer->Step());
  EXPECT_TRUE(*inner->Step());
  EXPECT_EQ(cache_->size(), 1u);
}

TEST_F(StatementCacheTest, TheLeastRecentlyUsedMakesRoom) {
  cache_ = std::make_unique<StatementCache>(db_, 2);
  ASSERT_TRUE(cache_->Get("SELECT 1").ok());
  ASSERT_TRUE(cache_->Get("SELECT 2").ok());
  ASSERT_TRUE(cache_->Get("SELECT 1").ok());
  ASSERT_TRUE(cache_->Get("SELECT 3").ok());  // evicts SELECT 2
  EXPECT_EQ(cache_->size(), 2u);
  // One in use is never evicted.
  absl::StatusOr<Statement> held = cache_->Get("SELECT 1");
  ASSERT_TRUE(cache_->Get("SELECT 4").ok());
  EXPECT_TRUE(*held->Step());
}

TEST(SqliteErrorTest, StorageFaultsAreRecognisedFromTheStatus) {
  absl::Status full = SqliteError(nullptr, SQLITE_FULL, "insert");
  EXPECT_EQ(full.code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(SqliteResultCode(full), SQLITE_FULL);
  EXPECT_TRUE(IsStorageFault(*SqliteResultCode(full)));
  EXPECT_TRUE(IsStorageFault(SQLITE_IOERR_WRITE));
  EXPECT_TRUE(IsStorageFault(SQLITE_READONLY));
  EXPECT_FALSE(IsStorageFault(SQLITE_BUSY));
  EXPECT_FALSE(IsStorageFault(SQLITE_CONSTRAINT));
  EXPECT_EQ(SqliteResultCode(absl::UnavailableError("not from sqlite")), std::nullopt);
}

}  // namespace
}  // namespace hbamgr::store
