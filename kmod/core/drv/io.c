// SPDX-License-Identifier: GPL-2.0
/*
 * Submission and completion: posting a frame through the doorbell, the
 * interrupt handler, per-reply-queue completion work, and SCSI I/O from the
 * glue.
 */
#include "drv_internal.h"

/*
 * Post a prepared (ALLOCATED) command.  The state check, the POSTED
 * transition and the doorbell happen under state_lock, so a reset or a
 * removal that changed the state afterwards finds every posted command
 * POSTED and flushes it.  SRBs may also be posted while RECOVERING, once
 * the firmware took IOC_INIT (a doorbell before would FAULT it).
 * 0; -EAGAIN not LIVE; -ENODEV removed.  On failure the command stays
 * ALLOCATED (hba_cmd_discard()).
 */
int hba_cmd_post(struct hba_cmd *cmd, bool allow_recovering)
{
	struct hba_adapter *a = cmd->a;
	unsigned long flags;
	u32 state;

	hba_spin_lock_irqsave(&a->state_lock, flags);
	state = a->state;
	if (!a->ioc_operational || (state != HBAMGR_STATE_LIVE &&
	    !(allow_recovering && state == HBAMGR_STATE_RECOVERING))) {
		hba_spin_unlock_irqrestore(&a->state_lock, flags);
		return state == HBAMGR_STATE_DELETING ? -ENODEV : -EAGAIN;
	}
	if (hba_smid_is_cmd(a, cmd->smid))
		hba_atomic_inc(&a->cmds_outstanding);
	hba_cmd_set_state(cmd, HBA_CMD_ALLOCATED, HBA_CMD_POSTED);
	hba_fw_writel(a->fw, HBA_REG_DOORBELL, cmd->smid);
	hba_spin_unlock_irqrestore(&a->state_lock, flags);
	hba_test_point(HBA_TP_CMD_POSTED, cmd);
	return 0;
}

static void finish_io(struct hba_cmd *cmd)
{
	struct hba_io *io = cmd->io;

	io->status = cmd->status;
	io->scsi_status = cmd->scsi_status;
	io->sense_len_out = 0;
	if (io->sense && io->sense_len && cmd->sense_len) {
		io->sense_len_out = min_t(u32, io->sense_len, cmd->sense_len);
		memcpy(io->sense, cmd->sense, io->sense_len_out);
	}
	io->resid = io->data_len - min_t(u32, io->data_len,
					 cmd->transfer_count);
	/* Read while the command was still ours (invariant 1). */
	HBA_WARN_ON(io->status == HBA_CMD_POISON);
	hba_complete(&cmd->done);
	hba_cmd_put(cmd);
	io->done(io);
}

/*
 * Take a POSTED command to COMPLETED exactly once and record its result:
 * from the reply frame r, or status (r NULL; a success descriptor is
 * HBAMGR_ST_OK with the whole transfer).  false when it was not POSTED.
 */
static bool complete_state(struct hba_cmd *cmd, u32 status,
			   const struct hba_reply_frame *r)
{
	struct hba_adapter *a = cmd->a;

	if (hba_atomic_cmpxchg(&cmd->state, HBA_CMD_POSTED,
			       HBA_CMD_COMPLETED) != HBA_CMD_POSTED)
		return false;
	if (r) {
		cmd->status = r->status;
		cmd->scsi_status = r->scsi_status;
		cmd->sense_len = min_t(u32, r->sense_len, HBAMGR_SENSE_MAX);
		memcpy(cmd->sense, r->sense, cmd->sense_len);
		cmd->transfer_count = r->transfer_count;
		cmd->result = r->result;
		cmd->resid_needed = r->resid_needed;
		cmd->reason = r->reason;
		if (cmd->kind == HBA_CMD_KIND_SRB)
			cmd->event = r->event;
	} else {
		cmd->status = status;
		cmd->transfer_count = status == HBAMGR_ST_OK ?
				      a->frames[cmd->smid].data_len : 0;
	}
	return true;
}

