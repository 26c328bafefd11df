#include "daemon/app/options.h"

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace hbamgr::app {
namespace {

using ::testing::HasSubstr;

absl::StatusOr<CommandLine> Parse(std::vector<std::string> args) {
  args.insert(args.begin(), "hbamgrd");
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  return ParseCommandLine(static_cast<int>(argv.size()), argv.data());
}

TEST(OptionsTest, HelpHasTheManPageSections) {
  std::string help = HelpText();
  for (const char* section : {"NAME\n", "SYNOPSIS\n", "DESCRIPTION\n", "OPTIONS\n", "SIGNALS\n",
                              "SYSTEMD\n", "FILES\n", "EXIT STATUS\n", "SEE ALSO\n"}) {
    EXPECT_THAT(help, HasSubstr(section));
  }
}

TEST(OptionsTest, EveryOptionTheParserTakesIsDocumented) {
  std::string help = HelpText();
  for (const char* option : {"--config", "--foreground", "--socket", "--database", "--backend",
                             "--metrics", "--help", "--man", "--version"}) {
    EXPECT_THAT(help, HasSubstr(option));
  }
  for (std::vector<std::string> args : {std::vector<std::string>{"--config", "x"},
                                        {"--foreground"},
                                        {"--socket", "/x"},
                                        {"--database", "/x"},
                                        {"--backend", "sim"},
                                        {"--metrics", ":0"},
                                        {"--help"},
                                        {"--man"},
                                        {"--version"}}) {
    EXPECT_TRUE(Parse(args).ok()) << args[0];
  }
  EXPECT_TRUE(Parse({"--man"})->man);
  EXPECT_EQ(Parse({"--mna"}).status().message(), "unknown option '--mna'; see hbamgrd --help");
}

TEST(OptionsTest, CommittedManPageIsCurrent) {
  std::ifstream in(HBAMGRD_MAN_PAGE);
  ASSERT_TRUE(in) << "missing " << HBAMGRD_MAN_PAGE << ": run hbamgrd --man > docs/hbamgrd.8";
  std::stringstream committed;
  committed << in.rdbuf();
  EXPECT_EQ(committed.str(), ManPage()) << "regenerate: hbamgrd --man > docs/hbamgrd.8";
  EXPECT_THAT(ManPage(), HasSubstr(".TH HBAMGRD 8"));
}

}  // namespace
}  // namespace hbamgr::app
