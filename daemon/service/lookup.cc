#include "daemon/service/lookup.h"

#include "absl/strings/str_cat.h"
#include "daemon/service/convert.h"
#include "daemon/service/validate.h"

namespace hbamgr::service {

absl::Status FillControllerRecord(UnaryCall& call, adapter::Adapter& adapter, v1::Controller* out) {
  hbamgr_info info{};
  info.size = sizeof(info);
  if (absl::Status s = adapter.transport().GetInfo(&info); !s.ok()) return s;
  std::optional<hbamgr_ctrl_info> ctrl;
  if (info.state == HBAMGR_STATE_LIVE) {
    absl::StatusOr<hbamgr_ctrl_info> details = call.MgmtFor(adapter).CtrlInfo();
    if (details.ok()) {
      ctrl = *details;
    } else if (absl::IsDeadlineExceeded(details.status()) || absl::IsCancelled(details.status())) {
      return details.status();
    }
    // Otherwise (reset began meanwhile) answer with what GET_INFO said.
  }
  FillController(info, ctrl ? &*ctrl : nullptr, out);
  out->set_adapter(adapter.name());
  out->set_serving(adapter.serving());
  out->set_backend(call.env().backend);
  out->set_device(adapter.transport().device());
  return absl::OkStatus();
}

absl::StatusOr<hbamgr_pd_info> ResolveDrive(const std::vector<hbamgr_pd_info>& drives,
                                            const adapter::Adapter& adapter,
                                            const v1::DriveRef& ref, absl::string_view field) {
  switch (ref.by_case()) {
    case v1::DriveRef::kPdId:
      if (absl::Status s = CheckId16(absl::StrCat(field, ".pd_id"), ref.pd_id()); !s.ok()) {
        return s;
      }
      break;
    case v1::DriveRef::kSlot:
      if (absl::Status s =
              CheckId16(absl::StrCat(field, ".slot.enclosure"), ref.slot().enclosure());
          !s.ok()) {
        return s;
      }
      if (absl::Status s = CheckId16(absl::StrCat(field, ".slot.slot"), ref.slot().slot());
          !s.ok()) {
        return s;
      }
      break;
    case v1::DriveRef::BY_NOT_SET:
      return absl::InvalidArgumentError(absl::StrCat(field, ": set pd_id or slot"));
  }
  for (const hbamgr_pd_info& pd : drives) {
    if (ref.has_pd_id() ? pd.pd_id == ref.pd_id()
                        : pd.encl_id == ref.slot().enclosure() && pd.slot == ref.slot().slot()) {
      return pd;
    }
  }
  if (ref.has_pd_id()) {
    return absl::NotFoundError(
        absl::StrCat("no drive with pd id ", ref.pd_id(), " on ", adapter.name()));
  }
  return absl::NotFoundError(absl::StrCat("no drive in /", adapter.name(), "/e",
                                          ref.slot().enclosure(), "/s", ref.slot().slot()));
}

absl::StatusOr<hbamgr_pd_info> FindDrive(UnaryCall& call, adapter::Adapter& adapter,
                                         const v1::DriveRef& ref) {
  if (ref.by_case() == v1::DriveRef::BY_NOT_SET) return ResolveDrive({}, adapter, ref, "drive");
  absl::StatusOr<std::vector<hbamgr_pd_info>> drives = call.MgmtFor(adapter).ListDrives();
  if (!drives.ok()) return drives.status();
  return ResolveDrive(*drives, adapter, ref, "drive");
}

std::string DrivePath(const std::string& adapter, const hbamgr_pd_info& pd) {
  return absl::StrCat("/", adapter, "/e", pd.encl_id, "/s", pd.slot);
}

adapter::DriveNamer DriveNames(const std::string& adapter, std::vector<hbamgr_pd_info> drives) {
  return [adapter, drives = std::move(drives)](uint16_t pd_id) {
    for (const hbamgr_pd_info& pd : drives) {
      if (pd.pd_id == pd_id) return DrivePath(adapter, pd);
    }
    return adapter::DefaultDriveName(pd_id);
  };
}

std::string AdapterPath(const std::string& adapter) { return absl::StrCat("/", Echo(adapter)); }

std::string DriveRefPath(const std::string& adapter, const v1::DriveRef& ref) {
  switch (ref.by_case()) {
    case v1::DriveRef::kPdId:
      return absl::StrCat(AdapterPath(adapter), "/pd", ref.pd_id());
    case v1::DriveRef::kSlot:
      return absl::StrCat(AdapterPath(adapter), "/e", ref.slot().enclosure(), "/s",
                          ref.slot().slot());
    case v1::DriveRef::BY_NOT_SET:
      break;
  }
  return AdapterPath(adapter);
}

}  // namespace hbamgr::service
