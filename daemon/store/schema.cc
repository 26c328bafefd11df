#include "daemon/store/schema.h"

#include <linux/hbamgr.h>

#include <iterator>

#include "absl/strings/str_cat.h"
#include "daemon/store/sqlite_util.h"
#include "daemon/store/store.h"

namespace hbamgr::store {
namespace {

constexpr const char* kMigrations[] = {
    // 1: events, command audit, health history.  Every table is trimmed by
    // time, hence the time indexes.
    R"sql(
      CREATE TABLE events (
        adapter INTEGER NOT NULL,
        seq INTEGER NOT NULL,
        timestamp_ns INTEGER NOT NULL,
        type INTEGER NOT NULL,
        class INTEGER NOT NULL,
        severity INTEGER NOT NULL,
        code INTEGER NOT NULL,
        encl INTEGER NOT NULL,
        slot INTEGER NOT NULL,
        pd INTEGER NOT NULL,
        vd INTEGER NOT NULL,
        arg0 INTEGER NOT NULL,
        arg1 INTEGER NOT NULL,
        description TEXT NOT NULL,
        UNIQUE (adapter, seq));
      CREATE INDEX events_by_time ON events (timestamp_ns);
      CREATE TABLE audit (
        id INTEGER PRIMARY KEY,
        time_ns INTEGER NOT NULL,
        peer TEXT NOT NULL,
        method TEXT NOT NULL,
        target TEXT NOT NULL,
        arguments TEXT NOT NULL,
        result_code INTEGER NOT NULL,
        duration_us INTEGER NOT NULL);
      CREATE INDEX audit_by_time ON audit (time_ns);
      CREATE TABLE health (
        id INTEGER PRIMARY KEY,
        time_ns INTEGER NOT NULL,
        adapter INTEGER NOT NULL,
        state TEXT NOT NULL,
        reason TEXT NOT NULL);
      CREATE INDEX health_by_time ON health (time_ns);
    )sql",
    // 2: the status message of audited calls (the code alone did not say why
    // a call was refused); health history is read per adapter.
    R"sql(
      ALTER TABLE audit ADD COLUMN result_message TEXT NOT NULL DEFAULT '';
      CREATE INDEX health_by_adapter ON health (adapter, time_ns);
    )sql",
    // 3: the firmware event logs each adapter has had.  A log's records are
    // stored with seq = firmware seq + seq_base, so an adapter's stored seqs
    // keep growing when its firmware starts a new log at seq 1.
    R"sql(
      CREATE TABLE event_logs (
        adapter INTEGER NOT NULL,
        log_id INTEGER NOT NULL,
        seq_base INTEGER NOT NULL,
        attached_ns INTEGER NOT NULL,
        PRIMARY KEY (adapter, log_id));
    )sql",
    // 4: the health service's state.  Alerts (one row per raised condition,
    // open while cleared_ns = 0, at most one open per object and
    // condition); each drive's temperature range and error-counter history
    // by serial (smartd keeps the like in its state files); when each
    // scheduled job last ran, so one missed during downtime runs once after
    // start.
    R"sql(
      CREATE TABLE alerts (
        id INTEGER PRIMARY KEY,
        adapter INTEGER NOT NULL,
        object TEXT NOT NULL,
        condition TEXT NOT NULL,
        severity INTEGER NOT NULL,
        message TEXT NOT NULL,
        serial TEXT NOT NULL,
        first_seen_ns INTEGER NOT NULL,
        last_seen_ns INTEGER NOT NULL,
        cleared_ns INTEGER NOT NULL DEFAULT 0,
        times_sent INTEGER NOT NULL,
        last_sent_ns INTEGER NOT NULL,
        acked_by TEXT NOT NULL DEFAULT '',
        acked_ns INTEGER NOT NULL DEFAULT 0);
      CREATE UNIQUE INDEX alerts_open ON alerts (object, condition) WHERE cleared_ns = 0;
      CREATE INDEX alerts_by_adapter ON alerts (adapter, cleared_ns);
      CREATE TABLE drive_temperatures (
        serial TEXT PRIMARY KEY,
        min_c INTEGER NOT NULL,
        max_c INTEGER NOT NULL,
        updated_ns INTEGER NOT NULL);
      CREATE TABLE drive_counters (
        serial TEXT NOT NULL,
        time_ns INTEGER NOT NULL,
        media_errors INTEGER NOT NULL,
        other_errors INTEGER NOT NULL,
        predictive_failures INTEGER NOT NULL,
        PRIMARY KEY (serial, time_ns));
      CREATE TABLE schedule_runs (
        job TEXT NOT NULL,
        target TEXT NOT NULL,
        last_run_ns INTEGER NOT NULL,
        PRIMARY KEY (job, target));
    )sql",
    // 5: an index for every filter QueryEvents and ListAudit offer (the
    // EXPLAIN QUERY PLAN tests in store_test.cc show each one chosen): for one
    // adapter in seq order by severity, class, code and object (enclosure, its
    // slots among them; drive; VD); across adapters in time order by severity, class and
    // code; audit by peer and by method.  And the one row the store rewrites
    // to probe whether the storage takes writes again after a fault.
    R"sql(
      CREATE INDEX events_by_adapter_severity ON events (adapter, severity, seq);
      CREATE INDEX events_by_adapter_class ON events (adapter, class, seq);
      CREATE INDEX events_by_adapter_code ON events (adapter, code, seq);
      CREATE INDEX events_by_adapter_encl ON events (adapter, encl, seq);
      CREATE INDEX events_by_adapter_pd ON events (adapter, pd, seq);
      CREATE INDEX events_by_adapter_vd ON events (adapter, vd, seq);
      CREATE INDEX events_by_severity ON events (severity, timestamp_ns);
      CREATE INDEX events_by_class ON events (class, timestamp_ns);
      CREATE INDEX events_by_code ON events (code, timestamp_ns);
      CREATE INDEX audit_by_peer ON audit (peer, time_ns);
      CREATE INDEX audit_by_method ON audit (method, time_ns);
      CREATE TABLE store_probe (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        time_ns INTEGER NOT NULL);
    )sql",
    // 6: fewer, smaller event indexes: every index is paid by every insert,
    // and version 5's nine made an insert ~3.6x dearer than version 4's
    // (a storm is INFO rows without an object).  Object and severity indexes
    // hold only the rows they serve: an object's own events (ids other than
    // HBAMGR_ID_NONE, 65535) and WARNING (1) and up; the queries say so in a
    // literal term (queries.cc).  No class indexes: a class is a range of
    // codes (docs/abi.md), served by the code indexes.
    R"sql(
      DROP INDEX events_by_adapter_severity;
      DROP INDEX events_by_adapter_class;
      DROP INDEX events_by_adapter_encl;
      DROP INDEX events_by_adapter_pd;
      DROP INDEX events_by_adapter_vd;
      DROP INDEX events_by_severity;
      DROP INDEX events_by_class;
      CREATE INDEX events_by_adapter_severity ON events (adapter, severity, seq)
        WHERE severity >= 1;
      CREATE INDEX events_by_adapter_encl ON events (adapter, encl, seq) WHERE encl != 65535;
      CREATE INDEX events_by_adapter_pd ON events (adapter, pd, seq) WHERE pd != 65535;
      CREATE INDEX events_by_adapter_vd ON events (adapter, vd, seq) WHERE vd != 65535;
      CREATE INDEX events_by_severity ON events (severity, timestamp_ns) WHERE severity >= 1;
    )sql",
};
// Migration 6's literals.
static_assert(HBAMGR_ID_NONE == 65535 && HBAMGR_SEV_WARNING == 1);

