// SPDX-License-Identifier: GPL-2.0
/*
 * The frame engine's front: power on/off, registers, the doorbell and the
 * limits it enforces, the IOC_FACTS/IOC_INIT handshake, diag reset and the
 * background-operation clock.
 */
#include "engine_internal.h"

#define FW_ALL_QUEUES	((1u << HBA_MAX_REPLY_QUEUES) - 1)

void hba_fw_config_defaults(struct hba_fw_config *cfg)
{
	if (!cfg->num_enclosures)
		cfg->num_enclosures = 1;
	if (!cfg->slots_per_enclosure)
		cfg->slots_per_enclosure = 8;
	if (!cfg->num_drives)
		cfg->num_drives = min_t(u32, 8, cfg->num_enclosures *
					cfg->slots_per_enclosure);
	if (!cfg->drive_size_mb)
		cfg->drive_size_mb = 256;
	if (!cfg->max_cmds)
		cfg->max_cmds = 128;
	if (!cfg->max_srbs)
		cfg->max_srbs = 8;
	if (!cfg->num_reply_queues)
		cfg->num_reply_queues = 2;
	if (!cfg->default_vds)
		cfg->default_vds = 1;
	if (!cfg->bgop_rate_mb_s)
		cfg->bgop_rate_mb_s = 64;
	/* sector_size 0 already means the default mix of 512 and 4Kn. */
}

static bool fw_config_valid(const struct hba_fw_config *c)
{
	return c->num_enclosures <= 4 && c->slots_per_enclosure <= 32 &&
	       c->num_drives <= c->num_enclosures * c->slots_per_enclosure &&
	       (c->sector_size == 0 || c->sector_size == 512 ||
		c->sector_size == 4096) &&
	       c->max_cmds <= HBA_FW_MAX_CMDS_LIMIT &&
	       c->max_srbs <= FW_MAX_SRBS &&
	       c->num_reply_queues <= HBA_MAX_REPLY_QUEUES;
}

enum fw_smid_kind fw_smid_kind(const struct hba_fw *fw, u32 smid)
{
	if (!fw->initialized || smid == 0 || smid > fw->total_frames)
		return FW_SMID_INVALID;
	if (smid <= fw->init.cmd_frames)
		return FW_SMID_CMD;
	if (smid <= fw->init.cmd_frames + fw->init.srb_frames)
		return FW_SMID_SRB;
	return FW_SMID_TM;
}

/* The firmware takes ownership of smid (fw->lock held). */
static void fw_cmd_own(struct hba_fw *fw, u16 smid, u8 state)
{
	struct hba_fw_stats *st = &fw->st;

	fw->cmds[smid].state = state;
	switch (fw_smid_kind(fw, smid)) {
	case FW_SMID_CMD:
		st->outstanding_cmds++;
		st->max_outstanding_cmds = max_t(u32, st->max_outstanding_cmds,
						 st->outstanding_cmds);
		break;
	case FW_SMID_SRB:
		st->outstanding_srbs++;
		st->max_outstanding_srbs = max_t(u32, st->max_outstanding_srbs,
						 st->outstanding_srbs);
		break;
	default:
		break;
	}
}

/* The driver owns smid again (fw->lock held). */
void fw_cmd_release(struct hba_fw *fw, u16 smid)
{
	hba_lockdep_assert_held(&fw->lock);
	if (fw->cmds[smid].state == FW_CMD_FREE)
		return;
	fw->cmds[smid].state = FW_CMD_FREE;
	switch (fw_smid_kind(fw, smid)) {
	case FW_SMID_CMD:
		fw->st.outstanding_cmds--;
		break;
	case FW_SMID_SRB:
		fw->st.outstanding_srbs--;
		break;
	default:
		break;
	}
}

void fw_list_append(struct hba_fw *fw, struct fw_smid_list *l, u16 smid)
{
	fw->cmds[smid].next = 0;
	if (l->tail)
		fw->cmds[l->tail].next = smid;
	else
		l->head = smid;
	l->tail = smid;
}

