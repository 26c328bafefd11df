// Transport on a simulated adapter of libhbacore, running in-process: the
// same driver core and ioctl dispatch as hbamgr.ko, without a kernel.
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
  // and opens one file on it.
  static absl::StatusOr<std::unique_ptr<SimTransport>> Create(const hbacore_sim_params& params);

  // Closes the file and removes the adapter.
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
  SimTransport(std::string device, hba_adapter* adapter, hba_file* file, int event_fd)
      : device_(std::move(device)), adapter_(adapter), file_(file), event_fd_(event_fd) {}

  const std::string device_;
  hba_adapter* const adapter_;
  hba_file* const file_;
  const int event_fd_;  // owned by file_
};

}  // namespace hbamgr::transport

#endif  // HBAMGR_DAEMON_TRANSPORT_SIM_TRANSPORT_H_
