// SPDX-License-Identifier: GPL-2.0
/*
 * SCSI command emulation for VD targets and, with HBAMGR_PT_F_PHYS, PD
 * targets: answers like a SAS disk (formats after the kernel's scsi_debug)
 * so that sg3_utils, smartctl and the sd driver are content.  Sense data is
 * fixed format (0x70).  Data moves through the frame's SGL; the transfer
 * count says how much did, never more than the SGL holds.
 */
#include "store_internal.h"

#define SAM_GOOD		0x00
#define SAM_CHECK_CONDITION	0x02

#define SK_NO_SENSE		0x0
#define SK_NOT_READY		0x2
#define SK_MEDIUM_ERROR		0x3
#define SK_HARDWARE_ERROR	0x4
#define SK_ILLEGAL_REQUEST	0x5
#define SK_MISCOMPARE		0xe

#define ASC_WRITE_ERROR		0x0c
#define ASC_UNRECOVERED_READ	0x11
#define ASC_PARAM_LIST_LENGTH	0x1a
#define ASC_INVALID_OPCODE	0x20
#define ASC_LBA_OUT_OF_RANGE	0x21
#define ASC_INVALID_FIELD_CDB	0x24
#define ASC_LUN_NOT_SUPPORTED	0x25
#define ASC_INVALID_FIELD_PARAM	0x26
#define ASC_SAVING_NOT_SUPPORTED 0x39
#define ASC_MISCOMPARE_VERIFY	0x1d
#define ASC_LU_FAILURE		0x3e
#define ASC_INTERNAL_FAILURE	0x44
#define ASC_NOT_READY		0x04	/* ascq 0x03: manual intervention */

#define FW_SELFTEST_NUM		20

/* SEND DIAGNOSTIC self-test codes and self-test log results (SPC). */
#define ST_BG_SHORT		1
#define ST_BG_LONG		2
#define ST_BG_ABORT		4
#define ST_FG_SHORT		5
#define ST_FG_LONG		6
#define ST_ABORTED_BY_CMD	1	/* SEND DIAGNOSTIC abort */
#define ST_ABORTED		2	/* other means: reset, power loss */
#define ST_FAILED_READ		7	/* failed in the read element */
#define ST_IN_PROGRESS		0xf
#define ASCQ_SELFTEST_RUNNING	0x09	/* with ASC_NOT_READY */

/*
 * How long a background self-test takes: the short one a fixed time, the
 * extended one reads the whole medium at FW_SELFTEST_LONG_RATE bytes/s (at
 * least FW_SELFTEST_LONG_MIN_NS).  The control mode page reports it.
 */
#define FW_SELFTEST_SHORT_NS	(2ULL * 1000000000ULL)
#define FW_SELFTEST_LONG_MIN_NS	(4ULL * 1000000000ULL)
#define FW_SELFTEST_LONG_SHIFT	30	/* 1 GiB/s */

/* The logical unit a frame addresses: a VD or, with F_PHYS, a PD. */
struct lu {
	struct fw_vd *vd;
	struct fw_pd *pd;
	u32 lbs;
	u32 pbs;
	u64 num_blocks;
	const char *vendor;
	const char *product;
	const char *rev;
	char serial[32];
	u64 naa;
	u16 rotation;		/* VPD B1: 0 not reported, 1 SSD, else rpm */
	u32 opt_gran;		/* blocks */
	u32 opt_xfer;		/* blocks */
	bool *write_cache;
};

struct cmd {
	struct fw_store *s;
	const struct hba_req_frame *f;
	const u8 *cdb;
	const struct hba_sge *sgl;
	u32 sge_count;
	u32 cap;		/* bytes the data buffer holds */
	struct hba_reply_frame *r;
	struct lu lu;
};

static u16 get_be16(const u8 *p)
{
	return (u16)(p[0] << 8 | p[1]);
}

static u32 get_be32(const u8 *p)
{
	return (u32)p[0] << 24 | (u32)p[1] << 16 | (u32)p[2] << 8 | p[3];
}

static u64 get_be64(const u8 *p)
{
	return (u64)get_be32(p) << 32 | get_be32(p + 4);
}

static void put_be16(u8 *p, u16 v)
{
	p[0] = v >> 8;
	p[1] = (u8)v;
}

static void put_be32(u8 *p, u32 v)
{
	p[0] = v >> 24;
	p[1] = (u8)(v >> 16);
	p[2] = (u8)(v >> 8);
	p[3] = (u8)v;
}

static void put_be64(u8 *p, u64 v)
{
	put_be32(p, (u32)(v >> 32));
	put_be32(p + 4, (u32)v);
}

/* Copy a space-padded ASCII field. */
static void put_ascii(u8 *p, const char *str, size_t width)
{
	size_t n = min_t(size_t, strlen(str), width);

	memset(p, ' ', width);
	memcpy(p, str, n);
}

static void sense_info(struct cmd *c, u8 key, u8 asc, u8 ascq, bool valid,
		       u64 info)
{
	struct hba_reply_frame *r = c->r;

	memset(r->sense, 0, 18);
	r->sense[0] = 0x70 | (valid ? 0x80 : 0);
	r->sense[2] = key;
	if (valid)
		put_be32(&r->sense[3], (u32)min_t(u64, info, 0xffffffffu));
	r->sense[7] = 10;
	r->sense[12] = asc;
	r->sense[13] = ascq;
	r->sense_len = 18;
	r->scsi_status = SAM_CHECK_CONDITION;
	r->status = HBAMGR_ST_SCSI_ERROR;
}

static void sense(struct cmd *c, u8 key, u8 asc, u8 ascq)
{
	sense_info(c, key, asc, ascq, false, 0);
}

