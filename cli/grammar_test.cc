#include "cli/grammar.h"

#include <linux/hbamgr.h>

#include <string>
#include <vector>

#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace hbamgr::cli {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

absl::StatusOr<Command> Parse(const std::string& line) {
  std::vector<std::string> words = absl::StrSplit(line, ' ', absl::SkipEmpty());
  return ParseCommand(words);
}

std::string Error(const std::string& line) {
  absl::StatusOr<Command> cmd = Parse(line);
  EXPECT_FALSE(cmd.ok()) << line;
  if (cmd.ok()) return "";
  EXPECT_EQ(cmd.status().code(), absl::StatusCode::kInvalidArgument) << line;
  return std::string(cmd.status().message());
}

TEST(GrammarTest, ShowSystem) {
  absl::StatusOr<Command> cmd = Parse("show");
  ASSERT_TRUE(cmd.ok()) << cmd.status();
  EXPECT_EQ(cmd->kind, CommandKind::kShowSystem);
  EXPECT_FALSE(cmd->json);
  EXPECT_EQ(cmd->text, "show");
}

TEST(GrammarTest, TrailingJAsksForJson) {
  absl::StatusOr<Command> cmd = Parse("/c0 show all J");
  ASSERT_TRUE(cmd.ok()) << cmd.status();
  EXPECT_EQ(cmd->kind, CommandKind::kShowController);
  EXPECT_EQ(cmd->detail, Detail::kAll);
  EXPECT_TRUE(cmd->json);
  EXPECT_EQ(cmd->text, "/c0 show all");
}

TEST(GrammarTest, ControllerIndex) {
  absl::StatusOr<Command> cmd = Parse("/c12 show");
  ASSERT_TRUE(cmd.ok()) << cmd.status();
  EXPECT_EQ(cmd->controller, 12u);
  EXPECT_EQ(cmd->detail, Detail::kSummary);
}

TEST(GrammarTest, DriveObjects) {
  absl::StatusOr<Command> all = Parse("/c0/eall/sall show");
  ASSERT_TRUE(all.ok()) << all.status();
  EXPECT_EQ(all->kind, CommandKind::kShowDrives);
  EXPECT_FALSE(all->enclosure.has_value());

  absl::StatusOr<Command> encl = Parse("/c0/e1/sall show all");
  ASSERT_TRUE(encl.ok()) << encl.status();
  EXPECT_EQ(encl->kind, CommandKind::kShowDrives);
  EXPECT_EQ(encl->enclosure, 1u);
  EXPECT_EQ(encl->detail, Detail::kAll);

  absl::StatusOr<Command> one = Parse("/c0/e2/s7 show smart");
  ASSERT_TRUE(one.ok()) << one.status();
  EXPECT_EQ(one->kind, CommandKind::kShowDrive);
  EXPECT_EQ(one->enclosure, 2u);
  EXPECT_EQ(one->slot, 7u);
  EXPECT_EQ(one->detail, Detail::kSmart);

  absl::StatusOr<Command> counters = Parse("/c0/e0/s1 show errorcounters");
  ASSERT_TRUE(counters.ok()) << counters.status();
  EXPECT_EQ(counters->detail, Detail::kErrorCounters);
}

TEST(GrammarTest, VirtualDriveObjects) {
  absl::StatusOr<Command> all = Parse("/c0/vall show all");
  ASSERT_TRUE(all.ok()) << all.status();
  EXPECT_EQ(all->kind, CommandKind::kShowVds);
  EXPECT_EQ(all->detail, Detail::kAll);

  absl::StatusOr<Command> one = Parse("/c1/v3 show");
  ASSERT_TRUE(one.ok()) << one.status();
  EXPECT_EQ(one->kind, CommandKind::kShowVd);
  EXPECT_EQ(one->controller, 1u);
  EXPECT_EQ(one->vd, 3u);
}

