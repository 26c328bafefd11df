// SPDX-License-Identifier: GPL-2.0
/*
 * Background operations: rebuild, init, consistency check (CC) and patrol
 * read.  Each one works on real data, segment by segment, and advances with
 * fw_store_tick() at cfg.bgop_rate_mb_s * rebuild_rate / 100 MB of nominal
 * member capacity (all PDs for patrol) per second.
 *
 * Rule for BGOP_START type REBUILD, target = PD id (storcli's
 * "/cX/eY/sZ start rebuild"):
 *  (a) the PD is a VD member in state FAILED or OFFLINE: it is rebuilt in
 *      place (a FAILED drive counts as replaced by a good one in the same
 *      slot: its bad blocks are gone);
 *  (b) the PD is UNCONFIGURED_GOOD or HOTSPARE: it takes the place of the
 *      first FAILED, MISSING or OFFLINE member of the lowest-numbered
 *      redundant VD it fits (same logical block size, enough capacity);
 *      the replaced drive leaves the VD (FAILED -> UNCONFIGURED_BAD,
 *      OFFLINE -> UNCONFIGURED_GOOD, MISSING returns UNCONFIGURED_GOOD).
 * Either way the PD goes to REBUILD, and to ONLINE when the rebuild is done
 * (OFFLINE if it is stopped or fails).  The VD must still have the
 * redundancy to rebuild from (not OFFLINE, not RAID0): else INVALID_STATE,
 * as for a MISSING or ONLINE PD; an INIT or CC on the VD: BUSY.
 * A FAILED or MISSING member of a redundant VD is replaced by a fitting
 * HOTSPARE automatically, by rule (b).
 */
#include "store_internal.h"

#define FW_BGOP_RATE_DEFAULT	512	/* MB/s */
#define FW_BGOP_MAX_INCONSISTENT_EVENTS	32	/* per operation */
/* A tick counts at most this much time: a firmware that was held up (a
 * paused VM) does not catch up in one long stretch under the store lock.
 */
#define FW_BGOP_MAX_TICK_MS	1000
/* With patrol_enabled, a patrol read starts after this much firmware time
 * without one (MegaRAID's default schedule: weekly).
 */
#define FW_PATROL_INTERVAL_MS	(7ULL * 24 * 3600 * 1000)

static const char *const bgop_names[] = {
	[HBAMGR_BGOP_REBUILD] = "Rebuild",
	[HBAMGR_BGOP_INIT] = "Init",
	[HBAMGR_BGOP_CC] = "Consistency check",
	[HBAMGR_BGOP_PATROL] = "Patrol read",
};

static void bgop_event(struct fw_store *s, const struct fw_bgop *op, u32 code,
		       u8 severity, u32 arg1, const char *what)
{
	struct fw_pd *pd = op->type == HBAMGR_BGOP_REBUILD ?
			   fw_pd_get(s, op->target) : NULL;

	fw_emit(s, code, HBAMGR_EVC_BGOP, severity,
		pd ? pd->encl : HBAMGR_ID_NONE, pd ? pd->slot : HBAMGR_ID_NONE,
		pd ? pd->id : HBAMGR_ID_NONE, op->vd_id, op->type, arg1,
		"%s %s %s", bgop_names[op->type],
		pd ? "PD" : op->vd_id != HBAMGR_ID_NONE ? "VD" : "all PDs",
		what);
}

struct fw_bgop *fw_bgop_find_running(struct fw_store *s, u8 type, u16 target)
{
	u32 i;

	for (i = 0; i < FW_MAX_BGOPS; i++) {
		struct fw_bgop *op = &s->bgop[i];

		if (op->used && op->state == HBAMGR_BGOP_RUNNING &&
		    op->type == type && op->target == target)
			return op;
	}
	return NULL;
}

