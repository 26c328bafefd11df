#include "daemon/sys/notify.h"

#include <systemd/sd-daemon.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

namespace hbamgr::sys {

bool Notifier::Enabled() { return getenv("NOTIFY_SOCKET") != nullptr; }

absl::Status Notifier::Send(const char* state) {
  if (!Enabled()) return absl::OkStatus();
  int r = sd_notify(0, state);
  if (r < 0) {
    return absl::UnavailableError(absl::StrCat("sd_notify: ", strerror(-r)));
  }
  return absl::OkStatus();
}

absl::Status Notifier::Ready(absl::string_view status) {
  return Send(absl::StrCat("READY=1\nSTATUS=", status).c_str());
}

absl::Status Notifier::Status(absl::string_view text) {
  return Send(absl::StrCat("STATUS=", text).c_str());
}

absl::Status Notifier::Reloading() { return Send("RELOADING=1"); }

absl::Status Notifier::Stopping() { return Send("STOPPING=1"); }

absl::Status Notifier::WatchdogPing() { return Send("WATCHDOG=1"); }

std::optional<absl::Duration> Notifier::WatchdogInterval() {
  uint64_t usec = 0;
  if (sd_watchdog_enabled(0, &usec) <= 0 || usec == 0) return std::nullopt;
  return absl::Microseconds(static_cast<int64_t>(usec));
}

}  // namespace hbamgr::sys
