// Event ingestion for one adapter.  The firmware event log
// (HBAMGR_MGMT_EVTLOG_INFO / EVTLOG_GET) is the source of truth; the records
// the driver queues for the daemon's open file are the fast path.  A queued
// record is stored when it is the next seq expected; anything else (an
// overflow record, a seq beyond the next one) only tells that the log must be
// read, and CatchUp() reads it from the next seq expected up to its newest
// record.  So the store holds every seq exactly once and in order, or, where
// the log no longer held a seq when the daemon came to read it, one
// HBAMGR_EVT_HOST_EVENTS_LOST record at the first lost seq carrying how many
// were lost (counted in IngestStats::lost and logged).
//
// Every call is bounded: CatchUp() fetches at most kMaxFetchesPerCall
// batches, Drain() reads at most kMaxDrainRecords, and a firmware answer that
// makes no progress (records older than asked, a log that says it holds seqs
// it does not return) ends the call with an error instead of a retry.  So
// every path makes progress, records a loss or returns.
//
// Firmware seqs only compare within one log (EVTLOG_INFO log_id; hbamgr.ko
// starts a new log at seq 1 on every module load): each log gets a seq_base
// in the store, and a record is stored as firmware seq + seq_base, after
// every record of the logs before it.
//
// Reading and storing are decoupled: the calls above run on the adapter's
// loop and hand what they accepted to an EventCommitter, whose thread writes
// it to the store and then publishes it (fan-out to subscribers): store
// first, so a subscriber that reads the store and then follows the live feed
// misses nothing, and nothing is published or counted until the store
// committed it.  A store that stalls costs memory, not events: records are
// read while fewer than kMaxUnstoredEvents wait for the store; beyond that a
// call waits for room (at most kRoomWait) and then leaves the rest in the
// firmware log, which buffers it (what it overwrites meanwhile is recorded
// lost as above).  When a store write fails, everything not stored is
// dropped from memory and read again from the firmware log, from the first
// seq not stored, by the next call (which returns the store's error).  While
// the store is in a write fault nothing is fetched: queued records are read
// and left to the log, and CatchUp() only asks the log for its newest seq
// (log_newest_seq then tells how many events wait there) and returns the
// fault.
#ifndef HBAMGR_DAEMON_ADAPTER_EVENT_INGESTOR_H_
#define HBAMGR_DAEMON_ADAPTER_EVENT_INGESTOR_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "daemon/adapter/event_committer.h"
#include "daemon/adapter/passthru_serializer.h"
#include "daemon/store/store.h"
#include "daemon/sys/log.h"
#include "daemon/transport/transport.h"

namespace hbamgr::adapter {

struct IngestStats {
  uint64_t log_id = 0;          // the firmware log being read
  uint64_t seq_base = 0;        // its records are stored as seq + seq_base
  uint64_t next_seq = 0;        // next firmware seq to store (0: none seen yet)
  uint64_t unstored = 0;        // rows read, waiting for the store (<= kMaxUnstoredEvents)
  uint64_t log_newest_seq = 0;  // newest firmware seq the log reported
  uint64_t stored = 0;          // rows added to the store (loss records included)
  uint64_t duplicates = 0;      // queued records already stored
  uint64_t gaps = 0;            // overflow records and seq jumps seen
  uint64_t backfilled = 0;      // rows that came from the firmware event log
  uint64_t lost = 0;            // seqs the event log no longer held
  uint64_t loss_records = 0;    // HOST_EVENTS_LOST rows stored
  uint64_t store_failures = 0;  // commits the store refused (read again later)
  uint64_t log_checks = 0;      // EVTLOG_INFO calls
};

// Not thread-safe except stats() and RequestStop(): the other calls run on
// the adapter's event loop (the committer's thread is the ingestor's own).
class EventIngestor {
 public:
  using Publish = std::function<void(std::span<const store::EventRow>)>;

