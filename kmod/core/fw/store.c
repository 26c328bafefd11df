// SPDX-License-Identifier: GPL-2.0
/*
 * The simulated firmware's storage model: controller identity, enclosures,
 * physical drives, virtual drives and their states, fault injection and
 * event emission.  The data path is in raid.c/media.c, command emulation in
 * scsi.c/mgmt.c, background operations in bgop.c.
 *
 * PD states of VD members:
 *  - ONLINE: holds current data;
 *  - FAILED (DRIVE_FAIL) / OFFLINE (set offline) / MISSING (enclosure link
 *    down): no I/O; the VD degrades;
 *  - REBUILD: being rebuilt: written, never read, ONLINE when done.
 * A member that comes back (link up) is ONLINE again when the VD took no
 * write while it was away (its data is current: fw_pd.stale is clear, the
 * idea of md's event counts); otherwise it returns OFFLINE, still a member,
 * and needs "start rebuild" (bgop.c has the rule).
 */
#include "store_internal.h"

#define FW_EVT_DESC_LEN	64

static const char *const pd_state_names[] = {
	[HBAMGR_PD_UNCONFIGURED_GOOD] = "UGood",
	[HBAMGR_PD_UNCONFIGURED_BAD] = "UBad",
	[HBAMGR_PD_HOTSPARE] = "Hotspare",
	[HBAMGR_PD_ONLINE] = "Online",
	[HBAMGR_PD_OFFLINE] = "Offline",
	[HBAMGR_PD_FAILED] = "Failed",
	[HBAMGR_PD_REBUILD] = "Rebuild",
	[HBAMGR_PD_MISSING] = "Missing",
};

static const char *const vd_state_names[] = {
	[HBAMGR_VD_OPTIMAL] = "Optimal",
	[HBAMGR_VD_PARTIALLY_DEGRADED] = "Partially Degraded",
	[HBAMGR_VD_DEGRADED] = "Degraded",
	[HBAMGR_VD_OFFLINE] = "Offline",
};

const char *fw_pd_state_name(u8 state)
{
	return state < ARRAY_SIZE(pd_state_names) ? pd_state_names[state] :
						    "Unknown";
}

const char *fw_vd_state_name(u8 state)
{
	return state < ARRAY_SIZE(vd_state_names) ? vd_state_names[state] :
						    "Unknown";
}

struct fw_pd *fw_pd_get(struct fw_store *s, u32 pd_id)
{
	if (pd_id >= FW_MAX_PDS || !s->pd[pd_id].present)
		return NULL;
	return &s->pd[pd_id];
}

struct fw_vd *fw_vd_get(struct fw_store *s, u32 vd_id)
{
	if (vd_id >= FW_MAX_VDS || !s->vd[vd_id].used)
		return NULL;
	return &s->vd[vd_id];
}

void fw_emit(struct fw_store *s, u32 code, u8 ev_class, u8 severity,
	     u16 encl, u16 slot, u16 pd, u16 vd, u32 arg0, u32 arg1,
	     const char *fmt, ...)
{
	struct hbamgr_event ev;
	__builtin_va_list ap;

	hba_mutex_assert_held(&s->lock);
	memset(&ev, 0, sizeof(ev));
	ev.type = HBAMGR_EVT_TYPE_RECORD;
	ev.event_class = ev_class;
	ev.severity = severity;
	ev.code = code;
	ev.encl_id = encl;
	ev.slot = slot;
	ev.pd_id = pd;
	ev.vd_id = vd;
	ev.arg0 = arg0;
	ev.arg1 = arg1;
	__builtin_va_start(ap, fmt);
	vsnprintf(ev.description, sizeof(ev.description), fmt, ap);
	__builtin_va_end(ap);
	fw_nv_queue_event(s, &ev);
}

static u8 pd_state_severity(u8 state)
{
	switch (state) {
	case HBAMGR_PD_FAILED:
	case HBAMGR_PD_MISSING:
		return HBAMGR_SEV_CRITICAL;
	case HBAMGR_PD_OFFLINE:
	case HBAMGR_PD_UNCONFIGURED_BAD:
		return HBAMGR_SEV_WARNING;
	default:
		return HBAMGR_SEV_INFO;
	}
}

void fw_pd_set_state(struct fw_store *s, struct fw_pd *pd, u8 state)
{
	u8 old = pd->state;

	hba_mutex_assert_held(&s->lock);
	if (old == state)
		return;
	pd->state = state;
	fw_emit(s, HBAMGR_EVT_PD_STATE_CHANGE, HBAMGR_EVC_PD,
		pd_state_severity(state), pd->encl, pd->slot, pd->id,
		pd->vd_id, old, state, "PD %u:%u state %s -> %s", pd->encl,
		pd->slot, fw_pd_state_name(old), fw_pd_state_name(state));
}

