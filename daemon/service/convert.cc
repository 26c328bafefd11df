#include "daemon/service/convert.h"

#include <cstring>

#include "absl/strings/str_format.h"
#include "absl/strings/strip.h"

namespace hbamgr::service {
namespace {

template <size_t N>
std::string Text(const char (&field)[N]) {
  return std::string(field, strnlen(field, N));
}

std::optional<uint32_t> Id(uint16_t id) {
  if (id == HBAMGR_ID_NONE) return std::nullopt;
  return id;
}

}  // namespace

grpc::Status ToGrpc(const absl::Status& status) {
  if (status.ok()) return grpc::Status::OK;
  return grpc::Status(static_cast<grpc::StatusCode>(status.code()), std::string(status.message()));
}

std::string EventCodeName(uint32_t code) {
  // hbamgr.v1.EventCode mirrors enum hbamgr_event_code value for value.
  if (code != 0 && v1::EventCode_IsValid(static_cast<int>(code))) {
    return std::string(
        absl::StripPrefix(v1::EventCode_Name(static_cast<v1::EventCode>(code)), "EVENT_CODE_"));
  }
  return absl::StrFormat("0x%04x", code);
}

v1::AdapterState ToProtoAdapterState(uint32_t state) {
  if (state > HBAMGR_STATE_DELETING) return v1::ADAPTER_STATE_UNSPECIFIED;
  return static_cast<v1::AdapterState>(state + 1);
}

v1::CommandStatus ToProtoCommandStatus(uint32_t status) {
  if (status > HBAMGR_ST_FW_FAULT) return v1::COMMAND_STATUS_UNSPECIFIED;
  return static_cast<v1::CommandStatus>(status + 1);
}

void FillController(const hbamgr_info& info, const hbamgr_ctrl_info* ctrl, v1::Controller* out) {
  static constexpr struct {
    uint64_t bit;
    const char* name;
  } kFeatures[] = {
      {HBAMGR_FEAT_SCSI_PASSTHRU, "scsi_passthru"},
      {HBAMGR_FEAT_MGMT_PASSTHRU, "mgmt_passthru"},
      {HBAMGR_FEAT_EVENTS, "events"},
      {HBAMGR_FEAT_RESET, "reset"},
      {HBAMGR_FEAT_FAULT_INJECT, "fault_inject"},
      {HBAMGR_FEAT_EVTLOG, "evtlog"},
      {HBAMGR_FEAT_PHYS_PASSTHRU, "phys_passthru"},
  };
  out->set_index(info.adapter_index);
  out->set_state(ToProtoAdapterState(info.state));
  out->set_model(Text(info.model));
  out->set_serial(Text(info.serial));
  out->set_fw_version(Text(info.fw_version));
  out->set_driver_version(Text(info.driver_version));
  out->set_sas_address(info.sas_address);
  out->set_abi_major(info.abi_major);
  out->set_abi_minor(info.abi_minor);
  out->set_features(info.features);
  for (const auto& feature : kFeatures) {
    if (info.features & feature.bit) out->add_feature_names(feature.name);
  }
  out->set_reset_count(info.reset_count);
  out->set_fw_fault_code(info.fw_fault_code);
  v1::Limits* limits = out->mutable_limits();
  limits->set_fw_max_cmds(info.fw_max_cmds);
  limits->set_drv_max_cmds(info.drv_max_cmds);
  limits->set_max_srbs(info.max_srbs);
  limits->set_max_transfer(info.max_transfer);
  limits->set_num_reply_queues(info.num_reply_queues);
  out->set_srbs_posted(info.srbs_posted);
  out->set_cmds_outstanding(info.cmds_outstanding);
  out->set_last_event_seq(info.last_event_seq);
  out->set_stale_replies(info.stale_replies);
  out->set_has_details(ctrl != nullptr);
  if (ctrl == nullptr) return;
  limits->set_max_virtual_drives(ctrl->max_vds);
  out->set_temperature_c(ctrl->temperature_c);
  out->set_rebuild_rate(ctrl->rebuild_rate);
  out->set_patrol_enabled(ctrl->patrol_enabled != 0);
  out->set_memory_mb(ctrl->memory_mb);
  out->set_fw_uptime_s(ctrl->fw_uptime_s);
  out->set_num_enclosures(ctrl->num_enclosures);
  out->set_num_drives(ctrl->num_pds);
  out->set_num_virtual_drives(ctrl->num_vds);
}

void FillEnclosure(const hbamgr_encl_info& in, v1::Enclosure* out) {
  out->set_enclosure(in.encl_id);
  out->set_num_slots(in.num_slots);
  out->set_link_up(in.link_up != 0);
  out->set_vendor(Text(in.vendor));
  out->set_product(Text(in.product));
  out->set_temperature_c(in.temperature_c);
}

v1::DriveState ToProtoDriveState(uint8_t pd_state) {
  return pd_state <= HBAMGR_PD_MISSING ? static_cast<v1::DriveState>(pd_state + 1)
                                       : v1::DRIVE_STATE_UNSPECIFIED;
}

void FillDrive(const hbamgr_pd_info& in, v1::Drive* out) {
  out->set_pd_id(in.pd_id);
  out->set_enclosure(in.encl_id);
  out->set_slot(in.slot);
  if (auto vd = Id(in.vd_id)) out->set_vd_id(*vd);
  out->set_state(ToProtoDriveState(in.state));
  out->set_interface(in.interface == HBAMGR_IF_SAS    ? v1::DRIVE_INTERFACE_SAS
                     : in.interface == HBAMGR_IF_SATA ? v1::DRIVE_INTERFACE_SATA
                                                      : v1::DRIVE_INTERFACE_UNSPECIFIED);
  out->set_media(in.media_ssd ? v1::MEDIA_TYPE_SSD : v1::MEDIA_TYPE_HDD);
  out->set_locate_on(in.locate_on != 0);
  out->set_logical_block_size(in.logical_block_size);
  out->set_physical_block_size(in.physical_block_size);
  out->set_num_blocks(in.num_blocks);
  out->set_size_bytes(in.num_blocks * in.logical_block_size);
  out->set_vendor(Text(in.vendor));
  out->set_model(Text(in.model));
  out->set_serial(Text(in.serial));
  out->set_fw_revision(Text(in.fw_rev));
  out->set_sas_address(in.sas_address);
  out->set_temperature_c(in.temperature_c);
  out->set_media_errors(in.media_errors);
  out->set_other_errors(in.other_errors);
  out->set_predictive_failures(in.predictive_failures);
  out->set_rotation_rpm(in.rotation_rpm);
  out->set_power_on_hours(in.power_on_hours);
}

void FillVirtualDrive(const hbamgr_vd_info& in, v1::VirtualDrive* out) {
  out->set_vd_id(in.vd_id);
  out->set_raid_level(in.raid_level);
  out->set_state(in.state <= HBAMGR_VD_OFFLINE ? static_cast<v1::VirtualDriveState>(in.state + 1)
                                               : v1::VIRTUAL_DRIVE_STATE_UNSPECIFIED);
  out->set_strip_kb(in.strip_kb);
  out->set_num_blocks(in.num_blocks);
  out->set_logical_block_size(in.logical_block_size);
  out->set_size_bytes(in.num_blocks * in.logical_block_size);
  for (uint16_t i = 0; i < in.num_pds && i < HBAMGR_VD_MAX_PDS; ++i) out->add_pd_ids(in.pd_ids[i]);
  out->set_name(Text(in.name));
}

void FillBackgroundOp(const hbamgr_bgop_info& in, v1::BackgroundOp* out) {
  out->set_type(in.type >= HBAMGR_BGOP_REBUILD && in.type <= HBAMGR_BGOP_PATROL
                    ? static_cast<v1::BackgroundOpType>(in.type + 1)
                    : v1::BACKGROUND_OP_TYPE_UNSPECIFIED);
  out->set_state(in.state >= HBAMGR_BGOP_RUNNING && in.state <= HBAMGR_BGOP_FAILED
                     ? static_cast<v1::BackgroundOpState>(in.state + 1)
                     : v1::BACKGROUND_OP_STATE_UNSPECIFIED);
  if (auto target = Id(in.target)) out->set_target(*target);
  out->set_progress_permille(in.progress_pm);
  out->set_started_ns(in.started_ns);
  out->set_errors(in.errors);
}

void FillEvent(const std::string& adapter, const store::EventRow& row, v1::Event* out) {
  out->set_adapter(adapter);
  out->set_seq(row.seq);
  out->set_timestamp_ns(row.timestamp_ns);
  out->set_event_class(row.event_class >= HBAMGR_EVC_CTRL && row.event_class <= HBAMGR_EVC_BGOP
                           ? static_cast<v1::EventClass>(row.event_class + 1)
                           : v1::EVENT_CLASS_UNSPECIFIED);
  out->set_severity(row.severity <= HBAMGR_SEV_FATAL ? static_cast<v1::Severity>(row.severity + 1)
                                                     : v1::SEVERITY_UNSPECIFIED);
  out->set_code(row.code);
  out->set_code_name(EventCodeName(row.code));
  if (auto id = Id(row.encl_id)) out->set_enclosure(*id);
  if (auto id = Id(row.slot)) out->set_slot(*id);
  if (auto id = Id(row.pd_id)) out->set_pd_id(*id);
  if (auto id = Id(row.vd_id)) out->set_vd_id(*id);
  out->set_arg0(row.arg0);
  out->set_arg1(row.arg1);
  out->set_description(row.description);
}

std::optional<uint8_t> ToAbiDriveState(v1::DriveState state) {
  if (state == v1::DRIVE_STATE_UNSPECIFIED || !v1::DriveState_IsValid(state)) return std::nullopt;
  return static_cast<uint8_t>(state - 1);
}

std::optional<uint8_t> ToAbiBgopType(v1::BackgroundOpType type) {
  if (type == v1::BACKGROUND_OP_TYPE_UNSPECIFIED || !v1::BackgroundOpType_IsValid(type)) {
    return std::nullopt;
  }
  return static_cast<uint8_t>(type - 1);
}

std::optional<uint8_t> ToAbiSeverity(v1::Severity severity) {
  if (severity == v1::SEVERITY_UNSPECIFIED || !v1::Severity_IsValid(severity)) return std::nullopt;
  return static_cast<uint8_t>(severity - 1);
}

std::optional<uint8_t> ToAbiEventClass(v1::EventClass event_class) {
  if (event_class == v1::EVENT_CLASS_UNSPECIFIED || !v1::EventClass_IsValid(event_class)) {
    return std::nullopt;
  }
  return static_cast<uint8_t>(event_class - 1);
}

}  // namespace hbamgr::service
