#include "daemon/adapter/mgmt.h"

#include <linux/hbamgr.h>

#include <cstring>
#include <vector>

#include "gtest/gtest.h"

namespace hbamgr::adapter {
namespace {

// A firmware that answers every list opcode with `records`, as the list
// opcodes do: NO_SPACE with resid = the bytes needed when the buffer is too
// small, else result = records written and resid = the bytes left over.
template <typename Record>
CommandRunner ListAnswering(const std::vector<Record>& records, int* calls) {
  return [records, calls](PassthruCommand command) {
    ++*calls;
    PassthruResult result;
    hbamgr_passthru& pt = command.pt;
    const uint32_t need = records.size() * sizeof(Record);
    command.data.assign(pt.data_len, 0);
    if (need > pt.data_len) {
      pt.status = HBAMGR_ST_NO_SPACE;
      pt.resid = need;
    } else {
      if (need > 0) std::memcpy(command.data.data(), records.data(), need);
      pt.status = HBAMGR_ST_OK;
      pt.result = records.size();
      pt.resid = pt.data_len - need;
    }
    result.command = std::move(command);
    return result;
  };
}

// An empty list is an empty vector.  Before the fix, copying its zero
// records passed the empty vector's null data() to memcpy, which UBSan
// reports (the asan variant of this test aborted there; fuzz_rpc found it
// with ListBackgroundOps on an idle adapter).
TEST(MgmtTest, EmptyListIsEmpty) {
  int calls = 0;
  Mgmt mgmt(ListAnswering<hbamgr_bgop_info>({}, &calls));
  absl::StatusOr<std::vector<hbamgr_bgop_info>> bgops = mgmt.ListBackgroundOps();
  ASSERT_TRUE(bgops.ok()) << bgops.status();
  EXPECT_TRUE(bgops->empty());
  EXPECT_EQ(calls, 1);
}

// A list longer than the first buffer is fetched again at the size the
// firmware asked for, and every record arrives intact.
TEST(MgmtTest, LongListGrowsTheBufferOnce) {
  std::vector<hbamgr_pd_info> drives(100);
  for (size_t i = 0; i < drives.size(); ++i) {
    drives[i].pd_id = static_cast<uint16_t>(i);
    drives[i].slot = static_cast<uint16_t>(i % 8);
  }
  int calls = 0;
  Mgmt mgmt(ListAnswering(drives, &calls));
  absl::StatusOr<std::vector<hbamgr_pd_info>> got = mgmt.ListDrives();
  ASSERT_TRUE(got.ok()) << got.status();
  ASSERT_EQ(got->size(), drives.size());
  for (size_t i = 0; i < drives.size(); ++i) {
    EXPECT_EQ((*got)[i].pd_id, i);
    EXPECT_EQ((*got)[i].slot, i % 8);
  }
  EXPECT_EQ(calls, 2);
}

}  // namespace
}  // namespace hbamgr::adapter
