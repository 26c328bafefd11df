#include "daemon/store/queries.h"

#include <linux/hbamgr.h>

#include <cstdint>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace hbamgr::store {
namespace {

// A WHERE clause under construction with its positional parameters.
class Builder {
 public:
  void Where(absl::string_view condition, std::variant<int64_t, std::string> value) {
    query_.params.push_back(std::move(value));
    Clause(absl::StrCat(condition, " ?", query_.params.size()));
  }
  // Unsigned 64-bit bounds on a column SQLite stores signed, so that no
  // stored value exceeds INT64_MAX: a lower bound above it matches no row,
  // an upper bound above it bounds nothing.
  void AtLeast(absl::string_view column, uint64_t min) {
    if (min > static_cast<uint64_t>(INT64_MAX)) return Clause("0");
    Where(absl::StrCat(column, " >="), static_cast<int64_t>(min));
  }
  // column IN (first, first + 1, ..., last); no row when first > last.
  void In(absl::string_view column, int64_t first, int64_t last) {
    if (first > last) return Clause("0");
    std::vector<std::string> values;
    for (int64_t v = first; v <= last; ++v) {
      query_.params.emplace_back(std::in_place_type<int64_t>, v);
      values.push_back(absl::StrCat("?", query_.params.size()));
    }
    Clause(absl::StrCat(column, " IN (", absl::StrJoin(values, ", "), ")"));
  }
  // (column BETWEEN first AND last OR ...); no row when `ranges` is empty.
  void AnyBetween(absl::string_view column, const std::vector<CodeRange>& ranges) {
    if (ranges.empty()) return Clause("0");
    std::vector<std::string> terms;
    for (const CodeRange& r : ranges) {
      query_.params.emplace_back(std::in_place_type<int64_t>, r.first);
      query_.params.emplace_back(std::in_place_type<int64_t>, r.last);
      terms.push_back(absl::StrCat(column, " BETWEEN ?", query_.params.size() - 1, " AND ?",
                                   query_.params.size()));
    }
    Clause(absl::StrCat("(", absl::StrJoin(terms, " OR "), ")"));
  }
  // A condition written into the SQL text (a partial index's WHERE must be
  // seen there, not in a bound value).
  void Literal(absl::string_view condition) { Clause(condition); }
  void AtMost(absl::string_view column, uint64_t max) {
    if (max > static_cast<uint64_t>(INT64_MAX)) return;
    Where(absl::StrCat(column, " <="), static_cast<int64_t>(max));
  }
  // `select` + WHERE + `order` + LIMIT (bound; -1 = none).
  SqlQuery Finish(absl::string_view select, absl::string_view order, uint32_t limit) && {
    query_.params.emplace_back(std::in_place_type<int64_t>, limit == 0 ? -1 : int64_t{limit});
    query_.sql = absl::StrCat(select, where_, order, " LIMIT ?", query_.params.size());
    return std::move(query_);
  }

 private:
  void Clause(absl::string_view clause) {
    absl::StrAppend(&where_, where_.empty() ? " WHERE " : " AND ", clause);
  }

  std::string where_;
  SqlQuery query_;
};

}  // namespace

void SqlQuery::BindTo(Statement& stmt) const {
  for (size_t i = 0; i < params.size(); ++i) {
    std::visit([&](const auto& v) { stmt.Bind(static_cast<int>(i + 1), v); }, params[i]);
  }
}

std::vector<CodeRange> ClassCodes(uint8_t event_class) {
  if (event_class < HBAMGR_EVC_CTRL || event_class > HBAMGR_EVC_BGOP) return {};
  const int64_t first = int64_t{event_class - HBAMGR_EVC_CTRL} << 8;
  std::vector<CodeRange> ranges = {{first, first + 0xff}};
  if (event_class == HBAMGR_EVC_CTRL) ranges.push_back({HBAMGR_EVT_HOST_FIRST, UINT32_MAX});
  return ranges;
}

