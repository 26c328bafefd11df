/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The userspace OS shim (libhbacore): every name of the contract in
 * kmod/core/hba_os.h, with the Linux kernel's semantics, on pthreads.
 *
 * It compiles as C (gnu11) and as C++20 (the gtest tests include it through
 * hba_core.h and hba_fw.h), so atomics are GCC __atomic builtins on plain
 * integers and the wait_event family are GNU statement expressions.
 *
 * Debug checks the kernel gets from lockdep and DEBUG_ATOMIC_SLEEP are done
 * here too, reported through HBA_WARN_ON (stderr + hba_os_warn_count()):
 * a lock taken recursively, a lock released or asserted by a thread that
 * does not hold it, and sleeping while holding a spinlock.
 *
 * Userspace-only extras (not part of the contract, for the in-process
 * transport and the tests): hba_waitq_eventfd(), hba_waitq_eventfd_close(),
 * hba_os_warn_count().
 *
 * A lock, completion or wait queue used after its memory was freed (or
 * never initialised) is reported and aborts the process: each carries a
 * magic value that initialisation sets.  The test builds of libhbacore
 * (HBA_TEST_HOOKS, kmod/user/test/) also poison freed memory and keep it
 * out of reuse for a while (like the kernel's slab poisoning), so a use
 * after free is caught at the first access in a plain build too, and
 * they implement the test points, atomic watches and emulated fatal
 * signals of hbacore_test.h.
 */
#ifndef HBA_OS_USER_H
#define HBA_OS_USER_H

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/types.h>

#include "hba_test_point.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef unsigned long long u64;	/* as the kernel's, matching __u64 */
typedef int8_t s8;
typedef int16_t s16;
typedef int32_t s32;
typedef long long s64;

#ifndef container_of
#define container_of(ptr, type, member) \
	((type *)((char *)(ptr) - offsetof(type, member)))
#endif
#ifndef ARRAY_SIZE
#define ARRAY_SIZE(arr) (sizeof(arr) / sizeof((arr)[0]))
#endif
#ifndef __printf
#define __printf(a, b) __attribute__((format(printf, a, b)))
#endif
/* C only: C++ code (abseil) uses the word in __has_attribute(). */
#if !defined(fallthrough) && !defined(__cplusplus)
#define fallthrough __attribute__((__fallthrough__))
#endif
#define min_t(type, a, b) ({ type __min_a = (a); type __min_b = (b);	\
			     __min_a < __min_b ? __min_a : __min_b; })
#define max_t(type, a, b) ({ type __max_a = (a); type __max_b = (b);	\
			     __max_a > __max_b ? __max_a : __max_b; })

/* Memory. */
void *hba_zalloc(size_t n);
void *hba_zalloc_atomic(size_t n);
void hba_free(const void *p);
void *hba_vzalloc(size_t n);
void hba_vfree(const void *p);

/* Logging; like printk, the format carries its own trailing newline. */
__printf(2, 3) void hba_os_log(const char *level, const char *fmt, ...);
bool hba_os_debug_enabled(void);
#define hba_err(...)	hba_os_log("err", __VA_ARGS__)
#define hba_warn(...)	hba_os_log("warn", __VA_ARGS__)
#define hba_info(...)	hba_os_log("info", __VA_ARGS__)
#define hba_dbg(...)							\
	do {								\
		if (hba_os_debug_enabled())				\
			hba_os_log("dbg", __VA_ARGS__);			\
	} while (0)

/* Reports on stderr and counts; tests assert the count stays 0. */
void hba_os_warn(const char *file, int line, const char *cond);
unsigned long hba_os_warn_count(void);

#define HBA_WARN_ON(cond) ({						\
	bool __warn_c = !!(cond);					\
	if (__builtin_expect(__warn_c, 0))				\
		hba_os_warn(__FILE__, __LINE__, #cond);			\
	__warn_c;							\
})
#define HBA_WARN_ON_ONCE(cond) ({					\
	static bool __warn_done;					\
	bool __warn_c = !!(cond);					\
	if (__builtin_expect(__warn_c, 0) &&				\
	    !__atomic_exchange_n(&__warn_done, true, __ATOMIC_RELAXED))	\
		hba_os_warn(__FILE__, __LINE__, #cond);			\
	__warn_c;							\
})

/*
 * Locks.  Both kinds are a pthread mutex that records its holder, so
 * ownership can really be asserted.  A spinlock counts as atomic context
 * for the holding thread (sleeping under it is reported).
 */
