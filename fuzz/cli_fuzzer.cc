// libFuzzer target: hbacli's command line (cli/options, cli/grammar) on
// arbitrary words, one per line of the input.  The contract: a parsed
// command, or INVALID_ARGUMENT with a one-line message (grammar.h); never a
// crash, an exception or an abort.
#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/str_split.h"
#include "cli/grammar.h"
#include "cli/options.h"
#include "fuzz/check.h"

namespace {

void CheckRefusal(const absl::Status& s, const char* what) {
  FUZZ_CHECK(s.code() == absl::StatusCode::kInvalidArgument, "%s: %s", what, s.ToString().c_str());
  FUZZ_CHECK(!s.message().empty(), "%s: empty message", what);
  FUZZ_CHECK(s.message().find('\n') == absl::string_view::npos, "%s: message is not one line: %s",
             what, s.ToString().c_str());
}

template <typename T>
void CheckResult(const absl::StatusOr<T>& r, const char* what) {
  if (!r.ok()) CheckRefusal(r.status(), what);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::vector<std::string> words =
      absl::StrSplit(absl::string_view(reinterpret_cast<const char*>(data), size), '\n');
  // The words as a command (what follows the options)...
  CheckResult(hbamgr::cli::ParseCommand(words), "ParseCommand");
  for (const std::string& word : words) {
    CheckResult(hbamgr::cli::ParseDriveList(word), "ParseDriveList");
    CheckResult(hbamgr::cli::ParseEventFilter(word), "ParseEventFilter");
    CheckResult(hbamgr::cli::ParseHex(word), "ParseHex");
  }
  // ...and as the whole command line, options first.
  std::vector<const char*> argv = {"hbacli"};
  for (const std::string& word : words) argv.push_back(word.c_str());
  absl::StatusOr<hbamgr::cli::CliOptions> options =
      hbamgr::cli::ParseOptions(static_cast<int>(argv.size()), argv.data(), nullptr);
  CheckResult(options, "ParseOptions");
  if (options.ok() && !options->words.empty()) {
    CheckResult(hbamgr::cli::ParseCommand(options->words), "ParseCommand after options");
  }
  return 0;
}