static_assert(std::size(kMigrations) == Store::kSchemaVersion,
              "Store::kSchemaVersion must name the last migration");

}  // namespace

absl::StatusOr<int> SchemaVersion(sqlite3* db) {
  absl::StatusOr<Statement> stmt = Statement::Prepare(db, "PRAGMA user_version");
  if (!stmt.ok()) return stmt.status();
  absl::StatusOr<bool> row = stmt->Step();
  if (!row.ok()) return row.status();
  return static_cast<int>(stmt->ColumnInt(0));
}

absl::Status MigrateTo(sqlite3* db, int target) {
  if (target < 0 || target > Store::kSchemaVersion) {
    return absl::InvalidArgumentError(absl::StrCat("no schema version ", target));
  }
  absl::StatusOr<int> version = SchemaVersion(db);
  if (!version.ok()) return version.status();
  if (*version > target) {
    return absl::FailedPreconditionError(
        absl::StrCat("database schema version ", *version, " is newer than this hbamgrd supports (",
                     target, "); use a newer hbamgrd or another database file"));
  }
  for (int v = *version; v < target; ++v) {
    absl::StatusOr<WriteTransaction> tx = WriteTransaction::Begin(db);
    if (!tx.ok()) return tx.status();
    if (absl::Status s = Exec(db, kMigrations[v]); !s.ok()) {
      return absl::Status(s.code(),
                          absl::StrCat("migration to version ", v + 1, ": ", s.message()));
    }
    // PRAGMA takes no bound parameters; v + 1 is our own integer.
    std::string bump = absl::StrCat("PRAGMA user_version = ", v + 1);
    if (absl::Status s = Exec(db, bump.c_str()); !s.ok()) return s;
    if (absl::Status s = tx->Commit(); !s.ok()) return s;
  }
  return absl::OkStatus();
}

}  // namespace hbamgr::store