#define HBA_OS_MAGIC_LOCK	0x4c4f434bu	/* "LOCK" */
#define HBA_OS_MAGIC_COMPLETION	0x434d504cu	/* "CMPL" */
#define HBA_OS_MAGIC_WAITQ	0x57414954u	/* "WAIT" */

/* Reports a shim object with a wrong magic (freed, never initialised) and
 * aborts: what follows would be undefined behaviour inside pthreads.
 */
void hba_os_bad_object(const char *what, const void *obj, unsigned int magic);

struct hba_lock {
	unsigned int magic;	/* HBA_OS_MAGIC_LOCK while usable */
	pthread_mutex_t mutex;
	/* hba_os_thread_id() of the holder, 0 free; __atomic accesses */
	unsigned long owner;
	unsigned int depth;	/* recursive acquisitions (a bug); owner only */
};
typedef struct hba_lock hba_spinlock_t;
typedef struct hba_lock hba_mutex_t;

unsigned long hba_os_thread_id(void);
void hba_os_lock_init(struct hba_lock *l);
void hba_os_lock_destroy(struct hba_lock *l);
void hba_os_lock(struct hba_lock *l, bool spin);
void hba_os_unlock(struct hba_lock *l, bool spin);
bool hba_os_lock_held(const struct hba_lock *l);
/* Reports sleeping in atomic context (kernel: might_sleep()). */
void hba_os_might_sleep(const char *file, int line);

#define hba_spin_lock_init(l)		hba_os_lock_init(l)
#define hba_spin_lock(l)		hba_os_lock((l), true)
#define hba_spin_unlock(l)		hba_os_unlock((l), true)
#define hba_spin_lock_irqsave(l, flags)					\
	do {								\
		(flags) = 0;						\
		hba_os_lock((l), true);					\
	} while (0)
#define hba_spin_unlock_irqrestore(l, flags)				\
	do {								\
		(void)(flags);						\
		hba_os_unlock((l), true);				\
	} while (0)
#define hba_lockdep_assert_held(l)	HBA_WARN_ON(!hba_os_lock_held(l))

#define hba_mutex_init(m)		hba_os_lock_init(m)
#define hba_mutex_destroy(m)		hba_os_lock_destroy(m)
#define hba_mutex_lock(m)		hba_os_lock((m), false)
#define hba_mutex_lock_killable(m)	(hba_os_lock((m), false), 0)
#define hba_mutex_unlock(m)		hba_os_unlock((m), false)
#define hba_mutex_assert_held(m)	HBA_WARN_ON(!hba_os_lock_held(m))

/* Atomics: sequentially consistent, like the kernel's value-returning ones. */
typedef struct {
	int counter;
} hba_atomic_t;
typedef struct {
	s64 counter;
} hba_atomic64_t;

/*
 * Test builds: a read of the one atomic a test watches calls the test
 * point handler (HBA_TP_ATOMIC_READ) after the load, so a test can hold a
 * thread between reading a counter and acting on what it read.
 */
#ifdef HBA_TEST_HOOKS
extern const void *hba_os_watched_atomic;	/* __atomic */
void hba_os_atomic_read_hit(const void *a, long long value);
#define HBA_OS_ATOMIC_READ_HOOK(a, v)					\
	do {								\
		if (__builtin_expect(__atomic_load_n(&hba_os_watched_atomic, \
						     __ATOMIC_RELAXED) == \
				     (const void *)(a), 0))		\
			hba_os_atomic_read_hit((a), (v));		\
	} while (0)
#else
#define HBA_OS_ATOMIC_READ_HOOK(a, v)	do { } while (0)
#endif

