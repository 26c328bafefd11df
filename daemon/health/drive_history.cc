#include "daemon/health/drive_history.h"

#include <algorithm>

namespace hbamgr::health {

absl::Status DriveHistory::Load() {
  auto ranges = store_->DriveTemperatures();
  if (!ranges.ok()) return ranges.status();
  auto samples = store_->DriveCounters();
  if (!samples.ok()) return samples.status();
  absl::MutexLock lock(&mu_);
  for (const store::DriveTemperatureRow& r : *ranges) {
    Drive& d = drives_[r.serial];
    d.has_range = true;
    d.min_c = r.min_c;
    d.max_c = r.max_c;
  }
  for (store::DriveCounterRow& s : *samples) drives_[s.serial].samples.push_back(std::move(s));
  return absl::OkStatus();
}

absl::Status DriveHistory::Observe(DriveSnapshot& drive, absl::Duration window, absl::Time now) {
  // A drive without a serial cannot be told from its replacement.
  if (drive.serial.empty()) return absl::OkStatus();
  const hbamgr_pd_info& pd = drive.info;
  const int64_t now_ns = absl::ToUnixNanos(now);
  absl::MutexLock lock(&mu_);
  Drive& d = drives_[drive.serial];
  absl::Status status;
  if (pd.state != HBAMGR_PD_MISSING &&
      (!d.has_range || pd.temperature_c < d.min_c || pd.temperature_c > d.max_c)) {
    auto range = store_->RecordDriveTemperature(drive.serial, pd.temperature_c, now);
    if (range.ok()) {
      d.has_range = true;
      d.min_c = range->min_c;
      d.max_c = range->max_c;
    } else {
      status = range.status();
    }
  }
  if (d.has_range) {
    drive.temperature_min_c = d.min_c;
    drive.temperature_max_c = d.max_c;
  }

  const store::DriveCounterRow current{.serial = drive.serial,
                                       .time_ns = now_ns,
                                       .media_errors = pd.media_errors,
                                       .other_errors = pd.other_errors,
                                       .predictive_failures = pd.predictive_failures};
  const bool changed = d.samples.empty() || d.samples.back().media_errors != current.media_errors ||
                       d.samples.back().other_errors != current.other_errors ||
                       d.samples.back().predictive_failures != current.predictive_failures;
  if (changed) {
    if (absl::Status s = store_->AddDriveCounters(current); s.ok()) {
      d.samples.push_back(current);
    } else if (status.ok()) {
      status = s;
    }
  }
  // The value at the window's start: the newest sample at or before it.
  const int64_t start_ns = absl::ToUnixNanos(now - window);
  size_t drop = 0;
  while (drop + 1 < d.samples.size() && d.samples[drop + 1].time_ns <= start_ns) ++drop;
  if (drop > 0) {
    d.samples.erase(d.samples.begin(), d.samples.begin() + static_cast<ptrdiff_t>(drop));
    if (absl::Status s = store_->TrimDriveCounters(drive.serial, d.samples.front().time_ns);
        !s.ok() && status.ok()) {
      status = s;
    }
  }
  if (!d.samples.empty()) {
    const store::DriveCounterRow& base = d.samples.front();
    auto grown = [](uint32_t now_value, uint32_t then) {
      return now_value > then ? now_value - then : 0u;
    };
    drive.growth.media_errors = grown(pd.media_errors, base.media_errors);
    drive.growth.other_errors = grown(pd.other_errors, base.other_errors);
    drive.growth.predictive_failures = grown(pd.predictive_failures, base.predictive_failures);
  }
  return status;
}

}  // namespace hbamgr::health
