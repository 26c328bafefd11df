// The simulated firmware identifies as hbamgr's own, never as a vendor's
// hardware (issue 11, "a borrowed identity": VDs answered INQUIRY as
// BROADCOM, drives as SEAGATE/HGST/TOSHIBA/ATA SAMSUNG models, addresses
// carried Seagate's and LSI's IEEE OUIs).  Every identity field of every
// object is checked against the literal values documented in docs/abi.md
// (not against the firmware's own macros, so a changed macro fails), and
// every answer a tool reads (INQUIRY, each VPD, log and mode page, the
// management records) is scanned for the names of real vendors.
#include <linux/hbamgr.h>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "support/fw_store_harness.h"

namespace hbamgr::fwstoretest {
namespace {

constexpr char kVendor[] = "HBAMGR";
constexpr char kRevision[] = "1.00";
constexpr uint64_t kNaaTag = 0x348424dULL;  // NAA 3 (locally assigned), "HBM"

// T10 vendor ids and names of vendors whose adapters and drives the
// simulation imitates or once borrowed the identity of.
const char* const kVendorNames[] = {
    "BROADCOM", "BROADCM", "AVAGO",  "LSI",   "MEGARAID", "SEAGATE", "HGST", "HITACHI",
    "TOSHIBA",  "SAMSUNG", "WDC",    "INTEL", "MICRON",   "KIOXIA",  "DELL", "NETAPP",
    "ST600",    "MZ7LH",   "HUS726", "PX05",  "SK0",      "5.220",   "ATA  "};

std::string Field(const void* p, size_t n) {
  const char* c = static_cast<const char*>(p);
  std::string s(c, strnlen(c, n));
  while (!s.empty() && s.back() == ' ') s.pop_back();
  return s;
}

std::string Upper(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::toupper(c); });
  return s;
}

void ExpectNoVendorName(const std::string& what, const std::string& bytes) {
  std::string up = Upper(bytes);
  for (const char* name : kVendorNames)
    EXPECT_EQ(up.find(name), std::string::npos) << what << " names a vendor: " << name;
}

void ExpectOurNaa(const std::string& what, uint64_t naa) {
  EXPECT_EQ(naa >> 36, kNaaTag) << what << std::hex << ": 0x" << naa;
}

void ExpectOurSerial(const std::string& what, const std::string& serial, char kind) {
  ASSERT_EQ(serial.size(), 21u) << what << ": " << serial;
  EXPECT_EQ(serial.substr(0, 6), kVendor) << what << ": " << serial;
  EXPECT_EQ(serial[8], kind) << what << ": " << serial;
}

uint64_t Be64(const uint8_t* p) {
  uint64_t v = 0;
  for (int i = 0; i < 8; i++) v = v << 8 | p[i];
  return v;
}

class IdentityTest : public ::testing::TestWithParam<uint32_t> {
 protected:
  void SetUp() override {
    hba_fw_config cfg = SmallStoreConfig();
    cfg.sector_size = GetParam();  // 0: the default mix of 512n, 512e and 4Kn
    cfg.adapter_index = 7;
    h_ = std::make_unique<FwStoreHarness>(cfg);
    ASSERT_TRUE(h_->ok());
    // A VD of every sector size the mix has.
    for (uint32_t lbs : {512u, 4096u}) {
      std::vector<uint16_t> pds;
      for (const auto& pd : h_->PdList())
        if (pd.logical_block_size == lbs && pds.size() < 2) pds.push_back(pd.pd_id);
      if (pds.size() == 2) {
        ASSERT_EQ(h_->CreateVd(1, pds), HBAMGR_ST_OK);
      }
    }
    ASSERT_FALSE(h_->VdList().empty());
  }

