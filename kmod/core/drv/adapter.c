// SPDX-License-Identifier: GPL-2.0
/*
 * Adapter lifetime: create with the hardened init (invariant 5), removal
 * (invariant 3), reference counting, accessors and counters.
 */
#include "drv_internal.h"

void hba_adapter_get(struct hba_adapter *a)
{
	hba_kref_get(&a->kref);
}

/* Only memory is left when the last reference goes (removal did the rest). */
static void hba_adapter_free(struct hba_adapter *a)
{
	u32 q;

	if (a->fw)
		hba_fw_destroy(a->fw);
	if (a->wq)
		hba_wq_destroy(a->wq);
	hba_cmd_pool_free(a);
	for (q = 0; q < HBA_MAX_REPLY_QUEUES; q++)
		hba_vfree(a->rings[q]);
	hba_vfree(a->reply_frames);
	hba_vfree(a->frames);
	hba_free(a);
}

static void hba_adapter_release(struct hba_kref *k)
{
	hba_adapter_free(container_of(k, struct hba_adapter, kref));
}

void hba_adapter_put(struct hba_adapter *a)
{
	hba_kref_put(&a->kref, hba_adapter_release);
}

/*
 * Poll IOC_STATE until READY (the firmware gets there by itself after a
 * diag reset).  Bounded by time, not by a count of sleeps: a msleep(1) is a
 * jiffy or two (8 ms at HZ=250, more under emulation), and a wait of 5000
 * of them held reset_mutex for a minute.  A firmware that faulted on its
 * way back (a fault during recovery) is reset again: FAULT never becomes
 * READY by itself.
 */
int hba_wait_ready(struct hba_adapter *a)
{
	u64 deadline = hba_now_ns() + HBA_READY_TIMEOUT_MS * 1000000ULL;
	bool reset_again = false;
	u32 ioc;

	for (;;) {
		if (hba_get_state(a) == HBAMGR_STATE_DELETING)
			return -ENODEV;
		ioc = hba_fw_readl(a->fw, HBA_REG_IOC_STATE);
		ioc = (ioc & HBA_IOC_STATE_MASK) >> HBA_IOC_STATE_SHIFT;
		if (ioc == HBA_IOC_READY)
			return 0;
		if (hba_now_ns() >= deadline)
			return -ETIMEDOUT;
		if (ioc == HBA_IOC_FAULT) {
			if (!reset_again)
				hba_warn("hbamgr%u: firmware faulted while coming back, resetting it again\n",
					 a->params.fw.adapter_index);
			reset_again = true;
			hba_fw_writel(a->fw, HBA_REG_HOST_DIAG, HBA_DIAG_RESET);
		}
		hba_msleep(1);
	}
}

/* Hand the host memory over; the rings must be clear. */
int hba_ioc_init(struct hba_adapter *a)
{
	struct hba_ioc_init init = {
		.cmd_frames = a->max_cmds,
		.srb_frames = a->srb_frames,
		.num_reply_queues = a->num_rq,
		.reply_ring_depth = a->ring_depth,
		.frames = a->frames,
		.reply_frames = a->reply_frames,
	};
	u32 q;

	for (q = 0; q < a->num_rq; q++)
		init.reply_rings[q] = a->rings[q];
	return hba_fw_ioc_init(a->fw, &init);
}

#define COPY_ID(dst, src) do {						\
		memcpy((dst), (src), min_t(size_t, sizeof(dst), sizeof(src))); \
		(dst)[sizeof(dst) - 1] = '\0';				\
	} while (0)

