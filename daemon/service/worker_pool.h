// A fixed set of threads for RPC bodies that make several blocking adapter
// calls: gRPC callback handlers must not block, so they hand such bodies
// over here.
#ifndef HBAMGR_DAEMON_SERVICE_WORKER_POOL_H_
#define HBAMGR_DAEMON_SERVICE_WORKER_POOL_H_

#include <cstddef>
#include <deque>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/functional/any_invocable.h"
#include "absl/synchronization/mutex.h"

namespace hbamgr::service {

class WorkerPool {
 public:
  explicit WorkerPool(size_t threads);
  ~WorkerPool();  // Shutdown()
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  // Runs `task` on a pool thread.  After Shutdown() tasks still run (so
  // every RPC gets its answer), inline on the caller.
  void Schedule(absl::AnyInvocable<void() &&> task);
  // Runs the queued tasks and joins the threads.  Idempotent.
  void Shutdown();

 private:
  void Loop();

  absl::Mutex mu_;  // protects tasks_ and stopping_; a leaf lock
  std::deque<absl::AnyInvocable<void() &&>> tasks_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::vector<std::thread> threads_;
};

}  // namespace hbamgr::service

#endif  // HBAMGR_DAEMON_SERVICE_WORKER_POOL_H_
