/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * hbamgr ioctl ABI, version 1.1.
 *
 * This header is the one contract between hbamgr.ko (and its in-process twin,
 * libhbacore) and userspace.  docs/abi.md documents every field and errno;
 * tests/core/abi_layout_test.cc pins every size and offset.
 *
 * Rules (Documentation/driver-api/ioctl.rst, botching-up-ioctls.rst):
 *  - fixed-width types only, explicit padding, user pointers as __u64;
 *  - every argument struct starts with __u32 size: the driver copies it with
 *    copy_struct_from_user() semantics (a smaller struct is zero-extended, a
 *    larger one must have an all-zero tail, else -E2BIG);
 *  - reserved fields and unknown flags must be zero (-EINVAL);
 *  - unknown commands return -ENOTTY.
 */
#ifndef _UAPI_LINUX_HBAMGR_H
#define _UAPI_LINUX_HBAMGR_H

#include <linux/types.h>
#include <linux/ioctl.h>

#define HBAMGR_ABI_MAJOR	1
#define HBAMGR_ABI_MINOR	1

/* Smallest struct size accepted by any ioctl: the size and flags words. */
#define HBAMGR_SIZE_MIN		8
/* Largest struct size accepted; beyond it -E2BIG without reading the tail. */
#define HBAMGR_SIZE_MAX		4096

/* Feature bits in hbamgr_info.features. */
#define HBAMGR_FEAT_SCSI_PASSTHRU	(1ULL << 0)
#define HBAMGR_FEAT_MGMT_PASSTHRU	(1ULL << 1)
#define HBAMGR_FEAT_EVENTS		(1ULL << 2)
#define HBAMGR_FEAT_RESET		(1ULL << 3)
#define HBAMGR_FEAT_FAULT_INJECT	(1ULL << 4)
#define HBAMGR_FEAT_EVTLOG		(1ULL << 5)
#define HBAMGR_FEAT_PHYS_PASSTHRU	(1ULL << 6)
#define HBAMGR_FEAT_REASON		(1ULL << 7)	/* 1.1: hbamgr_passthru.reason */
#define HBAMGR_FEAT_PACED_STORM	(1ULL << 8)	/* 1.1: SRB_STORM arg = rate */

/*
 * Limits every layer shares: the driver and firmware enforce them, hbamgrd
 * checks requests against them before it queues anything, the CLI and the
 * API documentation quote them.  The transfer limit is per adapter:
 * hbamgr_info.max_transfer.
 */
#define HBAMGR_CDB_MIN		6	/* SCSI CDB bytes, hbamgr_passthru.cdb_len */
#define HBAMGR_CDB_MAX		32	/* SCSI CDB or MGMT parameter block bytes */
#define HBAMGR_SENSE_MAX	96	/* sense bytes one command can return */
#define HBAMGR_VD_NAME_LEN	16	/* VD name bytes, NUL included */
#define HBAMGR_VD_MAX_PDS	16	/* members of one VD */
#define HBAMGR_STRIP_KB_MIN	8	/* VD strip size, a power of two */
#define HBAMGR_STRIP_KB_MAX	1024
#define HBAMGR_STRIP_KB_DEFAULT	64	/* hbamgr_vd_create.strip_kb 0 */
#define HBAMGR_EVT_DESC_LEN	64	/* hbamgr_event.description, NUL included */

/* Adapter states (hbamgr_info.state); transitions are listed in docs/abi.md. */
enum hbamgr_state {
	HBAMGR_STATE_NEW = 0,		/* created, init not started */
	HBAMGR_STATE_INITIALIZING = 1,	/* hardened init running */
	HBAMGR_STATE_LIVE = 2,		/* serving commands */
	HBAMGR_STATE_RESETTING = 3,	/* flushing commands, resetting fw */
	HBAMGR_STATE_RECOVERING = 4,	/* fw back, re-arming SRBs and queues */
	HBAMGR_STATE_DEAD = 5,		/* init or recovery failed; RESET retries */
	HBAMGR_STATE_DELETING = 6,	/* removal started; everything -ENODEV */
};

