#include "daemon/service/daemon_service.h"

#include <unistd.h>

#include <algorithm>

#include "daemon/service/convert.h"
#include "daemon/service/unary_call.h"
#include "daemon/service/validate.h"
#include "hbamgr_version.h"

namespace hbamgr::service {
namespace {

uint32_t Limit(uint32_t requested) {
  return requested == 0 ? DaemonService::kMaxRows : std::min(requested, DaemonService::kMaxRows);
}

}  // namespace

grpc::ServerUnaryReactor* DaemonService::GetDaemonInfo(grpc::CallbackServerContext* ctx,
                                                       const v1::GetDaemonInfoRequest*,
                                                       v1::DaemonInfo* response) {
  return UnaryCall::Blocking(
      env_, ctx, server::Privilege::kRead, nullptr, [response](UnaryCall& call) -> absl::Status {
        const ServiceEnv& env = call.env();
        response->set_version(HBAMGR_VERSION);
        response->set_backend(env.backend);
        response->set_started_ns(absl::ToUnixNanos(env.started));
        response->set_pid(static_cast<uint32_t>(getpid()));
        for (const auto& [name, adapter] : env.adapters) {
          v1::AdapterSummary* summary = response->add_adapters();
          adapter::IngestStats stats = adapter->ingest_stats();
          summary->set_adapter(name);
          summary->set_state(ToProtoAdapterState(adapter->state()));
          summary->set_serving(adapter->serving());
          // The store's own answer: what is stored, not what was read.
          absl::StatusOr<uint64_t> last_stored = env.store->LastEventSeq(adapter->index());
          if (!last_stored.ok()) return last_stored.status();
          summary->set_last_stored_seq(*last_stored);
          summary->set_events_lost(stats.lost);
          if (stats.next_seq != 0 && stats.log_newest_seq >= stats.next_seq) {
            summary->set_events_pending(stats.log_newest_seq - stats.next_seq + 1);
          }
          summary->set_queued_commands(static_cast<uint32_t>(adapter->serializer().queued()));
          summary->set_command_running(adapter->serializer().running());
          summary->set_gaps_backfilled(stats.gaps);
        }
        const size_t all = env.hub->subscribers();
        response->set_subscribers(static_cast<uint32_t>(
            all > env.internal_subscribers ? all - env.internal_subscribers : 0));
        const absl::Status fault = env.store->WriteFault();
        response->set_serving(fault.ok());
        response->set_not_serving_reason(std::string(fault.message()));
        response->set_peer(call.caller());
        response->set_peer_is_admin(call.is_admin());
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* DaemonService::ListHealthHistory(
    grpc::CallbackServerContext* ctx, const v1::ListHealthHistoryRequest* request,
    v1::ListHealthHistoryResponse* response) {
  return UnaryCall::Blocking(env_, ctx, server::Privilege::kRead, nullptr,
                             [request, response](UnaryCall& call) -> absl::Status {
                               store::HealthQuery query;
                               if (!request->adapter().empty()) {
                                 auto adapter = call.env().FindAdapter(request->adapter());
                                 if (!adapter.ok()) return adapter.status();
                                 query.adapter = (*adapter)->index();
                               }
                               if (request->has_since_ns()) query.since_ns = request->since_ns();
                               query.limit = Limit(request->limit());
                               query.newest_first = request->newest_first();
                               auto rows = call.env().store->QueryHealth(query);
                               if (!rows.ok()) return rows.status();
                               for (const store::HealthRow& row : *rows) {
                                 v1::HealthRecord* record = response->add_records();
                                 record->set_time_ns(static_cast<uint64_t>(row.time_ns));
                                 record->set_adapter(adapter::AdapterName(row.adapter));
                                 record->set_state(row.state);
                                 record->set_reason(row.reason);
                               }
                               return absl::OkStatus();
                             });
}

grpc::ServerUnaryReactor* DaemonService::ListAudit(grpc::CallbackServerContext* ctx,
                                                   const v1::ListAuditRequest* request,
                                                   v1::ListAuditResponse* response) {
  return UnaryCall::Blocking(
      env_, ctx, server::Privilege::kAdmin, nullptr,
      [request, response](UnaryCall& call) -> absl::Status {
        store::AuditQuery query;
        for (auto [field, text] :
             {std::pair{"peer", &request->peer()}, std::pair{"method", &request->method()}}) {
          if (absl::Status s = CheckLength(field, *text, kMaxFilterTextBytes, "filter text");
              !s.ok()) {
            return s;
          }
        }
        if (request->has_since_ns()) query.since_ns = request->since_ns();
        if (!request->peer().empty()) query.peer = request->peer();
        if (!request->method().empty()) query.method = request->method();
        query.limit = Limit(request->limit());
        query.newest_first = request->newest_first();
        auto rows = call.env().store->QueryAudit(query);
        if (!rows.ok()) return rows.status();
        for (const store::AuditRow& row : *rows) {
          v1::AuditRecord* record = response->add_records();
          record->set_time_ns(static_cast<uint64_t>(row.time_ns));
          record->set_peer(row.peer);
          record->set_method(row.method);
          record->set_target(row.target);
          record->set_arguments(row.arguments);
          record->set_result_code(row.result_code);
          record->set_result_message(row.result_message);
          record->set_duration_us(static_cast<uint64_t>(row.duration_us));
        }
        return absl::OkStatus();
      });
}

}  // namespace hbamgr::service
