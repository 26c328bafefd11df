#include "cli/executor.h"

#include <thread>

#include "absl/synchronization/notification.h"
#include "gmock/gmock.h"
#include "grpcpp/server.h"
#include "grpcpp/server_builder.h"
#include "gtest/gtest.h"

namespace hbamgr::cli {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

constexpr uint32_t kPdId = 7;
constexpr uint64_t kStaleStartNs = 1000;
constexpr uint64_t kStartNs = 2000;

// Inventory of one adapter "c0" with one drive at e0/s2 (pd 7) whose rebuild
// advances 400 per-mille each time the background operations are listed.
class FakeInventory : public v1::Inventory::Service {
 public:
  grpc::Status GetDrive(grpc::ServerContext*, const v1::GetDriveRequest* req,
                        v1::Drive* out) override {
    if (req->adapter() != "c0" || req->drive().slot().enclosure() != 0 ||
        req->drive().slot().slot() != 2) {
      return grpc::Status(grpc::StatusCode::NOT_FOUND, "no drive e0/s2 on c0");
    }
    *out = Drive();
    return grpc::Status::OK;
  }

  grpc::Status ListDrives(grpc::ServerContext*, const v1::ListDrivesRequest*,
                          v1::ListDrivesResponse* out) override {
    *out->add_drives() = Drive();
    return grpc::Status::OK;
  }

  grpc::Status ListBackgroundOps(grpc::ServerContext*, const v1::ListBackgroundOpsRequest*,
                                 v1::ListBackgroundOpsResponse* out) override {
    absl::MutexLock lock(&mu_);
    if (!rebuilding_) return grpc::Status::OK;
    // An earlier, aborted rebuild of the same drive is still listed.
    v1::BackgroundOp* stale = out->add_ops();
    stale->set_type(v1::BACKGROUND_OP_TYPE_REBUILD);
    stale->set_target(kPdId);
    stale->set_state(v1::BACKGROUND_OP_STATE_ABORTED);
    stale->set_started_ns(kStaleStartNs);
    v1::BackgroundOp* op = out->add_ops();
    op->set_started_ns(kStartNs);
    op->set_type(v1::BACKGROUND_OP_TYPE_REBUILD);
    op->set_target(kPdId);
    op->set_progress_permille(progress_);
    op->set_state(progress_ < 1000 ? v1::BACKGROUND_OP_STATE_RUNNING
                                   : v1::BACKGROUND_OP_STATE_DONE);
    progress_ = std::min<uint32_t>(progress_ + 400, 1000);
    return grpc::Status::OK;
  }

  void StartRebuild() {
    absl::MutexLock lock(&mu_);
    rebuilding_ = true;
  }

 private:
  static v1::Drive Drive() {
    v1::Drive d;
    d.set_adapter("c0");
    d.set_pd_id(kPdId);
    d.set_slot(2);
    d.set_state(v1::DRIVE_STATE_REBUILD);
    return d;
  }

  absl::Mutex mu_;
  bool rebuilding_ ABSL_GUARDED_BY(mu_) = false;
  uint32_t progress_ ABSL_GUARDED_BY(mu_) = 0;
};

class FakeMaintenance : public v1::Maintenance::Service {
 public:
  explicit FakeMaintenance(FakeInventory* inventory) : inventory_(inventory) {}

  grpc::Status StartBackgroundOp(grpc::ServerContext*, const v1::BackgroundOpRequest* req,
                                 v1::BackgroundOpResponse* out) override {
    if (req->type() != v1::BACKGROUND_OP_TYPE_REBUILD || req->drive().pd_id() != kPdId) {
      return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "unexpected request");
    }
    inventory_->StartRebuild();
    out->mutable_op()->set_type(v1::BACKGROUND_OP_TYPE_REBUILD);
    out->mutable_op()->set_target(kPdId);
    out->mutable_op()->set_state(v1::BACKGROUND_OP_STATE_RUNNING);
    out->mutable_op()->set_started_ns(kStartNs);
    return grpc::Status::OK;
  }

  grpc::Status ResetAdapter(grpc::ServerContext*, const v1::ResetAdapterRequest*,
                            v1::ResetAdapterResponse*) override {
    return grpc::Status(grpc::StatusCode::PERMISSION_DENIED, "uid 65534 is not admin");
  }

 private:
  FakeInventory* const inventory_;
};

// Sends three events, then holds the stream open until the client cancels.
class FakeEvents : public v1::Events::Service {
 public:
  grpc::Status Subscribe(grpc::ServerContext* ctx, const v1::SubscribeRequest* req,
                         grpc::ServerWriter<v1::SubscribeResponse>* writer) override {
    for (uint64_t seq = req->from_seq(); seq < req->from_seq() + 3; ++seq) {
      v1::SubscribeResponse resp;
      resp.mutable_event()->set_adapter(req->adapter());
      resp.mutable_event()->set_seq(seq);
      writer->Write(resp);
    }
    // The sync API reports cancellation only by IsCancelled(): check it with
    // a deadline per round.
    absl::Notification never;
    while (!ctx->IsCancelled()) never.WaitForNotificationWithTimeout(absl::Milliseconds(5));
    return grpc::Status::CANCELLED;
  }
};

