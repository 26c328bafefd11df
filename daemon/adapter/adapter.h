// The daemon's owner of one adapter: its transport, its passthrough
// serializer, and an event loop that polls the transport's event fd,
// reads events (gap detection, backfill; EventIngestor, whose committer
// thread stores them and fans them out) and watches the
// adapter state through GET_INFO: while the adapter is not LIVE (RESETTING,
// RECOVERING, DEAD) it is reported not serving, and serving again once LIVE.
// The passthrough queue keeps its requests across a reset (EAGAIN retried)
// and subscriptions keep going: the event ring survives the reset and any
// gap is backfilled from the firmware log.
//
// The firmware delivers an event only while a status-read buffer is posted,
// and logs every one; so no event waits for a later one, the loop also asks
// the firmware log for its newest seq (EventIngestor::CatchUp) without being
// woken: right after a gap, after a reset, after each batch read (at most
// every min_check_spacing), every pending_check while events may be pending
// (within pending_window of the last event seen), and every idle_check
// otherwise.
#ifndef HBAMGR_DAEMON_ADAPTER_ADAPTER_H_
#define HBAMGR_DAEMON_ADAPTER_ADAPTER_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "daemon/adapter/event_ingestor.h"
#include "daemon/adapter/passthru_serializer.h"
#include "daemon/store/store.h"
#include "daemon/sys/log.h"
#include "daemon/transport/transport.h"

namespace hbamgr::adapter {

// "c<index>", the adapter's name in the API.
std::string AdapterName(uint32_t index);
// "LIVE", "RESETTING", ... for enum hbamgr_state.
const char* AdapterStateName(uint32_t state);

struct AdapterOptions {
  uint32_t index = 0;
  size_t max_queued = 64;
  size_t max_queued_bytes = size_t{32} << 20;  // PassthruSerializer::Options
  // The loop wakes at least this often to check the state and beat.
  absl::Duration poll_interval = absl::Milliseconds(200);
  // Firmware log checks: the least time between two of them after batches,
  // how often while events may be pending, for how long after the last event
  // seen, and how often when idle.
  absl::Duration min_check_spacing = absl::Milliseconds(5);
  absl::Duration pending_check = absl::Milliseconds(50);
  absl::Duration pending_window = absl::Seconds(2);
  absl::Duration idle_check = absl::Seconds(5);
  // After a failed check (store or firmware error) the next one waits this.
  absl::Duration retry_after_error = absl::Seconds(1);
};

class Adapter {
 public:
  // serving: the adapter is LIVE.  Called from the adapter's loop (and from
  // Start), never concurrently for one adapter.
  using HealthListener = std::function<void(const Adapter& adapter, bool serving, uint32_t state,
                                            const std::string& reason)>;

  // Everything passed must outlive the Adapter.
  Adapter(AdapterOptions options, std::unique_ptr<transport::Transport> transport,
          store::Store* store, sys::Logger* logger, EventIngestor::Publish publish,
          HealthListener on_health);
  ~Adapter();  // Stop()
  Adapter(const Adapter&) = delete;
  Adapter& operator=(const Adapter&) = delete;

  // Reads the state, backfills events missed since the last run and starts
  // the event loop.  A failed backfill is logged and retried by the loop.
  absl::Status Start();
  // Makes the loop end soon (event ingestion stops between two commands);
  // passthrough keeps being served until Stop().  Idempotent.
  void RequestStop();
  // RequestStop(), answers queued passthrough UNAVAILABLE, waits for the
  // running command (bounded by its timeout), joins the loop and stores
  // what it read (at most EventIngestor::kMaxUnstoredEvents).  Idempotent.
  void Stop();

  uint32_t index() const { return options_.index; }
  const std::string& name() const { return name_; }
  transport::Transport& transport() { return *transport_; }
  PassthruSerializer& serializer() { return serializer_; }

  bool serving() const { return serving_.load(); }
  uint32_t state() const { return state_.load(); }
  // hbamgr_info.max_transfer as of the last GET_INFO; 0 before the first.
  uint32_t max_transfer() const { return max_transfer_.load(); }
  // When the loop last completed an iteration (the watchdog checks it).
  absl::Time last_beat() const;
  // The adapter went away (hot unplug); its loop has ended.
  bool removed() const { return removed_.load(); }
  IngestStats ingest_stats() const { return ingestor_.stats(); }

 private:
  void Loop();
  // GET_INFO; reports a serving change.
  void CheckState(const char* why);
  // Reads the firmware log when a check is due (see the class comment).
  void CheckLog(absl::Time now);
  // Logs an ingestion error, the same message at most once a minute.
  void LogIngestError(const char* what, const absl::Status& status);

  const AdapterOptions options_;
  const std::string name_;
  const std::unique_ptr<transport::Transport> transport_;
  sys::Logger* const logger_;
  const HealthListener on_health_;
  PassthruSerializer serializer_;
  EventIngestor ingestor_;

  std::atomic<bool> serving_{false};
  std::atomic<uint32_t> state_{HBAMGR_STATE_NEW};
  std::atomic<bool> reported_{false};      // on_health_ called at least once
  std::atomic<uint32_t> reset_count_{0};   // as of the last GET_INFO
  std::atomic<uint32_t> max_transfer_{0};  // as of the last GET_INFO
  std::atomic<int64_t> last_beat_ns_{0};
  std::atomic<bool> removed_{false};
  std::atomic<bool> stopping_{false};
  // Loop only:
  uint32_t caught_up_resets_ = 0;  // reset_count_ the event log was read after
  absl::Time log_check_due_ = absl::InfinitePast();
  absl::Time last_log_check_ = absl::InfinitePast();
  absl::Time pending_until_ = absl::InfinitePast();   // events may be pending until then
  absl::Time drain_retry_at_ = absl::InfinitePast();  // the event fd is polled from then
  std::string last_error_;
  absl::Time last_error_logged_ = absl::InfinitePast();

  int wake_fd_ = -1;  // eventfd: Stop() wakes the loop
  std::thread loop_;
};

}  // namespace hbamgr::adapter

#endif  // HBAMGR_DAEMON_ADAPTER_ADAPTER_H_
