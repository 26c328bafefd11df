// The store side of event ingestion for one adapter: a bounded queue of rows
// the ingestor accepted and a thread of its own that writes them to the
// store, as much as has queued up in one transaction.  So a store that
// stalls (a WAL checkpoint's fsync, another writer) costs memory, up to the
// bound, instead of stopping the adapter loop that reads the firmware log;
// beyond the bound the reader waits and the firmware log buffers.
//
// Rows are stored in the order queued; after each commit `committed` is
// called (on the committer's thread) with what was stored, so what follows
// a commit (subscribers, counters) only ever sees stored rows, in order.  A
// commit that fails drops it and everything queued after it, and refuses
// what is queued until the reader took the failure (TakeFailure): the reader
// then reads again from the failed batch's first seq.
#ifndef HBAMGR_DAEMON_ADAPTER_EVENT_COMMITTER_H_
#define HBAMGR_DAEMON_ADAPTER_EVENT_COMMITTER_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "daemon/store/store.h"

namespace hbamgr::adapter {

// Rows for the store, in seq order, and what they count once stored.
struct EventBatch {
  std::vector<store::EventRow> rows;
  uint64_t first_seq = 0;   // firmware seq of rows.front()
  uint64_t next_seq = 0;    // firmware seq after rows.back()
  uint64_t backfilled = 0;  // rows read from the firmware event log
  uint64_t lost = 0;        // seqs the loss records among rows stand for
  uint64_t loss_records = 0;

  // Appends `later` (the rows that follow) and empties it.
  void Append(EventBatch& later);
  void Clear();
};

// A commit the store refused: its error and the firmware seq to read again from.
struct CommitFailure {
  absl::Status status;
  uint64_t first_seq = 0;
};

// Thread-safe.
class EventCommitter {
 public:
  using Committed = std::function<void(const EventBatch& stored)>;

  // `max_unstored`: rows queued or being committed, at most.
  EventCommitter(store::Store* store, size_t max_unstored, Committed committed);
  ~EventCommitter();  // Shutdown()
  EventCommitter(const EventCommitter&) = delete;
  EventCommitter& operator=(const EventCommitter&) = delete;

  // Waits up to `timeout` until `rows` more rows fit within max_unstored.
  // False at the timeout, after RequestStop(), or with a failure not taken.
  bool WaitForRoom(size_t rows, absl::Duration timeout);
  // Queues `batch` (whose rows the caller made room for) and empties it;
  // dropped while a failure is not taken.
  void Queue(EventBatch& batch);
  // Waits until nothing is queued or being committed (or a failure waits,
  // or RequestStop()).
  void WaitIdle();
  // The failed commit not taken yet; the committer takes rows again.
  std::optional<CommitFailure> TakeFailure();
  // Rows queued or being committed.
  size_t unstored() const;

  // Ends WaitForRoom() and WaitIdle() waits; rows queued are still stored.
  void RequestStop();
  // Stores what is queued (no more is taken) and ends the thread.  Idempotent.
  void Shutdown();

 private:
  void Run();
  bool CanRun() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  store::Store* const store_;
  const size_t max_unstored_;
  const Committed committed_;

  mutable absl::Mutex mu_;  // protects everything below; a leaf lock
  EventBatch queued_ ABSL_GUARDED_BY(mu_);
  size_t unstored_ ABSL_GUARDED_BY(mu_) = 0;  // queued_ + the batch being committed
  std::optional<CommitFailure> failure_ ABSL_GUARDED_BY(mu_);
  bool stop_requested_ ABSL_GUARDED_BY(mu_) = false;
  bool exit_ ABSL_GUARDED_BY(mu_) = false;

  std::thread thread_;  // Run()
};

}  // namespace hbamgr::adapter

#endif  // HBAMGR_DAEMON_ADAPTER_EVENT_COMMITTER_H_
