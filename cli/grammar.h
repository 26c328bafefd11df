// The storcli-style command grammar: an object path ("/c0/e0/s2"), a verb
// ("show", "start", ...) and its words, parsed into a typed Command.  The
// parser knows nothing about gRPC; the executor turns a Command into calls.
#ifndef HBAMGR_CLI_GRAMMAR_H_
#define HBAMGR_CLI_GRAMMAR_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace hbamgr::cli {

enum class CommandKind {
  kShowSystem,      // show
  kShowController,  // /cX show [all]
  kShowDrives,      // /cX/eall/sall show [all], /cX/eY/sall show [all]
  kShowDrive,       // /cX/eY/sZ show [all|smart|errorcounters]
  kShowVds,         // /cX/vall show [all]
  kShowVd,          // /cX/vN show [all]
  kShowEvents,      // /cX show events [latest=N] [from=SEQ] [filter=...]
  kShowBgops,       // /cX show rebuild|init|cc
  kWatchEvents,     // /cX watch events [from=SEQ] [filter=...]
  kLocate,          // /cX/eY/sZ start|stop locate
  kAddVd,           // /cX add vd rN drives=... [name=] [strip=] [init]
  kDeleteVd,        // /cX/vN del [force]
  kStartBgop,       // /cX/eY/sZ start rebuild, /cX/vN start init|cc [wait]
  kStopBgop,        // /cX/eY/sZ stop rebuild, /cX/vN stop init|cc
  kSetDriveState,   // /cX/eY/sZ set offline|online|good|hotspare
  kSetController,   // /cX set [rebuildrate=N] [patrol=on|off]
  kRestart,         // /cX restart [nowait]
  kPassthru,        // /cX passthru cdb=HEX ...
  kInjectFault,     // /cX[/eY[/sZ]] inject FAULT ...
  kShowHealth,      // show health, /cX[/eY[/sZ]|/vN] show health
  kShowAlerts,      // /cX show alerts [all]
  kAckAlert,        // /cX ack alert=N
  kTestAlert,       // /cX alert test
};

// How much of an object `show` prints.
enum class Detail { kSummary, kAll, kSmart, kErrorCounters };

enum class BgopKind { kRebuild, kInit, kConsistencyCheck };

enum class DriveStateChange { kOnline, kOffline, kUnconfiguredGood, kHotspare };

enum class SeverityLevel { kInfo, kWarning, kCritical, kFatal };

enum class EventClassName { kController, kEnclosure, kDrive, kVirtualDrive, kBackgroundOp };

// filter=severity>=warning,class=pd,code=0x203
struct EventFilterSpec {
  std::optional<SeverityLevel> min_severity;
  std::optional<EventClassName> event_class;
  std::optional<uint32_t> code;
};

struct SlotAddress {
  uint32_t enclosure = 0;
  uint32_t slot = 0;
  bool operator==(const SlotAddress&) const = default;
};

// Fault names of `inject`, one per simulated-firmware fault.
enum class FaultKind {
  kDriveFail,       // /cX/eY/sZ inject fail
  kMediaError,      // /cX/eY/sZ inject mediaerror lba=N
  kTemperature,     // /cX/eY/sZ inject temperature value=C
  kLinkDown,        // /cX/eY inject linkdown
  kLinkUp,          // /cX/eY inject linkup
  kFwFault,         // /cX inject fwfault [code=N]
  kLoseCompletion,  // /cX inject lostcompletion [count=N]
  kLateCompletion,  // /cX inject latecompletion [count=N] [delay=MS]
  kDupCompletion,   // /cX inject dupcompletion [count=N]
  kSrbStorm,        // /cX inject storm [count=N] [rate=N]
  kStormOnReset,    // /cX inject resetstorm [count=N]
  kClear,           // /cX inject clear
};

struct PassthruSpec {
  std::vector<uint8_t> cdb;
  uint32_t target = 0;
  bool physical = false;
  uint32_t data_in_length = 0;
  std::vector<uint8_t> data_out;
  uint32_t timeout_ms = 0;  // 0 = daemon default
};

struct InjectSpec {
  FaultKind fault = FaultKind::kDriveFail;
  uint32_t count = 0;
  uint32_t delay_ms = 0;
  uint32_t value = 0;  // fault code, or temperature
  uint64_t lba = 0;
};

struct Command {
  CommandKind kind = CommandKind::kShowSystem;
  // The words as typed (without J), for messages and the JSON "command".
  std::string text;
  bool json = false;  // trailing J

  uint32_t controller = 0;
  std::optional<uint32_t> enclosure;  // unset: eall (or not part of the path)
  uint32_t slot = 0;
  uint32_t vd = 0;

  Detail detail = Detail::kSummary;
  BgopKind bgop = BgopKind::kRebuild;
  bool locate_on = false;
  bool wait = false;   // follow a background operation or reset to its end
  bool force = false;  // del force
  DriveStateChange drive_state = DriveStateChange::kOnline;

  // /cX set
  std::optional<uint32_t> rebuild_rate;
  std::optional<bool> patrol;

  // show/watch events
  std::optional<uint32_t> latest;
  std::optional<uint64_t> from_seq;
  EventFilterSpec filter;

  // add vd
  uint32_t raid_level = 0;
  std::vector<SlotAddress> drives;
  std::string name;
  uint32_t strip_kb = 0;  // 0 = firmware default (64)
  bool initialize = false;

  PassthruSpec passthru;
  InjectSpec inject;

  // show health: of every controller, or of one object ("/c0/e0/s3"; "" =
  // the whole controller).
  bool every_controller = false;
  std::string object;
  // show alerts all: cleared ones too.
  bool all = false;
  uint64_t alert_id = 0;  // ack alert=N
};

// Parses the words after the options, e.g. {"/c0/e0/s2", "start", "rebuild"}.
// INVALID_ARGUMENT with a one-line message that names the bad word and says
// what was expected ("unknown object '/c0/x1': expected /cN, /cN/eall/sall,
// ...").
absl::StatusOr<Command> ParseCommand(const std::vector<std::string>& words);

// "0:1-2,0:4" -> {0:1, 0:2, 0:4}.
absl::StatusOr<std::vector<SlotAddress>> ParseDriveList(const std::string& text);

// "severity>=warning,class=pd,code=0x203".
absl::StatusOr<EventFilterSpec> ParseEventFilter(const std::string& text);

// "120000006000" or "12 00 00 00 60 00" -> bytes.
absl::StatusOr<std::vector<uint8_t>> ParseHex(const std::string& text);

}  // namespace hbamgr::cli

#endif  // HBAMGR_CLI_GRAMMAR_H_