/* The one place the command limit is read (invariant 1). */
static int read_facts(struct hba_adapter *a)
{
	struct hba_ioc_facts facts;
	int ret;

	ret = hba_fw_ioc_facts(a->fw, &facts);
	if (ret)
		return ret;
	if (!facts.max_cmds || !facts.num_reply_queues)
		return -EIO;
	a->fw_max_cmds = facts.max_cmds;
	a->max_cmds = min_t(u32, facts.max_cmds, a->params.drv_max_cmds);
	a->max_srbs = facts.max_srbs;
	a->srb_frames = 2 * a->max_srbs;
	a->max_sge = facts.max_sge;
	a->max_transfer = facts.max_transfer;
	a->num_rq = min_t(u32, facts.num_reply_queues, HBA_MAX_REPLY_QUEUES);
	a->total_frames = a->max_cmds + a->srb_frames + HBA_TM_FRAMES;
	/* Room for every frame's reply plus injected duplicates. */
	a->ring_depth = 2 * a->total_frames + 1;
	COPY_ID(a->fw_version, facts.fw_version);
	COPY_ID(a->model, facts.model);
	COPY_ID(a->serial, facts.serial);
	a->sas_address = facts.sas_address;
	return 0;
}

static int alloc_queues(struct hba_adapter *a)
{
	size_t n = 1 + (size_t)a->total_frames;
	u32 q;

	a->frames = hba_vzalloc(n * sizeof(*a->frames));
	a->reply_frames = hba_vzalloc(n * sizeof(*a->reply_frames));
	if (!a->frames || !a->reply_frames)
		return -ENOMEM;
	for (q = 0; q < a->num_rq; q++) {
		a->rings[q] = hba_vzalloc(a->ring_depth * sizeof(u64));
		if (!a->rings[q])
			return -ENOMEM;
	}
	return hba_cmd_pool_init(a);
}

/*
 * Hardened init (invariant 5): the adapter may be mid-flight from a
 * previous kernel (kdump): replies pending, interrupts raised, frames
 * executing.  Mask everything, reset unless READY, clear the rings, then
 * IOC_INIT and unmask; stale replies that still show up are ignored.
 */
static int hba_init(struct hba_adapter *a)
{
	u32 ioc;
	int ret;

	hba_mutex_assert_held(&a->reset_mutex);
	if (!hba_change_state(a, HBAMGR_STATE_INITIALIZING))
		return -ENODEV;
	hba_fw_writel(a->fw, HBA_REG_INTR_MASK, ~0u);
	ioc = hba_fw_readl(a->fw, HBA_REG_IOC_STATE);
	if ((ioc & HBA_IOC_STATE_MASK) >> HBA_IOC_STATE_SHIFT !=
	    HBA_IOC_READY) {
		hba_info("hbamgr%u: IOC state 0x%08x at init, resetting\n",
			 a->params.fw.adapter_index, ioc);
		hba_fw_writel(a->fw, HBA_REG_HOST_DIAG, HBA_DIAG_RESET);
	}
	ret = hba_wait_ready(a);
	if (ret)
		return ret;
	ret = read_facts(a);
	if (ret)
		return ret;
	hba_rq_init(a);
	ret = alloc_queues(a);
	if (ret)
		return ret;
	hba_rq_clear(a);
	hba_isr_enable(a, true);
	ret = hba_ioc_init(a);
	if (ret)
		return ret;
	hba_fw_writel(a->fw, HBA_REG_INTR_MASK, 0);
	hba_set_ioc_operational(a);
	if (!hba_change_state(a, HBAMGR_STATE_LIVE))
		return -ENODEV;
	hba_atomic_set(&a->srb_credit, a->max_srbs);
	hba_srb_refill(a);
	return 0;
}

int hba_adapter_create(const struct hba_adapter_params *p,
		       struct hba_adapter **out)
{
	struct hba_adapter *a;
	int ret;

	a = hba_zalloc(sizeof(*a));
	if (!a)
		return -ENOMEM;
	a->params = *p;
	hba_fw_config_defaults(&a->params.fw);
	if (!a->params.drv_max_cmds ||
	    a->params.drv_max_cmds > HBA_DRV_MAX_CMDS)
		a->params.drv_max_cmds = HBA_DRV_MAX_CMDS;
	if (!a->params.event_ring_records)
		a->params.event_ring_records = HBA_EVENT_RING_DEFAULT;
	hba_kref_init(&a->kref);
	hba_mutex_init(&a->reset_mutex);
	hba_spin_lock_init(&a->state_lock);
	hba_spin_lock_init(&a->isr_lock);
	hba_spin_lock_init(&a->pool_lock);
	hba_spin_lock_init(&a->srb_lock);
	hba_spin_lock_init(&a->files_lock);
	hba_waitq_init(&a->state_waitq);
	hba_waitq_init(&a->tm_waitq);
	hba_work_init(&a->srb_work, hba_srb_work);
	hba_work_init(&a->reset_work, hba_reset_work);
	hba_delayed_work_init(&a->health_work, hba_health_work);
	a->state = HBAMGR_STATE_NEW;

