#include "cli/grammar.h"

#include <linux/hbamgr.h>

#include <cctype>
#include <charconv>
#include <map>
#include <set>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"

namespace hbamgr::cli {
namespace {

constexpr char kObjectHint[] =
    "expected /cN, /cN/eall/sall, /cN/eE/sall, /cN/eE/sS, /cN/eE, /cN/vall or /cN/vV";

absl::Status Usage(absl::string_view message) { return absl::InvalidArgumentError(message); }

// The object a command names.
enum class ObjectKind { kController, kEnclosure, kAllDrives, kDrive, kAllVds, kVd };

struct ObjectPath {
  ObjectKind kind = ObjectKind::kController;
  uint32_t controller = 0;
  std::optional<uint32_t> enclosure;
  uint32_t slot = 0;
  uint32_t vd = 0;
};

template <typename T>
std::optional<T> ParseNumber(absl::string_view text, int base = 10) {
  if (base == 16 || absl::StartsWith(text, "0x") || absl::StartsWith(text, "0X")) {
    if (absl::StartsWith(text, "0x") || absl::StartsWith(text, "0X")) text.remove_prefix(2);
    base = 16;
  }
  T value{};
  if (text.empty()) return std::nullopt;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value, base);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

// "c0" -> 0 for prefix 'c'; nullopt when the component is not <prefix><N>.
std::optional<uint32_t> IndexedComponent(absl::string_view component, char prefix) {
  if (component.size() < 2 || component[0] != prefix) return std::nullopt;
  absl::string_view digits = component.substr(1);
  for (char ch : digits) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(ch))) return std::nullopt;
  }
  return ParseNumber<uint32_t>(digits);
}

absl::StatusOr<ObjectPath> ParseObjectPath(absl::string_view text) {
  auto unknown = [&] { return Usage(absl::StrCat("unknown object '", text, "': ", kObjectHint)); };
  if (!absl::StartsWith(text, "/")) return unknown();
  std::vector<absl::string_view> parts = absl::StrSplit(text.substr(1), '/');
  ObjectPath path;
  if (parts.empty() || parts.size() > 3) return unknown();
  std::optional<uint32_t> controller = IndexedComponent(parts[0], 'c');
  if (!controller) return unknown();
  path.controller = *controller;
  if (parts.size() == 1) return path;

  absl::string_view second = parts[1];
  if (parts.size() == 2 && second == "vall") {
    path.kind = ObjectKind::kAllVds;
    return path;
  }
  if (parts.size() == 2 && absl::StartsWith(second, "v")) {
    std::optional<uint32_t> vd = IndexedComponent(second, 'v');
    if (!vd) return unknown();
    path.kind = ObjectKind::kVd;
    path.vd = *vd;
    return path;
  }
  if (second != "eall") {
    std::optional<uint32_t> enclosure = IndexedComponent(second, 'e');
    if (!enclosure) return unknown();
    path.enclosure = *enclosure;
  }
  if (parts.size() == 2) {
    if (!path.enclosure) return unknown();  // "/c0/eall" names nothing
    path.kind = ObjectKind::kEnclosure;
    return path;
  }
  absl::string_view third = parts[2];
  if (third == "sall") {
    path.kind = ObjectKind::kAllDrives;
    return path;
  }
  std::optional<uint32_t> slot = IndexedComponent(third, 's');
  if (!slot || !path.enclosure) return unknown();
  path.kind = ObjectKind::kDrive;
  path.slot = *slot;
  return path;
}

// The words after the verb: bare flags ("all", "force") and key=value pairs.
class Arguments {
 public:
  Arguments(absl::string_view context, std::vector<std::string> words)
      : context_(context), words_(std::move(words)) {}

  // Checks every word is one of `flags` or a key of `keys`, and stores them.
  absl::Status Accept(const std::set<std::string>& flags, const std::set<std::string>& keys) {
    for (const std::string& word : words_) {
      size_t eq = word.find('=');
      if (eq == std::string::npos) {
        if (!flags.contains(word)) return Unexpected(word, flags, keys);
        if (!flags_.insert(word).second) return Usage(absl::StrCat("'", word, "' given twice"));
        continue;
      }
      std::string key = word.substr(0, eq);
      if (!keys.contains(key)) return Unexpected(word, flags, keys);
      std::string value = word.substr(eq + 1);
      if (value.empty()) return Usage(absl::StrCat("'", key, "=' needs a value"));
      if (!values_.emplace(key, value).second) {
        return Usage(absl::StrCat("'", key, "=' given twice"));
      }
    }
    return absl::OkStatus();
  }

