// libFuzzer target: the ioctl, read and poll dispatch of the driver core
// through libhbacore (kmod/core/drv: ioctl.c, passthru.c, events.c), the
// code hbamgr.ko serves /dev/hbamgrN with: struct sizes, flags, reserved
// fields, command numbers, privileges and user pointers that are valid,
// NULL, unmapped, unaligned or that end part way through the declared
// length.
//
// Input (fuzz/input.h), a sequence of calls until the input ends:
//   U8 call % 6, U8 caller (bit 0: CAP_SYS_ADMIN), then per call:
//     0 GET_INFO, 1 PASSTHRU, 2 RESET: U8 command-number kind, U8 size kind
//       (0 the struct's size, 1 smaller, 2 larger, 3 any U32: see ArgSize),
//       U8 pointer kind of the argument, its bytes; PASSTHRU also U8 pointer
//       kinds of data_ptr and sense_ptr (the lengths are the struct's)
//     3 read(): Length(64 KiB), U8 pointer kind
//     4 poll() and the event fd
//     5 an ioctl number of another driver (U32)
// User memory comes from a fixed arena whose buffers end at a PROT_NONE
// page, so a copy past the declared length faults (-EFAULT) instead of
// reading or writing a neighbour.
//
// An adapter is created once and reused while inputs leave it as they found
// it; after an input that may have changed it (a passthrough that ran, a
// reset) the next input gets a fresh one, so every input starts from the
// same adapter state and a crash replays.
#include <linux/hbamgr.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>

#include "fuzz/check.h"
#include "fuzz/input.h"
#include "hbacore.h"

