#include "daemon/app/options.h"

#include <cstring>
#include <string_view>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/manual.h"

namespace hbamgr::app {
namespace {

// hbamgrd's manual: --help prints it as text, --man as the man page
// docs/hbamgrd.8 (a test checks the committed page is current).
const std::vector<manual::Section>& ManualSections() {
  static const std::vector<manual::Section> kSections = {
      {"NAME", {{"", "hbamgrd - SAS/RAID host bus adapter management daemon"}}},
      {"SYNOPSIS",
       {{"",
         "hbamgrd [--config FILE] [--foreground] [--socket PATH] [--database PATH] "
         "[--backend sim|kernel] [--metrics HOST:PORT]"},
        {"", "hbamgrd --help | --man | --version"}}},
      {"DESCRIPTION",
       {{"",
         "hbamgrd owns every hbamgr adapter of the machine - the /dev/hbamgrN devices of "
         "hbamgr.ko (backend kernel), or simulated adapters running in-process (backend sim) - "
         "and serves the hbamgr.v1 gRPC API to hbacli(1) and other clients:"},
        {"passthrough",
         "SCSI CDBs and firmware frames are serialized: one command at a time per adapter, "
         "round-robin across callers, bounded by each call's deadline, retried with backoff "
         "while the adapter resets."},
        {"events",
         "firmware events are read as they arrive, sequence gaps are filled from the firmware "
         "event log, and every event is stored once, in order, in an SQLite database and fanned "
         "out to Subscribe streams."},
        {"resets",
         "grpc.health reports the service \"hbamgr.v1.adapter.cN\" NOT_SERVING until the "
         "adapter is LIVE again."},
        {"audit", "every changing call is recorded in the audit table with its caller."},
        {"",
         "Local clients connect to a unix socket; the caller's uid decides what it may do: "
         "everyone who can open the socket may read, root and members of the admin group "
         "(listen.admin_group, default hbamgr) may change things. Remote clients use TCP with "
         "mutual TLS and are admins."}}},
      {"OPTIONS",
       {{"-c, --config FILE",
         "Read the configuration from FILE (see hbamgrd.conf(5); the installed "
         "/etc/hbamgr/hbamgrd.conf shows every key). Without it the built-in defaults are "
         "used."},
        {"-f, --foreground",
         "Stay in the foreground and log to stderr. Without it hbamgrd detaches (unless "
         "started by systemd, which it detects through NOTIFY_SOCKET) and logs to the journal; "
         "the starting process exits once the daemon is serving, with status 0, or 1 if it "
         "failed."},
        {"-s, --socket PATH", "Serve the unix socket at PATH (listen.unix_socket)."},
        {"-d, --database PATH", "Use the SQLite database at PATH (store.database)."},
        {"-b, --backend sim|kernel",
         "Use simulated adapters or the kernel driver (daemon.backend)."},
        {"-m, --metrics HOST:PORT",
         "Serve Prometheus metrics on http://HOST:PORT/metrics (metrics.listen; port 0 picks "
         "a free one, \"\" turns it off)."},
        {"-h, --help", "Show this text."},
        {"--man", "Print this text as a man page (troff)."},
        {"-V, --version", "Show the version."}}},
      {"SIGNALS",
       {{"SIGHUP",
         "Re-read the configuration file; the log level, the retention settings and the "
         "health policy ([health] sections) take effect, other changes need a restart. A file that does not parse is refused whole: "
         "the running configuration stays and the error is logged."},
        {"SIGTERM, SIGINT",
         "Stop accepting calls, stop event ingestion, cancel queued passthrough, finish calls "
         "in flight (cancelled after 2 s), close the database, exit 0. A shutdown still not "
         "done after 10 s (a command stuck in an adapter) exits with status 3."}}},
      {"SYSTEMD",
       {{"",
         "hbamgrd.service runs hbamgrd as Type=notify: READY=1 once every adapter is up and "
         "the listeners are bound, STATUS= with a one-line summary, RELOADING=1 while SIGHUP is "
         "handled, WATCHDOG=1 from the main loop at half of WatchdogSec= and only while every "
         "adapter's event loop is making progress (daemon.watchdog). systemctl reload hbamgrd "
         "sends SIGHUP."}}},
      {"FILES",
       {{"/etc/hbamgr/hbamgrd.conf", "configuration, see hbamgrd.conf(5)"},
        {"/run/hbamgr/hbamgrd.sock", "default unix socket"},
        {"/var/lib/hbamgr/hbamgrd.db",
         "default database (events, audit, health history). A database an older hbamgrd wrote "
         "is migrated to this version's schema at start, before anything is served, and the "
         "journal says so (\"database migrated\", FROM_SCHEMA=, TO_SCHEMA=); one a newer "
         "hbamgrd wrote is refused"},
        {"/var/lib/hbamgr/hbamgrd.db.lock",
         "held (flock) by the daemon using the database beside it, names its pid: one hbamgrd per "
         "database. It is taken, and the socket checked, before anything is written; a second "
         "hbamgrd on the same database or socket exits 1 saying which"},
        {"/var/lib/hbamgr/sim/cN/",
         "default NVRAM and drives of simulated adapter cN (sim.state_dir; docs/sim.md)"}}},
      {"EXIT STATUS",
       {{"0", "clean shutdown (or --help, --man, --version)"},
        {"1", "start-up failed (configuration, database, adapters, listeners)"},
        {"2", "bad command line"},
        {"3",
         "shutdown did not finish within 10 s; the database is left as after a crash: "
         "consistent, its write-ahead log replayed at the next start"}}},
      {"SEE ALSO",
       {{"", "hbacli(1), hbamgrd.conf(5), systemd.service(5); docs/api.md in the hbamgr sources"}}},
  };
  return kSections;
}

}  // namespace

std::string HelpText() { return manual::RenderText(ManualSections()); }

std::string ManPage() {
  return manual::RenderManPage(ManualSections(), "HBAMGRD", 8,
                               "'hbamgrd --man' from daemon/app/options.cc");
}

absl::StatusOr<CommandLine> ParseCommandLine(int argc, char** argv) {
  CommandLine out;
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    std::string_view value;
    bool has_inline_value = false;
    if (size_t eq = arg.find('='); arg.starts_with("--") && eq != std::string_view::npos) {
      value = arg.substr(eq + 1);
      arg = arg.substr(0, eq);
      has_inline_value = true;
    }
    auto take_value = [&](std::string_view name) -> absl::StatusOr<std::string> {
      if (has_inline_value) return std::string(value);
      if (i + 1 >= argc) {
        return absl::InvalidArgumentError(
            absl::StrCat("option '", std::string(name), "' needs a value"));
      }
      return std::string(argv[++i]);
    };
    if (arg == "-h" || arg == "--help") {
      out.help = true;
    } else if (arg == "--man") {
      out.man = true;
    } else if (arg == "-V" || arg == "--version") {
      out.version = true;
    } else if (arg == "-f" || arg == "--foreground") {
      out.foreground = true;
    } else if (arg == "-c" || arg == "--config") {
      absl::StatusOr<std::string> v = take_value(arg);
      if (!v.ok()) return v.status();
      out.config_path = *v;
    } else if (arg == "-s" || arg == "--socket") {
      absl::StatusOr<std::string> v = take_value(arg);
      if (!v.ok()) return v.status();
      out.socket = *v;
    } else if (arg == "-d" || arg == "--database") {
      absl::StatusOr<std::string> v = take_value(arg);
      if (!v.ok()) return v.status();
      out.database = *v;
    } else if (arg == "-m" || arg == "--metrics") {
      absl::StatusOr<std::string> v = take_value(arg);
      if (!v.ok()) return v.status();
      out.metrics = *v;
    } else if (arg == "-b" || arg == "--backend") {
      absl::StatusOr<std::string> v = take_value(arg);
      if (!v.ok()) return v.status();
      if (*v == "sim") {
        out.backend = config::Backend::kSim;
      } else if (*v == "kernel") {
        out.backend = config::Backend::kKernel;
      } else {
        return absl::InvalidArgumentError(
            absl::StrCat("--backend must be sim or kernel, not '", *v, "'"));
      }
    } else {
      return absl::InvalidArgumentError(
          absl::StrCat("unknown option '", std::string(arg), "'; see hbamgrd --help"));
    }
  }
  return out;
}

absl::StatusOr<config::DaemonConfig> LoadEffectiveConfig(const CommandLine& command_line) {
  config::DaemonConfig config;
  if (!command_line.config_path.empty()) {
    absl::StatusOr<config::DaemonConfig> loaded = config::LoadConfig(command_line.config_path);
    if (!loaded.ok()) return loaded.status();
    config = *std::move(loaded);
  }
  if (command_line.socket) config.unix_socket = *command_line.socket;
  if (command_line.database) config.database = *command_line.database;
  if (command_line.backend) config.backend = *command_line.backend;
  if (command_line.metrics) config.metrics_listen = *command_line.metrics;
  if (absl::Status s = config::Validate(config); !s.ok()) return s;
  return config;
}

}  // namespace hbamgr::app
