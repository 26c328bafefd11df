// SPDX-License-Identifier: GPL-2.0
/*
 * The firmware event log: every event (from the store through the event
 * sink, or the engine's own) gets the next sequence number and a timestamp,
 * goes into a ring of FW_EVTLOG_RECORDS that survives resets, and completes
 * the oldest parked SRB if there is one.  With no SRB parked the event is
 * only logged; the driver finds the gap by sequence number and reads the
 * log with EVTLOG_GET.
 */
#include "engine_internal.h"

/* The oldest seq still in the ring; 0 when nothing was logged. */
static u64 fw_evtlog_oldest(const struct hba_fw *fw)
{
	u64 logged = fw->evt_seq + 1 - fw->evt_first;

	if (!logged)
		return 0;
	return fw->evt_seq + 1 - min_t(u64, logged, FW_EVTLOG_RECORDS);
}

void fw_event_log(struct hba_fw *fw, struct hbamgr_event *ev)
{
	struct fw_cmd *c;
	u16 smid;

	hba_lockdep_assert_held(&fw->lock);
	ev->seq = ++fw->evt_seq;
	ev->timestamp_ns = hba_realtime_ns();
	ev->type = HBAMGR_EVT_TYPE_RECORD;
	ev->description[sizeof(ev->description) - 1] = '\0';
	fw->evtlog[(ev->seq - 1) % FW_EVTLOG_RECORDS] = *ev;
	fw->st.events_logged++;
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

/* The store's event sink; called with the store's lock held. */
void fw_event_emit(void *ctx, struct hbamgr_event *ev)
{
	struct hba_fw *fw = ctx;
	unsigned long flags;

	hba_spin_lock_irqsave(&fw->lock, flags);
	fw_event_log(fw, ev);
	hba_spin_unlock_irqrestore(&fw->lock, flags);
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
	info.newest_seq = fw->evt_seq;
	hba_spin_unlock_irqrestore(&fw->lock, flags);
	info.capacity = FW_EVTLOG_RECORDS;
	info.log_id = fw->evt_log_id;
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
	if (fw_evtlog_oldest(fw) && start <= fw->evt_seq)
		avail = fw->evt_seq - start + 1;
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
			       &fw->evtlog[(start + i - 1) % FW_EVTLOG_RECORDS],
			       rec);
	hba_spin_unlock_irqrestore(&fw->lock, flags);
	r->result = n;
	r->transfer_count = n * rec;
	r->status = HBAMGR_ST_OK;
}
