// hbamgr.v1.Events: stored events (QueryEvents) and the live feed
// (Subscribe: optional replay from the store by seq, then live, with no gap
// and no duplicate).
#ifndef HBAMGR_DAEMON_SERVICE_EVENTS_SERVICE_H_
#define HBAMGR_DAEMON_SERVICE_EVENTS_SERVICE_H_

#include "daemon/service/env.h"
#include "hbamgr/v1/events.grpc.pb.h"

namespace hbamgr::service {

class EventsService final : public v1::Events::CallbackService {
 public:
  // Rows per QueryEvents answer at most (and when limit is 0).
  static constexpr uint32_t kMaxQueryRows = 10000;

  explicit EventsService(const ServiceEnv* env) : env_(*env) {}

  grpc::ServerUnaryReactor* QueryEvents(grpc::CallbackServerContext* ctx,
                                        const v1::QueryEventsRequest* request,
                                        v1::QueryEventsResponse* response) override;
  grpc::ServerWriteReactor<v1::SubscribeResponse>* Subscribe(
      grpc::CallbackServerContext* ctx, const v1::SubscribeRequest* request) override;

 private:
  const ServiceEnv& env_;
};

}  // namespace hbamgr::service

#endif  // HBAMGR_DAEMON_SERVICE_EVENTS_SERVICE_H_
