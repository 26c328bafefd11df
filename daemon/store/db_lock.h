// One hbamgrd per database: an exclusive flock(2) on "<database>.lock",
// taken before the database is opened (and before any adapter starts), held
// until the process exits.  The lock file names the holder's pid.
#ifndef HBAMGR_DAEMON_STORE_DB_LOCK_H_
#define HBAMGR_DAEMON_STORE_DB_LOCK_H_

#include <string>

#include "absl/status/statusor.h"

namespace hbamgr::store {

class DatabaseLock {
 public:
  // Locks `database`'s lock file (creating it, mode 0600).  FAILED_PRECONDITION
  // naming the holder's pid when another process holds it; other errors name
  // the lock file and errno.  Nothing else is created or changed.
  static absl::StatusOr<DatabaseLock> Acquire(const std::string& database);

  DatabaseLock(DatabaseLock&& other) noexcept;
  DatabaseLock& operator=(DatabaseLock&&) = delete;
  ~DatabaseLock();  // releases the lock (the file stays)

  const std::string& path() const { return path_; }

  // "<database>.lock"
  static std::string LockPath(const std::string& database);

 private:
  DatabaseLock(std::string path, int fd) : path_(std::move(path)), fd_(fd) {}

  std::string path_;
  int fd_;
};

}  // namespace hbamgr::store

#endif  // HBAMGR_DAEMON_STORE_DB_LOCK_H_
