// SPDX-License-Identifier: GPL-2.0
/*
 * debugfs: /sys/kernel/debug/hbamgr/
 *   remove_adapter      write N: hot-unplug adapter N (fault_injection=1)
 *   hbamgrN/fw_stats    what the firmware observed (hba_fw_get_stats)
 *   hbamgrN/<knob>      write-only fault injection (fault_injection=1):
 *                       each calls hba_fw_inject(), "reset" calls
 *                       hba_adapter_reset(wait)
 * Knob arguments are decimal numbers separated by blanks, e.g.
 * "echo 3 2000 > late_completions" (count 3, delay 2000 ms).
 *
 * An adapter's directory is removed before the adapter is (debugfs waits
 * for running handlers), so a handler always sees a live adapter.
 */
#include <linux/debugfs.h>
#include <linux/fs.h>
#include <linux/seq_file.h>
#include <linux/uaccess.h>

#include "hbamgr_linux.h"

static struct dentry *hbamgr_debugfs_root;
static struct dentry *hbamgr_debugfs_remove_file;

/* Where a knob's numbers go in struct hbamgr_mbox_fault. */
enum hbamgr_knob_field {
	HBAMGR_KF_NONE,
	HBAMGR_KF_ARG,
	HBAMGR_KF_COUNT,
	HBAMGR_KF_DELAY,
	HBAMGR_KF_LBA,
};

struct hbamgr_knob {
	const char *name;
	u32 fault;		/* enum hbamgr_fault; 0 = adapter reset */
	enum hbamgr_knob_field field[2];
};

static const struct hbamgr_knob hbamgr_knobs[] = {
	{ "fail_drive", HBAMGR_FAULT_DRIVE_FAIL, { HBAMGR_KF_ARG } },
	{ "fw_fault", HBAMGR_FAULT_FW_FAULT, { HBAMGR_KF_ARG } },
	{ "lose_completions", HBAMGR_FAULT_LOSE_COMPLETION,
	  { HBAMGR_KF_COUNT } },
	{ "late_completions", HBAMGR_FAULT_LATE_COMPLETION,
	  { HBAMGR_KF_COUNT, HBAMGR_KF_DELAY } },
	{ "dup_completions", HBAMGR_FAULT_DUP_COMPLETION,
	  { HBAMGR_KF_COUNT } },
	{ "srb_storm", HBAMGR_FAULT_SRB_STORM, { HBAMGR_KF_COUNT } },
	{ "storm_on_reset", HBAMGR_FAULT_STORM_ON_RESET, { HBAMGR_KF_COUNT } },
	{ "link_down", HBAMGR_FAULT_LINK_DOWN, { HBAMGR_KF_ARG } },
	{ "link_up", HBAMGR_FAULT_LINK_UP, { HBAMGR_KF_ARG } },
	{ "media_error", HBAMGR_FAULT_MEDIA_ERROR,
	  { HBAMGR_KF_ARG, HBAMGR_KF_LBA } },
	{ "temperature", HBAMGR_FAULT_TEMPERATURE,
	  { HBAMGR_KF_ARG, HBAMGR_KF_COUNT } },
	{ "clear_faults", HBAMGR_FAULT_CLEAR, { HBAMGR_KF_NONE } },
	{ "reset", 0, { HBAMGR_KF_NONE } },
};

static int hbamgr_knob_set(struct hbamgr_mbox_fault *f,
			   enum hbamgr_knob_field field, u64 val)
{
	if (field != HBAMGR_KF_LBA && val > U32_MAX)
		return -ERANGE;
	switch (field) {
	case HBAMGR_KF_ARG:
		f->arg = val;
		break;
	case HBAMGR_KF_COUNT:
		f->count = val;
		break;
	case HBAMGR_KF_DELAY:
		f->delay_ms = val;
		break;
	case HBAMGR_KF_LBA:
		f->lba = val;
		break;
	case HBAMGR_KF_NONE:
		break;
	}
	return 0;
}

/* Reads up to two decimal numbers; returns how many, or -errno. */
static int hbamgr_knob_parse(const char __user *ubuf, size_t len, u64 val[2])
{
	char buf[64];
	int n;

	if (len >= sizeof(buf))
		return -E2BIG;
	if (copy_from_user(buf, ubuf, len))
		return -EFAULT;
	buf[len] = '\0';
	n = sscanf(buf, "%llu %llu", &val[0], &val[1]);
	return n < 0 ? 0 : n;
}

static int hbamgr_status_to_errno(int status)
{
	switch (status) {
	case HBAMGR_ST_OK:
		return 0;
	case HBAMGR_ST_NO_DEVICE:
		return -ENODEV;
	case HBAMGR_ST_INVALID_STATE:
	case HBAMGR_ST_BUSY:
		return -EBUSY;
	case HBAMGR_ST_INVALID_PARAM:
	case HBAMGR_ST_INVALID_OPCODE:
		return -EINVAL;
	default:
		return -EIO;
	}
}

