// One Subscribe stream.  With from_seq it first replays the store from that
// seq (in pages), then the live feed; the hub subscription is registered
// before the first store read and the ingestor stores before it publishes,
// so every event is in the store pages or in the live queue, and live rows
// below the replay cursor are dropped as duplicates.  A stream whose live
// queue overflows is sent what was queued and then ends RESOURCE_EXHAUSTED.
#ifndef HBAMGR_DAEMON_SERVICE_SUBSCRIBE_STREAM_H_
#define HBAMGR_DAEMON_SERVICE_SUBSCRIBE_STREAM_H_

#include <deque>
#include <memory>
#include <optional>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "daemon/adapter/event_hub.h"
#include "daemon/service/env.h"
#include "grpcpp/support/server_callback.h"
#include "hbamgr/v1/events.pb.h"

namespace grpc {
class CallbackServerContext;
}

namespace hbamgr::service {

class SubscribeStream final : public grpc::ServerWriteReactor<v1::SubscribeResponse> {
 public:
  static constexpr uint32_t kReplayPage = 256;

  SubscribeStream(const ServiceEnv& env, grpc::CallbackServerContext* ctx,
                  const v1::SubscribeRequest& request);

 private:
  // Starts the next write, or finishes; mu_ held.
  void Pump() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void FinishOnce(const grpc::Status& status) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void Write(const store::EventRow& row) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void OnWriteDone(bool ok) override;
  void OnCancel() override;
  void OnDone() override;

  const ServiceEnv& env_;
  std::shared_ptr<adapter::Subscription> subscription_;
  adapter::EventFilter filter_;

  // Lock order: Subscription's notify lock -> mu_ -> Subscription's queue.
  absl::Mutex mu_;  // protects everything below
  bool writing_ ABSL_GUARDED_BY(mu_) = false;
  bool finishing_ ABSL_GUARDED_BY(mu_) = false;
  std::optional<grpc::Status> finish_after_write_ ABSL_GUARDED_BY(mu_);
  bool replaying_ ABSL_GUARDED_BY(mu_) = false;
  uint64_t cursor_ ABSL_GUARDED_BY(mu_) = 0;  // next seq wanted (replay mode)
  std::deque<store::EventRow> pending_ ABSL_GUARDED_BY(mu_);
  v1::SubscribeResponse response_ ABSL_GUARDED_BY(mu_);
};

}  // namespace hbamgr::service

#endif  // HBAMGR_DAEMON_SERVICE_SUBSCRIBE_STREAM_H_