  bool Has(const std::string& flag) const { return flags_.contains(flag); }
  std::optional<std::string> Value(const std::string& key) const {
    auto it = values_.find(key);
    if (it == values_.end()) return std::nullopt;
    return it->second;
  }

  template <typename T>
  absl::StatusOr<std::optional<T>> Number(const std::string& key) const {
    std::optional<std::string> text = Value(key);
    if (!text) return std::optional<T>();
    std::optional<T> value = ParseNumber<T>(*text);
    if (!value) {
      return Usage(absl::StrCat("bad number '", *text, "' for ", key, "= (decimal or 0x hex)"));
    }
    return value;
  }

 private:
  absl::Status Unexpected(absl::string_view word, const std::set<std::string>& flags,
                          const std::set<std::string>& keys) const {
    std::vector<std::string> allowed(flags.begin(), flags.end());
    for (const std::string& key : keys) allowed.push_back(key + "=");
    if (allowed.empty()) {
      return Usage(absl::StrCat("unexpected '", word, "' after '", context_, "'"));
    }
    return Usage(absl::StrCat("unexpected '", word, "' after '", context_, "': expected ",
                              absl::StrJoin(allowed, ", ")));
  }

  std::string context_;
  std::vector<std::string> words_;
  std::set<std::string> flags_;
  std::map<std::string, std::string> values_;
};

absl::Status ParseEventOptions(const Arguments& args, Command& cmd, bool allow_latest) {
  if (allow_latest) {
    absl::StatusOr<std::optional<uint32_t>> latest = args.Number<uint32_t>("latest");
    if (!latest.ok()) return latest.status();
    if (latest->has_value() && **latest == 0) return Usage("latest= must be at least 1");
    cmd.latest = *latest;
  }
  absl::StatusOr<std::optional<uint64_t>> from = args.Number<uint64_t>("from");
  if (!from.ok()) return from.status();
  cmd.from_seq = *from;
  if (std::optional<std::string> filter = args.Value("filter")) {
    absl::StatusOr<EventFilterSpec> spec = ParseEventFilter(*filter);
    if (!spec.ok()) return spec.status();
    cmd.filter = *spec;
  }
  return absl::OkStatus();
}

std::optional<BgopKind> BgopByName(absl::string_view name) {
  if (name == "rebuild") return BgopKind::kRebuild;
  if (name == "init") return BgopKind::kInit;
  if (name == "cc") return BgopKind::kConsistencyCheck;
  return std::nullopt;
}

std::vector<std::string> Rest(const std::vector<std::string>& words, size_t from) {
  if (from >= words.size()) return {};
  return {words.begin() + static_cast<ptrdiff_t>(from), words.end()};
}

// "/c0/e1/s3" for a drive, "/c0/v2", "/c0/e1"; "" for a controller.
std::string ObjectName(const ObjectPath& path) {
  switch (path.kind) {
    case ObjectKind::kEnclosure:
      return absl::StrCat("/c", path.controller, "/e", *path.enclosure);
    case ObjectKind::kDrive:
      return absl::StrCat("/c", path.controller, "/e", *path.enclosure, "/s", path.slot);
    case ObjectKind::kVd:
      return absl::StrCat("/c", path.controller, "/v", path.vd);
    default:
      return "";
  }
}

