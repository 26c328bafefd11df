#include "daemon/transport/sim_transport.h"

#include <unistd.h>

#include <cerrno>
#include <cstdint>

#include "absl/strings/str_cat.h"

namespace hbamgr::transport {

namespace {

// The firmware's account of what is wrong with its state, else errno's.
absl::Status AdapterError(int rc, const std::string& device, hbacore_nvram* nvram) {
  char message[4096];
  if (nvram != nullptr && hbacore_nvram_error(nvram, message, sizeof(message)) > 0) {
    std::string text = absl::StrCat("simulated adapter ", device, ": ", message);
    if (rc == -EUCLEAN) {
      absl::StrAppend(&text, " (repair it, or move the directory away to power on a new adapter)");
    }
    return absl::FailedPreconditionError(text);
  }
  return ErrnoToStatus(-rc, absl::StrCat("create simulated adapter ", device).c_str());
}

}  // namespace

absl::StatusOr<std::unique_ptr<SimTransport>> SimTransport::Create(hbacore_sim_params params,
                                                                   const std::string& state_dir) {
  std::string device = absl::StrCat("sim:", params.adapter_index);
  hbacore_nvram* nvram = nullptr;
  if (!state_dir.empty()) {
    char message[4096];
    if (hbacore_nvram_open(state_dir.c_str(), &nvram, message, sizeof(message)) < 0) {
      return absl::FailedPreconditionError(
          absl::StrCat("simulated adapter ", device, ": ", message));
    }
  }
  params.nvram = nvram;
  hba_adapter* adapter = nullptr;
  if (int rc = hbacore_adapter_create(&params, &adapter); rc < 0) {
    absl::Status error = AdapterError(rc, device, nvram);
    hbacore_nvram_close(nvram);
    return error;
  }
  hba_file* file = nullptr;
  if (int rc = hbacore_open(adapter, &file); rc < 0) {
    hbacore_adapter_remove(adapter);
    hbacore_nvram_close(nvram);
    return ErrnoToStatus(-rc, absl::StrCat("open ", device).c_str());
  }
  int event_fd = hbacore_event_fd(file);
  if (event_fd < 0) {
    hbacore_release(file);
    hbacore_adapter_remove(adapter);
    hbacore_nvram_close(nvram);
    return ErrnoToStatus(-event_fd, absl::StrCat("event fd of ", device).c_str());
  }
  return std::unique_ptr<SimTransport>(new SimTransport(device, nvram, adapter, file, event_fd));
}

SimTransport::~SimTransport() {
  hbacore_release(file_);
  hbacore_adapter_remove(adapter_);
  hbacore_nvram_close(nvram_);
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