TEST(GrammarTest, ShowEventsWithFilter) {
  absl::StatusOr<Command> cmd =
      Parse("/c0 show events latest=20 filter=severity>=warning,class=pd,code=0x0203");
  ASSERT_TRUE(cmd.ok()) << cmd.status();
  EXPECT_EQ(cmd->kind, CommandKind::kShowEvents);
  EXPECT_EQ(cmd->latest, 20u);
  EXPECT_EQ(cmd->filter.min_severity, SeverityLevel::kWarning);
  EXPECT_EQ(cmd->filter.event_class, EventClassName::kDrive);
  EXPECT_EQ(cmd->filter.code, 0x0203u);
}

TEST(GrammarTest, WatchEventsFrom) {
  absl::StatusOr<Command> cmd = Parse("/c0 watch events from=17");
  ASSERT_TRUE(cmd.ok()) << cmd.status();
  EXPECT_EQ(cmd->kind, CommandKind::kWatchEvents);
  EXPECT_EQ(cmd->from_seq, 17u);
  EXPECT_THAT(Error("/c0 watch events latest=3"), HasSubstr("expected filter=, from="));
}

TEST(GrammarTest, ShowBackgroundOps) {
  absl::StatusOr<Command> cmd = Parse("/c0 show cc");
  ASSERT_TRUE(cmd.ok()) << cmd.status();
  EXPECT_EQ(cmd->kind, CommandKind::kShowBgops);
  EXPECT_EQ(cmd->bgop, BgopKind::kConsistencyCheck);
}

TEST(GrammarTest, LocateOnAndOff) {
  absl::StatusOr<Command> on = Parse("/c0/e0/s3 start locate");
  ASSERT_TRUE(on.ok()) << on.status();
  EXPECT_EQ(on->kind, CommandKind::kLocate);
  EXPECT_TRUE(on->locate_on);
  absl::StatusOr<Command> off = Parse("/c0/e0/s3 stop locate");
  ASSERT_TRUE(off.ok()) << off.status();
  EXPECT_FALSE(off->locate_on);
  EXPECT_THAT(Error("/c0/v0 start locate"), HasSubstr("locate needs a drive"));
}

TEST(GrammarTest, AddVd) {
  absl::StatusOr<Command> cmd = Parse("/c0 add vd r5 drives=0:1-3,1:0 name=data strip=128 init");
  ASSERT_TRUE(cmd.ok()) << cmd.status();
  EXPECT_EQ(cmd->kind, CommandKind::kAddVd);
  EXPECT_EQ(cmd->raid_level, 5u);
  EXPECT_THAT(cmd->drives, ElementsAre(SlotAddress{0, 1}, SlotAddress{0, 2}, SlotAddress{0, 3},
                                       SlotAddress{1, 0}));
  EXPECT_EQ(cmd->name, "data");
  EXPECT_EQ(cmd->strip_kb, 128u);
  EXPECT_TRUE(cmd->initialize);
}

TEST(GrammarTest, AddVdErrors) {
  EXPECT_THAT(Error("/c0 add vd r1"), HasSubstr("needs drives="));
  EXPECT_THAT(Error("/c0 add vd r7 drives=0:1-2"), HasSubstr("bad RAID level 'r7'"));
  EXPECT_THAT(Error("/c0 add vd drives=0:1-2"), HasSubstr("needs a RAID level"));
  EXPECT_THAT(Error("/c0 add vd r1 drives=0:3-1"), HasSubstr("range runs backwards"));
  EXPECT_THAT(Error("/c0 add vd r1 drives=0:1,0:1"), HasSubstr("listed twice"));
  EXPECT_THAT(Error("/c0 add vd r1 drives=1-2"), HasSubstr("missing ':'"));
  EXPECT_THAT(Error("/c0 add vd r1 drives=0:x"), HasSubstr("bad slot number"));
  EXPECT_THAT(Error("/c0 add vd r1 drives=0:1-2 name=0123456789abcdef"), HasSubstr("at most 15"));
  EXPECT_THAT(Error("/c0 add vd r1 drives=0:1-2 strip=big"), HasSubstr("bad number 'big'"));
  EXPECT_THAT(Error("/c0/v0 add vd r1 drives=0:1-2"), HasSubstr("applies to a controller"));
}