u16 fw_list_pop(struct hba_fw *fw, struct fw_smid_list *l)
{
	u16 smid = l->head;

	if (smid) {
		l->head = fw->cmds[smid].next;
		if (!l->head)
			l->tail = 0;
		fw->cmds[smid].next = 0;
	}
	return smid;
}

bool fw_list_remove(struct hba_fw *fw, struct fw_smid_list *l, u16 smid)
{
	u16 prev = 0, cur;

	for (cur = l->head; cur; prev = cur, cur = fw->cmds[cur].next) {
		if (cur != smid)
			continue;
		if (prev)
			fw->cmds[prev].next = fw->cmds[cur].next;
		else
			l->head = fw->cmds[cur].next;
		if (l->tail == smid)
			l->tail = prev;
		fw->cmds[smid].next = 0;
		return true;
	}
	return false;
}

/* Queue firmware work unless powering off (fw->lock held). */
bool fw_queue_work(struct hba_fw *fw, struct hba_work *w)
{
	hba_lockdep_assert_held(&fw->lock);
	return !fw->dead && hba_queue_work(fw->wq, w);
}

bool hba_fw_cmd_frame_valid(const struct hba_req_frame *f)
{
	if (f->function != HBA_FUNC_SCSI_IO && f->function != HBA_FUNC_MGMT)
		return false;
	if (f->function == HBA_FUNC_SCSI_IO &&
	    (!f->cdb_len || f->cdb_len > sizeof(f->cdb) ||
	     (f->flags & ~HBAMGR_PT_F_ALL)))
		return false;
	if (f->dir > HBAMGR_DIR_FROM_DEV ||
	    (f->dir == HBAMGR_DIR_NONE && f->data_len))
		return false;
	if (f->data_len > FW_MAX_TRANSFER || f->sge_count > FW_MAX_SGE ||
	    (f->data_len && !f->sge_count))
		return false;
	return f->sge_count <= HBA_FRAME_SGE_INLINE || f->sgl_chain;
}

static bool fw_frame_valid(const struct hba_fw *fw,
			   const struct hba_req_frame *f, u16 smid,
			   enum fw_smid_kind kind)
{
	if (f->smid != smid || f->reply_queue >= fw->init.num_reply_queues)
		return false;
	switch (kind) {
	case FW_SMID_CMD:
		return hba_fw_cmd_frame_valid(f);
	case FW_SMID_SRB:
		return f->function == HBA_FUNC_STATUS_READ;
	case FW_SMID_TM:
		return f->function == HBA_FUNC_TASK_MGMT;
	default:
		return false;
	}
}

/* DOORBELL write: check synchronously, then execute asynchronously. */
static void fw_doorbell(struct hba_fw *fw, u32 val)
{
	enum fw_smid_kind kind = fw_smid_kind(fw, val);
	u16 smid = (u16)val;
	struct fw_cmd *c;

	hba_lockdep_assert_held(&fw->lock);
	if (fw->ioc_state == HBA_IOC_FAULT)
		return;
	if (fw->ioc_state != HBA_IOC_OPERATIONAL || !fw->initialized) {
		fw_enter_fault(fw, HBA_FAULT_DOORBELL_STATE);
		return;
	}
	if (kind == FW_SMID_INVALID) {
		fw_enter_fault(fw, HBA_FAULT_BAD_FRAME);
		return;
	}
	c = &fw->cmds[smid];
	if (c->state != FW_CMD_FREE) {
		fw_enter_fault(fw, HBA_FAULT_DOUBLE_POST);
		return;
	}
	memcpy(&c->frame, &fw->init.frames[smid], sizeof(c->frame));
	if (!fw_frame_valid(fw, &c->frame, smid, kind)) {
		fw_enter_fault(fw, HBA_FAULT_BAD_FRAME);
		return;
	}
	if (kind == FW_SMID_CMD &&
	    fw->st.outstanding_cmds >= fw->cfg.max_cmds) {
		fw_enter_fault(fw, HBA_FAULT_CREDIT);
		return;
	}
	if (kind == FW_SMID_SRB &&
	    fw->st.outstanding_srbs >= fw->cfg.max_srbs) {
		fw_enter_fault(fw, HBA_FAULT_SRB_OVERFLOW);
		return;
	}
	if (kind == FW_SMID_SRB) {
		/* Nothing to execute: it waits for the next event. */
		fw_cmd_own(fw, smid, FW_CMD_PARKED);
		fw_list_append(fw, &fw->parked, smid);
		return;
	}
	fw_cmd_own(fw, smid, FW_CMD_QUEUED);
	fw_list_append(fw, kind == FW_SMID_TM ? &fw->tm_runq : &fw->runq, smid);
	fw_queue_work(fw, &fw->exec_work);
}

