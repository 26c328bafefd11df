// SPDX-License-Identifier: GPL-2.0
/*
 * Status-read buffers (invariant 4).  a->srb_credit is the number of SRBs
 * that may still be posted: max_srbs minus those the firmware holds.
 * Every refiller (srb_work after each SRB completion, the recovery path)
 * takes one credit atomically before posting and gives it back when the
 * post fails, so concurrent refillers never post more than max_srbs (the
 * firmware FAULTs on one more).  The credit comes back only in the release
 * of a posted SRB (cmd.c).
 *
 * The credit alone bounds posting: there are twice as many SRB frames as
 * credits (as zfcp's status-read buffers come from a mempool, not from a
 * table the size of the firmware's limit).  A frame pool exactly the size
 * of the credit would hide a broken credit, turning an overpost into a
 * failed allocation the firmware never sees; with the spare frames the
 * firmware sees it, and FAULTs at the doorbell of the SRB too many.
 */
#include "drv_internal.h"

void hba_srb_refill(struct hba_adapter *a)
{
	struct hba_cmd *srb;

	while (hba_atomic_dec_if_positive(&a->srb_credit) >= 0) {
		srb = hba_cmd_alloc(a, HBA_CMD_KIND_SRB);
		/* The credit guarantees a free frame. */
		if (HBA_WARN_ON(!srb)) {
			hba_atomic_inc(&a->srb_credit);
			return;
		}
		hba_cmd_prepare(srb, 1);
		a->frames[srb->smid].function = HBA_FUNC_STATUS_READ;
		if (hba_cmd_post(srb, true)) {
			hba_cmd_discard(srb);
			hba_atomic_inc(&a->srb_credit);
			return;
		}
	}
}

/* From hba_cmd_finish: an SRB came back with an event. */
void hba_srb_completed(struct hba_cmd *srb)
{
	struct hba_adapter *a = srb->a;
	unsigned long flags;

	hba_spin_lock_irqsave(&a->srb_lock, flags);
	srb->next = NULL;
	if (a->srb_done_tail)
		a->srb_done_tail->next = srb;
	else
		a->srb_done_head = srb;
	a->srb_done_tail = srb;
	hba_spin_unlock_irqrestore(&a->srb_lock, flags);
	hba_queue_work(a->wq, &a->srb_work);
}

static struct hba_cmd *srb_done_pop(struct hba_adapter *a)
{
	unsigned long flags;
	struct hba_cmd *srb;

	hba_spin_lock_irqsave(&a->srb_lock, flags);
	srb = a->srb_done_head;
	if (srb) {
		a->srb_done_head = srb->next;
		if (!a->srb_done_head)
			a->srb_done_tail = NULL;
		srb->next = NULL;
	}
	hba_spin_unlock_irqrestore(&a->srb_lock, flags);
	return srb;
}

/*
 * Release every completed SRB, in completion order, and hand its event to
 * the open files and the glue (dispatch false: removal, drop them).
 */
void hba_srb_drain(struct hba_adapter *a, bool dispatch)
{
	struct hbamgr_event ev;
	struct hba_cmd *srb;

	while ((srb = srb_done_pop(a))) {
		ev = srb->event;
		hba_cmd_put(srb);
		if (!dispatch)
			continue;
		hba_events_dispatch(a, &ev);
		if (a->params.on_event &&
		    hba_get_state(a) != HBAMGR_STATE_DELETING)
			a->params.on_event(a->params.on_event_ctx, &ev);
	}
}

void hba_srb_work(struct hba_work *w)
{
	struct hba_adapter *a = container_of(w, struct hba_adapter, srb_work);

	hba_srb_drain(a, true);
	hba_srb_refill(a);
}
