// Passthrough requests to adapter commands, validated against the shared
// limits (<linux/hbamgr.h>) and the adapter's own (GET_INFO) before a byte
// of their data is copied, and command results back to the response.
#ifndef HBAMGR_DAEMON_SERVICE_PASSTHROUGH_REQUEST_H_
#define HBAMGR_DAEMON_SERVICE_PASSTHROUGH_REQUEST_H_

#include <cstdint>

#include "absl/status/statusor.h"
#include "daemon/adapter/passthru_serializer.h"
#include "hbamgr/v1/passthrough.pb.h"

namespace hbamgr::service {

// What the adapter reported in GET_INFO.
struct AdapterLimits {
  uint32_t max_transfer = 0;  // hbamgr_info.max_transfer, bytes
};

// INVALID_ARGUMENT naming the field, the value and the limit when the
// request does not fit; the command otherwise (data_out copied, sense sized
// HBAMGR_SENSE_MAX unless the request asks for less).
absl::StatusOr<adapter::PassthruCommand> ScsiCommand(const v1::ScsiRequest& request,
                                                     const AdapterLimits& limits);
absl::StatusOr<adapter::PassthruCommand> FirmwareCommand(const v1::FirmwareRequest& request,
                                                         const AdapterLimits& limits);

// How the command ended, its data, sense and (firmware frames) the reason
// for a refusal.
void FillPassthroughResponse(const adapter::PassthruResult& result,
                             v1::PassthroughResponse* response);

}  // namespace hbamgr::service

#endif  // HBAMGR_DAEMON_SERVICE_PASSTHROUGH_REQUEST_H_
