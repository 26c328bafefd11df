#include "daemon/service/passthrough_service.h"

#include <utility>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "daemon/service/passthrough_request.h"
#include "daemon/service/unary_call.h"
#include "daemon/service/validate.h"

namespace hbamgr::service {
namespace {

// Validates the request against the adapter's limits (nothing is copied or
// queued before), then queues the command.
template <typename Request>
void Start(UnaryCall& call, const Request& request,
           absl::StatusOr<adapter::PassthruCommand> (*make)(const Request&, const AdapterLimits&),
           v1::PassthroughResponse* response) {
  auto adapter = call.env().FindAdapter(request.adapter());
  if (!adapter.ok()) return call.Complete(adapter.status());
  AdapterLimits limits{.max_transfer = (*adapter)->max_transfer()};
  if (limits.max_transfer == 0) {
    return call.Complete(absl::UnavailableError(
        absl::StrCat("adapter ", (*adapter)->name(), " has not reported its limits yet")));
  }
  absl::StatusOr<adapter::PassthruCommand> command = make(request, limits);
  if (!command.ok()) return call.Complete(command.status());
  call.Submit(**adapter, *std::move(command), [&call, response](adapter::PassthruResult result) {
    if (result.status.ok()) FillPassthroughResponse(result, response);
    call.Complete(result.status);
  });
}

}  // namespace

grpc::ServerUnaryReactor* PassthroughService::Scsi(grpc::CallbackServerContext* ctx,
                                                   const v1::ScsiRequest* request,
                                                   v1::PassthroughResponse* response) {
  Audit audit("/hbamgr.v1.Passthrough/Scsi",
              absl::StrCat("/", Echo(request->adapter()), request->physical() ? "/pd" : "/v",
                           request->target()),
              AuditSummary(*request));
  return UnaryCall::Async(
      env_, ctx, server::Privilege::kAdmin, std::move(audit),
      [request, response](UnaryCall& call) { Start(call, *request, &ScsiCommand, response); });
}

grpc::ServerUnaryReactor* PassthroughService::Firmware(grpc::CallbackServerContext* ctx,
                                                       const v1::FirmwareRequest* request,
                                                       v1::PassthroughResponse* response) {
  Audit audit("/hbamgr.v1.Passthrough/Firmware", absl::StrCat("/", Echo(request->adapter())),
              AuditSummary(*request));
  return UnaryCall::Async(
      env_, ctx, server::Privilege::kAdmin, std::move(audit),
      [request, response](UnaryCall& call) { Start(call, *request, &FirmwareCommand, response); });
}

}  // namespace hbamgr::service
