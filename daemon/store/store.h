// hbamgrd's persistent store: events, command audit and health history in one
// SQLite database (WAL journal, schema migrations by PRAGMA user_version,
// retention in bounded batches).
//
// One writer connection (behind write_mu_) and a pool of read-only
// connections: in WAL mode a reader works on its own snapshot, so a long
// query never holds up event ingestion or an audit record, and writers never
// wait for readers.  Each connection keeps its prepared statements.  Write
// failures that mean the storage is at fault (full, I/O error, read-only)
// put the store into a write fault, reported by WriteFault() and to the
// fault listener, until a write succeeds again (CheckWritable() probes).
#ifndef HBAMGR_DAEMON_STORE_STORE_H_
#define HBAMGR_DAEMON_STORE_STORE_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

struct hbamgr_event;
struct sqlite3;

namespace hbamgr::store {

// One firmware event of one adapter: struct hbamgr_event plus the adapter id.
struct EventRow {
  uint32_t adapter = 0;
  uint64_t seq = 0;           // firmware seq + its log's seq_base; unique per adapter
  uint64_t timestamp_ns = 0;  // firmware time, CLOCK_REALTIME ns
  uint16_t type = 0;          // HBAMGR_EVT_TYPE_*
  uint8_t event_class = 0;    // enum hbamgr_event_class
  uint8_t severity = 0;       // enum hbamgr_severity
  uint32_t code = 0;          // enum hbamgr_event_code
  uint16_t encl_id = 0;
  uint16_t slot = 0;
  uint16_t pd_id = 0;
  uint16_t vd_id = 0;
  uint32_t arg0 = 0;
  uint32_t arg1 = 0;
  std::string description{};

  // Copies every field of `ev`; the description stops at its first NUL (or
  // after all 64 bytes when the firmware left none).
  static EventRow FromUapi(uint32_t adapter, const hbamgr_event& ev);

  friend bool operator==(const EventRow&, const EventRow&) = default;
};

// One firmware event log of an adapter (EVTLOG_INFO log_id).  Firmware
// sequence numbers only compare within one log; the records of a log are
// stored with seq = firmware seq + seq_base.
struct EventLog {
  uint64_t log_id = 0;
  uint64_t seq_base = 0;
  // The newest firmware seq of this log stored when the adapter's highest
  // stored seq is `last_stored` (this being its newest log); 0 for none.
  uint64_t LastFirmwareSeq(uint64_t last_stored) const {
    return last_stored > seq_base ? last_stored - seq_base : 0;
  }
  friend bool operator==(const EventLog&, const EventLog&) = default;
};

// Filters for QueryEvents; an unset field does not filter.  64-bit bounds
// are unsigned: no stored value is above INT64_MAX (SQLite integers are
// signed), so a lower bound above it matches nothing and an upper bound
// above it bounds nothing.  (Every member of
// these structs has an initializer so designated initializers may leave any
// out without -Wmissing-field-initializers.)
struct EventQuery {
  std::optional<uint32_t> adapter{};
  std::optional<uint8_t> min_severity{};  // severity >= min_severity
  std::optional<uint8_t> event_class{};
  std::optional<uint32_t> code{};
  // The object (ids are per adapter): enclosure, its slot, drive, VD.
  std::optional<uint16_t> encl_id{};
  std::optional<uint16_t> slot{};
  std::optional<uint16_t> pd_id{};
  std::optional<uint16_t> vd_id{};
  std::optional<uint64_t> min_seq{};   // inclusive
  std::optional<uint64_t> max_seq{};   // inclusive
  std::optional<uint64_t> since_ns{};  // timestamp_ns >= since_ns
  uint32_t limit = 0;                  // 0 = no limit
  // Order: with `adapter` set by seq, otherwise by (timestamp_ns, adapter,
  // seq); ascending unless newest_first.  `limit` keeps the first rows of that
  // order, so newest_first + limit gives the latest N.
  bool newest_first = false;
};

// One gRPC call, recorded after it finished.
struct AuditRow {
  int64_t id = 0;           // assigned by AddAudit; ignored on insert
  int64_t time_ns = 0;      // call start, CLOCK_REALTIME ns
  std::string peer{};       // caller identity: "uid:1000", "cert:CN=..."
  std::string method{};     // full gRPC method, e.g. "/hbamgr.v1.Hba/CreateVd"
  std::string target{};     // what it acted on, e.g. "/c0/v1" (may be empty)
  std::string arguments{};  // short human-readable summary of the request
  int32_t result_code = 0;  // grpc::StatusCode
  std::string result_message{};
  int64_t duration_us = 0;

