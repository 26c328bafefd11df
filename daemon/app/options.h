// hbamgrd's command line.
#ifndef HBAMGR_DAEMON_APP_OPTIONS_H_
#define HBAMGR_DAEMON_APP_OPTIONS_H_

#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "daemon/config/config.h"

namespace hbamgr::app {

struct CommandLine {
  std::string config_path;  // "" = built-in defaults
  bool foreground = false;
  bool help = false;
  bool man = false;
  bool version = false;
  // Overrides of config-file settings.
  std::optional<std::string> socket;
  std::optional<std::string> database;
  std::optional<config::Backend> backend;
  std::optional<std::string> metrics;
};

// INVALID_ARGUMENT naming the bad option ("unknown option '--sockt'; see
// hbamgrd --help").
absl::StatusOr<CommandLine> ParseCommandLine(int argc, char** argv);

// The manual: as text (--help) and as the man page docs/hbamgrd.8 (--man).
std::string HelpText();
std::string ManPage();

// The configuration: the file (or defaults), then the overrides, validated.
absl::StatusOr<config::DaemonConfig> LoadEffectiveConfig(const CommandLine& command_line);

}  // namespace hbamgr::app

#endif  // HBAMGR_DAEMON_APP_OPTIONS_H_
