// Tests of the userspace OS shim (kmod/user): the kernel semantics the core
// relies on, and the debug checks that stand in for lockdep.
#include <poll.h>
#include <sys/mman.h>
#include <unistd.h>

#include <atomic>
#include <cstdint>
#include <mutex>
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "hba_os.h"

namespace hba_os_user_test {
namespace {

constexpr u32 kLongMs = 10000;  // deadline for things that must happen
constexpr u32 kShortMs = 50;    // window for things that must not happen

u64 Addr(const void* p) { return static_cast<u64>(reinterpret_cast<uintptr_t>(p)); }

class OsUserTest : public ::testing::Test {
 protected:
  void SetUp() override { warn_base_ = hba_os_warn_count(); }
  void TearDown() override { EXPECT_EQ(hba_os_warn_count(), warn_base_ + expected_warnings_); }
  // For tests that provoke warnings on purpose.
  unsigned long WarningsSoFar() const { return hba_os_warn_count() - warn_base_; }
  unsigned long expected_warnings_ = 0;

 private:
  unsigned long warn_base_ = 0;
};

// A work item that blocks until released, tracking how many instances run
// at once.
struct BlockingWork {
  hba_work work;
  hba_completion started;
  hba_completion release;
  std::atomic<int> running{0};
  std::atomic<int> max_running{0};
  std::atomic<int> runs{0};

  BlockingWork() {
    hba_work_init(&work, Run);
    hba_init_completion(&started);
    hba_init_completion(&release);
  }
  static void Run(hba_work* w) {
    auto* self = container_of(w, BlockingWork, work);
    int now = ++self->running;
    int prev = self->max_running.load();
    while (now > prev && !self->max_running.compare_exchange_weak(prev, now)) {
    }
    self->runs++;
    hba_complete(&self->started);
    hba_wait_for_completion_timeout(&self->release, kLongMs);
    self->running--;
  }
};

TEST_F(OsUserTest, WorkItemNeverRunsConcurrentlyWithItself) {
  hba_wq* wq = hba_wq_create("reentr", 4);
  ASSERT_NE(wq, nullptr);
  BlockingWork bw;

  ASSERT_TRUE(hba_queue_work(wq, &bw.work));
  ASSERT_GT(hba_wait_for_completion_timeout(&bw.started, kLongMs), 0);
  // Running, not pending: queueing again schedules one more run...
  EXPECT_TRUE(hba_queue_work(wq, &bw.work));
  // ...and queueing a pending item is a no-op.
  EXPECT_FALSE(hba_queue_work(wq, &bw.work));
  // Three idle workers must still not start the second instance.
  EXPECT_EQ(hba_wait_for_completion_timeout(&bw.started, kShortMs), 0);
  EXPECT_EQ(bw.runs.load(), 1);

  hba_complete_all(&bw.release);
  ASSERT_GT(hba_wait_for_completion_timeout(&bw.started, kLongMs), 0);
  hba_flush_work(&bw.work);
  EXPECT_EQ(bw.runs.load(), 2);
  EXPECT_EQ(bw.max_running.load(), 1);
  hba_wq_destroy(wq);
}

// Records the order in which delayed items ran.
struct OrderedWork {
  hba_delayed_work dwork;
  int id = 0;
  std::mutex* mu = nullptr;
  std::vector<int>* order = nullptr;
  hba_completion* done = nullptr;

