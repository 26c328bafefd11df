// Every filter the API offers is served by an index: EXPLAIN QUERY PLAN of
// the SQL the store runs (queries.h builds it) names the index, and no
// filtered query scans the whole table.
#include "daemon/store/queries.h"

#include <linux/hbamgr.h>
#include <sqlite3.h>
#include <unistd.h>

#include <filesystem>
#include <string>
#include <utility>
#include <vector>

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
// starts with adapter and the filtered column.  (A dropped index fails here:
// its query no longer names it.)
TEST_F(QueryPlanTest, EventFiltersOfOneAdapter) {
  ExpectIndex(EventsQuery({.adapter = 0}), "sqlite_autoindex_events_1");
  ExpectIndex(EventsQuery({.adapter = 0, .min_seq = 100, .limit = 10}),
              "sqlite_autoindex_events_1");
  ExpectIndex(EventsQuery({.adapter = 0, .min_severity = 1}), "events_by_adapter_severity");
  ExpectIndex(EventsQuery({.adapter = 0, .min_severity = 2}), "events_by_adapter_severity");
  ExpectIndex(EventsQuery({.adapter = 0, .code = 0x203}), "events_by_adapter_code");
  ExpectIndex(EventsQuery({.adapter = 0, .encl_id = 0}), "events_by_adapter_encl");
  ExpectIndex(EventsQuery({.adapter = 0, .encl_id = 0, .slot = 3}), "events_by_adapter_encl");
  ExpectIndex(EventsQuery({.adapter = 0, .pd_id = 3}), "events_by_adapter_pd");
  ExpectIndex(EventsQuery({.adapter = 0, .vd_id = 1}), "events_by_adapter_vd");
  // Rows without the object are not in its index: the adapter's walk.
  ExpectIndex(EventsQuery({.adapter = 0, .pd_id = HBAMGR_ID_NONE}), "sqlite_autoindex_events_1");
}

// A class is its range of codes, served by the code index; CTRL has two
// (its firmware codes and the host's records).
TEST_F(QueryPlanTest, EventClassesByTheirCodes) {
  for (uint8_t event_class = HBAMGR_EVC_CTRL; event_class <= HBAMGR_EVC_BGOP; ++event_class) {
    SCOPED_TRACE(event_class);
    ExpectIndex(EventsQuery({.adapter = 0, .event_class = event_class}), "events_by_adapter_code");
    ExpectIndex(EventsQuery({.adapter = 0, .event_class = event_class, .newest_first = true}),
                "events_by_adapter_code");
    ExpectIndex(EventsQuery({.adapter = 0, .min_severity = 1, .event_class = event_class}),
                "events_by_adapter_code");
    ExpectIndex(EventsQuery({.event_class = event_class}), "events_by_code");
  }
}

TEST(ClassCodesTest, EveryCodeIsInItsClassOnly) {
  const std::pair<uint32_t, uint8_t> codes[] = {
      {HBAMGR_EVT_CTRL_RESET_DONE, HBAMGR_EVC_CTRL},
      {HBAMGR_EVT_CTRL_NVRAM_ERROR, HBAMGR_EVC_CTRL},
      {HBAMGR_EVT_HOST_EVENTS_LOST, HBAMGR_EVC_CTRL},
      {HBAMGR_EVT_ENCL_LINK_DOWN, HBAMGR_EVC_ENCL},
      {HBAMGR_EVT_ENCL_LINK_UP, HBAMGR_EVC_ENCL},
      {HBAMGR_EVT_PD_INSERTED, HBAMGR_EVC_PD},
      {HBAMGR_EVT_PD_LOCATE, HBAMGR_EVC_PD},
      {HBAMGR_EVT_VD_CREATED, HBAMGR_EVC_VD},
      {HBAMGR_EVT_VD_STATE_CHANGE, HBAMGR_EVC_VD},
      {HBAMGR_EVT_BGOP_STARTED, HBAMGR_EVC_BGOP},
      {HBAMGR_EVT_BGOP_INCONSISTENT, HBAMGR_EVC_BGOP},
  };
  for (const auto& [code, code_class] : codes) {
    for (uint8_t event_class = HBAMGR_EVC_CTRL; event_class <= HBAMGR_EVC_BGOP; ++event_class) {
      bool in = false;
      for (const CodeRange& r : ClassCodes(event_class)) in |= r.first <= code && code <= r.last;
      EXPECT_EQ(in, event_class == code_class) << "code " << code << " class " << int{event_class};
    }
  }
  EXPECT_TRUE(ClassCodes(0).empty());
  EXPECT_TRUE(ClassCodes(HBAMGR_EVC_BGOP + 1).empty());
}

// Every adapter, in time order.
TEST_F(QueryPlanTest, EventFiltersAcrossAdapters) {
  ExpectIndex(EventsQuery({}), "events_by_time");
  ExpectIndex(EventsQuery({.since_ns = 1000}), "events_by_time");
  ExpectIndex(EventsQuery({.min_severity = 1, .limit = 100, .newest_first = true}),
              "events_by_severity");
  ExpectIndex(EventsQuery({.min_severity = 3}), "events_by_severity");
  ExpectIndex(EventsQuery({.code = 0xf001}), "events_by_code");
}

// Every index is paid by every insert: schema 6 has no class indexes, and
// its object and severity indexes are partial (a storm is INFO rows without
// an object, which they leave out).
TEST_F(QueryPlanTest, EventIndexesAreFewAndPartialWhereRowsNeedNoEntry) {
  sqlite3_stmt* stmt = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(db_,
                               "SELECT name, coalesce(sql, '') FROM sqlite_master WHERE type = "
                               "'index' AND tbl_name = 'events' ORDER BY name",
                               -1, &stmt, nullptr),
            SQLITE_OK);
  std::vector<std::string> indexes;
  while (sqlite3_step(stmt) == SQLITE_ROW) {
    const std::string sql = reinterpret_cast<const char*>(sqlite3_column_text(stmt, 1));
    const size_t where = sql.find(" WHERE ");
    indexes.push_back(absl::StrCat(reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0)),
                                   where == std::string::npos ? "" : sql.substr(where)));
  }
  sqlite3_finalize(stmt);
  EXPECT_THAT(indexes, ::testing::ElementsAre(
                           "events_by_adapter_code", "events_by_adapter_encl WHERE encl != 65535",
                           "events_by_adapter_pd WHERE pd != 65535",
                           "events_by_adapter_severity WHERE severity >= 1",
                           "events_by_adapter_vd WHERE vd != 65535", "events_by_code",
                           "events_by_severity WHERE severity >= 1", "events_by_time",
                           "sqlite_autoindex_events_1"));
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
