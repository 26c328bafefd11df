#include "daemon/adapter/adapter.h"

#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"

namespace hbamgr::adapter {

std::string AdapterName(uint32_t index) { return absl::StrCat("c", index); }

const char* AdapterStateName(uint32_t state) {
  switch (state) {
    case HBAMGR_STATE_NEW:
      return "NEW";
    case HBAMGR_STATE_INITIALIZING:
      return "INITIALIZING";
    case HBAMGR_STATE_LIVE:
      return "LIVE";
    case HBAMGR_STATE_RESETTING:
      return "RESETTING";
    case HBAMGR_STATE_RECOVERING:
      return "RECOVERING";
    case HBAMGR_STATE_DEAD:
      return "DEAD";
    case HBAMGR_STATE_DELETING:
      return "DELETING";
  }
  return "UNKNOWN";
}

Adapter::Adapter(AdapterOptions options, std::unique_ptr<transport::Transport> transport,
                 store::Store* store, sys::Logger* logger, EventIngestor::Publish publish,
                 HealthListener on_health)
    : options_(options),
      name_(AdapterName(options.index)),
      transport_(std::move(transport)),
      logger_(logger),
      on_health_(std::move(on_health)),
      serializer_(transport_.get(),
                  {.max_queued = options.max_queued, .max_queued_bytes = options.max_queued_bytes}),
      ingestor_(options.index, transport_.get(), &serializer_, store, std::move(publish), logger),
      wake_fd_(eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) {}

Adapter::~Adapter() {
  Stop();
  close(wake_fd_);
}

absl::Status Adapter::Start() {
  if (wake_fd_ < 0) return absl::InternalError("eventfd failed");
  CheckState("daemon started");
  const absl::Time now = absl::Now();
  if (absl::Status s = ingestor_.Start(); !s.ok()) {
    LogIngestError("event backfill at start failed; retrying", s);
    log_check_due_ = now + options_.retry_after_error;
  } else {
    IngestStats stats = ingestor_.stats();
    logger_->Log(sys::LogLevel::kInfo, "adapter events caught up",
                 {{"ADAPTER", name_},
                  {"NEXT_SEQ", absl::StrCat(stats.next_seq)},
                  {"BACKFILLED", absl::StrCat(stats.backfilled)},
                  {"LOST", absl::StrCat(stats.lost)}});
    log_check_due_ = now + options_.pending_check;
  }
  pending_until_ = now + options_.pending_window;
  caught_up_resets_ = reset_count_.load();
  last_beat_ns_ = absl::GetCurrentTimeNanos();
  loop_ = std::thread([this] { Loop(); });
  return absl::OkStatus();
}

void Adapter::RequestStop() {
  stopping_ = true;
  ingestor_.RequestStop();
  uint64_t one = 1;
  (void)!write(wake_fd_, &one, sizeof(one));
}

void Adapter::Stop() {
  RequestStop();
  // Answers the loop's queued EVTLOG command too, so the loop sees the stop.
  serializer_.Shutdown();
  if (loop_.joinable()) loop_.join();
  // What the loop read is stored (and published) before Stop() returns.
  ingestor_.Shutdown();
}

absl::Time Adapter::last_beat() const { return absl::FromUnixNanos(last_beat_ns_.load()); }

void Adapter::CheckState(const char* why) {
  hbamgr_info info{};
  info.size = sizeof(info);
  absl::Status status = transport_->GetInfo(&info);
  uint32_t state;
  std::string reason;
  if (absl::IsNotFound(status)) {
    state = HBAMGR_STATE_DELETING;
    reason = absl::StrCat("adapter removed (", why, ")");
    removed_ = true;
  } else if (!status.ok()) {
    logger_->Log(sys::LogLevel::kWarning, "GET_INFO failed",
                 {{"ADAPTER", name_}, {"ERROR", status.ToString()}});
    return;
  } else {
    state = info.state;
    max_transfer_ = info.max_transfer;
    reason = absl::StrCat("adapter ", AdapterStateName(state), " (", why, "), reset count ",
                          info.reset_count);
  }
  const bool serving = state == HBAMGR_STATE_LIVE;
  const uint32_t old_state = state_.exchange(state);
  const uint32_t old_resets = reset_count_.exchange(info.reset_count);
  serving_ = serving;
  const bool first = !reported_.exchange(true);
  if (!first && old_state == state) {
    // A reset that began and ended between two looks still goes into the
    // health history.
    if (removed_ || info.reset_count == old_resets) return;
    reason = absl::StrCat("adapter reset ", info.reset_count, " completed between state checks (",
                          why, ")");
  }
  logger_->Log(serving ? sys::LogLevel::kNotice : sys::LogLevel::kWarning, reason,
               {{"ADAPTER", name_}, {"STATE", AdapterStateName(state)}});
  if (on_health_) on_health_(*this, serving, state, reason);
}

void Adapter::Loop() {
  while (!removed_ && !stopping_) {
    absl::Duration wait =
        std::clamp(log_check_due_ - absl::Now(), absl::ZeroDuration(), options_.poll_interval);
    // After a failed read the event fd may stay readable: it is left out
    // of the poll until the retry time, so a persistent error cannot spin.
    const bool read_events = absl::Now() >= drain_retry_at_;
    pollfd fds[2] = {{read_events ? transport_->event_fd() : -1, POLLIN, 0}, {wake_fd_, POLLIN, 0}};
    int n =
        poll(fds, 2,
             static_cast<int>(absl::ToInt64Milliseconds(absl::Ceil(wait, absl::Milliseconds(1)))));
    if (n < 0 && errno != EINTR) {
      logger_->Log(sys::LogLevel::kError, "poll failed", {{"ADAPTER", name_}});
    }
    if ((fds[1].revents & POLLIN) || stopping_) return;  // RequestStop()
    if (fds[0].revents & (POLLIN | POLLHUP | POLLERR)) {
      absl::StatusOr<EventIngestor::Drained> drained = ingestor_.Drain();
      const absl::Time now = absl::Now();
      if (drained.ok()) {
        if (drained->records != 0) {
          // The firmware may have logged more than it delivered (no buffer
          // posted): look at the log now, and keep looking for a while.
          pending_until_ = now + options_.pending_window;
          log_check_due_ = std::min(log_check_due_, last_log_check_ + options_.min_check_spacing);
        }
        if (drained->need_log) log_check_due_ = now;
      } else if (absl::IsNotFound(drained.status())) {
        CheckState("event read: removed");
      } else {
        LogIngestError("event ingestion failed; retrying", drained.status());
        drain_retry_at_ = now + options_.retry_after_error;
        log_check_due_ = drain_retry_at_;  // the log has what was read
      }
    }
    CheckState("state poll");
    const uint32_t resets = reset_count_.load();
    if (resets != caught_up_resets_ && state_.load() == HBAMGR_STATE_LIVE) {
      // Live again after a reset: what the firmware logged while no
      // status-read buffer was posted (CTRL_RESET_DONE among it) is in the
      // log only.
      caught_up_resets_ = resets;
      log_check_due_ = absl::Now();
      pending_until_ = absl::Now() + options_.pending_window;
    }
    CheckLog(absl::Now());
    last_beat_ns_ = absl::GetCurrentTimeNanos();
  }
}

void Adapter::CheckLog(absl::Time now) {
  // While the adapter resets, EVTLOG commands would wait (EAGAIN) instead
  // of the loop beating; the reset's end makes a check due.
  if (now < log_check_due_ || removed_ || stopping_ || state_.load() != HBAMGR_STATE_LIVE) return;
  const IngestStats before = ingestor_.stats();
  last_log_check_ = now;
  absl::StatusOr<bool> more = ingestor_.CatchUp();
  now = absl::Now();
  if (!more.ok()) {
    if (!stopping_) LogIngestError("event log check failed; retrying", more.status());
    log_check_due_ = now + options_.retry_after_error;
    return;
  }
  // The log grew since the last look (what was read may still be on its
  // way to the store): events are flowing.
  const IngestStats after = ingestor_.stats();
  if (after.log_newest_seq != before.log_newest_seq) pending_until_ = now + options_.pending_window;
  if (*more) {
    log_check_due_ = now;
  } else {
    log_check_due_ = now + (now < pending_until_ ? options_.pending_check : options_.idle_check);
  }
}

void Adapter::LogIngestError(const char* what, const absl::Status& status) {
  const absl::Time now = absl::Now();
  std::string error = status.ToString();
  if (error == last_error_ && now - last_error_logged_ < absl::Minutes(1)) return;
  logger_->Log(sys::LogLevel::kError, what, {{"ADAPTER", name_}, {"ERROR", error}});
  last_error_ = std::move(error);
  last_error_logged_ = now;
}

}  // namespace hbamgr::adapter