// The CLI quotes the firmware's limits (<linux/hbamgr.h>) for friendlier
// messages: the boundaries are the header's, not literals of its own.
TEST(GrammarTest, AddVdLimitsAreTheSharedOnes) {
  EXPECT_TRUE(
      Parse("/c0 add vd r1 drives=0:1-2 strip=" + std::to_string(HBAMGR_STRIP_KB_MIN)).ok());
  EXPECT_TRUE(
      Parse("/c0 add vd r1 drives=0:1-2 strip=" + std::to_string(HBAMGR_STRIP_KB_MAX)).ok());
  EXPECT_THAT(Error("/c0 add vd r1 drives=0:1-2 strip=7"),
              HasSubstr("strip=7: the strip size in KiB is a power of two from 8 to 1024"));
  EXPECT_THAT(Error("/c0 add vd r1 drives=0:1-2 strip=96"), HasSubstr("power of two"));
  EXPECT_THAT(Error("/c0 add vd r1 drives=0:1-2 strip=" + std::to_string(HBAMGR_STRIP_KB_MAX * 2)),
              HasSubstr("power of two"));
  std::string longest(HBAMGR_VD_NAME_LEN - 1, 'n');
  EXPECT_TRUE(Parse("/c0 add vd r1 drives=0:1-2 name=" + longest).ok());
  EXPECT_THAT(Error("/c0 add vd r1 drives=0:1-2 name=" + longest + "n"),
              HasSubstr("name= is at most 15 characters, got 16"));
  absl::StatusOr<Command> bell = ParseCommand(
      {"/c0", "add", "vd", "r1", "drives=0:1-2", std::string("name=ab") + '\x07' + "c"});
  EXPECT_EQ(bell.status().message(),
            "name= character 3 is 0x07: names are printable ASCII, no control characters");
}

TEST(GrammarTest, DeleteVd) {
  absl::StatusOr<Command> cmd = Parse("/c0/v1 del force");
  ASSERT_TRUE(cmd.ok()) << cmd.status();
  EXPECT_EQ(cmd->kind, CommandKind::kDeleteVd);
  EXPECT_EQ(cmd->vd, 1u);
  EXPECT_TRUE(cmd->force);
  EXPECT_THAT(Error("/c0 del"), HasSubstr("needs a virtual drive"));
}

TEST(GrammarTest, BackgroundOps) {
  absl::StatusOr<Command> rebuild = Parse("/c0/e0/s2 start rebuild wait");
  ASSERT_TRUE(rebuild.ok()) << rebuild.status();
  EXPECT_EQ(rebuild->kind, CommandKind::kStartBgop);
  EXPECT_EQ(rebuild->bgop, BgopKind::kRebuild);
  EXPECT_TRUE(rebuild->wait);

  absl::StatusOr<Command> init = Parse("/c0/v0 stop init");
  ASSERT_TRUE(init.ok()) << init.status();
  EXPECT_EQ(init->kind, CommandKind::kStopBgop);
  EXPECT_EQ(init->bgop, BgopKind::kInit);

  EXPECT_THAT(Error("/c0/v0 start rebuild"), HasSubstr("rebuild needs a drive"));
  EXPECT_THAT(Error("/c0/e0/s1 start cc"), HasSubstr("cc needs a virtual drive"));
  EXPECT_THAT(Error("/c0/v0 stop cc wait"), HasSubstr("unexpected 'wait'"));
  EXPECT_THAT(Error("/c0/e0/s1 start"), HasSubstr("needs an operation"));
  EXPECT_THAT(Error("/c0/e0/s1 start dance"), HasSubstr("unknown operation 'dance'"));
}

TEST(GrammarTest, SetDriveState) {
  absl::StatusOr<Command> cmd = Parse("/c0/e0/s4 set offline");
  ASSERT_TRUE(cmd.ok()) << cmd.status();
  EXPECT_EQ(cmd->kind, CommandKind::kSetDriveState);
  EXPECT_EQ(cmd->drive_state, DriveStateChange::kOffline);
  EXPECT_THAT(Error("/c0/e0/s4 set broken"), HasSubstr("online, offline, good or hotspare"));
}

