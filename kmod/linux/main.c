// SPDX-License-Identifier: GPL-2.0
/*
 * hbamgr.ko: module parameters, and the creation and removal of the
 * simulated adapters with their char device, SCSI host and debugfs knobs.
 */
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/mutex.h>
#include <linux/slab.h>

#include "hbamgr_linux.h"

static unsigned int adapters = 1;
module_param(adapters, uint, 0444);
MODULE_PARM_DESC(adapters, "Simulated adapters to create (1..16)");

static unsigned int drives = 8;
module_param(drives, uint, 0444);
MODULE_PARM_DESC(drives, "Physical drives per adapter");

static unsigned int drive_size_mb = 256;
module_param(drive_size_mb, uint, 0444);
MODULE_PARM_DESC(drive_size_mb, "Nominal drive size, MiB (RAM, allocated on write)");

static unsigned int sector_size;
module_param(sector_size, uint, 0444);
MODULE_PARM_DESC(sector_size, "Drive sector size: 512, 4096, 0 = firmware default mix");

static unsigned int max_cmds;
module_param(max_cmds, uint, 0444);
MODULE_PARM_DESC(max_cmds, "Firmware command limit (0 = firmware default)");

static unsigned int max_srbs;
module_param(max_srbs, uint, 0444);
MODULE_PARM_DESC(max_srbs, "Firmware status-read buffer limit (0 = default)");

static bool dirty_start;
module_param(dirty_start, bool, 0444);
MODULE_PARM_DESC(dirty_start, "Adapters power up with stale replies pending, as after kdump");

static bool fault_injection;
module_param(fault_injection, bool, 0444);
MODULE_PARM_DESC(fault_injection, "Allow fault injection (FAULT_INJECT, debugfs knobs)");

static unsigned int default_vds = 1;
module_param(default_vds, uint, 0444);
MODULE_PARM_DESC(default_vds, "1: create a RAID1 and a RAID5 VD at power-on");

/*
 * The adapters by index.  hbamgr_hosts_lock protects the table: creation
 * (module init) fills it, open looks a host up in it, removal takes a host
 * out of it, and whoever took a host out is its one remover.  It is held
 * only for that, never across a removal (see hbamgr_host_destroy()), and it
 * is the outermost lock of the module (taken before any core lock).
 */
static DEFINE_MUTEX(hbamgr_hosts_lock);
static struct hbamgr_host *hbamgr_hosts[HBAMGR_MAX_ADAPTERS];

int hbamgr_open_adapter(u32 index, struct hba_file **out)
{
	struct hbamgr_host *host;
	int ret = -ENODEV;

	if (index >= HBAMGR_MAX_ADAPTERS)
		return -ENODEV;
	mutex_lock(&hbamgr_hosts_lock);
	host = hbamgr_hosts[index];
	if (host)
		ret = hba_file_open(host->adapter, out);
	mutex_unlock(&hbamgr_hosts_lock);
	return ret;
}

static void hbamgr_host_free(struct hbamgr_host *host)
{
	hbamgr_scsi_free(host);
	kfree(host);
}

static int hbamgr_host_create(u32 index)
{
	struct hba_adapter_params p = {
		.fw = {
			.adapter_index = index,
			.num_drives = drives,
			.drive_size_mb = drive_size_mb,
			.sector_size = sector_size,
			.max_cmds = max_cmds,
			.max_srbs = max_srbs,
			.default_vds = default_vds,
			.dirty_start = dirty_start,
			.fault_injection = fault_injection,
		},
		.on_event = hbamgr_scsi_on_event,
	};
	struct hbamgr_host *host;
	int ret;

	lockdep_assert_held(&hbamgr_hosts_lock);
	host = kzalloc(sizeof(*host), GFP_KERNEL);
	if (!host)
		return -ENOMEM;
	host->index = index;
	p.on_event_ctx = host;
	hba_fw_config_defaults(&p.fw);

	ret = hbamgr_scsi_alloc(host);
	if (ret)
		goto err_free;
	ret = hba_adapter_create(&p, &host->adapter);
	if (ret) {
		pr_err("hbamgr%u: adapter init failed: %d\n", index, ret);
		goto err_free;
	}
	ret = hbamgr_chardev_add(host);
	if (ret)
		goto err_adapter;
	ret = hbamgr_scsi_add(host);
	if (ret)
		goto err_chardev;
	hbamgr_debugfs_add(host, fault_injection);
	hbamgr_hosts[index] = host;
	return 0;

err_chardev:
	hbamgr_chardev_del(host);
err_adapter:
	hba_adapter_remove(host->adapter);
err_free:
	hbamgr_host_free(host);
	return ret;
}

