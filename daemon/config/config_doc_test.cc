// The configuration's documentation against the parser: every key that
// config.cc accepts is described in the man page docs/hbamgrd.conf.5 and shown
// in the example configs/hbamgrd.conf (installed as /etc/hbamgr/hbamgrd.conf),
// and neither documents a key the parser refuses.  A failure says exactly
// what to add or remove, and where.
#include <algorithm>
#include <fstream>
#include <map>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "daemon/config/config.h"
#include "daemon/health/policy.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace hbamgr::config {
namespace {

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// Sections may have dotted names ([health.hdd]): the key is after the last dot.
// A per-object section stands for its template: [health.c0.v1] and
// [health.cN.vM] document "health.cN.vM.KEY" (health::PolicyKeyTemplate).
std::string Section(const std::string& key) { return key.substr(0, key.rfind('.')); }
std::string Name(const std::string& key) { return key.substr(key.rfind('.') + 1); }

// The man page's keys: under ".SS [section]", each ".TP" followed by
// ".B key ..." documents section.key.  Returns key -> line number.
std::map<std::string, int> ManPageKeys(const std::string& page) {
  std::map<std::string, int> keys;
  std::istringstream in(page);
  std::string line, section;
  bool after_tp = false;
  const std::regex subsection(R"(^\.SS "?\[([a-zA-Z0-9_.]+)\]"?\s*$)");
  const std::regex term(R"(^\.B\s+([a-z_]+)\b.*$)");
  std::smatch m;
  for (int number = 1; std::getline(in, line); ++number) {
    if (line.starts_with(".SH")) {
      section.clear();
    } else if (std::regex_match(line, m, subsection)) {
      section = m[1];
    } else if (after_tp && !section.empty() && std::regex_match(line, m, term)) {
      keys.emplace(health::PolicyKeyTemplate(absl::StrCat(section, ".", std::string(m[1]))),
                   number);
    }
    after_tp = line == ".TP";
  }
  return keys;
}

// The example file's keys: "key = value" or "#key = value" under "[section]"
// or a commented-out "#[section]".
std::map<std::string, int> ExampleKeys(const std::string& text) {
  std::map<std::string, int> keys;
  std::istringstream in(text);
  std::string line, section;
  const std::regex header(R"(^#?\[([a-z0-9_.]+)\]\s*$)");
  const std::regex entry(R"(^#?([a-z_]+) *=.*$)");
  std::smatch m;
  for (int number = 1; std::getline(in, line); ++number) {
    if (std::regex_match(line, m, header)) {
      section = m[1];
    } else if (!section.empty() && std::regex_match(line, m, entry)) {
      keys.emplace(health::PolicyKeyTemplate(absl::StrCat(section, ".", std::string(m[1]))),
                   number);
    }
  }
  return keys;
}

TEST(ConfigDocTest, ManPageDocumentsEveryKeyTheParserAccepts) {
  const std::string page = ReadFile(HBAMGRD_CONF_MAN_PAGE);
  ASSERT_FALSE(page.empty()) << "cannot read " << HBAMGRD_CONF_MAN_PAGE;
  std::map<std::string, int> documented = ManPageKeys(page);
  for (const std::string& key : KnownKeys()) {
    if (documented.count(key)) continue;
    const std::string ss = absl::StrCat(".SS [", Section(key), "]");
    std::string where =
        page.find(ss + "\n") == std::string::npos
            ? absl::StrCat("add a subsection '", ss, "' to the KEYS section, and in it")
            : absl::StrCat("add under '", ss, "'");
    ADD_FAILURE() << "docs/hbamgrd.conf.5 does not document the key '" << key
                  << "' that daemon/config/config.cc accepts; " << where << ":\n"
                  << ".TP\n.B " << Name(key) << " = \\fIVALUE\\fR\n"
                  << "What it does, the values it takes and its default.\n";
  }
  std::vector<std::string> known = KnownKeys();
  for (const auto& [key, line] : documented) {
    EXPECT_TRUE(std::find(known.begin(), known.end(), key) != known.end())
        << "docs/hbamgrd.conf.5:" << line << " documents '" << key
        << "', which the parser refuses as an unknown key: remove it, or add the key to "
           "Keys() in daemon/config/config.cc";
  }
}

TEST(ConfigDocTest, ExampleConfigShowsEveryKey) {
  const std::string path = HBAMGR_CONFIGS_DIR "/hbamgrd.conf";
  const std::string text = ReadFile(path);
  ASSERT_FALSE(text.empty()) << "cannot read " << path;
  std::map<std::string, int> shown = ExampleKeys(text);
  for (const std::string& key : KnownKeys()) {
    EXPECT_TRUE(shown.count(key))
        << "configs/hbamgrd.conf (installed as /etc/hbamgr/hbamgrd.conf) does not show the key '"
        << key << "'; add under [" << Section(key) << "] a comment saying what it does and\n#"
        << Name(key) << " = <its default>\n";
  }
  std::vector<std::string> known = KnownKeys();
  for (const auto& [key, line] : shown) {
    EXPECT_TRUE(std::find(known.begin(), known.end(), key) != known.end())
        << "configs/hbamgrd.conf:" << line << " shows '" << key
        << "', which the parser refuses as an unknown key";
  }
}

TEST(ConfigDocTest, FindsKeysInBothFormats) {
  // The extractors themselves, so a format change cannot make the tests above vacuous.
  EXPECT_THAT(ManPageKeys(".SH KEYS\n.SS [daemon]\n.TP\n.B backend = sim\ntext\n.PP\n"
                          ".B not_a_key\n.SH FILES\n.TP\n.B /etc/x\n"),
              ::testing::ElementsAre(::testing::Pair("daemon.backend", 4)));
  EXPECT_THAT(
      ExampleKeys("# a = comment\n[sim]\n# prose, not = a key\n#adapters = 1\n"
                  "drives = 2\n"),
      ::testing::ElementsAre(::testing::Pair("sim.adapters", 4), ::testing::Pair("sim.drives", 5)));
  // Per-VD sections, commented out or not, stand for their template.
  EXPECT_THAT(ExampleKeys("#[health.c0.v1]\n#consistency_check = off\n"),
              ::testing::ElementsAre(::testing::Pair("health.cN.vM.consistency_check", 2)));
  EXPECT_THAT(ManPageKeys(".SH KEYS\n.SS [health.cN.vM]\n.TP\n.B consistency_check = X\n"),
              ::testing::ElementsAre(::testing::Pair("health.cN.vM.consistency_check", 4)));
  EXPECT_GE(KnownKeys().size(), 30u);
}

}  // namespace
}  // namespace hbamgr::config
