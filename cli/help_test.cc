#include "cli/help.h"

#include <fstream>
#include <sstream>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace hbamgr::cli {
namespace {

using ::testing::HasSubstr;

TEST(HelpTest, HasTheManPageSections) {
  std::string help = RenderHelp();
  for (const char* section : {"NAME\n", "SYNOPSIS\n", "OBJECTS\n", "COMMANDS\n", "OPTIONS\n",
                              "JSON\n", "EXIT STATUS\n", "EXAMPLES\n"}) {
    EXPECT_THAT(help, HasSubstr(section));
  }
}

TEST(HelpTest, FitsEightyColumns) {
  std::istringstream in(RenderHelp());
  std::string line;
  while (std::getline(in, line)) {
    // A single word longer than the width cannot be wrapped.
    if (line.find(' ', line.find_first_not_of(' ')) == std::string::npos) continue;
    EXPECT_LE(line.size(), 80u) << line;
  }
}

TEST(HelpTest, ManPageEscapesTroff) {
  std::string man = RenderManPage();
  EXPECT_THAT(man, HasSubstr(".TH HBACLI 1"));
  EXPECT_THAT(man, HasSubstr(".SH EXIT STATUS\n"));
  EXPECT_THAT(man, HasSubstr("\\-\\-socket PATH"));
}

TEST(HelpTest, CommittedManPageIsCurrent) {
  std::ifstream in(HBACLI_MAN_PAGE);
  ASSERT_TRUE(in) << "missing " << HBACLI_MAN_PAGE << ": run hbacli --man > docs/hbacli.1";
  std::stringstream committed;
  committed << in.rdbuf();
  EXPECT_EQ(committed.str(), RenderManPage()) << "regenerate: hbacli --man > docs/hbacli.1";
}

}  // namespace
}  // namespace hbamgr::cli