/* Takes adapter index out of the table: no open finds it from then on. */
static struct hbamgr_host *hbamgr_host_take(u32 index)
{
	struct hbamgr_host *host;

	mutex_lock(&hbamgr_hosts_lock);
	host = hbamgr_hosts[index];
	hbamgr_hosts[index] = NULL;
	mutex_unlock(&hbamgr_hosts_lock);
	return host;
}

/*
 * Removal, as a hot-unplug, of a host taken out of the table: the knobs
 * and LUNs go (while the adapter still serves the SCSI midlayer's last
 * commands), then the device node, then the adapter, which fails every
 * blocked call of the files still open with -ENODEV; those files keep the
 * core's memory until they close.  Not under hbamgr_hosts_lock: the LUNs'
 * last commands may wait out their timeouts and the error handler on a
 * hung adapter, and opens of the other adapters must not wait for that
 * (the hung-task detector saw them blocked on it for minutes).
 */
static void hbamgr_host_destroy(struct hbamgr_host *host)
{
	hbamgr_debugfs_del(host);
	hbamgr_scsi_remove(host);
	hbamgr_chardev_del(host);
	hba_adapter_remove(host->adapter);
	hbamgr_host_free(host);
}

int hbamgr_remove_adapter(u32 index)
{
	struct hbamgr_host *host;

	if (index >= HBAMGR_MAX_ADAPTERS)
		return -ENODEV;
	host = hbamgr_host_take(index);
	if (!host)
		return -ENODEV;
	hbamgr_host_destroy(host);
	return 0;
}

/* Module exit (or failed init), after the removal knob is gone. */
static void hbamgr_remove_all(void)
{
	struct hbamgr_host *host;
	u32 i;

	for (i = 0; i < HBAMGR_MAX_ADAPTERS; i++) {
		host = hbamgr_host_take(i);
		if (host)
			hbamgr_host_destroy(host);
	}
}

static int __init hbamgr_init(void)
{
	u32 i;
	int ret;

	if (adapters < 1 || adapters > HBAMGR_MAX_ADAPTERS) {
		pr_err("hbamgr: adapters=%u out of range 1..%d\n", adapters,
		       HBAMGR_MAX_ADAPTERS);
		return -EINVAL;
	}
	ret = hbamgr_chardev_init();
	if (ret)
		return ret;
	hbamgr_debugfs_init(fault_injection);

	mutex_lock(&hbamgr_hosts_lock);
	for (i = 0; i < adapters && !ret; i++)
		ret = hbamgr_host_create(i);
	mutex_unlock(&hbamgr_hosts_lock);
	if (ret) {
		hbamgr_debugfs_stop();
		hbamgr_remove_all();
		hbamgr_debugfs_exit();
		hbamgr_chardev_exit();
		return ret;
	}
	pr_info("hbamgr: %u adapter(s), driver %s, ABI %d.%d\n", adapters,
		HBA_DRV_VERSION, HBAMGR_ABI_MAJOR, HBAMGR_ABI_MINOR);
	return 0;
}

static void __exit hbamgr_exit(void)
{
	hbamgr_debugfs_stop();
	hbamgr_remove_all();
	hbamgr_debugfs_exit();
	hbamgr_chardev_exit();
}

module_init(hbamgr_init);
module_exit(hbamgr_exit);

MODULE_DESCRIPTION("hbamgr: simulated SAS/RAID host bus adapters");
MODULE_AUTHOR("hbamgr developers");
MODULE_LICENSE("GPL");
MODULE_VERSION(HBA_DRV_VERSION);
