// SPDX-License-Identifier: GPL-2.0
/*
 * Management opcodes (HBAMGR_PT_MGMT frames) of the simulated firmware:
 * controller info and properties, enclosure/PD/VD/bgop lists, PD state and
 * locate, VD create/delete, bgop start/stop.  Every field of the frame is
 * validated; failures return an enum hbamgr_status and say why in the
 * reply's reason (enum hbamgr_reason: the field or object refused).  List
 * opcodes write as many whole records as fit; when not all fit the status
 * is NO_SPACE with resid_needed = bytes for all of them, result = records
 * written.
 */
#include "store_internal.h"

#define FW_CTRL_TEMP_C		45
#define FW_CTRL_MEMORY_MB	4096

/* Member counts of each RAID level VD_CREATE accepts. */
static const struct fw_raid_rule {
	u8 level;
	u8 min_pds;
	u8 max_pds;
	bool even;		/* mirrored pairs */
} fw_raid_rules[] = {
	{ 0, 1, HBAMGR_VD_MAX_PDS, false },
	{ 1, 2, 2, false },
	{ 5, 3, HBAMGR_VD_MAX_PDS, false },
	{ 6, 4, HBAMGR_VD_MAX_PDS, false },
	{ 10, 4, HBAMGR_VD_MAX_PDS, true },
};

/* Records why a frame is refused (why may be NULL); returns status. */
static int refuse(struct hba_reason *why, int status, u16 code, u16 id,
		  u64 value, u64 limit)
{
	if (why) {
		why->code = code;
		why->id = id;
		why->pad = 0;
		why->value = value;
		why->limit = limit;
	}
	return status;
}

/* Offset of the first non-zero byte of p[0..len), or len when none. */
static size_t first_nonzero(const void *p, size_t len)
{
	const u8 *b = p;
	size_t i;

	for (i = 0; i < len && !b[i]; i++)
		;
	return i;
}

/*
 * INVALID_PARAM naming the first non-zero byte of a field that must be
 * zero, at byte offset base of the parameter block (or data); OK when the
 * field is all zero.
 */
static int check_zero(struct hba_reason *why, const void *field, size_t len,
		      size_t base)
{
	size_t i = first_nonzero(field, len);

	if (i == len)
		return HBAMGR_ST_OK;
	return refuse(why, HBAMGR_ST_INVALID_PARAM, HBAMGR_RSN_FIELD,
		      (u16)(base + i), ((const u8 *)field)[i], 0);
}

#define CHECK_ZERO(why, type, obj, field) \
	check_zero(why, &(obj).field, sizeof((obj).field), \
		   offsetof(type, field))

/* Bytes the frame's buffer can hold: data_len, bounded by the SGL. */
static u32 frame_capacity(const struct hba_req_frame *f,
			  const struct hba_sge *sgl, u32 sge_count)
{
	u64 sum = 0;
	u32 i;

	for (i = 0; i < sge_count; i++)
		sum += sgl[i].len;
	return (u32)min_t(u64, sum, f->data_len);
}

/* Accumulates list records into the frame's buffer. */
struct list_out {
	const struct hba_sge *sgl;
	u32 sge_count;
	u32 cap;
	u32 written;	/* records */
	u32 needed;	/* bytes */
};

static void list_put(struct list_out *o, const void *rec, u32 size)
{
	if (o->needed + size <= o->cap) {
		fw_sgl_copy_to(o->sgl, o->sge_count, o->needed, rec, size);
		o->written++;
	}
	o->needed += size;
}

static void list_finish(const struct list_out *o, u32 size,
			struct hba_reply_frame *r)
{
	r->result = o->written;
	r->transfer_count = o->written * size;
	if (o->needed > o->cap) {
		r->status = HBAMGR_ST_NO_SPACE;
		r->resid_needed = o->needed;
	}
}

static void ctrl_get_info(struct fw_store *s, struct list_out *o,
			  struct hba_reply_frame *r)
{
	struct hbamgr_ctrl_info ci;
	u32 i;

