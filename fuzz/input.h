// A fuzzer input read front to back: little-endian integers and byte
// strings.  Past the end everything reads as zero, so every input means
// something, and a seed is easy to write by hand (fuzz/make-seeds.py).
#ifndef HBAMGR_FUZZ_INPUT_H_
#define HBAMGR_FUZZ_INPUT_H_

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

namespace hbamgr::fuzz {

class Input {
 public:
  Input(const uint8_t* data, size_t size) : data_(data), size_(size) {}

  bool empty() const { return pos_ >= size_; }
  size_t remaining() const { return empty() ? 0 : size_ - pos_; }

  uint8_t U8() { return static_cast<uint8_t>(Uint(1)); }
  uint16_t U16() { return static_cast<uint16_t>(Uint(2)); }
  uint32_t U32() { return static_cast<uint32_t>(Uint(4)); }
  uint64_t U64() { return Uint(8); }
  bool Bool() { return U8() & 1; }

  // Copies the next n bytes to dst, zeros where the input ended.
  void Fill(void* dst, size_t n) {
    if (n == 0) return;
    size_t have = std::min(n, size_ - std::min(pos_, size_));
    if (have) std::memcpy(dst, data_ + pos_, have);
    std::memset(static_cast<uint8_t*>(dst) + have, 0, n - have);
    pos_ += n;
  }
  std::vector<uint8_t> Bytes(size_t n) {
    std::vector<uint8_t> out(n);
    Fill(out.data(), n);
    return out;
  }

  // A length class then a length: 0, up to 255, up to 65535 or up to max,
  // so small transfers are as likely as large ones.
  uint32_t Length(uint32_t max) {
    uint32_t v;
    switch (U8() & 3) {
      case 0:
        return 0;
      case 1:
        v = U8();
        break;
      case 2:
        v = U16();
        break;
      default:
        v = U32();
        break;
    }
    return max == UINT32_MAX ? v : v % (max + 1);
  }

 private:
  uint64_t Uint(int bytes) {
    uint64_t v = 0;
    for (int i = 0; i < bytes; ++i, ++pos_) {
      if (pos_ < size_) v |= static_cast<uint64_t>(data_[pos_]) << (8 * i);
    }
    return v;
  }

  const uint8_t* data_;
  size_t size_;
  size_t pos_ = 0;
};

}  // namespace hbamgr::fuzz

#endif  // HBAMGR_FUZZ_INPUT_H_
