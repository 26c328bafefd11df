// SPDX-License-Identifier: GPL-2.0
/*
 * Executing request frames: exec_work takes queued frames one at a time
 * (task management first, so an abort overtakes the frames it may target),
 * resolves the SGL, runs the frame without fw->lock and then hands the
 * reply to fw_finish() unless a diag reset happened meanwhile.
 */
#include "engine_internal.h"

/* The frame's SGEs, inline or chained; false when malformed. */
static bool fw_resolve_sgl(struct hba_fw *fw, const struct hba_req_frame *f,
			   const struct hba_sge **sgl)
{
	const struct hba_sge *s = f->sge;
	u64 total = 0;
	u32 i;

	if (f->sge_count > HBA_FRAME_SGE_INLINE) {
		memcpy(fw->chain_sgl, (const void *)(uintptr_t)f->sgl_chain,
		       sizeof(*s) * f->sge_count);
		s = fw->chain_sgl;
	}
	for (i = 0; i < f->sge_count; i++) {
		if (s[i].flags || (s[i].len && !s[i].addr))
			return false;
		total += s[i].len;
	}
	if (total != f->data_len)
		return false;
	*sgl = s;
	return true;
}

/* TASK_MGMT: abort task_smid if the firmware still owns it. */
static void fw_task_mgmt(struct hba_fw *fw, const struct hba_req_frame *f,
			 struct hba_reply_frame *r)
{
	u16 t = f->task_smid;
	enum fw_smid_kind kind;
	unsigned long flags;
	u8 state;

	r->status = HBA_TM_NOT_FOUND;
	hba_spin_lock_irqsave(&fw->lock, flags);
	kind = fw_smid_kind(fw, t);
	if (kind != FW_SMID_CMD && kind != FW_SMID_SRB)
		goto out;
	state = fw->cmds[t].state;
	if (state != FW_CMD_QUEUED && state != FW_CMD_PARKED &&
	    state != FW_CMD_LATE && state != FW_CMD_LOST)
		goto out;
	if (state == FW_CMD_QUEUED)
		fw_list_remove(fw, &fw->runq, t);
	else if (state == FW_CMD_PARKED)
		fw_list_remove(fw, &fw->parked, t);
	fw_cmd_release(fw, t);
	r->status = HBA_TM_ABORTED;
out:
	hba_spin_unlock_irqrestore(&fw->lock, flags);
}

static void fw_exec_mgmt(struct hba_fw *fw, const struct hba_req_frame *f,
			 const struct hba_sge *sgl, struct hba_reply_frame *r)
{
	struct hbamgr_mbox_fault mf;

	switch (f->opcode) {
	case HBAMGR_MGMT_EVTLOG_INFO:
		fw_evtlog_info(fw, f, sgl, f->sge_count, r);
		break;
	case HBAMGR_MGMT_EVTLOG_GET:
		fw_evtlog_get(fw, f, sgl, f->sge_count, r);
		break;
	case HBAMGR_MGMT_FAULT_INJECT:
		if (!fw->cfg.fault_injection) {
			r->status = HBAMGR_ST_INVALID_OPCODE;
			break;
		}
		memcpy(&mf, f->cdb, sizeof(mf));
		r->status = fw_inject(fw, &mf);
		break;
	default:
		fw_store_mgmt(fw->store, f, sgl, f->sge_count, r);
		break;
	}
}

/* Run one frame; false when it is malformed (the firmware faults). */
static bool fw_exec_frame(struct hba_fw *fw, const struct hba_req_frame *f,
			  struct hba_reply_frame *r)
{
	const struct hba_sge *sgl;

	if (f->function == HBA_FUNC_TASK_MGMT) {
		fw_task_mgmt(fw, f, r);
		return true;
	}
	if (!fw_resolve_sgl(fw, f, &sgl))
		return false;
	if (f->function == HBA_FUNC_SCSI_IO)
		fw_store_scsi(fw->store, f, sgl, f->sge_count, r);
	else
		fw_exec_mgmt(fw, f, sgl, r);
	return true;
}

void fw_exec_work(struct hba_work *w)
{
	struct hba_fw *fw = container_of(w, struct hba_fw, exec_work);
	struct hba_req_frame f;
	struct hba_reply_frame r;
	unsigned long flags;
	u32 gen;
	u16 smid;
	bool ok;

	for (;;) {
		hba_spin_lock_irqsave(&fw->lock, flags);
		smid = 0;
		if (fw->ioc_state == HBA_IOC_OPERATIONAL) {
			smid = fw_list_pop(fw, &fw->tm_runq);
			if (!smid)
				smid = fw_list_pop(fw, &fw->runq);
		}
		if (!smid) {
			hba_spin_unlock_irqrestore(&fw->lock, flags);
			return;
		}
		fw->cmds[smid].state = FW_CMD_EXECUTING;
		f = fw->cmds[smid].frame;
		gen = fw->reset_gen;
		fw->exec_active = true;
		hba_spin_unlock_irqrestore(&fw->lock, flags);

		memset(&r, 0, sizeof(r));
		ok = fw_exec_frame(fw, &f, &r);

		hba_spin_lock_irqsave(&fw->lock, flags);
		fw->exec_active = false;
		if (gen == fw->reset_gen) {
			if (ok)
				fw_finish(fw, smid, &r);
			else
				fw_enter_fault(fw, HBA_FAULT_BAD_FRAME);
		}
		hba_spin_unlock_irqrestore(&fw->lock, flags);
	}
}
