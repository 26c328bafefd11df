/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Storage model internals shared by store.c, media.c, raid.c, scsi.c,
 * mgmt.c and bgop.c.  Everything in struct fw_store below the lock is
 * protected by fw_store.lock; every function taking a struct fw_store (other
 * than the fw_store_* entry points) expects it held.
 */
#ifndef HBA_FW_STORE_INTERNAL_H
#define HBA_FW_STORE_INTERNAL_H

#include "fw_store.h"
#include "ident.h"

#define FW_MAX_ENCL		4
#define FW_MAX_SLOTS		32
#define FW_MAX_PDS		(FW_MAX_ENCL * FW_MAX_SLOTS)
#define FW_MAX_VDS		64
#define FW_MAX_BGOPS		32	/* running + finished records kept */
#define FW_MAX_BAD_BLOCKS	64	/* injected media errors per PD */
#define FW_MAX_SELFTESTS	20	/* LOG SENSE page 0x10 holds 20 */
#define FW_HOT_TEMP_C		60	/* PD_TEMPERATURE event above this */
#define FW_PFA_MEDIA_ERRORS	8	/* media errors that trip SMART (PFA) */
#define FW_SEG_MAX		(64U << 10)	/* RAID work unit, bytes */
#define FW_SCRATCH_BUFS		(HBAMGR_VD_MAX_PDS + 2)
/* VPD B0 maximum transfer: the engine's FW_MAX_TRANSFER. */
#define FW_STORE_MAX_XFER	(1024 * 1024)
#define FW_RESP_MAX		512	/* largest SCSI response built */

/* media.c: sparse RAM drive storage, allocated in chunks on first write. */
#define FW_CHUNK_SHIFT		16	/* 64 KiB chunks */
#define FW_CHUNK_SIZE		(1U << FW_CHUNK_SHIFT)
#define FW_LEAF_SHIFT		9	/* 512 chunks (32 MiB) per leaf table */
#define FW_LEAF_CHUNKS		(1U << FW_LEAF_SHIFT)

/*
 * A drive's media: in NVRAM's drive storage (hba_fw_nvram_ops.drive_*)
 * when the environment has it, else in RAM.
 */
struct fw_media {
	u64 size;		/* bytes */
	const struct hba_fw_nvram_ops *ops;	/* NULL: RAM */
	void *drive;		/* ops' handle */
	u32 num_leaves;
	u8 ***leaves;		/* RAM: [num_leaves][FW_LEAF_CHUNKS] or NULL */
	u64 chunks_allocated;
};

/* Drive pd_id of size bytes, in cfg's NVRAM if it has one. */
int fw_media_init(struct fw_media *m, const struct hba_fw_config *cfg,
		  u32 pd_id, u64 size);
void fw_media_free(struct fw_media *m);
/* Byte ranges; the caller keeps off + len <= size.  0 or -errno. */
int fw_media_read(const struct fw_media *m, u64 off, void *buf, size_t len);
int fw_media_write(struct fw_media *m, u64 off, const void *buf, size_t len);
/* True when no byte of [off, off + len) was ever stored: it reads zeros. */
bool fw_media_is_hole(const struct fw_media *m, u64 off, u64 len);
/* Make what was written durable (SYNCHRONIZE CACHE).  0 or -errno. */
int fw_media_sync(struct fw_media *m);

struct fw_selftest {
	u8 code;		/* SEND DIAGNOSTIC self-test code */
	u8 result;		/* 0 = completed without error */
	u16 power_on_hours;
	u64 fail_lba;		/* first failing LBA when result != 0 */
};

struct fw_pd {
	bool present;
	u16 id;
	u16 encl;
	u16 slot;
	u16 vd_id;		/* HBAMGR_ID_NONE when not a VD member */
	u8 state;		/* enum hbamgr_pd_state */
	u8 state_before_missing;	/* restored at enclosure link up */
	bool stale;		/* VD member that missed writes */
	u8 interface;		/* enum hbamgr_pd_interface */
	bool ssd;
	bool locate_on;
	bool write_cache;	/* caching mode page WCE */
	bool ie_test;		/* informational exceptions TEST bit */
	u32 lbs;		/* logical block size */
	u32 pbs;		/* physical block size */
	u64 num_blocks;
	char vendor[9];
	char model[25];
	char serial[25];
	char fw_rev[9];
	u64 sas_address;
	u32 temperature_c;
	u32 media_errors;
	u32 other_errors;
	u32 predictive_failures;
	u32 rpm;
	u32 power_on_hours;
	u32 start_stop_cycles;
	u64 blocks_read;
	u64 blocks_written;
	u32 corrected_errors;	/* bad blocks rewritten from redundancy */
	u32 num_bad;
	u64 bad_lba[FW_MAX_BAD_BLOCKS];
	u32 num_selftests;	/* newest first in selftests[] */
	struct fw_selftest selftests[FW_MAX_SELFTESTS];
	/*
	 * The background self-test selftests[0] reads in progress for: it
	 * started at selftest_started_ns (hba_now_ns) and lasts selftest_ns;
	 * 0 when none runs.  Not NVRAM: a test running at power-off is lost.
	 */
	u64 selftest_started_ns;
	u64 selftest_ns;
	struct fw_media media;
};

