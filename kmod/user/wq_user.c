// SPDX-License-Identifier: GPL-2.0
/*
 * Workqueues for the userspace shim: each hba_wq has max_active worker
 * threads and one timer thread for its delayed work.  Kernel semantics:
 *  - queueing a pending item is a no-op returning false;
 *  - an item never runs concurrently with itself (a worker skips an item
 *    that is still running elsewhere), and one queued while it runs is
 *    run once more afterwards;
 *  - a work function may free its own item: nothing touches the item after
 *    the function returns (a worker only compares its address);
 *  - cancel_*_sync and flush wait for a running instance.
 */
#define _GNU_SOURCE
#include "hba_os_user.h"

#include <stdlib.h>

#include "os_user_internal.h"

#define HBA_WORK_QUEUED		0x1	/* on its wq's run list */
#define HBA_WORK_TIMER		0x2	/* delayed work, timer armed */

#define HBA_WQ_DFL_ACTIVE	4	/* max_active <= 0 */

struct wq_worker {
	pthread_t thread;
	struct hba_wq *wq;
	struct hba_work *current;	/* executing now, or NULL */
	unsigned long thread_id;	/* hba_os_thread_id() of the worker */
};

struct hba_wq {
	char name[16];
	struct hba_wq *next_wq;		/* all_wqs link */
	struct hba_work *run_head, *run_tail;
	struct hba_delayed_work *timers;	/* sorted by expires_ns */
	pthread_cond_t work_cond;	/* run list changed, or stopping */
	pthread_cond_t timer_cond;	/* first timer changed, or stopping */
	pthread_t timer_thread;
	bool stopping;
	int nr_workers;
	struct wq_worker workers[];
};

/*
 * wq_lock protects all_wqs, every hba_wq field above, and the state, wq,
 * next, expires_ns and timer_next fields of every work item.  It is a leaf
 * lock: nothing else is taken under it and no work function runs with it.
 */
static pthread_mutex_t wq_lock = PTHREAD_MUTEX_INITIALIZER;
/* Broadcast when a work item finishes or leaves a run list unexecuted. */
static pthread_cond_t wq_idle_cond = PTHREAD_COND_INITIALIZER;
static struct hba_wq *all_wqs;

static struct wq_worker *work_runner(const struct hba_work *w)
{
	struct hba_wq *wq;
	int i;

	for (wq = all_wqs; wq; wq = wq->next_wq)
		for (i = 0; i < wq->nr_workers; i++)
			if (wq->workers[i].current == w)
				return &wq->workers[i];
	return NULL;
}

static bool wq_busy(const struct hba_wq *wq)
{
	int i;

	for (i = 0; i < wq->nr_workers; i++)
		if (wq->workers[i].current)
			return true;
	return false;
}

static void run_list_append(struct hba_wq *wq, struct hba_work *w)
{
	w->wq = wq;
	w->next = NULL;
	w->state |= HBA_WORK_QUEUED;
	if (wq->run_tail)
		wq->run_tail->next = w;
	else
		wq->run_head = w;
	wq->run_tail = w;
	pthread_cond_signal(&wq->work_cond);
}

static void run_list_remove(struct hba_wq *wq, struct hba_work *w)
{
	struct hba_work **pp, *prev = NULL;

	for (pp = &wq->run_head; *pp; prev = *pp, pp = &(*pp)->next) {
		if (*pp != w)
			continue;
		*pp = w->next;
		if (wq->run_tail == w)
			wq->run_tail = prev;
		break;
	}
	w->next = NULL;
	w->state &= ~HBA_WORK_QUEUED;
}

/* The first queued item not running anywhere (non-reentrancy). */
static struct hba_work *run_list_first_idle(struct hba_wq *wq)
{
	struct hba_work *w;

	for (w = wq->run_head; w; w = w->next)
		if (!work_runner(w))
			return w;
	return NULL;
}

static void timer_insert(struct hba_wq *wq, struct hba_delayed_work *dw)
{
	struct hba_delayed_work **pp = &wq->timers;

	while (*pp && (*pp)->expires_ns <= dw->expires_ns)
		pp = &(*pp)->timer_next;
	dw->timer_next = *pp;
	*pp = dw;
	dw->work.state |= HBA_WORK_TIMER;
	if (wq->timers == dw)
		pthread_cond_signal(&wq->timer_cond);
}

static void timer_remove(struct hba_delayed_work *dw)
{
	struct hba_delayed_work **pp = &dw->work.wq->timers;

	while (*pp && *pp != dw)
		pp = &(*pp)->timer_next;
	if (*pp)
		*pp = dw->timer_next;
	dw->timer_next = NULL;
	dw->work.state &= ~HBA_WORK_TIMER;
}

