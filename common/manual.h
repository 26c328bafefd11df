// A program's manual as data, rendered two ways: plain text for --help (80
// columns) and a troff man page (man(7) macros).  hbacli and hbamgrd render
// both from one text, so their committed man pages (docs/hbacli.1,
// docs/hbamgrd.8) can be checked against --help by comparing bytes.
#ifndef HBAMGR_COMMON_MANUAL_H_
#define HBAMGR_COMMON_MANUAL_H_

#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace hbamgr::manual {

// A paragraph (empty term), or a term with its description.
struct Item {
  std::string term;
  std::string text;
};

struct Section {
  std::string name;  // "NAME", "SYNOPSIS", ...
  std::vector<Item> items;
};

// Section names at the left margin, paragraphs and terms indented by 7,
// descriptions by 11, words wrapped at 80 columns.
std::string RenderText(const std::vector<Section>& sections);

// The man page: a comment naming what generated it (`origin`, e.g. "'hbacli
// --man' from cli/help.cc"), .TH TITLE SECTION, then .SH per section, .PP per
// paragraph and .TP/.B per term.  Text is escaped for troff.
std::string RenderManPage(const std::vector<Section>& sections, absl::string_view title,
                          int man_section, absl::string_view origin);

}  // namespace hbamgr::manual

#endif  // HBAMGR_COMMON_MANUAL_H_
