// SPDX-License-Identifier: GPL-2.0
/*
 * The SCSI host of an adapter: every virtual drive is a LUN (channel 0,
 * target = VD id, lun 0) whose commands go to the firmware through
 * hba_io_submit().  blk-mq's tags are sized by hba_adapter_can_queue(), so
 * the block layer never has more commands out than the firmware allows.
 */
#include <linux/scatterlist.h>
#include <linux/slab.h>
#include <scsi/scsi.h>
#include <scsi/scsi_cmnd.h>
#include <scsi/scsi_device.h>
#include <scsi/scsi_host.h>

#include "hbamgr_linux.h"

/* Most SGEs per command the glue hands to the core. */
#define HBAMGR_SG_MAX		128
/*
 * Targets scanned and addressable: VD ids are below the firmware's VD
 * limit (hbamgr_ctrl_info.max_vds, 64).
 */
#define HBAMGR_MAX_TARGETS	64

/* Per-command private data (scsi_cmd_priv): the core's request. */
struct hbamgr_scmd {
	struct hba_io io;
	struct hba_sge sgl[HBAMGR_SG_MAX];
};

struct hbamgr_lun_event {
	struct list_head node;
	u16 vd_id;
	bool add;
};

static struct hbamgr_host *hbamgr_shost_to_host(struct Scsi_Host *shost)
{
	return *(struct hbamgr_host **)shost_priv(shost);
}

/*
 * How a finished request reaches the midlayer.  A command flushed by an
 * adapter reset is requeued (DID_REQUEUE is not counted as a retry), so a
 * reset never surfaces as an I/O error.
 */
static void hbamgr_scsi_set_result(struct scsi_cmnd *cmd,
				   const struct hba_io *io)
{
	switch (io->status) {
	case HBAMGR_ST_OK:
	case HBAMGR_ST_SCSI_ERROR:
		set_host_byte(cmd, DID_OK);
		set_status_byte(cmd, io->scsi_status);
		break;
	case HBAMGR_ST_NO_DEVICE:
		set_host_byte(cmd, DID_BAD_TARGET);
		break;
	case HBAMGR_ST_RESET:
		set_host_byte(cmd, DID_REQUEUE);
		break;
	case HBAMGR_ST_BUSY:
		set_host_byte(cmd, DID_BUS_BUSY);
		break;
	case HBAMGR_ST_TIMEOUT:
		set_host_byte(cmd, DID_TIME_OUT);
		break;
	case HBAMGR_ST_FW_FAULT:
		set_host_byte(cmd, DID_SOFT_ERROR);
		break;
	default:
		set_host_byte(cmd, DID_ERROR);
		break;
	}
}

/* Called once per submitted request, from the core's completion work. */
static void hbamgr_scsi_done(struct hba_io *io)
{
	struct scsi_cmnd *cmd = io->priv;

	hbamgr_scsi_set_result(cmd, io);
	scsi_set_resid(cmd, io->resid);
	scsi_done(cmd);
}

static int hbamgr_scsi_fill_io(struct scsi_cmnd *cmd, struct hbamgr_scmd *sc)
{
	struct hba_io *io = &sc->io;
	struct scatterlist *sg;
	int i;

	memset(io, 0, sizeof(*io));
	if (cmd->cmd_len > sizeof(io->cdb) || scsi_sg_count(cmd) > HBAMGR_SG_MAX)
		return -EINVAL;
	switch (cmd->sc_data_direction) {
	case DMA_NONE:
		io->dir = HBAMGR_DIR_NONE;
		break;
	case DMA_TO_DEVICE:
		io->dir = HBAMGR_DIR_TO_DEV;
		break;
	case DMA_FROM_DEVICE:
		io->dir = HBAMGR_DIR_FROM_DEV;
		break;
	default:
		return -EINVAL;
	}
	io->target = cmd->device->id;
	io->lun = cmd->device->lun;
	io->cdb_len = cmd->cmd_len;
	memcpy(io->cdb, cmd->cmnd, cmd->cmd_len);
	/* The firmware copies with the CPU: kernel virtual addresses. */
	scsi_for_each_sg(cmd, sg, scsi_sg_count(cmd), i) {
		sc->sgl[i].addr = (u64)(uintptr_t)sg_virt(sg);
		sc->sgl[i].len = sg->length;
		sc->sgl[i].flags = 0;
	}
	io->sgl = sc->sgl;
	io->sge_count = scsi_sg_count(cmd);
	io->data_len = scsi_bufflen(cmd);
	io->sense = cmd->sense_buffer;
	io->sense_len = SCSI_SENSE_BUFFERSIZE;
	io->timeout_ms = jiffies_to_msecs(scsi_cmd_to_rq(cmd)->timeout);
	io->done = hbamgr_scsi_done;
	io->priv = cmd;
	return 0;
}

static int hbamgr_queuecommand(struct Scsi_Host *shost, struct scsi_cmnd *cmd)
{
	struct hbamgr_host *host = hbamgr_shost_to_host(shost);
	struct hbamgr_scmd *sc = scsi_cmd_priv(cmd);
	int ret;

	if (hbamgr_scsi_fill_io(cmd, sc)) {
		set_host_byte(cmd, DID_ERROR);
		scsi_done(cmd);
		return 0;
	}
	ret = hba_io_submit(host->adapter, &sc->io);
	switch (ret) {
	case 0:
		return 0;
	case -EAGAIN:
		return SCSI_MLQUEUE_HOST_BUSY;
	case -ENODEV:
		set_host_byte(cmd, DID_NO_CONNECT);
		break;
	default:
		set_host_byte(cmd, DID_ERROR);
		break;
	}
	scsi_done(cmd);
	return 0;
}

