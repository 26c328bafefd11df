#include "daemon/service/convert.h"

#include <linux/hbamgr.h>

#include <cstdint>

#include "gtest/gtest.h"

namespace hbamgr::service {
namespace {

// hbamgr.v1.EventCode mirrors enum hbamgr_event_code value for value; the
// names come from it.
TEST(EventCodeName, EveryAbiCodeHasItsName) {
  const struct {
    uint32_t code;
    const char* name;
  } codes[] = {
      {HBAMGR_EVT_CTRL_RESET_DONE, "CTRL_RESET_DONE"},
      {HBAMGR_EVT_CTRL_FW_FAULT, "CTRL_FW_FAULT"},
      {HBAMGR_EVT_CTRL_STATUS_NOTIFY, "CTRL_STATUS_NOTIFY"},
      {HBAMGR_EVT_CTRL_NVRAM_ERROR, "CTRL_NVRAM_ERROR"},
      {HBAMGR_EVT_ENCL_LINK_DOWN, "ENCL_LINK_DOWN"},
      {HBAMGR_EVT_ENCL_LINK_UP, "ENCL_LINK_UP"},
      {HBAMGR_EVT_PD_INSERTED, "PD_INSERTED"},
      {HBAMGR_EVT_PD_REMOVED, "PD_REMOVED"},
      {HBAMGR_EVT_PD_STATE_CHANGE, "PD_STATE_CHANGE"},
      {HBAMGR_EVT_PD_PREDICTIVE_FAIL, "PD_PREDICTIVE_FAIL"},
      {HBAMGR_EVT_PD_TEMPERATURE, "PD_TEMPERATURE"},
      {HBAMGR_EVT_PD_MEDIA_ERROR, "PD_MEDIA_ERROR"},
      {HBAMGR_EVT_PD_LOCATE, "PD_LOCATE"},
      {HBAMGR_EVT_VD_CREATED, "VD_CREATED"},
      {HBAMGR_EVT_VD_DELETED, "VD_DELETED"},
      {HBAMGR_EVT_VD_STATE_CHANGE, "VD_STATE_CHANGE"},
      {HBAMGR_EVT_BGOP_STARTED, "BGOP_STARTED"},
      {HBAMGR_EVT_BGOP_PROGRESS, "BGOP_PROGRESS"},
      {HBAMGR_EVT_BGOP_DONE, "BGOP_DONE"},
      {HBAMGR_EVT_BGOP_ABORTED, "BGOP_ABORTED"},
      {HBAMGR_EVT_BGOP_INCONSISTENT, "BGOP_INCONSISTENT"},
      {HBAMGR_EVT_HOST_EVENTS_LOST, "HOST_EVENTS_LOST"},
  };
  for (const auto& c : codes) EXPECT_EQ(EventCodeName(c.code), c.name) << c.code;
}

TEST(EventCodeName, AnUnknownCodeIsShownInHex) {
  EXPECT_EQ(EventCodeName(0), "0x0000");
  EXPECT_EQ(EventCodeName(0x0999), "0x0999");
  EXPECT_EQ(EventCodeName(HBAMGR_EVT_HOST_FIRST), "0xf000");
}

}  // namespace
}  // namespace hbamgr::service
