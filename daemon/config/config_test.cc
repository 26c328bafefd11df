#include "daemon/config/config.h"

#include <filesystem>
#include <sstream>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace hbamgr::config {
namespace {

using ::testing::HasSubstr;

absl::StatusOr<DaemonConfig> Parse(const std::string& text) {
  std::istringstream in(text);
  return ParseConfig(in, "test.conf");
}

// The parse error for `text`, which must fail.
std::string ErrorOf(const std::string& text) {
  absl::StatusOr<DaemonConfig> c = Parse(text);
  EXPECT_FALSE(c.ok()) << "accepted:\n" << text;
  EXPECT_EQ(c.status().code(), absl::StatusCode::kInvalidArgument) << c.status();
  return std::string(c.status().message());
}

// A config with `edit` applied must fail Validate with a message containing
// `expected`.
template <typename Edit>
void ExpectInvalid(Edit edit, const std::string& expected) {
  DaemonConfig c;
  edit(c);
  absl::Status s = Validate(c);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << expected;
  EXPECT_THAT(std::string(s.message()), HasSubstr(expected));
}

TEST(ConfigTest, PackagedConfigParses) {
  // The packaged service: the kernel backend, a socket every local user may
  // read; everything else the built-in defaults.
  absl::StatusOr<DaemonConfig> c = LoadConfig(HBAMGR_CONFIGS_DIR "/hbamgrd.conf");
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->backend, Backend::kKernel);
  EXPECT_EQ(c->unix_socket, "/run/hbamgr/hbamgrd.sock");
  EXPECT_EQ(c->database, "/var/lib/hbamgr/hbamgrd.db");
  EXPECT_EQ(c->admin_group, "hbamgr");
  EXPECT_EQ(c->socket_mode, 0666u);
  EXPECT_TRUE(c->tcp_listen.empty());
  EXPECT_TRUE(c->metrics_listen.empty());
  EXPECT_TRUE(c->watchdog);
  EXPECT_EQ(c->log_level, sys::LogLevel::kInfo);
  EXPECT_EQ(c->sim.state_dir, "");
  EXPECT_EQ(SimStateDir(*c), "/var/lib/hbamgr/sim");
  EXPECT_FALSE(c->sim.adopt_topology);
}

// The simulated adapters' state goes beside the database unless placed.
TEST(ConfigTest, SimStateDirDefaultsBesideTheDatabase) {
  DaemonConfig c;
  c.database = "/tmp/run/hbamgrd.db";
  EXPECT_EQ(SimStateDir(c), "/tmp/run/sim");
  c.database = "hbamgrd.db";
  EXPECT_EQ(SimStateDir(c), "sim");
  c.sim.state_dir = "/elsewhere";
  EXPECT_EQ(SimStateDir(c), "/elsewhere");
}

TEST(ConfigTest, DevConfigParses) {
  absl::StatusOr<DaemonConfig> c = LoadConfig(HBAMGR_CONFIGS_DIR "/hbamgrd-dev.conf");
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->sim.adapters, 2u);
  EXPECT_TRUE(c->sim.fault_injection);
  EXPECT_EQ(c->admin_group, "");
  EXPECT_EQ(c->socket_mode, 0666u);
  EXPECT_EQ(c->log_level, sys::LogLevel::kDebug);
  EXPECT_FALSE(c->watchdog);
  EXPECT_EQ(c->metrics_listen, "127.0.0.1:0");
}

