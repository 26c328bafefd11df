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
#include "daemon/adapter/event_hub.h"
#include "daemon/service/env.h"
#include "daemon/service/server_write_stream.h"
#include "hbamgr/v1/events.pb.h"

namespace grpc {
class CallbackServerContext;
}

namespace hbamgr::service {

class SubscribeStream final : public ServerWriteStream<v1::SubscribeResponse, store::EventRow> {
 public:
  static constexpr uint32_t kReplayPage = 256;

  SubscribeStream(const ServiceEnv& env, grpc::CallbackServerContext* ctx,
                  const v1::SubscribeRequest& request);

 private:
  std::optional<grpc::Status> Refill(std::deque<store::EventRow>* pending) override
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void Fill(const store::EventRow& row, v1::SubscribeResponse* response) override
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void Unsubscribe() override;

  const ServiceEnv& env_;
  std::shared_ptr<adapter::Subscription> subscription_;
  adapter::EventFilter filter_;

  // Lock order: Subscription's notify lock -> mu_ -> Subscription's queue.
  bool replaying_ ABSL_GUARDED_BY(mu_) = false;
  uint64_t cursor_ ABSL_GUARDED_BY(mu_) = 0;  // next seq wanted (replay mode)
};

}  // namespace hbamgr::service

#endif  // HBAMGR_DAEMON_SERVICE_SUBSCRIBE_STREAM_H_
