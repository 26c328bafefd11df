// The human form of a Report, laid out like storcli: a status header, then
// "Key = Value" blocks and tables with aligned columns between header rules.
#ifndef HBAMGR_CLI_RENDER_TABLE_H_
#define HBAMGR_CLI_RENDER_TABLE_H_

#include <string>

#include "cli/report.h"

namespace hbamgr::cli {

std::string RenderText(const Report& report);

// One table, rules included (exposed for the tests and for `watch`).
std::string RenderTable(const Table& table);

}  // namespace hbamgr::cli

#endif  // HBAMGR_CLI_RENDER_TABLE_H_
