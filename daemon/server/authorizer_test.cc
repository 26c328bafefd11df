#include "daemon/server/authorizer.h"

#include <grp.h>
#include <sys/wait.h>
#include <unistd.h>

#include <string>
#include <utility>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "daemon/server/test_support.h"
#include "daemon/server/unix_listener.h"
#include "gmock/gmock.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "gtest/gtest.h"

namespace hbamgr::server {
namespace {

using testing::CallProbe;
using ::testing::HasSubstr;
using testing::kAdminMethod;
using testing::kReadMethod;
using testing::ProbeResult;
using testing::ProbeService;
using ::testing::StartsWith;
using testing::TempDir;
using testing::UnixSocketServer;

constexpr uid_t kNobody = 65534;

gid_t GroupId(const char* name) {
  struct group* g = getgrnam(name);
  EXPECT_NE(g, nullptr) << "test needs group " << name;
  return g != nullptr ? g->gr_gid : 0;
}

// Serves the probe service on a unix socket anyone may connect to, with the
// given admin group.
class AuthorizerTest : public ::testing::Test {
 protected:
  void Start(std::string admin_group, const PeerRegistry* authorizer_registry = nullptr) {
    authorizer_ = std::make_unique<Authorizer>(
        authorizer_registry != nullptr ? authorizer_registry : &registry_, std::move(admin_group));
    service_ = std::make_unique<ProbeService>(authorizer_.get());
    absl::Status s = server_.Start({.path = path_, .mode = 0666}, &registry_, service_.get());
    ASSERT_TRUE(s.ok()) << s;
  }
  void TearDown() override { server_.Stop(); }

  ProbeResult CallAsRoot(const std::string& method) {
    return CallProbe(grpc::CreateChannel("unix:" + path_, grpc::InsecureChannelCredentials()),
                     method);
  }

  // Runs the probe client as uid/gid with no supplementary groups.
  ProbeResult CallAs(uid_t uid, gid_t gid, const std::string& method) {
    return CallWithSetpriv(
        {absl::StrCat("--reuid=", uid), absl::StrCat("--regid=", gid), "--clear-groups"}, method);
  }