absl::Status ParseShow(const ObjectPath& path, const std::vector<std::string>& words,
                       Command& cmd) {
  // words[0] is "show".
  std::string what = words.size() > 1 ? words[1] : "";
  if (what == "health") {
    if (path.kind == ObjectKind::kAllDrives || path.kind == ObjectKind::kAllVds) {
      return Usage("'show health' names one object: /cN, /cN/eE, /cN/eE/sS or /cN/vV");
    }
    cmd.kind = CommandKind::kShowHealth;
    cmd.object = ObjectName(path);
    return Arguments("show health", Rest(words, 2)).Accept({}, {});
  }
  if (what == "alerts") {
    if (path.kind != ObjectKind::kController) {
      return Usage("'show alerts' applies to a controller: /cN show alerts [all]");
    }
    cmd.kind = CommandKind::kShowAlerts;
    Arguments args("show alerts", Rest(words, 2));
    if (absl::Status st = args.Accept({"all"}, {}); !st.ok()) return st;
    cmd.all = args.Has("all");
    return absl::OkStatus();
  }
  switch (path.kind) {
    case ObjectKind::kController: {
      if (what == "events") {
        cmd.kind = CommandKind::kShowEvents;
        Arguments args("show events", Rest(words, 2));
        if (absl::Status st = args.Accept({}, {"latest", "from", "filter"}); !st.ok()) return st;
        return ParseEventOptions(args, cmd, /*allow_latest=*/true);
      }
      if (std::optional<BgopKind> bgop = BgopByName(what)) {
        cmd.kind = CommandKind::kShowBgops;
        cmd.bgop = *bgop;
        return Arguments(absl::StrCat("show ", what), Rest(words, 2)).Accept({}, {});
      }
      if (!what.empty() && what != "all") {
        return Usage(absl::StrCat(
            "unexpected '", what,
            "' after 'show': expected all, events, health, alerts, rebuild, init or cc"));
      }
      cmd.kind = CommandKind::kShowController;
      break;
    }
    case ObjectKind::kEnclosure:
      return Usage("nothing to show for an enclosure: use /cN/eE/sall show");
    case ObjectKind::kAllDrives:
      cmd.kind = CommandKind::kShowDrives;
      break;
    case ObjectKind::kDrive: {
      cmd.kind = CommandKind::kShowDrive;
      Arguments args("show", Rest(words, 1));
      if (absl::Status st = args.Accept({"all", "smart", "errorcounters"}, {}); !st.ok()) {
        return st;
      }
      int chosen = args.Has("all") + args.Has("smart") + args.Has("errorcounters");
      if (chosen > 1) return Usage("choose one of all, smart, errorcounters");
      if (args.Has("all")) cmd.detail = Detail::kAll;
      if (args.Has("smart")) cmd.detail = Detail::kSmart;
      if (args.Has("errorcounters")) cmd.detail = Detail::kErrorCounters;
      return absl::OkStatus();
    }
    case ObjectKind::kAllVds:
      cmd.kind = CommandKind::kShowVds;
      break;
    case ObjectKind::kVd:
      cmd.kind = CommandKind::kShowVd;
      break;
  }
  Arguments args("show", Rest(words, 1));
  if (absl::Status st = args.Accept({"all"}, {}); !st.ok()) return st;
  if (args.Has("all")) cmd.detail = Detail::kAll;
  return absl::OkStatus();
}

absl::Status ParseStartStop(const ObjectPath& path, const std::vector<std::string>& words,
                            Command& cmd) {
  const bool start = words[0] == "start";
  if (words.size() < 2) {
    return Usage(absl::StrCat("'", words[0], "' needs an operation: locate, rebuild, init or cc"));
  }
  const std::string& what = words[1];
  Arguments args(absl::StrCat(words[0], " ", what), Rest(words, 2));
  if (what == "locate") {
    if (path.kind != ObjectKind::kDrive) return Usage("locate needs a drive: /cN/eE/sS");
    cmd.kind = CommandKind::kLocate;
    cmd.locate_on = start;
    return args.Accept({}, {});
  }
  std::optional<BgopKind> bgop = BgopByName(what);
  if (!bgop) {
    return Usage(
        absl::StrCat("unknown operation '", what, "': expected locate, rebuild, init or cc"));
  }
  cmd.bgop = *bgop;
  cmd.kind = start ? CommandKind::kStartBgop : CommandKind::kStopBgop;
  if (*bgop == BgopKind::kRebuild && path.kind != ObjectKind::kDrive) {
    return Usage("rebuild needs a drive: /cN/eE/sS start rebuild");
  }
  if (*bgop != BgopKind::kRebuild && path.kind != ObjectKind::kVd) {
    return Usage(absl::StrCat(what, " needs a virtual drive: /cN/vV ", words[0], " ", what));
  }
  if (absl::Status st =
          args.Accept(start ? std::set<std::string>{"wait"} : std::set<std::string>{}, {});
      !st.ok()) {
    return st;
  }
  cmd.wait = args.Has("wait");
  return absl::OkStatus();
}

