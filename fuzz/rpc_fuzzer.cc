// libFuzzer target: hbamgrd's handling of every RPC of the hbamgr.v1 API
// (daemon/service, the validation in front of the adapters, daemon/adapter,
// the store) with arbitrary request messages.  The daemon runs in-process as
// hbamgrd runs it (app::Daemon: simulated adapters, a real SQLite store and
// unix socket in a temporary directory, its own gRPC server and threads)
// and the fuzzer calls it over its socket like any local client, so what is
// fuzzed is exactly what a client reaches, authorization included.
//
// Input (fuzz/input.h), a sequence of calls until the input ends:
//   U16 method: the low 16 bits of the FNV-1a hash of the method's path
//   ("/hbamgr.v1.Inventory/ListAdapters"), or any other value, which picks
//   a method by its index (modulo the count) in every method of every
//   hbamgr.v1 service the daemon links, sorted by path.  New services join
//   by themselves, and a committed seed keeps calling the same method when
//   methods are added;
//   U16 length, that many bytes decoded as the method's request message.
// Bytes that do not decode are what gRPC itself refuses before any handler
// runs; they are skipped.  The daemon lives across inputs (starting one
// takes about a second), so an input meets the state earlier ones left
// (VDs made, drives taken offline); run-fuzzer.sh replays every committed
// seed first, in a fresh daemon.  Streams (Subscribe) are read for a moment and
// cancelled.
//
// The contract checked: the daemon answers every call with a status a bad
// request may get (INVALID_ARGUMENT, NOT_FOUND, FAILED_PRECONDITION, ...),
// never INTERNAL, UNKNOWN or DATA_LOSS, and never crashes, hangs or leaks
// (ASan/LSan, libFuzzer's -timeout and -rss_limit_mb; a unary call past
// its 30 s deadline counts as a hang).  Fault injection is
// off in this daemon: a lost completion would stall every later input.
#include <signal.h>
#include <stdlib.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "daemon/app/daemon.h"
#include "daemon/config/config.h"
#include "daemon/sys/log.h"
#include "daemon/sys/signals.h"
#include "fuzz/check.h"
#include "fuzz/input.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/descriptor_database.h"
#include "google/protobuf/dynamic_message.h"
#include "google/protobuf/stubs/logging.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/generic/generic_stub.h"
#include "grpcpp/security/credentials.h"
#include "grpcpp/support/byte_buffer.h"

