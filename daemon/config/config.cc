#include "daemon/config/config.h"

#include <sys/socket.h>
#include <sys/un.h>

#include <cstdlib>
#include <fstream>
#include <functional>
#include <map>
#include <set>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/string_view.h"
#include "boost/program_options.hpp"
#include "common/program_options_error.h"
#include "daemon/config/bool_value.h"

namespace hbamgr::config {
namespace {

namespace po = boost::program_options;

absl::Status ParseU32(const std::string& text, uint32_t* out) {
  if (!absl::SimpleAtoi(text, out)) {
    return absl::InvalidArgumentError(
        absl::StrCat("'", text, "' is not a non-negative 32-bit integer"));
  }
  return absl::OkStatus();
}

absl::Status ParseMode(const std::string& text, mode_t* out) {
  if (text.empty() || text.size() > 4 || text.find_first_not_of("01234567") != std::string::npos ||
      std::strtoul(text.c_str(), nullptr, 8) > 0777) {
    return absl::InvalidArgumentError(
        absl::StrCat("'", text, "' is not an octal permission mode (e.g. 0660)"));
  }
  *out = static_cast<mode_t>(std::strtoul(text.c_str(), nullptr, 8));
  return absl::OkStatus();
}

using Setter = std::function<absl::Status(DaemonConfig&, const std::string&)>;

Setter U32(uint32_t DaemonConfig::*field) {
  return [field](DaemonConfig& c, const std::string& v) { return ParseU32(v, &(c.*field)); };
}
Setter SimU32(uint32_t SimTopology::*field) {
  return [field](DaemonConfig& c, const std::string& v) { return ParseU32(v, &(c.sim.*field)); };
}
Setter SimBool(bool SimTopology::*field) {
  return [field](DaemonConfig& c, const std::string& v) { return ParseBool(v, &(c.sim.*field)); };
}
Setter SimText(std::string SimTopology::*field) {
  return [field](DaemonConfig& c, const std::string& v) {
    c.sim.*field = v;
    return absl::OkStatus();
  };
}
Setter Text(std::string DaemonConfig::*field) {
  return [field](DaemonConfig& c, const std::string& v) {
    c.*field = v;
    return absl::OkStatus();
  };
}

// Every key the file may hold, as "section.key".
const std::map<std::string, Setter, std::less<>>& Keys() {
  static const auto* keys = new std::map<std::string, Setter, std::less<>>{
      {"daemon.backend",
       [](DaemonConfig& c, const std::string& v) {
         if (v == "sim") {
           c.backend = Backend::kSim;
         } else if (v == "kernel") {
           c.backend = Backend::kKernel;
         } else {
           return absl::InvalidArgumentError(absl::StrCat("'", v, "' is not sim or kernel"));
         }
         return absl::OkStatus();
       }},
      {"daemon.log_level",
       [](DaemonConfig& c, const std::string& v) {
         absl::StatusOr<sys::LogLevel> level = sys::ParseLogLevel(v);
         if (!level.ok()) return level.status();
         c.log_level = *level;
         return absl::OkStatus();
       }},
      {"daemon.watchdog",
       [](DaemonConfig& c, const std::string& v) { return ParseBool(v, &c.watchdog); }},
      {"daemon.passthru_queue_depth", U32(&DaemonConfig::passthru_queue_depth)},
      {"daemon.passthru_queue_mb", U32(&DaemonConfig::passthru_queue_mb)},
      {"daemon.subscriber_queue_depth", U32(&DaemonConfig::subscriber_queue_depth)},
      {"sim.adapters", SimU32(&SimTopology::adapters)},
      {"sim.enclosures", SimU32(&SimTopology::enclosures)},
      {"sim.slots_per_enclosure", SimU32(&SimTopology::slots_per_enclosure)},
      {"sim.drives", SimU32(&SimTopology::drives)},
      {"sim.drive_size_mb", SimU32(&SimTopology::drive_size_mb)},
      {"sim.sector_size", SimU32(&SimTopology::sector_size)},
      {"sim.max_cmds", SimU32(&SimTopology::max_cmds)},
      {"sim.max_srbs", SimU32(&SimTopology::max_srbs)},
      {"sim.reply_queues", SimU32(&SimTopology::reply_queues)},
      {"sim.default_vds", SimU32(&SimTopology::default_vds)},
      {"sim.dirty_start", SimBool(&SimTopology::dirty_start)},
      {"sim.fault_injection", SimBool(&SimTopology::fault_injection)},
      {"sim.state_dir", SimText(&SimTopology::state_dir)},
      {"sim.adopt_topology", SimBool(&SimTopology::adopt_topology)},
      {"kernel.device",
       [](DaemonConfig& c, const std::string& v) {
         c.kernel_devices.push_back(v);
         return absl::OkStatus();
       }},
      {"listen.unix_socket", Text(&DaemonConfig::unix_socket)},
      {"listen.socket_mode",
       [](DaemonConfig& c, const std::string& v) { return ParseMode(v, &c.socket_mode); }},
      {"listen.admin_group", Text(&DaemonConfig::admin_group)},
      {"listen.tcp", Text(&DaemonConfig::tcp_listen)},
      {"tls.cert", Text(&DaemonConfig::tls_cert)},
      {"tls.key", Text(&DaemonConfig::tls_key)},
      {"tls.client_ca", Text(&DaemonConfig::tls_client_ca)},
      {"store.database", Text(&DaemonConfig::database)},
      {"store.event_retention_days", U32(&DaemonConfig::event_retention_days)},
      {"store.audit_retention_days", U32(&DaemonConfig::audit_retention_days)},
      {"store.health_retention_days", U32(&DaemonConfig::health_retention_days)},
      {"store.retention_batch", U32(&DaemonConfig::retention_batch)},
      {"metrics.listen", Text(&DaemonConfig::metrics_listen)},
  };
  return *keys;
}

// Keys that may appear more than once, each occurrence adding a value.
bool Repeatable(absl::string_view key) { return key == "kernel.device"; }

// Line numbers of each "section.key" occurrence, found the way
// program_options reads the file ('#' starts a comment, "[name]" a section),
// so error messages can point at the line.
std::map<std::string, std::vector<int>> IndexLines(const std::string& text) {
  std::map<std::string, std::vector<int>> lines;
  std::istringstream in(text);
  std::string line, section;
  for (int number = 1; std::getline(in, line); ++number) {
    absl::string_view s =
        absl::StripAsciiWhitespace(absl::string_view(line).substr(0, line.find('#')));
    if (s.empty()) continue;
    if (s.front() == '[' && s.back() == ']') {
      section = std::string(absl::StripAsciiWhitespace(s.substr(1, s.size() - 2)));
      continue;
    }
    absl::string_view key = absl::StripAsciiWhitespace(s.substr(0, s.find('=')));
    lines[section.empty() ? std::string(key) : absl::StrCat(section, ".", key)].push_back(number);
  }
  return lines;
}

bool ValidHostPort(absl::string_view address) {
  size_t colon = address.rfind(':');
  if (colon == absl::string_view::npos || colon == 0) return false;
  uint32_t port = 0;
  return absl::SimpleAtoi(address.substr(colon + 1), &port) && port <= 65535;
}

absl::Status Invalid(absl::string_view key, absl::string_view why) {
  return absl::InvalidArgumentError(absl::StrCat(key, ": ", why));
}

absl::Status CheckRange(absl::string_view key, uint32_t value, uint32_t min, uint32_t max) {
  if (value < min || value > max) {
    return Invalid(key, absl::StrCat(value, " is outside ", min, "..", max));
  }
  return absl::OkStatus();
}

}  // namespace

std::vector<std::string> KnownKeys() {
  std::vector<std::string> keys;
  for (const auto& [key, setter] : Keys()) keys.push_back(key);
  for (std::string& key : health::PolicyKeys()) keys.push_back(std::move(key));
  return keys;
}

absl::string_view BackendName(Backend backend) {
  return backend == Backend::kSim ? "sim" : "kernel";
}

std::string SimStateDir(const DaemonConfig& config) {
  if (!config.sim.state_dir.empty()) return config.sim.state_dir;
  size_t slash = config.database.rfind('/');
  if (slash == std::string::npos) return "sim";
  return absl::StrCat(config.database.substr(0, slash + 1), "sim");
}

absl::StatusOr<DaemonConfig> ParseConfig(std::istream& in, absl::string_view source_name) {
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::map<std::string, std::vector<int>> lines = IndexLines(text);
  std::map<std::string, int> seen;
  auto where = [&](const std::string& key) {
    const std::vector<int>& at = lines[key];
    size_t n = static_cast<size_t>(seen[key]);
    return at.empty() ? std::string(source_name)
                      : absl::StrCat(source_name, ":", at[std::min(n, at.size() - 1)]);
  };

  po::options_description desc;
  for (const auto& [key, setter] : Keys()) {
    if (Repeatable(key)) {
      desc.add_options()(key.c_str(), po::value<std::vector<std::string>>());
    } else {
      desc.add_options()(key.c_str(), po::value<std::string>());
    }
  }
  po::parsed_options parsed(&desc);
  try {
    std::istringstream body(text);
    parsed = po::parse_config_file(body, desc, /*allow_unregistered=*/true);
  } catch (const po::error& e) {
    return absl::InvalidArgumentError(absl::StrCat(source_name, ": ", ProgramOptionsMessage(e)));
  }

  DaemonConfig config;
  for (const po::option& opt : parsed.options) {
    const std::string& key = opt.string_key;
    if (opt.unregistered && key.starts_with("health.")) {
      if (seen[key] > 0) {
        return absl::InvalidArgumentError(
            absl::StrCat(where(key), ": key '", key, "' given more than once"));
      }
      const std::string value = opt.value.empty() ? "" : opt.value.front();
      if (absl::Status s = health::SetPolicyKey(config.health, key, value); !s.ok()) {
        return absl::InvalidArgumentError(
            absl::IsNotFound(s) ? absl::StrCat(where(key), ": unknown key '", key, "'")
                                : absl::StrCat(where(key), ": ", key, ": ", s.message()));
      }
      ++seen[key];
      continue;
    }
    if (opt.unregistered) {
      return absl::InvalidArgumentError(absl::StrCat(where(key), ": unknown key '", key, "'"));
    }
    if (seen[key] > 0 && !Repeatable(key)) {
      return absl::InvalidArgumentError(
          absl::StrCat(where(key), ": key '", key, "' given more than once"));
    }
    for (const std::string& value : opt.value) {
      if (absl::Status s = Keys().find(key)->second(config, value); !s.ok()) {
        return absl::InvalidArgumentError(absl::StrCat(where(key), ": ", key, ": ", s.message()));
      }
    }
    ++seen[key];
  }
  if (absl::Status s = Validate(config); !s.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(source_name, ": ", s.message()));
  }
  return config;
}