	memset(&ci, 0, sizeof(ci));
	memcpy(ci.model, s->model, sizeof(ci.model));
	memcpy(ci.serial, s->serial, sizeof(ci.serial));
	memcpy(ci.fw_version, s->fw_version, sizeof(ci.fw_version));
	ci.sas_address = s->sas_address;
	ci.num_enclosures = s->cfg.num_enclosures;
	ci.num_pds = s->cfg.num_drives;
	for (i = 0; i < FW_MAX_VDS; i++)
		ci.num_vds += s->vd[i].used;
	ci.max_vds = FW_MAX_VDS;
	ci.temperature_c = FW_CTRL_TEMP_C;
	ci.rebuild_rate = s->rebuild_rate;
	ci.patrol_enabled = s->patrol_enabled;
	ci.memory_mb = FW_CTRL_MEMORY_MB;
	ci.fw_uptime_s = (hba_now_ns() - s->created_ns) / 1000000000ULL;
	list_put(o, &ci, sizeof(ci));
	list_finish(o, sizeof(ci), r);
	r->result = 0;
}

static int ctrl_set_props(struct fw_store *s, const u8 *cdb,
			  struct hba_reason *why)
{
	struct hbamgr_mbox_ctrl_props p;
	int st;

	memcpy(&p, cdb, sizeof(p));
	st = CHECK_ZERO(why, struct hbamgr_mbox_ctrl_props, p, pad);
	if (st)
		return st;
	if (p.rebuild_rate > 100)
		return refuse(why, HBAMGR_ST_INVALID_PARAM, HBAMGR_RSN_FIELD,
			      offsetof(struct hbamgr_mbox_ctrl_props,
				       rebuild_rate), p.rebuild_rate, 100);
	if (p.patrol_enabled > 2)
		return refuse(why, HBAMGR_ST_INVALID_PARAM, HBAMGR_RSN_FIELD,
			      offsetof(struct hbamgr_mbox_ctrl_props,
				       patrol_enabled), p.patrol_enabled, 2);
	if (p.rebuild_rate)
		s->rebuild_rate = p.rebuild_rate;
	if (p.patrol_enabled != 2)
		s->patrol_enabled = p.patrol_enabled;
	return HBAMGR_ST_OK;
}

static void encl_list(struct fw_store *s, struct list_out *o,
		      struct hba_reply_frame *r)
{
	struct hbamgr_encl_info e;
	u32 i;

	for (i = 0; i < s->cfg.num_enclosures; i++) {
		memset(&e, 0, sizeof(e));
		e.encl_id = i;
		e.num_slots = s->cfg.slots_per_enclosure;
		e.link_up = s->encl[i].link_up;
		memcpy(e.vendor, FW_IDENT_VENDOR, strlen(FW_IDENT_VENDOR));
		memcpy(e.product, FW_IDENT_ENCL_PRODUCT,
		       strlen(FW_IDENT_ENCL_PRODUCT));
		e.temperature_c = s->encl[i].temperature_c;
		list_put(o, &e, sizeof(e));
	}
	list_finish(o, sizeof(e), r);
}

static void pd_info_fill(const struct fw_pd *pd, struct hbamgr_pd_info *pi)
{
	memset(pi, 0, sizeof(*pi));
	pi->pd_id = pd->id;
	pi->encl_id = pd->encl;
	pi->slot = pd->slot;
	pi->vd_id = pd->vd_id;
	pi->state = pd->state;
	pi->interface = pd->interface;
	pi->media_ssd = pd->ssd;
	pi->locate_on = pd->locate_on;
	pi->logical_block_size = pd->lbs;
	pi->physical_block_size = pd->pbs;
	pi->num_blocks = pd->num_blocks;
	memcpy(pi->vendor, pd->vendor, min_t(size_t, sizeof(pi->vendor),
					     strlen(pd->vendor)));
	memcpy(pi->model, pd->model, sizeof(pi->model));
	memcpy(pi->serial, pd->serial, sizeof(pi->serial));
	memcpy(pi->fw_rev, pd->fw_rev, min_t(size_t, sizeof(pi->fw_rev),
					     strlen(pd->fw_rev)));
	pi->sas_address = pd->sas_address;
	pi->temperature_c = pd->temperature_c;
	pi->media_errors = pd->media_errors;
	pi->other_errors = pd->other_errors;
	pi->predictive_failures = pd->predictive_failures;
	pi->rotation_rpm = pd->rpm;
	pi->power_on_hours = pd->power_on_hours;
}