static void invalid_cdb(struct cmd *c)
{
	sense(c, SK_ILLEGAL_REQUEST, ASC_INVALID_FIELD_CDB, 0);
}

/* Bytes the data-in buffer holds: none unless the frame reads. */
static u32 cap_in(const struct cmd *c)
{
	return c->f->dir == HBAMGR_DIR_FROM_DEV ? c->cap : 0;
}

/* Return a built response, truncated to alloc and the buffer. */
static void data_in(struct cmd *c, const void *buf, u32 len, u32 alloc)
{
	u32 n = min_t(u32, min_t(u32, len, alloc), cap_in(c));

	c->r->transfer_count = (u32)fw_sgl_copy_to(c->sgl, c->sge_count, 0,
						   buf, n);
}

static void lu_init(struct fw_store *s, struct lu *lu, struct fw_vd *vd,
		    struct fw_pd *pd)
{
	u32 i, nd;
	bool ssd = true;

	memset(lu, 0, sizeof(*lu));
	lu->vd = vd;
	lu->pd = pd;
	if (pd) {
		lu->lbs = pd->lbs;
		lu->pbs = pd->pbs;
		lu->num_blocks = pd->num_blocks;
		lu->vendor = pd->vendor;
		lu->product = pd->model;
		lu->rev = pd->fw_rev;
		snprintf(lu->serial, sizeof(lu->serial), "%s", pd->serial);
		lu->naa = fw_ident_naa(s->cfg.adapter_index, FW_IDENT_PD_LU,
				       pd->id);
		lu->rotation = pd->ssd ? 1 : pd->rpm;
		lu->opt_gran = pd->pbs / pd->lbs;
		lu->write_cache = &pd->write_cache;
		return;
	}
	lu->lbs = vd->lbs;
	lu->num_blocks = vd->num_blocks;
	lu->pbs = vd->lbs;
	for (i = 0; i < vd->num_pds; i++) {
		lu->pbs = max_t(u32, lu->pbs, s->pd[vd->pd_ids[i]].pbs);
		ssd = ssd && s->pd[vd->pd_ids[i]].ssd;
	}
	lu->vendor = FW_IDENT_VENDOR;
	lu->product = FW_IDENT_VD_PRODUCT;
	lu->rev = FW_IDENT_REVISION;
	lu->naa = fw_ident_naa(s->cfg.adapter_index, FW_IDENT_VD_LU, vd->id);
	fw_ident_serial(lu->serial, sizeof(lu->serial), s->cfg.adapter_index,
			FW_IDENT_VD_LU, vd->id);
	lu->rotation = ssd ? 1 : 0;
	nd = fw_raid_data_members(vd->level, vd->num_pds);
	lu->opt_gran = (vd->strip_kb << 10) / vd->lbs;
	lu->opt_xfer = lu->opt_gran * nd;
	lu->write_cache = &vd->write_cache;
}

static u32 resp_std_inquiry(struct cmd *c, u8 *b)
{
	static const u16 versions[] = { 0x00a0, 0x0460, 0x04c0, 0x0c00 };
	u32 i;

	memset(b, 0, 96);
	b[2] = 0x06;		/* SPC-4 */
	b[3] = 0x12;		/* HiSup, response data format 2 */
	b[4] = 96 - 5;
	b[6] = 0x10;		/* MultiP */
	b[7] = 0x02;		/* CmdQue */
	put_ascii(&b[8], c->lu.vendor, 8);
	put_ascii(&b[16], c->lu.product, 16);
	put_ascii(&b[32], c->lu.rev, 4);
	for (i = 0; i < ARRAY_SIZE(versions); i++)
		put_be16(&b[58 + 2 * i], versions[i]);
	return 96;
}

static u32 resp_vpd(struct cmd *c, u8 page, u8 *b)
{
	static const u8 pages[] = { 0x00, 0x80, 0x83, 0xb0, 0xb1 };
	u32 n, len;

	memset(b, 0, FW_RESP_MAX);
	b[1] = page;
	switch (page) {
	case 0x00:
		memcpy(&b[4], pages, sizeof(pages));
		len = sizeof(pages);
		break;
	case 0x80:
		len = strlen(c->lu.serial);
		memcpy(&b[4], c->lu.serial, len);
		break;
	case 0x83:
		n = 4;
		/* NAA designator of the logical unit. */
		b[n++] = 0x01;
		b[n++] = 0x03;
		b[n++] = 0;
		b[n++] = 8;
		put_be64(&b[n], c->lu.naa);
		n += 8;
		/* SAS target port and relative port (PIV set). */
		b[n++] = 0x61;
		b[n++] = 0x93;
		b[n++] = 0;
		b[n++] = 8;
		put_be64(&b[n], c->lu.pd ? c->lu.pd->sas_address :
					   c->s->sas_address);
		n += 8;
		b[n++] = 0x61;
		b[n++] = 0x94;
		b[n++] = 0;
		b[n++] = 4;
		put_be16(&b[n + 2], 1);
		n += 4;
		/* T10 vendor id: vendor + serial. */
		b[n++] = 0x02;
		b[n++] = 0x01;
		b[n++] = 0;
		len = strlen(c->lu.serial);
		b[n++] = 8 + len;
		put_ascii(&b[n], c->lu.vendor, 8);
		memcpy(&b[n + 8], c->lu.serial, len);
		n += 8 + len;
		len = n - 4;
		break;
	case 0xb0:
		len = 0x3c;
		put_be16(&b[6], c->lu.opt_gran);
		put_be32(&b[8], FW_STORE_MAX_XFER / c->lu.lbs);
		put_be32(&b[12], c->lu.opt_xfer);
		break;
	case 0xb1:
		len = 0x3c;
		put_be16(&b[4], c->lu.rotation);
		/* Nominal form factor: 2.5" SSDs, 3.5" disks. */
		b[7] = c->lu.rotation == 1 ? 0x03 : 0x02;
		break;
	default:
		return 0;
	}
	put_be16(&b[2], len);
	return len + 4;
}

