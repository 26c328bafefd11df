#include "daemon/sys/notify.h"

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>

#include "gtest/gtest.h"

namespace hbamgr::sys {
namespace {

// A datagram socket standing in for systemd's notification socket.
class FakeNotifySocket {
 public:
  FakeNotifySocket() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "hbamgr-notify-XXXXXX").string();
    dir_ = mkdtemp(tmpl.data());
    path_ = (dir_ / "notify.sock").string();
    fd_ = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    strncpy(addr.sun_path, path_.c_str(), sizeof(addr.sun_path) - 1);
    EXPECT_EQ(bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0) << strerror(errno);
    setenv("NOTIFY_SOCKET", path_.c_str(), 1);
  }
  ~FakeNotifySocket() {
    unsetenv("NOTIFY_SOCKET");
    close(fd_);
    std::filesystem::remove_all(dir_);
  }

  // The next datagram, or "" when none arrives within 5 s.
  std::string Receive() {
    pollfd p = {fd_, POLLIN, 0};
    if (poll(&p, 1, 5000) != 1) return "";
    char buf[4096];
    ssize_t n = recv(fd_, buf, sizeof(buf), 0);
    return n > 0 ? std::string(buf, static_cast<size_t>(n)) : "";
  }
  bool Pending() {
    pollfd p = {fd_, POLLIN, 0};
    return poll(&p, 1, 0) == 1;
  }

 private:
  std::filesystem::path dir_;
  std::string path_;
  int fd_;
};

TEST(NotifierTest, SendsEachStateToNotifySocket) {
  FakeNotifySocket sock;
  Notifier n;
  EXPECT_TRUE(Notifier::Enabled());
  ASSERT_TRUE(n.Ready("serving 2 adapters").ok());
  EXPECT_EQ(sock.Receive(), "READY=1\nSTATUS=serving 2 adapters");
  ASSERT_TRUE(n.Status("adapter 0 resetting").ok());
  EXPECT_EQ(sock.Receive(), "STATUS=adapter 0 resetting");
  ASSERT_TRUE(n.WatchdogPing().ok());
  EXPECT_EQ(sock.Receive(), "WATCHDOG=1");
  ASSERT_TRUE(n.Reloading().ok());
  EXPECT_EQ(sock.Receive(), "RELOADING=1");
  ASSERT_TRUE(n.Stopping().ok());
  EXPECT_EQ(sock.Receive(), "STOPPING=1");
  EXPECT_FALSE(sock.Pending());
}

TEST(NotifierTest, NoOpWithoutNotifySocket) {
  unsetenv("NOTIFY_SOCKET");
  Notifier n;
  EXPECT_FALSE(Notifier::Enabled());
  EXPECT_TRUE(n.Ready("x").ok());
  EXPECT_TRUE(n.WatchdogPing().ok());
}

TEST(NotifierTest, UnreachableSocketIsAnError) {
  setenv("NOTIFY_SOCKET", "/nonexistent/notify.sock", 1);
  Notifier n;
  EXPECT_EQ(n.Ready("x").code(), absl::StatusCode::kUnavailable);
  unsetenv("NOTIFY_SOCKET");
}

TEST(NotifierTest, WatchdogIntervalForThisProcess) {
  setenv("WATCHDOG_USEC", "3000000", 1);
  setenv("WATCHDOG_PID", std::to_string(getpid()).c_str(), 1);
  EXPECT_EQ(Notifier::WatchdogInterval(), absl::Seconds(3));
  // A watchdog meant for another process (e.g. our parent) is not ours.
  setenv("WATCHDOG_PID", std::to_string(getpid() + 1).c_str(), 1);
  EXPECT_EQ(Notifier::WatchdogInterval(), std::nullopt);
  unsetenv("WATCHDOG_PID");
  unsetenv("WATCHDOG_USEC");
  EXPECT_EQ(Notifier::WatchdogInterval(), std::nullopt);
}

}  // namespace
}  // namespace hbamgr::sys