/* Tell the owner of a COMPLETED command and drop the firmware's reference. */
static void complete_actions(struct hba_cmd *cmd, bool has_event)
{
	switch (cmd->kind) {
	case HBA_CMD_KIND_IO:
		finish_io(cmd);
		break;
	case HBA_CMD_KIND_SRB:
		if (has_event && cmd->status == HBAMGR_ST_OK)
			hba_srb_completed(cmd);
		else
			hba_cmd_put(cmd);
		break;
	default:
		hba_complete(&cmd->done);
		hba_cmd_put(cmd);
		break;
	}
}

/*
 * Complete a POSTED command exactly once outside the reply path: a TM
 * abort (HBAMGR_ST_TIMEOUT) or a reset/removal flush (HBAMGR_ST_RESET).
 * false when it was not POSTED.
 */
bool hba_cmd_finish(struct hba_cmd *cmd, u32 status,
		    const struct hba_reply_frame *r)
{
	if (!complete_state(cmd, status, r))
		return false;
	complete_actions(cmd, r != NULL);
	return true;
}

/*
 * One reply descriptor; stale and duplicate ones are counted, not used.
 * Returns the command it completed, for the caller's batch.
 */
static struct hba_cmd *process_desc(struct hba_adapter *a, u64 desc)
{
	u32 smid = HBA_RDESC_SMID(desc);
	struct hba_cmd *cmd = hba_smid_to_cmd(a, smid);
	const struct hba_reply_frame *r = NULL;
	u32 state;

	if (!cmd) {
		hba_atomic64_inc(&a->stale_replies);
		return NULL;
	}
	state = hba_atomic_read(&cmd->state);
	if (state != HBA_CMD_POSTED) {
		hba_atomic64_inc(&a->stale_replies);
		if (state == HBA_CMD_COMPLETED || state == HBA_CMD_RELEASED)
			hba_atomic64_inc(&a->dup_replies);
		return NULL;
	}
	if (HBA_RDESC_TYPE(desc) == HBA_RDESC_ADDRESS_REPLY ||
	    cmd->kind == HBA_CMD_KIND_SRB || cmd->kind == HBA_CMD_KIND_TM)
		r = &a->reply_frames[smid];
	if (hba_atomic_read(&cmd->timed_out))
		hba_dbg("hbamgr%u: late reply for smid %u\n",
			a->params.fw.adapter_index, smid);
	if (!complete_state(cmd, HBAMGR_ST_OK, r)) {
		hba_atomic64_inc(&a->stale_replies);
		return NULL;
	}
	return cmd;
}

/*
 * Completion work for one reply queue; never runs in the isr itself.
 * Commands completed from the ring are told (and so may be released and
 * their SMIDs reused) only once the ring was found empty after the
 * REPLY_HOST_IDX write, which also lets the firmware post what it held
 * back: a duplicate descriptor for the same SMID is then already consumed
 * and ignored, and can never complete a reused SMID.
 */
void hba_rq_work(struct hba_work *w)
{
	struct hba_reply_queue *rq = container_of(w, struct hba_reply_queue,
						  work);
	struct hba_adapter *a = rq->a;
	u64 *ring = a->rings[rq->index];
	struct hba_cmd *batch = NULL, **tail = &batch, *cmd;
	u32 seen;

	hba_mutex_lock(&rq->lock);
	do {
		seen = 0;
		for (;;) {
			u64 desc = hba_ring_load(&ring[rq->host_idx]);

			if (desc == HBA_RDESC_UNUSED)
				break;
			hba_ring_store(&ring[rq->host_idx], HBA_RDESC_UNUSED);
			rq->host_idx = (rq->host_idx + 1) % a->ring_depth;
			seen++;
			cmd = process_desc(a, desc);
			if (cmd) {
				cmd->batch_next = NULL;
				*tail = cmd;
				tail = &cmd->batch_next;
			}
		}
		hba_fw_writel(a->fw, HBA_REG_REPLY_HOST_IDX(rq->index),
			      rq->host_idx);
	} while (seen);
	hba_mutex_unlock(&rq->lock);

	while ((cmd = batch)) {
		batch = cmd->batch_next;
		hba_test_point(HBA_TP_REPLY_COMPLETE, cmd);
		complete_actions(cmd, true);
	}
}

