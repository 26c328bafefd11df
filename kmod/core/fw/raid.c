// SPDX-License-Identifier: GPL-2.0
/*
 * VD data path: RAID 0/1/5/6/10 mapping onto member PDs, degraded reads by
 * reconstruction, writes that keep parity consistent on degraded arrays,
 * and the per-segment work of rebuild, consistency check and init.
 *
 * Layout, with n members and strip bytes per member strip: VD byte offset
 * off lies in logical strip k = off / strip, which is data strip d = k % nd
 * of row r = k / nd (nd data strips per row); on its member it sits at
 * r * strip + off % strip.
 *  RAID0:  data strip d on member d.
 *  RAID1:  two members, both hold everything.
 *  RAID10: pairs (0,1), (2,3)...: data strip d on members 2d and 2d+1.
 *  RAID5:  left-symmetric: P on member n-1 - r % n, data strip d on member
 *          (P + 1 + d) % n.
 *  RAID6:  P on n-1 - r % n, Q on (P + 1) % n, data strip d on
 *          (P + 2 + d) % n (md's left-symmetric RAID6 rotation).  P is the
 *          XOR of the data, Q = sum g^d * D_d in GF(2^8), polynomial 0x11d,
 *          generator g = 2, as in the kernel's lib/raid6.
 * Parity is computed byte-wise across a row, so any byte range of a row
 * inside one strip (a segment, at most FW_SEG_MAX) is processed on its own
 * using the store's scratch buffers.
 *
 * Members in state ONLINE are read; members ONLINE or REBUILD are written.
 * A media error on a member of a redundant VD is repaired: the blocks are
 * reconstructed and rewritten (fw_pd.corrected_errors).
 */
#include "store_internal.h"

#define ROLE_P	(-1)
#define ROLE_Q	(-2)

static u8 gf_mul(u8 a, u8 b)
{
	u8 r = 0;

	while (b) {
		if (b & 1)
			r ^= a;
		a = (u8)(a << 1) ^ ((a & 0x80) ? 0x1d : 0);
		b >>= 1;
	}
	return r;
}

static u8 gf_pow2(u32 e)
{
	u8 r = 1;

	while (e--)
		r = gf_mul(r, 2);
	return r;
}

static u8 gf_inv(u8 a)
{
	u8 r = 1;
	int i;

	for (i = 0; i < 254; i++)	/* a^254 = a^-1 in GF(2^8) */
		r = gf_mul(r, a);
	return r;
}

/* dst ^= c * src */
static void gf_mul_xor(u8 *dst, const u8 *src, u8 c, size_t len)
{
	u8 tbl[256];
	size_t i;

	for (i = 0; i < 256; i++)
		tbl[i] = gf_mul(c, (u8)i);
	for (i = 0; i < len; i++)
		dst[i] ^= tbl[src[i]];
}

static void gf_mul_buf(u8 *buf, u8 c, size_t len)
{
	u8 tbl[256];
	size_t i;

	for (i = 0; i < 256; i++)
		tbl[i] = gf_mul(c, (u8)i);
	for (i = 0; i < len; i++)
		buf[i] = tbl[buf[i]];
}

static void xor_buf(u8 *dst, const u8 *src, size_t len)
{
	size_t i = 0;
	u64 a, b;

	for (; i + 8 <= len; i += 8) {	/* a word at a time */
		memcpy(&a, dst + i, 8);
		memcpy(&b, src + i, 8);
		a ^= b;
		memcpy(dst + i, &a, 8);
	}
	for (; i < len; i++)
		dst[i] ^= src[i];
}

u32 fw_raid_data_members(u8 level, u32 num_pds)
{
	switch (level) {
	case 0:
		return num_pds;
	case 1:
		return 1;
	case 10:
		return num_pds / 2;
	case 5:
		return num_pds - 1;
	case 6:
		return num_pds - 2;
	default:
		return 0;
	}
}