static u8 vd_derive_state(struct fw_store *s, const struct fw_vd *vd)
{
	u32 lost = 0, i;
	bool pair_lost = false;

	for (i = 0; i < vd->num_pds; i++) {
		if (s->pd[vd->pd_ids[i]].state == HBAMGR_PD_ONLINE)
			continue;
		lost++;
		if (vd->level == 10 && (i & 1) &&
		    s->pd[vd->pd_ids[i - 1]].state != HBAMGR_PD_ONLINE)
			pair_lost = true;
	}
	if (!lost)
		return HBAMGR_VD_OPTIMAL;
	switch (vd->level) {
	case 1:
		return lost < 2 ? HBAMGR_VD_DEGRADED : HBAMGR_VD_OFFLINE;
	case 10:
		return pair_lost ? HBAMGR_VD_OFFLINE : HBAMGR_VD_DEGRADED;
	case 5:
		return lost < 2 ? HBAMGR_VD_DEGRADED : HBAMGR_VD_OFFLINE;
	case 6:
		if (lost == 1)
			return HBAMGR_VD_PARTIALLY_DEGRADED;
		return lost == 2 ? HBAMGR_VD_DEGRADED : HBAMGR_VD_OFFLINE;
	default:
		return HBAMGR_VD_OFFLINE;
	}
}

void fw_vd_update_state(struct fw_store *s, struct fw_vd *vd)
{
	u8 old = vd->state, state = vd_derive_state(s, vd);
	u8 sev;

	hba_mutex_assert_held(&s->lock);
	if (old == state)
		return;
	vd->state = state;
	sev = state == HBAMGR_VD_OFFLINE ? HBAMGR_SEV_CRITICAL :
	      state == HBAMGR_VD_OPTIMAL ? HBAMGR_SEV_INFO : HBAMGR_SEV_WARNING;
	fw_emit(s, HBAMGR_EVT_VD_STATE_CHANGE, HBAMGR_EVC_VD, sev,
		HBAMGR_ID_NONE, HBAMGR_ID_NONE, HBAMGR_ID_NONE, vd->id, old,
		state, "VD %u state %s -> %s", vd->id, fw_vd_state_name(old),
		fw_vd_state_name(state));
}

bool fw_pd_bad_in_range(const struct fw_pd *pd, u64 lba, u64 count,
			u64 *first_bad)
{
	bool found = false;
	u32 i;

	for (i = 0; i < pd->num_bad; i++) {
		u64 b = pd->bad_lba[i];

		if (b >= lba && b - lba < count && (!found || b < *first_bad)) {
			*first_bad = b;
			found = true;
		}
	}
	return found;
}

void fw_pd_clear_bad(struct fw_pd *pd, u64 lba, u64 count)
{
	u32 i = 0;

	while (i < pd->num_bad) {
		u64 b = pd->bad_lba[i];

		if (b >= lba && b - lba < count)
			pd->bad_lba[i] = pd->bad_lba[--pd->num_bad];
		else
			i++;
	}
}

void fw_pd_lost(struct fw_store *s, struct fw_pd *pd)
{
	struct fw_vd *vd = fw_vd_get(s, pd->vd_id);

	if (!vd)
		return;
	fw_vd_update_state(s, vd);
	fw_bgop_revalidate(s);
	fw_start_auto_rebuild(s, vd);
}

static int inject_drive_fail(struct fw_store *s, u32 pd_id)
{
	struct fw_pd *pd = fw_pd_get(s, pd_id);

	if (!pd)
		return HBAMGR_ST_NO_DEVICE;
	if (pd->state == HBAMGR_PD_MISSING || pd->state == HBAMGR_PD_FAILED)
		return HBAMGR_ST_INVALID_STATE;
	fw_pd_set_state(s, pd, HBAMGR_PD_FAILED);
	fw_pd_lost(s, pd);
	return HBAMGR_ST_OK;
}

