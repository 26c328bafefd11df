/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The simulated adapter's hardware interface: what the driver core sees of
 * the firmware.  It is shaped like a Fusion-MPT/MegaRAID-style adapter:
 *
 *  - registers read and written with hba_fw_readl()/hba_fw_writel();
 *  - a handshake (IOC_FACTS, IOC_INIT) through which the driver learns the
 *    firmware limits and hands over host memory: request frames, reply
 *    frames and reply descriptor rings, all indexed by SMID;
 *  - a request is posted by filling frames[smid] and writing smid to the
 *    DOORBELL register;
 *  - the firmware answers by writing reply_frames[smid] (when there is more
 *    to say than success) and a descriptor into a reply ring, then raising
 *    that ring's "interrupt": it calls the driver's isr(ctx, queue) from its
 *    own context (a work item; a thread in userspace).  Unless the queue is
 *    masked in INTR_MASK.  An interrupt is raised again only after the driver
 *    writes the queue's REPLY_HOST_IDX register.
 *
 * SMIDs: 1..cmd_frames are command frames (SCSI IO, MGMT); the next
 * srb_frames are status-read buffers (SRBs); the next HBA_TM_FRAMES are
 * task-management frames.  0 is never a valid SMID.
 *
 * The firmware enforces its limits and FAULTs (IOC_STATE = FAULT with a
 * fault code) when the driver breaks them:
 *  - more than facts.max_cmds SCSI_IO/MGMT frames outstanding  (HBA_FAULT_CREDIT)
 *  - more than facts.max_srbs STATUS_READ frames outstanding   (HBA_FAULT_SRB_OVERFLOW)
 *  - a SMID posted while the firmware still owns it            (HBA_FAULT_DOUBLE_POST)
 *  - a SMID out of range or a frame whose function does not
 *    match its SMID range, or a malformed frame               (HBA_FAULT_BAD_FRAME)
 *  - IOC_INIT while not READY                                 (HBA_FAULT_INIT_STATE)
 *  - a doorbell while not OPERATIONAL                         (HBA_FAULT_DOORBELL_STATE)
 * In FAULT the firmware completes nothing; only a diag reset recovers it.
 *
 * A diag reset (HOST_DIAG = HBA_DIAG_RESET) drops every outstanding frame
 * without replying, discards pending (late) replies, and moves the IOC to
 * RESET; the firmware reaches READY by itself within HBA_FW_RESET_MS and
 * logs HBAMGR_EVT_CTRL_RESET_DONE.  The event log survives resets and, with
 * NVRAM (struct hba_fw_nvram_ops), power cycles, like the configuration.
 *
 * Dirty start (config.dirty_start): the firmware powers up OPERATIONAL, as a
 * previous kernel left it (kdump), with frames "from before" still executing:
 * their descriptors (SMIDs the new driver never posted) land in whatever
 * reply ring the next IOC_INIT hands over, and an interrupt is pending the
 * moment a queue is unmasked.  IOC_INIT in that state is accepted (as some
 * firmware does), so only a driver that resets first comes up clean.
 */
#ifndef HBA_FW_H
#define HBA_FW_H

#include "hba_os.h"

