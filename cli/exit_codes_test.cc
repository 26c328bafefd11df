#include "cli/exit_codes.h"

#include "gtest/gtest.h"

namespace hbamgr::cli {
namespace {

TEST(ExitCodesTest, DocumentedValues) {
  EXPECT_EQ(static_cast<int>(ExitCode::kOk), 0);
  EXPECT_EQ(static_cast<int>(ExitCode::kUsage), 1);
  EXPECT_EQ(static_cast<int>(ExitCode::kNotFound), 2);
  EXPECT_EQ(static_cast<int>(ExitCode::kRefused), 3);
  EXPECT_EQ(static_cast<int>(ExitCode::kPermissionDenied), 4);
  EXPECT_EQ(static_cast<int>(ExitCode::kUnreachable), 5);
  EXPECT_EQ(static_cast<int>(ExitCode::kTimeout), 6);
  EXPECT_EQ(static_cast<int>(ExitCode::kInternal), 7);
}

TEST(ExitCodesTest, MapsGrpcCodes) {
  EXPECT_EQ(ExitCodeFor(absl::OkStatus()), ExitCode::kOk);
  EXPECT_EQ(ExitCodeFor(absl::InvalidArgumentError("")), ExitCode::kUsage);
  EXPECT_EQ(ExitCodeFor(absl::NotFoundError("")), ExitCode::kNotFound);
  EXPECT_EQ(ExitCodeFor(absl::FailedPreconditionError("")), ExitCode::kRefused);
  EXPECT_EQ(ExitCodeFor(absl::AbortedError("")), ExitCode::kRefused);
  EXPECT_EQ(ExitCodeFor(absl::ResourceExhaustedError("")), ExitCode::kRefused);
  EXPECT_EQ(ExitCodeFor(absl::UnimplementedError("")), ExitCode::kRefused);
  EXPECT_EQ(ExitCodeFor(absl::PermissionDeniedError("")), ExitCode::kPermissionDenied);
  EXPECT_EQ(ExitCodeFor(absl::UnauthenticatedError("")), ExitCode::kPermissionDenied);
  EXPECT_EQ(ExitCodeFor(absl::UnavailableError("")), ExitCode::kUnreachable);
  EXPECT_EQ(ExitCodeFor(absl::DeadlineExceededError("")), ExitCode::kTimeout);
  EXPECT_EQ(ExitCodeFor(absl::InternalError("")), ExitCode::kInternal);
  EXPECT_EQ(ExitCodeFor(absl::UnknownError("")), ExitCode::kInternal);
  EXPECT_EQ(ExitCodeFor(absl::DataLossError("")), ExitCode::kInternal);
}

}  // namespace
}  // namespace hbamgr::cli