absl::Status ParseAddVd(const std::vector<std::string>& words, Command& cmd) {
  if (words.size() < 2 || words[1] != "vd") return Usage("expected 'add vd rN drives=E:S-S'");
  if (words.size() < 3 || words[2].size() < 2 || (words[2][0] != 'r' && words[2][0] != 'R')) {
    return Usage("'add vd' needs a RAID level: r0, r1, r5, r6 or r10");
  }
  std::optional<uint32_t> level = ParseNumber<uint32_t>(absl::string_view(words[2]).substr(1));
  if (!level || (*level != 0 && *level != 1 && *level != 5 && *level != 6 && *level != 10)) {
    return Usage(absl::StrCat("bad RAID level '", words[2], "': expected r0, r1, r5, r6 or r10"));
  }
  cmd.kind = CommandKind::kAddVd;
  cmd.raid_level = *level;
  Arguments args("add vd", Rest(words, 3));
  if (absl::Status st = args.Accept({"init"}, {"drives", "name", "strip"}); !st.ok()) return st;
  std::optional<std::string> drives = args.Value("drives");
  if (!drives) return Usage("'add vd' needs drives=E:S[-S][,E:S...], e.g. drives=0:1-2");
  absl::StatusOr<std::vector<SlotAddress>> list = ParseDriveList(*drives);
  if (!list.ok()) return list.status();
  cmd.drives = *std::move(list);
  // Friendlier than the daemon's refusal, with the limits the firmware
  // enforces (<linux/hbamgr.h>); the daemon and the firmware decide.
  cmd.name = args.Value("name").value_or("");
  if (cmd.name.size() > HBAMGR_VD_NAME_LEN - 1) {
    return Usage(absl::StrCat("name= is at most ", HBAMGR_VD_NAME_LEN - 1, " characters, got ",
                              cmd.name.size()));
  }
  for (size_t i = 0; i < cmd.name.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(cmd.name[i]);
    if (c < 0x20 || c > 0x7e) {
      return Usage(absl::StrFormat(
          "name= character %zu is 0x%02x: names are printable ASCII, no control characters", i + 1,
          c));
    }
  }
  absl::StatusOr<std::optional<uint32_t>> strip = args.Number<uint32_t>("strip");
  if (!strip.ok()) return strip.status();
  cmd.strip_kb = strip->value_or(0);
  if (strip->has_value() &&
      (cmd.strip_kb < HBAMGR_STRIP_KB_MIN || cmd.strip_kb > HBAMGR_STRIP_KB_MAX ||
       (cmd.strip_kb & (cmd.strip_kb - 1)) != 0)) {
    return Usage(absl::StrCat("strip=", cmd.strip_kb,
                              ": the strip size in KiB is a power of two from ",
                              HBAMGR_STRIP_KB_MIN, " to ", HBAMGR_STRIP_KB_MAX));
  }
  cmd.initialize = args.Has("init");
  return absl::OkStatus();
}

absl::Status ParsePassthru(const std::vector<std::string>& words, Command& cmd) {
  cmd.kind = CommandKind::kPassthru;
  Arguments args("passthru", Rest(words, 1));
  if (absl::Status st = args.Accept({"phys"}, {"cdb", "target", "datain", "dataout", "timeout"});
      !st.ok()) {
    return st;
  }
  std::optional<std::string> cdb = args.Value("cdb");
  if (!cdb) return Usage("passthru needs cdb=HEX, e.g. cdb=120000006000 (INQUIRY)");
  absl::StatusOr<std::vector<uint8_t>> bytes = ParseHex(*cdb);
  if (!bytes.ok()) return bytes.status();
  if (bytes->size() < HBAMGR_CDB_MIN || bytes->size() > HBAMGR_CDB_MAX) {
    return Usage(absl::StrCat("cdb= must be ", HBAMGR_CDB_MIN, " to ", HBAMGR_CDB_MAX,
                              " bytes, got ", bytes->size()));
  }
  PassthruSpec& spec = cmd.passthru;
  spec.cdb = *std::move(bytes);
  spec.physical = args.Has("phys");
  absl::StatusOr<std::optional<uint32_t>> target = args.Number<uint32_t>("target");
  if (!target.ok()) return target.status();
  spec.target = target->value_or(0);
  absl::StatusOr<std::optional<uint32_t>> datain = args.Number<uint32_t>("datain");
  if (!datain.ok()) return datain.status();
  spec.data_in_length = datain->value_or(0);
  if (std::optional<std::string> out = args.Value("dataout")) {
    if (spec.data_in_length != 0) return Usage("give datain= or dataout=, not both");
    absl::StatusOr<std::vector<uint8_t>> data = ParseHex(*out);
    if (!data.ok()) return data.status();
    spec.data_out = *std::move(data);
  }
  absl::StatusOr<std::optional<uint32_t>> timeout = args.Number<uint32_t>("timeout");
  if (!timeout.ok()) return timeout.status();
  spec.timeout_ms = timeout->value_or(0);
  return absl::OkStatus();
}

