// Value formatting shared by the views: sizes with binary units, progress
// bars, hex dumps and timestamps.
#ifndef HBAMGR_CLI_FORMAT_H_
#define HBAMGR_CLI_FORMAT_H_

#include <cstdint>
#include <string>
#include <vector>

namespace hbamgr::cli {

// 268435456 -> "256.0 MiB", 1319413953331 -> "1.2 TiB", 512 -> "512 B".
std::string HumanSize(uint64_t bytes);

// 400 per-mille -> "[################------------------------]  40.0%".
std::string ProgressBar(uint32_t permille, int width = 40);

// xxd-like: "00000000  12 00 00 00 60 00 ...  |....`.|", 16 bytes a line.
std::vector<std::string> HexDump(const std::vector<uint8_t>& data);

// "1200000060 00" without separators: "120000006000".
std::string HexString(const std::vector<uint8_t>& data);

// CLOCK_REALTIME ns -> "2026-11-21T23:59:01.123Z" (UTC).
std::string FormatTimestamp(uint64_t ns);

}  // namespace hbamgr::cli

#endif  // HBAMGR_CLI_FORMAT_H_
