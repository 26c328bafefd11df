// SPDX-License-Identifier: GPL-2.0
/*
 * Management opcodes (HBAMGR_PT_MGMT frames) of the simulated firmware:
 * controller info and properties, enclosure/PD/VD/bgop lists, PD state and
 * locate, VD create/delete, bgop start/stop.  Every field of the frame is
 * validated; failures return an enum hbamgr_status.  List opcodes write
 * as many whole records as fit; when not all fit the status is NO_SPACE
 * with resid_needed = bytes for all of them, result = records written.
 */
#include "store_internal.h"

#define FW_CTRL_TEMP_C		45
#define FW_CTRL_MEMORY_MB	4096

static bool all_zero(const void *p, size_t len)
{
	const u8 *b = p;
	size_t i;

	for (i = 0; i < len; i++)
		if (b[i])
			return false;
	return true;
}

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

static int ctrl_set_props(struct fw_store *s, const u8 *cdb)
{
	struct hbamgr_mbox_ctrl_props p;

	memcpy(&p, cdb, sizeof(p));
	if (!all_zero(p.pad, sizeof(p.pad)) || p.rebuild_rate > 100 ||
	    p.patrol_enabled > 2)
		return HBAMGR_ST_INVALID_PARAM;
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
		memcpy(e.vendor, "BROADCM", 7);
		memcpy(e.product, "VirtualSES", 10);
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

static int pd_set_state(struct fw_store *s, const u8 *cdb)
{
	struct hbamgr_mbox_pd_state m;
	struct fw_pd *pd;
	bool member;
	u32 i;

	memcpy(&m, cdb, sizeof(m));
	if (!all_zero(m.pad, sizeof(m.pad)))
		return HBAMGR_ST_INVALID_PARAM;
	pd = fw_pd_get(s, m.pd_id);
	if (!pd)
		return HBAMGR_ST_NO_DEVICE;
	if (pd->state == HBAMGR_PD_MISSING || pd->state == HBAMGR_PD_REBUILD)
		return HBAMGR_ST_INVALID_STATE;
	member = pd->vd_id != HBAMGR_ID_NONE;
	switch (m.state) {
	case HBAMGR_PD_ONLINE:
		/* Force a lost member back, without rebuild (storcli
		 * "set online"): its data is taken as current.
		 */
		if (!member || (pd->state != HBAMGR_PD_OFFLINE &&
				pd->state != HBAMGR_PD_FAILED))
			return HBAMGR_ST_INVALID_STATE;
		pd->stale = false;
		fw_pd_set_state(s, pd, HBAMGR_PD_ONLINE);
		fw_vd_update_state(s, fw_vd_get(s, pd->vd_id));
		return HBAMGR_ST_OK;
	case HBAMGR_PD_OFFLINE:
		if (!member || pd->state != HBAMGR_PD_ONLINE)
			return HBAMGR_ST_INVALID_STATE;
		fw_pd_set_state(s, pd, HBAMGR_PD_OFFLINE);
		fw_pd_lost(s, pd);
		return HBAMGR_ST_OK;
	case HBAMGR_PD_UNCONFIGURED_GOOD:
		if (member)
			return HBAMGR_ST_INVALID_STATE;
		fw_pd_set_state(s, pd, HBAMGR_PD_UNCONFIGURED_GOOD);
		return HBAMGR_ST_OK;
	case HBAMGR_PD_HOTSPARE:
		if (member || pd->state != HBAMGR_PD_UNCONFIGURED_GOOD)
			return HBAMGR_ST_INVALID_STATE;
		fw_pd_set_state(s, pd, HBAMGR_PD_HOTSPARE);
		for (i = 0; i < FW_MAX_VDS; i++)
			if (s->vd[i].used)
				fw_start_auto_rebuild(s, &s->vd[i]);
		return HBAMGR_ST_OK;
	default:
		return HBAMGR_ST_INVALID_PARAM;
	}
}

static int pd_locate(struct fw_store *s, const u8 *cdb)
{
	struct hbamgr_mbox_pd_locate m;
	struct fw_pd *pd;

	memcpy(&m, cdb, sizeof(m));
	if (!all_zero(m.pad, sizeof(m.pad)) || m.on > 1)
		return HBAMGR_ST_INVALID_PARAM;
	pd = fw_pd_get(s, m.pd_id);
	if (!pd)
		return HBAMGR_ST_NO_DEVICE;
	pd->locate_on = m.on;
	fw_emit(s, HBAMGR_EVT_PD_LOCATE, HBAMGR_EVC_PD, HBAMGR_SEV_INFO,
		pd->encl, pd->slot, pd->id, pd->vd_id, m.on, 0,
		"PD %u:%u locate %s", pd->encl, pd->slot, m.on ? "on" : "off");
	return HBAMGR_ST_OK;
}

static bool level_valid(u8 level)
{
	return level == 0 || level == 1 || level == 5 || level == 6 ||
	       level == 10;
}

static bool name_valid(const char *name, size_t size)
{
	size_t i;

	for (i = 0; i < size && name[i]; i++)
		if (name[i] < 0x20 || name[i] > 0x7e)
			return false;
	return all_zero(name + i, size - i);
}

int fw_vd_create_locked(struct fw_store *s, u8 level, u32 strip_kb,
			u64 num_blocks, const u16 *pd_ids, u32 num_pds,
			const char *name, u16 *vd_id)
{
	u64 min_bytes = ~0ULL, row_bytes, max_blocks, rows;
	struct fw_vd *vd = NULL;
	u32 i, j, lbs = 0, nd, strip;

	hba_mutex_assert_held(&s->lock);
	if (!level_valid(level) || !fw_raid_member_count_ok(level, num_pds))
		return HBAMGR_ST_INVALID_PARAM;
	if (!strip_kb)
		strip_kb = 64;
	if (strip_kb < FW_STRIP_KB_MIN || strip_kb > FW_STRIP_KB_MAX ||
	    (strip_kb & (strip_kb - 1)))
		return HBAMGR_ST_INVALID_PARAM;
	for (i = 0; i < num_pds; i++) {
		struct fw_pd *pd = fw_pd_get(s, pd_ids[i]);

		if (!pd)
			return HBAMGR_ST_NO_DEVICE;
		for (j = 0; j < i; j++)
			if (pd_ids[j] == pd_ids[i])
				return HBAMGR_ST_INVALID_PARAM;
		if (pd->state != HBAMGR_PD_UNCONFIGURED_GOOD ||
		    pd->vd_id != HBAMGR_ID_NONE)
			return HBAMGR_ST_INVALID_STATE;
		if (lbs && pd->lbs != lbs)
			return HBAMGR_ST_INVALID_PARAM;
		lbs = pd->lbs;
		min_bytes = min_t(u64, min_bytes, pd->media.size);
	}
	for (i = 0; i < FW_MAX_VDS && !vd; i++)
		if (!s->vd[i].used)
			vd = &s->vd[i];
	if (!vd)
		return HBAMGR_ST_INVALID_STATE;
	strip = strip_kb << 10;
	nd = fw_raid_data_members(level, num_pds);
	row_bytes = (u64)strip * nd;
	max_blocks = min_bytes / strip * row_bytes / lbs;
	if (!num_blocks)
		num_blocks = max_blocks;
	if (!num_blocks || num_blocks > max_blocks)
		return HBAMGR_ST_INVALID_PARAM;
	rows = (num_blocks * lbs + row_bytes - 1) / row_bytes;

	memset(vd, 0, sizeof(*vd));
	vd->used = true;
	vd->id = vd - s->vd;
	vd->level = level;
	vd->strip_kb = strip_kb;
	vd->lbs = lbs;
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
	struct hbamgr_vd_create c;
	char name[16];
	u16 id;
	int st;

	if (f->dir != HBAMGR_DIR_TO_DEV ||
	    frame_capacity(f, sgl, sge_count) < sizeof(c))
		return HBAMGR_ST_INVALID_PARAM;
	fw_sgl_copy_from(sgl, sge_count, 0, &c, sizeof(c));
	if (c.pad || !all_zero(c.reserved, sizeof(c.reserved)) ||
	    (c.flags & ~HBAMGR_VD_CREATE_F_INIT) ||
	    c.num_pds > HBAMGR_VD_MAX_PDS ||
	    !name_valid(c.name, sizeof(c.name)) ||
	    !all_zero(&c.pd_ids[c.num_pds],
		      (HBAMGR_VD_MAX_PDS - c.num_pds) * sizeof(u16)))
		return HBAMGR_ST_INVALID_PARAM;
	memcpy(name, c.name, sizeof(name));
	st = fw_vd_create_locked(s, c.raid_level, c.strip_kb, c.num_blocks,
				 c.pd_ids, c.num_pds, name, &id);
	if (st)
		return st;
	r->result = id;
	if (c.flags & HBAMGR_VD_CREATE_F_INIT)
		return fw_bgop_start(s, HBAMGR_BGOP_INIT, id);
	return HBAMGR_ST_OK;
}

static int vd_delete(struct fw_store *s, const u8 *cdb)
{
	struct hbamgr_mbox_vd_delete m;
	struct fw_vd *vd;
	u32 i;

	memcpy(&m, cdb, sizeof(m));
	if (!all_zero(m.pad, sizeof(m.pad)))
		return HBAMGR_ST_INVALID_PARAM;
	vd = fw_vd_get(s, m.vd_id);
	if (!vd)
		return HBAMGR_ST_NO_DEVICE;
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

static int bgop_mbox(struct fw_store *s, const u8 *cdb, bool start)
{
	struct hbamgr_mbox_bgop m;

	memcpy(&m, cdb, sizeof(m));
	if (m.pad0 || !all_zero(m.pad, sizeof(m.pad)))
		return HBAMGR_ST_INVALID_PARAM;
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
	switch (f->opcode) {
	case HBAMGR_MGMT_CTRL_GET_INFO:
	case HBAMGR_MGMT_ENCL_LIST:
	case HBAMGR_MGMT_PD_LIST:
	case HBAMGR_MGMT_VD_LIST:
	case HBAMGR_MGMT_BGOP_LIST:
		if (f->dir == HBAMGR_DIR_TO_DEV ||
		    !all_zero(f->cdb, sizeof(f->cdb))) {
			r->status = HBAMGR_ST_INVALID_PARAM;
			return;
		}
		break;
	default:
		break;
	}
	switch (f->opcode) {
	case HBAMGR_MGMT_CTRL_GET_INFO:
		ctrl_get_info(s, &o, r);
		break;
	case HBAMGR_MGMT_CTRL_SET_PROPS:
		r->status = ctrl_set_props(s, f->cdb);
		break;
	case HBAMGR_MGMT_ENCL_LIST:
		encl_list(s, &o, r);
		break;
	case HBAMGR_MGMT_PD_LIST:
		pd_list(s, &o, r);
		break;
	case HBAMGR_MGMT_PD_SET_STATE:
		r->status = pd_set_state(s, f->cdb);
		break;
	case HBAMGR_MGMT_PD_LOCATE:
		r->status = pd_locate(s, f->cdb);
		break;
	case HBAMGR_MGMT_VD_LIST:
		vd_list(s, &o, r);
		break;
	case HBAMGR_MGMT_VD_CREATE:
		r->status = vd_create(s, f, sgl, sge_count, r);
		break;
	case HBAMGR_MGMT_VD_DELETE:
		r->status = vd_delete(s, f->cdb);
		break;
	case HBAMGR_MGMT_BGOP_START:
	case HBAMGR_MGMT_BGOP_STOP:
		r->status = bgop_mbox(s, f->cdb,
				      f->opcode == HBAMGR_MGMT_BGOP_START);
		break;
	case HBAMGR_MGMT_BGOP_LIST:
		bgop_list(s, &o, r);
		break;
	default:
		r->status = HBAMGR_ST_INVALID_OPCODE;
		break;
	}
}
