// SPDX-License-Identifier: GPL-2.0
/*
 * Replies: reply frames, descriptors in the driver's reply rings, and the
 * per-queue interrupt.
 *
 * Ring protocol: the driver hands over rings filled with HBA_RDESC_UNUSED
 * and writes HBA_RDESC_UNUSED back into every slot it consumed.  The
 * firmware writes descriptors at its producer index; a slot that is not
 * unused means the ring is full, and the descriptor waits (in order) until
 * the driver writes REPLY_HOST_IDX.  Ring slots are shared with the driver
 * without a lock, so they are accessed with acquire/release atomics: the
 * driver loads a descriptor with acquire before reading the reply frame.
 *
 * Interrupt: a queue's interrupt is raised (isr called from irq_work) when
 * a reply was posted to it, it is unmasked and it is not already raised;
 * writing REPLY_HOST_IDX acknowledges it, and it is raised again at once if
 * descriptors are still unconsumed.
 */
#include "engine_internal.h"

int fw_reply_queues_alloc(struct hba_fw *fw)
{
	u32 q;

	for (q = 0; q < HBA_MAX_REPLY_QUEUES; q++) {
		fw->pend[q].desc = hba_vzalloc(sizeof(u64) * FW_PEND_CAP);
		if (!fw->pend[q].desc)
			return -ENOMEM;
	}
	return 0;
}

void fw_reply_queues_free(struct hba_fw *fw)
{
	u32 q;

	for (q = 0; q < HBA_MAX_REPLY_QUEUES; q++)
		hba_vfree(fw->pend[q].desc);
}

/* Diag reset: the rings are the driver's again; nothing is owed. */
void fw_replies_reset(struct hba_fw *fw)
{
	u32 q;

	hba_lockdep_assert_held(&fw->lock);
	for (q = 0; q < HBA_MAX_REPLY_QUEUES; q++) {
		fw->pend[q].head = 0;
		fw->pend[q].count = 0;
		fw->ring_prod[q] = 0;
		fw->host_idx[q] = 0;
	}
	fw->irq_pending = 0;
	fw->irq_raised = 0;
	fw->irq_deliver = 0;
}

static u64 *fw_ring_slot(struct hba_fw *fw, u32 q, u32 idx)
{
	return &fw->init.reply_rings[q][idx];
}

static bool fw_ring_put(struct hba_fw *fw, u32 q, u64 desc)
{
	u64 *slot = fw_ring_slot(fw, q, fw->ring_prod[q]);

	if (fw_ring_load(slot) != HBA_RDESC_UNUSED)
		return false;
	fw_ring_store(slot, desc);
	fw->ring_prod[q] = (fw->ring_prod[q] + 1) % fw->init.reply_ring_depth;
	fw->st.replies_posted++;
	fw->irq_pending |= 1u << q;
	return true;
}

void fw_post_desc(struct hba_fw *fw, u32 q, u64 desc)
{
	struct fw_pend_queue *p = &fw->pend[q];

	hba_lockdep_assert_held(&fw->lock);
	if (!p->count && fw_ring_put(fw, q, desc)) {
		fw_irq_maybe_raise(fw, q);
		return;
	}
	if (p->count == FW_PEND_CAP) {
		/* A driver that never consumes its ring loses replies. */
		fw->st.replies_lost++;
		return;
	}
	p->desc[(p->head + p->count) % FW_PEND_CAP] = desc;
	p->count++;
}

/* Success with nothing to report beyond it: no reply frame needed. */
static bool fw_plain_success(const struct hba_req_frame *f,
			     const struct hba_reply_frame *r)
{
	return (f->function == HBA_FUNC_SCSI_IO ||
		f->function == HBA_FUNC_MGMT) &&
	       r->status == HBAMGR_ST_OK && !r->scsi_status && !r->sense_len &&
	       r->transfer_count == f->data_len && !r->result &&
	       !r->resid_needed;
}

/* Reply for smid: hand the SMID back to the driver (fw->lock held). */
void fw_complete(struct hba_fw *fw, u16 smid,
		 const struct hba_reply_frame *r, bool dup)
{
	const struct hba_req_frame *f = &fw->cmds[smid].frame;
	u32 q = f->reply_queue;
	u8 type = HBA_RDESC_SUCCESS;

	hba_lockdep_assert_held(&fw->lock);
	if (!fw_plain_success(f, r)) {
		memcpy(&fw->init.reply_frames[smid], r, sizeof(*r));
		type = HBA_RDESC_ADDRESS_REPLY;
	}
	fw_cmd_release(fw, smid);
	fw_post_desc(fw, q, HBA_RDESC_MAKE(smid, type));
	if (dup)
		fw_post_desc(fw, q, HBA_RDESC_MAKE(smid, type));
}

void fw_irq_maybe_raise(struct hba_fw *fw, u32 q)
{
	u32 bit = 1u << q;

	hba_lockdep_assert_held(&fw->lock);
	if (fw->ioc_state != HBA_IOC_OPERATIONAL || !(fw->irq_pending & bit) ||
	    (fw->intr_mask & bit) || (fw->irq_raised & bit))
		return;
	fw->irq_pending &= ~bit;
	fw->irq_raised |= bit;
	fw->irq_deliver |= bit;
	fw_queue_work(fw, &fw->irq_work);
}

void fw_write_host_idx(struct hba_fw *fw, u32 q, u32 val)
{
	struct fw_pend_queue *p = &fw->pend[q];

	hba_lockdep_assert_held(&fw->lock);
	if (!fw->initialized || q >= fw->init.num_reply_queues)
		return;
	fw->host_idx[q] = val % fw->init.reply_ring_depth;
	fw->irq_raised &= ~(1u << q);
	if (fw->ioc_state != HBA_IOC_OPERATIONAL)
		return;
	while (p->count && fw_ring_put(fw, q, p->desc[p->head])) {
		p->head = (p->head + 1) % FW_PEND_CAP;
		p->count--;
	}
	/* Pending exactly while a descriptor waits at the driver's index. */
	if (fw_ring_load(fw_ring_slot(fw, q, fw->host_idx[q])) !=
	    HBA_RDESC_UNUSED)
		fw->irq_pending |= 1u << q;
	else
		fw->irq_pending &= ~(1u << q);
	fw_irq_maybe_raise(fw, q);
}

void fw_write_intr_mask(struct hba_fw *fw, u32 val)
{
	u32 q;

	hba_lockdep_assert_held(&fw->lock);
	fw->intr_mask = val;
	for (q = 0; q < HBA_MAX_REPLY_QUEUES; q++)
		fw_irq_maybe_raise(fw, q);
}

/* The interrupt line: the isr runs here, with no firmware lock held. */
void fw_irq_work(struct hba_work *w)
{
	struct hba_fw *fw = container_of(w, struct hba_fw, irq_work);
	void (*isr)(void *ctx, u32 queue);
	unsigned long flags;
	void *ctx;
	u32 bits, q;

	hba_spin_lock_irqsave(&fw->lock, flags);
	bits = fw->irq_deliver;
	fw->irq_deliver = 0;
	isr = fw->isr;
	ctx = fw->isr_ctx;
	hba_spin_unlock_irqrestore(&fw->lock, flags);
	for (q = 0; q < HBA_MAX_REPLY_QUEUES; q++)
		if ((bits & (1u << q)) && isr)
			isr(ctx, q);
}
