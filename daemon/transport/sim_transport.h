// Transport on a simulated adapter of libhbacore, running in-process: the
// same driver core and ioctl dispatch as hbamgr.ko, without a kernel.  The
// adapter keeps its NVRAM (configuration, event log) and drives in a state
// directory of its own, as a controller keeps them across power cuts.
#ifndef HBAMGR_DAEMON_TRANSPORT_SIM_TRANSPORT_H_
#define HBAMGR_DAEMON_TRANSPORT_SIM_TRANSPORT_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "daemon/transport/transport.h"
#include "hbacore.h"

namespace hbamgr::transport {

class SimTransport final : public Transport {
 public:
  // Powers on the adapter described by `params` (LIVE when this returns)
  // and opens one file on it.  Its NVRAM and drives are in `state_dir`
  // (created if missing, locked while the transport lives: another process
  // on it gets FAILED_PRECONDITION); "" = in RAM, gone at power-off.  A
  // state directory that is damaged or made for another topology (unless
  // params.adopt_topology) is FAILED_PRECONDITION, with what is wrong.
  static absl::StatusOr<std::unique_ptr<SimTransport>> Create(hbacore_sim_params params,
                                                              const std::string& state_dir);

  // Closes the file, removes the adapter (power-off) and unlocks its state.
  ~SimTransport() override;
  SimTransport(const SimTransport&) = delete;
  SimTransport& operator=(const SimTransport&) = delete;

  const std::string& device() const override { return device_; }
  absl::Status GetInfo(hbamgr_info* info) override;
  absl::Status Passthru(hbamgr_passthru* pt) override;
  absl::Status Reset(hbamgr_reset* reset) override;
  // Drains the eventfd first, so a record queued after the read wakes it
  // again.
  absl::StatusOr<size_t> ReadEvents(std::span<hbamgr_event> out) override;
  int event_fd() const override { return event_fd_; }

 private:
  SimTransport(std::string device, hbacore_nvram* nvram, hba_adapter* adapter, hba_file* file,
               int event_fd)
      : device_(std::move(device)),
        nvram_(nvram),
        adapter_(adapter),
        file_(file),
        event_fd_(event_fd) {}

  const std::string device_;
  hbacore_nvram* const nvram_;  // nullptr: RAM only
  hba_adapter* const adapter_;
  hba_file* const file_;
  const int event_fd_;  // owned by file_
};

}  // namespace hbamgr::transport

#endif  // HBAMGR_DAEMON_TRANSPORT_SIM_TRANSPORT_H_
