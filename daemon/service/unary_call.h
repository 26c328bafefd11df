// One unary RPC: authorization (read or admin), the caller's identity and
// deadline, cancellation of its queued adapter commands when the caller goes
// away, the audit record of mutating calls, and Finish.
#ifndef HBAMGR_DAEMON_SERVICE_UNARY_CALL_H_
#define HBAMGR_DAEMON_SERVICE_UNARY_CALL_H_

#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "daemon/adapter/adapter.h"
#include "daemon/adapter/mgmt.h"
#include "daemon/adapter/passthru_serializer.h"
#include "daemon/server/authorizer.h"
#include "daemon/service/env.h"
#include "grpcpp/support/server_callback.h"

namespace grpc {
class CallbackServerContext;
}

namespace hbamgr::service {

// What the audit record of a call names.  Known before the call is
// authorized, so a refused call is recorded with its target and arguments
// too.  Implicit from a method name (or nullptr: not audited).
struct Audit {
  Audit(const char* method = nullptr) : method(method) {}  // NOLINT: implicit
  Audit(const char* method, std::string target, std::string arguments)
      : method(method), target(std::move(target)), arguments(std::move(arguments)) {}

  const char* method;       // "/hbamgr.v1.Maintenance/SetLocate"; nullptr: not audited
  std::string target{};     // "/c0/e0/s3", as far as the request names it
  std::string arguments{};  // AuditSummary() of the request
};

class UnaryCall final : public grpc::ServerUnaryReactor {
 public:
  using Body = absl::AnyInvocable<absl::Status(UnaryCall& call) &&>;
  using AsyncStart = absl::AnyInvocable<void(UnaryCall& call) &&>;

  // Authorizes, then runs `body` on the env's pool and finishes the call
  // with its status.  An `audit` with a method records the call, refused or
  // not, in the audit table, and fails closed: the record is written before
  // the body runs (its outcome filled in at the end), and a call whose record
  // cannot be written is refused UNAVAILABLE without running.
  static grpc::ServerUnaryReactor* Blocking(const ServiceEnv& env, grpc::CallbackServerContext* ctx,
                                            server::Privilege privilege, Audit audit, Body body);
  // Authorizes (and opens the audit record, as Blocking), then runs `start`
  // on the calling (gRPC) thread; it must arrange for Complete() to be
  // called exactly once.
  static grpc::ServerUnaryReactor* Async(const ServiceEnv& env, grpc::CallbackServerContext* ctx,
                                         server::Privilege privilege, Audit audit,
                                         AsyncStart start);

  const ServiceEnv& env() const { return env_; }
  const std::string& caller() const { return caller_; }
  absl::Time deadline() const { return deadline_; }
  bool is_admin() const;

  // Queues `command` on the adapter under this call's identity and deadline;
  // the caller going away cancels it while queued.
  void Submit(adapter::Adapter& adapter, adapter::PassthruCommand command,
              adapter::PassthruSerializer::Done done);
  // Submit and wait (pool threads only).
  adapter::PassthruResult Run(adapter::Adapter& adapter, adapter::PassthruCommand command);
  // Management operations through Run(); refusals name drives as
  // `drive_names` does.
  adapter::Mgmt MgmtFor(adapter::Adapter& adapter,
                        adapter::DriveNamer drive_names = adapter::DefaultDriveName);

  // Names the object more precisely once the call resolved it ("/c0/e0/s3"
  // for a drive given by pd id).
  void SetAuditTarget(std::string target);

  // Writes the audit record (when audited) and finishes the RPC.
  void Complete(const absl::Status& status);

 private:
  UnaryCall(const ServiceEnv& env, grpc::CallbackServerContext* ctx, Audit audit);
  // False (and the call completed) when the caller may not do this.
  bool Authorize(server::Privilege privilege);
  // Writes the audit record of an audited call before it acts.  False (and
  // the call completed UNAVAILABLE) when the store cannot take it.
  bool OpenAudit();
  // This call's audit record with `status` as its outcome, timed from its start.
  store::AuditRow AuditRecord(const absl::Status& status) const;
  void OnCancel() override;
  void OnDone() override { delete this; }

  const ServiceEnv& env_;
  grpc::CallbackServerContext* const ctx_;
  Audit audit_;
  const absl::Time started_;
  const absl::Time deadline_;
  const std::string caller_;
  int64_t audit_id_ = 0;             // the record OpenAudit wrote
  bool audit_unwritable_ = false;    // refused because no record could be written

  absl::Mutex mu_;  // protects the in-flight ticket; a leaf lock
  bool cancelled_ ABSL_GUARDED_BY(mu_) = false;
  adapter::PassthruSerializer* serializer_ ABSL_GUARDED_BY(mu_) = nullptr;
  adapter::PassthruSerializer::Ticket ticket_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace hbamgr::service

#endif  // HBAMGR_DAEMON_SERVICE_UNARY_CALL_H_
