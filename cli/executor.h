// Runs a parsed Command against hbamgrd through the hbamgr.v1 gRPC stubs and
// builds its Report.
#ifndef HBAMGR_CLI_EXECUTOR_H_
#define HBAMGR_CLI_EXECUTOR_H_

#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "cli/grammar.h"
#include "cli/report.h"
#include "grpcpp/channel.h"
#include "grpcpp/client_context.h"
#include "hbamgr/v1/events.grpc.pb.h"
#include "hbamgr/v1/health.grpc.pb.h"
#include "hbamgr/v1/inventory.grpc.pb.h"
#include "hbamgr/v1/maintenance.grpc.pb.h"
#include "hbamgr/v1/passthrough.grpc.pb.h"

namespace hbamgr::cli {

// Where streaming commands report as they go: `watch events` calls Event()
// per event, `... wait` calls Progress() per poll.
class StreamSink {
 public:
  virtual ~StreamSink() = default;
  virtual void Event(const v1::Event& event) = 0;
  virtual void Progress(const v1::BackgroundOp& op) = 0;
};

class Executor {
 public:
  // `timeout` bounds each call to the daemon (not a whole `wait` or `watch`).
  Executor(std::shared_ptr<grpc::Channel> channel, absl::Duration timeout);

  // Never fails as such: errors are in Report::status.
  Report Run(const Command& cmd, StreamSink& sink);

  // Thread-safe (signal thread): ends a running `watch` or `wait`; Run()
  // then returns an OK report of what was seen so far.
  void Cancel();

 private:
  absl::Status Dispatch(const Command& cmd, StreamSink& sink, Report& report);

  absl::Status ShowSystem(Report& report);
  absl::Status ShowController(const Command& cmd, Report& report);
  absl::Status ShowDrives(const Command& cmd, Report& report);
  absl::Status ShowDrive(const Command& cmd, Report& report);
  absl::Status ShowVds(const Command& cmd, Report& report);
  absl::Status ShowVd(const Command& cmd, Report& report);
  absl::Status ShowEvents(const Command& cmd, Report& report);
  absl::Status ShowBgops(const Command& cmd, Report& report);
  absl::Status WatchEvents(const Command& cmd, StreamSink& sink, Report& report);
  absl::Status Locate(const Command& cmd, Report& report);
  absl::Status AddVd(const Command& cmd, Report& report);
  absl::Status DeleteVd(const Command& cmd, Report& report);
  absl::Status StartStopBgop(const Command& cmd, StreamSink& sink, Report& report);
  absl::Status SetDriveState(const Command& cmd, Report& report);
  absl::Status SetController(const Command& cmd, Report& report);
  absl::Status Restart(const Command& cmd, Report& report);
  absl::Status Passthru(const Command& cmd, Report& report);
  absl::Status InjectFault(const Command& cmd, Report& report);
  absl::Status ShowHealth(const Command& cmd, Report& report);
  absl::Status ShowAlerts(const Command& cmd, Report& report);
  absl::Status AckAlert(const Command& cmd, Report& report);
  absl::Status TestAlert(const Command& cmd, Report& report);

  // Follows the operation (started at or after min_started_ns) until it is
  // no longer running; OK when it ended DONE, ABORTED when it was aborted or
  // failed.
  absl::Status WaitForBgop(const Command& cmd, v1::BackgroundOpType type, uint32_t target,
                           uint64_t min_started_ns, StreamSink& sink, Report& report);

  // One unary call to the daemon, `stub.*rpc(request, response)`, bounded by
  // the per-call timeout; a failed call comes back as the CLI's status.
  template <typename Stub, typename Request, typename Response>
  absl::Status Call(Stub& stub,
                    grpc::Status (Stub::*rpc)(grpc::ClientContext*, const Request&, Response*),
                    const Request& request, Response* response) const;
  absl::StatusOr<std::vector<v1::Drive>> ListDrives(const std::string& adapter,
                                                    std::optional<uint32_t> enclosure);
  absl::StatusOr<std::vector<v1::BackgroundOp>> ListOps(const std::string& adapter);
  absl::StatusOr<v1::Drive> GetDrive(const Command& cmd);

  // True once Cancel() was called; waits up to `d` for it.
  bool WaitCancelled(absl::Duration d);

  const absl::Duration timeout_;
  std::unique_ptr<v1::Inventory::Stub> inventory_;
  std::unique_ptr<v1::Events::Stub> events_;
  std::unique_ptr<v1::Maintenance::Stub> maintenance_;
  std::unique_ptr<v1::Passthrough::Stub> passthrough_;
  std::unique_ptr<v1::Health::Stub> health_;

  // Protects cancelled_ and stream_.  A leaf lock: nothing else is taken
  // while it is held (TryCancel() takes only gRPC-internal locks).
  absl::Mutex mu_;
  bool cancelled_ ABSL_GUARDED_BY(mu_) = false;
  // The streaming call in progress, cancelled by Cancel().
  grpc::ClientContext* stream_ ABSL_GUARDED_BY(mu_) = nullptr;
};

}  // namespace hbamgr::cli

#endif  // HBAMGR_CLI_EXECUTOR_H_
