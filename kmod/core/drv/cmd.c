// SPDX-License-Identifier: GPL-2.0
/*
 * The command pool (invariant 1): one struct hba_cmd per SMID, SMIDs
 * 1..max_cmds for SCSI/MGMT commands, then srb_frames SRBs, then the TM
 * frames.  max_cmds is the one command limit: read from IOC_FACTS once,
 * clamped to the driver maximum, and used for the pool size, every
 * allocation and every SMID range check.
 */
#include "drv_internal.h"

static u32 kind_of_smid(struct hba_adapter *a, u32 smid)
{
	if (smid <= a->max_cmds)
		return HBA_CMD_KIND_PT;
	if (smid <= a->max_cmds + a->srb_frames)
		return HBA_CMD_KIND_SRB;
	return HBA_CMD_KIND_TM;
}

int hba_cmd_pool_init(struct hba_adapter *a)
{
	u32 smid;

	a->cmds = hba_vzalloc((1 + (size_t)a->total_frames) *
			      sizeof(*a->cmds));
	if (!a->cmds)
		return -ENOMEM;
	for (smid = 1; smid <= a->total_frames; smid++) {
		struct hba_cmd *cmd = &a->cmds[smid];

		cmd->a = a;
		cmd->smid = smid;
		cmd->kind = kind_of_smid(a, smid);
		hba_atomic_set(&cmd->state, HBA_CMD_FREE);
		hba_init_completion(&cmd->done);
		if (smid <= a->max_cmds) {
			if (a->free_tail)
				a->free_tail->next = cmd;
			else
				a->free_head = cmd;
			a->free_tail = cmd;
		}
	}
	return 0;
}

void hba_cmd_pool_free(struct hba_adapter *a)
{
	u32 smid;

	if (!a->cmds)
		return;
	for (smid = 1; smid <= a->total_frames; smid++) {
		struct hba_cmd *cmd = &a->cmds[smid];

		HBA_WARN_ON(hba_atomic_read(&cmd->state) != HBA_CMD_FREE);
		hba_vfree(cmd->bounce);
	}
	hba_vfree(a->cmds);
	a->cmds = NULL;
}

/* The only way a command changes state; any other step is a bug. */
void hba_cmd_set_state(struct hba_cmd *cmd, u32 from, u32 to)
{
	u32 old = hba_atomic_cmpxchg(&cmd->state, from, to);

	HBA_WARN_ON(old != from);
}

/* Take a FREE SRB or TM frame: scan its SMID range (FREE -> ALLOCATED is
 * a compare-and-exchange, so concurrent callers never share one).
 */
static struct hba_cmd *alloc_in_range(struct hba_adapter *a, u32 first,
				      u32 count)
{
	u32 smid;

	for (smid = first; smid < first + count; smid++) {
		struct hba_cmd *cmd = &a->cmds[smid];

		if (hba_atomic_cmpxchg(&cmd->state, HBA_CMD_FREE,
				       HBA_CMD_ALLOCATED) == HBA_CMD_FREE)
			return cmd;
	}
	return NULL;
}

/* NULL when none is free.  Never sleeps. */
struct hba_cmd *hba_cmd_alloc(struct hba_adapter *a, u32 kind)
{
	unsigned long flags;
	struct hba_cmd *cmd;

	switch (kind) {
	case HBA_CMD_KIND_SRB:
		return alloc_in_range(a, a->max_cmds + 1, a->srb_frames);
	case HBA_CMD_KIND_TM:
		return alloc_in_range(a, a->max_cmds + a->srb_frames + 1,
				      HBA_TM_FRAMES);
	default:
		break;
	}
	hba_spin_lock_irqsave(&a->pool_lock, flags);
	cmd = a->free_head;
	if (cmd) {
		a->free_head = cmd->next;
		if (!a->free_head)
			a->free_tail = NULL;
		cmd->next = NULL;
	}
	hba_spin_unlock_irqrestore(&a->pool_lock, flags);
	if (!cmd)
		return NULL;
	HBA_WARN_ON(!hba_smid_is_cmd(a, cmd->smid));
	hba_cmd_set_state(cmd, HBA_CMD_FREE, HBA_CMD_ALLOCATED);
	cmd->kind = kind;
	return cmd;
}