static void pd_list(struct fw_store *s, struct list_out *o,
		    struct hba_reply_frame *r)
{
	struct hbamgr_pd_info pi;
	u32 i;

	for (i = 0; i < FW_MAX_PDS; i++) {
		if (!s->pd[i].present)
			continue;
		pd_info_fill(&s->pd[i], &pi);
		list_put(o, &pi, sizeof(pi));
	}
	list_finish(o, sizeof(pi), r);
}

static void vd_list(struct fw_store *s, struct list_out *o,
		    struct hba_reply_frame *r)
{
	struct hbamgr_vd_info vi;
	u32 i;

	for (i = 0; i < FW_MAX_VDS; i++) {
		const struct fw_vd *vd = &s->vd[i];

		if (!vd->used)
			continue;
		memset(&vi, 0, sizeof(vi));
		vi.vd_id = vd->id;
		vi.raid_level = vd->level;
		vi.state = vd->state;
		vi.strip_kb = vd->strip_kb;
		vi.num_blocks = vd->num_blocks;
		vi.logical_block_size = vd->lbs;
		vi.num_pds = vd->num_pds;
		memcpy(vi.pd_ids, vd->pd_ids, sizeof(vi.pd_ids));
		memcpy(vi.name, vd->name, sizeof(vi.name));
		list_put(o, &vi, sizeof(vi));
	}
	list_finish(o, sizeof(vi), r);
}

static void bgop_list(struct fw_store *s, struct list_out *o,
		      struct hba_reply_frame *r)
{
	struct hbamgr_bgop_info bi;
	u32 i;

	for (i = 0; i < FW_MAX_BGOPS; i++) {
		const struct fw_bgop *op = &s->bgop[i];

		if (!op->used)
			continue;
		memset(&bi, 0, sizeof(bi));
		bi.type = op->type;
		bi.state = op->state;
		bi.target = op->target;
		bi.progress_pm = op->total ?
				 (u32)(op->pos * 1000 / op->total) : 1000;
		bi.started_ns = op->started_ns;
		bi.errors = op->errors;
		list_put(o, &bi, sizeof(bi));
	}
	list_finish(o, sizeof(bi), r);
}

/* NO_DEVICE naming a PD id that is not there. */
static int pd_missing(struct hba_reason *why, u16 pd_id)
{
	return refuse(why, HBAMGR_ST_NO_DEVICE, HBAMGR_RSN_PD_MISSING, pd_id,
		      0, 0);
}

/* INVALID_STATE: the PD's state does not allow the operation. */
static int pd_wrong_state(struct hba_reason *why, const struct fw_pd *pd)
{
	return refuse(why, HBAMGR_ST_INVALID_STATE, HBAMGR_RSN_PD_STATE,
		      pd->id, pd->state, pd->vd_id);
}

static int pd_set_state(struct fw_store *s, const u8 *cdb,
			struct hba_reason *why)
{
	struct hbamgr_mbox_pd_state m;
	struct fw_pd *pd;
	bool member;
	u32 i;
	int st;

