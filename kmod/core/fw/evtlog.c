// SPDX-License-Identifier: GPL-2.0
/*
 * The firmware event log: every event (from the store through the event
 * sink, or the engine's own) gets the next sequence number and a timestamp,
 * goes into a ring of FW_EVTLOG_RECORDS that survives resets and, in NVRAM
 * (struct fw_evtlog_nv), power cycles and crashes, and completes the oldest
 * parked SRB if there is one.  With no SRB parked the event is only logged;
 * the driver finds the gap by sequence number and reads the log with
 * EVTLOG_GET.
 */
#include "engine_internal.h"

static const struct hba_fw_nvram_ops *fw_nv(const struct hba_fw *fw)
{
	return fw->cfg.nvram;
}

/* The oldest seq still in the ring; 0 when nothing is logged. */
static u64 fw_evtlog_oldest(const struct hba_fw *fw)
{
	const struct fw_evtlog_nv *log = fw->log;
	u64 logged = log->newest_seq + 1 - log->first_seq;

	if (!logged)
		return 0;
	return log->newest_seq + 1 -
	       min_t(u64, logged, FW_EVTLOG_RECORDS);
}

static struct hbamgr_event *fw_evtlog_slot(struct hba_fw *fw, u64 seq)
{
	return &fw->log->rec[(seq - 1) % FW_EVTLOG_RECORDS];
}

static bool fw_evtlog_is_new(const struct fw_evtlog_nv *log)
{
	return !log->magic && !log->version && !log->log_id &&
	       !log->first_seq && !log->newest_seq && !log->jr_gen;
}

static int fw_evtlog_check(struct hba_fw *fw)
{
	const struct fw_evtlog_nv *log = fw->log;
	const struct hba_fw_config *cfg = &fw->cfg;

	if (log->magic != FW_EVTLOG_MAGIC)
		fw_nv_report(cfg, "event log: no event log (magic %#x)",
			     log->magic);
	else if (log->version != FW_EVTLOG_VERSION)
		fw_nv_report(cfg, "event log: format version %u, this firmware reads %u",
			     log->version, FW_EVTLOG_VERSION);
	else if (log->record_size != sizeof(struct hbamgr_event) ||
		 log->capacity != FW_EVTLOG_RECORDS)
		fw_nv_report(cfg, "event log: %u records of %u bytes, this firmware keeps %u of %zu",
			     log->capacity, log->record_size,
			     FW_EVTLOG_RECORDS, sizeof(struct hbamgr_event));
	else if (!log->log_id)
		fw_nv_report(cfg, "event log: no identity (log id 0)");
	else if (!log->first_seq || log->first_seq - 1 > log->newest_seq)
		fw_nv_report(cfg, "event log: first seq %llu is after newest seq %llu",
			     (unsigned long long)log->first_seq,
			     (unsigned long long)log->newest_seq);
	else if (log->jr_first > log->newest_seq + 1)
		fw_nv_report(cfg, "event log: journal of generation %llu starts at seq %llu, after newest seq %llu",
			     (unsigned long long)log->jr_gen,
			     (unsigned long long)log->jr_first,
			     (unsigned long long)log->newest_seq);
	else
		return 0;
	return -EUCLEAN;
}

/* Drop the records up to seq: the log goes on after it, never reusing it. */
static void fw_evtlog_drop_to(struct hba_fw *fw, u64 seq)
{
	struct fw_evtlog_nv *log = fw->log;

	log->first_seq = seq + 1;
	if (log->newest_seq < seq)
		fw_ring_store(&log->newest_seq, seq);
}

/*
 * A record the header says is logged but that is not in its slot was lost
 * with the page holding it (a power failure between two syncs): the log
 * keeps what follows the last lost one and says so.
 */
static void fw_evtlog_scan(struct hba_fw *fw)
{
	struct fw_evtlog_nv *log = fw->log;
	u64 seq, oldest = fw_evtlog_oldest(fw), lost = 0;

	for (seq = oldest; oldest && seq <= log->newest_seq; seq++) {
		const struct hbamgr_event *ev = fw_evtlog_slot(fw, seq);

		if (ev->seq != seq || ev->type != HBAMGR_EVT_TYPE_RECORD)
			lost = seq;
	}
	if (!lost)
		return;
	fw_nv_report(&fw->cfg, "event log: record %llu was lost (power failure?); records %llu..%llu dropped",
		     (unsigned long long)lost, (unsigned long long)oldest,
		     (unsigned long long)lost);
	fw_evtlog_drop_to(fw, lost);
}

