// Prints what streaming commands report while they run: events one per line
// (text or JSON Lines) and background-operation progress (a bar redrawn in
// place on a terminal, one line per change otherwise).
#ifndef HBAMGR_CLI_STREAM_PRINTER_H_
#define HBAMGR_CLI_STREAM_PRINTER_H_

#include <cstdint>
#include <optional>
#include <ostream>
#include <string>

#include "cli/executor.h"

namespace hbamgr::cli {

class StreamPrinter : public StreamSink {
 public:
  // `command` is the JSON envelope's "command"; `redraw`: `out` is a
  // terminal, so progress overwrites its line.
  StreamPrinter(std::ostream& out, std::string command, bool json, bool redraw);

  void Event(const v1::Event& event) override;
  void Progress(const v1::BackgroundOp& op) override;
  // Ends a progress line left open by redrawing.
  void Finish();

 private:
  std::ostream& out_;
  const std::string command_;
  const bool json_;
  const bool redraw_;
  bool line_open_ = false;
  std::optional<uint32_t> last_permille_;
};

}  // namespace hbamgr::cli

#endif  // HBAMGR_CLI_STREAM_PRINTER_H_
