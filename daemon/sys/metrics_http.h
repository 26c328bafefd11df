// Serves a MetricsRegistry as GET /metrics over plain HTTP/1.x.
#ifndef HBAMGR_DAEMON_SYS_METRICS_HTTP_H_
#define HBAMGR_DAEMON_SYS_METRICS_HTTP_H_

#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "daemon/sys/acceptor.h"
#include "daemon/sys/metrics.h"

namespace hbamgr::sys {

class MetricsHttpServer {
 public:
  // Listens on `address` ("127.0.0.1:9464", "[::1]:0", "localhost:9464";
  // port 0 picks a free port) and serves from a thread of its own:
  // GET /metrics -> 200 text/plain; version=0.0.4, any other path -> 404,
  // any other method -> 405.  One request per connection.  `registry` must
  // outlive the server.
  static absl::StatusOr<std::unique_ptr<MetricsHttpServer>> Start(absl::string_view address,
                                                                  const MetricsRegistry* registry);

  ~MetricsHttpServer();  // Stop()
  MetricsHttpServer(const MetricsHttpServer&) = delete;
  MetricsHttpServer& operator=(const MetricsHttpServer&) = delete;

  uint16_t port() const { return port_; }  // the bound port

  // Stops serving; a request in progress is abandoned.  Idempotent.
  void Stop();

 private:
  MetricsHttpServer(std::unique_ptr<Acceptor> acceptor, uint16_t port,
                    const MetricsRegistry* registry);
  void HandleConnection(int fd);

  std::unique_ptr<Acceptor> acceptor_;
  const uint16_t port_;
  const MetricsRegistry* const registry_;
};

}  // namespace hbamgr::sys

#endif  // HBAMGR_DAEMON_SYS_METRICS_HTTP_H_