static int inject_link(struct fw_store *s, u32 encl, bool up)
{
	u32 i, slots = s->cfg.slots_per_enclosure;

	if (encl >= s->cfg.num_enclosures)
		return HBAMGR_ST_NO_DEVICE;
	if (s->encl[encl].link_up == up)
		return HBAMGR_ST_INVALID_STATE;
	s->encl[encl].link_up = up;
	fw_emit(s, up ? HBAMGR_EVT_ENCL_LINK_UP : HBAMGR_EVT_ENCL_LINK_DOWN,
		HBAMGR_EVC_ENCL, up ? HBAMGR_SEV_INFO : HBAMGR_SEV_CRITICAL,
		encl, HBAMGR_ID_NONE, HBAMGR_ID_NONE, HBAMGR_ID_NONE, 0, 0,
		"Enclosure %u link %s", encl, up ? "up" : "down");
	for (i = encl * slots; i < (encl + 1) * slots; i++) {
		struct fw_pd *pd = fw_pd_get(s, i);
		u8 back;

		if (!pd)
			continue;
		if (!up) {
			pd->state_before_missing = pd->state;
			fw_pd_set_state(s, pd, HBAMGR_PD_MISSING);
			continue;
		}
		back = pd->state_before_missing;
		if (pd->vd_id != HBAMGR_ID_NONE &&
		    (back == HBAMGR_PD_ONLINE || back == HBAMGR_PD_REBUILD))
			back = pd->stale || back == HBAMGR_PD_REBUILD ?
			       HBAMGR_PD_OFFLINE : HBAMGR_PD_ONLINE;
		else if (pd->vd_id == HBAMGR_ID_NONE &&
			 (back == HBAMGR_PD_ONLINE ||
			  back == HBAMGR_PD_REBUILD ||
			  back == HBAMGR_PD_OFFLINE))
			back = HBAMGR_PD_UNCONFIGURED_GOOD; /* VD went away */
		fw_pd_set_state(s, pd, back);
	}
	for (i = 0; i < FW_MAX_VDS; i++) {
		if (!s->vd[i].used)
			continue;
		fw_vd_update_state(s, &s->vd[i]);
	}
	fw_bgop_revalidate(s);
	for (i = 0; i < FW_MAX_VDS; i++)
		if (s->vd[i].used)
			fw_start_auto_rebuild(s, &s->vd[i]);
	return HBAMGR_ST_OK;
}

static int inject_media_error(struct fw_store *s, u32 pd_id, u64 lba)
{
	struct fw_pd *pd = fw_pd_get(s, pd_id);
	u64 dummy = 0;

	if (!pd)
		return HBAMGR_ST_NO_DEVICE;
	if (lba >= pd->num_blocks)
		return HBAMGR_ST_INVALID_PARAM;
	if (fw_pd_bad_in_range(pd, lba, 1, &dummy))
		return HBAMGR_ST_OK;
	if (pd->num_bad >= FW_MAX_BAD_BLOCKS)
		return HBAMGR_ST_NO_SPACE;
	pd->bad_lba[pd->num_bad++] = lba;
	return HBAMGR_ST_OK;
}

static int inject_temperature(struct fw_store *s, u32 pd_id, u32 temp)
{
	struct fw_pd *pd = fw_pd_get(s, pd_id);

	if (!pd)
		return HBAMGR_ST_NO_DEVICE;
	if (temp > 150)
		return HBAMGR_ST_INVALID_PARAM;
	pd->temperature_c = temp;
	if (temp > FW_HOT_TEMP_C)
		fw_emit(s, HBAMGR_EVT_PD_TEMPERATURE, HBAMGR_EVC_PD,
			HBAMGR_SEV_WARNING, pd->encl, pd->slot, pd->id,
			pd->vd_id, temp, FW_HOT_TEMP_C,
			"PD %u:%u temperature %uC above %uC", pd->encl,
			pd->slot, temp, FW_HOT_TEMP_C);
	return HBAMGR_ST_OK;
}

int fw_store_inject(struct fw_store *s, const struct hbamgr_mbox_fault *f)
{
	int st;

	hba_mutex_lock(&s->lock);
	switch (f->fault) {
	case HBAMGR_FAULT_DRIVE_FAIL:
		st = inject_drive_fail(s, f->arg);
		break;
	case HBAMGR_FAULT_LINK_DOWN:
	case HBAMGR_FAULT_LINK_UP:
		st = inject_link(s, f->arg, f->fault == HBAMGR_FAULT_LINK_UP);
		break;
	case HBAMGR_FAULT_MEDIA_ERROR:
		st = inject_media_error(s, f->arg, f->lba);
		break;
	case HBAMGR_FAULT_TEMPERATURE:
		st = inject_temperature(s, f->arg, f->count);
		break;
	default:
		st = HBAMGR_ST_INVALID_PARAM;
		break;
	}
	if (fw_nv_commit(s, false))
		st = HBAMGR_ST_FW_FAULT;
	hba_mutex_unlock(&s->lock);
	return st;
}

/* Drive types of the default mix, by drive index modulo 8. */
struct pd_kind {
	u8 interface;
	bool ssd;
	u32 lbs;
	u32 pbs;
	u32 rpm;
	const char *model;
};