struct row_map {
	u32 ndata;
	int p;
	int q;				/* -1 unless RAID6 */
	u8 data[HBAMGR_VD_MAX_PDS];	/* data strip -> member */
	int role[HBAMGR_VD_MAX_PDS];	/* member -> data strip, ROLE_P/Q */
};

static void parity_row_map(const struct fw_vd *vd, u64 row, struct row_map *m)
{
	u32 n = vd->num_pds, d, first;

	m->ndata = fw_raid_data_members(vd->level, n);
	m->p = n - 1 - (u32)(row % n);
	m->q = vd->level == 6 ? (int)((m->p + 1) % n) : -1;
	first = m->p + (vd->level == 6 ? 2 : 1);
	for (d = 0; d < m->ndata; d++) {
		m->data[d] = (first + d) % n;
		m->role[m->data[d]] = d;
	}
	m->role[m->p] = ROLE_P;
	if (m->q >= 0)
		m->role[m->q] = ROLE_Q;
}

static struct fw_pd *member(struct fw_store *s, const struct fw_vd *vd, u32 i)
{
	return &s->pd[vd->pd_ids[i]];
}

static bool readable(const struct fw_pd *pd)
{
	return pd->state == HBAMGR_PD_ONLINE;
}

static bool writable(const struct fw_pd *pd)
{
	return pd->state == HBAMGR_PD_ONLINE || pd->state == HBAMGR_PD_REBUILD;
}

static void scratch_bufs(struct fw_store *s, u8 **bufs)
{
	u32 i;

	for (i = 0; i < FW_SCRATCH_BUFS; i++)
		bufs[i] = s->scratch + (size_t)i * FW_SEG_MAX;
}

int fw_pd_read(struct fw_store *s, struct fw_pd *pd, u64 off, void *buf,
	       size_t len, u64 *bad_lba)
{
	u64 lba = off / pd->lbs, first;
	u64 count = (off % pd->lbs + len + pd->lbs - 1) / pd->lbs;

	hba_mutex_assert_held(&s->lock);
	if (off > pd->media.size || len > pd->media.size - off)
		return FW_IO_OFFLINE;
	if (fw_pd_bad_in_range(pd, lba, count, &first)) {
		pd->media_errors++;
		fw_emit(s, HBAMGR_EVT_PD_MEDIA_ERROR, HBAMGR_EVC_PD,
			HBAMGR_SEV_WARNING, pd->encl, pd->slot, pd->id,
			pd->vd_id, (u32)first, (u32)(first >> 32),
			"PD %u:%u medium error at LBA %llu", pd->encl,
			pd->slot, (unsigned long long)first);
		if (pd->media_errors == FW_PFA_MEDIA_ERRORS) {
			/* The drive's SMART trips: a predictive failure. */
			pd->predictive_failures++;
			fw_emit(s, HBAMGR_EVT_PD_PREDICTIVE_FAIL,
				HBAMGR_EVC_PD, HBAMGR_SEV_WARNING, pd->encl,
				pd->slot, pd->id, pd->vd_id,
				pd->media_errors, 0,
				"PD %u:%u predictive failure", pd->encl,
				pd->slot);
		}
		if (bad_lba)
			*bad_lba = first;
		return FW_IO_MEDIUM;
	}
	if (fw_media_read(&pd->media, off, buf, len))
		return FW_IO_HW;
	pd->blocks_read += len / pd->lbs;
	return FW_IO_OK;
}

int fw_pd_write(struct fw_store *s, struct fw_pd *pd, u64 off,
		const void *buf, size_t len)
{
	hba_mutex_assert_held(&s->lock);
	if (off > pd->media.size || len > pd->media.size - off)
		return FW_IO_OFFLINE;
	if (fw_media_write(&pd->media, off, buf, len))
		return FW_IO_HW;
	/* A write reallocates bad blocks, as a real drive does. */
	fw_pd_clear_bad(pd, off / pd->lbs, len / pd->lbs);
	pd->blocks_written += len / pd->lbs;
	return FW_IO_OK;
}