class RecordingSink : public StreamSink {
 public:
  void Event(const v1::Event& event) override {
    absl::MutexLock lock(&mu_);
    seqs_.push_back(event.seq());
  }
  void Progress(const v1::BackgroundOp& op) override {
    absl::MutexLock lock(&mu_);
    progress_.push_back(op.progress_permille());
  }
  void AwaitEvents(size_t n) {
    absl::MutexLock lock(&mu_);
    auto enough = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return seqs_.size() >= n; };
    ASSERT_TRUE(mu_.AwaitWithTimeout(absl::Condition(&enough), absl::Seconds(30)));
  }
  std::vector<uint64_t> seqs() {
    absl::MutexLock lock(&mu_);
    return seqs_;
  }
  std::vector<uint32_t> progress() {
    absl::MutexLock lock(&mu_);
    return progress_;
  }

 private:
  absl::Mutex mu_;
  std::vector<uint64_t> seqs_ ABSL_GUARDED_BY(mu_);
  std::vector<uint32_t> progress_ ABSL_GUARDED_BY(mu_);
};

class ExecutorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    grpc::ServerBuilder builder;
    builder.RegisterService(&inventory_);
    builder.RegisterService(&maintenance_);
    builder.RegisterService(&events_);
    server_ = builder.BuildAndStart();
    ASSERT_NE(server_, nullptr);
    executor_ = std::make_unique<Executor>(server_->InProcessChannel(grpc::ChannelArguments()),
                                           absl::Seconds(30));
  }
  void TearDown() override { server_->Shutdown(); }

  Command Parse(std::vector<std::string> words) {
    absl::StatusOr<Command> cmd = ParseCommand(words);
    EXPECT_TRUE(cmd.ok()) << cmd.status();
    return *cmd;
  }

  FakeInventory inventory_;
  FakeMaintenance maintenance_{&inventory_};
  FakeEvents events_;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<Executor> executor_;
  RecordingSink sink_;
};

TEST_F(ExecutorTest, NotFoundFromTheDaemonIsTheReportStatus) {
  Report report = executor_->Run(Parse({"/c0/e1/s0", "show"}), sink_);
  EXPECT_EQ(report.status.code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(report.status.message(), "no drive e0/s2 on c0");
  EXPECT_EQ(report.command, "/c0/e1/s0 show");
}

TEST_F(ExecutorTest, PermissionDeniedIsPassedOn) {
  Report report = executor_->Run(Parse({"/c0", "restart"}), sink_);
  EXPECT_EQ(report.status.code(), absl::StatusCode::kPermissionDenied);
}

// The stale aborted rebuild listed first must not end the wait.
TEST_F(ExecutorTest, RebuildWaitFollowsProgressToDone) {
  Report report = executor_->Run(Parse({"/c0/e0/s2", "start", "rebuild", "wait"}), sink_);
  ASSERT_TRUE(report.status.ok()) << report.status;
  EXPECT_THAT(sink_.progress(), ElementsAre(0, 400, 800, 1000));
  EXPECT_EQ(report.description, "Rebuild completed");
  EXPECT_THAT(report.data.Serialize(), HasSubstr(R"("state":"done")"));
}

TEST_F(ExecutorTest, ShowRebuildWithNoneRunning) {
  Report report = executor_->Run(Parse({"/c0", "show", "rebuild"}), sink_);
  ASSERT_TRUE(report.status.ok()) << report.status;
  EXPECT_EQ(report.description, "No Rebuild operations");
  EXPECT_EQ(report.data.Serialize(), R"({"background_ops":[]})");
}

TEST_F(ExecutorTest, WatchEndsCleanlyOnCancel) {
  Report report;
  std::thread runner([&] {
    report = executor_->Run(Parse({"/c0", "watch", "events", "from=5"}), sink_);
  });
  sink_.AwaitEvents(3);
  executor_->Cancel();
  runner.join();
  EXPECT_TRUE(report.status.ok()) << report.status;
  EXPECT_THAT(sink_.seqs(), ElementsAre(5, 6, 7));
  EXPECT_EQ(report.data.Serialize(), R"({"events_received":3,"last_seq":7})");
}

TEST_F(ExecutorTest, CancelBeforeWatchReturnsAtOnce) {
  executor_->Cancel();
  Report report = executor_->Run(Parse({"/c0", "watch", "events"}), sink_);
  EXPECT_TRUE(report.status.ok()) << report.status;
  EXPECT_TRUE(sink_.seqs().empty());
  EXPECT_EQ(report.data.Serialize(), R"({"events_received":0,"last_seq":null})");
}

}  // namespace
}  // namespace hbamgr::cli