TEST(GrammarTest, SetControllerProperties) {
  absl::StatusOr<Command> cmd = Parse("/c0 set rebuildrate=30 patrol=off");
  ASSERT_TRUE(cmd.ok()) << cmd.status();
  EXPECT_EQ(cmd->kind, CommandKind::kSetController);
  EXPECT_EQ(cmd->rebuild_rate, 30u);
  EXPECT_EQ(cmd->patrol, false);
  absl::StatusOr<Command> patrol = Parse("/c0 set patrol=on");
  ASSERT_TRUE(patrol.ok()) << patrol.status();
  EXPECT_FALSE(patrol->rebuild_rate.has_value());
  EXPECT_EQ(patrol->patrol, true);
  EXPECT_THAT(Error("/c0 set"), HasSubstr("needs rebuildrate="));
  EXPECT_THAT(Error("/c0 set rebuildrate=0"), HasSubstr("1 to 100"));
  EXPECT_THAT(Error("/c0 set patrol=maybe"), HasSubstr("on or off"));
}

TEST(GrammarTest, Restart) {
  absl::StatusOr<Command> cmd = Parse("/c0 restart");
  ASSERT_TRUE(cmd.ok()) << cmd.status();
  EXPECT_EQ(cmd->kind, CommandKind::kRestart);
  EXPECT_TRUE(cmd->wait);
  absl::StatusOr<Command> nowait = Parse("/c0 restart nowait");
  ASSERT_TRUE(nowait.ok()) << nowait.status();
  EXPECT_FALSE(nowait->wait);
}

TEST(GrammarTest, Passthru) {
  absl::StatusOr<Command> cmd =
      Parse("/c0 passthru cdb=2a00000000000000010 target=1 phys dataout=00ff timeout=500");
  EXPECT_FALSE(cmd.ok());  // 19 hex digits
  cmd = Parse("/c0 passthru cdb=2a000000000000000100 target=1 phys dataout=00ff timeout=500");
  ASSERT_TRUE(cmd.ok()) << cmd.status();
  EXPECT_EQ(cmd->kind, CommandKind::kPassthru);
  EXPECT_EQ(cmd->passthru.cdb.size(), 10u);
  EXPECT_EQ(cmd->passthru.cdb[0], 0x2a);
  EXPECT_EQ(cmd->passthru.target, 1u);
  EXPECT_TRUE(cmd->passthru.physical);
  EXPECT_THAT(cmd->passthru.data_out, ElementsAre(0x00, 0xff));
  EXPECT_EQ(cmd->passthru.timeout_ms, 500u);

  absl::StatusOr<Command> read = Parse("/c0 passthru cdb=120000006000 datain=96");
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_EQ(read->passthru.data_in_length, 96u);
  EXPECT_FALSE(read->passthru.physical);
}

TEST(GrammarTest, PassthruErrors) {
  EXPECT_THAT(Error("/c0 passthru"), HasSubstr("needs cdb="));
  EXPECT_THAT(Error("/c0 passthru cdb=12000000600"), HasSubstr("odd number of digits"));
  EXPECT_THAT(Error("/c0 passthru cdb=1200"), HasSubstr("6 to 32 bytes"));
  EXPECT_TRUE(Parse("/c0 passthru cdb=" + std::string(2 * HBAMGR_CDB_MAX, '0')).ok());
  EXPECT_THAT(Error("/c0 passthru cdb=" + std::string(2 * (HBAMGR_CDB_MAX + 1), '0')),
              HasSubstr("6 to 32 bytes, got 33"));
  EXPECT_THAT(Error("/c0 passthru cdb=12zz00006000"), HasSubstr("bad hex"));
  EXPECT_THAT(Error("/c0 passthru cdb=120000006000 datain=4 dataout=00"), HasSubstr("not both"));
  EXPECT_THAT(Error("/c0 passthru cdb=120000006000 datain="), HasSubstr("needs a value"));
  EXPECT_THAT(Error("/c0 passthru cdb=120000006000 target=1 target=2"), HasSubstr("given twice"));
}