/* Take w off its timer and run list; true when it was pending. */
static bool work_unpend(struct hba_work *w)
{
	bool was_pending = w->state != 0;

	if (w->state & HBA_WORK_TIMER)
		timer_remove(container_of(w, struct hba_delayed_work, work));
	if (w->state & HBA_WORK_QUEUED) {
		run_list_remove(w->wq, w);
		pthread_cond_broadcast(&wq_idle_cond);
	}
	return was_pending;
}

static void wake_waiting_workers(void)
{
	struct hba_wq *wq;

	for (wq = all_wqs; wq; wq = wq->next_wq)
		if (wq->run_head)
			pthread_cond_broadcast(&wq->work_cond);
}

static void *worker_main(void *arg)
{
	struct wq_worker *me = arg;
	struct hba_wq *wq = me->wq;

	pthread_mutex_lock(&wq_lock);
	me->thread_id = hba_os_thread_id();
	for (;;) {
		struct hba_work *w = run_list_first_idle(wq);
		hba_work_fn fn;

		if (!w) {
			if (wq->stopping)
				break;
			pthread_cond_wait(&wq->work_cond, &wq_lock);
			continue;
		}
		run_list_remove(wq, w);
		fn = w->func;
		me->current = w;
		pthread_mutex_unlock(&wq_lock);
		fn(w);
		pthread_mutex_lock(&wq_lock);
		me->current = NULL;
		/* Items skipped while w ran may go now. */
		wake_waiting_workers();
		pthread_cond_broadcast(&wq_idle_cond);
	}
	pthread_mutex_unlock(&wq_lock);
	return NULL;
}

static void *timer_main(void *arg)
{
	struct hba_wq *wq = arg;

	pthread_mutex_lock(&wq_lock);
	while (!wq->stopping) {
		struct hba_delayed_work *dw = wq->timers;

		if (!dw) {
			pthread_cond_wait(&wq->timer_cond, &wq_lock);
		} else if (dw->expires_ns > hba_now_ns()) {
			hba_os_cond_wait_until(&wq->timer_cond, &wq_lock,
					       dw->expires_ns);
		} else {
			timer_remove(dw);
			run_list_append(wq, &dw->work);
		}
	}
	pthread_mutex_unlock(&wq_lock);
	return NULL;
}

static void wq_stop_threads(struct hba_wq *wq, int started, bool timer)
{
	int i;

	pthread_mutex_lock(&wq_lock);
	wq->stopping = true;
	pthread_cond_broadcast(&wq->work_cond);
	pthread_cond_broadcast(&wq->timer_cond);
	pthread_mutex_unlock(&wq_lock);
	for (i = 0; i < started; i++)
		pthread_join(wq->workers[i].thread, NULL);
	if (timer)
		pthread_join(wq->timer_thread, NULL);

	pthread_mutex_lock(&wq_lock);
	{
		struct hba_wq **pp = &all_wqs;

		while (*pp != wq)
			pp = &(*pp)->next_wq;
		*pp = wq->next_wq;
	}
	pthread_mutex_unlock(&wq_lock);
	pthread_cond_destroy(&wq->work_cond);
	pthread_cond_destroy(&wq->timer_cond);
	free(wq);
}

struct hba_wq *hba_wq_create(const char *name, int max_active)
{
	int n = max_active > 0 ? max_active : HBA_WQ_DFL_ACTIVE;
	struct hba_wq *wq;
	int i;

	wq = calloc(1, sizeof(*wq) + (size_t)n * sizeof(wq->workers[0]));
	if (!wq)
		return NULL;
	snprintf(wq->name, sizeof(wq->name), "%s", name);
	hba_os_cond_init(&wq->work_cond);
	hba_os_cond_init(&wq->timer_cond);
	wq->nr_workers = n;
	pthread_mutex_lock(&wq_lock);
	wq->next_wq = all_wqs;
	all_wqs = wq;
	pthread_mutex_unlock(&wq_lock);

	for (i = 0; i < n; i++) {
		wq->workers[i].wq = wq;
		if (pthread_create(&wq->workers[i].thread, NULL, worker_main,
				   &wq->workers[i])) {
			wq_stop_threads(wq, i, false);
			return NULL;
		}
		pthread_setname_np(wq->workers[i].thread, wq->name);
	}
	if (pthread_create(&wq->timer_thread, NULL, timer_main, wq)) {
		wq_stop_threads(wq, n, false);
		return NULL;
	}
	pthread_setname_np(wq->timer_thread, wq->name);
	return wq;
}

static bool wq_has_current_thread(const struct hba_wq *wq)
{
	unsigned long self = hba_os_thread_id();
	int i;

	for (i = 0; i < wq->nr_workers; i++)
		if (wq->workers[i].thread_id == self)
			return true;
	return false;
}

