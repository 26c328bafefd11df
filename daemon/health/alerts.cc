#include "daemon/health/alerts.h"

#include <map>
#include <utility>

#include "absl/strings/str_cat.h"
#include "daemon/health/model.h"

namespace hbamgr::health {
namespace {

struct Current {
  Reason reason;
  std::string object;
  std::string serial;
  std::string model;
};

void Count(AlertCounts& c, int32_t severity) {
  if (severity >= 3) {
    ++c.failed;
  } else if (severity == 2) {
    ++c.critical;
  } else {
    ++c.warning;
  }
}

}  // namespace

absl::Time NextReminder(const Policy& policy, uint32_t times_sent, absl::Time last_sent) {
  switch (policy.throttle) {
    case Throttle::kOnce:
      return absl::InfiniteFuture();
    case Throttle::kDaily:
      return last_sent + policy.reminder_interval;
    case Throttle::kDiminishing: {
      // After the 1st notification 1 interval, after the 2nd 2, then 4, ...
      const uint32_t shift = std::min<uint32_t>(times_sent > 0 ? times_sent - 1 : 0, 20);
      return last_sent + policy.reminder_interval * (int64_t{1} << shift);
    }
  }
  return absl::InfiniteFuture();
}

std::set<std::string> AlertEngine::OpenConditions(uint32_t adapter) {
  std::set<std::string> out;
  auto rows = store_->QueryAlerts({.adapter = adapter, .open_only = true});
  if (!rows.ok()) return out;
  for (const store::AlertRow& r : *rows) out.insert(ConditionKey(r.object, r.condition));
  return out;
}

void AlertEngine::Update(const Policy& policy, AdapterSnapshot& snap, absl::Time now) {
  absl::MutexLock lock(&mu_);
  const int64_t now_ns = absl::ToUnixNanos(now);
  std::map<std::string, Current> current;
  std::map<std::string, std::string> models;  // by drive path
  for (const auto& d : snap.drives) models[d.path] = d.model;
  auto collect = [&](const std::string& path, const ObjectHealth& h, const std::string& serial,
                     const std::string& model) {
    for (const Reason& r : h.reasons) {
      current[ConditionKey(path, r.condition)] = Current{r, path, serial, model};
    }
  };
  collect(snap.path, snap.own, "", "");
  for (const auto& e : snap.enclosures) collect(e.path, e.health, "", "");
  for (const auto& d : snap.drives) collect(d.path, d.health, d.serial, d.model);
  for (const auto& v : snap.virtual_drives) collect(v.path, v.health, "", "");

  auto open = store_->QueryAlerts({.adapter = snap.index, .open_only = true});
  if (!open.ok()) {
    logger_->Log(sys::LogLevel::kError, "health: alerts unreadable",
                 {{"ADAPTER", snap.name}, {"ERROR", open.status().ToString()}});
    return;
  }
  std::map<std::string, store::AlertRow> still_open;
  for (store::AlertRow& row : *open) {
    const std::string key = ConditionKey(row.object, row.condition);
    auto it = current.find(key);
    Notification n{.adapter = snap.name};
    if (it == current.end()) {
      row.cleared_ns = now_ns;
      n.kind = NotificationKind::kCleared;
      if (auto m = models.find(row.object); m != models.end()) n.model = m->second;
    } else {
      const Current& c = it->second;
      row.last_seen_ns = now_ns;
      row.message = c.reason.text;
      row.severity = static_cast<int32_t>(c.reason.health);
      n.model = c.model;
      const absl::Time due =
          NextReminder(policy, row.times_sent, absl::FromUnixNanos(row.last_sent_ns));
      if (row.acked_by.empty() && now >= due) {
        ++row.times_sent;
        row.last_sent_ns = now_ns;
        n.kind = NotificationKind::kReminder;
      } else {
        n.kind = NotificationKind::kRaised;  // nothing to send
      }
      still_open[key] = row;
    }
    if (absl::Status s = store_->UpdateAlert(row); !s.ok()) {
      logger_->Log(sys::LogLevel::kError, "health: alert not stored",
                   {{"HBAMGR_OBJECT", row.object}, {"ERROR", s.ToString()}});
      continue;  // sent next time, when the store takes it
    }
    if (n.kind == NotificationKind::kRaised) continue;
    n.alert = row;
    n.next_reminder = row.acked_by.empty() && row.open() ? NextReminder(policy, row.times_sent, now)
                                                         : absl::InfiniteFuture();
    delivery_->Send(n);
  }
  for (const auto& [key, c] : current) {
    if (still_open.contains(key)) continue;
    store::AlertRow row{.adapter = snap.index,
                        .object = c.object,
                        .condition = c.reason.condition,
                        .severity = static_cast<int32_t>(c.reason.health),
                        .message = c.reason.text,
                        .serial = c.serial,
                        .first_seen_ns = now_ns,
                        .last_seen_ns = now_ns,
                        .times_sent = 1,
                        .last_sent_ns = now_ns};
    auto id = store_->OpenAlert(row);
    if (!id.ok()) {
      logger_->Log(sys::LogLevel::kError, "health: alert not stored",
                   {{"HBAMGR_OBJECT", row.object}, {"ERROR", id.status().ToString()}});
      continue;
    }
    row.id = *id;
    still_open[key] = row;
    delivery_->Send(Notification{.kind = NotificationKind::kRaised,
                                 .alert = row,
                                 .adapter = snap.name,
                                 .model = c.model,
                                 .next_reminder = NextReminder(policy, 1, now)});
  }
  // Open-alert counts per object and for the adapter.
  std::map<std::string, AlertCounts> counts;
  snap.alerts = {};
  for (const auto& [key, row] : still_open) {
    Count(counts[row.object], row.severity);
    Count(snap.alerts, row.severity);
  }
  auto fill = [&](const std::string& path, AlertCounts& out) {
    auto it = counts.find(path);
    out = it == counts.end() ? AlertCounts{} : it->second;
  };
  fill(snap.path, snap.own_alerts);
  for (auto& e : snap.enclosures) fill(e.path, e.alerts);
  for (auto& d : snap.drives) fill(d.path, d.alerts);
  for (auto& v : snap.virtual_drives) fill(v.path, v.alerts);
}

absl::StatusOr<std::vector<store::AlertRow>> AlertEngine::List(std::optional<uint32_t> adapter,
                                                               bool all, uint32_t limit) {
  return store_->QueryAlerts({.adapter = adapter, .open_only = !all, .limit = limit});
}

absl::StatusOr<store::AlertRow> AlertEngine::Acknowledge(uint32_t adapter, int64_t id,
                                                         const std::string& by, absl::Time now) {
  absl::MutexLock lock(&mu_);
  auto rows = store_->QueryAlerts({.adapter = adapter, .id = id, .open_only = false});
  if (!rows.ok()) return rows.status();
  if (rows->empty()) {
    return absl::NotFoundError(absl::StrCat("no alert ", id, " on c", adapter));
  }
  store::AlertRow row = rows->front();
  if (!row.open()) {
    return absl::FailedPreconditionError(
        absl::StrCat("alert ", id, " (", row.object, " ", row.condition, ") cleared already"));
  }
  if (!row.acked_by.empty()) return row;  // acknowledging twice keeps the first
  row.acked_by = by;
  row.acked_ns = absl::ToUnixNanos(now);
  if (absl::Status s = store_->UpdateAlert(row); !s.ok()) return s;
  logger_->Log(sys::LogLevel::kNotice,
               absl::StrCat(row.object, " alert ", id, " acknowledged by ", by),
               {{"HBAMGR_ALERT_ID", absl::StrCat(id)}, {"HBAMGR_OBJECT", row.object}});
  return row;
}

HookResult AlertEngine::SendTest(const std::string& adapter, uint32_t index, const std::string& by,
                                 absl::Time now) {
  const int64_t now_ns = absl::ToUnixNanos(now);
  Notification n{.kind = NotificationKind::kTest,
                 .alert = {.adapter = index,
                           .object = AdapterPath(adapter),
                           .condition = "test",
                           .severity = static_cast<int32_t>(Health::kWarning),
                           .message = absl::StrCat("test alert requested by ", by),
                           .first_seen_ns = now_ns,
                           .last_seen_ns = now_ns,
                           .times_sent = 1,
                           .last_sent_ns = now_ns},
                 .adapter = adapter};
  return delivery_->SendNow(n);
}

}  // namespace hbamgr::health