static bool vd_busy(struct fw_store *s, u16 vd_id, bool rebuilds_too)
{
	u32 i;

	for (i = 0; i < FW_MAX_BGOPS; i++) {
		struct fw_bgop *op = &s->bgop[i];

		if (op->used && op->state == HBAMGR_BGOP_RUNNING &&
		    op->vd_id == vd_id &&
		    (rebuilds_too || op->type != HBAMGR_BGOP_REBUILD))
			return true;
	}
	return false;
}

/* A free record, else the oldest finished one. */
static struct fw_bgop *bgop_slot(struct fw_store *s)
{
	struct fw_bgop *best = NULL;
	u32 i;

	for (i = 0; i < FW_MAX_BGOPS; i++) {
		struct fw_bgop *op = &s->bgop[i];

		if (!op->used)
			return op;
		if (op->state != HBAMGR_BGOP_RUNNING &&
		    (!best || op->seq < best->seq))
			best = op;
	}
	return best;
}

static u64 patrol_total(struct fw_store *s)
{
	u64 total = 0;
	u32 i;

	for (i = 0; i < FW_MAX_PDS; i++)
		if (s->pd[i].present)
			total += s->pd[i].media.size;
	return total;
}

static int bgop_begin(struct fw_store *s, u8 type, u16 target, u16 vd_id)
{
	struct fw_bgop *op = bgop_slot(s);
	struct fw_vd *vd = fw_vd_get(s, vd_id);

	if (!op)
		return HBAMGR_ST_BUSY;
	memset(op, 0, sizeof(*op));
	op->used = true;
	op->type = type;
	op->state = HBAMGR_BGOP_RUNNING;
	op->target = target;
	op->vd_id = vd_id;
	op->total = vd ? vd->member_bytes : patrol_total(s);
	op->started_ns = hba_realtime_ns();
	op->seq = ++s->bgop_seq;
	bgop_event(s, op, HBAMGR_EVT_BGOP_STARTED, HBAMGR_SEV_INFO, 0,
		   "started");
	return HBAMGR_ST_OK;
}

/*
 * The power went while op ran: like MegaRAID firmware, go on from the
 * position NVRAM kept (never past what was done), and log it as started,
 * arg1 the per-mille it resumes at.
 */
void fw_bgop_resumed(struct fw_store *s, struct fw_bgop *op)
{
	u32 pm = (u32)(op->pos * 1000 / op->total);
	char what[32];

	hba_mutex_assert_held(&s->lock);
	snprintf(what, sizeof(what), "resumed at %u.%u%%", pm / 10, pm % 10);
	bgop_event(s, op, HBAMGR_EVT_BGOP_STARTED, HBAMGR_SEV_INFO, pm, what);
}

static bool pd_fits(const struct fw_pd *pd, const struct fw_vd *vd)
{
	return pd->lbs == vd->lbs && pd->media.size >= vd->member_bytes;
}

static bool member_lost(const struct fw_pd *pd)
{
	return pd->state == HBAMGR_PD_FAILED ||
	       pd->state == HBAMGR_PD_MISSING ||
	       pd->state == HBAMGR_PD_OFFLINE;
}

/* Put pd (not a member) in place of member idx of vd and rebuild it. */
static int replace_member(struct fw_store *s, struct fw_vd *vd, u32 idx,
			  struct fw_pd *pd)
{
	struct fw_pd *old = &s->pd[vd->pd_ids[idx]];

	old->vd_id = HBAMGR_ID_NONE;
	if (old->state == HBAMGR_PD_MISSING)
		old->state_before_missing = HBAMGR_PD_UNCONFIGURED_GOOD;
	else
		fw_pd_set_state(s, old, old->state == HBAMGR_PD_FAILED ?
				HBAMGR_PD_UNCONFIGURED_BAD :
				HBAMGR_PD_UNCONFIGURED_GOOD);
	vd->pd_ids[idx] = pd->id;
	pd->vd_id = vd->id;
	pd->stale = false;
	fw_pd_set_state(s, pd, HBAMGR_PD_REBUILD);
	return bgop_begin(s, HBAMGR_BGOP_REBUILD, pd->id, vd->id);
}

