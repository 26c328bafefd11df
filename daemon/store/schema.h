// The store's schema history.  Migration step N (1-based) turns a version
// N-1 database into version N; each step runs in its own transaction together
// with the PRAGMA user_version bump, so a crash leaves a consistent version.
#ifndef HBAMGR_DAEMON_STORE_SCHEMA_H_
#define HBAMGR_DAEMON_STORE_SCHEMA_H_

#include <sqlite3.h>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace hbamgr::store {

absl::StatusOr<int> SchemaVersion(sqlite3* db);

// Applies the steps from the database's version up to `target`
// (<= Store::kSchemaVersion).
// FAILED_PRECONDITION when the database is newer than `target`.
absl::Status MigrateTo(sqlite3* db, int target);

}  // namespace hbamgr::store

#endif  // HBAMGR_DAEMON_STORE_SCHEMA_H_
