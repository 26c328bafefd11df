// Thin RAII helpers over the SQLite C API for the store.
#ifndef HBAMGR_DAEMON_STORE_SQLITE_UTIL_H_
#define HBAMGR_DAEMON_STORE_SQLITE_UTIL_H_

#include <sqlite3.h>

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace hbamgr::store {

// Maps the connection's last error to a status: SQLITE_NOTADB/CORRUPT ->
// DATA_LOSS, BUSY/LOCKED -> UNAVAILABLE, CANTOPEN -> FAILED_PRECONDITION,
// PERM/READONLY -> PERMISSION_DENIED, others INTERNAL.  `what` says what was
// being done.
absl::Status SqliteError(sqlite3* db, int rc, absl::string_view what);

// Runs SQL without results (may hold several statements).
absl::Status Exec(sqlite3* db, const char* sql);

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
  Statement(sqlite3* db, sqlite3_stmt* stmt) : db_(db), stmt_(stmt) {}

  sqlite3* db_;
  sqlite3_stmt* stmt_;
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
