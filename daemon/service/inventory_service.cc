#include "daemon/service/inventory_service.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "daemon/service/convert.h"
#include "daemon/service/lookup.h"
#include "daemon/service/unary_call.h"
#include "daemon/service/validate.h"

namespace hbamgr::service {

using server::Privilege;

grpc::ServerUnaryReactor* InventoryService::ListAdapters(grpc::CallbackServerContext* ctx,
                                                         const v1::ListAdaptersRequest*,
                                                         v1::ListAdaptersResponse* response) {
  return UnaryCall::Blocking(env_, ctx, Privilege::kRead, nullptr, [response](UnaryCall& call) {
    for (const auto& [name, adapter] : call.env().adapters) {
      if (absl::Status s = FillControllerRecord(call, *adapter, response->add_controllers());
          !s.ok()) {
        return s;
      }
    }
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* InventoryService::GetController(grpc::CallbackServerContext* ctx,
                                                          const v1::GetControllerRequest* request,
                                                          v1::Controller* response) {
  return UnaryCall::Blocking(env_, ctx, Privilege::kRead, nullptr,
                             [request, response](UnaryCall& call) -> absl::Status {
                               auto adapter = call.env().FindAdapter(request->adapter());
                               if (!adapter.ok()) return adapter.status();
                               return FillControllerRecord(call, **adapter, response);
                             });
}

grpc::ServerUnaryReactor* InventoryService::ListEnclosures(grpc::CallbackServerContext* ctx,
                                                           const v1::ListEnclosuresRequest* request,
                                                           v1::ListEnclosuresResponse* response) {
  return UnaryCall::Blocking(env_, ctx, Privilege::kRead, nullptr,
                             [request, response](UnaryCall& call) -> absl::Status {
                               auto adapter = call.env().FindAdapter(request->adapter());
                               if (!adapter.ok()) return adapter.status();
                               auto enclosures = call.MgmtFor(**adapter).ListEnclosures();
                               if (!enclosures.ok()) return enclosures.status();
                               for (const hbamgr_encl_info& encl : *enclosures) {
                                 v1::Enclosure* out = response->add_enclosures();
                                 FillEnclosure(encl, out);
                                 out->set_adapter(request->adapter());
                               }
                               return absl::OkStatus();
                             });
}

grpc::ServerUnaryReactor* InventoryService::ListDrives(grpc::CallbackServerContext* ctx,
                                                       const v1::ListDrivesRequest* request,
                                                       v1::ListDrivesResponse* response) {
  return UnaryCall::Blocking(
      env_, ctx, Privilege::kRead, nullptr, [request, response](UnaryCall& call) -> absl::Status {
        auto adapter = call.env().FindAdapter(request->adapter());
        if (!adapter.ok()) return adapter.status();
        if (request->has_enclosure()) {
          if (absl::Status s = CheckId16("enclosure", request->enclosure()); !s.ok()) return s;
        }
        adapter::Mgmt mgmt = call.MgmtFor(**adapter);
        auto drives = mgmt.ListDrives();
        if (!drives.ok()) return drives.status();
        std::sort(drives->begin(), drives->end(), [](const auto& a, const auto& b) {
          return std::pair(a.encl_id, a.slot) < std::pair(b.encl_id, b.slot);
        });
        for (const hbamgr_pd_info& pd : *drives) {
          if (request->has_enclosure() && pd.encl_id != request->enclosure()) continue;
          v1::Drive* out = response->add_drives();
          FillDrive(pd, out);
          out->set_adapter(request->adapter());
        }
        if (request->has_enclosure() && response->drives().empty()) {
          // No drives: an empty enclosure, or none at all (NOT_FOUND, as
          // every missing object).
          auto enclosures = mgmt.ListEnclosures();
          if (!enclosures.ok()) return enclosures.status();
          if (std::none_of(enclosures->begin(), enclosures->end(),
                           [&](const auto& e) { return e.encl_id == request->enclosure(); })) {
            return absl::NotFoundError(
                absl::StrCat("no enclosure /", (*adapter)->name(), "/e", request->enclosure()));
          }
        }
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* InventoryService::GetDrive(grpc::CallbackServerContext* ctx,
                                                     const v1::GetDriveRequest* request,
                                                     v1::Drive* response) {
  return UnaryCall::Blocking(env_, ctx, Privilege::kRead, nullptr,
                             [request, response](UnaryCall& call) -> absl::Status {
                               auto adapter = call.env().FindAdapter(request->adapter());
                               if (!adapter.ok()) return adapter.status();
                               auto pd = FindDrive(call, **adapter, request->drive());
                               if (!pd.ok()) return pd.status();
                               FillDrive(*pd, response);
                               response->set_adapter(request->adapter());
                               return absl::OkStatus();
                             });
}

grpc::ServerUnaryReactor* InventoryService::ListVirtualDrives(
    grpc::CallbackServerContext* ctx, const v1::ListVirtualDrivesRequest* request,
    v1::ListVirtualDrivesResponse* response) {
  return UnaryCall::Blocking(
      env_, ctx, Privilege::kRead, nullptr, [request, response](UnaryCall& call) -> absl::Status {
        auto adapter = call.env().FindAdapter(request->adapter());
        if (!adapter.ok()) return adapter.status();
        auto vds = call.MgmtFor(**adapter).ListVirtualDrives();
        if (!vds.ok()) return vds.status();
        std::sort(vds->begin(), vds->end(),
                  [](const auto& a, const auto& b) { return a.vd_id < b.vd_id; });
        for (const hbamgr_vd_info& vd : *vds) {
          v1::VirtualDrive* out = response->add_virtual_drives();
          FillVirtualDrive(vd, out);
          out->set_adapter(request->adapter());
        }
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* InventoryService::GetVirtualDrive(
    grpc::CallbackServerContext* ctx, const v1::GetVirtualDriveRequest* request,
    v1::VirtualDrive* response) {
  return UnaryCall::Blocking(
      env_, ctx, Privilege::kRead, nullptr, [request, response](UnaryCall& call) -> absl::Status {
        auto adapter = call.env().FindAdapter(request->adapter());
        if (!adapter.ok()) return adapter.status();
        if (absl::Status s = CheckId16("vd_id", request->vd_id()); !s.ok()) return s;
        auto vds = call.MgmtFor(**adapter).ListVirtualDrives();
        if (!vds.ok()) return vds.status();
        for (const hbamgr_vd_info& vd : *vds) {
          if (vd.vd_id != request->vd_id()) continue;
          FillVirtualDrive(vd, response);
          response->set_adapter(request->adapter());
          return absl::OkStatus();
        }
        return absl::NotFoundError(
            absl::StrCat("no virtual drive /", request->adapter(), "/v", request->vd_id()));
      });
}

grpc::ServerUnaryReactor* InventoryService::ListBackgroundOps(
    grpc::CallbackServerContext* ctx, const v1::ListBackgroundOpsRequest* request,
    v1::ListBackgroundOpsResponse* response) {
  return UnaryCall::Blocking(env_, ctx, Privilege::kRead, nullptr,
                             [request, response](UnaryCall& call) -> absl::Status {
                               auto adapter = call.env().FindAdapter(request->adapter());
                               if (!adapter.ok()) return adapter.status();
                               auto ops = call.MgmtFor(**adapter).ListBackgroundOps();
                               if (!ops.ok()) return ops.status();
                               for (const hbamgr_bgop_info& op : *ops) {
                                 v1::BackgroundOp* out = response->add_ops();
                                 FillBackgroundOp(op, out);
                                 out->set_adapter(request->adapter());
                               }
                               return absl::OkStatus();
                             });
}

}  // namespace hbamgr::service