	memcpy(&m, cdb, sizeof(m));
	st = CHECK_ZERO(why, struct hbamgr_mbox_pd_state, m, pad);
	if (st)
		return st;
	pd = fw_pd_get(s, m.pd_id);
	if (!pd)
		return pd_missing(why, m.pd_id);
	if (pd->state == HBAMGR_PD_MISSING || pd->state == HBAMGR_PD_REBUILD)
		return pd_wrong_state(why, pd);
	member = pd->vd_id != HBAMGR_ID_NONE;
	switch (m.state) {
	case HBAMGR_PD_ONLINE:
		/* Force a lost member back, without rebuild (storcli
		 * "set online"): its data is taken as current.
		 */
		if (!member || (pd->state != HBAMGR_PD_OFFLINE &&
				pd->state != HBAMGR_PD_FAILED))
			return pd_wrong_state(why, pd);
		pd->stale = false;
		fw_pd_set_state(s, pd, HBAMGR_PD_ONLINE);
		fw_vd_update_state(s, fw_vd_get(s, pd->vd_id));
		return HBAMGR_ST_OK;
	case HBAMGR_PD_OFFLINE:
		if (!member || pd->state != HBAMGR_PD_ONLINE)
			return pd_wrong_state(why, pd);
		fw_pd_set_state(s, pd, HBAMGR_PD_OFFLINE);
		fw_pd_lost(s, pd);
		return HBAMGR_ST_OK;
	case HBAMGR_PD_UNCONFIGURED_GOOD:
		if (member)
			return pd_wrong_state(why, pd);
		fw_pd_set_state(s, pd, HBAMGR_PD_UNCONFIGURED_GOOD);
		return HBAMGR_ST_OK;
	case HBAMGR_PD_HOTSPARE:
		if (member || pd->state != HBAMGR_PD_UNCONFIGURED_GOOD)
			return pd_wrong_state(why, pd);
		fw_pd_set_state(s, pd, HBAMGR_PD_HOTSPARE);
		for (i = 0; i < FW_MAX_VDS; i++)
			if (s->vd[i].used)
				fw_start_auto_rebuild(s, &s->vd[i]);
		return HBAMGR_ST_OK;
	default:
		return refuse(why, HBAMGR_ST_INVALID_PARAM, HBAMGR_RSN_FIELD,
			      offsetof(struct hbamgr_mbox_pd_state, state),
			      m.state, 0);
	}
}

static int pd_locate(struct fw_store *s, const u8 *cdb,
		     struct hba_reason *why)
{
	struct hbamgr_mbox_pd_locate m;
	struct fw_pd *pd;
	int st;

	memcpy(&m, cdb, sizeof(m));
	st = CHECK_ZERO(why, struct hbamgr_mbox_pd_locate, m, pad);
	if (st)
		return st;
	if (m.on > 1)
		return refuse(why, HBAMGR_ST_INVALID_PARAM, HBAMGR_RSN_FIELD,
			      offsetof(struct hbamgr_mbox_pd_locate, on), m.on,
			      1);
	pd = fw_pd_get(s, m.pd_id);
	if (!pd)
		return pd_missing(why, m.pd_id);
	pd->locate_on = m.on;
	fw_emit(s, HBAMGR_EVT_PD_LOCATE, HBAMGR_EVC_PD, HBAMGR_SEV_INFO,
		pd->encl, pd->slot, pd->id, pd->vd_id, m.on, 0,
		"PD %u:%u locate %s", pd->encl, pd->slot, m.on ? "on" : "off");
	return HBAMGR_ST_OK;
}

int fw_raid_check_members(u8 level, u32 num_pds, struct hba_reason *why)
{
	const struct fw_raid_rule *rule = NULL;
	u64 levels = 0;
	u32 i;

	for (i = 0; i < ARRAY_SIZE(fw_raid_rules); i++) {
		levels |= 1ULL << fw_raid_rules[i].level;
		if (fw_raid_rules[i].level == level)
			rule = &fw_raid_rules[i];
	}
	if (!rule)
		return refuse(why, HBAMGR_ST_INVALID_PARAM,
			      HBAMGR_RSN_RAID_LEVEL, 0, level, levels);
	if (num_pds < rule->min_pds)
		return refuse(why, HBAMGR_ST_INVALID_PARAM,
			      HBAMGR_RSN_TOO_FEW_PDS, level, num_pds,
			      rule->min_pds);
	if (num_pds > rule->max_pds)
		return refuse(why, HBAMGR_ST_INVALID_PARAM,
			      HBAMGR_RSN_TOO_MANY_PDS, level, num_pds,
			      rule->max_pds);
	if (rule->even && (num_pds & 1))
		return refuse(why, HBAMGR_ST_INVALID_PARAM, HBAMGR_RSN_ODD_PDS,
			      level, num_pds, 0);
	return HBAMGR_ST_OK;
}

/*
 * Names are printable ASCII, NUL-padded, with at least the last byte NUL
 * (HBAMGR_VD_NAME_LEN - 1 characters at most).
 */
static int check_name(const char *name, struct hba_reason *why)
{
	size_t i, len = strnlen(name, HBAMGR_VD_NAME_LEN);

	if (len == HBAMGR_VD_NAME_LEN)
		len--;		/* the last byte must be the NUL */
	for (i = 0; i < HBAMGR_VD_NAME_LEN; i++) {
		u8 c = name[i];

		if (i < len ? c < 0x20 || c > 0x7e : c != 0)
			return refuse(why, HBAMGR_ST_INVALID_PARAM,
				      HBAMGR_RSN_NAME, i, c, 0);
	}
	return HBAMGR_ST_OK;
}