TEST(ConfigTest, EveryKeyIsApplied) {
  absl::StatusOr<DaemonConfig> c = Parse(R"(
[daemon]
backend = kernel
log_level = warning
watchdog = off
passthru_queue_depth = 8
subscriber_queue_depth = 16
[sim]
adapters = 3
enclosures = 4
slots_per_enclosure = 32
drives = 100
drive_size_mb = 2048
sector_size = 4096
max_cmds = 128
max_srbs = 4
reply_queues = 2
default_vds = 0
dirty_start = yes
fault_injection = true
state_dir = /srv/sim
adopt_topology = true
[kernel]
device = /dev/hbamgr0
device = /dev/hbamgr2
[listen]
unix_socket = /run/x.sock   # trailing comment
socket_mode = 0600
admin_group = wheel
tcp = 0.0.0.0:7443
[tls]
cert = /etc/c.pem
key = /etc/k.pem
client_ca = /etc/ca.pem
[store]
database = /var/x.db
event_retention_days = 1
audit_retention_days = 2
health_retention_days = 0
retention_batch = 50
[metrics]
listen = [::1]:9464
)");
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->backend, Backend::kKernel);
  EXPECT_EQ(c->log_level, sys::LogLevel::kWarning);
  EXPECT_FALSE(c->watchdog);
  EXPECT_EQ(c->passthru_queue_depth, 8u);
  EXPECT_EQ(c->subscriber_queue_depth, 16u);
  EXPECT_EQ(c->sim.adapters, 3u);
  EXPECT_EQ(c->sim.enclosures, 4u);
  EXPECT_EQ(c->sim.slots_per_enclosure, 32u);
  EXPECT_EQ(c->sim.drives, 100u);
  EXPECT_EQ(c->sim.drive_size_mb, 2048u);
  EXPECT_EQ(c->sim.sector_size, 4096u);
  EXPECT_EQ(c->sim.max_cmds, 128u);
  EXPECT_EQ(c->sim.max_srbs, 4u);
  EXPECT_EQ(c->sim.reply_queues, 2u);
  EXPECT_EQ(c->sim.default_vds, 0u);
  EXPECT_TRUE(c->sim.dirty_start);
  EXPECT_TRUE(c->sim.fault_injection);
  EXPECT_EQ(c->sim.state_dir, "/srv/sim");
  EXPECT_EQ(SimStateDir(*c), "/srv/sim");
  EXPECT_TRUE(c->sim.adopt_topology);
  EXPECT_THAT(c->kernel_devices, testing::ElementsAre("/dev/hbamgr0", "/dev/hbamgr2"));
  EXPECT_EQ(c->unix_socket, "/run/x.sock");
  EXPECT_EQ(c->socket_mode, 0600u);
  EXPECT_EQ(c->admin_group, "wheel");
  EXPECT_EQ(c->tcp_listen, "0.0.0.0:7443");
  EXPECT_EQ(c->tls_cert, "/etc/c.pem");
  EXPECT_EQ(c->tls_key, "/etc/k.pem");
  EXPECT_EQ(c->tls_client_ca, "/etc/ca.pem");
  EXPECT_EQ(c->database, "/var/x.db");
  EXPECT_EQ(c->event_retention_days, 1u);
  EXPECT_EQ(c->audit_retention_days, 2u);
  EXPECT_EQ(c->health_retention_days, 0u);
  EXPECT_EQ(c->retention_batch, 50u);
  EXPECT_EQ(c->metrics_listen, "[::1]:9464");
}

TEST(ConfigTest, EmptyFileGivesDefaults) {
  absl::StatusOr<DaemonConfig> c = Parse("");
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->unix_socket, DaemonConfig{}.unix_socket);
}

TEST(ConfigTest, UnknownKeyNamesKeyAndLine) {
  EXPECT_EQ(ErrorOf("[sim]\nadapters = 1\n\n# comment\ndrive = 3\n"),
            "test.conf:5: unknown key 'sim.drive'");
}

TEST(ConfigTest, UnknownSectionIsAnUnknownKey) {
  EXPECT_EQ(ErrorOf("[simulator]\nadapters = 1\n"),
            "test.conf:2: unknown key 'simulator.adapters'");
}

TEST(ConfigTest, KeyOutsideSectionIsUnknown) {
  EXPECT_EQ(ErrorOf("backend = sim\n"), "test.conf:1: unknown key 'backend'");
}