/* HBAMGR_IOC_GET_INFO argument. */
struct hbamgr_info {
	__u32 size;		/* in: sizeof(struct hbamgr_info) as caller knows it */
	__u32 flags;		/* in: must be 0 */
	__u16 abi_major;	/* out: HBAMGR_ABI_MAJOR */
	__u16 abi_minor;	/* out: HBAMGR_ABI_MINOR */
	__u32 state;		/* out: enum hbamgr_state */
	__u64 features;		/* out: HBAMGR_FEAT_* */
	char driver_version[16];	/* out: NUL-terminated */
	char fw_version[16];	/* out: NUL-terminated */
	char model[32];		/* out: NUL-terminated */
	char serial[24];	/* out: NUL-terminated */
	__u64 sas_address;	/* out: adapter SAS address */
	__u32 adapter_index;	/* out: N in /dev/hbamgrN */
	__u32 fw_max_cmds;	/* out: command limit the firmware reports */
	__u32 drv_max_cmds;	/* out: the limit in use: min(fw, driver max) */
	__u32 max_srbs;		/* out: SRB target (firmware maximum) */
	__u32 srbs_posted;	/* out: SRBs posted to the firmware now */
	__u32 max_transfer;	/* out: largest data_len in bytes */
	__u32 num_reply_queues;	/* out */
	__u32 reset_count;	/* out: completed adapter resets since load */
	__u32 fw_fault_code;	/* out: last firmware fault code, 0 if none */
	__u32 cmds_outstanding;	/* out: commands posted and not completed */
	__u64 last_event_seq;	/* out: newest event sequence number seen */
	__u64 stale_replies;	/* out: replies ignored (not owned, dirty start) */
	__u64 reserved[4];	/* out: zero */
};

/* hbamgr_passthru.type */
#define HBAMGR_PT_SCSI		1	/* cdb[] is a SCSI CDB for target/lun */
#define HBAMGR_PT_MGMT		2	/* a firmware management frame: opcode */

/* hbamgr_passthru.dir */
#define HBAMGR_DIR_NONE		0
#define HBAMGR_DIR_TO_DEV	1	/* data_ptr is read by the driver */
#define HBAMGR_DIR_FROM_DEV	2	/* data_ptr is written by the driver */

/* hbamgr_passthru.flags */
#define HBAMGR_PT_F_PHYS	(1U << 0)	/* SCSI: target is a PD device id */
#define HBAMGR_PT_F_ALL		(HBAMGR_PT_F_PHYS)

#define HBAMGR_PT_TIMEOUT_DEFAULT_MS	30000
#define HBAMGR_PT_TIMEOUT_MAX_MS	3600000

/* hbamgr_passthru.status: how the command ended (ioctl returned 0). */
enum hbamgr_status {
	HBAMGR_ST_OK = 0,
	HBAMGR_ST_SCSI_ERROR = 1,	/* see scsi_status and sense */
	HBAMGR_ST_INVALID_OPCODE = 2,	/* unknown mgmt opcode */
	HBAMGR_ST_INVALID_PARAM = 3,	/* mgmt parameters rejected */
	HBAMGR_ST_NO_DEVICE = 4,	/* no such target, PD, VD or enclosure */
	HBAMGR_ST_INVALID_STATE = 5,	/* object not in a state allowing it */
	HBAMGR_ST_BUSY = 6,		/* conflicting operation running */
	HBAMGR_ST_TIMEOUT = 7,		/* timed out; aborted by the driver */
	HBAMGR_ST_RESET = 8,		/* flushed by an adapter reset; retry */
	HBAMGR_ST_NO_SPACE = 9,		/* buffer too small; resid says need */
	HBAMGR_ST_FW_FAULT = 10,	/* firmware faulted, or NVRAM failed */
};

