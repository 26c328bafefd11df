// sd_notify(3) for hbamgrd (systemd Type=notify with WatchdogSec=).  Every
// call is a no-op returning OK when NOTIFY_SOCKET is unset, so the daemon runs
// the same outside systemd.
#ifndef HBAMGR_DAEMON_SYS_NOTIFY_H_
#define HBAMGR_DAEMON_SYS_NOTIFY_H_

#include <optional>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace hbamgr::sys {

// Thread-safe (stateless: reads the environment on every call).
class Notifier {
 public:
  // "READY=1\nSTATUS=<status>"
  absl::Status Ready(absl::string_view status);
  // "STATUS=<text>"
  absl::Status Status(absl::string_view text);
  // "RELOADING=1" (SIGHUP handling started; send Ready() when done)
  absl::Status Reloading();
  // "STOPPING=1"
  absl::Status Stopping();
  // "WATCHDOG=1"
  absl::Status WatchdogPing();
  // The service's WatchdogSec when systemd expects pings from this process
  // (sd_watchdog_enabled); ping at half of it.  nullopt: no watchdog.
  static std::optional<absl::Duration> WatchdogInterval();
  // True when NOTIFY_SOCKET is set.
  static bool Enabled();

 private:
  absl::Status Send(const char* state);
};

}  // namespace hbamgr::sys

#endif  // HBAMGR_DAEMON_SYS_NOTIFY_H_