TEST(ConfigTest, BadValuesNameKeyAndLine) {
  EXPECT_EQ(ErrorOf("[daemon]\nbackend = qemu\n"),
            "test.conf:2: daemon.backend: 'qemu' is not sim or kernel");
  EXPECT_THAT(ErrorOf("[daemon]\n\nlog_level = loud\n"),
              HasSubstr("test.conf:3: daemon.log_level: unknown log level 'loud'"));
  EXPECT_EQ(ErrorOf("[sim]\nadapters = -1\n"),
            "test.conf:2: sim.adapters: '-1' is not a non-negative 32-bit integer");
  EXPECT_EQ(ErrorOf("[sim]\ndirty_start = maybe\n"),
            "test.conf:2: sim.dirty_start: 'maybe' is not a boolean (true/false)");
  EXPECT_EQ(ErrorOf("[listen]\nsocket_mode = 0999\n"),
            "test.conf:2: listen.socket_mode: '0999' is not an octal permission mode (e.g. 0660)");
  EXPECT_EQ(ErrorOf("[listen]\nsocket_mode = 01777\n"),
            "test.conf:2: listen.socket_mode: '01777' is not an octal permission mode (e.g. 0660)");
}

// A line program_options cannot read is quoted back as written; boost's
// what() replaced "%invalid_line%" by itself forever (the loop fuzz_cli found
// in hbacli's options).
TEST(ConfigTest, BadLineIsQuotedNotExpanded) {
  EXPECT_EQ(ErrorOf("[daemon]\n%invalid_line%\n"),
            "test.conf: the options configuration file contains an invalid line "
            "'%invalid_line%'");
}

TEST(ConfigTest, RepeatedKeyIsAnErrorExceptDevice) {
  EXPECT_EQ(ErrorOf("[store]\ndatabase = /a\ndatabase = /b\n"),
            "test.conf:3: key 'store.database' given more than once");
}

TEST(ConfigTest, ValidationErrorsNameTheFile) {
  EXPECT_EQ(ErrorOf("[sim]\nadapters = 0\n"), "test.conf: sim.adapters: 0 is outside 1..16");
}

TEST(ConfigTest, HealthSectionsSetThePolicy) {
  absl::StatusOr<DaemonConfig> c = Parse(
      "[health]\npoll_interval = 5m\nsmart_interval = 2h\njitter = 20%\n"
      "alert_throttle = diminishing\nalert_reminder_interval = 12h\n"
      "consistency_check = 0 4 * * 3\npatrol_read = @weekly\nmedia_error_growth = 3\n"
      "[health.ssd]\ntemperature_warn = 65\ntemperature_crit = 75\nselftest_long = off\n");
  ASSERT_TRUE(c.ok()) << c.status();
  const health::Policy& p = c->health;
  EXPECT_EQ(p.poll_interval, absl::Minutes(5));
  EXPECT_EQ(p.smart_interval, absl::Hours(2));
  EXPECT_DOUBLE_EQ(p.jitter, 0.2);
  EXPECT_EQ(p.throttle, health::Throttle::kDiminishing);
  EXPECT_EQ(p.reminder_interval, absl::Hours(12));
  EXPECT_EQ(p.consistency_check.text(), "0 4 * * 3");
  EXPECT_TRUE(p.patrol_read.enabled());
  // A drive key in [health] sets both classes; a class section overrides.
  EXPECT_EQ(p.hdd.media_error_growth, 3u);
  EXPECT_EQ(p.ssd.media_error_growth, 3u);
  EXPECT_EQ(p.ssd.temperature_warn_c, 65u);
  EXPECT_EQ(p.ssd.temperature_crit_c, 75u);
  EXPECT_EQ(p.hdd.temperature_warn_c, 50u);
  EXPECT_FALSE(p.ssd.selftest_long.enabled());
  EXPECT_TRUE(p.hdd.selftest_long.enabled());
}

TEST(ConfigTest, PerVdSectionsGiveAVdItsOwnConsistencyCheck) {
  absl::StatusOr<DaemonConfig> c = Parse(
      "[health]\nconsistency_check = 0 1 * * 0\n"
      "[health.c0.v1]\nconsistency_check = 0 3 * * 3\n"
      "[health.c0.v2]\nconsistency_check = off\n"
      "[health.c1.v1]\nconsistency_check = @daily\n");
  ASSERT_TRUE(c.ok()) << c.status();
  const health::Policy& p = c->health;
  EXPECT_EQ(p.ConsistencyCheckFor(0, 1).text(), "0 3 * * 3");
  EXPECT_FALSE(p.ConsistencyCheckFor(0, 2).enabled());         // excluded
  EXPECT_EQ(p.ConsistencyCheckFor(0, 0).text(), "0 1 * * 0");  // no section: [health]'s
  EXPECT_EQ(p.ConsistencyCheckFor(1, 1).text(), "@daily");
  EXPECT_EQ(p.ConsistencyCheckFor(1, 2).text(), "0 1 * * 0");
  EXPECT_EQ(p.vd_consistency_check.size(), 3u);
}

