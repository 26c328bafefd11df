// SPDX-License-Identifier: GPL-2.0
/*
 * The storage model's configuration in NVRAM (hba_fw_nvram_ops): what a
 * controller keeps across power cycles - controller properties, enclosure
 * and drive states, hot spares, bad blocks and self-test logs, VDs, and
 * background operations with their progress - as one image, saved whole
 * (the environment replaces it atomically and durably).
 *
 * Every fw_store_* entry point ends in fw_nv_commit(): the image is encoded
 * again and, when its strict part (anything but I/O counters and progress)
 * changed, saved before the entry point returns, so a change the driver saw
 * succeed is in NVRAM.  The lazy part (I/O counters, background progress)
 * goes with the next save, or a checkpoint every FW_NV_CHECKPOINT_MS.
 *
 * Events and configuration stay in step through the event log's journal:
 * the events an operation emitted are held back (fw_store.pending), saved
 * inside the image, and logged only once the image is saved, tagged with
 * its generation.  A power-on that finds the image's generation newer than
 * the newest the log journalled as complete logs the image's events then;
 * one that finds it older refuses.  So a process killed at any instant
 * leaves a configuration and a log that agree: a VD the log says was
 * created exists, and a VD that exists was announced.
 *
 * A save that fails undoes the change (the store goes back to the last
 * saved image), drops its events and logs CTRL_NVRAM_ERROR once until a
 * save succeeds again; the caller reports the failure.
 *
 * Image layout (little-endian): a header of FW_NV_HDR_LEN bytes, the
 * strict section, the lazy section, the held-back events (struct
 * hbamgr_event as is), then a CRC-32 of everything before it.
 */
#include "store_internal.h"

#define FW_NV_MAGIC		0x564e4248u	/* "HBNV" */
#define FW_NV_VERSION		1
#define FW_NV_HDR_LEN		80
#define FW_NV_CRC_LEN		4

/* Header offsets. */
#define NVH_MAGIC	0
#define NVH_VERSION	4
#define NVH_HDR_LEN	6
#define NVH_TOTAL	8
#define NVH_STRICT	12
#define NVH_LAZY	16
#define NVH_PENDING	20
#define NVH_GEN		24
#define NVH_LOG_ID	32
#define NVH_LOG_SEQ	40
#define NVH_ADAPTER	48
#define NVH_ENCLS	52
#define NVH_SLOTS	56
#define NVH_DRIVES	60
#define NVH_DRIVE_MB	64
#define NVH_SECTOR	68

void fw_nv_report(const struct hba_fw_config *cfg, const char *fmt, ...)
{
	char msg[256];
	__builtin_va_list ap;

	__builtin_va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	__builtin_va_end(ap);
	hba_err("hbafw%u: NVRAM: %s\n", cfg->adapter_index, msg);
	if (cfg->nvram && cfg->nvram->report)
		cfg->nvram->report(cfg->nvram_ctx, msg);
}

/* CRC-32 (IEEE 802.3, reflected), four bits at a time. */
static u32 nv_crc32(const u8 *p, size_t len)
{
	static const u32 nibble[16] = {
		0x00000000, 0x1db71064, 0x3b6e20c8, 0x26d930ac,
		0x76dc4190, 0x6b6b51f4, 0x4db26158, 0x5005713c,
		0xedb88320, 0xf00f9344, 0xd6d6a3e8, 0xcb61b38c,
		0x9b64c2b0, 0x86d3d2d4, 0xa00ae278, 0xbdbdf21c,
	};
	u32 crc = ~0u;
	size_t i;

	for (i = 0; i < len; i++) {
		crc ^= p[i];
		crc = (crc >> 4) ^ nibble[crc & 15];
		crc = (crc >> 4) ^ nibble[crc & 15];
	}
	return ~crc;
}

/* Unrolled: the compiler merges the byte stores into one on a LE CPU. */
static void le_put(u8 *p, u64 v, u32 bytes)
{
	switch (bytes) {
	case 8:
		p[7] = (u8)(v >> 56);
		p[6] = (u8)(v >> 48);
		p[5] = (u8)(v >> 40);
		p[4] = (u8)(v >> 32);
		fallthrough;
	case 4:
		p[3] = (u8)(v >> 24);
		p[2] = (u8)(v >> 16);
		fallthrough;
	case 2:
		p[1] = (u8)(v >> 8);
		fallthrough;
	case 1:
		p[0] = (u8)v;
		break;
	}
}

static u64 le_get(const u8 *p, u32 bytes)
{
	u64 v = 0;
	u32 i;

	for (i = 0; i < bytes; i++)
		v |= (u64)p[i] << (8 * i);
	return v;
}

/* Encoder: the image never outgrows FW_NV_IMAGE_MAX (see its bound). */
struct nv_out {
	u8 *p;
	size_t len;
};

static void put(struct nv_out *o, u64 v, u32 bytes)
{
	if (HBA_WARN_ON_ONCE(o->len + bytes > FW_NV_IMAGE_MAX))
		return;
	le_put(o->p + o->len, v, bytes);
	o->len += bytes;
}

