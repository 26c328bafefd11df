// SPDX-License-Identifier: GPL-2.0
/*
 * Per-file event rings: every firmware event (one per SRB completion) is
 * queued to every open file.  A full ring drops its oldest record; the
 * drops are reported by one HBAMGR_EVT_TYPE_OVERFLOW record read before the
 * remaining ones (arg0 = records dropped, seq = first dropped seq).
 */
#include "drv_internal.h"

int hba_file_ring_init(struct hba_file *f, u32 records)
{
	f->ring = hba_vzalloc((size_t)records * sizeof(*f->ring));
	if (!f->ring)
		return -ENOMEM;
	hba_spin_lock_init(&f->ring_lock);
	hba_waitq_init(&f->waitq);
	return 0;
}

void hba_file_ring_free(struct hba_file *f)
{
	hba_vfree(f->ring);
	f->ring = NULL;
}

static void ring_push(struct hba_file *f, const struct hbamgr_event *ev)
{
	u32 size = f->a->params.event_ring_records;
	unsigned long flags;

	hba_spin_lock_irqsave(&f->ring_lock, flags);
	if (f->count == size) {
		if (!f->overflow) {
			f->overflow = true;
			f->overflow_seq = f->ring[f->head].seq;
			f->overflow_dropped = 0;
		}
		f->overflow_dropped++;
		f->head = (f->head + 1) % size;
		f->count--;
	}
	f->ring[(f->head + f->count) % size] = *ev;
	f->count++;
	hba_spin_unlock_irqrestore(&f->ring_lock, flags);
}

static bool ring_pop(struct hba_file *f, struct hbamgr_event *ev)
{
	u32 size = f->a->params.event_ring_records;
	unsigned long flags;
	bool got = true;

	hba_spin_lock_irqsave(&f->ring_lock, flags);
	if (f->overflow) {
		memset(ev, 0, sizeof(*ev));
		ev->seq = f->overflow_seq;
		ev->timestamp_ns = hba_realtime_ns();
		ev->type = HBAMGR_EVT_TYPE_OVERFLOW;
		ev->event_class = HBAMGR_EVC_CTRL;
		ev->severity = HBAMGR_SEV_WARNING;
		ev->encl_id = HBAMGR_ID_NONE;
		ev->slot = HBAMGR_ID_NONE;
		ev->pd_id = HBAMGR_ID_NONE;
		ev->vd_id = HBAMGR_ID_NONE;
		ev->arg0 = f->overflow_dropped;
		snprintf(ev->description, sizeof(ev->description),
			 "%u events dropped, reader too slow",
			 f->overflow_dropped);
		f->overflow = false;
	} else if (f->count) {
		*ev = f->ring[f->head];
		f->head = (f->head + 1) % size;
		f->count--;
	} else {
		got = false;
	}
	hba_spin_unlock_irqrestore(&f->ring_lock, flags);
	return got;
}

static bool ring_ready(struct hba_file *f)
{
	unsigned long flags;
	bool ready;

	hba_spin_lock_irqsave(&f->ring_lock, flags);
	ready = f->overflow || f->count;
	hba_spin_unlock_irqrestore(&f->ring_lock, flags);
	return ready;
}

void hba_events_dispatch(struct hba_adapter *a, const struct hbamgr_event *ev)
{
	unsigned long flags;
	struct hba_file *f;

	hba_spin_lock_irqsave(&a->files_lock, flags);
	for (f = a->files; f; f = f->next) {
		ring_push(f, ev);
		hba_wake_up_all(&f->waitq);
	}
	/*
	 * Under files_lock with the push, so that GET_INFO (which reads it
	 * under files_lock too) never reports a seq older than a record a
	 * file can already read.
	 */
	if ((s64)ev->seq > hba_atomic64_read(&a->last_event_seq))
		hba_atomic64_set(&a->last_event_seq, ev->seq);
	hba_spin_unlock_irqrestore(&a->files_lock, flags);
	hba_atomic64_inc(&a->events_dispatched);
}

void hba_files_wake_all(struct hba_adapter *a)
{
	unsigned long flags;
	struct hba_file *f;

	hba_spin_lock_irqsave(&a->files_lock, flags);
	for (f = a->files; f; f = f->next)
		hba_wake_up_all(&f->waitq);
	hba_spin_unlock_irqrestore(&a->files_lock, flags);
}

static bool removed(struct hba_adapter *a)
{
	return hba_get_state(a) == HBAMGR_STATE_DELETING;
}

ssize_t hba_file_read(struct hba_file *f, u64 ubuf, size_t len,
		      bool nonblock)
{
	struct hba_adapter *a = f->a;
	struct hbamgr_event ev;
	size_t done = 0;
	int ret;

	if (removed(a))
		return -ENODEV;
	if (len < sizeof(ev))
		return -EINVAL;
	if (!ring_ready(f)) {
		if (nonblock)
			return -EAGAIN;
		ret = hba_wait_event_killable(&f->waitq,
					      ring_ready(f) || removed(a));
		if (ret)
			return ret;
	}
	if (removed(a))
		return -ENODEV;
	/* A record that faults on copy-out is lost, as with a dropped one. */
	while (done + sizeof(ev) <= len && ring_pop(f, &ev)) {
		if (hba_copy_to_user(ubuf + done, &ev, sizeof(ev)))
			return done ? (ssize_t)done : -EFAULT;
		done += sizeof(ev);
	}
	return done;
}

u32 hba_file_poll(struct hba_file *f)
{
	if (removed(f->a))
		return HBA_POLLHUP;
	return ring_ready(f) ? HBA_POLLIN : 0;
}

struct hba_waitq *hba_file_waitq(struct hba_file *f)
{
	return &f->waitq;
}
