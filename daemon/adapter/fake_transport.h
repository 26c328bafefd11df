// A scriptable Transport for daemon unit tests: a firmware event log and an
// event ring fed by the test, commands that can be held at a gate, answered
// with EAGAIN, or handled by a test function.
#ifndef HBAMGR_DAEMON_ADAPTER_FAKE_TRANSPORT_H_
#define HBAMGR_DAEMON_ADAPTER_FAKE_TRANSPORT_H_

#include <cstdint>
#include <deque>
#include <functional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "daemon/transport/transport.h"

namespace hbamgr::adapter {

// A firmware event with the given seq (code PD_TEMPERATURE, arg0 = seq).
hbamgr_event MakeEvent(uint64_t seq);

class FakeTransport final : public transport::Transport {
 public:
  FakeTransport();
  ~FakeTransport() override;

  const std::string& device() const override { return device_; }
  absl::Status GetInfo(hbamgr_info* info) override;
  // EVTLOG_INFO / EVTLOG_GET are answered from the log; everything else by
  // the handler (default: status OK).  Held at the gate while it is closed;
  // answered EAGAIN while eagain_left > 0.
  absl::Status Passthru(hbamgr_passthru* pt) override;
  absl::Status Reset(hbamgr_reset* reset) override;
  absl::StatusOr<size_t> ReadEvents(std::span<hbamgr_event> out) override;
  int event_fd() const override { return event_fd_; }

  void SetHandler(std::function<void(hbamgr_passthru*)> handler);
  // Answers EVTLOG_INFO / EVTLOG_GET instead of the log (a firmware that
  // answers nonsense); nullptr: the log answers again.
  void SetEvtlogHandler(std::function<void(hbamgr_passthru*)> handler);
  // Answers an EVTLOG command from the log (for an EVTLOG handler).
  void AnswerFromLog(hbamgr_passthru* pt);
  void CloseGate();
  void OpenGate();
  void FailWithEagain(int times);
  void SetState(uint32_t state);
  // Commands that entered Passthru (EVTLOG ones too), in order.
  std::vector<hbamgr_passthru> started() const;
  // Waits until `n` commands entered Passthru; false at the deadline.
  bool WaitForStarted(size_t n, absl::Duration timeout) const;

  // The firmware log keeps the newest `capacity` events.
  void SetLogCapacity(size_t capacity);
  // Replaces the log with an empty one called `log_id` (EVTLOG_INFO), as a
  // module reload does; the ring is kept.
  void NewLog(uint64_t log_id);
  void Log(const hbamgr_event& ev);
  // Queues a record for ReadEvents and makes event_fd readable.
  void Deliver(const hbamgr_event& ev);
  // Log() + Deliver().
  void Emit(const hbamgr_event& ev);

 private:
  void AnswerEvtlog(hbamgr_passthru* pt) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const std::string device_ = "fake:0";
  const int event_fd_;  // eventfd, counter > 0 while ring_ is not empty

  mutable absl::Mutex mu_;  // protects everything below; a leaf lock
  std::function<void(hbamgr_passthru*)> handler_ ABSL_GUARDED_BY(mu_);
  std::function<void(hbamgr_passthru*)> evtlog_handler_ ABSL_GUARDED_BY(mu_);
  bool gate_open_ ABSL_GUARDED_BY(mu_) = true;
  int eagain_left_ ABSL_GUARDED_BY(mu_) = 0;
  uint32_t state_ ABSL_GUARDED_BY(mu_) = HBAMGR_STATE_LIVE;
  std::vector<hbamgr_passthru> started_ ABSL_GUARDED_BY(mu_);
  size_t log_capacity_ ABSL_GUARDED_BY(mu_) = 1024;
  uint64_t log_id_ ABSL_GUARDED_BY(mu_) = 1;
  std::deque<hbamgr_event> log_ ABSL_GUARDED_BY(mu_);
  std::deque<hbamgr_event> ring_ ABSL_GUARDED_BY(mu_);
};

}  // namespace hbamgr::adapter

#endif  // HBAMGR_DAEMON_ADAPTER_FAKE_TRANSPORT_H_
