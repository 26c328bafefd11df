#include "daemon/transport/sim_transport.h"

#include <unistd.h>

#include <cerrno>
#include <cstdint>

#include "absl/strings/str_cat.h"

namespace hbamgr::transport {

absl::StatusOr<std::unique_ptr<SimTransport>> SimTransport::Create(
    const hbacore_sim_params& params) {
  std::string device = absl::StrCat("sim:", params.adapter_index);
  hba_adapter* adapter = nullptr;
  if (int rc = hbacore_adapter_create(&params, &adapter); rc < 0) {
    return ErrnoToStatus(-rc, absl::StrCat("create simulated adapter ", device).c_str());
  }
  hba_file* file = nullptr;
  if (int rc = hbacore_open(adapter, &file); rc < 0) {
    hbacore_adapter_remove(adapter);
    return ErrnoToStatus(-rc, absl::StrCat("open ", device).c_str());
  }
  int event_fd = hbacore_event_fd(file);
  if (event_fd < 0) {
    hbacore_release(file);
    hbacore_adapter_remove(adapter);
    return ErrnoToStatus(-event_fd, absl::StrCat("event fd of ", device).c_str());
  }
  return std::unique_ptr<SimTransport>(new SimTransport(device, adapter, file, event_fd));
}

SimTransport::~SimTransport() {
  hbacore_release(file_);
  hbacore_adapter_remove(adapter_);
}

absl::Status SimTransport::GetInfo(hbamgr_info* info) {
  return ErrnoToStatus(-hbacore_ioctl(file_, HBAMGR_IOC_GET_INFO, info, true),
                       "HBAMGR_IOC_GET_INFO");
}

absl::Status SimTransport::Passthru(hbamgr_passthru* pt) {
  return ErrnoToStatus(-hbacore_ioctl(file_, HBAMGR_IOC_PASSTHRU, pt, true), "HBAMGR_IOC_PASSTHRU");
}

absl::Status SimTransport::Reset(hbamgr_reset* reset) {
  return ErrnoToStatus(-hbacore_ioctl(file_, HBAMGR_IOC_RESET, reset, true), "HBAMGR_IOC_RESET");
}

absl::StatusOr<size_t> SimTransport::ReadEvents(std::span<hbamgr_event> out) {
  uint64_t wakeups;
  while (::read(event_fd_, &wakeups, sizeof(wakeups)) > 0) {
  }
  ssize_t n = hbacore_read(file_, out.data(), out.size_bytes(), /*nonblock=*/true);
  if (n == -EAGAIN) return 0;
  if (n < 0) return ErrnoToStatus(static_cast<int>(-n), "read events");
  return static_cast<size_t>(n) / sizeof(hbamgr_event);
}

}  // namespace hbamgr::transport