#define HBA_OS_DEFINE_ATOMICS(pfx, atype, vtype)			\
static inline void pfx##_set(atype *a, vtype v)				\
{									\
	__atomic_store_n(&a->counter, v, __ATOMIC_SEQ_CST);		\
}									\
static inline vtype pfx##_read(const atype *a)				\
{									\
	vtype v = __atomic_load_n(&a->counter, __ATOMIC_SEQ_CST);	\
									\
	HBA_OS_ATOMIC_READ_HOOK(a, v);					\
	return v;							\
}									\
static inline void pfx##_add(vtype i, atype *a)				\
{									\
	__atomic_add_fetch(&a->counter, i, __ATOMIC_SEQ_CST);		\
}									\
static inline void pfx##_sub(vtype i, atype *a)				\
{									\
	__atomic_sub_fetch(&a->counter, i, __ATOMIC_SEQ_CST);		\
}									\
static inline void pfx##_inc(atype *a)					\
{									\
	pfx##_add(1, a);						\
}									\
static inline void pfx##_dec(atype *a)					\
{									\
	pfx##_sub(1, a);						\
}									\
static inline vtype pfx##_add_return(vtype i, atype *a)			\
{									\
	return __atomic_add_fetch(&a->counter, i, __ATOMIC_SEQ_CST);	\
}									\
static inline vtype pfx##_inc_return(atype *a)				\
{									\
	return pfx##_add_return(1, a);					\
}									\
static inline vtype pfx##_dec_return(atype *a)				\
{									\
	return __atomic_sub_fetch(&a->counter, 1, __ATOMIC_SEQ_CST);	\
}									\
static inline vtype pfx##_cmpxchg(atype *a, vtype old, vtype new_val)	\
{									\
	__atomic_compare_exchange_n(&a->counter, &old, new_val, false,	\
				    __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST); \
	return old;							\
}									\
static inline vtype pfx##_xchg(atype *a, vtype new_val)			\
{									\
	return __atomic_exchange_n(&a->counter, new_val,		\
				   __ATOMIC_SEQ_CST);			\
}									\
static inline vtype pfx##_dec_if_positive(atype *a)			\
{									\
	vtype old = pfx##_read(a);					\
									\
	while (old > 0 &&						\
	       !__atomic_compare_exchange_n(&a->counter, &old, old - 1, \
					    false, __ATOMIC_SEQ_CST,	\
					    __ATOMIC_SEQ_CST))		\
		;							\
	return old - 1;							\
}

/*
 * Argument order as the kernel's: hba_atomic_add(i, a), hba_atomic_sub(i, a),
 * hba_atomic_add_return(i, a); hba_atomic_cmpxchg(a, old, new).
 */
HBA_OS_DEFINE_ATOMICS(hba_atomic, hba_atomic_t, int)
HBA_OS_DEFINE_ATOMICS(hba_atomic64, hba_atomic64_t, s64)
#undef HBA_OS_DEFINE_ATOMICS

/* Reference count. */
struct hba_kref {
	hba_atomic_t refcount;
};

static inline void hba_kref_init(struct hba_kref *k)
{
	hba_atomic_set(&k->refcount, 1);
}

static inline void hba_kref_get(struct hba_kref *k)
{
	HBA_WARN_ON(hba_atomic_inc_return(&k->refcount) < 2);
}

static inline int hba_kref_put(struct hba_kref *k,
			       void (*release)(struct hba_kref *k))
{
	int left = hba_atomic_dec_return(&k->refcount);

	HBA_WARN_ON(left < 0);
	if (left == 0) {
		release(k);
		return 1;
	}
	return 0;
}

/* Completion. */
struct hba_completion {
	unsigned int magic;	/* HBA_OS_MAGIC_COMPLETION while usable */
	pthread_mutex_t lock;	/* protects done and waiters */
	pthread_cond_t cond;	/* CLOCK_MONOTONIC */
	unsigned int done;	/* UINT_MAX after complete_all */
	/* threads asleep in a wait that found done == 0 (tests look) */
	unsigned int waiters;
};

void hba_init_completion(struct hba_completion *c);
void hba_reinit_completion(struct hba_completion *c);
void hba_complete(struct hba_completion *c);
void hba_complete_all(struct hba_completion *c);
bool hba_completion_done(struct hba_completion *c);
long hba_wait_for_completion_timeout(struct hba_completion *c, u32 ms);
long hba_wait_for_completion_killable_timeout(struct hba_completion *c,
					      u32 ms);

/* Time. */
u64 hba_now_ns(void);
u64 hba_realtime_ns(void);

/*
 * Wait queue.  wake_seq changes on every wake-up; a waiter samples it before
 * testing its condition and sleeps only while it is unchanged, so a wake-up
 * between the test and the sleep is never lost.
 */
struct hba_waitq {
	unsigned int magic;	/* HBA_OS_MAGIC_WAITQ while usable */
	pthread_mutex_t lock;	/* protects wake_seq and eventfd */
	pthread_cond_t cond;	/* CLOCK_MONOTONIC */
	u64 wake_seq;
	int eventfd;		/* -1 until hba_waitq_eventfd() */
};

void hba_waitq_init(struct hba_waitq *w);
void hba_wake_up_all(struct hba_waitq *w);
u64 hba_waitq_seq(struct hba_waitq *w);
/* Sleep while wake_seq == seq; deadline_ns 0 = none.  false on timeout. */
bool hba_waitq_sleep(struct hba_waitq *w, u64 seq, u64 deadline_ns,
		     const char *file, int line);
/* Sleep while wake_seq == seq, or until the thread is killed. */
void hba_waitq_sleep_killable(struct hba_waitq *w, u64 seq, const char *file,
			      int line);
