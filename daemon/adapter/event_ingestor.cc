#include "daemon/adapter/event_ingestor.h"

#include <algorithm>
#include <array>
#include <cstring>
#include <limits>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"

namespace hbamgr::adapter {
namespace {

constexpr absl::Duration kBackfillDeadline = absl::Seconds(30);
constexpr uint64_t kNoLimit = std::numeric_limits<uint64_t>::max();

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

}  // namespace

EventIngestor::EventIngestor(uint32_t adapter, transport::Transport* transport,
                             PassthruSerializer* serializer, store::Store* store, Publish publish)
    : adapter_(adapter),
      transport_(transport),
      serializer_(serializer),
      store_(store),
      publish_(std::move(publish)) {}

absl::StatusOr<store::EventLog> EventIngestor::AttachLog(uint64_t last) {
  PassthruResult result =
      serializer_->Run(kClient, absl::Now() + kBackfillDeadline,
                       EvtlogCommand(HBAMGR_MGMT_EVTLOG_INFO, sizeof(hbamgr_evtlog_info)));
  if (!result.status.ok()) return result.status;
  if (result.command.pt.status != HBAMGR_ST_OK) {
    return absl::InternalError(
        absl::StrCat("EVTLOG_INFO failed: firmware status ", result.command.pt.status));
  }
  hbamgr_evtlog_info info;
  std::memcpy(&info, result.command.data.data(), sizeof(info));

  absl::StatusOr<std::optional<store::EventLog>> known =
      store_->FindEventLog(adapter_, info.log_id);
  if (!known.ok()) return known.status();
  if (*known) return **known;
  absl::StatusOr<std::optional<store::EventLog>> previous =
      store_->FindEventLog(adapter_, std::nullopt);
  if (!previous.ok()) return previous.status();
  store::EventLog log{.log_id = info.log_id};
  if (*previous || info.newest_seq < last) {
    // A new log: its records come after everything stored.
    log.seq_base = std::max(last, *previous ? (*previous)->seq_base : 0);
  }
  // Otherwise the stored events (if any) came from this log before logs
  // were recorded (schema version 2): seq_base 0 keeps reading after them.
  if (absl::Status s = store_->AddEventLog(adapter_, log); !s.ok()) return s;
  return log;
}

absl::Status EventIngestor::Start() {
  absl::StatusOr<uint64_t> last = store_->LastEventSeq(adapter_);
  if (!last.ok()) return last.status();
  absl::StatusOr<store::EventLog> log = AttachLog(*last);
  if (!log.ok()) return log.status();
  const uint64_t last_fw = log->LastFirmwareSeq(*last);
  seq_base_ = log->seq_base;
  {
    absl::MutexLock lock(&stats_mu_);
    stats_.log_id = log->log_id;
    stats_.seq_base = log->seq_base;
    stats_.next_seq = last_fw == 0 ? 0 : last_fw + 1;
  }
  return Backfill(kNoLimit);
}

absl::Status EventIngestor::Drain() {
  std::array<hbamgr_event, 64> records;
  for (;;) {
    absl::StatusOr<size_t> n = transport_->ReadEvents(records);
    if (!n.ok()) return n.status();
    if (*n == 0) break;
    for (size_t i = 0; i < *n; ++i) {
      const hbamgr_event& ev = records[i];
      uint64_t next = stats().next_seq;
      if (ev.type == HBAMGR_EVT_TYPE_OVERFLOW) {
        // The ring dropped records: everything the log has from next on.
        {
          absl::MutexLock lock(&stats_mu_);
          ++stats_.gaps;
        }
        if (absl::Status s = Flush(); !s.ok()) return s;
        if (absl::Status s = Backfill(kNoLimit); !s.ok()) return s;
        continue;
      }
      if (next != 0 && ev.seq < next) {
        absl::MutexLock lock(&stats_mu_);
        ++stats_.duplicates;
        continue;
      }
      if (next != 0 && ev.seq > next) {
        {
          absl::MutexLock lock(&stats_mu_);
          ++stats_.gaps;
        }
        if (absl::Status s = Flush(); !s.ok()) return s;
        if (absl::Status s = Backfill(ev.seq - 1); !s.ok()) return s;
        if (ev.seq < stats().next_seq) continue;  // backfill went past it
      }
      Accept(ev, /*backfilled=*/false);
    }
    if (absl::Status s = Flush(); !s.ok()) return s;
  }
  return absl::OkStatus();
}

absl::Status EventIngestor::CatchUp() {
  if (absl::Status s = Flush(); !s.ok()) return s;
  return Backfill(kNoLimit);
}

absl::Status EventIngestor::Backfill(uint64_t last) {
  for (;;) {
    uint64_t next = stats().next_seq;
    if (next != 0 && next > last) return absl::OkStatus();
    PassthruResult result =
        serializer_->Run(kClient, absl::Now() + kBackfillDeadline, EvtlogGet(next == 0 ? 1 : next));
    if (!result.status.ok()) return result.status;
    const hbamgr_passthru& pt = result.command.pt;
    if (pt.status != HBAMGR_ST_OK) {
      return absl::InternalError(
          absl::StrCat("EVTLOG_GET from seq ", next, " failed: firmware status ", pt.status));
    }
    const uint32_t n = pt.result;
    const auto* records = reinterpret_cast<const hbamgr_event*>(result.command.data.data());
    for (uint32_t i = 0; i < n; ++i) {
      const hbamgr_event& ev = records[i];
      uint64_t expected = stats().next_seq;
      if (expected != 0 && ev.seq < expected) continue;
      if (ev.seq > last) break;
      Accept(ev, /*backfilled=*/true);
    }
    if (absl::Status s = Flush(); !s.ok()) return s;
    if (n < kBackfillBatch) return absl::OkStatus();  // reached the newest
  }
}

void EventIngestor::Accept(const hbamgr_event& ev, bool backfilled) {
  absl::MutexLock lock(&stats_mu_);
  if (stats_.next_seq != 0 && ev.seq > stats_.next_seq) {
    stats_.lost += ev.seq - stats_.next_seq;  // overwritten in the log
  }
  stats_.next_seq = ev.seq + 1;
  if (backfilled) ++stats_.backfilled;
  store::EventRow row = store::EventRow::FromUapi(adapter_, ev);
  row.seq += seq_base_;
  pending_.push_back(std::move(row));
}

absl::Status EventIngestor::Flush() {
  if (pending_.empty()) return absl::OkStatus();
  absl::StatusOr<size_t> added = store_->AddEvents(pending_);
  if (!added.ok()) return added.status();
  {
    absl::MutexLock lock(&stats_mu_);
    stats_.stored += *added;
  }
  if (publish_) publish_(pending_);
  pending_.clear();
  return absl::OkStatus();
}

IngestStats EventIngestor::stats() const {
  absl::MutexLock lock(&stats_mu_);
  return stats_;
}

}  // namespace hbamgr::adapter
