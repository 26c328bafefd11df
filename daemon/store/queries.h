// The SQL of the store's filtered reads, built from their filters: one
// statement text per combination of filters (values are bound, so the
// statement cache keeps a handful), and the place EXPLAIN QUERY PLAN tests
// take the SQL from.
#ifndef HBAMGR_DAEMON_STORE_QUERIES_H_
#define HBAMGR_DAEMON_STORE_QUERIES_H_

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include "absl/strings/string_view.h"
#include "daemon/store/sqlite_util.h"
#include "daemon/store/store.h"

namespace hbamgr::store {

struct SqlQuery {
  std::string sql;
  std::vector<std::variant<int64_t, std::string>> params;  // ?1, ?2, ...

  void BindTo(Statement& stmt) const;
};

// The event codes of a class, as docs/abi.md assigns them: the firmware's
// codes of class c are (c - 1) << 8 .. +0xff, and host records
// (HBAMGR_EVT_HOST_FIRST on) are class CTRL.  Empty for an unknown class.
struct CodeRange {
  int64_t first;
  int64_t last;
};
std::vector<CodeRange> ClassCodes(uint8_t event_class);

// Columns in EventRow order; ReadEventRow reads them back.
SqlQuery EventsQuery(const EventQuery& query);
EventRow ReadEventRow(const Statement& stmt);

SqlQuery AuditQuerySql(const AuditQuery& query);
SqlQuery HealthQuerySql(const HealthQuery& query);

// Deletes at most ?2 rows of `table` whose `time_column` < ?1, oldest first.
std::string DeleteOlderThanSql(absl::string_view table, absl::string_view time_column);

}  // namespace hbamgr::store

#endif  // HBAMGR_DAEMON_STORE_QUERIES_H_