static void cmd_inquiry(struct cmd *c)
{
	u16 alloc = get_be16(&c->cdb[3]);
	u8 *b = c->s->resp;
	u32 len;

	if (c->f->lun) {
		/* No such LU: peripheral qualifier 3, type 0x1f. */
		memset(b, 0, 36);
		b[0] = 0x7f;
		data_in(c, b, 36, alloc);
		return;
	}
	if (!(c->cdb[1] & 1)) {
		if (c->cdb[2]) {
			invalid_cdb(c);
			return;
		}
		len = resp_std_inquiry(c, b);
	} else {
		len = resp_vpd(c, c->cdb[2], b);
		if (!len) {
			invalid_cdb(c);
			return;
		}
	}
	data_in(c, b, len, alloc);
}

static u64 selftest_long_ns(const struct fw_pd *pd)
{
	u64 bytes = pd->num_blocks * pd->lbs;
	u64 ns = (bytes >> FW_SELFTEST_LONG_SHIFT) * 1000000000ULL +
		 (((bytes & ((1ULL << FW_SELFTEST_LONG_SHIFT) - 1)) *
		   1000000000ULL) >> FW_SELFTEST_LONG_SHIFT);

	return max_t(u64, ns, FW_SELFTEST_LONG_MIN_NS);
}

/* How far the running self-test is, in 1/65536ths. */
static u32 selftest_progress(const struct fw_pd *pd)
{
	u64 elapsed = min_t(u64, hba_now_ns() - pd->selftest_started_ns,
			    pd->selftest_ns);

	return (u32)(elapsed * 65536 / pd->selftest_ns);
}

/*
 * Brings a background self-test up to now: its read scan has covered the
 * share of the medium its elapsed time gives; the first bad block there
 * ends it failed, the end of its time passed.  An entry still in progress
 * with no test running behind it (the test did not survive power-off)
 * reads as aborted.
 */
static void selftest_update(struct fw_pd *pd)
{
	struct fw_selftest *t = &pd->selftests[0];
	u32 progress;
	u64 bad;

	if (!pd->num_selftests || t->result != ST_IN_PROGRESS)
		return;
	if (!pd->selftest_ns) {
		t->result = ST_ABORTED;
		return;
	}
	progress = selftest_progress(pd);
	if (fw_pd_bad_in_range(pd, 0, pd->num_blocks * progress >> 16, &bad)) {
		t->result = ST_FAILED_READ;
		t->fail_lba = bad;
		pd->selftest_ns = 0;
	} else if (progress == 65536) {
		t->result = 0;
		pd->selftest_ns = 0;
	}
}

static void cmd_request_sense(struct cmd *c)
{
	u8 *b = c->s->resp;

	memset(b, 0, 18);
	if (c->cdb[1] & 1) {	/* descriptor format */
		b[0] = 0x72;
		data_in(c, b, 8, c->cdb[4]);
		return;
	}
	b[0] = 0x70;
	b[7] = 10;
	if (c->lu.pd) {
		selftest_update(c->lu.pd);
		if (c->lu.pd->selftest_ns) {
			/* NO SENSE, self-test in progress, how far. */
			b[12] = ASC_NOT_READY;
			b[13] = ASCQ_SELFTEST_RUNNING;
			b[15] = 0x80;	/* SKSV: progress indication */
			put_be16(&b[16], (u16)min_t(u32,
				 selftest_progress(c->lu.pd), 0xffff));
		}
	}
	data_in(c, b, 18, c->cdb[4]);
}

static void cmd_read_capacity10(struct cmd *c)
{
	u8 *b = c->s->resp;

	put_be32(b, (u32)min_t(u64, c->lu.num_blocks - 1, 0xffffffffu));
	put_be32(&b[4], c->lu.lbs);
	data_in(c, b, 8, 8);
}

static u8 ilog2_u32(u32 v)
{
	u8 r = 0;

	while (v >>= 1)
		r++;
	return r;
}

static void cmd_read_capacity16(struct cmd *c)
{
	u8 *b = c->s->resp;

	memset(b, 0, 32);
	put_be64(b, c->lu.num_blocks - 1);
	put_be32(&b[8], c->lu.lbs);
	b[13] = ilog2_u32(c->lu.pbs / c->lu.lbs) & 0xf;
	data_in(c, b, 32, get_be32(&c->cdb[10]));
}

static void cmd_report_luns(struct cmd *c)
{
	u8 *b = c->s->resp;

	if (c->cdb[2] > 2) {
		invalid_cdb(c);
		return;
	}
	memset(b, 0, 16);
	put_be32(b, 8);		/* one LUN: 0 */
	data_in(c, b, 16, get_be32(&c->cdb[6]));
}

/*
 * Informational exceptions control, MRIE 6 (report on request).  A drive
 * lets the TEST bit be set: it then reports a false failure prediction
 * (ASC 0x5d ASCQ 0xff) until the bit is cleared, as SPC describes, so
 * monitoring can be tried end to end; it is a current value, lost at power
 * off.
 */
#define IEC_TEST		0x04
static const u8 iec_page[] = { 0x1c, 0x0a, 0x00, 0x06, 0, 0, 0, 0, 0, 0, 0, 1 };

