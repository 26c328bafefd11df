#include "cli/health_views.h"

#include "absl/strings/str_cat.h"
#include "cli/format.h"
#include "cli/views.h"

namespace hbamgr::cli {
namespace {

Json OptionalU32(bool has, uint32_t v) { return has ? Json(v) : Json(); }
Json OptionalTime(bool has, uint64_t ns) { return has ? Json(FormatTimestamp(ns)) : Json(); }

std::string Upper(std::string s) {
  for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

std::string AlertState(const v1::Alert& a) {
  if (!a.open()) return "cleared";
  return a.acknowledged_by().empty() ? "open" : "acked";
}

std::string Temperature(const v1::ObjectHealth& o) {
  if (!o.has_temperature_c()) return "-";
  std::string t = absl::StrCat(o.temperature_c(), "C");
  if (o.has_temperature_min_c() && o.has_temperature_max_c()) {
    absl::StrAppend(&t, " (", o.temperature_min_c(), "-", o.temperature_max_c(), ")");
  }
  return t;
}

}  // namespace

std::string HealthName(v1::HealthState state) {
  return JsonEnumName(v1::HealthState_Name(state), "HEALTH_STATE_");
}

Json HealthReasonJson(const v1::HealthReason& r) {
  return Json::Object{{"object", r.object()},
                      {"condition", r.condition()},
                      {"health", HealthName(r.health())},
                      {"text", r.text()}};
}

Json ObjectHealthJson(const v1::ObjectHealth& o) {
  Json::Array reasons;
  for (const auto& r : o.reasons()) reasons.push_back(HealthReasonJson(r));
  const bool drive = o.kind() == "drive";
  auto drive_text = [&](const std::string& v) { return drive ? Json(v) : Json(); };
  auto drive_u32 = [&](uint32_t v) { return drive ? Json(v) : Json(); };
  return Json::Object{
      {"object", o.object()},
      {"kind", o.kind()},
      {"health", HealthName(o.health())},
      {"reasons", std::move(reasons)},
      {"open_alerts", o.open_alerts()},
      {"serial", drive_text(o.serial())},
      {"model", drive_text(o.model())},
      {"temperature_c", OptionalU32(o.has_temperature_c(), o.temperature_c())},
      {"temperature_min_c", OptionalU32(o.has_temperature_min_c(), o.temperature_min_c())},
      {"temperature_max_c", OptionalU32(o.has_temperature_max_c(), o.temperature_max_c())},
      {"media_errors", drive_u32(o.media_errors())},
      {"media_errors_growth", drive_u32(o.media_errors_growth())},
      {"other_errors", drive_u32(o.other_errors())},
      {"predictive_failures", drive_u32(o.predictive_failures())},
      {"smart_status", drive && !o.smart_status().empty() ? Json(o.smart_status()) : Json()},
      {"last_selftest", drive && !o.last_selftest().empty() ? Json(o.last_selftest()) : Json()},
  };
}

Json AdapterHealthJson(const v1::AdapterHealth& a) {
  Json::Array reasons, objects;
  for (const auto& r : a.reasons()) reasons.push_back(HealthReasonJson(r));
  for (const auto& o : a.objects()) objects.push_back(ObjectHealthJson(o));
  return Json::Object{{"adapter", a.adapter()},
                      {"health", HealthName(a.health())},
                      {"reasons", std::move(reasons)},
                      {"open_alerts", a.open_alerts()},
                      {"polled_ns", a.polled_ns()},
                      {"polled", FormatTimestamp(a.polled_ns())},
                      {"poll_error", a.poll_error().empty() ? Json() : Json(a.poll_error())},
                      {"objects", std::move(objects)}};
}

Json AlertJson(const v1::Alert& a) {
  return Json::Object{
      {"id", a.id()},
      {"adapter", a.adapter()},
      {"object", a.object()},
      {"condition", a.condition()},
      {"severity", HealthName(a.severity())},
      {"message", a.message()},
      {"serial", a.serial().empty() ? Json() : Json(a.serial())},
      {"state", AlertState(a)},
      {"open", a.open()},
      {"first_seen_ns", a.first_seen_ns()},
      {"first_seen", FormatTimestamp(a.first_seen_ns())},
      {"last_seen_ns", a.last_seen_ns()},
      {"last_seen", FormatTimestamp(a.last_seen_ns())},
      {"cleared_ns", a.has_cleared_ns() ? Json(a.cleared_ns()) : Json()},
      {"cleared", OptionalTime(a.has_cleared_ns(), a.cleared_ns())},
      {"times_sent", a.times_sent()},
      {"last_sent_ns", a.last_sent_ns()},
      {"acknowledged_by", a.acknowledged_by().empty() ? Json() : Json(a.acknowledged_by())},
      {"acknowledged_ns", a.has_acknowledged_ns() ? Json(a.acknowledged_ns()) : Json()},
  };
}

Json TestAlertJson(const v1::SendTestAlertResponse& r) {
  return Json::Object{{"journal", r.journal()},
                      {"streams", r.streams()},
                      {"hook_configured", r.hook_configured()},
                      {"hook_ok", r.hook_configured() ? Json(r.hook_ok()) : Json()},
                      {"hook_result", r.hook_configured() ? Json(r.hook_result()) : Json()}};
}

Table SystemHealthTable(const v1::GetHealthResponse& health) {
  Table t{.title = "System Health",
          .columns = {{"Ctl"}, {"Health"}, {"Alerts", true}, {"Reasons", true}, {"Polled"}}};
  for (const v1::AdapterHealth& a : health.adapters()) {
    t.rows.push_back({a.adapter(), Upper(HealthName(a.health())), absl::StrCat(a.open_alerts()),
                      absl::StrCat(a.reasons_size()), FormatTimestamp(a.polled_ns())});
  }
  return t;
}

std::vector<Section> AdapterHealthSections(const v1::AdapterHealth& a) {
  std::vector<Section> out;
  Properties p{.title = absl::StrCat("Controller ", a.adapter(), " Health")};
  p.items = {{"Health", Upper(HealthName(a.health()))},
             {"Open Alerts", absl::StrCat(a.open_alerts())},
             {"Polled", FormatTimestamp(a.polled_ns())}};
  if (!a.poll_error().empty()) p.items.emplace_back("Poll Error", a.poll_error());
  out.push_back(std::move(p));
  Table reasons{.title = "Reasons", .columns = {{"Object"}, {"Health"}, {"Condition"}, {"Reason"}}};
  for (const v1::HealthReason& r : a.reasons()) {
    reasons.rows.push_back({r.object(), Upper(HealthName(r.health())), r.condition(), r.text()});
  }
  if (!reasons.rows.empty()) out.push_back(std::move(reasons));
  Table objects{.title = "Objects",
                .columns = {{"Object"},
                            {"Kind"},
                            {"Health"},
                            {"Alerts", true},
                            {"Temp (min-max)"},
                            {"MedErr", true},
                            {"SMART"},
                            {"Self-test"}},
                .legend = "MedErr=media errors, SMART=informational exceptions status"};
  for (const v1::ObjectHealth& o : a.objects()) {
    const bool drive = o.kind() == "drive";
    objects.rows.push_back({o.object(), o.kind(), Upper(HealthName(o.health())),
                            absl::StrCat(o.open_alerts()), Temperature(o),
                            drive ? absl::StrCat(o.media_errors()) : "-",
                            drive && !o.smart_status().empty() ? o.smart_status() : "-",
                            drive && !o.last_selftest().empty() ? o.last_selftest() : "-"});
  }
  out.push_back(std::move(objects));
  return out;
}

Table AlertTable(const std::vector<v1::Alert>& alerts) {
  Table t{.title = "Alerts",
          .columns = {{"ID", true},
                      {"Object"},
                      {"Severity"},
                      {"State"},
                      {"Condition"},
                      {"First Seen"},
                      {"Sent", true},
                      {"Message"}}};
  for (const v1::Alert& a : alerts) {
    t.rows.push_back({absl::StrCat(a.id()), a.object(), Upper(HealthName(a.severity())),
                      AlertState(a), a.condition(), FormatTimestamp(a.first_seen_ns()),
                      absl::StrCat(a.times_sent()), a.message()});
  }
  return t;
}

Properties AlertProperties(const v1::Alert& a) {
  Properties p{.title = absl::StrCat("Alert ", a.id())};
  p.items = {{"Object", a.object()},
             {"Severity", Upper(HealthName(a.severity()))},
             {"Condition", a.condition()},
             {"Message", a.message()},
             {"State", AlertState(a)},
             {"First Seen", FormatTimestamp(a.first_seen_ns())},
             {"Last Seen", FormatTimestamp(a.last_seen_ns())},
             {"Times Sent", absl::StrCat(a.times_sent())},
             {"Acknowledged By", a.acknowledged_by().empty() ? "-" : a.acknowledged_by()}};
  return p;
}

Properties TestAlertProperties(const v1::SendTestAlertResponse& r) {
  Properties p{.title = "Test Alert"};
  p.items = {{"Journal", r.journal() ? "sent" : "off (alert_journal = false)"},
             {"Streams", absl::StrCat(r.streams(), " WatchAlerts stream(s)")},
             {"Exec Hook", r.hook_configured() ? r.hook_result() : "none (alert_exec unset)"}};
  return p;
}

}  // namespace hbamgr::cli