/* INVALID_PARAM unless strip_kb is a power of two in the allowed range. */
static int check_strip(u32 strip_kb, struct hba_reason *why)
{
	if (strip_kb < HBAMGR_STRIP_KB_MIN || strip_kb > HBAMGR_STRIP_KB_MAX ||
	    (strip_kb & (strip_kb - 1)))
		return refuse(why, HBAMGR_ST_INVALID_PARAM,
			      HBAMGR_RSN_STRIP_SIZE, 0, strip_kb,
			      HBAMGR_STRIP_KB_MAX);
	return HBAMGR_ST_OK;
}

int fw_vd_create_locked(struct fw_store *s, u8 level, u32 strip_kb,
			u64 num_blocks, const u16 *pd_ids, u32 num_pds,
			const char *name, u16 *vd_id, struct hba_reason *why)
{
	u64 min_bytes = ~0ULL, row_bytes, max_blocks, rows;
	struct fw_pd *first = NULL;
	struct fw_vd *vd = NULL;
	u32 i, j, nd, strip;
	int st;

	hba_mutex_assert_held(&s->lock);
	st = fw_raid_check_members(level, num_pds, why);
	if (st)
		return st;
	if (!strip_kb)
		strip_kb = HBAMGR_STRIP_KB_DEFAULT;
	st = check_strip(strip_kb, why);
	if (st)
		return st;
	for (i = 0; i < num_pds; i++) {
		struct fw_pd *pd = fw_pd_get(s, pd_ids[i]);

		if (!pd)
			return pd_missing(why, pd_ids[i]);
		for (j = 0; j < i; j++)
			if (pd_ids[j] == pd_ids[i])
				return refuse(why, HBAMGR_ST_INVALID_PARAM,
					      HBAMGR_RSN_PD_REPEATED,
					      pd_ids[i], 0, 0);
		if (pd->state != HBAMGR_PD_UNCONFIGURED_GOOD ||
		    pd->vd_id != HBAMGR_ID_NONE)
			return pd_wrong_state(why, pd);
		if (first && pd->lbs != first->lbs)
			return refuse(why, HBAMGR_ST_INVALID_PARAM,
				      HBAMGR_RSN_BLOCK_SIZE, pd->id, pd->lbs,
				      first->lbs);
		if (!first)
			first = pd;
		min_bytes = min_t(u64, min_bytes, pd->media.size);
	}
	for (i = 0; i < FW_MAX_VDS && !vd; i++)
		if (!s->vd[i].used)
			vd = &s->vd[i];
	if (!vd)
		return refuse(why, HBAMGR_ST_INVALID_STATE, HBAMGR_RSN_VD_COUNT,
			      0, 0, FW_MAX_VDS);
	strip = strip_kb << 10;
	nd = fw_raid_data_members(level, num_pds);
	row_bytes = (u64)strip * nd;
	max_blocks = min_bytes / strip * row_bytes / first->lbs;
	if (!num_blocks)
		num_blocks = max_blocks;
	if (!num_blocks || num_blocks > max_blocks)
		return refuse(why, HBAMGR_ST_INVALID_PARAM, HBAMGR_RSN_VD_SIZE,
			      0, num_blocks, max_blocks);
	rows = (num_blocks * first->lbs + row_bytes - 1) / row_bytes;

	memset(vd, 0, sizeof(*vd));
	vd->used = true;
	vd->id = vd - s->vd;
	vd->level = level;
	vd->strip_kb = strip_kb;
	vd->lbs = first->lbs;
	vd->num_blocks = num_blocks;
	vd->member_bytes = rows * strip;
	vd->num_pds = num_pds;
	vd->write_cache = true;
	memcpy(vd->pd_ids, pd_ids, num_pds * sizeof(*pd_ids));
	memcpy(vd->name, name, strnlen(name, sizeof(vd->name) - 1));
	for (i = 0; i < num_pds; i++) {
		struct fw_pd *pd = &s->pd[pd_ids[i]];

		pd->vd_id = vd->id;
		pd->stale = false;
		fw_pd_set_state(s, pd, HBAMGR_PD_ONLINE);
	}
	vd->state = HBAMGR_VD_OPTIMAL;
	fw_emit(s, HBAMGR_EVT_VD_CREATED, HBAMGR_EVC_VD, HBAMGR_SEV_INFO,
		HBAMGR_ID_NONE, HBAMGR_ID_NONE, HBAMGR_ID_NONE, vd->id, level,
		0, "VD %u created: RAID%u, %u drives", vd->id, level, num_pds);
	if (vd_id)
		*vd_id = vd->id;
	return HBAMGR_ST_OK;
}