#ifdef __cplusplus
extern "C" {
#endif

struct hba_fw;
struct hba_fw_nvram_ops;

/* Registers. */
#define HBA_REG_IOC_STATE	0x00	/* R: state << 28 | fault code */
#define HBA_REG_DOORBELL	0x04	/* W: SMID of the request to execute */
#define HBA_REG_HOST_DIAG	0x08	/* W: HBA_DIAG_RESET */
#define HBA_REG_INTR_MASK	0x0c	/* RW: bit q set = queue q masked */
#define HBA_REG_REPLY_HOST_IDX(q)	(0x100 + 4 * (q))	/* W: next to read */

#define HBA_IOC_STATE_SHIFT	28
#define HBA_IOC_STATE_MASK	0xf0000000u
#define HBA_IOC_FAULT_MASK	0x0000ffffu
#define HBA_IOC_RESET		0x0
#define HBA_IOC_READY		0x1
#define HBA_IOC_OPERATIONAL	0x2
#define HBA_IOC_FAULT		0x4

#define HBA_DIAG_RESET		0xd1a6u

/* Fault codes (low 16 bits of IOC_STATE in FAULT). */
#define HBA_FAULT_INJECTED		0x0001	/* HBAMGR_FAULT_FW_FAULT */
#define HBA_FAULT_CREDIT		0x0002
#define HBA_FAULT_SRB_OVERFLOW		0x0003
#define HBA_FAULT_DOUBLE_POST		0x0004
#define HBA_FAULT_BAD_FRAME		0x0005
#define HBA_FAULT_INIT_STATE		0x0006
#define HBA_FAULT_DOORBELL_STATE	0x0007

#define HBA_FW_RESET_MS		20	/* RESET -> READY after at most this */
#define HBA_TM_FRAMES		4	/* task-management SMIDs */
#define HBA_MAX_REPLY_QUEUES	8
#define HBA_FW_MAX_CMDS_LIMIT	4096	/* largest max_cmds a config may ask */

/* Request frame functions. */
#define HBA_FUNC_SCSI_IO	0x01
#define HBA_FUNC_MGMT		0x02
#define HBA_FUNC_TASK_MGMT	0x03	/* abort task_smid */
#define HBA_FUNC_STATUS_READ	0x04	/* an SRB: completes with one event */

/* Scatter-gather element: addr is a host virtual address (the simulated
 * firmware "DMAs" with memcpy).
 */
struct hba_sge {
	u64 addr;
	u32 len;
	u32 flags;	/* 0 */
};

#define HBA_FRAME_SGE_INLINE	4

struct hba_req_frame {
	u8 function;	/* HBA_FUNC_* */
	u8 dir;		/* HBAMGR_DIR_* */
	u8 cdb_len;
	u8 flags;	/* HBAMGR_PT_F_PHYS for SCSI_IO */
	u16 smid;
	u16 target;	/* SCSI_IO: VD id, or PD id with PHYS */
	u16 lun;
	u16 task_smid;	/* TASK_MGMT: SMID to abort */
	u32 opcode;	/* MGMT: enum hbamgr_mgmt_opcode */
	u32 data_len;	/* sum of the SGE lengths */
	u8 cdb[32];	/* SCSI CDB or MGMT parameter block */
	u16 sge_count;
	u8 reply_queue;	/* ring for the reply, < num_reply_queues */
	u8 pad[5];
	/*
	 * When sge_count > HBA_FRAME_SGE_INLINE: address of an array of
	 * sge_count hba_sge, and the inline ones are unused.
	 */
	u64 sgl_chain;
	struct hba_sge sge[HBA_FRAME_SGE_INLINE];
};

/*
 * Whether the doorbell accepts a SCSI_IO or MGMT frame's fields (function,
 * cdb_len, flags, dir, data_len, sge_count, chain); a frame it refuses
 * faults the firmware (HBA_FAULT_BAD_FRAME).  The SGEs themselves are
 * checked when the frame runs: flags 0, an address for every non-empty
 * one, lengths adding up to data_len.
 */
bool hba_fw_cmd_frame_valid(const struct hba_req_frame *f);

/* Reply descriptor (u64 in a reply ring). */
#define HBA_RDESC_UNUSED	(~0ULL)
#define HBA_RDESC_SMID(d)	((u16)((d) & 0xffff))
#define HBA_RDESC_TYPE(d)	((u8)(((d) >> 16) & 0xff))
#define HBA_RDESC_MAKE(smid, type)	((u64)(smid) | ((u64)(type) << 16))
#define HBA_RDESC_SUCCESS	1	/* status OK, reply frame not written */
#define HBA_RDESC_ADDRESS_REPLY	2	/* reply_frames[smid] is valid */

/* TASK_MGMT reply status: in reply frame status. */
#define HBA_TM_ABORTED		0	/* task found and dropped: no reply will come */
#define HBA_TM_NOT_FOUND	1	/* task not owned by fw (completed or unknown) */

/* Why a MGMT frame was refused: hbamgr_passthru.reason and its details. */
struct hba_reason {
	u16 code;		/* enum hbamgr_reason */
	u16 id;
	u32 pad;
	u64 value;
	u64 limit;
};

struct hba_reply_frame {
	u16 smid;
	u8 function;
	u8 status;		/* enum hbamgr_status; TASK_MGMT: HBA_TM_* */
	u8 scsi_status;
	u8 sense_len;
	u16 pad;
	u32 transfer_count;	/* bytes moved */
	u32 result;		/* MGMT result (count, new VD id) */
	u32 resid_needed;	/* MGMT NO_SPACE: bytes needed */
	u32 pad2;
	struct hba_reason reason;	/* MGMT refused: why */
	u8 sense[HBAMGR_SENSE_MAX];
	struct hbamgr_event event;	/* STATUS_READ */
};

struct hba_ioc_facts {
	u32 max_cmds;		/* firmware command credit limit */
	u32 max_srbs;		/* most STATUS_READ frames outstanding */
	u32 max_sge;		/* most SGEs in one frame */
	u32 max_transfer;	/* most bytes in one frame */
	u32 num_reply_queues;	/* queues the firmware offers */
	u32 fw_state;		/* HBA_IOC_* at the time of the call */
	char fw_version[16];
	char model[32];
	char serial[24];
	u64 sas_address;
};

struct hba_ioc_init {
	/* SMIDs 1..cmd_frames; at most facts.max_cmds of them outstanding */
	u32 cmd_frames;
	/* the next srb_frames SMIDs; at most facts.max_srbs outstanding */
	u32 srb_frames;
	u32 num_reply_queues;	/* <= facts.num_reply_queues */
	u32 reply_ring_depth;	/* >= total frames + 1 */
	struct hba_req_frame *frames;		/* [1 + total frames], [0] unused */
	struct hba_reply_frame *reply_frames;	/* same indexing */
	u64 *reply_rings[HBA_MAX_REPLY_QUEUES];	/* each reply_ring_depth */
};

struct hba_fw_config {
	u32 adapter_index;
	u32 num_enclosures;	/* 1..4; enclosure ids 0.. */
	u32 slots_per_enclosure;	/* 1..32 */
	u32 num_drives;		/* populated slots, filled in order */
	u32 drive_size_mb;	/* nominal; storage is allocated on write */
	u32 sector_size;	/* 512, 4096, or 0: default mix */
	u32 max_cmds;		/* firmware command limit */
	u32 max_srbs;
	u32 num_reply_queues;
	u32 default_vds;	/* 1: RAID1 on slots 0-1, RAID5 on 2-4 */
	u32 bgop_rate_mb_s;	/* background op speed; 0 = default */
	/*
	 * The adapter's NVRAM and drives (struct hba_fw_nvram_ops below),
	 * supplied by the environment; NULL: RAM only, every power-on is a
	 * factory-new adapter with blank drives and a new event log.
	 */
	const struct hba_fw_nvram_ops *nvram;
	void *nvram_ctx;
	/*
	 * A stored configuration made for another topology (enclosures,
	 * slots, drives, drive size, sector size): false refuses to power
	 * on, true powers on with the stored topology instead of this one.
	 */
	bool nvram_adopt_topology;
	bool dirty_start;
	bool fault_injection;	/* FAULT_INJECT opcode allowed */
};

/*
 * Non-volatile storage of the simulated adapter, supplied by its
 * environment the way the OS shim is: libhbacore keeps it in the files of a
 * state directory (kmod/user/nvram_file.c); hbamgr.ko supplies none, so a
 * module load is a power cycle with empty NVRAM.  What the firmware keeps
 * there and how it stays consistent across a crash is fw/nvram.c's and
 * fw/evtlog.c's business; the environment only stores bytes.  Every op runs
 * in sleepable firmware context; ctx is hba_fw_config.nvram_ctx.
 */
struct hba_fw_nvram_ops {
	/*
	 * The event log region in *region: len bytes that keep every store
	 * the firmware makes into them when the process dies (a shared file
	 * mapping), all zero the first time.  Valid until the environment
	 * goes away, after hba_fw_destroy().  0 or -errno (-EUCLEAN: what
	 * is there is not such a region).
	 */
	int (*evtlog_map)(void *ctx, size_t len, void **region);
	/* Make the region durable against power loss: 0 or -errno. */
	int (*evtlog_sync)(void *ctx);
	/*
	 * The configuration image last saved into buf (at most cap bytes):
	 * its length, 0 when none was ever saved, -errno (-EFBIG: > cap).
	 */
	ssize_t (*config_load)(void *ctx, void *buf, size_t cap);
	/* Replace the image atomically and durably: 0 or -errno. */
	int (*config_save)(void *ctx, const void *buf, size_t len);
	/*
	 * Drive media, optional (drive_open NULL: the drives are in RAM):
	 * a handle in *drive on drive pd_id's size bytes, which read as
	 * zeros where never written.  0 or -errno (-EUCLEAN: what is there
	 * is not that drive).
	 */
	int (*drive_open)(void *ctx, u32 pd_id, u64 size, void **drive);
	void (*drive_close)(void *drive);
	int (*drive_read)(void *drive, u64 off, void *buf, size_t len);
	int (*drive_write)(void *drive, u64 off, const void *buf, size_t len);
	/* True when nothing in [off, off + len) was ever written. */
	bool (*drive_is_hole)(void *drive, u64 off, u64 len);
	/* Make the drive's data durable (SYNCHRONIZE CACHE): 0 or -errno. */
	int (*drive_sync)(void *drive);
	/* A problem with the NVRAM in words, for the environment to show. */
	void (*report)(void *ctx, const char *msg);
};

/* Fill in defaults for every zero field. */
void hba_fw_config_defaults(struct hba_fw_config *cfg);

int hba_fw_create(const struct hba_fw_config *cfg, struct hba_fw **out);
/* Power off: stops every firmware context; no isr call after it returns. */
void hba_fw_destroy(struct hba_fw *fw);

u32 hba_fw_readl(struct hba_fw *fw, u32 reg);
void hba_fw_writel(struct hba_fw *fw, u32 reg, u32 val);

/* Interrupt line: isr(ctx, queue) runs in a firmware context that may sleep
 * in userspace but must be treated as atomic by the driver (no sleeping).
 */
void hba_fw_set_isr(struct hba_fw *fw, void (*isr)(void *ctx, u32 queue),
		    void *ctx);

int hba_fw_ioc_facts(struct hba_fw *fw, struct hba_ioc_facts *facts);
/* 0; -EINVAL bad parameters; -EIO when it faulted the firmware. */
int hba_fw_ioc_init(struct hba_fw *fw, const struct hba_ioc_init *init);

/* Fault injection outside the frame path (debugfs, tests); same semantics
 * as HBAMGR_MGMT_FAULT_INJECT.  Returns enum hbamgr_status.
 */
int hba_fw_inject(struct hba_fw *fw, const struct hbamgr_mbox_fault *f);

/* What the firmware observed, for tests and debugfs. */
struct hba_fw_stats {
	u32 ioc_state;		/* HBA_IOC_* */
	u32 fault_code;
	u32 outstanding_cmds;
	u32 outstanding_srbs;
	u32 max_outstanding_cmds;	/* high-water marks since create */
	u32 max_outstanding_srbs;
	u64 frames_executed;
	u64 replies_posted;
	u64 replies_lost;	/* injected */
	u64 replies_late;	/* injected */
	u64 replies_dup;	/* injected */
	u64 dirty_replies;	/* stale replies from a dirty start */
	u64 events_logged;
	u64 events_to_srb;	/* events delivered through an SRB */
	u32 diag_resets;
	u32 faults;		/* times the IOC entered FAULT */
};
void hba_fw_get_stats(struct hba_fw *fw, struct hba_fw_stats *st);

#ifdef __cplusplus
}
#endif

#endif /* HBA_FW_H */
