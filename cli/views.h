// Views of the daemon's records: each record as a JSON object (every field,
// null when absent: the documented schema) and as table rows and property
// blocks for the human form.
#ifndef HBAMGR_CLI_VIEWS_H_
#define HBAMGR_CLI_VIEWS_H_

#include <string>
#include <string_view>
#include <vector>

#include "cli/json_value.h"
#include "cli/report.h"
#include "hbamgr/v1/events.pb.h"
#include "hbamgr/v1/inventory.pb.h"
#include "hbamgr/v1/passthrough.pb.h"
#include "hbamgr/v1/types.pb.h"

namespace hbamgr::cli {

// The JSON spelling of a proto enum value: "ADAPTER_STATE_LIVE" with prefix
// "ADAPTER_STATE_" -> "live".
std::string JsonEnumName(const std::string& proto_name, std::string_view prefix);

// Short display names, storcli style ("Onln", "Dgrd", ...).
std::string DriveStateShort(v1::DriveState state);
std::string VirtualDriveStateShort(v1::VirtualDriveState state);

Json ControllerJson(const v1::Controller& c);
Json EnclosureJson(const v1::Enclosure& e);
Json DriveJson(const v1::Drive& d);
Json VirtualDriveJson(const v1::VirtualDrive& vd);
Json BackgroundOpJson(const v1::BackgroundOp& op);
Json EventJson(const v1::Event& ev);
Json PassthroughJson(const v1::PassthroughResponse& r);

// `show`: one row per adapter.
Table ControllerTable(const std::vector<v1::Controller>& controllers);
// `/cX show`: the basics; with `all` also limits, counters and features.
Properties ControllerProperties(const v1::Controller& c, bool all);
Table EnclosureTable(const std::vector<v1::Enclosure>& enclosures);
Table DriveTable(const std::vector<v1::Drive>& drives);
Properties DriveProperties(const v1::Drive& d);
Properties DriveSmartProperties(const v1::Drive& d);
Properties DriveErrorCounterProperties(const v1::Drive& d);
// `drives` resolves member pd ids to "E:S" (may be empty).
Table VirtualDriveTable(const std::vector<v1::VirtualDrive>& vds);
Table VirtualDriveMemberTable(const v1::VirtualDrive& vd, const std::vector<v1::Drive>& drives);
// Progress bars, one row per operation.
Table BackgroundOpTable(const std::vector<v1::BackgroundOp>& ops,
                        const std::vector<v1::Drive>& drives);
Table EventTable(const std::vector<v1::Event>& events);
// One line per event, for `watch events`.
std::string EventLine(const v1::Event& ev);
// Status, data hex dump and decoded sense.
std::vector<Section> PassthroughSections(const v1::PassthroughResponse& r);

}  // namespace hbamgr::cli

#endif  // HBAMGR_CLI_VIEWS_H_