static bool vd_rebuildable(const struct fw_vd *vd)
{
	return vd->level != 0 && vd->state != HBAMGR_VD_OFFLINE;
}

static int rebuild_start(struct fw_store *s, u16 pd_id)
{
	struct fw_pd *pd = fw_pd_get(s, pd_id);
	struct fw_vd *vd;
	u32 v, i;

	if (!pd)
		return HBAMGR_ST_NO_DEVICE;
	if (fw_bgop_find_running(s, HBAMGR_BGOP_REBUILD, pd_id))
		return HBAMGR_ST_BUSY;
	vd = fw_vd_get(s, pd->vd_id);
	if (vd) {
		/* Rule (a): rebuild a member in place. */
		if (pd->state != HBAMGR_PD_FAILED &&
		    pd->state != HBAMGR_PD_OFFLINE)
			return HBAMGR_ST_INVALID_STATE;
		if (!vd_rebuildable(vd))
			return HBAMGR_ST_INVALID_STATE;
		if (vd_busy(s, vd->id, false))
			return HBAMGR_ST_BUSY;
		pd->num_bad = 0;
		pd->stale = false;
		fw_pd_set_state(s, pd, HBAMGR_PD_REBUILD);
		return bgop_begin(s, HBAMGR_BGOP_REBUILD, pd_id, vd->id);
	}
	/* Rule (b): a spare or unconfigured drive replaces a lost member. */
	if (pd->state != HBAMGR_PD_UNCONFIGURED_GOOD &&
	    pd->state != HBAMGR_PD_HOTSPARE)
		return HBAMGR_ST_INVALID_STATE;
	for (v = 0; v < FW_MAX_VDS; v++) {
		vd = fw_vd_get(s, v);
		if (!vd || !vd_rebuildable(vd) || !pd_fits(pd, vd))
			continue;
		for (i = 0; i < vd->num_pds; i++) {
			if (!member_lost(&s->pd[vd->pd_ids[i]]))
				continue;
			if (vd_busy(s, vd->id, false))
				return HBAMGR_ST_BUSY;
			return replace_member(s, vd, i, pd);
		}
	}
	return HBAMGR_ST_INVALID_STATE;
}

void fw_start_auto_rebuild(struct fw_store *s, struct fw_vd *vd)
{
	u32 i, p;

	hba_mutex_assert_held(&s->lock);
	for (i = 0; i < vd->num_pds && vd_rebuildable(vd); i++) {
		struct fw_pd *old = &s->pd[vd->pd_ids[i]];

		if (old->state != HBAMGR_PD_FAILED &&
		    old->state != HBAMGR_PD_MISSING)
			continue;
		for (p = 0; p < FW_MAX_PDS; p++) {
			struct fw_pd *spare = &s->pd[p];

			if (!spare->present ||
			    spare->state != HBAMGR_PD_HOTSPARE ||
			    !pd_fits(spare, vd))
				continue;
			/* Rebuild takes precedence over init and CC. */
			fw_bgop_abort_vd_checks(s, vd->id);
			replace_member(s, vd, i, spare);
			break;
		}
	}
}

int fw_bgop_start(struct fw_store *s, u8 type, u16 target)
{
	struct fw_vd *vd;

	hba_mutex_assert_held(&s->lock);
	switch (type) {
	case HBAMGR_BGOP_REBUILD:
		return rebuild_start(s, target);
	case HBAMGR_BGOP_INIT:
	case HBAMGR_BGOP_CC:
		vd = fw_vd_get(s, target);
		if (!vd)
			return HBAMGR_ST_NO_DEVICE;
		if (type == HBAMGR_BGOP_CC && vd->level == 0)
			return HBAMGR_ST_INVALID_PARAM;
		if (vd->state != HBAMGR_VD_OPTIMAL)
			return HBAMGR_ST_INVALID_STATE;
		if (vd_busy(s, vd->id, true))
			return HBAMGR_ST_BUSY;
		return bgop_begin(s, type, target, target);
	case HBAMGR_BGOP_PATROL:
		if (target != HBAMGR_ID_NONE)
			return HBAMGR_ST_INVALID_PARAM;
		if (fw_bgop_find_running(s, type, target))
			return HBAMGR_ST_BUSY;
		return bgop_begin(s, type, target, HBAMGR_ID_NONE);
	default:
		return HBAMGR_ST_INVALID_PARAM;
	}
}

