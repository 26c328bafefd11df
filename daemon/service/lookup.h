// Lookups shared by the services: the full controller record, and a
// DriveRef (pd id, or enclosure + slot) resolved against PD_LIST.
#ifndef HBAMGR_DAEMON_SERVICE_LOOKUP_H_
#define HBAMGR_DAEMON_SERVICE_LOOKUP_H_

#include <linux/hbamgr.h>

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "daemon/adapter/adapter.h"
#include "daemon/service/unary_call.h"
#include "hbamgr/v1/types.pb.h"

namespace hbamgr::service {

// GET_INFO, then CTRL_GET_INFO when the adapter is LIVE.
absl::Status FillControllerRecord(UnaryCall& call, adapter::Adapter& adapter, v1::Controller* out);

// The drive `ref` names among `drives` (a PD_LIST of `adapter`):
// INVALID_ARGUMENT naming `field` when `ref` names nothing or an id beyond
// 16 bits, NOT_FOUND naming the drive when it is not there.
absl::StatusOr<hbamgr_pd_info> ResolveDrive(const std::vector<hbamgr_pd_info>& drives,
                                            const adapter::Adapter& adapter,
                                            const v1::DriveRef& ref, absl::string_view field);
// ResolveDrive() on a fresh PD_LIST.
absl::StatusOr<hbamgr_pd_info> FindDrive(UnaryCall& call, adapter::Adapter& adapter,
                                         const v1::DriveRef& ref);

// "/c0/e0/s3" for a drive.
std::string DrivePath(const std::string& adapter, const hbamgr_pd_info& pd);
// Names the PD ids of `drives` by DrivePath in firmware refusals.
adapter::DriveNamer DriveNames(const std::string& adapter, std::vector<hbamgr_pd_info> drives);

// Audit targets from a request, before anything is looked up (the adapter
// name bounded and escaped): "/c0", "/c0/e0/s3" or "/c0/pd5" for a DriveRef.
std::string AdapterPath(const std::string& adapter);
std::string DriveRefPath(const std::string& adapter, const v1::DriveRef& ref);

}  // namespace hbamgr::service

#endif  // HBAMGR_DAEMON_SERVICE_LOOKUP_H_
