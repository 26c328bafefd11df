// hbacli's manual: one text, rendered for --help (plain, 80 columns) and as
// the troff man page docs/hbacli.1 (hbacli --man > docs/hbacli.1; a test
// checks the committed page matches).
#ifndef HBAMGR_CLI_HELP_H_
#define HBAMGR_CLI_HELP_H_

#include <string>
#include <vector>

namespace hbamgr::cli {

// A paragraph (empty term), or a term with its description.
struct HelpItem {
  std::string term;
  std::string text;
};

struct HelpSection {
  std::string name;  // "NAME", "SYNOPSIS", ...
  std::vector<HelpItem> items;
};

const std::vector<HelpSection>& HelpSections();

std::string RenderHelp();
std::string RenderManPage();

}  // namespace hbamgr::cli

#endif  // HBAMGR_CLI_HELP_H_
