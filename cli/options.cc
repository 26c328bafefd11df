#include "cli/options.h"

#include <boost/program_options.hpp>
#include <string>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

#include "common/program_options_error.h"

namespace hbamgr::cli {

namespace po = boost::program_options;

namespace {

constexpr double kMaxTimeoutS = 86400;

// The options hbacli takes, stored into `out`; --timeout as text, checked
// by the caller.
po::options_description Describe(CliOptions& out, std::string& timeout) {
  po::options_description desc;
  desc.add_options()("help,h", po::bool_switch(&out.help))(
      "version", po::bool_switch(&out.version))("man", po::bool_switch(&out.man))(
      "json", po::bool_switch(&out.json))("socket", po::value(&out.connection.socket))(
      "host", po::value(&out.connection.host))("tls-ca", po::value(&out.connection.tls_ca))(
      "tls-cert", po::value(&out.connection.tls_cert))(
      "tls-key", po::value(&out.connection.tls_key))("timeout", po::value(&timeout))(
      "words", po::value(&out.words));
  return desc;
}

// Parses into `out`; unknown options are left in `unknown` when it is not
// null, else they are an error.  Throws po::error.
void Run(int argc, const char* const* argv, CliOptions& out, std::string& timeout,
         std::vector<std::string>* unknown) {
  po::options_description desc = Describe(out, timeout);
  po::positional_options_description positional;
  positional.add("words", -1);
  po::command_line_parser parser(argc, argv);
  parser.options(desc)
      .positional(positional)
      .style(po::command_line_style::unix_style ^ po::command_line_style::allow_guessing);
  if (unknown != nullptr) parser.allow_unregistered();
  po::parsed_options parsed = parser.run();
  if (unknown != nullptr)
    *unknown = po::collect_unrecognized(parsed.options, po::exclude_positional);
  po::variables_map vm;
  po::store(parsed, vm);
  po::notify(vm);
}

}  // namespace

absl::StatusOr<CliOptions> ParseOptions(int argc, const char* const* argv, const char* env_socket) {
  CliOptions out;
  if (env_socket != nullptr && env_socket[0] != '\0') out.connection.socket = env_socket;
  std::string timeout = "30";
  try {
    Run(argc, argv, out, timeout, nullptr);
  } catch (const po::error& e) {
    return absl::InvalidArgumentError(ProgramOptionsMessage(e));
  }
  double timeout_s = 0;
  if (!absl::SimpleAtod(timeout, &timeout_s)) {
    return absl::InvalidArgumentError(
        absl::StrCat("--timeout '", timeout, "': not a number of seconds"));
  }
  if (!(timeout_s > 0) || timeout_s > kMaxTimeoutS) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--timeout ", timeout, ": must be more than 0 and at most ", kMaxTimeoutS, " seconds"));
  }
  out.timeout = absl::Seconds(timeout_s);
  return out;
}

bool JsonRequested(int argc, const char* const* argv) {
  CliOptions out;
  std::string timeout;
  std::vector<std::string> unknown;
  try {
    Run(argc, argv, out, timeout, &unknown);
  } catch (const po::error&) {
    // Even the words could not be told apart (an option lacks its value).
    for (int i = 1; i < argc; ++i) {
      if (std::string(argv[i]) == "--json") return true;
    }
    return argc > 1 && std::string(argv[argc - 1]) == "J";
  }
  return out.json || (!out.words.empty() && out.words.back() == "J");
}

}  // namespace hbamgr::cli
