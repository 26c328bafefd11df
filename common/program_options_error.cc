#include "common/program_options_error.h"

#include <map>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"

namespace hbamgr {
namespace {

namespace po = boost::program_options;

// A copy of the error that can read its template and substitutions (they
// are protected members of error_with_option_name).
class OnePassMessage : public po::error_with_option_name {
 public:
  explicit OnePassMessage(const po::error_with_option_name& e) : po::error_with_option_name(e) {}

  // error_with_option_name::substitute_placeholders() with one pass each.
  std::string Format() const {
    std::map<std::string, std::string> values = m_substitutions;
    values["canonical_option"] = get_canonical_option_name();
    values["prefix"] = get_canonical_option_prefix();
    std::string message = m_error_template;
    for (const auto& [name, replacement] : m_substitution_defaults) {
      if (auto it = values.find(name); it == values.end() || it->second.empty()) {
        message = absl::StrReplaceAll(message, {{replacement.first, replacement.second}});
      }
    }
    std::vector<std::pair<std::string, std::string>> placeholders;
    for (const auto& [name, value] : values)
      placeholders.emplace_back(absl::StrCat("%", name, "%"), value);
    return absl::StrReplaceAll(message, placeholders);
  }
};

}  // namespace

std::string ProgramOptionsMessage(const po::error& e) {
  if (const auto* named = dynamic_cast<const po::error_with_option_name*>(&e)) {
    return OnePassMessage(*named).Format();
  }
  return e.what();  // no placeholders
}

}  // namespace hbamgr
