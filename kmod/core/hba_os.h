/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The thin OS shim under the portable core.
 *
 * Core files (kmod/core/) include only this header and the uapi header; they
 * use no libc or kernel API directly.  Two implementations provide every name
 * below with the same semantics as the Linux kernel primitive it is named
 * after:
 *   kmod/linux/hba_os_linux.h  (+ os_linux.c)  inside hbamgr.ko
 *   kmod/user/hba_os_user.h    (+ os_user.c)   libhbacore: pthreads, C11 atomics
 *
 * Required names (each implementation must provide all of them):
 *
 * Types: u8 u16 u32 u64 s8 s16 s32 s64 bool size_t ssize_t uintptr_t; the
 *   Linux errno values (EINVAL, E2BIG, ENOTTY, EFAULT, ENODEV, EAGAIN, EINTR,
 *   ETIMEDOUT, EPERM, ENOMEM, EBUSY, EIO, ENOSPC, ENOENT, EFBIG, EUCLEAN);
 *   true/false; NULL;
 *   container_of(); ARRAY_SIZE(); min_t(); max_t(); offsetof(); fallthrough;
 *   memcpy memset memcmp strlen snprintf (kernel or libc semantics).
 *
 * Memory:
 *   void *hba_zalloc(size_t n);           may sleep; NULL on failure
 *   void *hba_zalloc_atomic(size_t n);    never sleeps
 *   void  hba_free(const void *p);        NULL ok
 *   void *hba_vzalloc(size_t n);          large, virtually contiguous
 *   void  hba_vfree(const void *p);
 *
 * Spinlock (never held across sleeping calls):
 *   hba_spinlock_t; hba_spin_lock_init(l); hba_spin_lock(l); hba_spin_unlock(l);
 *   hba_spin_lock_irqsave(l, flags) / hba_spin_unlock_irqrestore(l, flags)
 *   with "unsigned long flags"; hba_lockdep_assert_held(l).
 *
 * Mutex:
 *   hba_mutex_t; hba_mutex_init(m); hba_mutex_destroy(m); hba_mutex_lock(m);
 *   int hba_mutex_lock_killable(m) (0 or -EINTR); hba_mutex_unlock(m);
 *   hba_mutex_assert_held(m).
 *
 * Atomics (int and s64, sequentially consistent where the kernel's are):
 *   hba_atomic_t / hba_atomic64_t; hba_atomic_{set,read,inc,dec,add,sub}();
 *   hba_atomic_{inc,dec,add}_return(); hba_atomic_cmpxchg(a, old, new)
 *   returning the old value; hba_atomic_xchg(); hba_atomic_dec_if_positive()
 *   (returns the decremented value; it did not store when that is < 0);
 *   the same with the hba_atomic64_ prefix.
 *
 * Reference count: struct hba_kref; hba_kref_init(k) (count 1);
 *   hba_kref_get(k); int hba_kref_put(k, void (*release)(struct hba_kref *))
 *   (returns 1 when release ran).
 *
 * Completion: struct hba_completion; hba_init_completion(c);
 *   hba_reinit_completion(c); hba_complete(c); hba_complete_all(c);
 *   bool hba_completion_done(c);
 *   long hba_wait_for_completion_timeout(c, u32 ms)  >0 done, 0 timed out;
 *   long hba_wait_for_completion_killable_timeout(c, u32 ms)
 *        >0 done, 0 timed out, -EINTR fatal signal (user shim: only when a
 *        test killed the thread, see hbacore_test.h).
 *   A wait that returned > 0 consumed the completion (done is decremented,
 *   as in the kernel): hba_completion_done() is false afterwards.
 *
 * Wait queue (for blocking read and poll):
 *   struct hba_waitq; hba_waitq_init(w); hba_wake_up_all(w);
 *   hba_wait_event_killable(w, cond)  -> 0, or -EINTR (statement expression;
 *        cond is re-evaluated after every wake-up);
 *   hba_wait_event_timeout(w, cond, ms) -> >0 cond true, 0 timed out.
 *
 * Work items (a work item never runs concurrently with itself; queueing a
 * pending item is a no-op returning false; queueing a running item runs it
 * once more afterwards):
 *   struct hba_wq *hba_wq_create(const char *name, int max_active);
 *   void hba_wq_destroy(struct hba_wq *wq);   drains first
 *   struct hba_work; hba_work_init(w, void (*fn)(struct hba_work *));
 *   bool hba_queue_work(struct hba_wq *wq, struct hba_work *w);
 *   void hba_flush_work(struct hba_work *w); bool hba_cancel_work_sync(w);
 *   struct hba_delayed_work { struct hba_work work; ... };
 *   hba_delayed_work_init(dw, fn);
 *   bool hba_queue_delayed_work(wq, dw, u32 ms);
 *   void hba_mod_delayed_work(wq, dw, u32 ms);
 *   bool hba_cancel_delayed_work_sync(dw); void hba_flush_delayed_work(dw);
 *   void hba_msleep(u32 ms);  (sleeping contexts only)
 *   bool hba_in_task(void);   false in atomic context in the kernel
 *
 * Time: u64 hba_now_ns(void) (monotonic); u64 hba_realtime_ns(void).
 *
 * Randomness (tests, fault injection): u32 hba_prandom_u32(void).
 *   u64 hba_random_u64(void): unpredictable and different in every boot
 *   and process (identities such as the event log id).
 *
 * Logging: hba_err(fmt, ...), hba_warn(...), hba_info(...), hba_dbg(...);
 *   HBA_WARN_ON(cond) / HBA_WARN_ON_ONCE(cond) evaluate to cond and report
 *   (kernel: WARN_ON; user shim: message on stderr and
 *   hba_os_warn_count() incremented, which every test asserts is 0).
 *
 * Test points (hba_test_point.h): hba_test_point(id, arg) where a test
 *   may pause the thread; compiled to nothing except in the userspace test
 *   builds.  arg is evaluated only there: pass a plain pointer.
 *
 * User memory (arguments are user addresses as __u64):
 *   int hba_copy_from_user(void *dst, u64 usrc, size_t n)   0 or -EFAULT
 *   int hba_copy_to_user(u64 udst, const void *src, size_t n) 0 or -EFAULT
 *   int hba_check_zeroed_user(u64 usrc, size_t n)  1 all zero, 0 not, -EFAULT
 *   (user shim: process_vm_readv/writev on the own pid, so a bad pointer is
 *   a real -EFAULT and never a crash)
 */
#ifndef HBA_OS_H
#define HBA_OS_H

#include "hba_test_point.h"

#ifdef __KERNEL__
#include "hba_os_linux.h"
#else
#include "hba_os_user.h"
#endif

#include <linux/hbamgr.h>

#endif /* HBA_OS_H */