/* HBAMGR_IOC_PASSTHRU argument. */
struct hbamgr_passthru {
	__u32 size;		/* in */
	__u32 flags;		/* in: HBAMGR_PT_F_* */
	__u8 type;		/* in: HBAMGR_PT_SCSI or HBAMGR_PT_MGMT */
	__u8 dir;		/* in: HBAMGR_DIR_* */
	__u8 cdb_len;		/* in: SCSI: HBAMGR_CDB_MIN..MAX; MGMT: 0 */
	__u8 pad0;		/* in: must be 0 */
	__u16 target;		/* in: SCSI: VD id (or PD id with F_PHYS) */
	__u16 lun;		/* in: must be 0 */
	__u32 opcode;		/* in: MGMT: HBAMGR_MGMT_*; SCSI: must be 0 */
	__u32 timeout_ms;	/* in: 0 = default; max HBAMGR_PT_TIMEOUT_MAX_MS */
	__u8 cdb[HBAMGR_CDB_MAX];	/* in: SCSI CDB, or MGMT parameter block */
	__u64 data_ptr;		/* in: user buffer, or 0 when data_len is 0 */
	__u32 data_len;		/* in: bytes, at most hbamgr_info.max_transfer */
	__u32 sense_len;	/* in: sense buffer size, <= HBAMGR_SENSE_MAX */
	__u64 sense_ptr;	/* in: user sense buffer */
	__u32 status;		/* out: enum hbamgr_status */
	__u8 scsi_status;	/* out: SCSI status byte */
	__u8 sense_len_out;	/* out: sense bytes written */
	__u16 pad1;		/* out: zero */
	__u32 resid;		/* out: data_len minus bytes transferred */
	__u32 result;		/* out: MGMT: opcode result (new VD id, count) */
	__u64 reserved[2];	/* in: must be 0 */
	/* ABI 1.1 (HBAMGR_FEAT_REASON): why a MGMT frame was refused. */
	__u16 reason;		/* out: enum hbamgr_reason */
	__u16 reason_id;	/* out: the object or field it names */
	__u32 pad2;		/* out: zero */
	__u64 reason_value;	/* out: the value refused */
	__u64 reason_limit;	/* out: the limit that value broke */
};

/*
 * hbamgr_passthru.reason: why the firmware refused a MGMT frame (status
 * INVALID_PARAM, INVALID_STATE, NO_DEVICE), so that a tool can name the
 * field or the object; HBAMGR_RSN_NONE when the status is OK or the
 * firmware gives no reason.  reason_id, reason_value and reason_limit mean
 * what the comment says (unused ones are 0).
 */
enum hbamgr_reason {
	HBAMGR_RSN_NONE = 0,
	HBAMGR_RSN_FIELD = 1,		/* id: byte offset of the field in the
					 * parameter block (or in the data of
					 * VD_CREATE); value: its value; limit:
					 * the largest allowed (0: must be 0)
					 */
	HBAMGR_RSN_DIRECTION = 2,	/* value: dir; the opcode wants another */
	HBAMGR_RSN_DATA_LEN = 3,	/* value: data_len; limit: bytes needed */
	HBAMGR_RSN_RAID_LEVEL = 4,	/* value: level; limit: bit n set for
					 * each supported level n
					 */
	HBAMGR_RSN_TOO_FEW_PDS = 5,	/* id: RAID level; value: members;
					 * limit: the fewest allowed
					 */
	HBAMGR_RSN_TOO_MANY_PDS = 6,	/* id: RAID level; value: members;
					 * limit: the most allowed
					 */
	HBAMGR_RSN_ODD_PDS = 7,		/* id: RAID level (needs an even
					 * number); value: members
					 */
	HBAMGR_RSN_STRIP_SIZE = 8,	/* value: strip_kb; limit:
					 * HBAMGR_STRIP_KB_MAX (a power of two
					 * from HBAMGR_STRIP_KB_MIN)
					 */
	HBAMGR_RSN_NAME = 9,		/* id: byte index in name[]; value: the
					 * byte (printable ASCII 0x20..0x7e,
					 * NUL-padded)
					 */
	HBAMGR_RSN_PD_MISSING = 10,	/* id: PD id; no such drive */
	HBAMGR_RSN_PD_REPEATED = 11,	/* id: PD id listed twice */
	HBAMGR_RSN_PD_STATE = 12,	/* id: PD id; value: its enum
					 * hbamgr_pd_state; limit: the VD it
					 * belongs to, or HBAMGR_ID_NONE
					 */
	HBAMGR_RSN_BLOCK_SIZE = 13,	/* id: PD id; value: its logical block
					 * size; limit: the first member's
					 */
	HBAMGR_RSN_VD_COUNT = 14,	/* limit: the most VDs the adapter holds */
	HBAMGR_RSN_VD_SIZE = 15,	/* value: num_blocks; limit: the most
					 * the members hold
					 */
	HBAMGR_RSN_VD_MISSING = 16,	/* id: VD id; no such VD */
};

