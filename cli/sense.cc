#include "cli/sense.h"

#include "absl/strings/str_format.h"

namespace hbamgr::cli {
namespace {

const char* SenseKeyName(uint8_t key) {
  static constexpr const char* kNames[16] = {
      "NO SENSE",       "RECOVERED ERROR", "NOT READY",      "MEDIUM ERROR",
      "HARDWARE ERROR", "ILLEGAL REQUEST", "UNIT ATTENTION", "DATA PROTECT",
      "BLANK CHECK",    "VENDOR SPECIFIC", "COPY ABORTED",   "ABORTED COMMAND",
      "RESERVED (0xC)", "VOLUME OVERFLOW", "MISCOMPARE",     "COMPLETED",
  };
  return kNames[key & 0xf];
}

// The additional sense codes an adapter commonly reports.
std::string AscText(uint8_t asc, uint8_t ascq) {
  struct Entry {
    uint8_t asc;
    uint8_t ascq;
    const char* text;
  };
  static constexpr Entry kEntries[] = {
      {0x00, 0x00, "No additional sense information"},
      {0x04, 0x00, "Logical unit not ready, cause not reportable"},
      {0x04, 0x01, "Logical unit is in process of becoming ready"},
      {0x11, 0x00, "Unrecovered read error"},
      {0x0c, 0x00, "Write error"},
      {0x1a, 0x00, "Parameter list length error"},
      {0x20, 0x00, "Invalid command operation code"},
      {0x21, 0x00, "Logical block address out of range"},
      {0x24, 0x00, "Invalid field in CDB"},
      {0x25, 0x00, "Logical unit not supported"},
      {0x26, 0x00, "Invalid field in parameter list"},
      {0x29, 0x00, "Power on, reset, or bus device reset occurred"},
      {0x3a, 0x00, "Medium not present"},
      {0x44, 0x00, "Internal target failure"},
      {0x47, 0x00, "SCSI parity error"},
      {0x5d, 0x00, "Failure prediction threshold exceeded"},
  };
  for (const Entry& e : kEntries) {
    if (e.asc == asc && e.ascq == ascq) return e.text;
  }
  return absl::StrFormat("ASC 0x%02x ASCQ 0x%02x", asc, ascq);
}

}  // namespace

std::optional<DecodedSense> DecodeSense(const std::vector<uint8_t>& sense) {
  if (sense.empty()) return std::nullopt;
  DecodedSense d;
  d.response_code = sense[0] & 0x7f;
  switch (d.response_code) {
    case 0x70:
    case 0x71:
      if (sense.size() < 14) return std::nullopt;
      d.sense_key = sense[2] & 0xf;
      d.asc = sense[12];
      d.ascq = sense[13];
      break;
    case 0x72:
    case 0x73:
      if (sense.size() < 4) return std::nullopt;
      d.sense_key = sense[1] & 0xf;
      d.asc = sense[2];
      d.ascq = sense[3];
      break;
    default:
      return std::nullopt;
  }
  d.deferred = d.response_code == 0x71 || d.response_code == 0x73;
  d.sense_key_name = SenseKeyName(d.sense_key);
  d.asc_text = AscText(d.asc, d.ascq);
  return d;
}

std::string ScsiStatusName(uint32_t status) {
  switch (status) {
    case 0x00:
      return "GOOD";
    case 0x02:
      return "CHECK CONDITION";
    case 0x04:
      return "CONDITION MET";
    case 0x08:
      return "BUSY";
    case 0x18:
      return "RESERVATION CONFLICT";
    case 0x28:
      return "TASK SET FULL";
    case 0x30:
      return "ACA ACTIVE";
    case 0x40:
      return "TASK ABORTED";
    default:
      return absl::StrFormat("0x%02x", status);
  }
}

}  // namespace hbamgr::cli
