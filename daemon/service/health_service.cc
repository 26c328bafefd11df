#include "daemon/service/health_service.h"

#include <deque>
#include <memory>
#include <optional>

#include "absl/base/thread_annotations.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "daemon/health/model.h"
#include "daemon/service/convert.h"
#include "daemon/service/lookup.h"
#include "daemon/service/server_write_stream.h"
#include "daemon/service/unary_call.h"
#include "daemon/service/validate.h"
#include "grpcpp/server_context.h"

namespace hbamgr::service {
namespace {

using server::Privilege;

void AddReason(const std::string& object, const health::Reason& r,
               google::protobuf::RepeatedPtrField<v1::HealthReason>* out) {
  v1::HealthReason* reason = out->Add();
  reason->set_object(object);
  reason->set_condition(r.condition);
  reason->set_health(ToProtoHealth(r.health));
  reason->set_text(r.text);
}

std::string SmartStatus(const health::DriveLogPages& p) {
  if (!p.read) return "";
  if (p.ie_asc == 0) return "OK";
  return absl::StrFormat("FAILURE PREDICTED (ASC 0x%02x ASCQ 0x%02x)", p.ie_asc, p.ie_ascq);
}

const char* SelftestKind(uint8_t code) {
  return code == 2 || code == 6 ? "extended" : code == 1 || code == 5 ? "short" : "default";
}

// "short passed", "extended failed (result 7)", "short aborted (result 1)";
// "; extended in progress" added while one runs.
std::string LastSelftest(const health::DriveLogPages& p) {
  std::string text;
  if (p.last_selftest_code) {
    const char* kind = SelftestKind(*p.last_selftest_code);
    const uint8_t result = p.last_selftest_result.value_or(0);
    text = result == 0 ? absl::StrCat(kind, " passed")
           : health::DriveLogPages::SelftestFailed(result)
               ? absl::StrCat(kind, " failed (result ", result, ")")
               : absl::StrCat(kind, " aborted (result ", result, ")");
  }
  if (p.running_selftest_code) {
    absl::StrAppend(&text, text.empty() ? "" : "; ", SelftestKind(*p.running_selftest_code),
                    " in progress");
  }
  return text;
}

v1::ObjectHealth* AddObject(const std::string& path, const char* kind,
                            const health::ObjectHealth& h, const health::AlertCounts& alerts,
                            v1::AdapterHealth* out) {
  v1::ObjectHealth* o = out->add_objects();
  o->set_object(path);
  o->set_kind(kind);
  o->set_health(ToProtoHealth(h.health));
  for (const health::Reason& r : h.reasons) AddReason(path, r, o->mutable_reasons());
  o->set_open_alerts(alerts.total());
  return o;
}

v1::AlertNotificationKind ToProtoKind(health::NotificationKind kind) {
  switch (kind) {
    case health::NotificationKind::kRaised:
      return v1::ALERT_NOTIFICATION_KIND_RAISED;
    case health::NotificationKind::kReminder:
      return v1::ALERT_NOTIFICATION_KIND_REMINDER;
    case health::NotificationKind::kCleared:
      return v1::ALERT_NOTIFICATION_KIND_CLEARED;
    case health::NotificationKind::kTest:
      return v1::ALERT_NOTIFICATION_KIND_TEST;
  }
  return v1::ALERT_NOTIFICATION_KIND_UNSPECIFIED;
}

// One WatchAlerts stream: notifications from the AlertHub, written one at a
// time; a stream whose queue overflowed gets what was queued and then
// RESOURCE_EXHAUSTED.
class AlertStream final : public ServerWriteStream<v1::AlertNotification, health::Notification> {
 public:
  AlertStream(const ServiceEnv& env, grpc::CallbackServerContext* ctx,
              const v1::WatchAlertsRequest& request)
      : ServerWriteStream("watcher went away"), env_(env) {
    absl::Status refused = env.authorizer->Authorize(*ctx, Privilege::kRead);
    if (refused.ok() && !request.adapter().empty()) {
      refused = env.FindAdapter(request.adapter()).status();
    }
    if (!refused.ok()) {
      absl::MutexLock lock(&mu_);
      FinishOnce(ToGrpc(refused));
      return;
    }
    // Subscribed without mu_: the hub notifies with its lock held, then
    // takes mu_ (lock order hub -> mu_).
    auto subscription = env.alert_delivery->hub().Subscribe(request.adapter(), [this] {
      absl::MutexLock lock(&mu_);
      Pump();
    });
    absl::MutexLock lock(&mu_);
    subscription_ = std::move(subscription);
    Pump();
  }