struct fw_vd {
	bool used;
	u16 id;
	u8 level;		/* 0, 1, 5, 6, 10 */
	u8 state;		/* enum hbamgr_vd_state */
	u32 strip_kb;
	u32 lbs;
	u64 num_blocks;		/* logical blocks of the VD */
	u64 member_bytes;	/* bytes used at the start of each member */
	u16 num_pds;
	u16 pd_ids[HBAMGR_VD_MAX_PDS];	/* stripe order */
	char name[17];
	bool write_cache;
};

struct fw_bgop {
	bool used;
	u8 type;		/* enum hbamgr_bgop_type */
	u8 state;		/* enum hbamgr_bgop_state */
	u16 target;
	u16 vd_id;		/* VD the op works on; ID_NONE for patrol */
	u64 pos;		/* bytes done, per member (patrol: all PDs) */
	u64 total;
	u32 reported_pm;	/* last progress event, per-mille */
	u64 started_ns;
	u64 errors;
	u64 seq;		/* start order, to recycle the oldest */
};

struct fw_encl {
	bool link_up;
	u32 temperature_c;
};

/* nvram.c: the configuration in NVRAM. */
#define FW_NV_PENDING_MAX	256	/* events of one operation held back */
#define FW_NV_CHECKPOINT_MS	2000	/* progress saved at least this often */
/* An image's upper bound: every object at its limit (see nvram.c). */
#define FW_NV_IMAGE_MAX	(128 + FW_MAX_ENCL * 8 + \
			 FW_MAX_PDS * (64 + FW_MAX_BAD_BLOCKS * 8 + \
				       FW_MAX_SELFTESTS * 12) + \
			 FW_MAX_VDS * (64 + HBAMGR_VD_MAX_PDS * 2) + \
			 FW_MAX_BGOPS * 64 + \
			 FW_NV_PENDING_MAX * sizeof(struct hbamgr_event))

struct fw_nv {
	const struct hba_fw_nvram_ops *ops;	/* NULL: no NVRAM */
	void *ctx;
	u64 gen;		/* generation of the saved image */
	u8 *saved;		/* the image last saved (or loaded) */
	size_t saved_len;	/* 0: none yet */
	size_t saved_strict;	/* its section lengths */
	size_t saved_lazy;
	u8 *img;		/* the image being made */
	size_t img_len;
	size_t img_strict;
	size_t img_lazy;
	u32 since_checkpoint_ms;	/* firmware time since the last save */
	bool failing;		/* the last save failed */
};

struct fw_store {
	/*
	 * Protects every field below.  Lock order: store lock -> engine
	 * event lock (sink.emit runs with this held).  Never taken
	 * recursively: fw_store_* entry points take it, helpers assert it.
	 */
	hba_mutex_t lock;
	struct hba_fw_config cfg;
	struct fw_event_sink sink;
	char model[32];
	char serial[24];
	char fw_version[16];
	u64 sas_address;
	u64 created_ns;
	u32 rebuild_rate;	/* percent of cfg.bgop_rate_mb_s */
	bool patrol_enabled;
	u64 bgop_seq;
	u32 patrol_runs;	/* patrol reads completed (LOG page 0x15) */
	u64 patrol_idle_ms;	/* firmware time since the last patrol */
	struct fw_encl encl[FW_MAX_ENCL];
	struct fw_pd pd[FW_MAX_PDS];
	struct fw_vd vd[FW_MAX_VDS];
	struct fw_bgop bgop[FW_MAX_BGOPS];
	bool powered_on;	/* create finished: destroy saves */
	struct fw_nv nv;
	/* Events of the operation running, logged by fw_nv_commit(). */
	struct hbamgr_event *pending;	/* FW_NV_PENDING_MAX */
	u32 num_pending;
	u8 *scratch;		/* FW_SCRATCH_BUFS x FW_SEG_MAX for raid.c */
	u8 *bounce;		/* FW_SEG_MAX: SCSI data between SGL and RAID */
	u8 resp[FW_RESP_MAX];	/* SCSI response being built */
};

/* store.c */
struct fw_pd *fw_pd_get(struct fw_store *s, u32 pd_id);
struct fw_vd *fw_vd_get(struct fw_store *s, u32 vd_id);
void fw_emit(struct fw_store *s, u32 code, u8 ev_class, u8 severity,
	     u16 encl, u16 slot, u16 pd, u16 vd, u32 arg0, u32 arg1,
	     const char *fmt, ...) __printf(11, 12);