static int hbamgr_eh_abort(struct scsi_cmnd *cmd)
{
	struct hbamgr_host *host = hbamgr_shost_to_host(cmd->device->host);
	struct hbamgr_scmd *sc = scsi_cmd_priv(cmd);

	return hba_io_abort(host->adapter, &sc->io) ? FAILED : SUCCESS;
}

static int hbamgr_eh_host_reset(struct scsi_cmnd *cmd)
{
	struct hbamgr_host *host = hbamgr_shost_to_host(cmd->device->host);

	if (hba_adapter_reset(host->adapter, true))
		return FAILED;
	return hba_adapter_state(host->adapter) == HBAMGR_STATE_LIVE ?
		SUCCESS : FAILED;
}

static struct scsi_host_template hbamgr_sht = {
	.module = THIS_MODULE,
	.name = "hbamgr",
	.proc_name = "hbamgr",
	.queuecommand = hbamgr_queuecommand,
	.eh_abort_handler = hbamgr_eh_abort,
	.eh_host_reset_handler = hbamgr_eh_host_reset,
	.this_id = -1,
	.can_queue = 1,		/* set from the firmware before scsi_add_host */
	.sg_tablesize = HBAMGR_SG_MAX,
	.cmd_size = sizeof(struct hbamgr_scmd),
};

static void hbamgr_lun_work(struct work_struct *work)
{
	struct hbamgr_host *host =
		container_of(work, struct hbamgr_host, lun_work);
	struct hbamgr_lun_event *ev;
	struct scsi_device *sdev;

	for (;;) {
		spin_lock(&host->lun_lock);
		ev = list_first_entry_or_null(&host->lun_events,
					      struct hbamgr_lun_event, node);
		if (ev)
			list_del(&ev->node);
		spin_unlock(&host->lun_lock);
		if (!ev)
			return;
		if (ev->add) {
			scsi_add_device(host->shost, 0, ev->vd_id, 0);
		} else {
			sdev = scsi_device_lookup(host->shost, 0, ev->vd_id, 0);
			if (sdev) {
				scsi_remove_device(sdev);
				scsi_device_put(sdev);
			}
		}
		kfree(ev);
	}
}

int hbamgr_scsi_alloc(struct hbamgr_host *host)
{
	host->shost = scsi_host_alloc(&hbamgr_sht, sizeof(host));
	if (!host->shost)
		return -ENOMEM;
	*(struct hbamgr_host **)shost_priv(host->shost) = host;
	spin_lock_init(&host->lun_lock);
	INIT_LIST_HEAD(&host->lun_events);
	INIT_WORK(&host->lun_work, hbamgr_lun_work);
	return 0;
}

/* Adds the host with the firmware's limits and scans for its VDs. */
int hbamgr_scsi_add(struct hbamgr_host *host)
{
	struct Scsi_Host *shost = host->shost;
	struct hba_ioc_facts facts;
	int ret;

	ret = hba_fw_ioc_facts(hba_adapter_fw(host->adapter), &facts);
	if (ret)
		return ret;
	shost->can_queue = hba_adapter_can_queue(host->adapter);
	shost->sg_tablesize = min_t(u32, facts.max_sge, HBAMGR_SG_MAX);
	shost->max_sectors = facts.max_transfer >> SECTOR_SHIFT;
	shost->max_channel = 0;
	shost->max_id = HBAMGR_MAX_TARGETS;
	shost->max_lun = 1;
	shost->nr_hw_queues = 1;
	ret = scsi_add_host(shost, host->dev);
	if (ret)
		return ret;
	spin_lock(&host->lun_lock);
	host->lun_open = true;
	spin_unlock(&host->lun_lock);
	scsi_scan_host(shost);
	return 0;
}

/* hba_adapter_params.on_event: sleepable, no core lock held. */
void hbamgr_scsi_on_event(void *ctx, const struct hbamgr_event *ev)
{
	struct hbamgr_host *host = ctx;
	struct hbamgr_lun_event *le;

	if (ev->type != HBAMGR_EVT_TYPE_RECORD ||
	    (ev->code != HBAMGR_EVT_VD_CREATED &&
	     ev->code != HBAMGR_EVT_VD_DELETED) ||
	    ev->vd_id >= HBAMGR_MAX_TARGETS)
		return;
	le = kzalloc(sizeof(*le), GFP_KERNEL);
	if (!le)
		return;
	le->vd_id = ev->vd_id;
	le->add = ev->code == HBAMGR_EVT_VD_CREATED;
	spin_lock(&host->lun_lock);
	if (host->lun_open) {
		list_add_tail(&le->node, &host->lun_events);
		schedule_work(&host->lun_work);
		le = NULL;
	}
	spin_unlock(&host->lun_lock);
	kfree(le);
}

/* Stops LUN changes and removes the host; the adapter still serves it. */
void hbamgr_scsi_remove(struct hbamgr_host *host)
{
	struct hbamgr_lun_event *ev, *tmp;

	spin_lock(&host->lun_lock);
	host->lun_open = false;
	spin_unlock(&host->lun_lock);
	cancel_work_sync(&host->lun_work);
	list_for_each_entry_safe(ev, tmp, &host->lun_events, node) {
		list_del(&ev->node);
		kfree(ev);
	}
	scsi_remove_host(host->shost);
}

void hbamgr_scsi_free(struct hbamgr_host *host)
{
	if (host->shost)
		scsi_host_put(host->shost);
	host->shost = NULL;
}
