#include "daemon/store/store.h"

#include <fcntl.h>
#include <linux/hbamgr.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <variant>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/time/clock.h"
#include "daemon/store/schema.h"
#include "daemon/store/sqlite_util.h"

namespace hbamgr::store {
namespace {

// How long a statement waits for another connection's write lock (e.g. an
// operator's sqlite3 shell) before failing with UNAVAILABLE.
constexpr int kBusyTimeoutMs = 5000;

absl::Status WithPath(const absl::Status& s, const std::string& path) {
  return absl::Status(s.code(), absl::StrCat("database ", path, ": ", s.message()));
}

// A WHERE clause under construction with its positional parameters.
class Filter {
 public:
  using Value = std::variant<int64_t, std::string>;

  void Add(absl::string_view condition, Value value) {
    params_.push_back(std::move(value));
    AddClause(absl::StrCat(condition, " ?", params_.size()));
  }
  // Unsigned 64-bit bounds on a column SQLite stores signed, so that no
  // stored value exceeds INT64_MAX: a lower bound above it matches no row,
  // an upper bound above it bounds nothing.
  void AddAtLeast(absl::string_view column, uint64_t min) {
    if (min > static_cast<uint64_t>(INT64_MAX)) return AddClause("0");
    Add(absl::StrCat(column, " >="), static_cast<int64_t>(min));
  }
  void AddAtMost(absl::string_view column, uint64_t max) {
    if (max > static_cast<uint64_t>(INT64_MAX)) return;
    Add(absl::StrCat(column, " <="), static_cast<int64_t>(max));
  }
  const std::string& sql() const { return sql_; }
  void BindTo(Statement& stmt) const {
    for (size_t i = 0; i < params_.size(); ++i) {
      std::visit([&](const auto& v) { stmt.Bind(static_cast<int>(i + 1), v); }, params_[i]);
    }
  }

 private:
  void AddClause(absl::string_view clause) {
    absl::StrAppend(&sql_, sql_.empty() ? " WHERE " : " AND ", clause);
  }

  std::string sql_;
  std::vector<Value> params_;
};

absl::Status EnableWal(sqlite3* db) {
  absl::StatusOr<Statement> wal = Statement::Prepare(db, "PRAGMA journal_mode = WAL");
  if (!wal.ok()) return wal.status();
  absl::StatusOr<bool> row = wal->Step();
  if (!row.ok()) return row.status();
  if (!*row || wal->ColumnText(0) != "wal") {
    return absl::FailedPreconditionError("cannot switch to WAL journal mode");
  }
  return absl::OkStatus();
}

// The database holds the audit trail, so it is the owner's alone (0600)
// whatever the umask: created with that mode before SQLite opens it, and
// tightened if an earlier run left it or its -wal/-shm files looser.  SQLite
// gives the -wal and -shm files it creates the database file's mode.
absl::Status MakeOwnerOnly(const std::string& path) {
  int fd = open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) {
    // A missing directory is reported by sqlite3_open_v2 as before.
    return errno == ENOENT
               ? absl::OkStatus()
               : absl::FailedPreconditionError(absl::StrCat("cannot open: ", std::strerror(errno)));
  }
  int err = fchmod(fd, 0600) == 0 ? 0 : errno;
  close(fd);
  if (err != 0) return absl::FailedPreconditionError(absl::StrCat("chmod: ", std::strerror(err)));
  for (const char* suffix : {"-wal", "-shm"}) {
    std::string file = path + suffix;
    if (chmod(file.c_str(), 0600) != 0 && errno != ENOENT) {
      return absl::FailedPreconditionError(
          absl::StrCat("chmod ", file, ": ", std::strerror(errno)));
    }
  }
  return absl::OkStatus();
}

std::string LimitClause(uint32_t limit) { return limit == 0 ? "" : absl::StrCat(" LIMIT ", limit); }

}  // namespace

