// SPDX-License-Identifier: GPL-2.0
/*
 * The userspace OS shim: memory, locks, logging, completions, wait queues,
 * time, randomness and user-memory access.  Workqueues are in wq_user.c.
 */
#define _GNU_SOURCE
#include "hba_os_user.h"

#include <malloc.h>
#include <stdarg.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <sys/random.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "os_user_internal.h"

#ifdef HBA_TEST_HOOKS
#if defined(__SANITIZE_ADDRESS__)
#define HBA_OS_POISON_FREED	0	/* ASan has its own poison and quarantine */
#else
#define HBA_OS_POISON_FREED	1
#endif
#else
#define HBA_OS_POISON_FREED	0
#endif

#if HBA_OS_POISON_FREED
/*
 * Freed memory is filled with POISON_FREE (as the kernel's slab debugging
 * does) and kept from reuse until the quarantine holds more than
 * QUARANTINE_BYTES, so a freed object read through a stale pointer shows
 * the poison (and its locks a bad magic) instead of a live object that
 * took its place.
 */
#define POISON_FREE		0x6b
#define QUARANTINE_BYTES	(64u << 20)
#define QUARANTINE_SLOTS	4096

static pthread_mutex_t quarantine_lock = PTHREAD_MUTEX_INITIALIZER;
static void *quarantine[QUARANTINE_SLOTS];	/* FIFO ring */
static size_t quarantine_size[QUARANTINE_SLOTS];
static unsigned int quarantine_head, quarantine_count;
static size_t quarantine_bytes;

static void poison_and_quarantine(void *p)
{
	size_t n = malloc_usable_size(p);
	void *evict = NULL;

	memset(p, POISON_FREE, n);
	pthread_mutex_lock(&quarantine_lock);
	if (quarantine_count == QUARANTINE_SLOTS ||
	    quarantine_bytes + n > QUARANTINE_BYTES) {
		if (quarantine_count) {
			evict = quarantine[quarantine_head];
			quarantine_bytes -= quarantine_size[quarantine_head];
			quarantine_head = (quarantine_head + 1) %
					  QUARANTINE_SLOTS;
			quarantine_count--;
		}
	}
	if (n > QUARANTINE_BYTES) {
		pthread_mutex_unlock(&quarantine_lock);
		free(evict);
		free(p);
		return;
	}
	{
		unsigned int slot = (quarantine_head + quarantine_count) %
				    QUARANTINE_SLOTS;

		quarantine[slot] = p;
		quarantine_size[slot] = n;
		quarantine_count++;
		quarantine_bytes += n;
	}
	pthread_mutex_unlock(&quarantine_lock);
	free(evict);
}
#endif

static void os_free(const void *p)
{
#if HBA_OS_POISON_FREED
	if (p) {
		poison_and_quarantine((void *)p);
		return;
	}
#endif
	free((void *)p);
}

void hba_os_bad_object(const char *what, const void *obj, unsigned int magic)
{
	fprintf(stderr,
		"hbacore BUG: %s at %p used with magic 0x%08x: freed (0x6b6b6b6b is freed memory) or never initialised\n",
		what, obj, magic);
	abort();
}

void *hba_zalloc(size_t n)
{
	return calloc(1, n);
}

void *hba_zalloc_atomic(size_t n)
{
	return calloc(1, n);
}

void hba_free(const void *p)
{
	os_free(p);
}

void *hba_vzalloc(size_t n)
{
	return calloc(1, n);
}

void hba_vfree(const void *p)
{
	os_free(p);
}

/* Logging. */

static unsigned long warn_count;	/* __atomic */

void hba_os_log(const char *level, const char *fmt, ...)
{
	va_list ap;

	flockfile(stderr);
	fprintf(stderr, "hbacore %s: ", level);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	funlockfile(stderr);
}

bool hba_os_debug_enabled(void)
{
	static int enabled = -1;	/* -1 unknown; __atomic */
	int e = __atomic_load_n(&enabled, __ATOMIC_RELAXED);

	if (e < 0) {
		e = getenv("HBA_OS_DEBUG") != NULL;
		__atomic_store_n(&enabled, e, __ATOMIC_RELAXED);
	}
	return e;
}

void hba_os_warn(const char *file, int line, const char *cond)
{
	__atomic_add_fetch(&warn_count, 1, __ATOMIC_SEQ_CST);
	fprintf(stderr, "hbacore WARNING: %s:%d: %s\n", file, line, cond);
}

unsigned long hba_os_warn_count(void)
{
	return __atomic_load_n(&warn_count, __ATOMIC_SEQ_CST);
}

/* Locks. */

static unsigned long next_thread_id;	/* __atomic */
static __thread unsigned long this_thread_id;
static __thread unsigned int spinlocks_held;

