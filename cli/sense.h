// SCSI sense data decoding (SPC-4 4.5) for `passthru` output.
#ifndef HBAMGR_CLI_SENSE_H_
#define HBAMGR_CLI_SENSE_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace hbamgr::cli {

struct DecodedSense {
  uint8_t response_code = 0;  // 0x70/0x71 fixed, 0x72/0x73 descriptor
  bool deferred = false;
  uint8_t sense_key = 0;
  uint8_t asc = 0;
  uint8_t ascq = 0;
  std::string sense_key_name;  // "ILLEGAL REQUEST"
  std::string asc_text;        // "Invalid command operation code", or "ASC 0x.. ASCQ 0x.."
};

// nullopt when `sense` is too short or has an unknown response code.
std::optional<DecodedSense> DecodeSense(const std::vector<uint8_t>& sense);

// "CHECK CONDITION" for 0x02, "GOOD" for 0x00, else "0x..".
std::string ScsiStatusName(uint32_t status);

}  // namespace hbamgr::cli

#endif  // HBAMGR_CLI_SENSE_H_