static int vd_create(struct fw_store *s, const struct hba_req_frame *f,
		     const struct hba_sge *sgl, u32 sge_count,
		     struct hba_reply_frame *r)
{
	struct hba_reason *why = &r->reason;
	struct hbamgr_vd_create c;
	u32 cap = frame_capacity(f, sgl, sge_count);
	u16 id;
	int st;

	if (f->dir != HBAMGR_DIR_TO_DEV)
		return refuse(why, HBAMGR_ST_INVALID_PARAM,
			      HBAMGR_RSN_DIRECTION, 0, f->dir, 0);
	if (cap < sizeof(c))
		return refuse(why, HBAMGR_ST_INVALID_PARAM, HBAMGR_RSN_DATA_LEN,
			      0, cap, sizeof(c));
	fw_sgl_copy_from(sgl, sge_count, 0, &c, sizeof(c));
	st = CHECK_ZERO(why, struct hbamgr_vd_create, c, pad);
	if (!st)
		st = CHECK_ZERO(why, struct hbamgr_vd_create, c, reserved);
	if (st)
		return st;
	if (c.flags & ~HBAMGR_VD_CREATE_F_INIT)
		return refuse(why, HBAMGR_ST_INVALID_PARAM, HBAMGR_RSN_FIELD,
			      offsetof(struct hbamgr_vd_create, flags), c.flags,
			      HBAMGR_VD_CREATE_F_INIT);
	if (c.num_pds > HBAMGR_VD_MAX_PDS)
		return refuse(why, HBAMGR_ST_INVALID_PARAM,
			      HBAMGR_RSN_TOO_MANY_PDS, c.raid_level,
			      c.num_pds, HBAMGR_VD_MAX_PDS);
	st = check_zero(why, &c.pd_ids[c.num_pds],
			(HBAMGR_VD_MAX_PDS - c.num_pds) * sizeof(u16),
			offsetof(struct hbamgr_vd_create, pd_ids) +
			c.num_pds * sizeof(u16));
	if (!st)
		st = check_name(c.name, why);
	if (!st)
		st = fw_vd_create_locked(s, c.raid_level, c.strip_kb,
					 c.num_blocks, c.pd_ids, c.num_pds,
					 c.name, &id, why);
	if (st)
		return st;
	r->result = id;
	if (c.flags & HBAMGR_VD_CREATE_F_INIT)
		return fw_bgop_start(s, HBAMGR_BGOP_INIT, id);
	return HBAMGR_ST_OK;
}

static int vd_delete(struct fw_store *s, const u8 *cdb,
		     struct hba_reason *why)
{
	struct hbamgr_mbox_vd_delete m;
	struct fw_vd *vd;
	u32 i;
	int st;

	memcpy(&m, cdb, sizeof(m));
	st = CHECK_ZERO(why, struct hbamgr_mbox_vd_delete, m, pad);
	if (st)
		return st;
	vd = fw_vd_get(s, m.vd_id);
	if (!vd)
		return refuse(why, HBAMGR_ST_NO_DEVICE, HBAMGR_RSN_VD_MISSING,
			      m.vd_id, 0, 0);
	for (i = 0; i < vd->num_pds; i++) {
		struct fw_pd *pd = &s->pd[vd->pd_ids[i]];

		pd->vd_id = HBAMGR_ID_NONE;
		if (pd->state == HBAMGR_PD_MISSING)
			pd->state_before_missing = HBAMGR_PD_UNCONFIGURED_GOOD;
		else
			fw_pd_set_state(s, pd, pd->state == HBAMGR_PD_FAILED ?
					HBAMGR_PD_UNCONFIGURED_BAD :
					HBAMGR_PD_UNCONFIGURED_GOOD);
	}
	vd->used = false;
	fw_emit(s, HBAMGR_EVT_VD_DELETED, HBAMGR_EVC_VD, HBAMGR_SEV_INFO,
		HBAMGR_ID_NONE, HBAMGR_ID_NONE, HBAMGR_ID_NONE, vd->id, 0, 0,
		"VD %u deleted", vd->id);
	fw_bgop_revalidate(s);
	return HBAMGR_ST_OK;
}