	/* One work item per reply queue may run at once, plus SRB, health
	 * and reset work.
	 */
	a->wq = hba_wq_create("hbamgr", HBA_MAX_REPLY_QUEUES + 3);
	if (!a->wq) {
		hba_adapter_free(a);
		return -ENOMEM;
	}
	ret = hba_fw_create(&a->params.fw, &a->fw);
	if (ret) {
		a->fw = NULL;
		hba_adapter_free(a);
		return ret;
	}
	hba_fw_set_isr(a->fw, hba_isr, a);

	hba_mutex_lock(&a->reset_mutex);
	ret = hba_init(a);
	hba_mutex_unlock(&a->reset_mutex);
	if (ret) {
		hba_err("hbamgr%u: init failed: %d\n",
			a->params.fw.adapter_index, ret);
		hba_change_state(a, HBAMGR_STATE_DEAD);
		hba_adapter_remove(a);
		return ret;
	}
	hba_health_start(a);
	*out = a;
	return 0;
}

/*
 * Removal (invariant 3): DELETING first (every later call and every
 * waiter sees it), stop all work and the firmware, flush every posted
 * frame so blocked callers return -ENODEV, then drop the creator's
 * reference.  Open files keep the memory until they are released.
 */
void hba_adapter_remove(struct hba_adapter *a)
{
	u32 q;

	hba_change_state(a, HBAMGR_STATE_DELETING);
	hba_cancel_delayed_work_sync(&a->health_work);
	hba_cancel_work_sync(&a->reset_work);
	hba_mutex_lock(&a->reset_mutex);	/* a reset in progress ends */
	hba_isr_enable(a, false);
	for (q = 0; q < a->num_rq; q++)
		hba_cancel_work_sync(&a->rq[q].work);
	hba_fw_destroy(a->fw);
	a->fw = NULL;
	if (a->cmds)
		hba_flush_posted(a);
	hba_cancel_work_sync(&a->srb_work);
	hba_srb_drain(a, false);
	hba_mutex_unlock(&a->reset_mutex);
	hba_wq_destroy(a->wq);
	a->wq = NULL;
	hba_wake_up_all(&a->tm_waitq);
	hba_wake_up_all(&a->state_waitq);
	hba_files_wake_all(a);
	hba_adapter_put(a);
}

struct hba_fw *hba_adapter_fw(struct hba_adapter *a)
{
	return a->fw;
}

u32 hba_adapter_can_queue(struct hba_adapter *a)
{
	return a->max_cmds;
}

void hba_adapter_get_stats(struct hba_adapter *a, struct hba_adapter_stats *st)
{
	unsigned long flags;

	memset(st, 0, sizeof(*st));
	st->state = hba_get_state(a);
	st->reset_count = hba_atomic_read(&a->reset_count);
	st->fw_max_cmds = a->fw_max_cmds;
	st->drv_max_cmds = a->max_cmds;
	st->max_srbs = a->max_srbs;
	st->srbs_posted = a->max_srbs - hba_atomic_read(&a->srb_credit);
	st->cmds_outstanding = hba_atomic_read(&a->cmds_outstanding);
	st->fw_fault_code = hba_atomic_read(&a->fw_fault_code);
	st->stale_replies = hba_atomic64_read(&a->stale_replies);
	st->dup_replies = hba_atomic64_read(&a->dup_replies);
	st->timeouts = hba_atomic64_read(&a->timeouts);
	st->aborts = hba_atomic64_read(&a->aborts);
	st->events_dispatched = hba_atomic64_read(&a->events_dispatched);
	hba_spin_lock_irqsave(&a->files_lock, flags);
	st->last_event_seq = hba_atomic64_read(&a->last_event_seq);
	hba_spin_unlock_irqrestore(&a->files_lock, flags);
}
