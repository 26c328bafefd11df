#include "daemon/sys/signals.h"

#include <poll.h>
#include <pthread.h>
#include <unistd.h>

#include "gtest/gtest.h"

namespace hbamgr::sys {
namespace {

bool Blocked(int sig) {
  sigset_t mask;
  pthread_sigmask(SIG_SETMASK, nullptr, &mask);
  return sigismember(&mask, sig) == 1;
}

TEST(SignalWatcherTest, DeliversSignalsThroughTheFd) {
  absl::StatusOr<std::unique_ptr<SignalWatcher>> w = SignalWatcher::Create();
  ASSERT_TRUE(w.ok()) << w.status();
  EXPECT_TRUE(Blocked(SIGHUP));
  EXPECT_TRUE(Blocked(SIGTERM));
  EXPECT_TRUE(Blocked(SIGINT));

  absl::StatusOr<std::optional<int>> none = (*w)->Read();
  ASSERT_TRUE(none.ok());
  EXPECT_EQ(*none, std::nullopt);

  ASSERT_EQ(kill(getpid(), SIGHUP), 0);
  pollfd p = {(*w)->fd(), POLLIN, 0};
  ASSERT_EQ(poll(&p, 1, 5000), 1);
  absl::StatusOr<std::optional<int>> sig = (*w)->Read();
  ASSERT_TRUE(sig.ok());
  EXPECT_EQ(*sig, SIGHUP);

  ASSERT_EQ(kill(getpid(), SIGTERM), 0);
  ASSERT_EQ(poll(&p, 1, 5000), 1);
  EXPECT_EQ(*(*w)->Read(), SIGTERM);
  EXPECT_EQ(*(*w)->Read(), std::nullopt);
}

TEST(SignalWatcherTest, DestructorRestoresTheMask) {
  ASSERT_FALSE(Blocked(SIGUSR1));
  {
    absl::StatusOr<std::unique_ptr<SignalWatcher>> w = SignalWatcher::Create({SIGUSR1});
    ASSERT_TRUE(w.ok());
    EXPECT_TRUE(Blocked(SIGUSR1));
  }
  EXPECT_FALSE(Blocked(SIGUSR1));
}

TEST(SignalWatcherTest, RejectsBadSignalNumbers) {
  EXPECT_EQ(SignalWatcher::Create({0, 9999}).status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace hbamgr::sys
