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

// Columns in EventRow order; ReadEventRow reads them back.
SqlQuery EventsQuery(const EventQuery& query);
EventRow ReadEventRow(const Statement& stmt);

SqlQuery AuditQuerySql(const AuditQuery& query);
SqlQuery HealthQuerySql(const HealthQuery& query);

// Deletes at most ?2 rows of `table` whose `time_column` < ?1, oldest first.
std::string DeleteOlderThanSql(absl::string_view table, absl::string_view time_column);

}  // namespace hbamgr::store

#endif  // HBAMGR_DAEMON_STORE_QUERIES_H_
