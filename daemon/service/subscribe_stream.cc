#include "daemon/service/subscribe_stream.h"

#include "absl/strings/str_cat.h"
#include "daemon/service/convert.h"
#include "daemon/service/validate.h"
#include "grpcpp/server_context.h"

namespace hbamgr::service {

SubscribeStream::SubscribeStream(const ServiceEnv& env, grpc::CallbackServerContext* ctx,
                                 const v1::SubscribeRequest& request)
    : env_(env) {
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

void SubscribeStream::Pump() {
  if (writing_ || finishing_) return;
  while (pending_.empty() && replaying_) {
    store::EventQuery query;
    query.adapter = filter_.adapter;
    if (filter_.min_severity != 0) query.min_severity = filter_.min_severity;
    query.event_class = filter_.event_class;
    query.min_seq = cursor_;
    query.limit = kReplayPage;
    absl::StatusOr<std::vector<store::EventRow>> rows = env_.store->QueryEvents(query);
    if (!rows.ok()) {
      FinishOnce(ToGrpc(rows.status()));
      return;
    }
    if (rows->size() < kReplayPage) replaying_ = false;  // the rest is live
    for (auto& row : *rows) pending_.push_back(std::move(row));
    if (rows->empty()) break;
  }
  if (pending_.empty() && subscription_ != nullptr) {
    for (auto& row : subscription_->Take()) {
      if (filter_.adapter && row.seq < cursor_) continue;  // replayed already
      pending_.push_back(std::move(row));
    }
  }
  if (!pending_.empty()) {
    store::EventRow row = std::move(pending_.front());
    pending_.pop_front();
    Write(row);
    return;
  }
  if (subscription_ != nullptr && subscription_->overflowed()) {
    FinishOnce(grpc::Status(
        grpc::StatusCode::RESOURCE_EXHAUSTED,
        "subscriber fell too far behind; subscribe again with from_seq = last seq + 1"));
  }
}

void SubscribeStream::Write(const store::EventRow& row) {
  if (filter_.adapter) cursor_ = row.seq + 1;
  response_.Clear();
  FillEvent(adapter::AdapterName(row.adapter), row, response_.mutable_event());
  writing_ = true;
  StartWrite(&response_);
}

void SubscribeStream::FinishOnce(const grpc::Status& status) {
  if (finishing_) return;
  finishing_ = true;
  if (writing_) {
    finish_after_write_ = status;
  } else {
    Finish(status);
  }
}

void SubscribeStream::OnWriteDone(bool ok) {
  absl::MutexLock lock(&mu_);
  writing_ = false;
  if (finish_after_write_) {
    Finish(*finish_after_write_);
    finish_after_write_.reset();
    return;
  }
  if (!ok) {
    FinishOnce(grpc::Status(grpc::StatusCode::CANCELLED, "subscriber went away"));
    return;
  }
  Pump();
}

void SubscribeStream::OnCancel() {
  absl::MutexLock lock(&mu_);
  FinishOnce(grpc::Status(grpc::StatusCode::CANCELLED, "subscriber went away"));
}

void SubscribeStream::OnDone() {
  if (subscription_ != nullptr) env_.hub->Unsubscribe(subscription_);  // no notify after this
  { absl::MutexLock lock(&mu_); }  // a Pump in progress has left
  delete this;
}

}  // namespace hbamgr::service
