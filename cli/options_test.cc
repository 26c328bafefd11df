#include "cli/options.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace hbamgr::cli {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

absl::StatusOr<CliOptions> Parse(std::vector<const char*> args, const char* env = nullptr) {
  args.insert(args.begin(), "hbacli");
  return ParseOptions(static_cast<int>(args.size()), args.data(), env);
}

TEST(OptionsTest, Defaults) {
  absl::StatusOr<CliOptions> o = Parse({"/c0", "show"});
  ASSERT_TRUE(o.ok()) << o.status();
  EXPECT_EQ(o->connection.socket, "/run/hbamgr/hbamgrd.sock");
  EXPECT_EQ(o->timeout, absl::Seconds(30));
  EXPECT_FALSE(o->json);
  EXPECT_THAT(o->words, ElementsAre("/c0", "show"));
}

TEST(OptionsTest, EnvironmentSocketYieldsToFlag) {
  absl::StatusOr<CliOptions> env = Parse({"show"}, "/tmp/env.sock");
  ASSERT_TRUE(env.ok());
  EXPECT_EQ(env->connection.socket, "/tmp/env.sock");
  absl::StatusOr<CliOptions> flag = Parse({"--socket", "/tmp/flag.sock", "show"}, "/tmp/env.sock");
  ASSERT_TRUE(flag.ok());
  EXPECT_EQ(flag->connection.socket, "/tmp/flag.sock");
}

TEST(OptionsTest, OptionsAnywhere) {
  absl::StatusOr<CliOptions> o = Parse({"/c0", "show", "--json", "--timeout=2.5", "--host", "h:1",
                                        "--tls-ca", "ca", "--tls-cert", "c", "--tls-key", "k"});
  ASSERT_TRUE(o.ok()) << o.status();
  EXPECT_TRUE(o->json);
  EXPECT_EQ(o->timeout, absl::Milliseconds(2500));
  EXPECT_EQ(o->connection.host, "h:1");
  EXPECT_EQ(o->connection.tls_ca, "ca");
  EXPECT_EQ(o->connection.tls_cert, "c");
  EXPECT_EQ(o->connection.tls_key, "k");
  EXPECT_THAT(o->words, ElementsAre("/c0", "show"));
}

TEST(OptionsTest, Errors) {
  EXPECT_THAT(Parse({"--bogus"}).status().message(), HasSubstr("bogus"));
  EXPECT_THAT(Parse({"--timeout", "soon"}).status().message(), HasSubstr("timeout"));
  EXPECT_EQ(Parse({"--timeout", "0"}).status().message(),
            "--timeout 0: must be more than 0 and at most 86400 seconds");
  EXPECT_EQ(Parse({"--timeout", "86401"}).status().message(),
            "--timeout 86401: must be more than 0 and at most 86400 seconds");
  EXPECT_EQ(Parse({"--timeout", "soon"}).status().message(),
            "--timeout 'soon': not a number of seconds");
  EXPECT_TRUE(Parse({"--timeout", "86400"}).ok());
  EXPECT_THAT(Parse({"--socket"}).status().message(), HasSubstr("socket"));
  // No prefix guessing: "--js" is not --json.
  EXPECT_FALSE(Parse({"--js"}).ok());
}

bool Json(std::vector<const char*> args) {
  args.insert(args.begin(), "hbacli");
  return JsonRequested(static_cast<int>(args.size()), args.data());
}

// An option error is reported as JSON when JSON was asked for, however the
// command line is broken.
TEST(OptionsTest, JsonIsRecognisedInBrokenCommandLines) {
  EXPECT_TRUE(Json({"--timeout", "0", "--json", "/c0", "show"}));
  EXPECT_TRUE(Json({"--bogus", "/c0", "show", "J"}));
  EXPECT_TRUE(Json({"/c0", "show", "J", "--timeout", "soon"}));
  EXPECT_TRUE(Json({"/c0", "show", "--json", "--socket"}));  // --socket lacks its value
  EXPECT_FALSE(Json({"--timeout", "0", "/c0", "show"}));
  EXPECT_FALSE(Json({"--socket", "J", "/c0", "show"}));  // J is the socket's path
  EXPECT_FALSE(Json({"/c0", "show", "--socket"}));
}

// An option holding program_options' own placeholders is quoted back as
// typed; boost's what() replaced "%canonical_option%" by the option's name
// forever (fuzz_cli found the same loop through --timeout's value).
TEST(OptionsTest, PlaceholdersInOptionsAreQuotedNotExpanded) {
  EXPECT_EQ(Parse({"--%canonical_option%"}).status().message(),
            "unrecognised option '--%canonical_option%'");
  EXPECT_EQ(Parse({"--%original_token%", "show"}).status().message(),
            "unrecognised option '--%original_token%'");
}

}  // namespace
}  // namespace hbamgr::cli