/* HOST_DIAG reset: forget everything the driver handed over. */
static void fw_diag_reset(struct hba_fw *fw)
{
	u32 smid;

	hba_lockdep_assert_held(&fw->lock);
	for (smid = 1; smid <= fw->total_frames; smid++)
		fw_cmd_release(fw, (u16)smid);
	fw->tm_runq.head = fw->tm_runq.tail = 0;
	fw->runq.head = fw->runq.tail = 0;
	fw->parked.head = fw->parked.tail = 0;
	fw_replies_reset(fw);
	fw->initialized = false;
	fw->total_frames = 0;
	fw->dirty_frames = 0;
	fw->reset_gen++;
	fw->intr_mask = FW_ALL_QUEUES;
	fw->ioc_state = HBA_IOC_RESET;
	fw->fault_code = 0;
	fw->storm_left = 0;
	fw->paced_left = 0;
	fw->late_next_ns = 0;
	fw->st.diag_resets++;
	if (!fw->dead)
		hba_mod_delayed_work(fw->wq, &fw->reset_work,
				     FW_RESET_DELAY_MS);
}

static void fw_reset_work(struct hba_work *w)
{
	struct hba_fw *fw = container_of(w, struct hba_fw, reset_work.work);
	unsigned long flags;

	hba_spin_lock_irqsave(&fw->lock, flags);
	if (fw->ioc_state == HBA_IOC_RESET) {
		fw->ioc_state = HBA_IOC_READY;
		fw_ctrl_event(fw, HBAMGR_EVT_CTRL_RESET_DONE, HBAMGR_SEV_INFO,
			      fw->st.diag_resets, "controller reset done");
	}
	hba_spin_unlock_irqrestore(&fw->lock, flags);
}

/* Background operations advance with firmware time, except in FAULT. */
static void fw_tick_work(struct hba_work *w)
{
	struct hba_fw *fw = container_of(w, struct hba_fw, tick_work.work);
	u64 elapsed_ms = (hba_now_ns() - fw->last_tick_ns) / 1000000ULL;
	unsigned long flags;
	bool running;

	hba_spin_lock_irqsave(&fw->lock, flags);
	running = fw->ioc_state != HBA_IOC_FAULT;
	hba_spin_unlock_irqrestore(&fw->lock, flags);
	if (elapsed_ms) {
		fw->last_tick_ns += elapsed_ms * 1000000ULL;
		if (running)
			fw_store_tick(fw->store, (u32)elapsed_ms);
	}
	fw_evtlog_sync(fw, false);
	hba_spin_lock_irqsave(&fw->lock, flags);
	if (!fw->dead)
		hba_queue_delayed_work(fw->wq, &fw->tick_work, FW_TICK_MS);
	hba_spin_unlock_irqrestore(&fw->lock, flags);
}

