// What a command produced, independent of the output form: the sections the
// table renderer prints and the data the JSON renderer wraps in the schema
// envelope.  Both are built from the same daemon replies by views.h.
#ifndef HBAMGR_CLI_REPORT_H_
#define HBAMGR_CLI_REPORT_H_

#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "absl/status/status.h"
#include "cli/json_value.h"

namespace hbamgr::cli {

// "Key = Value" lines, storcli's property blocks.
struct Properties {
  std::string title = {};
  std::vector<std::pair<std::string, std::string>> items = {};
};

struct Column {
  std::string header = {};
  bool right_aligned = false;  // numbers and sizes
};

// Aligned columns between header rules.
struct Table {
  std::string title = {};
  std::vector<Column> columns = {};
  std::vector<std::vector<std::string>> rows = {};
  std::string legend = {};  // abbreviations used in the rows, printed below
};

// Preformatted lines (hex dumps).
struct TextBlock {
  std::string title = {};
  std::vector<std::string> lines = {};
};

using Section = std::variant<Properties, Table, TextBlock>;

struct Report {
  std::string command;  // as typed, e.g. "/c0 show all"
  // OK, or why the command failed (the exit status follows from it).  A
  // failed report may still carry data (a passthrough that ended with CHECK
  // CONDITION has its sense data).
  absl::Status status;
  std::string description;  // one line for humans; "" = none
  std::vector<Section> sections;
  Json data;  // the "data" member of the JSON envelope
};

}  // namespace hbamgr::cli

#endif  // HBAMGR_CLI_REPORT_H_