/* Rewrite blocks that failed to read with their reconstructed content. */
static int repair(struct fw_store *s, struct fw_pd *pd, u64 off,
		  const void *buf, size_t len)
{
	int rc = fw_pd_write(s, pd, off, buf, len);

	if (!rc)
		pd->corrected_errors++;
	return rc;
}

/* Members that are away missed this write: they need a rebuild. */
static void mark_absent_stale(struct fw_store *s, const struct fw_vd *vd)
{
	u32 i;

	for (i = 0; i < vd->num_pds; i++)
		if (!writable(member(s, vd, i)))
			member(s, vd, i)->stale = true;
}

static int mirror_read(struct fw_store *s, const struct fw_vd *vd, u32 first,
		       u64 moff, u8 *buf, size_t len, u64 *bad)
{
	struct fw_pd *copy[2] = { member(s, vd, first),
				  member(s, vd, first + 1) };
	bool failed[2] = { false, false };
	int rc = FW_IO_OFFLINE;
	u32 i;

	for (i = 0; i < 2; i++) {
		if (!readable(copy[i]))
			continue;
		rc = fw_pd_read(s, copy[i], moff, buf, len, bad);
		if (rc == FW_IO_MEDIUM) {
			failed[i] = true;
			continue;
		}
		if (rc)
			return rc;
		if (i == 1 && failed[0])
			return repair(s, copy[0], moff, buf, len);
		return FW_IO_OK;
	}
	return rc;
}

static void parity_gen(const struct row_map *m, u8 **bufs, size_t len,
		       bool want_p, bool want_q)
{
	u32 d;

	if (want_p) {
		memset(bufs[m->p], 0, len);
		for (d = 0; d < m->ndata; d++)
			xor_buf(bufs[m->p], bufs[m->data[d]], len);
	}
	if (want_q && m->q >= 0) {
		memset(bufs[m->q], 0, len);
		for (d = 0; d < m->ndata; d++)
			gf_mul_xor(bufs[m->q], bufs[m->data[d]], gf_pow2(d),
				   len);
	}
}

/*
 * Fill the lost members' buffers of a row segment (at most one lost for
 * RAID5, two for RAID6).  bufs[n] and bufs[n + 1] are temporaries.
 */
static void parity_reconstruct(const struct fw_vd *vd, const struct row_map *m,
			       u8 **bufs, u32 lost, size_t len)
{
	bool lost_p = lost & (1U << m->p);
	bool lost_q = m->q >= 0 && (lost & (1U << m->q));
	u8 *t0 = bufs[vd->num_pds], *t1 = bufs[vd->num_pds + 1];
	int x = -1, y = -1;
	u32 d;

	for (d = 0; d < m->ndata; d++) {
		if (!(lost & (1U << m->data[d])))
			continue;
		if (x < 0)
			x = d;
		else
			y = d;
	}
	if (x < 0) {
		parity_gen(m, bufs, len, lost_p, lost_q);
		return;
	}
	if (!lost_p && y < 0) {
		/* One data strip from P, then Q if it was lost too. */
		memcpy(bufs[m->data[x]], bufs[m->p], len);
		for (d = 0; d < m->ndata; d++)
			if ((int)d != x)
				xor_buf(bufs[m->data[x]], bufs[m->data[d]],
					len);
		parity_gen(m, bufs, len, false, lost_q);
		return;
	}
	/* RAID6 from here: t0 = P + sum of the surviving data (when P is
	 * there), t1 = Q + sum g^d D_d of the surviving data.
	 */
	memcpy(t1, bufs[m->q], len);
	if (!lost_p)
		memcpy(t0, bufs[m->p], len);
	for (d = 0; d < m->ndata; d++) {
		if ((int)d == x || (int)d == y)
			continue;
		if (!lost_p)
			xor_buf(t0, bufs[m->data[d]], len);
		gf_mul_xor(t1, bufs[m->data[d]], gf_pow2(d), len);
	}
	if (y < 0) {
		/* Data and P lost: t1 = g^x D_x. */
		gf_mul_buf(t1, gf_inv(gf_pow2(x)), len);
		memcpy(bufs[m->data[x]], t1, len);
		parity_gen(m, bufs, len, true, false);
		return;
	}
	/* Two data lost: t0 = D_x + D_y, t1 = g^x D_x + g^y D_y, so
	 * D_x = (t1 + g^y t0) / (g^x + g^y) and D_y = t0 + D_x.
	 */
	gf_mul_xor(t1, t0, gf_pow2(y), len);
	gf_mul_buf(t1, gf_inv(gf_pow2(x) ^ gf_pow2(y)), len);
	memcpy(bufs[m->data[x]], t1, len);
	xor_buf(t0, t1, len);
	memcpy(bufs[m->data[y]], t0, len);
}

