#include "daemon/store/store.h"

#include <fcntl.h>
#include <linux/hbamgr.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <algorithm>
#include <filesystem>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/time/clock.h"
#include "daemon/store/queries.h"
#include "daemon/store/schema.h"
#include "daemon/store/sqlite_util.h"
#include "daemon/store/store_internal.h"

namespace hbamgr::store {
namespace {

// How long a statement waits for another connection's lock (an operator's
// sqlite3 shell writing, a reader during WAL recovery) before failing with
// UNAVAILABLE.
constexpr int kBusyTimeoutMs = 5000;
// How long a checkpoint of a log above its limit waits for readers to move
// to the newest snapshot, holding the writer off meanwhile (the writer waits
// for it, so ingestion stalls at most this long, and only while readers have
// kept the log from starting over).
constexpr int kWalLimitWaitMs = 500;
// Checkpoint rounds that chase the writer before giving up until next time.
constexpr int kCheckpointRounds = 4;

absl::Status WithPath(const absl::Status& s, const std::string& path) {
  absl::Status out(s.code(), absl::StrCat("database ", path, ": ", s.message()));
  s.ForEachPayload(
      [&](absl::string_view url, const absl::Cord& payload) { out.SetPayload(url, payload); });
  return out;
}

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

// Makes writes that would grow the database beyond `max_bytes` fail with
// SQLITE_FULL.
absl::StatusOr<uint64_t> PageSize(sqlite3* db) {
  absl::StatusOr<Statement> page_size = Statement::Prepare(db, "PRAGMA page_size");
  if (!page_size.ok()) return page_size.status();
  absl::StatusOr<bool> row = page_size->Step();
  if (!row.ok()) return row.status();
  return static_cast<uint64_t>(page_size->ColumnInt(0));
}

absl::Status LimitSize(sqlite3* db, uint64_t max_bytes) {
  absl::StatusOr<uint64_t> page_size = PageSize(db);
  if (!page_size.ok()) return page_size.status();
  const uint64_t pages = std::max<uint64_t>(1, max_bytes / *page_size);
  return Exec(db, absl::StrCat("PRAGMA max_page_count = ", pages).c_str());
}

// A connection used by one thread at a time (the writer under write_mu_, a
// reader while leased), so SQLite's own mutexes are not needed.
absl::StatusOr<sqlite3*> OpenConnection(const std::string& path, int flags) {
  sqlite3* db = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &db, flags | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    absl::Status s = SqliteError(db, rc, "open");
    sqlite3_close(db);
    return WithPath(s, path);
  }
  sqlite3_busy_timeout(db, kBusyTimeoutMs);
  return db;
}

// Reads every row of `stmt` with `read`.
template <typename Row, typename Read>
absl::Status ReadAll(Statement& stmt, Read read, std::vector<Row>& out) {
  for (;;) {
    absl::StatusOr<bool> row = stmt.Step();
    if (!row.ok()) return row.status();
    if (!*row) return absl::OkStatus();
    out.push_back(read(stmt));
  }
}

// Runs a filtered read built by queries.h on `stmt`, its prepared SQL.
template <typename Row, typename Read>
absl::Status RunQuery(absl::StatusOr<Statement> stmt, const SqlQuery& query, Read read,
                      std::vector<Row>& out) {
  if (!stmt.ok()) return stmt.status();
  query.BindTo(*stmt);
  return ReadAll(*stmt, read, out);
}

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

absl::StatusOr<std::unique_ptr<Store>> Store::Open(const std::string& path, StoreOptions options) {
  if (absl::Status s = MakeOwnerOnly(path); !s.ok()) return WithPath(s, path);
  absl::StatusOr<sqlite3*> db = OpenConnection(path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
  if (!db.ok()) return db.status();
  auto writer = std::make_unique<Connection>(*db);
  // Readers (queries) never block the event writer and vice versa; NORMAL
  // sync is durable across application crashes in WAL mode.
  if (absl::Status s = EnableWal(*db); !s.ok()) return WithPath(s, path);
  if (absl::Status s = Exec(*db, "PRAGMA synchronous = NORMAL"); !s.ok()) return WithPath(s, path);
  absl::StatusOr<int> schema_found = SchemaVersion(*db);
  if (!schema_found.ok()) return WithPath(schema_found.status(), path);
  if (absl::Status s = MigrateTo(*db, kSchemaVersion); !s.ok()) return WithPath(s, path);
  if (options.max_bytes != 0) {
    if (absl::Status s = LimitSize(*db, options.max_bytes); !s.ok()) return WithPath(s, path);
  }
  // Checkpoints belong to CheckpointWal(), not to the writer's commits; when
  // the log starts over, its file shrinks back to the limit.
  const std::string wal_pragmas =
      absl::StrCat("PRAGMA wal_autocheckpoint = 0; PRAGMA journal_size_limit = ",
                   options.wal_limit_bytes);
  if (absl::Status s = Exec(*db, wal_pragmas.c_str()); !s.ok()) return WithPath(s, path);
  absl::StatusOr<sqlite3*> checkpoint_db = OpenConnection(path, SQLITE_OPEN_READWRITE);
  if (!checkpoint_db.ok()) return checkpoint_db.status();
  auto checkpointer = std::make_unique<Connection>(*checkpoint_db);
  // Until it has read the database, a connection does not know the log is
  // there, and its checkpoints do nothing.
  if (absl::Status s = EnableWal(*checkpoint_db); !s.ok()) return WithPath(s, path);
  if (absl::Status s = Exec(*checkpoint_db, wal_pragmas.c_str()); !s.ok()) {
    return WithPath(s, path);
  }
  absl::StatusOr<uint64_t> page_size = PageSize(*db);
  if (!page_size.ok()) return WithPath(page_size.status(), path);
  if (options.readers == 0) options.readers = 1;
  return std::unique_ptr<Store>(new Store(path, options, *schema_found, std::move(writer),
                                          std::move(checkpointer), *page_size));
}

Store::Store(std::string path, StoreOptions options, int schema_found,
             std::unique_ptr<Connection> writer, std::unique_ptr<Connection> checkpointer,
             uint64_t page_size)
    : path_(std::move(path)),
      options_(options),
      schema_found_(schema_found),
      checkpoint_due_frames_(std::max<uint64_t>(1, options.wal_checkpoint_bytes / page_size)),
      writer_(std::move(writer)),
      checkpointer_(std::move(checkpointer)) {
  absl::MutexLock lock(&write_mu_);
  sqlite3_wal_hook(writer_->db(), &Store::OnWalCommit, this);
}

int Store::OnWalCommit(void* self, sqlite3* /*db*/, const char* /*schema*/, int frames) {
  auto* store = static_cast<Store*>(self);
  store->write_mu_.AssertHeld();  // only the writer commits
  if (static_cast<uint64_t>(frames) >= store->checkpoint_due_frames_ &&
      store->checkpoint_due_) {
    store->checkpoint_due_();
  }
  return SQLITE_OK;
}

void Store::SetCheckpointDue(std::function<void()> due) {
  absl::MutexLock lock(&write_mu_);
  checkpoint_due_ = std::move(due);
}

Store::~Store() = default;

absl::Status Store::Writing(const std::function<absl::Status(Connection&)>& body) {
  absl::Status status;
  {
    absl::MutexLock lock(&write_mu_);
    status = body(*writer_);
  }
  NoteWrite(status);
  return status;
}

absl::Status Store::Reading(const std::function<absl::Status(Connection&)>& body) {
  std::unique_ptr<Connection> reader;
  {
    absl::MutexLock lock(&readers_mu_);
    readers_mu_.Await(absl::Condition(
        +[](Store* self) ABSL_EXCLUSIVE_LOCKS_REQUIRED(self->readers_mu_) {
          return !self->idle_readers_.empty() || self->open_readers_ < self->options_.readers;
        },
        this));
    if (!idle_readers_.empty()) {
      reader = std::move(idle_readers_.back());
      idle_readers_.pop_back();
    } else {
      ++open_readers_;  // opened below, without the lock
    }
  }
  if (reader == nullptr) {
    absl::StatusOr<sqlite3*> db = OpenConnection(path_, SQLITE_OPEN_READONLY);
    if (!db.ok()) {
      absl::MutexLock lock(&readers_mu_);
      --open_readers_;
      return db.status();
    }
    reader = std::make_unique<Connection>(*db);
  }
  absl::Status status = body(*reader);
  absl::MutexLock lock(&readers_mu_);
  idle_readers_.push_back(std::move(reader));
  return status;
}

absl::StatusOr<size_t> Store::AddEvents(std::span<const EventRow> rows) {
  size_t added = 0;
  absl::Status status = Writing([&](Connection& c) -> absl::Status {
    absl::StatusOr<WriteTransaction> tx = WriteTransaction::Begin(c.db());
    if (!tx.ok()) return tx.status();
    absl::StatusOr<Statement> insert = c.Get(
        "INSERT INTO events (adapter, seq, timestamp_ns, type, class, severity, code, encl, "
        "slot, pd, vd, arg0, arg1, description) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, "
        "?10, ?11, ?12, ?13, ?14) ON CONFLICT (adapter, seq) DO NOTHING");
    if (!insert.ok()) return insert.status();
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
      added += static_cast<size_t>(sqlite3_changes(c.db()));
    }
    return tx->Commit();
  });
  if (!status.ok()) return status;
  return added;
}

absl::StatusOr<uint64_t> Store::LastEventSeq(uint32_t adapter) {
  uint64_t last = 0;
  absl::Status status = Reading([&](Connection& c) -> absl::Status {
    absl::StatusOr<Statement> stmt =
        c.Get("SELECT COALESCE(MAX(seq), 0) FROM events WHERE adapter = ?1");
    if (!stmt.ok()) return stmt.status();
    stmt->Bind(1, int64_t{adapter});
    absl::StatusOr<bool> row = stmt->Step();
    if (!row.ok()) return row.status();
    last = static_cast<uint64_t>(stmt->ColumnInt(0));
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return last;
}

absl::StatusOr<std::optional<EventLog>> Store::FindEventLog(uint32_t adapter,
                                                            std::optional<uint64_t> log_id) {
  std::optional<EventLog> log;
  absl::Status status = Reading([&](Connection& c) -> absl::Status {
    absl::StatusOr<Statement> stmt = c.Get(
        log_id ? "SELECT log_id, seq_base FROM event_logs WHERE adapter = ?1 AND log_id = ?2"
               : "SELECT log_id, seq_base FROM event_logs WHERE adapter = ?1 "
                 "ORDER BY rowid DESC LIMIT 1");
    if (!stmt.ok()) return stmt.status();
    stmt->Bind(1, int64_t{adapter});
    // SQLite integers are signed: a log id keeps its 64 bits as an int64.
    if (log_id) stmt->Bind(2, static_cast<int64_t>(*log_id));
    absl::StatusOr<bool> row = stmt->Step();
    if (!row.ok()) return row.status();
    if (*row) {
      log = EventLog{.log_id = static_cast<uint64_t>(stmt->ColumnInt(0)),
                     .seq_base = static_cast<uint64_t>(stmt->ColumnInt(1))};
    }
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return log;
}

absl::Status Store::AddEventLog(uint32_t adapter, const EventLog& log) {
  bool added = false;
  absl::Status status = Writing([&](Connection& c) -> absl::Status {
    absl::StatusOr<Statement> insert = c.Get(
        "INSERT INTO event_logs (adapter, log_id, seq_base, attached_ns) VALUES (?1, ?2, ?3, ?4) "
        "ON CONFLICT (adapter, log_id) DO NOTHING");
    if (!insert.ok()) return insert.status();
    insert->Bind(1, int64_t{adapter});
    insert->Bind(2, static_cast<int64_t>(log.log_id));
    insert->Bind(3, static_cast<int64_t>(log.seq_base));
    insert->Bind(4, absl::ToUnixNanos(absl::Now()));
    if (absl::Status s = insert->Run(); !s.ok()) return s;
    added = sqlite3_changes(c.db()) != 0;
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  if (!added) {
    return absl::AlreadyExistsError(
        absl::StrCat("adapter ", adapter, ": event log ", log.log_id, " is already recorded"));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<EventRow>> Store::QueryEvents(const EventQuery& q) {
  const SqlQuery query = EventsQuery(q);
  std::vector<EventRow> out;
  absl::Status status =
      Reading([&](Connection& c) { return RunQuery(c.Get(query.sql), query, ReadEventRow, out); });
  if (!status.ok()) return status;
  return out;
}

absl::StatusOr<int64_t> Store::AddAudit(const AuditRow& r) {
  int64_t id = 0;
  absl::Status status = Writing([&](Connection& c) -> absl::Status {
    absl::StatusOr<Statement> insert =
        c.Get("INSERT INTO audit (time_ns, peer, method, target, arguments, result_code, "
              "result_message, duration_us) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)");
    if (!insert.ok()) return insert.status();
    insert->Bind(1, r.time_ns);
    insert->Bind(2, absl::string_view(r.peer));
    insert->Bind(3, absl::string_view(r.method));
    insert->Bind(4, absl::string_view(r.target));
    insert->Bind(5, absl::string_view(r.arguments));
    insert->Bind(6, int64_t{r.result_code});
    insert->Bind(7, absl::string_view(r.result_message));
    insert->Bind(8, r.duration_us);
    if (absl::Status s = insert->Run(); !s.ok()) return s;  // one statement: autocommit
    id = sqlite3_last_insert_rowid(c.db());
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return id;
}

absl::Status Store::FinishAudit(int64_t id, const AuditRow& r) {
  bool updated = false;
  absl::Status status = Writing([&](Connection& c) -> absl::Status {
    absl::StatusOr<Statement> update = c.Get(
        "UPDATE audit SET result_code = ?2, result_message = ?3, duration_us = ?4 WHERE id = ?1");
    if (!update.ok()) return update.status();
    update->Bind(1, id);
    update->Bind(2, int64_t{r.result_code});
    update->Bind(3, absl::string_view(r.result_message));
    update->Bind(4, r.duration_us);
    if (absl::Status s = update->Run(); !s.ok()) return s;
    updated = sqlite3_changes(c.db()) != 0;
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  if (!updated) return absl::NotFoundError(absl::StrCat("no audit record ", id));
  return absl::OkStatus();
}

absl::StatusOr<std::vector<AuditRow>> Store::QueryAudit(const AuditQuery& q) {
  const SqlQuery query = AuditQuerySql(q);
  std::vector<AuditRow> out;
  absl::Status status = Reading([&](Connection& c) {
    return RunQuery(
        c.Get(query.sql), query,
        [](const Statement& stmt) {
          return AuditRow{
              .id = stmt.ColumnInt(0),
              .time_ns = stmt.ColumnInt(1),
              .peer = stmt.ColumnText(2),
              .method = stmt.ColumnText(3),
              .target = stmt.ColumnText(4),
              .arguments = stmt.ColumnText(5),
              .result_code = static_cast<int32_t>(stmt.ColumnInt(6)),
              .result_message = stmt.ColumnText(7),
              .duration_us = stmt.ColumnInt(8),
          };
        },
        out);
  });
  if (!status.ok()) return status;
  return out;
}

absl::StatusOr<int64_t> Store::AddHealth(const HealthRow& r) {
  int64_t id = 0;
  absl::Status status = Writing([&](Connection& c) -> absl::Status {
    absl::StatusOr<Statement> insert =
        c.Get("INSERT INTO health (time_ns, adapter, state, reason) VALUES (?1, ?2, ?3, ?4)");
    if (!insert.ok()) return insert.status();
    insert->Bind(1, r.time_ns);
    insert->Bind(2, int64_t{r.adapter});
    insert->Bind(3, absl::string_view(r.state));
    insert->Bind(4, absl::string_view(r.reason));
    if (absl::Status s = insert->Run(); !s.ok()) return s;  // one statement: autocommit
    id = sqlite3_last_insert_rowid(c.db());
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return id;
}

absl::StatusOr<std::vector<HealthRow>> Store::QueryHealth(const HealthQuery& q) {
  const SqlQuery query = HealthQuerySql(q);
  std::vector<HealthRow> out;
  absl::Status status = Reading([&](Connection& c) {
    return RunQuery(
        c.Get(query.sql), query,
        [](const Statement& stmt) {
          return HealthRow{
              .id = stmt.ColumnInt(0),
              .time_ns = stmt.ColumnInt(1),
              .adapter = static_cast<uint32_t>(stmt.ColumnInt(2)),
              .state = stmt.ColumnText(3),
              .reason = stmt.ColumnText(4),
          };
        },
        out);
  });
  if (!status.ok()) return status;
  return out;
}

absl::StatusOr<uint64_t> Store::DeleteOlderThan(const char* table, const char* time_column,
                                                absl::Time cutoff, uint32_t batch,
                                                uint64_t* batches,
                                                const std::function<bool()>& keep_going) {
  const std::string sql = DeleteOlderThanSql(table, time_column);
  uint64_t deleted = 0;
  for (;;) {
    if (keep_going && !keep_going()) return deleted;
    // One batch per write lock, so event ingestion interleaves with a long
    // cleanup instead of waiting for all of it.
    uint64_t n = 0;
    absl::Status status = Writing([&](Connection& c) -> absl::Status {
      absl::StatusOr<Statement> del = c.Get(sql);
      if (!del.ok()) return del.status();
      del->Bind(1, absl::ToUnixNanos(cutoff));
      del->Bind(2, int64_t{batch});
      if (absl::Status s = del->Run(); !s.ok()) return s;  // one statement: autocommit
      n = static_cast<uint64_t>(sqlite3_changes(c.db()));
      return absl::OkStatus();
    });
    if (!status.ok()) return status;
    ++*batches;
    deleted += n;
    if (n < batch) return deleted;
  }
}

absl::StatusOr<RetentionResult> Store::ApplyRetention(const RetentionPolicy& policy,
                                                      absl::Time now,
                                                      const std::function<bool()>& keep_going) {
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
    absl::StatusOr<uint64_t> n = DeleteOlderThan(t.table, t.time_column, now - t.max_age,
                                                 policy.batch, &result.batches, keep_going);
    if (!n.ok()) return n.status();
    *t.deleted = *n;
  }
  return result;
}

uint64_t Store::WalBytes() const {
  struct stat st;
  const std::string wal = path_ + "-wal";
  return stat(wal.c_str(), &st) == 0 ? static_cast<uint64_t>(st.st_size) : 0;
}

absl::Status Store::CheckpointWal() {
  absl::MutexLock lock(&checkpoint_mu_);
  sqlite3* db = checkpointer_->db();
  // Copies what no reader still needs, waiting for nobody.  When all is
  // copied, the writer starts the log over at its next transaction, reusing
  // the file (journal_size_limit trims it).  The writer appends meanwhile,
  // so a few rounds: each has less to copy than the one before.
  int log = 0;
  int copied = 0;
  int rc = SQLITE_OK;
  for (int round = 0; round < kCheckpointRounds; ++round) {
    const int copied_before = copied;
    rc = sqlite3_wal_checkpoint_v2(db, nullptr, SQLITE_CHECKPOINT_PASSIVE, &log, &copied);
    if (rc != SQLITE_OK && rc != SQLITE_BUSY) {
      return WithPath(SqliteError(db, rc, "checkpoint"), path_);
    }
    if (log == copied || (round > 0 && copied <= copied_before)) break;  // done, or stuck
  }
  const absl::Time now = absl::Now();
  if (WalBytes() <= options_.wal_limit_bytes || now < next_forced_checkpoint_) {
    return absl::OkStatus();
  }
  // Over the limit: readers kept the log from starting over.  The writer
  // waits on write_mu_ (SQLite's busy polling would rarely find the gap
  // between two of its transactions) while the checkpoint waits for readers
  // to move to the newest snapshot, then truncates the log.  When readers
  // outlast the wait, the writer is not held off again for a while.
  absl::MutexLock hold_writer(&write_mu_);
  sqlite3_busy_timeout(db, kWalLimitWaitMs);
  rc = sqlite3_wal_checkpoint_v2(db, nullptr, SQLITE_CHECKPOINT_TRUNCATE, &log, &copied);
  sqlite3_busy_timeout(db, kBusyTimeoutMs);
  if (rc == SQLITE_BUSY) next_forced_checkpoint_ = now + options_.wal_limit_retry_after;
  if (rc != SQLITE_OK && rc != SQLITE_BUSY) {
    return WithPath(SqliteError(db, rc, "checkpoint"), path_);
  }
  return absl::OkStatus();
}

void Store::SetFaultListener(std::function<void(const absl::Status&)> listener) {
  fault_listener_ = std::move(listener);
}

absl::Status Store::WriteFault() const {
  absl::MutexLock lock(&fault_mu_);
  return fault_;
}

void Store::NoteWrite(const absl::Status& status, bool probe) {
  absl::Status fault;
  if (status.ok()) {
    absl::MutexLock lock(&fault_mu_);
    // A small write that fits does not end a "filesystem full" of the
    // space check; the probe, made once space is back, does.
    if (fault_.ok() || (space_fault_ && !probe)) return;
  } else {
    std::optional<int> rc = SqliteResultCode(status);
    if (!rc || !IsStorageFault(*rc)) return;  // contention or a bug, not the storage
    fault = absl::UnavailableError(
        absl::StrCat("database ", path_, " cannot be written: ", status.message()));
  }
  absl::MutexLock order(&listener_mu_);
  {
    absl::MutexLock lock(&fault_mu_);
    if ((status.ok() && space_fault_ && !probe) || fault_ == fault) return;
    fault_ = fault;
    space_fault_ = false;
  }
  if (fault_listener_) fault_listener_(fault);
}

absl::Status Store::CheckWritable() {
  // The filesystem first: full or read-only is a fault before any write
  // fails (an admin call's audit record would be the first casualty).
  const std::filesystem::path dir = std::filesystem::path(path_).parent_path();
  struct statvfs fs;
  std::string space_problem;
  if (statvfs(dir.empty() ? "." : dir.c_str(), &fs) == 0) {
    // hbamgrd runs as root, which may use the blocks reserved for root.
    const uint64_t free_blocks = geteuid() == 0 ? fs.f_bfree : fs.f_bavail;
    const uint64_t free_bytes = free_blocks * fs.f_frsize;
    if (fs.f_flag & ST_RDONLY) {
      space_problem = "the filesystem is mounted read-only";
    } else if (free_bytes < options_.min_free_bytes) {
      space_problem = absl::StrCat("the filesystem is full (", free_bytes, " bytes free)");
    }
  }
  if (!space_problem.empty()) {
    absl::Status fault = absl::UnavailableError(
        absl::StrCat("database ", path_, " cannot be written: ", space_problem));
    absl::MutexLock order(&listener_mu_);
    {
      absl::MutexLock lock(&fault_mu_);
      // A write's own error says more; keep it.
      if ((!fault_.ok() && !space_fault_) || fault_ == fault) return fault_;
      fault_ = fault;
      space_fault_ = true;
    }
    if (fault_listener_) fault_listener_(fault);
    return fault;
  }
  if (WriteFault().ok()) return absl::OkStatus();
  // In a fault with space available: does a write work again?
  absl::Status probe;
  {
    absl::MutexLock lock(&write_mu_);
    probe = [&]() -> absl::Status {
      absl::StatusOr<Statement> upsert =
          writer_->Get("INSERT INTO store_probe (id, time_ns) VALUES (1, ?1) "
                       "ON CONFLICT (id) DO UPDATE SET time_ns = excluded.time_ns");
      if (!upsert.ok()) return upsert.status();
      upsert->Bind(1, absl::ToUnixNanos(absl::Now()));
      return upsert->Run();
    }();
  }
  NoteWrite(probe, /*probe=*/true);
  return WriteFault();
}

}  // namespace hbamgr::store