struct FaultName {
  absl::string_view name;
  FaultKind fault;
  ObjectKind object;
};

constexpr FaultName kFaults[] = {
    {"fail", FaultKind::kDriveFail, ObjectKind::kDrive},
    {"mediaerror", FaultKind::kMediaError, ObjectKind::kDrive},
    {"temperature", FaultKind::kTemperature, ObjectKind::kDrive},
    {"linkdown", FaultKind::kLinkDown, ObjectKind::kEnclosure},
    {"linkup", FaultKind::kLinkUp, ObjectKind::kEnclosure},
    {"fwfault", FaultKind::kFwFault, ObjectKind::kController},
    {"lostcompletion", FaultKind::kLoseCompletion, ObjectKind::kController},
    {"latecompletion", FaultKind::kLateCompletion, ObjectKind::kController},
    {"dupcompletion", FaultKind::kDupCompletion, ObjectKind::kController},
    {"storm", FaultKind::kSrbStorm, ObjectKind::kController},
    {"resetstorm", FaultKind::kStormOnReset, ObjectKind::kController},
    {"clear", FaultKind::kClear, ObjectKind::kController},
};

absl::string_view ObjectSyntax(ObjectKind kind) {
  switch (kind) {
    case ObjectKind::kController:
      return "/cN";
    case ObjectKind::kEnclosure:
      return "/cN/eE";
    case ObjectKind::kDrive:
      return "/cN/eE/sS";
    default:
      return "?";
  }
}

absl::Status ParseInject(const ObjectPath& path, const std::vector<std::string>& words,
                         Command& cmd) {
  std::vector<std::string> names;
  for (const FaultName& f : kFaults) names.emplace_back(f.name);
  if (words.size() < 2) {
    return Usage(absl::StrCat("'inject' needs a fault: ", absl::StrJoin(names, ", ")));
  }
  const FaultName* found = nullptr;
  for (const FaultName& f : kFaults) {
    if (f.name == words[1]) found = &f;
  }
  if (!found) {
    return Usage(
        absl::StrCat("unknown fault '", words[1], "': expected ", absl::StrJoin(names, ", ")));
  }
  if (found->object != path.kind) {
    return Usage(absl::StrCat("fault '", found->name, "' applies to ", ObjectSyntax(found->object),
                              ": ", ObjectSyntax(found->object), " inject ", found->name));
  }
  cmd.kind = CommandKind::kInjectFault;
  cmd.inject.fault = found->fault;
  std::set<std::string> keys;
  switch (found->fault) {
    case FaultKind::kMediaError:
      keys = {"lba"};
      break;
    case FaultKind::kTemperature:
      keys = {"value"};
      break;
    case FaultKind::kFwFault:
      keys = {"code"};
      break;
    case FaultKind::kLateCompletion:
      keys = {"count", "delay"};
      break;
    case FaultKind::kSrbStorm:
      keys = {"count", "rate"};
      break;
    case FaultKind::kLoseCompletion:
    case FaultKind::kDupCompletion:
    case FaultKind::kStormOnReset:
      keys = {"count"};
      break;
    default:
      break;
  }
  Arguments args(absl::StrCat("inject ", found->name), Rest(words, 2));
  if (absl::Status st = args.Accept({}, keys); !st.ok()) return st;
  absl::StatusOr<std::optional<uint32_t>> count = args.Number<uint32_t>("count");
  if (!count.ok()) return count.status();
  cmd.inject.count = count->value_or(1);
  absl::StatusOr<std::optional<uint32_t>> delay = args.Number<uint32_t>("delay");
  if (!delay.ok()) return delay.status();
  cmd.inject.delay_ms = delay->value_or(1000);
  absl::StatusOr<std::optional<uint64_t>> lba = args.Number<uint64_t>("lba");
  if (!lba.ok()) return lba.status();
  if (found->fault == FaultKind::kMediaError && !lba->has_value()) {
    return Usage("'inject mediaerror' needs lba=N");
  }
  cmd.inject.lba = lba->value_or(0);
  absl::StatusOr<std::optional<uint32_t>> code = args.Number<uint32_t>("code");
  if (!code.ok()) return code.status();
  absl::StatusOr<std::optional<uint32_t>> value = args.Number<uint32_t>("value");
  if (!value.ok()) return value.status();
  absl::StatusOr<std::optional<uint32_t>> rate = args.Number<uint32_t>("rate");
  if (!rate.ok()) return rate.status();
  if (found->fault == FaultKind::kTemperature && !value->has_value()) {
    return Usage("'inject temperature' needs value=DEGREES_C");
  }
  cmd.inject.value = found->fault == FaultKind::kFwFault     ? code->value_or(0xdead)
                     : found->fault == FaultKind::kSrbStorm ? rate->value_or(0)
                                                            : value->value_or(0);
  return absl::OkStatus();
}