namespace {

using hbamgr::fuzz::Input;
namespace pb = google::protobuf;

constexpr char kPackagePrefix[] = "hbamgr/v1/";
constexpr int kMaxCalls = 8;
constexpr int kUnaryDeadlineSeconds = 30;

struct Method {
  std::string path;  // "/hbamgr.v1.Inventory/ListAdapters"
  uint16_t id;       // MethodId(path)
  const pb::Message* request_prototype;
  bool server_streaming;
};

struct Fixture {
  std::string dir;
  std::unique_ptr<hbamgr::sys::Logger> logger;
  std::unique_ptr<hbamgr::app::Daemon> daemon;
  std::unique_ptr<grpc::GenericStub> stub;
  std::vector<Method> methods;
};

Fixture* fixture = nullptr;

// rpc_seeds.py computes the same.
uint16_t MethodId(const std::string& path) {
  uint32_t hash = 2166136261u;
  for (unsigned char c : path) hash = (hash ^ c) * 16777619u;
  return static_cast<uint16_t>(hash);
}

std::vector<Method> AllMethods() {
  std::vector<std::string> files;
  FUZZ_CHECK(pb::DescriptorPool::internal_generated_database()->FindAllFileNames(&files),
             "no generated descriptor database");
  std::vector<Method> methods;
  for (const std::string& name : files) {
    if (!name.starts_with(kPackagePrefix)) continue;
    const pb::FileDescriptor* file = pb::DescriptorPool::generated_pool()->FindFileByName(name);
    for (int s = 0; file && s < file->service_count(); ++s) {
      const pb::ServiceDescriptor* service = file->service(s);
      for (int m = 0; m < service->method_count(); ++m) {
        const pb::MethodDescriptor* method = service->method(m);
        std::string path = absl::StrCat("/", service->full_name(), "/", method->name());
        uint16_t id = MethodId(path);
        methods.push_back(
            {std::move(path), id,
             pb::MessageFactory::generated_factory()->GetPrototype(method->input_type()),
             method->server_streaming()});
      }
    }
  }
  std::sort(methods.begin(), methods.end(),
            [](const Method& a, const Method& b) { return a.path < b.path; });
  FUZZ_CHECK(!methods.empty(), "no hbamgr.v1 methods linked");
  for (size_t i = 1; i < methods.size(); ++i) {
    for (size_t j = 0; j < i; ++j) {
      FUZZ_CHECK(methods[i].id != methods[j].id, "%s and %s have the same method id",
                 methods[i].path.c_str(), methods[j].path.c_str());
    }
  }
  return methods;
}

void RemoveDir() {
  std::error_code ignored;
  if (fixture) std::filesystem::remove_all(fixture->dir, ignored);
}

// Waits for the completion-queue event `tag`; false when the operation failed.
bool Await(grpc::CompletionQueue& cq, void* tag) {
  void* got = nullptr;
  bool ok = false;
  FUZZ_CHECK(cq.Next(&got, &ok), "completion queue shut down");
  FUZZ_CHECK(got == tag, "out-of-order completion");
  return ok;
}

// What a bad request may get.  A unary call that outlives its deadline is a
// hang: without fault injection every command completes in milliseconds.
bool AllowedCode(const Method& method, grpc::StatusCode code) {
  switch (code) {
    case grpc::StatusCode::INTERNAL:
    case grpc::StatusCode::UNKNOWN:
    case grpc::StatusCode::DATA_LOSS:
    case grpc::StatusCode::UNAUTHENTICATED:
      return false;
    case grpc::StatusCode::DEADLINE_EXCEEDED:
      return method.server_streaming;
    default:
      return true;
  }
}

void Call(const Method& method, const std::string& request) {
  grpc::ClientContext ctx;
  // Unary calls get ample time (a reset and its recovery take tens of
  // milliseconds); a stream shows what it replays at once and is cancelled.
  ctx.set_deadline(std::chrono::system_clock::now() +
                   (method.server_streaming ? std::chrono::milliseconds(200)
                                            : std::chrono::seconds(kUnaryDeadlineSeconds)));
  grpc::CompletionQueue cq;
  std::unique_ptr<grpc::GenericClientAsyncReaderWriter> call =
      fixture->stub->PrepareCall(&ctx, method.path, &cq);
  int tags[5];
  call->StartCall(&tags[0]);
  if (Await(cq, &tags[0])) {
    grpc::Slice slice(request);
    grpc::ByteBuffer buffer(&slice, 1);
    call->WriteLast(buffer, grpc::WriteOptions(), &tags[1]);
    Await(cq, &tags[1]);
    for (int reads = 0; reads < (method.server_streaming ? 4 : 1); ++reads) {
      grpc::ByteBuffer response;
      call->Read(&response, &tags[2]);
      if (!Await(cq, &tags[2])) break;
    }
    if (method.server_streaming) ctx.TryCancel();
  }
  grpc::Status status;
  call->Finish(&status, &tags[3]);
  Await(cq, &tags[3]);
  cq.Shutdown();
  void* tag;
  bool ok;
  while (cq.Next(&tag, &ok)) {
  }
  FUZZ_CHECK(AllowedCode(method, status.error_code()), "%s answered %d: %s", method.path.c_str(),
             static_cast<int>(status.error_code()), status.error_message().c_str());
}

const Method& Pick(uint16_t selector) {
  for (const Method& method : fixture->methods) {
    if (method.id == selector) return method;
  }
  return fixture->methods[selector % fixture->methods.size()];
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  // hbamgrd's main() blocks SIGHUP/SIGTERM/SIGINT before any thread starts;
  // here only SIGHUP, so SIGINT still ends the fuzzer with its report.
  auto signals = hbamgr::sys::SignalWatcher::Create({SIGHUP});
  FUZZ_CHECK(signals.ok(), "%s", signals.status().ToString().c_str());

  // A message with a string that is not UTF-8 does not decode; the request
  // is skipped, so protobuf's complaint about it is noise.
  pb::SetLogHandler([](pb::LogLevel level, const char*, int, const std::string& message) {
    if (level >= pb::LOGLEVEL_FATAL) std::fprintf(stderr, "protobuf: %s\n", message.c_str());
  });

  fixture = new Fixture;
  std::string tmpl = (std::filesystem::temp_directory_path() / "hbamgr-fuzz-rpc.XXXXXX").string();
  FUZZ_CHECK(mkdtemp(tmpl.data()) != nullptr, "mkdtemp %s", tmpl.c_str());
  fixture->dir = tmpl;
  std::atexit(RemoveDir);

  hbamgr::config::DaemonConfig config;
  config.backend = hbamgr::config::Backend::kSim;
  config.watchdog = false;
  config.sim.adapters = 2;
  config.sim.enclosures = 2;
  config.sim.slots_per_enclosure = 8;
  config.sim.drives = 12;
  config.sim.drive_size_mb = 16;
  config.sim.fault_injection = false;
  config.unix_socket = fixture->dir + "/hbamgrd.sock";
  config.socket_mode = 0600;
  config.admin_group = "";
  config.database = fixture->dir + "/hbamgrd.db";
  absl::Status valid = hbamgr::config::Validate(config);
  FUZZ_CHECK(valid.ok(), "%s", valid.ToString().c_str());

  fixture->logger = std::make_unique<hbamgr::sys::Logger>(hbamgr::sys::LogLevel::kError,
                                                          hbamgr::sys::LogSink::kStderr);
  fixture->daemon = std::make_unique<hbamgr::app::Daemon>(
      hbamgr::app::CommandLine{}, config, *std::move(signals), fixture->logger.get());
  absl::Status started = fixture->daemon->Start([] {});
  FUZZ_CHECK(started.ok(), "hbamgrd did not start: %s", started.ToString().c_str());
  fixture->stub = std::make_unique<grpc::GenericStub>(
      grpc::CreateChannel("unix:" + config.unix_socket, grpc::InsecureChannelCredentials()));
  fixture->methods = AllMethods();
  std::fprintf(stderr, "fuzz_rpc: %zu methods of hbamgr.v1\n", fixture->methods.size());
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  Input in(data, size);
  for (int calls = 0; calls < kMaxCalls && !in.empty(); ++calls) {
    const Method& method = Pick(in.U16());
    std::vector<uint8_t> bytes = in.Bytes(std::min<size_t>(in.U16(), in.remaining()));
    std::unique_ptr<pb::Message> request(method.request_prototype->New());
    if (!request->ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) continue;
    Call(method, request->SerializeAsString());
  }
  return 0;
}