static void put_bytes(struct nv_out *o, const void *src, size_t n)
{
	if (HBA_WARN_ON_ONCE(o->len + n > FW_NV_IMAGE_MAX))
		return;
	memcpy(o->p + o->len, src, n);
	o->len += n;
}

/* Decoder: the first problem is kept with the offset it was found at. */
struct nv_in {
	const u8 *p;
	size_t len;
	size_t off;
	const char *bad;	/* what was wrong; NULL while all is well */
	size_t bad_off;
	u64 bad_val;
};

static void in_bad(struct nv_in *in, const char *what, u64 val)
{
	if (in->bad)
		return;
	in->bad = what;
	in->bad_off = in->off;
	in->bad_val = val;
}

static u64 get(struct nv_in *in, u32 bytes)
{
	u64 v;

	if (in->bad)
		return 0;
	if (in->len - in->off < bytes) {
		in_bad(in, "image ends early", in->len);
		return 0;
	}
	v = le_get(in->p + in->off, bytes);
	in->off += bytes;
	return v;
}

/* A field that must be at most max. */
static u64 get_max(struct nv_in *in, u32 bytes, u64 max, const char *what)
{
	size_t off = in->off;
	u64 v = get(in, bytes);

	if (v > max && !in->bad) {
		in->off = off;
		in_bad(in, what, v);
	}
	return v;
}

static void get_bytes(struct nv_in *in, void *dst, size_t n)
{
	if (in->bad)
		return;
	if (in->len - in->off < n) {
		in_bad(in, "image ends early", in->len);
		return;
	}
	memcpy(dst, in->p + in->off, n);
	in->off += n;
}

/*
 * The scalar fields of each object, in image order: one table serves the
 * encoder and the decoder, so they cannot drift apart.  Arrays and ids
 * are coded by hand around them.
 */
struct nv_field {
	const char *name;	/* in reports of a bad value */
	u16 off;		/* offsetof() in its struct */
	u8 size;		/* sizeof() the member: 1, 2, 4 or 8 */
	u8 bytes;		/* width in the image */
	u64 max;		/* largest valid value */
};

#define NV_U8_MAX	0xffULL
#define NV_U16_MAX	0xffffULL
#define NV_U32_MAX	0xffffffffULL
#define NV_U64_MAX	(~0ULL)
#define NV_FIELD(type, member, bytes, max, name)			\
	{ name, offsetof(type, member), sizeof(((type *)0)->member),	\
	  bytes, max }

static const struct nv_field nv_ctrl_strict[] = {
	NV_FIELD(struct fw_store, rebuild_rate, 4, 100, "rebuild rate"),
	NV_FIELD(struct fw_store, patrol_enabled, 1, 1, "patrol flag"),
	NV_FIELD(struct fw_store, patrol_runs, 4, NV_U32_MAX, "patrol runs"),
	NV_FIELD(struct fw_store, bgop_seq, 8, NV_U64_MAX, "operation seq"),
};

static const struct nv_field nv_ctrl_lazy[] = {
	NV_FIELD(struct fw_store, patrol_idle_ms, 8, NV_U64_MAX, "patrol idle"),
};

static const struct nv_field nv_encl_strict[] = {
	NV_FIELD(struct fw_encl, link_up, 1, 1, "enclosure link flag"),
	NV_FIELD(struct fw_encl, temperature_c, 4, NV_U32_MAX,
		 "enclosure temperature"),
};

static const struct nv_field nv_pd_strict[] = {
	NV_FIELD(struct fw_pd, state, 1, HBAMGR_PD_MISSING, "PD state"),
	NV_FIELD(struct fw_pd, state_before_missing, 1, HBAMGR_PD_MISSING,
		 "PD state before missing"),
	NV_FIELD(struct fw_pd, stale, 1, 1, "PD stale flag"),
	NV_FIELD(struct fw_pd, locate_on, 1, 1, "PD locate flag"),
	NV_FIELD(struct fw_pd, write_cache, 1, 1, "PD write cache flag"),
	NV_FIELD(struct fw_pd, vd_id, 2, NV_U16_MAX, "PD's VD id"),
	NV_FIELD(struct fw_pd, temperature_c, 4, NV_U32_MAX, "PD temperature"),
	NV_FIELD(struct fw_pd, media_errors, 4, NV_U32_MAX, "PD media errors"),
	NV_FIELD(struct fw_pd, other_errors, 4, NV_U32_MAX, "PD other errors"),
	NV_FIELD(struct fw_pd, predictive_failures, 4, NV_U32_MAX,
		 "PD predictive failures"),
	NV_FIELD(struct fw_pd, power_on_hours, 4, NV_U32_MAX, "PD power-on hours"),
	NV_FIELD(struct fw_pd, start_stop_cycles, 4, NV_U32_MAX,
		 "PD start-stop cycles"),
	NV_FIELD(struct fw_pd, corrected_errors, 4, NV_U32_MAX,
		 "PD corrected errors"),
	NV_FIELD(struct fw_pd, num_bad, 1, FW_MAX_BAD_BLOCKS,
		 "PD bad block count"),
	NV_FIELD(struct fw_pd, num_selftests, 1, FW_MAX_SELFTESTS,
		 "PD self-test count"),
};