u32 hba_fw_readl(struct hba_fw *fw, u32 reg)
{
	unsigned long flags;
	u32 val = 0;

	hba_spin_lock_irqsave(&fw->lock, flags);
	if (reg == HBA_REG_IOC_STATE) {
		val = fw->ioc_state << HBA_IOC_STATE_SHIFT;
		if (fw->ioc_state == HBA_IOC_FAULT)
			val |= fw->fault_code;
	} else if (reg == HBA_REG_INTR_MASK) {
		val = fw->intr_mask;
	} else if (reg >= HBA_REG_REPLY_HOST_IDX(0) &&
		   reg < HBA_REG_REPLY_HOST_IDX(HBA_MAX_REPLY_QUEUES) &&
		   !(reg & 3)) {
		val = fw->host_idx[(reg - HBA_REG_REPLY_HOST_IDX(0)) / 4];
	}
	hba_spin_unlock_irqrestore(&fw->lock, flags);
	return val;
}

/*
 * A diag reset stops the IOC's DMA before the register write completes:
 * the frame exec_work may be running still moves data to or from host
 * memory the driver frees once the reset is written.  Busy-wait (the
 * caller may be atomic) for it; such a frame takes microseconds.
 */
static void fw_quiesce_dma(struct hba_fw *fw)
{
	unsigned long flags;
	bool active = true;

	while (active) {
		hba_spin_lock_irqsave(&fw->lock, flags);
		active = fw->exec_active;
		hba_spin_unlock_irqrestore(&fw->lock, flags);
	}
}

void hba_fw_writel(struct hba_fw *fw, u32 reg, u32 val)
{
	bool reset = reg == HBA_REG_HOST_DIAG && val == HBA_DIAG_RESET;
	unsigned long flags;

	hba_spin_lock_irqsave(&fw->lock, flags);
	if (reg == HBA_REG_DOORBELL) {
		fw_doorbell(fw, val);
	} else if (reset) {
		fw_diag_reset(fw);
	} else if (reg == HBA_REG_INTR_MASK) {
		fw_write_intr_mask(fw, val & FW_ALL_QUEUES);
	} else if (reg >= HBA_REG_REPLY_HOST_IDX(0) &&
		   reg < HBA_REG_REPLY_HOST_IDX(HBA_MAX_REPLY_QUEUES) &&
		   !(reg & 3)) {
		fw_write_host_idx(fw, (reg - HBA_REG_REPLY_HOST_IDX(0)) / 4,
				  val);
	}
	hba_spin_unlock_irqrestore(&fw->lock, flags);
	if (reset)
		fw_quiesce_dma(fw);
}

void hba_fw_set_isr(struct hba_fw *fw, void (*isr)(void *ctx, u32 queue),
		    void *ctx)
{
	unsigned long flags;

	hba_spin_lock_irqsave(&fw->lock, flags);
	fw->isr = isr;
	fw->isr_ctx = ctx;
	hba_spin_unlock_irqrestore(&fw->lock, flags);
}

int hba_fw_ioc_facts(struct hba_fw *fw, struct hba_ioc_facts *facts)
{
	unsigned long flags;

	if (!facts)
		return -EINVAL;
	memset(facts, 0, sizeof(*facts));
	fw_store_ident(fw->store, facts);
	facts->max_cmds = fw->cfg.max_cmds;
	facts->max_srbs = fw->cfg.max_srbs;
	facts->max_sge = FW_MAX_SGE;
	facts->max_transfer = FW_MAX_TRANSFER;
	facts->num_reply_queues = fw->cfg.num_reply_queues;
	hba_spin_lock_irqsave(&fw->lock, flags);
	facts->fw_state = fw->ioc_state;
	hba_spin_unlock_irqrestore(&fw->lock, flags);
	return 0;
}

