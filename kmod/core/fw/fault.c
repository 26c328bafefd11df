// SPDX-License-Identifier: GPL-2.0
/*
 * Faults: the FAULT state, fault injection (HBAMGR_MGMT_FAULT_INJECT and
 * hba_fw_inject()) and the completion faults it arms.  Completion faults
 * apply to command frames (SCSI_IO, MGMT) only, in the order lose, late,
 * dup; each armed count is consumed by the next replies.
 */
#include "engine_internal.h"

void fw_enter_fault(struct hba_fw *fw, u32 code)
{
	hba_lockdep_assert_held(&fw->lock);
	if (fw->ioc_state == HBA_IOC_FAULT)
		return;
	fw->ioc_state = HBA_IOC_FAULT;
	fw->fault_code = code & HBA_IOC_FAULT_MASK;
	fw->st.faults++;
	fw_ctrl_event(fw, HBAMGR_EVT_CTRL_FW_FAULT, HBAMGR_SEV_FATAL,
		      fw->fault_code, "firmware fault");
}

static bool fw_fault_is_store(u32 fault)
{
	return fault == HBAMGR_FAULT_DRIVE_FAIL ||
	       fault == HBAMGR_FAULT_LINK_DOWN ||
	       fault == HBAMGR_FAULT_LINK_UP ||
	       fault == HBAMGR_FAULT_MEDIA_ERROR ||
	       fault == HBAMGR_FAULT_TEMPERATURE;
}

/* Returns enum hbamgr_status.  count 0 means 1. */
int fw_inject(struct hba_fw *fw, const struct hbamgr_mbox_fault *f)
{
	u32 count = f->count ? f->count : 1;
	int status = HBAMGR_ST_OK;
	unsigned long flags;
	u32 i;

	for (i = 0; i < sizeof(f->pad); i++)
		if (f->pad[i])
			return HBAMGR_ST_INVALID_PARAM;
	if (fw_fault_is_store(f->fault))
		return fw_store_inject(fw->store, f);
	if ((f->fault == HBAMGR_FAULT_SRB_STORM ||
	     f->fault == HBAMGR_FAULT_STORM_ON_RESET) && count > FW_STORM_MAX)
		return HBAMGR_ST_INVALID_PARAM;
	if (f->fault == HBAMGR_FAULT_SRB_STORM && f->arg > FW_STORM_MAX_RATE)
		return HBAMGR_ST_INVALID_PARAM;

	hba_spin_lock_irqsave(&fw->lock, flags);
	switch (f->fault) {
	case HBAMGR_FAULT_FW_FAULT:
		fw_enter_fault(fw, (f->arg & HBA_IOC_FAULT_MASK) ?
				   f->arg : HBA_FAULT_INJECTED);
		break;
	case HBAMGR_FAULT_LOSE_COMPLETION:
		fw->lose_count = count;
		break;
	case HBAMGR_FAULT_LATE_COMPLETION:
		fw->late_count = count;
		fw->late_delay_ms = f->delay_ms ? f->delay_ms :
				    FW_LATE_DEFAULT_MS;
		break;
	case HBAMGR_FAULT_DUP_COMPLETION:
		fw->dup_count = count;
		break;
	case HBAMGR_FAULT_SRB_STORM:
		if (f->arg)
			fw_storm_pace(fw, count, f->arg);
		else
			fw_storm(fw, count);
		break;
	case HBAMGR_FAULT_STORM_ON_RESET:
		fw->storm_on_reset = count;
		break;
	case HBAMGR_FAULT_CLEAR:
		fw->lose_count = 0;
		fw->late_count = 0;
		fw->dup_count = 0;
		fw->storm_on_reset = 0;
		fw->paced_left = 0;
		break;
	default:
		status = HBAMGR_ST_INVALID_PARAM;
		break;
	}
	hba_spin_unlock_irqrestore(&fw->lock, flags);
	return status;
}

static u32 fw_ms_until(u64 deadline_ns)
{
	u64 now = hba_now_ns();

	if (deadline_ns <= now)
		return 0;
	return (u32)((deadline_ns - now + 999999ULL) / 1000000ULL);
}

static void fw_late_arm(struct hba_fw *fw, u64 deadline_ns)
{
	if (fw->late_next_ns && fw->late_next_ns <= deadline_ns)
		return;
	fw->late_next_ns = deadline_ns;
	if (!fw->dead)
		hba_mod_delayed_work(fw->wq, &fw->late_work,
				     fw_ms_until(deadline_ns));
}

/*
 * Completion faults hit command frames, but not a FAULT_INJECT frame: the
 * caller that arms "lose the next reply" must get its own answer.
 */
static bool fw_completion_fault_target(struct hba_fw *fw, u16 smid)
{
	const struct hba_req_frame *f = &fw->cmds[smid].frame;

	return fw_smid_kind(fw, smid) == FW_SMID_CMD &&
	       !(f->function == HBA_FUNC_MGMT &&
		 f->opcode == HBAMGR_MGMT_FAULT_INJECT);
}

/* exec_work's reply for smid: apply the armed completion faults. */
void fw_finish(struct hba_fw *fw, u16 smid, struct hba_reply_frame *r)
{
	struct fw_cmd *c = &fw->cmds[smid];

	hba_lockdep_assert_held(&fw->lock);
	fw->st.frames_executed++;
	/* In FAULT nothing completes: the frame stays owned until reset. */
	if (fw->ioc_state != HBA_IOC_OPERATIONAL)
		return;
	r->smid = smid;
	r->function = c->frame.function;
	if (fw_completion_fault_target(fw, smid)) {
		if (fw->lose_count) {
			fw->lose_count--;
			c->state = FW_CMD_LOST;
			fw->st.replies_lost++;
			return;
		}
		if (fw->late_count) {
			fw->late_count--;
			c->state = FW_CMD_LATE;
			c->reply = *r;
			c->late_deadline_ns = hba_now_ns() +
					      fw->late_delay_ms * 1000000ULL;
			fw->st.replies_late++;
			fw_late_arm(fw, c->late_deadline_ns);
			return;
		}
		if (fw->dup_count) {
			fw->dup_count--;
			fw->st.replies_dup++;
			fw_complete(fw, smid, r, true);
			return;
		}
	}
	fw_complete(fw, smid, r, false);
}

/* Post the late replies whose time has come; re-arm for the next one. */
void fw_late_work(struct hba_work *w)
{
	struct hba_fw *fw = container_of(w, struct hba_fw, late_work.work);
	unsigned long flags;
	u64 now, next = 0;
	u32 smid;

	hba_spin_lock_irqsave(&fw->lock, flags);
	fw->late_next_ns = 0;
	if (fw->ioc_state == HBA_IOC_OPERATIONAL) {
		now = hba_now_ns();
		for (smid = 1; smid <= fw->total_frames; smid++) {
			struct fw_cmd *c = &fw->cmds[smid];

			if (c->state != FW_CMD_LATE)
				continue;
			if (c->late_deadline_ns <= now)
				fw_complete(fw, (u16)smid, &c->reply, false);
			else if (!next || c->late_deadline_ns < next)
				next = c->late_deadline_ns;
		}
	}
	if (next)
		fw_late_arm(fw, next);
	hba_spin_unlock_irqrestore(&fw->lock, flags);
}
