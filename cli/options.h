// hbacli's command-line options (Boost.Program_options) and the command words
// that follow them.
#ifndef HBAMGR_CLI_OPTIONS_H_
#define HBAMGR_CLI_OPTIONS_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "cli/connection.h"

namespace hbamgr::cli {

struct CliOptions {
  ConnectionOptions connection;
  absl::Duration timeout = absl::Seconds(30);  // per call to the daemon
  bool json = false;
  bool help = false;
  bool version = false;
  bool man = false;                // print the troff man page (how docs/hbacli.1 is made)
  std::vector<std::string> words;  // the command, e.g. {"/c0", "show", "all"}
};

// `env_socket`: the value of HBAMGR_SOCKET, or nullptr.  --socket wins over
// it.  INVALID_ARGUMENT with a one-line message for unknown options or bad
// values.
absl::StatusOr<CliOptions> ParseOptions(int argc, const char* const* argv, const char* env_socket);

// Whether the command line asks for JSON (--json, or J as the last word),
// also when ParseOptions refuses it: its error is then reported as JSON.
bool JsonRequested(int argc, const char* const* argv);

}  // namespace hbamgr::cli

#endif  // HBAMGR_CLI_OPTIONS_H_
