// The words hbamgrd.conf takes for a boolean, in every section (the
// daemon's own keys and the [health] policy's).
#ifndef HBAMGR_DAEMON_CONFIG_BOOL_VALUE_H_
#define HBAMGR_DAEMON_CONFIG_BOOL_VALUE_H_

#include <string>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

namespace hbamgr::config {

// true/yes/on/1 or false/no/off/0, in any case.
inline absl::Status ParseBool(absl::string_view text, bool* out) {
  const std::string v = absl::AsciiStrToLower(text);
  if (v == "true" || v == "yes" || v == "on" || v == "1") {
    *out = true;
  } else if (v == "false" || v == "no" || v == "off" || v == "0") {
    *out = false;
  } else {
    return absl::InvalidArgumentError(absl::StrCat("'", text, "' is not a boolean (true/false)"));
  }
  return absl::OkStatus();
}

}  // namespace hbamgr::config

#endif  // HBAMGR_DAEMON_CONFIG_BOOL_VALUE_H_
