#include "daemon/health/poller.h"

#include <algorithm>
#include <cstring>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "daemon/health/log_pages.h"

namespace hbamgr::health {
namespace {

std::string Text(const char* field, size_t size) {
  return std::string(field, strnlen(field, size));
}

}  // namespace

Poller::Poller(adapter::Adapter* adapter, absl::Duration command_deadline)
    : adapter_(adapter),
      command_deadline_(command_deadline),
      mgmt_([this](adapter::PassthruCommand command) { return Run(std::move(command)); }) {}

adapter::PassthruResult Poller::Run(adapter::PassthruCommand command) {
  return adapter_->serializer().Run(kPollerClient, absl::Now() + command_deadline_,
                                    std::move(command),
                                    adapter::PassthruSerializer::Priority::kBackground);
}

absl::Status Poller::ReadState(AdapterSnapshot* snap) {
  hbamgr_info info{};
  info.size = sizeof(info);
  absl::Status s = adapter_->transport().GetInfo(&info);
  snap->info_ok = s.ok();
  if (s.ok()) snap->info = info;
  return s;
}

absl::Status Poller::ReadInventory(AdapterSnapshot* snap) {
  auto ctrl = mgmt_.CtrlInfo();
  if (!ctrl.ok()) return ctrl.status();
  auto encls = mgmt_.ListEnclosures();
  if (!encls.ok()) return encls.status();
  auto pds = mgmt_.ListDrives();
  if (!pds.ok()) return pds.status();
  auto vds = mgmt_.ListVirtualDrives();
  if (!vds.ok()) return vds.status();
  auto ops = mgmt_.ListBackgroundOps();
  if (!ops.ok()) return ops.status();

  snap->has_controller = true;
  snap->controller = *ctrl;
  snap->enclosures.clear();
  for (const hbamgr_encl_info& e : *encls) {
    EnclosureSnapshot es;
    es.info = e;
    es.path = EnclosurePath(snap->name, e.encl_id);
    for (const hbamgr_pd_info& pd : *pds) {
      if (pd.encl_id != e.encl_id) continue;
      ++es.drives_present;
      if (pd.state == HBAMGR_PD_MISSING) ++es.drives_missing;
    }
    snap->enclosures.push_back(std::move(es));
  }
  snap->drives.clear();
  for (const hbamgr_pd_info& pd : *pds) {
    DriveSnapshot ds;
    ds.info = pd;
    ds.path = DrivePath(snap->name, pd.encl_id, pd.slot);
    ds.serial = Text(pd.serial, sizeof(pd.serial));
    ds.model = Text(pd.model, sizeof(pd.model));
    ds.drive_class = pd.media_ssd ? DriveClass::kSsd : DriveClass::kHdd;
    snap->drives.push_back(std::move(ds));
  }
  // Newest first, so the model sees how each operation last ended.
  std::vector<hbamgr_bgop_info> sorted = *ops;
  std::stable_sort(sorted.begin(), sorted.end(),
                   [](const auto& a, const auto& b) { return a.started_ns > b.started_ns; });
  snap->bgops = sorted;
  snap->virtual_drives.clear();
  for (const hbamgr_vd_info& vd : *vds) {
    VirtualDriveSnapshot vs;
    vs.info = vd;
    vs.path = VirtualDrivePath(snap->name, vd.vd_id);
    vs.name = Text(vd.name, sizeof(vd.name));
    const uint16_t* members_end = vd.pd_ids + std::min<uint16_t>(vd.num_pds, HBAMGR_VD_MAX_PDS);
    for (const hbamgr_bgop_info& op : sorted) {
      // A rebuild targets a member drive; init and CC target the VD.
      const bool on_vd = op.type == HBAMGR_BGOP_REBUILD
                             ? std::find(vd.pd_ids, members_end, op.target) != members_end
                             : op.type != HBAMGR_BGOP_PATROL && op.target == vd.vd_id;
      if (on_vd) vs.bgops.push_back(op);
    }
    snap->virtual_drives.push_back(std::move(vs));
  }
  return absl::OkStatus();
}

absl::StatusOr<adapter::PassthruResult> Poller::Scsi(uint16_t pd_id, std::vector<uint8_t> cdb,
                                                     uint32_t data_in) {
  adapter::PassthruCommand command;
  command.pt.type = HBAMGR_PT_SCSI;
  command.pt.flags = HBAMGR_PT_F_PHYS;
  command.pt.dir = data_in != 0 ? HBAMGR_DIR_FROM_DEV : HBAMGR_DIR_NONE;
  command.pt.target = pd_id;
  command.pt.cdb_len = static_cast<uint8_t>(cdb.size());
  std::memcpy(command.pt.cdb, cdb.data(), cdb.size());
  command.pt.data_len = data_in;
  command.pt.sense_len = 32;
  adapter::PassthruResult result = Run(std::move(command));
  if (!result.status.ok()) return result.status;
  const hbamgr_passthru& pt = result.command.pt;
  if (pt.status != HBAMGR_ST_OK) {
    std::string what = absl::StrFormat("SCSI 0x%02x to pd %u", cdb[0], pd_id);
    if (pt.status == HBAMGR_ST_SCSI_ERROR && pt.sense_len_out >= 14) {
      const auto& s = result.command.sense;
      return absl::FailedPreconditionError(
          absl::StrFormat("%s: CHECK CONDITION sense key 0x%x ASC 0x%02x ASCQ 0x%02x", what,
                          s[2] & 0x0f, s[12], s[13]));
    }
    return adapter::FirmwareStatus(pt, what);
  }
  result.command.data.resize(pt.data_len - std::min(pt.resid, pt.data_len));
  return result;
}

absl::Status Poller::ReadLogPages(uint16_t pd_id, DriveLogPages* out) {
  DriveLogPages read = *out;
  using Parser = absl::Status (*)(std::span<const uint8_t>, DriveLogPages*);
  const std::pair<uint8_t, Parser> pages[] = {{kLogPageTemperature, ParseTemperaturePage},
                                              {kLogPageInfoExceptions, ParseInfoExceptionsPage},
                                              {kLogPageSelfTest, ParseSelfTestPage}};
  for (const auto& [page, parse] : pages) {
    auto result = Scsi(pd_id, LogSenseCdb(page, kLogPageMaxBytes), kLogPageMaxBytes);
    if (absl::Status s = result.ok() ? parse(result->command.data, &read) : result.status();
        !s.ok()) {
      out->error = std::string(s.message());
      return s;
    }
  }
  read.read = true;
  read.read_at = absl::Now();
  read.error.clear();
  *out = std::move(read);
  return absl::OkStatus();
}

absl::Status Poller::StartSelfTest(uint16_t pd_id, uint8_t code) {
  return Scsi(pd_id, SelfTestCdb(code), 0).status();
}

}  // namespace hbamgr::health