static bool fw_init_valid(const struct hba_fw *fw,
			  const struct hba_ioc_init *in)
{
	u32 total = in->cmd_frames + in->srb_frames + HBA_TM_FRAMES;
	u32 q, i;

	if (!in->cmd_frames || in->cmd_frames > HBA_FW_MAX_CMDS_LIMIT ||
	    in->srb_frames > FW_MAX_SRB_FRAMES)
		return false;
	if (!in->num_reply_queues ||
	    in->num_reply_queues > fw->cfg.num_reply_queues)
		return false;
	if (in->reply_ring_depth < total + 1 ||
	    in->reply_ring_depth > 4 * FW_MAX_SMIDS)
		return false;
	if (!in->frames || !in->reply_frames)
		return false;
	for (q = 0; q < HBA_MAX_REPLY_QUEUES; q++)
		if ((q < in->num_reply_queues) != !!in->reply_rings[q])
			return false;
	/* The driver hands over empty rings (every slot unused). */
	for (q = 0; q < in->num_reply_queues; q++)
		for (i = 0; i < in->reply_ring_depth; i++)
			if (in->reply_rings[q][i] != HBA_RDESC_UNUSED)
				return false;
	return true;
}

/* Frames from before a dirty start complete into the new rings. */
static void fw_post_dirty_replies(struct hba_fw *fw)
{
	u32 smid, n = min_t(u32, fw->dirty_frames, fw->init.cmd_frames);

	for (smid = 1; smid <= n; smid++) {
		fw_post_desc(fw, smid % fw->init.num_reply_queues,
			     HBA_RDESC_MAKE(smid, HBA_RDESC_SUCCESS));
		fw->st.dirty_replies++;
	}
	fw->dirty_frames = 0;
}

int hba_fw_ioc_init(struct hba_fw *fw, const struct hba_ioc_init *init)
{
	unsigned long flags;
	bool dirty;
	int ret = 0;
	u32 q;

	if (!init || !fw_init_valid(fw, init))
		return -EINVAL;
	hba_spin_lock_irqsave(&fw->lock, flags);
	dirty = fw->ioc_state == HBA_IOC_OPERATIONAL && !fw->initialized &&
		fw->dirty_frames;
	if (fw->ioc_state != HBA_IOC_READY && !dirty) {
		fw_enter_fault(fw, HBA_FAULT_INIT_STATE);
		ret = -EIO;
		goto out;
	}
	fw->init = *init;
	fw->total_frames = init->cmd_frames + init->srb_frames + HBA_TM_FRAMES;
	fw->initialized = true;
	for (q = 0; q < HBA_MAX_REPLY_QUEUES; q++) {
		fw->ring_prod[q] = 0;
		fw->host_idx[q] = 0;
	}
	/* A new session: interrupts raised before it need no ack. */
	fw->irq_raised = 0;
	fw->ioc_state = HBA_IOC_OPERATIONAL;
	if (dirty)
		fw_post_dirty_replies(fw);
	if (fw->storm_on_reset) {
		fw->storm_left += fw->storm_on_reset;
		fw->storm_on_reset = 0;
		fw_queue_work(fw, &fw->storm_work);
	}
out:
	hba_spin_unlock_irqrestore(&fw->lock, flags);
	return ret;
}

int hba_fw_inject(struct hba_fw *fw, const struct hbamgr_mbox_fault *f)
{
	if (!fw->cfg.fault_injection)
		return HBAMGR_ST_INVALID_OPCODE;
	return fw_inject(fw, f);
}

void hba_fw_get_stats(struct hba_fw *fw, struct hba_fw_stats *st)
{
	unsigned long flags;

	hba_spin_lock_irqsave(&fw->lock, flags);
	*st = fw->st;
	st->ioc_state = fw->ioc_state;
	st->fault_code = fw->ioc_state == HBA_IOC_FAULT ? fw->fault_code : 0;
	hba_spin_unlock_irqrestore(&fw->lock, flags);
}