absl::Status ParseSet(const ObjectPath& path, const std::vector<std::string>& words, Command& cmd) {
  if (path.kind == ObjectKind::kController) {
    cmd.kind = CommandKind::kSetController;
    Arguments args("set", Rest(words, 1));
    if (absl::Status st = args.Accept({}, {"rebuildrate", "patrol"}); !st.ok()) return st;
    absl::StatusOr<std::optional<uint32_t>> rate = args.Number<uint32_t>("rebuildrate");
    if (!rate.ok()) return rate.status();
    if (rate->has_value() && (**rate < 1 || **rate > 100)) {
      return Usage("rebuildrate= is a percentage, 1 to 100");
    }
    cmd.rebuild_rate = *rate;
    if (std::optional<std::string> patrol = args.Value("patrol")) {
      if (*patrol != "on" && *patrol != "off") return Usage("patrol= is on or off");
      cmd.patrol = *patrol == "on";
    }
    if (!cmd.rebuild_rate && !cmd.patrol) {
      return Usage("'/cN set' needs rebuildrate=1..100 or patrol=on|off");
    }
    return absl::OkStatus();
  }
  if (path.kind != ObjectKind::kDrive) return Usage("'set' needs a drive: /cN/eE/sS set online");
  const std::map<std::string, DriveStateChange> states = {
      {"online", DriveStateChange::kOnline},
      {"offline", DriveStateChange::kOffline},
      {"good", DriveStateChange::kUnconfiguredGood},
      {"hotspare", DriveStateChange::kHotspare},
  };
  if (words.size() != 2 || !states.contains(words[1])) {
    return Usage("'set' needs one state: online, offline, good or hotspare");
  }
  cmd.kind = CommandKind::kSetDriveState;
  cmd.drive_state = states.at(words[1]);
  return absl::OkStatus();
}