  friend bool operator==(const AuditRow&, const AuditRow&) = default;
};

struct AuditQuery {
  std::optional<uint64_t> since_ns{};   // time_ns >= since_ns
  std::optional<std::string> peer{};    // exact match
  std::optional<std::string> method{};  // exact match
  uint32_t limit = 0;                   // 0 = no limit
  bool newest_first = false;            // order by (time_ns, id)
};

// One adapter health transition.
struct HealthRow {
  int64_t id = 0;  // assigned by AddHealth; ignored on insert
  int64_t time_ns = 0;
  uint32_t adapter = 0;
  std::string state{};   // e.g. "SERVING", "RESETTING", "FAILED"
  std::string reason{};  // why it changed

  friend bool operator==(const HealthRow&, const HealthRow&) = default;
};

struct HealthQuery {
  std::optional<uint32_t> adapter{};
  std::optional<uint64_t> since_ns{};  // time_ns >= since_ns
  uint32_t limit = 0;                  // 0 = no limit
  bool newest_first = false;           // order by (time_ns, id)
};

// One alert of the health service: one condition ("temperature_critical")
// of one object ("/c0/e0/s3"), open from first_seen until it clears.  At
// most one alert per (object, condition) is open.
struct AlertRow {
  int64_t id = 0;  // assigned by OpenAlert
  uint32_t adapter = 0;
  std::string object{};     // "/c0/e0/s3"
  std::string condition{};  // "temperature_critical"
  int32_t severity = 0;     // health level: 1 WARNING, 2 CRITICAL, 3 FAILED
  std::string message{};
  std::string serial{};  // the drive's serial, "" for other objects
  int64_t first_seen_ns = 0;
  int64_t last_seen_ns = 0;
  int64_t cleared_ns = 0;  // 0 while open
  uint32_t times_sent = 0;
  int64_t last_sent_ns = 0;
  std::string acked_by{};  // caller identity, "" = not acknowledged
  int64_t acked_ns = 0;

  bool open() const { return cleared_ns == 0; }
  friend bool operator==(const AlertRow&, const AlertRow&) = default;
};

struct AlertQuery {
  std::optional<uint32_t> adapter{};
  std::optional<int64_t> id{};
  bool open_only = true;
  uint32_t limit = 0;  // 0 = no limit; newest first
};

// Lowest and highest temperature ever read from one drive (by serial).
struct DriveTemperatureRow {
  std::string serial{};
  uint32_t min_c = 0;
  uint32_t max_c = 0;
  int64_t updated_ns = 0;
  friend bool operator==(const DriveTemperatureRow&, const DriveTemperatureRow&) = default;
};

// A drive's error counters when they changed (counter growth history).
struct DriveCounterRow {
  std::string serial{};
  int64_t time_ns = 0;
  uint32_t media_errors = 0;
  uint32_t other_errors = 0;
  uint32_t predictive_failures = 0;
  friend bool operator==(const DriveCounterRow&, const DriveCounterRow&) = default;
};

// Rows older than now - max_age are deleted; absl::InfiniteDuration() keeps
// that table forever.  Deletion runs in transactions of at most `batch` rows so
// writers are never blocked for long.
struct RetentionPolicy {
  absl::Duration event_max_age = absl::InfiniteDuration();
  absl::Duration audit_max_age = absl::InfiniteDuration();
  absl::Duration health_max_age = absl::InfiniteDuration();
  uint32_t batch = 1000;  // must be > 0
};

struct RetentionResult {
  uint64_t events_deleted = 0;
  uint64_t audit_deleted = 0;
  uint64_t health_deleted = 0;
  uint64_t batches = 0;  // transactions committed
};

struct StoreOptions {
  size_t readers = 4;  // read-only connections, opened as needed
  // Free space below which the filesystem counts as full (CheckWritable).
  uint64_t min_free_bytes = 256 * 1024;
  // Largest database file; a write that needs more fails as on a full disk
  // (SQLITE_FULL).  0: no limit.
  uint64_t max_bytes = 0;
  // Bound of the write-ahead log (the -wal file).  The writer never
  // checkpoints (SQLite's auto-checkpoint would run its fsyncs inside event
  // ingestion); CheckpointWal() does, from the maintenance thread.  When the
  // log starts over its file is truncated to this size, and past it a
  // checkpoint waits (boundedly) for readers and the writer so that it can.
  uint64_t wal_limit_bytes = 64 * 1024 * 1024;
  // Log growth since it started over that asks for a checkpoint before the
  // next interval (SetCheckpointDue): a burst of writes.
  uint64_t wal_checkpoint_bytes = 1024 * 1024;
  // After readers outlasted such a wait, how long the writer is left alone
  // (a heavy query loop would otherwise halve its rate).
  absl::Duration wal_limit_retry_after = absl::Seconds(2);
};

// Thread-safe.
class Store {
 public:
  // The schema version this build writes (PRAGMA user_version).
  static constexpr int kSchemaVersion = 6;