/* End a running op; a rebuild target that did not finish goes OFFLINE. */
static void bgop_end(struct fw_store *s, struct fw_bgop *op, u8 state)
{
	struct fw_pd *pd = op->type == HBAMGR_BGOP_REBUILD ?
			   fw_pd_get(s, op->target) : NULL;
	struct fw_vd *vd = fw_vd_get(s, op->vd_id);

	op->state = state;
	if (state == HBAMGR_BGOP_DONE) {
		op->pos = op->total;
		if (op->type == HBAMGR_BGOP_PATROL)
			s->patrol_runs++;
		bgop_event(s, op, HBAMGR_EVT_BGOP_DONE, op->errors ?
			   HBAMGR_SEV_WARNING : HBAMGR_SEV_INFO,
			   (u32)min_t(u64, op->errors, 0xffffffffu), "done");
	} else {
		bgop_event(s, op, HBAMGR_EVT_BGOP_ABORTED,
			   state == HBAMGR_BGOP_FAILED ? HBAMGR_SEV_CRITICAL :
			   HBAMGR_SEV_WARNING, 0,
			   state == HBAMGR_BGOP_FAILED ? "failed" : "aborted");
	}
	if (!pd || pd->state != HBAMGR_PD_REBUILD || pd->vd_id != op->vd_id)
		return;
	if (state == HBAMGR_BGOP_DONE)
		pd->stale = false;
	fw_pd_set_state(s, pd, state == HBAMGR_BGOP_DONE ? HBAMGR_PD_ONLINE :
			HBAMGR_PD_OFFLINE);
	if (vd)
		fw_vd_update_state(s, vd);
}

void fw_bgop_abort_vd_checks(struct fw_store *s, u16 vd_id)
{
	u32 i;

	for (i = 0; i < FW_MAX_BGOPS; i++) {
		struct fw_bgop *op = &s->bgop[i];

		if (op->used && op->state == HBAMGR_BGOP_RUNNING &&
		    op->vd_id == vd_id && op->type != HBAMGR_BGOP_REBUILD)
			bgop_end(s, op, HBAMGR_BGOP_ABORTED);
	}
}

int fw_bgop_stop(struct fw_store *s, u8 type, u16 target)
{
	struct fw_bgop *op;

	hba_mutex_assert_held(&s->lock);
	if (type < HBAMGR_BGOP_REBUILD || type > HBAMGR_BGOP_PATROL)
		return HBAMGR_ST_INVALID_PARAM;
	op = fw_bgop_find_running(s, type, target);
	if (!op)
		return HBAMGR_ST_INVALID_STATE;
	bgop_end(s, op, HBAMGR_BGOP_ABORTED);
	return HBAMGR_ST_OK;
}

static bool bgop_still_valid(struct fw_store *s, const struct fw_bgop *op)
{
	struct fw_vd *vd = fw_vd_get(s, op->vd_id);
	struct fw_pd *pd;

	switch (op->type) {
	case HBAMGR_BGOP_REBUILD:
		pd = fw_pd_get(s, op->target);
		return vd && pd && pd->vd_id == vd->id &&
		       pd->state == HBAMGR_PD_REBUILD &&
		       vd->state != HBAMGR_VD_OFFLINE;
	case HBAMGR_BGOP_INIT:
		return vd && vd->state != HBAMGR_VD_OFFLINE;
	case HBAMGR_BGOP_CC:
		return vd && vd->state == HBAMGR_VD_OPTIMAL;
	default:
		return true;
	}
}

