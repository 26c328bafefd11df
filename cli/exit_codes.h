// hbacli's documented exit status (docs/cli.md, hbacli --help, EXIT STATUS).
#ifndef HBAMGR_CLI_EXIT_CODES_H_
#define HBAMGR_CLI_EXIT_CODES_H_

#include "absl/status/status.h"

namespace hbamgr::cli {

enum class ExitCode : int {
  kOk = 0,
  kUsage = 1,             // bad command line, or arguments the daemon rejected
  kNotFound = 2,          // no such controller, enclosure, drive or VD
  kRefused = 3,           // operation refused or failed: wrong state, busy
  kPermissionDenied = 4,  // not admin (unix) or no valid client certificate
  kUnreachable = 5,       // the daemon could not be reached
  kTimeout = 6,           // the --timeout deadline passed
  kInternal = 7,          // anything else
};

// The exit status for a command that ended with `status` (a gRPC status
// carried as absl::Status, or a local error).
ExitCode ExitCodeFor(const absl::Status& status);

}  // namespace hbamgr::cli

#endif  // HBAMGR_CLI_EXIT_CODES_H_