/*
 * Invariant 2: everything the completion path touches is set up here,
 * while the command is ALLOCATED and nothing can complete it: the
 * completion object, the reply slot, the result and the owners.  The
 * caller then fills a->frames[smid] and posts.
 */
void hba_cmd_prepare(struct hba_cmd *cmd, u32 owners)
{
	struct hba_adapter *a = cmd->a;
	struct hba_req_frame *frame = &a->frames[cmd->smid];

	HBA_WARN_ON(hba_atomic_read(&cmd->state) != HBA_CMD_ALLOCATED);
	hba_reinit_completion(&cmd->done);
	memset(&a->reply_frames[cmd->smid], 0, sizeof(a->reply_frames[0]));
	hba_atomic_set(&cmd->owners, owners);
	hba_atomic_set(&cmd->timed_out, 0);
	cmd->status = HBAMGR_ST_OK;
	cmd->scsi_status = 0;
	cmd->sense_len = 0;
	cmd->transfer_count = 0;
	cmd->result = 0;
	cmd->resid_needed = 0;
	memset(&cmd->reason, 0, sizeof(cmd->reason));
	memset(frame, 0, sizeof(*frame));
	frame->smid = cmd->smid;
	frame->reply_queue = cmd->kind == HBA_CMD_KIND_SRB ? HBA_SRB_QUEUE :
			     cmd->smid % a->num_rq;
}

/*
 * The single release function: the command goes back to FREE and with it
 * everything the firmware accounted for it, but only if it was posted
 * (COMPLETED); an ALLOCATED command that was never posted owes nothing.
 */
static void hba_cmd_release(struct hba_cmd *cmd)
{
	struct hba_adapter *a = cmd->a;
	unsigned long flags;
	void *bounce = cmd->bounce;
	u32 old;

	old = hba_atomic_xchg(&cmd->state, HBA_CMD_RELEASED);
	HBA_WARN_ON(old != HBA_CMD_COMPLETED && old != HBA_CMD_ALLOCATED);
	cmd->status = HBA_CMD_POISON;
	cmd->transfer_count = HBA_CMD_POISON;
	cmd->result = HBA_CMD_POISON;
	cmd->resid_needed = HBA_CMD_POISON;
	memset(&cmd->event, 0x6b, sizeof(cmd->event));
	cmd->bounce = NULL;
	cmd->io = NULL;
	hba_vfree(bounce);
	if (old == HBA_CMD_COMPLETED && hba_smid_is_cmd(a, cmd->smid))
		hba_atomic_dec(&a->cmds_outstanding);
	hba_cmd_set_state(cmd, HBA_CMD_RELEASED, HBA_CMD_FREE);

	switch (cmd->kind) {
	case HBA_CMD_KIND_SRB:
		/*
		 * Credit only after the frame is FREE: whoever takes the
		 * credit must find a free SRB frame (hba_srb_refill).
		 */
		if (old == HBA_CMD_COMPLETED)
			hba_atomic_inc(&a->srb_credit);
		break;
	case HBA_CMD_KIND_TM:
		hba_wake_up_all(&a->tm_waitq);
		break;
	default:
		hba_spin_lock_irqsave(&a->pool_lock, flags);
		cmd->next = NULL;
		if (a->free_tail)
			a->free_tail->next = cmd;
		else
			a->free_head = cmd;
		a->free_tail = cmd;
		hba_spin_unlock_irqrestore(&a->pool_lock, flags);
		break;
	}
}

/* Drop one owner; the last one releases.  An unposted command has one. */
void hba_cmd_put(struct hba_cmd *cmd)
{
	int left = hba_atomic_dec_return(&cmd->owners);

	HBA_WARN_ON(left < 0);
	if (left == 0)
		hba_cmd_release(cmd);
}

/* A command that was allocated but never posted goes straight back. */
void hba_cmd_discard(struct hba_cmd *cmd)
{
	HBA_WARN_ON(hba_atomic_read(&cmd->state) != HBA_CMD_ALLOCATED);
	hba_cmd_release(cmd);
}

/* An extra owner (an aborter); false when the command was released. */
bool hba_cmd_get_unless_released(struct hba_cmd *cmd)
{
	int n = hba_atomic_read(&cmd->owners);

	while (n > 0) {
		int old = hba_atomic_cmpxchg(&cmd->owners, n, n + 1);

		if (old == n)
			return true;
		n = old;
	}
	return false;
}