static const struct nv_field nv_pd_lazy[] = {
	NV_FIELD(struct fw_pd, blocks_read, 8, NV_U64_MAX, "PD blocks read"),
	NV_FIELD(struct fw_pd, blocks_written, 8, NV_U64_MAX,
		 "PD blocks written"),
};

static const struct nv_field nv_selftest[] = {
	NV_FIELD(struct fw_selftest, code, 1, NV_U8_MAX, "self-test code"),
	NV_FIELD(struct fw_selftest, result, 1, NV_U8_MAX, "self-test result"),
	NV_FIELD(struct fw_selftest, power_on_hours, 2, NV_U16_MAX,
		 "self-test hours"),
	NV_FIELD(struct fw_selftest, fail_lba, 8, NV_U64_MAX, "self-test LBA"),
};

/* After the VD id; then the members and the name. */
static const struct nv_field nv_vd_strict[] = {
	NV_FIELD(struct fw_vd, level, 1, 10, "RAID level"),
	NV_FIELD(struct fw_vd, state, 1, HBAMGR_VD_OFFLINE, "VD state"),
	NV_FIELD(struct fw_vd, write_cache, 1, 1, "VD write cache flag"),
	NV_FIELD(struct fw_vd, strip_kb, 4, HBAMGR_STRIP_KB_MAX, "VD strip size"),
	NV_FIELD(struct fw_vd, lbs, 4, 4096, "VD block size"),
	NV_FIELD(struct fw_vd, num_blocks, 8, NV_U64_MAX, "VD blocks"),
	NV_FIELD(struct fw_vd, member_bytes, 8, NV_U64_MAX, "VD member bytes"),
	NV_FIELD(struct fw_vd, num_pds, 1, HBAMGR_VD_MAX_PDS,
		 "VD member count"),
};

/* After the slot number.  Every record is kept, running or finished. */
static const struct nv_field nv_bgop_strict[] = {
	NV_FIELD(struct fw_bgop, type, 1, HBAMGR_BGOP_PATROL, "operation type"),
	NV_FIELD(struct fw_bgop, state, 1, HBAMGR_BGOP_FAILED,
		 "operation state"),
	NV_FIELD(struct fw_bgop, target, 2, NV_U16_MAX, "operation target"),
	NV_FIELD(struct fw_bgop, vd_id, 2, NV_U16_MAX, "operation VD"),
	NV_FIELD(struct fw_bgop, total, 8, NV_U64_MAX, "operation size"),
	NV_FIELD(struct fw_bgop, reported_pm, 4, 1000, "operation progress"),
	NV_FIELD(struct fw_bgop, started_ns, 8, NV_U64_MAX, "operation start"),
	NV_FIELD(struct fw_bgop, seq, 8, NV_U64_MAX, "operation seq"),
};

static const struct nv_field nv_bgop_lazy[] = {
	NV_FIELD(struct fw_bgop, pos, 8, NV_U64_MAX, "operation position"),
	NV_FIELD(struct fw_bgop, errors, 8, NV_U64_MAX, "operation errors"),
};

static u64 field_read(const void *obj, const struct nv_field *f)
{
	const u8 *p = (const u8 *)obj + f->off;
	u64 v64;
	u32 v32;
	u16 v16;

	switch (f->size) {
	case 8:
		memcpy(&v64, p, 8);
		return v64;
	case 4:
		memcpy(&v32, p, 4);
		return v32;
	case 2:
		memcpy(&v16, p, 2);
		return v16;
	default:
		return *p;
	}
}

static void field_write(void *obj, const struct nv_field *f, u64 v)
{
	u8 *p = (u8 *)obj + f->off;
	u32 v32 = (u32)v;
	u16 v16 = (u16)v;

	switch (f->size) {
	case 8:
		memcpy(p, &v, 8);
		break;
	case 4:
		memcpy(p, &v32, 4);
		break;
	case 2:
		memcpy(p, &v16, 2);
		break;
	default:
		*p = (u8)v;
		break;
	}
}

static void put_fields(struct nv_out *o, const void *obj,
		       const struct nv_field *f, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		put(o, field_read(obj, &f[i]), f[i].bytes);
}

static void get_fields(struct nv_in *in, void *obj, const struct nv_field *f,
		       size_t n)
{
	size_t i;

	for (i = 0; i < n && !in->bad; i++)
		field_write(obj, &f[i], get_max(in, f[i].bytes, f[i].max,
						f[i].name));
}

#define PUT_FIELDS(o, obj, table) put_fields(o, obj, table, ARRAY_SIZE(table))
#define GET_FIELDS(in, obj, table) get_fields(in, obj, table, ARRAY_SIZE(table))

