// SPDX-License-Identifier: GPL-2.0
/*
 * Read-only counters of an adapter on its char device,
 * /sys/class/hbamgr/hbamgrN/: one value per file, from
 * hba_adapter_get_stats().  The attributes go with the device at adapter
 * removal, before the adapter does, so a show never sees a removed one.
 */
#include <linux/device.h>
#include <linux/sysfs.h>

#include "hbamgr_linux.h"

static void hbamgr_dev_stats(struct device *dev, struct hba_adapter_stats *st)
{
	struct hbamgr_host *host = dev_get_drvdata(dev);

	hba_adapter_get_stats(host->adapter, st);
}

static ssize_t state_show(struct device *dev, struct device_attribute *attr,
			  char *buf)
{
	struct hba_adapter_stats st;

	hbamgr_dev_stats(dev, &st);
	return sysfs_emit(buf, "%s\n", hba_state_name(st.state));
}
static DEVICE_ATTR_RO(state);

#define HBAMGR_STAT_ATTR(field, fmt)					\
static ssize_t field##_show(struct device *dev,				\
			    struct device_attribute *attr, char *buf)	\
{									\
	struct hba_adapter_stats st;					\
									\
	hbamgr_dev_stats(dev, &st);					\
	return sysfs_emit(buf, fmt "\n", st.field);			\
}									\
static DEVICE_ATTR_RO(field)

HBAMGR_STAT_ATTR(reset_count, "%u");
HBAMGR_STAT_ATTR(srbs_posted, "%u");
HBAMGR_STAT_ATTR(max_srbs, "%u");
HBAMGR_STAT_ATTR(fw_max_cmds, "%u");
HBAMGR_STAT_ATTR(drv_max_cmds, "%u");
HBAMGR_STAT_ATTR(cmds_outstanding, "%u");
HBAMGR_STAT_ATTR(fw_fault_code, "%u");
HBAMGR_STAT_ATTR(stale_replies, "%llu");
HBAMGR_STAT_ATTR(dup_replies, "%llu");
HBAMGR_STAT_ATTR(timeouts, "%llu");
HBAMGR_STAT_ATTR(aborts, "%llu");
HBAMGR_STAT_ATTR(events_dispatched, "%llu");
HBAMGR_STAT_ATTR(last_event_seq, "%llu");

static struct attribute *hbamgr_dev_attrs[] = {
	&dev_attr_state.attr,
	&dev_attr_reset_count.attr,
	&dev_attr_srbs_posted.attr,
	&dev_attr_max_srbs.attr,
	&dev_attr_fw_max_cmds.attr,
	&dev_attr_drv_max_cmds.attr,
	&dev_attr_cmds_outstanding.attr,
	&dev_attr_fw_fault_code.attr,
	&dev_attr_stale_replies.attr,
	&dev_attr_dup_replies.attr,
	&dev_attr_timeouts.attr,
	&dev_attr_aborts.attr,
	&dev_attr_events_dispatched.attr,
	&dev_attr_last_event_seq.attr,
	NULL,
};

static const struct attribute_group hbamgr_dev_group = {
	.attrs = hbamgr_dev_attrs,
};

const struct attribute_group *hbamgr_dev_groups[] = {
	&hbamgr_dev_group,
	NULL,
};
