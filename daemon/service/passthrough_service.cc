#include "daemon/service/passthrough_service.h"

#include <cstring>
#include <utility>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "daemon/service/convert.h"
#include "daemon/service/unary_call.h"

namespace hbamgr::service {
namespace {

constexpr uint32_t kDefaultSenseLen = 96;
constexpr uint32_t kMaxSenseLen = 252;

// Data direction and buffer from the request's `data` oneof.
template <typename Request>
absl::Status SetData(const Request& request, adapter::PassthruCommand* command) {
  hbamgr_passthru& pt = command->pt;
  if (request.has_data_out()) {
    pt.dir = HBAMGR_DIR_TO_DEV;
    command->data.assign(request.data_out().begin(), request.data_out().end());
    pt.data_len = static_cast<uint32_t>(command->data.size());
  } else if (request.data_in_length() != 0) {
    pt.dir = HBAMGR_DIR_FROM_DEV;
    pt.data_len = request.data_in_length();
  } else {
    pt.dir = HBAMGR_DIR_NONE;
  }
  if (request.timeout_ms() > HBAMGR_PT_TIMEOUT_MAX_MS) {
    return absl::InvalidArgumentError(absl::StrCat("timeout_ms above ", HBAMGR_PT_TIMEOUT_MAX_MS));
  }
  pt.timeout_ms = request.timeout_ms();
  return absl::OkStatus();
}

void Respond(const adapter::PassthruResult& result, v1::PassthroughResponse* response) {
  const hbamgr_passthru& pt = result.command.pt;
  response->set_status(ToProtoCommandStatus(pt.status));
  response->set_scsi_status(pt.scsi_status);
  response->set_sense(result.command.sense.data(),
                      std::min<size_t>(pt.sense_len_out, result.command.sense.size()));
  if (pt.dir == HBAMGR_DIR_FROM_DEV) {
    size_t got = pt.resid <= pt.data_len ? pt.data_len - pt.resid : 0;
    response->set_data(result.command.data.data(), std::min(got, result.command.data.size()));
  }
  response->set_resid(pt.resid);
  response->set_result(pt.result);
  response->set_duration_us(absl::ToInt64Microseconds(result.ran));
  response->set_queued_us(absl::ToInt64Microseconds(result.queued));
}

void Start(UnaryCall& call, const std::string& adapter_name,
           absl::StatusOr<adapter::PassthruCommand> command, v1::PassthroughResponse* response) {
  auto adapter = call.env().FindAdapter(adapter_name);
  if (!adapter.ok()) return call.Complete(adapter.status());
  if (!command.ok()) return call.Complete(command.status());
  call.Submit(**adapter, std::move(*command), [&call, response](adapter::PassthruResult result) {
    if (result.status.ok()) Respond(result, response);
    call.Complete(result.status);
  });
}

}  // namespace

grpc::ServerUnaryReactor* PassthroughService::Scsi(grpc::CallbackServerContext* ctx,
                                                   const v1::ScsiRequest* request,
                                                   v1::PassthroughResponse* response) {
  return UnaryCall::Async(
      env_, ctx, server::Privilege::kAdmin, "/hbamgr.v1.Passthrough/Scsi",
      [request, response](UnaryCall& call) {
        call.SetAuditTarget(absl::StrCat("/", request->adapter(),
                                         request->physical() ? "/pd" : "/v", request->target()),
                            absl::StrCat("cdb=", absl::BytesToHexString(request->cdb())));
        absl::StatusOr<adapter::PassthruCommand> command =
            [&]() -> absl::StatusOr<adapter::PassthruCommand> {
          adapter::PassthruCommand command;
          hbamgr_passthru& pt = command.pt;
          if (request->cdb().size() < 6 || request->cdb().size() > sizeof(pt.cdb)) {
            return absl::InvalidArgumentError("cdb must be 6..32 bytes");
          }
          if (request->target() > 0xffff) return absl::InvalidArgumentError("target above 65535");
          if (request->sense_length() > kMaxSenseLen) {
            return absl::InvalidArgumentError(absl::StrCat("sense_length above ", kMaxSenseLen));
          }
          pt.type = HBAMGR_PT_SCSI;
          pt.flags = request->physical() ? HBAMGR_PT_F_PHYS : 0;
          pt.target = static_cast<uint16_t>(request->target());
          pt.cdb_len = static_cast<uint8_t>(request->cdb().size());
          std::memcpy(pt.cdb, request->cdb().data(), request->cdb().size());
          pt.sense_len = request->sense_length() != 0 ? request->sense_length() : kDefaultSenseLen;
          if (absl::Status s = SetData(*request, &command); !s.ok()) return s;
          return command;
        }();
        Start(call, request->adapter(), std::move(command), response);
      });
}

grpc::ServerUnaryReactor* PassthroughService::Firmware(grpc::CallbackServerContext* ctx,
                                                       const v1::FirmwareRequest* request,
                                                       v1::PassthroughResponse* response) {
  return UnaryCall::Async(env_, ctx, server::Privilege::kAdmin, "/hbamgr.v1.Passthrough/Firmware",
                          [request, response](UnaryCall& call) {
                            call.SetAuditTarget(
                                absl::StrCat("/", request->adapter()),
                                absl::StrCat("opcode=0x", absl::Hex(request->opcode()),
                                             " mbox=", absl::BytesToHexString(request->mbox())));
                            absl::StatusOr<adapter::PassthruCommand> command =
                                [&]() -> absl::StatusOr<adapter::PassthruCommand> {
                              adapter::PassthruCommand command;
                              hbamgr_passthru& pt = command.pt;
                              if (request->mbox().size() > sizeof(pt.cdb)) {
                                return absl::InvalidArgumentError("mbox is at most 32 bytes");
                              }
                              pt.type = HBAMGR_PT_MGMT;
                              pt.opcode = request->opcode();
                              std::memcpy(pt.cdb, request->mbox().data(), request->mbox().size());
                              if (absl::Status s = SetData(*request, &command); !s.ok()) return s;
                              return command;
                            }();
                            Start(call, request->adapter(), std::move(command), response);
                          });
}

}  // namespace hbamgr::service
