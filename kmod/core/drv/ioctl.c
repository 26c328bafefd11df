// SPDX-License-Identifier: GPL-2.0
/*
 * ioctl dispatch and argument copying, shared by hbamgr.ko and the
 * in-process transport.  Commands are recognised by _IOC_TYPE and _IOC_NR
 * only: _IOC_SIZE is ignored because the leading size field of every
 * argument struct is authoritative (a newer caller's larger struct has the
 * same command number).
 */
#include "drv_internal.h"

/*
 * copy_struct_from_user() semantics on a struct starting with __u32 size:
 * size < HBAMGR_SIZE_MIN -EINVAL; > HBAMGR_SIZE_MAX -E2BIG; larger than
 * ksize with a non-zero tail -E2BIG; smaller: the rest of dst is zeroed.
 */
int hba_copy_struct_from_user(void *dst, size_t ksize, u64 usrc, u32 *usize)
{
	u32 size;
	int ret;

	if (hba_copy_from_user(&size, usrc, sizeof(size)))
		return -EFAULT;
	if (size < HBAMGR_SIZE_MIN)
		return -EINVAL;
	if (size > HBAMGR_SIZE_MAX)
		return -E2BIG;
	if (size > ksize) {
		ret = hba_check_zeroed_user(usrc + ksize, size - ksize);
		if (ret < 0)
			return ret;
		if (!ret)
			return -E2BIG;
	}
	memset(dst, 0, ksize);
	if (hba_copy_from_user(dst, usrc, min_t(size_t, size, ksize)))
		return -EFAULT;
	*(u32 *)dst = size;
	*usize = size;
	return 0;
}

/* Copy back what the caller's struct has room for: min(usize, ksize). */
int hba_copy_struct_to_user(u64 udst, u32 usize, const void *src,
			    size_t ksize)
{
	if (hba_copy_to_user(udst, src, min_t(size_t, usize, ksize)))
		return -EFAULT;
	return 0;
}

static void fill_info(struct hba_adapter *a, struct hbamgr_info *info)
{
	struct hba_adapter_stats st;

	hba_adapter_get_stats(a, &st);
	info->abi_major = HBAMGR_ABI_MAJOR;
	info->abi_minor = HBAMGR_ABI_MINOR;
	info->state = st.state;
	info->features = HBAMGR_FEAT_SCSI_PASSTHRU | HBAMGR_FEAT_MGMT_PASSTHRU |
			 HBAMGR_FEAT_EVENTS | HBAMGR_FEAT_RESET |
			 HBAMGR_FEAT_EVTLOG | HBAMGR_FEAT_PHYS_PASSTHRU |
			 HBAMGR_FEAT_REASON;
	if (a->params.fw.fault_injection)
		info->features |= HBAMGR_FEAT_FAULT_INJECT |
				  HBAMGR_FEAT_PACED_STORM;
	snprintf(info->driver_version, sizeof(info->driver_version), "%s",
		 HBA_DRV_VERSION);
	snprintf(info->fw_version, sizeof(info->fw_version), "%s",
		 a->fw_version);
	snprintf(info->model, sizeof(info->model), "%s", a->model);
	snprintf(info->serial, sizeof(info->serial), "%s", a->serial);
	info->sas_address = a->sas_address;
	info->adapter_index = a->params.fw.adapter_index;
	info->fw_max_cmds = st.fw_max_cmds;
	info->drv_max_cmds = st.drv_max_cmds;
	info->max_srbs = st.max_srbs;
	info->srbs_posted = st.srbs_posted;
	info->max_transfer = a->max_transfer;
	info->num_reply_queues = a->num_rq;
	info->reset_count = st.reset_count;
	info->fw_fault_code = st.fw_fault_code;
	info->cmds_outstanding = st.cmds_outstanding;
	info->last_event_seq = st.last_event_seq;
	info->stale_replies = st.stale_replies;
	memset(info->reserved, 0, sizeof(info->reserved));
}

static long ioctl_get_info(struct hba_file *f, u64 uarg)
{
	struct hbamgr_info info;
	u32 usize;
	int ret;

	ret = hba_copy_struct_from_user(&info, sizeof(info), uarg, &usize);
	if (ret)
		return ret;
	if (info.flags)
		return -EINVAL;
	fill_info(f->a, &info);
	return hba_copy_struct_to_user(uarg, usize, &info, sizeof(info));
}

static long ioctl_reset(struct hba_file *f, u64 uarg, bool cap_sys_admin)
{
	struct hba_adapter *a = f->a;
	struct hbamgr_reset rst;
	u32 usize;
	int ret;

	ret = hba_copy_struct_from_user(&rst, sizeof(rst), uarg, &usize);
	if (ret)
		return ret;
	if (rst.flags & ~HBAMGR_RESET_F_ALL || rst.reserved[0] ||
	    rst.reserved[1])
		return -EINVAL;
	if (!cap_sys_admin)
		return -EPERM;
	ret = hba_adapter_reset(a, rst.flags & HBAMGR_RESET_F_WAIT);
	if (ret)
		return ret;
	rst.state = hba_get_state(a);
	rst.reset_count = hba_atomic_read(&a->reset_count);
	return hba_copy_struct_to_user(uarg, usize, &rst, sizeof(rst));
}

/*
 * Unknown commands are -ENOTTY whatever the adapter state; every known one
 * is -ENODEV once removal started.
 */
long hba_file_ioctl(struct hba_file *f, unsigned int cmd, u64 uarg,
		    bool cap_sys_admin)
{
	u32 nr = _IOC_NR(cmd);

	if (_IOC_TYPE(cmd) != HBAMGR_IOC_MAGIC ||
	    (nr != _IOC_NR(HBAMGR_IOC_GET_INFO) &&
	     nr != _IOC_NR(HBAMGR_IOC_PASSTHRU) &&
	     nr != _IOC_NR(HBAMGR_IOC_RESET)))
		return -ENOTTY;
	if (hba_get_state(f->a) == HBAMGR_STATE_DELETING)
		return -ENODEV;
	if (nr == _IOC_NR(HBAMGR_IOC_GET_INFO))
		return ioctl_get_info(f, uarg);
	if (nr == _IOC_NR(HBAMGR_IOC_PASSTHRU))
		return hba_ioctl_passthru(f, uarg, cap_sys_admin);
	return ioctl_reset(f, uarg, cap_sys_admin);
}
