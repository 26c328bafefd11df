// SPDX-License-Identifier: GPL-2.0
/*
 * HBAMGR_IOC_PASSTHRU: validation, privilege, bounce buffers, execution.
 * The data and sense buffers are bounced through kernel memory owned by
 * the command, so a caller killed while waiting leaves nothing the
 * firmware could still write to behind (freed on release).
 */
#include "drv_internal.h"

static bool mgmt_opcode_is_admin(u32 opcode)
{
	switch (opcode) {
	case HBAMGR_MGMT_CTRL_SET_PROPS:
	case HBAMGR_MGMT_PD_SET_STATE:
	case HBAMGR_MGMT_PD_LOCATE:
	case HBAMGR_MGMT_VD_CREATE:
	case HBAMGR_MGMT_VD_DELETE:
	case HBAMGR_MGMT_BGOP_START:
	case HBAMGR_MGMT_BGOP_STOP:
	case HBAMGR_MGMT_FAULT_INJECT:
		return true;
	default:
		return false;
	}
}

static bool needs_admin(const struct hbamgr_passthru *pt)
{
	if (pt->type == HBAMGR_PT_MGMT)
		return mgmt_opcode_is_admin(pt->opcode);
	return pt->flags & HBAMGR_PT_F_PHYS;
}

static int validate(struct hba_adapter *a, const struct hbamgr_passthru *pt)
{
	if (pt->flags & ~HBAMGR_PT_F_ALL || pt->pad0 || pt->reserved[0] ||
	    pt->reserved[1])
		return -EINVAL;
	switch (pt->type) {
	case HBAMGR_PT_SCSI:
		if (pt->cdb_len < HBAMGR_CDB_MIN ||
		    pt->cdb_len > HBAMGR_CDB_MAX ||
		    pt->opcode)
			return -EINVAL;
		break;
	case HBAMGR_PT_MGMT:
		if (pt->cdb_len || pt->flags & HBAMGR_PT_F_PHYS)
			return -EINVAL;
		break;
	default:
		return -EINVAL;
	}
	if (pt->lun || pt->dir > HBAMGR_DIR_FROM_DEV ||
	    pt->timeout_ms > HBAMGR_PT_TIMEOUT_MAX_MS ||
	    pt->data_len > a->max_transfer ||
	    !pt->data_len != !pt->data_ptr ||
	    !pt->data_len != (pt->dir == HBAMGR_DIR_NONE) ||
	    pt->sense_len > HBAMGR_SENSE_MAX || !pt->sense_len != !pt->sense_ptr)
		return -EINVAL;
	return 0;
}

static void fill_frame(struct hba_cmd *cmd, const struct hbamgr_passthru *pt)
{
	struct hba_req_frame *frame = &cmd->a->frames[cmd->smid];

	frame->function = pt->type == HBAMGR_PT_SCSI ? HBA_FUNC_SCSI_IO :
						       HBA_FUNC_MGMT;
	frame->dir = pt->dir;
	frame->cdb_len = pt->cdb_len;
	frame->flags = pt->flags & HBAMGR_PT_F_PHYS;
	frame->target = pt->target;
	frame->lun = pt->lun;
	frame->opcode = pt->opcode;
	memcpy(frame->cdb, pt->cdb, sizeof(frame->cdb));
	frame->data_len = pt->data_len;
	if (pt->data_len) {
		frame->sge_count = 1;
		frame->sge[0].addr = (u64)(uintptr_t)cmd->bounce;
		frame->sge[0].len = pt->data_len;
	}
}

/* Results and data back to the caller; the command is COMPLETED. */
static int copy_results(struct hba_cmd *cmd, struct hbamgr_passthru *pt)
{
	u32 moved = min_t(u32, cmd->transfer_count, pt->data_len);
	u32 sense = min_t(u32, cmd->sense_len, pt->sense_len);

	/* Read while the waiter still owns it (invariant 1). */
	if (HBA_WARN_ON(cmd->status == HBA_CMD_POISON))
		return -EIO;
	pt->status = cmd->status;
	pt->scsi_status = cmd->scsi_status;
	pt->pad1 = 0;
	pt->result = cmd->result;
	pt->resid = cmd->status == HBAMGR_ST_NO_SPACE ? cmd->resid_needed :
							 pt->data_len - moved;
	pt->sense_len_out = sense;
	pt->reason = cmd->reason.code;
	pt->reason_id = cmd->reason.id;
	pt->pad2 = 0;
	pt->reason_value = cmd->reason.value;
	pt->reason_limit = cmd->reason.limit;
	if (pt->dir == HBAMGR_DIR_FROM_DEV && moved &&
	    hba_copy_to_user(pt->data_ptr, cmd->bounce, moved))
		return -EFAULT;
	if (sense && hba_copy_to_user(pt->sense_ptr, cmd->sense, sense))
		return -EFAULT;
	return 0;
}

long hba_ioctl_passthru(struct hba_file *f, u64 uarg, bool cap_sys_admin)
{
	struct hba_adapter *a = f->a;
	struct hbamgr_passthru pt;
	struct hba_cmd *cmd;
	void *bounce = NULL;
	u32 usize, state;
	int ret;

	ret = hba_copy_struct_from_user(&pt, sizeof(pt), uarg, &usize);
	if (ret)
		return ret;
	ret = validate(a, &pt);
	if (ret)
		return ret;
	if (needs_admin(&pt) && !cap_sys_admin)
		return -EPERM;
	state = hba_get_state(a);
	if (state != HBAMGR_STATE_LIVE)
		return state == HBAMGR_STATE_DELETING ? -ENODEV : -EAGAIN;
	if (pt.data_len) {
		bounce = hba_vzalloc(pt.data_len);
		if (!bounce)
			return -ENOMEM;
		if (pt.dir == HBAMGR_DIR_TO_DEV &&
		    hba_copy_from_user(bounce, pt.data_ptr, pt.data_len)) {
			hba_vfree(bounce);
			return -EFAULT;
		}
	}
	cmd = hba_cmd_alloc(a, HBA_CMD_KIND_PT);
	if (!cmd) {
		hba_vfree(bounce);
		return -EAGAIN;
	}
	/* Owners: the firmware side and this waiter. */
	hba_cmd_prepare(cmd, 2);
	cmd->bounce = bounce;
	fill_frame(cmd, &pt);
	ret = hba_cmd_post(cmd, false);
	if (ret) {
		hba_cmd_discard(cmd);
		return ret;
	}
	ret = hba_cmd_wait(cmd, pt.timeout_ms ? pt.timeout_ms :
					       HBAMGR_PT_TIMEOUT_DEFAULT_MS);
	if (!ret && hba_get_state(a) == HBAMGR_STATE_DELETING)
		ret = -ENODEV;
	if (!ret)
		ret = copy_results(cmd, &pt);
	hba_cmd_put(cmd);
	if (ret)
		return ret;
	return hba_copy_struct_to_user(uarg, usize, &pt, sizeof(pt));
}
