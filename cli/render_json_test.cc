#include "cli/render_json.h"

#include "gtest/gtest.h"

namespace hbamgr::cli {
namespace {

TEST(RenderJsonTest, SuccessEnvelopeKeepsEveryKey) {
  Report report;
  report.command = "/c0 show";
  report.data = Json::Object{{"controllers", Json::Array{}}};
  EXPECT_EQ(RenderJsonLine(report), R"({"hbacli_schema":1,"command":"/c0 show","status":"success",)"
                                    R"("description":null,"error":null,"data":{"controllers":[]}})"
                                    "\n");
}

TEST(RenderJsonTest, FailureCarriesCodeExitStatusAndMessage) {
  Report report;
  report.command = "/c9 show";
  report.status = absl::NotFoundError("no adapter c9");
  EXPECT_EQ(RenderJsonLine(report),
            R"({"hbacli_schema":1,"command":"/c9 show","status":"failure",)"
            R"("description":null,"error":{"code":"NOT_FOUND","exit_status":2,)"
            R"("message":"no adapter c9"},"data":null})"
            "\n");
}

TEST(RenderJsonTest, PrettyFormEndsWithNewline) {
  Report report;
  report.command = "show";
  report.description = "Number of Controllers = 0";
  std::string out = RenderJson(report);
  EXPECT_EQ(out.front(), '{');
  EXPECT_EQ(out.back(), '\n');
  EXPECT_NE(out.find("\n  \"description\": \"Number of Controllers = 0\",\n"), std::string::npos)
      << out;
}

}  // namespace
}  // namespace hbamgr::cli
