#include "daemon/adapter/passthru_serializer.h"

#include <algorithm>
#include <cstdint>
#include <utility>

#include "absl/strings/str_cat.h"

namespace hbamgr::adapter {
namespace {

PassthruResult Answer(absl::Status status, PassthruCommand command, absl::Duration queued) {
  PassthruResult result;
  result.status = std::move(status);
  result.command = std::move(command);
  result.queued = queued;
  return result;
}

// Milliseconds left until `deadline`, rounded up so a positive remainder
// never becomes the ABI's "0 = default" timeout.
uint32_t RemainingMs(absl::Time deadline, absl::Time now) {
  int64_t ms = absl::ToInt64Milliseconds(absl::Ceil(deadline - now, absl::Milliseconds(1)));
  return static_cast<uint32_t>(std::clamp<int64_t>(ms, 1, HBAMGR_PT_TIMEOUT_MAX_MS));
}

}  // namespace

size_t PassthruCommand::buffer_bytes() const {
  return std::max<size_t>(data.size(), pt.data_len) + std::max<size_t>(sense.size(), pt.sense_len);
}

PassthruSerializer::PassthruSerializer(transport::Transport* transport, Options options)
    : transport_(transport), options_(options) {
  worker_ = std::thread([this] { WorkerLoop(); });
  reaper_ = std::thread([this] { ReaperLoop(); });
}

PassthruSerializer::~PassthruSerializer() { Shutdown(); }

PassthruSerializer::Ticket PassthruSerializer::Submit(std::string client, absl::Time deadline,
                                                      PassthruCommand command, Done done,
                                                      Priority priority) {
  absl::Status refused;
  Ticket ticket = 0;
  {
    absl::MutexLock lock(&mu_);
    ticket = next_ticket_++;
    const size_t bytes = command.buffer_bytes();
    if (shutdown_) {
      refused = absl::UnavailableError("daemon shutting down");
    } else if (bytes > options_.max_queued_bytes - queued_bytes_) {
      refused = absl::ResourceExhaustedError(absl::StrCat(
          "passthrough queue full: the waiting requests hold ", queued_bytes_,
          " buffer bytes and this one needs ", bytes, "; at most ", options_.max_queued_bytes,
          " per adapter (daemon.passthru_queue_mb)"));
    } else if (priority == Priority::kBackground) {
      if (background_.size() >= options_.max_background) {
        refused = absl::ResourceExhaustedError(
            absl::StrCat("background queue full (", options_.max_background, " requests waiting)"));
      } else {
        queued_bytes_ += bytes;
        background_.push_back(std::make_unique<Request>(
            Request{ticket, client, deadline, absl::Now(), std::move(command), std::move(done)}));
        ++generation_;
        return ticket;
      }
    } else if (queued_ >= options_.max_queued) {
      refused = absl::ResourceExhaustedError(
          absl::StrCat("passthrough queue full (", options_.max_queued, " requests waiting)"));
    } else {
      queued_bytes_ += bytes;
      auto request = std::make_unique<Request>(
          Request{ticket, client, deadline, absl::Now(), std::move(command), std::move(done)});
      auto& fifo = per_client_[client];
      if (fifo.empty()) turn_order_.push_back(client);
      fifo.push_back(std::move(request));
      ++queued_;
      ++generation_;
      return ticket;
    }
  }
  std::move(done)(Answer(std::move(refused), std::move(command), absl::ZeroDuration()));
  return ticket;
}

void PassthruSerializer::Cancel(Ticket ticket) {
  std::unique_ptr<Request> request;
  {
    absl::MutexLock lock(&mu_);
    if (ticket == running_) {
      running_cancelled_ = true;
      return;
    }
    request = RemoveLocked(ticket);
  }
  if (request == nullptr) return;
  absl::Duration queued = absl::Now() - request->enqueued;
  std::move(request->done)(Answer(absl::CancelledError("caller went away while queued"),
                                  std::move(request->command), queued));
}

PassthruResult PassthruSerializer::Run(std::string client, absl::Time deadline,
                                       PassthruCommand command, Priority priority) {
  absl::Mutex done_mu;
  bool finished = false;
  PassthruResult out;
  Submit(
      std::move(client), deadline, std::move(command),
      [&](PassthruResult result) {
        absl::MutexLock lock(&done_mu);
        out = std::move(result);
        finished = true;
      },
      priority);
  absl::MutexLock lock(&done_mu);
  done_mu.Await(absl::Condition(&finished));
  return out;
}

void PassthruSerializer::Shutdown() {
  std::vector<std::unique_ptr<Request>> dropped;
  {
    absl::MutexLock lock(&mu_);
    if (shutdown_ && !worker_.joinable()) return;
    shutdown_ = true;
    ++generation_;
    for (auto& [client, fifo] : per_client_) {
      for (auto& request : fifo) dropped.push_back(std::move(request));
    }
    for (auto& request : background_) dropped.push_back(std::move(request));
    per_client_.clear();
    turn_order_.clear();
    background_.clear();
    queued_ = 0;
    queued_bytes_ = 0;
  }
  for (auto& request : dropped) {
    std::move(request->done)(Answer(absl::UnavailableError("daemon shutting down"),
                                    std::move(request->command), absl::Now() - request->enqueued));
  }
  if (worker_.joinable()) worker_.join();
  if (reaper_.joinable()) reaper_.join();
}

size_t PassthruSerializer::queued() const {
  absl::MutexLock lock(&mu_);
  return queued_;
}

size_t PassthruSerializer::background_queued() const {
  absl::MutexLock lock(&mu_);
  return background_.size();
}

bool PassthruSerializer::running() const {
  absl::MutexLock lock(&mu_);
  return running_ != 0;
}

size_t PassthruSerializer::queued_bytes() const {
  absl::MutexLock lock(&mu_);
  return queued_bytes_;
}

int PassthruSerializer::max_in_flight() const { return max_in_flight_.load(); }

std::unique_ptr<PassthruSerializer::Request> PassthruSerializer::PopNextLocked() {
  if (turn_order_.empty()) {
    if (background_.empty()) return nullptr;
    std::unique_ptr<Request> request = std::move(background_.front());
    background_.pop_front();
    queued_bytes_ -= request->command.buffer_bytes();
    ++generation_;
    return request;
  }
  std::string client = std::move(turn_order_.front());
  turn_order_.pop_front();
  auto it = per_client_.find(client);
  std::unique_ptr<Request> request = std::move(it->second.front());
  it->second.pop_front();
  if (it->second.empty()) {
    per_client_.erase(it);
  } else {
    turn_order_.push_back(std::move(client));  // its next request waits a turn
  }
  --queued_;
  queued_bytes_ -= request->command.buffer_bytes();
  ++generation_;
  return request;
}

std::unique_ptr<PassthruSerializer::Request> PassthruSerializer::RemoveLocked(Ticket ticket) {
  auto background =
      std::find_if(background_.begin(), background_.end(),
                   [ticket](const auto& request) { return request->ticket == ticket; });
  if (background != background_.end()) {
    std::unique_ptr<Request> request = std::move(*background);
    background_.erase(background);
    queued_bytes_ -= request->command.buffer_bytes();
    ++generation_;
    return request;
  }
  for (auto it = per_client_.begin(); it != per_client_.end(); ++it) {
    auto& fifo = it->second;
    auto pos = std::find_if(fifo.begin(), fifo.end(),
                            [ticket](const auto& request) { return request->ticket == ticket; });
    if (pos == fifo.end()) continue;
    std::unique_ptr<Request> request = std::move(*pos);
    fifo.erase(pos);
    if (fifo.empty()) {
      turn_order_.erase(std::find(turn_order_.begin(), turn_order_.end(), it->first));
      per_client_.erase(it);
    }
    --queued_;
    queued_bytes_ -= request->command.buffer_bytes();
    ++generation_;
    return request;
  }
  return nullptr;
}

void PassthruSerializer::WorkerLoop() {
  for (;;) {
    std::unique_ptr<Request> request;
    {
      absl::MutexLock lock(&mu_);
      mu_.Await(absl::Condition(
          +[](PassthruSerializer* self) ABSL_EXCLUSIVE_LOCKS_REQUIRED(self->mu_) {
            return self->shutdown_ || self->queued_ > 0 || !self->background_.empty();
          },
          this));
      if (shutdown_) return;
      request = PopNextLocked();
      running_ = request->ticket;
      running_cancelled_ = false;
    }
    PassthruResult result = Execute(*request);
    {
      absl::MutexLock lock(&mu_);
      running_ = 0;
    }
    std::move(request->done)(std::move(result));
  }
}

PassthruResult PassthruSerializer::Execute(Request& request) {
  const absl::Time started = absl::Now();
  const absl::Duration queued = started - request.enqueued;
  PassthruCommand& command = request.command;
  hbamgr_passthru& pt = command.pt;
  const uint32_t wanted_ms = pt.timeout_ms != 0 ? pt.timeout_ms : HBAMGR_PT_TIMEOUT_DEFAULT_MS;
  if (pt.dir == HBAMGR_DIR_FROM_DEV) command.data.resize(pt.data_len);
  command.sense.resize(pt.sense_len);
  pt.size = sizeof(pt);
  pt.data_ptr = pt.data_len != 0 ? reinterpret_cast<uintptr_t>(command.data.data()) : 0;
  pt.sense_ptr = pt.sense_len != 0 ? reinterpret_cast<uintptr_t>(command.sense.data()) : 0;

  absl::Duration backoff = options_.initial_backoff;
  int retries = 0;
  absl::Status status;
  for (;;) {
    absl::Time now = absl::Now();
    if (now >= request.deadline) {
      status = retries == 0 ? absl::DeadlineExceededError("deadline passed while queued")
                            : absl::DeadlineExceededError(
                                  absl::StrCat("adapter still resetting at the deadline after ",
                                               retries, " retries: ", status.message()));
      break;
    }
    pt.timeout_ms = std::min(wanted_ms, RemainingMs(request.deadline, now));
    int in_flight = in_flight_.fetch_add(1) + 1;
    int seen = max_in_flight_.load();
    while (in_flight > seen && !max_in_flight_.compare_exchange_weak(seen, in_flight)) {
    }
    status = transport_->Passthru(&pt);
    in_flight_.fetch_sub(1);
    if (!transport::IsRetryable(status)) break;
    absl::MutexLock lock(&mu_);
    absl::Time wake = std::min(absl::Now() + backoff, request.deadline);
    if (mu_.AwaitWithDeadline(
            absl::Condition(
                +[](PassthruSerializer* self) ABSL_EXCLUSIVE_LOCKS_REQUIRED(self->mu_) {
                  return self->shutdown_ || self->running_cancelled_;
                },
                this),
            wake)) {
      status = shutdown_ ? absl::UnavailableError("daemon shutting down")
                         : absl::CancelledError("caller went away while the adapter reset");
      break;
    }
    ++retries;
    backoff = std::min(backoff * 2, options_.max_backoff);
  }
  pt.timeout_ms = wanted_ms;
  PassthruResult result = Answer(std::move(status), std::move(command), queued);
  result.ran = absl::Now() - started;
  result.retries = retries;
  return result;
}

void PassthruSerializer::ReaperLoop() {
  absl::MutexLock lock(&mu_);
  while (!shutdown_) {
    const absl::Time now = absl::Now();
    absl::Time earliest = absl::InfiniteFuture();
    std::vector<Ticket> tickets;
    auto check = [&](const Request& request) {
      if (request.deadline <= now) {
        tickets.push_back(request.ticket);
      } else {
        earliest = std::min(earliest, request.deadline);
      }
    };
    for (const auto& [client, fifo] : per_client_) {
      for (const auto& request : fifo) check(*request);
    }
    for (const auto& request : background_) check(*request);
    if (!tickets.empty()) {
      std::vector<std::unique_ptr<Request>> expired;
      for (Ticket ticket : tickets) expired.push_back(RemoveLocked(ticket));
      mu_.Unlock();  // `done` runs without the lock
      for (auto& request : expired) {
        std::move(request->done)(Answer(absl::DeadlineExceededError("deadline passed while queued"),
                                        std::move(request->command), now - request->enqueued));
      }
      mu_.Lock();
      continue;
    }
    // Sleep until the earliest deadline or a queue change.
    struct Wake {
      PassthruSerializer* self;
      uint64_t seen;
    } wake{this, generation_};
    mu_.AwaitWithDeadline(absl::Condition(
                              +[](Wake* w) ABSL_NO_THREAD_SAFETY_ANALYSIS {
                                return w->self->shutdown_ || w->self->generation_ != w->seen;
                              },
                              &wake),
                          earliest);
  }
}

}  // namespace hbamgr::adapter
