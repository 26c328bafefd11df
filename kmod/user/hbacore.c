// SPDX-License-Identifier: GPL-2.0
/* libhbacore's public C API over the driver core (hbacore.h). */
#include "hbacore.h"
#include "hba_core.h"
#include "nvram_file.h"

static void params_to_core(const struct hbacore_sim_params *p,
			   struct hba_adapter_params *c)
{
	memset(c, 0, sizeof(*c));
	c->fw.adapter_index = p->adapter_index;
	c->fw.num_enclosures = p->num_enclosures;
	c->fw.slots_per_enclosure = p->slots_per_enclosure;
	c->fw.num_drives = p->num_drives;
	c->fw.drive_size_mb = p->drive_size_mb;
	c->fw.sector_size = p->sector_size;
	c->fw.max_cmds = p->max_cmds;
	c->fw.max_srbs = p->max_srbs;
	c->fw.num_reply_queues = p->num_reply_queues;
	c->fw.default_vds = p->default_vds;
	c->fw.bgop_rate_mb_s = p->bgop_rate_mb_s;
	if (p->nvram) {
		c->fw.nvram = &hbacore_nvram_file_ops;
		c->fw.nvram_ctx = p->nvram;
	}
	c->fw.nvram_adopt_topology = p->adopt_topology;
	c->fw.dirty_start = p->dirty_start;
	c->fw.fault_injection = p->fault_injection;
	c->drv_max_cmds = p->drv_max_cmds;
	c->event_ring_records = p->event_ring_records;
	c->on_event = p->on_event;
	c->on_event_ctx = p->on_event_ctx;
}

void hbacore_sim_params_default(struct hbacore_sim_params *p)
{
	struct hba_fw_config cfg;

	memset(&cfg, 0, sizeof(cfg));
	hba_fw_config_defaults(&cfg);
	memset(p, 0, sizeof(*p));
	p->adapter_index = cfg.adapter_index;
	p->num_enclosures = cfg.num_enclosures;
	p->slots_per_enclosure = cfg.slots_per_enclosure;
	p->num_drives = cfg.num_drives;
	p->drive_size_mb = cfg.drive_size_mb;
	p->sector_size = cfg.sector_size;
	p->max_cmds = cfg.max_cmds;
	p->max_srbs = cfg.max_srbs;
	p->num_reply_queues = cfg.num_reply_queues;
	p->default_vds = cfg.default_vds;
	p->bgop_rate_mb_s = cfg.bgop_rate_mb_s;
	p->dirty_start = cfg.dirty_start;
	p->fault_injection = cfg.fault_injection;
	p->drv_max_cmds = HBA_DRV_MAX_CMDS;
	p->event_ring_records = HBA_EVENT_RING_DEFAULT;
}

int hbacore_adapter_create(const struct hbacore_sim_params *p,
			   struct hba_adapter **out)
{
	struct hba_adapter_params c;

	params_to_core(p, &c);
	return hba_adapter_create(&c, out);
}

void hbacore_adapter_remove(struct hba_adapter *a)
{
	hba_adapter_remove(a);
}

int hbacore_open(struct hba_adapter *a, struct hba_file **out)
{
	return hba_file_open(a, out);
}

void hbacore_release(struct hba_file *f)
{
	hba_waitq_eventfd_close(hba_file_waitq(f));
	hba_file_release(f);
}

int hbacore_ioctl(struct hba_file *f, unsigned int cmd, void *arg,
		  bool cap_sys_admin)
{
	return (int)hba_file_ioctl(f, cmd, (u64)(uintptr_t)arg,
				   cap_sys_admin);
}

ssize_t hbacore_read(struct hba_file *f, void *buf, size_t len,
		     bool nonblock)
{
	return hba_file_read(f, (u64)(uintptr_t)buf, len, nonblock);
}

unsigned int hbacore_poll(struct hba_file *f)
{
	u32 mask = hba_file_poll(f);

	return (mask & HBA_POLLIN ? HBACORE_POLLIN : 0) |
	       (mask & HBA_POLLHUP ? HBACORE_POLLHUP : 0);
}

int hbacore_event_fd(struct hba_file *f)
{
	return hba_waitq_eventfd(hba_file_waitq(f));
}

int hbacore_inject_fault(struct hba_adapter *a,
			 const struct hbamgr_mbox_fault *f)
{
	struct hba_fw *fw = hba_adapter_fw(a);

	if (!fw || hba_adapter_state(a) == HBAMGR_STATE_DELETING)
		return -ENODEV;
	return hba_fw_inject(fw, f);
}

int hbacore_adapter_reset(struct hba_adapter *a, bool wait)
{
	return hba_adapter_reset(a, wait);
}

void hbacore_adapter_stats(struct hba_adapter *a, struct hbacore_stats *st)
{
	struct hba_adapter_stats ds;
	struct hba_fw_stats fs;
	struct hba_fw *fw = hba_adapter_fw(a);

	hba_adapter_get_stats(a, &ds);
	memset(st, 0, sizeof(*st));
	st->state = ds.state;
	st->reset_count = ds.reset_count;
	st->fw_max_cmds = ds.fw_max_cmds;
	st->drv_max_cmds = ds.drv_max_cmds;
	st->max_srbs = ds.max_srbs;
	st->srbs_posted = ds.srbs_posted;
	st->cmds_outstanding = ds.cmds_outstanding;
	st->fw_fault_code = ds.fw_fault_code;
	st->stale_replies = ds.stale_replies;
	st->dup_replies = ds.dup_replies;
	st->timeouts = ds.timeouts;
	st->aborts = ds.aborts;
	st->events_dispatched = ds.events_dispatched;
	st->last_event_seq = ds.last_event_seq;
	if (!fw || ds.state == HBAMGR_STATE_DELETING)
		return;
	hba_fw_get_stats(fw, &fs);
	st->fw_ioc_state = fs.ioc_state;
	st->fw_faults = fs.faults;
	st->fw_max_outstanding_cmds = fs.max_outstanding_cmds;
	st->fw_max_outstanding_srbs = fs.max_outstanding_srbs;
	st->fw_diag_resets = fs.diag_resets;
	st->fw_frames_executed = fs.frames_executed;
	st->fw_dirty_replies = fs.dirty_replies;
}

unsigned long hbacore_warn_count(void)
{
	return hba_os_warn_count();
}
