// The versioned JSON form of a Report (docs/cli.md, "JSON"):
//   {"hbacli_schema": 1, "command": "...", "status": "success"|"failure",
//    "description": ..., "error": null|{...}, "data": {...}|null}
#ifndef HBAMGR_CLI_RENDER_JSON_H_
#define HBAMGR_CLI_RENDER_JSON_H_

#include <string>

#include "cli/json_value.h"
#include "cli/report.h"

namespace hbamgr::cli {

inline constexpr int kJsonSchemaVersion = 1;

// The envelope as a value, for callers that embed it (watch prints one per
// line).
Json ReportJson(const Report& report);

// Pretty-printed envelope plus a newline.
std::string RenderJson(const Report& report);

// One line, for streams (watch events --json): JSON Lines.
std::string RenderJsonLine(const Report& report);

}  // namespace hbamgr::cli

#endif  // HBAMGR_CLI_RENDER_JSON_H_
