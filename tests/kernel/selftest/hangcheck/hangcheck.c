// SPDX-License-Identifier: GPL-2.0
/*
 * hangcheck.ko - deliberate hangs for the kernel test harness self-test:
 * proves that the debug kernel's hang detectors report them and that
 * run-qemu.sh fails a run on each report.  Never loaded by a real test.
 *
 * /sys/kernel/debug/hangcheck/ (write a number of seconds N):
 *   hung_task   the writer sleeps N s uninterruptibly (TASK_UNINTERRUPTIBLE,
 *               no wake-up): the hung-task detector reports it once N is
 *               above kernel.hung_task_timeout_secs
 *   soft_lockup the writer spins N s in the kernel with preemption off:
 *               the soft-lockup detector reports it once N is above
 *               2 * kernel.watchdog_thresh
 *   wq_lockup   a work item on the writer's CPU pool spins N s while a
 *               second one waits behind it: the workqueue watchdog reports
 *               the stalled pool once N is above workqueue.watchdog_thresh
 *               (the write returns at once; the work runs on its own)
 */
#include <linux/debugfs.h>
#include <linux/delay.h>
#include <linux/fs.h>
#include <linux/jiffies.h>
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/preempt.h>
#include <linux/smp.h>
#include <linux/uaccess.h>
#include <linux/workqueue.h>

static struct dentry *hangcheck_dir;
static unsigned int hangcheck_wq_secs;
static int hangcheck_wq_cpu;

static void hangcheck_spin(unsigned int secs)
{
	unsigned long end = jiffies + secs * HZ;

	while (time_before(jiffies, end))
		mdelay(10);
}

static void hangcheck_spin_work(struct work_struct *w)
{
	hangcheck_spin(hangcheck_wq_secs);
}

static void hangcheck_waiting_work(struct work_struct *w)
{
}

static DECLARE_WORK(hangcheck_spinner, hangcheck_spin_work);
static DECLARE_WORK(hangcheck_waiter, hangcheck_waiting_work);

static int hangcheck_parse(const char __user *ubuf, size_t len,
			   unsigned int *secs)
{
	char buf[16];

	if (len >= sizeof(buf))
		return -EINVAL;
	if (copy_from_user(buf, ubuf, len))
		return -EFAULT;
	buf[len] = '\0';
	return kstrtouint(strim(buf), 10, secs);
}

static ssize_t hangcheck_hung_task(struct file *file, const char __user *ubuf,
				   size_t len, loff_t *ppos)
{
	unsigned int secs;
	int ret = hangcheck_parse(ubuf, len, &secs);

	if (ret)
		return ret;
	pr_info("hangcheck: sleeping uninterruptibly for %u s\n", secs);
	schedule_timeout_uninterruptible(secs * HZ);
	return len;
}

static ssize_t hangcheck_soft_lockup(struct file *file,
				     const char __user *ubuf, size_t len,
				     loff_t *ppos)
{
	unsigned int secs;
	int ret = hangcheck_parse(ubuf, len, &secs);

	if (ret)
		return ret;
	pr_info("hangcheck: spinning with preemption off for %u s\n", secs);
	preempt_disable();
	hangcheck_spin(secs);
	preempt_enable();
	return len;
}

static ssize_t hangcheck_wq_lockup(struct file *file, const char __user *ubuf,
				   size_t len, loff_t *ppos)
{
	unsigned int secs;
	int ret = hangcheck_parse(ubuf, len, &secs);

	if (ret)
		return ret;
	hangcheck_wq_secs = secs;
	hangcheck_wq_cpu = raw_smp_processor_id();
	pr_info("hangcheck: a work item spins for %u s on CPU %d\n", secs,
		hangcheck_wq_cpu);
	queue_work_on(hangcheck_wq_cpu, system_wq, &hangcheck_spinner);
	queue_work_on(hangcheck_wq_cpu, system_wq, &hangcheck_waiter);
	return len;
}

static const struct file_operations hangcheck_hung_task_fops = {
	.owner = THIS_MODULE,
	.write = hangcheck_hung_task,
};

static const struct file_operations hangcheck_soft_lockup_fops = {
	.owner = THIS_MODULE,
	.write = hangcheck_soft_lockup,
};

static const struct file_operations hangcheck_wq_lockup_fops = {
	.owner = THIS_MODULE,
	.write = hangcheck_wq_lockup,
};

static int __init hangcheck_init(void)
{
	hangcheck_dir = debugfs_create_dir("hangcheck", NULL);
	debugfs_create_file("hung_task", 0200, hangcheck_dir, NULL,
			    &hangcheck_hung_task_fops);
	debugfs_create_file("soft_lockup", 0200, hangcheck_dir, NULL,
			    &hangcheck_soft_lockup_fops);
	debugfs_create_file("wq_lockup", 0200, hangcheck_dir, NULL,
			    &hangcheck_wq_lockup_fops);
	return 0;
}

static void __exit hangcheck_exit(void)
{
	debugfs_remove_recursive(hangcheck_dir);
	flush_work(&hangcheck_spinner);
	flush_work(&hangcheck_waiter);
}

module_init(hangcheck_init);
module_exit(hangcheck_exit);

MODULE_DESCRIPTION("Deliberate hangs for the hbamgr kernel test harness self-test");
MODULE_LICENSE("GPL");