void fw_bgop_revalidate(struct fw_store *s)
{
	u32 i;

	hba_mutex_assert_held(&s->lock);
	for (i = 0; i < FW_MAX_BGOPS; i++) {
		struct fw_bgop *op = &s->bgop[i];

		if (op->used && op->state == HBAMGR_BGOP_RUNNING &&
		    !bgop_still_valid(s, op))
			bgop_end(s, op, HBAMGR_BGOP_ABORTED);
	}
}

static int member_index(const struct fw_vd *vd, u16 pd_id)
{
	u32 i;

	for (i = 0; i < vd->num_pds; i++)
		if (vd->pd_ids[i] == pd_id)
			return i;
	return -1;
}

/* Patrol: find the PD and offset of byte pos of all PDs in id order. */
static struct fw_pd *patrol_locate(struct fw_store *s, u64 pos, u64 *off)
{
	u32 i;

	for (i = 0; i < FW_MAX_PDS; i++) {
		if (!s->pd[i].present)
			continue;
		if (pos < s->pd[i].media.size) {
			*off = pos;
			return &s->pd[i];
		}
		pos -= s->pd[i].media.size;
	}
	return NULL;
}

/*
 * Patrol one segment of one PD: read it; a media error is counted and, on a
 * member of a VD with redundancy left, repaired from the other members.
 */
static u32 patrol_step(struct fw_store *s, struct fw_bgop *op)
{
	struct fw_pd *pd;
	struct fw_vd *vd;
	u64 off, bad;
	u32 n;
	int idx;

	pd = patrol_locate(s, op->pos, &off);
	if (!pd)
		return (u32)min_t(u64, op->total - op->pos, FW_SEG_MAX);
	n = (u32)min_t(u64, pd->media.size - off, FW_SEG_MAX);
	vd = fw_vd_get(s, pd->vd_id);
	if (vd && off < vd->member_bytes) {
		u32 strip = vd->strip_kb << 10;

		n = min_t(u32, n, strip - off % strip);
		n = (u32)min_t(u64, n, vd->member_bytes - off);
	}
	if (pd->state == HBAMGR_PD_MISSING || pd->state == HBAMGR_PD_FAILED)
		return n;
	if (fw_pd_read(s, pd, off, s->scratch, n, &bad) != FW_IO_MEDIUM)
		return n;
	op->errors++;
	idx = vd ? member_index(vd, pd->id) : -1;
	if (idx >= 0 && off < vd->member_bytes &&
	    pd->state == HBAMGR_PD_ONLINE && vd_rebuildable(vd))
		fw_raid_rebuild_segment(s, vd, idx, off, n);
	return n;
}

/*
 * Nothing to do for rebuild, init or CC where no member ever stored a byte
 * and no member has a bad block: data and parity are all zeros, consistent.
 */
static bool vd_segment_untouched(struct fw_store *s, const struct fw_vd *vd,
				 u64 off, u32 len)
{
	u32 i;
	u64 bad;

	for (i = 0; i < vd->num_pds; i++) {
		const struct fw_pd *pd = &s->pd[vd->pd_ids[i]];

		if (!fw_media_is_hole(&pd->media, off, len) ||
		    fw_pd_bad_in_range(pd, off / pd->lbs, len / pd->lbs, &bad))
			return false;
	}
	return true;
}