absl::StatusOr<DaemonConfig> LoadConfig(const std::string& path) {
  std::ifstream in(path);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot read config file ", path));
  return ParseConfig(in, path);
}

absl::Status Validate(const DaemonConfig& c) {
  const SimTopology& sim = c.sim;
  const struct {
    const char* key;
    uint32_t value, min, max;
  } ranges[] = {
      {"daemon.passthru_queue_depth", c.passthru_queue_depth, 1, 65536},
      {"daemon.passthru_queue_mb", c.passthru_queue_mb, 1, 4096},
      {"daemon.subscriber_queue_depth", c.subscriber_queue_depth, 1, 1 << 20},
      {"sim.adapters", sim.adapters, 1, 16},
      {"sim.enclosures", sim.enclosures, 0, 4},
      {"sim.slots_per_enclosure", sim.slots_per_enclosure, 0, 32},
      {"sim.reply_queues", sim.reply_queues, 0, 8},
      {"sim.default_vds", sim.default_vds, 0, 1},
      {"store.retention_batch", c.retention_batch, 1, 1000000},
  };
  for (const auto& r : ranges) {
    if (absl::Status s = CheckRange(r.key, r.value, r.min, r.max); !s.ok()) return s;
  }
  if (sim.sector_size != 0 && sim.sector_size != 512 && sim.sector_size != 4096) {
    return Invalid("sim.sector_size", "must be 0 (a mix), 512 or 4096");
  }
  if (sim.enclosures != 0 && sim.slots_per_enclosure != 0 &&
      sim.drives > sim.enclosures * sim.slots_per_enclosure) {
    return Invalid("sim.drives",
                   absl::StrCat(sim.drives, " drives do not fit in ", sim.enclosures,
                                " enclosures of ", sim.slots_per_enclosure, " slots"));
  }
  if (!c.kernel_devices.empty() && c.backend != Backend::kKernel) {
    return Invalid("kernel.device", "is only used with daemon.backend = kernel");
  }
  for (const std::string& dev : c.kernel_devices) {
    if (!dev.starts_with("/"))
      return Invalid("kernel.device", absl::StrCat("'", dev, "' is not an absolute path"));
  }
  if (c.unix_socket.empty() || !c.unix_socket.starts_with("/")) {
    return Invalid("listen.unix_socket", "must be an absolute path");
  }
  if (c.unix_socket.size() >= sizeof(sockaddr_un::sun_path)) {
    return Invalid("listen.unix_socket",
                   absl::StrCat("path is longer than ", sizeof(sockaddr_un::sun_path) - 1,
                                " bytes, the unix socket limit"));
  }
  if (c.socket_mode > 0777) return Invalid("listen.socket_mode", "must be at most 0777");
  if (!c.tcp_listen.empty()) {
    if (!ValidHostPort(c.tcp_listen)) {
      return Invalid("listen.tcp", absl::StrCat("'", c.tcp_listen, "' is not host:port"));
    }
    if (c.tls_cert.empty() || c.tls_key.empty() || c.tls_client_ca.empty()) {
      return Invalid("listen.tcp",
                     "requires tls.cert, tls.key and tls.client_ca: TCP is served with mutual "
                     "TLS only");
    }
  }
  if (c.database.empty()) return Invalid("store.database", "must not be empty");
  if (!c.metrics_listen.empty() && !ValidHostPort(c.metrics_listen)) {
    return Invalid("metrics.listen", absl::StrCat("'", c.metrics_listen, "' is not host:port"));
  }
  return health::ValidatePolicy(c.health);
}

}  // namespace hbamgr::config
