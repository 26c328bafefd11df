// hbamgrd's configuration: an INI file (Boost.Program_options config-file
// syntax) with sections [daemon] [sim] [kernel] [listen] [tls] [store]
// [metrics] [health] [health.hdd] [health.ssd].  configs/hbamgrd.conf documents every key.
#ifndef HBAMGR_DAEMON_CONFIG_CONFIG_H_
#define HBAMGR_DAEMON_CONFIG_CONFIG_H_

#include <sys/types.h>

#include <cstdint>
#include <istream>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "daemon/health/policy.h"
#include "daemon/sys/log.h"

namespace hbamgr::config {

enum class Backend {
  kSim,     // simulated adapters, the core linked in-process
  kKernel,  // /dev/hbamgrN of the loaded hbamgr.ko
};

// Topology of the simulated adapters (backend = sim); maps onto
// struct hba_fw_config.  0 in a firmware field means "firmware default"
// (hba_fw_config_defaults).
struct SimTopology {
  uint32_t adapters = 1;             // [sim] adapters, 1..16
  uint32_t enclosures = 0;           // [sim] enclosures, 0 or 1..4
  uint32_t slots_per_enclosure = 0;  // [sim] slots_per_enclosure, 0 or 1..32
  uint32_t drives = 0;               // [sim] drives, <= enclosures * slots
  uint32_t drive_size_mb = 0;        // [sim] drive_size_mb
  uint32_t sector_size = 0;          // [sim] sector_size: 0 (mix), 512, 4096
  uint32_t max_cmds = 0;             // [sim] max_cmds: firmware command limit
  uint32_t max_srbs = 0;             // [sim] max_srbs
  uint32_t reply_queues = 0;         // [sim] reply_queues, 0 or 1..8
  uint32_t default_vds = 1;          // [sim] default_vds: 0 none, 1 standard
  bool dirty_start = false;          // [sim] dirty_start
  bool fault_injection = false;      // [sim] fault_injection
  // [sim] state_dir: the adapters' NVRAM and drives, one subdirectory cN
  // each; "" = "sim" beside store.database (SimStateDir()).
  std::string state_dir{};
  bool adopt_topology = false;  // [sim] adopt_topology
};

struct DaemonConfig {
  // [daemon]
  Backend backend = Backend::kSim;                 // backend = sim | kernel
  sys::LogLevel log_level = sys::LogLevel::kInfo;  // log_level = debug|info|...
  bool watchdog = true;                            // watchdog: ping systemd
  uint32_t passthru_queue_depth = 64;              // per adapter, >= 1
  uint32_t passthru_queue_mb = 32;                 // buffer MiB queued per adapter
  uint32_t subscriber_queue_depth = 1024;          // events per subscriber

  SimTopology sim;  // [sim]

  // [kernel] device = /dev/hbamgr0 (repeatable); empty = every /dev/hbamgr*.
  std::vector<std::string> kernel_devices{};

  // [listen]
  std::string unix_socket = "/run/hbamgr/hbamgrd.sock";  // unix_socket
  mode_t socket_mode = 0660;                             // socket_mode (octal)
  std::string admin_group = "hbamgr";                    // admin_group; "" = only root is admin
  std::string tcp_listen{};                              // tcp = host:port; "" = off

  // [tls] — required when tcp_listen is set (TCP is mTLS only).
  std::string tls_cert{};       // cert: server certificate chain (PEM)
  std::string tls_key{};        // key: its private key (PEM)
  std::string tls_client_ca{};  // client_ca: CA that signs client certificates

  // [store]
  std::string database = "/var/lib/hbamgr/hbamgrd.db";  // database
  uint32_t event_retention_days = 90;                   // 0 = keep forever
  uint32_t audit_retention_days = 365;                  // 0 = keep forever
  uint32_t health_retention_days = 90;                  // 0 = keep forever
  uint32_t retention_batch = 1000;                      // rows per delete transaction, >= 1

  // [metrics] listen = host:port; "" = off.  Port 0 picks a free port.
  std::string metrics_listen{};

  // [health], [health.hdd], [health.ssd] (daemon/health/policy.h).
  health::Policy health = health::Policy::Defaults();
};

// Reads and validates the file at `path`.  Errors name the file, and for an
// unknown key or a bad value also the key and its line ("hbamgrd.conf:12:
// unknown key 'sim.drive'").
absl::StatusOr<DaemonConfig> LoadConfig(const std::string& path);

// The same for text already open; `source_name` is used in messages.
absl::StatusOr<DaemonConfig> ParseConfig(std::istream& in, absl::string_view source_name);

// Checks consistency (the file parser calls it; call it again after changing
// fields, e.g. command-line overrides).  INVALID_ARGUMENT with a message
// naming the option, e.g. "listen.tcp requires tls.cert, tls.key and
// tls.client_ca: TCP is served with mutual TLS only".
absl::Status Validate(const DaemonConfig& config);

absl::string_view BackendName(Backend backend);

// Every key the parser accepts, as "section.key", sorted.  The man page
// hbamgrd.conf(5) and configs/hbamgrd.conf must document each one
// (config_doc_test.cc).
std::vector<std::string> KnownKeys();

// The directory holding the simulated adapters' state: [sim] state_dir, or
// "sim" in the directory of store.database.
std::string SimStateDir(const DaemonConfig& config);

}  // namespace hbamgr::config

#endif  // HBAMGR_DAEMON_CONFIG_CONFIG_H_