TEST(ConfigTest, SmartdSelfTestSchedules) {
  absl::StatusOr<DaemonConfig> c = Parse(
      "[health]\nselftest_short = (S/../.././02|L/../../6/03)\n"
      "selftest_long = (S/../.././02|L/../../6/03)\n");
  ASSERT_TRUE(c.ok()) << c.status();
  const absl::TimeZone utc = absl::UTCTimeZone();
  // 2026-11-26 is a Thursday.
  const absl::Time thursday = absl::FromCivil(absl::CivilHour(2026, 11, 26, 5), utc);
  EXPECT_EQ(c->health.hdd.selftest_short.NextAfter(thursday, utc),
            absl::FromCivil(absl::CivilHour(2026, 11, 27, 2), utc));
  EXPECT_EQ(c->health.ssd.selftest_long.NextAfter(thursday, utc),
            absl::FromCivil(absl::CivilHour(2026, 11, 28, 3), utc));
}

TEST(ConfigTest, DefaultHealthPolicyNeedsNoConfig) {
  absl::StatusOr<DaemonConfig> c = Parse("");
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->health.hdd.temperature_warn_c, 50u);
  EXPECT_EQ(c->health.ssd.temperature_crit_c, 70u);
  EXPECT_TRUE(c->health.hdd.selftest_short.enabled());
  EXPECT_TRUE(c->health.consistency_check.enabled());
  EXPECT_EQ(c->health.throttle, health::Throttle::kDaily);
}

