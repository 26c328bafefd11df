// Pins the ioctl ABI v1 (kmod/include/uapi/linux/hbamgr.h): the size and
// every field's offset and size of every struct, and the ioctl numbers.  A
// failure here means the ABI changed: that needs a new field at the end of
// a struct (size field versioning, docs/abi.md) or a new major version,
// never a silent move.
#include <gtest/gtest.h>
#include <linux/hbamgr.h>
#include <sys/ioctl.h>

#include <cstddef>

namespace hbamgr::coretest {
namespace {

// Every field's offset and size, and that the fields cover the struct
// without implicit padding (the ABI rule: padding is explicit).
#define EXPECT_FIELD(type, field, off, len)          \
  do {                                               \
    EXPECT_EQ(offsetof(type, field), off) << #field; \
    EXPECT_EQ(sizeof(type::field), len) << #field;   \
    covered += len;                                  \
  } while (0)

TEST(AbiLayout, Info) {
  static_assert(sizeof(hbamgr_info) == 208);
  size_t covered = 0;
  EXPECT_FIELD(hbamgr_info, size, 0u, 4u);
  EXPECT_FIELD(hbamgr_info, flags, 4u, 4u);
  EXPECT_FIELD(hbamgr_info, abi_major, 8u, 2u);
  EXPECT_FIELD(hbamgr_info, abi_minor, 10u, 2u);
  EXPECT_FIELD(hbamgr_info, state, 12u, 4u);
  EXPECT_FIELD(hbamgr_info, features, 16u, 8u);
  EXPECT_FIELD(hbamgr_info, driver_version, 24u, 16u);
  EXPECT_FIELD(hbamgr_info, fw_version, 40u, 16u);
  EXPECT_FIELD(hbamgr_info, model, 56u, 32u);
  EXPECT_FIELD(hbamgr_info, serial, 88u, 24u);
  EXPECT_FIELD(hbamgr_info, sas_address, 112u, 8u);
  EXPECT_FIELD(hbamgr_info, adapter_index, 120u, 4u);
  EXPECT_FIELD(hbamgr_info, fw_max_cmds, 124u, 4u);
  EXPECT_FIELD(hbamgr_info, drv_max_cmds, 128u, 4u);
  EXPECT_FIELD(hbamgr_info, max_srbs, 132u, 4u);
  EXPECT_FIELD(hbamgr_info, srbs_posted, 136u, 4u);
  EXPECT_FIELD(hbamgr_info, max_transfer, 140u, 4u);
  EXPECT_FIELD(hbamgr_info, num_reply_queues, 144u, 4u);
  EXPECT_FIELD(hbamgr_info, reset_count, 148u, 4u);
  EXPECT_FIELD(hbamgr_info, fw_fault_code, 152u, 4u);
  EXPECT_FIELD(hbamgr_info, cmds_outstanding, 156u, 4u);
  EXPECT_FIELD(hbamgr_info, last_event_seq, 160u, 8u);
  EXPECT_FIELD(hbamgr_info, stale_replies, 168u, 8u);
  EXPECT_FIELD(hbamgr_info, reserved, 176u, 32u);
  EXPECT_EQ(covered, sizeof(hbamgr_info)) << "implicit padding";
  EXPECT_EQ(sizeof(hbamgr_info) % 8, 0u) << "tail padding differs on 32-bit";
}

TEST(AbiLayout, Passthru) {
  static_assert(sizeof(hbamgr_passthru) == 136);
  size_t covered = 0;
  EXPECT_FIELD(hbamgr_passthru, size, 0u, 4u);
  EXPECT_FIELD(hbamgr_passthru, flags, 4u, 4u);
  EXPECT_FIELD(hbamgr_passthru, type, 8u, 1u);
  EXPECT_FIELD(hbamgr_passthru, dir, 9u, 1u);
  EXPECT_FIELD(hbamgr_passthru, cdb_len, 10u, 1u);
  EXPECT_FIELD(hbamgr_passthru, pad0, 11u, 1u);
  EXPECT_FIELD(hbamgr_passthru, target, 12u, 2u);
  EXPECT_FIELD(hbamgr_passthru, lun, 14u, 2u);
  EXPECT_FIELD(hbamgr_passthru, opcode, 16u, 4u);
  EXPECT_FIELD(hbamgr_passthru, timeout_ms, 20u, 4u);
  EXPECT_FIELD(hbamgr_passthru, cdb, 24u, 32u);
  EXPECT_FIELD(hbamgr_passthru, data_ptr, 56u, 8u);
  EXPECT_FIELD(hbamgr_passthru, data_len, 64u, 4u);
  EXPECT_FIELD(hbamgr_passthru, sense_len, 68u, 4u);
  EXPECT_FIELD(hbamgr_passthru, sense_ptr, 72u, 8u);
  EXPECT_FIELD(hbamgr_passthru, status, 80u, 4u);
  EXPECT_FIELD(hbamgr_passthru, scsi_status, 84u, 1u);
  EXPECT_FIELD(hbamgr_passthru, sense_len_out, 85u, 1u);
  EXPECT_FIELD(hbamgr_passthru, pad1, 86u, 2u);
  EXPECT_FIELD(hbamgr_passthru, resid, 88u, 4u);
  EXPECT_FIELD(hbamgr_passthru, result, 92u, 4u);
  EXPECT_FIELD(hbamgr_passthru, reserved, 96u, 16u);
  // ABI 1.1: appended; a 1.0 caller's struct ends before them.
  EXPECT_FIELD(hbamgr_passthru, reason, 112u, 2u);
  EXPECT_FIELD(hbamgr_passthru, reason_id, 114u, 2u);
  EXPECT_FIELD(hbamgr_passthru, pad2, 116u, 4u);
  EXPECT_FIELD(hbamgr_passthru, reason_value, 120u, 8u);
  EXPECT_FIELD(hbamgr_passthru, reason_limit, 128u, 8u);
  EXPECT_EQ(covered, sizeof(hbamgr_passthru)) << "implicit padding";
  EXPECT_EQ(sizeof(hbamgr_passthru) % 8, 0u) << "tail padding differs on 32-bit";
}

TEST(AbiLayout, Reset) {
  static_assert(sizeof(hbamgr_reset) == 32);
  size_t covered = 0;
  EXPECT_FIELD(hbamgr_reset, size, 0u, 4u);
  EXPECT_FIELD(hbamgr_reset, flags, 4u, 4u);
  EXPECT_FIELD(hbamgr_reset, state, 8u, 4u);
  EXPECT_FIELD(hbamgr_reset, reset_count, 12u, 4u);
  EXPECT_FIELD(hbamgr_reset, reserved, 16u, 16u);
  EXPECT_EQ(covered, sizeof(hbamgr_reset)) << "implicit padding";
  EXPECT_EQ(sizeof(hbamgr_reset) % 8, 0u) << "tail padding differs on 32-bit";
}

TEST(AbiLayout, Event) {
  static_assert(sizeof(hbamgr_event) == 104);
  size_t covered = 0;
  EXPECT_FIELD(hbamgr_event, seq, 0u, 8u);
  EXPECT_FIELD(hbamgr_event, timestamp_ns, 8u, 8u);
  EXPECT_FIELD(hbamgr_event, type, 16u, 2u);
  EXPECT_FIELD(hbamgr_event, event_class, 18u, 1u);
  EXPECT_FIELD(hbamgr_event, severity, 19u, 1u);
  EXPECT_FIELD(hbamgr_event, code, 20u, 4u);
  EXPECT_FIELD(hbamgr_event, encl_id, 24u, 2u);
  EXPECT_FIELD(hbamgr_event, slot, 26u, 2u);
  EXPECT_FIELD(hbamgr_event, pd_id, 28u, 2u);
  EXPECT_FIELD(hbamgr_event, vd_id, 30u, 2u);
  EXPECT_FIELD(hbamgr_event, arg0, 32u, 4u);
  EXPECT_FIELD(hbamgr_event, arg1, 36u, 4u);
  EXPECT_FIELD(hbamgr_event, description, 40u, 64u);
  EXPECT_EQ(covered, sizeof(hbamgr_event)) << "implicit padding";
  EXPECT_EQ(sizeof(hbamgr_event) % 8, 0u) << "tail padding differs on 32-bit";
}

TEST(AbiLayout, CtrlInfo) {
  static_assert(sizeof(hbamgr_ctrl_info) == 152);
  size_t covered = 0;
  EXPECT_FIELD(hbamgr_ctrl_info, model, 0u, 32u);
  EXPECT_FIELD(hbamgr_ctrl_info, serial, 32u, 24u);
  EXPECT_FIELD(hbamgr_ctrl_info, fw_version, 56u, 16u);
  EXPECT_FIELD(hbamgr_ctrl_info, sas_address, 72u, 8u);
  EXPECT_FIELD(hbamgr_ctrl_info, num_enclosures, 80u, 4u);
  EXPECT_FIELD(hbamgr_ctrl_info, num_pds, 84u, 4u);
  EXPECT_FIELD(hbamgr_ctrl_info, num_vds, 88u, 4u);
  EXPECT_FIELD(hbamgr_ctrl_info, max_vds, 92u, 4u);
  EXPECT_FIELD(hbamgr_ctrl_info, temperature_c, 96u, 4u);
  EXPECT_FIELD(hbamgr_ctrl_info, rebuild_rate, 100u, 4u);
  EXPECT_FIELD(hbamgr_ctrl_info, patrol_enabled, 104u, 4u);
  EXPECT_FIELD(hbamgr_ctrl_info, memory_mb, 108u, 4u);
  EXPECT_FIELD(hbamgr_ctrl_info, fw_uptime_s, 112u, 8u);
  EXPECT_FIELD(hbamgr_ctrl_info, reserved, 120u, 32u);
  EXPECT_EQ(covered, sizeof(hbamgr_ctrl_info)) << "implicit padding";
  EXPECT_EQ(sizeof(hbamgr_ctrl_info) % 8, 0u) << "tail padding differs on 32-bit";
}

TEST(AbiLayout, EnclInfo) {
  static_assert(sizeof(hbamgr_encl_info) == 48);
  size_t covered = 0;
  EXPECT_FIELD(hbamgr_encl_info, encl_id, 0u, 2u);
  EXPECT_FIELD(hbamgr_encl_info, num_slots, 2u, 2u);
  EXPECT_FIELD(hbamgr_encl_info, link_up, 4u, 1u);
  EXPECT_FIELD(hbamgr_encl_info, pad, 5u, 3u);
  EXPECT_FIELD(hbamgr_encl_info, vendor, 8u, 8u);
  EXPECT_FIELD(hbamgr_encl_info, product, 16u, 16u);
  EXPECT_FIELD(hbamgr_encl_info, temperature_c, 32u, 4u);
  EXPECT_FIELD(hbamgr_encl_info, reserved, 36u, 12u);
  EXPECT_EQ(covered, sizeof(hbamgr_encl_info)) << "implicit padding";
  EXPECT_EQ(sizeof(hbamgr_encl_info) % 8, 0u) << "tail padding differs on 32-bit";
}

TEST(AbiLayout, PdInfo) {
  static_assert(sizeof(hbamgr_pd_info) == 144);
  size_t covered = 0;
  EXPECT_FIELD(hbamgr_pd_info, pd_id, 0u, 2u);
  EXPECT_FIELD(hbamgr_pd_info, encl_id, 2u, 2u);
  EXPECT_FIELD(hbamgr_pd_info, slot, 4u, 2u);
  EXPECT_FIELD(hbamgr_pd_info, vd_id, 6u, 2u);
  EXPECT_FIELD(hbamgr_pd_info, state, 8u, 1u);
  EXPECT_FIELD(hbamgr_pd_info, interface, 9u, 1u);
  EXPECT_FIELD(hbamgr_pd_info, media_ssd, 10u, 1u);
  EXPECT_FIELD(hbamgr_pd_info, locate_on, 11u, 1u);
  EXPECT_FIELD(hbamgr_pd_info, logical_block_size, 12u, 4u);
  EXPECT_FIELD(hbamgr_pd_info, physical_block_size, 16u, 4u);
  EXPECT_FIELD(hbamgr_pd_info, pad0, 20u, 4u);
  EXPECT_FIELD(hbamgr_pd_info, num_blocks, 24u, 8u);
  EXPECT_FIELD(hbamgr_pd_info, vendor, 32u, 8u);
  EXPECT_FIELD(hbamgr_pd_info, model, 40u, 24u);
  EXPECT_FIELD(hbamgr_pd_info, serial, 64u, 24u);
  EXPECT_FIELD(hbamgr_pd_info, fw_rev, 88u, 8u);
  EXPECT_FIELD(hbamgr_pd_info, sas_address, 96u, 8u);
  EXPECT_FIELD(hbamgr_pd_info, temperature_c, 104u, 4u);
  EXPECT_FIELD(hbamgr_pd_info, media_errors, 108u, 4u);
  EXPECT_FIELD(hbamgr_pd_info, other_errors, 112u, 4u);
  EXPECT_FIELD(hbamgr_pd_info, predictive_failures, 116u, 4u);
  EXPECT_FIELD(hbamgr_pd_info, rotation_rpm, 120u, 4u);
  EXPECT_FIELD(hbamgr_pd_info, power_on_hours, 124u, 4u);
  EXPECT_FIELD(hbamgr_pd_info, reserved, 128u, 16u);
  EXPECT_EQ(covered, sizeof(hbamgr_pd_info)) << "implicit padding";
  EXPECT_EQ(sizeof(hbamgr_pd_info) % 8, 0u) << "tail padding differs on 32-bit";
}

TEST(AbiLayout, VdInfo) {
  static_assert(sizeof(hbamgr_vd_info) == 88);
  size_t covered = 0;
  EXPECT_FIELD(hbamgr_vd_info, vd_id, 0u, 2u);
  EXPECT_FIELD(hbamgr_vd_info, raid_level, 2u, 1u);
  EXPECT_FIELD(hbamgr_vd_info, state, 3u, 1u);
  EXPECT_FIELD(hbamgr_vd_info, strip_kb, 4u, 4u);
  EXPECT_FIELD(hbamgr_vd_info, num_blocks, 8u, 8u);
  EXPECT_FIELD(hbamgr_vd_info, logical_block_size, 16u, 4u);
  EXPECT_FIELD(hbamgr_vd_info, num_pds, 20u, 2u);
  EXPECT_FIELD(hbamgr_vd_info, pad, 22u, 2u);
  EXPECT_FIELD(hbamgr_vd_info, pd_ids, 24u, 32u);
  EXPECT_FIELD(hbamgr_vd_info, name, 56u, 16u);
  EXPECT_FIELD(hbamgr_vd_info, reserved, 72u, 16u);
  EXPECT_EQ(covered, sizeof(hbamgr_vd_info)) << "implicit padding";
  EXPECT_EQ(sizeof(hbamgr_vd_info) % 8, 0u) << "tail padding differs on 32-bit";
}

TEST(AbiLayout, BgopInfo) {
  static_assert(sizeof(hbamgr_bgop_info) == 40);
  size_t covered = 0;
  EXPECT_FIELD(hbamgr_bgop_info, type, 0u, 1u);
  EXPECT_FIELD(hbamgr_bgop_info, state, 1u, 1u);
  EXPECT_FIELD(hbamgr_bgop_info, target, 2u, 2u);
  EXPECT_FIELD(hbamgr_bgop_info, progress_pm, 4u, 4u);
  EXPECT_FIELD(hbamgr_bgop_info, started_ns, 8u, 8u);
  EXPECT_FIELD(hbamgr_bgop_info, errors, 16u, 8u);
  EXPECT_FIELD(hbamgr_bgop_info, reserved, 24u, 16u);
  EXPECT_EQ(covered, sizeof(hbamgr_bgop_info)) << "implicit padding";
  EXPECT_EQ(sizeof(hbamgr_bgop_info) % 8, 0u) << "tail padding differs on 32-bit";
}

TEST(AbiLayout, EvtlogInfo) {
  static_assert(sizeof(hbamgr_evtlog_info) == 32);
  size_t covered = 0;
  EXPECT_FIELD(hbamgr_evtlog_info, oldest_seq, 0u, 8u);
  EXPECT_FIELD(hbamgr_evtlog_info, newest_seq, 8u, 8u);
  EXPECT_FIELD(hbamgr_evtlog_info, capacity, 16u, 4u);
  EXPECT_FIELD(hbamgr_evtlog_info, reserved, 20u, 4u);
  EXPECT_FIELD(hbamgr_evtlog_info, log_id, 24u, 8u);
  EXPECT_EQ(covered, sizeof(hbamgr_evtlog_info)) << "implicit padding";
  EXPECT_EQ(sizeof(hbamgr_evtlog_info) % 8, 0u) << "tail padding differs on 32-bit";
}

TEST(AbiLayout, VdCreate) {
  static_assert(sizeof(hbamgr_vd_create) == 80);
  size_t covered = 0;
  EXPECT_FIELD(hbamgr_vd_create, raid_level, 0u, 1u);
  EXPECT_FIELD(hbamgr_vd_create, num_pds, 1u, 1u);
  EXPECT_FIELD(hbamgr_vd_create, pad, 2u, 2u);
  EXPECT_FIELD(hbamgr_vd_create, strip_kb, 4u, 4u);
  EXPECT_FIELD(hbamgr_vd_create, num_blocks, 8u, 8u);
  EXPECT_FIELD(hbamgr_vd_create, pd_ids, 16u, 32u);
  EXPECT_FIELD(hbamgr_vd_create, name, 48u, 16u);
  EXPECT_FIELD(hbamgr_vd_create, flags, 64u, 4u);
  EXPECT_FIELD(hbamgr_vd_create, reserved, 68u, 12u);
  EXPECT_EQ(covered, sizeof(hbamgr_vd_create)) << "implicit padding";
  EXPECT_EQ(sizeof(hbamgr_vd_create) % 8, 0u) << "tail padding differs on 32-bit";
}

TEST(AbiLayout, MboxPdState) {
  static_assert(sizeof(hbamgr_mbox_pd_state) == 32);
  size_t covered = 0;
  EXPECT_FIELD(hbamgr_mbox_pd_state, pd_id, 0u, 2u);
  EXPECT_FIELD(hbamgr_mbox_pd_state, state, 2u, 1u);
  EXPECT_FIELD(hbamgr_mbox_pd_state, pad, 3u, 29u);
  EXPECT_EQ(covered, sizeof(hbamgr_mbox_pd_state)) << "implicit padding";
  EXPECT_EQ(sizeof(hbamgr_mbox_pd_state) % 8, 0u) << "tail padding differs on 32-bit";
}

TEST(AbiLayout, MboxPdLocate) {
  static_assert(sizeof(hbamgr_mbox_pd_locate) == 32);
  size_t covered = 0;
  EXPECT_FIELD(hbamgr_mbox_pd_locate, pd_id, 0u, 2u);
  EXPECT_FIELD(hbamgr_mbox_pd_locate, on, 2u, 1u);
  EXPECT_FIELD(hbamgr_mbox_pd_locate, pad, 3u, 29u);
  EXPECT_EQ(covered, sizeof(hbamgr_mbox_pd_locate)) << "implicit padding";
  EXPECT_EQ(sizeof(hbamgr_mbox_pd_locate) % 8, 0u) << "tail padding differs on 32-bit";
}

TEST(AbiLayout, MboxVdDelete) {
  static_assert(sizeof(hbamgr_mbox_vd_delete) == 32);
  size_t covered = 0;
  EXPECT_FIELD(hbamgr_mbox_vd_delete, vd_id, 0u, 2u);
  EXPECT_FIELD(hbamgr_mbox_vd_delete, pad, 2u, 30u);
  EXPECT_EQ(covered, sizeof(hbamgr_mbox_vd_delete)) << "implicit padding";
  EXPECT_EQ(sizeof(hbamgr_mbox_vd_delete) % 8, 0u) << "tail padding differs on 32-bit";
}

TEST(AbiLayout, MboxBgop) {
  static_assert(sizeof(hbamgr_mbox_bgop) == 32);
  size_t covered = 0;
  EXPECT_FIELD(hbamgr_mbox_bgop, type, 0u, 1u);
  EXPECT_FIELD(hbamgr_mbox_bgop, pad0, 1u, 1u);
  EXPECT_FIELD(hbamgr_mbox_bgop, target, 2u, 2u);
  EXPECT_FIELD(hbamgr_mbox_bgop, pad, 4u, 28u);
  EXPECT_EQ(covered, sizeof(hbamgr_mbox_bgop)) << "implicit padding";
  EXPECT_EQ(sizeof(hbamgr_mbox_bgop) % 8, 0u) << "tail padding differs on 32-bit";
}

TEST(AbiLayout, MboxCtrlProps) {
  static_assert(sizeof(hbamgr_mbox_ctrl_props) == 32);
  size_t covered = 0;
  EXPECT_FIELD(hbamgr_mbox_ctrl_props, rebuild_rate, 0u, 4u);
  EXPECT_FIELD(hbamgr_mbox_ctrl_props, patrol_enabled, 4u, 4u);
  EXPECT_FIELD(hbamgr_mbox_ctrl_props, pad, 8u, 24u);
  EXPECT_EQ(covered, sizeof(hbamgr_mbox_ctrl_props)) << "implicit padding";
  EXPECT_EQ(sizeof(hbamgr_mbox_ctrl_props) % 8, 0u) << "tail padding differs on 32-bit";
}

TEST(AbiLayout, MboxEvtlog) {
  static_assert(sizeof(hbamgr_mbox_evtlog) == 32);
  size_t covered = 0;
  EXPECT_FIELD(hbamgr_mbox_evtlog, start_seq, 0u, 8u);
  EXPECT_FIELD(hbamgr_mbox_evtlog, max_records, 8u, 4u);
  EXPECT_FIELD(hbamgr_mbox_evtlog, pad, 12u, 20u);
  EXPECT_EQ(covered, sizeof(hbamgr_mbox_evtlog)) << "implicit padding";
  EXPECT_EQ(sizeof(hbamgr_mbox_evtlog) % 8, 0u) << "tail padding differs on 32-bit";
}

TEST(AbiLayout, MboxFault) {
  static_assert(sizeof(hbamgr_mbox_fault) == 32);
  size_t covered = 0;
  EXPECT_FIELD(hbamgr_mbox_fault, fault, 0u, 4u);
  EXPECT_FIELD(hbamgr_mbox_fault, arg, 4u, 4u);
  EXPECT_FIELD(hbamgr_mbox_fault, count, 8u, 4u);
  EXPECT_FIELD(hbamgr_mbox_fault, delay_ms, 12u, 4u);
  EXPECT_FIELD(hbamgr_mbox_fault, lba, 16u, 8u);
  EXPECT_FIELD(hbamgr_mbox_fault, pad, 24u, 8u);
  EXPECT_EQ(covered, sizeof(hbamgr_mbox_fault)) << "implicit padding";
  EXPECT_EQ(sizeof(hbamgr_mbox_fault) % 8, 0u) << "tail padding differs on 32-bit";
}

TEST(AbiLayout, IoctlNumbers) {
  EXPECT_EQ(HBAMGR_IOC_GET_INFO, 0xc0d0b801u);
  // 0xc070b802 in ABI 1.0 (112 bytes): still served, the size bits are
  // ignored (abi_test AbiTest.Abi10PassthruCallerIsUnaffected).
  EXPECT_EQ(HBAMGR_IOC_PASSTHRU, 0xc088b802u);
  EXPECT_EQ(HBAMGR_IOC_RESET, 0xc020b803u);
  EXPECT_EQ(_IOC_TYPE(HBAMGR_IOC_GET_INFO), HBAMGR_IOC_MAGIC);
  EXPECT_EQ(_IOC_NR(HBAMGR_IOC_GET_INFO), 0x01u);
  EXPECT_EQ(_IOC_NR(HBAMGR_IOC_PASSTHRU), 0x02u);
  EXPECT_EQ(_IOC_NR(HBAMGR_IOC_RESET), 0x03u);
  EXPECT_EQ(_IOC_DIR(HBAMGR_IOC_PASSTHRU), _IOC_READ | _IOC_WRITE);
  EXPECT_EQ(_IOC_SIZE(HBAMGR_IOC_GET_INFO), sizeof(hbamgr_info));
  EXPECT_EQ(_IOC_SIZE(HBAMGR_IOC_PASSTHRU), sizeof(hbamgr_passthru));
  EXPECT_EQ(_IOC_SIZE(HBAMGR_IOC_RESET), sizeof(hbamgr_reset));
}

TEST(AbiLayout, Constants) {
  EXPECT_EQ(HBAMGR_ABI_MAJOR, 1);
  EXPECT_EQ(HBAMGR_ABI_MINOR, 1);
  EXPECT_EQ(HBAMGR_SIZE_MIN, 8);
  EXPECT_EQ(HBAMGR_SIZE_MAX, 4096);
  EXPECT_EQ(HBAMGR_PT_TIMEOUT_DEFAULT_MS, 30000);
  EXPECT_EQ(HBAMGR_PT_TIMEOUT_MAX_MS, 3600000);
  EXPECT_EQ(HBAMGR_VD_MAX_PDS, 16);
  EXPECT_EQ(HBAMGR_ID_NONE, 0xffff);
  EXPECT_EQ(HBAMGR_FEAT_REASON, 1u << 7);
  EXPECT_EQ(HBAMGR_FEAT_PACED_STORM, 1u << 8);
  // Host software's own event codes (ABI 1.1) lie above every firmware code.
  EXPECT_EQ(HBAMGR_EVT_HOST_FIRST, 0xf000);
  EXPECT_EQ(HBAMGR_EVT_HOST_EVENTS_LOST, 0xf001);
  EXPECT_GT(HBAMGR_EVT_HOST_EVENTS_LOST, HBAMGR_EVT_HOST_FIRST);
  EXPECT_LT(HBAMGR_EVT_BGOP_INCONSISTENT, HBAMGR_EVT_HOST_FIRST);
  // The limits the layers share, and the fields they size.
  EXPECT_EQ(HBAMGR_CDB_MIN, 6);
  EXPECT_EQ(HBAMGR_CDB_MAX, 32);
  EXPECT_EQ(HBAMGR_SENSE_MAX, 96);
  EXPECT_EQ(HBAMGR_VD_NAME_LEN, 16);
  EXPECT_EQ(HBAMGR_STRIP_KB_MIN, 8);
  EXPECT_EQ(HBAMGR_STRIP_KB_MAX, 1024);
  EXPECT_EQ(HBAMGR_STRIP_KB_DEFAULT, 64);
  EXPECT_EQ(HBAMGR_EVT_DESC_LEN, 64);
  // Every mailbox parameter block fits cdb[].
  EXPECT_EQ(sizeof(hbamgr_passthru::cdb), size_t{HBAMGR_CDB_MAX});
  EXPECT_EQ(sizeof(hbamgr_vd_info::name), size_t{HBAMGR_VD_NAME_LEN});
  EXPECT_EQ(sizeof(hbamgr_vd_create::name), size_t{HBAMGR_VD_NAME_LEN});
  EXPECT_EQ(sizeof(hbamgr_vd_create::pd_ids) / sizeof(uint16_t), size_t{HBAMGR_VD_MAX_PDS});
  EXPECT_EQ(sizeof(hbamgr_event::description), size_t{HBAMGR_EVT_DESC_LEN});
}

TEST(AbiLayout, ReasonValues) {
  EXPECT_EQ(HBAMGR_RSN_NONE, 0);
  EXPECT_EQ(HBAMGR_RSN_FIELD, 1);
  EXPECT_EQ(HBAMGR_RSN_DIRECTION, 2);
  EXPECT_EQ(HBAMGR_RSN_DATA_LEN, 3);
  EXPECT_EQ(HBAMGR_RSN_RAID_LEVEL, 4);
  EXPECT_EQ(HBAMGR_RSN_TOO_FEW_PDS, 5);
  EXPECT_EQ(HBAMGR_RSN_TOO_MANY_PDS, 6);
  EXPECT_EQ(HBAMGR_RSN_ODD_PDS, 7);
  EXPECT_EQ(HBAMGR_RSN_STRIP_SIZE, 8);
  EXPECT_EQ(HBAMGR_RSN_NAME, 9);
  EXPECT_EQ(HBAMGR_RSN_PD_MISSING, 10);
  EXPECT_EQ(HBAMGR_RSN_PD_REPEATED, 11);
  EXPECT_EQ(HBAMGR_RSN_PD_STATE, 12);
  EXPECT_EQ(HBAMGR_RSN_BLOCK_SIZE, 13);
  EXPECT_EQ(HBAMGR_RSN_VD_COUNT, 14);
  EXPECT_EQ(HBAMGR_RSN_VD_SIZE, 15);
  EXPECT_EQ(HBAMGR_RSN_VD_MISSING, 16);
}

}  // namespace
}  // namespace hbamgr::coretest