  // The client name the ingestor's EVTLOG commands queue under.
  static constexpr char kClient[] = "daemon:events";
  // Records per EVTLOG_GET: a whole 1024-record firmware log in one command
  // (104 KiB, well within max_transfer).  Each command is several thread
  // hand-offs (serializer, driver, firmware); under a storm on a loaded
  // machine their latency, not the copying, bounded ingestion at 128.
  static constexpr uint32_t kBackfillBatch = 1024;
  // Rows read but not yet stored, at most: eight firmware logs' worth (each
  // row is at most ~200 bytes, so under 2 MiB), so a store stall of several
  // times the log's span (160 ms at 50k events/s) costs no event.
  static constexpr size_t kMaxUnstoredEvents = 8 * kBackfillBatch;
  // How long a call waits for the store to make room before it returns
  // (the adapter loop beats meanwhile; the firmware log buffers).
  static constexpr absl::Duration kRoomWait = absl::Milliseconds(100);
  // EVTLOG_GETs per CatchUp() call (more than a 1024-record log needs).
  static constexpr int kMaxFetchesPerCall = 16;
  // Queued records read per Drain() call.
  static constexpr size_t kMaxDrainRecords = 4096;
  // Deadline of one EVTLOG command, queueing and EAGAIN retries included.
  static constexpr absl::Duration kCommandDeadline = absl::Seconds(10);

  // `logger` (may be null) gets a warning for every loss stored.
  EventIngestor(uint32_t adapter, transport::Transport* transport, PassthruSerializer* serializer,
                store::Store* store, Publish publish, sys::Logger* logger = nullptr);

  // Finds the firmware's log in the store (recording it when new) and
  // continues from the store's last seq of this adapter: CatchUp() until the
  // log's newest record, and Sync().  A log the store has not seen is read
  // from its oldest record when the store has no event of this adapter, from
  // seq 1 otherwise.
  absl::Status Start();

  struct Drained {
    size_t records = 0;     // read from the ring
    bool need_log = false;  // the firmware log must be read (CatchUp)
  };
  // Reads and ingests queued records (at most kMaxDrainRecords).  The log
  // must be read after a gap, an overflow, or more records queued than one
  // call takes.  NOT_FOUND once the adapter is removed.
  absl::StatusOr<Drained> Drain();

  // Asks the firmware log for its newest seq (EVTLOG_INFO) and ingests what
  // it holds beyond the last record stored, in at most kMaxFetchesPerCall
  // batches.  Returns whether more is left (the call's batch limit was
  // reached while making progress).
  absl::StatusOr<bool> CatchUp();

  // Waits until every record accepted so far is stored and published.
  // Returns the store's error when it refused them (the next call reads them
  // again), CANCELLED after RequestStop().
  absl::Status Sync();

  // Makes a running and every later call return CANCELLED between two
  // commands (the daemon is shutting down).
  void RequestStop();
  // Stores what was accepted and ends the committer's thread (after the last
  // call; RequestStop() first).  Idempotent.
  void Shutdown() { committer_.Shutdown(); }

  IngestStats stats() const;

 private:
  // Finds (or records) the firmware's current log described by `info` and
  // sets next_seq_ from the store.
  absl::Status Attach(const hbamgr_evtlog_info& info);
  absl::StatusOr<hbamgr_evtlog_info> LogInfo();
  absl::StatusOr<std::vector<hbamgr_event>> Fetch(uint64_t start_seq);
  // Accepts `ev` (the next seq) for the store.
  void Accept(const hbamgr_event& ev, bool backfilled);
  // Accepts one HOST_EVENTS_LOST row for firmware seqs first..last.
  void RecordLoss(uint64_t first, uint64_t last, const char* why);
  // Hands what was accepted to the committer.
  void Flush();
  // Waits (kRoomWait at most) until `rows` more fit within
  // kMaxUnstoredEvents; false when they do not.
  bool WaitForRoom(size_t rows);
  // A commit the store refused: next_seq_ goes back to its first seq and
  // its error is returned.
  absl::Status CheckCommits();
  // On the committer's thread: counts, logs and publishes stored rows.
  void Committed(const EventBatch& stored);
  // CANCELLED after RequestStop().
  absl::Status Stopped() const;

  const uint32_t adapter_;
  transport::Transport* const transport_;
  PassthruSerializer* const serializer_;
  store::Store* const store_;
  const Publish publish_;
  sys::Logger* const logger_;
  std::atomic<bool> stopping_{false};

  bool attached_ = false;  // log_id_/seq_base_ are known
  uint64_t log_id_ = 0;
  uint64_t seq_base_ = 0;
  uint64_t next_seq_ = 0;  // firmware seq accepted next (unstored included)
  EventBatch pending_;     // accepted, not yet handed to the committer

  mutable absl::Mutex stats_mu_;  // protects stats_ only; a leaf lock
  IngestStats stats_ ABSL_GUARDED_BY(stats_mu_);

  // Last: its thread calls Committed() until it is destroyed.
  EventCommitter committer_;
};

}  // namespace hbamgr::adapter

#endif  // HBAMGR_DAEMON_ADAPTER_EVENT_INGESTOR_H_