  // Every answer a tool reads from one logical unit, checked on the way.
  std::string LogicalUnitAnswers(const std::string& what, uint16_t target, bool phys,
                                 const std::string& serial, char kind) {
    std::string all;
    auto scsi = [&](std::vector<uint8_t> cdb, uint32_t alloc) {
      ScsiReply r = h_->Scsi(target, cdb, HBAMGR_DIR_FROM_DEV, alloc, {}, phys);
      EXPECT_EQ(r.reply.status, HBAMGR_ST_OK) << what << " cdb 0x" << std::hex << int(cdb[0]);
      all.append(r.data.begin(), r.data.end());
      return r.data;
    };
    std::vector<uint8_t> inq = scsi({0x12, 0, 0, 0, 96, 0}, 96);
    EXPECT_EQ(inq.size(), 96u);
    if (inq.size() < 36) return all;
    EXPECT_EQ(Field(&inq[8], 8), kVendor) << what;
    EXPECT_EQ(Field(&inq[32], 4), kRevision) << what;
    ExpectNoVendorName(what + " INQUIRY product", Field(&inq[16], 16));

    std::vector<uint8_t> vpds = scsi({0x12, 1, 0x00, 0, 255, 0}, 255);
    for (size_t i = 4; i < vpds.size(); i++) {
      std::vector<uint8_t> page = scsi({0x12, 1, vpds[i], 0, 255, 0}, 255);
      if (vpds[i] == 0x80) {
        EXPECT_EQ(std::string(page.begin() + 4, page.end()), serial) << what << " VPD 0x80";
      }
      if (vpds[i] != 0x83) continue;
      int naas = 0, t10 = 0;
      for (size_t d = 4; d + 4 <= page.size(); d += 4 + page[d + 3]) {
        const uint8_t* des = &page[d];
        if (d + 4 + des[3] > page.size()) {
          ADD_FAILURE() << what << ": VPD 0x83 designator overruns the page";
          break;
        }
        if ((des[1] & 0x0f) == 3) {  // NAA
          EXPECT_EQ(des[3], 8) << what;
          ExpectOurNaa(what + " VPD 0x83 NAA", Be64(des + 4));
          naas++;
        } else if ((des[1] & 0x0f) == 1) {  // T10 vendor id based
          EXPECT_EQ(Field(des + 4, 8), kVendor) << what;
          EXPECT_EQ(std::string(des + 12, des + 4 + des[3]), serial) << what;
          t10++;
        }
      }
      EXPECT_EQ(naas, 2) << what << ": LU name and target port";
      EXPECT_EQ(t10, 1) << what;
    }
    ExpectOurSerial(what, serial, kind);

    std::vector<uint8_t> logs = scsi({0x4d, 0, 0x00, 0, 0, 0, 0, 0x02, 0, 0}, 512);
    for (size_t i = 4; i < logs.size(); i++)
      scsi({0x4d, 0, static_cast<uint8_t>(0x40 | logs[i]), 0, 0, 0, 0, 0x02, 0, 0}, 512);
    for (uint8_t pc : {0, 1, 2})
      scsi({0x5a, 0, static_cast<uint8_t>(pc << 6 | 0x3f), 0, 0, 0, 0, 0x02, 0, 0}, 512);
    return all;
  }

  std::unique_ptr<FwStoreHarness> h_;
};

TEST_P(IdentityTest, ControllerIsHbamgrs) {
  std::vector<uint8_t> buf(sizeof(hbamgr_ctrl_info));
  ASSERT_EQ(h_->Mgmt(HBAMGR_MGMT_CTRL_GET_INFO, nullptr, 0, HBAMGR_DIR_FROM_DEV, &buf).status,
            HBAMGR_ST_OK);
  hbamgr_ctrl_info ci;
  std::memcpy(&ci, buf.data(), sizeof(ci));
  EXPECT_STREQ(ci.model, "HBAMGR SIM-9460-16i");
  EXPECT_STREQ(ci.fw_version, "HBAMGR FW 1.00");
  ExpectOurSerial("controller", Field(ci.serial, sizeof(ci.serial)), 'C');
  EXPECT_EQ(std::string(ci.serial, 8), "HBAMGR07");
  ExpectOurNaa("controller SAS address", ci.sas_address);
  ExpectNoVendorName("CTRL_GET_INFO", std::string(buf.begin(), buf.end()));

  hba_ioc_facts facts{};
  fw_store_ident(h_->store(), &facts);
  EXPECT_STREQ(facts.model, ci.model);
  EXPECT_STREQ(facts.serial, ci.serial);
  EXPECT_STREQ(facts.fw_version, ci.fw_version);
  EXPECT_EQ(facts.sas_address, ci.sas_address);

  buf.assign(sizeof(hbamgr_encl_info) * 4, 0);
  hba_reply_frame r = h_->Mgmt(HBAMGR_MGMT_ENCL_LIST, nullptr, 0, HBAMGR_DIR_FROM_DEV, &buf);
  ASSERT_EQ(r.status, HBAMGR_ST_OK);
  ASSERT_GE(r.result, 1u);
  for (uint32_t i = 0; i < r.result; i++) {
    hbamgr_encl_info e;
    std::memcpy(&e, &buf[i * sizeof(e)], sizeof(e));
    EXPECT_EQ(Field(e.vendor, sizeof(e.vendor)), kVendor);
    EXPECT_EQ(Field(e.product, sizeof(e.product)), "SIM-SES");
  }
  ExpectNoVendorName("ENCL_LIST", std::string(buf.begin(), buf.end()));
}

