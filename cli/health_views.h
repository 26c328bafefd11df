// Views of the health service's replies (hbamgr.v1.Health): JSON objects
// (every field, null when absent) and the tables of `show health` and `show
// alerts`.
#ifndef HBAMGR_CLI_HEALTH_VIEWS_H_
#define HBAMGR_CLI_HEALTH_VIEWS_H_

#include <string>
#include <vector>

#include "cli/json_value.h"
#include "cli/report.h"
#include "hbamgr/v1/health.pb.h"

namespace hbamgr::cli {

// "ok", "warning", "critical", "failed".
std::string HealthName(v1::HealthState state);

Json HealthReasonJson(const v1::HealthReason& r);
Json ObjectHealthJson(const v1::ObjectHealth& o);
Json AdapterHealthJson(const v1::AdapterHealth& a);
Json AlertJson(const v1::Alert& a);
Json TestAlertJson(const v1::SendTestAlertResponse& r);

// `show health`: one row per controller.
Table SystemHealthTable(const v1::GetHealthResponse& health);
// `/cN show health`: the controller's health, its reasons and every object.
std::vector<Section> AdapterHealthSections(const v1::AdapterHealth& a);
// `/cN show alerts [all]`.
Table AlertTable(const std::vector<v1::Alert>& alerts);
Properties AlertProperties(const v1::Alert& a);
Properties TestAlertProperties(const v1::SendTestAlertResponse& r);

}  // namespace hbamgr::cli

#endif  // HBAMGR_CLI_HEALTH_VIEWS_H_
