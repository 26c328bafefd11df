// What abi_test.cc talks to: either the in-process core (libhbacore,
// default) or a real hbamgr.ko device node when HBAMGR_ABI_DEVICE names
// one (e.g. /dev/hbamgr0, in the qemu guest).  Both return the same
// results: 0 or -errno, bytes or -errno.
#ifndef HBAMGR_TESTS_CORE_SUPPORT_ABI_TARGET_H_
#define HBAMGR_TESTS_CORE_SUPPORT_ABI_TARGET_H_

#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <memory>

#include "hbacore.h"

namespace hbamgr::coretest {

class SimAdapter;

class AbiTarget {
 public:
  virtual ~AbiTarget() = default;
  // ioctl(2); admin false runs the call without CAP_SYS_ADMIN.
  virtual int Ioctl(unsigned long cmd, void* arg, bool admin = true) = 0;
  // read(2) of event records.
  virtual ssize_t Read(void* buf, size_t len, bool nonblock) = 0;
  // poll(2) without waiting: HBACORE_POLLIN / HBACORE_POLLHUP bits.
  virtual unsigned int Poll() = 0;
  // Waits up to timeout_ms for POLLIN or POLLHUP; the mask seen.
  virtual unsigned int WaitReadable(int timeout_ms) = 0;
};

// True when HBAMGR_ABI_DEVICE is set: tests run against hbamgr.ko.
bool AbiDeviceMode();

// Opens a new file: on the device node in device mode (sim unused), else
// on sim.  nullptr (and a gtest failure) on error.
std::unique_ptr<AbiTarget> OpenAbiTarget(SimAdapter* sim);

}  // namespace hbamgr::coretest

#endif  // HBAMGR_TESTS_CORE_SUPPORT_ABI_TARGET_H_