static void encode_strict(struct fw_store *s, struct nv_out *o)
{
	u32 i, j, n;

	PUT_FIELDS(o, s, nv_ctrl_strict);
	for (i = 0; i < s->cfg.num_enclosures; i++)
		PUT_FIELDS(o, &s->encl[i], nv_encl_strict);
	for (i = 0; i < s->cfg.num_drives; i++) {
		const struct fw_pd *pd = &s->pd[i];

		PUT_FIELDS(o, pd, nv_pd_strict);
		for (j = 0; j < pd->num_bad; j++)
			put(o, pd->bad_lba[j], 8);
		for (j = 0; j < pd->num_selftests; j++)
			PUT_FIELDS(o, &pd->selftests[j], nv_selftest);
	}
	for (i = 0, n = 0; i < FW_MAX_VDS; i++)
		n += s->vd[i].used;
	put(o, n, 1);
	for (i = 0; i < FW_MAX_VDS; i++) {
		const struct fw_vd *vd = &s->vd[i];

		if (!vd->used)
			continue;
		put(o, vd->id, 2);
		PUT_FIELDS(o, vd, nv_vd_strict);
		for (j = 0; j < vd->num_pds; j++)
			put(o, vd->pd_ids[j], 2);
		put_bytes(o, vd->name, sizeof(vd->name) - 1);
	}
	for (i = 0, n = 0; i < FW_MAX_BGOPS; i++)
		n += s->bgop[i].used;
	put(o, n, 1);
	for (i = 0; i < FW_MAX_BGOPS; i++) {
		if (!s->bgop[i].used)
			continue;
		put(o, i, 1);
		PUT_FIELDS(o, &s->bgop[i], nv_bgop_strict);
	}
}

static void encode_lazy(struct fw_store *s, struct nv_out *o)
{
	u32 i;

	PUT_FIELDS(o, s, nv_ctrl_lazy);
	for (i = 0; i < s->cfg.num_drives; i++)
		PUT_FIELDS(o, &s->pd[i], nv_pd_lazy);
	for (i = 0; i < FW_MAX_BGOPS; i++) {
		if (s->bgop[i].used)
			PUT_FIELDS(o, &s->bgop[i], nv_bgop_lazy);
	}
}

/* The strict section into buf (after the header room): every operation. */
static void nv_encode_strict(struct fw_store *s, u8 *buf)
{
	struct nv_out o = { .p = buf, .len = FW_NV_HDR_LEN };

	encode_strict(s, &o);
	s->nv.img_strict = o.len - FW_NV_HDR_LEN;
}

/*
 * The rest of the image after nv_encode_strict(): the lazy section, the
 * held-back events, the header (as generation gen) and the checksum.
 */
static void nv_encode_rest(struct fw_store *s, u8 *buf, u64 gen)
{
	struct fw_nv *nv = &s->nv;
	struct nv_out o = { .p = buf, .len = FW_NV_HDR_LEN + nv->img_strict };
	u64 log_id, log_seq;

	encode_lazy(s, &o);
	nv->img_lazy = o.len - FW_NV_HDR_LEN - nv->img_strict;
	put_bytes(&o, s->pending, s->num_pending * sizeof(*s->pending));
	s->sink.state(s->sink.ctx, &log_id, &log_seq);
	memset(buf, 0, FW_NV_HDR_LEN);
	le_put(buf + NVH_MAGIC, FW_NV_MAGIC, 4);
	le_put(buf + NVH_VERSION, FW_NV_VERSION, 2);
	le_put(buf + NVH_HDR_LEN, FW_NV_HDR_LEN, 2);
	le_put(buf + NVH_TOTAL, o.len + FW_NV_CRC_LEN, 4);
	le_put(buf + NVH_STRICT, nv->img_strict, 4);
	le_put(buf + NVH_LAZY, nv->img_lazy, 4);
	le_put(buf + NVH_PENDING, s->num_pending, 4);
	le_put(buf + NVH_GEN, gen, 8);
	le_put(buf + NVH_LOG_ID, log_id, 8);
	le_put(buf + NVH_LOG_SEQ, log_seq, 8);
	le_put(buf + NVH_ADAPTER, s->cfg.adapter_index, 4);
	le_put(buf + NVH_ENCLS, s->cfg.num_enclosures, 4);
	le_put(buf + NVH_SLOTS, s->cfg.slots_per_enclosure, 4);
	le_put(buf + NVH_DRIVES, s->cfg.num_drives, 4);
	le_put(buf + NVH_DRIVE_MB, s->cfg.drive_size_mb, 4);
	le_put(buf + NVH_SECTOR, s->cfg.sector_size, 4);
	put(&o, nv_crc32(buf, o.len), 4);
	nv->img_len = o.len;
}

static void decode_pd(struct nv_in *in, struct fw_pd *pd)
{
	u32 j;

	GET_FIELDS(in, pd, nv_pd_strict);
	if (pd->vd_id != HBAMGR_ID_NONE && pd->vd_id >= FW_MAX_VDS)
		in_bad(in, "PD's VD id", pd->vd_id);
	for (j = 0; j < pd->num_bad && !in->bad; j++) {
		pd->bad_lba[j] = get_max(in, 8, pd->num_blocks - 1,
					 "PD bad block LBA");
	}
	for (j = 0; j < pd->num_selftests && !in->bad; j++)
		GET_FIELDS(in, &pd->selftests[j], nv_selftest);
}