  // Opens (creating if missing) the database at `path` and migrates it to
  // kSchemaVersion, each missing step in its own transaction.  Fails with
  // FAILED_PRECONDITION for a database newer than this build or a path that
  // cannot be opened (missing directory), and with DATA_LOSS for a file that
  // is not a usable SQLite database.  Messages start "database <path>: ".
  static absl::StatusOr<std::unique_ptr<Store>> Open(const std::string& path,
                                                     StoreOptions options = {});

  ~Store();
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  // Stores `rows` in one transaction.  A row whose (adapter, seq) is already
  // stored is skipped, so re-reading a backfill range is harmless.  Returns
  // the number of rows actually added.
  absl::StatusOr<size_t> AddEvents(std::span<const EventRow> rows);
  // Highest stored seq of `adapter`, 0 when it has none.
  absl::StatusOr<uint64_t> LastEventSeq(uint32_t adapter);
  absl::StatusOr<std::vector<EventRow>> QueryEvents(const EventQuery& query);

  // The recorded log `log_id` of `adapter`, or with no log_id the one
  // recorded last; nullopt when there is none.
  absl::StatusOr<std::optional<EventLog>> FindEventLog(uint32_t adapter,
                                                       std::optional<uint64_t> log_id);
  // Records `log` as the adapter's newest.  ALREADY_EXISTS for a log_id
  // recorded before.
  absl::Status AddEventLog(uint32_t adapter, const EventLog& log);

  // Returns the new row's id.
  absl::StatusOr<int64_t> AddAudit(const AuditRow& row);
  // Sets the outcome of audit row `id`: result_code, result_message and
  // duration_us of `row` (the rest stays).
  absl::Status FinishAudit(int64_t id, const AuditRow& row);
  absl::StatusOr<std::vector<AuditRow>> QueryAudit(const AuditQuery& query);

  absl::StatusOr<int64_t> AddHealth(const HealthRow& row);
  absl::StatusOr<std::vector<HealthRow>> QueryHealth(const HealthQuery& query);

  // Deletes expired rows in transactions of policy.batch rows, the write
  // lock released between two; `keep_going` (may be empty) is asked before
  // each batch and ends the pass early when false.
  absl::StatusOr<RetentionResult> ApplyRetention(const RetentionPolicy& policy, absl::Time now,
                                                 const std::function<bool()>& keep_going = {});

  // OK while the database can be written; otherwise UNAVAILABLE saying why
  // ("database /var/lib/hbamgr/hbamgrd.db cannot be written: ...").
  absl::Status WriteFault() const;
  // Re-checks the storage: the filesystem's free space and read-only flag,
  // and, while in a write fault, a probe write (which ends the fault when it
  // succeeds).  Returns WriteFault().  Called periodically, off the main
  // thread.
  absl::Status CheckWritable();
  // Called with the new WriteFault() whenever it changes, in order, from the
  // thread whose write or check changed it (no other store lock held).  Set
  // before other threads use the store.
  void SetFaultListener(std::function<void(const absl::Status&)> listener);

  const std::string& path() const { return path_; }
  // The schema version (PRAGMA user_version) Open found the database at, and
  // migrated from: 0 for a new file, kSchemaVersion when there was nothing
  // to migrate.
  int schema_found() const { return schema_found_; }

  // Copies the write-ahead log into the database on a connection of its own
  // (the writer goes on meanwhile): what no reader still needs, waiting for
  // nobody.  While the log is above options.wal_limit_bytes (readers kept
  // it from starting over), holds the writer off and waits up to 500 ms for
  // readers to move on, to truncate it; when they outlast that, not again
  // for options.wal_limit_retry_after.  Called periodically, off the main thread.
  absl::Status CheckpointWal();
  // Size of the -wal file now (0 when there is none).
  uint64_t WalBytes() const;
  // `due` is called from the writer's commit (no lock of the caller's may be
  // held around store writes, and `due` must take no store lock) once the
  // log has grown by options.wal_checkpoint_bytes since it started over.
  // Empty: none.
  void SetCheckpointDue(std::function<void()> due) ABSL_LOCKS_EXCLUDED(write_mu_);