EventRow EventRow::FromUapi(uint32_t adapter, const hbamgr_event& ev) {
  return EventRow{
      .adapter = adapter,
      .seq = ev.seq,
      .timestamp_ns = ev.timestamp_ns,
      .type = ev.type,
      .event_class = ev.event_class,
      .severity = ev.severity,
      .code = ev.code,
      .encl_id = ev.encl_id,
      .slot = ev.slot,
      .pd_id = ev.pd_id,
      .vd_id = ev.vd_id,
      .arg0 = ev.arg0,
      .arg1 = ev.arg1,
      .description = std::string(ev.description, strnlen(ev.description, sizeof(ev.description))),
  };
}

absl::StatusOr<std::unique_ptr<Store>> Store::Open(const std::string& path) {
  if (absl::Status s = MakeOwnerOnly(path); !s.ok()) return WithPath(s, path);
  sqlite3* db = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr);
  if (rc != SQLITE_OK) {
    absl::Status s = SqliteError(db, rc, "open");
    sqlite3_close(db);
    return WithPath(s, path);
  }
  std::unique_ptr<Store> store(new Store(db));
  sqlite3_busy_timeout(db, kBusyTimeoutMs);
  // Readers (queries) never block the event writer and vice versa; NORMAL
  // sync is durable across application crashes in WAL mode.
  if (absl::Status s = EnableWal(db); !s.ok()) return WithPath(s, path);
  if (absl::Status s = Exec(db, "PRAGMA synchronous = NORMAL"); !s.ok()) return WithPath(s, path);
  if (absl::Status s = MigrateTo(db, kSchemaVersion); !s.ok()) return WithPath(s, path);
  return store;
}

Store::Store(sqlite3* db) : db_(db) {}

Store::~Store() { sqlite3_close(db_); }

absl::StatusOr<size_t> Store::AddEvents(std::span<const EventRow> rows) {
  absl::MutexLock lock(&mu_);
  absl::StatusOr<WriteTransaction> tx = WriteTransaction::Begin(db_);
  if (!tx.ok()) return tx.status();
  absl::StatusOr<Statement> insert = Statement::Prepare(
      db_,
      "INSERT INTO events (adapter, seq, timestamp_ns, type, class, severity, code, encl, slot, "
      "pd, vd, arg0, arg1, description) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, "
      "?12, ?13, ?14) ON CONFLICT (adapter, seq) DO NOTHING");
  if (!insert.ok()) return insert.status();
  size_t added = 0;
  for (const EventRow& r : rows) {
    insert->Reset();
    insert->Bind(1, int64_t{r.adapter});
    insert->Bind(2, static_cast<int64_t>(r.seq));
    insert->Bind(3, static_cast<int64_t>(r.timestamp_ns));
    insert->Bind(4, int64_t{r.type});
    insert->Bind(5, int64_t{r.event_class});
    insert->Bind(6, int64_t{r.severity});
    insert->Bind(7, int64_t{r.code});
    insert->Bind(8, int64_t{r.encl_id});
    insert->Bind(9, int64_t{r.slot});
    insert->Bind(10, int64_t{r.pd_id});
    insert->Bind(11, int64_t{r.vd_id});
    insert->Bind(12, int64_t{r.arg0});
    insert->Bind(13, int64_t{r.arg1});
    insert->Bind(14, absl::string_view(r.description));
    if (absl::Status s = insert->Run(); !s.ok()) return s;
    added += static_cast<size_t>(sqlite3_changes(db_));
  }
  if (absl::Status s = tx->Commit(); !s.ok()) return s;
  return added;
}

absl::StatusOr<uint64_t> Store::LastEventSeq(uint32_t adapter) {
  absl::MutexLock lock(&mu_);
  absl::StatusOr<Statement> stmt =
      Statement::Prepare(db_, "SELECT COALESCE(MAX(seq), 0) FROM events WHERE adapter = ?1");
  if (!stmt.ok()) return stmt.status();
  stmt->Bind(1, int64_t{adapter});
  absl::StatusOr<bool> row = stmt->Step();
  if (!row.ok()) return row.status();
  return static_cast<uint64_t>(stmt->ColumnInt(0));
}

