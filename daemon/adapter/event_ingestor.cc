#include "daemon/adapter/event_ingestor.h"

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

PassthruCommand EvtlogGet(uint64_t start_seq) {
  PassthruCommand command;
  hbamgr_passthru& pt = command.pt;
  pt.type = HBAMGR_PT_MGMT;
  pt.dir = HBAMGR_DIR_FROM_DEV;
  pt.opcode = HBAMGR_MGMT_EVTLOG_GET;
  hbamgr_mbox_evtlog mbox{};
  mbox.start_seq = start_seq;
  mbox.max_records = EventIngestor::kBackfillBatch;
  static_assert(sizeof(mbox) == sizeof(pt.cdb));
  std::memcpy(pt.cdb, &mbox, sizeof(mbox));
  pt.data_len = EventIngestor::kBackfillBatch * sizeof(hbamgr_event);
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

absl::Status EventIngestor::Start() {
  absl::StatusOr<uint64_t> last = store_->LastEventSeq(adapter_);
  if (!last.ok()) return last.status();
  {
    absl::MutexLock lock(&stats_mu_);
    stats_.next_seq = *last == 0 ? 0 : *last + 1;
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
  pending_.push_back(store::EventRow::FromUapi(adapter_, ev));
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
