#include "daemon/adapter/event_ingestor.h"

#include <algorithm>
#include <array>
#include <cstring>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"

namespace hbamgr::adapter {
namespace {

// Start() calls CatchUp() at most this often: a full log takes one call.
constexpr int kMaxStartCalls = 4;
// Records read from the ring per transport call.
constexpr size_t kDrainChunk = 64;

PassthruCommand EvtlogCommand(uint32_t opcode, uint32_t data_len) {
  PassthruCommand command;
  hbamgr_passthru& pt = command.pt;
  pt.type = HBAMGR_PT_MGMT;
  pt.dir = HBAMGR_DIR_FROM_DEV;
  pt.opcode = opcode;
  pt.data_len = data_len;
  return command;
}

PassthruCommand EvtlogGet(uint64_t start_seq) {
  PassthruCommand command =
      EvtlogCommand(HBAMGR_MGMT_EVTLOG_GET, EventIngestor::kBackfillBatch * sizeof(hbamgr_event));
  hbamgr_passthru& pt = command.pt;
  hbamgr_mbox_evtlog mbox{};
  mbox.start_seq = start_seq;
  mbox.max_records = EventIngestor::kBackfillBatch;
  static_assert(sizeof(mbox) == sizeof(pt.cdb));
  std::memcpy(pt.cdb, &mbox, sizeof(mbox));
  return command;
}

absl::Status FirmwareFailed(const PassthruResult& result, const std::string& what) {
  if (!result.status.ok()) {
    return absl::Status(result.status.code(), absl::StrCat(what, ": ", result.status.message()));
  }
  return absl::InternalError(
      absl::StrCat(what, " failed: firmware status ", result.command.pt.status));
}

}  // namespace

EventIngestor::EventIngestor(uint32_t adapter, transport::Transport* transport,
                             PassthruSerializer* serializer, store::Store* store, Publish publish,
                             sys::Logger* logger)
    : adapter_(adapter),
      transport_(transport),
      serializer_(serializer),
      store_(store),
      publish_(std::move(publish)),
      logger_(logger),
      committer_(store, kMaxUnstoredEvents,
                 [this](const EventBatch& stored) { Committed(stored); }) {}

void EventIngestor::RequestStop() {
  stopping_ = true;
  committer_.RequestStop();
}

absl::Status EventIngestor::Stopped() const {
  if (stopping_) return absl::CancelledError("event ingestion stopped: daemon shutting down");
  return absl::OkStatus();
}

absl::StatusOr<hbamgr_evtlog_info> EventIngestor::LogInfo() {
  PassthruResult result =
      serializer_->Run(kClient, absl::Now() + kCommandDeadline,
                       EvtlogCommand(HBAMGR_MGMT_EVTLOG_INFO, sizeof(hbamgr_evtlog_info)));
  if (!result.status.ok() || result.command.pt.status != HBAMGR_ST_OK) {
    return FirmwareFailed(result, "EVTLOG_INFO");
  }
  hbamgr_evtlog_info info;
  std::memcpy(&info, result.command.data.data(), sizeof(info));
  {
    absl::MutexLock lock(&stats_mu_);
    ++stats_.log_checks;
    stats_.log_newest_seq = info.newest_seq;
  }
  return info;
}

absl::StatusOr<std::vector<hbamgr_event>> EventIngestor::Fetch(uint64_t start_seq) {
  const std::string what = absl::StrCat("EVTLOG_GET from seq ", start_seq);
  PassthruResult result =
      serializer_->Run(kClient, absl::Now() + kCommandDeadline, EvtlogGet(start_seq));
  const hbamgr_passthru& pt = result.command.pt;
  if (!result.status.ok() || pt.status != HBAMGR_ST_OK) return FirmwareFailed(result, what);
  if (pt.result > kBackfillBatch) {
    return absl::DataLossError(absl::StrCat(what, ": the firmware returned ", pt.result,
                                            " records, more than the ", kBackfillBatch, " asked"));
  }
  std::vector<hbamgr_event> records(pt.result);
  std::memcpy(records.data(), result.command.data.data(), records.size() * sizeof(hbamgr_event));
  for (size_t i = 0; i < records.size(); ++i) {
    if (records[i].type != HBAMGR_EVT_TYPE_RECORD) {
      return absl::DataLossError(
          absl::StrCat(what, ": record ", i, " has type ", records[i].type, ", not a record"));
    }
    if (i > 0 && records[i].seq <= records[i - 1].seq) {
      return absl::DataLossError(absl::StrCat(what, ": record ", i, " has seq ", records[i].seq,
                                              " after seq ", records[i - 1].seq));
    }
  }
  return records;
}

absl::Status EventIngestor::Attach(const hbamgr_evtlog_info& info) {
  absl::StatusOr<uint64_t> last = store_->LastEventSeq(adapter_);
  if (!last.ok()) return last.status();
  absl::StatusOr<std::optional<store::EventLog>> known =
      store_->FindEventLog(adapter_, info.log_id);
  if (!known.ok()) return known.status();
  store::EventLog log{.log_id = info.log_id};
  if (*known) {
    log = **known;
  } else {
    absl::StatusOr<std::optional<store::EventLog>> previous =
        store_->FindEventLog(adapter_, std::nullopt);
    if (!previous.ok()) return previous.status();
    if (*previous || info.newest_seq < *last) {
      // A new log: its records come after everything stored.
      log.seq_base = std::max(*last, *previous ? (*previous)->seq_base : 0);
    }
    // Otherwise the stored events (if any) came from this log before logs
    // were recorded (schema version 2): seq_base 0 keeps reading after them.
    if (absl::Status s = store_->AddEventLog(adapter_, log); !s.ok()) return s;
  }
  const uint64_t last_fw = log.LastFirmwareSeq(*last);
  log_id_ = log.log_id;
  seq_base_ = log.seq_base;
  // With events of this adapter stored, every seq of this log is expected
  // (a log starts at 1), and so is every seq of a log still empty; a log
  // met with an empty store is read from its oldest record.
  next_seq_ = last_fw != 0 ? last_fw + 1 : (*last != 0 || info.newest_seq == 0 ? 1 : 0);
  attached_ = true;
  absl::MutexLock lock(&stats_mu_);
  stats_.log_id = log_id_;
  stats_.seq_base = seq_base_;
  stats_.next_seq = next_seq_;
  return absl::OkStatus();
}

absl::Status EventIngestor::Start() {
  for (int i = 0; i < kMaxStartCalls; ++i) {
    absl::StatusOr<bool> more = CatchUp();
    if (!more.ok()) return more.status();
    if (!*more) break;
  }
  return Sync();  // the event loop goes on with the rest
}

absl::Status EventIngestor::Sync() {
  Flush();
  committer_.WaitIdle();
  if (absl::Status s = CheckCommits(); !s.ok()) return s;
  return Stopped();
}

bool EventIngestor::WaitForRoom(size_t rows) {
  Flush();
  return committer_.WaitForRoom(rows, kRoomWait);
}

absl::Status EventIngestor::CheckCommits() {
  std::optional<CommitFailure> failure = committer_.TakeFailure();
  if (!failure) return absl::OkStatus();
  // Nothing after the failed commit was stored: read it all again.
  next_seq_ = failure->first_seq;
  pending_.Clear();
  absl::MutexLock lock(&stats_mu_);
  ++stats_.store_failures;
  return failure->status;
}

absl::StatusOr<EventIngestor::Drained> EventIngestor::Drain() {
  std::array<hbamgr_event, kDrainChunk> records;
  Drained out;
  bool& need_log = out.need_log;
  while (out.records < kMaxDrainRecords) {
    if (absl::Status s = Stopped(); !s.ok()) return s;
    if (absl::Status s = CheckCommits(); !s.ok()) return s;
    if (!WaitForRoom(records.size())) {
      // The store is behind: the rest waits in the ring and the log.
      if (absl::Status s = CheckCommits(); !s.ok()) return s;
      need_log = true;
      return out;
    }
    absl::StatusOr<size_t> n = transport_->ReadEvents(records);
    if (!n.ok()) return n.status();
    if (*n == 0) return out;
    out.records += *n;
    if (!store_->WriteFault().ok()) {
      // The store cannot take them: they wait in the firmware log, read
      // from there once it can (memory stays bounded by one read).
      need_log = true;
      continue;
    }
    uint64_t duplicates = 0;
    for (size_t i = 0; i < *n; ++i) {
      const hbamgr_event& ev = records[i];
      if (ev.type == HBAMGR_EVT_TYPE_RECORD && next_seq_ != 0 && ev.seq == next_seq_) {
        Accept(ev, /*backfilled=*/false);
      } else if (ev.type == HBAMGR_EVT_TYPE_RECORD && next_seq_ != 0 && ev.seq < next_seq_) {
        ++duplicates;
      } else {
        // An overflow record, a seq beyond the next one, or no seq known yet:
        // the log has what the ring does not.  Later records of this read
        // are in the log too.
        if (!need_log) {
          absl::MutexLock lock(&stats_mu_);
          ++stats_.gaps;
        }
        need_log = true;
      }
    }
    if (duplicates != 0) {
      absl::MutexLock lock(&stats_mu_);
      stats_.duplicates += duplicates;
    }
    Flush();
  }
  need_log = true;  // more queued than one call takes: the log has them all
  return out;
}

absl::StatusOr<bool> EventIngestor::CatchUp() {
  if (absl::Status s = Stopped(); !s.ok()) return s;
  if (absl::Status s = CheckCommits(); !s.ok()) return s;
  absl::StatusOr<hbamgr_evtlog_info> info = LogInfo();
  if (!info.ok()) return info.status();
  // While the store cannot write, the log is only looked at (its newest seq
  // tells how much waits there): the events stay in it.
  if (absl::Status fault = store_->WriteFault(); !fault.ok()) return fault;
  if (!attached_ || info->log_id != log_id_) {
    // A new log is placed after everything stored: the old one's records
    // must be stored first.
    if (absl::Status s = Sync(); !s.ok()) return s;
    if (absl::Status s = Attach(*info); !s.ok()) return s;
  }
  if (next_seq_ > info->newest_seq + 1) {
    return absl::FailedPreconditionError(
        absl::StrCat("firmware event log ", log_id_, " reports newest seq ", info->newest_seq,
                     " but seq ", next_seq_ - 1, " of it is stored"));
  }
  if (info->newest_seq == 0 || info->newest_seq < next_seq_) return false;  // nothing new
  // Seqs older than the log's oldest are recorded lost by the first fetch,
  // which answers from the oldest.
  // Hands what was accepted to the committer before returning `more`.
  auto done = [this](bool more) -> absl::StatusOr<bool> {
    Flush();
    return more;
  };
  for (int fetch = 0; fetch < kMaxFetchesPerCall; ++fetch) {
    if (absl::Status s = Stopped(); !s.ok()) return s;
    // Room for a batch and a loss record before it; without it the log
    // keeps what is left for the next call.
    if (!WaitForRoom(kBackfillBatch + 1)) {
      if (absl::Status s = CheckCommits(); !s.ok()) return s;
      if (absl::Status s = Stopped(); !s.ok()) return s;
      return done(true);
    }
    const uint64_t before = next_seq_;
    absl::StatusOr<std::vector<hbamgr_event>> records = Fetch(before == 0 ? 1 : before);
    if (!records.ok()) return records.status();
    if (records->empty()) {
      if (before == 0 || before > info->newest_seq) return done(false);  // reached the newest
      // The log said it held `before`: overwritten since?
      info = LogInfo();
      if (!info.ok()) return info.status();
      if (info->log_id != log_id_ || info->oldest_seq <= before) {
        return absl::DataLossError(absl::StrCat(
            "firmware event log ", log_id_, " holds seqs ", info->oldest_seq, "..",
            info->newest_seq, " but EVTLOG_GET from seq ", before, " returned no record"));
      }
      RecordLoss(before, info->oldest_seq - 1, "overwritten in the firmware log");
      continue;
    }
    bool hole = false;
    for (const hbamgr_event& ev : *records) {
      if (next_seq_ != 0 && ev.seq < next_seq_) continue;
      if (next_seq_ != 0 && ev.seq > next_seq_) {
        // A gap after records accepted from this answer: the next fetch
        // starts at it, so one fetch adds at most one loss record.
        if (next_seq_ != before) {
          hole = true;
          break;
        }
        RecordLoss(next_seq_, ev.seq - 1, "overwritten in the firmware log");
      }
      Accept(ev, /*backfilled=*/true);
    }
    if (next_seq_ == before) {
      return absl::DataLossError(
          absl::StrCat("firmware EVTLOG_GET from seq ", before, " returned only older records"));
    }
    Flush();
    if (!hole && records->size() < kBackfillBatch) return false;  // reached the newest
  }
  return done(true);
}

void EventIngestor::Accept(const hbamgr_event& ev, bool backfilled) {
  if (pending_.rows.empty()) pending_.first_seq = ev.seq;
  store::EventRow row = store::EventRow::FromUapi(adapter_, ev);
  row.seq += seq_base_;
  pending_.rows.push_back(std::move(row));
  next_seq_ = ev.seq + 1;
  if (backfilled) ++pending_.backfilled;
}

void EventIngestor::RecordLoss(uint64_t first, uint64_t last, const char* why) {
  const uint64_t count = last - first + 1;
  if (pending_.rows.empty()) pending_.first_seq = first;
  store::EventRow row;
  row.adapter = adapter_;
  row.seq = first + seq_base_;
  row.timestamp_ns = static_cast<uint64_t>(absl::GetCurrentTimeNanos());
  row.type = HBAMGR_EVT_TYPE_RECORD;
  row.event_class = HBAMGR_EVC_CTRL;
  row.severity = HBAMGR_SEV_WARNING;
  row.code = HBAMGR_EVT_HOST_EVENTS_LOST;
  row.encl_id = row.slot = row.pd_id = row.vd_id = HBAMGR_ID_NONE;
  row.arg0 = static_cast<uint32_t>(count);
  row.arg1 = static_cast<uint32_t>(count >> 32);
  row.description = count == 1
                        ? absl::StrCat("event ", row.seq, " lost: ", why)
                        : absl::StrCat("events ", row.seq, "-", last + seq_base_, " lost: ", why);
  pending_.rows.push_back(std::move(row));
  pending_.lost += count;
  ++pending_.loss_records;
  next_seq_ = last + 1;
}

void EventIngestor::Flush() {
  if (pending_.rows.empty()) return;
  pending_.next_seq = next_seq_;
  committer_.Queue(pending_);
}

void EventIngestor::Committed(const EventBatch& stored) {
  {
    absl::MutexLock lock(&stats_mu_);
    stats_.stored += stored.rows.size();
    stats_.backfilled += stored.backfilled;
    stats_.lost += stored.lost;
    stats_.loss_records += stored.loss_records;
    stats_.next_seq = stored.next_seq;
  }
  if (logger_ != nullptr && stored.loss_records != 0) {
    for (const store::EventRow& row : stored.rows) {
      if (row.code != HBAMGR_EVT_HOST_EVENTS_LOST) continue;
      logger_->Log(sys::LogLevel::kWarning, row.description,
                   {{"ADAPTER_INDEX", absl::StrCat(adapter_)},
                    {"FIRST_LOST_SEQ", absl::StrCat(row.seq)},
                    {"LOST", absl::StrCat(uint64_t{row.arg0} | uint64_t{row.arg1} << 32)}});
    }
  }
  if (publish_) publish_(stored.rows);
}

IngestStats EventIngestor::stats() const {
  IngestStats stats;
  {
    absl::MutexLock lock(&stats_mu_);
    stats = stats_;
  }
  stats.unstored = committer_.unstored();
  return stats;
}

}  // namespace hbamgr::adapter
