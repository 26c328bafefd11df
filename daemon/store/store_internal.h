// Inside the store: a connection with its prepared statements.  Included by
// the store's own .cc files only.
#ifndef HBAMGR_DAEMON_STORE_STORE_INTERNAL_H_
#define HBAMGR_DAEMON_STORE_STORE_INTERNAL_H_

#include <sqlite3.h>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "daemon/store/sqlite_util.h"
#include "daemon/store/store.h"

namespace hbamgr::store {

class Store::Connection {
 public:
  // Takes `db` (closed with the connection).
  explicit Connection(sqlite3* db) : db_(db), statements_(db, kStatements) {}

  sqlite3* db() const { return db_.get(); }
  // The cached statement for `sql`, borrowed until the result goes away.
  absl::StatusOr<Statement> Get(absl::string_view sql) { return statements_.Get(sql); }

 private:
  static constexpr size_t kStatements = 64;
  struct Close {
    void operator()(sqlite3* db) const { sqlite3_close(db); }
  };

  const std::unique_ptr<sqlite3, Close> db_;  // declared first: closed after the statements
  StatementCache statements_;
};

}  // namespace hbamgr::store

#endif  // HBAMGR_DAEMON_STORE_STORE_INTERNAL_H_
