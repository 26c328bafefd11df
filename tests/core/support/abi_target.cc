#include "support/abi_target.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <linux/capability.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>

#include "support/adapter_fixture.h"

namespace hbamgr::coretest {
namespace {

const char* DevicePath() { return std::getenv("HBAMGR_ABI_DEVICE"); }

class InProcessTarget : public AbiTarget {
 public:
  explicit InProcessTarget(std::unique_ptr<SimFile> file) : file_(std::move(file)) {}

  int Ioctl(unsigned long cmd, void* arg, bool admin) override {
    return file_->Ioctl(static_cast<unsigned int>(cmd), arg, admin);
  }
  ssize_t Read(void* buf, size_t len, bool nonblock) override {
    return hbacore_read(file_->get(), buf, len, nonblock);
  }
  unsigned int Poll() override { return hbacore_poll(file_->get()); }
  unsigned int WaitReadable(int timeout_ms) override {
    int fd = hbacore_event_fd(file_->get());
    EXPECT_GE(fd, 0);
    auto end = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    for (;;) {
      unsigned int mask = Poll();
      if (mask != 0 || fd < 0) return mask;
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          end - std::chrono::steady_clock::now());
      if (left.count() <= 0) return Poll();
      pollfd pfd{fd, POLLIN, 0};
      if (poll(&pfd, 1, static_cast<int>(left.count())) > 0) {
        uint64_t drained;
        EXPECT_EQ(read(fd, &drained, sizeof(drained)), static_cast<ssize_t>(sizeof(drained)));
      }
    }
  }

 private:
  std::unique_ptr<SimFile> file_;
};

// Runs fn with CAP_SYS_ADMIN lowered in this thread's effective set.
template <typename Fn>
int WithoutSysAdmin(Fn fn) {
  __user_cap_header_struct hdr{_LINUX_CAPABILITY_VERSION_3, 0};
  __user_cap_data_struct data[2]{};
  if (syscall(SYS_capget, &hdr, data) != 0) return -errno;
  __user_cap_data_struct lowered[2] = {data[0], data[1]};
  lowered[CAP_TO_INDEX(CAP_SYS_ADMIN)].effective &= ~CAP_TO_MASK(CAP_SYS_ADMIN);
  if (syscall(SYS_capset, &hdr, lowered) != 0) return -errno;
  int ret = fn();
  EXPECT_EQ(syscall(SYS_capset, &hdr, data), 0);
  return ret;
}

class DeviceTarget : public AbiTarget {
 public:
  explicit DeviceTarget(int fd) : fd_(fd) {}
  ~DeviceTarget() override { close(fd_); }

  int Ioctl(unsigned long cmd, void* arg, bool admin) override {
    auto call = [&] { return ioctl(fd_, cmd, arg) == 0 ? 0 : -errno; };
    return admin ? call() : WithoutSysAdmin(call);
  }
  ssize_t Read(void* buf, size_t len, bool nonblock) override {
    int flags = fcntl(fd_, F_GETFL);
    fcntl(fd_, F_SETFL, nonblock ? (flags | O_NONBLOCK) : (flags & ~O_NONBLOCK));
    ssize_t n = read(fd_, buf, len);
    return n >= 0 ? n : -errno;
  }
  unsigned int Poll() override { return PollFor(0); }
  unsigned int WaitReadable(int timeout_ms) override { return PollFor(timeout_ms); }

 private:
  unsigned int PollFor(int timeout_ms) {
    pollfd pfd{fd_, POLLIN, 0};
    if (poll(&pfd, 1, timeout_ms) <= 0) return 0;
    return ((pfd.revents & POLLIN) ? HBACORE_POLLIN : 0) |
           ((pfd.revents & POLLHUP) ? HBACORE_POLLHUP : 0);
  }
  int fd_;
};

}  // namespace

bool AbiDeviceMode() { return DevicePath() != nullptr; }

std::unique_ptr<AbiTarget> OpenAbiTarget(SimAdapter* sim) {
  if (AbiDeviceMode()) {
    int fd = open(DevicePath(), O_RDWR | O_CLOEXEC);
    EXPECT_GE(fd, 0) << DevicePath() << ": " << strerror(errno);
    if (fd < 0) return nullptr;
    return std::make_unique<DeviceTarget>(fd);
  }
  auto file = SimFile::Open(sim->get());
  if (file == nullptr) return nullptr;
  return std::make_unique<InProcessTarget>(std::move(file));
}

}  // namespace hbamgr::coretest
