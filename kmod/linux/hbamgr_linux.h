/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hbamgr.ko's Linux glue: one struct hbamgr_host per simulated adapter,
 * tying the core's struct hba_adapter to its char device, SCSI host, sysfs
 * attributes and debugfs knobs.
 */
#ifndef HBAMGR_LINUX_H
#define HBAMGR_LINUX_H

#include <linux/cdev.h>
#include <linux/device.h>
#include <linux/list.h>
#include <linux/spinlock.h>
#include <linux/workqueue.h>

#include "hba_core.h"

#define HBAMGR_MAX_ADAPTERS	16

struct Scsi_Host;
struct dentry;

struct hbamgr_host {
	u32 index;			/* N in /dev/hbamgrN, the minor */
	struct hba_adapter *adapter;	/* the creator's reference */
	struct Scsi_Host *shost;	/* shost_priv() holds a pointer here */
	struct cdev *cdev;		/* freed by its kobject: files pin it */
	struct device *dev;		/* /sys/class/hbamgr/hbamgrN */
	struct dentry *debugfs;		/* debugfs hbamgr/hbamgrN */

	/*
	 * VD_CREATED / VD_DELETED events waiting for lun_work, which adds
	 * or removes the LUN.  lun_lock protects lun_events and lun_open;
	 * it nests inside nothing and nothing nests inside it.
	 */
	spinlock_t lun_lock;
	struct list_head lun_events;
	bool lun_open;			/* false: events are dropped */
	struct work_struct lun_work;
};

/* main.c: hot-unplug of one adapter (debugfs hbamgr/remove_adapter). */
int hbamgr_remove_adapter(u32 index);
/* main.c: hba_file_open() on adapter index; -ENODEV when it is gone. */
int hbamgr_open_adapter(u32 index, struct hba_file **out);

/* chardev.c */
int hbamgr_chardev_init(void);
void hbamgr_chardev_exit(void);
int hbamgr_chardev_add(struct hbamgr_host *host);
void hbamgr_chardev_del(struct hbamgr_host *host);

/* sysfs.c: attributes of the class device. */
extern const struct attribute_group *hbamgr_dev_groups[];

/* scsi.c */
int hbamgr_scsi_alloc(struct hbamgr_host *host);
int hbamgr_scsi_add(struct hbamgr_host *host);
void hbamgr_scsi_remove(struct hbamgr_host *host);
void hbamgr_scsi_free(struct hbamgr_host *host);
void hbamgr_scsi_on_event(void *ctx, const struct hbamgr_event *ev);

/* debugfs.c */
void hbamgr_debugfs_init(bool fault_injection);
void hbamgr_debugfs_stop(void);
void hbamgr_debugfs_exit(void);
void hbamgr_debugfs_add(struct hbamgr_host *host, bool fault_injection);
void hbamgr_debugfs_del(struct hbamgr_host *host);

#endif /* HBAMGR_LINUX_H */
