// SPDX-License-Identifier: GPL-2.0
/*
 * /dev/hbamgrN: one char device per adapter, serving the ioctl ABI of
 * <linux/hbamgr.h> through the core's hba_file_* functions.
 *
 * Lifetime (DESIGN.md invariant 3): the cdev is allocated by cdev_alloc(),
 * so an open file's reference keeps it after removal; each file holds its
 * own reference on the core adapter (struct hba_file).  The device node is
 * destroyed only by hbamgr_chardev_del() at adapter removal, never from
 * release.
 */
#include <linux/capability.h>
#include <linux/compat.h>
#include <linux/fs.h>
#include <linux/module.h>
#include <linux/poll.h>

#include "hbamgr_linux.h"

static dev_t hbamgr_devt;
static struct class *hbamgr_class;

static int hbamgr_open(struct inode *inode, struct file *file)
{
	struct hba_file *f;
	int ret;

	ret = hbamgr_open_adapter(iminor(inode), &f);
	if (ret)
		return ret;
	file->private_data = f;
	return nonseekable_open(inode, file);
}

static int hbamgr_release(struct inode *inode, struct file *file)
{
	hba_file_release(file->private_data);
	return 0;
}

static long hbamgr_ioctl(struct file *file, unsigned int cmd,
			 unsigned long arg)
{
	return hba_file_ioctl(file->private_data, cmd, arg,
			      capable(CAP_SYS_ADMIN));
}

#ifdef CONFIG_COMPAT
/* Every argument struct has the same layout in both ABIs. */
static long hbamgr_compat_ioctl(struct file *file, unsigned int cmd,
				unsigned long arg)
{
	return hba_file_ioctl(file->private_data, cmd,
			      (u64)(uintptr_t)compat_ptr(arg),
			      capable(CAP_SYS_ADMIN));
}
#endif

static ssize_t hbamgr_read(struct file *file, char __user *buf, size_t len,
			   loff_t *ppos)
{
	return hba_file_read(file->private_data, (u64)(uintptr_t)buf, len,
			     file->f_flags & O_NONBLOCK);
}

static __poll_t hbamgr_poll(struct file *file, poll_table *wait)
{
	struct hba_file *f = file->private_data;
	__poll_t mask = 0;
	u32 ready;

	poll_wait(file, &hba_file_waitq(f)->head, wait);
	ready = hba_file_poll(f);
	if (ready & HBA_POLLIN)
		mask |= EPOLLIN | EPOLLRDNORM;
	if (ready & HBA_POLLHUP)
		mask |= EPOLLHUP;
	return mask;
}

static const struct file_operations hbamgr_fops = {
	.owner = THIS_MODULE,
	.open = hbamgr_open,
	.release = hbamgr_release,
	.unlocked_ioctl = hbamgr_ioctl,
#ifdef CONFIG_COMPAT
	.compat_ioctl = hbamgr_compat_ioctl,
#endif
	.read = hbamgr_read,
	.poll = hbamgr_poll,
	.llseek = no_llseek,
};

int hbamgr_chardev_add(struct hbamgr_host *host)
{
	dev_t devt = MKDEV(MAJOR(hbamgr_devt), host->index);
	int ret;

	host->cdev = cdev_alloc();
	if (!host->cdev)
		return -ENOMEM;
	host->cdev->owner = THIS_MODULE;
	host->cdev->ops = &hbamgr_fops;
	ret = cdev_add(host->cdev, devt, 1);
	if (ret) {
		kobject_put(&host->cdev->kobj);
		host->cdev = NULL;
		return ret;
	}
	host->dev = device_create(hbamgr_class, NULL, devt, host, "hbamgr%u",
				  host->index);
	if (IS_ERR(host->dev)) {
		ret = PTR_ERR(host->dev);
		host->dev = NULL;
		cdev_del(host->cdev);
		host->cdev = NULL;
		return ret;
	}
	return 0;
}

/* Adapter removal only: open files keep the cdev until they close. */
void hbamgr_chardev_del(struct hbamgr_host *host)
{
	if (host->dev)
		device_unregister(host->dev);
	host->dev = NULL;
	if (host->cdev)
		cdev_del(host->cdev);
	host->cdev = NULL;
}

int hbamgr_chardev_init(void)
{
	int ret;

	ret = alloc_chrdev_region(&hbamgr_devt, 0, HBAMGR_MAX_ADAPTERS,
				  "hbamgr");
	if (ret)
		return ret;
	hbamgr_class = class_create(THIS_MODULE, "hbamgr");
	if (IS_ERR(hbamgr_class)) {
		ret = PTR_ERR(hbamgr_class);
		unregister_chrdev_region(hbamgr_devt, HBAMGR_MAX_ADAPTERS);
		return ret;
	}
	hbamgr_class->dev_groups = hbamgr_dev_groups;
	return 0;
}

void hbamgr_chardev_exit(void)
{
	class_destroy(hbamgr_class);
	unregister_chrdev_region(hbamgr_devt, HBAMGR_MAX_ADAPTERS);
}