int fw_evtlog_attach(struct hba_fw *fw)
{
	const struct hba_fw_nvram_ops *nv = fw_nv(fw);
	struct fw_evtlog_nv *log;
	int ret;

	if (nv) {
		ret = nv->evtlog_map(fw->cfg.nvram_ctx, sizeof(*log),
				     (void **)&log);
		if (ret)
			return ret;
	} else {
		log = hba_vzalloc(sizeof(*log));
		if (!log)
			return -ENOMEM;
		fw->log_in_ram = true;
	}
	fw->log = log;
	if (fw_evtlog_is_new(log)) {
		log->magic = FW_EVTLOG_MAGIC;
		log->version = FW_EVTLOG_VERSION;
		log->record_size = sizeof(struct hbamgr_event);
		log->capacity = FW_EVTLOG_RECORDS;
		while (!log->log_id)
			log->log_id = hba_random_u64();
		log->first_seq = 1;
	}
	ret = fw_evtlog_check(fw);
	if (ret)
		return ret;
	fw_evtlog_scan(fw);
	fw->log_synced_seq = log->newest_seq;
	fw->log_synced_ns = hba_now_ns();
	return 0;
}

void fw_evtlog_detach(struct hba_fw *fw)
{
	if (!fw->log)
		return;
	fw_evtlog_sync(fw, true);
	if (fw->log_in_ram)
		hba_vfree(fw->log);
	fw->log = NULL;
}

/* tick_work and power-off: flush what was logged since the last sync. */
void fw_evtlog_sync(struct hba_fw *fw, bool force)
{
	const struct hba_fw_nvram_ops *nv = fw_nv(fw);
	unsigned long flags;
	u64 newest, now = hba_now_ns();
	int ret;

	if (!nv)
		return;
	hba_spin_lock_irqsave(&fw->lock, flags);
	newest = fw->log->newest_seq;
	hba_spin_unlock_irqrestore(&fw->lock, flags);
	if (newest == fw->log_synced_seq ||
	    (!force && now - fw->log_synced_ns < FW_EVTLOG_SYNC_MS * 1000000ULL))
		return;
	ret = nv->evtlog_sync(fw->cfg.nvram_ctx);
	if (ret) {
		/* Retried at the next interval; loss only at power failure. */
		fw_nv_report(&fw->cfg, "event log: sync failed (%d)", ret);
		fw->log_synced_ns = now;
		return;
	}
	fw->log_synced_seq = newest;
	fw->log_synced_ns = now;
}

/* Write ev as record seq, not yet committed (fw->lock held). */
static void fw_evtlog_write(struct hba_fw *fw, struct hbamgr_event *ev,
			    u64 seq)
{
	hba_lockdep_assert_held(&fw->lock);
	ev->seq = seq;
	ev->timestamp_ns = hba_realtime_ns();
	ev->type = HBAMGR_EVT_TYPE_RECORD;
	ev->description[sizeof(ev->description) - 1] = '\0';
	*fw_evtlog_slot(fw, seq) = *ev;
	fw->st.events_logged++;
}

/* Complete the oldest parked SRB with a logged event (fw->lock held). */
static void fw_event_deliver(struct hba_fw *fw, const struct hbamgr_event *ev)
{
	struct fw_cmd *c;
	u16 smid;

	if (fw->ioc_state != HBA_IOC_OPERATIONAL)
		return;
	smid = fw_list_pop(fw, &fw->parked);
	if (!smid)
		return;
	c = &fw->cmds[smid];
	memset(&c->reply, 0, sizeof(c->reply));
	c->reply.smid = smid;
	c->reply.function = HBA_FUNC_STATUS_READ;
	c->reply.status = HBAMGR_ST_OK;
	c->reply.event = *ev;
	fw->st.events_to_srb++;
	fw_complete(fw, smid, &c->reply, false);
}

void fw_event_log(struct hba_fw *fw, struct hbamgr_event *ev)
{
	u64 seq = fw->log->newest_seq + 1;

	fw_evtlog_write(fw, ev, seq);
	fw_ring_store(&fw->log->newest_seq, seq);
	fw_event_deliver(fw, ev);
}

