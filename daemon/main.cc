// hbamgrd: the hbamgr management daemon (see hbamgrd --help).
#include <fcntl.h>
#include <grpc/grpc.h>
#include <unistd.h>

#include <cstdio>
#include <memory>

#include "daemon/app/daemon.h"
#include "daemon/app/options.h"
#include "daemon/sys/log.h"
#include "daemon/sys/notify.h"
#include "daemon/sys/signals.h"
#include "hbamgr_version.h"

namespace {

// Detaches like daemon(3) but the parent waits until the child is serving:
// returns in the child with the fd to write one byte to when ready; the
// parent exits 0 on that byte, 1 when the child died first.
int Detach() {
  int pipe_fds[2];
  if (pipe2(pipe_fds, O_CLOEXEC) < 0) {
    std::perror("hbamgrd: pipe");
    std::exit(1);
  }
  pid_t pid = fork();
  if (pid < 0) {
    std::perror("hbamgrd: fork");
    std::exit(1);
  }
  if (pid > 0) {
    close(pipe_fds[1]);
    char byte;
    std::exit(read(pipe_fds[0], &byte, 1) == 1 ? 0 : 1);
  }
  close(pipe_fds[0]);
  setsid();
  if (int null_fd = open("/dev/null", O_RDWR); null_fd >= 0) {
    dup2(null_fd, STDIN_FILENO);
    dup2(null_fd, STDOUT_FILENO);
    dup2(null_fd, STDERR_FILENO);
    if (null_fd > STDERR_FILENO) close(null_fd);
  }
  return pipe_fds[1];
}

}  // namespace

int main(int argc, char** argv) {
  using hbamgr::app::CommandLine;
  absl::StatusOr<CommandLine> command_line = hbamgr::app::ParseCommandLine(argc, argv);
  if (!command_line.ok()) {
    std::fprintf(stderr, "hbamgrd: %s\n", std::string(command_line.status().message()).c_str());
    return 2;
  }
  if (command_line->help) {
    std::fputs(hbamgr::app::HelpText().c_str(), stdout);
    return 0;
  }
  if (command_line->man) {
    std::fputs(hbamgr::app::ManPage().c_str(), stdout);
    return 0;
  }
  if (command_line->version) {
    std::printf("hbamgrd %s\n", HBAMGR_VERSION);
    return 0;
  }
  absl::StatusOr<hbamgr::config::DaemonConfig> config =
      hbamgr::app::LoadEffectiveConfig(*command_line);
  if (!config.ok()) {
    std::fprintf(stderr, "hbamgrd: %s\n", std::string(config.status().message()).c_str());
    return 1;
  }
  const bool detach = !command_line->foreground && !hbamgr::sys::Notifier::Enabled();
  const int ready_fd = detach ? Detach() : -1;

  // Before any thread: every thread inherits the blocked signal mask.
  auto signals = hbamgr::sys::SignalWatcher::Create();
  hbamgr::sys::Logger logger(config->log_level, command_line->foreground
                                                    ? hbamgr::sys::LogSink::kStderr
                                                : detach ? hbamgr::sys::LogSink::kJournal
                                                         : hbamgr::sys::LogSink::kAuto);
  if (!signals.ok()) {
    logger.Log(hbamgr::sys::LogLevel::kError, "signal setup failed",
               {{"ERROR", signals.status().ToString()}});
    return 1;
  }
  // hbamgrd holds gRPC for the life of the process and never runs its final
  // grpc_shutdown(): that joins gRPC's executor thread, which may sit in the
  // TCP backup poller's 10 s poll after a large message (a full-size
  // passthrough), so the daemon's teardown (grpc::Server's destructor) took
  // 10 s and ran into the shutdown backstop.  Exiting releases everything.
  grpc_init();
  hbamgr::app::Daemon daemon(*command_line, *config, *std::move(signals), &logger);
  absl::Status started = daemon.Start([ready_fd] {
    if (ready_fd >= 0) {
      (void)!write(ready_fd, "R", 1);
      close(ready_fd);
    }
  });
  if (!started.ok()) {
    logger.Log(hbamgr::sys::LogLevel::kError, "start-up failed", {{"ERROR", started.ToString()}});
    return 1;
  }
  return daemon.Run();
}