unsigned long hba_os_thread_id(void)
{
	if (!this_thread_id)
		this_thread_id = __atomic_add_fetch(&next_thread_id, 1,
						    __ATOMIC_RELAXED);
	return this_thread_id;
}

void hba_os_might_sleep(const char *file, int line)
{
	if (spinlocks_held)
		hba_os_warn(file, line, "sleeping while holding a spinlock");
}

bool hba_in_task(void)
{
	return spinlocks_held == 0;
}

static void check_magic(const char *what, const void *obj,
			const unsigned int *magic, unsigned int want)
{
	unsigned int m = __atomic_load_n(magic, __ATOMIC_RELAXED);

	if (__builtin_expect(m != want, 0))
		hba_os_bad_object(what, obj, m);
}

void hba_os_lock_init(struct hba_lock *l)
{
	pthread_mutex_init(&l->mutex, NULL);
	__atomic_store_n(&l->owner, 0, __ATOMIC_RELAXED);
	l->depth = 0;
	__atomic_store_n(&l->magic, HBA_OS_MAGIC_LOCK, __ATOMIC_RELAXED);
}

void hba_os_lock_destroy(struct hba_lock *l)
{
	check_magic("lock", l, &l->magic, HBA_OS_MAGIC_LOCK);
	HBA_WARN_ON(__atomic_load_n(&l->owner, __ATOMIC_RELAXED) != 0);
	__atomic_store_n(&l->magic, 0, __ATOMIC_RELAXED);
	pthread_mutex_destroy(&l->mutex);
}

/*
 * Take the pthread mutex inside a shim object (lock, completion, wait
 * queue) whose magic says it is alive.  A waiter looks at the magic again
 * every second: an object freed (and poisoned, in test builds) while
 * threads waited for its mutex would otherwise leave them asleep on a dead
 * futex for good, a hang instead of a report.
 */
static void lock_checked(pthread_mutex_t *m, const char *what,
			 const void *obj, const unsigned int *magic,
			 unsigned int want)
{
	struct timespec deadline;

	check_magic(what, obj, magic, want);
	if (!pthread_mutex_trylock(m))
		return;
	for (;;) {
		clock_gettime(CLOCK_REALTIME, &deadline);
		deadline.tv_sec++;
		if (!pthread_mutex_timedlock(m, &deadline))
			return;
		check_magic(what, obj, magic, want);
	}
}

void hba_os_lock(struct hba_lock *l, bool spin)
{
	unsigned long self = hba_os_thread_id();

	check_magic("lock", l, &l->magic, HBA_OS_MAGIC_LOCK);
	if (!spin)
		hba_os_might_sleep(__FILE__, __LINE__);
	/*
	 * No lock is ever taken recursively (DESIGN.md).  Report it and nest,
	 * so the program keeps running to the test's warn-count check.
	 */
	if (__atomic_load_n(&l->owner, __ATOMIC_RELAXED) == self) {
		hba_os_warn(__FILE__, __LINE__, "lock taken recursively");
		l->depth++;
	} else {
		lock_checked(&l->mutex, "lock", l, &l->magic,
			     HBA_OS_MAGIC_LOCK);
		__atomic_store_n(&l->owner, self, __ATOMIC_RELAXED);
	}
	if (spin)
		spinlocks_held++;
}

void hba_os_unlock(struct hba_lock *l, bool spin)
{
	check_magic("lock", l, &l->magic, HBA_OS_MAGIC_LOCK);
	if (__atomic_load_n(&l->owner, __ATOMIC_RELAXED) !=
	    hba_os_thread_id()) {
		hba_os_warn(__FILE__, __LINE__,
			    "unlocking a lock this thread does not hold");
		return;
	}
	if (spin)
		spinlocks_held--;
	if (l->depth) {
		l->depth--;
		return;
	}
	__atomic_store_n(&l->owner, 0, __ATOMIC_RELAXED);
	pthread_mutex_unlock(&l->mutex);
}

bool hba_os_lock_held(const struct hba_lock *l)
{
	check_magic("lock", l, &l->magic, HBA_OS_MAGIC_LOCK);
	return __atomic_load_n(&l->owner, __ATOMIC_RELAXED) ==
	       hba_os_thread_id();
}

/* Time. */

static u64 clock_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (u64)ts.tv_sec * 1000000000ULL + (u64)ts.tv_nsec;
}

u64 hba_now_ns(void)
{
	return clock_ns(CLOCK_MONOTONIC);
}

u64 hba_realtime_ns(void)
{
	return clock_ns(CLOCK_REALTIME);
}

void hba_os_cond_init(pthread_cond_t *cond)
{
	pthread_condattr_t attr;

	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(cond, &attr);
	pthread_condattr_destroy(&attr);
}