 private:
  std::optional<grpc::Status> Refill(std::deque<health::Notification>* pending) override
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (subscription_ == nullptr) return std::nullopt;
    for (auto& n : subscription_->Take()) pending->push_back(std::move(n));
    if (!subscription_->overflowed()) return std::nullopt;
    return grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED,
                        "alert watcher fell too far behind; ListAlerts has the state");
  }
  void Fill(const health::Notification& n, v1::AlertNotification* response) override
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    response->set_kind(ToProtoKind(n.kind));
    FillAlert(n.adapter, n.alert, response->mutable_alert());
  }
  void Unsubscribe() override {
    std::shared_ptr<health::AlertHub::Subscription> subscription;
    {
      absl::MutexLock lock(&mu_);
      subscription = subscription_;
    }
    if (subscription != nullptr) env_.alert_delivery->hub().Unsubscribe(subscription);
  }

  const ServiceEnv& env_;
  // Lock order: the hub's lock -> mu_ -> the subscription's queue lock.
  std::shared_ptr<health::AlertHub::Subscription> subscription_ ABSL_GUARDED_BY(mu_);
};

}  // namespace

v1::HealthState ToProtoHealth(health::Health h) {
  switch (h) {
    case health::Health::kOk:
      return v1::HEALTH_STATE_OK;
    case health::Health::kWarning:
      return v1::HEALTH_STATE_WARNING;
    case health::Health::kCritical:
      return v1::HEALTH_STATE_CRITICAL;
    case health::Health::kFailed:
      return v1::HEALTH_STATE_FAILED;
  }
  return v1::HEALTH_STATE_UNSPECIFIED;
}

void FillAlert(const std::string& adapter, const store::AlertRow& row, v1::Alert* out) {
  out->set_id(static_cast<uint64_t>(row.id));
  out->set_adapter(adapter);
  out->set_object(row.object);
  out->set_condition(row.condition);
  out->set_severity(ToProtoHealth(static_cast<health::Health>(row.severity)));
  out->set_message(row.message);
  out->set_serial(row.serial);
  out->set_first_seen_ns(static_cast<uint64_t>(row.first_seen_ns));
  out->set_last_seen_ns(static_cast<uint64_t>(row.last_seen_ns));
  out->set_open(row.open());
  if (!row.open()) out->set_cleared_ns(static_cast<uint64_t>(row.cleared_ns));
  out->set_times_sent(row.times_sent);
  out->set_last_sent_ns(static_cast<uint64_t>(row.last_sent_ns));
  out->set_acknowledged_by(row.acked_by);
  if (!row.acked_by.empty()) out->set_acknowledged_ns(static_cast<uint64_t>(row.acked_ns));
}

absl::Status FillAdapterHealth(const health::AdapterSnapshot& snap, const std::string& object,
                               v1::AdapterHealth* out) {
  out->set_adapter(snap.name);
  out->set_health(ToProtoHealth(snap.health));
  // One object asked for: its reasons only.
  health::ForEachRolledUpReason(snap, [&](const std::string& path, const health::Reason& r) {
    if (object.empty() || object == path) AddReason(path, r, out->mutable_reasons());
  });
  out->set_polled_ns(static_cast<uint64_t>(absl::ToUnixNanos(snap.polled_at)));
  out->set_poll_error(snap.poll_error);
  out->set_open_alerts(snap.alerts.total());
  auto wanted = [&](const std::string& path) { return object.empty() || object == path; };
  bool found = object.empty();
  if (wanted(snap.path)) {
    found = true;
    AddObject(snap.path, "adapter", snap.own, snap.own_alerts, out);
  }
  for (const auto& e : snap.enclosures) {
    if (!wanted(e.path)) continue;
    found = true;
    AddObject(e.path, "enclosure", e.health, e.alerts, out);
  }
  for (const auto& d : snap.drives) {
    if (!wanted(d.path)) continue;
    found = true;
    v1::ObjectHealth* o = AddObject(d.path, "drive", d.health, d.alerts, out);
    o->set_serial(d.serial);
    o->set_model(d.model);
    if (d.info.state != HBAMGR_PD_MISSING) o->set_temperature_c(d.info.temperature_c);
    if (d.temperature_min_c) o->set_temperature_min_c(*d.temperature_min_c);
    if (d.temperature_max_c) o->set_temperature_max_c(*d.temperature_max_c);
    o->set_media_errors(d.info.media_errors);
    o->set_media_errors_growth(d.growth.media_errors);
    o->set_other_errors(d.info.other_errors);
    o->set_predictive_failures(d.info.predictive_failures);
    o->set_smart_status(SmartStatus(d.log_pages));
    o->set_last_selftest(LastSelftest(d.log_pages));
  }
  for (const auto& v : snap.virtual_drives) {
    if (!wanted(v.path)) continue;
    found = true;
    AddObject(v.path, "virtual_drive", v.health, v.alerts, out);
  }
  if (!found) {
    return absl::NotFoundError(absl::StrCat(snap.name, " has no object ", Echo(object),
                                            " (expected /cN, /cN/eE, /cN/eE/sS or /cN/vV)"));
  }
  return absl::OkStatus();
}