/* The store's event sink; called with the store's lock held. */
static void fw_sink_log(void *ctx, struct hbamgr_event *evs, u32 n, u64 gen)
{
	struct hba_fw *fw = ctx;
	struct fw_evtlog_nv *log = fw->log;
	unsigned long flags;
	u64 first;
	u32 i;

	hba_spin_lock_irqsave(&fw->lock, flags);
	first = log->newest_seq + 1;
	if (gen) {
		/* jr_gen last: a journal cut short names an older one. */
		log->jr_first = first;
		log->jr_count = n;
		fw_ring_store(&log->jr_gen, gen);
	}
	for (i = 0; i < n; i++)
		fw_evtlog_write(fw, &evs[i], first + i);
	if (n)
		fw_ring_store(&log->newest_seq, first + n - 1);
	for (i = 0; i < n; i++)
		fw_event_deliver(fw, &evs[i]);
	hba_spin_unlock_irqrestore(&fw->lock, flags);
}

static void fw_sink_state(void *ctx, u64 *log_id, u64 *newest_seq)
{
	struct hba_fw *fw = ctx;
	unsigned long flags;

	hba_spin_lock_irqsave(&fw->lock, flags);
	*log_id = fw->log->log_id;
	*newest_seq = fw->log->newest_seq;
	hba_spin_unlock_irqrestore(&fw->lock, flags);
}

static u64 fw_sink_attach(void *ctx, u64 seq_floor, bool *complete)
{
	struct hba_fw *fw = ctx;
	struct fw_evtlog_nv *log = fw->log;
	unsigned long flags;
	u64 newest, gen;

	hba_spin_lock_irqsave(&fw->lock, flags);
	newest = log->newest_seq;
	if (newest < seq_floor)
		fw_evtlog_drop_to(fw, seq_floor);
	gen = log->jr_gen;
	*complete = log->newest_seq + 1 >= log->jr_first + log->jr_count;
	hba_spin_unlock_irqrestore(&fw->lock, flags);
	if (newest < seq_floor)
		fw_nv_report(&fw->cfg, "event log: records %llu..%llu were lost (power failure?); the log goes on at %llu",
			     (unsigned long long)newest + 1,
			     (unsigned long long)seq_floor,
			     (unsigned long long)seq_floor + 1);
	return gen;
}

void fw_event_sink_init(struct hba_fw *fw)
{
	fw->sink.log = fw_sink_log;
	fw->sink.state = fw_sink_state;
	fw->sink.attach = fw_sink_attach;
	fw->sink.ctx = fw;
}

void fw_ctrl_event(struct hba_fw *fw, u32 code, u8 severity, u32 arg0,
		   const char *desc)
{
	struct hbamgr_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.event_class = HBAMGR_EVC_CTRL;
	ev.severity = severity;
	ev.code = code;
	ev.encl_id = HBAMGR_ID_NONE;
	ev.slot = HBAMGR_ID_NONE;
	ev.pd_id = HBAMGR_ID_NONE;
	ev.vd_id = HBAMGR_ID_NONE;
	ev.arg0 = arg0;
	snprintf(ev.description, sizeof(ev.description), "%s", desc);
	fw_event_log(fw, &ev);
}

/* count unsolicited status notifications at once (fw->lock held). */
void fw_storm(struct hba_fw *fw, u32 count)
{
	while (count--)
		fw_ctrl_event(fw, HBAMGR_EVT_CTRL_STATUS_NOTIFY,
			      HBAMGR_SEV_INFO, fw->storm_index++,
			      "unsolicited status");
}

/*
 * The storm armed for the next recovery: one event at a time with the lock
 * dropped in between, so it races the driver re-posting its SRBs.
 */
void fw_storm_work(struct hba_work *w)
{
	struct hba_fw *fw = container_of(w, struct hba_fw, storm_work);
	unsigned long flags;
	bool more = true;

	while (more) {
		hba_spin_lock_irqsave(&fw->lock, flags);
		if (fw->storm_left && !fw->dead) {
			fw->storm_left--;
			fw_storm(fw, 1);
		}
		more = fw->storm_left && !fw->dead;
		hba_spin_unlock_irqrestore(&fw->lock, flags);
	}
}

/*
 * SRB_STORM with a rate (fw->lock held): count events spread over time,
 * emitted every FW_STORM_TICK_MS by paced_work as many as the rate says are
 * due since the start, so the rate holds however late the work runs.  A new
 * paced storm replaces one still running; CLEAR and a diag reset end it.
 */
void fw_storm_pace(struct hba_fw *fw, u32 count, u32 rate)
{
	hba_lockdep_assert_held(&fw->lock);
	fw->paced_rate = rate;
	fw->paced_left = count;
	fw->paced_start_ns = hba_now_ns();
	fw->paced_done = 0;
	if (!fw->dead)
		hba_mod_delayed_work(fw->wq, &fw->paced_work, 0);
}

