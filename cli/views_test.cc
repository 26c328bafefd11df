#include "cli/views.h"

#include "cli/render_table.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace hbamgr::cli {
namespace {

using ::testing::HasSubstr;

v1::Drive SampleDrive() {
  v1::Drive d;
  d.set_adapter("c0");
  d.set_pd_id(3);
  d.set_enclosure(0);
  d.set_slot(2);
  d.set_state(v1::DRIVE_STATE_ONLINE);
  d.set_interface(v1::DRIVE_INTERFACE_SAS);
  d.set_media(v1::MEDIA_TYPE_HDD);
  d.set_logical_block_size(512);
  d.set_num_blocks(524288);
  d.set_size_bytes(268435456);
  d.set_model("SIMDISK");
  d.set_temperature_c(31);
  return d;
}

TEST(ViewsTest, DriveJsonHasNullForAbsentVd) {
  v1::Drive d = SampleDrive();
  std::string json = DriveJson(d).Serialize();
  EXPECT_THAT(json, HasSubstr(R"("pd_id":3,"enclosure":0,"slot":2,"vd_id":null,)"));
  EXPECT_THAT(json, HasSubstr(R"("state":"online","interface":"sas","media":"hdd")"));
  d.set_vd_id(0);
  EXPECT_THAT(DriveJson(d).Serialize(), HasSubstr(R"("vd_id":0,)"));
}

TEST(ViewsTest, DriveTableRow) {
  v1::Drive d = SampleDrive();
  d.set_vd_id(1);
  Table t = DriveTable({d});
  ASSERT_EQ(t.rows.size(), 1u);
  EXPECT_EQ(t.rows[0], (std::vector<std::string>{"0:2", "3", "Onln", "1", "256.0 MiB", "SAS", "HDD",
                                                 "512B", "SIMDISK", "31C", "-"}));
  EXPECT_EQ(t.columns.size(), t.rows[0].size());
}

TEST(ViewsTest, ControllerWithoutDetailsHasNulls) {
  v1::Controller c;
  c.set_adapter("c0");
  c.set_state(v1::ADAPTER_STATE_RESETTING);
  std::string json = ControllerJson(c).Serialize();
  EXPECT_THAT(json, HasSubstr(R"("state":"resetting")"));
  EXPECT_THAT(json, HasSubstr(R"("temperature_c":null)"));
  EXPECT_THAT(json, HasSubstr(R"("num_drives":null)"));
  Table t = ControllerTable({c});
  EXPECT_EQ(t.rows[0][4], "RESETTING");
  EXPECT_EQ(t.rows[0][7], "-");
  c.set_has_details(true);
  c.set_num_drives(8);
  EXPECT_THAT(ControllerJson(c).Serialize(), HasSubstr(R"("num_drives":8)"));
}

TEST(ViewsTest, VirtualDriveMembersResolveSlots) {
  v1::VirtualDrive vd;
  vd.set_vd_id(0);
  vd.set_raid_level(1);
  vd.add_pd_ids(3);
  vd.add_pd_ids(9);
  Table t = VirtualDriveMemberTable(vd, {SampleDrive()});
  ASSERT_EQ(t.rows.size(), 2u);
  EXPECT_EQ(t.rows[0][1], "0:2");
  EXPECT_EQ(t.rows[1][1], "-");  // not in the drive list
  EXPECT_THAT(VirtualDriveJson(vd).Serialize(), HasSubstr(R"("pd_ids":[3,9])"));
}

TEST(ViewsTest, BackgroundOpShowsBarAndDriveSlot) {
  v1::BackgroundOp op;
  op.set_type(v1::BACKGROUND_OP_TYPE_REBUILD);
  op.set_state(v1::BACKGROUND_OP_STATE_RUNNING);
  op.set_target(3);
  op.set_progress_permille(500);
  Table t = BackgroundOpTable({op}, {SampleDrive()});
  ASSERT_EQ(t.rows.size(), 1u);
  EXPECT_EQ(t.rows[0][0], "REBUILD");
  EXPECT_EQ(t.rows[0][1], "PD 3 (0:2)");
  EXPECT_THAT(t.rows[0][3], HasSubstr("50.0%"));
  EXPECT_THAT(BackgroundOpJson(op).Serialize(),
              HasSubstr(R"("target":3,"progress_permille":500,"progress_percent":50)"));
}

TEST(ViewsTest, PassthroughDecodesSense) {
  v1::PassthroughResponse r;
  r.set_status(v1::COMMAND_STATUS_SCSI_ERROR);
  r.set_scsi_status(2);
  std::string sense(18, '\0');
  sense[0] = 0x70;
  sense[2] = 0x05;
  sense[12] = 0x24;
  r.set_sense(sense);
  r.set_data(std::string("\x00\x01", 2));
  std::vector<Section> sections = PassthroughSections(r);
  ASSERT_EQ(sections.size(), 3u);  // properties, data, sense
  Report report;
  report.sections = sections;
  std::string text = RenderText(report);
  EXPECT_THAT(text, HasSubstr("SCSI Status    = CHECK CONDITION"));
  EXPECT_THAT(text, HasSubstr("0x5 ILLEGAL REQUEST"));
  EXPECT_THAT(text, HasSubstr("0x24/0x00 Invalid field in CDB"));
  EXPECT_THAT(text, HasSubstr("00000000  00 01"));
  std::string json = PassthroughJson(r).Serialize();
  EXPECT_THAT(json, HasSubstr(R"("command_status":"scsi_error")"));
  EXPECT_THAT(json, HasSubstr(R"("data_hex":"0001")"));
  EXPECT_THAT(json, HasSubstr(R"("sense_key_name":"ILLEGAL REQUEST")"));
}

TEST(ViewsTest, EventJsonKeepsAbsentAddressesAsNull) {
  v1::Event ev;
  ev.set_adapter("c0");
  ev.set_seq(1);
  ev.set_event_class(v1::EVENT_CLASS_CONTROLLER);
  ev.set_severity(v1::SEVERITY_INFO);
  ev.set_code(1);
  ev.set_code_name("CTRL_RESET_DONE");
  std::string json = EventJson(ev).Serialize();
  EXPECT_THAT(json, HasSubstr(R"("class":"controller","severity":"info")"));
  EXPECT_THAT(json, HasSubstr(R"("enclosure":null,"slot":null,"pd_id":null,"vd_id":null)"));
  Table t = EventTable({ev});
  EXPECT_EQ(t.rows[0][4], "0x0001 CTRL_RESET_DONE");
}

}  // namespace
}  // namespace hbamgr::cli
