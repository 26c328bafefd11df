// Every filter the API offers is served by an index: EXPLAIN QUERY PLAN of
// the SQL the store runs (queries.h builds it) names the index, and no
// filtered query scans the whole table.
#include "daemon/store/queries.h"

#include <sqlite3.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "daemon/store/store.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace hbamgr::store {
namespace {

using ::testing::ContainsRegex;
using ::testing::HasSubstr;
using ::testing::Not;

class QueryPlanTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           absl::StrCat("hbamgr-plan-", getpid(), "-",
                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
    const std::string path = (dir_ / "plan.db").string();
    // The store creates the schema (every migration), then a plain
    // connection asks SQLite for its plans.
    ASSERT_TRUE(Store::Open(path).ok());
    ASSERT_EQ(sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
  }
  void TearDown() override {
    sqlite3_close(db_);
    std::filesystem::remove_all(dir_);
  }

  // The plan's detail lines, joined by "; ".
  std::string Plan(const std::string& sql) {
    sqlite3_stmt* stmt = nullptr;
    const std::string explain = "EXPLAIN QUERY PLAN " + sql;
    EXPECT_EQ(sqlite3_prepare_v2(db_, explain.c_str(), -1, &stmt, nullptr), SQLITE_OK)
        << sqlite3_errmsg(db_) << " in " << sql;
    std::vector<std::string> lines;
    while (sqlite3_step(stmt) == SQLITE_ROW) {
      lines.emplace_back(reinterpret_cast<const char*>(sqlite3_column_text(stmt, 3)));
    }
    sqlite3_finalize(stmt);
    return absl::StrJoin(lines, "; ");
  }
  void ExpectIndex(const SqlQuery& query, const std::string& index) {
    std::string plan = Plan(query.sql);
    EXPECT_THAT(plan + ";", ContainsRegex("INDEX " + index + "[ ;]")) << query.sql;
    // No full scan: SQLite says "SCAN events" for one (a scan of an index
    // reads "SCAN events USING INDEX").
    EXPECT_THAT(plan + ";", Not(HasSubstr("SCAN events;"))) << query.sql;
  }

  std::filesystem::path dir_;
  sqlite3* db_ = nullptr;
};

// One adapter, in seq order: the unique (adapter, seq) index, or one that
// starts with adapter and the filtered column.
TEST_F(QueryPlanTest, EventFiltersOfOneAdapter) {
  ExpectIndex(EventsQuery({.adapter = 0}), "sqlite_autoindex_events_1");
  ExpectIndex(EventsQuery({.adapter = 0, .min_seq = 100, .limit = 10}),
              "sqlite_autoindex_events_1");
  ExpectIndex(EventsQuery({.adapter = 0, .min_severity = 2}), "events_by_adapter_severity");
  ExpectIndex(EventsQuery({.adapter = 0, .event_class = 3}), "events_by_adapter_class");
  ExpectIndex(EventsQuery({.adapter = 0, .code = 0x203}), "events_by_adapter_code");
  ExpectIndex(EventsQuery({.adapter = 0, .encl_id = 0}), "events_by_adapter_encl");
  ExpectIndex(EventsQuery({.adapter = 0, .encl_id = 0, .slot = 3}), "events_by_adapter_encl");
  ExpectIndex(EventsQuery({.adapter = 0, .pd_id = 3}), "events_by_adapter_pd");
  ExpectIndex(EventsQuery({.adapter = 0, .vd_id = 1}), "events_by_adapter_vd");
  ExpectIndex(EventsQuery({.adapter = 0, .event_class = 3, .newest_first = true}),
              "events_by_adapter_class");
}

// Every adapter, in time order.
TEST_F(QueryPlanTest, EventFiltersAcrossAdapters) {
  ExpectIndex(EventsQuery({}), "events_by_time");
  ExpectIndex(EventsQuery({.since_ns = 1000}), "events_by_time");
  ExpectIndex(EventsQuery({.min_severity = 1, .limit = 100, .newest_first = true}),
              "events_by_severity");
  ExpectIndex(EventsQuery({.event_class = 1}), "events_by_class");
  ExpectIndex(EventsQuery({.code = 0xf001}), "events_by_code");
}

TEST_F(QueryPlanTest, AuditAndHealthFilters) {
  ExpectIndex(AuditQuerySql({.since_ns = 5}), "audit_by_time");
  ExpectIndex(AuditQuerySql({.peer = "uid:0"}), "audit_by_peer");
  ExpectIndex(AuditQuerySql({.method = "/hbamgr.v1.Maintenance/SetLocate"}), "audit_by_method");
  ExpectIndex(HealthQuerySql({.adapter = 1}), "health_by_adapter");
  ExpectIndex(HealthQuerySql({.since_ns = 5}), "health_by_time");
}

// Retention deletes the oldest rows through the time indexes.
TEST_F(QueryPlanTest, RetentionBatches) {
  EXPECT_THAT(Plan(DeleteOlderThanSql("events", "timestamp_ns")),
              HasSubstr("INDEX events_by_time "));
  EXPECT_THAT(Plan(DeleteOlderThanSql("audit", "time_ns")), HasSubstr("INDEX audit_by_time "));
  EXPECT_THAT(Plan(DeleteOlderThanSql("health", "time_ns")), HasSubstr("INDEX health_by_time "));
}

}  // namespace
}  // namespace hbamgr::store