namespace {

using hbamgr::fuzz::Input;

constexpr int kMaxCalls = 32;
constexpr size_t kPage = 4096;

// Buffers that end where an inaccessible page begins.
class Arena {
 public:
  explicit Arena(size_t capacity) : capacity_(capacity) {
    size_t len = capacity + kPage;
    base_ = static_cast<uint8_t*>(
        mmap(nullptr, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
    FUZZ_CHECK(base_ != MAP_FAILED, "mmap");
    guard_ = base_ + capacity;
    FUZZ_CHECK(mprotect(guard_, kPage, PROT_NONE) == 0, "mprotect");
  }

  // A user pointer for a buffer the caller says holds `len` bytes, and the
  // bytes really there (none when it is not a usable pointer).
  struct Buffer {
    uint64_t user = 0;
    uint8_t* bytes = nullptr;
    size_t room = 0;
  };
  Buffer Pointer(uint8_t kind, uint32_t len) {
    size_t n = std::min<size_t>(len, capacity_);
    switch (kind % 6) {
      case 0:  // exactly len bytes (as many as fit); none: NULL, as the ABI wants
        return n ? At(guard_ - n, n) : Buffer{};
      case 1:  // NULL
        return {};
      case 2:  // the guard page itself
        return {reinterpret_cast<uintptr_t>(guard_), nullptr, 0};
      case 3:  // only the first half is there
        return At(guard_ - n / 2, n / 2);
      case 4:  // len bytes shifted by one from the page end (unaligned)
        return At(guard_ - std::min(n + 1, capacity_), std::min(n, capacity_ - 1));
      default:  // not a user address at all
        return {0xffff800000000000ULL, nullptr, 0};
    }
  }

 private:
  static Buffer At(uint8_t* p, size_t room) { return {reinterpret_cast<uintptr_t>(p), p, room}; }

  const size_t capacity_;
  uint8_t* base_;
  uint8_t* guard_;
};

Arena& ArgArena() {
  static Arena arena(2 * HBAMGR_SIZE_MAX);
  return arena;
}
Arena& DataArena() {
  static Arena arena(1024 * 1024 + kPage);
  return arena;
}
Arena& SenseArena() {
  static Arena arena(kPage);
  return arena;
}

// The adapter under test, and whether the last input may have changed it.
struct Target {
  hba_adapter* adapter = nullptr;
  bool dirty = true;
};

Target& TheTarget() {
  static Target target;
  if (target.dirty) {
    if (target.adapter) hbacore_adapter_remove(target.adapter);
    hbacore_sim_params p;
    hbacore_sim_params_default(&p);
    p.drive_size_mb = 16;
    p.fault_injection = false;  // a lost completion would stall the next input
    FUZZ_CHECK(hbacore_adapter_create(&p, &target.adapter) == 0, "hbacore_adapter_create");
    target.dirty = false;
  }
  return target;
}

bool Expected(long ret) {
  switch (ret) {
    case 0:
    case -EINVAL:
    case -E2BIG:
    case -EFAULT:
    case -EPERM:
    case -EAGAIN:
    case -ENOTTY:
    case -ENOMEM:
    case -ENODEV:
      return true;
    default:
      return false;
  }
}

// The size field: the struct's own, smaller, larger (up to twice
// HBAMGR_SIZE_MAX, the tail zero or not), or anything.
uint32_t ArgSize(Input& in, uint32_t ksize) {
  switch (in.U8() & 3) {
    case 0:
      return ksize;
    case 1:
      return in.U8() % ksize;
    case 2:
      return ksize + in.U16() % (2 * HBAMGR_SIZE_MAX - ksize);
    default:
      return in.U32();
  }
}

// An ioctl number for one of ours: right, wrong direction or size bits, or
// a number past the last command.
unsigned int CommandNumber(Input& in, unsigned int cmd) {
  switch (in.U8() & 3) {
    case 0:
    case 1:
      return cmd;
    case 2:
      return _IOC(_IOC_NONE, HBAMGR_IOC_MAGIC, _IOC_NR(cmd), in.U16() & 0x3fff);
    default:
      return _IOWR(HBAMGR_IOC_MAGIC, in.U8(), struct hbamgr_info);
  }
}

long CallIoctl(Input& in, hba_file* file, bool admin, int which, bool* ran) {
  static const struct {
    unsigned int cmd;
    uint32_t ksize;
  } kCalls[] = {{HBAMGR_IOC_GET_INFO, sizeof(hbamgr_info)},
                {HBAMGR_IOC_PASSTHRU, sizeof(hbamgr_passthru)},
                {HBAMGR_IOC_RESET, sizeof(hbamgr_reset)}};
  const unsigned int cmd = CommandNumber(in, kCalls[which].cmd);
  const uint32_t ksize = kCalls[which].ksize;
  const uint32_t size = ArgSize(in, ksize);
  const uint8_t kind = in.U8();
  // The argument: the size word, then the struct (and any tail) from the input.
  const Arena::Buffer arg = ArgArena().Pointer(kind, std::max(size, ksize));
  // The struct as the input gives it; PASSTHRU's buffers are the arena's.
  uint8_t body[std::max({sizeof(hbamgr_info), sizeof(hbamgr_passthru), sizeof(hbamgr_reset)})];
  in.Fill(body, ksize);
  std::memcpy(body, &size, sizeof(size));
  hbamgr_passthru pt{};
  if (which == 1) {
    std::memcpy(&pt, body, sizeof(pt));
    const Arena::Buffer data = DataArena().Pointer(in.U8(), pt.data_len);
    pt.data_ptr = data.user;
    pt.sense_ptr = SenseArena().Pointer(in.U8(), pt.sense_len).user;
    if (pt.dir == HBAMGR_DIR_TO_DEV) in.Fill(data.bytes, data.room);
    std::memcpy(body, &pt, sizeof(pt));
  }
  if (arg.bytes) {
    std::memset(arg.bytes, 0, arg.room);
    std::memcpy(arg.bytes, body, std::min<size_t>(arg.room, ksize));
    if (arg.room > ksize && in.Bool()) in.Fill(arg.bytes + ksize, arg.room - ksize);
  }
  long ret = hbacore_ioctl(file, cmd, reinterpret_cast<void*>(arg.user), admin);
  FUZZ_CHECK(Expected(ret), "ioctl 0x%x returned %ld", cmd, ret);
  if (ret == 0 && cmd == kCalls[which].cmd) {
    *ran = which != 0;
    FUZZ_CHECK(arg.room >= std::min(size, ksize), "ioctl 0x%x succeeded on an unusable argument",
               cmd);
    uint32_t out_size;
    std::memcpy(&out_size, arg.bytes, sizeof(out_size));
    FUZZ_CHECK(out_size == size, "size %u came back as %u", size, out_size);
    if (which == 1) {
      hbamgr_passthru out{};
      std::memcpy(&out, arg.bytes, std::min(size, ksize));
      FUZZ_CHECK(out.sense_len_out <= pt.sense_len, "%u sense bytes for a %u-byte buffer",
                 out.sense_len_out, pt.sense_len);
      FUZZ_CHECK(out.status == HBAMGR_ST_NO_SPACE || out.resid <= pt.data_len,
                 "resid %u of a %u-byte transfer", out.resid, pt.data_len);
    }
  }
  return ret;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  Input in(data, size);
  Target& target = TheTarget();
  hba_file* file = nullptr;
  FUZZ_CHECK(hbacore_open(target.adapter, &file) == 0, "hbacore_open");
  const unsigned long warns = hbacore_warn_count();
  bool changed = false;

  for (int calls = 0; calls < kMaxCalls && !in.empty(); ++calls) {
    const int which = in.U8() % 6;
    const bool admin = in.U8() & 1;
    bool ran = false;
    switch (which) {
      case 0:
      case 1:
      case 2:
        CallIoctl(in, file, admin, which, &ran);
        break;
      case 3: {
        uint32_t len = in.Length(64 * 1024);
        const Arena::Buffer buf = DataArena().Pointer(in.U8(), len);
        ssize_t n = hbacore_read(file, reinterpret_cast<void*>(buf.user), len, /*nonblock=*/true);
        FUZZ_CHECK(n == -EINVAL || n == -EAGAIN || n == -EFAULT ||
                       (n > 0 && static_cast<size_t>(n) <= len && n % sizeof(hbamgr_event) == 0),
                   "read of %u bytes returned %zd", len, n);
        break;
      }
      case 4: {
        unsigned int mask = hbacore_poll(file);
        FUZZ_CHECK((mask & ~(HBACORE_POLLIN | HBACORE_POLLHUP)) == 0, "poll mask 0x%x", mask);
        int fd = hbacore_event_fd(file);
        FUZZ_CHECK(fd >= 0, "hbacore_event_fd: %d", fd);
        uint64_t wakeups;
        (void)!read(fd, &wakeups, sizeof(wakeups));
        break;
      }
      default: {
        unsigned int cmd = in.U32();
        if (_IOC_TYPE(cmd) == HBAMGR_IOC_MAGIC) break;
        long ret = hbacore_ioctl(file, cmd, nullptr, admin);
        FUZZ_CHECK(ret == -ENOTTY, "foreign ioctl 0x%x returned %ld", cmd, ret);
        break;
      }
    }
    changed = changed || ran;
  }
  hbacore_release(file);
  FUZZ_CHECK(hbacore_warn_count() == warns, "the driver core broke an invariant (HBA_WARN_ON)");
  target.dirty = changed;
  return 0;
}