static void decode_vd(struct nv_in *in, struct fw_store *s)
{
	u64 id = get_max(in, 2, FW_MAX_VDS - 1, "VD id");
	struct fw_vd *vd = &s->vd[in->bad ? 0 : id];
	u32 j, k;

	if (!in->bad && vd->used)
		in_bad(in, "VD id twice", id);
	if (in->bad)
		return;
	vd->used = true;
	vd->id = id;
	GET_FIELDS(in, vd, nv_vd_strict);
	if (in->bad)
		return;
	if (fw_raid_check_members(vd->level, vd->num_pds, NULL))
		in_bad(in, "VD member count for its RAID level", vd->num_pds);
	else if (vd->strip_kb < HBAMGR_STRIP_KB_MIN ||
		 (vd->strip_kb & (vd->strip_kb - 1)))
		in_bad(in, "VD strip size", vd->strip_kb);
	for (j = 0; j < vd->num_pds && !in->bad; j++) {
		vd->pd_ids[j] = get_max(in, 2, s->cfg.num_drives - 1,
					"VD member PD id");
		for (k = 0; k < j; k++)
			if (vd->pd_ids[k] == vd->pd_ids[j])
				in_bad(in, "VD member twice", vd->pd_ids[j]);
	}
	get_bytes(in, vd->name, sizeof(vd->name) - 1);
	vd->name[sizeof(vd->name) - 1] = '\0';
}

static void decode_bgop(struct nv_in *in, struct fw_store *s)
{
	u64 slot = get_max(in, 1, FW_MAX_BGOPS - 1, "operation slot");
	struct fw_bgop *op = &s->bgop[in->bad ? 0 : slot];

	if (!in->bad && op->used)
		in_bad(in, "operation slot twice", slot);
	if (in->bad)
		return;
	op->used = true;
	GET_FIELDS(in, op, nv_bgop_strict);
	if (!in->bad && op->type < HBAMGR_BGOP_REBUILD)
		in_bad(in, "operation type", op->type);
	if (!in->bad && op->state < HBAMGR_BGOP_RUNNING)
		in_bad(in, "operation state", op->state);
}

/* What must hold between the decoded objects; NULL when all does. */
static const char *nv_check_refs(struct fw_store *s, u64 *val)
{
	struct fw_bgop *op;
	struct fw_vd *vd;
	struct fw_pd *pd;
	u32 i, j;

	for (i = 0; i < FW_MAX_VDS; i++) {
		vd = fw_vd_get(s, i);
		for (j = 0; vd && j < vd->num_pds; j++) {
			pd = &s->pd[vd->pd_ids[j]];
			*val = pd->id;
			if (pd->vd_id != vd->id)
				return "VD member PD not in that VD";
			if (pd->lbs != vd->lbs)
				return "VD member PD of another block size";
			if (pd->media.size < vd->member_bytes)
				return "VD member PD too small";
		}
	}
	for (i = 0; i < s->cfg.num_drives; i++) {
		pd = &s->pd[i];
		*val = i;
		if (pd->vd_id != HBAMGR_ID_NONE && !fw_vd_get(s, pd->vd_id))
			return "PD in a VD that does not exist";
		if (pd->state == HBAMGR_PD_REBUILD &&
		    !fw_bgop_find_running(s, HBAMGR_BGOP_REBUILD, pd->id))
			return "PD in rebuild without a running rebuild";
	}
	for (i = 0; i < FW_MAX_BGOPS; i++) {
		op = &s->bgop[i];
		*val = i;
		if (!op->used || op->state != HBAMGR_BGOP_RUNNING)
			continue;
		if (op->type == HBAMGR_BGOP_PATROL ?
		    op->vd_id != HBAMGR_ID_NONE : !fw_vd_get(s, op->vd_id))
			return "running operation on a VD that does not exist";
		if (op->type == HBAMGR_BGOP_REBUILD &&
		    (op->target >= s->cfg.num_drives ||
		     s->pd[op->target].vd_id != op->vd_id))
			return "running rebuild of a PD not in its VD";
		if (!op->total || op->pos > op->total)
			return "operation position";
	}
	if (!s->rebuild_rate) {
		*val = s->rebuild_rate;
		return "rebuild rate";
	}
	return NULL;
}

static void nv_decode_sections(struct fw_store *s, struct nv_in *in,
			       size_t strict, size_t lazy)
{
	u32 i, n;

	GET_FIELDS(in, s, nv_ctrl_strict);
	for (i = 0; i < s->cfg.num_enclosures; i++)
		GET_FIELDS(in, &s->encl[i], nv_encl_strict);
	for (i = 0; i < s->cfg.num_drives && !in->bad; i++)
		decode_pd(in, &s->pd[i]);
	memset(s->vd, 0, sizeof(s->vd));
	n = get(in, 1);
	for (i = 0; i < n && !in->bad; i++)
		decode_vd(in, s);
	memset(s->bgop, 0, sizeof(s->bgop));
	n = get(in, 1);
	for (i = 0; i < n && !in->bad; i++)
		decode_bgop(in, s);
	if (!in->bad && in->off != FW_NV_HDR_LEN + strict)
		in_bad(in, "strict section length", strict);
	GET_FIELDS(in, s, nv_ctrl_lazy);
	for (i = 0; i < s->cfg.num_drives; i++)
		GET_FIELDS(in, &s->pd[i], nv_pd_lazy);
	for (i = 0; i < FW_MAX_BGOPS; i++) {
		if (s->bgop[i].used)
			GET_FIELDS(in, &s->bgop[i], nv_bgop_lazy);
	}
	if (!in->bad && in->off != FW_NV_HDR_LEN + strict + lazy)
		in_bad(in, "lazy section length", lazy);
}