grpc::ServerUnaryReactor* HealthService::GetHealth(grpc::CallbackServerContext* ctx,
                                                   const v1::GetHealthRequest* request,
                                                   v1::GetHealthResponse* response) {
  return UnaryCall::Blocking(
      env_, ctx, Privilege::kRead, nullptr, [request, response](UnaryCall& call) -> absl::Status {
        const ServiceEnv& env = call.env();
        std::vector<std::shared_ptr<const health::AdapterSnapshot>> snaps;
        if (absl::Status s =
                CheckLength("object", request->object(), kMaxObjectPathBytes, "object paths");
            !s.ok()) {
          return s;
        }
        if (!request->adapter().empty()) {
          auto adapter = env.FindAdapter(request->adapter());
          if (!adapter.ok()) return adapter.status();
          auto snap = env.monitor->Find(request->adapter());
          if (snap == nullptr) {
            return absl::UnavailableError(
                absl::StrCat(request->adapter(), ": not read yet; try again in a moment"));
          }
          snaps.push_back(std::move(snap));
        } else {
          if (!request->object().empty()) {
            return absl::InvalidArgumentError("object needs an adapter");
          }
          snaps = env.monitor->Snapshots();
        }
        health::Health worst = health::Health::kOk;
        for (const auto& snap : snaps) {
          if (absl::Status s =
                  FillAdapterHealth(*snap, request->object(), response->add_adapters());
              !s.ok()) {
            return s;
          }
          worst = health::RollUp(worst, snap->health);
        }
        response->set_health(ToProtoHealth(worst));
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* HealthService::ListAlerts(grpc::CallbackServerContext* ctx,
                                                    const v1::ListAlertsRequest* request,
                                                    v1::ListAlertsResponse* response) {
  return UnaryCall::Blocking(
      env_, ctx, Privilege::kRead, nullptr, [request, response](UnaryCall& call) -> absl::Status {
        std::optional<uint32_t> index;
        if (!request->adapter().empty()) {
          auto adapter = call.env().FindAdapter(request->adapter());
          if (!adapter.ok()) return adapter.status();
          index = (*adapter)->index();
        }
        const uint32_t limit =
            request->limit() == 0 ? kMaxAlerts : std::min(request->limit(), kMaxAlerts);
        auto rows = call.env().alerts->List(index, request->include_cleared(), limit);
        if (!rows.ok()) return rows.status();
        for (const store::AlertRow& row : *rows) {
          FillAlert(adapter::AdapterName(row.adapter), row, response->add_alerts());
        }
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* HealthService::AcknowledgeAlert(
    grpc::CallbackServerContext* ctx, const v1::AcknowledgeAlertRequest* request,
    v1::Alert* response) {
  return UnaryCall::Blocking(
      env_, ctx, Privilege::kAdmin,
      Audit("/hbamgr.v1.Health/AcknowledgeAlert", AdapterPath(request->adapter()),
            absl::StrCat("alert=", request->id())),
      [request, response](UnaryCall& call) -> absl::Status {
        auto adapter = call.env().FindAdapter(request->adapter());
        if (!adapter.ok()) return adapter.status();
        if (request->id() == 0) return absl::InvalidArgumentError("alert id must be at least 1");
        // The store's ids are signed 64-bit: a larger one is not cut to a
        // negative id.
        if (absl::Status s =
                CheckAtMost("id", request->id(), uint64_t{INT64_MAX}, "alert ids are 63-bit");
            !s.ok()) {
          return s;
        }
        auto row = call.env().alerts->Acknowledge(
            (*adapter)->index(), static_cast<int64_t>(request->id()), call.caller(), absl::Now());
        if (!row.ok()) return row.status();
        FillAlert(request->adapter(), *row, response);
        return absl::OkStatus();
      });
}

grpc::ServerWriteReactor<v1::AlertNotification>* HealthService::WatchAlerts(
    grpc::CallbackServerContext* ctx, const v1::WatchAlertsRequest* request) {
  return new AlertStream(env_, ctx, *request);
}

grpc::ServerUnaryReactor* HealthService::SendTestAlert(grpc::CallbackServerContext* ctx,
                                                       const v1::SendTestAlertRequest* request,
                                                       v1::SendTestAlertResponse* response) {
  Audit audit("/hbamgr.v1.Health/SendTestAlert", AdapterPath(request->adapter()), "test alert");
  return UnaryCall::Blocking(
      env_, ctx, Privilege::kAdmin, std::move(audit),
      [request, response](UnaryCall& call) -> absl::Status {
        auto adapter = call.env().FindAdapter(request->adapter());
        if (!adapter.ok()) return adapter.status();
        const health::Policy policy = call.env().monitor->policy();
        response->set_journal(policy.alert_journal);
        response->set_streams(
            static_cast<uint32_t>(call.env().alert_delivery->hub().subscribers()));
        response->set_hook_configured(!policy.alert_exec.empty());
        health::HookResult r = call.env().alerts->SendTest(request->adapter(), (*adapter)->index(),
                                                           call.caller(), absl::Now());
        response->set_hook_ok(r.ran && !r.timed_out && r.signal == 0 && r.exit_status == 0);
        response->set_hook_result(policy.alert_exec.empty() ? "" : r.Describe());
        return absl::OkStatus();
      });
}

}  // namespace hbamgr::service