/* One segment of a VD operation: returns bytes done, or 0 to stop. */
static u32 vd_step(struct fw_store *s, struct fw_bgop *op)
{
	struct fw_vd *vd = fw_vd_get(s, op->vd_id);
	u32 strip = vd->strip_kb << 10, nd;
	u32 n = (u32)min_t(u64, FW_SEG_MAX, op->total - op->pos);
	u64 lba;
	int rc, idx;

	n = min_t(u32, n, strip - op->pos % strip);
	if (vd_segment_untouched(s, vd, op->pos, n))
		return n;
	switch (op->type) {
	case HBAMGR_BGOP_REBUILD:
		idx = member_index(vd, op->target);
		rc = idx < 0 ? FW_IO_OFFLINE :
		     fw_raid_rebuild_segment(s, vd, idx, op->pos, n);
		break;
	case HBAMGR_BGOP_INIT:
		rc = fw_raid_init_segment(s, vd, op->pos, n);
		break;
	default:
		rc = fw_raid_check_segment(s, vd, op->pos, n);
		if (rc <= 0) {
			rc = -rc;
			break;
		}
		op->errors += rc;
		rc = FW_IO_OK;
		if (op->errors > FW_BGOP_MAX_INCONSISTENT_EVENTS)
			break;
		/* First VD block of the row holding the segment. */
		nd = fw_raid_data_members(vd->level, vd->num_pds);
		lba = (op->pos / strip) * strip * nd / vd->lbs +
		      op->pos % strip / vd->lbs;
		fw_emit(s, HBAMGR_EVT_BGOP_INCONSISTENT, HBAMGR_EVC_BGOP,
			HBAMGR_SEV_WARNING, HBAMGR_ID_NONE, HBAMGR_ID_NONE,
			HBAMGR_ID_NONE, vd->id, (u32)lba, (u32)(lba >> 32),
			"VD %u inconsistent near LBA %llu, fixed", vd->id,
			(unsigned long long)lba);
		break;
	}
	if (rc == FW_IO_MEDIUM) {
		op->errors++;	/* unrecoverable: the segment is lost */
		return n;
	}
	return rc ? 0 : n;
}

static void bgop_advance(struct fw_store *s, struct fw_bgop *op, u64 budget)
{
	u32 pm, n;

	while (budget && op->pos < op->total) {
		n = op->type == HBAMGR_BGOP_PATROL ? patrol_step(s, op) :
						      vd_step(s, op);
		if (!n) {
			bgop_end(s, op, HBAMGR_BGOP_FAILED);
			return;
		}
		op->pos += n;
		budget -= min_t(u64, budget, n);
		pm = (u32)(op->pos * 1000 / op->total);
		if (pm < 1000 && pm >= op->reported_pm + 100) {
			op->reported_pm = pm - pm % 100;
			bgop_event(s, op, HBAMGR_EVT_BGOP_PROGRESS,
				   HBAMGR_SEV_INFO, op->reported_pm,
				   "in progress");
		}
	}
	if (op->pos >= op->total)
		bgop_end(s, op, HBAMGR_BGOP_DONE);
}

void fw_bgop_tick(struct fw_store *s, u32 elapsed_ms)
{
	u64 rate = s->cfg.bgop_rate_mb_s ?: FW_BGOP_RATE_DEFAULT;
	u64 per_ms = (rate << 20) * s->rebuild_rate / 100 / 1000;
	u64 budget = per_ms * min_t(u32, elapsed_ms, FW_BGOP_MAX_TICK_MS);
	u32 i;

	hba_mutex_assert_held(&s->lock);
	fw_bgop_revalidate(s);
	if (s->patrol_enabled &&
	    !fw_bgop_find_running(s, HBAMGR_BGOP_PATROL, HBAMGR_ID_NONE)) {
		s->patrol_idle_ms += elapsed_ms;
		if (s->patrol_idle_ms >= FW_PATROL_INTERVAL_MS &&
		    fw_bgop_start(s, HBAMGR_BGOP_PATROL, HBAMGR_ID_NONE) ==
		    HBAMGR_ST_OK)
			s->patrol_idle_ms = 0;
	}
	for (i = 0; i < FW_MAX_BGOPS; i++) {
		struct fw_bgop *op = &s->bgop[i];

		if (op->used && op->state == HBAMGR_BGOP_RUNNING)
			bgop_advance(s, op, budget);
	}
}
