#include "daemon/service/unary_call.h"

#include <chrono>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "daemon/service/convert.h"
#include "grpcpp/server_context.h"

namespace hbamgr::service {
namespace {

absl::Time CallDeadline(const ServiceEnv& env, grpc::CallbackServerContext* ctx) {
  absl::Time fallback = absl::Now() + env.default_deadline;
  auto deadline = ctx->deadline();
  if (deadline >= std::chrono::system_clock::time_point::max() - std::chrono::hours(24 * 365)) {
    return fallback;
  }
  return std::min(absl::FromChrono(deadline), fallback);
}

}  // namespace

UnaryCall::UnaryCall(const ServiceEnv& env, grpc::CallbackServerContext* ctx, Audit audit)
    : env_(env),
      ctx_(ctx),
      audit_(std::move(audit)),
      started_(absl::Now()),
      deadline_(CallDeadline(env, ctx)),
      caller_(env.authorizer->CallerIdentity(*ctx)) {}

grpc::ServerUnaryReactor* UnaryCall::Blocking(const ServiceEnv& env,
                                              grpc::CallbackServerContext* ctx,
                                              server::Privilege privilege, Audit audit, Body body) {
  auto* call = new UnaryCall(env, ctx, std::move(audit));
  if (call->Authorize(privilege)) {
    env.pool->Schedule([call, body = std::move(body)]() mutable {
      if (!call->OpenAudit()) return;
      absl::Status status = std::move(body)(*call);
      call->Complete(status);
    });
  }
  return call;
}

grpc::ServerUnaryReactor* UnaryCall::Async(const ServiceEnv& env, grpc::CallbackServerContext* ctx,
                                           server::Privilege privilege, Audit audit,
                                           AsyncStart start) {
  auto* call = new UnaryCall(env, ctx, std::move(audit));
  if (call->Authorize(privilege) && call->OpenAudit()) std::move(start)(*call);
  return call;
}

bool UnaryCall::Authorize(server::Privilege privilege) {
  absl::Status status = env_.authorizer->Authorize(*ctx_, privilege);
  if (status.ok()) return true;
  env_.logger->Log(sys::LogLevel::kWarning, "call refused",
                   {{"PEER", caller_},
                    {"METHOD", audit_.method ? audit_.method : ""},
                    {"TARGET", audit_.target},
                    {"ERROR", status.ToString()}});
  Complete(status);
  return false;
}

store::AuditRow UnaryCall::AuditRecord(const absl::Status& status) const {
  store::AuditRow row;
  row.time_ns = absl::ToUnixNanos(started_);
  row.peer = caller_;
  row.method = audit_.method;
  row.target = audit_.target;
  row.arguments = audit_.arguments;
  row.result_code = static_cast<int32_t>(status.code());
  row.result_message = std::string(status.message());
  row.duration_us = absl::ToInt64Microseconds(absl::Now() - started_);
  return row;
}

bool UnaryCall::OpenAudit() {
  if (audit_.method == nullptr) return true;
  absl::Status unwritable = env_.store->WriteFault();
  if (unwritable.ok()) {
    // What the record says if the call's end cannot be written.
    store::AuditRow row =
        AuditRecord(absl::UnknownError("started; its outcome could not be recorded"));
    row.duration_us = 0;
    absl::StatusOr<int64_t> id = env_.store->AddAudit(row);
    if (id.ok()) {
      audit_id_ = *id;
      return true;
    }
    // The store's own words for it when it is a storage fault.
    unwritable = env_.store->WriteFault();
    if (unwritable.ok()) unwritable = id.status();
  }
  audit_unwritable_ = true;
  Complete(absl::UnavailableError(absl::StrCat(
      "refused: ", audit_.method, " is recorded in the audit log before it acts, and ",
      unwritable.message(), "; nothing was done")));
  return false;
}

bool UnaryCall::is_admin() const {
  return env_.authorizer->Authorize(*ctx_, server::Privilege::kAdmin).ok();
}

void UnaryCall::Submit(adapter::Adapter& adapter, adapter::PassthruCommand command,
                       adapter::PassthruSerializer::Done done) {
  adapter::PassthruSerializer& serializer = adapter.serializer();
  adapter::PassthruSerializer::Ticket ticket =
      serializer.Submit(caller_, deadline_, std::move(command), std::move(done));
  bool cancel_now;
  {
    absl::MutexLock lock(&mu_);
    serializer_ = &serializer;
    ticket_ = ticket;
    cancel_now = cancelled_;
  }
  if (cancel_now) serializer.Cancel(ticket);
}

adapter::PassthruResult UnaryCall::Run(adapter::Adapter& adapter,
                                       adapter::PassthruCommand command) {
  absl::Mutex done_mu;
  bool finished = false;
  adapter::PassthruResult out;
  Submit(adapter, std::move(command), [&](adapter::PassthruResult result) {
    absl::MutexLock lock(&done_mu);
    out = std::move(result);
    finished = true;
  });
  absl::MutexLock lock(&done_mu);
  done_mu.Await(absl::Condition(&finished));
  return out;
}

adapter::Mgmt UnaryCall::MgmtFor(adapter::Adapter& adapter, adapter::DriveNamer drive_names) {
  return adapter::Mgmt(
      [this, &adapter](adapter::PassthruCommand command) {
        return Run(adapter, std::move(command));
      },
      std::move(drive_names));
}

void UnaryCall::SetAuditTarget(std::string target) { audit_.target = std::move(target); }

void UnaryCall::OnCancel() {
  adapter::PassthruSerializer* serializer;
  adapter::PassthruSerializer::Ticket ticket;
  {
    absl::MutexLock lock(&mu_);
    cancelled_ = true;
    serializer = serializer_;
    ticket = ticket_;
  }
  if (serializer != nullptr) serializer->Cancel(ticket);
}

void UnaryCall::Complete(const absl::Status& status) {
  if (audit_.method != nullptr) {
    store::AuditRow row = AuditRecord(status);
    // The record OpenAudit wrote gets the outcome; a call refused before
    // that (not authorized) gets its record now.  One refused for want of a
    // record has none: the journal has it.
    absl::Status written = audit_id_ != 0     ? env_.store->FinishAudit(audit_id_, row)
                           : audit_unwritable_ ? absl::OkStatus()
                                               : env_.store->AddAudit(row).status();
    if (!written.ok()) {
      env_.logger->Log(sys::LogLevel::kError, "audit record not stored",
                       {{"METHOD", audit_.method}, {"ERROR", written.ToString()}});
    }
    env_.logger->Log(sys::LogLevel::kInfo, absl::StrCat(audit_.method, " ", status.ToString()),
                     {{"PEER", caller_}, {"TARGET", audit_.target}});
  }
  Finish(ToGrpc(status));
}

}  // namespace hbamgr::service
