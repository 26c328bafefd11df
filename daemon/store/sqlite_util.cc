#include "daemon/store/sqlite_util.h"

#include <algorithm>

#include "absl/strings/cord.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

namespace hbamgr::store {
namespace {

constexpr char kResultCodePayload[] = "hbamgr.store/sqlite-result-code";

}  // namespace

absl::Status SqliteError(sqlite3* db, int rc, absl::string_view what) {
  std::string msg =
      absl::StrCat(what, ": ", db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
  absl::Status status;
  switch (rc & 0xff) {
    case SQLITE_NOTADB:
    case SQLITE_CORRUPT:
      status = absl::DataLossError(msg);
      break;
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
    case SQLITE_FULL:
    case SQLITE_IOERR:
      status = absl::UnavailableError(msg);
      break;
    case SQLITE_CANTOPEN:  // missing directory, unreadable file
      status = absl::FailedPreconditionError(msg);
      break;
    case SQLITE_PERM:
    case SQLITE_READONLY:
      status = absl::PermissionDeniedError(msg);
      break;
    default:
      status = absl::InternalError(msg);
      break;
  }
  status.SetPayload(kResultCodePayload, absl::Cord(absl::StrCat(rc)));
  return status;
}

std::optional<int> SqliteResultCode(const absl::Status& status) {
  auto payload = status.GetPayload(kResultCodePayload);
  int rc;
  if (!payload || !absl::SimpleAtoi(std::string(*payload), &rc)) return std::nullopt;
  return rc;
}

bool IsStorageFault(int rc) {
  switch (rc & 0xff) {
    case SQLITE_FULL:
    case SQLITE_IOERR:
    case SQLITE_READONLY:
    case SQLITE_CANTOPEN:
    case SQLITE_PERM:
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
    case SQLITE_NOLFS:
      return true;
    default:
      return false;
  }
}

absl::Status Exec(sqlite3* db, const char* sql) {
  int rc = sqlite3_exec(db, sql, nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) return SqliteError(db, sqlite3_extended_errcode(db), sql);
  return absl::OkStatus();
}

absl::StatusOr<Statement> Statement::Prepare(sqlite3* db, absl::string_view sql) {
  sqlite3_stmt* stmt = nullptr;
  int rc = sqlite3_prepare_v2(db, sql.data(), static_cast<int>(sql.size()), &stmt, nullptr);
  if (rc != SQLITE_OK) return SqliteError(db, rc, absl::StrCat("prepare ", sql));
  return Statement(db, stmt, nullptr);
}

Statement::Statement(Statement&& other) noexcept
    : db_(other.db_), stmt_(other.stmt_), in_use_(other.in_use_) {
  other.stmt_ = nullptr;
  other.in_use_ = nullptr;
}

Statement::~Statement() {
  if (stmt_ == nullptr) return;
  if (in_use_ == nullptr) {
    sqlite3_finalize(stmt_);
    return;
  }
  Reset();
  *in_use_ = false;
}

void Statement::Bind(int index, int64_t value) { sqlite3_bind_int64(stmt_, index, value); }

void Statement::Bind(int index, absl::string_view value) {
  sqlite3_bind_text(stmt_, index, value.data(), static_cast<int>(value.size()), SQLITE_TRANSIENT);
}

absl::StatusOr<bool> Statement::Step() {
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return SqliteError(db_, sqlite3_extended_errcode(db_), absl::StrCat("step ", sqlite3_sql(stmt_)));
}

absl::Status Statement::Run() {
  absl::StatusOr<bool> row = Step();
  if (!row.ok()) return row.status();
  if (*row) return absl::InternalError(absl::StrCat("unexpected row from ", sqlite3_sql(stmt_)));
  return absl::OkStatus();
}

void Statement::Reset() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

int64_t Statement::ColumnInt(int column) const { return sqlite3_column_int64(stmt_, column); }

std::string Statement::ColumnText(int column) const {
  const unsigned char* text = sqlite3_column_text(stmt_, column);
  if (text == nullptr) return "";
  return std::string(reinterpret_cast<const char*>(text),
                     static_cast<size_t>(sqlite3_column_bytes(stmt_, column)));
}

StatementCache::StatementCache(sqlite3* db, size_t capacity) : db_(db), capacity_(capacity) {}

StatementCache::~StatementCache() {
  for (auto& [sql, entry] : entries_) sqlite3_finalize(entry.stmt);
}

absl::StatusOr<Statement> StatementCache::Get(absl::string_view sql) {
  auto it = entries_.find(sql);
  if (it == entries_.end()) {
    if (entries_.size() >= capacity_) EvictOne();
    sqlite3_stmt* stmt = nullptr;
    int rc = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()),
                                SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
    if (rc != SQLITE_OK) return SqliteError(db_, rc, absl::StrCat("prepare ", sql));
    it = entries_.emplace(std::string(sql), Entry{.stmt = stmt}).first;
  }
  Entry& entry = it->second;
  if (entry.in_use) {
    // The same SQL twice at once on one connection: a private copy.
    return Statement::Prepare(db_, sql);
  }
  entry.in_use = true;
  entry.last_used = ++clock_;
  return Statement(db_, entry.stmt, &entry.in_use);
}

void StatementCache::EvictOne() {
  auto victim = entries_.end();
  for (auto it = entries_.begin(); it != entries_.end(); ++it) {
    if (it->second.in_use) continue;
    if (victim == entries_.end() || it->second.last_used < victim->second.last_used) victim = it;
  }
  if (victim == entries_.end()) return;  // all borrowed: grow past capacity for now
  sqlite3_finalize(victim->second.stmt);
  entries_.erase(victim);
}

absl::StatusOr<WriteTransaction> WriteTransaction::Begin(sqlite3* db) {
  if (absl::Status s = Exec(db, "BEGIN IMMEDIATE"); !s.ok()) return s;
  return WriteTransaction(db);
}

WriteTransaction::WriteTransaction(WriteTransaction&& other) noexcept : db_(other.db_) {
  other.db_ = nullptr;
}

WriteTransaction::~WriteTransaction() {
  if (db_ != nullptr) sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
}

absl::Status WriteTransaction::Commit() {
  absl::Status s = Exec(db_, "COMMIT");
  if (s.ok()) db_ = nullptr;
  return s;
}

}  // namespace hbamgr::store