/* Mode pages; pc 1 gives the changeable mask. */
static u32 mode_page(struct cmd *c, u8 page, u8 pc, u8 *p)
{
	bool mask = pc == 1;

	switch (page) {
	case 0x01: {	/* read-write error recovery */
		static const u8 pg[] = { 0x01, 0x0a, 0xc0, 11, 240, 0, 0, 0,
					 5, 0, 0xff, 0xff };
		memcpy(p, pg, sizeof(pg));
		if (mask)
			memset(p + 2, 0, sizeof(pg) - 2);
		return sizeof(pg);
	}
	case 0x08: {	/* caching */
		static const u8 pg[] = { 0x08, 0x12, 0x10, 0, 0xff, 0xff, 0, 0,
					 0xff, 0xff, 0xff, 0xff, 0x80, 0x14,
					 0, 0, 0, 0, 0, 0 };
		memcpy(p, pg, sizeof(pg));
		if (mask) {
			memset(p + 2, 0, sizeof(pg) - 2);
			p[2] = 0x04;
		} else if (pc == 2 || *c->lu.write_cache) {
			p[2] |= 0x04;	/* WCE */
		}
		return sizeof(pg);
	}
	case 0x0a: {	/* control */
		static const u8 pg[] = { 0x0a, 0x0a, 0x02, 0, 0, 0, 0, 0,
					 0, 0, 0, 0 };
		u64 secs;

		memcpy(p, pg, sizeof(pg));
		if (mask) {
			memset(p + 2, 0, sizeof(pg) - 2);
		} else if (c->lu.pd) {
			/* Extended self-test completion time, seconds. */
			secs = (selftest_long_ns(c->lu.pd) + 999999999ULL) /
			       1000000000ULL;
			put_be16(&p[10], (u16)min_t(u64, secs, 0xffff));
		}
		return sizeof(pg);
	}
	case 0x1c:	/* informational exceptions control: enabled */
		memcpy(p, iec_page, sizeof(iec_page));
		if (mask) {
			memset(p + 2, 0, sizeof(iec_page) - 2);
			p[2] = c->lu.pd ? IEC_TEST : 0;
		} else if (pc != 2 && c->lu.pd && c->lu.pd->ie_test) {
			p[2] |= IEC_TEST;
		}
		return sizeof(iec_page);
	default:
		return 0;
	}
}

static void cmd_mode_sense(struct cmd *c, bool ten)
{
	static const u8 all_pages[] = { 0x01, 0x08, 0x0a, 0x1c };
	u8 pc = c->cdb[2] >> 6, page = c->cdb[2] & 0x3f, sub = c->cdb[3];
	bool dbd = c->cdb[1] & 0x08;
	u32 hdr = ten ? 8 : 4, n, i, len;
	u8 *b = c->s->resp;
	u64 blocks;

	if (pc == 3) {
		sense(c, SK_ILLEGAL_REQUEST, ASC_SAVING_NOT_SUPPORTED, 0);
		return;
	}
	if (sub && !(page == 0x3f && sub == 0xff)) {
		invalid_cdb(c);
		return;
	}
	memset(b, 0, FW_RESP_MAX);
	n = hdr;
	if (!dbd) {
		blocks = min_t(u64, c->lu.num_blocks, 0xffffffffu);
		put_be32(&b[n], (u32)blocks);
		put_be32(&b[n + 4], c->lu.lbs & 0xffffff);
		n += 8;
	}
	if (page == 0x3f) {
		for (i = 0; i < ARRAY_SIZE(all_pages); i++)
			n += mode_page(c, all_pages[i], pc, &b[n]);
	} else {
		len = mode_page(c, page, pc, &b[n]);
		if (!len) {
			invalid_cdb(c);
			return;
		}
		n += len;
	}
	b[ten ? 3 : 2] = 0x10;	/* DPOFUA */
	if (ten) {
		put_be16(b, n - 2);
		put_be16(&b[6], dbd ? 0 : 8);
		data_in(c, b, n, get_be16(&c->cdb[7]));
	} else {
		b[0] = n - 1;
		b[3] = dbd ? 0 : 8;
		data_in(c, b, n, c->cdb[4]);
	}
}

/*
 * MODE SELECT of one page: the caching page's WCE, or a drive's
 * informational exceptions TEST bit; every other field must keep its value.
 */
static void cmd_mode_select(struct cmd *c, bool ten)
{
	u32 len = ten ? get_be16(&c->cdb[7]) : c->cdb[4];
	u32 hdr = ten ? 8 : 4, bd, off;
	u8 *b = c->s->resp;

	if (!(c->cdb[1] & 0x10)) {	/* PF must be set */
		invalid_cdb(c);
		return;
	}
	if (!len)
		return;
	if (len > FW_RESP_MAX || len > c->cap ||
	    c->f->dir != HBAMGR_DIR_TO_DEV) {
		invalid_cdb(c);
		return;
	}
	c->r->transfer_count = (u32)fw_sgl_copy_from(c->sgl, c->sge_count, 0,
						     b, len);
	if (len < hdr) {
		sense(c, SK_ILLEGAL_REQUEST, ASC_PARAM_LIST_LENGTH, 0);
		return;
	}
	bd = ten ? get_be16(&b[6]) : b[3];
	off = hdr + bd;
	if (off + 2 > len || off + 2 + b[off + 1] > len) {
		sense(c, SK_ILLEGAL_REQUEST, ASC_PARAM_LIST_LENGTH, 0);
		return;
	}
	if ((b[off] & 0x3f) == 0x1c && c->lu.pd &&
	    b[off + 1] == iec_page[1] && !(b[off + 2] & ~IEC_TEST) &&
	    !memcmp(&b[off + 3], &iec_page[3], sizeof(iec_page) - 3)) {
		c->lu.pd->ie_test = b[off + 2] & IEC_TEST;
		return;
	}
	if ((b[off] & 0x3f) != 0x08 || b[off + 1] != 0x12) {
		sense(c, SK_ILLEGAL_REQUEST, ASC_INVALID_FIELD_PARAM, 0);
		return;
	}
	*c->lu.write_cache = b[off + 2] & 0x04;
}

