/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The kernel OS shim: every name of the contract in kmod/core/hba_os.h,
 * implemented with the kernel primitive it is named after.  The portable
 * core is built against this header inside hbamgr.ko.
 *
 * Wrappers are structs (not typedefs of the kernel types) only where the
 * contract's callback signatures differ from the kernel's: work items and
 * kref release functions receive the hba_ type.
 */
#ifndef HBA_OS_LINUX_H
#define HBA_OS_LINUX_H

#include <linux/atomic.h>
#include <linux/bug.h>
#include <linux/completion.h>
#include <linux/delay.h>
#include <linux/errno.h>
#include <linux/jiffies.h>
#include <linux/kernel.h>
#include <linux/kref.h>
#include <linux/ktime.h>
#include <linux/lockdep.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/preempt.h>
#include <linux/printk.h>
#include <linux/random.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/stddef.h>
#include <linux/string.h>
#include <linux/timekeeping.h>
#include <linux/types.h>
#include <linux/uaccess.h>
#include <linux/wait.h>
#include <linux/workqueue.h>

#include "hba_test_point.h"

/* Memory. */
static inline void *hba_zalloc(size_t n)
{
	return kzalloc(n, GFP_KERNEL);
}

static inline void *hba_zalloc_atomic(size_t n)
{
	return kzalloc(n, GFP_ATOMIC);
}

static inline void hba_free(const void *p)
{
	kfree(p);
}

static inline void *hba_vzalloc(size_t n)
{
	return kvzalloc(n, GFP_KERNEL);
}

static inline void hba_vfree(const void *p)
{
	kvfree(p);
}

/* Logging; the format carries its own trailing newline, as with printk. */
#define hba_err(fmt, ...)	pr_err("hbamgr: " fmt, ##__VA_ARGS__)
#define hba_warn(fmt, ...)	pr_warn("hbamgr: " fmt, ##__VA_ARGS__)
#define hba_info(fmt, ...)	pr_info("hbamgr: " fmt, ##__VA_ARGS__)
#define hba_dbg(fmt, ...)	pr_debug("hbamgr: " fmt, ##__VA_ARGS__)

#define HBA_WARN_ON(cond)	WARN_ON(cond)
#define HBA_WARN_ON_ONCE(cond)	WARN_ON_ONCE(cond)

/* Spinlock. */
#define hba_spinlock_t				spinlock_t
#define hba_spin_lock_init(l)			spin_lock_init(l)
#define hba_spin_lock(l)			spin_lock(l)
#define hba_spin_unlock(l)			spin_unlock(l)
#define hba_spin_lock_irqsave(l, flags)		spin_lock_irqsave((l), (flags))
#define hba_spin_unlock_irqrestore(l, flags)	\
	spin_unlock_irqrestore((l), (flags))
#define hba_lockdep_assert_held(l)		lockdep_assert_held(l)

/* Mutex. */
#define hba_mutex_t			struct mutex
#define hba_mutex_init(m)		mutex_init(m)
#define hba_mutex_destroy(m)		mutex_destroy(m)
#define hba_mutex_lock(m)		mutex_lock(m)
#define hba_mutex_lock_killable(m)	(mutex_lock_killable(m) ? -EINTR : 0)
#define hba_mutex_unlock(m)		mutex_unlock(m)
#define hba_mutex_assert_held(m)	lockdep_assert_held(m)