const char *fw_pd_state_name(u8 state);
const char *fw_vd_state_name(u8 state);
void fw_pd_set_state(struct fw_store *s, struct fw_pd *pd, u8 state);
/* Recompute the state of a VD from its members (emits on change). */
void fw_vd_update_state(struct fw_store *s, struct fw_vd *vd);
bool fw_pd_bad_in_range(const struct fw_pd *pd, u64 lba, u64 count,
			u64 *first_bad);
void fw_pd_clear_bad(struct fw_pd *pd, u64 lba, u64 count);
/* Create a VD (validated); new id in *vd_id when not NULL.  Returns enum
 * hbamgr_status; a refusal says why in *why when not NULL.
 */
int fw_vd_create_locked(struct fw_store *s, u8 level, u32 strip_kb,
			u64 num_blocks, const u16 *pd_ids, u32 num_pds,
			const char *name, u16 *vd_id, struct hba_reason *why);
/* Effects of a PD leaving service: VD state, bgops, hot spares. */
void fw_pd_lost(struct fw_store *s, struct fw_pd *pd);
/* Hand a failed member's place in its VD to a hot spare, if any. */
void fw_start_auto_rebuild(struct fw_store *s, struct fw_vd *vd);

/* mgmt.c: INVALID_PARAM unless level takes num_pds members (why: or NULL). */
int fw_raid_check_members(u8 level, u32 num_pds, struct hba_reason *why);

/* nvram.c */
/* Read the image and check it against the topology (may adopt it). */
int fw_nv_load_header(struct fw_store *s);
/* Put the store (drives initialised) in the image's state. */
int fw_nv_load_state(struct fw_store *s);
void fw_nv_free(struct fw_store *s);
/*
 * End of an operation: save what changed (progress too when checkpoint)
 * and log its events.  0, or -errno when a save failed and the change
 * was undone.
 */
int fw_nv_commit(struct fw_store *s, bool checkpoint);
void fw_nv_queue_event(struct fw_store *s, const struct hbamgr_event *ev);

/* raid.c: VD data path.  Offsets and lengths in bytes of the VD. */
#define FW_IO_OK		0
#define FW_IO_MEDIUM		1	/* unrecoverable read error */
#define FW_IO_OFFLINE		2	/* not enough members */
#define FW_IO_HW		3	/* the drive's storage failed */
int fw_raid_read(struct fw_store *s, struct fw_vd *vd, u64 off, void *buf,
		 size_t len, u64 *bad_lba);
int fw_raid_write(struct fw_store *s, struct fw_vd *vd, u64 off,
		  const void *buf, size_t len);
u32 fw_raid_data_members(u8 level, u32 num_pds);
/* Reconstruct member pd_idx's bytes [off, off + len) (within one strip)
 * from the other members and write them to it: rebuild, and repair of a
 * media error found by patrol read.
 */
int fw_raid_rebuild_segment(struct fw_store *s, struct fw_vd *vd,
			    u32 pd_idx, u64 off, u32 len);
/* Consistency check of a row segment of member bytes [off, off + len):
 * returns inconsistencies fixed (0 or 1) or a negative FW_IO_* value.
 */
int fw_raid_check_segment(struct fw_store *s, struct fw_vd *vd, u64 off,
			  u32 len);
/* Init: write zeros and matching parity over [off, off + len). */
int fw_raid_init_segment(struct fw_store *s, struct fw_vd *vd, u64 off,
			 u32 len);
/* Member PD I/O: read with media error check (counts it). */
int fw_pd_read(struct fw_store *s, struct fw_pd *pd, u64 off, void *buf,
	       size_t len, u64 *bad_lba);
int fw_pd_write(struct fw_store *s, struct fw_pd *pd, u64 off,
		const void *buf, size_t len);

/* bgop.c */
int fw_bgop_start(struct fw_store *s, u8 type, u16 target);
int fw_bgop_stop(struct fw_store *s, u8 type, u16 target);
struct fw_bgop *fw_bgop_find_running(struct fw_store *s, u8 type,
				     u16 target);
/* Abort init and CC on a VD (a rebuild is about to start). */
void fw_bgop_abort_vd_checks(struct fw_store *s, u16 vd_id);
/* Power-on found op running: it goes on, and says so. */
void fw_bgop_resumed(struct fw_store *s, struct fw_bgop *op);
/* Abort ops whose target lost what they need. */
void fw_bgop_revalidate(struct fw_store *s);
void fw_bgop_tick(struct fw_store *s, u32 elapsed_ms);

/* mgmt.c / scsi.c: frame execution with the lock held. */
void fw_mgmt_exec(struct fw_store *s, const struct hba_req_frame *f,
		  const struct hba_sge *sgl, u32 sge_count,
		  struct hba_reply_frame *r);
void fw_scsi_exec(struct fw_store *s, const struct hba_req_frame *f,
		  const struct hba_sge *sgl, u32 sge_count,
		  struct hba_reply_frame *r);
/* The command's effect could not be saved in NVRAM. */
void fw_scsi_nvram_failed(struct hba_reply_frame *r);

#endif /* HBA_FW_STORE_INTERNAL_H */