/* Log parameter: code, control byte, value of len bytes (big-endian). */
static u32 log_param(u8 *p, u16 code, u8 ctrl, u32 len, u64 val)
{
	u32 i;

	put_be16(p, code);
	p[2] = ctrl;
	p[3] = len;
	for (i = 0; i < len; i++) {
		u32 shift = 8 * (len - 1 - i);

		p[4 + i] = shift < 64 ? (u8)(val >> shift) : 0;
	}
	return 4 + len;
}

static const u8 pd_log_pages[] = { 0x00, 0x02, 0x03, 0x05, 0x06, 0x0d, 0x0e,
				   0x10, 0x15, 0x2f };
static const u8 vd_log_pages[] = { 0x00, 0x0d, 0x2f };

static u32 vd_temperature(struct cmd *c)
{
	u32 t = 0, i;

	for (i = 0; i < c->lu.vd->num_pds; i++)
		t = max_t(u32, t, c->s->pd[c->lu.vd->pd_ids[i]].temperature_c);
	return t;
}

static u32 log_error_counters(const struct fw_pd *pd, u8 page, u8 *p)
{
	u64 bytes = page == 0x02 ? pd->blocks_written * pd->lbs :
		    page == 0x03 ? pd->blocks_read * pd->lbs : 0;
	u32 corrected = page == 0x03 ? pd->corrected_errors : 0;
	u32 uncorrected = page == 0x03 ? pd->media_errors : 0;
	u32 n = 0;

	n += log_param(p + n, 0x0000, 0x02, 4, 0);
	n += log_param(p + n, 0x0001, 0x02, 4, 0);
	n += log_param(p + n, 0x0002, 0x02, 4, 0);
	n += log_param(p + n, 0x0003, 0x02, 4, corrected);
	n += log_param(p + n, 0x0004, 0x02, 4, corrected);
	n += log_param(p + n, 0x0005, 0x02, 8, bytes);
	n += log_param(p + n, 0x0006, 0x02, 4, uncorrected);
	return n;
}

static u32 log_selftests(struct fw_pd *pd, u8 *p)
{
	u32 n = 0, i;
	bool failed;

	selftest_update(pd);

	for (i = 0; i < FW_SELFTEST_NUM; i++) {
		u8 *q = p + n;

		n += log_param(q, i + 1, 0x03, 0x10, 0);
		if (i >= pd->num_selftests)
			continue;
		failed = pd->selftests[i].result == ST_FAILED_READ;
		q[4] = pd->selftests[i].code << 5 | pd->selftests[i].result;
		q[5] = failed ? 1 : 0;	/* segment */
		put_be16(&q[6], pd->selftests[i].power_on_hours);
		put_be64(&q[8], failed ? pd->selftests[i].fail_lba : ~0ULL);
		if (failed) {
			q[16] = SK_MEDIUM_ERROR;
			q[17] = ASC_UNRECOVERED_READ;
		}
	}
	return n;
}

/* Builds page contents after the 4-byte header; 0 = not supported. */
static u32 log_page(struct cmd *c, u8 page, u8 *p, bool *ok)
{
	struct fw_pd *pd = c->lu.pd;
	const u8 *pages = pd ? pd_log_pages : vd_log_pages;
	u32 npages = pd ? sizeof(pd_log_pages) : sizeof(vd_log_pages);
	u32 temp = pd ? pd->temperature_c : vd_temperature(c), n = 0, i;

	*ok = true;
	switch (page) {
	case 0x00:
		memcpy(p, pages, npages);
		return npages;
	case 0x0d:
		n += log_param(p, 0x0000, 0x03, 2, temp);
		n += log_param(p + n, 0x0001, 0x03, 2, 65);
		return n;
	case 0x2f:	/* general parameter: most recent ASC, ASCQ */
		if (pd && pd->predictive_failures) {
			p[4] = 0x5d;	/* failure prediction threshold */
			p[5] = 0x10;	/* exceeded: hardware impending failure */
		} else if (pd && pd->ie_test) {
			p[4] = 0x5d;
			p[5] = 0xff;	/* ... (false): the TEST bit's */
		}
		p[6] = temp;
		put_be16(p, 0);
		p[2] = 0x03;
		p[3] = 3;
		return 7;
	}
	for (i = 0; pd && i < npages; i++)
		if (pages[i] == page)
			break;
	if (!pd || i == npages) {
		*ok = false;
		return 0;
	}
	switch (page) {
	case 0x02:
	case 0x03:
	case 0x05:
		return log_error_counters(pd, page, p);
	case 0x06:
		return log_param(p, 0x0000, 0x02, 4, pd->other_errors);
	case 0x0e:
		n += log_param(p, 0x0001, 0x01, 6, 0);
		memcpy(p + 4, "202312", 6);
		n += log_param(p + n, 0x0002, 0x01, 6, 0);
		memcpy(p + n - 6, "202401", 6);
		n += log_param(p + n, 0x0003, 0x03, 4, 50000);
		n += log_param(p + n, 0x0004, 0x03, 4, pd->start_stop_cycles);
		n += log_param(p + n, 0x0005, 0x03, 4, 600000);
		n += log_param(p + n, 0x0006, 0x03, 4, pd->start_stop_cycles);
		return n;
	case 0x10:
		return log_selftests(pd, p);
	default:	/* 0x15 background scan: status parameter */
		n = log_param(p, 0x0000, 0x03, 12, 0);
		put_be32(p + 4, pd->power_on_hours * 60);
		put_be16(p + 10, (u16)min_t(u32, c->s->patrol_runs, 0xffff));
		put_be16(p + 14, (u16)min_t(u32, c->s->patrol_runs, 0xffff));
		return n;
	}
}