static ssize_t hbamgr_knob_write(struct file *file, const char __user *ubuf,
				 size_t len, loff_t *ppos)
{
	struct hbamgr_host *host = file->private_data;
	struct hba_fw *fw = hba_adapter_fw(host->adapter);
	const char *name = file_dentry(file)->d_name.name;
	const struct hbamgr_knob *knob = NULL;
	struct hbamgr_mbox_fault f = { };
	u64 val[2] = { };
	int i, n, ret;

	for (i = 0; i < ARRAY_SIZE(hbamgr_knobs); i++)
		if (!strcmp(hbamgr_knobs[i].name, name))
			knob = &hbamgr_knobs[i];
	if (!knob)
		return -ENOENT;
	n = hbamgr_knob_parse(ubuf, len, val);
	if (n < 0)
		return n;
	for (i = 0; i < ARRAY_SIZE(knob->field); i++) {
		if (knob->field[i] == HBAMGR_KF_NONE)
			continue;
		if (i >= n)
			return -EINVAL;
		ret = hbamgr_knob_set(&f, knob->field[i], val[i]);
		if (ret)
			return ret;
	}
	if (!knob->fault) {
		ret = hba_adapter_reset(host->adapter, true);
	} else {
		f.fault = knob->fault;
		ret = hbamgr_status_to_errno(hba_fw_inject(fw, &f));
	}
	return ret ? ret : len;
}

static const struct file_operations hbamgr_knob_fops = {
	.owner = THIS_MODULE,
	.open = simple_open,
	.write = hbamgr_knob_write,
	.llseek = no_llseek,
};

static int hbamgr_fw_stats_show(struct seq_file *m, void *unused)
{
	struct hbamgr_host *host = m->private;
	struct hba_fw_stats st;

	hba_fw_get_stats(hba_adapter_fw(host->adapter), &st);
	seq_printf(m, "ioc_state %u\n", st.ioc_state);
	seq_printf(m, "fault_code %u\n", st.fault_code);
	seq_printf(m, "outstanding_cmds %u\n", st.outstanding_cmds);
	seq_printf(m, "outstanding_srbs %u\n", st.outstanding_srbs);
	seq_printf(m, "max_outstanding_cmds %u\n", st.max_outstanding_cmds);
	seq_printf(m, "max_outstanding_srbs %u\n", st.max_outstanding_srbs);
	seq_printf(m, "frames_executed %llu\n", st.frames_executed);
	seq_printf(m, "replies_posted %llu\n", st.replies_posted);
	seq_printf(m, "replies_lost %llu\n", st.replies_lost);
	seq_printf(m, "replies_late %llu\n", st.replies_late);
	seq_printf(m, "replies_dup %llu\n", st.replies_dup);
	seq_printf(m, "dirty_replies %llu\n", st.dirty_replies);
	seq_printf(m, "events_logged %llu\n", st.events_logged);
	seq_printf(m, "events_to_srb %llu\n", st.events_to_srb);
	seq_printf(m, "diag_resets %u\n", st.diag_resets);
	seq_printf(m, "faults %u\n", st.faults);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(hbamgr_fw_stats);

static ssize_t hbamgr_remove_write(struct file *file, const char __user *ubuf,
				   size_t len, loff_t *ppos)
{
	u64 val[2];
	int n, ret;

	n = hbamgr_knob_parse(ubuf, len, val);
	if (n < 0)
		return n;
	if (n < 1 || val[0] >= HBAMGR_MAX_ADAPTERS)
		return -EINVAL;
	ret = hbamgr_remove_adapter(val[0]);
	return ret ? ret : len;
}

static const struct file_operations hbamgr_remove_fops = {
	.owner = THIS_MODULE,
	.open = simple_open,
	.write = hbamgr_remove_write,
	.llseek = no_llseek,
};

void hbamgr_debugfs_add(struct hbamgr_host *host, bool fault_injection)
{
	char name[16];
	int i;

	snprintf(name, sizeof(name), "hbamgr%u", host->index);
	host->debugfs = debugfs_create_dir(name, hbamgr_debugfs_root);
	debugfs_create_file("fw_stats", 0444, host->debugfs, host,
			    &hbamgr_fw_stats_fops);
	if (!fault_injection)
		return;
	for (i = 0; i < ARRAY_SIZE(hbamgr_knobs); i++)
		debugfs_create_file(hbamgr_knobs[i].name, 0200, host->debugfs,
				    host, &hbamgr_knob_fops);
}

void hbamgr_debugfs_del(struct hbamgr_host *host)
{
	debugfs_remove_recursive(host->debugfs);
	host->debugfs = NULL;
}

void hbamgr_debugfs_init(bool fault_injection)
{
	hbamgr_debugfs_root = debugfs_create_dir("hbamgr", NULL);
	if (fault_injection)
		hbamgr_debugfs_remove_file =
			debugfs_create_file("remove_adapter", 0200,
					    hbamgr_debugfs_root, NULL,
					    &hbamgr_remove_fops);
}

/* Before the adapters go: no hot-unplug may race module unload. */
void hbamgr_debugfs_stop(void)
{
	debugfs_remove(hbamgr_debugfs_remove_file);
	hbamgr_debugfs_remove_file = NULL;
}

/* After every adapter's directory is gone. */
void hbamgr_debugfs_exit(void)
{
	debugfs_remove_recursive(hbamgr_debugfs_root);
	hbamgr_debugfs_root = NULL;
}