absl::Status ParseVerb(const ObjectPath& path, const std::vector<std::string>& words,
                       Command& cmd) {
  if (words.empty()) {
    return Usage(absl::StrCat("missing verb after the object: show, start, stop, set, add, ",
                              "del, restart, passthru, watch, inject, ack or alert"));
  }
  const std::string& verb = words[0];
  auto controller_only = [&](absl::string_view example) -> absl::Status {
    if (path.kind != ObjectKind::kController) {
      return Usage(absl::StrCat("'", verb, "' applies to a controller: ", example));
    }
    return absl::OkStatus();
  };
  if (verb == "show") return ParseShow(path, words, cmd);
  if (verb == "start" || verb == "stop") return ParseStartStop(path, words, cmd);
  if (verb == "set") return ParseSet(path, words, cmd);
  if (verb == "inject") return ParseInject(path, words, cmd);
  if (verb == "add") {
    if (absl::Status st = controller_only("/cN add vd r1 drives=0:1-2"); !st.ok()) return st;
    return ParseAddVd(words, cmd);
  }
  if (verb == "del" || verb == "delete") {
    if (path.kind != ObjectKind::kVd) return Usage("'del' needs a virtual drive: /cN/vV del");
    cmd.kind = CommandKind::kDeleteVd;
    Arguments args("del", Rest(words, 1));
    if (absl::Status st = args.Accept({"force"}, {}); !st.ok()) return st;
    cmd.force = args.Has("force");
    return absl::OkStatus();
  }
  if (verb == "restart") {
    if (absl::Status st = controller_only("/cN restart"); !st.ok()) return st;
    cmd.kind = CommandKind::kRestart;
    Arguments args("restart", Rest(words, 1));
    if (absl::Status st = args.Accept({"nowait"}, {}); !st.ok()) return st;
    cmd.wait = !args.Has("nowait");
    return absl::OkStatus();
  }
  if (verb == "passthru") {
    if (absl::Status st = controller_only("/cN passthru cdb=120000006000 datain=96"); !st.ok()) {
      return st;
    }
    return ParsePassthru(words, cmd);
  }
  if (verb == "ack") {
    if (absl::Status st = controller_only("/cN ack alert=N"); !st.ok()) return st;
    cmd.kind = CommandKind::kAckAlert;
    Arguments args("ack", Rest(words, 1));
    if (absl::Status st = args.Accept({}, {"alert"}); !st.ok()) return st;
    absl::StatusOr<std::optional<uint64_t>> id = args.Number<uint64_t>("alert");
    if (!id.ok()) return id.status();
    if (!id->has_value() || **id == 0) return Usage("'ack' needs alert=N (see /cN show alerts)");
    cmd.alert_id = **id;
    return absl::OkStatus();
  }
  if (verb == "alert") {
    if (absl::Status st = controller_only("/cN alert test"); !st.ok()) return st;
    if (words.size() != 2 || words[1] != "test") return Usage("expected '/cN alert test'");
    cmd.kind = CommandKind::kTestAlert;
    return absl::OkStatus();
  }
  if (verb == "watch") {
    if (absl::Status st = controller_only("/cN watch events"); !st.ok()) return st;
    if (words.size() < 2 || words[1] != "events") return Usage("expected '/cN watch events'");
    cmd.kind = CommandKind::kWatchEvents;
    Arguments args("watch events", Rest(words, 2));
    if (absl::Status st = args.Accept({}, {"from", "filter"}); !st.ok()) return st;
    return ParseEventOptions(args, cmd, /*allow_latest=*/false);
  }
  return Usage(absl::StrCat("unknown verb '", verb,
                            "': expected show, start, stop, set, add, del, restart, passthru, "
                            "watch, inject, ack or alert"));
}

}  // namespace

absl::StatusOr<std::vector<uint8_t>> ParseHex(const std::string& text) {
  std::string digits;
  for (char ch : text) {
    if (ch == ' ' || ch == ':') continue;
    if (!absl::ascii_isxdigit(static_cast<unsigned char>(ch))) {
      return Usage(absl::StrCat("bad hex '", text, "': only 0-9, a-f (spaces or ':' between)"));
    }
    digits.push_back(ch);
  }
  if (digits.empty()) return Usage("empty hex string");
  if (digits.size() % 2 != 0) {
    return Usage(absl::StrCat("hex '", text, "' has an odd number of digits (", digits.size(),
                              "): write two per byte, e.g. 120000006000"));
  }
  std::vector<uint8_t> bytes;
  for (size_t i = 0; i < digits.size(); i += 2) {
    bytes.push_back(*ParseNumber<uint8_t>(absl::string_view(digits).substr(i, 2), 16));
  }
  return bytes;
}

absl::StatusOr<std::vector<SlotAddress>> ParseDriveList(const std::string& text) {
  std::vector<SlotAddress> drives;
  auto bad = [&](absl::string_view item, absl::string_view why) {
    return Usage(absl::StrCat("bad drive list '", text, "' at '", item, "': ", why,
                              " (expected E:S, E:S-S, comma separated, e.g. 0:1-2,0:4)"));
  };
  for (absl::string_view item : absl::StrSplit(text, ',')) {
    size_t colon = item.find(':');
    if (colon == absl::string_view::npos) return bad(item, "missing ':'");
    std::optional<uint32_t> enclosure = ParseNumber<uint32_t>(item.substr(0, colon), 10);
    if (!enclosure) return bad(item, "bad enclosure number");
    absl::string_view slots = item.substr(colon + 1);
    size_t dash = slots.find('-');
    std::optional<uint32_t> first = ParseNumber<uint32_t>(slots.substr(0, dash), 10);
    std::optional<uint32_t> last = first;
    if (dash != absl::string_view::npos) last = ParseNumber<uint32_t>(slots.substr(dash + 1), 10);
    if (!first || !last) return bad(item, "bad slot number");
    if (*last < *first) return bad(item, "range runs backwards");
    if (*last - *first >= 32) return bad(item, "range longer than 32 slots");
    for (uint32_t slot = *first; slot <= *last; ++slot) {
      SlotAddress address{*enclosure, slot};
      for (const SlotAddress& seen : drives) {
        if (seen == address)
          return bad(item, absl::StrCat("drive ", *enclosure, ":", slot, " listed twice"));
      }
      drives.push_back(address);
    }
  }
  return drives;
}