static const struct pd_kind kind_sas_512n = {
	HBAMGR_IF_SAS, false, 512, 512, 10000, "SIM SAS HDD"
};
static const struct pd_kind kind_sata_ssd_512e = {
	HBAMGR_IF_SATA, true, 512, 4096, 0, "SIM SATA SSD"
};
static const struct pd_kind kind_sas_4kn = {
	HBAMGR_IF_SAS, false, 4096, 4096, 7200, "SIM SAS HDD 4Kn"
};
static const struct pd_kind kind_ssd_4kn = {
	HBAMGR_IF_SAS, true, 4096, 4096, 0, "SIM SAS SSD 4Kn"
};

static const struct pd_kind *pd_kind_for(u32 sector_size, u32 index)
{
	u32 m = index % 8;

	if (sector_size == 4096)
		return m == 5 ? &kind_ssd_4kn : &kind_sas_4kn;
	if (sector_size == 512 || m < 5)
		return m == 5 ? &kind_sata_ssd_512e : &kind_sas_512n;
	return m == 5 ? &kind_sata_ssd_512e : &kind_sas_4kn;
}

static int pd_init(struct fw_store *s, u32 index)
{
	const struct pd_kind *k = pd_kind_for(s->cfg.sector_size, index);
	u32 slots = s->cfg.slots_per_enclosure;
	struct fw_pd *pd = &s->pd[index];

	pd->present = true;
	pd->id = index;
	pd->encl = index / slots;
	pd->slot = index % slots;
	pd->vd_id = HBAMGR_ID_NONE;
	pd->state = HBAMGR_PD_UNCONFIGURED_GOOD;
	pd->interface = k->interface;
	pd->ssd = k->ssd;
	pd->write_cache = true;
	pd->lbs = k->lbs;
	pd->pbs = k->pbs;
	pd->num_blocks = ((u64)s->cfg.drive_size_mb << 20) / k->lbs;
	snprintf(pd->vendor, sizeof(pd->vendor), "%s", FW_IDENT_VENDOR);
	snprintf(pd->model, sizeof(pd->model), "%s", k->model);
	snprintf(pd->fw_rev, sizeof(pd->fw_rev), "%s", FW_IDENT_REVISION);
	fw_ident_serial(pd->serial, sizeof(pd->serial), s->cfg.adapter_index,
			FW_IDENT_PD_PORT, index);
	pd->sas_address = fw_ident_naa(s->cfg.adapter_index, FW_IDENT_PD_PORT,
				       index);
	pd->temperature_c = 30 + index % 8;
	pd->rpm = k->rpm;
	pd->power_on_hours = 1000 + 37 * index;
	pd->start_stop_cycles = 12 + index;
	return fw_media_init(&pd->media, &s->cfg, index,
			     pd->num_blocks * pd->lbs);
}

/* Create the default VDs: RAID1 "sys" on e0:s0-1, RAID5 "data" on s2-4. */
static int default_vds_create(struct fw_store *s)
{
	static const u16 sys[] = { 0, 1 }, data[] = { 2, 3, 4 };
	int rc = 0;

	if (s->cfg.num_drives >= 2)
		rc = fw_vd_create_locked(s, 1, 64, 0, sys, 2, "sys", NULL,
					 NULL);
	if (!rc && s->cfg.num_drives >= 5)
		rc = fw_vd_create_locked(s, 5, 64, 0, data, 3, "data", NULL,
					 NULL);
	return rc;
}

/*
 * Power on: the configuration in NVRAM when there is one, else the factory
 * one (drives unconfigured, default VDs), saved at once.
 */
