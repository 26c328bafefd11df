#include "daemon/service/passthrough_request.h"

#include <linux/hbamgr.h>

#include <algorithm>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "daemon/adapter/firmware_status.h"
#include "daemon/service/convert.h"
#include "daemon/service/validate.h"

namespace hbamgr::service {
namespace {

// The data direction and length from the request's `data` oneof and its
// timeout, checked against the adapter's transfer limit; the data itself
// is copied only once everything else was checked (by the caller).
template <typename Request>
absl::Status CheckDataAndTimeout(const Request& request, const AdapterLimits& limits,
                                 hbamgr_passthru* pt) {
  if (request.has_data_out()) {
    if (request.data_out().empty()) {
      return Invalid("data_out", "0 bytes", "omit data for a command that moves none");
    }
    if (absl::Status s = CheckBytesAtMost("data_out", request.data_out().size(),
                                          limits.max_transfer, "the adapter's max_transfer");
        !s.ok()) {
      return s;
    }
    pt->dir = HBAMGR_DIR_TO_DEV;
    pt->data_len = static_cast<uint32_t>(request.data_out().size());
  } else if (request.data_in_length() != 0) {
    if (absl::Status s = CheckBytesAtMost("data_in_length", request.data_in_length(),
                                          limits.max_transfer, "the adapter's max_transfer");
        !s.ok()) {
      return s;
    }
    pt->dir = HBAMGR_DIR_FROM_DEV;
    pt->data_len = request.data_in_length();
  } else {
    pt->dir = HBAMGR_DIR_NONE;
  }
  if (absl::Status s = CheckAtMost("timeout_ms", request.timeout_ms(), HBAMGR_PT_TIMEOUT_MAX_MS,
                                   "HBAMGR_PT_TIMEOUT_MAX_MS");
      !s.ok()) {
    return s;
  }
  pt->timeout_ms = request.timeout_ms();
  return absl::OkStatus();
}

template <typename Request>
void CopyDataOut(const Request& request, adapter::PassthruCommand* command) {
  if (command->pt.dir == HBAMGR_DIR_TO_DEV) {
    command->data.assign(request.data_out().begin(), request.data_out().end());
  }
}

}  // namespace

absl::StatusOr<adapter::PassthruCommand> ScsiCommand(const v1::ScsiRequest& request,
                                                     const AdapterLimits& limits) {
  adapter::PassthruCommand command;
  hbamgr_passthru& pt = command.pt;
  if (request.cdb().size() < HBAMGR_CDB_MIN || request.cdb().size() > HBAMGR_CDB_MAX) {
    return Invalid("cdb", absl::StrCat(request.cdb().size(), " bytes"),
                   absl::StrCat(HBAMGR_CDB_MIN, "..", HBAMGR_CDB_MAX,
                                " bytes (HBAMGR_CDB_MIN..HBAMGR_CDB_MAX)"));
  }
  if (absl::Status s = CheckId16("target", request.target()); !s.ok()) return s;
  if (absl::Status s =
          CheckAtMost("sense_length", request.sense_length(), HBAMGR_SENSE_MAX, "HBAMGR_SENSE_MAX");
      !s.ok()) {
    return s;
  }
  if (absl::Status s = CheckDataAndTimeout(request, limits, &pt); !s.ok()) return s;
  pt.type = HBAMGR_PT_SCSI;
  pt.flags = request.physical() ? HBAMGR_PT_F_PHYS : 0;
  pt.target = static_cast<uint16_t>(request.target());
  pt.cdb_len = static_cast<uint8_t>(request.cdb().size());
  std::memcpy(pt.cdb, request.cdb().data(), request.cdb().size());
  pt.sense_len = request.sense_length() != 0 ? request.sense_length() : HBAMGR_SENSE_MAX;
  CopyDataOut(request, &command);
  return command;
}

absl::StatusOr<adapter::PassthruCommand> FirmwareCommand(const v1::FirmwareRequest& request,
                                                         const AdapterLimits& limits) {
  adapter::PassthruCommand command;
  hbamgr_passthru& pt = command.pt;
  if (absl::Status s =
          CheckBytesAtMost("mbox", request.mbox().size(), HBAMGR_CDB_MAX, "HBAMGR_CDB_MAX");
      !s.ok()) {
    return s;
  }
  if (absl::Status s = CheckDataAndTimeout(request, limits, &pt); !s.ok()) return s;
  pt.type = HBAMGR_PT_MGMT;
  pt.opcode = request.opcode();
  std::memcpy(pt.cdb, request.mbox().data(), request.mbox().size());
  CopyDataOut(request, &command);
  return command;
}

void FillPassthroughResponse(const adapter::PassthruResult& result,
                             v1::PassthroughResponse* response) {
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
  if (pt.type == HBAMGR_PT_MGMT && pt.reason != HBAMGR_RSN_NONE) {
    v1::RefusalReason* reason = response->mutable_reason();
    reason->set_code(pt.reason);
    reason->set_name(adapter::ReasonName(pt.reason));
    reason->set_id(pt.reason_id);
    reason->set_value(pt.reason_value);
    reason->set_limit(pt.reason_limit);
    reason->set_text(adapter::RefusalText(pt, adapter::DefaultDriveName));
  }
}

}  // namespace hbamgr::service