  // Health service state (health_state.cc).  OpenAlert returns the new id;
  // ALREADY_EXISTS when the (object, condition) already has an open alert.
  absl::StatusOr<int64_t> OpenAlert(const AlertRow& row);
  // Rewrites every mutable field of alert row.id; NOT_FOUND when none.
  absl::Status UpdateAlert(const AlertRow& row);
  absl::StatusOr<std::vector<AlertRow>> QueryAlerts(const AlertQuery& query);
  // Widens the drive's recorded range with `temperature_c`; returns it.
  absl::StatusOr<DriveTemperatureRow> RecordDriveTemperature(const std::string& serial,
                                                             uint32_t temperature_c,
                                                             absl::Time now);
  absl::StatusOr<std::vector<DriveTemperatureRow>> DriveTemperatures();
  absl::Status AddDriveCounters(const DriveCounterRow& row);
  // Every sample, by serial then time.
  absl::StatusOr<std::vector<DriveCounterRow>> DriveCounters();
  // Deletes the samples of `serial` older than `before`.
  absl::Status TrimDriveCounters(const std::string& serial, int64_t before_ns);
  // When the scheduled job `job` ("selftest_short") last ran on `target`
  // ("/c0/e0/s3"); nullopt when never recorded.
  absl::StatusOr<std::optional<int64_t>> ScheduleLastRun(const std::string& job,
                                                         const std::string& target);
  absl::Status SetScheduleLastRun(const std::string& job, const std::string& target,
                                  int64_t time_ns);

 private:
  class Connection;  // store_internal.h

  Store(std::string path, StoreOptions options, int schema_found,
        std::unique_ptr<Connection> writer, std::unique_ptr<Connection> checkpointer,
        uint64_t page_size);
  // sqlite3_wal_hook of the writer: after each commit, `frames` in the log.
  static int OnWalCommit(void* self, sqlite3* db, const char* schema, int frames);
  // Runs `body` on the writer connection (write_mu_ held) and records the
  // outcome (NoteWrite).
  absl::Status Writing(const std::function<absl::Status(Connection&)>& body)
      ABSL_LOCKS_EXCLUDED(write_mu_);
  // Runs `body` on a read-only connection of the pool (waits while all are
  // busy).
  absl::Status Reading(const std::function<absl::Status(Connection&)>& body)
      ABSL_LOCKS_EXCLUDED(readers_mu_);
  // A write's outcome: a storage fault starts (or goes on with) the write
  // fault; a success ends a write fault.  `probe`: the probe write, which
  // also ends a fault of the space check.
  void NoteWrite(const absl::Status& status, bool probe = false);
  // Deletes the rows of `table` with time_column < cutoff, oldest first, in
  // transactions of `batch` rows; counts them into *batches.
  absl::StatusOr<uint64_t> DeleteOlderThan(const char* table, const char* time_column,
                                           absl::Time cutoff, uint32_t batch, uint64_t* batches,
                                           const std::function<bool()>& keep_going);

  const std::string path_;
  const StoreOptions options_;
  const int schema_found_;
  const uint64_t checkpoint_due_frames_;  // log frames that call checkpoint_due_

  // Protects the writer connection and its statements.  Order: write_mu_
  // before fault_mu_; nothing else is taken under it.
  absl::Mutex write_mu_;
  const std::unique_ptr<Connection> writer_ ABSL_PT_GUARDED_BY(write_mu_);
  std::function<void()> checkpoint_due_ ABSL_GUARDED_BY(write_mu_);

  // Protects the checkpoint connection.  Order: checkpoint_mu_ before
  // write_mu_ (a checkpoint of a log over its limit holds the writer off).
  absl::Mutex checkpoint_mu_ ABSL_ACQUIRED_BEFORE(write_mu_);
  const std::unique_ptr<Connection> checkpointer_ ABSL_PT_GUARDED_BY(checkpoint_mu_);
  // No checkpoint holds the writer off before then.
  absl::Time next_forced_checkpoint_ ABSL_GUARDED_BY(checkpoint_mu_) = absl::InfinitePast();

  // Protects the idle readers; a leaf lock.
  absl::Mutex readers_mu_;
  std::vector<std::unique_ptr<Connection>> idle_readers_ ABSL_GUARDED_BY(readers_mu_);
  size_t open_readers_ ABSL_GUARDED_BY(readers_mu_) = 0;

  // Serializes fault changes with their listener calls, so the listener
  // sees them in order.  Order: listener_mu_ before fault_mu_.
  absl::Mutex listener_mu_ ABSL_ACQUIRED_BEFORE(fault_mu_);
  // Protects the fault state; a leaf lock.
  mutable absl::Mutex fault_mu_;
  absl::Status fault_ ABSL_GUARDED_BY(fault_mu_);
  bool space_fault_ ABSL_GUARDED_BY(fault_mu_) = false;  // fault_ came from the space check
  std::function<void(const absl::Status&)> fault_listener_;
};

}  // namespace hbamgr::store

#endif  // HBAMGR_DAEMON_STORE_STORE_H_