static void cmd_log_sense(struct cmd *c)
{
	u8 page = c->cdb[2] & 0x3f, sub = c->cdb[3];
	const u8 *pages = c->lu.pd ? pd_log_pages : vd_log_pages;
	u32 npages = c->lu.pd ? sizeof(pd_log_pages) : sizeof(vd_log_pages);
	u8 *b = c->s->resp;
	u32 n = 0, i;
	bool ok;

	if ((c->cdb[1] & 0x03) || (sub && sub != 0xff)) {	/* PPC, SP */
		invalid_cdb(c);
		return;
	}
	memset(b, 0, FW_RESP_MAX);
	if (sub == 0xff) {
		/* Supported subpages: (page, 0) and (page, 0xff) pairs. */
		for (i = 0; i < npages; i++) {
			if (page && pages[i] != page)
				continue;
			b[4 + n++] = pages[i];
			b[4 + n++] = 0;
			b[4 + n++] = pages[i];
			b[4 + n++] = 0xff;
		}
		if (!n) {
			invalid_cdb(c);
			return;
		}
		b[0] = page | 0x40;
		b[1] = 0xff;
	} else {
		n = log_page(c, page, &b[4], &ok);
		if (!ok) {
			invalid_cdb(c);
			return;
		}
		b[0] = page;
	}
	put_be16(&b[2], n);
	data_in(c, b, n + 4, get_be16(&c->cdb[7]));
}

static void cmd_start_stop(struct cmd *c)
{
	if (c->lu.pd && (c->cdb[4] & 1))
		c->lu.pd->start_stop_cycles++;
}

/*
 * SEND DIAGNOSTIC: the default self-test (SELFTEST bit) and the foreground
 * ones complete before the command does; a background one runs for its
 * time (selftest_update), one at a time, and code 4 aborts it.
 */
static void cmd_send_diag(struct cmd *c)
{
	bool selftest_bit = c->cdb[1] & 0x04;
	u8 code = c->cdb[1] >> 5;
	struct fw_pd *pd = c->lu.pd;
	struct fw_selftest *t;
	u64 bad = 0;

	if (get_be16(&c->cdb[3])) {	/* no diagnostic pages */
		invalid_cdb(c);
		return;
	}
	if (selftest_bit ? code != 0 :
	    code != ST_BG_SHORT && code != ST_BG_LONG && code != ST_BG_ABORT &&
	    code != ST_FG_SHORT && code != ST_FG_LONG) {
		invalid_cdb(c);
		return;
	}
	if (!pd)	/* VDs: nothing to test or record */
		return;
	selftest_update(pd);
	if (code == ST_BG_ABORT) {
		if (pd->selftest_ns) {
			pd->selftests[0].result = ST_ABORTED_BY_CMD;
			pd->selftest_ns = 0;
		}
		return;
	}
	if (pd->selftest_ns) {
		sense(c, SK_NOT_READY, ASC_NOT_READY, ASCQ_SELFTEST_RUNNING);
		return;
	}
	memmove(&pd->selftests[1], &pd->selftests[0],
		sizeof(pd->selftests[0]) * (FW_MAX_SELFTESTS - 1));
	pd->num_selftests = min_t(u32, pd->num_selftests + 1,
				  FW_MAX_SELFTESTS);
	t = &pd->selftests[0];
	memset(t, 0, sizeof(*t));
	t->code = selftest_bit ? ST_BG_SHORT : code;
	t->power_on_hours = (u16)pd->power_on_hours;
	if (code == ST_BG_SHORT || code == ST_BG_LONG) {
		t->result = ST_IN_PROGRESS;
		pd->selftest_started_ns = hba_now_ns();
		pd->selftest_ns = code == ST_BG_LONG ? selftest_long_ns(pd) :
			FW_SELFTEST_SHORT_NS;
		return;
	}
	/* A read scan of the medium fails on an injected media error. */
	if (fw_pd_bad_in_range(pd, 0, pd->num_blocks, &bad)) {
		t->result = ST_FAILED_READ;
		t->fail_lba = bad;
		if (code == ST_FG_SHORT || code == ST_FG_LONG)
			sense_info(c, SK_MEDIUM_ERROR, ASC_UNRECOVERED_READ,
				   0, true, bad);
	}
}

/* LBA and block count of READ/WRITE/VERIFY/SYNC (6, 10, 16). */
static void rw_decode(const u8 *cdb, u64 *lba, u32 *blocks)
{
	switch (cdb[0]) {
	case 0x08:
	case 0x0a:
		*lba = (u32)(cdb[1] & 0x1f) << 16 | get_be16(&cdb[2]);
		*blocks = cdb[4] ? cdb[4] : 256;
		break;
	case 0x28:
	case 0x2a:
	case 0x2f:
	case 0x35:
		*lba = get_be32(&cdb[2]);
		*blocks = get_be16(&cdb[7]);
		break;
	default:
		*lba = get_be64(&cdb[2]);
		*blocks = get_be32(&cdb[10]);
		break;
	}
}

static bool range_ok(struct cmd *c, u64 lba, u32 blocks)
{
	if (lba > c->lu.num_blocks || blocks > c->lu.num_blocks - lba) {
		sense(c, SK_ILLEGAL_REQUEST, ASC_LBA_OUT_OF_RANGE, 0);
		return false;
	}
	return true;
}