static int bgop_mbox(struct fw_store *s, const u8 *cdb, bool start,
		     struct hba_reason *why)
{
	struct hbamgr_mbox_bgop m;
	int st;

	memcpy(&m, cdb, sizeof(m));
	st = CHECK_ZERO(why, struct hbamgr_mbox_bgop, m, pad0);
	if (!st)
		st = CHECK_ZERO(why, struct hbamgr_mbox_bgop, m, pad);
	if (st)
		return st;
	return start ? fw_bgop_start(s, m.type, m.target) :
		       fw_bgop_stop(s, m.type, m.target);
}

void fw_mgmt_exec(struct fw_store *s, const struct hba_req_frame *f,
		  const struct hba_sge *sgl, u32 sge_count,
		  struct hba_reply_frame *r)
{
	struct list_out o = {
		.sgl = sgl,
		.sge_count = sge_count,
		.cap = frame_capacity(f, sgl, sge_count),
	};

	hba_mutex_assert_held(&s->lock);
	r->status = HBAMGR_ST_OK;
	r->transfer_count = 0;
	r->result = 0;
	r->resid_needed = 0;
	memset(&r->reason, 0, sizeof(r->reason));
	switch (f->opcode) {
	case HBAMGR_MGMT_CTRL_GET_INFO:
	case HBAMGR_MGMT_ENCL_LIST:
	case HBAMGR_MGMT_PD_LIST:
	case HBAMGR_MGMT_VD_LIST:
	case HBAMGR_MGMT_BGOP_LIST:
		if (f->dir == HBAMGR_DIR_TO_DEV)
			r->status = refuse(&r->reason, HBAMGR_ST_INVALID_PARAM,
					   HBAMGR_RSN_DIRECTION, 0, f->dir, 0);
		else
			r->status = check_zero(&r->reason, f->cdb,
					       sizeof(f->cdb), 0);
		if (r->status)
			return;
		break;
	default:
		break;
	}
	switch (f->opcode) {
	case HBAMGR_MGMT_CTRL_GET_INFO:
		ctrl_get_info(s, &o, r);
		break;
	case HBAMGR_MGMT_CTRL_SET_PROPS:
		r->status = ctrl_set_props(s, f->cdb, &r->reason);
		break;
	case HBAMGR_MGMT_ENCL_LIST:
		encl_list(s, &o, r);
		break;
	case HBAMGR_MGMT_PD_LIST:
		pd_list(s, &o, r);
		break;
	case HBAMGR_MGMT_PD_SET_STATE:
		r->status = pd_set_state(s, f->cdb, &r->reason);
		break;
	case HBAMGR_MGMT_PD_LOCATE:
		r->status = pd_locate(s, f->cdb, &r->reason);
		break;
	case HBAMGR_MGMT_VD_LIST:
		vd_list(s, &o, r);
		break;
	case HBAMGR_MGMT_VD_CREATE:
		r->status = vd_create(s, f, sgl, sge_count, r);
		break;
	case HBAMGR_MGMT_VD_DELETE:
		r->status = vd_delete(s, f->cdb, &r->reason);
		break;
	case HBAMGR_MGMT_BGOP_START:
	case HBAMGR_MGMT_BGOP_STOP:
		r->status = bgop_mbox(s, f->cdb,
				      f->opcode == HBAMGR_MGMT_BGOP_START,
				      &r->reason);
		break;
	case HBAMGR_MGMT_BGOP_LIST:
		bgop_list(s, &o, r);
		break;
	default:
		r->status = HBAMGR_ST_INVALID_OPCODE;
		break;
	}
}
