// libhbacore's NVRAM in a state directory (kmod/user/nvram_file.c): one
// process at a time, the adapter back from its files after a power cycle or
// a SIGKILL of the process at any instant, drive data in sparse files, and
// damaged files reported by name.
#include <fcntl.h>
#include <linux/hbamgr.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <functional>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "hbacore.h"
#include "support/adapter_fixture.h"
#include "support/powered_adapter.h"

namespace hbamgr::coretest {
namespace {

namespace fs = std::filesystem;
using std::chrono::seconds;

constexpr uint32_t kBlock = PoweredAdapter::kBlockSize;

std::string ReadFile(const std::string& path) {
  std::string out;
  FILE* f = fopen(path.c_str(), "rb");
  if (f == nullptr) return out;
  char buf[4096];
  for (size_t n; (n = fread(buf, 1, sizeof(buf), f)) > 0;) out.append(buf, n);
  fclose(f);
  return out;
}

void WriteFile(const std::string& path, const std::string& data) {
  FILE* f = fopen(path.c_str(), "wb");
  ASSERT_NE(f, nullptr) << path;
  EXPECT_EQ(fwrite(data.data(), 1, data.size(), f), data.size());
  fclose(f);
}

class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/hbacore-nvram-XXXXXX";
    path_ = mkdtemp(tmpl);
  }
  ~TempDir() { fs::remove_all(path_); }
  const std::string& path() const { return path_; }
  std::string file(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

struct NvramCloser {
  void operator()(hbacore_nvram* nv) const { hbacore_nvram_close(nv); }
};
using Nvram = std::unique_ptr<hbacore_nvram, NvramCloser>;

Nvram OpenNvram(const std::string& dir) {
  hbacore_nvram* nv = nullptr;
  char err[512];
  int ret = hbacore_nvram_open(dir.c_str(), &nv, err, sizeof(err));
  EXPECT_EQ(ret, 0) << err;
  return Nvram(nv);
}

std::string ErrorOf(hbacore_nvram* nv) {
  char buf[1024];
  hbacore_nvram_error(nv, buf, sizeof(buf));
  return buf;
}

hbacore_sim_params Params(hbacore_nvram* nv) {
  hbacore_sim_params p = SmallAdapterParams();
  p.sector_size = 512;
  p.drive_size_mb = 16;
  p.nvram = nv;
  return p;
}

// 0 and an adapter powered on from nv, or hbacore_adapter_create()'s error.
int PowerOn(hbacore_nvram* nv, std::unique_ptr<PoweredAdapter>* out) {
  hbacore_sim_params p = Params(nv);
  hba_adapter* a = nullptr;
  int ret = hbacore_adapter_create(&p, &a);
  if (ret == 0) *out = std::make_unique<PoweredAdapter>(a);
  return ret;
}

class NvramFileTest : public ::testing::Test {
 protected:
  void SetUp() override { warn_base_ = hbacore_warn_count(); }
  void TearDown() override { EXPECT_EQ(hbacore_warn_count(), warn_base_); }

 private:
  unsigned long warn_base_ = 0;
};

TEST_F(NvramFileTest, StateDirectoryIsOneProcessAtATime) {
  TempDir dir;
  const std::string path = dir.path() + "/a/b/c0";
  Nvram first = OpenNvram(path);
  ASSERT_NE(first, nullptr);
  struct stat st;
  ASSERT_EQ(stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u) << "the state holds drive data: private";

  hbacore_nvram* second = nullptr;
  char err[512];
  EXPECT_EQ(hbacore_nvram_open(path.c_str(), &second, err, sizeof(err)), -EBUSY);
  EXPECT_EQ(second, nullptr);
  EXPECT_NE(std::string(err).find("in use by process " + std::to_string(getpid())),
            std::string::npos)
      << err;
  EXPECT_NE(std::string(err).find(path), std::string::npos) << err;
  first.reset();
  EXPECT_NE(OpenNvram(path), nullptr) << "free again once closed";
}

// Configuration, event log and drive data come back from the files.
TEST_F(NvramFileTest, AdapterComesBackFromItsFiles) {
  TempDir dir;
  std::vector<uint8_t> data(32 * kBlock);
  for (size_t i = 0; i < data.size(); i++) data[i] = static_cast<uint8_t>(i * 13 + 5);
  uint16_t vd = 0;
  hbamgr_evtlog_info before{};
  {
    Nvram nv = OpenNvram(dir.path());
    std::unique_ptr<PoweredAdapter> p;
    ASSERT_EQ(PowerOn(nv.get(), &p), 0) << ErrorOf(nv.get());
    ASSERT_EQ(p->CreateVd(1, {5, 6}, &vd), HBAMGR_ST_OK);
    ASSERT_EQ(p->Write(vd, 100, data), HBAMGR_ST_OK);
    before = p->LogInfo();
  }
  Nvram nv = OpenNvram(dir.path());
  std::unique_ptr<PoweredAdapter> p;
  ASSERT_EQ(PowerOn(nv.get(), &p), 0) << ErrorOf(nv.get());
  ASSERT_EQ(p->Vds().size(), 3u);
  EXPECT_TRUE(p->Read(vd, 100, 32) == data);
  const hbamgr_evtlog_info after = p->LogInfo();
  EXPECT_EQ(after.log_id, before.log_id);
  EXPECT_GE(after.newest_seq, before.newest_seq);
  std::vector<hbamgr_event> log = p->Log(1);
  ASSERT_FALSE(log.empty());
  for (size_t i = 0; i < log.size(); i++) EXPECT_EQ(log[i].seq, i + 1);

  // Drive data is sparse: a 16 MiB drive holding 16 KiB takes little.
  struct stat st;
  ASSERT_EQ(stat(dir.file("pd-005.img").c_str(), &st), 0);
  EXPECT_EQ(st.st_size, 16 << 20);
  EXPECT_LT(st.st_blocks * 512, 1 << 20);
}

// What is wrong with the files is refused with a message naming the file.
TEST_F(NvramFileTest, DamagedFilesAreRefusedByName) {
  TempDir dir;
  {
    Nvram nv = OpenNvram(dir.path());
    std::unique_ptr<PoweredAdapter> p;
    ASSERT_EQ(PowerOn(nv.get(), &p), 0) << ErrorOf(nv.get());
  }
  struct Case {
    const char* what;
    std::function<void()> damage, repair;
    const char* message;
  };
  const std::string config = dir.file("config"), evtlog = dir.file("evtlog"),
                    pd3 = dir.file("pd-003.img");
  const auto size_of = [](const std::string& f) { return fs::file_size(f); };
  const uintmax_t evtlog_size = size_of(evtlog), config_size = size_of(config),
                  pd_size = size_of(pd3);
  const std::string saved_config = ReadFile(config);
  const Case cases[] = {
      {"evtlog truncated", [&] { fs::resize_file(evtlog, 4096); },
       [&] { fs::resize_file(evtlog, evtlog_size); }, "evtlog: 4096 bytes"},
      {"config truncated", [&] { fs::resize_file(config, config_size - 3); },
       [&] { WriteFile(config, saved_config); }, "truncated"},
      {"config damaged", [&] { WriteFile(config, "x" + saved_config.substr(1)); },
       [&] { WriteFile(config, saved_config); }, "not an hbamgr configuration image"},
      {"drive missing", [&] { fs::rename(pd3, pd3 + ".away"); },
       [&] { fs::rename(pd3 + ".away", pd3); }, "pd-003.img: missing"},
      {"drive of another size", [&] { fs::resize_file(pd3, pd_size / 2); },
       [&] { fs::resize_file(pd3, pd_size); }, "pd-003.img: 8388608 bytes"},
  };
  for (const Case& c : cases) {
    c.damage();
    Nvram nv = OpenNvram(dir.path());
    std::unique_ptr<PoweredAdapter> p;
    EXPECT_EQ(PowerOn(nv.get(), &p), -EUCLEAN) << c.what;
    const std::string err = ErrorOf(nv.get());
    EXPECT_NE(err.find(c.message), std::string::npos) << c.what << ": " << err;
    EXPECT_NE(err.find(dir.path()), std::string::npos) << c.what << ": " << err;
    nv.reset();
    c.repair();
  }
  Nvram nv = OpenNvram(dir.path());
  std::unique_ptr<PoweredAdapter> p;
  EXPECT_EQ(PowerOn(nv.get(), &p), 0) << "repaired: " << ErrorOf(nv.get());
}

// A process killed (SIGKILL) at a random instant of an event storm and of
// configuration changes leaves every event it logged, and a configuration
// and log that agree: each VD the log announced exists.
TEST_F(NvramFileTest, SigkillLosesNoLoggedEvent) {
  TempDir dir;
  std::mt19937 rng(std::random_device{}());
  for (int round = 0; round < 3; round++) {
    int pipefd[2];
    ASSERT_EQ(pipe(pipefd), 0);
    const pid_t child = fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
      close(pipefd[0]);
      hbacore_nvram* nv = nullptr;
      char err[512];
      if (hbacore_nvram_open(dir.path().c_str(), &nv, err, sizeof(err))) _exit(2);
      hbacore_sim_params params = Params(nv);
      hba_adapter* a = nullptr;
      if (hbacore_adapter_create(&params, &a)) _exit(3);
      hba_file* f = nullptr;
      if (hbacore_open(a, &f)) _exit(4);
      for (uint32_t i = 0;; i++) {
        hbamgr_mbox_fault storm{};
        storm.fault = HBAMGR_FAULT_SRB_STORM;
        storm.count = 50;
        hbacore_inject_fault(a, &storm);
        hbamgr_evtlog_info info{};
        hbamgr_passthru pt =
            MgmtPassthru(HBAMGR_MGMT_EVTLOG_INFO, HBAMGR_DIR_FROM_DEV, &info, sizeof(info));
        if (hbacore_ioctl(f, HBAMGR_IOC_PASSTHRU, &pt, true) || pt.status) _exit(5);
        // Logged: tell the parent, which may kill us from now on.
        if (write(pipefd[1], &info.newest_seq, sizeof(info.newest_seq)) < 0) _exit(6);
        hbamgr_mbox_pd_locate locate{};
        locate.pd_id = static_cast<uint16_t>(i % 8);
        locate.on = (i / 8) & 1;
        pt = MgmtPassthru(HBAMGR_MGMT_PD_LOCATE, HBAMGR_DIR_NONE, nullptr, 0, &locate,
                          sizeof(locate));
        hbacore_ioctl(f, HBAMGR_IOC_PASSTHRU, &pt, true);
      }
    }
    close(pipefd[1]);
    const uint32_t reports = 1 + rng() % 40;
    uint64_t reported = 0;
    for (uint32_t i = 0; i < reports; i++) {
      ASSERT_EQ(read(pipefd[0], &reported, sizeof(reported)), sizeof(reported))
          << "the child died early";
    }
    ASSERT_EQ(kill(child, SIGKILL), 0);
    int status = 0;
    ASSERT_EQ(waitpid(child, &status, 0), child);
    ASSERT_TRUE(WIFSIGNALED(status)) << "child exit status " << status;
    close(pipefd[0]);

    Nvram nv = OpenNvram(dir.path());
    std::unique_ptr<PoweredAdapter> p;
    ASSERT_EQ(PowerOn(nv.get(), &p), 0) << ErrorOf(nv.get());
    const hbamgr_evtlog_info info = p->LogInfo();
    EXPECT_GE(info.newest_seq, reported) << "round " << round;
    // Contiguous and whole from the oldest kept on.
    std::vector<hbamgr_event> log;
    for (uint64_t from = info.oldest_seq; from <= info.newest_seq;) {
      std::vector<hbamgr_event> part = p->Log(from);
      ASSERT_FALSE(part.empty());
      log.insert(log.end(), part.begin(), part.end());
      from = part.back().seq + 1;
    }
    for (size_t i = 0; i < log.size(); i++) {
      ASSERT_EQ(log[i].seq, info.oldest_seq + i) << "round " << round;
      ASSERT_EQ(log[i].type, HBAMGR_EVT_TYPE_RECORD);
    }
    // Each locate the log announced is the one the configuration holds.
    std::vector<int> locate(8, -1);
    for (const hbamgr_event& e : log) {
      if (e.code == HBAMGR_EVT_PD_LOCATE) locate[e.pd_id] = static_cast<int>(e.arg0);
    }
    std::vector<hbamgr_pd_info> pds = p->Pds();
    for (uint16_t pd = 0; pd < 8; pd++) {
      if (locate[pd] < 0) continue;  // its last locate left the log
      EXPECT_EQ(pds[pd].locate_on, locate[pd]) << "PD " << pd;
    }
  }
}

}  // namespace
}  // namespace hbamgr::coretest
