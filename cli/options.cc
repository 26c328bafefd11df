#include "cli/options.h"

#include <boost/program_options.hpp>

namespace hbamgr::cli {

namespace po = boost::program_options;

absl::StatusOr<CliOptions> ParseOptions(int argc, const char* const* argv, const char* env_socket) {
  CliOptions out;
  if (env_socket != nullptr && env_socket[0] != '\0') out.connection.socket = env_socket;
  double timeout_s = 30;
  po::options_description desc;
  desc.add_options()("help,h", po::bool_switch(&out.help))(
      "version", po::bool_switch(&out.version))("man", po::bool_switch(&out.man))(
      "json", po::bool_switch(&out.json))("socket", po::value(&out.connection.socket))(
      "host", po::value(&out.connection.host))("tls-ca", po::value(&out.connection.tls_ca))(
      "tls-cert", po::value(&out.connection.tls_cert))(
      "tls-key", po::value(&out.connection.tls_key))("timeout", po::value(&timeout_s))(
      "words", po::value(&out.words));
  po::positional_options_description positional;
  positional.add("words", -1);
  try {
    po::variables_map vm;
    po::store(
        po::command_line_parser(argc, argv)
            .options(desc)
            .positional(positional)
            .style(po::command_line_style::unix_style ^ po::command_line_style::allow_guessing)
            .run(),
        vm);
    po::notify(vm);
  } catch (const po::error& e) {
    return absl::InvalidArgumentError(e.what());
  }
  if (!(timeout_s > 0) || timeout_s > 86400) {
    return absl::InvalidArgumentError("--timeout must be between 0 and 86400 seconds");
  }
  out.timeout = absl::Seconds(timeout_s);
  return out;
}

}  // namespace hbamgr::cli
