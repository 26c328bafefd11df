// SPDX-License-Identifier: GPL-2.0
/*
 * libhbacore's test-only API (hbacore_test.h): the test point handler,
 * the atomic watch, introspection of the commands test points pass, and
 * emulated fatal signals.  Built only into the test variants of the
 * library (HBA_TEST_HOOKS).
 */
#include "hbacore_test.h"

#include <stdlib.h>
#include <unistd.h>

#include "../os_user_internal.h"
#include "drv/drv_internal.h"

#ifndef HBA_TEST_HOOKS
#error "hbacore_test.c belongs to the test builds of libhbacore only"
#endif

struct point_handler {
	hbacore_test_point_fn fn;
	void *ctx;
};

/*
 * current is swapped, then epoch flipped, then the setter waits until no
 * call counted under the old epoch runs: a call either counted itself
 * under the old epoch (waited for) or loads current after the swap.
 */
static struct point_handler *current;	/* __atomic */
static unsigned int epoch;		/* __atomic */
static int in_calls[2];			/* __atomic, by epoch & 1 */

const void *hba_os_watched_atomic;	/* __atomic */

void hba_os_test_point(enum hba_test_point_id id, const void *arg)
{
	unsigned int e = __atomic_load_n(&epoch, __ATOMIC_SEQ_CST) & 1;
	struct point_handler *h;

	__atomic_add_fetch(&in_calls[e], 1, __ATOMIC_SEQ_CST);
	h = __atomic_load_n(&current, __ATOMIC_SEQ_CST);
	if (h)
		h->fn(h->ctx, id, arg);
	__atomic_sub_fetch(&in_calls[e], 1, __ATOMIC_SEQ_CST);
}

void hba_os_atomic_read_hit(const void *a, long long value)
{
	struct hbacore_test_atomic_read r = { .addr = a, .value = value };

	hba_os_test_point(HBA_TP_ATOMIC_READ, &r);
}

void hbacore_test_set_point_handler(hbacore_test_point_fn fn, void *ctx)
{
	struct point_handler *h = NULL, *old;
	unsigned int e;

	if (fn) {
		h = calloc(1, sizeof(*h));
		if (!h)
			abort();
		h->fn = fn;
		h->ctx = ctx;
	}
	old = __atomic_exchange_n(&current, h, __ATOMIC_SEQ_CST);
	e = __atomic_fetch_add(&epoch, 1, __ATOMIC_SEQ_CST) & 1;
	while (__atomic_load_n(&in_calls[e], __ATOMIC_SEQ_CST))
		usleep(1000);
	free(old);
}

void hbacore_test_watch_atomic(const void *addr)
{
	__atomic_store_n(&hba_os_watched_atomic, addr, __ATOMIC_SEQ_CST);
}

const void *hbacore_test_srb_credit_addr(struct hba_adapter *a)
{
	return &a->srb_credit;
}

void hbacore_test_cmd_info(const void *arg, struct hbacore_test_cmd *out)
{
	struct hba_cmd *cmd = (struct hba_cmd *)arg;

	memset(out, 0, sizeof(*out));
	out->adapter = cmd->a;
	out->smid = cmd->smid;
	out->kind = cmd->kind;
	out->state = hba_atomic_read(&cmd->state);
	pthread_mutex_lock(&cmd->done.lock);
	out->done = cmd->done.done != 0;
	out->waiters = cmd->done.waiters;
	pthread_mutex_unlock(&cmd->done.lock);
}

bool hbacore_test_smid_info(struct hba_adapter *a, uint32_t smid,
			    struct hbacore_test_cmd *out)
{
	struct hba_cmd *cmd = a->cmds ? hba_smid_to_cmd(a, smid) : NULL;

	if (!cmd)
		return false;
	hbacore_test_cmd_info(cmd, out);
	return true;
}

void *hbacore_test_task_self(void)
{
	return hba_os_task_self();
}

void hbacore_test_task_kill(void *task)
{
	hba_os_task_kill(task);
}

void hbacore_test_kill_all(bool on)
{
	hba_os_kill_all(on);
}
