// SPDX-License-Identifier: GPL-2.0
/*
 * Adapter reset and recovery: LIVE/DEAD -> RESETTING (mask, diag reset,
 * flush every posted frame through the completion path) -> RECOVERING
 * (READY, IOC_INIT, unmask, SRBs re-posted through the credit) -> LIVE, or
 * DEAD on failure.  The health check starts it when the firmware FAULTs.
 */
#include "drv_internal.h"

/* Called with reset_mutex held. */
int hba_do_reset(struct hba_adapter *a)
{
	int ret;

	hba_mutex_assert_held(&a->reset_mutex);
	if (!hba_change_state(a, HBAMGR_STATE_RESETTING))
		return hba_get_state(a) == HBAMGR_STATE_DELETING ? -ENODEV : 0;
	hba_fw_writel(a->fw, HBA_REG_INTR_MASK, ~0u);
	hba_fw_writel(a->fw, HBA_REG_HOST_DIAG, HBA_DIAG_RESET);
	/* The firmware dropped every frame: nothing will reply any more. */
	hba_rq_clear(a);
	hba_test_point(HBA_TP_RESET_FLUSH, a);
	hba_flush_posted(a);

	if (!hba_change_state(a, HBAMGR_STATE_RECOVERING))
		return -ENODEV;
	ret = hba_wait_ready(a);
	if (!ret)
		ret = hba_ioc_init(a);
	if (ret) {
		hba_err("hbamgr%u: recovery failed: %d\n",
			a->params.fw.adapter_index, ret);
		hba_change_state(a, HBAMGR_STATE_DEAD);
		return ret;
	}
	hba_fw_writel(a->fw, HBA_REG_INTR_MASK, 0);
	hba_set_ioc_operational(a);
	hba_srb_refill(a);
	if (!hba_change_state(a, HBAMGR_STATE_LIVE))
		return -ENODEV;
	hba_atomic_set(&a->fw_fault_code, 0);
	hba_atomic_inc(&a->reset_count);
	hba_info("hbamgr%u: reset done (%d)\n", a->params.fw.adapter_index,
		 hba_atomic_read(&a->reset_count));
	return 0;
}

void hba_reset_work(struct hba_work *w)
{
	struct hba_adapter *a = container_of(w, struct hba_adapter,
					     reset_work);

	hba_mutex_lock(&a->reset_mutex);
	hba_do_reset(a);
	hba_mutex_unlock(&a->reset_mutex);
}

/*
 * Queue work on the driver's workqueue unless the adapter is being
 * removed: under state_lock, so nothing is queued after removal started.
 */
static bool queue_unless_deleting(struct hba_adapter *a, struct hba_work *w,
				  struct hba_delayed_work *dw, u32 ms)
{
	unsigned long flags;
	bool queued = false;

	hba_spin_lock_irqsave(&a->state_lock, flags);
	if (a->state != HBAMGR_STATE_DELETING) {
		if (dw)
			hba_queue_delayed_work(a->wq, dw, ms);
		else
			hba_queue_work(a->wq, w);
		queued = true;
	}
	hba_spin_unlock_irqrestore(&a->state_lock, flags);
	return queued;
}

void hba_health_work(struct hba_work *w)
{
	struct hba_delayed_work *dw = container_of(w, struct hba_delayed_work,
						   work);
	struct hba_adapter *a = container_of(dw, struct hba_adapter,
					     health_work);
	u32 ioc;

	if (hba_get_state(a) == HBAMGR_STATE_LIVE) {
		ioc = hba_fw_readl(a->fw, HBA_REG_IOC_STATE);
		if ((ioc & HBA_IOC_STATE_MASK) >> HBA_IOC_STATE_SHIFT ==
		    HBA_IOC_FAULT) {
			hba_warn("hbamgr%u: firmware fault 0x%04x, resetting\n",
				 a->params.fw.adapter_index,
				 ioc & HBA_IOC_FAULT_MASK);
			hba_atomic_set(&a->fw_fault_code,
				       ioc & HBA_IOC_FAULT_MASK);
			queue_unless_deleting(a, &a->reset_work, NULL, 0);
		}
	}
	queue_unless_deleting(a, NULL, &a->health_work,
			      HBA_HEALTH_PERIOD_MS);
}

void hba_health_start(struct hba_adapter *a)
{
	queue_unless_deleting(a, NULL, &a->health_work,
			      HBA_HEALTH_PERIOD_MS);
}

int hba_adapter_reset(struct hba_adapter *a, bool wait)
{
	int ret;

	if (!wait)
		return queue_unless_deleting(a, &a->reset_work, NULL, 0) ?
		       0 : -ENODEV;
	if (hba_mutex_lock_killable(&a->reset_mutex))
		return -EINTR;
	ret = hba_do_reset(a);
	hba_mutex_unlock(&a->reset_mutex);
	return ret == -ENODEV ? -ENODEV : 0;
}
