#include "daemon/server/unix_listener.h"

#include <grp.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <fstream>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "daemon/server/authorizer.h"
#include "daemon/server/test_support.h"
#include "gmock/gmock.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "gtest/gtest.h"

namespace hbamgr::server {
namespace {

using testing::CallProbe;
using ::testing::HasSubstr;
using testing::kReadMethod;
using testing::ProbeResult;
using testing::ProbeService;
using ::testing::StartsWith;
using testing::TempDir;
using testing::UnixSocketServer;

class UnixListenerTest : public ::testing::Test {
 protected:
  void StartServer(const UnixSocketOptions& opts) {
    absl::Status s = server_.Start(opts, &registry_, &service_);
    ASSERT_TRUE(s.ok()) << s;
  }
  void TearDown() override { server_.Stop(); }
  std::shared_ptr<grpc::Channel> Channel() {
    return grpc::CreateChannel("unix:" + path_, grpc::InsecureChannelCredentials());
  }

  TempDir dir_;
  const std::string path_ = dir_.File("hbamgrd.sock");
  PeerRegistry registry_;
  Authorizer authorizer_{&registry_, ""};
  ProbeService service_{&authorizer_};
  UnixSocketServer server_;
};

TEST_F(UnixListenerTest, ServesGrpcAndRecordsPeerCredentials) {
  StartServer({.path = path_, .mode = 0600});
  ProbeResult r = CallProbe(Channel(), kReadMethod);
  ASSERT_EQ(r.code, grpc::StatusCode::OK) << r.message;
  std::vector<std::string> parts = absl::StrSplit(r.body, '|');
  ASSERT_EQ(parts.size(), 2u) << r.body;
  EXPECT_EQ(parts[0], "uid:" + std::to_string(getuid()));
  // gRPC names fd channels "fd:<N>"; the registry is keyed by exactly that.
  EXPECT_THAT(parts[1], StartsWith("fd:"));
  std::optional<PeerCred> cred = registry_.Lookup(parts[1]);
  ASSERT_TRUE(cred.has_value());
  EXPECT_EQ(cred->pid, getpid());
  EXPECT_EQ(cred->uid, getuid());
  EXPECT_EQ(cred->gid, getgid());
  int fd = 0;
  ASSERT_TRUE(absl::SimpleAtoi(absl::string_view(parts[1]).substr(3), &fd));
  EXPECT_EQ(FdPeerString(fd), parts[1]);
}

TEST_F(UnixListenerTest, ManyConnections) {
  StartServer({.path = path_});
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(CallProbe(Channel(), kReadMethod).code, grpc::StatusCode::OK);
  }
}

TEST_F(UnixListenerTest, AppliesModeAndGroup) {
  struct group* nogroup = getgrnam("nogroup");
  ASSERT_NE(nogroup, nullptr) << "test needs the Debian 'nogroup' group";
  gid_t gid = nogroup->gr_gid;
  StartServer({.path = path_, .mode = 0620, .group = "nogroup"});
  struct stat st;
  ASSERT_EQ(stat(path_.c_str(), &st), 0);
  EXPECT_TRUE(S_ISSOCK(st.st_mode));
  EXPECT_EQ(st.st_mode & 07777, 0620u);
  EXPECT_EQ(st.st_gid, gid);
}

TEST_F(UnixListenerTest, StopUnlinksTheSocketAndIsIdempotent) {
  StartServer({.path = path_});
  server_.listener()->Stop();
  server_.listener()->Stop();
  EXPECT_NE(access(path_.c_str(), F_OK), 0);
}

TEST_F(UnixListenerTest, StopWithoutStart) {
  absl::StatusOr<std::unique_ptr<UnixSocketListener>> l =
      UnixSocketListener::Bind({.path = path_}, &registry_);
  ASSERT_TRUE(l.ok());
  EXPECT_EQ(access(path_.c_str(), F_OK), 0);
  (*l)->Stop();
  EXPECT_NE(access(path_.c_str(), F_OK), 0);
}

TEST_F(UnixListenerTest, RemovesStaleSocketFile) {
  // A socket file whose owner died: bound, never unlinked, nobody listening.
  int fd = socket(AF_UNIX, SOCK_STREAM, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  strncpy(addr.sun_path, path_.c_str(), sizeof(addr.sun_path) - 1);
  ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  close(fd);
  ASSERT_EQ(access(path_.c_str(), F_OK), 0);
  StartServer({.path = path_});
  EXPECT_EQ(CallProbe(Channel(), kReadMethod).code, grpc::StatusCode::OK);
}

TEST_F(UnixListenerTest, RefusesASocketSomeoneServes) {
  StartServer({.path = path_});
  absl::StatusOr<std::unique_ptr<UnixSocketListener>> second =
      UnixSocketListener::Bind({.path = path_}, &registry_);
  EXPECT_EQ(second.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(second.status().message(), HasSubstr("served by another process"));
  // The first listener still works.
  EXPECT_EQ(CallProbe(Channel(), kReadMethod).code, grpc::StatusCode::OK);
}

TEST_F(UnixListenerTest, RefusesANonSocketPath) {
  std::ofstream(path_) << "not a socket";
  absl::StatusOr<std::unique_ptr<UnixSocketListener>> l =
      UnixSocketListener::Bind({.path = path_}, &registry_);
  EXPECT_EQ(l.status().code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(access(path_.c_str(), F_OK), 0);  // left alone
}

TEST_F(UnixListenerTest, UnknownGroupIsNotFound) {
  absl::StatusOr<std::unique_ptr<UnixSocketListener>> l =
      UnixSocketListener::Bind({.path = path_, .group = "no-such-group-hbamgr"}, &registry_);
  EXPECT_EQ(l.status().code(), absl::StatusCode::kNotFound);
}

TEST_F(UnixListenerTest, TooLongPathIsInvalid) {
  absl::StatusOr<std::unique_ptr<UnixSocketListener>> l =
      UnixSocketListener::Bind({.path = "/tmp/" + std::string(200, 'x')}, &registry_);
  EXPECT_EQ(l.status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(PeerGroupsTest, AreTheConnectingProcessGroups) {
  int fds[2];
  ASSERT_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, fds), 0);
  absl::StatusOr<std::vector<gid_t>> groups = PeerGroups(fds[0]);
  ASSERT_TRUE(groups.ok()) << groups.status();
  std::vector<gid_t> mine(static_cast<size_t>(getgroups(0, nullptr)));
  ASSERT_EQ(getgroups(static_cast<int>(mine.size()), mine.data()), static_cast<int>(mine.size()));
  std::sort(mine.begin(), mine.end());
  std::sort(groups->begin(), groups->end());
  EXPECT_EQ(*groups, mine);
  close(fds[0]);
  close(fds[1]);
}

TEST(PeerRegistryTest, ReRegisteringAReusedFdOverwrites) {
  PeerRegistry registry;
  EXPECT_EQ(registry.Lookup("fd:7"), std::nullopt);
  registry.Register("fd:7", {.pid = 10, .uid = 1000, .gid = 1000});
  registry.Register("fd:7", {.pid = 11, .uid = 0, .gid = 0});
  EXPECT_EQ(registry.Lookup("fd:7"), (PeerCred{.pid = 11, .uid = 0, .gid = 0}));
  EXPECT_EQ(registry.Lookup("fd:8"), std::nullopt);
}

}  // namespace
}  // namespace hbamgr::server
