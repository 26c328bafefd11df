// Reads one adapter the way the health model needs it: GET_INFO through the
// transport, then the firmware's controller info, enclosure, drive, VD and
// background-operation lists, and each drive's SCSI log pages, every command
// through the adapter's passthrough serializer as background work (client
// passthrough always goes first).
#ifndef HBAMGR_DAEMON_HEALTH_POLLER_H_
#define HBAMGR_DAEMON_HEALTH_POLLER_H_

#include <cstdint>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "daemon/adapter/adapter.h"
#include "daemon/adapter/mgmt.h"
#include "daemon/health/snapshot.h"

namespace hbamgr::health {

// The serializer client name of health polls (audit, fairness).
inline constexpr char kPollerClient[] = "hbamgrd:health";

class Poller {
 public:
  // `adapter` must outlive the poller.  Each command may wait in the queue
  // and run for `command_deadline` at most.
  Poller(adapter::Adapter* adapter, absl::Duration command_deadline);

  // GET_INFO into snap->info (info_ok).  NOT_FOUND once the adapter is gone.
  absl::Status ReadState(AdapterSnapshot* snap);
  // Controller, enclosures, drives (PD_LIST fields only), VDs with their
  // background operations; replaces those parts of `snap` only when every
  // list was read, so a failed read keeps the last complete inventory.
  absl::Status ReadInventory(AdapterSnapshot* snap);
  // Log pages 0x0D, 0x2F and 0x10 of one drive.
  absl::Status ReadLogPages(uint16_t pd_id, DriveLogPages* out);
  // SEND DIAGNOSTIC background self-test (1 short, 2 extended).
  absl::Status StartSelfTest(uint16_t pd_id, uint8_t code);
  adapter::Mgmt& mgmt() { return mgmt_; }

 private:
  adapter::PassthruResult Run(adapter::PassthruCommand command);
  // One SCSI command to a PD; OK only when it ended GOOD.
  absl::StatusOr<adapter::PassthruResult> Scsi(uint16_t pd_id, std::vector<uint8_t> cdb,
                                               uint32_t data_in);

  adapter::Adapter* const adapter_;
  const absl::Duration command_deadline_;
  adapter::Mgmt mgmt_;
};

}  // namespace hbamgr::health

#endif  // HBAMGR_DAEMON_HEALTH_POLLER_H_