static void fw_free(struct hba_fw *fw)
{
	if (fw->wq)
		hba_wq_destroy(fw->wq);
	if (fw->store)
		fw_store_destroy(fw->store);
	fw_evtlog_detach(fw);
	fw_reply_queues_free(fw);
	hba_vfree(fw->chain_sgl);
	hba_vfree(fw->cmds);
	hba_free(fw);
}

int hba_fw_create(const struct hba_fw_config *cfg, struct hba_fw **out)
{
	struct hba_fw *fw;
	char name[16];
	unsigned long flags;
	int ret;

	*out = NULL;
	fw = hba_zalloc(sizeof(*fw));
	if (!fw)
		return -ENOMEM;
	fw->cfg = *cfg;
	hba_fw_config_defaults(&fw->cfg);
	if (!fw_config_valid(&fw->cfg)) {
		hba_free(fw);
		return -EINVAL;
	}
	hba_spin_lock_init(&fw->lock);
	hba_work_init(&fw->exec_work, fw_exec_work);
	hba_work_init(&fw->irq_work, fw_irq_work);
	hba_work_init(&fw->storm_work, fw_storm_work);
	hba_delayed_work_init(&fw->late_work, fw_late_work);
	hba_delayed_work_init(&fw->paced_work, fw_storm_paced_work);
	hba_delayed_work_init(&fw->reset_work, fw_reset_work);
	hba_delayed_work_init(&fw->tick_work, fw_tick_work);
	fw->intr_mask = FW_ALL_QUEUES;
	fw->ioc_state = HBA_IOC_READY;
	if (fw->cfg.dirty_start) {
		/* As a previous kernel left it: running, interrupts owed. */
		fw->ioc_state = HBA_IOC_OPERATIONAL;
		fw->dirty_frames = FW_DIRTY_FRAMES;
		fw->irq_pending = (1u << fw->cfg.num_reply_queues) - 1;
	}

	ret = -ENOMEM;
	fw->cmds = hba_vzalloc(sizeof(*fw->cmds) * (FW_MAX_SMIDS + 1));
	fw->chain_sgl = hba_vzalloc(sizeof(*fw->chain_sgl) * FW_MAX_SGE);
	if (!fw->cmds || !fw->chain_sgl || fw_reply_queues_alloc(fw))
		goto fail;
	ret = fw_evtlog_attach(fw);
	if (ret)
		goto fail;
	ret = -ENOMEM;
	snprintf(name, sizeof(name), "hbafw%u", fw->cfg.adapter_index);
	fw->wq = hba_wq_create(name, 4);
	if (!fw->wq)
		goto fail;
	fw_event_sink_init(fw);
	ret = fw_store_create(&fw->cfg, &fw->sink, &fw->store);
	if (ret)
		goto fail;

	fw->last_tick_ns = hba_now_ns();
	hba_spin_lock_irqsave(&fw->lock, flags);
	hba_queue_delayed_work(fw->wq, &fw->tick_work, FW_TICK_MS);
	hba_spin_unlock_irqrestore(&fw->lock, flags);
	*out = fw;
	return 0;
fail:
	fw_free(fw);
	return ret;
}

void hba_fw_destroy(struct hba_fw *fw)
{
	unsigned long flags;

	if (!fw)
		return;
	hba_spin_lock_irqsave(&fw->lock, flags);
	fw->dead = true;
	hba_spin_unlock_irqrestore(&fw->lock, flags);
	/* Nothing queues work once dead; irq_work goes last: no isr after. */
	hba_cancel_delayed_work_sync(&fw->tick_work);
	hba_cancel_delayed_work_sync(&fw->reset_work);
	hba_cancel_delayed_work_sync(&fw->late_work);
	hba_cancel_delayed_work_sync(&fw->paced_work);
	hba_cancel_work_sync(&fw->storm_work);
	hba_cancel_work_sync(&fw->exec_work);
	hba_cancel_work_sync(&fw->irq_work);
	fw_free(fw);
}