static int lu_read(struct cmd *c, u64 off, void *buf, size_t len, u64 *bad)
{
	if (c->lu.vd)
		return fw_raid_read(c->s, c->lu.vd, off, buf, len, bad);
	return fw_pd_read(c->s, c->lu.pd, off, buf, len, bad);
}

static int lu_write(struct cmd *c, u64 off, const void *buf, size_t len)
{
	if (c->lu.vd)
		return fw_raid_write(c->s, c->lu.vd, off, buf, len);
	return fw_pd_write(c->s, c->lu.pd, off, buf, len);
}

static void io_error(struct cmd *c, int rc, u64 bad_lba)
{
	switch (rc) {
	case FW_IO_MEDIUM:
		sense_info(c, SK_MEDIUM_ERROR, ASC_UNRECOVERED_READ, 0, true,
			   bad_lba);
		break;
	case FW_IO_OFFLINE:
		sense(c, SK_NOT_READY, ASC_NOT_READY, 0x03);
		break;
	default:
		sense(c, SK_HARDWARE_ERROR, c->f->dir == HBAMGR_DIR_FROM_DEV ?
		      ASC_INTERNAL_FAILURE : ASC_WRITE_ERROR, 0);
		break;
	}
}

static void cmd_read(struct cmd *c)
{
	u64 lba, bad = 0;
	u32 blocks, done = 0, total, n;
	int rc;

	rw_decode(c->cdb, &lba, &blocks);
	if (c->cdb[0] != 0x08 && (c->cdb[1] & 0xe0)) {	/* RDPROTECT */
		invalid_cdb(c);
		return;
	}
	if (!range_ok(c, lba, blocks))
		return;
	/* Only whole blocks the buffer can take are read. */
	total = (u32)min_t(u64, (u64)blocks * c->lu.lbs,
			   cap_in(c) / c->lu.lbs * c->lu.lbs);
	while (done < total) {
		n = min_t(u32, total - done, FW_SEG_MAX);
		rc = lu_read(c, lba * c->lu.lbs + done, c->s->bounce, n, &bad);
		if (rc) {
			io_error(c, rc, bad);
			break;
		}
		fw_sgl_copy_to(c->sgl, c->sge_count, done, c->s->bounce, n);
		done += n;
	}
	c->r->transfer_count = done;
}

/* A write whose buffer is shorter than its blocks is refused, never done
 * in part with made-up data.
 */
static void cmd_write(struct cmd *c)
{
	u64 lba, total;
	u32 blocks, done = 0, n;
	int rc;

	rw_decode(c->cdb, &lba, &blocks);
	if (c->cdb[0] != 0x0a && (c->cdb[1] & 0xe0)) {	/* WRPROTECT */
		invalid_cdb(c);
		return;
	}
	if (!range_ok(c, lba, blocks))
		return;
	total = (u64)blocks * c->lu.lbs;
	if (total > c->cap || (total && c->f->dir != HBAMGR_DIR_TO_DEV)) {
		invalid_cdb(c);
		return;
	}
	while (done < total) {
		n = (u32)min_t(u64, total - done, FW_SEG_MAX);
		fw_sgl_copy_from(c->sgl, c->sge_count, done, c->s->bounce, n);
		rc = lu_write(c, lba * c->lu.lbs + done, c->s->bounce, n);
		if (rc) {
			io_error(c, rc, 0);
			break;
		}
		done += n;
	}
	c->r->transfer_count = done;
}

/* VERIFY: BYTCHK 0 checks the medium, 1 also compares with the data-out
 * buffer.
 */
static void cmd_verify(struct cmd *c)
{
	u8 bytchk = (c->cdb[1] >> 1) & 3;
	u8 *cmp = c->s->resp;
	u64 lba, bad = 0, total;
	u32 blocks, done = 0, n, i;
	int rc;

	rw_decode(c->cdb, &lba, &blocks);
	if (bytchk > 1 || (c->cdb[1] & 0xe0)) {
		invalid_cdb(c);
		return;
	}
	if (!range_ok(c, lba, blocks))
		return;
	total = (u64)blocks * c->lu.lbs;
	if (bytchk && (total > c->cap || c->f->dir != HBAMGR_DIR_TO_DEV)) {
		invalid_cdb(c);
		return;
	}
	while (done < total) {
		n = (u32)min_t(u64, total - done, FW_SEG_MAX);
		rc = lu_read(c, lba * c->lu.lbs + done, c->s->bounce, n, &bad);
		if (rc) {
			io_error(c, rc, bad);
			return;
		}
		for (i = 0; bytchk && i < n; i += FW_RESP_MAX) {
			u32 m = min_t(u32, n - i, FW_RESP_MAX);

			fw_sgl_copy_from(c->sgl, c->sge_count, done + i, cmp,
					 m);
			if (memcmp(cmp, c->s->bounce + i, m)) {
				sense(c, SK_MISCOMPARE,
				      ASC_MISCOMPARE_VERIFY, 0);
				return;
			}
		}
		done += n;
	}
	if (bytchk)
		c->r->transfer_count = (u32)total;
}

/* The drives' write caches go to their media (NVRAM drive storage). */
static void cmd_sync_cache(struct cmd *c)
{
	struct fw_vd *vd = c->lu.vd;
	u64 lba;
	u32 blocks, i;
	int rc = 0;

	rw_decode(c->cdb, &lba, &blocks);
	if (!range_ok(c, lba, blocks))
		return;
	if (!vd)
		rc = fw_media_sync(&c->lu.pd->media);
	for (i = 0; vd && i < vd->num_pds && !rc; i++)
		rc = fw_media_sync(&c->s->pd[vd->pd_ids[i]].media);
	if (rc)
		sense(c, SK_HARDWARE_ERROR, ASC_WRITE_ERROR, 0);
}

