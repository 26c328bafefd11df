#include "daemon/service/events_service.h"

#include <algorithm>
#include <optional>

#include "daemon/service/convert.h"
#include "daemon/service/subscribe_stream.h"
#include "daemon/service/unary_call.h"
#include "daemon/service/validate.h"

namespace hbamgr::service {
namespace {

// The object filter: ids are per adapter, a slot is within an enclosure.
absl::Status ObjectFilter(const v1::EventFilter& filter, store::EventQuery* query) {
  const bool any = filter.has_enclosure() || filter.has_slot() || filter.has_pd_id() ||
                   filter.has_vd_id();
  if (any && !query->adapter) {
    return absl::InvalidArgumentError(
        "filter.enclosure, slot, pd_id and vd_id need filter.adapter: ids are per adapter");
  }
  if (filter.has_slot() && !filter.has_enclosure()) {
    return absl::InvalidArgumentError("filter.slot needs filter.enclosure");
  }
  struct Field {
    const char* name;
    bool set;
    uint32_t value;
    std::optional<uint16_t>* out;
  };
  for (const Field& f : {Field{"filter.enclosure", filter.has_enclosure(), filter.enclosure(),
                               &query->encl_id},
                         Field{"filter.slot", filter.has_slot(), filter.slot(), &query->slot},
                         Field{"filter.pd_id", filter.has_pd_id(), filter.pd_id(), &query->pd_id},
                         Field{"filter.vd_id", filter.has_vd_id(), filter.vd_id(), &query->vd_id}}) {
    if (!f.set) continue;
    if (absl::Status s = CheckId16(f.name, f.value); !s.ok()) return s;
    *f.out = static_cast<uint16_t>(f.value);
  }
  return absl::OkStatus();
}

}  // namespace

grpc::ServerUnaryReactor* EventsService::QueryEvents(grpc::CallbackServerContext* ctx,
                                                     const v1::QueryEventsRequest* request,
                                                     v1::QueryEventsResponse* response) {
  return UnaryCall::Blocking(
      env_, ctx, server::Privilege::kRead, nullptr,
      [request, response](UnaryCall& call) -> absl::Status {
        const v1::EventFilter& filter = request->filter();
        store::EventQuery query;
        if (!filter.adapter().empty()) {
          auto adapter = call.env().FindAdapter(filter.adapter());
          if (!adapter.ok()) return adapter.status();
          query.adapter = (*adapter)->index();
        }
        if (absl::Status s =
                CheckEventFilterEnums("filter.", filter.min_severity(), filter.event_class());
            !s.ok()) {
          return s;
        }
        if (auto severity = ToAbiSeverity(filter.min_severity())) query.min_severity = *severity;
        query.event_class = ToAbiEventClass(filter.event_class());
        if (filter.has_code()) query.code = filter.code();
        if (filter.has_min_seq()) query.min_seq = filter.min_seq();
        if (filter.has_max_seq()) query.max_seq = filter.max_seq();
        if (filter.has_since_ns()) query.since_ns = filter.since_ns();
        if (absl::Status s = ObjectFilter(filter, &query); !s.ok()) return s;
        query.limit =
            request->limit() == 0 ? kMaxQueryRows : std::min(request->limit(), kMaxQueryRows);
        query.newest_first = request->newest_first();
        auto rows = call.env().store->QueryEvents(query);
        if (!rows.ok()) return rows.status();
        for (const store::EventRow& row : *rows) {
          FillEvent(adapter::AdapterName(row.adapter), row, response->add_events());
        }
        return absl::OkStatus();
      });
}

grpc::ServerWriteReactor<v1::SubscribeResponse>* EventsService::Subscribe(
    grpc::CallbackServerContext* ctx, const v1::SubscribeRequest* request) {
  return new SubscribeStream(env_, ctx, *request);
}

}  // namespace hbamgr::service