/* Atomics. */
#define hba_atomic_t			atomic_t
#define hba_atomic64_t			atomic64_t
#define hba_atomic_set(a, v)		atomic_set((a), (v))
#define hba_atomic_read(a)		atomic_read(a)
#define hba_atomic_inc(a)		atomic_inc(a)
#define hba_atomic_dec(a)		atomic_dec(a)
#define hba_atomic_add(i, a)		atomic_add((i), (a))
#define hba_atomic_sub(i, a)		atomic_sub((i), (a))
#define hba_atomic_inc_return(a)	atomic_inc_return(a)
#define hba_atomic_dec_return(a)	atomic_dec_return(a)
#define hba_atomic_add_return(i, a)	atomic_add_return((i), (a))
#define hba_atomic_cmpxchg(a, o, n)	atomic_cmpxchg((a), (o), (n))
#define hba_atomic_xchg(a, n)		atomic_xchg((a), (n))
#define hba_atomic_dec_if_positive(a)	atomic_dec_if_positive(a)
#define hba_atomic64_set(a, v)		atomic64_set((a), (v))
#define hba_atomic64_read(a)		atomic64_read(a)
#define hba_atomic64_inc(a)		atomic64_inc(a)
#define hba_atomic64_dec(a)		atomic64_dec(a)
#define hba_atomic64_add(i, a)		atomic64_add((i), (a))
#define hba_atomic64_sub(i, a)		atomic64_sub((i), (a))
#define hba_atomic64_inc_return(a)	atomic64_inc_return(a)
#define hba_atomic64_dec_return(a)	atomic64_dec_return(a)
#define hba_atomic64_add_return(i, a)	atomic64_add_return((i), (a))
#define hba_atomic64_cmpxchg(a, o, n)	atomic64_cmpxchg((a), (o), (n))
#define hba_atomic64_xchg(a, n)		atomic64_xchg((a), (n))
#define hba_atomic64_dec_if_positive(a)	atomic64_dec_if_positive(a)

/*
 * Reference count: a kref whose release function takes the hba_ type, so
 * the put is kref_put()'s body with that function.
 */
struct hba_kref {
	struct kref kref;
};

static inline void hba_kref_init(struct hba_kref *k)
{
	kref_init(&k->kref);
}

static inline void hba_kref_get(struct hba_kref *k)
{
	kref_get(&k->kref);
}

static inline int hba_kref_put(struct hba_kref *k,
			       void (*release)(struct hba_kref *k))
{
	if (refcount_dec_and_test(&k->kref.refcount)) {
		release(k);
		return 1;
	}
	return 0;
}

/* Completion. */
struct hba_completion {
	struct completion done;
};

#define hba_init_completion(c)		init_completion(&(c)->done)
#define hba_reinit_completion(c)	reinit_completion(&(c)->done)
#define hba_complete(c)			complete(&(c)->done)
#define hba_complete_all(c)		complete_all(&(c)->done)
#define hba_completion_done(c)		completion_done(&(c)->done)

static inline long hba_wait_for_completion_timeout(struct hba_completion *c,
						   u32 ms)
{
	return wait_for_completion_timeout(&c->done, msecs_to_jiffies(ms));
}

static inline long
hba_wait_for_completion_killable_timeout(struct hba_completion *c, u32 ms)
{
	long ret = wait_for_completion_killable_timeout(&c->done,
							msecs_to_jiffies(ms));

	return ret < 0 ? -EINTR : ret;
}

/* Wait queue. */
struct hba_waitq {
	wait_queue_head_t head;
};

#define hba_waitq_init(w)	init_waitqueue_head(&(w)->head)
#define hba_wake_up_all(w)	wake_up_all(&(w)->head)
#define hba_wait_event_killable(w, cond)				\
	(wait_event_killable((w)->head, cond) ? -EINTR : 0)
#define hba_wait_event_timeout(w, cond, ms)				\
	wait_event_timeout((w)->head, cond, msecs_to_jiffies(ms))

/*
 * Work items.  The kernel calls a work function with the work_struct; the
 * trampolines in os_linux.c find the hba_ item and call its function.
 */
struct hba_wq {
	struct workqueue_struct *wq;
};

struct hba_work;
typedef void (*hba_work_fn)(struct hba_work *w);

struct hba_work {
	struct work_struct work;
	hba_work_fn func;
};