/*
 * The eventfd hba_wake_up_all() writes 1 to, created on first call
 * (EFD_NONBLOCK | EFD_CLOEXEC): how the daemon poll()s an in-process
 * adapter.  Returns the fd or -errno.  The caller reads (drains) it and
 * closes it with hba_waitq_eventfd_close() before the wait queue goes away.
 */
int hba_waitq_eventfd(struct hba_waitq *w);
void hba_waitq_eventfd_close(struct hba_waitq *w);

/*
 * True when the calling thread was "killed" (test builds: a test ended a
 * call that did not return, hbacore_test.h); killable waits then return
 * -EINTR as the kernel's do on a fatal signal.  Always false otherwise.
 */
bool hba_os_fatal_signal_pending(void);

#define hba_wait_event_killable(w, cond) ({				\
	int __wq_ret = 0;						\
	for (;;) {							\
		u64 __wq_seq = hba_waitq_seq(w);			\
		if (cond)						\
			break;						\
		if (hba_os_fatal_signal_pending()) {			\
			__wq_ret = -EINTR;				\
			break;						\
		}							\
		hba_waitq_sleep_killable((w), __wq_seq, __FILE__, __LINE__); \
	}								\
	__wq_ret;							\
})

#define hba_wait_event_timeout(w, cond, ms) ({				\
	u64 __wq_deadline = hba_now_ns() + (u64)(ms) * 1000000ULL;	\
	long __wq_ret;							\
	for (;;) {							\
		u64 __wq_seq = hba_waitq_seq(w);			\
		if (cond) {						\
			u64 __wq_now = hba_now_ns();			\
			__wq_ret = __wq_now >= __wq_deadline ? 1 :	\
				   (long)((__wq_deadline - __wq_now) /	\
					  1000000ULL) + 1;		\
			break;						\
		}							\
		if (!hba_waitq_sleep((w), __wq_seq, __wq_deadline,	\
				     __FILE__, __LINE__)) {		\
			__wq_ret = (cond) ? 1 : 0;			\
			break;						\
		}							\
	}								\
	__wq_ret;							\
})

/*
 * Work items and workqueues.  All work state is protected by one
 * process-wide lock inside os_user.c; the fields below are not to be
 * touched by users.
 */
struct hba_wq;
struct hba_work;
typedef void (*hba_work_fn)(struct hba_work *w);

struct hba_work {
	hba_work_fn func;
	struct hba_wq *wq;		/* where it is pending */
	struct hba_work *next;		/* run list link */
	unsigned int state;		/* HBA_WORK_* in os_user.c */
};

struct hba_delayed_work {
	struct hba_work work;
	u64 expires_ns;			/* hba_now_ns() deadline */
	struct hba_delayed_work *timer_next;	/* wq timer list link */
};

struct hba_wq *hba_wq_create(const char *name, int max_active);
void hba_wq_destroy(struct hba_wq *wq);
void hba_work_init(struct hba_work *w, hba_work_fn fn);
bool hba_queue_work(struct hba_wq *wq, struct hba_work *w);
void hba_flush_work(struct hba_work *w);
bool hba_cancel_work_sync(struct hba_work *w);
void hba_delayed_work_init(struct hba_delayed_work *dw, hba_work_fn fn);
bool hba_queue_delayed_work(struct hba_wq *wq, struct hba_delayed_work *dw,
			    u32 ms);
void hba_mod_delayed_work(struct hba_wq *wq, struct hba_delayed_work *dw,
			  u32 ms);
bool hba_cancel_delayed_work_sync(struct hba_delayed_work *dw);
void hba_flush_delayed_work(struct hba_delayed_work *dw);
void hba_msleep(u32 ms);
/* False while this thread holds a spinlock (the kernel's atomic context). */
bool hba_in_task(void);

/* Randomness: hba_prandom_u32 is a fixed sequence, hba_random_u64 getrandom(2). */
u32 hba_prandom_u32(void);
u64 hba_random_u64(void);

/* Test points (hba_test_point.h): only the test builds call a handler. */
#ifdef HBA_TEST_HOOKS
void hba_os_test_point(enum hba_test_point_id id, const void *arg);
#define hba_test_point(id, arg)	hba_os_test_point((id), (arg))
#else
#define hba_test_point(id, arg)	do { } while (0)
#endif

/* User memory: process_vm_readv/writev on the own pid. */
int hba_copy_from_user(void *dst, u64 usrc, size_t n);
int hba_copy_to_user(u64 udst, const void *src, size_t n);
int hba_check_zeroed_user(u64 usrc, size_t n);

#ifdef __cplusplus
}
#endif

#endif /* HBA_OS_USER_H */