  static void Run(hba_work* w) {
    auto* self = container_of(w, OrderedWork, dwork.work);
    {
      std::lock_guard<std::mutex> lock(*self->mu);
      self->order->push_back(self->id);
    }
    hba_complete(self->done);
  }
};

TEST_F(OsUserTest, DelayedWorkRunsInDeadlineOrder) {
  hba_wq* wq = hba_wq_create("order", 1);
  ASSERT_NE(wq, nullptr);
  std::mutex mu;
  std::vector<int> order;
  hba_completion done;
  hba_init_completion(&done);
  OrderedWork items[3];
  const u32 delays[3] = {60, 20, 0};
  for (int i = 0; i < 3; i++) {
    items[i].id = i;
    items[i].mu = &mu;
    items[i].order = &order;
    items[i].done = &done;
    hba_delayed_work_init(&items[i].dwork, OrderedWork::Run);
  }
  const u64 start = hba_now_ns();
  for (int i = 0; i < 3; i++) ASSERT_TRUE(hba_queue_delayed_work(wq, &items[i].dwork, delays[i]));
  EXPECT_FALSE(hba_queue_delayed_work(wq, &items[0].dwork, 0));  // timer pending
  for (int i = 0; i < 3; i++) ASSERT_GT(hba_wait_for_completion_timeout(&done, kLongMs), 0);
  EXPECT_GE(hba_now_ns() - start, 60ULL * 1000000ULL);
  std::lock_guard<std::mutex> lock(mu);
  EXPECT_EQ(order, (std::vector<int>{2, 1, 0}));
  hba_wq_destroy(wq);
}

TEST_F(OsUserTest, CancelAndModifyDelayedWork) {
  hba_wq* wq = hba_wq_create("cancel", 2);
  ASSERT_NE(wq, nullptr);
  std::mutex mu;
  std::vector<int> order;
  hba_completion done;
  hba_init_completion(&done);
  OrderedWork item;
  item.mu = &mu;
  item.order = &order;
  item.done = &done;
  hba_delayed_work_init(&item.dwork, OrderedWork::Run);

  ASSERT_TRUE(hba_queue_delayed_work(wq, &item.dwork, 100000));
  EXPECT_TRUE(hba_cancel_delayed_work_sync(&item.dwork));
  EXPECT_FALSE(hba_cancel_delayed_work_sync(&item.dwork));
  EXPECT_EQ(hba_wait_for_completion_timeout(&done, kShortMs), 0);

  // Pull a far timer in: it runs now, once.
  ASSERT_TRUE(hba_queue_delayed_work(wq, &item.dwork, 100000));
  hba_mod_delayed_work(wq, &item.dwork, 0);
  ASSERT_GT(hba_wait_for_completion_timeout(&done, kLongMs), 0);
  hba_flush_delayed_work(&item.dwork);
  // Flushing an armed timer runs it at once.
  ASSERT_TRUE(hba_queue_delayed_work(wq, &item.dwork, 100000));
  hba_flush_delayed_work(&item.dwork);
  EXPECT_TRUE(hba_completion_done(&done));
  std::lock_guard<std::mutex> lock(mu);
  EXPECT_EQ(order.size(), 2u);
  hba_wq_destroy(wq);
}

TEST_F(OsUserTest, CancelSyncWaitsForTheRunningInstance) {
  hba_wq* wq = hba_wq_create("cansync", 2);
  ASSERT_NE(wq, nullptr);
  BlockingWork bw;
  ASSERT_TRUE(hba_queue_work(wq, &bw.work));
  ASSERT_GT(hba_wait_for_completion_timeout(&bw.started, kLongMs), 0);
  EXPECT_TRUE(hba_queue_work(wq, &bw.work));  // pending behind the running one

  hba_completion cancelled;
  hba_init_completion(&cancelled);
  bool was_pending = false;
  std::thread canceller([&] {
    was_pending = hba_cancel_work_sync(&bw.work);
    hba_complete(&cancelled);
  });
  EXPECT_EQ(hba_wait_for_completion_timeout(&cancelled, kShortMs), 0);
  EXPECT_EQ(bw.running.load(), 1);
  hba_complete_all(&bw.release);
  ASSERT_GT(hba_wait_for_completion_timeout(&cancelled, kLongMs), 0);
  canceller.join();
  EXPECT_TRUE(was_pending);
  EXPECT_EQ(bw.running.load(), 0);
  EXPECT_EQ(bw.runs.load(), 1);  // the pending instance was cancelled
  hba_wq_destroy(wq);
}

struct CountingWork {
  hba_work work;
  std::atomic<int>* count;
  static void Run(hba_work* w) { container_of(w, CountingWork, work)->count->fetch_add(1); }
};

TEST_F(OsUserTest, DestroyDrainsQueuedWork) {
  hba_wq* wq = hba_wq_create("drain", 2);
  ASSERT_NE(wq, nullptr);
  std::atomic<int> count{0};
  CountingWork items[32];
  for (auto& item : items) {
    item.count = &count;
    hba_work_init(&item.work, CountingWork::Run);
    ASSERT_TRUE(hba_queue_work(wq, &item.work));
  }
  hba_wq_destroy(wq);
  EXPECT_EQ(count.load(), 32);
}

TEST_F(OsUserTest, CompletionTimesOutThenCompletes) {
  hba_completion c;
  hba_init_completion(&c);
  const u64 start = hba_now_ns();
  EXPECT_EQ(hba_wait_for_completion_timeout(&c, 30), 0);
  EXPECT_GE(hba_now_ns() - start, 30ULL * 1000000ULL);
  EXPECT_FALSE(hba_completion_done(&c));

  hba_complete(&c);
  EXPECT_TRUE(hba_completion_done(&c));
  EXPECT_GT(hba_wait_for_completion_killable_timeout(&c, kLongMs), 0);
  // complete() is consumed by one wait; complete_all() satisfies every one.
  EXPECT_EQ(hba_wait_for_completion_timeout(&c, 1), 0);
  hba_complete_all(&c);
  EXPECT_GT(hba_wait_for_completion_timeout(&c, 1), 0);
  EXPECT_GT(hba_wait_for_completion_timeout(&c, 1), 0);
  hba_reinit_completion(&c);
  EXPECT_FALSE(hba_completion_done(&c));

  std::thread completer([&] { hba_complete(&c); });
  EXPECT_GT(hba_wait_for_completion_timeout(&c, kLongMs), 0);
  completer.join();
}

TEST_F(OsUserTest, WaitQueueWakesWaitersAndEventfd) {
  hba_waitq wq;
  hba_waitq_init(&wq);
  std::atomic<bool> flag{false};

  EXPECT_EQ(hba_wait_event_timeout(&wq, flag.load(), 20), 0);
  int fd = hba_waitq_eventfd(&wq);
  ASSERT_GE(fd, 0);
  EXPECT_EQ(hba_waitq_eventfd(&wq), fd);  // created once
  pollfd pfd = {fd, POLLIN, 0};
  EXPECT_EQ(poll(&pfd, 1, 0), 0);

  std::thread waker([&] {
    flag = true;
    hba_wake_up_all(&wq);
  });
  EXPECT_GT(hba_wait_event_timeout(&wq, flag.load(), kLongMs), 0);
  EXPECT_EQ(hba_wait_event_killable(&wq, flag.load()), 0);
  waker.join();
  ASSERT_EQ(poll(&pfd, 1, static_cast<int>(kLongMs)), 1);
  uint64_t value = 0;
  ASSERT_EQ(read(fd, &value, sizeof(value)), static_cast<ssize_t>(sizeof(value)));
  EXPECT_EQ(value, 1u);
  EXPECT_EQ(poll(&pfd, 1, 0), 0);  // drained
  hba_waitq_eventfd_close(&wq);
}

TEST_F(OsUserTest, CopyUserFaultsOnBadPointers) {
  const char src[8] = "abcdefg";
  char dst[8] = {};
  EXPECT_EQ(hba_copy_from_user(dst, Addr(src), sizeof(src)), 0);
  EXPECT_STREQ(dst, "abcdefg");
  EXPECT_EQ(hba_copy_from_user(dst, 0, sizeof(dst)), -EFAULT);
  EXPECT_EQ(hba_copy_from_user(dst, 0xdead00000000ULL, sizeof(dst)), -EFAULT);
  EXPECT_EQ(hba_copy_to_user(0, src, sizeof(src)), -EFAULT);
  EXPECT_EQ(hba_copy_to_user(0xdead00000000ULL, src, sizeof(src)), -EFAULT);

  const long page = sysconf(_SC_PAGESIZE);
  void* ro =
      mmap(nullptr, static_cast<size_t>(page), PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  ASSERT_NE(ro, MAP_FAILED);
  EXPECT_EQ(hba_copy_to_user(Addr(ro), src, sizeof(src)), -EFAULT);
  EXPECT_EQ(hba_check_zeroed_user(Addr(ro), static_cast<size_t>(page)), 1);
  munmap(ro, static_cast<size_t>(page));

  char buf[600] = {};
  EXPECT_EQ(hba_check_zeroed_user(Addr(buf), sizeof(buf)), 1);
  buf[599] = 1;
  EXPECT_EQ(hba_check_zeroed_user(Addr(buf), sizeof(buf)), 0);
  EXPECT_EQ(hba_check_zeroed_user(0, 4), -EFAULT);
  EXPECT_EQ(hba_copy_to_user(Addr(dst), "xy", 3), 0);
  EXPECT_STREQ(dst, "xy");
}

TEST_F(OsUserTest, AtomicsFollowKernelSemantics) {
  hba_atomic_t a;
  hba_atomic_set(&a, 1);
  EXPECT_EQ(hba_atomic_dec_if_positive(&a), 0);
  EXPECT_EQ(hba_atomic_read(&a), 0);
  EXPECT_EQ(hba_atomic_dec_if_positive(&a), -1);
  EXPECT_EQ(hba_atomic_read(&a), 0);           // not stored when negative
  EXPECT_EQ(hba_atomic_cmpxchg(&a, 5, 7), 0);  // mismatch: returns old, no store
  EXPECT_EQ(hba_atomic_cmpxchg(&a, 0, 7), 0);
  EXPECT_EQ(hba_atomic_read(&a), 7);
  EXPECT_EQ(hba_atomic_xchg(&a, 3), 7);
  hba_atomic_add(4, &a);
  hba_atomic_sub(2, &a);
  EXPECT_EQ(hba_atomic_add_return(1, &a), 6);
  EXPECT_EQ(hba_atomic_inc_return(&a), 7);
  EXPECT_EQ(hba_atomic_dec_return(&a), 6);

  hba_atomic64_t b;
  hba_atomic64_set(&b, 1LL << 40);
  EXPECT_EQ(hba_atomic64_dec_if_positive(&b), (1LL << 40) - 1);
  hba_atomic64_set(&b, 0);
  EXPECT_EQ(hba_atomic64_dec_if_positive(&b), -1);
  EXPECT_EQ(hba_atomic64_read(&b), 0);

  // Many threads taking credits: never more than were there.
  hba_atomic_set(&a, 1000);
  std::atomic<int> taken{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; t++)
    threads.emplace_back([&] {
      while (hba_atomic_dec_if_positive(&a) >= 0) taken++;
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(taken.load(), 1000);
  EXPECT_EQ(hba_atomic_read(&a), 0);
}

TEST_F(OsUserTest, KrefReleasesOnLastPut) {
  struct Obj {
    hba_kref ref;
    bool released = false;
  } obj;
  hba_kref_init(&obj.ref);
  hba_kref_get(&obj.ref);
  auto release = [](hba_kref* k) { container_of(k, Obj, ref)->released = true; };
  EXPECT_EQ(hba_kref_put(&obj.ref, release), 0);
  EXPECT_FALSE(obj.released);
  EXPECT_EQ(hba_kref_put(&obj.ref, release), 1);
  EXPECT_TRUE(obj.released);
}

TEST_F(OsUserTest, AssertHeldCatchesALockNotHeld) {
  hba_mutex_t m;
  hba_mutex_init(&m);
  hba_mutex_assert_held(&m);
  EXPECT_EQ(WarningsSoFar(), 1u);

  hba_mutex_lock(&m);
  hba_mutex_assert_held(&m);
  EXPECT_EQ(WarningsSoFar(), 1u);
  // Held, but by another thread: still not held by the asserting one.
  std::thread other([&] { hba_mutex_assert_held(&m); });
  other.join();
  EXPECT_EQ(WarningsSoFar(), 2u);
  hba_mutex_unlock(&m);

  hba_spinlock_t s;
  hba_spin_lock_init(&s);
  unsigned long flags;
  hba_spin_lock_irqsave(&s, flags);
  hba_lockdep_assert_held(&s);
  EXPECT_FALSE(hba_in_task());
  hba_spin_unlock_irqrestore(&s, flags);
  EXPECT_TRUE(hba_in_task());
  hba_lockdep_assert_held(&s);
  EXPECT_EQ(WarningsSoFar(), 3u);
  hba_mutex_destroy(&m);
  expected_warnings_ = 3;
}

TEST_F(OsUserTest, RecursiveLockingAndSleepingUnderSpinlockWarn) {
  hba_spinlock_t s;
  hba_spin_lock_init(&s);
  hba_spin_lock(&s);
  hba_spin_lock(&s);  // recursion: reported, then nests
  EXPECT_EQ(WarningsSoFar(), 1u);
  hba_spin_unlock(&s);
  hba_lockdep_assert_held(&s);  // still held once
  hba_msleep(0);                // sleeping in atomic context
  EXPECT_EQ(WarningsSoFar(), 2u);
  hba_spin_unlock(&s);
  hba_spin_unlock(&s);  // not held any more
  EXPECT_EQ(WarningsSoFar(), 3u);
  expected_warnings_ = 3;
}

TEST_F(OsUserTest, PrandomVaries) {
  u32 first = hba_prandom_u32();
  bool varied = false;
  for (int i = 0; i < 8 && !varied; i++) varied = hba_prandom_u32() != first;
  EXPECT_TRUE(varied);
}

// hba_prandom_u32 repeats its sequence in every process; hba_random_u64
// must not (the event log id of a new simulated adapter comes from it).
TEST_F(OsUserTest, RandomU64DiffersFromTheFixedSequenceAndBetweenCalls) {
  const u64 a = hba_random_u64(), b = hba_random_u64();
  EXPECT_NE(a, b);
  EXPECT_NE(a, 0u);
}

}  // namespace
}  // namespace hba_os_user_test