void hba_wq_destroy(struct hba_wq *wq)
{
	if (!wq)
		return;
	hba_os_might_sleep(__FILE__, __LINE__);
	pthread_mutex_lock(&wq_lock);
	if (HBA_WARN_ON(wq_has_current_thread(wq))) {
		pthread_mutex_unlock(&wq_lock);
		return;
	}
	while (wq->run_head || wq_busy(wq))
		pthread_cond_wait(&wq_idle_cond, &wq_lock);
	/* An armed timer would fire into freed memory: the owner's bug. */
	if (HBA_WARN_ON(wq->timers != NULL))
		while (wq->timers)
			timer_remove(wq->timers);
	pthread_mutex_unlock(&wq_lock);
	wq_stop_threads(wq, wq->nr_workers, true);
}

void hba_work_init(struct hba_work *w, hba_work_fn fn)
{
	w->func = fn;
	w->wq = NULL;
	w->next = NULL;
	w->state = 0;
}

void hba_delayed_work_init(struct hba_delayed_work *dw, hba_work_fn fn)
{
	hba_work_init(&dw->work, fn);
	dw->expires_ns = 0;
	dw->timer_next = NULL;
}

bool hba_queue_work(struct hba_wq *wq, struct hba_work *w)
{
	bool queued = false;

	pthread_mutex_lock(&wq_lock);
	if (!HBA_WARN_ON(wq->stopping) && !w->state) {
		run_list_append(wq, w);
		queued = true;
	}
	pthread_mutex_unlock(&wq_lock);
	return queued;
}

/* Called with wq_lock held and dw not pending. */
static void delayed_arm(struct hba_wq *wq, struct hba_delayed_work *dw,
			u32 ms)
{
	if (!ms) {
		run_list_append(wq, &dw->work);
		return;
	}
	dw->work.wq = wq;
	dw->expires_ns = hba_now_ns() + (u64)ms * 1000000ULL;
	timer_insert(wq, dw);
}

bool hba_queue_delayed_work(struct hba_wq *wq, struct hba_delayed_work *dw,
			    u32 ms)
{
	bool queued = false;

	pthread_mutex_lock(&wq_lock);
	if (!HBA_WARN_ON(wq->stopping) && !dw->work.state) {
		delayed_arm(wq, dw, ms);
		queued = true;
	}
	pthread_mutex_unlock(&wq_lock);
	return queued;
}

void hba_mod_delayed_work(struct hba_wq *wq, struct hba_delayed_work *dw,
			  u32 ms)
{
	pthread_mutex_lock(&wq_lock);
	if (!HBA_WARN_ON(wq->stopping)) {
		work_unpend(&dw->work);
		delayed_arm(wq, dw, ms);
	}
	pthread_mutex_unlock(&wq_lock);
}

/* Wait (wq_lock held) for w to stop running; false if w is the caller. */
static bool wait_not_running(struct wq_worker *runner)
{
	if (HBA_WARN_ON(runner->thread_id == hba_os_thread_id()))
		return false;
	pthread_cond_wait(&wq_idle_cond, &wq_lock);
	return true;
}

void hba_flush_work(struct hba_work *w)
{
	hba_os_might_sleep(__FILE__, __LINE__);
	pthread_mutex_lock(&wq_lock);
	for (;;) {
		struct wq_worker *runner = work_runner(w);

		if (runner) {
			if (!wait_not_running(runner))
				break;
		} else if (w->state & HBA_WORK_QUEUED) {
			pthread_cond_wait(&wq_idle_cond, &wq_lock);
		} else {
			break;
		}
	}
	pthread_mutex_unlock(&wq_lock);
}

bool hba_cancel_work_sync(struct hba_work *w)
{
	bool was_pending = false;

	hba_os_might_sleep(__FILE__, __LINE__);
	pthread_mutex_lock(&wq_lock);
	for (;;) {
		struct wq_worker *runner;

		/* A running instance may re-queue itself: unpend each time. */
		if (work_unpend(w))
			was_pending = true;
		runner = work_runner(w);
		if (!runner || !wait_not_running(runner))
			break;
	}
	pthread_mutex_unlock(&wq_lock);
	return was_pending;
}

bool hba_cancel_delayed_work_sync(struct hba_delayed_work *dw)
{
	return hba_cancel_work_sync(&dw->work);
}

void hba_flush_delayed_work(struct hba_delayed_work *dw)
{
	pthread_mutex_lock(&wq_lock);
	if (dw->work.state & HBA_WORK_TIMER) {
		timer_remove(dw);
		run_list_append(dw->work.wq, &dw->work);
	}
	pthread_mutex_unlock(&wq_lock);
	hba_flush_work(&dw->work);
}