/* The function is work.func, called with &work as for a plain item. */
struct hba_delayed_work {
	struct hba_work work;
	struct delayed_work dwork;
};

struct hba_wq *hba_wq_create(const char *name, int max_active);
void hba_wq_destroy(struct hba_wq *wq);
void hba_work_trampoline(struct work_struct *ws);
void hba_delayed_work_trampoline(struct work_struct *ws);

/*
 * Macros, not functions: INIT_WORK() gives each place it is expanded its
 * own lockdep class (a static key there, named after the item), so
 * lockdep tells the reset work, a reply queue's work and the SRB work
 * apart (a flush of one is not a wait for another).  A function around
 * INIT_WORK would make every work item of the module one class.
 */
#define hba_work_init(w, fn)						\
	do {								\
		INIT_WORK(&(w)->work, hba_work_trampoline);		\
		(w)->func = (fn);					\
	} while (0)

#define hba_delayed_work_init(dw, fn)					\
	do {								\
		INIT_WORK(&(dw)->work.work, hba_work_trampoline);	\
		(dw)->work.func = (fn);					\
		INIT_DELAYED_WORK(&(dw)->dwork,				\
				  hba_delayed_work_trampoline);		\
	} while (0)

static inline bool hba_queue_work(struct hba_wq *wq, struct hba_work *w)
{
	return queue_work(wq->wq, &w->work);
}

static inline void hba_flush_work(struct hba_work *w)
{
	flush_work(&w->work);
}

static inline bool hba_cancel_work_sync(struct hba_work *w)
{
	return cancel_work_sync(&w->work);
}

static inline bool hba_queue_delayed_work(struct hba_wq *wq,
					  struct hba_delayed_work *dw, u32 ms)
{
	return queue_delayed_work(wq->wq, &dw->dwork, msecs_to_jiffies(ms));
}

static inline void hba_mod_delayed_work(struct hba_wq *wq,
					struct hba_delayed_work *dw, u32 ms)
{
	mod_delayed_work(wq->wq, &dw->dwork, msecs_to_jiffies(ms));
}

static inline bool hba_cancel_delayed_work_sync(struct hba_delayed_work *dw)
{
	return cancel_delayed_work_sync(&dw->dwork);
}

static inline void hba_flush_delayed_work(struct hba_delayed_work *dw)
{
	flush_delayed_work(&dw->dwork);
}

static inline void hba_msleep(u32 ms)
{
	msleep(ms);
}

/*
 * False in interrupt context and with preemption (a spinlock held) or
 * interrupts disabled; spinlocks count only with CONFIG_PREEMPT_COUNT,
 * which Debian's kernel and the debug kernel both have.
 */
static inline bool hba_in_task(void)
{
	return !preempt_count() && !irqs_disabled();
}

/* Time. */
static inline u64 hba_now_ns(void)
{
	return ktime_get_ns();
}

static inline u64 hba_realtime_ns(void)
{
	return ktime_get_real_ns();
}

/* Randomness (the kernel's prandom_u32() became get_random_u32()). */
static inline u32 hba_prandom_u32(void)
{
	return get_random_u32();
}

static inline u64 hba_random_u64(void)
{
	return get_random_u64();
}

/* Test points exist only in the userspace test builds (hba_test_point.h). */
static inline void hba_test_point(enum hba_test_point_id id, const void *arg)
{
}

/* User memory. */
static inline int hba_copy_from_user(void *dst, u64 usrc, size_t n)
{
	return copy_from_user(dst, u64_to_user_ptr(usrc), n) ? -EFAULT : 0;
}

static inline int hba_copy_to_user(u64 udst, const void *src, size_t n)
{
	return copy_to_user(u64_to_user_ptr(udst), src, n) ? -EFAULT : 0;
}

static inline int hba_check_zeroed_user(u64 usrc, size_t n)
{
	return check_zeroed_user(u64_to_user_ptr(usrc), n);
}

#endif /* HBA_OS_LINUX_H */
