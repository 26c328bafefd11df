// Thin RAII helpers over the SQLite C API for the store.
#ifndef HBAMGR_DAEMON_STORE_SQLITE_UTIL_H_
#define HBAMGR_DAEMON_STORE_SQLITE_UTIL_H_

#include <sqlite3.h>

#include <cstdint>
#include <optional>
#include <string>

#include "absl/container/node_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace hbamgr::store {

// Maps the connection's last error to a status: SQLITE_NOTADB/CORRUPT ->
// DATA_LOSS, BUSY/LOCKED -> UNAVAILABLE, CANTOPEN -> FAILED_PRECONDITION,
// PERM/READONLY -> PERMISSION_DENIED, FULL/IOERR -> UNAVAILABLE, others
// INTERNAL.  `what` says what was being done.  The SQLite result code rides
// along (SqliteResultCode).
absl::Status SqliteError(sqlite3* db, int rc, absl::string_view what);

// The (extended) SQLite result code of a status made by SqliteError.
std::optional<int> SqliteResultCode(const absl::Status& status);

// True for a result code that says the database cannot be written where it
// is (full, I/O error, read-only, gone, damaged), as opposed to contention
// or a bug: writes fail until the storage is fixed.
bool IsStorageFault(int rc);

// Runs SQL without results (may hold several statements).
absl::Status Exec(sqlite3* db, const char* sql);

// A prepared statement: owned (finalized when destroyed) or borrowed from a
// StatementCache (reset and unbound when destroyed, for the next user).
class Statement {
 public:
  static absl::StatusOr<Statement> Prepare(sqlite3* db, absl::string_view sql);
  Statement(Statement&& other) noexcept;
  Statement& operator=(Statement&&) = delete;
  ~Statement();

  // Parameters are 1-based, as in SQL ("?1").
  void Bind(int index, int64_t value);
  void Bind(int index, absl::string_view value);

  // true: a row is available; false: done.
  absl::StatusOr<bool> Step();
  // Runs to completion, expecting no rows.
  absl::Status Run();
  // Makes the statement runnable again with new bindings.
  void Reset();

  int64_t ColumnInt(int column) const;
  std::string ColumnText(int column) const;

 private:
  friend class StatementCache;
  Statement(sqlite3* db, sqlite3_stmt* stmt, bool* in_use)
      : db_(db), stmt_(stmt), in_use_(in_use) {}

  sqlite3* db_;
  sqlite3_stmt* stmt_;
  bool* in_use_;  // borrowed: the cache entry's flag; owned: nullptr
};

// One connection's prepared statements by SQL text, prepared once
// (SQLITE_PREPARE_PERSISTENT) and reused.  At most `capacity` are kept; the
// least recently used one not borrowed makes room.  Not thread-safe: used
// with its connection.
class StatementCache {
 public:
  StatementCache(sqlite3* db, size_t capacity);
  ~StatementCache();
  StatementCache(const StatementCache&) = delete;
  StatementCache& operator=(const StatementCache&) = delete;

  // The statement for `sql`, borrowed until the returned object goes away.
  absl::StatusOr<Statement> Get(absl::string_view sql);
  size_t size() const { return entries_.size(); }

 private:
  struct Entry {
    sqlite3_stmt* stmt = nullptr;
    bool in_use = false;
    uint64_t last_used = 0;
  };
  void EvictOne();

  sqlite3* const db_;
  const size_t capacity_;
  uint64_t clock_ = 0;
  absl::node_hash_map<std::string, Entry> entries_;  // node map: &Entry::in_use stays put
};

// BEGIN IMMEDIATE on construction (takes the write lock up front, so a
// transaction never fails half-way with SQLITE_BUSY on lock upgrade), ROLLBACK
// on destruction unless Commit() succeeded.
class WriteTransaction {
 public:
  static absl::StatusOr<WriteTransaction> Begin(sqlite3* db);
  WriteTransaction(WriteTransaction&& other) noexcept;
  WriteTransaction& operator=(WriteTransaction&&) = delete;
  ~WriteTransaction();

  absl::Status Commit();

 private:
  explicit WriteTransaction(sqlite3* db) : db_(db) {}

  sqlite3* db_;  // null once committed or moved from
};

}  // namespace hbamgr::store

#endif  // HBAMGR_DAEMON_STORE_SQLITE_UTIL_H_