absl::StatusOr<std::optional<EventLog>> Store::FindEventLog(uint32_t adapter,
                                                            std::optional<uint64_t> log_id) {
  absl::MutexLock lock(&mu_);
  absl::StatusOr<Statement> stmt = Statement::Prepare(
      db_, log_id ? "SELECT log_id, seq_base FROM event_logs WHERE adapter = ?1 AND log_id = ?2"
                  : "SELECT log_id, seq_base FROM event_logs WHERE adapter = ?1 "
                    "ORDER BY rowid DESC LIMIT 1");
  if (!stmt.ok()) return stmt.status();
  stmt->Bind(1, int64_t{adapter});
  // SQLite integers are signed: a log id keeps its 64 bits as an int64.
  if (log_id) stmt->Bind(2, static_cast<int64_t>(*log_id));
  absl::StatusOr<bool> row = stmt->Step();
  if (!row.ok()) return row.status();
  if (!*row) return std::nullopt;
  return EventLog{.log_id = static_cast<uint64_t>(stmt->ColumnInt(0)),
                  .seq_base = static_cast<uint64_t>(stmt->ColumnInt(1))};
}

absl::Status Store::AddEventLog(uint32_t adapter, const EventLog& log) {
  absl::MutexLock lock(&mu_);
  absl::StatusOr<Statement> insert = Statement::Prepare(
      db_,
      "INSERT INTO event_logs (adapter, log_id, seq_base, attached_ns) VALUES (?1, ?2, ?3, ?4) "
      "ON CONFLICT (adapter, log_id) DO NOTHING");
  if (!insert.ok()) return insert.status();
  insert->Bind(1, int64_t{adapter});
  insert->Bind(2, static_cast<int64_t>(log.log_id));
  insert->Bind(3, static_cast<int64_t>(log.seq_base));
  insert->Bind(4, absl::ToUnixNanos(absl::Now()));
  if (absl::Status s = insert->Run(); !s.ok()) return s;
  if (sqlite3_changes(db_) == 0) {
    return absl::AlreadyExistsError(
        absl::StrCat("adapter ", adapter, ": event log ", log.log_id, " is already recorded"));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<EventRow>> Store::QueryEvents(const EventQuery& q) {
  Filter filter;
  if (q.adapter) filter.Add("adapter =", int64_t{*q.adapter});
  if (q.min_severity) filter.Add("severity >=", int64_t{*q.min_severity});
  if (q.event_class) filter.Add("class =", int64_t{*q.event_class});
  if (q.code) filter.Add("code =", int64_t{*q.code});
  if (q.min_seq) filter.AddAtLeast("seq", *q.min_seq);
  if (q.max_seq) filter.AddAtMost("seq", *q.max_seq);
  if (q.since_ns) filter.AddAtLeast("timestamp_ns", *q.since_ns);
  const char* dir = q.newest_first ? " DESC" : " ASC";
  std::string order =
      q.adapter ? absl::StrCat(" ORDER BY seq", dir)
                : absl::StrCat(" ORDER BY timestamp_ns", dir, ", adapter", dir, ", seq", dir);
  std::string sql = absl::StrCat(
      "SELECT adapter, seq, timestamp_ns, type, class, severity, code, encl, slot, pd, vd, arg0, "
      "arg1, description FROM events",
      filter.sql(), order, LimitClause(q.limit));

  absl::MutexLock lock(&mu_);
  absl::StatusOr<Statement> stmt = Statement::Prepare(db_, sql);
  if (!stmt.ok()) return stmt.status();
  filter.BindTo(*stmt);
  std::vector<EventRow> out;
  for (;;) {
    absl::StatusOr<bool> row = stmt->Step();
    if (!row.ok()) return row.status();
    if (!*row) break;
    out.push_back(EventRow{
        .adapter = static_cast<uint32_t>(stmt->ColumnInt(0)),
        .seq = static_cast<uint64_t>(stmt->ColumnInt(1)),
        .timestamp_ns = static_cast<uint64_t>(stmt->ColumnInt(2)),
        .type = static_cast<uint16_t>(stmt->ColumnInt(3)),
        .event_class = static_cast<uint8_t>(stmt->ColumnInt(4)),
        .severity = static_cast<uint8_t>(stmt->ColumnInt(5)),
        .code = static_cast<uint32_t>(stmt->ColumnInt(6)),
        .encl_id = static_cast<uint16_t>(stmt->ColumnInt(7)),
        .slot = static_cast<uint16_t>(stmt->ColumnInt(8)),
        .pd_id = static_cast<uint16_t>(stmt->ColumnInt(9)),
        .vd_id = static_cast<uint16_t>(stmt->ColumnInt(10)),
        .arg0 = static_cast<uint32_t>(stmt->ColumnInt(11)),
        .arg1 = static_cast<uint32_t>(stmt->ColumnInt(12)),
        .description = stmt->ColumnText(13),
    });
  }
  return out;
}

absl::StatusOr<int64_t> Store::AddAudit(const AuditRow& r) {
  absl::MutexLock lock(&mu_);
  absl::StatusOr<WriteTransaction> tx = WriteTransaction::Begin(db_);
  if (!tx.ok()) return tx.status();
  absl::StatusOr<Statement> insert = Statement::Prepare(
      db_,
      "INSERT INTO audit (time_ns, peer, method, target, arguments, result_code, result_message, "
      "duration_us) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)");
  if (!insert.ok()) return insert.status();
  insert->Bind(1, r.time_ns);
  insert->Bind(2, absl::string_view(r.peer));
  insert->Bind(3, absl::string_view(r.method));
  insert->Bind(4, absl::string_view(r.target));
  insert->Bind(5, absl::string_view(r.arguments));
  insert->Bind(6, int64_t{r.result_code});
  insert->Bind(7, absl::string_view(r.result_message));
  insert->Bind(8, r.duration_us);
  if (absl::Status s = insert->Run(); !s.ok()) return s;
  int64_t id = sqlite3_last_insert_rowid(db_);
  if (absl::Status s = tx->Commit(); !s.ok()) return s;
  return id;
}

absl::StatusOr<std::vector<AuditRow>> Store::QueryAudit(const AuditQuery& q) {
  Filter filter;
  if (q.since_ns) filter.AddAtLeast("time_ns", *q.since_ns);
  if (q.peer) filter.Add("peer =", *q.peer);
  if (q.method) filter.Add("method =", *q.method);
  const char* dir = q.newest_first ? " DESC" : " ASC";
  std::string sql = absl::StrCat(
      "SELECT id, time_ns, peer, method, target, arguments, result_code, result_message, "
      "duration_us FROM audit",
      filter.sql(), " ORDER BY time_ns", dir, ", id", dir, LimitClause(q.limit));

  absl::MutexLock lock(&mu_);
  absl::StatusOr<Statement> stmt = Statement::Prepare(db_, sql);
  if (!stmt.ok()) return stmt.status();
  filter.BindTo(*stmt);
  std::vector<AuditRow> out;
  for (;;) {
    absl::StatusOr<bool> row = stmt->Step();
    if (!row.ok()) return row.status();
    if (!*row) break;
    out.push_back(AuditRow{
        .id = stmt->ColumnInt(0),
        .time_ns = stmt->ColumnInt(1),
        .peer = stmt->ColumnText(2),
        .method = stmt->ColumnText(3),
        .target = stmt->ColumnText(4),
        .arguments = stmt->ColumnText(5),
        .result_code = static_cast<int32_t>(stmt->ColumnInt(6)),
        .result_message = stmt->ColumnText(7),
        .duration_us = stmt->ColumnInt(8),
    });
  }
  return out;
}

absl::StatusOr<int64_t> Store::AddHealth(const HealthRow& r) {
  absl::MutexLock lock(&mu_);
  absl::StatusOr<WriteTransaction> tx = WriteTransaction::Begin(db_);
  if (!tx.ok()) return tx.status();
  absl::StatusOr<Statement> insert = Statement::Prepare(
      db_, "INSERT INTO health (time_ns, adapter, state, reason) VALUES (?1, ?2, ?3, ?4)");
  if (!insert.ok()) return insert.status();
  insert->Bind(1, r.time_ns);
  insert->Bind(2, int64_t{r.adapter});
  insert->Bind(3, absl::string_view(r.state));
  insert->Bind(4, absl::string_view(r.reason));
  if (absl::Status s = insert->Run(); !s.ok()) return s;
  int64_t id = sqlite3_last_insert_rowid(db_);
  if (absl::Status s = tx->Commit(); !s.ok()) return s;
  return id;
}

absl::StatusOr<std::vector<HealthRow>> Store::QueryHealth(const HealthQuery& q) {
  Filter filter;
  if (q.adapter) filter.Add("adapter =", int64_t{*q.adapter});
  if (q.since_ns) filter.AddAtLeast("time_ns", *q.since_ns);
  const char* dir = q.newest_first ? " DESC" : " ASC";
  std::string sql =
      absl::StrCat("SELECT id, time_ns, adapter, state, reason FROM health", filter.sql(),
                   " ORDER BY time_ns", dir, ", id", dir, LimitClause(q.limit));

  absl::MutexLock lock(&mu_);
  absl::StatusOr<Statement> stmt = Statement::Prepare(db_, sql);
  if (!stmt.ok()) return stmt.status();
  filter.BindTo(*stmt);
  std::vector<HealthRow> out;
  for (;;) {
    absl::StatusOr<bool> row = stmt->Step();
    if (!row.ok()) return row.status();
    if (!*row) break;
    out.push_back(HealthRow{
        .id = stmt->ColumnInt(0),
        .time_ns = stmt->ColumnInt(1),
        .adapter = static_cast<uint32_t>(stmt->ColumnInt(2)),
        .state = stmt->ColumnText(3),
        .reason = stmt->ColumnText(4),
    });
  }
  return out;
}

absl::StatusOr<uint64_t> Store::DeleteOlderThan(const char* table, const char* time_column,
                                                absl::Time cutoff, uint32_t batch,
                                                uint64_t* batches) {
  std::string sql =
      absl::StrCat("DELETE FROM ", table, " WHERE rowid IN (SELECT rowid FROM ", table, " WHERE ",
                   time_column, " < ?1 ORDER BY ", time_column, " LIMIT ?2)");
  uint64_t deleted = 0;
  for (;;) {
    // The lock is taken per batch so event ingestion interleaves with a
    // long cleanup instead of waiting for all of it.
    absl::MutexLock lock(&mu_);
    absl::StatusOr<WriteTransaction> tx = WriteTransaction::Begin(db_);
    if (!tx.ok()) return tx.status();
    absl::StatusOr<Statement> del = Statement::Prepare(db_, sql);
    if (!del.ok()) return del.status();
    del->Bind(1, absl::ToUnixNanos(cutoff));
    del->Bind(2, int64_t{batch});
    if (absl::Status s = del->Run(); !s.ok()) return s;
    uint64_t n = static_cast<uint64_t>(sqlite3_changes(db_));
    if (absl::Status s = tx->Commit(); !s.ok()) return s;
    ++*batches;
    deleted += n;
    if (n < batch) return deleted;
  }
}

absl::StatusOr<RetentionResult> Store::ApplyRetention(const RetentionPolicy& policy,
                                                      absl::Time now) {
  if (policy.batch == 0) return absl::InvalidArgumentError("retention batch must be > 0");
  struct Target {
    const char* table;
    const char* time_column;
    absl::Duration max_age;
    uint64_t* deleted;
  };
  RetentionResult result;
  const Target targets[] = {
      {"events", "timestamp_ns", policy.event_max_age, &result.events_deleted},
      {"audit", "time_ns", policy.audit_max_age, &result.audit_deleted},
      {"health", "time_ns", policy.health_max_age, &result.health_deleted},
  };
  for (const Target& t : targets) {
    if (t.max_age == absl::InfiniteDuration()) continue;
    absl::StatusOr<uint64_t> n =
        DeleteOlderThan(t.table, t.time_column, now - t.max_age, policy.batch, &result.batches);
    if (!n.ok()) return n.status();
    *t.deleted = *n;
  }
  return result;
}

}  // namespace hbamgr::store
