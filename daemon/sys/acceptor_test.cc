#include "daemon/sys/acceptor.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>

#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "gtest/gtest.h"

namespace hbamgr::sys {
namespace {

// A non-blocking loopback TCP listener on an ephemeral port.
int ListenLoopback(uint16_t* port) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  EXPECT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  EXPECT_EQ(listen(fd, 16), 0);
  socklen_t len = sizeof(addr);
  EXPECT_EQ(getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len), 0);
  *port = ntohs(addr.sin_port);
  return fd;
}

int Connect(uint16_t port) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

TEST(AcceptorTest, HandsEachConnectionNonBlockingToTheHandler) {
  uint16_t port = 0;
  absl::StatusOr<std::unique_ptr<Acceptor>> acceptor = Acceptor::Create(ListenLoopback(&port));
  ASSERT_TRUE(acceptor.ok()) << acceptor.status();
  absl::Mutex mu;
  int accepted = 0;
  bool all_non_blocking = true;
  ASSERT_TRUE((*acceptor)
                  ->Start([&](int fd) {
                    absl::MutexLock lock(&mu);
                    ++accepted;
                    all_non_blocking &= (fcntl(fd, F_GETFL) & O_NONBLOCK) != 0;
                    close(fd);
                  })
                  .ok());
  int clients[3];
  for (int& c : clients) {
    c = Connect(port);
    ASSERT_GE(c, 0);
  }
  absl::MutexLock lock(&mu);
  mu.Await(absl::Condition(
      +[](int* n) { return *n == 3; }, &accepted));
  EXPECT_TRUE(all_non_blocking);
  for (int c : clients) close(c);
}

TEST(AcceptorTest, StopWakesAHandlerWaitingOnTheWakeFdAndClosesTheListener) {
  uint16_t port = 0;
  absl::StatusOr<std::unique_ptr<Acceptor>> acceptor = Acceptor::Create(ListenLoopback(&port));
  ASSERT_TRUE(acceptor.ok()) << acceptor.status();
  Acceptor* a = acceptor->get();
  absl::Notification in_handler;
  bool woken = false;
  ASSERT_TRUE(a->Start([&](int fd) {
                 in_handler.Notify();
                 // A slow client: only Stop() ends this wait.
                 pollfd wake = {a->wake_fd(), POLLIN, 0};
                 woken = poll(&wake, 1, -1) == 1;
                 close(fd);
               }).ok());
  int client = Connect(port);
  ASSERT_GE(client, 0);
  in_handler.WaitForNotification();
  a->Stop();  // returns only once the handler saw the wake fd
  EXPECT_TRUE(woken);
  EXPECT_EQ(a->listen_fd(), -1);
  EXPECT_EQ(Connect(port), -1);
  EXPECT_EQ(errno, ECONNREFUSED);
  a->Stop();  // idempotent
  close(client);
}

TEST(AcceptorTest, StartsOnceAndNotAfterStop) {
  uint16_t port = 0;
  absl::StatusOr<std::unique_ptr<Acceptor>> started = Acceptor::Create(ListenLoopback(&port));
  ASSERT_TRUE(started.ok());
  ASSERT_TRUE((*started)->Start([](int fd) { close(fd); }).ok());
  EXPECT_EQ((*started)->Start([](int fd) { close(fd); }).code(),
            absl::StatusCode::kFailedPrecondition);

  absl::StatusOr<std::unique_ptr<Acceptor>> stopped = Acceptor::Create(ListenLoopback(&port));
  ASSERT_TRUE(stopped.ok());
  (*stopped)->Stop();
  EXPECT_EQ((*stopped)->Start([](int fd) { close(fd); }).code(),
            absl::StatusCode::kFailedPrecondition);
}

}  // namespace
}  // namespace hbamgr::sys