/* hbamgr_reset.flags */
#define HBAMGR_RESET_F_WAIT	(1U << 0)	/* return when LIVE or DEAD */
#define HBAMGR_RESET_F_ALL	(HBAMGR_RESET_F_WAIT)

/* HBAMGR_IOC_RESET argument (needs CAP_SYS_ADMIN). */
struct hbamgr_reset {
	__u32 size;		/* in */
	__u32 flags;		/* in: HBAMGR_RESET_F_* */
	__u32 state;		/* out: state when the call returned */
	__u32 reset_count;	/* out: reset count when the call returned */
	__u64 reserved[2];	/* in: must be 0 */
};

#define HBAMGR_IOC_MAGIC	0xB8
#define HBAMGR_IOC_GET_INFO	_IOWR(HBAMGR_IOC_MAGIC, 0x01, struct hbamgr_info)
#define HBAMGR_IOC_PASSTHRU	_IOWR(HBAMGR_IOC_MAGIC, 0x02, struct hbamgr_passthru)
#define HBAMGR_IOC_RESET	_IOWR(HBAMGR_IOC_MAGIC, 0x03, struct hbamgr_reset)

/*
 * Events: read(2) on the adapter's file returns whole struct hbamgr_event
 * records (a buffer smaller than one record: -EINVAL); poll(2) reports
 * EPOLLIN while records are queued and EPOLLHUP once the adapter is removed.
 * Each opener has its own ring; when it overflows the oldest records are
 * dropped and one HBAMGR_EVT_TYPE_OVERFLOW record takes their place.
 */
#define HBAMGR_EVT_TYPE_RECORD		1
#define HBAMGR_EVT_TYPE_OVERFLOW	2	/* arg0 = records dropped */

/* hbamgr_event.event_class */
enum hbamgr_event_class {
	HBAMGR_EVC_CTRL = 1,
	HBAMGR_EVC_ENCL = 2,
	HBAMGR_EVC_PD = 3,
	HBAMGR_EVC_VD = 4,
	HBAMGR_EVC_BGOP = 5,
};

/* hbamgr_event.severity */
enum hbamgr_severity {
	HBAMGR_SEV_INFO = 0,
	HBAMGR_SEV_WARNING = 1,
	HBAMGR_SEV_CRITICAL = 2,
	HBAMGR_SEV_FATAL = 3,
};

/* hbamgr_event.code; arg0/arg1 meaning in the comment. */
enum hbamgr_event_code {
	HBAMGR_EVT_CTRL_RESET_DONE = 0x0001,	/* arg0: reset count */
	HBAMGR_EVT_CTRL_FW_FAULT = 0x0002,	/* arg0: fault code */
	HBAMGR_EVT_CTRL_STATUS_NOTIFY = 0x0003,	/* arg0: storm index */
	HBAMGR_EVT_CTRL_NVRAM_ERROR = 0x0004,	/* arg0: errno (1.1) */
	HBAMGR_EVT_ENCL_LINK_DOWN = 0x0101,
	HBAMGR_EVT_ENCL_LINK_UP = 0x0102,
	HBAMGR_EVT_PD_INSERTED = 0x0201,
	HBAMGR_EVT_PD_REMOVED = 0x0202,
	HBAMGR_EVT_PD_STATE_CHANGE = 0x0203,	/* arg0: old, arg1: new state */
	HBAMGR_EVT_PD_PREDICTIVE_FAIL = 0x0204,
	HBAMGR_EVT_PD_TEMPERATURE = 0x0205,	/* arg0: degrees C */
	HBAMGR_EVT_PD_MEDIA_ERROR = 0x0206,	/* arg0: lba low, arg1: lba high */
	HBAMGR_EVT_PD_LOCATE = 0x0207,		/* arg0: 1 on, 0 off */
	HBAMGR_EVT_VD_CREATED = 0x0301,		/* arg0: raid level */
	HBAMGR_EVT_VD_DELETED = 0x0302,
	HBAMGR_EVT_VD_STATE_CHANGE = 0x0303,	/* arg0: old, arg1: new state */
	HBAMGR_EVT_BGOP_STARTED = 0x0401,	/* arg0: type, arg1: resumed at pm */
	HBAMGR_EVT_BGOP_PROGRESS = 0x0402,	/* arg0: type, arg1: per-mille */
	HBAMGR_EVT_BGOP_DONE = 0x0403,		/* arg0: type, arg1: errors */
	HBAMGR_EVT_BGOP_ABORTED = 0x0404,	/* arg0: type */
	HBAMGR_EVT_BGOP_INCONSISTENT = 0x0405,	/* arg0: lba low, arg1: high */
	/*
	 * From HBAMGR_EVT_HOST_FIRST on: codes of host software's own records
	 * (ABI 1.1).  The firmware never emits them; they appear only in a
	 * host's event history, never in read(2) or EVTLOG_GET.
	 */
	HBAMGR_EVT_HOST_EVENTS_LOST = 0xf001,	/* arg0/arg1: seqs lost, low/high */
};

