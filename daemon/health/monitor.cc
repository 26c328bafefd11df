#include "daemon/health/monitor.h"

#include <algorithm>
#include <utility>

#include "absl/random/random.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "daemon/health/alerts.h"
#include "daemon/health/model.h"
#include "daemon/health/poller.h"
#include "daemon/health/scheduler.h"

namespace hbamgr::health {
namespace {

// Bounds each poll command's time in the queue and the transport.
constexpr absl::Duration kCommandDeadline = absl::Seconds(60);
// Events come in bursts (a drive failing emits several): poll once after
// the burst rather than once per event.
constexpr absl::Duration kEventDebounce = absl::Milliseconds(200);

// Events after which the inventory is read at once.
bool ChangesHealth(const store::EventRow& row) {
  return row.code != HBAMGR_EVT_BGOP_PROGRESS && row.code != HBAMGR_EVT_CTRL_STATUS_NOTIFY;
}

}  // namespace

struct Monitor::Watcher {
  adapter::Adapter* adapter = nullptr;
  std::unique_ptr<Poller> poller;
  std::shared_ptr<adapter::Subscription> subscription;
  std::thread thread;

  // Guarded by Monitor::mu_.
  std::shared_ptr<const AdapterSnapshot> snapshot;
  bool event_pending = false;

