// A health snapshot with one of everything /metrics renders (every drive
// and VD state that matters, running and finished background operations,
// log pages read, open alerts), for the exporter's tests and for
// exporter_sample_metrics, whose output the metrics documentation test
// reads as "everything the exporter can export".
#ifndef HBAMGR_DAEMON_EXPORTER_SAMPLE_SNAPSHOT_H_
#define HBAMGR_DAEMON_EXPORTER_SAMPLE_SNAPSHOT_H_

#include <memory>

#include "daemon/health/snapshot.h"

namespace hbamgr::exporter {

// Adapter c0, enclosure 0 (link up, slots 0..5) and enclosure 1 (link
// down):
//   e0/s0 pd 10  online SAS HDD, member of v0, media errors, locate LED lit
//   e0/s1 pd 11  failed, member of v0 (degraded)
//   e0/s2 pd 12  rebuild (running rebuild at 40%), member of v1
//   e0/s3 pd 13  online SATA SSD, member of v1; SMART trip, failed self-test
//   e0/s4 pd 14  hotspare
//   e1/s0 pd 15  missing
//   v0 RAID 1 "data" degraded; v1 RAID 1 "logs" optimal with a consistency
//   check at 25% and an initialization at 75% running; a patrol read at 10%.
std::shared_ptr<const health::AdapterSnapshot> SampleSnapshot();

}  // namespace hbamgr::exporter

#endif  // HBAMGR_DAEMON_EXPORTER_SAMPLE_SNAPSHOT_H_
