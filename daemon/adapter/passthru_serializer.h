// Per-adapter passthrough queue: the daemon owns each adapter and lets ONE
// command at a time through its transport.  Requests from many clients wait
// in per-client FIFOs served round-robin, so one busy client cannot starve
// the others.  Each request carries the deadline of the gRPC call that made
// it: it is answered DEADLINE_EXCEEDED without running when the deadline
// passes in the queue, the transport timeout is clamped to the time left,
// and EAGAIN (adapter resetting) is retried with exponential backoff until
// the deadline.  A caller that goes away cancels its queued request.
//
// Two priority classes: client requests (gRPC callers, event backfill) and
// background work (the health poller).  A background request runs only when
// no client request is waiting, so polling never delays a caller by more
// than the one command already in the transport; background requests have
// their own bound and do not take client queue slots.
#ifndef HBAMGR_DAEMON_ADAPTER_PASSTHRU_SERIALIZER_H_
#define HBAMGR_DAEMON_ADAPTER_PASSTHRU_SERIALIZER_H_

#include <linux/hbamgr.h>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "daemon/transport/transport.h"

namespace hbamgr::adapter {

// One HBAMGR_IOC_PASSTHRU with its buffers.  The serializer points
// pt.data_ptr / pt.sense_ptr at `data` / `sense` and sets pt.size.
struct PassthruCommand {
  hbamgr_passthru pt{};
  std::vector<uint8_t> data;   // TO_DEV: the bytes; FROM_DEV: pt.data_len long
  std::vector<uint8_t> sense;  // pt.sense_len long

  // The buffer bytes the command holds once it runs (data and sense).
  size_t buffer_bytes() const;
};

struct PassthruResult {
  // OK when the command ran (its outcome is in command.pt.status);
  // DEADLINE_EXCEEDED, CANCELLED, RESOURCE_EXHAUSTED (queue full),
  // UNAVAILABLE (shutting down) or the transport's error otherwise.
  absl::Status status;
  PassthruCommand command;  // out fields and FROM_DEV data filled in
  absl::Duration queued;    // waited in the queue
  absl::Duration ran;       // in the transport, retries and backoff included
  int retries = 0;          // EAGAIN retries
};

class PassthruSerializer {
 public:
  enum class Priority {
    kClient,      // served round-robin per client, always first
    kBackground,  // FIFO, only while no client request waits
  };
  struct Options {
    size_t max_queued = 64;       // waiting client requests, all clients together
    size_t max_background = 256;  // waiting background requests
    // Buffer bytes (PassthruCommand::buffer_bytes) the waiting requests,
    // client and background, may hold together; a request that would pass
    // it is RESOURCE_EXHAUSTED.
    size_t max_queued_bytes = size_t{32} << 20;
    absl::Duration initial_backoff = absl::Milliseconds(10);
    absl::Duration max_backoff = absl::Milliseconds(500);
  };
  using Done = absl::AnyInvocable<void(PassthruResult) &&>;
  using Ticket = uint64_t;

  // `transport` must outlive the serializer.
  PassthruSerializer(transport::Transport* transport, Options options);
  ~PassthruSerializer();  // Shutdown()
  PassthruSerializer(const PassthruSerializer&) = delete;
  PassthruSerializer& operator=(const PassthruSerializer&) = delete;

  // Queues `command` for `client` (the caller's identity, e.g. "uid:1000").
  // `done` runs exactly once, on a serializer thread, or inside Submit when
  // the queue is full (requests, or max_queued_bytes) or the serializer shut
  // down.  The ticket names the request for Cancel().
  Ticket Submit(std::string client, absl::Time deadline, PassthruCommand command, Done done,
                Priority priority = Priority::kClient);

  // The caller went away: a queued request is dropped and answered
  // CANCELLED; one waiting to retry after EAGAIN stops (CANCELLED); one in
  // the transport finishes normally.  Unknown or finished tickets: no-op.
  void Cancel(Ticket ticket);

  // Submit and wait for the result.
  PassthruResult Run(std::string client, absl::Time deadline, PassthruCommand command,
                     Priority priority = Priority::kClient);

  // Answers every queued request UNAVAILABLE, waits for the running one and
  // stops the threads.  Later Submits are answered UNAVAILABLE.  Idempotent.
  void Shutdown();

  // Client requests waiting (background ones are not counted).
  size_t queued() const;
  size_t background_queued() const;
  // A request has left the queue for the transport and is not finished.
  bool running() const;
  // Buffer bytes the waiting requests hold.
  size_t queued_bytes() const;
  // The most commands ever inside the transport at once: 1 while the
  // serializer does its job (reported as a metric, checked by the tests).
  int max_in_flight() const;

 private:
  struct Request {
    Ticket ticket;
    std::string client;
    absl::Time deadline;
    absl::Time enqueued;
    PassthruCommand command;
    Done done;
  };

  void WorkerLoop();
  void ReaperLoop();
  // Next client request in round-robin order, else the oldest background
  // one; nullptr when none.
  std::unique_ptr<Request> PopNextLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  std::unique_ptr<Request> RemoveLocked(Ticket ticket) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  PassthruResult Execute(Request& request) ABSL_LOCKS_EXCLUDED(mu_);

  transport::Transport* const transport_;
  const Options options_;

  // Protects the queue and the worker's state.  A leaf lock: `done`
  // callbacks and the transport are called without it.
  mutable absl::Mutex mu_;
  std::map<std::string, std::deque<std::unique_ptr<Request>>> per_client_ ABSL_GUARDED_BY(mu_);
  std::deque<std::string> turn_order_ ABSL_GUARDED_BY(mu_);  // clients with requests
  size_t queued_ ABSL_GUARDED_BY(mu_) = 0;                   // requests in per_client_
  std::deque<std::unique_ptr<Request>> background_ ABSL_GUARDED_BY(mu_);
  size_t queued_bytes_ ABSL_GUARDED_BY(mu_) = 0;  // buffer_bytes() of all waiting
  Ticket next_ticket_ ABSL_GUARDED_BY(mu_) = 1;
  Ticket running_ ABSL_GUARDED_BY(mu_) = 0;  // 0 = none
  bool running_cancelled_ ABSL_GUARDED_BY(mu_) = false;
  uint64_t generation_ ABSL_GUARDED_BY(mu_) = 0;  // bumped on queue changes
  bool shutdown_ ABSL_GUARDED_BY(mu_) = false;
  // Measured around the transport call, independently of the queue logic.
  std::atomic<int> in_flight_{0};
  std::atomic<int> max_in_flight_{0};

  std::thread worker_;
  std::thread reaper_;
};

}  // namespace hbamgr::adapter

#endif  // HBAMGR_DAEMON_ADAPTER_PASSTHRU_SERIALIZER_H_