absl::StatusOr<EventFilterSpec> ParseEventFilter(const std::string& text) {
  static const std::map<std::string, SeverityLevel> kSeverities = {
      {"info", SeverityLevel::kInfo},
      {"warning", SeverityLevel::kWarning},
      {"critical", SeverityLevel::kCritical},
      {"fatal", SeverityLevel::kFatal},
  };
  static const std::map<std::string, EventClassName> kClasses = {
      {"ctrl", EventClassName::kController},   {"encl", EventClassName::kEnclosure},
      {"pd", EventClassName::kDrive},          {"vd", EventClassName::kVirtualDrive},
      {"bgop", EventClassName::kBackgroundOp},
  };
  constexpr char kHint[] =
      "expected severity>=info|warning|critical|fatal, class=ctrl|encl|pd|vd|bgop, code=N, "
      "comma separated";
  EventFilterSpec spec;
  for (absl::string_view term : absl::StrSplit(text, ',')) {
    auto bad = [&] { return Usage(absl::StrCat("bad filter term '", term, "': ", kHint)); };
    size_t op = term.find_first_of(">=");
    if (op == absl::string_view::npos || op == 0) return bad();
    std::string key(term.substr(0, op));
    absl::string_view rest = term.substr(op);
    bool at_least = absl::StartsWith(rest, ">=");
    if (!at_least && !absl::StartsWith(rest, "=")) return bad();
    std::string value = absl::AsciiStrToLower(rest.substr(at_least ? 2 : 1));
    if (key == "severity") {
      // "severity=warning" means the same as ">=": severities are levels.
      auto it = kSeverities.find(value);
      if (it == kSeverities.end()) return bad();
      spec.min_severity = it->second;
    } else if (key == "class" && !at_least) {
      auto it = kClasses.find(value);
      if (it == kClasses.end()) return bad();
      spec.event_class = it->second;
    } else if (key == "code" && !at_least) {
      std::optional<uint32_t> code = ParseNumber<uint32_t>(value);
      if (!code) return bad();
      spec.code = *code;
    } else {
      return bad();
    }
  }
  return spec;
}

absl::StatusOr<Command> ParseCommand(const std::vector<std::string>& input) {
  std::vector<std::string> words = input;
  Command cmd;
  if (!words.empty() && words.back() == "J") {
    cmd.json = true;
    words.pop_back();
  }
  if (words.empty()) return Usage("missing command: try 'hbacli show' or 'hbacli --help'");
  cmd.text = absl::StrJoin(words, " ");
  if (!words[0].starts_with("/")) {
    if (words[0] == "show" && words.size() == 1) {
      cmd.kind = CommandKind::kShowSystem;
      return cmd;
    }
    if (words[0] == "show" && words.size() == 2 && words[1] == "health") {
      cmd.kind = CommandKind::kShowHealth;
      cmd.every_controller = true;
      return cmd;
    }
    if (words[0] == "show") {
      return Usage(absl::StrCat("unexpected '", words[1], "' after 'show': name an object, e.g. ",
                                "'/c0 show ", words[1], "'"));
    }
    return Usage(absl::StrCat("unknown command '", words[0], "': start with 'show' or an ",
                              "object (/c0 ...); see hbacli --help"));
  }
  absl::StatusOr<ObjectPath> path = ParseObjectPath(words[0]);
  if (!path.ok()) return path.status();
  cmd.controller = path->controller;
  cmd.enclosure = path->enclosure;
  cmd.slot = path->slot;
  cmd.vd = path->vd;
  if (absl::Status st = ParseVerb(*path, Rest(words, 1), cmd); !st.ok()) return st;
  return cmd;
}

}  // namespace hbamgr::cli
