#include "cli/render_json.h"

#include "cli/exit_codes.h"

namespace hbamgr::cli {

Json ReportJson(const Report& report) {
  Json error;
  if (!report.status.ok()) {
    error = Json::Object{
        {"code", std::string(absl::StatusCodeToString(report.status.code()))},
        {"exit_status", static_cast<int>(ExitCodeFor(report.status))},
        {"message", std::string(report.status.message())},
    };
  }
  Json description;
  if (!report.description.empty()) description = report.description;
  return Json::Object{
      {"hbacli_schema", kJsonSchemaVersion},
      {"command", report.command},
      {"status", report.status.ok() ? "success" : "failure"},
      {"description", description},
      {"error", error},
      {"data", report.data},
  };
}

std::string RenderJson(const Report& report) { return ReportJson(report).Serialize(2) + "\n"; }

std::string RenderJsonLine(const Report& report) { return ReportJson(report).Serialize() + "\n"; }

}  // namespace hbamgr::cli
