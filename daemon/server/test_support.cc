#include "daemon/server/test_support.h"

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <vector>

#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "grpcpp/client_context.h"
#include "grpcpp/generic/generic_stub.h"
#include "grpcpp/server_builder.h"
#include "grpcpp/support/byte_buffer.h"

namespace hbamgr::server::testing {
namespace {

grpc::Status ToGrpc(const absl::Status& s) {
  return grpc::Status(static_cast<grpc::StatusCode>(s.code()), std::string(s.message()));
}

class ProbeReactor : public grpc::ServerGenericBidiReactor {
 public:
  ProbeReactor(const Authorizer* authorizer, grpc::GenericCallbackServerContext* ctx) {
    Privilege privilege;
    if (ctx->method() == kReadMethod) {
      privilege = Privilege::kRead;
    } else if (ctx->method() == kAdminMethod) {
      privilege = Privilege::kAdmin;
    } else {
      Finish(grpc::Status(grpc::StatusCode::UNIMPLEMENTED, ctx->method()));
      return;
    }
    if (absl::Status s = authorizer->Authorize(*ctx, privilege); !s.ok()) {
      Finish(ToGrpc(s));
      return;
    }
    std::string body = authorizer->CallerIdentity(*ctx) + "|" + ctx->peer();
    grpc::Slice slice(body);
    response_ = grpc::ByteBuffer(&slice, 1);
    StartRead(&request_);
  }

  void OnReadDone(bool ok) override {
    if (!ok) {
      Finish(grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "no request"));
      return;
    }
    StartWriteAndFinish(&response_, grpc::WriteOptions(), grpc::Status::OK);
  }

  void OnDone() override { delete this; }

 private:
  grpc::ByteBuffer request_;
  grpc::ByteBuffer response_;
};

std::string ToString(const grpc::ByteBuffer& buffer) {
  std::vector<grpc::Slice> slices;
  if (!buffer.Dump(&slices).ok()) return "";
  std::string out;
  for (const grpc::Slice& s : slices)
    out.append(reinterpret_cast<const char*>(s.begin()), s.size());
  return out;
}

}  // namespace

grpc::ServerGenericBidiReactor* ProbeService::CreateReactor(
    grpc::GenericCallbackServerContext* ctx) {
  return new ProbeReactor(authorizer_, ctx);
}

ProbeResult CallProbe(const std::shared_ptr<grpc::Channel>& channel, const std::string& method) {
  grpc::GenericStub stub(channel);
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  grpc::Slice slice(std::string("probe"));
  grpc::ByteBuffer request(&slice, 1);
  grpc::ByteBuffer response;
  absl::Notification done;
  grpc::Status status;
  stub.UnaryCall(&ctx, method, grpc::StubOptions(), &request, &response, [&](grpc::Status s) {
    status = std::move(s);
    done.Notify();
  });
  // The call's own deadline ends it; the margin only guards a gRPC bug.
  if (!done.WaitForNotificationWithTimeout(absl::Seconds(30))) {
    ctx.TryCancel();
    done.WaitForNotification();
  }
  ProbeResult result;
  result.code = status.error_code();
  result.message = status.error_message();
  if (status.ok()) result.body = ToString(response);
  return result;
}

absl::Status UnixSocketServer::Start(const UnixSocketOptions& opts, PeerRegistry* registry,
                                     grpc::CallbackGenericService* service) {
  absl::StatusOr<std::unique_ptr<UnixSocketListener>> listener =
      UnixSocketListener::Bind(opts, registry);
  if (!listener.ok()) return listener.status();
  listener_ = std::move(*listener);
  grpc::ServerBuilder builder;
  builder.RegisterCallbackGenericService(service);
  server_ = builder.BuildAndStart();
  if (server_ == nullptr) return absl::InternalError("grpc::ServerBuilder::BuildAndStart failed");
  return listener_->Start(server_.get());
}

void UnixSocketServer::Stop() {
  if (listener_) listener_->Stop();
  if (server_) server_->Shutdown();
}

TempDir::TempDir() {
  std::string tmpl = (std::filesystem::temp_directory_path() / "hbamgr-srv-XXXXXX").string();
  path_ = mkdtemp(tmpl.data());
  chmod(path_.c_str(), 0755);
}

TempDir::~TempDir() { std::filesystem::remove_all(path_); }

}  // namespace hbamgr::server::testing