void fw_storm_paced_work(struct hba_work *w)
{
	struct hba_fw *fw = container_of(w, struct hba_fw, paced_work.work);
	unsigned long flags;
	u64 elapsed_us, due;
	u32 n;

	hba_spin_lock_irqsave(&fw->lock, flags);
	if (fw->paced_left && !fw->dead) {
		elapsed_us = (hba_now_ns() - fw->paced_start_ns) / 1000;
		/* < 2^64: rate <= FW_STORM_MAX_RATE, a storm lasts < 10^5 s */
		due = elapsed_us * fw->paced_rate / 1000000;
		n = (u32)min_t(u64, due - fw->paced_done, fw->paced_left);
		fw_storm(fw, n);
		fw->paced_done += n;
		fw->paced_left -= n;
		if (fw->paced_left)
			hba_queue_delayed_work(fw->wq, &fw->paced_work,
					       FW_STORM_TICK_MS);
	}
	hba_spin_unlock_irqrestore(&fw->lock, flags);
}

static bool fw_mgmt_from_dev(const struct hba_req_frame *f,
			     struct hba_reply_frame *r)
{
	if (f->dir == HBAMGR_DIR_FROM_DEV)
		return true;
	r->status = HBAMGR_ST_INVALID_PARAM;
	return false;
}

void fw_evtlog_info(struct hba_fw *fw, const struct hba_req_frame *f,
		    const struct hba_sge *sgl, u32 sge_count,
		    struct hba_reply_frame *r)
{
	struct hbamgr_evtlog_info info;
	unsigned long flags;

	if (!fw_mgmt_from_dev(f, r))
		return;
	if (f->data_len < sizeof(info)) {
		r->status = HBAMGR_ST_NO_SPACE;
		r->resid_needed = sizeof(info);
		return;
	}
	memset(&info, 0, sizeof(info));
	hba_spin_lock_irqsave(&fw->lock, flags);
	info.oldest_seq = fw_evtlog_oldest(fw);
	info.newest_seq = fw->log->newest_seq;
	info.log_id = fw->log->log_id;
	hba_spin_unlock_irqrestore(&fw->lock, flags);
	info.capacity = FW_EVTLOG_RECORDS;
	r->transfer_count = fw_sgl_copy_to(sgl, sge_count, 0, &info,
					   sizeof(info));
	r->status = HBAMGR_ST_OK;
}

/*
 * Records from mbox start_seq on (the oldest kept when it is older), at
 * most mbox max_records (0: no limit) and as many as data_len holds;
 * result = records written.
 */
void fw_evtlog_get(struct hba_fw *fw, const struct hba_req_frame *f,
		   const struct hba_sge *sgl, u32 sge_count,
		   struct hba_reply_frame *r)
{
	const u32 rec = sizeof(struct hbamgr_event);
	struct hbamgr_mbox_evtlog mb;
	unsigned long flags;
	u64 start, avail = 0;
	u32 i, n;

	if (!fw_mgmt_from_dev(f, r))
		return;
	memcpy(&mb, f->cdb, sizeof(mb));
	for (i = 0; i < sizeof(mb.pad); i++) {
		if (mb.pad[i]) {
			r->status = HBAMGR_ST_INVALID_PARAM;
			return;
		}
	}
	hba_spin_lock_irqsave(&fw->lock, flags);
	start = max_t(u64, mb.start_seq, fw_evtlog_oldest(fw));
	if (fw_evtlog_oldest(fw) && start <= fw->log->newest_seq)
		avail = fw->log->newest_seq - start + 1;
	if (mb.max_records && avail > mb.max_records)
		avail = mb.max_records;
	if (avail && f->data_len < rec) {
		hba_spin_unlock_irqrestore(&fw->lock, flags);
		r->status = HBAMGR_ST_NO_SPACE;
		r->resid_needed = (u32)avail * rec;
		return;
	}
	n = (u32)min_t(u64, avail, f->data_len / rec);
	for (i = 0; i < n; i++)
		fw_sgl_copy_to(sgl, sge_count, (size_t)i * rec,
			       fw_evtlog_slot(fw, start + i), rec);
	hba_spin_unlock_irqrestore(&fw->lock, flags);
	r->result = n;
	r->transfer_count = n * rec;
	r->status = HBAMGR_ST_OK;
}