SqlQuery EventsQuery(const EventQuery& q) {
  Builder b;
  if (q.adapter) b.Where("adapter =", int64_t{*q.adapter});
  // Severity 0 (INFO) is the lowest: no filter.  Otherwise the few levels
  // from min_severity up, as equalities, so the planner takes the severity
  // index (a range would look as wide as the table to it); and the literal
  // term of the severity indexes' WHERE (schema 6: WARNING and up), without
  // which the planner cannot use them.
  if (q.min_severity && *q.min_severity > 0) {
    b.Literal(absl::StrCat("severity >= ", int{HBAMGR_SEV_WARNING}));
    b.In("severity", *q.min_severity, HBAMGR_SEV_FATAL);
  }
  // A class by its codes, so the code indexes serve it; the class itself is
  // checked too (a firmware could log a code under another class).
  std::vector<CodeRange> class_codes;
  if (q.event_class) {
    class_codes = ClassCodes(*q.event_class);
    b.AnyBetween("code", class_codes);
    b.Where("class =", int64_t{*q.event_class});
  }
  if (q.code) b.Where("code =", int64_t{*q.code});
  // Objects: the object indexes hold only rows with an id (schema 6), which
  // the literal term tells the planner; a filter on HBAMGR_ID_NONE itself
  // (rows without that object) goes without.
  auto object = [&b](const char* column, uint16_t id) {
    if (id != HBAMGR_ID_NONE) b.Literal(absl::StrCat(column, " != ", int{HBAMGR_ID_NONE}));
    b.Where(absl::StrCat(column, " ="), int64_t{id});
  };
  if (q.encl_id) object("encl", *q.encl_id);  // the slot within it: no index
  if (q.slot) b.Where("slot =", int64_t{*q.slot});
  if (q.pd_id) object("pd", *q.pd_id);
  if (q.vd_id) object("vd", *q.vd_id);
  if (q.min_seq) b.AtLeast("seq", *q.min_seq);
  if (q.max_seq) b.AtMost("seq", *q.max_seq);
  if (q.since_ns) b.AtLeast("timestamp_ns", *q.since_ns);
  const char* dir = q.newest_first ? " DESC" : " ASC";
  std::string order =
      q.adapter ? absl::StrCat(" ORDER BY seq", dir)
                : absl::StrCat(" ORDER BY timestamp_ns", dir, ", adapter", dir, ", seq", dir);
  // One adapter by severity or class alone: the planner would rather walk
  // the adapter's seqs in order and filter, which reads the whole history
  // when, as usual, few events match.  (With a code or object filter its
  // own index is taken, being an equality.)
  const bool other = q.code || q.encl_id || q.pd_id || q.vd_id;
  const char* index = "";
  if (q.adapter && !other && !class_codes.empty()) {
    index = " INDEXED BY events_by_adapter_code";
  } else if (q.adapter && !other && q.min_severity && *q.min_severity > 0) {
    index = " INDEXED BY events_by_adapter_severity";
  }
  return std::move(b).Finish(
      absl::StrCat("SELECT adapter, seq, timestamp_ns, type, class, severity, code, encl, slot, "
                   "pd, vd, arg0, arg1, description FROM events",
                   index),
      order, q.limit);
}

EventRow ReadEventRow(const Statement& stmt) {
  return EventRow{
      .adapter = static_cast<uint32_t>(stmt.ColumnInt(0)),
      .seq = static_cast<uint64_t>(stmt.ColumnInt(1)),
      .timestamp_ns = static_cast<uint64_t>(stmt.ColumnInt(2)),
      .type = static_cast<uint16_t>(stmt.ColumnInt(3)),
      .event_class = static_cast<uint8_t>(stmt.ColumnInt(4)),
      .severity = static_cast<uint8_t>(stmt.ColumnInt(5)),
      .code = static_cast<uint32_t>(stmt.ColumnInt(6)),
      .encl_id = static_cast<uint16_t>(stmt.ColumnInt(7)),
      .slot = static_cast<uint16_t>(stmt.ColumnInt(8)),
      .pd_id = static_cast<uint16_t>(stmt.ColumnInt(9)),
      .vd_id = static_cast<uint16_t>(stmt.ColumnInt(10)),
      .arg0 = static_cast<uint32_t>(stmt.ColumnInt(11)),
      .arg1 = static_cast<uint32_t>(stmt.ColumnInt(12)),
      .description = stmt.ColumnText(13),
  };
}

SqlQuery AuditQuerySql(const AuditQuery& q) {
  Builder b;
  if (q.since_ns) b.AtLeast("time_ns", *q.since_ns);
  if (q.peer) b.Where("peer =", *q.peer);
  if (q.method) b.Where("method =", *q.method);
  const char* dir = q.newest_first ? " DESC" : " ASC";
  return std::move(b).Finish(
      "SELECT id, time_ns, peer, method, target, arguments, result_code, result_message, "
      "duration_us FROM audit",
      absl::StrCat(" ORDER BY time_ns", dir, ", id", dir), q.limit);
}

SqlQuery HealthQuerySql(const HealthQuery& q) {
  Builder b;
  if (q.adapter) b.Where("adapter =", int64_t{*q.adapter});
  if (q.since_ns) b.AtLeast("time_ns", *q.since_ns);
  const char* dir = q.newest_first ? " DESC" : " ASC";
  return std::move(b).Finish("SELECT id, time_ns, adapter, state, reason FROM health",
                             absl::StrCat(" ORDER BY time_ns", dir, ", id", dir), q.limit);
}

std::string DeleteOlderThanSql(absl::string_view table, absl::string_view time_column) {
  return absl::StrCat("DELETE FROM ", table, " WHERE rowid IN (SELECT rowid FROM ", table,
                      " WHERE ", time_column, " < ?1 ORDER BY ", time_column, " LIMIT ?2)");
}

}  // namespace hbamgr::store
