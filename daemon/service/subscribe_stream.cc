#include "daemon/service/subscribe_stream.h"

#include "absl/strings/str_cat.h"
#include "daemon/service/convert.h"
#include "daemon/service/validate.h"
#include "grpcpp/server_context.h"

namespace hbamgr::service {

SubscribeStream::SubscribeStream(const ServiceEnv& env, grpc::CallbackServerContext* ctx,
                                 const v1::SubscribeRequest& request)
    : ServerWriteStream("subscriber went away"), env_(env) {
  absl::MutexLock lock(&mu_);
  if (absl::Status s = env.authorizer->Authorize(*ctx, server::Privilege::kRead); !s.ok()) {
    FinishOnce(ToGrpc(s));
    return;
  }
  if (absl::Status s = CheckEventFilterEnums("", request.min_severity(), request.event_class());
      !s.ok()) {
    FinishOnce(ToGrpc(s));
    return;
  }
  if (!request.adapter().empty()) {
    auto adapter = env.FindAdapter(request.adapter());
    if (!adapter.ok()) {
      FinishOnce(ToGrpc(adapter.status()));
      return;
    }
    filter_.adapter = (*adapter)->index();
  } else if (request.has_from_seq()) {
    FinishOnce(grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                            "from_seq needs an adapter: sequence numbers are per adapter"));
    return;
  }
  filter_.min_severity = ToAbiSeverity(request.min_severity()).value_or(0);
  filter_.event_class = ToAbiEventClass(request.event_class());
  if (request.has_from_seq()) {
    replaying_ = true;
    cursor_ = request.from_seq();
  }
  subscription_ = env.hub->Subscribe(filter_, [this] {
    absl::MutexLock lock(&mu_);
    Pump();
  });
  Pump();
}

std::optional<grpc::Status> SubscribeStream::Refill(std::deque<store::EventRow>* pending) {
  while (pending->empty() && replaying_) {
    store::EventQuery query;
    query.adapter = filter_.adapter;
    if (filter_.min_severity != 0) query.min_severity = filter_.min_severity;
    query.event_class = filter_.event_class;
    query.min_seq = cursor_;
    query.limit = kReplayPage;
    absl::StatusOr<std::vector<store::EventRow>> rows = env_.store->QueryEvents(query);
    if (!rows.ok()) return ToGrpc(rows.status());
    if (rows->size() < kReplayPage) replaying_ = false;  // the rest is live
    for (auto& row : *rows) pending->push_back(std::move(row));
    if (rows->empty()) break;
  }
  if (pending->empty() && subscription_ != nullptr) {
    for (auto& row : subscription_->Take()) {
      if (filter_.adapter && row.seq < cursor_) continue;  // replayed already
      pending->push_back(std::move(row));
    }
  }
  if (subscription_ != nullptr && subscription_->overflowed()) {
    return grpc::Status(
        grpc::StatusCode::RESOURCE_EXHAUSTED,
        "subscriber fell too far behind; subscribe again with from_seq = last seq + 1");
  }
  return std::nullopt;
}

void SubscribeStream::Fill(const store::EventRow& row, v1::SubscribeResponse* response) {
  if (filter_.adapter) cursor_ = row.seq + 1;
  FillEvent(adapter::AdapterName(row.adapter), row, response->mutable_event());
}

void SubscribeStream::Unsubscribe() {
  if (subscription_ != nullptr) env_.hub->Unsubscribe(subscription_);  // no notify after this
}

}  // namespace hbamgr::service
