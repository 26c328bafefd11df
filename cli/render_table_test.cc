#include "cli/render_table.h"

#include "gtest/gtest.h"

namespace hbamgr::cli {
namespace {

TEST(RenderTableTest, AlignsColumnsBetweenRules) {
  Table t{.title = "Drives",
          .columns = {{"EID:Slt"}, {"Size", true}, {"Model"}},
          .rows = {{"0:1", "256.0 MiB", "SIM-SAS"}, {"0:10", "1.2 TiB", "X"}}};
  EXPECT_EQ(RenderTable(t),
            "Drives :\n"
            "========\n"
            "\n"
            "-------------------------\n"
            "EID:Slt      Size Model\n"
            "-------------------------\n"
            "0:1     256.0 MiB SIM-SAS\n"
            "0:10      1.2 TiB X\n"
            "-------------------------\n");
}

TEST(RenderTableTest, EmptyTableHasHeaderOnlyAndLegend) {
  Table t{.columns = {{"VD"}, {"State"}}, .legend = "Optl=Optimal"};
  EXPECT_EQ(RenderTable(t),
            "--------\n"
            "VD State\n"
            "--------\n"
            "\n"
            "Optl=Optimal\n");
}

TEST(RenderTableTest, ReportHeaderAndSections) {
  Report report;
  report.command = "/c0 show";
  report.sections.push_back(Properties{.items = {{"Model", "SIM"}, {"Serial Number", "1"}}});
  report.sections.push_back(TextBlock{.title = "Data", .lines = {"00000000  00"}});
  EXPECT_EQ(RenderText(report),
            "Command = /c0 show\n"
            "Status = Success\n"
            "Description = None\n"
            "\n"
            "Model         = SIM\n"
            "Serial Number = 1\n"
            "\n"
            "Data :\n"
            "======\n"
            "\n"
            "00000000  00\n");
}

TEST(RenderTableTest, FailureShowsTheMessage) {
  Report report;
  report.command = "/c0 restart";
  report.status = absl::PermissionDeniedError("uid 65534 is not in group 'hbamgr'");
  EXPECT_EQ(RenderText(report),
            "Command = /c0 restart\n"
            "Status = Failure\n"
            "Description = uid 65534 is not in group 'hbamgr'\n");
}

}  // namespace
}  // namespace hbamgr::cli
