// Event ingestion for one adapter: reads the records the driver queued for
// the daemon's open file, detects sequence gaps (an overflow record, or a
// seq beyond the next expected one) and backfills them from the firmware
// event log (HBAMGR_MGMT_EVTLOG_GET), so that the store holds every seq
// exactly once and in order.  Firmware seqs only compare within one log
// (EVTLOG_INFO log_id; hbamgr.ko starts a new log at seq 1 on every module
// load): each log gets a seq_base in the store, and a record is stored as
// firmware seq + seq_base, after every record of the logs before it.  Stored rows are then
// published (fan-out to subscribers): store first, so a subscriber that reads the store and then
// follows the live feed misses nothing.
#ifndef HBAMGR_DAEMON_ADAPTER_EVENT_INGESTOR_H_
#define HBAMGR_DAEMON_ADAPTER_EVENT_INGESTOR_H_

#include <cstdint>
#include <functional>
#include <span>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "daemon/adapter/passthru_serializer.h"
#include "daemon/store/store.h"
#include "daemon/transport/transport.h"

namespace hbamgr::adapter {

struct IngestStats {
  uint64_t log_id = 0;      // the firmware log being read
  uint64_t seq_base = 0;    // its records are stored as seq + seq_base
  uint64_t next_seq = 0;    // next firmware seq expected (0: none seen yet)
  uint64_t stored = 0;      // rows added to the store
  uint64_t duplicates = 0;  // records already stored (seq below next_seq)
  uint64_t gaps = 0;        // overflow records and seq jumps seen
  uint64_t backfilled = 0;  // rows that came from the firmware event log
  uint64_t lost = 0;        // seqs the event log no longer held
};

// Not thread-safe except stats(): Start() and Drain() run on the adapter's
// event loop.
class EventIngestor {
 public:
  using Publish = std::function<void(std::span<const store::EventRow>)>;

  // The client name the ingestor's EVTLOG commands queue under.
  static constexpr char kClient[] = "daemon:events";
  // Records per EVTLOG_GET.
  static constexpr uint32_t kBackfillBatch = 128;

  EventIngestor(uint32_t adapter, transport::Transport* transport, PassthruSerializer* serializer,
                store::Store* store, Publish publish);

  // Continues from the store's last seq of this adapter: backfills from it
  // up to the newest record of the firmware log.  A log the store has not
  // seen (an empty store, a new log) is read from its oldest record.
  absl::Status Start();

  // Reads and ingests every queued record.  NOT_FOUND once the adapter is
  // removed.
  absl::Status Drain();

  // Ingests whatever the firmware log holds beyond the last record taken.
  absl::Status CatchUp();

  IngestStats stats() const;

 private:
  // Ingests log records from next_seq_ through `last` (inclusive).
  absl::Status Backfill(uint64_t last);
  // Accepts `ev` as the next seq (counting what the log lost before it).
  void Accept(const hbamgr_event& ev, bool backfilled);
  absl::Status Flush();
  // Finds the firmware's current log in the store, recording it when new;
  // `last` is the adapter's highest stored seq.
  absl::StatusOr<store::EventLog> AttachLog(uint64_t last);

  const uint32_t adapter_;
  transport::Transport* const transport_;
  PassthruSerializer* const serializer_;
  store::Store* const store_;
  const Publish publish_;

  uint64_t seq_base_ = 0;                 // of the log being read
  std::vector<store::EventRow> pending_;  // accepted, not yet stored

  mutable absl::Mutex stats_mu_;  // protects stats_ only; a leaf lock
  IngestStats stats_ ABSL_GUARDED_BY(stats_mu_);
};

}  // namespace hbamgr::adapter

#endif  // HBAMGR_DAEMON_ADAPTER_EVENT_INGESTOR_H_
