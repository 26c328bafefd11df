#include "cli/format.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/time.h"

namespace hbamgr::cli {

std::string HumanSize(uint64_t bytes) {
  static constexpr const char* kUnits[] = {"KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
  if (bytes < 1024) return absl::StrCat(bytes, " B");
  double value = static_cast<double>(bytes) / 1024.0;
  size_t unit = 0;
  // Switch unit before rounding would print "1024.0".
  while (value >= 1023.95 && unit + 1 < std::size(kUnits)) {
    value /= 1024.0;
    ++unit;
  }
  return absl::StrFormat("%.1f %s", value, kUnits[unit]);
}

std::string ProgressBar(uint32_t permille, int width) {
  permille = std::min<uint32_t>(permille, 1000);
  const int filled = static_cast<int>(permille) * width / 1000;
  return absl::StrFormat("[%s%s] %5.1f%%", std::string(static_cast<size_t>(filled), '#'),
                         std::string(static_cast<size_t>(width - filled), '-'), permille / 10.0);
}

std::vector<std::string> HexDump(const std::vector<uint8_t>& data) {
  std::vector<std::string> lines;
  for (size_t offset = 0; offset < data.size(); offset += 16) {
    std::string hex;
    std::string ascii;
    for (size_t i = 0; i < 16; ++i) {
      if (i == 8) hex.push_back(' ');
      if (offset + i < data.size()) {
        uint8_t byte = data[offset + i];
        absl::StrAppendFormat(&hex, " %02x", byte);
        ascii.push_back(byte >= 0x20 && byte < 0x7f ? static_cast<char>(byte) : '.');
      } else {
        hex += "   ";
      }
    }
    lines.push_back(absl::StrFormat("%08x %s  |%s|", offset, hex, ascii));
  }
  return lines;
}

std::string HexString(const std::vector<uint8_t>& data) {
  std::string out;
  for (uint8_t byte : data) absl::StrAppendFormat(&out, "%02x", byte);
  return out;
}

std::string FormatTimestamp(uint64_t ns) {
  absl::Time t = absl::FromUnixNanos(static_cast<int64_t>(ns));
  return absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", t, absl::UTCTimeZone());
}

}  // namespace hbamgr::cli