/*
 * Put the store in the state of image img (already checked by
 * nv_check_header): the configuration is decoded over it, the drives'
 * identity and media stay.  -EUCLEAN (reported) when it does not hold.
 */
static int nv_decode(struct fw_store *s, const u8 *img, size_t len)
{
	struct nv_in in = { .p = img, .len = len - FW_NV_CRC_LEN,
			    .off = FW_NV_HDR_LEN };
	const char *bad;
	u64 val = 0;

	nv_decode_sections(s, &in, le_get(img + NVH_STRICT, 4),
			   le_get(img + NVH_LAZY, 4));
	if (in.bad) {
		fw_nv_report(&s->cfg, "configuration: %s (%llu) at byte %zu",
			     in.bad, (unsigned long long)in.bad_val,
			     in.bad_off);
		return -EUCLEAN;
	}
	bad = nv_check_refs(s, &val);
	if (bad) {
		fw_nv_report(&s->cfg, "configuration: %s (%llu)", bad,
			     (unsigned long long)val);
		return -EUCLEAN;
	}
	return 0;
}

/* Magic, version, lengths and checksum of an image of len bytes. */
static int nv_check_header(const struct hba_fw_config *cfg, const u8 *img,
			   size_t len)
{
	u64 total, strict, lazy, pending;
	u32 crc;

	if (len < FW_NV_HDR_LEN + FW_NV_CRC_LEN) {
		fw_nv_report(cfg, "configuration: %zu bytes, too short for an image (truncated?)",
			     len);
		return -EUCLEAN;
	}
	if (le_get(img + NVH_MAGIC, 4) != FW_NV_MAGIC) {
		fw_nv_report(cfg, "configuration: not an hbamgr configuration image (magic %#llx)",
			     (unsigned long long)le_get(img + NVH_MAGIC, 4));
		return -EUCLEAN;
	}
	if (le_get(img + NVH_VERSION, 2) != FW_NV_VERSION ||
	    le_get(img + NVH_HDR_LEN, 2) != FW_NV_HDR_LEN) {
		fw_nv_report(cfg, "configuration: format version %llu, this firmware reads %u",
			     (unsigned long long)le_get(img + NVH_VERSION, 2),
			     FW_NV_VERSION);
		return -EUCLEAN;
	}
	total = le_get(img + NVH_TOTAL, 4);
	if (total != len) {
		fw_nv_report(cfg, "configuration: %zu bytes, its header says %llu (truncated?)",
			     len, (unsigned long long)total);
		return -EUCLEAN;
	}
	crc = nv_crc32(img, len - FW_NV_CRC_LEN);
	if (crc != le_get(img + len - FW_NV_CRC_LEN, 4)) {
		fw_nv_report(cfg, "configuration: checksum %#x, stored %#llx (damaged)",
			     crc, (unsigned long long)le_get(img + len -
							    FW_NV_CRC_LEN, 4));
		return -EUCLEAN;
	}
	strict = le_get(img + NVH_STRICT, 4);
	lazy = le_get(img + NVH_LAZY, 4);
	pending = le_get(img + NVH_PENDING, 4);
	if (pending > FW_NV_PENDING_MAX ||
	    FW_NV_HDR_LEN + strict + lazy + pending *
	    sizeof(struct hbamgr_event) + FW_NV_CRC_LEN != len) {
		fw_nv_report(cfg, "configuration: section lengths %llu + %llu + %llu events do not add up to %zu bytes",
			     (unsigned long long)strict,
			     (unsigned long long)lazy,
			     (unsigned long long)pending, len);
		return -EUCLEAN;
	}
	return 0;
}

struct nv_topology {
	u32 num_enclosures;
	u32 slots_per_enclosure;
	u32 num_drives;
	u32 drive_size_mb;
	u32 sector_size;
};

static void nv_topology_of(const u8 *img, struct nv_topology *t)
{
	t->num_enclosures = le_get(img + NVH_ENCLS, 4);
	t->slots_per_enclosure = le_get(img + NVH_SLOTS, 4);
	t->num_drives = le_get(img + NVH_DRIVES, 4);
	t->drive_size_mb = le_get(img + NVH_DRIVE_MB, 4);
	t->sector_size = le_get(img + NVH_SECTOR, 4);
}

