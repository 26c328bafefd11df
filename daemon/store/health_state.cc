// The health service's tables (schema version 4): alerts, drive temperature
// ranges, drive counter history and schedule runs.
#include <sqlite3.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "daemon/store/sqlite_util.h"
#include "daemon/store/store.h"
#include "daemon/store/store_internal.h"

namespace hbamgr::store {
namespace {

constexpr char kAlertColumns[] =
    "id, adapter, object, condition, severity, message, serial, first_seen_ns, last_seen_ns, "
    "cleared_ns, times_sent, last_sent_ns, acked_by, acked_ns";

AlertRow ReadAlert(const Statement& stmt) {
  return AlertRow{
      .id = stmt.ColumnInt(0),
      .adapter = static_cast<uint32_t>(stmt.ColumnInt(1)),
      .object = stmt.ColumnText(2),
      .condition = stmt.ColumnText(3),
      .severity = static_cast<int32_t>(stmt.ColumnInt(4)),
      .message = stmt.ColumnText(5),
      .serial = stmt.ColumnText(6),
      .first_seen_ns = stmt.ColumnInt(7),
      .last_seen_ns = stmt.ColumnInt(8),
      .cleared_ns = stmt.ColumnInt(9),
      .times_sent = static_cast<uint32_t>(stmt.ColumnInt(10)),
      .last_sent_ns = stmt.ColumnInt(11),
      .acked_by = stmt.ColumnText(12),
      .acked_ns = stmt.ColumnInt(13),
  };
}

}  // namespace

absl::StatusOr<int64_t> Store::OpenAlert(const AlertRow& r) {
  std::optional<int64_t> id;
  absl::Status status = Writing([&](Connection& c) -> absl::Status {
    absl::StatusOr<Statement> insert = c.Get(
        "INSERT INTO alerts (adapter, object, condition, severity, message, serial, "
        "first_seen_ns, last_seen_ns, cleared_ns, times_sent, last_sent_ns, acked_by, acked_ns) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 0, ?9, ?10, '', 0) ON CONFLICT DO NOTHING");
    if (!insert.ok()) return insert.status();
    insert->Bind(1, int64_t{r.adapter});
    insert->Bind(2, absl::string_view(r.object));
    insert->Bind(3, absl::string_view(r.condition));
    insert->Bind(4, int64_t{r.severity});
    insert->Bind(5, absl::string_view(r.message));
    insert->Bind(6, absl::string_view(r.serial));
    insert->Bind(7, r.first_seen_ns);
    insert->Bind(8, r.last_seen_ns);
    insert->Bind(9, int64_t{r.times_sent});
    insert->Bind(10, r.last_sent_ns);
    if (absl::Status s = insert->Run(); !s.ok()) return s;
    if (sqlite3_changes(c.db()) != 0) id = sqlite3_last_insert_rowid(c.db());
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  if (!id) {
    return absl::AlreadyExistsError(
        absl::StrCat(r.object, " already has an open ", r.condition, " alert"));
  }
  return *id;
}

absl::Status Store::UpdateAlert(const AlertRow& r) {
  bool updated = false;
  absl::Status status = Writing([&](Connection& c) -> absl::Status {
    absl::StatusOr<Statement> update = c.Get(
        "UPDATE alerts SET severity = ?2, message = ?3, last_seen_ns = ?4, cleared_ns = ?5, "
        "times_sent = ?6, last_sent_ns = ?7, acked_by = ?8, acked_ns = ?9 WHERE id = ?1");
    if (!update.ok()) return update.status();
    update->Bind(1, r.id);
    update->Bind(2, int64_t{r.severity});
    update->Bind(3, absl::string_view(r.message));
    update->Bind(4, r.last_seen_ns);
    update->Bind(5, r.cleared_ns);
    update->Bind(6, int64_t{r.times_sent});
    update->Bind(7, r.last_sent_ns);
    update->Bind(8, absl::string_view(r.acked_by));
    update->Bind(9, r.acked_ns);
    if (absl::Status s = update->Run(); !s.ok()) return s;
    updated = sqlite3_changes(c.db()) != 0;
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  if (!updated) return absl::NotFoundError(absl::StrCat("no alert ", r.id));
  return absl::OkStatus();
}

absl::StatusOr<std::vector<AlertRow>> Store::QueryAlerts(const AlertQuery& q) {
  std::string sql = absl::StrCat("SELECT ", kAlertColumns, " FROM alerts WHERE 1");
  if (q.adapter) absl::StrAppend(&sql, " AND adapter = ?1");
  if (q.id) absl::StrAppend(&sql, " AND id = ?2");
  if (q.open_only) absl::StrAppend(&sql, " AND cleared_ns = 0");
  absl::StrAppend(&sql, " ORDER BY id DESC LIMIT ?3");
  std::vector<AlertRow> out;
  absl::Status status = Reading([&](Connection& c) -> absl::Status {
    absl::StatusOr<Statement> stmt = c.Get(sql);
    if (!stmt.ok()) return stmt.status();
    if (q.adapter) stmt->Bind(1, int64_t{*q.adapter});
    if (q.id) stmt->Bind(2, *q.id);
    stmt->Bind(3, q.limit == 0 ? int64_t{-1} : int64_t{q.limit});
    for (;;) {
      absl::StatusOr<bool> row = stmt->Step();
      if (!row.ok()) return row.status();
      if (!*row) return absl::OkStatus();
      out.push_back(ReadAlert(*stmt));
    }
  });
  if (!status.ok()) return status;
  return out;
}

absl::StatusOr<DriveTemperatureRow> Store::RecordDriveTemperature(const std::string& serial,
                                                                  uint32_t temperature_c,
                                                                  absl::Time now) {
  DriveTemperatureRow out{.serial = serial, .updated_ns = absl::ToUnixNanos(now)};
  absl::Status status = Writing([&](Connection& c) -> absl::Status {
    absl::StatusOr<Statement> upsert = c.Get(
        "INSERT INTO drive_temperatures (serial, min_c, max_c, updated_ns) VALUES (?1, ?2, ?2, "
        "?3) ON CONFLICT (serial) DO UPDATE SET min_c = MIN(min_c, ?2), max_c = MAX(max_c, ?2), "
        "updated_ns = ?3 RETURNING min_c, max_c");
    if (!upsert.ok()) return upsert.status();
    upsert->Bind(1, absl::string_view(serial));
    upsert->Bind(2, int64_t{temperature_c});
    upsert->Bind(3, absl::ToUnixNanos(now));
    absl::StatusOr<bool> row = upsert->Step();
    if (!row.ok()) return row.status();
    if (*row) {
      out.min_c = static_cast<uint32_t>(upsert->ColumnInt(0));
      out.max_c = static_cast<uint32_t>(upsert->ColumnInt(1));
    }
    return upsert->Run();
  });
  if (!status.ok()) return status;
  return out;
}

absl::StatusOr<std::vector<DriveTemperatureRow>> Store::DriveTemperatures() {
  std::vector<DriveTemperatureRow> out;
  absl::Status status = Reading([&](Connection& c) -> absl::Status {
    absl::StatusOr<Statement> stmt =
        c.Get("SELECT serial, min_c, max_c, updated_ns FROM drive_temperatures ORDER BY serial");
    if (!stmt.ok()) return stmt.status();
    for (;;) {
      absl::StatusOr<bool> row = stmt->Step();
      if (!row.ok()) return row.status();
      if (!*row) return absl::OkStatus();
      out.push_back(DriveTemperatureRow{.serial = stmt->ColumnText(0),
                                        .min_c = static_cast<uint32_t>(stmt->ColumnInt(1)),
                                        .max_c = static_cast<uint32_t>(stmt->ColumnInt(2)),
                                        .updated_ns = stmt->ColumnInt(3)});
    }
  });
  if (!status.ok()) return status;
  return out;
}

absl::Status Store::AddDriveCounters(const DriveCounterRow& r) {
  return Writing([&](Connection& c) -> absl::Status {
    absl::StatusOr<Statement> insert =
        c.Get("INSERT OR REPLACE INTO drive_counters (serial, time_ns, media_errors, "
              "other_errors, predictive_failures) VALUES (?1, ?2, ?3, ?4, ?5)");
    if (!insert.ok()) return insert.status();
    insert->Bind(1, absl::string_view(r.serial));
    insert->Bind(2, r.time_ns);
    insert->Bind(3, int64_t{r.media_errors});
    insert->Bind(4, int64_t{r.other_errors});
    insert->Bind(5, int64_t{r.predictive_failures});
    return insert->Run();
  });
}

absl::StatusOr<std::vector<DriveCounterRow>> Store::DriveCounters() {
  std::vector<DriveCounterRow> out;
  absl::Status status = Reading([&](Connection& c) -> absl::Status {
    absl::StatusOr<Statement> stmt =
        c.Get("SELECT serial, time_ns, media_errors, other_errors, predictive_failures FROM "
              "drive_counters ORDER BY serial, time_ns");
    if (!stmt.ok()) return stmt.status();
    for (;;) {
      absl::StatusOr<bool> row = stmt->Step();
      if (!row.ok()) return row.status();
      if (!*row) return absl::OkStatus();
      out.push_back(DriveCounterRow{
          .serial = stmt->ColumnText(0),
          .time_ns = stmt->ColumnInt(1),
          .media_errors = static_cast<uint32_t>(stmt->ColumnInt(2)),
          .other_errors = static_cast<uint32_t>(stmt->ColumnInt(3)),
          .predictive_failures = static_cast<uint32_t>(stmt->ColumnInt(4)),
      });
    }
  });
  if (!status.ok()) return status;
  return out;
}

absl::Status Store::TrimDriveCounters(const std::string& serial, int64_t before_ns) {
  return Writing([&](Connection& c) -> absl::Status {
    absl::StatusOr<Statement> del =
        c.Get("DELETE FROM drive_counters WHERE serial = ?1 AND time_ns < ?2");
    if (!del.ok()) return del.status();
    del->Bind(1, absl::string_view(serial));
    del->Bind(2, before_ns);
    return del->Run();
  });
}

absl::StatusOr<std::optional<int64_t>> Store::ScheduleLastRun(const std::string& job,
                                                              const std::string& target) {
  std::optional<int64_t> last;
  absl::Status status = Reading([&](Connection& c) -> absl::Status {
    absl::StatusOr<Statement> stmt =
        c.Get("SELECT last_run_ns FROM schedule_runs WHERE job = ?1 AND target = ?2");
    if (!stmt.ok()) return stmt.status();
    stmt->Bind(1, absl::string_view(job));
    stmt->Bind(2, absl::string_view(target));
    absl::StatusOr<bool> row = stmt->Step();
    if (!row.ok()) return row.status();
    if (*row) last = stmt->ColumnInt(0);
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return last;
}

absl::Status Store::SetScheduleLastRun(const std::string& job, const std::string& target,
                                       int64_t time_ns) {
  return Writing([&](Connection& c) -> absl::Status {
    absl::StatusOr<Statement> upsert =
        c.Get("INSERT INTO schedule_runs (job, target, last_run_ns) VALUES (?1, ?2, ?3) ON "
              "CONFLICT (job, target) DO UPDATE SET last_run_ns = ?3");
    if (!upsert.ok()) return upsert.status();
    upsert->Bind(1, absl::string_view(job));
    upsert->Bind(2, absl::string_view(target));
    upsert->Bind(3, time_ns);
    return upsert->Run();
  });
}

}  // namespace hbamgr::store
