#include "cli/views.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "cli/format.h"
#include "cli/sense.h"

namespace hbamgr::cli {
namespace {

std::string Hex64(uint64_t v) { return absl::StrFormat("0x%016x", v); }
std::string YesNo(bool v) { return v ? "Yes" : "No"; }
std::string OnOff(bool v) { return v ? "On" : "Off"; }
std::string EmptyAsDash(const std::string& s) { return s.empty() ? "-" : s; }

std::string DriveStateName(v1::DriveState s) {
  return JsonEnumName(v1::DriveState_Name(s), "DRIVE_STATE_");
}
std::string VdStateName(v1::VirtualDriveState s) {
  return JsonEnumName(v1::VirtualDriveState_Name(s), "VIRTUAL_DRIVE_STATE_");
}
std::string AdapterStateName(v1::AdapterState s) {
  return JsonEnumName(v1::AdapterState_Name(s), "ADAPTER_STATE_");
}
std::string BgopTypeName(v1::BackgroundOpType t) {
  return JsonEnumName(v1::BackgroundOpType_Name(t), "BACKGROUND_OP_TYPE_");
}
std::string BgopStateName(v1::BackgroundOpState s) {
  return JsonEnumName(v1::BackgroundOpState_Name(s), "BACKGROUND_OP_STATE_");
}
std::string SeverityName(v1::Severity s) { return JsonEnumName(v1::Severity_Name(s), "SEVERITY_"); }
std::string EventClassName(v1::EventClass c) {
  return JsonEnumName(v1::EventClass_Name(c), "EVENT_CLASS_");
}
std::string InterfaceName(v1::DriveInterface i) {
  return JsonEnumName(v1::DriveInterface_Name(i), "DRIVE_INTERFACE_");
}
std::string MediaName(v1::MediaType m) {
  return JsonEnumName(v1::MediaType_Name(m), "MEDIA_TYPE_");
}
std::string CommandStatusName(v1::CommandStatus s) {
  return JsonEnumName(v1::CommandStatus_Name(s), "COMMAND_STATUS_");
}

std::string Upper(const std::string& s) { return absl::AsciiStrToUpper(s); }

std::string SlotOf(const std::vector<v1::Drive>& drives, uint32_t pd_id) {
  for (const v1::Drive& d : drives) {
    if (d.pd_id() == pd_id) return absl::StrCat(d.enclosure(), ":", d.slot());
  }
  return "-";
}

Json OptionalU32(bool has, uint32_t v) { return has ? Json(v) : Json(); }

}  // namespace

std::string JsonEnumName(const std::string& proto_name, std::string_view prefix) {
  if (proto_name.empty()) return "unknown";
  std::string_view name = proto_name;
  if (name.starts_with(prefix)) name.remove_prefix(prefix.size());
  return absl::AsciiStrToLower(std::string(name));
}

std::string DriveStateShort(v1::DriveState state) {
  switch (state) {
    case v1::DRIVE_STATE_UNCONFIGURED_GOOD:
      return "UGood";
    case v1::DRIVE_STATE_UNCONFIGURED_BAD:
      return "UBad";
    case v1::DRIVE_STATE_HOTSPARE:
      return "GHS";
    case v1::DRIVE_STATE_ONLINE:
      return "Onln";
    case v1::DRIVE_STATE_OFFLINE:
      return "Offln";
    case v1::DRIVE_STATE_FAILED:
      return "Failed";
    case v1::DRIVE_STATE_REBUILD:
      return "Rbld";
    case v1::DRIVE_STATE_MISSING:
      return "Msng";
    default:
      return "?";
  }
}

std::string VirtualDriveStateShort(v1::VirtualDriveState state) {
  switch (state) {
    case v1::VIRTUAL_DRIVE_STATE_OPTIMAL:
      return "Optl";
    case v1::VIRTUAL_DRIVE_STATE_PARTIALLY_DEGRADED:
      return "Pdgd";
    case v1::VIRTUAL_DRIVE_STATE_DEGRADED:
      return "Dgrd";
    case v1::VIRTUAL_DRIVE_STATE_OFFLINE:
      return "OfLn";
    default:
      return "?";
  }
}

Json ControllerJson(const v1::Controller& c) {
  Json::Array features;
  for (const std::string& f : c.feature_names()) features.emplace_back(f);
  Json limits = Json::Object{
      {"fw_max_cmds", c.limits().fw_max_cmds()},
      {"drv_max_cmds", c.limits().drv_max_cmds()},
      {"max_srbs", c.limits().max_srbs()},
      {"max_transfer", c.limits().max_transfer()},
      {"num_reply_queues", c.limits().num_reply_queues()},
      {"max_virtual_drives", c.limits().max_virtual_drives()},
  };
  const bool d = c.has_details();
  return Json::Object{
      {"adapter", c.adapter()},
      {"index", c.index()},
      {"state", AdapterStateName(c.state())},
      {"serving", c.serving()},
      {"model", c.model()},
      {"serial", c.serial()},
      {"fw_version", c.fw_version()},
      {"driver_version", c.driver_version()},
      {"sas_address", Hex64(c.sas_address())},
      {"abi_version", absl::StrCat(c.abi_major(), ".", c.abi_minor())},
      {"features", Json(std::move(features))},
      {"reset_count", c.reset_count()},
      {"fw_fault_code", c.fw_fault_code()},
      {"limits", limits},
      {"srbs_posted", c.srbs_posted()},
      {"cmds_outstanding", c.cmds_outstanding()},
      {"last_event_seq", c.last_event_seq()},
      {"stale_replies", c.stale_replies()},
      {"temperature_c", OptionalU32(d, c.temperature_c())},
      {"rebuild_rate", OptionalU32(d, c.rebuild_rate())},
      {"patrol_enabled", d ? Json(c.patrol_enabled()) : Json()},
      {"memory_mb", OptionalU32(d, c.memory_mb())},
      {"fw_uptime_s", d ? Json(c.fw_uptime_s()) : Json()},
      {"num_enclosures", OptionalU32(d, c.num_enclosures())},
      {"num_drives", OptionalU32(d, c.num_drives())},
      {"num_virtual_drives", OptionalU32(d, c.num_virtual_drives())},
      {"backend", c.backend()},
      {"device", c.device()},
  };
}

Json EnclosureJson(const v1::Enclosure& e) {
  return Json::Object{
      {"enclosure", e.enclosure()}, {"num_slots", e.num_slots()},
      {"link_up", e.link_up()},     {"vendor", e.vendor()},
      {"product", e.product()},     {"temperature_c", e.temperature_c()},
  };
}

Json DriveJson(const v1::Drive& d) {
  return Json::Object{
      {"pd_id", d.pd_id()},
      {"enclosure", d.enclosure()},
      {"slot", d.slot()},
      {"vd_id", OptionalU32(d.has_vd_id(), d.vd_id())},
      {"state", DriveStateName(d.state())},
      {"interface", InterfaceName(d.interface())},
      {"media", MediaName(d.media())},
      {"locate_on", d.locate_on()},
      {"logical_block_size", d.logical_block_size()},
      {"physical_block_size", d.physical_block_size()},
      {"num_blocks", d.num_blocks()},
      {"size_bytes", d.size_bytes()},
      {"vendor", d.vendor()},
      {"model", d.model()},
      {"serial", d.serial()},
      {"fw_revision", d.fw_revision()},
      {"sas_address", Hex64(d.sas_address())},
      {"temperature_c", d.temperature_c()},
      {"media_errors", d.media_errors()},
      {"other_errors", d.other_errors()},
      {"predictive_failures", d.predictive_failures()},
      {"rotation_rpm", d.rotation_rpm()},
      {"power_on_hours", d.power_on_hours()},
  };
}

Json VirtualDriveJson(const v1::VirtualDrive& vd) {
  Json::Array members;
  for (uint32_t id : vd.pd_ids()) members.emplace_back(id);
  return Json::Object{
      {"vd_id", vd.vd_id()},
      {"name", vd.name()},
      {"raid_level", vd.raid_level()},
      {"state", VdStateName(vd.state())},
      {"strip_kb", vd.strip_kb()},
      {"num_blocks", vd.num_blocks()},
      {"logical_block_size", vd.logical_block_size()},
      {"size_bytes", vd.size_bytes()},
      {"pd_ids", Json(std::move(members))},
  };
}

Json BackgroundOpJson(const v1::BackgroundOp& op) {
  return Json::Object{
      {"type", BgopTypeName(op.type())},
      {"state", BgopStateName(op.state())},
      {"target", OptionalU32(op.has_target(), op.target())},
      {"progress_permille", op.progress_permille()},
      {"progress_percent", op.progress_permille() / 10.0},
      {"started_ns", op.started_ns()},
      {"errors", op.errors()},
  };
}

Json EventJson(const v1::Event& ev) {
  return Json::Object{
      {"adapter", ev.adapter()},
      {"seq", ev.seq()},
      {"timestamp_ns", ev.timestamp_ns()},
      {"time", FormatTimestamp(ev.timestamp_ns())},
      {"class", EventClassName(ev.event_class())},
      {"severity", SeverityName(ev.severity())},
      {"code", ev.code()},
      {"code_name", ev.code_name()},
      {"enclosure", OptionalU32(ev.has_enclosure(), ev.enclosure())},
      {"slot", OptionalU32(ev.has_slot(), ev.slot())},
      {"pd_id", OptionalU32(ev.has_pd_id(), ev.pd_id())},
      {"vd_id", OptionalU32(ev.has_vd_id(), ev.vd_id())},
      {"arg0", ev.arg0()},
      {"arg1", ev.arg1()},
      {"description", ev.description()},
  };
}

Json PassthroughJson(const v1::PassthroughResponse& r) {
  std::vector<uint8_t> sense(r.sense().begin(), r.sense().end());
  Json decoded;
  if (std::optional<DecodedSense> s = DecodeSense(sense)) {
    decoded = Json::Object{
        {"response_code", static_cast<uint32_t>(s->response_code)},
        {"sense_key", static_cast<uint32_t>(s->sense_key)},
        {"sense_key_name", s->sense_key_name},
        {"asc", static_cast<uint32_t>(s->asc)},
        {"ascq", static_cast<uint32_t>(s->ascq)},
        {"description", s->asc_text},
    };
  }
  std::vector<uint8_t> data(r.data().begin(), r.data().end());
  return Json::Object{
      {"command_status", CommandStatusName(r.status())},
      {"scsi_status", r.scsi_status()},
      {"scsi_status_name", ScsiStatusName(r.scsi_status())},
      {"resid", r.resid()},
      {"result", r.result()},
      {"duration_us", r.duration_us()},
      {"queued_us", r.queued_us()},
      {"data_hex", HexString(data)},
      {"sense_hex", HexString(sense)},
      {"sense", decoded},
  };
}

Table ControllerTable(const std::vector<v1::Controller>& controllers) {
  Table t{.title = "System Overview",
          .columns = {{"Ctl"},
                      {"Model"},
                      {"Serial"},
                      {"FW"},
                      {"State"},
                      {"Serving"},
                      {"Encl", true},
                      {"PDs", true},
                      {"VDs", true},
                      {"Resets", true},
                      {"Device"}}};
  for (const v1::Controller& c : controllers) {
    auto detail = [&](uint32_t v) { return c.has_details() ? absl::StrCat(v) : "-"; };
    t.rows.push_back({absl::StrCat(c.index()), c.model(), c.serial(), c.fw_version(),
                      Upper(AdapterStateName(c.state())), YesNo(c.serving()),
                      detail(c.num_enclosures()), detail(c.num_drives()),
                      detail(c.num_virtual_drives()), absl::StrCat(c.reset_count()), c.device()});
  }
  return t;
}

Properties ControllerProperties(const v1::Controller& c, bool all) {
  Properties p{.title = "Basics"};
  auto add = [&](std::string key, std::string value) {
    p.items.emplace_back(std::move(key), std::move(value));
  };
  auto detail = [&](std::string v) { return c.has_details() ? v : std::string("-"); };
  add("Controller", absl::StrCat(c.index()));
  add("Model", c.model());
  add("Serial Number", c.serial());
  add("SAS Address", Hex64(c.sas_address()));
  add("Firmware Version", c.fw_version());
  add("Driver Version", c.driver_version());
  add("State", Upper(AdapterStateName(c.state())));
  add("Serving", YesNo(c.serving()));
  add("Backend", absl::StrCat(c.backend(), " (", c.device(), ")"));
  add("Enclosures", detail(absl::StrCat(c.num_enclosures())));
  add("Physical Drives", detail(absl::StrCat(c.num_drives())));
  add("Virtual Drives", detail(absl::StrCat(c.num_virtual_drives())));
  add("Temperature", detail(absl::StrCat(c.temperature_c(), " C")));
  add("Reset Count", absl::StrCat(c.reset_count()));
  if (!all) return p;
  add("ABI Version", absl::StrCat(c.abi_major(), ".", c.abi_minor()));
  add("Features", absl::StrJoin(c.feature_names(), ","));
  add("Rebuild Rate", detail(absl::StrCat(c.rebuild_rate(), "%")));
  add("Patrol Read", detail(OnOff(c.patrol_enabled())));
  add("Memory", detail(absl::StrCat(c.memory_mb(), " MiB")));
  add("Firmware Uptime", detail(absl::StrCat(c.fw_uptime_s(), " s")));
  add("FW Max Commands", absl::StrCat(c.limits().fw_max_cmds()));
  add("Driver Max Commands", absl::StrCat(c.limits().drv_max_cmds()));
  add("Max SRBs", absl::StrCat(c.limits().max_srbs()));
  add("SRBs Posted", absl::StrCat(c.srbs_posted()));
  add("Max Transfer", HumanSize(c.limits().max_transfer()));
  add("Reply Queues", absl::StrCat(c.limits().num_reply_queues()));
  add("Max Virtual Drives", absl::StrCat(c.limits().max_virtual_drives()));
  add("Commands Outstanding", absl::StrCat(c.cmds_outstanding()));
  add("Last Event Seq", absl::StrCat(c.last_event_seq()));
  add("Stale Replies", absl::StrCat(c.stale_replies()));
  add("Last FW Fault Code", absl::StrFormat("0x%x", c.fw_fault_code()));
  return p;
}

Table EnclosureTable(const std::vector<v1::Enclosure>& enclosures) {
  Table t{.title = "Enclosure Information",
          .columns = {
              {"EID", true}, {"Slots", true}, {"Link"}, {"Vendor"}, {"Product"}, {"Temp", true}}};
  for (const v1::Enclosure& e : enclosures) {
    t.rows.push_back({absl::StrCat(e.enclosure()), absl::StrCat(e.num_slots()),
                      e.link_up() ? "Up" : "Down", e.vendor(), e.product(),
                      absl::StrCat(e.temperature_c(), "C")});
  }
  return t;
}

Table DriveTable(const std::vector<v1::Drive>& drives) {
  Table t{.title = "Drive Information",
          .columns = {{"EID:Slt"},
                      {"DID", true},
                      {"State"},
                      {"VD", true},
                      {"Size", true},
                      {"Intf"},
                      {"Med"},
                      {"SeSz", true},
                      {"Model"},
                      {"Temp", true},
                      {"Loc"}}};
  for (const v1::Drive& d : drives) {
    t.rows.push_back({absl::StrCat(d.enclosure(), ":", d.slot()), absl::StrCat(d.pd_id()),
                      DriveStateShort(d.state()), d.has_vd_id() ? absl::StrCat(d.vd_id()) : "-",
                      HumanSize(d.size_bytes()), Upper(InterfaceName(d.interface())),
                      Upper(MediaName(d.media())), d.logical_block_size() == 4096 ? "4 KB" : "512B",
                      d.model(), absl::StrCat(d.temperature_c(), "C"), d.locate_on() ? "On" : "-"});
  }
  t.legend =
      "EID=Enclosure Device ID|Slt=Slot No|DID=Device ID|VD=Virtual Drive|Onln=Online|"
      "Offln=Offline|UGood=Unconfigured Good|UBad=Unconfigured Bad|GHS=Hot Spare|"
      "Rbld=Rebuild|Msng=Missing|SeSz=Sector Size|Loc=Locate LED";
  return t;
}

Properties DriveProperties(const v1::Drive& d) {
  Properties p{.title =
                   absl::StrCat("Drive /e", d.enclosure(), "/s", d.slot(), " Device attributes")};
  auto add = [&](std::string key, std::string value) {
    p.items.emplace_back(std::move(key), std::move(value));
  };
  add("Device Id", absl::StrCat(d.pd_id()));
  add("State", Upper(DriveStateName(d.state())));
  add("Virtual Drive", d.has_vd_id() ? absl::StrCat(d.vd_id()) : "-");
  add("Vendor", EmptyAsDash(d.vendor()));
  add("Model", EmptyAsDash(d.model()));
  add("Serial Number", EmptyAsDash(d.serial()));
  add("Firmware Revision", EmptyAsDash(d.fw_revision()));
  add("SAS Address", Hex64(d.sas_address()));
  add("Interface", Upper(InterfaceName(d.interface())));
  add("Media", Upper(MediaName(d.media())));
  add("Rotation", d.rotation_rpm() == 0 ? "SSD" : absl::StrCat(d.rotation_rpm(), " rpm"));
  add("Size", absl::StrCat(HumanSize(d.size_bytes()), " [", d.num_blocks(), " blocks]"));
  add("Logical Sector Size", absl::StrCat(d.logical_block_size()));
  add("Physical Sector Size", absl::StrCat(d.physical_block_size()));
  add("Locate LED", OnOff(d.locate_on()));
  add("Temperature", absl::StrCat(d.temperature_c(), " C"));
  return p;
}

Properties DriveSmartProperties(const v1::Drive& d) {
  return Properties{.title = absl::StrCat("Drive /e", d.enclosure(), "/s", d.slot(), " SMART"),
                    .items = {
                        {"Temperature", absl::StrCat(d.temperature_c(), " C")},
                        {"Power On Hours", absl::StrCat(d.power_on_hours())},
                        {"Predictive Failure Count", absl::StrCat(d.predictive_failures())},
                        {"Media Error Count", absl::StrCat(d.media_errors())},
                        {"SMART Alert", YesNo(d.predictive_failures() > 0)},
                    }};
}

Properties DriveErrorCounterProperties(const v1::Drive& d) {
  return Properties{
      .title = absl::StrCat("Drive /e", d.enclosure(), "/s", d.slot(), " Error Counters"),
      .items = {
          {"Media Error Count", absl::StrCat(d.media_errors())},
          {"Other Error Count", absl::StrCat(d.other_errors())},
          {"Predictive Failure Count", absl::StrCat(d.predictive_failures())},
      }};
}

Table VirtualDriveTable(const std::vector<v1::VirtualDrive>& vds) {
  Table t{.title = "Virtual Drives",
          .columns = {{"VD", true},
                      {"Type"},
                      {"State"},
                      {"Strip", true},
                      {"Size", true},
                      {"Drives", true},
                      {"Name"}}};
  for (const v1::VirtualDrive& vd : vds) {
    t.rows.push_back({absl::StrCat(vd.vd_id()), absl::StrCat("RAID", vd.raid_level()),
                      VirtualDriveStateShort(vd.state()), absl::StrCat(vd.strip_kb(), " KB"),
                      HumanSize(vd.size_bytes()), absl::StrCat(vd.pd_ids_size()), vd.name()});
  }
  t.legend = "Optl=Optimal|Pdgd=Partially Degraded|Dgrd=Degraded|OfLn=Offline";
  return t;
}

Table VirtualDriveMemberTable(const v1::VirtualDrive& vd, const std::vector<v1::Drive>& drives) {
  Table t{.title = absl::StrCat("PDs for VD ", vd.vd_id()),
          .columns = {{"Row", true}, {"EID:Slt"}, {"DID", true}, {"State"}, {"Size", true}}};
  int row = 0;
  for (uint32_t id : vd.pd_ids()) {
    std::string state = "-";
    std::string size = "-";
    for (const v1::Drive& d : drives) {
      if (d.pd_id() != id) continue;
      state = DriveStateShort(d.state());
      size = HumanSize(d.size_bytes());
    }
    t.rows.push_back({absl::StrCat(row++), SlotOf(drives, id), absl::StrCat(id), state, size});
  }
  return t;
}

Table BackgroundOpTable(const std::vector<v1::BackgroundOp>& ops,
                        const std::vector<v1::Drive>& drives) {
  Table t{.title = "Background Operations",
          .columns = {
              {"Operation"}, {"Target"}, {"State"}, {"Progress"}, {"Errors", true}, {"Started"}}};
  for (const v1::BackgroundOp& op : ops) {
    std::string target = "-";
    if (op.has_target()) {
      target = op.type() == v1::BACKGROUND_OP_TYPE_REBUILD
                   ? absl::StrCat("PD ", op.target(), " (", SlotOf(drives, op.target()), ")")
                   : absl::StrCat("VD ", op.target());
    }
    t.rows.push_back({Upper(BgopTypeName(op.type())), target, Upper(BgopStateName(op.state())),
                      ProgressBar(op.progress_permille(), 30), absl::StrCat(op.errors()),
                      op.started_ns() ? FormatTimestamp(op.started_ns()) : "-"});
  }
  return t;
}

Table EventTable(const std::vector<v1::Event>& events) {
  Table t{.title = "Events",
          .columns = {{"Seq", true}, {"Time"}, {"Severity"}, {"Class"}, {"Code"}, {"Description"}}};
  for (const v1::Event& ev : events) {
    t.rows.push_back({absl::StrCat(ev.seq()), FormatTimestamp(ev.timestamp_ns()),
                      Upper(SeverityName(ev.severity())), Upper(EventClassName(ev.event_class())),
                      absl::StrFormat("0x%04x %s", ev.code(), ev.code_name()), ev.description()});
  }
  return t;
}

std::string EventLine(const v1::Event& ev) {
  return absl::StrFormat(
      "%s %s seq=%d %-8s %-13s 0x%04x %s: %s", FormatTimestamp(ev.timestamp_ns()), ev.adapter(),
      ev.seq(), Upper(SeverityName(ev.severity())), Upper(EventClassName(ev.event_class())),
      ev.code(), ev.code_name(), ev.description());
}

std::vector<Section> PassthroughSections(const v1::PassthroughResponse& r) {
  std::vector<Section> sections;
  Properties p{.title = "Passthrough"};
  p.items = {
      {"Command Status", Upper(CommandStatusName(r.status()))},
      {"SCSI Status", ScsiStatusName(r.scsi_status())},
      {"Data Bytes", absl::StrCat(r.data().size())},
      {"Residual", absl::StrCat(r.resid())},
      {"Result", absl::StrCat(r.result())},
      {"Duration", absl::StrCat(r.duration_us(), " us")},
      {"Queued", absl::StrCat(r.queued_us(), " us")},
  };
  std::vector<uint8_t> sense(r.sense().begin(), r.sense().end());
  if (std::optional<DecodedSense> s = DecodeSense(sense)) {
    p.items.emplace_back("Sense Key", absl::StrFormat("0x%x %s", s->sense_key, s->sense_key_name));
    p.items.emplace_back("ASC/ASCQ",
                         absl::StrFormat("0x%02x/0x%02x %s", s->asc, s->ascq, s->asc_text));
  }
  sections.push_back(std::move(p));
  if (!r.data().empty()) {
    std::vector<uint8_t> data(r.data().begin(), r.data().end());
    sections.push_back(TextBlock{.title = "Data", .lines = HexDump(data)});
  }
  if (!sense.empty()) sections.push_back(TextBlock{.title = "Sense", .lines = HexDump(sense)});
  return sections;
}

}  // namespace hbamgr::cli