int fw_store_create(const struct hba_fw_config *cfg,
		    const struct fw_event_sink *sink, struct fw_store **out)
{
	struct fw_store *s;
	u32 i, ndrives;
	int rc;

	if (!cfg->num_enclosures || cfg->num_enclosures > FW_MAX_ENCL ||
	    !cfg->slots_per_enclosure ||
	    cfg->slots_per_enclosure > FW_MAX_SLOTS || !cfg->drive_size_mb ||
	    (cfg->sector_size && cfg->sector_size != 512 &&
	     cfg->sector_size != 4096) || !sink || !sink->log ||
	    !sink->state || !sink->attach)
		return -EINVAL;
	s = hba_vzalloc(sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->scratch = hba_vzalloc(FW_SEG_MAX * FW_SCRATCH_BUFS);
	s->bounce = hba_vzalloc(FW_SEG_MAX);
	s->pending = hba_vzalloc(sizeof(*s->pending) * FW_NV_PENDING_MAX);
	hba_mutex_init(&s->lock);
	if (!s->scratch || !s->bounce || !s->pending) {
		fw_store_destroy(s);
		return -ENOMEM;
	}
	s->cfg = *cfg;
	s->sink = *sink;
	ndrives = cfg->num_enclosures * cfg->slots_per_enclosure;
	if (s->cfg.num_drives < ndrives)
		ndrives = s->cfg.num_drives;
	s->cfg.num_drives = ndrives;
	rc = fw_nv_load_header(s);
	if (rc) {
		fw_store_destroy(s);
		return rc;
	}
	snprintf(s->model, sizeof(s->model), "%s", FW_IDENT_CTRL_MODEL);
	fw_ident_serial(s->serial, sizeof(s->serial), cfg->adapter_index,
			FW_IDENT_CTRL, 0);
	snprintf(s->fw_version, sizeof(s->fw_version), "%s",
		 FW_IDENT_FW_VERSION);
	s->sas_address = fw_ident_naa(cfg->adapter_index, FW_IDENT_CTRL, 0);
	s->created_ns = hba_now_ns();
	s->rebuild_rate = 100;
	s->patrol_enabled = true;
	for (i = 0; i < s->cfg.num_enclosures; i++) {
		s->encl[i].link_up = true;
		s->encl[i].temperature_c = 28 + i;
	}
	hba_mutex_lock(&s->lock);
	for (i = 0; i < s->cfg.num_drives && !rc; i++)
		rc = pd_init(s, i);
	if (!rc)
		rc = fw_nv_load_state(s);
	if (!rc && !s->nv.saved_len && cfg->default_vds)
		rc = default_vds_create(s);
	if (!rc)
		rc = fw_nv_commit(s, true);
	hba_mutex_unlock(&s->lock);
	if (rc) {
		fw_store_destroy(s);
		return rc;
	}
	s->powered_on = true;
	*out = s;
	return 0;
}

void fw_store_destroy(struct fw_store *s)
{
	u32 i;

	if (!s)
		return;
	if (s->powered_on) {
		/* Power off: the progress since the last checkpoint too. */
		hba_mutex_lock(&s->lock);
		fw_nv_commit(s, true);
		hba_mutex_unlock(&s->lock);
	}
	for (i = 0; i < FW_MAX_PDS; i++)
		fw_media_free(&s->pd[i].media);
	fw_nv_free(s);
	hba_mutex_destroy(&s->lock);
	hba_vfree(s->pending);
	hba_vfree(s->scratch);
	hba_vfree(s->bounce);
	hba_vfree(s);
}

void fw_store_ident(struct fw_store *s, struct hba_ioc_facts *facts)
{
	hba_mutex_lock(&s->lock);
	memcpy(facts->model, s->model, sizeof(facts->model));
	memcpy(facts->serial, s->serial, sizeof(facts->serial));
	memcpy(facts->fw_version, s->fw_version, sizeof(facts->fw_version));
	facts->sas_address = s->sas_address;
	hba_mutex_unlock(&s->lock);
}

void fw_store_scsi(struct fw_store *s, const struct hba_req_frame *f,
		   const struct hba_sge *sgl, u32 sge_count,
		   struct hba_reply_frame *r)
{
	hba_mutex_lock(&s->lock);
	fw_scsi_exec(s, f, sgl, sge_count, r);
	if (fw_nv_commit(s, false) && r->status == HBAMGR_ST_OK)
		fw_scsi_nvram_failed(r);
	hba_mutex_unlock(&s->lock);
}

void fw_store_mgmt(struct fw_store *s, const struct hba_req_frame *f,
		   const struct hba_sge *sgl, u32 sge_count,
		   struct hba_reply_frame *r)
{
	hba_mutex_lock(&s->lock);
	fw_mgmt_exec(s, f, sgl, sge_count, r);
	if (fw_nv_commit(s, false)) {
		r->status = HBAMGR_ST_FW_FAULT;
		r->result = 0;
		r->transfer_count = 0;
	}
	hba_mutex_unlock(&s->lock);
}

void fw_store_tick(struct fw_store *s, u32 elapsed_ms)
{
	hba_mutex_lock(&s->lock);
	fw_bgop_tick(s, elapsed_ms);
	if (s->nv.since_checkpoint_ms < FW_NV_CHECKPOINT_MS)
		s->nv.since_checkpoint_ms += elapsed_ms;
	fw_nv_commit(s, s->nv.since_checkpoint_ms >= FW_NV_CHECKPOINT_MS);
	hba_mutex_unlock(&s->lock);
}
