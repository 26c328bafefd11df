// Transport on /dev/hbamgrN of the loaded hbamgr.ko.
#ifndef HBAMGR_DAEMON_TRANSPORT_KERNEL_TRANSPORT_H_
#define HBAMGR_DAEMON_TRANSPORT_KERNEL_TRANSPORT_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "daemon/transport/transport.h"

namespace hbamgr::transport {

class KernelTransport final : public Transport {
 public:
  // Opens `path` read-write, non-blocking for read(2).
  static absl::StatusOr<std::unique_ptr<KernelTransport>> Open(const std::string& path);
  // Every /dev/hbamgr<N>, sorted by N.
  static std::vector<std::string> DiscoverDevices();

  ~KernelTransport() override;
  KernelTransport(const KernelTransport&) = delete;
  KernelTransport& operator=(const KernelTransport&) = delete;

  const std::string& device() const override { return path_; }
  absl::Status GetInfo(hbamgr_info* info) override;
  absl::Status Passthru(hbamgr_passthru* pt) override;
  absl::Status Reset(hbamgr_reset* reset) override;
  absl::StatusOr<size_t> ReadEvents(std::span<hbamgr_event> out) override;
  int event_fd() const override { return fd_; }

 private:
  KernelTransport(std::string path, int fd) : path_(std::move(path)), fd_(fd) {}
  absl::Status Ioctl(unsigned long cmd, void* arg, const char* what);

  const std::string path_;
  const int fd_;
};

}  // namespace hbamgr::transport

#endif  // HBAMGR_DAEMON_TRANSPORT_KERNEL_TRANSPORT_H_
