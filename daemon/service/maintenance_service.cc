#include "daemon/service/maintenance_service.h"

#include <cstring>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "daemon/service/convert.h"
#include "daemon/service/lookup.h"
#include "daemon/service/unary_call.h"
#include "daemon/service/validate.h"

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

}  // namespace

grpc::ServerUnaryReactor* MaintenanceService::ResetAdapter(grpc::CallbackServerContext* ctx,
                                                           const v1::ResetAdapterRequest* request,
                                                           v1::ResetAdapterResponse* response) {
  Audit audit("/hbamgr.v1.Maintenance/ResetAdapter", AdapterPath(request->adapter()),
              AuditSummary(*request));
  return UnaryCall::Blocking(env_, ctx, Privilege::kAdmin, std::move(audit),
                             [request, response](UnaryCall& call) -> absl::Status {
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
  Audit audit("/hbamgr.v1.Maintenance/SetControllerProperties", AdapterPath(request->adapter()),
              AuditSummary(*request));
  return UnaryCall::Blocking(
      env_, ctx, Privilege::kAdmin, std::move(audit),
      [request, response](UnaryCall& call) -> absl::Status {
        auto adapter = Find(call, request->adapter());
        if (!adapter.ok()) return adapter.status();
        std::optional<uint32_t> rate;
        if (request->has_rebuild_rate()) {
          if (absl::Status s =
                  CheckRange("rebuild_rate", request->rebuild_rate(), 1, 100, "percent");
              !s.ok()) {
            return s;
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
  Audit audit("/hbamgr.v1.Maintenance/SetLocate",
              DriveRefPath(request->adapter(), request->drive()), AuditSummary(*request));
  return UnaryCall::Blocking(env_, ctx, Privilege::kAdmin, std::move(audit),
                             [request, response](UnaryCall& call) -> absl::Status {
                               auto adapter = Find(call, request->adapter());
                               if (!adapter.ok()) return adapter.status();
                               auto pd = FindDrive(call, **adapter, request->drive());
                               if (!pd.ok()) return pd.status();
                               call.SetAuditTarget(DrivePath(request->adapter(), *pd));
                               adapter::Mgmt mgmt =
                                   call.MgmtFor(**adapter, DriveNames(request->adapter(), {*pd}));
                               if (absl::Status s = mgmt.Locate(pd->pd_id, request->on()); !s.ok())
                                 return s;
                               return Reread(call, **adapter, pd->pd_id, response);
                             });
}

grpc::ServerUnaryReactor* MaintenanceService::SetDriveState(grpc::CallbackServerContext* ctx,
                                                            const v1::SetDriveStateRequest* request,
                                                            v1::Drive* response) {
  Audit audit("/hbamgr.v1.Maintenance/SetDriveState",
              DriveRefPath(request->adapter(), request->drive()), AuditSummary(*request));
  return UnaryCall::Blocking(
      env_, ctx, Privilege::kAdmin, std::move(audit),
      [request, response](UnaryCall& call) -> absl::Status {
        auto adapter = Find(call, request->adapter());
        if (!adapter.ok()) return adapter.status();
        if (absl::Status s = CheckEnum("state", request->state(), v1::DriveState_IsValid,
                                       /*zero_ok=*/false, "DriveState");
            !s.ok()) {
          return s;
        }
        std::optional<uint8_t> state = ToAbiDriveState(request->state());
        if (*state != HBAMGR_PD_ONLINE && *state != HBAMGR_PD_OFFLINE &&
            *state != HBAMGR_PD_UNCONFIGURED_GOOD && *state != HBAMGR_PD_HOTSPARE) {
          return Invalid("state", v1::DriveState_Name(request->state()),
                         "ONLINE, OFFLINE, UNCONFIGURED_GOOD or HOTSPARE");
        }
        auto pd = FindDrive(call, **adapter, request->drive());
        if (!pd.ok()) return pd.status();
        call.SetAuditTarget(DrivePath(request->adapter(), *pd));
        adapter::Mgmt mgmt = call.MgmtFor(**adapter, DriveNames(request->adapter(), {*pd}));
        if (absl::Status s = mgmt.SetDriveState(pd->pd_id, *state); !s.ok()) return s;
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
  std::string target = request->has_vd_id()
                           ? absl::StrCat(AdapterPath(request->adapter()), "/v", request->vd_id())
                           : DriveRefPath(request->adapter(), request->drive());
  Audit audit(start ? "/hbamgr.v1.Maintenance/StartBackgroundOp"
                    : "/hbamgr.v1.Maintenance/StopBackgroundOp",
              std::move(target), AuditSummary(*request));
  return UnaryCall::Blocking(
      env_, ctx, Privilege::kAdmin, std::move(audit),
      [request, response, start](UnaryCall& call) -> absl::Status {
        auto adapter = Find(call, request->adapter());
        if (!adapter.ok()) return adapter.status();
        if (absl::Status s = CheckEnum("type", request->type(), v1::BackgroundOpType_IsValid,
                                       /*zero_ok=*/false, "BackgroundOpType");
            !s.ok()) {
          return s;
        }
        const uint8_t type = *ToAbiBgopType(request->type());
        uint16_t target = HBAMGR_ID_NONE;
        std::vector<hbamgr_pd_info> named;
        if (type == HBAMGR_BGOP_REBUILD) {
          auto pd = FindDrive(call, **adapter, request->drive());
          if (!pd.ok()) return pd.status();
          target = pd->pd_id;
          named.push_back(*pd);
          call.SetAuditTarget(DrivePath(request->adapter(), *pd));
        } else if (type == HBAMGR_BGOP_INIT || type == HBAMGR_BGOP_CC) {
          if (!request->has_vd_id()) {
            return absl::InvalidArgumentError("vd_id: required for INIT and CONSISTENCY_CHECK");
          }
          if (absl::Status s = CheckId16("vd_id", request->vd_id()); !s.ok()) return s;
          target = static_cast<uint16_t>(request->vd_id());
        }
        adapter::Mgmt mgmt =
            call.MgmtFor(**adapter, DriveNames(request->adapter(), std::move(named)));
        absl::Status status =
            start ? mgmt.StartBackgroundOp(type, target) : mgmt.StopBackgroundOp(type, target);
        if (!status.ok()) return status;
        auto ops = mgmt.ListBackgroundOps();
        if (!ops.ok()) return ops.status();
        for (const hbamgr_bgop_info& op : *ops) {
          // The firmware also lists finished runs: answer with the latest.
          if (op.type != type || op.target != target) continue;
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
  Audit audit("/hbamgr.v1.Maintenance/CreateVirtualDrive", AdapterPath(request->adapter()),
              AuditSummary(*request));
  return UnaryCall::Blocking(
      env_, ctx, Privilege::kAdmin, std::move(audit),
      [request, response](UnaryCall& call) -> absl::Status {
        auto adapter = Find(call, request->adapter());
        if (!adapter.ok()) return adapter.status();
        // What does not fit the ABI's fields is refused here; what the
        // firmware does not accept (levels, member counts, strip sizes,
        // name characters, drive states) it refuses with a reason.
        if (absl::Status s = CheckAtMost("raid_level", request->raid_level(), 0xff,
                                         "an 8-bit field; the firmware lists the levels it takes");
            !s.ok()) {
          return s;
        }
        if (absl::Status s = CheckAtMost("drives", request->drives_size(), HBAMGR_VD_MAX_PDS,
                                         "HBAMGR_VD_MAX_PDS");
            !s.ok()) {
          return s;
        }
        if (absl::Status s = CheckLength("name", request->name(), HBAMGR_VD_NAME_LEN - 1,
                                         "HBAMGR_VD_NAME_LEN with its NUL");
            !s.ok()) {
          return s;
        }
        auto drives = call.MgmtFor(**adapter).ListDrives();
        if (!drives.ok()) return drives.status();
        hbamgr_vd_create spec{};
        spec.raid_level = static_cast<uint8_t>(request->raid_level());
        spec.num_pds = static_cast<uint8_t>(request->drives_size());
        spec.strip_kb = request->strip_kb();
        spec.num_blocks = request->num_blocks();
        spec.flags = request->initialize() ? HBAMGR_VD_CREATE_F_INIT : 0;
        std::memcpy(spec.name, request->name().data(), request->name().size());
        for (int i = 0; i < request->drives_size(); ++i) {
          auto pd =
              ResolveDrive(*drives, **adapter, request->drives(i), absl::StrCat("drives[", i, "]"));
          if (!pd.ok()) return pd.status();
          spec.pd_ids[i] = pd->pd_id;
        }
        adapter::Mgmt mgmt =
            call.MgmtFor(**adapter, DriveNames(request->adapter(), *std::move(drives)));
        absl::StatusOr<uint16_t> vd_id = mgmt.CreateVirtualDrive(spec);
        if (!vd_id.ok()) return vd_id.status();
        call.SetAuditTarget(absl::StrCat("/", request->adapter(), "/v", *vd_id));
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
  Audit audit("/hbamgr.v1.Maintenance/DeleteVirtualDrive",
              absl::StrCat(AdapterPath(request->adapter()), "/v", request->vd_id()),
              AuditSummary(*request));
  return UnaryCall::Blocking(
      env_, ctx, Privilege::kAdmin, std::move(audit), [request](UnaryCall& call) -> absl::Status {
        auto adapter = Find(call, request->adapter());
        if (!adapter.ok()) return adapter.status();
        if (absl::Status s = CheckId16("vd_id", request->vd_id()); !s.ok()) return s;
        return call.MgmtFor(**adapter).DeleteVirtualDrive(static_cast<uint16_t>(request->vd_id()));
      });
}

grpc::ServerUnaryReactor* MaintenanceService::InjectFault(grpc::CallbackServerContext* ctx,
                                                          const v1::InjectFaultRequest* request,
                                                          v1::InjectFaultResponse* response) {
  Audit audit("/hbamgr.v1.Maintenance/InjectFault", AdapterPath(request->adapter()),
              AuditSummary(*request));
  return UnaryCall::Blocking(
      env_, ctx, Privilege::kAdmin, std::move(audit),
      [request, response](UnaryCall& call) -> absl::Status {
        auto adapter = Find(call, request->adapter());
        if (!adapter.ok()) return adapter.status();
        if (absl::Status s = CheckEnum("fault", request->fault(), v1::FaultType_IsValid,
                                       /*zero_ok=*/false, "FaultType");
            !s.ok()) {
          return s;
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
