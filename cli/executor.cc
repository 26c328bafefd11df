#include "cli/executor.h"

#include <algorithm>
#include <chrono>

#include "absl/strings/str_cat.h"
#include "cli/health_views.h"
#include "cli/sense.h"
#include "cli/views.h"

namespace hbamgr::cli {
namespace {

// How often `wait` polls the firmware's background operation list.
constexpr absl::Duration kPollInterval = absl::Milliseconds(250);

absl::Status FromGrpc(const grpc::Status& s) {
  return absl::Status(static_cast<absl::StatusCode>(s.error_code()), s.error_message());
}

std::string AdapterName(const Command& cmd) { return absl::StrCat("c", cmd.controller); }

std::string DriveName(const Command& cmd) {
  return absl::StrCat("/c", cmd.controller, "/e", cmd.enclosure.value_or(0), "/s", cmd.slot);
}

v1::DriveRef SlotRef(const Command& cmd) {
  v1::DriveRef ref;
  ref.mutable_slot()->set_enclosure(cmd.enclosure.value_or(0));
  ref.mutable_slot()->set_slot(cmd.slot);
  return ref;
}

v1::BackgroundOpType BgopType(BgopKind kind) {
  switch (kind) {
    case BgopKind::kRebuild:
      return v1::BACKGROUND_OP_TYPE_REBUILD;
    case BgopKind::kInit:
      return v1::BACKGROUND_OP_TYPE_INIT;
    case BgopKind::kConsistencyCheck:
      return v1::BACKGROUND_OP_TYPE_CONSISTENCY_CHECK;
  }
  return v1::BACKGROUND_OP_TYPE_UNSPECIFIED;
}

std::string BgopTitle(BgopKind kind) {
  switch (kind) {
    case BgopKind::kRebuild:
      return "Rebuild";
    case BgopKind::kInit:
      return "Initialization";
    case BgopKind::kConsistencyCheck:
      return "Consistency check";
  }
  return "";
}

v1::Severity ToProto(SeverityLevel s) {
  switch (s) {
    case SeverityLevel::kInfo:
      return v1::SEVERITY_INFO;
    case SeverityLevel::kWarning:
      return v1::SEVERITY_WARNING;
    case SeverityLevel::kCritical:
      return v1::SEVERITY_CRITICAL;
    case SeverityLevel::kFatal:
      return v1::SEVERITY_FATAL;
  }
  return v1::SEVERITY_UNSPECIFIED;
}

v1::EventClass ToProto(EventClassName c) {
  switch (c) {
    case EventClassName::kController:
      return v1::EVENT_CLASS_CONTROLLER;
    case EventClassName::kEnclosure:
      return v1::EVENT_CLASS_ENCLOSURE;
    case EventClassName::kDrive:
      return v1::EVENT_CLASS_DRIVE;
    case EventClassName::kVirtualDrive:
      return v1::EVENT_CLASS_VIRTUAL_DRIVE;
    case EventClassName::kBackgroundOp:
      return v1::EVENT_CLASS_BACKGROUND_OP;
  }
  return v1::EVENT_CLASS_UNSPECIFIED;
}

v1::DriveState ToProto(DriveStateChange s) {
  switch (s) {
    case DriveStateChange::kOnline:
      return v1::DRIVE_STATE_ONLINE;
    case DriveStateChange::kOffline:
      return v1::DRIVE_STATE_OFFLINE;
    case DriveStateChange::kUnconfiguredGood:
      return v1::DRIVE_STATE_UNCONFIGURED_GOOD;
    case DriveStateChange::kHotspare:
      return v1::DRIVE_STATE_HOTSPARE;
  }
  return v1::DRIVE_STATE_UNSPECIFIED;
}

v1::FaultType ToProto(FaultKind f) {
  switch (f) {
    case FaultKind::kDriveFail:
      return v1::FAULT_TYPE_DRIVE_FAIL;
    case FaultKind::kMediaError:
      return v1::FAULT_TYPE_MEDIA_ERROR;
    case FaultKind::kTemperature:
      return v1::FAULT_TYPE_TEMPERATURE;
    case FaultKind::kLinkDown:
      return v1::FAULT_TYPE_LINK_DOWN;
    case FaultKind::kLinkUp:
      return v1::FAULT_TYPE_LINK_UP;
    case FaultKind::kFwFault:
      return v1::FAULT_TYPE_FW_FAULT;
    case FaultKind::kLoseCompletion:
      return v1::FAULT_TYPE_LOSE_COMPLETION;
    case FaultKind::kLateCompletion:
      return v1::FAULT_TYPE_LATE_COMPLETION;
    case FaultKind::kDupCompletion:
      return v1::FAULT_TYPE_DUP_COMPLETION;
    case FaultKind::kSrbStorm:
      return v1::FAULT_TYPE_SRB_STORM;
    case FaultKind::kStormOnReset:
      return v1::FAULT_TYPE_STORM_ON_RESET;
    case FaultKind::kClear:
      return v1::FAULT_TYPE_CLEAR;
  }
  return v1::FAULT_TYPE_UNSPECIFIED;
}

Json::Array DrivesJson(const std::vector<v1::Drive>& drives) {
  Json::Array out;
  for (const v1::Drive& d : drives) out.push_back(DriveJson(d));
  return out;
}

Json::Array OpsJson(const std::vector<v1::BackgroundOp>& ops) {
  Json::Array out;
  for (const v1::BackgroundOp& op : ops) out.push_back(BackgroundOpJson(op));
  return out;
}

// How a command the daemon ran ended, as the CLI's status: OK, NOT_FOUND
// for a missing object (exit 2, like every other missing object),
// DEADLINE_EXCEEDED for a timeout, FAILED_PRECONDITION otherwise (exit 3).
// `why` says what happened.
absl::Status CommandOutcome(v1::CommandStatus status, const std::string& why) {
  switch (status) {
    case v1::COMMAND_STATUS_OK:
      return absl::OkStatus();
    case v1::COMMAND_STATUS_NO_DEVICE:
      return absl::NotFoundError(why);
    case v1::COMMAND_STATUS_TIMEOUT:
      return absl::DeadlineExceededError(why);
    default:
      return absl::FailedPreconditionError(why);
  }
}

// The object a command names: "/c0", "/c0/e1", "/c0/e1/s3" or "/c0/v2".
std::string ObjectPath(const Command& cmd) {
  std::string path = absl::StrCat("/c", cmd.controller);
  if (cmd.kind == CommandKind::kInjectFault) {
    if (cmd.enclosure) absl::StrAppend(&path, "/e", *cmd.enclosure);
    if (cmd.inject.fault == FaultKind::kDriveFail || cmd.inject.fault == FaultKind::kMediaError ||
        cmd.inject.fault == FaultKind::kTemperature) {
      absl::StrAppend(&path, "/s", cmd.slot);
    }
  }
  return path;
}

// The operation `wait` follows: its type and target, started no earlier than
// the one the start call reported (the firmware keeps finished operations
// listed for a while, and an aborted earlier run must not end the wait).
bool Matches(const v1::BackgroundOp& op, v1::BackgroundOpType type, uint32_t target,
             uint64_t min_started_ns) {
  return op.type() == type && op.has_target() && op.target() == target &&
         op.started_ns() >= min_started_ns;
}

}  // namespace

Executor::Executor(std::shared_ptr<grpc::Channel> channel, absl::Duration timeout)
    : timeout_(timeout),
      inventory_(v1::Inventory::NewStub(channel)),
      events_(v1::Events::NewStub(channel)),
      maintenance_(v1::Maintenance::NewStub(channel)),
      passthrough_(v1::Passthrough::NewStub(channel)),
      health_(v1::Health::NewStub(channel)) {}

template <typename Stub, typename Request, typename Response>
absl::Status Executor::Call(Stub& stub,
                            grpc::Status (Stub::*rpc)(grpc::ClientContext*, const Request&,
                                                      Response*),
                            const Request& request, Response* response) const {
  grpc::ClientContext ctx;
  ctx.set_deadline(absl::ToChronoTime(absl::Now() + timeout_));
  return FromGrpc((stub.*rpc)(&ctx, request, response));
}

void Executor::Cancel() {
  absl::MutexLock lock(&mu_);
  cancelled_ = true;
  if (stream_ != nullptr) stream_->TryCancel();
}

bool Executor::WaitCancelled(absl::Duration d) {
  absl::MutexLock lock(&mu_);
  return mu_.AwaitWithTimeout(absl::Condition(&cancelled_), d);
}

Report Executor::Run(const Command& cmd, StreamSink& sink) {
  Report report;
  report.command = cmd.text;
  report.status = Dispatch(cmd, sink, report);
  return report;
}

absl::Status Executor::Dispatch(const Command& cmd, StreamSink& sink, Report& report) {
  switch (cmd.kind) {
    case CommandKind::kShowSystem:
      return ShowSystem(report);
    case CommandKind::kShowController:
      return ShowController(cmd, report);
    case CommandKind::kShowDrives:
      return ShowDrives(cmd, report);
    case CommandKind::kShowDrive:
      return ShowDrive(cmd, report);
    case CommandKind::kShowVds:
      return ShowVds(cmd, report);
    case CommandKind::kShowVd:
      return ShowVd(cmd, report);
    case CommandKind::kShowEvents:
      return ShowEvents(cmd, report);
    case CommandKind::kShowBgops:
      return ShowBgops(cmd, report);
    case CommandKind::kShowHealth:
      return ShowHealth(cmd, report);
    case CommandKind::kShowAlerts:
      return ShowAlerts(cmd, report);
    case CommandKind::kAckAlert:
      return AckAlert(cmd, report);
    case CommandKind::kTestAlert:
      return TestAlert(cmd, report);
    case CommandKind::kWatchEvents:
      return WatchEvents(cmd, sink, report);
    case CommandKind::kLocate:
      return Locate(cmd, report);
    case CommandKind::kAddVd:
      return AddVd(cmd, report);
    case CommandKind::kDeleteVd:
      return DeleteVd(cmd, report);
    case CommandKind::kStartBgop:
    case CommandKind::kStopBgop:
      return StartStopBgop(cmd, sink, report);
    case CommandKind::kSetDriveState:
      return SetDriveState(cmd, report);
    case CommandKind::kSetController:
      return SetController(cmd, report);
    case CommandKind::kRestart:
      return Restart(cmd, report);
    case CommandKind::kPassthru:
      return Passthru(cmd, report);
    case CommandKind::kInjectFault:
      return InjectFault(cmd, report);
  }
  return absl::InternalError("unhandled command");
}

absl::StatusOr<std::vector<v1::Drive>> Executor::ListDrives(const std::string& adapter,
                                                            std::optional<uint32_t> enclosure) {
  v1::ListDrivesRequest req;
  req.set_adapter(adapter);
  if (enclosure) req.set_enclosure(*enclosure);
  v1::ListDrivesResponse resp;
  if (absl::Status s = Call(*inventory_, &v1::Inventory::Stub::ListDrives, req, &resp); !s.ok()) {
    return s;
  }
  return std::vector<v1::Drive>(resp.drives().begin(), resp.drives().end());
}

absl::StatusOr<std::vector<v1::BackgroundOp>> Executor::ListOps(const std::string& adapter) {
  v1::ListBackgroundOpsRequest req;
  req.set_adapter(adapter);
  v1::ListBackgroundOpsResponse resp;
  if (absl::Status s = Call(*inventory_, &v1::Inventory::Stub::ListBackgroundOps, req, &resp);
      !s.ok()) {
    return s;
  }
  return std::vector<v1::BackgroundOp>(resp.ops().begin(), resp.ops().end());
}

absl::StatusOr<v1::Drive> Executor::GetDrive(const Command& cmd) {
  v1::GetDriveRequest req;
  req.set_adapter(AdapterName(cmd));
  *req.mutable_drive() = SlotRef(cmd);
  v1::Drive drive;
  if (absl::Status s = Call(*inventory_, &v1::Inventory::Stub::GetDrive, req, &drive); !s.ok()) {
    return s;
  }
  return drive;
}

absl::Status Executor::ShowSystem(Report& report) {
  v1::ListAdaptersResponse resp;
  if (absl::Status s =
          Call(*inventory_, &v1::Inventory::Stub::ListAdapters, v1::ListAdaptersRequest(), &resp);
      !s.ok()) {
    return s;
  }
  std::vector<v1::Controller> controllers(resp.controllers().begin(), resp.controllers().end());
  Json::Array list;
  for (const v1::Controller& c : controllers) list.push_back(ControllerJson(c));
  report.description = absl::StrCat("Number of Controllers = ", controllers.size());
  report.sections.push_back(ControllerTable(controllers));
  report.data = Json::Object{{"controllers", std::move(list)}};
  return absl::OkStatus();
}

absl::Status Executor::ShowController(const Command& cmd, Report& report) {
  const std::string adapter = AdapterName(cmd);
  v1::Controller controller;
  {
    v1::GetControllerRequest req;
    req.set_adapter(adapter);
    if (absl::Status s = Call(*inventory_, &v1::Inventory::Stub::GetController, req, &controller);
        !s.ok()) {
      return s;
    }
  }
  v1::ListEnclosuresResponse enclosures;
  {
    v1::ListEnclosuresRequest req;
    req.set_adapter(adapter);
    if (absl::Status s = Call(*inventory_, &v1::Inventory::Stub::ListEnclosures, req, &enclosures);
        !s.ok()) {
      return s;
    }
  }
  v1::ListVirtualDrivesResponse vds;
  {
    v1::ListVirtualDrivesRequest req;
    req.set_adapter(adapter);
    if (absl::Status s = Call(*inventory_, &v1::Inventory::Stub::ListVirtualDrives, req, &vds);
        !s.ok()) {
      return s;
    }
  }
  absl::StatusOr<std::vector<v1::Drive>> drives = ListDrives(adapter, std::nullopt);
  if (!drives.ok()) return drives.status();
  absl::StatusOr<std::vector<v1::BackgroundOp>> ops = ListOps(adapter);
  if (!ops.ok()) return ops.status();

  std::vector<v1::Enclosure> encl(enclosures.enclosures().begin(), enclosures.enclosures().end());
  std::vector<v1::VirtualDrive> vd_list(vds.virtual_drives().begin(), vds.virtual_drives().end());
  const bool all = cmd.detail == Detail::kAll;
  report.sections.push_back(ControllerProperties(controller, all));
  if (all) report.sections.push_back(EnclosureTable(encl));
  report.sections.push_back(VirtualDriveTable(vd_list));
  report.sections.push_back(DriveTable(*drives));
  if (all) report.sections.push_back(BackgroundOpTable(*ops, *drives));

  Json::Array encl_json;
  for (const v1::Enclosure& e : encl) encl_json.push_back(EnclosureJson(e));
  Json::Array vd_json;
  for (const v1::VirtualDrive& vd : vd_list) vd_json.push_back(VirtualDriveJson(vd));
  report.data = Json::Object{
      {"controller", ControllerJson(controller)}, {"enclosures", std::move(encl_json)},
      {"virtual_drives", std::move(vd_json)},     {"drives", DrivesJson(*drives)},
      {"background_ops", OpsJson(*ops)},
  };
  return absl::OkStatus();
}

absl::Status Executor::ShowDrives(const Command& cmd, Report& report) {
  absl::StatusOr<std::vector<v1::Drive>> drives = ListDrives(AdapterName(cmd), cmd.enclosure);
  if (!drives.ok()) return drives.status();
  report.sections.push_back(DriveTable(*drives));
  if (cmd.detail == Detail::kAll) {
    for (const v1::Drive& d : *drives) {
      report.sections.push_back(DriveProperties(d));
      report.sections.push_back(DriveSmartProperties(d));
    }
  }
  report.data = Json::Object{{"drives", DrivesJson(*drives)}};
  return absl::OkStatus();
}

absl::Status Executor::ShowDrive(const Command& cmd, Report& report) {
  absl::StatusOr<v1::Drive> drive = GetDrive(cmd);
  if (!drive.ok()) return drive.status();
  switch (cmd.detail) {
    case Detail::kSummary:
      report.sections.push_back(DriveTable({*drive}));
      break;
    case Detail::kAll:
      report.sections.push_back(DriveTable({*drive}));
      report.sections.push_back(DriveProperties(*drive));
      report.sections.push_back(DriveSmartProperties(*drive));
      report.sections.push_back(DriveErrorCounterProperties(*drive));
      break;
    case Detail::kSmart:
      report.sections.push_back(DriveSmartProperties(*drive));
      break;
    case Detail::kErrorCounters:
      report.sections.push_back(DriveErrorCounterProperties(*drive));
      break;
  }
  report.data = Json::Object{{"drive", DriveJson(*drive)}};
  return absl::OkStatus();
}

absl::Status Executor::ShowVds(const Command& cmd, Report& report) {
  const std::string adapter = AdapterName(cmd);
  v1::ListVirtualDrivesRequest req;
  req.set_adapter(adapter);
  v1::ListVirtualDrivesResponse resp;
  if (absl::Status s = Call(*inventory_, &v1::Inventory::Stub::ListVirtualDrives, req, &resp);
      !s.ok()) {
    return s;
  }
  std::vector<v1::VirtualDrive> vds(resp.virtual_drives().begin(), resp.virtual_drives().end());
  report.sections.push_back(VirtualDriveTable(vds));
  if (cmd.detail == Detail::kAll) {
    absl::StatusOr<std::vector<v1::Drive>> drives = ListDrives(adapter, std::nullopt);
    if (!drives.ok()) return drives.status();
    for (const v1::VirtualDrive& vd : vds) {
      report.sections.push_back(VirtualDriveMemberTable(vd, *drives));
    }
  }
  Json::Array list;
  for (const v1::VirtualDrive& vd : vds) list.push_back(VirtualDriveJson(vd));
  report.data = Json::Object{{"virtual_drives", std::move(list)}};
  return absl::OkStatus();
}

absl::Status Executor::ShowVd(const Command& cmd, Report& report) {
  const std::string adapter = AdapterName(cmd);
  v1::VirtualDrive vd;
  {
    v1::GetVirtualDriveRequest req;
    req.set_adapter(adapter);
    req.set_vd_id(cmd.vd);
    if (absl::Status s = Call(*inventory_, &v1::Inventory::Stub::GetVirtualDrive, req, &vd);
        !s.ok()) {
      return s;
    }
  }
  absl::StatusOr<std::vector<v1::Drive>> drives = ListDrives(adapter, std::nullopt);
  if (!drives.ok()) return drives.status();
  std::vector<v1::Drive> members;
  for (uint32_t id : vd.pd_ids()) {
    for (const v1::Drive& d : *drives) {
      if (d.pd_id() == id) members.push_back(d);
    }
  }
  report.sections.push_back(VirtualDriveTable({vd}));
  report.sections.push_back(VirtualDriveMemberTable(vd, *drives));
  if (cmd.detail == Detail::kAll) {
    report.sections.push_back(
        Properties{.title = absl::StrCat("VD", vd.vd_id(), " Properties"),
                   .items = {{"Strip Size", absl::StrCat(vd.strip_kb(), " KB")},
                             {"Number of Blocks", absl::StrCat(vd.num_blocks())},
                             {"Sector Size", absl::StrCat(vd.logical_block_size())},
                             {"Number of Drives", absl::StrCat(vd.pd_ids_size())}}});
  }
  report.data =
      Json::Object{{"virtual_drive", VirtualDriveJson(vd)}, {"drives", DrivesJson(members)}};
  return absl::OkStatus();
}

absl::Status Executor::ShowEvents(const Command& cmd, Report& report) {
  v1::QueryEventsRequest req;
  v1::EventFilter* filter = req.mutable_filter();
  filter->set_adapter(AdapterName(cmd));
  if (cmd.filter.min_severity) filter->set_min_severity(ToProto(*cmd.filter.min_severity));
  if (cmd.filter.event_class) filter->set_event_class(ToProto(*cmd.filter.event_class));
  if (cmd.filter.code) filter->set_code(*cmd.filter.code);
  if (cmd.from_seq) filter->set_min_seq(*cmd.from_seq);
  if (cmd.latest) {
    req.set_limit(*cmd.latest);
    req.set_newest_first(true);
  }
  v1::QueryEventsResponse resp;
  if (absl::Status s = Call(*events_, &v1::Events::Stub::QueryEvents, req, &resp); !s.ok()) {
    return s;
  }
  std::vector<v1::Event> events(resp.events().begin(), resp.events().end());
  // latest=N asks the daemon newest first; print oldest first all the same.
  if (cmd.latest) std::reverse(events.begin(), events.end());
  Json::Array list;
  for (const v1::Event& ev : events) list.push_back(EventJson(ev));
  report.description = absl::StrCat("Number of Events = ", events.size());
  report.sections.push_back(EventTable(events));
  report.data = Json::Object{{"events", std::move(list)}};
  return absl::OkStatus();
}

absl::Status Executor::ShowHealth(const Command& cmd, Report& report) {
  v1::GetHealthRequest req;
  if (!cmd.every_controller) req.set_adapter(AdapterName(cmd));
  req.set_object(cmd.object);
  v1::GetHealthResponse resp;
  if (absl::Status s = Call(*health_, &v1::Health::Stub::GetHealth, req, &resp); !s.ok()) return s;
  Json::Array adapters;
  for (const v1::AdapterHealth& a : resp.adapters()) adapters.push_back(AdapterHealthJson(a));
  if (cmd.every_controller) {
    report.description = absl::StrCat("Health = ", HealthName(resp.health()));
    report.sections.push_back(SystemHealthTable(resp));
  } else if (resp.adapters_size() == 1) {
    const v1::AdapterHealth& a = resp.adapters(0);
    std::string what = cmd.object.empty() ? AdapterName(cmd) : cmd.object;
    v1::HealthState state = a.health();
    if (!cmd.object.empty() && a.objects_size() == 1) state = a.objects(0).health();
    report.description = absl::StrCat(what, " Health = ", HealthName(state));
    for (Section& section : AdapterHealthSections(a)) report.sections.push_back(std::move(section));
  }
  report.data =
      Json::Object{{"health", HealthName(resp.health())}, {"adapters", std::move(adapters)}};
  return absl::OkStatus();
}

absl::Status Executor::ShowAlerts(const Command& cmd, Report& report) {
  v1::ListAlertsRequest req;
  req.set_adapter(AdapterName(cmd));
  req.set_include_cleared(cmd.all);
  v1::ListAlertsResponse resp;
  if (absl::Status s = Call(*health_, &v1::Health::Stub::ListAlerts, req, &resp); !s.ok()) return s;
  std::vector<v1::Alert> alerts(resp.alerts().begin(), resp.alerts().end());
  Json::Array list;
  for (const v1::Alert& a : alerts) list.push_back(AlertJson(a));
  report.description =
      absl::StrCat("Number of ", cmd.all ? "Alerts" : "Open Alerts", " = ", alerts.size());
  report.sections.push_back(AlertTable(alerts));
  report.data = Json::Object{{"alerts", std::move(list)}};
  return absl::OkStatus();
}

absl::Status Executor::AckAlert(const Command& cmd, Report& report) {
  v1::AcknowledgeAlertRequest req;
  req.set_adapter(AdapterName(cmd));
  req.set_id(cmd.alert_id);
  v1::Alert alert;
  if (absl::Status s = Call(*health_, &v1::Health::Stub::AcknowledgeAlert, req, &alert); !s.ok()) {
    return s;
  }
  report.description = absl::StrCat("Alert ", alert.id(), " acknowledged by ",
                                    alert.acknowledged_by(), "; no more reminders");
  report.sections.push_back(AlertProperties(alert));
  report.data = Json::Object{{"alert", AlertJson(alert)}};
  return absl::OkStatus();
}

absl::Status Executor::TestAlert(const Command& cmd, Report& report) {
  v1::SendTestAlertRequest req;
  req.set_adapter(AdapterName(cmd));
  v1::SendTestAlertResponse resp;
  if (absl::Status s = Call(*health_, &v1::Health::Stub::SendTestAlert, req, &resp); !s.ok()) {
    return s;
  }
  report.sections.push_back(TestAlertProperties(resp));
  report.data = Json::Object{{"test_alert", TestAlertJson(resp)}};
  if (resp.hook_configured() && !resp.hook_ok()) {
    report.description = "Test alert sent; the exec hook failed";
    return absl::FailedPreconditionError(
        absl::StrCat("test alert: the alert_exec hook failed: ", resp.hook_result()));
  }
  report.description = "Test alert sent";
  return absl::OkStatus();
}

absl::Status Executor::ShowBgops(const Command& cmd, Report& report) {
  const std::string adapter = AdapterName(cmd);
  absl::StatusOr<std::vector<v1::BackgroundOp>> ops = ListOps(adapter);
  if (!ops.ok()) return ops.status();
  absl::StatusOr<std::vector<v1::Drive>> drives = ListDrives(adapter, std::nullopt);
  if (!drives.ok()) return drives.status();
  std::vector<v1::BackgroundOp> selected;
  for (const v1::BackgroundOp& op : *ops) {
    if (op.type() == BgopType(cmd.bgop)) selected.push_back(op);
  }
  if (selected.empty()) {
    report.description = absl::StrCat("No ", BgopTitle(cmd.bgop), " operations");
  }
  report.sections.push_back(BackgroundOpTable(selected, *drives));
  report.data = Json::Object{{"background_ops", OpsJson(selected)}};
  return absl::OkStatus();
}

absl::Status Executor::WatchEvents(const Command& cmd, StreamSink& sink, Report& report) {
  grpc::ClientContext ctx;
  v1::SubscribeRequest req;
  req.set_adapter(AdapterName(cmd));
  if (cmd.from_seq) req.set_from_seq(*cmd.from_seq);
  if (cmd.filter.min_severity) req.set_min_severity(ToProto(*cmd.filter.min_severity));
  if (cmd.filter.event_class) req.set_event_class(ToProto(*cmd.filter.event_class));
  report.data = Json::Object{{"events_received", 0}, {"last_seq", nullptr}};
  {
    absl::MutexLock lock(&mu_);
    if (cancelled_) return absl::OkStatus();
    stream_ = &ctx;
  }
  std::unique_ptr<grpc::ClientReader<v1::SubscribeResponse>> reader = events_->Subscribe(&ctx, req);
  uint64_t received = 0;
  std::optional<uint64_t> last_seq;
  v1::SubscribeResponse resp;
  while (reader->Read(&resp)) {
    // The daemon filters by severity and class; the code filter is ours.
    if (cmd.filter.code && resp.event().code() != *cmd.filter.code) continue;
    ++received;
    last_seq = resp.event().seq();
    sink.Event(resp.event());
  }
  grpc::Status status = reader->Finish();
  bool cancelled;
  {
    absl::MutexLock lock(&mu_);
    stream_ = nullptr;
    cancelled = cancelled_;
  }
  report.data = Json::Object{{"events_received", received}, {"last_seq", last_seq}};
  report.description = absl::StrCat("Events received = ", received);
  if (cancelled) return absl::OkStatus();  // Ctrl-C: the normal way to stop
  if (status.ok()) return absl::UnavailableError("the daemon ended the event stream");
  return FromGrpc(status);
}

absl::Status Executor::Locate(const Command& cmd, Report& report) {
  v1::SetLocateRequest req;
  req.set_adapter(AdapterName(cmd));
  *req.mutable_drive() = SlotRef(cmd);
  req.set_on(cmd.locate_on);
  v1::Drive drive;
  if (absl::Status s = Call(*maintenance_, &v1::Maintenance::Stub::SetLocate, req, &drive);
      !s.ok()) {
    return s;
  }
  report.description =
      absl::StrCat(cmd.locate_on ? "Started" : "Stopped", " locating ", DriveName(cmd));
  report.sections.push_back(DriveTable({drive}));
  report.data = Json::Object{{"drive", DriveJson(drive)}};
  return absl::OkStatus();
}

absl::Status Executor::AddVd(const Command& cmd, Report& report) {
  v1::CreateVirtualDriveRequest req;
  req.set_adapter(AdapterName(cmd));
  req.set_raid_level(cmd.raid_level);
  for (const SlotAddress& a : cmd.drives) {
    v1::DriveRef* ref = req.add_drives();
    ref->mutable_slot()->set_enclosure(a.enclosure);
    ref->mutable_slot()->set_slot(a.slot);
  }
  req.set_strip_kb(cmd.strip_kb);
  req.set_name(cmd.name);
  req.set_initialize(cmd.initialize);
  v1::VirtualDrive vd;
  if (absl::Status s = Call(*maintenance_, &v1::Maintenance::Stub::CreateVirtualDrive, req, &vd);
      !s.ok()) {
    return s;
  }
  report.description = absl::StrCat("Created VD ", vd.vd_id());
  report.sections.push_back(VirtualDriveTable({vd}));
  report.data = Json::Object{{"virtual_drive", VirtualDriveJson(vd)}};
  return absl::OkStatus();
}

absl::Status Executor::DeleteVd(const Command& cmd, Report& report) {
  const std::string adapter = AdapterName(cmd);
  if (!cmd.force) {
    // Deleting a VD while its init or check runs throws that work away:
    // make the admin say so.
    absl::StatusOr<std::vector<v1::BackgroundOp>> ops = ListOps(adapter);
    if (!ops.ok()) return ops.status();
    for (const v1::BackgroundOp& op : *ops) {
      if (op.state() == v1::BACKGROUND_OP_STATE_RUNNING &&
          op.type() != v1::BACKGROUND_OP_TYPE_REBUILD && op.has_target() && op.target() == cmd.vd) {
        return absl::FailedPreconditionError(
            absl::StrCat("VD ", cmd.vd, " has a background operation running; use '/c",
                         cmd.controller, "/v", cmd.vd, " del force' to delete it anyway"));
      }
    }
  }
  v1::DeleteVirtualDriveRequest req;
  req.set_adapter(adapter);
  req.set_vd_id(cmd.vd);
  v1::DeleteVirtualDriveResponse resp;
  if (absl::Status s = Call(*maintenance_, &v1::Maintenance::Stub::DeleteVirtualDrive, req, &resp);
      !s.ok()) {
    return s;
  }
  report.description = absl::StrCat("Deleted VD ", cmd.vd);
  report.data = Json::Object{{"vd_id", cmd.vd}};
  return absl::OkStatus();
}

absl::Status Executor::StartStopBgop(const Command& cmd, StreamSink& sink, Report& report) {
  const std::string adapter = AdapterName(cmd);
  v1::BackgroundOpRequest req;
  req.set_adapter(adapter);
  req.set_type(BgopType(cmd.bgop));
  uint32_t target = cmd.vd;
  if (cmd.bgop == BgopKind::kRebuild) {
    absl::StatusOr<v1::Drive> drive = GetDrive(cmd);
    if (!drive.ok()) return drive.status();
    target = drive->pd_id();
    req.mutable_drive()->set_pd_id(target);
  } else {
    req.set_vd_id(cmd.vd);
  }
  v1::BackgroundOpResponse resp;
  if (absl::Status s =
          Call(*maintenance_,
               cmd.kind == CommandKind::kStartBgop ? &v1::Maintenance::Stub::StartBackgroundOp
                                                   : &v1::Maintenance::Stub::StopBackgroundOp,
               req, &resp);
      !s.ok()) {
    return s;
  }
  const std::string object = cmd.bgop == BgopKind::kRebuild
                                 ? DriveName(cmd)
                                 : absl::StrCat("/c", cmd.controller, "/v", cmd.vd);
  report.description =
      absl::StrCat(BgopTitle(cmd.bgop),
                   cmd.kind == CommandKind::kStartBgop ? " started on " : " stopped on ", object);
  Json op_json;
  if (resp.has_op()) op_json = BackgroundOpJson(resp.op());
  report.data = Json::Object{{"background_op", op_json}};
  if (cmd.kind == CommandKind::kStartBgop && cmd.wait) {
    return WaitForBgop(cmd, BgopType(cmd.bgop), target, resp.has_op() ? resp.op().started_ns() : 0,
                       sink, report);
  }
  if (resp.has_op()) {
    absl::StatusOr<std::vector<v1::Drive>> drives = ListDrives(adapter, std::nullopt);
    if (!drives.ok()) return drives.status();
    report.sections.push_back(BackgroundOpTable({resp.op()}, *drives));
  }
  return absl::OkStatus();
}

absl::Status Executor::WaitForBgop(const Command& cmd, v1::BackgroundOpType type, uint32_t target,
                                   uint64_t min_started_ns, StreamSink& sink, Report& report) {
  const std::string adapter = AdapterName(cmd);
  std::optional<v1::BackgroundOp> last;
  bool stopped_following = false;  // Ctrl-C: the operation goes on
  while (true) {
    absl::StatusOr<std::vector<v1::BackgroundOp>> ops = ListOps(adapter);
    if (!ops.ok()) return ops.status();
    auto it = std::find_if(ops->begin(), ops->end(), [&](const v1::BackgroundOp& op) {
      return Matches(op, type, target, min_started_ns);
    });
    if (it != ops->end()) {
      last = *it;
      sink.Progress(*it);
      if (it->state() != v1::BACKGROUND_OP_STATE_RUNNING) break;
    } else if (last) {
      break;  // the firmware dropped the finished operation from its list
    } else {
      return absl::FailedPreconditionError(
          absl::StrCat(BgopTitle(cmd.bgop), " is not running on ", adapter));
    }
    if (WaitCancelled(kPollInterval)) {
      stopped_following = true;
      break;
    }
  }
  absl::StatusOr<std::vector<v1::Drive>> drives = ListDrives(adapter, std::nullopt);
  if (!drives.ok()) return drives.status();
  report.sections.push_back(BackgroundOpTable({*last}, *drives));
  report.data = Json::Object{{"background_op", BackgroundOpJson(*last)}};
  if (last->state() == v1::BACKGROUND_OP_STATE_ABORTED ||
      last->state() == v1::BACKGROUND_OP_STATE_FAILED) {
    return absl::AbortedError(absl::StrCat(
        BgopTitle(cmd.bgop), " ended ",
        JsonEnumName(v1::BackgroundOpState_Name(last->state()), "BACKGROUND_OP_STATE_")));
  }
  report.description =
      absl::StrCat(BgopTitle(cmd.bgop),
                   stopped_following ? " still running (no longer followed)" : " completed");
  return absl::OkStatus();
}

absl::Status Executor::SetDriveState(const Command& cmd, Report& report) {
  v1::SetDriveStateRequest req;
  req.set_adapter(AdapterName(cmd));
  *req.mutable_drive() = SlotRef(cmd);
  req.set_state(ToProto(cmd.drive_state));
  v1::Drive drive;
  if (absl::Status s = Call(*maintenance_, &v1::Maintenance::Stub::SetDriveState, req, &drive);
      !s.ok()) {
    return s;
  }
  report.description = absl::StrCat(DriveName(cmd), " is now ", DriveStateShort(drive.state()));
  report.sections.push_back(DriveTable({drive}));
  report.data = Json::Object{{"drive", DriveJson(drive)}};
  return absl::OkStatus();
}

absl::Status Executor::SetController(const Command& cmd, Report& report) {
  v1::SetControllerPropertiesRequest req;
  req.set_adapter(AdapterName(cmd));
  if (cmd.rebuild_rate) req.set_rebuild_rate(*cmd.rebuild_rate);
  if (cmd.patrol) req.set_patrol_enabled(*cmd.patrol);
  v1::Controller controller;
  if (absl::Status s =
          Call(*maintenance_, &v1::Maintenance::Stub::SetControllerProperties, req, &controller);
      !s.ok()) {
    return s;
  }
  report.description = absl::StrCat("Controller ", cmd.controller, " properties set");
  report.sections.push_back(ControllerProperties(controller, /*all=*/true));
  report.data = Json::Object{{"controller", ControllerJson(controller)}};
  return absl::OkStatus();
}

absl::Status Executor::Restart(const Command& cmd, Report& report) {
  v1::ResetAdapterRequest req;
  req.set_adapter(AdapterName(cmd));
  req.set_wait(cmd.wait);
  v1::ResetAdapterResponse resp;
  if (absl::Status s = Call(*maintenance_, &v1::Maintenance::Stub::ResetAdapter, req, &resp);
      !s.ok()) {
    return s;
  }
  const std::string state = JsonEnumName(v1::AdapterState_Name(resp.state()), "ADAPTER_STATE_");
  report.sections.push_back(
      Properties{.title = "Reset",
                 .items = {{"State", state}, {"Reset Count", absl::StrCat(resp.reset_count())}}});
  report.data = Json::Object{{"state", state}, {"reset_count", resp.reset_count()}};
  if (cmd.wait && resp.state() != v1::ADAPTER_STATE_LIVE) {
    return absl::FailedPreconditionError(
        absl::StrCat("adapter ", AdapterName(cmd), " did not recover: ", state));
  }
  report.description = cmd.wait ? "Adapter reset and live again" : "Adapter reset started";
  return absl::OkStatus();
}

absl::Status Executor::Passthru(const Command& cmd, Report& report) {
  const PassthruSpec& spec = cmd.passthru;
  v1::ScsiRequest req;
  req.set_adapter(AdapterName(cmd));
  req.set_target(spec.target);
  req.set_physical(spec.physical);
  req.set_cdb(std::string(spec.cdb.begin(), spec.cdb.end()));
  if (!spec.data_out.empty()) {
    req.set_data_out(std::string(spec.data_out.begin(), spec.data_out.end()));
  } else if (spec.data_in_length > 0) {
    req.set_data_in_length(spec.data_in_length);
  }
  req.set_timeout_ms(spec.timeout_ms);
  v1::PassthroughResponse resp;
  if (absl::Status s = Call(*passthrough_, &v1::Passthrough::Stub::Scsi, req, &resp); !s.ok()) {
    return s;
  }
  report.sections = PassthroughSections(resp);
  report.data = PassthroughJson(resp);
  if (resp.status() == v1::COMMAND_STATUS_OK) return absl::OkStatus();
  std::string why = absl::StrCat("command ended ", v1::CommandStatus_Name(resp.status()));
  if (resp.status() == v1::COMMAND_STATUS_SCSI_ERROR) {
    absl::StrAppend(&why, ": ", ScsiStatusName(resp.scsi_status()));
    std::vector<uint8_t> sense(resp.sense().begin(), resp.sense().end());
    if (std::optional<DecodedSense> d = DecodeSense(sense)) {
      absl::StrAppend(&why, ", ", d->sense_key_name, ", ", d->asc_text);
    }
  }
  if (resp.status() == v1::COMMAND_STATUS_NO_DEVICE) {
    absl::StrAppend(&why, ": no ", spec.physical ? "drive with pd id " : "virtual drive ",
                    spec.target, " on /c", cmd.controller);
  }
  return CommandOutcome(resp.status(), why);
}

absl::Status Executor::InjectFault(const Command& cmd, Report& report) {
  v1::InjectFaultRequest req;
  req.set_adapter(AdapterName(cmd));
  req.set_fault(ToProto(cmd.inject.fault));
  req.set_count(cmd.inject.count);
  req.set_delay_ms(cmd.inject.delay_ms);
  req.set_lba(cmd.inject.lba);
  switch (cmd.inject.fault) {
    case FaultKind::kDriveFail:
    case FaultKind::kMediaError:
    case FaultKind::kTemperature: {
      absl::StatusOr<v1::Drive> drive = GetDrive(cmd);
      if (!drive.ok()) return drive.status();
      req.set_arg(drive->pd_id());
      if (cmd.inject.fault == FaultKind::kTemperature) req.set_count(cmd.inject.value);
      break;
    }
    case FaultKind::kLinkDown:
    case FaultKind::kLinkUp:
      req.set_arg(cmd.enclosure.value_or(0));
      break;
    case FaultKind::kFwFault:
    case FaultKind::kSrbStorm:  // the storm's rate in events per second, 0 = at once
      req.set_arg(cmd.inject.value);
      break;
    default:
      break;
  }
  v1::InjectFaultResponse resp;
  if (absl::Status s = Call(*maintenance_, &v1::Maintenance::Stub::InjectFault, req, &resp);
      !s.ok()) {
    return s;
  }
  const std::string fault = JsonEnumName(v1::FaultType_Name(req.fault()), "FAULT_TYPE_");
  const std::string status = JsonEnumName(v1::CommandStatus_Name(resp.status()), "COMMAND_STATUS_");
  report.sections.push_back(Properties{
      .title = "Fault Injection",
      .items = {{"Fault", fault}, {"Argument", absl::StrCat(req.arg())}, {"Result", status}}});
  report.data = Json::Object{{"fault", fault}, {"arg", req.arg()}, {"command_status", status}};
  if (resp.status() == v1::COMMAND_STATUS_NO_DEVICE) {
    return CommandOutcome(resp.status(), absl::StrCat("no ", ObjectPath(cmd),
                                                      ": the firmware has "
                                                      "no such object (",
                                                      status, ")"));
  }
  if (resp.status() != v1::COMMAND_STATUS_OK) {
    return CommandOutcome(resp.status(), absl::StrCat("the firmware refused the fault: ", status));
  }
  report.description = absl::StrCat("Injected ", fault);
  return absl::OkStatus();
}

}  // namespace hbamgr::cli