// Bad health config is refused naming the key (and the line where one).
TEST(ConfigTest, BadHealthConfigNamesTheKey) {
  EXPECT_EQ(ErrorOf("[health]\npoll_intervall = 5m\n"),
            "test.conf:2: unknown key 'health.poll_intervall'");
  EXPECT_EQ(ErrorOf("[health.nvme]\ntemperature_warn = 50\n"),
            "test.conf:2: unknown key 'health.nvme.temperature_warn'");
  EXPECT_EQ(ErrorOf("[health]\nconsistency_check = 0 25 * * *\n"),
            "test.conf:2: health.consistency_check: hour field '25' is outside 0..23");
  EXPECT_EQ(ErrorOf("[health.hdd]\n\nselftest_short = daily\n"),
            "test.conf:3: health.hdd.selftest_short: 'daily' has 1 fields; a cron schedule has 5 "
            "(min hour dom month dow)");
  EXPECT_EQ(ErrorOf("[health.hdd]\ntemperature_crit = 200\n"),
            "test.conf:2: health.hdd.temperature_crit: 200 is outside 20..120");
  EXPECT_EQ(ErrorOf("[health.ssd]\ntemperature_warn = 75\n"),
            "test.conf: health.ssd.temperature_warn: 75 must be below health.ssd.temperature_crit "
            "(70)");
  EXPECT_EQ(ErrorOf("[health]\nalert_throttle = hourly\n"),
            "test.conf:2: health.alert_throttle: 'hourly' is not once, daily or diminishing");
  EXPECT_EQ(ErrorOf("[health]\npoll_interval = 0s\n"),
            "test.conf:2: health.poll_interval: '0s' is shorter than the minimum 1s");
  EXPECT_EQ(ErrorOf("[health]\nalert_exec = hook.sh\n"),
            "test.conf:2: health.alert_exec: 'hook.sh' is not an absolute path");
  EXPECT_EQ(ErrorOf("[health]\nalert_exec = /etc/passwd\n"),
            "test.conf: health.alert_exec: '/etc/passwd' is not an executable file");
  EXPECT_EQ(ErrorOf("[health]\nalert_exec = /etc\n"),
            "test.conf: health.alert_exec: '/etc' is not an executable file");
  EXPECT_EQ(ErrorOf("[health]\njitter = 80%\n"),
            "test.conf:2: health.jitter: '80%' is not a percentage 0..50 (e.g. 10%)");
  EXPECT_EQ(ErrorOf("[health]\nenabled = yes\nenabled = no\n"),
            "test.conf:3: key 'health.enabled' given more than once");
  // Per-VD sections.
  EXPECT_EQ(ErrorOf("[health.c0.v1]\nconsistency_check = 0 25 * * *\n"),
            "test.conf:2: health.c0.v1.consistency_check: hour field '25' is outside 0..23");
  EXPECT_EQ(ErrorOf("[health.c0.v1]\ntemperature_warn = 50\n"),
            "test.conf:2: unknown key 'health.c0.v1.temperature_warn'");
  EXPECT_EQ(ErrorOf("[health.c0.v1]\npatrol_read = @daily\n"),
            "test.conf:2: health.c0.v1.patrol_read: a patrol read reads every drive of the "
            "adapter: set patrol_read in [health]");
  EXPECT_EQ(ErrorOf("[health.c0.v65535]\nconsistency_check = @daily\n"),
            "test.conf:2: health.c0.v65535.consistency_check: VD id 65535 is outside 0..65534");
  EXPECT_EQ(ErrorOf("[health.c0.vx]\nconsistency_check = @daily\n"),
            "test.conf:2: unknown key 'health.c0.vx.consistency_check'");
  EXPECT_EQ(ErrorOf("[health.c+1.v1]\nconsistency_check = @daily\n"),
            "test.conf:2: unknown key 'health.c+1.v1.consistency_check'");
  EXPECT_EQ(ErrorOf("[health.c0.v01]\nconsistency_check = @daily\n"),
            "test.conf:2: unknown key 'health.c0.v01.consistency_check'");
  EXPECT_EQ(ErrorOf("[health.c0.v1]\nconsistency_check = @daily\nconsistency_check = off\n"),
            "test.conf:3: key 'health.c0.v1.consistency_check' given more than once");
  // smartd -s expressions: self-tests only, and they must be able to fire.
  EXPECT_EQ(ErrorOf("[health.c0.v1]\nconsistency_check = S/../.././02\n"),
            "test.conf:2: health.c0.v1.consistency_check: 'S/../.././02' is a smartd -s "
            "expression; those schedule self-tests only (selftest_short, selftest_long): use "
            "cron fields here");
  EXPECT_THAT(ErrorOf("[health.ssd]\nselftest_long = S/../.././02\n"),
              HasSubstr("test.conf:2: health.ssd.selftest_long: 'S/../.././02' matches no hour "
                        "of a long self-test"));
}

