// Lookups shared by the services: the full controller record, and a
// DriveRef (pd id, or enclosure + slot) resolved against PD_LIST.
#ifndef HBAMGR_DAEMON_SERVICE_LOOKUP_H_
#define HBAMGR_DAEMON_SERVICE_LOOKUP_H_

#include <linux/hbamgr.h>

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "daemon/adapter/adapter.h"
#include "daemon/service/unary_call.h"
#include "hbamgr/v1/types.pb.h"

namespace hbamgr::service {

// GET_INFO, then CTRL_GET_INFO when the adapter is LIVE.
absl::Status FillControllerRecord(UnaryCall& call, adapter::Adapter& adapter, v1::Controller* out);

// The PD_LIST record `ref` names; NOT_FOUND naming it otherwise,
// INVALID_ARGUMENT when `ref` names nothing.
absl::StatusOr<hbamgr_pd_info> FindDrive(UnaryCall& call, adapter::Adapter& adapter,
                                         const v1::DriveRef& ref);

// "/c0/e0/s3" for a drive.
std::string DrivePath(const std::string& adapter, const hbamgr_pd_info& pd);

}  // namespace hbamgr::service

#endif  // HBAMGR_DAEMON_SERVICE_LOOKUP_H_
