#include "daemon/adapter/fake_transport.h"

#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "absl/strings/str_format.h"

namespace hbamgr::adapter {

hbamgr_event MakeEvent(uint64_t seq) {
  hbamgr_event ev{};
  ev.seq = seq;
  ev.timestamp_ns = 1'000'000'000ULL * seq;
  ev.type = HBAMGR_EVT_TYPE_RECORD;
  ev.event_class = HBAMGR_EVC_PD;
  ev.severity = HBAMGR_SEV_INFO;
  ev.code = HBAMGR_EVT_PD_TEMPERATURE;
  ev.encl_id = 0;
  ev.slot = 1;
  ev.pd_id = 1;
  ev.vd_id = HBAMGR_ID_NONE;
  ev.arg0 = static_cast<uint32_t>(seq);
  absl::SNPrintF(ev.description, sizeof(ev.description), "event %d", seq);
  return ev;
}

FakeTransport::FakeTransport() : event_fd_(eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) {}

FakeTransport::~FakeTransport() { close(event_fd_); }

absl::Status FakeTransport::GetInfo(hbamgr_info* info) {
  absl::MutexLock lock(&mu_);
  *info = hbamgr_info{};
  info->size = sizeof(*info);
  info->abi_major = HBAMGR_ABI_MAJOR;
  info->state = state_;
  info->last_event_seq = log_.empty() ? 0 : log_.back().seq;
  return absl::OkStatus();
}

absl::Status FakeTransport::Passthru(hbamgr_passthru* pt) {
  std::function<void(hbamgr_passthru*)> handler;
  {
    absl::MutexLock lock(&mu_);
    started_.push_back(*pt);
    mu_.Await(absl::Condition(&gate_open_));
    if (eagain_left_ > 0) {
      --eagain_left_;
      return transport::ErrnoToStatus(EAGAIN, "fake passthru");
    }
    pt->status = HBAMGR_ST_OK;
    if (pt->type == HBAMGR_PT_MGMT &&
        (pt->opcode == HBAMGR_MGMT_EVTLOG_GET || pt->opcode == HBAMGR_MGMT_EVTLOG_INFO)) {
      if (!evtlog_handler_) {
        AnswerEvtlog(pt);
        return absl::OkStatus();
      }
      handler = evtlog_handler_;
    } else {
      handler = handler_;
    }
  }
  if (handler) handler(pt);
  return absl::OkStatus();
}

void FakeTransport::AnswerEvtlog(hbamgr_passthru* pt) {
  if (pt->opcode == HBAMGR_MGMT_EVTLOG_INFO) {
    hbamgr_evtlog_info info{};
    info.oldest_seq = log_.empty() ? 0 : log_.front().seq;
    info.newest_seq = log_.empty() ? 0 : log_.back().seq;
    info.capacity = static_cast<uint32_t>(log_capacity_);
    info.log_id = log_id_;
    std::memcpy(reinterpret_cast<void*>(pt->data_ptr), &info,
                std::min<size_t>(pt->data_len, sizeof(info)));
    pt->resid = pt->data_len - std::min<uint32_t>(pt->data_len, sizeof(info));
    return;
  }
  hbamgr_mbox_evtlog mbox;
  std::memcpy(&mbox, pt->cdb, sizeof(mbox));
  auto* out = reinterpret_cast<hbamgr_event*>(pt->data_ptr);
  uint32_t room = std::min<uint32_t>(mbox.max_records, pt->data_len / sizeof(hbamgr_event));
  uint32_t n = 0;
  for (const hbamgr_event& ev : log_) {
    if (n == room) break;
    if (ev.seq >= mbox.start_seq) out[n++] = ev;
  }
  pt->result = n;
  pt->resid = pt->data_len - n * sizeof(hbamgr_event);
}

absl::Status FakeTransport::Reset(hbamgr_reset* reset) {
  absl::MutexLock lock(&mu_);
  reset->state = state_;
  return absl::OkStatus();
}

absl::StatusOr<size_t> FakeTransport::ReadEvents(std::span<hbamgr_event> out) {
  absl::MutexLock lock(&mu_);
  size_t n = 0;
  while (n < out.size() && !ring_.empty()) {
    out[n++] = ring_.front();
    ring_.pop_front();
  }
  if (ring_.empty()) {
    uint64_t drained;
    while (read(event_fd_, &drained, sizeof(drained)) > 0) {
    }
  }
  return n;
}

void FakeTransport::SetHandler(std::function<void(hbamgr_passthru*)> handler) {
  absl::MutexLock lock(&mu_);
  handler_ = std::move(handler);
}

void FakeTransport::SetEvtlogHandler(std::function<void(hbamgr_passthru*)> handler) {
  absl::MutexLock lock(&mu_);
  evtlog_handler_ = std::move(handler);
}

void FakeTransport::AnswerFromLog(hbamgr_passthru* pt) {
  absl::MutexLock lock(&mu_);
  AnswerEvtlog(pt);
}

void FakeTransport::CloseGate() {
  absl::MutexLock lock(&mu_);
  gate_open_ = false;
}

void FakeTransport::OpenGate() {
  absl::MutexLock lock(&mu_);
  gate_open_ = true;
}

void FakeTransport::FailWithEagain(int times) {
  absl::MutexLock lock(&mu_);
  eagain_left_ = times;
}

void FakeTransport::SetState(uint32_t state) {
  absl::MutexLock lock(&mu_);
  state_ = state;
}

std::vector<hbamgr_passthru> FakeTransport::started() const {
  absl::MutexLock lock(&mu_);
  return started_;
}

bool FakeTransport::WaitForStarted(size_t n, absl::Duration timeout) const {
  absl::MutexLock lock(&mu_);
  struct Arg {
    const FakeTransport* self;
    size_t n;
  } arg{this, n};
  return mu_.AwaitWithTimeout(
      absl::Condition(
          +[](Arg* a) ABSL_NO_THREAD_SAFETY_ANALYSIS { return a->self->started_.size() >= a->n; },
          &arg),
      timeout);
}

void FakeTransport::SetLogCapacity(size_t capacity) {
  absl::MutexLock lock(&mu_);
  log_capacity_ = capacity;
}

void FakeTransport::NewLog(uint64_t log_id) {
  absl::MutexLock lock(&mu_);
  log_id_ = log_id;
  log_.clear();
}

void FakeTransport::Log(const hbamgr_event& ev) {
  absl::MutexLock lock(&mu_);
  log_.push_back(ev);
  while (log_.size() > log_capacity_) log_.pop_front();
}

void FakeTransport::Deliver(const hbamgr_event& ev) {
  absl::MutexLock lock(&mu_);
  ring_.push_back(ev);
  uint64_t one = 1;
  (void)!write(event_fd_, &one, sizeof(one));
}

void FakeTransport::Emit(const hbamgr_event& ev) {
  Log(ev);
  Deliver(ev);
}

}  // namespace hbamgr::adapter
