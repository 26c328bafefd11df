#include "daemon/store/db_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"

namespace hbamgr::store {
namespace {

absl::Status Errno(const std::string& what, const std::string& path) {
  return absl::FailedPreconditionError(absl::StrCat(what, " ", path, ": ", strerror(errno)));
}

// The pid the holder wrote, or "" when it cannot be read.
std::string HolderPid(int fd) {
  char buf[32] = {};
  ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);
  if (n <= 0) return "";
  return std::string(absl::StripAsciiWhitespace(buf));
}

}  // namespace

std::string DatabaseLock::LockPath(const std::string& database) {
  return absl::StrCat(database, ".lock");
}

absl::StatusOr<DatabaseLock> DatabaseLock::Acquire(const std::string& database) {
  std::string path = LockPath(database);
  int fd = open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) return Errno("cannot open the lock file", path);
  if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
    const int err = errno;
    std::string pid = HolderPid(fd);
    close(fd);
    if (err == EWOULDBLOCK) {
      return absl::FailedPreconditionError(absl::StrCat(
          "database ", database, " is in use by another hbamgrd",
          pid.empty() ? "" : absl::StrCat(" (pid ", pid, ")"), "; lock file ", path,
          ". One daemon per database: stop it, or give this one another store.database"));
    }
    errno = err;
    return Errno("cannot lock", path);
  }
  // Ours now: name the holder for the next one to come (without it only
  // that message is poorer).
  std::string pid = absl::StrCat(getpid(), "\n");
  if (ftruncate(fd, 0) == 0) (void)!pwrite(fd, pid.data(), pid.size(), 0);
  return DatabaseLock(std::move(path), fd);
}

DatabaseLock::DatabaseLock(DatabaseLock&& other) noexcept
    : path_(std::move(other.path_)), fd_(other.fd_) {
  other.fd_ = -1;
}

DatabaseLock::~DatabaseLock() {
  if (fd_ >= 0) close(fd_);
}

}  // namespace hbamgr::store