/* The interrupt: only queues the queue's completion work (invariant 3). */
void hba_isr(void *ctx, u32 queue)
{
	struct hba_adapter *a = ctx;
	unsigned long flags;

	hba_spin_lock_irqsave(&a->isr_lock, flags);
	if (a->isr_enabled && queue < a->num_rq)
		hba_queue_work(a->wq, &a->rq[queue].work);
	hba_spin_unlock_irqrestore(&a->isr_lock, flags);
}

void hba_isr_enable(struct hba_adapter *a, bool on)
{
	unsigned long flags;

	hba_spin_lock_irqsave(&a->isr_lock, flags);
	a->isr_enabled = on;
	hba_spin_unlock_irqrestore(&a->isr_lock, flags);
}

void hba_rq_init(struct hba_adapter *a)
{
	u32 q;

	for (q = 0; q < a->num_rq; q++) {
		struct hba_reply_queue *rq = &a->rq[q];

		rq->a = a;
		rq->index = q;
		hba_mutex_init(&rq->lock);
		hba_work_init(&rq->work, hba_rq_work);
	}
}

/* Empty every ring (init, reset): the firmware starts again at index 0. */
void hba_rq_clear(struct hba_adapter *a)
{
	u32 q, i;

	for (q = 0; q < a->num_rq; q++) {
		struct hba_reply_queue *rq = &a->rq[q];

		hba_mutex_lock(&rq->lock);
		for (i = 0; i < a->ring_depth; i++)
			hba_ring_store(&a->rings[q][i], HBA_RDESC_UNUSED);
		rq->host_idx = 0;
		hba_mutex_unlock(&rq->lock);
	}
}

/*
 * Complete every POSTED frame with HBAMGR_ST_RESET through the normal
 * completion path (reset, removal): only after the firmware dropped them.
 */
void hba_flush_posted(struct hba_adapter *a)
{
	u32 smid;

	for (smid = 1; smid <= a->total_frames; smid++)
		hba_cmd_finish(&a->cmds[smid], HBAMGR_ST_RESET, NULL);
}

int hba_io_submit(struct hba_adapter *a, struct hba_io *io)
{
	struct hba_req_frame *frame;
	struct hba_cmd *cmd;
	int ret;

	if (io->cdb_len < 6 || io->cdb_len > sizeof(io->cdb) ||
	    io->dir > HBAMGR_DIR_FROM_DEV || io->sge_count > a->max_sge ||
	    io->data_len > a->max_transfer || !io->done)
		return -EINVAL;
	cmd = hba_cmd_alloc(a, HBA_CMD_KIND_IO);
	if (!cmd)
		return hba_get_state(a) == HBAMGR_STATE_DELETING ? -ENODEV :
								    -EAGAIN;
	hba_cmd_prepare(cmd, 1);
	cmd->io = io;
	io->smid = cmd->smid;
	frame = &a->frames[cmd->smid];
	frame->function = HBA_FUNC_SCSI_IO;
	frame->dir = io->dir;
	frame->cdb_len = io->cdb_len;
	frame->target = io->target;
	frame->lun = io->lun;
	memcpy(frame->cdb, io->cdb, sizeof(frame->cdb));
	frame->data_len = io->data_len;
	frame->sge_count = io->sge_count;
	if (io->sge_count > HBA_FRAME_SGE_INLINE)
		frame->sgl_chain = (u64)(uintptr_t)io->sgl;
	else if (io->sge_count)
		memcpy(frame->sge, io->sgl, io->sge_count * sizeof(*io->sgl));
	ret = hba_cmd_post(cmd, false);
	if (ret)
		hba_cmd_discard(cmd);
	return ret;
}
