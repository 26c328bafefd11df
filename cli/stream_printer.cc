#include "cli/stream_printer.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "cli/format.h"
#include "cli/render_json.h"
#include "cli/views.h"

namespace hbamgr::cli {

StreamPrinter::StreamPrinter(std::ostream& out, std::string command, bool json, bool redraw)
    : out_(out), command_(std::move(command)), json_(json), redraw_(redraw) {}

void StreamPrinter::Event(const v1::Event& event) {
  if (json_) {
    Report line;
    line.command = command_;
    line.data = Json::Object{{"event", EventJson(event)}};
    out_ << RenderJsonLine(line);
  } else {
    out_ << EventLine(event) << "\n";
  }
  out_.flush();
}

void StreamPrinter::Progress(const v1::BackgroundOp& op) {
  // JSON output is the final report only: a reader wants one document.
  if (json_) return;
  if (last_permille_ == op.progress_permille() && op.state() == v1::BACKGROUND_OP_STATE_RUNNING) {
    return;
  }
  last_permille_ = op.progress_permille();
  std::string type = v1::BackgroundOpType_Name(op.type());
  std::string state = v1::BackgroundOpState_Name(op.state());
  std::string line = absl::StrCat(absl::StripPrefix(type, "BACKGROUND_OP_TYPE_"), " ",
                                  ProgressBar(op.progress_permille()), " ",
                                  absl::StripPrefix(state, "BACKGROUND_OP_STATE_"));
  if (redraw_) {
    out_ << "\r" << line << "\x1b[K";
    line_open_ = true;
  } else {
    out_ << line << "\n";
  }
  out_.flush();
}

void StreamPrinter::Finish() {
  if (line_open_) out_ << "\n";
  line_open_ = false;
  out_.flush();
}

}  // namespace hbamgr::cli