/*
 * Load member bytes [moff, moff + len) of every member of a row into
 * bufs[], reconstructing what cannot be read and repairing media errors.
 * known_bad: members whose read already failed with a media error.
 */
static int parity_load(struct fw_store *s, const struct fw_vd *vd,
		       const struct row_map *m, u64 moff, size_t len,
		       u8 **bufs, u32 known_bad, u64 *bad)
{
	u32 npar = vd->level == 6 ? 2 : 1, lost = 0, nlost = 0, i;
	u32 fix = known_bad;
	int rc = FW_IO_OFFLINE;

	for (i = 0; i < vd->num_pds; i++) {
		struct fw_pd *pd = member(s, vd, i);

		if (!readable(pd) || (known_bad & (1U << i))) {
			lost |= 1U << i;
			nlost++;
			if (known_bad & (1U << i))
				rc = FW_IO_MEDIUM;
			continue;
		}
		switch (fw_pd_read(s, pd, moff, bufs[i], len, bad)) {
		case FW_IO_OK:
			break;
		case FW_IO_MEDIUM:
			fix |= 1U << i;
			lost |= 1U << i;
			nlost++;
			rc = FW_IO_MEDIUM;
			break;
		default:
			return FW_IO_OFFLINE;
		}
	}
	if (nlost > npar)
		return rc;
	parity_reconstruct(vd, m, bufs, lost, len);
	for (i = 0; i < vd->num_pds; i++) {
		if (!(fix & (1U << i)))
			continue;
		rc = repair(s, member(s, vd, i), moff, bufs[i], len);
		if (rc)
			return rc;
	}
	return FW_IO_OK;
}

static int parity_read(struct fw_store *s, const struct fw_vd *vd, u64 row,
		       u32 d, u64 moff, u8 *dst, size_t len, u64 *bad)
{
	u8 *bufs[FW_SCRATCH_BUFS];
	struct row_map m;
	u32 known_bad = 0;
	int rc;

	parity_row_map(vd, row, &m);
	if (readable(member(s, vd, m.data[d]))) {
		rc = fw_pd_read(s, member(s, vd, m.data[d]), moff, dst, len,
				bad);
		if (rc != FW_IO_MEDIUM)
			return rc;
		known_bad = 1U << m.data[d];
	}
	scratch_bufs(s, bufs);
	rc = parity_load(s, vd, &m, moff, len, bufs, known_bad, bad);
	if (!rc)
		memcpy(dst, bufs[m.data[d]], len);
	return rc;
}

static int parity_write(struct fw_store *s, const struct fw_vd *vd, u64 row,
			u32 d, u64 moff, const u8 *src, size_t len)
{
	u8 *bufs[FW_SCRATCH_BUFS];
	struct row_map m;
	u64 bad;
	u32 i;
	int rc;

	parity_row_map(vd, row, &m);
	scratch_bufs(s, bufs);
	rc = parity_load(s, vd, &m, moff, len, bufs, 0, &bad);
	if (rc)
		return rc;
	memcpy(bufs[m.data[d]], src, len);
	parity_gen(&m, bufs, len, true, true);
	for (i = 0; i < vd->num_pds; i++) {
		struct fw_pd *pd = member(s, vd, i);

		if (!writable(pd))
			continue;
		if (i != m.data[d] && m.role[i] >= 0 &&
		    pd->state != HBAMGR_PD_REBUILD)
			continue;	/* unchanged data strip */
		rc = fw_pd_write(s, pd, moff, bufs[i], len);
		if (rc)
			return rc;
	}
	return FW_IO_OK;
}