TEST(GrammarTest, InjectFaults) {
  absl::StatusOr<Command> fail = Parse("/c0/e0/s2 inject fail");
  ASSERT_TRUE(fail.ok()) << fail.status();
  EXPECT_EQ(fail->kind, CommandKind::kInjectFault);
  EXPECT_EQ(fail->inject.fault, FaultKind::kDriveFail);

  absl::StatusOr<Command> media = Parse("/c0/e0/s2 inject mediaerror lba=0x100");
  ASSERT_TRUE(media.ok()) << media.status();
  EXPECT_EQ(media->inject.lba, 0x100u);

  absl::StatusOr<Command> late = Parse("/c0 inject latecompletion count=3 delay=200");
  ASSERT_TRUE(late.ok()) << late.status();
  EXPECT_EQ(late->inject.fault, FaultKind::kLateCompletion);
  EXPECT_EQ(late->inject.count, 3u);
  EXPECT_EQ(late->inject.delay_ms, 200u);

  absl::StatusOr<Command> link = Parse("/c0/e1 inject linkdown");
  ASSERT_TRUE(link.ok()) << link.status();
  EXPECT_EQ(link->inject.fault, FaultKind::kLinkDown);
  EXPECT_EQ(link->enclosure, 1u);

  absl::StatusOr<Command> storm = Parse("/c0 inject storm count=5000 rate=1000");
  ASSERT_TRUE(storm.ok()) << storm.status();
  EXPECT_EQ(storm->inject.fault, FaultKind::kSrbStorm);
  EXPECT_EQ(storm->inject.count, 5000u);
  EXPECT_EQ(storm->inject.value, 1000u);
  EXPECT_THAT(Error("/c0 inject resetstorm rate=10"), HasSubstr("unexpected 'rate=10'"));

  absl::StatusOr<Command> fw = Parse("/c0 inject fwfault code=0x42");
  ASSERT_TRUE(fw.ok()) << fw.status();
  EXPECT_EQ(fw->inject.value, 0x42u);

  EXPECT_THAT(Error("/c0 inject fail"), HasSubstr("applies to /cN/eE/sS"));
  EXPECT_THAT(Error("/c0/e0/s2 inject mediaerror"), HasSubstr("needs lba=N"));
  EXPECT_THAT(Error("/c0/e0/s2 inject temperature"), HasSubstr("needs value="));
  EXPECT_THAT(Error("/c0 inject meteor"), HasSubstr("unknown fault 'meteor'"));
  EXPECT_THAT(Error("/c0 inject clear count=2"), HasSubstr("unexpected 'count=2'"));
}

TEST(GrammarTest, UnknownObjectsAndVerbs) {
  EXPECT_THAT(Error(""), HasSubstr("missing command"));
  EXPECT_THAT(Error("J"), HasSubstr("missing command"));
  EXPECT_THAT(Error("/x0 show"), HasSubstr("unknown object '/x0'"));
  EXPECT_THAT(Error("/c0/x1 show"), HasSubstr("expected /cN"));
  EXPECT_THAT(Error("/c0/eall show"), HasSubstr("unknown object"));
  EXPECT_THAT(Error("/c0/e0/s1/t2 show"), HasSubstr("unknown object"));
  EXPECT_THAT(Error("/c0/eall/s1 show"), HasSubstr("unknown object"));
  EXPECT_THAT(Error("/c-1 show"), HasSubstr("unknown object"));
  EXPECT_THAT(Error("/c99999999999 show"), HasSubstr("unknown object"));
  EXPECT_THAT(Error("/c0"), HasSubstr("missing verb"));
  EXPECT_THAT(Error("/c0 frobnicate"), HasSubstr("unknown verb 'frobnicate'"));
  EXPECT_THAT(Error("/c0 show everything"),
              HasSubstr("expected all, events, health, alerts, rebuild, init or cc"));
  EXPECT_THAT(Error("/c0/vall show everything"), HasSubstr("unexpected 'everything'"));
  EXPECT_THAT(Error("show all"), HasSubstr("name an object"));
  EXPECT_THAT(Error("list"), HasSubstr("unknown command 'list'"));
  EXPECT_THAT(Error("/c0/e0/s1 show all smart"), HasSubstr("choose one"));
  EXPECT_THAT(Error("/c0/e0 show"), HasSubstr("nothing to show for an enclosure"));
}

