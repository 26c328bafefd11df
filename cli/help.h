// hbacli's manual: one text, rendered for --help (plain, 80 columns) and as
// the troff man page docs/hbacli.1 (hbacli --man > docs/hbacli.1; a test
// checks the committed page matches).
#ifndef HBAMGR_CLI_HELP_H_
#define HBAMGR_CLI_HELP_H_

#include <string>
#include <vector>

#include "common/manual.h"

namespace hbamgr::cli {

using HelpItem = manual::Item;
using HelpSection = manual::Section;

const std::vector<HelpSection>& HelpSections();

std::string RenderHelp();
std::string RenderManPage();

}  // namespace hbamgr::cli

#endif  // HBAMGR_CLI_HELP_H_
