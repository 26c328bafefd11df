#include "cli/stream_printer.h"

#include <sstream>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace hbamgr::cli {
namespace {

using ::testing::HasSubstr;

v1::Event SampleEvent() {
  v1::Event ev;
  ev.set_adapter("c0");
  ev.set_seq(42);
  ev.set_timestamp_ns(1'700'000'000'000'000'000ull);
  ev.set_event_class(v1::EVENT_CLASS_DRIVE);
  ev.set_severity(v1::SEVERITY_WARNING);
  ev.set_code(0x0203);
  ev.set_code_name("PD_STATE_CHANGE");
  ev.set_pd_id(3);
  ev.set_description("PD 3 failed");
  return ev;
}

TEST(StreamPrinterTest, EventAsTextLine) {
  std::ostringstream out;
  StreamPrinter printer(out, "/c0 watch events", /*json=*/false, /*redraw=*/false);
  printer.Event(SampleEvent());
  EXPECT_EQ(out.str(),
            "2023-11-14T22:13:20.000Z c0 seq=42 WARNING  DRIVE         0x0203 "
            "PD_STATE_CHANGE: PD 3 failed\n");
}

TEST(StreamPrinterTest, EventAsJsonLine) {
  std::ostringstream out;
  StreamPrinter printer(out, "/c0 watch events", /*json=*/true, /*redraw=*/false);
  printer.Event(SampleEvent());
  const std::string line = out.str();
  EXPECT_EQ(line.find('\n'), line.size() - 1);
  EXPECT_THAT(line, HasSubstr(R"("hbacli_schema":1,"command":"/c0 watch events")"));
  EXPECT_THAT(line, HasSubstr(R"("seq":42)"));
  EXPECT_THAT(line, HasSubstr(R"("enclosure":null,"slot":null,"pd_id":3,"vd_id":null)"));
}

TEST(StreamPrinterTest, ProgressPrintsOnlyChanges) {
  std::ostringstream out;
  StreamPrinter printer(out, "/c0/e0/s2 start rebuild wait", false, /*redraw=*/false);
  v1::BackgroundOp op;
  op.set_type(v1::BACKGROUND_OP_TYPE_REBUILD);
  op.set_state(v1::BACKGROUND_OP_STATE_RUNNING);
  op.set_progress_permille(250);
  printer.Progress(op);
  printer.Progress(op);
  op.set_progress_permille(1000);
  op.set_state(v1::BACKGROUND_OP_STATE_DONE);
  printer.Progress(op);
  printer.Finish();
  EXPECT_EQ(out.str(),
            "REBUILD [##########------------------------------]  25.0% RUNNING\n"
            "REBUILD [########################################] 100.0% DONE\n");
}

TEST(StreamPrinterTest, RedrawOverwritesTheLine) {
  std::ostringstream out;
  StreamPrinter printer(out, "x", false, /*redraw=*/true);
  v1::BackgroundOp op;
  op.set_type(v1::BACKGROUND_OP_TYPE_INIT);
  op.set_state(v1::BACKGROUND_OP_STATE_RUNNING);
  op.set_progress_permille(500);
  printer.Progress(op);
  printer.Finish();
  EXPECT_EQ(out.str(), "\rINIT [####################--------------------]  50.0% RUNNING\x1b[K\n");
}

}  // namespace
}  // namespace hbamgr::cli