struct seg {
	u64 row;
	u32 d;		/* data strip in the row */
	u64 moff;	/* member byte offset */
	size_t len;
};

static void vd_seg(const struct fw_vd *vd, u64 off, size_t len, struct seg *g)
{
	u32 strip = vd->strip_kb << 10;
	u32 nd = fw_raid_data_members(vd->level, vd->num_pds);
	u64 k = off / strip;
	u32 in = off % strip;

	g->row = k / nd;
	g->d = k % nd;
	g->moff = g->row * strip + in;
	g->len = min_t(size_t, min_t(size_t, len, strip - in), FW_SEG_MAX);
}

int fw_raid_read(struct fw_store *s, struct fw_vd *vd, u64 off, void *buf,
		 size_t len, u64 *bad_lba)
{
	u8 *dst = buf;

	hba_mutex_assert_held(&s->lock);
	while (len) {
		struct fw_pd *pd;
		struct seg g;
		u64 bad = 0;
		int rc;

		vd_seg(vd, off, len, &g);
		switch (vd->level) {
		case 0:
			pd = member(s, vd, g.d);
			rc = readable(pd) ?
			     fw_pd_read(s, pd, g.moff, dst, g.len, &bad) :
			     FW_IO_OFFLINE;
			break;
		case 1:
			rc = mirror_read(s, vd, 0, g.moff, dst, g.len, &bad);
			break;
		case 10:
			rc = mirror_read(s, vd, 2 * g.d, g.moff, dst, g.len,
					 &bad);
			break;
		default:
			rc = parity_read(s, vd, g.row, g.d, g.moff, dst, g.len,
					 &bad);
			break;
		}
		if (rc) {
			/* Report the VD block holding the member's bad one. */
			if (rc == FW_IO_MEDIUM && bad_lba)
				*bad_lba = (off + bad * member(s, vd, 0)->lbs -
					    g.moff) / vd->lbs;
			return rc;
		}
		dst += g.len;
		off += g.len;
		len -= g.len;
	}
	return FW_IO_OK;
}

int fw_raid_write(struct fw_store *s, struct fw_vd *vd, u64 off,
		  const void *buf, size_t len)
{
	const u8 *src = buf;
	int rc = FW_IO_OK;

	hba_mutex_assert_held(&s->lock);
	if (vd->state == HBAMGR_VD_OFFLINE)
		return FW_IO_OFFLINE;
	while (len && !rc) {
		struct fw_pd *pd;
		struct seg g;
		u32 i, first, copies, wrote = 0;

		vd_seg(vd, off, len, &g);
		switch (vd->level) {
		case 0:
		case 1:
		case 10:
			first = vd->level == 0 ? g.d :
				vd->level == 1 ? 0 : 2 * g.d;
			copies = vd->level == 0 ? 1 : 2;
			for (i = first; i < first + copies && !rc; i++) {
				pd = member(s, vd, i);
				if (!writable(pd))
					continue;
				rc = fw_pd_write(s, pd, g.moff, src, g.len);
				wrote++;
			}
			if (!rc && !wrote)
				rc = FW_IO_OFFLINE;
			break;
		default:
			rc = parity_write(s, vd, g.row, g.d, g.moff, src,
					  g.len);
			break;
		}
		src += g.len;
		off += g.len;
		len -= g.len;
	}
	mark_absent_stale(s, vd);
	return rc;
}

