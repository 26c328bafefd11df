#include "daemon/health/delivery.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"

namespace hbamgr::health {
namespace {

constexpr size_t kMaxHookOutput = 64 * 1024;
constexpr size_t kMaxPendingHooks = 1024;
// journald MESSAGE_ID of every hbamgr alert (journalctl MESSAGE_ID=...).
constexpr char kAlertMessageId[] = "5d3c9f0e8b7a4e21a1c6f4b2d8e90a17";

sys::LogLevel LevelFor(const Notification& n) {
  if (n.kind == NotificationKind::kCleared) return sys::LogLevel::kNotice;
  if (n.kind == NotificationKind::kTest) return sys::LogLevel::kNotice;
  return n.alert.severity >= 2 ? sys::LogLevel::kError : sys::LogLevel::kWarning;
}

std::string Headline(const Notification& n) {
  switch (n.kind) {
    case NotificationKind::kRaised:
      return absl::StrCat(n.alert.object, " ", SeverityName(n.alert.severity), ": ",
                          n.alert.message);
    case NotificationKind::kReminder:
      return absl::StrCat(n.alert.object, " ", SeverityName(n.alert.severity),
                          " (still): ", n.alert.message);
    case NotificationKind::kCleared:
      return absl::StrCat(n.alert.object, " cleared (was ", SeverityName(n.alert.severity), ": ",
                          n.alert.message, ")");
    case NotificationKind::kTest:
      return absl::StrCat(n.alert.object, " test alert: ", n.alert.message);
  }
  return n.alert.message;
}

void CloseFd(int& fd) {
  if (fd >= 0) close(fd);
  fd = -1;
}

}  // namespace

absl::string_view NotificationKindName(NotificationKind kind) {
  switch (kind) {
    case NotificationKind::kRaised:
      return "raised";
    case NotificationKind::kReminder:
      return "reminder";
    case NotificationKind::kCleared:
      return "cleared";
    case NotificationKind::kTest:
      return "test";
  }
  return "unknown";
}

absl::string_view SeverityName(int32_t severity) {
  switch (severity) {
    case 1:
      return "WARNING";
    case 2:
      return "CRITICAL";
    case 3:
      return "FAILED";
  }
  return "OK";
}

std::vector<std::string> HookEnvironment(const Notification& n) {
  const store::AlertRow& a = n.alert;
  char host[256] = {};
  gethostname(host, sizeof(host) - 1);
  const absl::Time first = absl::FromUnixNanos(a.first_seen_ns);
  std::string next_days;
  if (n.next_reminder != absl::InfiniteFuture()) {
    next_days = absl::StrCat(static_cast<int64_t>(
        std::max(0.0, std::ceil(absl::ToDoubleHours(n.next_reminder - absl::Now()) / 24.0))));
  }
  return {
      "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
      absl::StrCat("HBAMGR_ALERT_ID=", a.id),
      absl::StrCat("HBAMGR_ALERT_STATE=", NotificationKindName(n.kind)),
      absl::StrCat("HBAMGR_OBJECT=", a.object),
      absl::StrCat("HBAMGR_ADAPTER=", n.adapter),
      absl::StrCat("HBAMGR_SEVERITY=", SeverityName(a.severity)),
      absl::StrCat("HBAMGR_CONDITION=", a.condition),
      absl::StrCat("HBAMGR_MESSAGE=", a.message),
      absl::StrCat("HBAMGR_FULLMESSAGE=", Headline(n)),
      absl::StrCat("HBAMGR_SERIAL=", a.serial),
      absl::StrCat("HBAMGR_MODEL=", n.model),
      absl::StrCat("HBAMGR_TFIRST=",
                   absl::FormatTime("%a %b %e %H:%M:%S %Y %Z", first, absl::LocalTimeZone())),
      absl::StrCat("HBAMGR_TFIRSTEPOCH=", absl::ToUnixSeconds(first)),
      absl::StrCat("HBAMGR_PREVCNT=", a.times_sent > 0 ? a.times_sent - 1 : 0),
      absl::StrCat("HBAMGR_NEXTDAYS=", next_days),
      absl::StrCat("HBAMGR_HOST=", host),
  };
}

std::string HookResult::Describe() const {
  if (!ran) return absl::StrCat("not run: ", error);
  if (timed_out) return "killed at its timeout";
  if (signal != 0) return absl::StrCat("ended by signal ", signal);
  return absl::StrCat("exit status ", exit_status);
}

HookResult RunHook(const std::string& path, const std::vector<std::string>& env,
                   absl::Duration timeout, sys::Logger* logger, const std::string& alert_id) {
  HookResult result;
  int out[2] = {-1, -1};
  if (pipe2(out, O_CLOEXEC) != 0) {
    result.error = absl::StrCat("pipe: ", strerror(errno));
    return result;
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, out[1], STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&actions, out[1], STDERR_FILENO);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  // The daemon blocks its signals in every thread; the hook starts with
  // none blocked and default dispositions, in a process group of its own
  // so the timeout kills whatever it started too.
  sigset_t none, all;
  sigemptyset(&none);
  sigfillset(&all);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setsigdefault(&attr, &all);
  posix_spawnattr_setpgroup(&attr, 0);
  posix_spawnattr_setflags(&attr,
                           POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETPGROUP);
  std::vector<char*> envp;
  for (const std::string& e : env) envp.push_back(const_cast<char*>(e.c_str()));
  envp.push_back(nullptr);
  char* argv[] = {const_cast<char*>(path.c_str()), nullptr};
  pid_t pid = -1;
  int rc = posix_spawn(&pid, path.c_str(), &actions, &attr, argv, envp.data());
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  CloseFd(out[1]);
  if (rc != 0) {
    CloseFd(out[0]);
    result.error = absl::StrCat(path, ": ", strerror(rc));
    return result;
  }
  result.ran = true;
  // glibc 2.36's <sys/pidfd.h> lacks extern "C"; the syscall is the same.
  int pidfd = static_cast<int>(syscall(SYS_pidfd_open, pid, 0));
  const absl::Time deadline = absl::Now() + timeout;
  std::string output, partial;
  auto log_line = [&](absl::string_view line) {
    logger->Log(sys::LogLevel::kInfo, absl::StrCat("alert hook: ", line),
                {{"HBAMGR_ALERT_ID", alert_id}, {"HOOK", path}});
  };
  bool exited = false;
  while (!exited || out[0] >= 0) {
    const absl::Duration left = deadline - absl::Now();
    if (left <= absl::ZeroDuration()) {
      kill(-pid, SIGKILL);
      result.timed_out = !exited;
      break;
    }
    pollfd fds[2];
    nfds_t nfds = 0;
    if (out[0] >= 0) fds[nfds++] = {out[0], POLLIN, 0};
    if (!exited) fds[nfds++] = {pidfd, POLLIN, 0};
    int n =
        poll(fds, nfds,
             static_cast<int>(absl::ToInt64Milliseconds(absl::Ceil(left, absl::Milliseconds(1)))));
    if (n < 0 && errno != EINTR) break;
    for (nfds_t i = 0; i < nfds; ++i) {
      if (fds[i].revents == 0) continue;
      if (fds[i].fd == pidfd) {
        exited = true;
        // Whatever it left behind in its group would hold the pipe open.
        kill(-pid, SIGKILL);
        continue;
      }
      char buf[4096];
      ssize_t got = read(out[0], buf, sizeof(buf));
      if (got <= 0) {
        CloseFd(out[0]);
      } else if (output.size() < kMaxHookOutput) {
        output.append(buf, std::min(static_cast<size_t>(got), kMaxHookOutput - output.size()));
      }
    }
  }
  int status = 0;
  waitpid(pid, &status, 0);
  CloseFd(out[0]);
  if (pidfd >= 0) close(pidfd);
  for (absl::string_view line : absl::StrSplit(output, '\n', absl::SkipEmpty())) log_line(line);
  if (WIFEXITED(status)) result.exit_status = WEXITSTATUS(status);
  if (WIFSIGNALED(status)) result.signal = WTERMSIG(status);
  return result;
}

std::vector<Notification> AlertHub::Subscription::Take() {
  absl::MutexLock lock(&mu_);
  std::vector<Notification> out(std::make_move_iterator(queue_.begin()),
                                std::make_move_iterator(queue_.end()));
  queue_.clear();
  return out;
}

bool AlertHub::Subscription::overflowed() const {
  absl::MutexLock lock(&mu_);
  return overflowed_;
}

std::shared_ptr<AlertHub::Subscription> AlertHub::Subscribe(std::string adapter,
                                                            std::function<void()> notify) {
  auto sub = std::make_shared<Subscription>();
  sub->adapter_ = std::move(adapter);
  sub->notify_ = std::move(notify);
  absl::MutexLock lock(&mu_);
  subs_.push_back(sub);
  return sub;
}

void AlertHub::Unsubscribe(const std::shared_ptr<Subscription>& sub) {
  absl::MutexLock lock(&mu_);
  subs_.erase(std::remove(subs_.begin(), subs_.end(), sub), subs_.end());
}

void AlertHub::Publish(const Notification& n) {
  absl::MutexLock lock(&mu_);
  for (const auto& sub : subs_) {
    if (!sub->adapter_.empty() && sub->adapter_ != n.adapter) continue;
    {
      absl::MutexLock sub_lock(&sub->mu_);
      if (sub->overflowed_) continue;
      if (sub->queue_.size() >= depth_) {
        sub->overflowed_ = true;
      } else {
        sub->queue_.push_back(n);
      }
    }
    sub->notify_();
  }
}

size_t AlertHub::subscribers() const {
  absl::MutexLock lock(&mu_);
  return subs_.size();
}

Delivery::Delivery(sys::Logger* logger, size_t stream_depth) : logger_(logger), hub_(stream_depth) {
  thread_ = std::thread([this] { Loop(); });
}

Delivery::~Delivery() { Stop(); }

void Delivery::SetPolicy(const Policy& policy) {
  absl::MutexLock lock(&mu_);
  journal_ = policy.alert_journal;
  exec_ = policy.alert_exec;
  timeout_ = policy.alert_exec_timeout;
}

void Delivery::Journal(const Notification& n, bool enabled) {
  if (!enabled) return;
  const store::AlertRow& a = n.alert;
  logger_->Log(LevelFor(n), Headline(n),
               {{"MESSAGE_ID", kAlertMessageId},
                {"HBAMGR_ALERT_ID", absl::StrCat(a.id)},
                {"HBAMGR_ALERT_STATE", std::string(NotificationKindName(n.kind))},
                {"HBAMGR_OBJECT", a.object},
                {"HBAMGR_ADAPTER", n.adapter},
                {"HBAMGR_SEVERITY", std::string(SeverityName(a.severity))},
                {"HBAMGR_CONDITION", a.condition},
                {"HBAMGR_SERIAL", a.serial},
                {"HBAMGR_TIMES_SENT", absl::StrCat(a.times_sent)}});
}

void Delivery::Send(const Notification& n) {
  bool journal;
  {
    absl::MutexLock lock(&mu_);
    journal = journal_;
    if (!exec_.empty()) {
      if (pending_.size() >= kMaxPendingHooks) {
        logger_->Log(sys::LogLevel::kError, "alert hook queue full; hook not run for this alert",
                     {{"HBAMGR_ALERT_ID", absl::StrCat(n.alert.id)}});
      } else {
        pending_.push_back(n);
      }
    }
  }
  Journal(n, journal);
  hub_.Publish(n);
}

HookResult Delivery::SendNow(const Notification& n) {
  bool journal;
  std::string exec;
  absl::Duration timeout;
  {
    absl::MutexLock lock(&mu_);
    journal = journal_;
    exec = exec_;
    timeout = timeout_;
  }
  Journal(n, journal);
  hub_.Publish(n);
  if (exec.empty()) return HookResult{.error = "no alert_exec hook configured"};
  return RunHook(exec, HookEnvironment(n), timeout, logger_, absl::StrCat(n.alert.id));
}

void Delivery::Loop() {
  for (;;) {
    Notification n;
    std::string exec;
    absl::Duration timeout;
    {
      absl::MutexLock lock(&mu_);
      mu_.Await(absl::Condition(
          +[](Delivery* d)
               ABSL_NO_THREAD_SAFETY_ANALYSIS { return d->stopping_ || !d->pending_.empty(); },
          this));
      if (pending_.empty()) return;  // stopping, nothing left
      n = std::move(pending_.front());
      pending_.pop_front();
      exec = exec_;
      timeout = timeout_;
    }
    if (exec.empty()) continue;
    HookResult r = RunHook(exec, HookEnvironment(n), timeout, logger_, absl::StrCat(n.alert.id));
    const bool ok = r.ran && !r.timed_out && r.signal == 0 && r.exit_status == 0;
    logger_->Log(ok ? sys::LogLevel::kInfo : sys::LogLevel::kError,
                 absl::StrCat("alert hook ", exec, ": ", r.Describe()),
                 {{"HBAMGR_ALERT_ID", absl::StrCat(n.alert.id)},
                  {"HBAMGR_ALERT_STATE", std::string(NotificationKindName(n.kind))},
                  {"HBAMGR_OBJECT", n.alert.object}});
  }
}

void Delivery::Stop() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  if (thread_.joinable()) thread_.join();
}

}  // namespace hbamgr::health
