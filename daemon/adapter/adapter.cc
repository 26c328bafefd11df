#include "daemon/adapter/adapter.h"

#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

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
      ingestor_(options.index, transport_.get(), &serializer_, store, std::move(publish)),
      wake_fd_(eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) {}

Adapter::~Adapter() {
  Stop();
  close(wake_fd_);
}

absl::Status Adapter::Start() {
  if (wake_fd_ < 0) return absl::InternalError("eventfd failed");
  CheckState("daemon started");
  if (absl::Status s = ingestor_.Start(); !s.ok()) {
    return absl::Status(s.code(), absl::StrCat(name_, ": event backfill at start: ", s.message()));
  }
  IngestStats stats = ingestor_.stats();
  logger_->Log(sys::LogLevel::kInfo, "adapter events caught up",
               {{"ADAPTER", name_},
                {"NEXT_SEQ", absl::StrCat(stats.next_seq)},
                {"BACKFILLED", absl::StrCat(stats.backfilled)}});
  caught_up_resets_ = reset_count_.load();
  last_beat_ns_ = absl::GetCurrentTimeNanos();
  loop_ = std::thread([this] { Loop(); });
  return absl::OkStatus();
}

void Adapter::Stop() {
  if (loop_.joinable()) {
    uint64_t one = 1;
    (void)!write(wake_fd_, &one, sizeof(one));
    loop_.join();
  }
  serializer_.Shutdown();
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
  while (!removed_) {
    pollfd fds[2] = {{transport_->event_fd(), POLLIN, 0}, {wake_fd_, POLLIN, 0}};
    int n = poll(fds, 2, static_cast<int>(absl::ToInt64Milliseconds(options_.poll_interval)));
    if (n < 0 && errno != EINTR) {
      logger_->Log(sys::LogLevel::kError, "poll failed", {{"ADAPTER", name_}});
    }
    if (fds[1].revents & POLLIN) return;  // Stop()
    if (fds[0].revents & (POLLIN | POLLHUP | POLLERR)) {
      absl::Status status = ingestor_.Drain();
      if (absl::IsNotFound(status)) {
        CheckState("event read: removed");
      } else if (!status.ok()) {
        logger_->Log(sys::LogLevel::kError, "event ingestion failed; retrying",
                     {{"ADAPTER", name_}, {"ERROR", status.ToString()}});
      }
    }
    CheckState("state poll");
    CatchUpAfterReset();
    last_beat_ns_ = absl::GetCurrentTimeNanos();
  }
}

void Adapter::CatchUpAfterReset() {
  const uint32_t resets = reset_count_.load();
  if (removed_ || state_.load() != HBAMGR_STATE_LIVE || resets == caught_up_resets_) return;
  // Live records first, so the log is read only for what they miss.
  absl::Status status = ingestor_.Drain();
  if (status.ok()) status = ingestor_.CatchUp();
  if (!status.ok()) {
    // Tried again on the next poll.
    logger_->Log(sys::LogLevel::kWarning, "event log catch-up after reset failed",
                 {{"ADAPTER", name_}, {"ERROR", status.ToString()}});
    return;
  }
  caught_up_resets_ = resets;
}

}  // namespace hbamgr::adapter