TEST_P(IdentityTest, DrivesAreHbamgrs) {
  std::vector<std::string> serials;
  std::vector<uint64_t> addresses;
  for (const auto& pd : h_->PdList()) {
    std::string what = "PD " + std::to_string(pd.pd_id);
    EXPECT_EQ(Field(pd.vendor, sizeof(pd.vendor)), kVendor) << what;
    EXPECT_EQ(Field(pd.fw_rev, sizeof(pd.fw_rev)), kRevision) << what;
    std::string model = Field(pd.model, sizeof(pd.model));
    EXPECT_EQ(model.substr(0, 4), "SIM ") << what << ": " << model;
    std::string serial = Field(pd.serial, sizeof(pd.serial));
    EXPECT_EQ(serial.substr(0, 13), "HBAMGR07D" +
                                        std::string(4 - std::to_string(pd.pd_id).size(), '0') +
                                        std::to_string(pd.pd_id))
        << what;
    ExpectOurNaa(what + " SAS address", pd.sas_address);
    ExpectNoVendorName(what + " PD_LIST record",
                       std::string(reinterpret_cast<const char*>(&pd), sizeof(pd)));
    ExpectNoVendorName(what + " answers", LogicalUnitAnswers(what, pd.pd_id, true, serial, 'D'));
    serials.push_back(serial);
    addresses.push_back(pd.sas_address);
  }
  std::sort(serials.begin(), serials.end());
  EXPECT_EQ(std::unique(serials.begin(), serials.end()), serials.end()) << "serials repeat";
  std::sort(addresses.begin(), addresses.end());
  EXPECT_EQ(std::unique(addresses.begin(), addresses.end()), addresses.end())
      << "SAS addresses repeat";
}

TEST_P(IdentityTest, VirtualDrivesAreHbamgrs) {
  for (const auto& vd : h_->VdList()) {
    std::string what = "VD " + std::to_string(vd.vd_id);
    ScsiReply r = h_->Scsi(vd.vd_id, {0x12, 1, 0x80, 0, 255, 0}, HBAMGR_DIR_FROM_DEV, 255);
    ASSERT_EQ(r.reply.status, HBAMGR_ST_OK);
    std::string serial(r.data.begin() + 4, r.data.end());
    EXPECT_EQ(serial.substr(0, 9), "HBAMGR07V") << what;
    std::string answers = LogicalUnitAnswers(what, vd.vd_id, false, serial, 'V');
    ExpectNoVendorName(what + " answers", answers);
    ScsiReply inq = h_->Scsi(vd.vd_id, {0x12, 0, 0, 0, 96, 0}, HBAMGR_DIR_FROM_DEV, 96);
    ASSERT_EQ(inq.data.size(), 96u);
    EXPECT_EQ(Field(&inq.data[16], 16), "SIM-9460-16i VD") << what;
  }
}

INSTANTIATE_TEST_SUITE_P(SectorSizes, IdentityTest, ::testing::Values(0u, 512u, 4096u),
                         [](const auto& info) { return "Sector" + std::to_string(info.param); });

}  // namespace
}  // namespace hbamgr::fwstoretest