  // Runs the probe client under setpriv(1) with `options` (credentials as
  // an admin would drop or add them) in a fresh process, which shares no
  // gRPC state with this one.
  ProbeResult CallWithSetpriv(const std::vector<std::string>& options, const std::string& method) {
    std::vector<std::string> args = {"setpriv"};
    args.insert(args.end(), options.begin(), options.end());
    args.insert(args.end(), {HBAMGR_PROBE_CLIENT, path_, method});
    std::vector<char*> argv;
    for (std::string& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    int out[2];
    EXPECT_EQ(pipe(out), 0);
    pid_t pid = fork();
    if (pid == 0) {
      dup2(out[1], STDOUT_FILENO);
      close(out[0]);
      execvp("setpriv", argv.data());
      _exit(4);
    }
    close(out[1]);
    std::string text;
    char buf[512];
    ssize_t n;
    while ((n = read(out[0], buf, sizeof(buf))) > 0) text.append(buf, static_cast<size_t>(n));
    close(out[0]);
    int status = 0;
    EXPECT_EQ(waitpid(pid, &status, 0), pid);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "probe client status " << status;
    ProbeResult r;
    size_t nl = text.find('\n');
    int code = -1;
    if (nl == std::string::npos || !absl::SimpleAtoi(text.substr(0, nl), &code)) {
      ADD_FAILURE() << "bad probe client output: " << text;
      return r;
    }
    r.code = static_cast<grpc::StatusCode>(code);
    (r.code == grpc::StatusCode::OK ? r.body : r.message) = text.substr(nl + 1);
    return r;
  }

  TempDir dir_;
  const std::string path_ = dir_.File("hbamgrd.sock");
  PeerRegistry registry_;
  std::unique_ptr<Authorizer> authorizer_;
  std::unique_ptr<ProbeService> service_;
  UnixSocketServer server_;
};

TEST_F(AuthorizerTest, RootIsAdmin) {
  if (getuid() != 0) GTEST_SKIP() << "needs root";
  Start("");
  ProbeResult r = CallAsRoot(kAdminMethod);
  ASSERT_EQ(r.code, grpc::StatusCode::OK) << r.message;
  EXPECT_THAT(r.body, StartsWith("uid:0|fd:"));
}

TEST_F(AuthorizerTest, NonAdminMayReadButNotAdminister) {
  if (getuid() != 0) GTEST_SKIP() << "needs root to switch uid";
  Start("");
  ProbeResult read = CallAs(kNobody, kNobody, kReadMethod);
  ASSERT_EQ(read.code, grpc::StatusCode::OK) << read.message;
  EXPECT_THAT(read.body, StartsWith("uid:65534|fd:"));
  ProbeResult admin = CallAs(kNobody, kNobody, kAdminMethod);
  EXPECT_EQ(admin.code, grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(admin.message, "uid 65534 is not root; administrative calls need root");
}

TEST_F(AuthorizerTest, NonMemberOfAdminGroupIsDenied) {
  if (getuid() != 0) GTEST_SKIP() << "needs root to switch uid";
  Start("root");  // nobody is not in group root
  ProbeResult r = CallAs(kNobody, kNobody, kAdminMethod);
  EXPECT_EQ(r.code, grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(r.message,
            "uid 65534 is not in group 'root'; administrative calls need root or membership of "
            "it");
}

TEST_F(AuthorizerTest, ConnectionGidInAdminGroupIsAdmin) {
  if (getuid() != 0) GTEST_SKIP() << "needs root to switch uid";
  Start("daemon");  // nobody's passwd entry is not in it; the process gid is
  ProbeResult r = CallAs(kNobody, GroupId("daemon"), kAdminMethod);
  EXPECT_EQ(r.code, grpc::StatusCode::OK) << r.message;
}

// Admin membership is the caller's own (SO_PEERGROUPS), never the user
// database's.  A supplementary group the process holds counts, although
// nobody's passwd/group entries do not list it...
TEST_F(AuthorizerTest, SupplementaryGroupOfTheProcessIsAdmin) {
  if (getuid() != 0) GTEST_SKIP() << "needs root to switch uid";
  Start("daemon");
  ProbeResult r = CallWithSetpriv(
      {"--reuid=65534", "--regid=65534", absl::StrCat("--groups=", GroupId("daemon"))},
      kAdminMethod);
  EXPECT_EQ(r.code, grpc::StatusCode::OK) << r.message;
  EXPECT_THAT(r.body, StartsWith("uid:65534|fd:"));
}

// ...and a group the user database gives the uid (nobody's primary group,
// nogroup) does not, once the process dropped it.
TEST_F(AuthorizerTest, GroupTheProcessDroppedIsNotAdmin) {
  if (getuid() != 0) GTEST_SKIP() << "needs root to switch uid";
  Start("nogroup");
  ProbeResult dropped = CallWithSetpriv(
      {"--reuid=65534", absl::StrCat("--regid=", GroupId("daemon")), "--clear-groups"},
      kAdminMethod);
  EXPECT_EQ(dropped.code, grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(dropped.message,
            "uid 65534 is not in group 'nogroup'; administrative calls need root or membership "
            "of it");
  // Holding it (as the passwd entry would give at login) is admin.
  ProbeResult held =
      CallWithSetpriv({"--reuid=65534", "--regid=65534", "--init-groups"}, kAdminMethod);
  EXPECT_EQ(held.code, grpc::StatusCode::OK) << held.message;
}

TEST_F(AuthorizerTest, MissingAdminGroupMeansOnlyRoot) {
  if (getuid() != 0) GTEST_SKIP() << "needs root to switch uid";
  Start("no-such-group-hbamgr");
  EXPECT_EQ(CallAs(kNobody, kNobody, kAdminMethod).code, grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(CallAsRoot(kAdminMethod).code, grpc::StatusCode::OK);
}

TEST_F(AuthorizerTest, UnixPeerWithoutRecordedCredentialsIsUnauthenticated) {
  PeerRegistry empty;
  Start("", &empty);
  ProbeResult r = CallAsRoot(kReadMethod);
  EXPECT_EQ(r.code, grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_THAT(r.message, HasSubstr("has no recorded credentials"));
}

}  // namespace
}  // namespace hbamgr::server