#define HBAMGR_EVT_HOST_FIRST	0xf000	/* first code reserved for hosts */

#define HBAMGR_ID_NONE	0xffff	/* encl_id/slot/pd_id/vd_id not relevant */

struct hbamgr_event {
	__u64 seq;		/* firmware sequence number, from 1, +1 each */
	__u64 timestamp_ns;	/* firmware time, CLOCK_REALTIME ns */
	__u16 type;		/* HBAMGR_EVT_TYPE_* */
	__u8 event_class;	/* enum hbamgr_event_class */
	__u8 severity;		/* enum hbamgr_severity */
	__u32 code;		/* enum hbamgr_event_code */
	__u16 encl_id;
	__u16 slot;
	__u16 pd_id;
	__u16 vd_id;
	__u32 arg0;
	__u32 arg1;
	char description[HBAMGR_EVT_DESC_LEN];	/* NUL-terminated, human readable */
};

/*
 * Management frames (HBAMGR_PT_MGMT): opcode plus a 32-byte parameter block
 * in cdb[] (struct hbamgr_mbox_* below, little-endian host order) and an
 * optional data buffer.  Opcodes marked [admin] need CAP_SYS_ADMIN.
 */
enum hbamgr_mgmt_opcode {
	HBAMGR_MGMT_CTRL_GET_INFO = 0x0100,	/* FROM_DEV hbamgr_ctrl_info */
	HBAMGR_MGMT_CTRL_SET_PROPS = 0x0101,	/* [admin] mbox ctrl_props */
	HBAMGR_MGMT_ENCL_LIST = 0x0200,	/* FROM_DEV hbamgr_encl_info[] */
	HBAMGR_MGMT_PD_LIST = 0x0300,	/* FROM_DEV hbamgr_pd_info[] */
	HBAMGR_MGMT_PD_SET_STATE = 0x0301,	/* [admin] mbox pd_state */
	HBAMGR_MGMT_PD_LOCATE = 0x0302,	/* [admin] mbox pd_locate */
	HBAMGR_MGMT_VD_LIST = 0x0400,	/* FROM_DEV hbamgr_vd_info[] */
	HBAMGR_MGMT_VD_CREATE = 0x0401,	/* [admin] TO_DEV hbamgr_vd_create */
	HBAMGR_MGMT_VD_DELETE = 0x0402,	/* [admin] mbox vd_delete */
	HBAMGR_MGMT_BGOP_START = 0x0500,	/* [admin] mbox bgop */
	HBAMGR_MGMT_BGOP_STOP = 0x0501,	/* [admin] mbox bgop */
	HBAMGR_MGMT_BGOP_LIST = 0x0502,	/* FROM_DEV hbamgr_bgop_info[] */
	HBAMGR_MGMT_EVTLOG_INFO = 0x0600,	/* FROM_DEV hbamgr_evtlog_info */
	HBAMGR_MGMT_EVTLOG_GET = 0x0601,	/* FROM_DEV hbamgr_event[] */
	HBAMGR_MGMT_FAULT_INJECT = 0x0700,	/* [admin] mbox fault */
};

/* List opcodes: result = records written; NO_SPACE with resid = bytes needed. */

