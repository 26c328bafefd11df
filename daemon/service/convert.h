// ABI records (<linux/hbamgr.h>) and store rows to hbamgr.v1 messages, and
// back for request enums.  hbamgr.v1 enums are the ABI value + 1 (0 is
// UNSPECIFIED), except FaultType which equals enum hbamgr_fault.
#ifndef HBAMGR_DAEMON_SERVICE_CONVERT_H_
#define HBAMGR_DAEMON_SERVICE_CONVERT_H_

#include <linux/hbamgr.h>

#include <optional>
#include <string>

#include "absl/status/status.h"
#include "daemon/store/store.h"
#include "grpcpp/support/status.h"
#include "hbamgr/v1/types.pb.h"

namespace hbamgr::service {

grpc::Status ToGrpc(const absl::Status& status);

// "PD_STATE_CHANGE" for HBAMGR_EVT_PD_STATE_CHANGE, "0x1234" when unknown.
std::string EventCodeName(uint32_t code);

// GET_INFO plus, when the adapter answered it, CTRL_GET_INFO.
void FillController(const hbamgr_info& info, const hbamgr_ctrl_info* ctrl, v1::Controller* out);
void FillEnclosure(const hbamgr_encl_info& in, v1::Enclosure* out);
void FillDrive(const hbamgr_pd_info& in, v1::Drive* out);
void FillVirtualDrive(const hbamgr_vd_info& in, v1::VirtualDrive* out);
void FillBackgroundOp(const hbamgr_bgop_info& in, v1::BackgroundOp* out);
void FillEvent(const std::string& adapter, const store::EventRow& row, v1::Event* out);

v1::AdapterState ToProtoAdapterState(uint32_t state);
v1::DriveState ToProtoDriveState(uint8_t pd_state);
v1::CommandStatus ToProtoCommandStatus(uint32_t status);

// Request enums to ABI values; nullopt for UNSPECIFIED or unknown.
std::optional<uint8_t> ToAbiDriveState(v1::DriveState state);
std::optional<uint8_t> ToAbiBgopType(v1::BackgroundOpType type);
std::optional<uint8_t> ToAbiSeverity(v1::Severity severity);
std::optional<uint8_t> ToAbiEventClass(v1::EventClass event_class);

}  // namespace hbamgr::service

#endif  // HBAMGR_DAEMON_SERVICE_CONVERT_H_
