// The write side of a server-streaming call fed by a hub subscription: one
// message in flight at a time, a queue of items not yet written, and one
// Finish whatever ends the stream first (the feed, a failed write, the
// client cancelling).  Subclasses say where items come from (Refill), how an
// item becomes a message (Fill) and how to stop the feed (Unsubscribe); they
// call Pump() under mu_ when the feed has something new.
#ifndef HBAMGR_DAEMON_SERVICE_SERVER_WRITE_STREAM_H_
#define HBAMGR_DAEMON_SERVICE_SERVER_WRITE_STREAM_H_

#include <deque>
#include <optional>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "grpcpp/support/server_callback.h"
#include "grpcpp/support/status.h"

namespace hbamgr::service {

template <typename Response, typename Item>
class ServerWriteStream : public grpc::ServerWriteReactor<Response> {
 protected:
  // `gone` is the CANCELLED message when the client goes away.
  explicit ServerWriteStream(const char* gone) : gone_(gone) {}
  ~ServerWriteStream() override = default;

  // Adds what the feed has ready to `pending` (whose front is written next);
  // returns the status to end the stream with once nothing is pending.
  virtual std::optional<grpc::Status> Refill(std::deque<Item>* pending)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) = 0;
  // The message for `item`, into a cleared `response`.
  virtual void Fill(const Item& item, Response* response) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) = 0;
  // Stops the feed: no Pump from it after this returns.  Called without mu_.
  virtual void Unsubscribe() ABSL_LOCKS_EXCLUDED(mu_) = 0;

  // Starts the next write, or finishes; does nothing while a write is in
  // flight (its completion pumps again).
  void Pump() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (writing_ || finishing_) return;
    std::optional<grpc::Status> end = Refill(&pending_);
    if (!pending_.empty()) {
      Item item = std::move(pending_.front());
      pending_.pop_front();
      response_.Clear();
      Fill(item, &response_);
      writing_ = true;
      this->StartWrite(&response_);
      return;
    }
    if (end) FinishOnce(*end);
  }

  // Ends the stream with `status`, after the write in flight if there is one;
  // only the first call counts.
  void FinishOnce(const grpc::Status& status) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (finishing_) return;
    finishing_ = true;
    if (writing_) {
      finish_after_write_ = status;
    } else {
      this->Finish(status);
    }
  }

  absl::Mutex mu_;  // protects the subclass's feed state and everything below

 private:
  void OnWriteDone(bool ok) final {
    absl::MutexLock lock(&mu_);
    writing_ = false;
    if (finish_after_write_) {
      this->Finish(*finish_after_write_);
      finish_after_write_.reset();
      return;
    }
    if (!ok) {
      FinishOnce(grpc::Status(grpc::StatusCode::CANCELLED, gone_));
      return;
    }
    Pump();
  }

  void OnCancel() final {
    absl::MutexLock lock(&mu_);
    FinishOnce(grpc::Status(grpc::StatusCode::CANCELLED, gone_));
  }

  void OnDone() final {
    Unsubscribe();
    { absl::MutexLock lock(&mu_); }  // a Pump in progress has left
    delete this;
  }

  const char* const gone_;
  bool writing_ ABSL_GUARDED_BY(mu_) = false;
  bool finishing_ ABSL_GUARDED_BY(mu_) = false;
  std::optional<grpc::Status> finish_after_write_ ABSL_GUARDED_BY(mu_);
  std::deque<Item> pending_ ABSL_GUARDED_BY(mu_);
  Response response_ ABSL_GUARDED_BY(mu_);
};

}  // namespace hbamgr::service

#endif  // HBAMGR_DAEMON_SERVICE_SERVER_WRITE_STREAM_H_
