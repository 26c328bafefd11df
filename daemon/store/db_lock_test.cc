#include "daemon/store/db_lock.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <optional>
#include <string>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace hbamgr::store {
namespace {

using ::testing::HasSubstr;

class DatabaseLockTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / absl::StrCat("hbamgr-lock-", getpid());
    std::filesystem::create_directories(dir_);
    database_ = (dir_ / "hbamgrd.db").string();
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::filesystem::path dir_;
  std::string database_;
};

TEST_F(DatabaseLockTest, ASecondHolderIsRefusedNamingTheFirst) {
  absl::StatusOr<DatabaseLock> first = DatabaseLock::Acquire(database_);
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ(first->path(), database_ + ".lock");
  std::ifstream pid_file(first->path());
  std::string pid;
  pid_file >> pid;
  EXPECT_EQ(pid, absl::StrCat(getpid()));

  // flock(2) locks belong to the open file: a second open in this process
  // conflicts as another process's would.
  absl::StatusOr<DatabaseLock> second = DatabaseLock::Acquire(database_);
  ASSERT_EQ(second.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(second.status().message(), HasSubstr("in use by another hbamgrd"));
  EXPECT_THAT(second.status().message(), HasSubstr(absl::StrCat("(pid ", getpid(), ")")));
  EXPECT_THAT(second.status().message(), HasSubstr(database_ + ".lock"));
  // Nothing but the lock file: the database itself is untouched.
  EXPECT_FALSE(std::filesystem::exists(database_));

  std::optional<DatabaseLock> released(std::move(*first));
  released.reset();
  EXPECT_TRUE(DatabaseLock::Acquire(database_).ok());
}

TEST_F(DatabaseLockTest, AMissingDirectoryNamesTheLockFile) {
  absl::StatusOr<DatabaseLock> lock = DatabaseLock::Acquire((dir_ / "no/such/db").string());
  EXPECT_EQ(lock.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(lock.status().message(), HasSubstr("no/such/db.lock"));
}

}  // namespace
}  // namespace hbamgr::store