TEST(GrammarTest, HealthAndAlerts) {
  absl::StatusOr<Command> all = Parse("show health");
  ASSERT_TRUE(all.ok()) << all.status();
  EXPECT_EQ(all->kind, CommandKind::kShowHealth);
  EXPECT_TRUE(all->every_controller);

  absl::StatusOr<Command> ctl = Parse("/c1 show health J");
  ASSERT_TRUE(ctl.ok()) << ctl.status();
  EXPECT_EQ(ctl->kind, CommandKind::kShowHealth);
  EXPECT_FALSE(ctl->every_controller);
  EXPECT_EQ(ctl->controller, 1u);
  EXPECT_EQ(ctl->object, "");
  EXPECT_TRUE(ctl->json);
  EXPECT_EQ(Parse("/c0/e1/s3 show health")->object, "/c0/e1/s3");
  EXPECT_EQ(Parse("/c0/v2 show health")->object, "/c0/v2");
  EXPECT_EQ(Parse("/c0/e1 show health")->object, "/c0/e1");

  EXPECT_EQ(Parse("/c0 show alerts")->kind, CommandKind::kShowAlerts);
  EXPECT_FALSE(Parse("/c0 show alerts")->all);
  EXPECT_TRUE(Parse("/c0 show alerts all")->all);

  absl::StatusOr<Command> ack = Parse("/c0 ack alert=12");
  ASSERT_TRUE(ack.ok()) << ack.status();
  EXPECT_EQ(ack->kind, CommandKind::kAckAlert);
  EXPECT_EQ(ack->alert_id, 12u);
  EXPECT_EQ(Parse("/c0 alert test")->kind, CommandKind::kTestAlert);

  EXPECT_THAT(Error("/c0/eall/sall show health"), HasSubstr("names one object"));
  EXPECT_THAT(Error("/c0/e0/s1 show alerts"), HasSubstr("applies to a controller"));
  EXPECT_THAT(Error("/c0 show alerts open"), HasSubstr("unexpected 'open'"));
  EXPECT_THAT(Error("/c0 ack"), HasSubstr("needs alert=N"));
  EXPECT_THAT(Error("/c0 ack alert=0"), HasSubstr("needs alert=N"));
  EXPECT_THAT(Error("/c0 ack alert=x"), HasSubstr("bad number 'x' for alert="));
  EXPECT_THAT(Error("/c0/v0 ack alert=1"), HasSubstr("applies to a controller"));
  EXPECT_THAT(Error("/c0 alert send"), HasSubstr("expected '/cN alert test'"));
  EXPECT_THAT(Error("show health now"), HasSubstr("after 'show'"));
}

TEST(GrammarTest, EventFilter) {
  absl::StatusOr<EventFilterSpec> eq = ParseEventFilter("severity=CRITICAL");
  ASSERT_TRUE(eq.ok()) << eq.status();
  EXPECT_EQ(eq->min_severity, SeverityLevel::kCritical);
  EXPECT_FALSE(eq->event_class.has_value());
  EXPECT_FALSE(ParseEventFilter("class>=pd").ok());
  EXPECT_FALSE(ParseEventFilter("severity>=loud").ok());
  EXPECT_FALSE(ParseEventFilter("colour=red").ok());
  EXPECT_FALSE(ParseEventFilter("code=zz").ok());
  EXPECT_FALSE(ParseEventFilter("").ok());
}

TEST(GrammarTest, HexAllowsSeparators) {
  absl::StatusOr<std::vector<uint8_t>> bytes = ParseHex("12 00:ab");
  ASSERT_TRUE(bytes.ok()) << bytes.status();
  EXPECT_THAT(*bytes, ElementsAre(0x12, 0x00, 0xab));
  EXPECT_FALSE(ParseHex("").ok());
}

}  // namespace
}  // namespace hbamgr::cli
