#include "daemon/service/maintenance_service.h"

#include <cstring>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "daemon/service/convert.h"
#include "daemon/service/lookup.h"
#include "daemon/service/unary_call.h"

namespace hbamgr::service {
namespace {

using server::Privilege;

absl::StatusOr<adapter::Adapter*> Find(UnaryCall& call, const std::string& name) {
  return call.env().FindAdapter(name);
}

// The drive again after a change, as the response.
absl::Status Reread(UnaryCall& call, adapter::Adapter& adapter, uint16_t pd_id,
                    v1::Drive* response) {
  v1::DriveRef ref;
  ref.set_pd_id(pd_id);
  auto pd = FindDrive(call, adapter, ref);
  if (!pd.ok()) return pd.status();
  FillDrive(*pd, response);
  response->set_adapter(adapter.name());
  return absl::OkStatus();
}

// The firmware refuses a VD on drives that are taken or mix sector sizes
// with a bare status (INVALID_STATE, INVALID_PARAM); say which drive and why
// before asking it.  Level and member-count rules are the firmware's alone.
absl::Status CheckNewVdMembers(const std::string& adapter,
                               const std::vector<hbamgr_pd_info>& members) {
  for (size_t i = 0; i < members.size(); ++i) {
    const hbamgr_pd_info& pd = members[i];
    const std::string path = DrivePath(adapter, pd);
    for (size_t j = 0; j < i; ++j) {
      if (members[j].pd_id == pd.pd_id) {
        return absl::InvalidArgumentError(absl::StrCat(path, " is listed twice"));
      }
    }
    if (pd.state != HBAMGR_PD_UNCONFIGURED_GOOD) {
      return absl::FailedPreconditionError(absl::StrCat(
          path, " is ", DriveStateText(pd.state),
          pd.vd_id != HBAMGR_ID_NONE ? absl::StrCat(" (a member of VD ", pd.vd_id, ")") : "",
          "; a new VD takes unconfigured-good drives only"));
    }
    if (pd.logical_block_size != members[0].logical_block_size) {
      return absl::FailedPreconditionError(absl::StrCat(
          "the drives mix sector sizes: ", DrivePath(adapter, members[0]), " has ",
          members[0].logical_block_size, "-byte and ", path, " ", pd.logical_block_size,
          "-byte logical blocks; a VD takes drives of one size"));
    }
  }
  return absl::OkStatus();
}

}  // namespace

grpc::ServerUnaryReactor* MaintenanceService::ResetAdapter(grpc::CallbackServerContext* ctx,
                                                           const v1::ResetAdapterRequest* request,
                                                           v1::ResetAdapterResponse* response) {
  return UnaryCall::Blocking(env_, ctx, Privilege::kAdmin, "/hbamgr.v1.Maintenance/ResetAdapter",
                             [request, response](UnaryCall& call) -> absl::Status {
                               call.SetAuditTarget(absl::StrCat("/", request->adapter()),
                                                   absl::StrCat("wait=", request->wait()));
                               auto adapter = Find(call, request->adapter());
                               if (!adapter.ok()) return adapter.status();
                               hbamgr_reset reset{};
                               reset.size = sizeof(reset);
                               reset.flags = request->wait() ? HBAMGR_RESET_F_WAIT : 0;
                               if (absl::Status s = (*adapter)->transport().Reset(&reset); !s.ok())
                                 return s;
                               response->set_state(ToProtoAdapterState(reset.state));
                               response->set_reset_count(reset.reset_count);
                               return absl::OkStatus();
                             });
}

grpc::ServerUnaryReactor* MaintenanceService::SetControllerProperties(
    grpc::CallbackServerContext* ctx, const v1::SetControllerPropertiesRequest* request,
    v1::Controller* response) {
  return UnaryCall::Blocking(
      env_, ctx, Privilege::kAdmin, "/hbamgr.v1.Maintenance/SetControllerProperties",
      [request, response](UnaryCall& call) -> absl::Status {
        call.SetAuditTarget(absl::StrCat("/", request->adapter()), request->ShortDebugString());
        auto adapter = Find(call, request->adapter());
        if (!adapter.ok()) return adapter.status();
        std::optional<uint32_t> rate;
        if (request->has_rebuild_rate()) {
          if (request->rebuild_rate() < 1 || request->rebuild_rate() > 100) {
            return absl::InvalidArgumentError("rebuild_rate must be 1..100");
          }
          rate = request->rebuild_rate();
        }
        std::optional<bool> patrol;
        if (request->has_patrol_enabled()) patrol = request->patrol_enabled();
        if (absl::Status s = call.MgmtFor(**adapter).SetControllerProps(rate, patrol); !s.ok()) {
          return s;
        }
        return FillControllerRecord(call, **adapter, response);
      });
}

grpc::ServerUnaryReactor* MaintenanceService::SetLocate(grpc::CallbackServerContext* ctx,
                                                        const v1::SetLocateRequest* request,
                                                        v1::Drive* response) {
  return UnaryCall::Blocking(
      env_, ctx, Privilege::kAdmin, "/hbamgr.v1.Maintenance/SetLocate",
      [request, response](UnaryCall& call) -> absl::Status {
        call.SetAuditTarget(absl::StrCat("/", request->adapter()), request->ShortDebugString());
        auto adapter = Find(call, request->adapter());
        if (!adapter.ok()) return adapter.status();
        auto pd = FindDrive(call, **adapter, request->drive());
        if (!pd.ok()) return pd.status();
        call.SetAuditTarget(DrivePath(request->adapter(), *pd), request->on() ? "on" : "off");
        if (absl::Status s = call.MgmtFor(**adapter).Locate(pd->pd_id, request->on()); !s.ok()) {
          return s;
        }
        return Reread(call, **adapter, pd->pd_id, response);
      });
}

grpc::ServerUnaryReactor* MaintenanceService::SetDriveState(grpc::CallbackServerContext* ctx,
                                                            const v1::SetDriveStateRequest* request,
                                                            v1::Drive* response) {
  return UnaryCall::Blocking(
      env_, ctx, Privilege::kAdmin, "/hbamgr.v1.Maintenance/SetDriveState",
      [request, response](UnaryCall& call) -> absl::Status {
        call.SetAuditTarget(absl::StrCat("/", request->adapter()), request->ShortDebugString());
        auto adapter = Find(call, request->adapter());
        if (!adapter.ok()) return adapter.status();
        std::optional<uint8_t> state = ToAbiDriveState(request->state());
        if (!state || (*state != HBAMGR_PD_ONLINE && *state != HBAMGR_PD_OFFLINE &&
                       *state != HBAMGR_PD_UNCONFIGURED_GOOD && *state != HBAMGR_PD_HOTSPARE)) {
          return absl::InvalidArgumentError(
              "state must be ONLINE, OFFLINE, UNCONFIGURED_GOOD or HOTSPARE");
        }
        auto pd = FindDrive(call, **adapter, request->drive());
        if (!pd.ok()) return pd.status();
        call.SetAuditTarget(DrivePath(request->adapter(), *pd),
                            absl::StrCat("state=", v1::DriveState_Name(request->state())));
        if (absl::Status s = call.MgmtFor(**adapter).SetDriveState(pd->pd_id, *state); !s.ok()) {
          return s;
        }
        return Reread(call, **adapter, pd->pd_id, response);
      });
}

grpc::ServerUnaryReactor* MaintenanceService::StartBackgroundOp(
    grpc::CallbackServerContext* ctx, const v1::BackgroundOpRequest* request,
    v1::BackgroundOpResponse* response) {
  return BackgroundOp(ctx, request, response, /*start=*/true);
}

grpc::ServerUnaryReactor* MaintenanceService::StopBackgroundOp(
    grpc::CallbackServerContext* ctx, const v1::BackgroundOpRequest* request,
    v1::BackgroundOpResponse* response) {
  return BackgroundOp(ctx, request, response, /*start=*/false);
}

grpc::ServerUnaryReactor* MaintenanceService::BackgroundOp(grpc::CallbackServerContext* ctx,
                                                           const v1::BackgroundOpRequest* request,
                                                           v1::BackgroundOpResponse* response,
                                                           bool start) {
  return UnaryCall::Blocking(
      env_, ctx, Privilege::kAdmin,
      start ? "/hbamgr.v1.Maintenance/StartBackgroundOp"
            : "/hbamgr.v1.Maintenance/StopBackgroundOp",
      [request, response, start](UnaryCall& call) -> absl::Status {
        call.SetAuditTarget(absl::StrCat("/", request->adapter()), request->ShortDebugString());
        auto adapter = Find(call, request->adapter());
        if (!adapter.ok()) return adapter.status();
        std::optional<uint8_t> type = ToAbiBgopType(request->type());
        if (!type) return absl::InvalidArgumentError("type is required");
        uint16_t target = HBAMGR_ID_NONE;
        if (*type == HBAMGR_BGOP_REBUILD) {
          auto pd = FindDrive(call, **adapter, request->drive());
          if (!pd.ok()) return pd.status();
          target = pd->pd_id;
          call.SetAuditTarget(DrivePath(request->adapter(), *pd), request->ShortDebugString());
        } else if (*type == HBAMGR_BGOP_INIT || *type == HBAMGR_BGOP_CC) {
          if (!request->has_vd_id() || request->vd_id() > 0xffff) {
            return absl::InvalidArgumentError("vd_id is required for INIT and CONSISTENCY_CHECK");
          }
          target = static_cast<uint16_t>(request->vd_id());
          call.SetAuditTarget(absl::StrCat("/", request->adapter(), "/v", target),
                              request->ShortDebugString());
        }
        adapter::Mgmt mgmt = call.MgmtFor(**adapter);
        absl::Status status =
            start ? mgmt.StartBackgroundOp(*type, target) : mgmt.StopBackgroundOp(*type, target);
        if (!status.ok()) return status;
        auto ops = mgmt.ListBackgroundOps();
        if (!ops.ok()) return ops.status();
        for (const hbamgr_bgop_info& op : *ops) {
          // The firmware also lists finished runs: answer with the latest.
          if (op.type != *type || op.target != target) continue;
          if (response->has_op() && op.started_ns < response->op().started_ns()) continue;
          FillBackgroundOp(op, response->mutable_op());
          response->mutable_op()->set_adapter(request->adapter());
        }
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* MaintenanceService::CreateVirtualDrive(
    grpc::CallbackServerContext* ctx, const v1::CreateVirtualDriveRequest* request,
    v1::VirtualDrive* response) {
  return UnaryCall::Blocking(
      env_, ctx, Privilege::kAdmin, "/hbamgr.v1.Maintenance/CreateVirtualDrive",
      [request, response](UnaryCall& call) -> absl::Status {
        call.SetAuditTarget(absl::StrCat("/", request->adapter()), request->ShortDebugString());
        auto adapter = Find(call, request->adapter());
        if (!adapter.ok()) return adapter.status();
        if (request->drives_size() == 0 || request->drives_size() > HBAMGR_VD_MAX_PDS) {
          return absl::InvalidArgumentError(
              absl::StrCat("drives: 1..", HBAMGR_VD_MAX_PDS, " members"));
        }
        if (request->name().size() >= sizeof(hbamgr_vd_create::name)) {
          return absl::InvalidArgumentError("name is at most 15 bytes");
        }
        hbamgr_vd_create spec{};
        spec.raid_level = static_cast<uint8_t>(request->raid_level());
        spec.num_pds = static_cast<uint8_t>(request->drives_size());
        spec.strip_kb = request->strip_kb();
        spec.num_blocks = request->num_blocks();
        spec.flags = request->initialize() ? HBAMGR_VD_CREATE_F_INIT : 0;
        std::memcpy(spec.name, request->name().data(), request->name().size());
        std::vector<hbamgr_pd_info> members;
        for (int i = 0; i < request->drives_size(); ++i) {
          auto pd = FindDrive(call, **adapter, request->drives(i));
          if (!pd.ok()) return pd.status();
          spec.pd_ids[i] = pd->pd_id;
          members.push_back(*pd);
        }
        if (absl::Status s = CheckNewVdMembers(request->adapter(), members); !s.ok()) return s;
        adapter::Mgmt mgmt = call.MgmtFor(**adapter);
        absl::StatusOr<uint16_t> vd_id = mgmt.CreateVirtualDrive(spec);
        if (!vd_id.ok()) return vd_id.status();
        call.SetAuditTarget(absl::StrCat("/", request->adapter(), "/v", *vd_id),
                            request->ShortDebugString());
        auto vds = mgmt.ListVirtualDrives();
        if (!vds.ok()) return vds.status();
        for (const hbamgr_vd_info& vd : *vds) {
          if (vd.vd_id != *vd_id) continue;
          FillVirtualDrive(vd, response);
          response->set_adapter(request->adapter());
          return absl::OkStatus();
        }
        return absl::InternalError(absl::StrCat("created VD ", *vd_id, " is not listed"));
      });
}

grpc::ServerUnaryReactor* MaintenanceService::DeleteVirtualDrive(
    grpc::CallbackServerContext* ctx, const v1::DeleteVirtualDriveRequest* request,
    v1::DeleteVirtualDriveResponse*) {
  return UnaryCall::Blocking(
      env_, ctx, Privilege::kAdmin, "/hbamgr.v1.Maintenance/DeleteVirtualDrive",
      [request](UnaryCall& call) -> absl::Status {
        call.SetAuditTarget(absl::StrCat("/", request->adapter(), "/v", request->vd_id()), "");
        auto adapter = Find(call, request->adapter());
        if (!adapter.ok()) return adapter.status();
        if (request->vd_id() > 0xffff) return absl::InvalidArgumentError("vd_id above 65535");
        return call.MgmtFor(**adapter).DeleteVirtualDrive(static_cast<uint16_t>(request->vd_id()));
      });
}

grpc::ServerUnaryReactor* MaintenanceService::InjectFault(grpc::CallbackServerContext* ctx,
                                                          const v1::InjectFaultRequest* request,
                                                          v1::InjectFaultResponse* response) {
  return UnaryCall::Blocking(
      env_, ctx, Privilege::kAdmin, "/hbamgr.v1.Maintenance/InjectFault",
      [request, response](UnaryCall& call) -> absl::Status {
        call.SetAuditTarget(absl::StrCat("/", request->adapter()), request->ShortDebugString());
        auto adapter = Find(call, request->adapter());
        if (!adapter.ok()) return adapter.status();
        if (request->fault() == v1::FAULT_TYPE_UNSPECIFIED) {
          return absl::InvalidArgumentError("fault is required");
        }
        hbamgr_mbox_fault fault{};
        fault.fault = static_cast<uint32_t>(request->fault());
        fault.arg = request->arg();
        fault.count = request->count();
        fault.delay_ms = request->delay_ms();
        fault.lba = request->lba();
        absl::StatusOr<uint32_t> status = call.MgmtFor(**adapter).InjectFault(fault);
        if (!status.ok()) return status.status();
        response->set_status(ToProtoCommandStatus(*status));
        return absl::OkStatus();
      });
}

}  // namespace hbamgr::service