/* CDB length each opcode needs (0: not supported). */
static u8 cdb_len_needed(u8 op)
{
	switch (op) {
	case 0x00: case 0x03: case 0x08: case 0x0a: case 0x12: case 0x15:
	case 0x1a: case 0x1b: case 0x1d:
		return 6;
	case 0x25: case 0x28: case 0x2a: case 0x2f: case 0x35: case 0x4d:
	case 0x55: case 0x5a:
		return 10;
	case 0xa0:
		return 12;
	case 0x88: case 0x8a: case 0x8f: case 0x91: case 0x9e:
		return 16;
	default:
		return 0;
	}
}

/* Commands that touch the medium: refused while the LU is not ready. */
static bool needs_ready(u8 op)
{
	switch (op) {
	case 0x00: case 0x08: case 0x0a: case 0x25: case 0x28: case 0x2a:
	case 0x2f: case 0x35: case 0x88: case 0x8a: case 0x8f: case 0x91:
	case 0x9e:
		return true;
	default:
		return false;
	}
}

/* True (sense set) when the LU cannot serve the medium now. */
static bool lu_not_ready(struct cmd *c)
{
	if (c->lu.vd && c->lu.vd->state == HBAMGR_VD_OFFLINE) {
		sense(c, SK_NOT_READY, ASC_NOT_READY, 0x03);
		return true;
	}
	if (c->lu.pd && c->lu.pd->state == HBAMGR_PD_FAILED) {
		sense(c, SK_HARDWARE_ERROR, ASC_LU_FAILURE, 0x01);
		return true;
	}
	return false;
}

static void scsi_dispatch(struct cmd *c)
{
	u8 op = c->cdb[0];

	switch (op) {
	case 0x00:	/* TEST UNIT READY */
		break;
	case 0x03:
		cmd_request_sense(c);
		break;
	case 0x08: case 0x28: case 0x88:
		cmd_read(c);
		break;
	case 0x0a: case 0x2a: case 0x8a:
		cmd_write(c);
		break;
	case 0x12:
		cmd_inquiry(c);
		break;
	case 0x15: case 0x55:
		cmd_mode_select(c, op == 0x55);
		break;
	case 0x1a: case 0x5a:
		cmd_mode_sense(c, op == 0x5a);
		break;
	case 0x1b:
		cmd_start_stop(c);
		break;
	case 0x1d:
		cmd_send_diag(c);
		break;
	case 0x25:
		cmd_read_capacity10(c);
		break;
	case 0x2f: case 0x8f:
		cmd_verify(c);
		break;
	case 0x35: case 0x91:
		cmd_sync_cache(c);
		break;
	case 0x4d:
		cmd_log_sense(c);
		break;
	case 0x9e:
		if ((c->cdb[1] & 0x1f) != 0x10) {	/* READ CAPACITY(16) */
			invalid_cdb(c);
			return;
		}
		cmd_read_capacity16(c);
		break;
	case 0xa0:
		cmd_report_luns(c);
		break;
	}
}

void fw_scsi_exec(struct fw_store *s, const struct hba_req_frame *f,
		  const struct hba_sge *sgl, u32 sge_count,
		  struct hba_reply_frame *r)
{
	struct cmd c = { .s = s, .f = f, .cdb = f->cdb, .sgl = sgl,
			 .sge_count = sge_count, .r = r };
	struct fw_pd *pd = NULL;
	struct fw_vd *vd = NULL;
	u64 sum = 0;
	u8 need;
	u32 i;

	hba_mutex_assert_held(&s->lock);
	r->status = HBAMGR_ST_OK;
	r->scsi_status = SAM_GOOD;
	r->sense_len = 0;
	r->transfer_count = 0;
	if (f->flags & ~HBAMGR_PT_F_ALL) {
		r->status = HBAMGR_ST_INVALID_PARAM;
		return;
	}
	if (f->flags & HBAMGR_PT_F_PHYS) {
		pd = fw_pd_get(s, f->target);
		if (pd && pd->state == HBAMGR_PD_MISSING)
			pd = NULL;
	} else {
		vd = fw_vd_get(s, f->target);
	}
	if (!pd && !vd) {
		r->status = HBAMGR_ST_NO_DEVICE;
		return;
	}
	for (i = 0; i < sge_count; i++)
		sum += sgl[i].len;
	c.cap = (u32)min_t(u64, sum, f->data_len);
	lu_init(s, &c.lu, vd, pd);
	need = cdb_len_needed(c.cdb[0]);
	if (!need) {
		sense(&c, SK_ILLEGAL_REQUEST, ASC_INVALID_OPCODE, 0);
		return;
	}
	if (f->cdb_len < need || f->cdb_len > sizeof(f->cdb)) {
		invalid_cdb(&c);
		return;
	}
	if (f->lun && c.cdb[0] != 0x12 && c.cdb[0] != 0xa0 &&
	    c.cdb[0] != 0x03) {
		sense(&c, SK_ILLEGAL_REQUEST, ASC_LUN_NOT_SUPPORTED, 0);
		return;
	}
	if (needs_ready(c.cdb[0]) && lu_not_ready(&c))
		return;
	scsi_dispatch(&c);
}

void fw_scsi_nvram_failed(struct hba_reply_frame *r)
{
	struct cmd c = { .r = r };

	sense(&c, SK_HARDWARE_ERROR, ASC_INTERNAL_FAILURE, 0);
}