/* The image's adapter and topology against the configuration's. */
static int nv_check_topology(struct fw_store *s, const u8 *img)
{
	struct hba_fw_config *cfg = &s->cfg;
	u32 adapter = le_get(img + NVH_ADAPTER, 4);
	struct nv_topology t;

	if (adapter != cfg->adapter_index) {
		fw_nv_report(cfg, "configuration: it is adapter %u's, not adapter %u's",
			     adapter, cfg->adapter_index);
		return -EUCLEAN;
	}
	nv_topology_of(img, &t);
	if (t.num_enclosures == cfg->num_enclosures &&
	    t.slots_per_enclosure == cfg->slots_per_enclosure &&
	    t.num_drives == cfg->num_drives &&
	    t.drive_size_mb == cfg->drive_size_mb &&
	    t.sector_size == cfg->sector_size)
		return 0;
	if (!t.num_enclosures || t.num_enclosures > FW_MAX_ENCL ||
	    !t.slots_per_enclosure || t.slots_per_enclosure > FW_MAX_SLOTS ||
	    t.num_drives > t.num_enclosures * t.slots_per_enclosure ||
	    !t.drive_size_mb ||
	    (t.sector_size && t.sector_size != 512 && t.sector_size != 4096)) {
		fw_nv_report(cfg, "configuration: impossible topology %u x %u slots, %u drives of %u MiB",
			     t.num_enclosures, t.slots_per_enclosure,
			     t.num_drives, t.drive_size_mb);
		return -EUCLEAN;
	}
	fw_nv_report(cfg, "configuration: made for %u enclosure(s) x %u slots, %u drives of %u MiB, sector size %u; this adapter has %u x %u, %u drives of %u MiB, sector size %u: %s",
		     t.num_enclosures, t.slots_per_enclosure, t.num_drives,
		     t.drive_size_mb, t.sector_size, cfg->num_enclosures,
		     cfg->slots_per_enclosure, cfg->num_drives,
		     cfg->drive_size_mb, cfg->sector_size,
		     cfg->nvram_adopt_topology ? "adopting the stored topology" :
		     "refused (adopt it, or start a new adapter)");
	if (!cfg->nvram_adopt_topology)
		return -EUCLEAN;
	cfg->num_enclosures = t.num_enclosures;
	cfg->slots_per_enclosure = t.slots_per_enclosure;
	cfg->num_drives = t.num_drives;
	cfg->drive_size_mb = t.drive_size_mb;
	cfg->sector_size = t.sector_size;
	return 0;
}

int fw_nv_load_header(struct fw_store *s)
{
	struct fw_nv *nv = &s->nv;
	ssize_t len;
	int ret;

	nv->ops = s->cfg.nvram;
	nv->ctx = s->cfg.nvram_ctx;
	if (!nv->ops)
		return 0;
	nv->img = hba_vzalloc(FW_NV_IMAGE_MAX);
	nv->saved = hba_vzalloc(FW_NV_IMAGE_MAX);
	if (!nv->img || !nv->saved)
		return -ENOMEM;
	len = nv->ops->config_load(nv->ctx, nv->saved, FW_NV_IMAGE_MAX);
	if (len == -EFBIG)
		fw_nv_report(&s->cfg, "configuration: larger than %zu bytes, too large for an image",
			     (size_t)FW_NV_IMAGE_MAX);
	if (len < 0)
		return len == -EFBIG ? -EUCLEAN : (int)len;
	if (!len)
		return 0;
	ret = nv_check_header(&s->cfg, nv->saved, len);
	if (!ret)
		ret = nv_check_topology(s, nv->saved);
	if (ret)
		return ret;
	nv->saved_len = len;
	nv->saved_strict = le_get(nv->saved + NVH_STRICT, 4);
	nv->saved_lazy = le_get(nv->saved + NVH_LAZY, 4);
	return 0;
}

/* Hand the held-back events to the log (gen: their image's generation). */
static void nv_flush_events(struct fw_store *s, u64 gen)
{
	if (!s->num_pending && !gen)
		return;
	s->sink.log(s->sink.ctx, s->pending, s->num_pending, gen);
	s->num_pending = 0;
}

/* Log the events an image holds, as generation gen. */
static void nv_log_image_events(struct fw_store *s, const u8 *img, u64 gen)
{
	u32 n = le_get(img + NVH_PENDING, 4);
	size_t off = FW_NV_HDR_LEN + le_get(img + NVH_STRICT, 4) +
		     le_get(img + NVH_LAZY, 4);

	memcpy(s->pending, img + off, n * sizeof(*s->pending));
	s->num_pending = n;
	nv_flush_events(s, gen);
}

/* An operation interrupted by the power cut goes on where it was. */
static void nv_resume_bgops(struct fw_store *s)
{
	u32 i;

	for (i = 0; i < FW_MAX_BGOPS; i++) {
		struct fw_bgop *op = &s->bgop[i];

		if (op->used && op->state == HBAMGR_BGOP_RUNNING)
			fw_bgop_resumed(s, op);
	}
}

