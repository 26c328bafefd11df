#include "daemon/transport/kernel_transport.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace hbamgr::transport {

absl::StatusOr<std::unique_ptr<KernelTransport>> KernelTransport::Open(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDWR | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) return ErrnoToStatus(errno, path.c_str());
  return std::unique_ptr<KernelTransport>(new KernelTransport(path, fd));
}

std::vector<std::string> KernelTransport::DiscoverDevices() {
  std::vector<std::pair<unsigned, std::string>> found;
  DIR* dir = ::opendir("/dev");
  if (dir == nullptr) return {};
  while (const dirent* entry = ::readdir(dir)) {
    absl::string_view name = entry->d_name;
    if (!absl::StartsWith(name, "hbamgr")) continue;
    absl::string_view digits = name.substr(6);
    unsigned index = 0;
    auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), index);
    if (digits.empty() || ec != std::errc() || end != digits.data() + digits.size()) continue;
    found.emplace_back(index, absl::StrCat("/dev/", name));
  }
  ::closedir(dir);
  std::sort(found.begin(), found.end());
  std::vector<std::string> paths;
  for (auto& [index, path] : found) paths.push_back(std::move(path));
  return paths;
}

KernelTransport::~KernelTransport() { ::close(fd_); }

absl::Status KernelTransport::Ioctl(unsigned long cmd, void* arg, const char* what) {
  int rc;
  do {
    rc = ::ioctl(fd_, cmd, arg);
  } while (rc < 0 && errno == EINTR);
  return rc < 0 ? ErrnoToStatus(errno, what) : absl::OkStatus();
}

absl::Status KernelTransport::GetInfo(hbamgr_info* info) {
  return Ioctl(HBAMGR_IOC_GET_INFO, info, "HBAMGR_IOC_GET_INFO");
}

absl::Status KernelTransport::Passthru(hbamgr_passthru* pt) {
  return Ioctl(HBAMGR_IOC_PASSTHRU, pt, "HBAMGR_IOC_PASSTHRU");
}

absl::Status KernelTransport::Reset(hbamgr_reset* reset) {
  return Ioctl(HBAMGR_IOC_RESET, reset, "HBAMGR_IOC_RESET");
}

absl::StatusOr<size_t> KernelTransport::ReadEvents(std::span<hbamgr_event> out) {
  ssize_t n;
  do {
    n = ::read(fd_, out.data(), out.size_bytes());
  } while (n < 0 && errno == EINTR);
  if (n < 0) {
    if (errno == EAGAIN) return 0;
    return ErrnoToStatus(errno, "read events");
  }
  return static_cast<size_t>(n) / sizeof(hbamgr_event);
}

}  // namespace hbamgr::transport