/* Physical drive states. */
enum hbamgr_pd_state {
	HBAMGR_PD_UNCONFIGURED_GOOD = 0,
	HBAMGR_PD_UNCONFIGURED_BAD = 1,
	HBAMGR_PD_HOTSPARE = 2,
	HBAMGR_PD_ONLINE = 3,
	HBAMGR_PD_OFFLINE = 4,
	HBAMGR_PD_FAILED = 5,
	HBAMGR_PD_REBUILD = 6,
	HBAMGR_PD_MISSING = 7,
};

/* Virtual drive states. */
enum hbamgr_vd_state {
	HBAMGR_VD_OPTIMAL = 0,
	HBAMGR_VD_PARTIALLY_DEGRADED = 1,	/* RAID 6: one member lost */
	HBAMGR_VD_DEGRADED = 2,
	HBAMGR_VD_OFFLINE = 3,			/* too many members lost */
};

enum hbamgr_pd_interface {
	HBAMGR_IF_SAS = 1,
	HBAMGR_IF_SATA = 2,
};

enum hbamgr_bgop_type {
	HBAMGR_BGOP_REBUILD = 1,	/* target: PD id being rebuilt */
	HBAMGR_BGOP_INIT = 2,		/* target: VD id */
	HBAMGR_BGOP_CC = 3,		/* consistency check, target: VD id */
	HBAMGR_BGOP_PATROL = 4,		/* target: HBAMGR_ID_NONE */
};

enum hbamgr_bgop_state {
	HBAMGR_BGOP_RUNNING = 1,
	HBAMGR_BGOP_DONE = 2,
	HBAMGR_BGOP_ABORTED = 3,
	HBAMGR_BGOP_FAILED = 4,
};

struct hbamgr_ctrl_info {
	char model[32];
	char serial[24];
	char fw_version[16];
	__u64 sas_address;
	__u32 num_enclosures;
	__u32 num_pds;
	__u32 num_vds;
	__u32 max_vds;
	__u32 temperature_c;
	__u32 rebuild_rate;	/* percent of time given to bgops, 1..100 */
	__u32 patrol_enabled;	/* 0 or 1 */
	__u32 memory_mb;
	__u64 fw_uptime_s;
	__u64 reserved[4];
};

struct hbamgr_encl_info {
	__u16 encl_id;
	__u16 num_slots;
	__u8 link_up;		/* 0 or 1 */
	__u8 pad[3];
	char vendor[8];
	char product[16];
	__u32 temperature_c;
	__u32 reserved[3];
};

struct hbamgr_pd_info {
	__u16 pd_id;		/* device id; HBAMGR_PT_F_PHYS target */
	__u16 encl_id;
	__u16 slot;
	__u16 vd_id;		/* HBAMGR_ID_NONE when not a VD member */
	__u8 state;		/* enum hbamgr_pd_state */
	__u8 interface;		/* enum hbamgr_pd_interface */
	__u8 media_ssd;		/* 0 = rotating, 1 = solid state */
	__u8 locate_on;		/* 0 or 1 */
	__u32 logical_block_size;	/* 512 or 4096 */
	__u32 physical_block_size;
	__u32 pad0;
	__u64 num_blocks;	/* in logical blocks */
	char vendor[8];
	char model[24];
	char serial[24];
	char fw_rev[8];
	__u64 sas_address;
	__u32 temperature_c;
	__u32 media_errors;
	__u32 other_errors;
	__u32 predictive_failures;
	__u32 rotation_rpm;	/* 0 for SSD */
	__u32 power_on_hours;
	__u32 reserved[4];
};

struct hbamgr_vd_info {
	__u16 vd_id;
	__u8 raid_level;	/* 0, 1, 5, 6 or 10 */
	__u8 state;		/* enum hbamgr_vd_state */
	__u32 strip_kb;		/* strip size per member */
	__u64 num_blocks;	/* in logical blocks */
	__u32 logical_block_size;
	__u16 num_pds;
	__u16 pad;
	__u16 pd_ids[HBAMGR_VD_MAX_PDS];	/* members in stripe order */
	char name[HBAMGR_VD_NAME_LEN];
	__u32 reserved[4];
};