int fw_nv_load_state(struct fw_store *s)
{
	struct fw_nv *nv = &s->nv;
	u64 gen, logged, log_id, newest, img_log_id;
	bool complete;
	int ret;

	if (!nv->ops)
		return 0;
	s->sink.state(s->sink.ctx, &log_id, &newest);
	if (!nv->saved_len) {
		logged = s->sink.attach(s->sink.ctx, 0, &complete);
		if (logged) {
			fw_nv_report(&s->cfg, "configuration: missing, but the event log has configuration generation %llu (the state was damaged or partly removed)",
				     (unsigned long long)logged);
			return -EUCLEAN;
		}
		return 0;	/* factory new */
	}
	gen = le_get(nv->saved + NVH_GEN, 8);
	img_log_id = le_get(nv->saved + NVH_LOG_ID, 8);
	if (img_log_id != log_id) {
		fw_nv_report(&s->cfg, "configuration: belongs to event log %#llx, the event log is %#llx (files of two adapters?)",
			     (unsigned long long)img_log_id,
			     (unsigned long long)log_id);
		return -EUCLEAN;
	}
	ret = nv_decode(s, nv->saved, nv->saved_len);
	if (ret)
		return ret;
	logged = s->sink.attach(s->sink.ctx,
				le_get(nv->saved + NVH_LOG_SEQ, 8), &complete);
	if (!complete)
		logged--;
	if (logged > gen) {
		fw_nv_report(&s->cfg, "configuration: generation %llu, but the event log has generation %llu (an older copy of the configuration?)",
			     (unsigned long long)gen,
			     (unsigned long long)logged);
		return -EUCLEAN;
	}
	nv->gen = gen;
	/* Cut off before its events were logged: log them now. */
	if (logged < gen)
		nv_log_image_events(s, nv->saved, gen);
	nv_resume_bgops(s);
	return 0;
}

void fw_nv_free(struct fw_store *s)
{
	hba_vfree(s->nv.img);
	hba_vfree(s->nv.saved);
}

static bool nv_section_differs(const struct fw_nv *nv, size_t off,
			       size_t len, size_t saved_off, size_t saved_len)
{
	return len != saved_len ||
	       memcmp(nv->img + off, nv->saved + saved_off, len);
}

/* A save failed: back to the saved image; the change never happened. */
static void nv_undo(struct fw_store *s, int err, u64 gen)
{
	struct fw_nv *nv = &s->nv;

	HBA_WARN_ON(nv_decode(s, nv->saved, nv->saved_len));
	s->num_pending = 0;
	if (nv->failing)
		return;
	nv->failing = true;
	fw_nv_report(&s->cfg, "configuration: saving generation %llu failed (%d); the change was undone",
		     (unsigned long long)gen, err);
	fw_emit(s, HBAMGR_EVT_CTRL_NVRAM_ERROR, HBAMGR_EVC_CTRL,
		HBAMGR_SEV_CRITICAL, HBAMGR_ID_NONE, HBAMGR_ID_NONE,
		HBAMGR_ID_NONE, HBAMGR_ID_NONE, (u32)-err, 0,
		"NVRAM write failed (errno %d), change undone", -err);
	nv_flush_events(s, 0);
}

int fw_nv_commit(struct fw_store *s, bool checkpoint)
{
	struct fw_nv *nv = &s->nv;
	bool strict, lazy;
	u8 *tmp;
	int ret;

	hba_mutex_assert_held(&s->lock);
	if (!nv->ops) {
		nv_flush_events(s, 0);
		return 0;
	}
	nv_encode_strict(s, nv->img);
	strict = !nv->saved_len ||
		 nv_section_differs(nv, FW_NV_HDR_LEN, nv->img_strict,
				    FW_NV_HDR_LEN, nv->saved_strict);
	if (!strict && !checkpoint) {
		nv_flush_events(s, 0);
		return 0;
	}
	nv_encode_rest(s, nv->img, nv->gen + 1);
	lazy = nv_section_differs(nv, FW_NV_HDR_LEN + nv->img_strict,
				  nv->img_lazy,
				  FW_NV_HDR_LEN + nv->saved_strict,
				  nv->saved_lazy);
	if (!strict && !lazy) {
		nv_flush_events(s, 0);
		return 0;
	}
	ret = nv->ops->config_save(nv->ctx, nv->img, nv->img_len);
	if (ret) {
		if (strict && nv->saved_len) {
			nv_undo(s, ret, nv->gen + 1);
			return ret;
		}
		/* Progress only: kept in RAM, saved with the next change. */
		nv_flush_events(s, 0);
		return strict ? ret : 0;
	}
	tmp = nv->saved;
	nv->saved = nv->img;
	nv->img = tmp;
	nv->saved_len = nv->img_len;
	nv->saved_strict = nv->img_strict;
	nv->saved_lazy = nv->img_lazy;
	nv->gen++;
	nv->since_checkpoint_ms = 0;
	if (nv->failing) {
		nv->failing = false;
		fw_nv_report(&s->cfg, "configuration: saved again (generation %llu)",
			     (unsigned long long)nv->gen);
	}
	nv_flush_events(s, nv->gen);
	return 0;
}

/* fw_emit(): hold the event back until its change is saved. */
void fw_nv_queue_event(struct fw_store *s, const struct hbamgr_event *ev)
{
	hba_mutex_assert_held(&s->lock);
	if (s->num_pending == FW_NV_PENDING_MAX)
		fw_nv_commit(s, false);
	s->pending[s->num_pending++] = *ev;
}
