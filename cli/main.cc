// hbacli: the storcli-style client of hbamgrd.  See hbacli --help.
#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <cstdlib>
#include <iostream>
#include <optional>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "cli/connection.h"
#include "cli/executor.h"
#include "cli/exit_codes.h"
#include "cli/grammar.h"
#include "cli/help.h"
#include "cli/options.h"
#include "cli/render_json.h"
#include "cli/render_table.h"
#include "cli/stream_printer.h"
#include "hbamgr_version.h"

namespace hbamgr::cli {
namespace {

// A usage error before any command ran: one line and a hint, on stderr (or
// the JSON envelope on stdout when JSON was asked for).
int UsageError(const absl::Status& status, bool json, const std::string& command) {
  if (json) {
    Report report;
    report.command = command;
    report.status = status;
    std::cout << RenderJson(report);
  } else {
    std::cerr << "hbacli: " << status.message() << "\n"
              << "hint: hbacli --help lists objects, commands and options\n";
  }
  return static_cast<int>(ExitCodeFor(status));
}

// Turns SIGINT/SIGTERM into Executor::Cancel() on a thread of its own, so a
// `watch` or `wait` ends cleanly with its report.  Construct it before any
// gRPC thread exists: the signals are blocked in every other thread (gRPC's
// inherit the mask).  Other commands keep the default: Ctrl-C ends them.
class SignalCanceller {
 public:
  SignalCanceller() {
    sigemptyset(&set_);
    sigaddset(&set_, SIGINT);
    sigaddset(&set_, SIGTERM);
    sigaddset(&set_, SIGUSR1);  // Stop()'s wake-up
    pthread_sigmask(SIG_BLOCK, &set_, nullptr);
  }

  void Start(Executor* executor) {
    thread_ = std::thread([this, executor] {
      int sig = 0;
      while (sigwait(&set_, &sig) == 0 && sig != SIGUSR1) executor->Cancel();
    });
  }

  void Stop() {
    if (!thread_.joinable()) return;
    pthread_kill(thread_.native_handle(), SIGUSR1);
    thread_.join();
  }

 private:
  sigset_t set_;
  std::thread thread_;
};

bool FollowsUntilInterrupted(const Command& cmd) {
  return cmd.kind == CommandKind::kWatchEvents || (cmd.kind == CommandKind::kStartBgop && cmd.wait);
}

int Main(int argc, char** argv) {
  absl::StatusOr<CliOptions> options = ParseOptions(argc, argv, std::getenv("HBAMGR_SOCKET"));
  if (!options.ok()) return UsageError(options.status(), JsonRequested(argc, argv), "");
  if (options->help) {
    std::cout << RenderHelp();
    return 0;
  }
  if (options->man) {
    std::cout << RenderManPage();
    return 0;
  }
  if (options->version) {
    std::cout << "hbacli " << HBAMGR_VERSION << ", JSON schema " << kJsonSchemaVersion << "\n";
    return 0;
  }
  bool json = options->json || (!options->words.empty() && options->words.back() == "J");
  absl::StatusOr<Command> cmd = ParseCommand(options->words);
  if (!cmd.ok()) {
    std::vector<std::string> words = options->words;
    if (!words.empty() && words.back() == "J") words.pop_back();
    return UsageError(cmd.status(), json, absl::StrJoin(words, " "));
  }

  std::optional<SignalCanceller> canceller;
  if (FollowsUntilInterrupted(*cmd)) canceller.emplace();
  absl::StatusOr<std::shared_ptr<grpc::Channel>> channel = OpenChannel(options->connection);
  if (!channel.ok()) {
    Report report;
    report.command = cmd->text;
    report.status = channel.status();
    std::cout << (json ? RenderJson(report) : RenderText(report));
    return static_cast<int>(ExitCodeFor(report.status));
  }
  Executor executor(*channel, options->timeout);
  if (canceller) canceller->Start(&executor);
  StreamPrinter printer(std::cout, cmd->text, json, isatty(STDOUT_FILENO) == 1);
  Report report = executor.Run(*cmd, printer);
  if (canceller) canceller->Stop();
  printer.Finish();
  if (json && cmd->kind == CommandKind::kWatchEvents) {
    std::cout << RenderJsonLine(report);  // the stream is JSON Lines to the end
  } else {
    std::cout << (json ? RenderJson(report) : RenderText(report));
  }
  return static_cast<int>(ExitCodeFor(report.status));
}

}  // namespace
}  // namespace hbamgr::cli

int main(int argc, char** argv) { return hbamgr::cli::Main(argc, argv); }