struct hbamgr_bgop_info {
	__u8 type;		/* enum hbamgr_bgop_type */
	__u8 state;		/* enum hbamgr_bgop_state */
	__u16 target;		/* PD id (rebuild) or VD id */
	__u32 progress_pm;	/* per-mille done, 0..1000 */
	__u64 started_ns;	/* firmware time, CLOCK_REALTIME ns */
	__u64 errors;		/* inconsistencies or media errors found */
	__u32 reserved[4];
};

struct hbamgr_evtlog_info {
	__u64 oldest_seq;	/* 0 when the log is empty */
	__u64 newest_seq;
	__u32 capacity;		/* records the log holds */
	__u32 reserved;
	__u64 log_id;		/* this log's identity; a new id: seq restarted */
};

/* VD_CREATE data (TO_DEV). size 0 = use all capacity of the members. */
struct hbamgr_vd_create {
	__u8 raid_level;
	__u8 num_pds;
	__u16 pad;
	__u32 strip_kb;		/* 0 = HBAMGR_STRIP_KB_DEFAULT */
	__u64 num_blocks;	/* 0 = largest */
	__u16 pd_ids[HBAMGR_VD_MAX_PDS];
	char name[HBAMGR_VD_NAME_LEN];	/* printable ASCII, NUL-padded */
	__u32 flags;		/* HBAMGR_VD_CREATE_F_* */
	__u32 reserved[3];
};

#define HBAMGR_VD_CREATE_F_INIT	(1U << 0)	/* start background init */

/* Parameter blocks in cdb[] for MGMT opcodes (all 32 bytes). */
struct hbamgr_mbox_pd_state {		/* PD_SET_STATE */
	__u16 pd_id;
	__u8 state;		/* ONLINE, OFFLINE, UNCONFIGURED_GOOD, HOTSPARE */
	__u8 pad[29];
};

struct hbamgr_mbox_pd_locate {		/* PD_LOCATE */
	__u16 pd_id;
	__u8 on;
	__u8 pad[29];
};

struct hbamgr_mbox_vd_delete {		/* VD_DELETE */
	__u16 vd_id;
	__u8 pad[30];
};

struct hbamgr_mbox_bgop {		/* BGOP_START / BGOP_STOP */
	__u8 type;		/* enum hbamgr_bgop_type */
	__u8 pad0;
	__u16 target;
	__u8 pad[28];
};

struct hbamgr_mbox_ctrl_props {	/* CTRL_SET_PROPS */
	__u32 rebuild_rate;	/* 1..100, 0 = unchanged */
	__u32 patrol_enabled;	/* 0 = off, 1 = on, 2 = unchanged */
	__u8 pad[24];
};

struct hbamgr_mbox_evtlog {		/* EVTLOG_GET */
	__u64 start_seq;	/* first sequence number wanted */
	__u32 max_records;	/* also bounded by data_len */
	__u8 pad[20];
};

enum hbamgr_fault {
	HBAMGR_FAULT_DRIVE_FAIL = 1,	/* arg: pd id */
	HBAMGR_FAULT_FW_FAULT = 2,	/* arg: fault code */
	HBAMGR_FAULT_LOSE_COMPLETION = 3,	/* next count replies vanish */
	HBAMGR_FAULT_LATE_COMPLETION = 4,	/* next count, delay_ms late */
	HBAMGR_FAULT_DUP_COMPLETION = 5,	/* next count replies posted twice */
	HBAMGR_FAULT_SRB_STORM = 6,	/* count events now, or arg per s */
	HBAMGR_FAULT_LINK_DOWN = 7,	/* arg: enclosure id */
	HBAMGR_FAULT_LINK_UP = 8,	/* arg: enclosure id */
	HBAMGR_FAULT_MEDIA_ERROR = 9,	/* arg: pd id, lba: block */
	HBAMGR_FAULT_TEMPERATURE = 10,	/* arg: pd id, count: degrees C */
	HBAMGR_FAULT_STORM_ON_RESET = 11,	/* count events at next recovery */
	HBAMGR_FAULT_CLEAR = 12,	/* cancel pending completion faults */
};

struct hbamgr_mbox_fault {		/* FAULT_INJECT */
	__u32 fault;		/* enum hbamgr_fault */
	__u32 arg;
	__u32 count;
	__u32 delay_ms;
	__u64 lba;
	__u8 pad[8];
};

#endif /* _UAPI_LINUX_HBAMGR_H */