TEST(ConfigTest, MissingFileIsNotFound) {
  absl::StatusOr<DaemonConfig> c = LoadConfig("/nonexistent/hbamgrd.conf");
  EXPECT_EQ(c.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(std::string(c.status().message()), HasSubstr("/nonexistent/hbamgrd.conf"));
}

TEST(ValidateTest, DefaultsAreValid) { EXPECT_TRUE(Validate(DaemonConfig{}).ok()); }

TEST(ValidateTest, TcpRequiresMutualTls) {
  ExpectInvalid([](DaemonConfig& c) { c.tcp_listen = "0.0.0.0:7443"; },
                "listen.tcp: requires tls.cert, tls.key and tls.client_ca: TCP is served with "
                "mutual TLS only");
  ExpectInvalid(
      [](DaemonConfig& c) {
        c.tcp_listen = "0.0.0.0:7443";
        c.tls_cert = "/c";
        c.tls_key = "/k";
      },
      "TCP is served with mutual TLS only");
  DaemonConfig ok;
  ok.tcp_listen = "0.0.0.0:7443";
  ok.tls_cert = "/c";
  ok.tls_key = "/k";
  ok.tls_client_ca = "/ca";
  EXPECT_TRUE(Validate(ok).ok());
}

TEST(ValidateTest, TcpAddressNeedsAPort) {
  ExpectInvalid(
      [](DaemonConfig& c) {
        c.tcp_listen = "localhost";
        c.tls_cert = c.tls_key = c.tls_client_ca = "/x";
      },
      "listen.tcp: 'localhost' is not host:port");
  ExpectInvalid(
      [](DaemonConfig& c) {
        c.tcp_listen = "host:99999";
        c.tls_cert = c.tls_key = c.tls_client_ca = "/x";
      },
      "listen.tcp: 'host:99999' is not host:port");
}

TEST(ValidateTest, Ranges) {
  ExpectInvalid([](DaemonConfig& c) { c.sim.adapters = 17; }, "sim.adapters: 17 is outside 1..16");
  ExpectInvalid([](DaemonConfig& c) { c.sim.enclosures = 5; }, "sim.enclosures: 5 is outside 0..4");
  ExpectInvalid([](DaemonConfig& c) { c.sim.slots_per_enclosure = 33; },
                "sim.slots_per_enclosure: 33 is outside 0..32");
  ExpectInvalid([](DaemonConfig& c) { c.sim.reply_queues = 9; },
                "sim.reply_queues: 9 is outside 0..8");
  ExpectInvalid([](DaemonConfig& c) { c.sim.default_vds = 2; },
                "sim.default_vds: 2 is outside 0..1");
  ExpectInvalid([](DaemonConfig& c) { c.passthru_queue_depth = 0; },
                "daemon.passthru_queue_depth: 0 is outside 1..65536");
  ExpectInvalid([](DaemonConfig& c) { c.subscriber_queue_depth = 0; },
                "daemon.subscriber_queue_depth: 0 is outside");
  ExpectInvalid([](DaemonConfig& c) { c.retention_batch = 0; },
                "store.retention_batch: 0 is outside 1..1000000");
}

TEST(ValidateTest, SectorSize) {
  ExpectInvalid([](DaemonConfig& c) { c.sim.sector_size = 520; },
                "sim.sector_size: must be 0 (a mix), 512 or 4096");
}

TEST(ValidateTest, DrivesMustFitTheSlots) {
  ExpectInvalid(
      [](DaemonConfig& c) {
        c.sim.enclosures = 1;
        c.sim.slots_per_enclosure = 4;
        c.sim.drives = 5;
      },
      "sim.drives: 5 drives do not fit in 1 enclosures of 4 slots");
}

TEST(ValidateTest, KernelDevicesNeedTheKernelBackend) {
  ExpectInvalid([](DaemonConfig& c) { c.kernel_devices = {"/dev/hbamgr0"}; },
                "kernel.device: is only used with daemon.backend = kernel");
  ExpectInvalid(
      [](DaemonConfig& c) {
        c.backend = Backend::kKernel;
        c.kernel_devices = {"hbamgr0"};
      },
      "kernel.device: 'hbamgr0' is not an absolute path");
}

TEST(ValidateTest, UnixSocketPath) {
  ExpectInvalid([](DaemonConfig& c) { c.unix_socket = ""; },
                "listen.unix_socket: must be an absolute path");
  ExpectInvalid([](DaemonConfig& c) { c.unix_socket = "run/x.sock"; },
                "listen.unix_socket: must be an absolute path");
  ExpectInvalid([](DaemonConfig& c) { c.unix_socket = "/" + std::string(200, 'x'); },
                "listen.unix_socket: path is longer than 107 bytes");
}

TEST(ValidateTest, SocketMode) {
  ExpectInvalid([](DaemonConfig& c) { c.socket_mode = 01777; },
                "listen.socket_mode: must be at most 0777");
}

TEST(ValidateTest, Database) {
  ExpectInvalid([](DaemonConfig& c) { c.database = ""; }, "store.database: must not be empty");
}

TEST(ValidateTest, MetricsAddress) {
  ExpectInvalid([](DaemonConfig& c) { c.metrics_listen = "9464"; },
                "metrics.listen: '9464' is not host:port");
  DaemonConfig ok;
  ok.metrics_listen = "127.0.0.1:0";
  EXPECT_TRUE(Validate(ok).ok());
}

TEST(BackendTest, Names) {
  EXPECT_EQ(BackendName(Backend::kSim), "sim");
  EXPECT_EQ(BackendName(Backend::kKernel), "kernel");
}

}  // namespace
}  // namespace hbamgr::config