bool hba_os_cond_wait_until(pthread_cond_t *cond, pthread_mutex_t *mutex,
			    u64 deadline_ns)
{
	struct timespec ts;

	if (!deadline_ns) {
		pthread_cond_wait(cond, mutex);
		return true;
	}
	ts.tv_sec = (time_t)(deadline_ns / 1000000000ULL);
	ts.tv_nsec = (long)(deadline_ns % 1000000000ULL);
	return pthread_cond_timedwait(cond, mutex, &ts) != ETIMEDOUT;
}

void hba_msleep(u32 ms)
{
	struct timespec ts = {
		.tv_sec = ms / 1000,
		.tv_nsec = (long)(ms % 1000) * 1000000L,
	};

	hba_os_might_sleep(__FILE__, __LINE__);
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

/*
 * Emulated fatal signals (test builds): a test "kills" a thread whose call
 * did not return (hbacore_test_task_kill()); its killable waits then end
 * with -EINTR, as a SIGKILL ends them in the kernel.  Killable waits sleep
 * in slices of KILL_POLL_MS to notice it.
 */
#ifdef HBA_TEST_HOOKS
#define KILL_POLL_MS	10
static __thread struct hba_os_task {
	int killed;	/* __atomic */
} this_task;

void *hba_os_task_self(void)
{
	return &this_task;
}

void hba_os_task_kill(void *task)
{
	__atomic_store_n(&((struct hba_os_task *)task)->killed, 1,
			 __ATOMIC_SEQ_CST);
}

/* Every thread counts as killed while set (a test that overran). */
static int all_killed;	/* __atomic */

void hba_os_kill_all(bool on)
{
	__atomic_store_n(&all_killed, on, __ATOMIC_SEQ_CST);
}

bool hba_os_fatal_signal_pending(void)
{
	return __atomic_load_n(&this_task.killed, __ATOMIC_SEQ_CST) ||
	       __atomic_load_n(&all_killed, __ATOMIC_SEQ_CST);
}
#else
bool hba_os_fatal_signal_pending(void)
{
	return false;
}
#endif

/* Completion. */

static void lock_completion(struct hba_completion *c)
{
	lock_checked(&c->lock, "completion", c, &c->magic,
		     HBA_OS_MAGIC_COMPLETION);
}

void hba_init_completion(struct hba_completion *c)
{
	pthread_mutex_init(&c->lock, NULL);
	hba_os_cond_init(&c->cond);
	c->done = 0;
	c->waiters = 0;
	__atomic_store_n(&c->magic, HBA_OS_MAGIC_COMPLETION, __ATOMIC_RELAXED);
}

void hba_reinit_completion(struct hba_completion *c)
{
	lock_completion(c);
	c->done = 0;
	pthread_mutex_unlock(&c->lock);
}

void hba_complete(struct hba_completion *c)
{
	lock_completion(c);
	if (c->done != UINT32_MAX)
		c->done++;
	pthread_cond_broadcast(&c->cond);
	pthread_mutex_unlock(&c->lock);
}

void hba_complete_all(struct hba_completion *c)
{
	lock_completion(c);
	c->done = UINT32_MAX;
	pthread_cond_broadcast(&c->cond);
	pthread_mutex_unlock(&c->lock);
}

bool hba_completion_done(struct hba_completion *c)
{
	bool done;

	lock_completion(c);
	done = c->done != 0;
	pthread_mutex_unlock(&c->lock);
	return done;
}

/*
 * >0 done (and consumed, as the kernel's wait_for_completion*), 0 timed
 * out, -EINTR killed (killable only).
 */
static long wait_completion(struct hba_completion *c, u32 ms, bool killable)
{
	u64 deadline = hba_now_ns() + (u64)ms * 1000000ULL, now;
	long ret = 0;

	hba_os_might_sleep(__FILE__, __LINE__);
	lock_completion(c);
	if (!c->done) {
		c->waiters++;
		for (;;) {
			u64 until = deadline;

#ifdef HBA_TEST_HOOKS
			if (killable) {
				if (hba_os_fatal_signal_pending()) {
					ret = -EINTR;
					break;
				}
				until = min_t(u64, deadline, hba_now_ns() +
					      KILL_POLL_MS * 1000000ULL);
			}
#endif
			if (!hba_os_cond_wait_until(&c->cond, &c->lock,
						    until) &&
			    until == deadline)
				break;
			if (c->done)
				break;
		}
		c->waiters--;
	}
	if (c->done) {
		if (c->done != UINT32_MAX)
			c->done--;
		now = hba_now_ns();
		ret = now >= deadline ? 1 :
		      (long)((deadline - now) / 1000000ULL) + 1;
	}
	pthread_mutex_unlock(&c->lock);
	return ret;
}

long hba_wait_for_completion_timeout(struct hba_completion *c, u32 ms)
{
	return wait_completion(c, ms, false);
}

long hba_wait_for_completion_killable_timeout(struct hba_completion *c,
					      u32 ms)
{
	return wait_completion(c, ms, true);
}

/* Wait queue. */

static void lock_waitq(struct hba_waitq *w)
{
	lock_checked(&w->lock, "wait queue", w, &w->magic, HBA_OS_MAGIC_WAITQ);
}

void hba_waitq_init(struct hba_waitq *w)
{
	pthread_mutex_init(&w->lock, NULL);
	hba_os_cond_init(&w->cond);
	w->wake_seq = 0;
	w->eventfd = -1;
	__atomic_store_n(&w->magic, HBA_OS_MAGIC_WAITQ, __ATOMIC_RELAXED);
}

void hba_wake_up_all(struct hba_waitq *w)
{
	lock_waitq(w);
	w->wake_seq++;
	pthread_cond_broadcast(&w->cond);
	if (w->eventfd >= 0)
		eventfd_write(w->eventfd, 1);
	pthread_mutex_unlock(&w->lock);
}

u64 hba_waitq_seq(struct hba_waitq *w)
{
	u64 seq;

	lock_waitq(w);
	seq = w->wake_seq;
	pthread_mutex_unlock(&w->lock);
	return seq;
}

bool hba_waitq_sleep(struct hba_waitq *w, u64 seq, u64 deadline_ns,
		     const char *file, int line)
{
	bool woken = true;

	hba_os_might_sleep(file, line);
	lock_waitq(w);
	while (w->wake_seq == seq && woken)
		woken = hba_os_cond_wait_until(&w->cond, &w->lock,
					       deadline_ns);
	woken = w->wake_seq != seq;
	pthread_mutex_unlock(&w->lock);
	return woken;
}

void hba_waitq_sleep_killable(struct hba_waitq *w, u64 seq, const char *file,
			      int line)
{
#ifdef HBA_TEST_HOOKS
	while (!hba_os_fatal_signal_pending() &&
	       !hba_waitq_sleep(w, seq, hba_now_ns() +
				KILL_POLL_MS * 1000000ULL, file, line))
		;
#else
	hba_waitq_sleep(w, seq, 0, file, line);
#endif
}

int hba_waitq_eventfd(struct hba_waitq *w)
{
	int fd;

	lock_waitq(w);
	if (w->eventfd < 0)
		w->eventfd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	fd = w->eventfd >= 0 ? w->eventfd : -errno;
	pthread_mutex_unlock(&w->lock);
	return fd;
}

void hba_waitq_eventfd_close(struct hba_waitq *w)
{
	lock_waitq(w);
	if (w->eventfd >= 0)
		close(w->eventfd);
	w->eventfd = -1;
	pthread_mutex_unlock(&w->lock);
}

/* Randomness: splitmix64 over a shared counter, safe from any thread. */

u32 hba_prandom_u32(void)
{
	static u64 state = 0x9e3779b97f4a7c15ULL;	/* __atomic */
	u64 z = __atomic_add_fetch(&state, 0x9e3779b97f4a7c15ULL,
				   __ATOMIC_RELAXED);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return (u32)((z ^ (z >> 31)) >> 32);
}

u64 hba_random_u64(void)
{
	u64 v;

	/* Blocks only before the kernel's pool is initialised at boot. */
	while (getrandom(&v, sizeof(v), 0) != sizeof(v))
		;
	return v;
}

/* User memory: the kernel's fault handling, through the own address space. */

static int user_xfer(void *local, u64 remote, size_t n, bool write)
{
	pid_t self = getpid();

	while (n) {
		struct iovec liov = { .iov_base = local, .iov_len = n };
		struct iovec riov = {
			.iov_base = (void *)(uintptr_t)remote,
			.iov_len = n,
		};
		ssize_t done = write ?
			process_vm_writev(self, &liov, 1, &riov, 1, 0) :
			process_vm_readv(self, &liov, 1, &riov, 1, 0);

		if (done <= 0)
			return -EFAULT;
		local = (u8 *)local + done;
		remote += (u64)done;
		n -= (size_t)done;
	}
	return 0;
}

int hba_copy_from_user(void *dst, u64 usrc, size_t n)
{
	return user_xfer(dst, usrc, n, false);
}

int hba_copy_to_user(u64 udst, const void *src, size_t n)
{
	return user_xfer((void *)src, udst, n, true);
}

int hba_check_zeroed_user(u64 usrc, size_t n)
{
	u8 buf[256];

	while (n) {
		size_t chunk = min_t(size_t, n, sizeof(buf));
		size_t i;

		if (user_xfer(buf, usrc, chunk, false))
			return -EFAULT;
		for (i = 0; i < chunk; i++)
			if (buf[i])
				return 0;
		usrc += chunk;
		n -= chunk;
	}
	return 1;
}
