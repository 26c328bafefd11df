// libFuzzer target: hbamgrd's configuration parser (daemon/config) on
// arbitrary text.  The contract (config.h): a configuration that Validate()
// accepts, or INVALID_ARGUMENT whose message names the file (and, for a bad
// key or value, the line); never a crash or an exception.
#include <cstdint>
#include <sstream>
#include <string>

#include "absl/strings/match.h"
#include "daemon/config/config.h"
#include "fuzz/check.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::istringstream in(std::string(reinterpret_cast<const char*>(data), size));
  absl::StatusOr<hbamgr::config::DaemonConfig> config =
      hbamgr::config::ParseConfig(in, "fuzz.conf");
  if (config.ok()) {
    absl::Status valid = hbamgr::config::Validate(*config);
    FUZZ_CHECK(valid.ok(), "accepted a configuration Validate() refuses: %s",
               valid.ToString().c_str());
    return 0;
  }
  const absl::Status& s = config.status();
  FUZZ_CHECK(s.code() == absl::StatusCode::kInvalidArgument, "%s", s.ToString().c_str());
  FUZZ_CHECK(absl::StartsWith(s.message(), "fuzz.conf"), "message does not name the file: %s",
             s.ToString().c_str());
  return 0;
}
