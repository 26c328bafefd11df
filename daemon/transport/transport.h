// The daemon's access to one adapter: the ioctl ABI of <linux/hbamgr.h>
// (GET_INFO, PASSTHRU, RESET) plus the event stream (read + poll).  Two
// implementations: KernelTransport (/dev/hbamgrN of hbamgr.ko) and
// SimTransport (libhbacore linked in-process).  The daemon is the single
// owner of each adapter: it opens it once and serializes passthrough itself.
#ifndef HBAMGR_DAEMON_TRANSPORT_TRANSPORT_H_
#define HBAMGR_DAEMON_TRANSPORT_TRANSPORT_H_

#include <linux/hbamgr.h>

#include <cstddef>
#include <span>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace hbamgr::transport {

// Thread-safe: the ioctl calls may run concurrently with ReadEvents (the
// passthrough worker and the event loop use one transport).
class Transport {
 public:
  virtual ~Transport() = default;

  // "/dev/hbamgr0" or "sim:0"; for logs and the Controller record.
  virtual const std::string& device() const = 0;

  // The ioctls.  Errors are the driver's errno mapped by ErrnoToStatus():
  // EAGAIN (adapter resetting, retry) is UNAVAILABLE, ENODEV (removed) is
  // NOT_FOUND.  The caller sets every `in` field, including the size.
  virtual absl::Status GetInfo(hbamgr_info* info) = 0;
  // Blocks until the command completed or timed out (pt->timeout_ms).
  virtual absl::Status Passthru(hbamgr_passthru* pt) = 0;
  virtual absl::Status Reset(hbamgr_reset* reset) = 0;

  // Reads whole queued records without blocking; 0 when none is queued.
  virtual absl::StatusOr<size_t> ReadEvents(std::span<hbamgr_event> out) = 0;
  // poll(2) on it: POLLIN while records are queued, POLLHUP once removed.
  virtual int event_fd() const = 0;
};

// The errno of an ABI call as a Status naming `what` and the errno:
// EAGAIN -> UNAVAILABLE, ENODEV -> NOT_FOUND, EINVAL/E2BIG/EFAULT ->
// INVALID_ARGUMENT, EPERM/EACCES -> PERMISSION_DENIED, ENOTTY ->
// UNIMPLEMENTED, EINTR -> CANCELLED, ETIMEDOUT -> DEADLINE_EXCEEDED,
// ENOMEM -> RESOURCE_EXHAUSTED, others INTERNAL.  0 -> OK.
absl::Status ErrnoToStatus(int err, const char* what);

// True for the transport error that means "adapter resetting, retry".
bool IsRetryable(const absl::Status& status);

}  // namespace hbamgr::transport

#endif  // HBAMGR_DAEMON_TRANSPORT_TRANSPORT_H_