int fw_raid_rebuild_segment(struct fw_store *s, struct fw_vd *vd,
			    u32 pd_idx, u64 off, u32 len)
{
	struct fw_pd *target = member(s, vd, pd_idx);
	u32 strip = vd->strip_kb << 10, known_bad;
	u8 *bufs[FW_SCRATCH_BUFS];
	struct row_map m;
	u64 bad;
	int rc;

	hba_mutex_assert_held(&s->lock);
	scratch_bufs(s, bufs);
	switch (vd->level) {
	case 1:
	case 10:
		if (!readable(member(s, vd, pd_idx ^ 1)))
			return FW_IO_OFFLINE;
		rc = fw_pd_read(s, member(s, vd, pd_idx ^ 1), off, bufs[pd_idx],
				len, &bad);
		break;
	case 5:
	case 6:
		/* A readable target is being repaired: parity_load rewrites
		 * it as a known bad member.
		 */
		known_bad = readable(target) ? 1U << pd_idx : 0;
		parity_row_map(vd, off / strip, &m);
		rc = parity_load(s, vd, &m, off, len, bufs, known_bad, &bad);
		if (rc || known_bad)
			return rc;
		break;
	default:
		return FW_IO_OFFLINE;
	}
	if (rc)
		return rc;
	if (readable(target))
		return repair(s, target, off, bufs[pd_idx], len);
	return fw_pd_write(s, target, off, bufs[pd_idx], len);
}

static int mirror_check(struct fw_store *s, struct fw_vd *vd, u32 first,
			u64 off, u32 len, u8 **bufs)
{
	struct fw_pd *b = member(s, vd, first + 1);
	u64 bad;
	int rc;

	rc = mirror_read(s, vd, first, off, bufs[0], len, &bad);
	if (rc)
		return -rc;
	rc = fw_pd_read(s, b, off, bufs[1], len, &bad);
	if (rc == FW_IO_MEDIUM)
		return -repair(s, b, off, bufs[0], len);
	if (rc)
		return -rc;
	if (!memcmp(bufs[0], bufs[1], len))
		return 0;
	rc = fw_pd_write(s, b, off, bufs[0], len);
	return rc ? -rc : 1;
}

int fw_raid_check_segment(struct fw_store *s, struct fw_vd *vd, u64 off,
			  u32 len)
{
	u32 strip = vd->strip_kb << 10, i, fixed = 0;
	u8 *bufs[FW_SCRATCH_BUFS];
	struct row_map m;
	u8 *t0, *t1;
	u64 bad;
	int rc;

	hba_mutex_assert_held(&s->lock);
	scratch_bufs(s, bufs);
	switch (vd->level) {
	case 1:
	case 10:
		for (i = 0; i < vd->num_pds; i += 2) {
			rc = mirror_check(s, vd, i, off, len, bufs);
			if (rc < 0)
				return rc;
			fixed += rc;
		}
		return fixed;
	case 5:
	case 6:
		break;
	default:
		return 0;
	}
	parity_row_map(vd, off / strip, &m);
	rc = parity_load(s, vd, &m, off, len, bufs, 0, &bad);
	if (rc)
		return -rc;
	t0 = bufs[vd->num_pds];
	t1 = bufs[vd->num_pds + 1];
	memcpy(t0, bufs[m.p], len);
	if (m.q >= 0)
		memcpy(t1, bufs[m.q], len);
	parity_gen(&m, bufs, len, true, true);
	if (!memcmp(t0, bufs[m.p], len) &&
	    (m.q < 0 || !memcmp(t1, bufs[m.q], len)))
		return 0;
	rc = fw_pd_write(s, member(s, vd, m.p), off, bufs[m.p], len);
	if (!rc && m.q >= 0)
		rc = fw_pd_write(s, member(s, vd, m.q), off, bufs[m.q], len);
	return rc ? -rc : 1;
}

int fw_raid_init_segment(struct fw_store *s, struct fw_vd *vd, u64 off,
			 u32 len)
{
	u8 *zero = s->scratch;
	u32 i;
	int rc;

	hba_mutex_assert_held(&s->lock);
	memset(zero, 0, len);
	for (i = 0; i < vd->num_pds; i++) {
		if (!writable(member(s, vd, i)))
			continue;
		rc = fw_pd_write(s, member(s, vd, i), off, zero, len);
		if (rc)
			return rc;
	}
	mark_absent_stale(s, vd);
	return FW_IO_OK;
}