  // Watcher thread only.
  std::set<std::string> active;                    // ConditionKeys active in the last evaluation
  std::map<std::string, DriveLogPages> log_pages;  // by drive serial (path when none)
  absl::Time next_log_pages = absl::InfinitePast();
};

Monitor::Monitor(Policy policy, store::Store* store, adapter::EventHub* hub, sys::Logger* logger,
                 AlertEngine* alerts, Scheduler* scheduler)
    : store_(store),
      hub_(hub),
      logger_(logger),
      alerts_(alerts),
      scheduler_(scheduler),
      history_(store),
      policy_(std::move(policy)) {}

Monitor::~Monitor() { Stop(); }

void Monitor::AddAdapter(adapter::Adapter* adapter) {
  auto w = std::make_unique<Watcher>();
  w->adapter = adapter;
  w->poller = std::make_unique<Poller>(adapter, kCommandDeadline);
  watchers_.push_back(std::move(w));
}

absl::Status Monitor::Start() {
  if (absl::Status s = history_.Load(); !s.ok()) return s;
  ReportUnknownAdapters(policy());
  for (auto& w : watchers_) {
    if (alerts_ != nullptr) w->active = alerts_->OpenConditions(w->adapter->index());
    adapter::EventFilter filter;
    filter.adapter = w->adapter->index();
    Watcher* raw = w.get();
    w->subscription = hub_->Subscribe(filter, [this, raw] {
      absl::MutexLock lock(&mu_);
      raw->event_pending = true;
    });
    w->thread = std::thread([this, raw] { Run(*raw); });
  }
  return absl::OkStatus();
}

void Monitor::Stop() {
  {
    absl::MutexLock lock(&mu_);
    if (stopping_) return;
    stopping_ = true;
  }
  for (auto& w : watchers_) {
    if (w->thread.joinable()) w->thread.join();
    if (w->subscription != nullptr) hub_->Unsubscribe(w->subscription);
  }
}

void Monitor::SetPolicy(const Policy& policy) {
  ReportUnknownAdapters(policy);
  absl::MutexLock lock(&mu_);
  policy_ = policy;
}

void Monitor::ReportUnknownAdapters(const Policy& policy) {
  for (const auto& [key, schedule] : policy.vd_consistency_check) {
    const auto [index, vd] = key;
    const bool known =
        std::any_of(watchers_.begin(), watchers_.end(),
                    [index = index](const auto& w) { return w->adapter->index() == index; });
    if (known) continue;
    logger_->Log(sys::LogLevel::kWarning,
                 absl::StrCat("health.", adapter::AdapterName(index), ".v", vd,
                              ".consistency_check: the daemon has no adapter ",
                              adapter::AdapterName(index), ": the schedule does nothing"),
                 {{"HBAMGR_OBJECT", VirtualDrivePath(adapter::AdapterName(index), vd)},
                  {"HBAMGR_JOB", "consistency_check"},
                  {"SCHEDULE", schedule.text()}});
  }
}

Policy Monitor::policy() const {
  absl::MutexLock lock(&mu_);
  return policy_;
}

std::vector<std::shared_ptr<const AdapterSnapshot>> Monitor::Snapshots() const {
  absl::MutexLock lock(&mu_);
  std::vector<std::shared_ptr<const AdapterSnapshot>> out;
  for (const auto& w : watchers_) {
    if (w->snapshot != nullptr) out.push_back(w->snapshot);
  }
  return out;
}

std::shared_ptr<const AdapterSnapshot> Monitor::Find(const std::string& adapter) const {
  absl::MutexLock lock(&mu_);
  for (const auto& w : watchers_) {
    if (w->adapter->name() == adapter) return w->snapshot;
  }
  return nullptr;
}

Health Monitor::DaemonHealth() const {
  Health h = Health::kOk;
  for (const auto& snap : Snapshots()) h = RollUp(h, snap->health);
  return h;
}

absl::Duration Monitor::Jittered(absl::Duration d, double jitter) {
  static thread_local absl::BitGen gen;
  return d + d * absl::Uniform(gen, 0.0, jitter);
}

void Monitor::Run(Watcher& w) {
  absl::Time next_poll = absl::InfinitePast();
  for (;;) {
    const Policy policy = this->policy();
    absl::Time wake = next_poll;
    if (scheduler_ != nullptr && policy.enabled) {
      std::shared_ptr<const AdapterSnapshot> snap = Find(w.adapter->name());
      if (snap != nullptr) wake = std::min(wake, scheduler_->NextDue(policy, *snap));
    }
    {
      absl::MutexLock lock(&mu_);
      struct Arg {
        Monitor* self;
        Watcher* w;
      } arg{this, &w};
      mu_.AwaitWithDeadline(absl::Condition(
                                +[](Arg* a) ABSL_NO_THREAD_SAFETY_ANALYSIS {
                                  return a->self->stopping_ || a->w->event_pending;
                                },
                                &arg),
                            wake);
      if (stopping_) return;
    }
    bool changed = false;
    bool overflowed = false;
    {
      absl::MutexLock lock(&mu_);
      w.event_pending = false;
    }
    for (const store::EventRow& row : w.subscription->Take()) changed |= ChangesHealth(row);
    overflowed = w.subscription->overflowed();
    if (overflowed) {
      // Missed events are in the store; what they changed, the poll reads.
      hub_->Unsubscribe(w.subscription);
      adapter::EventFilter filter;
      filter.adapter = w.adapter->index();
      Watcher* raw = &w;
      w.subscription = hub_->Subscribe(filter, [this, raw] {
        absl::MutexLock lock(&mu_);
        raw->event_pending = true;
      });
      changed = true;
    }
    const absl::Time now = absl::Now();
    if (!policy.enabled) {
      next_poll = now + policy.poll_interval;
      continue;
    }
    if (changed && now < next_poll) {
      // Let the rest of the burst arrive.
      absl::MutexLock lock(&mu_);
      mu_.AwaitWithTimeout(absl::Condition(&stopping_), kEventDebounce);
      if (stopping_) return;
    }
    if (changed || now >= next_poll) {
      const bool log_pages = now >= w.next_log_pages;
      std::shared_ptr<const AdapterSnapshot> snap = Poll(w, log_pages);
      if (log_pages) w.next_log_pages = now + Jittered(policy.smart_interval, policy.jitter);
      next_poll = now + Jittered(policy.poll_interval, policy.jitter);
    }
    if (scheduler_ != nullptr) {
      std::shared_ptr<const AdapterSnapshot> snap = Find(w.adapter->name());
      if (snap != nullptr) scheduler_->RunDue(policy, *w.poller, *snap, absl::Now());
    }
  }
}

void Monitor::CountEvents(AdapterSnapshot& snap) {
  const absl::Time now = absl::Now();
  auto count = [&](uint32_t code, absl::Duration window) -> uint32_t {
    store::EventQuery q;
    q.adapter = snap.index;
    q.code = code;
    q.since_ns = static_cast<uint64_t>(absl::ToUnixNanos(now - window));
    auto rows = store_->QueryEvents(q);
    if (!rows.ok()) {
      logger_->Log(sys::LogLevel::kWarning, "health: event count failed",
                   {{"ADAPTER", snap.name}, {"ERROR", rows.status().ToString()}});
      return 0;
    }
    return static_cast<uint32_t>(rows->size());
  };
  snap.resets_last_hour = count(HBAMGR_EVT_CTRL_RESET_DONE, absl::Hours(1));
  snap.fw_faults_last_day = count(HBAMGR_EVT_CTRL_FW_FAULT, absl::Hours(24));
}

std::shared_ptr<const AdapterSnapshot> Monitor::Poll(Watcher& w, bool read_log_pages) {
  const Policy policy = this->policy();
  auto snap = std::make_shared<AdapterSnapshot>();
  {
    absl::MutexLock lock(&mu_);
    if (w.snapshot != nullptr) *snap = *w.snapshot;  // the last inventory, if this read fails
  }
  snap->name = w.adapter->name();
  snap->path = AdapterPath(snap->name);
  snap->index = w.adapter->index();
  snap->polled_at = absl::Now();
  snap->poll_error.clear();
  absl::Status status = w.poller->ReadState(snap.get());
  if (status.ok() && snap->info.state == HBAMGR_STATE_LIVE) {
    status = w.poller->ReadInventory(snap.get());
  } else if (status.ok()) {
    status = absl::UnavailableError(
        absl::StrCat("adapter ", adapter::AdapterStateName(snap->info.state)));
  }
  if (!status.ok()) snap->poll_error = std::string(status.message());

  for (DriveSnapshot& d : snap->drives) {
    DriveLogPages& pages = w.log_pages[d.serial.empty() ? d.path : d.serial];
    const bool reachable = d.info.state != HBAMGR_PD_MISSING;
    if (status.ok() && read_log_pages && reachable) {
      if (absl::Status s = w.poller->ReadLogPages(d.info.pd_id, &pages); !s.ok()) {
        logger_->Log(sys::LogLevel::kDebug, "health: drive log pages unreadable",
                     {{"HBAMGR_OBJECT", d.path}, {"ERROR", s.ToString()}});
      }
    }
    d.log_pages = pages;
    if (status.ok()) {
      if (absl::Status s = history_.Observe(d, policy.growth_window, snap->polled_at); !s.ok()) {
        logger_->Log(sys::LogLevel::kWarning, "health: drive history not stored",
                     {{"HBAMGR_OBJECT", d.path}, {"ERROR", s.ToString()}});
      }
    }
  }
  CountEvents(*snap);
  snap->events_lost = w.adapter->ingest_stats().lost;
  Evaluate(policy, w.active, *snap);
  w.active.clear();
  snap->ForEachObject([&](const std::string& path, const ObjectHealth& h) {
    for (const Reason& r : h.reasons) w.active.insert(ConditionKey(path, r.condition));
  });
  if (alerts_ != nullptr) alerts_->Update(policy, *snap, absl::Now());
  std::shared_ptr<const AdapterSnapshot> published = std::move(snap);
  absl::MutexLock lock(&mu_);
  w.snapshot = published;
  return published;
}

}  // namespace hbamgr::health
