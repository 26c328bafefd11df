#include "daemon/transport/transport.h"

#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"

namespace hbamgr::transport {

absl::Status ErrnoToStatus(int err, const char* what) {
  if (err == 0) return absl::OkStatus();
  std::string message = absl::StrCat(what, ": ", std::strerror(err), " (errno ", err, ")");
  switch (err) {
    case EAGAIN:
      return absl::UnavailableError(message);
    case ENODEV:
      return absl::NotFoundError(message);
    case EINVAL:
    case E2BIG:
    case EFAULT:
      return absl::InvalidArgumentError(message);
    case EPERM:
    case EACCES:
      return absl::PermissionDeniedError(message);
    case ENOTTY:
      return absl::UnimplementedError(message);
    case EINTR:
      return absl::CancelledError(message);
    case ETIMEDOUT:
      return absl::DeadlineExceededError(message);
    case ENOMEM:
      return absl::ResourceExhaustedError(message);
    default:
      return absl::InternalError(message);
  }
}

bool IsRetryable(const absl::Status& status) { return absl::IsUnavailable(status); }

}  // namespace hbamgr::transport
